/* hallway-daemon-listener.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallwayd accepts its HTTPS connections itself instead of letting the
 * SoupServer listen: it makes the TLS handshake, waits for each request
 * between two, and lends the connection to libsoup for one request at a
 * time (see hallway-daemon-lease.c for why: libsoup 3.2 leaks every
 * kept-alive connection closed while idle). The SoupServer therefore has no
 * listening socket of its own, and closes each lease once it answered.
 *
 * Every connection lives here from accept to close, which is the place for
 * what a server owes the network: a handshake must finish within
 * HALLWAY_LISTENER_HANDSHAKE_TIMEOUT_S, an idle connection is closed after
 * HALLWAY_LISTENER_IDLE_TIMEOUT_S, and a connection that ends between two
 * requests costs nothing afterwards. Limits per address or in all belong in
 * incoming_cb(), before the handshake.
 *
 * The certificate a client presented belongs to its connection; handlers
 * find it, and the socket, from the request with
 * hallway_daemon_listener_get_peer_certificate() and _get_socket().
 */
#include "config.h"

#include "hallway-daemon-listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "hallway-daemon-lease.h"
#include "hallway-identity.h"
#include "hallway-pinning-database.h"

/* What is read of a request while the connection waits for it; the rest
 * is read by libsoup through the lease. */
#define FIRST_READ_SIZE 16384

typedef enum
{
  CLIENT_HANDSHAKING,
  CLIENT_IDLE,
  CLIENT_LENT,
} ClientState;

typedef struct
{
  HallwayDaemonListener *listener;    /* (unowned) (nullable) once the listener is gone */
  ClientState            state;
  GSocketConnection     *tcp;         /* (owned) */
  GTlsConnection        *tls;         /* (owned) */
  GSocketAddress        *local;       /* (owned) */
  GSocketAddress        *remote;      /* (owned) carries the client for lookups */
  GTlsCertificate       *peer_certificate;  /* (owned) (nullable) */
  char                  *peer_id;     /* (owned) (nullable) */
  GCancellable          *cancellable; /* (owned) */
  GSource               *readable;    /* (owned) (nullable) while idle */
  gint64                 deadline;    /* monotonic µs: closed then unless lent; 0: none */
  HallwayDaemonLease    *lease;       /* (unowned) (nullable) while lent */
  gboolean               keep;        /* the request lent for asks to keep the connection */
  GBytes                *unread;      /* (owned) (nullable) a pipelined request's start */
} Client;

struct _HallwayDaemonListener
{
  GObject          parent_instance;

  SoupServer      *server;       /* (owned) */
  GTlsCertificate *certificate;  /* (owned) */
  GSocketListener *sockets;      /* (owned) (nullable) until listening */
  GPtrArray       *sources;      /* (owned) GSource, one per listening socket */
  guint16          port;
  GHashTable      *clients;      /* (owned) Client set */
  guint            sweep_id;     /* closes the clients past their deadline */
  guint64          n_accepted;
  gulong           finished_id;
};

G_DEFINE_FINAL_TYPE (HallwayDaemonListener, hallway_daemon_listener, G_TYPE_OBJECT)

static GQuark
client_quark (void)
{
  return g_quark_from_static_string ("hallway-listener-client");
}

static void client_wait_for_request (Client *client);

static void
client_free (Client *client)
{
  if (client->remote != NULL)
    g_object_set_qdata (G_OBJECT (client->remote), client_quark (), NULL);
  if (client->readable != NULL)
    g_source_destroy (client->readable);
  g_clear_pointer (&client->readable, g_source_unref);
  if (client->lease != NULL)
    hallway_daemon_lease_revoke (client->lease);
  g_clear_object (&client->cancellable);
  g_clear_object (&client->tls);
  g_clear_object (&client->tcp);
  g_clear_object (&client->local);
  g_clear_object (&client->remote);
  g_clear_object (&client->peer_certificate);
  g_clear_pointer (&client->unread, g_bytes_unref);
  g_free (client->peer_id);
  g_free (client);
}

/* Ends the connection. Closing is asynchronous (a TLS goodbye is sent); the
 * close holds its own reference, the rest goes at once. */
