/* hallway-daemon-drops-private.h: what the aspects of the drops receiver
 * share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HallwayDaemonDrops is one class split by aspect: the offers and their
 * Offer1 objects (hallway-daemon-drops.c), the HTTP receiver
 * (-receive.c), the files an offer writes (-files.c), the desktop
 * notifications (-notify.c) and the offers kept across restarts
 * (-store.c).
 */
#pragma once

#include "hallway-daemon-drops.h"
#include "hallway-dbus.h"
#include "hallway-part-file.h"
#include "hallway-state-file.h"

G_BEGIN_DECLS

#define HALLWAY_DROPS_API_PREFIX "/api/v1/drops"

/* An offer's states; _drops_state_names[] are their names on the wire
 * and on D-Bus. */
typedef enum
{
  STATE_PENDING,
  STATE_ACCEPTED,
  STATE_DECLINED,
  STATE_EXPIRED,
  STATE_CANCELLED,
  STATE_DONE,
  STATE_FAILED,
} OfferState;

extern const char * const _drops_state_names[];

typedef struct _Offer  Offer;
typedef struct _Writer Writer;

/* One file of an offer. */
typedef struct
{
  char    *path;       /* sanitized, relative */
  guint64  size;
  gboolean accepted;
  gboolean complete;
  guint64  received;
  char    *dir;        /* (nullable) the folder it goes in, relative, once made */
  char    *part;       /* (nullable) its part file's name there, once made */
  char    *final;      /* (nullable) the name it got, once complete */
  Writer  *writer;     /* (nullable) (unowned) the PUT filling it */
} DropFile;

struct _Offer
{
  HallwayDaemonDrops        *self;      /* (unowned) */
  char                      *id;        /* the sender's handle: 32 hex digits */
  char                      *short_id;  /* the person's: "3" */
  char                      *peer_id;
  char                      *peer_name;
  gboolean                   trusted;
  gboolean                   notified;  /* the person was told of it (alone or grouped) */
  GPtrArray                 *files;     /* DropFile */
  guint64                    total;
  OfferState                 state;
  gint64                     expires;
  gint64                     ended;     /* monotonic time it ended, for pruning */
  char                      *folder;    /* (nullable) until accepted */
  char                      *message;   /* (nullable) why it failed */
  GArray                    *accepted;  /* guint */
  guint                      expire_id;
  GList                     *waiters;   /* Waiter */
  gint64                     bytes_notified;
  HallwayDBusObjectSkeleton *object;
  HallwayDBusOffer1         *iface;
};

/* A sender long-polling for the answer (GET ?wait=N), paused meanwhile. */
typedef struct
{
  Offer             *offer;    /* (unowned): waiters end before offers */
  SoupServerMessage *msg;
  guint              timeout_id;
  gulong             finished_id;
} Waiter;

/* One PUT filling one file. */
struct _Writer
{
  HallwayDaemonDrops *self;
  SoupServerMessage  *msg;
  char               *offer_id;
  guint               index;
  HallwayPartWriter  *part;
  guint64             start;
  guint               status;     /* an error answered while receiving */
  gboolean            superseded;
};

struct _HallwayDaemonDrops
{
  GObject                   parent_instance;

  GApplication             *app;        /* (unowned) */
  GDBusObjectManagerServer *manager;
  HallwayPins              *pins;
  HallwayProblemFunc        problem_func;
  gpointer                  problem_data;
  GSettings                *settings;   /* (nullable) without a schema */
  char                     *state_path;
  SoupServer               *server;
  GHashTable               *offers;     /* id → Offer */
  GHashTable               *by_short;   /* short id → Offer (unowned) */
  guint                     next_short;
  gboolean                  accepts;
  gboolean                  unverified_grouped; /* their offers are told of as one */
  HallwayStateFile         *state_file; /* (nullable) the offers being received */
};

/* hallway-daemon-drops.c: offers */
char     *_drops_dup_policy          (HallwayDaemonDrops *self);
guint     _drops_get_timeout         (HallwayDaemonDrops *self);
char     *_drops_dup_receive_folder  (HallwayDaemonDrops *self);
gboolean  _drops_free_space          (const char         *folder,
                                      guint64            *out_available);
char     *_drops_no_space_message    (const char         *folder,
                                      guint64             needed,
                                      guint64             available);
void      _drops_file_free           (DropFile           *file);
gboolean  _drops_state_has_ended     (OfferState          state);
guint     _drops_count_pending       (HallwayDaemonDrops *self,
                                      const char         *peer_id,
                                      gboolean            untrusted_only);
void      _drops_prune_ended         (HallwayDaemonDrops *self);
char     *_drops_new_offer_id        (void);
Offer    *_drops_offer_add           (HallwayDaemonDrops *self,
                                      const char         *id,
                                      const char         *peer_id,
                                      const char         *peer_name,
                                      gboolean            trusted);
void      _drops_offer_export        (Offer              *offer);
void      _drops_offer_publish       (Offer              *offer);
guint64   _drops_offer_received      (Offer              *offer);
void      _drops_offer_update_bytes  (Offer              *offer,
                                      gboolean            force);
void      _drops_offer_set_state     (Offer              *offer,
                                      OfferState          state,
                                      const char         *message);
void      _drops_offer_end           (Offer              *offer,
                                      OfferState          state,
                                      const char         *message);
gboolean  _drops_offer_accept        (Offer              *offer,
                                      GArray             *indexes,
                                      const char         *folder,
                                      GError            **error);

/* hallway-daemon-drops-files.c: what an offer writes */
int       _drops_open_file_dir       (Offer              *offer,
                                      DropFile           *file,
                                      int                 root_fd,
                                      gboolean            create,
                                      GError            **error);
int       _drops_open_part           (Offer              *offer,
                                      DropFile           *file,
                                      int                 dir_fd,
                                      GError            **error);
gboolean  _drops_commit_file         (Offer              *offer,
                                      DropFile           *file,
                                      HallwayPartWriter  *part,
                                      GError            **error);
void      _drops_complete_empty_files (Offer             *offer);
gboolean  _drops_offer_all_complete  (Offer              *offer);
void      _drops_offer_remove_parts  (Offer              *offer);
void      _drops_file_find_part      (Offer              *offer,
                                      DropFile           *file);

/* hallway-daemon-drops-receive.c: the HTTP side */
void      _drops_answer_waiters      (Offer              *offer);
void      _drops_receive_detach      (HallwayDaemonDrops *self);

/* hallway-daemon-drops-notify.c */
void      _drops_notify_init         (HallwayDaemonDrops *self);
void      _drops_notify_clear        (HallwayDaemonDrops *self);
void      _drops_maybe_notify        (Offer              *offer);
void      _drops_withdraw_notification (Offer            *offer);

/* hallway-daemon-drops-store.c */
void      _drops_store_open          (HallwayDaemonDrops *self,
                                      const char         *path);
void      _drops_store_close         (HallwayDaemonDrops *self);
void      _drops_save                (HallwayDaemonDrops *self);

G_END_DECLS
