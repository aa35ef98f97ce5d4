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
 * what a server owes the network. HallwayDaemonAcceptor takes it within
 * the limits per address and in all (HALLWAY_LISTENER_MAX_CONNS…), and
 * counts it until it closes, whatever happens to it. Then:
 *
 * - it must start its TLS handshake (send its first bytes) and finish it
 *   within HALLWAY_LISTENER_HANDSHAKE_TIMEOUT_S;
 * - handshakes run HANDSHAKES at a time, and HANDSHAKES_RESERVED more for
 *   addresses that proved a known certificate. glib-networking runs each
 *   handshake on a thread of GIO's shared pool, the one every
 *   asynchronous file operation of hallwayd uses too; a connection waits
 *   for its first bytes without a thread, and the count keeps strangers
 *   from taking more than a few of those threads;
 * - once the first byte of a request arrived, its headers must be complete
 *   within HALLWAY_LISTENER_HEADERS_TIMEOUT_S and HALLWAY_LISTENER_MAX_HEADER_BYTES;
 * - an idle connection is closed after HALLWAY_LISTENER_IDLE_TIMEOUT_S.
 *
 * A client whose certificate is one this computer knows (the known
 * function, hallway_daemon_listener_set_known_func()) proves its address:
 * it then has room in the reserved capacity of every listener. Each
 * request proves it again, since a colleague is often trusted after its
 * kept-alive connection was made.
 *
 * The certificate a client presented belongs to its connection; handlers
 * find it, and the socket, from the request with
 * hallway_daemon_listener_get_peer_certificate() and _get_socket().
 */
#include "config.h"

#include "hallway-daemon-listener.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "hallway-daemon-acceptor.h"
#include "hallway-daemon-lease.h"
#include "hallway-identity.h"
#include "hallway-pinning-database.h"

/* What is read of a request at once while the connection waits for it;
 * the rest is read by libsoup through the lease. */
#define READ_SIZE 16384
#define HANDSHAKES          4
#define HANDSHAKES_RESERVED 2

typedef enum
{
  CLIENT_WAITING,      /* for the first bytes of its handshake */
  CLIENT_QUEUED,       /* for a handshake slot */
  CLIENT_HANDSHAKING,
  CLIENT_IDLE,         /* between two requests, or reading a request's headers */
  CLIENT_LENT,
} ClientState;

typedef struct
{
  HallwayDaemonListener *listener;    /* (unowned) (nullable) once closed */
  HallwayDaemonSlot     *slot;        /* (owned) (nullable) once closed */
  ClientState            state;
  gboolean               proven;      /* its address had proved itself when accepted */
  GSocketConnection     *tcp;         /* (owned) */
  GTlsConnection        *tls;         /* (owned) */
  GSocketAddress        *local;       /* (owned) */
  GSocketAddress        *remote;      /* (owned) carries the client for lookups */
  GTlsCertificate       *peer_certificate;  /* (owned) (nullable) */
  char                  *peer_id;     /* (owned) (nullable) */
  GCancellable          *cancellable; /* (owned) */
  GSource               *readable;    /* (owned) (nullable) while waiting or idle */
  GByteArray            *headers;     /* (owned) (nullable) a request read so far */
  HallwayDaemonLease    *lease;       /* (unowned) (nullable) while lent */
  gboolean               keep;        /* the request lent for asks to keep the connection */
  GBytes                *unread;      /* (owned) (nullable) a pipelined request's start */
} Client;

struct _HallwayDaemonListener
{
  GObject                parent_instance;

  SoupServer            *server;       /* (owned) */
  GTlsCertificate       *certificate;  /* (owned) */
  GSocketListener       *sockets;      /* (owned) (nullable) until listening */
  HallwayDaemonAcceptor *acceptor;     /* (owned) */
  guint16                port;
  GQueue                 queued;       /* Client, waiting for a handshake slot, proven first */
  guint                  n_handshaking;
  HallwayDaemonListenerKnownFunc known;
  gpointer               known_data;
  gulong                 finished_id;
};

G_DEFINE_FINAL_TYPE (HallwayDaemonListener, hallway_daemon_listener, G_TYPE_OBJECT)

static GQuark
client_quark (void)
{
  return g_quark_from_static_string ("hallway-listener-client");
}

static void client_wait_for_request (Client *client);
static void start_handshakes (HallwayDaemonListener *self);

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
  g_clear_pointer (&client->headers, g_byte_array_unref);
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

/* Ends the connection and gives its place in the limits back. Closing is
 * asynchronous (a TLS goodbye is sent); the close holds its own
 * reference, the rest goes at once. */
