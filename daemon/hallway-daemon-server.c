/* hallway-daemon-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One HTTPS port per user daemon. The server presents the identity
 * certificate and asks clients for theirs, so each side knows exactly which
 * colleague it talks to; which clients may do what is decided per request
 * from the certificate they presented, never at the handshake. Connections
 * are accepted by HallwayDaemonListener, which hands each request to the
 * SoupServer here.
 */
#include "config.h"

#include "hallway-daemon-server.h"

#include "hallway-daemon-listener.h"
#include "hallway-error.h"
#include "hallway-json.h"

struct _HallwayDaemonServer
{
  GObject          parent_instance;

  HallwayIdentity *identity;
  SoupServer      *server;
  HallwayDaemonListener *listener;
  guint16          port;
  HallwayInfo     *info;
  HallwayDaemonInfoFunc info_func;
  gpointer         info_data;
};

G_DEFINE_FINAL_TYPE (HallwayDaemonServer, hallway_daemon_server, G_TYPE_OBJECT)

/**
 * hallway_daemon_server_reply_error:
 * @msg: the request to answer
 * @status: an HTTP status
 * @error: a short machine-readable code, e.g. "not-found"
 * @message: a plain-words explanation
 */
void
hallway_daemon_server_reply_error (SoupServerMessage *msg,
                                   guint              status,
                                   const char        *error,
                                   const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  char *body;
  gsize length;

  json_builder_begin_object (builder);
  hallway_json_add_string (builder, "error", error);
  hallway_json_add_string (builder, "message", message);
  json_builder_end_object (builder);
  body = hallway_json_to_data (builder, FALSE, &length);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, length);
}

/**
 * hallway_daemon_server_reply_not_allowed:
 * @msg: a request with a method this resource does not take
 * @allow: the methods it takes, for the Allow header: "GET, HEAD"
 * @message: the plain-words explanation
 */
void
hallway_daemon_server_reply_not_allowed (SoupServerMessage *msg,
                                         const char        *allow,
                                         const char        *message)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  hallway_daemon_server_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
                                     message);
}

typedef struct
{
  gsize  max;
  char  *message;
} BodyLimit;

static void
body_limit_free (gpointer data,
                 GClosure *closure)
{
  BodyLimit *limit = data;

  g_free (limit->message);
  g_free (limit);
}

static void
refuse_body (SoupServerMessage *msg,
             const char        *message)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  hallway_daemon_server_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large",
                                     message);
}

static void
limit_got_chunk_cb (SoupServerMessage *msg,
                    GBytes            *chunk,
                    BodyLimit         *limit)
{
  if ((gsize) soup_server_message_get_request_body (msg)->length > limit->max &&
      soup_server_message_get_status (msg) == 0)
    refuse_body (msg, limit->message);
}

void
hallway_daemon_server_limit_body (SoupServerMessage *msg,
                                  gsize              max,
                                  const char        *message)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  BodyLimit *limit;

  /* Refused at once when its length says so; otherwise as it arrives
   * (chunked bodies say nothing beforehand). */
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > (goffset) max)
    {
      refuse_body (msg, message);
      return;
    }
  limit = g_new0 (BodyLimit, 1);
  limit->max = max;
  limit->message = g_strdup (message);
  g_signal_connect_data (msg, "got-chunk", G_CALLBACK (limit_got_chunk_cb), limit,
                         body_limit_free, 0);
}

static void
info_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  HallwayDaemonServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *json = NULL;
  gsize length;

  if (g_strcmp0 (path, "/api/v1/info") != 0)
    {
      hallway_daemon_server_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found",
                                         "There is nothing here");
      return;
    }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      hallway_daemon_server_reply_not_allowed (msg, "GET, HEAD", "Only GET is allowed here");
      return;
    }
  if (self->info == NULL)
    {
      hallway_daemon_server_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "starting",
                                         "Hallway is starting");
      return;
    }

  if (self->info_func != NULL)
    {
      g_autoptr(HallwayInfo) info = self->info_func (msg, self->info_data);

      json = hallway_info_to_json (info);
    }
  else
    json = hallway_info_to_json (self->info);
  length = strlen (json);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&json), length);
}

static void
default_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  hallway_daemon_server_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found",
                                     "There is nothing here");
}

/* The SoupServer never listens itself: HallwayDaemonListener makes the TLS
 * handshakes (asking for a client certificate, trusting no authority) and
 * hands it one request at a time. */
static SoupServer *
create_soup_server (HallwayDaemonServer *self)
{
  SoupServer *server;

  server = soup_server_new (/* Paths stay percent-encoded: the share code decodes each
                             * segment itself, once, after splitting. */
                            "raw-paths", TRUE,
                            "server-header", "Hallway/" PACKAGE_VERSION " ",
                            NULL);
  soup_server_add_handler (server, "/api/v1/info", info_handler, self, NULL);
  soup_server_add_handler (server, NULL, default_handler, self, NULL);
  return server;
}

