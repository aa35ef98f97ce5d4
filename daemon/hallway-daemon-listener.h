/* hallway-daemon-listener.h: accepting HTTPS connections for the SoupServer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A client must finish its TLS handshake within this time. */
#define HALLWAY_LISTENER_HANDSHAKE_TIMEOUT_S 10
/* An idle kept-alive connection is closed after this long; longer than
 * Hallway's own clients keep theirs (HALLWAY_CLIENT_IDLE_TIMEOUT_S), so
 * they are the ones to close it. */
#define HALLWAY_LISTENER_IDLE_TIMEOUT_S      90

#define HALLWAY_TYPE_DAEMON_LISTENER (hallway_daemon_listener_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonListener, hallway_daemon_listener, HALLWAY, DAEMON_LISTENER,
                      GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonListener *hallway_daemon_listener_new     (SoupServer            *server,
                                                        GTlsCertificate       *certificate);
gboolean               hallway_daemon_listener_listen  (HallwayDaemonListener *self,
                                                        GInetAddress          *address,
                                                        guint16                port,
                                                        GError               **error);
guint16                hallway_daemon_listener_get_port (HallwayDaemonListener *self);
guint                  hallway_daemon_listener_get_n_open     (HallwayDaemonListener *self);
guint64                hallway_daemon_listener_get_n_accepted (HallwayDaemonListener *self);

GSocket               *hallway_daemon_listener_get_socket           (SoupServerMessage *msg);
GTlsCertificate       *hallway_daemon_listener_get_peer_certificate (SoupServerMessage *msg);
const char            *hallway_daemon_listener_get_peer_id          (SoupServerMessage *msg);

G_END_DECLS
