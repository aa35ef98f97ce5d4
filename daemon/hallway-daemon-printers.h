/* hallway-daemon-printers.h: this person's printers and the neighbours'
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hallway-daemon-ipp.h"
#include "hallway-dnssd.h"
#include "hallway-info.h"

G_BEGIN_DECLS

#define HALLWAY_PRINTERS_OBJECT_PATH "/io/github/hallwaylan/Hallway/printers"
/* How often the local queues are read again from cupsd (state changes are
 * re-announced within that time). */
#define HALLWAY_PRINTERS_POLL_INTERVAL_S 3
#define HALLWAY_MAX_LOCAL_PRINTERS 64

#define HALLWAY_TYPE_DAEMON_PRINTERS (hallway_daemon_printers_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonPrinters, hallway_daemon_printers, HALLWAY, DAEMON_PRINTERS,
                      GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonPrinters *hallway_daemon_printers_new (GDBusObjectManagerServer *manager,
                                                    HallwayDaemonIpp         *ipp,
                                                    const char               *config_path);
gboolean hallway_daemon_printers_load             (HallwayDaemonPrinters    *self,
                                                   GError                  **error);
void     hallway_daemon_printers_start            (HallwayDaemonPrinters    *self,
                                                   HallwayDnssd             *dnssd,
                                                   const char               *owner_name,
                                                   const char               *host);
guint    hallway_daemon_printers_get_shared_count (HallwayDaemonPrinters    *self);
void     hallway_daemon_printers_add_to_info      (HallwayDaemonPrinters    *self,
                                                   HallwayInfo              *info);
void     hallway_daemon_printers_set_peer_printers (HallwayDaemonPrinters   *self,
                                                   const char               *peer_id,
                                                   const char               *address,
                                                   const HallwayInfo        *info);

G_END_DECLS
