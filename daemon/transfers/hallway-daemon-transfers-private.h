/* hallway-daemon-transfers-private.h: what the aspects of the transfer
 * engine share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HallwayDaemonTransfers is one class split by aspect: the engine (queue,
 * states, retries, saving, D-Bus) in hallway-daemon-transfers.c, and one
 * file per kind of transfer and what it needs: -listing.c and
 * -download.c (with -folder-stream.c), -upload.c, -send.c. A transfer's
 * kind is a TransferKind, a small table of operations the engine calls.
 */
#pragma once

#include "hallway-daemon-transfers.h"
#include "hallway-dbus.h"
#include "hallway-state-file.h"
#include "hallway-transfer.h"

G_BEGIN_DECLS

typedef struct _HallwayDaemonTransfer Transfer;

/* A file of a transfer: @size is -1 for a folder (in an upload's list). */
typedef struct
{
  char   *rel;        /* relative to the transfer: "Reports/q1.pdf" */
  GStrv   remote;     /* its path in the share */
  char   *local_dir;  /* the local folder it goes into; an upload's: the local item */
  char   *name;
  gint64  size;       /* as listed */
} FileItem;

/* A folder of a download, still to list. */
typedef struct
{
  char  *rel;
  GStrv  remote;
  char  *local_dir;   /* created */
} FolderItem;

/**
 * TransferKind:
 * @name: "download", "upload" or "send": the saved kind and the Kind property
 * @identity_in_doubt: why nothing moves while the neighbour's identity is
 *   in doubt (untranslated; N_())
 * @run: starts or continues a transfer just set running, with a new
 *   cancellable and generation
 * @cancel: (nullable): tells the other side when the person cancels
 * @describe: what the Path and Destination properties show
 *
 * What the engine needs to know of a kind of transfer.
 */
typedef struct
{
  const char *name;
  const char *identity_in_doubt;
  void      (*run)      (Transfer    *t);
  void      (*cancel)   (Transfer    *t);
  void      (*describe) (Transfer    *t,
                         char       **out_path,
                         char       **out_destination);
} TransferKind;

extern const TransferKind _transfer_kind_download;
extern const TransferKind _transfer_kind_upload;
extern const TransferKind _transfer_kind_send;

struct _HallwayDaemonTransfer
{
  gatomicrefcount            ref_count;
  HallwayDaemonTransfers    *owner;        /* (unowned) NULL once the engine is gone */
  const TransferKind        *kind;
  HallwayDBusObjectSkeleton *object;
  HallwayDBusTransfer1      *iface;
  HallwayTransferRecord     *record;       /* what is saved */
  char                      *state;
  GHashTable                *done;         /* rel → itself: files finished */
  GPtrArray                 *files;        /* FileItem, once listed */
  GQueue                    *folders;      /* FolderItem still to list */
  gboolean                   listed;
  guint                      next_file;
  GCancellable              *cancellable;  /* the current attempt's */
  guint                      generation;   /* callbacks of older attempts are ignored */
  guint                      retry_id;
  guint                      failures;     /* in a row, for the back-off */
  char                      *part_path;    /* the current file's part, if any */
  guint64                    done_bytes;   /* in finished files */
  guint64                    current_bytes;
  guint64                    rate_bytes;
  gint64                     rate_time;
  double                     rate;
  guint                      verified;     /* files checked against the neighbour's SHA-256 */
  guint                      mismatches;   /* of the current file, in a row */
  guint                      collision;    /* upload: 1, or n of "name (n)" tried next */
  gboolean                   folder;       /* a folder (or a whole share) is copied */
  gboolean                   bulk_refused; /* the neighbour sends no folder streams */
  gboolean                   bulk_done;    /* a folder stream came whole: the rest one by one */
  guint                      bulk_failures; /* folder streams that brought nothing, in a row */
  gboolean                   push_refused; /* upload: the neighbour takes no upload streams */
  guint                      push_changes; /* upload: walked again as a file changed, in a row */
};

struct _HallwayDaemonTransfers
{
  GObject                   parent_instance;