static void
client_close (Client *client)
{
  HallwayDaemonListener *self = client->listener;

  g_cancellable_cancel (client->cancellable);
  if (client->slot != NULL)
    hallway_daemon_slot_release (g_steal_pointer (&client->slot));
  client->listener = NULL;
  if (client->state == CLIENT_QUEUED && self != NULL)
    g_queue_remove (&self->queued, client);
  if (client->state == CLIENT_HANDSHAKING)
    {
      /* The handshake callback frees it, once cancelled. */
      if (self != NULL)
        {
          self->n_handshaking--;
          start_handshakes (self);
        }
      return;
    }
  if (client->tls != NULL && client->state != CLIENT_WAITING && client->state != CLIENT_QUEUED)
    g_io_stream_close_async (G_IO_STREAM (client->tls), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  client_free (client);
}

static void
client_expired_cb (gpointer user_data)
{
  Client *client = user_data;

  switch (client->state)
    {
    case CLIENT_WAITING:
    case CLIENT_QUEUED:
    case CLIENT_HANDSHAKING:
      g_debug ("A client did not finish its TLS handshake in time; closing its connection");
      break;
    case CLIENT_IDLE:
      if (client->headers != NULL && client->headers->len > 0)
        g_debug ("A client did not send its request in time; closing its connection");
      break;
    case CLIENT_LENT:
    default:
      break;
    }
  client_close (client);
}

static void
client_set_deadline (Client *client,
                     guint   seconds)
{
  if (client->slot != NULL)
    hallway_daemon_slot_set_deadline (client->slot, seconds, client_expired_cb, client);
}

static Client *
client_for_message (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_qdata (G_OBJECT (remote), client_quark ()) : NULL;
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

/* A connection from a colleague this computer knows proves its address. */
static void
client_prove_if_known (Client *client)
{
  HallwayDaemonListener *self = client->listener;

  if (client->peer_id != NULL && self != NULL && self->known != NULL &&
      self->known (client->peer_id, self->known_data))
    hallway_daemon_prove_address (hallway_daemon_slot_get_address (client->slot));
}

static void
client_lend (Client *client,
             GBytes *first_bytes)
{
  g_autoptr(HallwayDaemonLease) lease = NULL;
  g_autoptr(GError) error = NULL;

  client_prove_if_known (client);
  client->state = CLIENT_LENT;
  client->keep = FALSE;
  client_set_deadline (client, 0);
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
  guint8 buffer[READ_SIZE];
  gboolean started;
  gssize n;

  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer,
                                                READ_SIZE, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;   /* a TLS record not complete yet, or not data */
  if (n <= 0)
    {
      /* Closed between two requests: the usual end of a kept connection. */
      g_clear_pointer (&client->readable, g_source_unref);
      client_close (client);
      return G_SOURCE_REMOVE;
    }

  started = client->headers->len > 0;
  g_byte_array_append (client->headers, buffer, n);
  if (!hallway_daemon_has_whole_headers ((const char *) client->headers->data,
                                         client->headers->len))
    {
      if (client->headers->len > HALLWAY_LISTENER_MAX_HEADER_BYTES)
        {
          g_debug ("A client sent request headers over %u bytes; closing its connection",
                   HALLWAY_LISTENER_MAX_HEADER_BYTES);
          g_clear_pointer (&client->readable, g_source_unref);
          client_close (client);
          return G_SOURCE_REMOVE;
        }
      /* The deadline for the headers runs from their first byte. */
      if (!started)
        client_set_deadline (client, HALLWAY_LISTENER_HEADERS_TIMEOUT_S);
      return G_SOURCE_CONTINUE;
    }

  g_clear_pointer (&client->readable, g_source_unref);
  first_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&client->headers));
  client_lend (client, first_bytes);
  return G_SOURCE_REMOVE;
}

/* The next request was pipelined and its headers read already: it is lent
 * from the main loop, not from within libsoup's closing of the last lease. */
static gboolean
client_unread_cb (gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(GBytes) first_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&client->headers));

  g_clear_pointer (&client->readable, g_source_unref);
  client_lend (client, first_bytes);
  return G_SOURCE_REMOVE;
}

