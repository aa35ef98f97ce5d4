/* hallway-daemon-ipp.h: the printer gateway, an IPP proxy to the local cupsd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Limits on what colleagues can make the gateway do. The largest document
 * is a setting (max-print-size); this is its default. */
#define HALLWAY_IPP_MAX_DOCUMENT_BYTES  (G_GUINT64_CONSTANT (512) * 1024 * 1024)
#define HALLWAY_IPP_MAX_WORKERS         8
/* Connections open at once in all and from one address; the last
 * RESERVED only for addresses that proved a trusted certificate on the
 * HTTPS port (hallway-daemon-acceptor.c). */
#define HALLWAY_IPP_MAX_CONNECTIONS     32
#define HALLWAY_IPP_MAX_CONNS_PER_PEER  4
#define HALLWAY_IPP_RESERVED_CONNECTIONS 8
/* Once a request's first byte arrived, its headers must be whole within
 * this time. */
#define HALLWAY_IPP_HEADERS_TIMEOUT_S   10
#define HALLWAY_IPP_MAX_JOBS_PER_MINUTE 30
#define HALLWAY_IPP_MAX_JOBS_REMEMBERED 1024
#define HALLWAY_IPP_TIMEOUT_S           30
/* How many ports after the first one to try. */
#define HALLWAY_IPP_PORT_TRIES          20

/**
 * HallwayDaemonIppIdentifyFunc:
 * @address: where a connection comes from
 * @out_key: (out): the peer's key for job ownership (a device id, or the
 *   address for a computer that is not a known neighbour)
 * @out_user: (out): the name its jobs carry in the owner's CUPS
 * @user_data: data given with the function
 *
 * Called in the main thread for each new connection.
 */
typedef void (*HallwayDaemonIppIdentifyFunc) (GInetAddress  *address,
                                              char         **out_key,
                                              char         **out_user,
                                              gpointer       user_data);

#define HALLWAY_TYPE_DAEMON_IPP (hallway_daemon_ipp_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonIpp, hallway_daemon_ipp, HALLWAY, DAEMON_IPP, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonIpp *hallway_daemon_ipp_new          (void);
gboolean          hallway_daemon_ipp_listen       (HallwayDaemonIpp              *self,
                                                   guint16                        first_port,
                                                   GError                       **error);
guint16           hallway_daemon_ipp_get_port     (HallwayDaemonIpp              *self);
void              hallway_daemon_ipp_set_identify_func (HallwayDaemonIpp         *self,
                                                   HallwayDaemonIppIdentifyFunc   func,
                                                   gpointer                       user_data);
void              hallway_daemon_ipp_set_max_document_size (HallwayDaemonIpp   *self,
                                                   guint64                        max_bytes);
void              hallway_daemon_ipp_add_printer  (HallwayDaemonIpp              *self,
                                                   const char                    *id,
                                                   const char                    *queue);
void              hallway_daemon_ipp_remove_printer (HallwayDaemonIpp            *self,
                                                   const char                    *id);

G_END_DECLS
