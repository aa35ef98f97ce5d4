/* hallway-daemon-transfers-private.h: what the send protocol needs of the
 * transfer engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hallway-daemon-transfers.h"
#include "hallway-transfer.h"

G_BEGIN_DECLS

/* One transfer of the engine; its fields stay inside hallway-daemon-transfers.c. */
typedef struct _Transfer HallwayDaemonTransfer;

/* A file found by the walker: @size is -1 for a folder. */
typedef struct
{
  char   *rel;     /* relative to the transfer: "Reports/q1.pdf" */
  char   *path;    /* the local file or folder */
  gint64  size;
} HallwayDaemonWalkItem;

HallwayDaemonTransfer  *_hallway_daemon_transfer_ref            (HallwayDaemonTransfer *t);
void                    _hallway_daemon_transfer_unref          (HallwayDaemonTransfer *t);
HallwayTransferRecord  *_hallway_daemon_transfer_get_record     (HallwayDaemonTransfer *t);
HallwayClient          *_hallway_daemon_transfer_get_client     (HallwayDaemonTransfer *t);
const char             *_hallway_daemon_transfer_get_state      (HallwayDaemonTransfer *t);
guint                   _hallway_daemon_transfer_get_generation (HallwayDaemonTransfer *t);
GCancellable           *_hallway_daemon_transfer_get_cancellable (HallwayDaemonTransfer *t);
gboolean                _hallway_daemon_transfer_is_active      (HallwayDaemonTransfer *t,
                                                                 guint                  generation);
gboolean                _hallway_daemon_transfer_get_endpoint   (HallwayDaemonTransfer *t,
                                                                 char                 **out_address,
                                                                 guint16               *out_port,
                                                                 GError               **error);
void                    _hallway_daemon_transfer_set_state      (HallwayDaemonTransfer *t,
                                                                 const char            *state,
                                                                 const char            *error);
void                    _hallway_daemon_transfer_set_destination
                                                               (HallwayDaemonTransfer *t,
                                                                const char            *destination);
void                    _hallway_daemon_transfer_set_bytes      (HallwayDaemonTransfer *t,
                                                                 guint64                done,
                                                                 guint64                current);
void                    _hallway_daemon_transfer_progressed     (HallwayDaemonTransfer *t);
void                    _hallway_daemon_transfer_finish         (HallwayDaemonTransfer *t,
                                                                 const char            *state,
                                                                 const char            *error);
void                    _hallway_daemon_transfer_network_error  (HallwayDaemonTransfer *t,
                                                                 const GError          *error);
void                    _hallway_daemon_transfer_requeue        (HallwayDaemonTransfer *t);
void                    _hallway_daemon_transfer_save           (HallwayDaemonTransfer *t);
void                    _hallway_daemon_transfer_save_soon      (HallwayDaemonTransfer *t);

G_GNUC_WARN_UNUSED_RESULT
GPtrArray              *_hallway_daemon_transfers_walk          (const char            *root,
                                                                 GError               **error);
void                    _hallway_daemon_walk_item_free          (HallwayDaemonWalkItem *item);
HallwayDaemonPeers     *_hallway_daemon_transfers_get_peers     (HallwayDaemonTransfers *self);
const char             *_hallway_daemon_transfers_add           (HallwayDaemonTransfers *self,
                                                                 HallwayTransferRecord  *record);

/* hallway-daemon-transfers-send.c */
void                    _hallway_daemon_send_run                (HallwayDaemonTransfer *t);
void                    _hallway_daemon_send_cancel             (HallwayDaemonTransfer *t);

G_END_DECLS