static void
client_wait_for_request (Client *client)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (client->tls));

  client->state = CLIENT_IDLE;
  g_clear_pointer (&client->headers, g_byte_array_unref);
  client->headers = g_byte_array_new ();
  if (client->unread != NULL)
    {
      g_autoptr(GBytes) unread = g_steal_pointer (&client->unread);
      gsize size;
      const guint8 *data = g_bytes_get_data (unread, &size);

      /* A pipelined request's start, read with the last one: the same
       * rules as for one read here, its headers due from now. */
      g_byte_array_append (client->headers, data, size);
      if (hallway_daemon_has_whole_headers ((const char *) client->headers->data,
                                            client->headers->len))
        {
          client->readable = g_idle_source_new ();
          g_source_set_callback (client->readable, client_unread_cb, client, NULL);
          g_source_attach (client->readable, NULL);
          client_set_deadline (client, HALLWAY_LISTENER_HEADERS_TIMEOUT_S);
          return;
        }
    }
  client->readable = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input),
                                                            client->cancellable);
  g_source_set_callback (client->readable, G_SOURCE_FUNC (client_readable_cb), client, NULL);
  g_source_attach (client->readable, NULL);
  client_set_deadline (client, client->headers->len > 0 ? HALLWAY_LISTENER_HEADERS_TIMEOUT_S
                                                        : HALLWAY_LISTENER_IDLE_TIMEOUT_S);
}

static void
handshake_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Client *client = user_data;
  HallwayDaemonListener *self = client->listener;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;
  gboolean ok;

  ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  if (self == NULL)
    {
      /* Closed while it ran (client_close() counted it out). */
      client_free (client);
      return;
    }
  self->n_handshaking--;
  client->state = CLIENT_IDLE;
  if (!ok)
    {
      g_debug ("TLS handshake with a client failed: %s", error->message);
      client_close (client);
      start_handshakes (self);
      return;
    }

  certificate = g_tls_connection_get_peer_certificate (client->tls);
  if (certificate != NULL)
    {
      client->peer_certificate = g_object_ref (certificate);
      client->peer_id = hallway_certificate_dup_device_id (certificate);
    }
  client_prove_if_known (client);
  client_wait_for_request (client);
  start_handshakes (self);
}

static void
client_handshake (Client *client)
{
  HallwayDaemonListener *self = client->listener;

  client->state = CLIENT_HANDSHAKING;
  self->n_handshaking++;
  g_tls_connection_handshake_async (client->tls, G_PRIORITY_DEFAULT, client->cancellable,
                                    handshake_done_cb, client);
}

/* Starts what the handshake slots allow, proven clients first. */
static void
start_handshakes (HallwayDaemonListener *self)
{
  while (!g_queue_is_empty (&self->queued))
    {
      Client *client = g_queue_peek_head (&self->queued);
      guint room = client->proven ? HANDSHAKES + HANDSHAKES_RESERVED : HANDSHAKES;

      if (self->n_handshaking >= room)
        return;
      g_queue_pop_head (&self->queued);
      client_handshake (client);
    }
}

/* The client sent its first bytes: a thread is worth spending on it. */
static gboolean
client_hello_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  Client *client = user_data;
  HallwayDaemonListener *self = client->listener;

  g_clear_pointer (&client->readable, g_source_unref);
  client->state = CLIENT_QUEUED;
  if (client->proven)
    {
      GList *first_stranger = self->queued.head;

      while (first_stranger != NULL && ((Client *) first_stranger->data)->proven)
        first_stranger = first_stranger->next;
      if (first_stranger != NULL)
        g_queue_insert_before (&self->queued, first_stranger, client);
      else
        g_queue_push_tail (&self->queued, client);
    }
  else
    g_queue_push_tail (&self->queued, client);
  start_handshakes (self);
  return G_SOURCE_REMOVE;
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
incoming_cb (HallwayDaemonSlot *slot,
             int                fd,
             gpointer           handle,
             gpointer           user_data)
{
  HallwayDaemonListener *self = user_data;
  static const char * const protocols[] = { "http/1.1", "http/1.0", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  GType tls_type;
  Client *client;

  client = g_new0 (Client, 1);
  client->listener = self;
  client->slot = slot;
  client->proven = hallway_daemon_slot_is_proven (slot);
  client->state = CLIENT_WAITING;
  client->cancellable = g_cancellable_new ();

  socket = g_socket_new_from_fd (fd, &error);
  if (socket == NULL)
    {
      g_debug ("Dropping a connection: %s", error->message);
      close (fd);
      client_close (client);
      return;
    }
  client->tcp = g_socket_connection_factory_create_connection (socket);
  client->local = g_socket_connection_get_local_address (client->tcp, NULL);
  client->remote = g_socket_connection_get_remote_address (client->tcp, &error);
  if (client->local == NULL || client->remote == NULL)
    {
      g_debug ("Dropping a connection that ended at once: %s",
               error != NULL ? error->message : "no local address");
      client_close (client);
      return;
    }
  g_object_set_qdata (G_OBJECT (client->remote), client_quark (), client);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);

  /* The CA store is never consulted (hallway-pinning-database.c); it is
   * given at construction because glib-networking loads a default one
   * while constructing otherwise. */
  tls_type = g_tls_backend_get_server_connection_type (g_tls_backend_get_default ());
  client->tls = g_initable_new (tls_type, NULL, &error,
                                "base-io-stream", client->tcp,
                                "certificate", self->certificate,
                                "database", hallway_pinning_database_get_default (),
                                "authentication-mode", G_TLS_AUTHENTICATION_REQUESTED,
                                "require-close-notify", FALSE,
                                "advertised-protocols", protocols,
                                NULL);
  if (client->tls == NULL)
    {
      g_warning ("Could not set up TLS for a client, refusing it: %s", error->message);
      client_close (client);
      return;
    }
  g_signal_connect (client->tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);

  /* Silent until it speaks: no thread, only this watch and the deadline. */
  client_set_deadline (client, HALLWAY_LISTENER_HANDSHAKE_TIMEOUT_S);
  client->readable = g_socket_create_source (socket, G_IO_IN, client->cancellable);
  g_source_set_callback (client->readable, G_SOURCE_FUNC (client_hello_cb), client, NULL);
  g_source_attach (client->readable, NULL);
}

