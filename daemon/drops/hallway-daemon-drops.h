/* hallway-daemon-drops.h: receiving files a colleague sends
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "hallway-daemon-access.h"
#include "hallway-pins.h"

G_BEGIN_DECLS

#define HALLWAY_DROPS_OBJECT_PATH       "/io/github/hallwaylan/Hallway/offers"
#define HALLWAY_DROPS_MAX_PENDING_PEER  4
#define HALLWAY_DROPS_MAX_PENDING       32
/* Computers that are not trusted colleagues share at most this many of
 * the pending offers, so a flood from throw-away identities never keeps a
 * trusted colleague's offer out. */
#define HALLWAY_DROPS_MAX_PENDING_UNTRUSTED 16
#define HALLWAY_DROPS_MAX_WAIT_S        60
/* Ended offers kept listed; older ones are forgotten. */
#define HALLWAY_DROPS_MAX_ENDED         64

#define HALLWAY_TYPE_DAEMON_DROPS (hallway_daemon_drops_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonDrops, hallway_daemon_drops, HALLWAY, DAEMON_DROPS, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonDrops *hallway_daemon_drops_new             (GApplication             *app,
                                                          GDBusObjectManagerServer *manager,
                                                          HallwayPins              *pins,
                                                          const char               *state_path);
void                hallway_daemon_drops_set_problem_func (HallwayDaemonDrops      *self,
                                                          HallwayProblemFunc        func,
                                                          gpointer                  user_data);
gboolean            hallway_daemon_drops_load            (HallwayDaemonDrops       *self,
                                                          GError                  **error);
gboolean            hallway_daemon_drops_save_now        (HallwayDaemonDrops       *self,
                                                          GError                  **error);
void                hallway_daemon_drops_attach          (HallwayDaemonDrops       *self,
                                                          SoupServer               *server);
gboolean            hallway_daemon_drops_get_accepts     (HallwayDaemonDrops       *self);

G_END_DECLS