/**
 * hallway_daemon_server_new:
 * @identity: the certificate to present
 *
 * Returns: (transfer full): a server, not yet listening
 */
HallwayDaemonServer *
hallway_daemon_server_new (HallwayIdentity *identity)
{
  HallwayDaemonServer *self;

  g_return_val_if_fail (HALLWAY_IS_IDENTITY (identity), NULL);

  self = g_object_new (HALLWAY_TYPE_DAEMON_SERVER, NULL);
  self->identity = g_object_ref (identity);
  return self;
}

/**
 * hallway_daemon_server_listen:
 * @self: a #HallwayDaemonServer
 * @address: (nullable): where to listen; %NULL for every address, IPv4 and IPv6
 * @first_port: the port to try first (0: any free port)
 * @error: return location for a #GError
 *
 * Listens on @first_port, or on the next free one when it is taken (several
 * people logged in on one computer each run their own daemon).
 *
 * Returns: whether it listens
 */
gboolean
hallway_daemon_server_listen (HallwayDaemonServer  *self,
                              GInetAddress         *address,
                              guint16               first_port,
                              GError              **error)
{
  g_autoptr(GError) last_error = NULL;
  guint tries = first_port == 0 ? 1 : HALLWAY_DAEMON_SERVER_PORT_TRIES;
  GTlsCertificate *certificate;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_SERVER (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  certificate = hallway_identity_get_tls_certificate (self->identity);

  self->server = create_soup_server (self);
  for (guint i = 0; i < tries && (guint) first_port + i <= G_MAXUINT16; i++)
    {
      g_autoptr(HallwayDaemonListener) listener = NULL;
      guint16 port = first_port + i;

      g_clear_error (&last_error);
      listener = hallway_daemon_listener_new (self->server, certificate);
      if (hallway_daemon_listener_listen (listener, address, port, &last_error))
        {
          self->port = hallway_daemon_listener_get_port (listener);
          self->listener = g_steal_pointer (&listener);
          return TRUE;
        }
      if (!g_error_matches (last_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        break;
      g_debug ("Port %u is taken, trying the next one", port);
    }

  g_clear_object (&self->server);
  g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
               "Could not listen on port %u: %s", first_port,
               last_error != NULL ? last_error->message : "no free port");
  return FALSE;
}

guint16
hallway_daemon_server_get_port (HallwayDaemonServer *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_SERVER (self), 0);

  return self->port;
}

/**
 * hallway_daemon_server_get_soup_server:
 * @self: a #HallwayDaemonServer
 *
 * Returns: (transfer none) (nullable): the server, once listening
 */
SoupServer *
hallway_daemon_server_get_soup_server (HallwayDaemonServer *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_SERVER (self), NULL);

  return self->server;
}

/**
 * hallway_daemon_server_set_info:
 * @self: a #HallwayDaemonServer
 * @info: what /api/v1/info answers from now on
 */
void
hallway_daemon_server_set_info (HallwayDaemonServer *self,
                                const HallwayInfo   *info)
{
  HallwayInfo *copy;

  g_return_if_fail (HALLWAY_IS_DAEMON_SERVER (self));

  copy = g_new0 (HallwayInfo, 1);
  copy->device_id = g_strdup (info->device_id);
  copy->name = g_strdup (info->name);
  copy->host = g_strdup (info->host);
  copy->version = g_strdup (info->version);
  copy->port = info->port;
  copy->n_shares = info->n_shares;
  copy->n_printers = info->n_printers;
  copy->accepts_drops = info->accepts_drops;

  g_clear_pointer (&self->info, hallway_info_free);
  self->info = copy;
}

/**
 * hallway_daemon_server_set_info_func:
 * @self: a #HallwayDaemonServer
 * @func: (nullable): builds /api/v1/info per request
 * @user_data: data for @func
 */
void
hallway_daemon_server_set_info_func (HallwayDaemonServer   *self,
                                     HallwayDaemonInfoFunc  func,
                                     gpointer               user_data)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_SERVER (self));

  self->info_func = func;
  self->info_data = user_data;
}

/**
 * hallway_daemon_server_get_listener:
 * @self: a #HallwayDaemonServer
 *
 * Returns: (transfer none) (nullable): what accepts the connections, once
 *   listening
 */
HallwayDaemonListener *
hallway_daemon_server_get_listener (HallwayDaemonServer *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_SERVER (self), NULL);

  return self->listener;
}

static void
hallway_daemon_server_dispose (GObject *object)
{
  HallwayDaemonServer *self = HALLWAY_DAEMON_SERVER (object);

  g_clear_object (&self->listener);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->identity);
  g_clear_pointer (&self->info, hallway_info_free);

  G_OBJECT_CLASS (hallway_daemon_server_parent_class)->dispose (object);
}

static void
hallway_daemon_server_class_init (HallwayDaemonServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hallway_daemon_server_dispose;
}

static void
hallway_daemon_server_init (HallwayDaemonServer *self)
{
}
