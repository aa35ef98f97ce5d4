/* hallway-daemon-transfers.h: copying files from and to neighbours, resumably
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hallway-client.h"
#include "hallway-constants.h"
#include "hallway-daemon-peers.h"

G_BEGIN_DECLS

#define HALLWAY_TRANSFERS_OBJECT_PATH "/io/github/hallwaylan/Hallway/transfers"

/* At most this many transfers move data at once; the others queue. */
#define HALLWAY_TRANSFERS_MAX_RUNNING    4
/* A request that moves no data for this long is given up and retried. */
#define HALLWAY_TRANSFER_STALL_S         8
/* Retries wait 1 s, 2 s, 4 s … up to this. */
#define HALLWAY_TRANSFER_MAX_BACKOFF_S   30
/* Progress reaches D-Bus at most every this many milliseconds. */
#define HALLWAY_TRANSFER_PROGRESS_MS     100

#define HALLWAY_TYPE_DAEMON_TRANSFERS (hallway_daemon_transfers_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonTransfers, hallway_daemon_transfers, HALLWAY, DAEMON_TRANSFERS,
                      GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonTransfers *hallway_daemon_transfers_new      (GDBusObjectManagerServer *manager,
                                                           HallwayClient            *client,
                                                           HallwayDaemonPeers       *peers,
                                                           const char               *state_path);
gboolean                hallway_daemon_transfers_load     (HallwayDaemonTransfers   *self,
                                                           GError                  **error);
void                    hallway_daemon_transfers_start    (HallwayDaemonTransfers   *self);
gboolean                hallway_daemon_transfers_save_now (HallwayDaemonTransfers   *self,
                                                           GError                  **error);
guint                   hallway_daemon_transfers_get_count (HallwayDaemonTransfers  *self);

G_GNUC_WARN_UNUSED_RESULT
GStrv                   hallway_daemon_transfers_download (HallwayDaemonTransfers   *self,
                                                           const char               *peer,
                                                           const char               *share,
                                                           const char * const       *paths,
                                                           const char               *destination,
                                                           GError                  **error);
G_GNUC_WARN_UNUSED_RESULT
GStrv                   hallway_daemon_transfers_upload   (HallwayDaemonTransfers   *self,
                                                           const char               *peer,
                                                           const char               *share,
                                                           const char               *remote_dir,
                                                           const char * const       *local_paths,
                                                           GError                  **error);
G_GNUC_WARN_UNUSED_RESULT
char                   *hallway_daemon_transfers_send     (HallwayDaemonTransfers   *self,
                                                           const char               *peer,
                                                           const char * const       *local_paths,
                                                           const char               *own_name,
                                                           GError                  **error);

G_END_DECLS
