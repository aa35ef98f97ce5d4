/* hallway-daemon-acceptor.h: taking connections off listening sockets, within limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The listening sockets' queue of connections not accepted yet. */
#define HALLWAY_ACCEPTOR_BACKLOG 256

/* How long an address that proved a known certificate keeps its place in
 * the reserved capacity after its last proof. */
#define HALLWAY_ACCEPTOR_PROVEN_S (24 * 60 * 60)

typedef struct
{
  guint max_per_address;  /* connections open from one address at once */
  guint max_total;        /* connections open in all */
  guint reserved;         /* of @max_total, the part only proven addresses may take */
} HallwayDaemonLimits;

typedef struct _HallwayDaemonSlot HallwayDaemonSlot;

/**
 * HallwayDaemonAcceptFunc:
 * @listening: the listening socket, ready
 * @out_handle: (out): what the caller keeps for the connection, if anything
 * @user_data: the data given with the function
 *
 * Takes one waiting connection off @listening.
 *
 * Returns: the connection's descriptor, or -1 with errno set (EAGAIN when
 *   none is waiting)
 */
typedef int  (*HallwayDaemonAcceptFunc)   (GSocket  *listening,
                                           gpointer *out_handle,
                                           gpointer  user_data);
/* Ends a connection the limits refused (or that arrived while stopping). */
typedef void (*HallwayDaemonDiscardFunc)  (int       fd,
                                           gpointer  handle,
                                           gpointer  user_data);
/* A connection within the limits; it owns @slot until it calls
 * hallway_daemon_slot_release() as it closes. */
typedef void (*HallwayDaemonIncomingFunc) (HallwayDaemonSlot *slot,
                                           int                fd,
                                           gpointer           handle,
                                           gpointer           user_data);
/* @slot's deadline passed, or the acceptor stops: close the connection. */
typedef void (*HallwayDaemonExpiredFunc)  (gpointer           user_data);

#define HALLWAY_TYPE_DAEMON_ACCEPTOR (hallway_daemon_acceptor_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonAcceptor, hallway_daemon_acceptor, HALLWAY, DAEMON_ACCEPTOR,
                      GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonAcceptor *hallway_daemon_acceptor_new (const HallwayDaemonLimits *limits,
                                                    HallwayDaemonIncomingFunc  incoming,
                                                    gpointer                   user_data);
void     hallway_daemon_acceptor_set_accept_func (HallwayDaemonAcceptor     *self,
                                                  HallwayDaemonAcceptFunc    accept,
                                                  HallwayDaemonDiscardFunc   discard);
void     hallway_daemon_acceptor_set_limits      (HallwayDaemonAcceptor     *self,
                                                  const HallwayDaemonLimits *limits);
void     hallway_daemon_acceptor_add_socket      (HallwayDaemonAcceptor     *self,
                                                  GSocket                   *listening);
void     hallway_daemon_acceptor_stop            (HallwayDaemonAcceptor     *self);
gboolean hallway_daemon_acceptor_is_stopped      (HallwayDaemonAcceptor     *self);
guint    hallway_daemon_acceptor_get_n_open      (HallwayDaemonAcceptor     *self);
guint64  hallway_daemon_acceptor_get_n_accepted  (HallwayDaemonAcceptor     *self);
guint64  hallway_daemon_acceptor_get_n_refused   (HallwayDaemonAcceptor     *self);

GInetAddress *hallway_daemon_slot_get_address  (HallwayDaemonSlot        *slot);
const char   *hallway_daemon_slot_get_address_string (HallwayDaemonSlot  *slot);
void          hallway_daemon_slot_set_deadline (HallwayDaemonSlot        *slot,
                                                guint                     seconds,
                                                HallwayDaemonExpiredFunc  expired,
                                                gpointer                  user_data);
gboolean      hallway_daemon_slot_is_proven    (HallwayDaemonSlot        *slot);
gboolean      hallway_daemon_slot_is_accepting (HallwayDaemonSlot        *slot);
void          hallway_daemon_slot_release      (HallwayDaemonSlot        *slot);

void     hallway_daemon_prove_address          (GInetAddress             *address);
gboolean hallway_daemon_address_is_proven      (GInetAddress             *address);
void     hallway_daemon_raise_fd_limit         (void);
gboolean hallway_daemon_has_whole_headers      (const char               *data,
                                                gsize                     length);

G_END_DECLS
