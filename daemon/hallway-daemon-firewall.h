/* hallway-daemon-firewall.h: what this computer's firewall says about mDNS and Hallway
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * HallwayFirewallReport:
 * @tool: (nullable): the firewall found active: "nftables", "firewalld" or "ufw"
 * @mdns_blocked: its rules drop mDNS (UDP 5353)
 * @port_blocked: its rules drop Hallway's port
 * @readable: the rules could be read (else only that it is on is known)
 * @evidence: (nullable): the rule or setting that blocks, as the tool shows it
 *
 * Blocked means certain: read from the rules themselves.
 */
typedef struct
{
  char     *tool;
  gboolean  mdns_blocked;
  gboolean  port_blocked;
  gboolean  readable;
  char     *evidence;
} HallwayFirewallReport;

void hallway_firewall_report_free (HallwayFirewallReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayFirewallReport, hallway_firewall_report_free)

gboolean hallway_firewall_scan_nft   (const char   *ruleset,
                                      guint16       port,
                                      char        **out_mdns_rule,
                                      char        **out_port_rule);
gboolean hallway_firewall_scan_ufw   (const char   *user_rules,
                                      const char   *default_policy,
                                      guint16       port,
                                      gboolean     *out_mdns_blocked,
                                      gboolean     *out_port_blocked);

void     hallway_firewall_inspect_async  (guint16               port,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
G_GNUC_WARN_UNUSED_RESULT
HallwayFirewallReport *
         hallway_firewall_inspect_finish (GAsyncResult         *result,
                                          GError              **error);

G_END_DECLS
