/* hallway-daemon-listener.h: accepting HTTPS connections for the SoupServer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "hallway-daemon-acceptor.h"

G_BEGIN_DECLS

/* Connections open at once from one address, and in all; the last
 * RESERVED of them only for addresses that proved a known certificate
 * (hallway-daemon-acceptor.c). */
#define HALLWAY_LISTENER_MAX_CONNS_PER_ADDRESS 32
#define HALLWAY_LISTENER_MAX_CONNS             512
#define HALLWAY_LISTENER_RESERVED_CONNS        64
/* A client must start its TLS handshake and finish it within this time. */
#define HALLWAY_LISTENER_HANDSHAKE_TIMEOUT_S 10
/* Once a request's first byte arrived, its headers must be whole within
 * this time and size. */
#define HALLWAY_LISTENER_HEADERS_TIMEOUT_S   10
#define HALLWAY_LISTENER_MAX_HEADER_BYTES    (64 * 1024)
/* An idle kept-alive connection is closed after this long; longer than
 * Hallway's own clients keep theirs (HALLWAY_CLIENT_IDLE_TIMEOUT_S), so
 * they are the ones to close it. */
#define HALLWAY_LISTENER_IDLE_TIMEOUT_S      90

/* Whether @device_id is the id of a certificate this computer knows. */
typedef gboolean (*HallwayDaemonListenerKnownFunc) (const char *device_id,
                                                    gpointer    user_data);

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
void                   hallway_daemon_listener_set_known_func (HallwayDaemonListener  *self,
                                                               HallwayDaemonListenerKnownFunc func,
                                                               gpointer                user_data);
void                   hallway_daemon_listener_set_limits     (HallwayDaemonListener  *self,
                                                               const HallwayDaemonLimits *limits);

GSocket               *hallway_daemon_listener_get_socket           (SoupServerMessage *msg);
GTlsCertificate       *hallway_daemon_listener_get_peer_certificate (SoupServerMessage *msg);
const char            *hallway_daemon_listener_get_peer_id          (SoupServerMessage *msg);

G_END_DECLS
