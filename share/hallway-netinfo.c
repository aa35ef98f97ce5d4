/* hallway-netinfo.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallwayd runs as the person, not as root, so it can't read the firewall
 * or the routing tables' fine print. What it can read is enough to tell
 * the usual reasons a colleague can't be reached apart: this computer's
 * addresses and their networks (is that address on the same network?), the
 * interface the kernel would use to reach an address (a VPN taking the
 * route?), and the neighbour (ARP) table (did a network card there answer
 * at all?). The parsers take text, so tests feed them files.
 */
#include "config.h"

#include "hallway-netinfo.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hallway-dns-records.h"
#include "hallway-error.h"

/* Link types of tunnels (linux/if_arp.h): what VPN software creates. */
#define ARPHRD_TUNNEL_NONE 65534   /* tun, WireGuard */
#define ARPHRD_TUNNEL_PPP  512
#define ARPHRD_TUNNEL_IPIP 768
#define ARPHRD_TUNNEL_V6   769
#define ARPHRD_TUNNEL_SIT  776
#define ARPHRD_TUNNEL_GRE  778

void
hallway_net_address_free (HallwayNetAddress *address)
{
  if (address == NULL)
    return;
  g_free (address->ifname);
  g_clear_object (&address->address);
  g_free (address);
}

static guint
prefix_length_of (const struct sockaddr *netmask)
{
  const guint8 *bytes;
  gsize length;
  guint bits = 0;

  if (netmask == NULL)
    return 0;
  if (netmask->sa_family == AF_INET)
    {
      bytes = (const guint8 *) &((const struct sockaddr_in *) netmask)->sin_addr;
      length = 4;
    }
  else if (netmask->sa_family == AF_INET6)
    {
      bytes = ((const struct sockaddr_in6 *) netmask)->sin6_addr.s6_addr;
      length = 16;
    }
  else
    return 0;

  for (gsize i = 0; i < length; i++)
    for (int b = 7; b >= 0 && (bytes[i] >> b) & 1; b--)
      bits++;
  return bits;
}

/**
 * hallway_netinfo_interface_is_vpn:
 * @ifname: an interface name
 *
 * Whether @ifname is a tunnel: a tun or tap device, WireGuard, PPP, or an
 * IP-in-IP/GRE tunnel. VPN software makes those; network cards are not.
 *
 * Returns: %TRUE for a tunnel
 */
gboolean
hallway_netinfo_interface_is_vpn (const char *ifname)
{
  static const char * const prefixes[] = {
    "tun", "tap", "wg", "ppp", "vpn", "tailscale", "zt", "nordlynx", "proton", "ipsec", NULL
  };
  g_autofree char *type_path = NULL;
  g_autofree char *tun_path = NULL;
  g_autofree char *contents = NULL;
  guint64 type;

  g_return_val_if_fail (ifname != NULL, FALSE);

  if (*ifname == '\0' || strchr (ifname, '/') != NULL || strlen (ifname) >= IF_NAMESIZE)
    return FALSE;

  type_path = g_build_filename ("/sys/class/net", ifname, "type", NULL);
  if (g_file_get_contents (type_path, &contents, NULL, NULL) &&
      g_ascii_string_to_unsigned (g_strstrip (contents), 10, 0, G_MAXUINT32, &type, NULL) &&
      (type == ARPHRD_TUNNEL_NONE || type == ARPHRD_TUNNEL_PPP || type == ARPHRD_TUNNEL_IPIP ||
       type == ARPHRD_TUNNEL_V6 || type == ARPHRD_TUNNEL_SIT || type == ARPHRD_TUNNEL_GRE))
    return TRUE;

  /* A tap device is an Ethernet as far as its type goes. */
  tun_path = g_build_filename ("/sys/class/net", ifname, "tun_flags", NULL);
  if (g_file_test (tun_path, G_FILE_TEST_EXISTS))
    return TRUE;

  for (guint i = 0; prefixes[i] != NULL; i++)
    if (g_str_has_prefix (ifname, prefixes[i]))
      return TRUE;
  return FALSE;
}

