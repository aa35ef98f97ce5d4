/* hallway-daemon-webdav.h: shared folders over WebDAV (/shares/<id>/…)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "hallway-daemon-access.h"
#include "hallway-daemon-shares.h"

G_BEGIN_DECLS

/* Largest PUT body accepted, in bytes. */
#define HALLWAY_WEBDAV_MAX_BODY             (G_GUINT64_CONSTANT (64) << 30)
/* Most entries one PROPFIND or folder listing answers with. */
#define HALLWAY_WEBDAV_MAX_ENTRIES          100000
/* Locks never last longer than this, whatever the client asks. */
#define HALLWAY_WEBDAV_MAX_LOCK_SECONDS     3600

#define HALLWAY_TYPE_DAEMON_WEBDAV (hallway_daemon_webdav_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonWebdav, hallway_daemon_webdav, HALLWAY, DAEMON_WEBDAV, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonWebdav *hallway_daemon_webdav_new    (HallwayDaemonShares *shares,
                                                   HallwayDaemonAccess *access);
void                 hallway_daemon_webdav_attach (HallwayDaemonWebdav *self,
                                                   SoupServer          *server);
void                 hallway_daemon_webdav_set_max_body (HallwayDaemonWebdav *self,
                                                         guint64              max_body);

G_END_DECLS
