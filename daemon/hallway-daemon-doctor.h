/* hallway-daemon-doctor.h: why a colleague can't be seen or reached, in plain words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hallway-client.h"
#include "hallway-dnssd.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_DAEMON_DOCTOR (hallway_daemon_doctor_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonDoctor, hallway_daemon_doctor, HALLWAY, DAEMON_DOCTOR, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonDoctor *hallway_daemon_doctor_new          (GDBusObjectManager   *manager,
                                                         HallwayDnssd         *dnssd,
                                                         const char           *presence_key,
                                                         HallwayClient        *client,
                                                         const char           *own_id,
                                                         guint16               port);
void                 hallway_daemon_doctor_note_request (HallwayDaemonDoctor  *self,
                                                         const char           *device_id);

void                 hallway_daemon_doctor_diagnose_async  (HallwayDaemonDoctor  *self,
                                                            const char           *target,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
G_GNUC_WARN_UNUSED_RESULT
GVariant            *hallway_daemon_doctor_diagnose_finish (HallwayDaemonDoctor  *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

G_END_DECLS
