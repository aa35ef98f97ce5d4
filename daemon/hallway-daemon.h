/* hallway-daemon.h: hallwayd, the per-user service
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hallway-constants.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_DAEMON (hallway_daemon_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemon, hallway_daemon, HALLWAY, DAEMON, GApplication)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemon *hallway_daemon_new        (void);
int            hallway_daemon_get_status (HallwayDaemon *self);

G_END_DECLS
