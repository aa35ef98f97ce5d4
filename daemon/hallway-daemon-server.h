/* hallway-daemon-server.h: the HTTPS server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "hallway-daemon-listener.h"
#include "hallway-identity.h"
#include "hallway-info.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_DAEMON_SERVER (hallway_daemon_server_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonServer, hallway_daemon_server, HALLWAY, DAEMON_SERVER, GObject)

/* How many ports after the first one to try when it is taken. */
#define HALLWAY_DAEMON_SERVER_PORT_TRIES 32

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonServer *hallway_daemon_server_new        (HallwayIdentity      *identity);
gboolean             hallway_daemon_server_listen     (HallwayDaemonServer  *self,
                                                       GInetAddress         *address,
                                                       guint16               first_port,
                                                       GError              **error);
guint16              hallway_daemon_server_get_port   (HallwayDaemonServer  *self);
SoupServer          *hallway_daemon_server_get_soup_server (HallwayDaemonServer *self);
HallwayDaemonListener *hallway_daemon_server_get_listener (HallwayDaemonServer *self);
void                 hallway_daemon_server_set_info   (HallwayDaemonServer  *self,
                                                       const HallwayInfo    *info);

/* Builds the answer to GET /api/v1/info for one request (what it lists may
 * depend on who asks). Returns a new HallwayInfo. */
typedef HallwayInfo *(*HallwayDaemonInfoFunc) (SoupServerMessage *msg,
                                               gpointer           user_data);
void                 hallway_daemon_server_set_info_func (HallwayDaemonServer   *self,
                                                          HallwayDaemonInfoFunc  func,
                                                          gpointer               user_data);

/* Responses share one error shape: {"error": "...", "message": "..."}. */
void                 hallway_daemon_server_reply_error (SoupServerMessage   *msg,
                                                        guint                status,
                                                        const char          *error,
                                                        const char          *message);

void                 hallway_daemon_server_reply_not_allowed (SoupServerMessage *msg,
                                                              const char        *allow,
                                                              const char        *message);

/* Keeps the request body of @msg (from a "got-headers" or early handler)
 * in memory up to @max bytes: a larger one, announced or arriving, is
 * answered 413 with @message and its connection closed. */
void                 hallway_daemon_server_limit_body  (SoupServerMessage   *msg,
                                                        gsize                max,
                                                        const char          *message);

G_END_DECLS
