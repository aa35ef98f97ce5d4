/* hallway-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every request presents this computer's certificate and checks the
 * neighbour's against the device id it announced: a self-signed certificate
 * is only as good as the pin it is compared with.
 */
#include "config.h"

#include "hallway-client.h"

#include <json-glib/json-glib.h>

#include "hallway-deadline.h"
#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-identity.h"
#include "hallway-pinning-database.h"

struct _HallwayClient
{
  GObject          parent_instance;

  GTlsCertificate          *certificate;
  SoupSession              *session;
  GHashTable               *info_sessions;   /* "address port" → InfoSession */
  guint                     sweep_id;
  HallwayClientHeadersFunc  headers_func;    /* (nullable) */
  gpointer                  headers_data;
};

/* A neighbour's own session for asking it whether it is up (see
 * info_session_for()). */
typedef struct
{
  SoupSession *session;
  gint64       last_used;   /* monotonic µs */
} InfoSession;

static void
info_session_free (gpointer data)
{
  InfoSession *info = data;

  soup_session_abort (info->session);
  g_object_unref (info->session);
  g_free (info);
}

G_DEFINE_FINAL_TYPE (HallwayClient, hallway_client, G_TYPE_OBJECT)

typedef struct
{
  SoupMessage  *message;
  char         *expected_id;
  GCancellable    *cancellable;   /* ours: cancelled by the deadline or the caller's */
  gulong           cancelled_id;
  GCancellable    *caller_cancellable;
  HallwayDeadline  deadline;
  guint            timeout_seconds;
  gsize         max_bytes;
  guint8       *buffer;
} FetchData;

static void
fetch_data_free (gpointer data)
{
  FetchData *d = data;

  hallway_deadline_disarm (&d->deadline);
  if (d->caller_cancellable != NULL)
    g_cancellable_disconnect (d->caller_cancellable, d->cancelled_id);
  g_clear_object (&d->caller_cancellable);
  g_clear_object (&d->message);
  g_clear_object (&d->cancellable);
  g_free (d->expected_id);
  g_free (d->buffer);
  g_free (d);
}

/**
 * hallway_client_new:
 * @certificate: this computer's certificate, with its private key
 *
 * Returns: (transfer full): a client presenting @certificate
 */
HallwayClient *
hallway_client_new (GTlsCertificate *certificate)
{
  HallwayClient *self;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  self = g_object_new (HALLWAY_TYPE_CLIENT, NULL);
  self->certificate = g_object_ref (certificate);
  return self;
}

/**
 * hallway_client_get_session:
 * @self: a #HallwayClient
 *
 * Returns: (transfer none): the session requests go through
 */
SoupSession *
hallway_client_get_session (HallwayClient *self)
{
  g_return_val_if_fail (HALLWAY_IS_CLIENT (self), NULL);

  return self->session;
}

/**
 * hallway_client_set_headers_func:
 * @self: a #HallwayClient
 * @func: (nullable): called with the headers of each new request
 * @user_data: data for @func
 *
 * Lets the daemon tell every neighbour it asks something about itself
 * (where it listens, whether it changed) at no extra request.
 */
void
hallway_client_set_headers_func (HallwayClient            *self,
                                 HallwayClientHeadersFunc  func,
                                 gpointer                  user_data)
{
  g_return_if_fail (HALLWAY_IS_CLIENT (self));

  self->headers_func = func;
  self->headers_data = user_data;
}

/**
 * hallway_parse_address:
 * @text: "host", "host:port", "10.0.0.5:53535", "fe80::1%eth0" or "[fe80::1%eth0]:53535"
 * @default_port: the port when @text has none
 * @out_host: (out): the host, without brackets
 * @out_port: (out): the port
 * @error: return location for a #GError
 *
 * Returns: whether @text is a usable address
 */
