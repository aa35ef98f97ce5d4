/* hallway-daemon-gossip.h: neighbours learned from neighbours, and changes
 * told at once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "hallway-client.h"
#include "hallway-daemon-peers.h"

G_BEGIN_DECLS

/* Computers being checked at once, waiting to be, and refused for a while. */
#define HALLWAY_GOSSIP_MAX_PROBING     4
#define HALLWAY_GOSSIP_MAX_CANDIDATES  64
#define HALLWAY_GOSSIP_MAX_REFUSED     256
/* A computer whose certificate is not the one gossiped is not asked again
 * for this long; one that did not answer, for RETRY. */
#define HALLWAY_GOSSIP_REFUSE_S        600
#define HALLWAY_GOSSIP_RETRY_S         30
/* A computer learned of is asked after this long, unless mDNS showed it. */
#define HALLWAY_GOSSIP_GRACE_MS        2000
/* A neighbour's list is fetched at most this often. */
#define HALLWAY_GOSSIP_LIST_INTERVAL_MS 3000
/* Changes of this computer within this long are told together. */
#define HALLWAY_GOSSIP_COALESCE_MS     50
#define HALLWAY_GOSSIP_MIN_PUSH_MS     250

#define HALLWAY_GOSSIP_PORT_HEADER       "Hallway-Port"
#define HALLWAY_GOSSIP_REVISION_HEADER   "Hallway-Revision"
#define HALLWAY_GOSSIP_NEIGHBOURS_HEADER "Hallway-Neighbours"
#define HALLWAY_NEIGHBOURS_PATH          "/api/v1/neighbours"

#define HALLWAY_TYPE_DAEMON_GOSSIP (hallway_daemon_gossip_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonGossip, hallway_daemon_gossip, HALLWAY, DAEMON_GOSSIP, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonGossip *hallway_daemon_gossip_new     (HallwayDaemonPeers  *peers,
                                                    HallwayClient       *client,
                                                    guint16              port);
void         hallway_daemon_gossip_attach          (HallwayDaemonGossip *self,
                                                    SoupServer          *server);
void         hallway_daemon_gossip_set_enabled     (HallwayDaemonGossip *self,
                                                    gboolean             enabled);
gboolean     hallway_daemon_gossip_get_enabled     (HallwayDaemonGossip *self);
void         hallway_daemon_gossip_add_to_info     (HallwayDaemonGossip *self,
                                                    HallwayInfo         *info);
void         hallway_daemon_gossip_contacted       (HallwayDaemonGossip *self,
                                                    SoupServerMessage   *msg,
                                                    const char          *device_id);
void         hallway_daemon_gossip_changed         (HallwayDaemonGossip *self);

/* For tests */
void         _hallway_daemon_gossip_set_allow_loopback (HallwayDaemonGossip *self,
                                                        gboolean             allow);
void         _hallway_daemon_gossip_consider       (HallwayDaemonGossip *self,
                                                    const char          *id,
                                                    const char * const  *addresses,
                                                    guint16              port);
guint        _hallway_daemon_gossip_get_n_refused  (HallwayDaemonGossip *self);
guint        _hallway_daemon_gossip_get_n_candidates (HallwayDaemonGossip *self);

G_END_DECLS