static void
client_close (Client *client)
{
  g_cancellable_cancel (client->cancellable);
  if (client->listener != NULL)
    g_hash_table_remove (client->listener->clients, client);
  if (client->state == CLIENT_HANDSHAKING)
    {
      /* The handshake callback frees it, once cancelled. */
      client->listener = NULL;
      return;
    }
  if (client->tls != NULL)
    g_io_stream_close_async (G_IO_STREAM (client->tls), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  client_free (client);
}

static Client *
client_for_message (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_qdata (G_OBJECT (remote), client_quark ()) : NULL;
}

/* One sweep every SWEEP_S for all the deadlines, rather than a timer per
 * connection: the main loop walks every source at each wake-up, and an
 * office keeps a connection from each neighbour. */
#define SWEEP_S 2

static gboolean
sweep_cb (gpointer user_data)
{
  HallwayDaemonListener *self = user_data;
  g_autoptr(GPtrArray) expired = g_ptr_array_new ();
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Client *client = key;

      if (client->deadline != 0 && client->deadline <= now)
        g_ptr_array_add (expired, client);
    }
  for (guint i = 0; i < expired->len; i++)
    {
      Client *client = g_ptr_array_index (expired, i);

      if (client->state == CLIENT_HANDSHAKING)
        g_debug ("A client did not finish its TLS handshake in time; closing its connection");
      client_close (client);
    }
  if (g_hash_table_size (self->clients) > 0)
    return G_SOURCE_CONTINUE;
  self->sweep_id = 0;
  return G_SOURCE_REMOVE;
}

static void
client_set_deadline (Client *client,
                     guint   seconds)
{
  HallwayDaemonListener *self = client->listener;

  client->deadline = seconds > 0 ? g_get_monotonic_time () + seconds * G_USEC_PER_SEC : 0;
  if (seconds > 0 && self != NULL && self->sweep_id == 0)
    self->sweep_id = g_timeout_add_seconds (SWEEP_S, sweep_cb, self);
}

/* libsoup answered the request and closed its lease. */
static void
lease_returned_cb (gpointer user_data,
                   gboolean broken,
                   GBytes  *unread)
{
  Client *client = user_data;

  client->lease = NULL;
  g_clear_pointer (&client->unread, g_bytes_unref);
  if (unread != NULL && g_bytes_get_size (unread) > 0)
    client->unread = g_bytes_ref (unread);
  if (client->state != CLIENT_LENT)
    return;
  if (broken || !client->keep || client->listener == NULL ||
      g_io_stream_is_closed (G_IO_STREAM (client->tls)))
    {
      client_close (client);
      return;
    }
  client_wait_for_request (client);
}

static void
client_lend (Client *client,
             GBytes *first_bytes)
{
  g_autoptr(HallwayDaemonLease) lease = NULL;
  g_autoptr(GError) error = NULL;

  client->state = CLIENT_LENT;
  client->keep = FALSE;
  lease = hallway_daemon_lease_new (client->tls, first_bytes, lease_returned_cb, client);
  client->lease = lease;
  if (!soup_server_accept_iostream (client->listener->server, G_IO_STREAM (lease), client->local,
                                    client->remote, &error))
    {
      g_debug ("Could not serve a connection: %s", error->message);
      hallway_daemon_lease_revoke (lease);
      client->lease = NULL;
      client_close (client);
    }
}

static gboolean
client_readable_cb (GObject  *stream,
                    gpointer  user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) first_bytes = NULL;
  guint8 buffer[FIRST_READ_SIZE];
  gssize n;

  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer,
                                                FIRST_READ_SIZE, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;   /* a TLS record not complete yet, or not data */

  client_set_deadline (client, 0);
  g_clear_pointer (&client->readable, g_source_unref);
  if (n <= 0)
    {
      /* Closed between two requests: the usual end of a kept connection. */
      client_close (client);
      return G_SOURCE_REMOVE;
    }
  first_bytes = g_bytes_new (buffer, n);
  client_lend (client, first_bytes);
  return G_SOURCE_REMOVE;
}