gboolean
hallway_parse_address (const char  *text,
                       guint16      default_port,
                       char       **out_host,
                       guint16     *out_port,
                       GError     **error)
{
  g_autofree char *host = NULL;
  const char *port_text = NULL;
  guint64 port = default_port;

  if (text == NULL || *text == '\0' || strlen (text) > 255 || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an address", text != NULL ? text : "");
      return FALSE;
    }

  if (text[0] == '[')
    {
      const char *end = strchr (text, ']');

      if (end == NULL || (end[1] != '\0' && end[1] != ':'))
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                       "“%s” is not an address: unbalanced brackets", text);
          return FALSE;
        }
      host = g_strndup (text + 1, end - text - 1);
      if (end[1] == ':')
        port_text = end + 2;
    }
  else
    {
      const char *colon = strchr (text, ':');

      /* More than one colon without brackets: a bare IPv6 address. */
      if (colon != NULL && strchr (colon + 1, ':') == NULL)
        {
          host = g_strndup (text, colon - text);
          port_text = colon + 1;
        }
      else
        host = g_strdup (text);
    }

  if (port_text != NULL &&
      !g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &port, NULL))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a valid port", port_text);
      return FALSE;
    }

  if (*host == '\0' || strpbrk (host, " /?#@\\[]") != NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an address", text);
      return FALSE;
    }

  *out_host = g_steal_pointer (&host);
  *out_port = port;
  return TRUE;
}

/**
 * hallway_client_build_uri:
 * @address: a host name or numeric address (IPv6 may carry "%scope")
 * @port: the port
 * @path: an absolute, already escaped path
 *
 * Returns: (transfer full): an https:// URI
 */
char *
hallway_client_build_uri (const char *address,
                          guint16     port,
                          const char *path)
{
  if (strchr (address, ':') != NULL)
    {
      g_autofree char *escaped = NULL;
      const char *percent = strchr (address, '%');

      /* RFC 6874: the zone id separator is written as "%25" in a URI. */
      if (percent != NULL)
        escaped = g_strdup_printf ("%.*s%%25%s", (int) (percent - address), address,
                                   percent + 1);
      return g_strdup_printf ("https://[%s]:%u%s", escaped != NULL ? escaped : address,
                              port, path);
    }
  return g_strdup_printf ("https://%s:%u%s", address, port, path);
}

#define EXPECTED_ID_KEY  "hallway-expected-id"
#define PRESENTED_ID_KEY "hallway-presented-id"

/* The TLS server name sent instead of an IPv6 address (RFC 6761 reserves
 * .invalid: it never names a real computer). */
#define IPV6_LITERAL_SERVER_NAME "hallway.invalid"

/* glib-networking before 2.80 sends the host of the URI as the TLS server
 * name (SNI) even when it is an IPv6 address, zone included
 * ("fe80::1%eth0"). RFC 6066 allows only host names there, and GnuTLS
 * servers end the handshake at once ("Peer failed to perform TLS
 * handshake"), so a neighbour known only by a link-local address could
 * never be reached. The name is replaced just before the handshake; who
 * the neighbour is gets decided by its pinned certificate, never by names. */
static void
ipv6_literal_network_event_cb (SoupMessage        *message,
                               GSocketClientEvent  event,
                               GIOStream          *connection,
                               gpointer            user_data)
{
  GSocketConnectable *identity;
  const char *host;
  g_autoptr(GSocketConnectable) replacement = NULL;

  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKING || !G_IS_TLS_CLIENT_CONNECTION (connection))
    return;
  identity = g_tls_client_connection_get_server_identity (G_TLS_CLIENT_CONNECTION (connection));
  if (!G_IS_NETWORK_ADDRESS (identity))
    return;
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (identity));
  if (host == NULL || strchr (host, ':') == NULL)
    return;

  replacement = g_network_address_new (IPV6_LITERAL_SERVER_NAME,
                                       g_network_address_get_port (G_NETWORK_ADDRESS (identity)));
  g_tls_client_connection_set_server_identity (G_TLS_CLIENT_CONNECTION (connection), replacement);
}

