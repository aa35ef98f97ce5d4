/* test-firewall.c: reading firewall rules for mDNS and Hallway's port
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-daemon-firewall.h"

static const char ruleset[] =
  "table inet filter {\n"
  "\tchain input {\n"
  "\t\ttype filter hook input priority filter; policy drop;\n"
  "\t\tct state established,related accept\n"
  "\t\tcounter packets 5353 bytes 53535 drop\n"
  "\t\tudp dport { 53, 5353 } drop\n"
  "\t\ttcp dport 53500-53600 reject\n"
  "\t\ttcp dport 22 accept\n"
  "\t}\n"
  "}\n";

static void
test_nft (void)
{
  g_autofree char *mdns = NULL;
  g_autofree char *port = NULL;

  g_test_summary ("Rules that drop or reject mDNS or the port by number, counters aside");

  g_assert_true (hallway_firewall_scan_nft (ruleset, 53535, &mdns, &port));
  g_assert_cmpstr (mdns, ==, "udp dport { 53, 5353 } drop");
  g_assert_cmpstr (port, ==, "tcp dport 53500-53600 reject");
  g_clear_pointer (&mdns, g_free);
  g_clear_pointer (&port, g_free);

  g_assert_false (hallway_firewall_scan_nft (ruleset, 22, &mdns, &port) && port != NULL);
  g_clear_pointer (&mdns, g_free);
  g_clear_pointer (&port, g_free);
  g_assert_false (hallway_firewall_scan_nft ("udp dport 5353 accept\nudp sport 5354 drop\n",
                                             53535, &mdns, &port));
  g_assert_true (hallway_firewall_scan_nft ("udp sport 5353 drop\n", 53535, &mdns, &port));
  g_assert_nonnull (mdns);
  g_assert_null (port);
}

static void
test_ufw (void)
{
  const char *deny = "DEFAULT_INPUT_POLICY=\"DROP\"\n";
  const char *allow = "DEFAULT_INPUT_POLICY=\"ACCEPT\"\n";
  const char *rules_app =
    "### tuple ### allow tcp 53535:53545 0.0.0.0/0 any 0.0.0.0/0 Hallway - in\n"
    "-A ufw-user-input -p tcp -m multiport --dports 53535:53545 -j ACCEPT\n";
  const char *rules_other = "-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n"
                            "-A ufw-user-input -p tcp --dport 53535 -s 10.0.0.9 -j DROP\n";
  gboolean mdns, port;

  g_test_summary ("ufw: mDNS is let in by itself; the port needs a rule when it drops");

  g_assert_true (hallway_firewall_scan_ufw (NULL, allow, 53535, &mdns, &port));
  g_assert_false (mdns);
  g_assert_false (port);
  g_assert_false (hallway_firewall_scan_ufw (NULL, deny, 53535, &mdns, &port));
  g_assert_true (port);
  g_assert_true (hallway_firewall_scan_ufw (rules_app, deny, 53535, &mdns, &port));
  g_assert_false (port);
  g_assert_true (hallway_firewall_scan_ufw (rules_app, deny, 53540, &mdns, &port));
  g_assert_false (port);
  g_assert_true (hallway_firewall_scan_ufw (rules_other, deny, 53535, &mdns, &port));
  g_assert_true (port);
  g_assert_false (mdns);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/daemon/firewall/nft", test_nft);
  g_test_add_func ("/daemon/firewall/ufw", test_ufw);

  return g_test_run ();
}