/* The next request was pipelined and its start read already: it is lent
 * from the main loop, not from within libsoup's closing of the last lease. */
static gboolean
client_unread_cb (gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(GBytes) first_bytes = g_steal_pointer (&client->unread);

  client_set_deadline (client, 0);
  g_clear_pointer (&client->readable, g_source_unref);
  client_lend (client, first_bytes);
  return G_SOURCE_REMOVE;
}

static void
client_wait_for_request (Client *client)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (client->tls));

  client->state = CLIENT_IDLE;
  if (client->unread != NULL)
    {
      client->readable = g_idle_source_new ();
      g_source_set_callback (client->readable, client_unread_cb, client, NULL);
      g_source_attach (client->readable, NULL);
      client_set_deadline (client, HALLWAY_LISTENER_IDLE_TIMEOUT_S);
      return;
    }
  client->readable = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input),
                                                            client->cancellable);
  g_source_set_callback (client->readable, G_SOURCE_FUNC (client_readable_cb), client, NULL);
  g_source_attach (client->readable, NULL);
  client_set_deadline (client, HALLWAY_LISTENER_IDLE_TIMEOUT_S);
}

static void
handshake_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error) ||
      client->listener == NULL)
    {
      if (client->listener != NULL)
        g_debug ("TLS handshake with a client failed: %s", error->message);
      client->state = CLIENT_IDLE;
      client_close (client);
      return;
    }

  client_set_deadline (client, 0);
  certificate = g_tls_connection_get_peer_certificate (client->tls);
  if (certificate != NULL)
    {
      client->peer_certificate = g_object_ref (certificate);
      client->peer_id = hallway_certificate_dup_device_id (certificate);
    }
  client_wait_for_request (client);
}

static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  /* Every colleague's certificate is self-signed; accept it here and let
   * each handler decide, from the certificate's device id, what it may do. */
  return TRUE;
}

static void
incoming (HallwayDaemonListener *self,
          GSocketConnection     *connection)
{
  static const char * const protocols[] = { "http/1.1", "http/1.0", NULL };
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_connection_get_socket (connection);
  GType tls_type;
  Client *client;

  self->n_accepted++;

  client = g_new0 (Client, 1);
  client->listener = self;
  client->state = CLIENT_HANDSHAKING;
  client->tcp = g_object_ref (connection);
  client->cancellable = g_cancellable_new ();
  client->local = g_socket_connection_get_local_address (connection, NULL);
  client->remote = g_socket_connection_get_remote_address (connection, &error);
  if (client->local == NULL || client->remote == NULL)
    {
      g_debug ("Dropping a connection that ended at once: %s",
               error != NULL ? error->message : "no local address");
      client->state = CLIENT_IDLE;
      client_free (client);
      return;
    }
  g_object_set_qdata (G_OBJECT (client->remote), client_quark (), client);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);

  /* The CA store is never consulted (hallway-pinning-database.c); it is
   * given at construction because glib-networking loads a default one
   * while constructing otherwise. */
  tls_type = g_tls_backend_get_server_connection_type (g_tls_backend_get_default ());
  client->tls = g_initable_new (tls_type, NULL, &error,
                                "base-io-stream", connection,
                                "certificate", self->certificate,
                                "database", hallway_pinning_database_get_default (),
                                "authentication-mode", G_TLS_AUTHENTICATION_REQUESTED,
                                "require-close-notify", FALSE,
                                "advertised-protocols", protocols,
                                NULL);
  if (client->tls == NULL)
    {
      g_warning ("Could not set up TLS for a client, refusing it: %s", error->message);
      client->state = CLIENT_IDLE;
      client_free (client);
      return;
    }
  g_signal_connect (client->tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);

  g_hash_table_add (self->clients, client);
  client_set_deadline (client, HALLWAY_LISTENER_HANDSHAKE_TIMEOUT_S);
  g_tls_connection_handshake_async (client->tls, G_PRIORITY_DEFAULT, client->cancellable,
                                    handshake_done_cb, client);
}

/* Accepts here rather than through GSocketService: closing the listening
 * sockets then never races an accept still in flight. */