static gboolean
pinned_accept_certificate_cb (SoupMessage          *message,
                              GTlsCertificate      *certificate,
                              GTlsCertificateFlags  errors,
                              gpointer              user_data)
{
  const char *expected_id = g_object_get_data (G_OBJECT (message), EXPECTED_ID_KEY);
  char *presented_id = hallway_certificate_dup_device_id (certificate);
  gboolean matches = expected_id == NULL || g_strcmp0 (presented_id, expected_id) == 0;

  g_object_set_data_full (G_OBJECT (message), PRESENTED_ID_KEY, presented_id, g_free);

  /* Self-signed certificates never validate against a CA; what matters is
   * that the certificate is the one the neighbour announced. With no
   * expectation (a neighbour added by address) the caller pins what it got. */
  return matches;
}

/**
 * hallway_client_new_message:
 * @self: a #HallwayClient
 * @method: the HTTP method, e.g. %SOUP_METHOD_GET
 * @address: numeric address or host name of the neighbour
 * @port: its port
 * @path: absolute, escaped path, e.g. "/shares/abc/Reports/"
 * @expected_id: (nullable): the device id it announced; %NULL to learn it
 * @error: return location for a #GError
 *
 * Prepares a request that presents this computer's certificate and accepts
 * only the certificate of @expected_id. Once the answer is in, call
 * hallway_client_check_message(): a kept-alive connection does not
 * handshake again, so the check at handshake time is not enough.
 *
 * Returns: (transfer full) (nullable): the message
 */
SoupMessage *
hallway_client_new_message (HallwayClient  *self,
                            const char     *method,
                            const char     *address,
                            guint16         port,
                            const char     *path,
                            const char     *expected_id,
                            GError        **error)
{
  g_autofree char *uri = NULL;
  SoupMessage *message;

  g_return_val_if_fail (HALLWAY_IS_CLIENT (self), NULL);
  g_return_val_if_fail (method != NULL && address != NULL && path != NULL, NULL);

  uri = hallway_client_build_uri (address, port, path);
  message = soup_message_new (method, uri);
  if (message == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an address", address);
      return NULL;
    }
  soup_message_set_tls_client_certificate (message, self->certificate);
  if (self->headers_func != NULL)
    self->headers_func (soup_message_get_request_headers (message), self->headers_data);
  g_object_set_data_full (G_OBJECT (message), EXPECTED_ID_KEY, g_strdup (expected_id), g_free);
  g_signal_connect (message, "accept-certificate", G_CALLBACK (pinned_accept_certificate_cb),
                    NULL);
  if (strchr (address, ':') != NULL)
    g_signal_connect (message, "network-event", G_CALLBACK (ipv6_literal_network_event_cb), NULL);
  return message;
}

/**
 * hallway_client_get_presented_id:
 * @message: a message from hallway_client_new_message()
 *
 * Returns: (nullable): the device id of the certificate the neighbour
 *   presented, when it got that far
 */
const char *
hallway_client_get_presented_id (SoupMessage *message)
{
  g_return_val_if_fail (SOUP_IS_MESSAGE (message), NULL);

  return g_object_get_data (G_OBJECT (message), PRESENTED_ID_KEY);
}

/**
 * hallway_client_check_message:
 * @message: a message from hallway_client_new_message(), answered
 * @error: return location for a #GError
 *
 * Checks the certificate the answer really came over against the device
 * id the message expects.
 *
 * Returns: whether the answer came from the expected neighbour
 */
gboolean
hallway_client_check_message (SoupMessage  *message,
                              GError      **error)
{
  const char *expected_id;
  GTlsCertificate *certificate;
  char *presented_id;

  g_return_val_if_fail (SOUP_IS_MESSAGE (message), FALSE);

  expected_id = g_object_get_data (G_OBJECT (message), EXPECTED_ID_KEY);
  certificate = soup_message_get_tls_peer_certificate (message);
  if (certificate == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH,
                           "The answer did not come over TLS");
      return FALSE;
    }
  presented_id = hallway_certificate_dup_device_id (certificate);
  g_object_set_data_full (G_OBJECT (message), PRESENTED_ID_KEY, presented_id, g_free);
  if (expected_id != NULL && g_strcmp0 (presented_id, expected_id) != 0)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH,
                           "This computer presents a different identity than the one it "
                           "announced; it may be an impostor");
      return FALSE;
    }
  return TRUE;
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  GCancellable *ours = user_data;

  g_cancellable_cancel (ours);
}