/**
 * hallway_netinfo_dup_addresses:
 *
 * Returns: (transfer full) (element-type HallwayNetAddress): every address of
 *   every interface that is up, loopback excepted
 */
GPtrArray *
hallway_netinfo_dup_addresses (void)
{
  GPtrArray *addresses = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_net_address_free);
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) != 0)
    return addresses;

  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      HallwayNetAddress *address;
      GInetAddress *inet;

      if (ifa->ifa_addr == NULL || (ifa->ifa_flags & IFF_UP) == 0 ||
          (ifa->ifa_flags & IFF_LOOPBACK) != 0)
        continue;
      if (ifa->ifa_addr->sa_family == AF_INET)
        inet = g_inet_address_new_from_bytes (
          (const guint8 *) &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr,
          G_SOCKET_FAMILY_IPV4);
      else if (ifa->ifa_addr->sa_family == AF_INET6)
        inet = g_inet_address_new_from_bytes (
          ((struct sockaddr_in6 *) ifa->ifa_addr)->sin6_addr.s6_addr, G_SOCKET_FAMILY_IPV6);
      else
        continue;

      address = g_new0 (HallwayNetAddress, 1);
      address->ifname = g_strdup (ifa->ifa_name);
      address->ifindex = if_nametoindex (ifa->ifa_name);
      address->address = inet;
      address->prefix_length = prefix_length_of (ifa->ifa_netmask);
      address->vpn = (ifa->ifa_flags & IFF_POINTOPOINT) != 0 ||
                     hallway_netinfo_interface_is_vpn (ifa->ifa_name);
      g_ptr_array_add (addresses, address);
    }
  freeifaddrs (list);
  return addresses;
}

/**
 * hallway_netinfo_dup_reachable_addresses:
 *
 * The addresses other computers on other networks could use to reach this
 * one: neither loopback nor link-local, nor on a VPN.
 *
 * Returns: (transfer full): numeric addresses, IPv4 first
 */
GStrv
hallway_netinfo_dup_reachable_addresses (void)
{
  g_autoptr(GPtrArray) addresses = hallway_netinfo_dup_addresses ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (int family = G_SOCKET_FAMILY_IPV4; family != 0;
       family = family == G_SOCKET_FAMILY_IPV4 ? G_SOCKET_FAMILY_IPV6 : 0)
    for (guint i = 0; i < addresses->len; i++)
      {
        const HallwayNetAddress *a = g_ptr_array_index (addresses, i);
        g_autofree char *text = NULL;

        if ((int) g_inet_address_get_family (a->address) != family || a->vpn ||
            g_inet_address_get_is_link_local (a->address))
          continue;
        text = g_inet_address_to_string (a->address);
        g_strv_builder_add (builder, text);
      }
  return g_strv_builder_end (builder);
}

static gboolean
same_network (GInetAddress *a,
              GInetAddress *b,
              guint         prefix_length)
{
  const guint8 *ba, *bb;
  gsize size;

  if (g_inet_address_get_family (a) != g_inet_address_get_family (b))
    return FALSE;
  size = g_inet_address_get_native_size (a);
  ba = g_inet_address_to_bytes (a);
  bb = g_inet_address_to_bytes (b);
  prefix_length = MIN (prefix_length, size * 8);
  for (guint bit = 0; bit < prefix_length; bit++)
    if (((ba[bit / 8] ^ bb[bit / 8]) >> (7 - bit % 8)) & 1)
      return FALSE;
  return TRUE;
}

/**
 * hallway_inet_address_is_private:
 * @address: an address
 *
 * Whether @address can only be on a local network: loopback, link-local,
 * private IPv4 (RFC 1918) or an IPv6 unique local address (fc00::/7).
 *
 * Returns: %TRUE for such an address
 */
