/* hallway-daemon-lease.h: a TLS connection lent to libsoup for one request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Called once, when libsoup is done with the lease: @broken says whether
 * the connection ended (end of stream, an error) while it was lent;
 * @unread (nullable) is what was read of the client's next request. */
typedef void (*HallwayDaemonLeaseReturnFunc) (gpointer user_data,
                                              gboolean broken,
                                              GBytes  *unread);

#define HALLWAY_TYPE_DAEMON_LEASE (hallway_daemon_lease_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonLease, hallway_daemon_lease, HALLWAY, DAEMON_LEASE,
                      GTlsConnection)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonLease *hallway_daemon_lease_new    (GTlsConnection               *connection,
                                                 GBytes                       *first_bytes,
                                                 HallwayDaemonLeaseReturnFunc  func,
                                                 gpointer                      user_data);
void                hallway_daemon_lease_revoke (HallwayDaemonLease           *self);

G_END_DECLS