static void
return_transport_error (GTask     *task,
                        FetchData *d,
                        GError    *error)
{
  const char *presented_id = d->message != NULL ? hallway_client_get_presented_id (d->message)
                                                : NULL;

  if (d->expected_id != NULL && presented_id != NULL &&
      g_strcmp0 (d->expected_id, presented_id) != 0)
    g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH,
                             "This computer presents a different identity than the one it "
                             "announced; it may be an impostor");
  else if (hallway_deadline_expired (&d->deadline))
    g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                             "No answer within %u seconds", d->timeout_seconds);
  else if (g_task_return_error_if_cancelled (task))
    ;
  else
    g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                             "Could not reach it: %s", error->message);
}

/* A refusal's JSON {error, message} carries the owner's words; use them. */
static void
return_http_error (GTask        *task,
                   FetchData    *d,
                   const guint8 *body,
                   gsize         length)
{
  guint status = soup_message_get_status (d->message);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *message = NULL;
  int code;

  if (length > 0 && length <= 64 * 1024 &&
      json_parser_load_from_data (parser, (const char *) body, length, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));
      const char *text = hallway_json_get_string (object, "message");

      if (text != NULL && g_utf8_validate (text, -1, NULL) && strlen (text) < 1024)
        message = g_strdup (text);
    }
  if (message == NULL)
    message = g_strdup_printf ("It answered “%u %s”", status,
                               soup_message_get_reason_phrase (d->message));

  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
    case SOUP_STATUS_FORBIDDEN:
    case 429:
      code = HALLWAY_ERROR_ACCESS_DENIED;
      break;
    case SOUP_STATUS_NOT_FOUND:
      code = HALLWAY_ERROR_NOT_FOUND;
      break;
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
      code = HALLWAY_ERROR_PEER_GONE;
      break;
    default:
      code = HALLWAY_ERROR_FAILED;
      break;
    }
  g_task_return_new_error (task, HALLWAY_ERROR, code, "%s", message);
}

static void
body_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FetchData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean verified;
  gsize n_read = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n_read, &error))
    {
      return_transport_error (task, d, error);
      return;
    }

  /* A kept-alive connection does not handshake again, so check the
   * certificate the answer really came over. */
  verified = hallway_client_check_message (d->message, &error);
  if (!verified)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (soup_message_get_status (d->message) != SOUP_STATUS_OK)
    {
      return_http_error (task, d, d->buffer, n_read);
      return;
    }
  if (n_read > d->max_bytes)
    {
      g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                               "The neighbour's answer is too large");
      return;
    }

  g_task_return_pointer (task, g_bytes_new (d->buffer, n_read), (GDestroyNotify) g_bytes_unref);
}

static void
fetch_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FetchData *d = g_task_get_task_data (task);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  gsize size;

  stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (stream == NULL)
    {
      return_transport_error (task, d, error);
      return;
    }

  /* A buffer of the announced size, not of the largest answer accepted:
   * probes to a whole office go out together, and an answer to one is a
   * few hundred bytes. One byte more tells an answer that is too large. */
  headers = soup_message_get_response_headers (d->message);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    size = (gsize) MIN ((guint64) soup_message_headers_get_content_length (headers),
                        (guint64) d->max_bytes) + 1;
  else
    size = d->max_bytes + 1;
  d->buffer = g_malloc (size);
  g_input_stream_read_all_async (stream, d->buffer, size,
                                 G_PRIORITY_DEFAULT, d->cancellable,
                                 body_read_cb, g_steal_pointer (&task));
}

/**
 * hallway_client_fetch_async:
 * @self: a #HallwayClient
 * @address: numeric address or host name of the neighbour
 * @port: its port
 * @path: absolute, escaped path, e.g. "/api/v1/info"
 * @expected_id: (nullable): the device id it announced; %NULL to learn it
 * @max_bytes: the largest answer accepted
 * @timeout_seconds: give up after this long
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * GETs @path from a neighbour as JSON, checking that the certificate it
 * presents is the one it announced. Refusals come back as %HALLWAY_ERROR
 * errors carrying the neighbour's own explanation.
 */