gboolean
hallway_inet_address_is_private (GInetAddress *address)
{
  const guint8 *bytes;

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);

  bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_is_loopback (address) || g_inet_address_get_is_link_local (address) ||
      g_inet_address_get_is_site_local (address))
    return TRUE;
  return g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 && (bytes[0] & 0xfe) == 0xfc;
}

/**
 * hallway_netinfo_find_on_link:
 * @addresses: (element-type HallwayNetAddress): from hallway_netinfo_dup_addresses()
 * @target: an address
 * @scope_id: the interface of a link-local @target, or 0
 *
 * Returns: (nullable) (transfer none): this computer's address on the
 *   network @target belongs to (its interface reaches @target directly,
 *   without a router), or %NULL when @target is on another network
 */
const HallwayNetAddress *
hallway_netinfo_find_on_link (GPtrArray    *addresses,
                              GInetAddress *target,
                              int           scope_id)
{
  gboolean link_local;

  g_return_val_if_fail (addresses != NULL && G_IS_INET_ADDRESS (target), NULL);

  link_local = g_inet_address_get_is_link_local (target);
  for (guint i = 0; i < addresses->len; i++)
    {
      const HallwayNetAddress *a = g_ptr_array_index (addresses, i);

      if (g_inet_address_get_family (a->address) != g_inet_address_get_family (target))
        continue;
      /* Every link-local address is on the link of its interface. */
      if (link_local)
        {
          if (g_inet_address_get_is_link_local (a->address) &&
              (scope_id == 0 || scope_id == a->ifindex))
            return a;
          continue;
        }
      if (a->prefix_length > 0 && same_network (a->address, target, a->prefix_length))
        return a;
    }
  return NULL;
}

/**
 * hallway_netinfo_dup_route_interface:
 * @target: an address
 * @scope_id: the interface of a link-local @target, or 0
 * @error: return location for a #GError
 *
 * Which interface the kernel sends packets for @target through, found the
 * way any program can: a UDP socket "connected" to it (nothing is sent)
 * gets the source address the route picks.
 *
 * Returns: (transfer full) (nullable): the interface name
 */
char *
hallway_netinfo_dup_route_interface (GInetAddress  *target,
                                     int            scope_id,
                                     GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GPtrArray) addresses = NULL;
  GInetAddress *source;

  g_return_val_if_fail (G_IS_INET_ADDRESS (target), NULL);

  socket = g_socket_new (g_inet_address_get_family (target), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  remote = g_object_new (G_TYPE_INET_SOCKET_ADDRESS, "address", target, "port", 9,
                         "scope-id", scope_id, NULL);
  if (!g_socket_connect (socket, remote, NULL, error))
    return NULL;
  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return NULL;
  source = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));

  addresses = hallway_netinfo_dup_addresses ();
  for (guint i = 0; i < addresses->len; i++)
    {
      const HallwayNetAddress *a = g_ptr_array_index (addresses, i);

      if (g_inet_address_equal (a->address, source) &&
          (!g_inet_address_get_is_link_local (source) || scope_id == 0 ||
           a->ifindex == scope_id))
        return g_strdup (a->ifname);
    }
  g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                       "No interface holds the route's source address");
  return NULL;
}

/**
 * hallway_netinfo_parse_search_domain:
 * @resolv_conf: the contents of /etc/resolv.conf
 *
 * The DNS domain this computer's names are looked up in, as DHCP or the
 * administrator set it: the first domain of the last "search" or "domain"
 * line (the C library's rule), when it is a valid domain.
 *
 * Returns: (transfer full) (nullable): the domain, without a final dot
 */