static gboolean
listening_socket_ready_cb (GSocket      *socket,
                           GIOCondition  condition,
                           gpointer      user_data)
{
  HallwayDaemonListener *self = user_data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) accepted = g_socket_accept (socket, NULL, &error);
      g_autoptr(GSocketConnection) connection = NULL;

      if (accepted == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("Could not accept a connection: %s", error->message);
          return G_SOURCE_CONTINUE;
        }
      connection = g_socket_connection_factory_create_connection (accepted);
      incoming (self, connection);
    }
}

static void
socket_event_cb (GSocketListener      *sockets,
                 GSocketListenerEvent  event,
                 GSocket              *socket,
                 gpointer              user_data)
{
  HallwayDaemonListener *self = user_data;
  GSource *source;

  if (event != G_SOCKET_LISTENER_LISTENED)
    return;
  g_socket_set_blocking (socket, FALSE);
  source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (listening_socket_ready_cb), self, NULL);
  g_ptr_array_add (self->sources, source);
}

static void
stop_listening (HallwayDaemonListener *self)
{
  for (guint i = 0; i < self->sources->len; i++)
    g_source_destroy (g_ptr_array_index (self->sources, i));
  g_ptr_array_set_size (self->sources, 0);
  if (self->sockets != NULL)
    g_socket_listener_close (self->sockets);
  g_clear_object (&self->sockets);
}

/* Mirrors libsoup's own rule for keeping a connection after an answer. */
static gboolean
message_keeps_connection (SoupServerMessage *msg)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);

  if (soup_message_headers_get_encoding (response) == SOUP_ENCODING_EOF)
    return FALSE;
  if (soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0)
    return soup_message_headers_header_contains (response, "Connection", "Keep-Alive");
  return !soup_message_headers_header_contains (request, "Connection", "close") &&
         !soup_message_headers_header_contains (response, "Connection", "close");
}

static void
request_finished_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  Client *client = client_for_message (msg);

  /* Emitted before libsoup closes the lease, for answers fully written. */
  if (client != NULL && client->state == CLIENT_LENT)
    client->keep = message_keeps_connection (msg);
}

/**
 * hallway_daemon_listener_new:
 * @server: the SoupServer to hand requests to; it must not listen itself
 * @certificate: the certificate to present, with its private key
 *
 * Returns: (transfer full): a listener, not listening yet
 */
HallwayDaemonListener *
hallway_daemon_listener_new (SoupServer      *server,
                             GTlsCertificate *certificate)
{
  HallwayDaemonListener *self;

  g_return_val_if_fail (SOUP_IS_SERVER (server), NULL);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  self = g_object_new (HALLWAY_TYPE_DAEMON_LISTENER, NULL);
  self->server = g_object_ref (server);
  self->certificate = g_object_ref (certificate);
  self->finished_id = g_signal_connect (server, "request-finished",
                                        G_CALLBACK (request_finished_cb), self);
  return self;
}

/**
 * hallway_daemon_listener_listen:
 * @self: a #HallwayDaemonListener
 * @address: (nullable): where to listen; %NULL for every address, IPv4 and IPv6
 * @port: the port, or 0 for any free one
 * @error: return location for a #GError (%G_IO_ERROR_ADDRESS_IN_USE when taken)
 *
 * Returns: whether it listens
 */
gboolean
hallway_daemon_listener_listen (HallwayDaemonListener  *self,
                                GInetAddress           *address,
                                guint16                 port,
                                GError                **error)
{
  gboolean ok;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_LISTENER (self), FALSE);
  g_return_val_if_fail (self->sockets == NULL, FALSE);

  self->sockets = g_socket_listener_new ();
  g_signal_connect (self->sockets, "event", G_CALLBACK (socket_event_cb), self);
  if (address != NULL)
    {
      g_autoptr(GSocketAddress) wanted = g_inet_socket_address_new (address, port);
      g_autoptr(GSocketAddress) effective = NULL;

      ok = g_socket_listener_add_address (self->sockets, wanted,
                                          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                          &effective, error);
      if (ok)
        port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    }
  else if (port == 0)
    {
      port = g_socket_listener_add_any_inet_port (self->sockets, NULL, error);
      ok = port != 0;
    }
  else
    ok = g_socket_listener_add_inet_port (self->sockets, port, NULL, error);

  if (!ok)
    {
      stop_listening (self);
      return FALSE;
    }

  for (guint i = 0; i < self->sources->len; i++)
    g_source_attach (g_ptr_array_index (self->sources, i), NULL);
  self->port = port;
  return TRUE;
}