static void
fetch_on_session (HallwayClient       *self,
                  SoupSession         *session,
                  const char          *address,
                  guint16              port,
                  const char          *path,
                  const char          *expected_id,
                  gsize                max_bytes,
                  guint                timeout_seconds,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  FetchData *d;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hallway_client_fetch_async);

  d = g_new0 (FetchData, 1);
  d->expected_id = g_strdup (expected_id);
  d->timeout_seconds = timeout_seconds;
  d->max_bytes = max_bytes;
  d->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, d, fetch_data_free);

  d->message = hallway_client_new_message (self, SOUP_METHOD_GET, address, port, path,
                                           expected_id, &error);
  if (d->message == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (d->message),
                                "Accept", "application/json");

  if (cancellable != NULL)
    {
      d->caller_cancellable = g_object_ref (cancellable);
      d->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                               g_object_ref (d->cancellable), g_object_unref);
    }
  if (timeout_seconds > 0)
    hallway_deadline_arm (&d->deadline, d->cancellable, timeout_seconds);

  soup_session_send_async (session, d->message, G_PRIORITY_DEFAULT, d->cancellable,
                           fetch_sent_cb, g_steal_pointer (&task));
}

void
hallway_client_fetch_async (HallwayClient       *self,
                            const char          *address,
                            guint16              port,
                            const char          *path,
                            const char          *expected_id,
                            gsize                max_bytes,
                            guint                timeout_seconds,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (HALLWAY_IS_CLIENT (self));
  g_return_if_fail (address != NULL && path != NULL);

  fetch_on_session (self, self->session, address, port, path, expected_id, max_bytes,
                    timeout_seconds, cancellable, callback, user_data);
}

static SoupSession *
new_session (guint max_conns,
             guint max_conns_per_host)
{
  /* Certificates are pinned, so no CA store is consulted (see
   * hallway-pinning-database.c). */
  return soup_session_new_with_options ("user-agent", "Hallway/" PACKAGE_VERSION,
                                        "idle-timeout", HALLWAY_CLIENT_IDLE_TIMEOUT_S,
                                        "max-conns", max_conns,
                                        "max-conns-per-host", max_conns_per_host,
                                        "tls-database", hallway_pinning_database_get_default (),
                                        "proxy-resolver", NULL,
                                        NULL);
}

static gboolean
sweep_info_sessions_cb (gpointer user_data)
{
  HallwayClient *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->info_sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      InfoSession *info = value;

      if (now - info->last_used > 2 * HALLWAY_CLIENT_IDLE_TIMEOUT_S * G_USEC_PER_SEC)
        g_hash_table_iter_remove (&iter);
    }
  if (g_hash_table_size (self->info_sessions) > 0)
    return G_SOURCE_CONTINUE;
  self->sweep_id = 0;
  return G_SOURCE_REMOVE;
}

/* Each neighbour is asked every few seconds whether it is up. libsoup 3.2
 * looks at every idle connection of a session whenever it picks one for a
 * request, with a TLS read on each: with one session for an office of 40,
 * every probe cost 40 reads. So each neighbour is asked in a session of
 * its own, dropped once unused for a while; transfers keep the main one. */
static SoupSession *
info_session_for (HallwayClient *self,
                  const char    *address,
                  guint16        port)
{
  g_autofree char *key = g_strdup_printf ("%s %u", address, port);
  InfoSession *info = g_hash_table_lookup (self->info_sessions, key);

  if (info == NULL)
    {
      info = g_new0 (InfoSession, 1);
      info->session = new_session (2, 2);
      g_hash_table_insert (self->info_sessions, g_steal_pointer (&key), info);
      if (self->sweep_id == 0)
        self->sweep_id = g_timeout_add_seconds (HALLWAY_CLIENT_IDLE_TIMEOUT_S,
                                                sweep_info_sessions_cb, self);
    }
  info->last_used = g_get_monotonic_time ();
  return info->session;
}