  GDBusObjectManagerServer *manager;
  HallwayClient            *client;
  HallwayDaemonPeers       *peers;
  char                     *state_path;
  GPtrArray                *transfers;    /* Transfer, oldest first */
  guint                     next_id;
  guint                     progress_id;
  gulong                    peer_online_id;
  gboolean                  started;
  HallwayStateFile         *state_file;   /* the saved queue */
  GHashTable               *parts;        /* part file path → Transfer writing it */
};

/* hallway-daemon-transfers.c: the engine */
Transfer *_transfer_ref                (Transfer                *t);
void      _transfer_unref              (Transfer                *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Transfer, _transfer_unref)
void      _transfer_file_item_free     (gpointer                 data);
void      _transfer_folder_item_free   (gpointer                 data);
gboolean  _transfer_state_is_finished  (const char              *state);
gboolean  _transfer_is_current         (Transfer                *t,
                                        guint                    generation);
gboolean  _transfer_is_active          (Transfer                *t,
                                        guint                    generation);
void      _transfer_log                (Transfer                *t,
                                        GLogLevelFlags           level,
                                        const char              *message);
void      _transfer_update_progress    (Transfer                *t);
void      _transfer_set_state          (Transfer                *t,
                                        const char              *state,
                                        const char              *error);
void      _transfer_set_part_path      (Transfer                *t,
                                        const char              *path);
void      _transfer_finish             (Transfer                *t,
                                        const char              *state,
                                        const char              *error);
void      _transfer_fail               (Transfer                *t,
                                        const char              *message);
void      _transfer_requeue            (Transfer                *t);
gboolean  _transfer_error_is_transient (const GError            *error);
void      _transfer_network_error      (Transfer                *t,
                                        const GError            *error);
gboolean  _transfer_find_endpoint      (Transfer                *t,
                                        char                   **out_address,
                                        guint16                 *out_port,
                                        GError                 **error);
gboolean  _transfer_get_endpoint       (Transfer                *t,
                                        char                   **out_address,
                                        guint16                 *out_port);
GError   *_transfer_stall_error_new    (void);
char     *_transfer_join_rel           (const char              *parent,
                                        const char              *name);
GStrv     _transfer_strv_append        (const char * const      *strv,
                                        const char              *extra);
GStrv     _transfer_split_path         (const char              *path);
void      _transfers_schedule          (HallwayDaemonTransfers  *self);
void      _transfers_save              (HallwayDaemonTransfers  *self);
void      _transfers_save_soon         (HallwayDaemonTransfers  *self);
void      _transfers_send_best_effort  (HallwayDaemonTransfers  *self,
                                        SoupMessage             *message,
                                        const char              *what);
gboolean  _transfers_find_peer         (HallwayDaemonTransfers  *self,
                                        const char              *peer,
                                        const TransferKind      *kind,
                                        char                   **out_peer_id,
                                        char                   **out_peer_name,
                                        GError                 **error);
gboolean  _transfers_resolve_target    (HallwayDaemonTransfers  *self,
                                        const char              *peer,
                                        const char              *share,
                                        const TransferKind      *kind,
                                        char                   **out_peer_id,
                                        char                   **out_peer_name,
                                        char                   **out_share_id,
                                        char                   **out_share_name,
                                        GError                 **error);
GPtrArray *_transfers_check_local_paths (const char * const     *paths,
                                         GError                **error);
const char *_transfers_add             (HallwayDaemonTransfers  *self,
                                        HallwayTransferRecord   *record);

/* hallway-daemon-transfers-listing.c: what a download copies */
void      _transfer_list_start         (Transfer                *t);

/* hallway-daemon-transfers-download.c */
void      _transfer_next_file          (Transfer                *t);

/* hallway-daemon-transfers-folder-stream.c */
gboolean  _transfer_try_folder_stream  (Transfer                *t);

/* hallway-daemon-transfers-upload.c */
GPtrArray *_transfer_walk              (const char              *root,
                                        GError                 **error);
void      _transfer_upload_next        (Transfer                *t);
void      _transfer_upload_mark_done   (Transfer                *t,
                                        const FileItem          *item,
                                        gint64                   size);
char     *_transfer_dup_refusal        (SoupMessage             *message,
                                        GBytes                  *body);

/* hallway-daemon-transfers-push.c */
gboolean  _transfer_try_push           (Transfer                *t);
void      _transfer_push_cancel        (Transfer                *t);

G_END_DECLS
