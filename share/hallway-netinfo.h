/* hallway-netinfo.h: what this computer's network looks like, seen as a user
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * HallwayNetAddress:
 * @ifname: the interface, e.g. "eth0"
 * @ifindex: its index
 * @address: the address
 * @prefix_length: its network's prefix length (24 for a /24)
 * @vpn: whether the interface is a tunnel (VPN) rather than a network card
 *
 * One address of one interface that is up, loopback excepted.
 */
typedef struct
{
  char         *ifname;
  int           ifindex;
  GInetAddress *address;
  guint         prefix_length;
  gboolean      vpn;
} HallwayNetAddress;

void hallway_net_address_free (HallwayNetAddress *address);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayNetAddress, hallway_net_address_free)

typedef enum
{
  HALLWAY_ARP_UNKNOWN,     /* never asked for, or forgotten */
  HALLWAY_ARP_INCOMPLETE,  /* asked for, and nobody answered */
  HALLWAY_ARP_COMPLETE,    /* a network card answered */
} HallwayArpState;

G_GNUC_WARN_UNUSED_RESULT
GPtrArray         *hallway_netinfo_dup_addresses       (void);
G_GNUC_WARN_UNUSED_RESULT
GStrv              hallway_netinfo_dup_reachable_addresses (void);
gboolean           hallway_netinfo_interface_is_vpn    (const char          *ifname);

const HallwayNetAddress *
                   hallway_netinfo_find_on_link        (GPtrArray           *addresses,
                                                        GInetAddress        *target,
                                                        int                  scope_id);
G_GNUC_WARN_UNUSED_RESULT
char              *hallway_netinfo_dup_route_interface (GInetAddress        *target,
                                                        int                  scope_id,
                                                        GError             **error);

G_GNUC_WARN_UNUSED_RESULT
char              *hallway_netinfo_parse_search_domain (const char          *resolv_conf);
HallwayArpState    hallway_netinfo_parse_arp           (const char          *proc_net_arp,
                                                        const char          *ipv4);

gboolean           hallway_inet_address_is_private     (GInetAddress        *address);

gboolean           hallway_netinfo_parse_address       (const char          *text,
                                                        GInetAddress       **out_address,
                                                        int                 *out_scope_id);

G_END_DECLS
