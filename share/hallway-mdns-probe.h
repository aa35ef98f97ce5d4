/* hallway-mdns-probe.h: asking the local network who announces a service
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * HallwayMdnsProbeResult:
 * @sent: the query left on at least one interface
 * @send_refused: this computer refused to send it (a local firewall rule:
 *   netfilter answers a dropped outgoing packet with EPERM)
 * @own_answered: this computer's mDNS responder answered
 * @own_announced: and its answer holds the instance asked about
 * @others: (element-type utf8): the other computers that answered, numeric
 *
 * What came back from one query sent to the mDNS group.
 */
typedef struct
{
  gboolean   sent;
  gboolean   send_refused;
  gboolean   own_answered;
  gboolean   own_announced;
  GPtrArray *others;
} HallwayMdnsProbeResult;

void hallway_mdns_probe_result_free (HallwayMdnsProbeResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayMdnsProbeResult, hallway_mdns_probe_result_free)

G_GNUC_WARN_UNUSED_RESULT
GBytes   *hallway_mdns_probe_build_query  (guint16              id,
                                           const char          *service_type,
                                           GError             **error);
gboolean  hallway_mdns_probe_parse_answer (const guint8        *data,
                                           gsize                length,
                                           guint16              id,
                                           const char          *instance,
                                           gboolean            *out_has_instance);

void      hallway_mdns_probe_async        (const char          *service_type,
                                           const char          *own_instance,
                                           guint                timeout_ms,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
G_GNUC_WARN_UNUSED_RESULT
HallwayMdnsProbeResult *
          hallway_mdns_probe_finish       (GAsyncResult        *result,
                                           GError             **error);

G_END_DECLS