/**
 * hallway_client_fetch_finish:
 * @self: a #HallwayClient
 * @result: the result passed to the callback
 * @out_presented_id: (out) (optional) (transfer full): the device id of the
 *   certificate the neighbour presented, when it got that far
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the body of the answer
 */
GBytes *
hallway_client_fetch_finish (HallwayClient  *self,
                             GAsyncResult   *result,
                             char          **out_presented_id,
                             GError        **error)
{
  FetchData *d;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  d = g_task_get_task_data (G_TASK (result));
  if (out_presented_id != NULL)
    *out_presented_id = g_strdup (d->message != NULL ? hallway_client_get_presented_id (d->message)
                                                     : NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
info_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *presented = NULL;
  HallwayInfo *info;
  gsize length;
  const char *data;

  body = hallway_client_fetch_finish (HALLWAY_CLIENT (source), result, &presented, &error);
  g_task_set_task_data (task, g_strdup (presented), g_free);
  if (body == NULL)
    {
      /* Anything but a 200 from /api/v1/info: not (a working) Hallway. */
      if (g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED) ||
          g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND))
        g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                                 "%s instead of describing itself; is it running Hallway?",
                                 error->message);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_bytes_get_data (body, &length);
  info = hallway_info_parse (data, length, &error);
  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_strcmp0 (info->device_id, presented) != 0)
    {
      hallway_info_free (info);
      g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH,
                               "This computer describes itself with an identity that is not "
                               "its certificate's; it may be an impostor");
      return;
    }

  g_task_return_pointer (task, info, (GDestroyNotify) hallway_info_free);
}

/**
 * hallway_client_get_info_async:
 * @self: a #HallwayClient
 * @address: numeric address or host name of the neighbour
 * @port: its port
 * @expected_id: (nullable): the device id it announced; %NULL to learn it
 * @timeout_seconds: give up after this long
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Asks a neighbour to describe itself (GET /api/v1/info), checking that the
 * certificate it presents is the one it announced.
 */
void
hallway_client_get_info_async (HallwayClient       *self,
                               const char          *address,
                               guint16              port,
                               const char          *expected_id,
                               guint                timeout_seconds,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HALLWAY_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hallway_client_get_info_async);
  fetch_on_session (self, info_session_for (self, address, port), address, port, "/api/v1/info",
                    expected_id, HALLWAY_INFO_MAX_BYTES, timeout_seconds, cancellable,
                    info_fetched_cb, g_steal_pointer (&task));
}

/**
 * hallway_client_get_info_finish:
 * @self: a #HallwayClient
 * @result: the result passed to the callback
 * @out_presented_id: (out) (optional) (transfer full): the device id of the
 *   certificate the neighbour presented, when it got that far
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the neighbour's description
 */
HallwayInfo *
hallway_client_get_info_finish (HallwayClient  *self,
                                GAsyncResult   *result,
                                char          **out_presented_id,
                                GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (out_presented_id != NULL)
    *out_presented_id = g_strdup (g_task_get_task_data (G_TASK (result)));
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
hallway_client_dispose (GObject *object)
{
  HallwayClient *self = HALLWAY_CLIENT (object);

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_clear_pointer (&self->info_sessions, g_hash_table_unref);
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (hallway_client_parent_class)->dispose (object);
}

static void
hallway_client_class_init (HallwayClientClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hallway_client_dispose;
}

static void
hallway_client_init (HallwayClient *self)
{
  /* Connections are kept: a neighbour asked often must not cost a
   * handshake each time, and libsoup's default of 10 connections in all
   * would make every request beyond the tenth neighbour one. Per
   * neighbour, the transfers running at once and a send waiting for its
   * answer each get a connection of their own. */
  self->session = new_session (HALLWAY_CLIENT_MAX_CONNS, HALLWAY_CLIENT_MAX_CONNS_PER_HOST);
  self->info_sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               info_session_free);
}
