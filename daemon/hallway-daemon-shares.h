/* hallway-daemon-shares.h: the folders this person shares (shares.ini)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hallway-share.h"

G_BEGIN_DECLS

/* Bounds on what one person can share, so a script can't grow the TXT
 * records and listings without end. */
#define HALLWAY_MAX_SHARES 64

#define HALLWAY_TYPE_DAEMON_SHARES (hallway_daemon_shares_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonShares, hallway_daemon_shares, HALLWAY, DAEMON_SHARES, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonShares *hallway_daemon_shares_new      (const char           *config_path,
                                                     const char           *private_dir);
gboolean             hallway_daemon_shares_load     (HallwayDaemonShares  *self,
                                                     GError              **error);
guint                hallway_daemon_shares_get_count (HallwayDaemonShares *self);
G_GNUC_WARN_UNUSED_RESULT
GPtrArray           *hallway_daemon_shares_dup_all  (HallwayDaemonShares  *self);
HallwayShare        *hallway_daemon_shares_lookup   (HallwayDaemonShares  *self,
                                                     const char           *id);
HallwayShare        *hallway_daemon_shares_find     (HallwayDaemonShares  *self,
                                                     const char           *name_or_id);
HallwayShare        *hallway_daemon_shares_add      (HallwayDaemonShares  *self,
                                                     const char           *path,
                                                     const char           *name,
                                                     HallwayShareAccess    access,
                                                     HallwayShareAudience  audience,
                                                     const char           *password,
                                                     GError              **error);
gboolean             hallway_daemon_shares_set_enabled (HallwayDaemonShares  *self,
                                                     const char           *name_or_id,
                                                     gboolean              enabled,
                                                     GError              **error);
gboolean             hallway_daemon_shares_remove   (HallwayDaemonShares  *self,
                                                     const char           *name_or_id,
                                                     GError              **error);

G_END_DECLS