guint16
hallway_daemon_listener_get_port (HallwayDaemonListener *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_LISTENER (self), 0);

  return self->port;
}

/**
 * hallway_daemon_listener_get_n_open:
 * @self: a #HallwayDaemonListener
 *
 * Returns: how many client connections are open now
 */
guint
hallway_daemon_listener_get_n_open (HallwayDaemonListener *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_LISTENER (self), 0);

  return g_hash_table_size (self->clients);
}

/**
 * hallway_daemon_listener_get_n_accepted:
 * @self: a #HallwayDaemonListener
 *
 * Returns: how many connections were accepted since it started
 */
guint64
hallway_daemon_listener_get_n_accepted (HallwayDaemonListener *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_LISTENER (self), 0);

  return self->n_accepted;
}

/**
 * hallway_daemon_listener_get_socket:
 * @msg: a request served through a #HallwayDaemonListener
 *
 * Returns: (transfer none) (nullable): the socket of its connection, which
 *   lives exactly as long as the connection
 */
GSocket *
hallway_daemon_listener_get_socket (SoupServerMessage *msg)
{
  Client *client;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);

  client = client_for_message (msg);
  return client != NULL ? g_socket_connection_get_socket (client->tcp)
                        : soup_server_message_get_socket (msg);
}

/**
 * hallway_daemon_listener_get_peer_certificate:
 * @msg: a request
 *
 * Returns: (transfer none) (nullable): the certificate the client presented
 *   on the connection @msg came over
 */
GTlsCertificate *
hallway_daemon_listener_get_peer_certificate (SoupServerMessage *msg)
{
  Client *client;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);

  client = client_for_message (msg);
  return client != NULL ? client->peer_certificate
                        : soup_server_message_get_tls_peer_certificate (msg);
}

/**
 * hallway_daemon_listener_get_peer_id:
 * @msg: a request
 *
 * Returns: (nullable): the device id of the certificate the client
 *   presented, or %NULL (a browser, a file manager)
 */
const char *
hallway_daemon_listener_get_peer_id (SoupServerMessage *msg)
{
  Client *client;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);

  client = client_for_message (msg);
  return client != NULL ? client->peer_id : NULL;
}

static void
hallway_daemon_listener_dispose (GObject *object)
{
  HallwayDaemonListener *self = HALLWAY_DAEMON_LISTENER (object);

  if (self->sources != NULL)
    stop_listening (self);
  if (self->clients != NULL)
    {
      g_autoptr(GPtrArray) clients = g_ptr_array_new ();
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, self->clients);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_ptr_array_add (clients, key);
      for (guint i = 0; i < clients->len; i++)
        client_close (g_ptr_array_index (clients, i));
    }
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  if (self->server != NULL)
    g_clear_signal_handler (&self->finished_id, self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (hallway_daemon_listener_parent_class)->dispose (object);
}

static void
hallway_daemon_listener_finalize (GObject *object)
{
  HallwayDaemonListener *self = HALLWAY_DAEMON_LISTENER (object);

  g_clear_pointer (&self->clients, g_hash_table_unref);
  g_clear_pointer (&self->sources, g_ptr_array_unref);

  G_OBJECT_CLASS (hallway_daemon_listener_parent_class)->finalize (object);
}

static void
hallway_daemon_listener_class_init (HallwayDaemonListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_daemon_listener_dispose;
  object_class->finalize = hallway_daemon_listener_finalize;
}

static void
hallway_daemon_listener_init (HallwayDaemonListener *self)
{
  self->clients = g_hash_table_new (NULL, NULL);
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
}
