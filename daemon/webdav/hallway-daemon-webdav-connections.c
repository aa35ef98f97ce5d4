/* hallway-daemon-webdav-connections.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Limits on the HTTPS server's connections: so many from one address,
 * so many in all; a request over them is answered 503 and its connection
 * closed.
 *
 * libsoup 3.2 never closes a kept-alive connection that the client closed
 * while it was idle: the socket stays in CLOSE-WAIT, its descriptor open,
 * for the life of the daemon (fixed in libsoup 3.3). So connections are
 * tracked here, by socket, with the number of requests in flight on each;
 * an idle one whose peer has gone is closed on our side, which releases
 * the descriptor and its place in the limits.
 */
#include "config.h"

#include "hallway-daemon-webdav-private.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <glib/gi18n.h>

#include "hallway-daemon-listener.h"

typedef struct
{
  char  *address;
  guint  in_flight;
} Connection;

static void
connection_free (gpointer data)
{
  Connection *connection = data;

  g_free (connection->address);
  g_free (connection);
}

static gboolean
connection_is_dead (GSocket *socket)
{
  struct tcp_info info = { 0 };
  socklen_t length = sizeof info;

  if (g_socket_is_closed (socket))
    return TRUE;
  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
    return FALSE;
  return info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_LAST_ACK ||
         info.tcpi_state == TCP_CLOSE || info.tcpi_state == TCP_TIME_WAIT;
}

static void
prune_connections (HallwayDaemonWebdav *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Connection *connection = value;

      if (connection->in_flight > 0 || !connection_is_dead (key))
        continue;
      if (!g_socket_is_closed (key))
        g_socket_close (key, NULL);
      g_hash_table_iter_remove (&iter);
    }
}

static gboolean
prune_timeout_cb (gpointer user_data)
{
  prune_connections (user_data);
  return G_SOURCE_CONTINUE;
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  HallwayDaemonWebdav *self = user_data;
  GSocket *socket = hallway_daemon_listener_get_socket (msg);
  const char *address = soup_server_message_get_remote_host (msg);
  Connection *connection;
  GHashTableIter iter;
  gpointer value;
  guint from_address = 0;

  if (socket == NULL)
    return;
  if (address == NULL)
    address = "";

  connection = g_hash_table_lookup (self->connections, socket);
  if (connection != NULL)
    {
      connection->in_flight++;
      return;
    }

  prune_connections (self);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (strcmp (((Connection *) value)->address, address) == 0)
      from_address++;

  if (g_hash_table_size (self->connections) >= self->max_conns ||
      from_address >= self->max_conns_per_address)
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

      soup_message_headers_replace (headers, "Retry-After", "10");
      soup_message_headers_replace (headers, "Connection", "close");
      _webdav_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                           _("Too many connections; try again in a moment"));
      return;
    }

  connection = g_new0 (Connection, 1);
  connection->address = g_strdup (address);
  connection->in_flight = 1;
  g_hash_table_insert (self->connections, g_object_ref (socket), connection);
}

static void
request_done_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  HallwayDaemonWebdav *self = user_data;
  GSocket *socket = hallway_daemon_listener_get_socket (msg);
  Connection *connection = socket != NULL ? g_hash_table_lookup (self->connections, socket) : NULL;

  if (connection != NULL && connection->in_flight > 0)
    connection->in_flight--;
}

void
_webdav_connections_init (HallwayDaemonWebdav *self)
{
  self->connections = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref,
                                             connection_free);
}

/* Counts the requests on every connection of @server, and closes idle
 * connections whose peer has gone every few seconds. */
void
_webdav_connections_attach (HallwayDaemonWebdav *self,
                            SoupServer          *server)
{
  self->request_started_id = g_signal_connect (server, "request-started",
                                               G_CALLBACK (request_started_cb), self);
  self->request_finished_id = g_signal_connect (server, "request-finished",
                                                G_CALLBACK (request_done_cb), self);
  self->request_aborted_id = g_signal_connect (server, "request-aborted",
                                               G_CALLBACK (request_done_cb), self);
  self->prune_id = g_timeout_add_seconds (5, prune_timeout_cb, self);
}

void
_webdav_connections_detach (HallwayDaemonWebdav *self,
                            SoupServer          *server)
{
  g_clear_signal_handler (&self->request_started_id, server);
  g_clear_signal_handler (&self->request_finished_id, server);
  g_clear_signal_handler (&self->request_aborted_id, server);
  g_clear_handle_id (&self->prune_id, g_source_remove);
}

void
_webdav_connections_clear (HallwayDaemonWebdav *self)
{
  g_clear_pointer (&self->connections, g_hash_table_unref);
}