static void
stop_listening (HallwayDaemonListener *self)
{
  if (self->acceptor != NULL)
    hallway_daemon_acceptor_stop (self->acceptor);
  if (self->sockets != NULL)
    g_socket_listener_close (self->sockets);
  g_clear_object (&self->sockets);
}

static void
socket_event_cb (GSocketListener      *sockets,
                 GSocketListenerEvent  event,
                 GSocket              *socket,
                 gpointer              user_data)
{
  GPtrArray *listening = user_data;

  if (event == G_SOCKET_LISTENER_LISTENED)
    g_ptr_array_add (listening, g_object_ref (socket));
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
  g_autoptr(GPtrArray) listening = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean ok;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_LISTENER (self), FALSE);
  g_return_val_if_fail (self->sockets == NULL, FALSE);

  self->sockets = g_socket_listener_new ();
  /* Room for a burst of colleagues (and strangers) between two accepts;
   * a connection beyond it is dropped by the kernel unseen. */
  g_socket_listener_set_backlog (self->sockets, HALLWAY_ACCEPTOR_BACKLOG);
  g_signal_connect (self->sockets, "event", G_CALLBACK (socket_event_cb), listening);
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
      g_signal_handlers_disconnect_by_data (self->sockets, listening);
      stop_listening (self);
      return FALSE;
    }

  g_signal_handlers_disconnect_by_data (self->sockets, listening);
  for (guint i = 0; i < listening->len; i++)
    hallway_daemon_acceptor_add_socket (self->acceptor, g_ptr_array_index (listening, i));
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

  return hallway_daemon_acceptor_get_n_open (self->acceptor);
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

  return hallway_daemon_acceptor_get_n_accepted (self->acceptor);
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

/**
 * hallway_daemon_listener_set_known_func:
 * @self: a #HallwayDaemonListener
 * @func: (nullable): tells whether a device id is one this computer knows
 * @user_data: for @func
 *
 * A client presenting a known certificate proves its address, which then
 * has room in the capacity reserved for colleagues.
 */
void
hallway_daemon_listener_set_known_func (HallwayDaemonListener          *self,
                                        HallwayDaemonListenerKnownFunc  func,
                                        gpointer                        user_data)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_LISTENER (self));

  self->known = func;
  self->known_data = user_data;
}

/* For tests: other limits than HALLWAY_LISTENER_MAX_CONNS… */
void
hallway_daemon_listener_set_limits (HallwayDaemonListener     *self,
                                    const HallwayDaemonLimits *limits)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_LISTENER (self));

  hallway_daemon_acceptor_set_limits (self->acceptor, limits);
}

static void
hallway_daemon_listener_dispose (GObject *object)
{
  HallwayDaemonListener *self = HALLWAY_DAEMON_LISTENER (object);

  /* Closes every connection too. */
  stop_listening (self);
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

  g_clear_object (&self->acceptor);

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
  static const HallwayDaemonLimits limits = {
    .max_per_address = HALLWAY_LISTENER_MAX_CONNS_PER_ADDRESS,
    .max_total = HALLWAY_LISTENER_MAX_CONNS,
    .reserved = HALLWAY_LISTENER_RESERVED_CONNS,
  };

  self->acceptor = hallway_daemon_acceptor_new (&limits, incoming_cb, self);
  g_queue_init (&self->queued);
}
