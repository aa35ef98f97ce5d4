/* test-netinfo.c: reading this computer's network as a user
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-netinfo.h"

static void
test_search_domain (void)
{
  struct { const char *resolv_conf; const char *domain; } cases[] = {
    { "nameserver 10.0.0.1\nsearch office.example other.example\n", "office.example" },
    { "domain Office.Example.\nnameserver 10.0.0.1\n", "office.example" },
    /* The last of search and domain wins, as in the C library. */
    { "search first.example\ndomain second.example\n", "second.example" },
    { "# search commented.example\nnameserver 1.1.1.1\n", NULL },
    { "searchx bad.example\n", NULL },
    { "search \n", NULL },
    { "search bad_domain.example\n", NULL },
    { "search office.example\nsearch evil.example,port=0\n", NULL },
    { "", NULL },
  };

  g_test_summary ("The site's domain is the first search domain of resolv.conf, if valid");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *domain = hallway_netinfo_parse_search_domain (cases[i].resolv_conf);

      g_assert_cmpstr (domain, ==, cases[i].domain);
    }
}

static const char arp_table[] =
  "IP address       HW type     Flags       HW address            Mask     Device\n"
  "10.77.0.12       0x1         0x2         02:4c:53:00:00:0c     *        eth0\n"
  "10.77.0.13       0x1         0x0         00:00:00:00:00:00     *        eth0\n"
  "10.77.0.14       0x1         0x6         02:4c:53:00:00:0e     *        eth0\n"
  "10.77.0.1        0x1         0x2\n"
  "garbage\n";

static void
test_arp (void)
{
  g_test_summary ("The neighbour table says whether a network card answered");

  g_assert_cmpint (hallway_netinfo_parse_arp (arp_table, "10.77.0.12"), ==, HALLWAY_ARP_COMPLETE);
  g_assert_cmpint (hallway_netinfo_parse_arp (arp_table, "10.77.0.13"), ==,
                   HALLWAY_ARP_INCOMPLETE);
  g_assert_cmpint (hallway_netinfo_parse_arp (arp_table, "10.77.0.14"), ==, HALLWAY_ARP_COMPLETE);
  /* A short line is no answer; the header is never an entry. */
  g_assert_cmpint (hallway_netinfo_parse_arp (arp_table, "10.77.0.1"), ==, HALLWAY_ARP_UNKNOWN);
  g_assert_cmpint (hallway_netinfo_parse_arp (arp_table, "IP"), ==, HALLWAY_ARP_UNKNOWN);
  g_assert_cmpint (hallway_netinfo_parse_arp (arp_table, "10.77.0.99"), ==, HALLWAY_ARP_UNKNOWN);
  g_assert_cmpint (hallway_netinfo_parse_arp ("", "10.77.0.12"), ==, HALLWAY_ARP_UNKNOWN);
}

static void
test_parse_address (void)
{
  g_autoptr(GInetAddress) address = NULL;
  int scope = -1;

  g_test_summary ("Numeric addresses, IPv6 with an interface index or a known name");

  g_assert_true (hallway_netinfo_parse_address ("10.1.2.3", &address, &scope));
  g_assert_cmpint (scope, ==, 0);
  g_clear_object (&address);
  g_assert_true (hallway_netinfo_parse_address ("fe80::1%3", &address, &scope));
  g_assert_cmpint (scope, ==, 3);
  g_clear_object (&address);
  g_assert_true (hallway_netinfo_parse_address ("fe80::1%lo", &address, &scope));
  g_assert_cmpint (scope, >, 0);
  g_clear_object (&address);
  g_assert_false (hallway_netinfo_parse_address ("fe80::1%no-such-if", &address, &scope));
  g_assert_false (hallway_netinfo_parse_address ("10.1.2.3%eth0", &address, &scope));
  g_assert_false (hallway_netinfo_parse_address ("fe80::1%", &address, &scope));
  g_assert_false (hallway_netinfo_parse_address ("office-a.local", &address, &scope));
  g_assert_false (hallway_netinfo_parse_address ("", &address, &scope));
}

static HallwayNetAddress *
net_address (const char *ifname,
             int         ifindex,
             const char *address,
             guint       prefix_length)
{
  HallwayNetAddress *a = g_new0 (HallwayNetAddress, 1);

  a->ifname = g_strdup (ifname);
  a->ifindex = ifindex;
  a->address = g_inet_address_new_from_string (address);
  a->prefix_length = prefix_length;
  return a;
}

static void
test_on_link (void)
{
  g_autoptr(GPtrArray) addresses =
    g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_net_address_free);
  struct { const char *target; int scope; const char *ifname; } cases[] = {
    { "10.77.0.12", 0, "eth0" },
    { "10.77.1.12", 0, NULL },
    { "10.77.0.255", 0, "eth0" },
    { "192.168.5.9", 0, "wlan0" },
    { "192.168.4.9", 0, "wlan0" },
    { "192.168.6.9", 0, NULL },
    { "fd77::12", 0, "eth0" },
    { "fd78::12", 0, NULL },
    { "fe80::1234", 0, "eth0" },
    { "fe80::1234", 3, "wlan0" },
    { "fe80::1234", 9, NULL },
  };

  g_test_summary ("An address is on a network of this computer's, or behind a router");

  g_ptr_array_add (addresses, net_address ("eth0", 2, "10.77.0.11", 24));
  g_ptr_array_add (addresses, net_address ("eth0", 2, "fd77::11", 64));
  g_ptr_array_add (addresses, net_address ("eth0", 2, "fe80::11", 64));
  g_ptr_array_add (addresses, net_address ("wlan0", 3, "192.168.5.2", 23));
  g_ptr_array_add (addresses, net_address ("wlan0", 3, "fe80::22", 64));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetAddress) target = g_inet_address_new_from_string (cases[i].target);
      const HallwayNetAddress *found;

      found = hallway_netinfo_find_on_link (addresses, target, cases[i].scope);
      g_assert_cmpstr (found != NULL ? found->ifname : NULL, ==, cases[i].ifname);
    }
}

static void
test_vpn_names (void)
{
  g_test_summary ("Tunnels are told from network cards, and odd names are not files");

  g_assert_true (hallway_netinfo_interface_is_vpn ("wg0"));
  g_assert_true (hallway_netinfo_interface_is_vpn ("tun3"));
  g_assert_true (hallway_netinfo_interface_is_vpn ("tailscale0"));
  g_assert_false (hallway_netinfo_interface_is_vpn ("lo"));
  g_assert_false (hallway_netinfo_interface_is_vpn ("../../../etc"));
  g_assert_false (hallway_netinfo_interface_is_vpn (""));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/netinfo/search-domain", test_search_domain);
  g_test_add_func ("/share/netinfo/arp", test_arp);
  g_test_add_func ("/share/netinfo/parse-address", test_parse_address);
  g_test_add_func ("/share/netinfo/on-link", test_on_link);
  g_test_add_func ("/share/netinfo/vpn-names", test_vpn_names);

  return g_test_run ();
}
