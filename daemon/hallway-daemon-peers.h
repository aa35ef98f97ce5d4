/* hallway-daemon-peers.h: the neighbours, found, probed and exported on D-Bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hallway-client.h"
#include "hallway-dnssd.h"
#include "hallway-pins.h"

G_BEGIN_DECLS

#define HALLWAY_PEERS_OBJECT_PATH "/io/github/hallwaylan/Hallway/peers"

/* A neighbour offline and neither trusted nor added by hand is forgotten
 * after this long. How often neighbours are asked whether they are up is
 * in hallway-daemon-peers-private.h. */
#define HALLWAY_PEER_FORGET_AFTER_S      300
#define HALLWAY_MAX_PEERS                512

#define HALLWAY_TYPE_DAEMON_PEERS (hallway_daemon_peers_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonPeers, hallway_daemon_peers, HALLWAY, DAEMON_PEERS, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonPeers *hallway_daemon_peers_new  (GDBusObjectManagerServer *manager,
                                               HallwayClient            *client,
                                               HallwayPins              *pins,
                                               const char               *own_id);
void     hallway_daemon_peers_load_remembered (HallwayDaemonPeers       *self);
const char *hallway_daemon_peers_get_own_id   (HallwayDaemonPeers       *self);
void     hallway_daemon_peers_service_resolved (HallwayDaemonPeers      *self,
                                                const HallwayDnssdService *service);
void     hallway_daemon_peers_service_removed (HallwayDaemonPeers       *self,
                                               const HallwayDnssdService *service);
void     hallway_daemon_peers_contacted       (HallwayDaemonPeers       *self,
                                               const char               *device_id);

/* Neighbours learned from other computers (hallway-daemon-gossip.c) */
G_GNUC_WARN_UNUSED_RESULT
GPtrArray *hallway_daemon_peers_dup_neighbours (HallwayDaemonPeers      *self);
void     hallway_daemon_peers_learned         (HallwayDaemonPeers       *self,
                                               const HallwayInfo        *info,
                                               const char               *address,
                                               guint16                   port);
void     hallway_daemon_peers_refresh         (HallwayDaemonPeers       *self,
                                               const char               *id);

gboolean hallway_daemon_peers_lookup       (HallwayDaemonPeers     *self,
                                           const char             *id_or_path,
                                           char                  **out_id,
                                           char                  **out_name,
                                           gboolean               *out_online);
gboolean hallway_daemon_peers_find_share   (HallwayDaemonPeers     *self,
                                           const char             *id,
                                           const char             *query,
                                           char                  **out_share_id,
                                           char                  **out_share_name);
gboolean hallway_daemon_peers_get_endpoint (HallwayDaemonPeers     *self,
                                           const char             *id,
                                           char                  **out_address,
                                           guint16                *out_port,
                                           GError                **error);

const char *hallway_daemon_peers_get_problem (HallwayDaemonPeers     *self,
                                             const char             *device_id);

void     hallway_daemon_peers_add_by_address_async  (HallwayDaemonPeers  *self,
                                                     const char          *address,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
G_GNUC_WARN_UNUSED_RESULT
char    *hallway_daemon_peers_add_by_address_finish (HallwayDaemonPeers  *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

G_END_DECLS