char *
hallway_netinfo_parse_search_domain (const char *resolv_conf)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *domain = NULL;

  g_return_val_if_fail (resolv_conf != NULL, NULL);

  lines = g_strsplit (resolv_conf, "\n", 200);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;
      char *line = g_strstrip (lines[i]);

      if (!g_str_has_prefix (line, "search") && !g_str_has_prefix (line, "domain"))
        continue;
      words = g_strsplit_set (line, " \t", -1);
      if (!g_str_equal (words[0], "search") && !g_str_equal (words[0], "domain"))
        continue;
      g_clear_pointer (&domain, g_free);
      for (guint w = 1; words[w] != NULL && domain == NULL; w++)
        if (*words[w] != '\0')
          {
            gsize length = strlen (words[w]);

            if (length > 1 && words[w][length - 1] == '.')
              words[w][length - 1] = '\0';
            domain = g_ascii_strdown (words[w], -1);
          }
    }
  if (domain != NULL && !hallway_dns_records_domain_is_valid (domain))
    return NULL;
  return g_steal_pointer (&domain);
}

/**
 * hallway_netinfo_parse_arp:
 * @proc_net_arp: the contents of /proc/net/arp
 * @ipv4: an IPv4 address, numeric
 *
 * Whether a network card answered for @ipv4 when this computer last asked
 * (ARP). Incomplete means this computer asked and nobody answered: the
 * address is not on this network segment, or something keeps it apart.
 *
 * Returns: what the table says about @ipv4
 */
HallwayArpState
hallway_netinfo_parse_arp (const char *proc_net_arp,
                           const char *ipv4)
{
  g_auto(GStrv) lines = NULL;
  HallwayArpState state = HALLWAY_ARP_UNKNOWN;

  g_return_val_if_fail (proc_net_arp != NULL && ipv4 != NULL, HALLWAY_ARP_UNKNOWN);

  lines = g_strsplit (proc_net_arp, "\n", 4096);
  /* The first line names the columns. */
  for (guint i = 1; lines[0] != NULL && lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      const char *columns[4];
      guint64 flags;
      guint n = 0;

      /* IP address, HW type, flags, HW address, mask, device; blanks between. */
      fields = g_strsplit_set (lines[i], " \t", -1);
      for (guint f = 0; fields[f] != NULL && n < G_N_ELEMENTS (columns); f++)
        if (*fields[f] != '\0')
          columns[n++] = fields[f];
      if (n < G_N_ELEMENTS (columns) || !g_str_equal (columns[0], ipv4))
        continue;
      if (!g_str_has_prefix (columns[2], "0x") ||
          !g_ascii_string_to_unsigned (columns[2] + 2, 16, 0, G_MAXUINT32, &flags, NULL))
        continue;
      /* ATF_COM: the entry is complete. */
      if ((flags & 0x2) != 0 && !g_str_equal (columns[3], "00:00:00:00:00:00"))
        return HALLWAY_ARP_COMPLETE;
      state = HALLWAY_ARP_INCOMPLETE;
    }
  return state;
}

/**
 * hallway_netinfo_parse_address:
 * @text: a numeric address, IPv6 possibly with "%interface"
 * @out_address: (out) (transfer full): the address
 * @out_scope_id: (out): the interface index of the zone, or 0
 *
 * Returns: whether @text is a numeric address (with a known interface)
 */
gboolean
hallway_netinfo_parse_address (const char    *text,
                               GInetAddress **out_address,
                               int           *out_scope_id)
{
  g_autofree char *host = NULL;
  const char *percent;
  guint64 index = 0;
  GInetAddress *address;

  g_return_val_if_fail (text != NULL, FALSE);

  percent = strchr (text, '%');
  host = percent != NULL ? g_strndup (text, percent - text) : g_strdup (text);
  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    return FALSE;
  if (percent != NULL)
    {
      const char *zone = percent + 1;

      if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6 || *zone == '\0' ||
          strlen (zone) >= IF_NAMESIZE ||
          (!g_ascii_string_to_unsigned (zone, 10, 1, G_MAXINT, &index, NULL) &&
           (index = if_nametoindex (zone)) == 0))
        {
          g_object_unref (address);
          return FALSE;
        }
    }
  *out_address = address;
  *out_scope_id = (int) index;
  return TRUE;
}
