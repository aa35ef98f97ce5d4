/* hallway-test-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-server.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hallway-daemon-webdav-private.h"
#include "hallway-test-utils.h"

/**
 * hallway_test_server_set_up:
 * @t: the fixture to fill
 * @name: a word for the temporary folder's name
 *
 * Makes the identities, starts the server on 127.0.0.1 (a free port) with
 * the shares' WebDAV handler, and the clients.
 */
void
hallway_test_server_set_up (HallwayTestServer *t,
                            const char        *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autofree char *template = g_strdup_printf ("hallway-%s-XXXXXX", name);
  g_autofree char *pins_path = NULL;
  g_autofree char *shares_path = NULL;
  g_autofree char *props_dir = NULL;
  g_autofree char *private_dir = NULL;

  t->dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  t->shared = g_build_filename (t->dir, "shared", NULL);
  g_assert_cmpint (g_mkdir (t->shared, 0700), ==, 0);
  t->server_identity = hallway_test_make_identity (t->dir, "server");
  t->client_identity = hallway_test_make_identity (t->dir, "client");

  t->server = hallway_daemon_server_new (t->server_identity);
  g_assert_true (hallway_daemon_server_listen (t->server, loopback, 0, &error));
  g_assert_no_error (error);
  t->port = hallway_daemon_server_get_port (t->server);
  g_assert_cmpuint (t->port, >, 0);

  pins_path = g_build_filename (t->dir, "peers.ini", NULL);
  shares_path = g_build_filename (t->dir, "shares.ini", NULL);
  props_dir = g_build_filename (t->dir, "props", NULL);
  private_dir = g_build_filename (t->dir, "private", NULL);
  g_assert_cmpint (g_mkdir (private_dir, 0700), ==, 0);
  t->pins = hallway_pins_new (pins_path);
  t->access = hallway_daemon_access_new (t->pins);
  t->shares = hallway_daemon_shares_new (shares_path, private_dir);
  t->webdav = hallway_daemon_webdav_new (t->shares, t->access);
  _hallway_daemon_webdav_set_props_dir (t->webdav, props_dir);
  hallway_daemon_webdav_attach (t->webdav, hallway_daemon_server_get_soup_server (t->server));

  t->client = hallway_client_new (hallway_identity_get_tls_certificate (t->client_identity));
  t->session = soup_session_new ();
}

/**
 * hallway_test_server_tear_down:
 * @t: a fixture set up by hallway_test_server_set_up()
 *
 * Stops everything, lets the closed connections finish on the main
 * context, and removes the temporary folder.
 */
void
hallway_test_server_tear_down (HallwayTestServer *t)
{
  g_clear_object (&t->session);
  g_clear_pointer (&t->sessions, g_hash_table_unref);
  g_clear_object (&t->client);
  g_clear_object (&t->webdav);
  g_clear_object (&t->server);
  g_clear_object (&t->shares);
  g_clear_object (&t->access);
  g_clear_object (&t->pins);
  g_clear_object (&t->server_identity);
  g_clear_object (&t->client_identity);
  /* Callbacks of closed connections and cancelled requests run before the
   * files they may touch go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  hallway_test_remove_tree (t->dir);
  g_clear_pointer (&t->dir, g_free);
  g_clear_pointer (&t->shared, g_free);
  g_clear_pointer (&t->share_id, g_free);
}

/**
 * hallway_test_server_set_info:
 * @t: a fixture
 * @name: the person's name the server announces
 * @host: its host name
 *
 * Sets what GET /api/v1/info answers.
 */
void
hallway_test_server_set_info (HallwayTestServer *t,
                              const char        *name,
                              const char        *host)
{
  HallwayInfo info = { 0 };

  info.device_id = (char *) hallway_identity_get_device_id (t->server_identity);
  info.name = (char *) name;
  info.host = (char *) host;
  info.version = (char *) PACKAGE_VERSION;
  info.port = t->port;
  hallway_daemon_server_set_info (t->server, &info);
}

void
hallway_test_server_add_handler (HallwayTestServer  *t,
                                 const char         *path,
                                 SoupServerCallback  callback,
                                 gpointer            user_data)
{
  soup_server_add_handler (hallway_daemon_server_get_soup_server (t->server), path, callback,
                           user_data, NULL);
}

/**
 * hallway_test_server_add_share:
 * @t: a fixture
 * @access: what colleagues may do
 * @audience: who may
 * @password: (nullable): for %HALLWAY_SHARE_AUDIENCE_PASSWORD
 *
 * Shares @t->shared as "Team files"; @t->share_id is its id then.
 *
 * Returns: (transfer none): the share
 */
HallwayShare *
hallway_test_server_add_share (HallwayTestServer    *t,
                               HallwayShareAccess    access,
                               HallwayShareAudience  audience,
                               const char           *password)
{
  g_autoptr(GError) error = NULL;
  HallwayShare *share = hallway_daemon_shares_add (t->shares, t->shared, "Team files", access,
                                                   audience, password, &error);

  g_assert_no_error (error);
  g_assert_nonnull (share);
  g_free (t->share_id);
  t->share_id = g_strdup (hallway_share_get_id (share));
  return share;
}

void
hallway_test_server_write_file (HallwayTestServer *t,
                                const char        *relative,
                                const char        *contents,
                                gssize             length)
{
  g_autofree char *path = g_build_filename (t->shared, relative, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

/* Whether @relative is there, a dangling link too. */
gboolean
hallway_test_server_file_exists (HallwayTestServer *t,
                                 const char        *relative)
{
  g_autofree char *path = g_build_filename (t->shared, relative, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK);
}

/* Returns: (transfer full) (nullable): what @relative holds */
char *
hallway_test_server_read_file (HallwayTestServer *t,
                               const char        *relative)
{
  g_autofree char *path = g_build_filename (t->shared, relative, NULL);
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, NULL);
  return contents;
}

char *
hallway_test_server_share_path (HallwayTestServer *t,
                                const char        *rest)
{
  g_assert_nonnull (t->share_id);
  return g_strdup_printf ("/shares/%s/%s", t->share_id, rest);
}

static guint
share_status (HallwayTestServer *t,
              const char        *method,
              const char        *rest,
              const char        *body)
{
  g_autofree char *path = hallway_test_server_share_path (t, rest);
  g_autoptr(HallwayTestResponse) response =
    hallway_test_server_request (t, method, path, NULL, body, -1, NULL);

  return response->status;
}

/* The status a request of @method for @rest in the share gets. */
guint
hallway_test_server_status_of (HallwayTestServer *t,
                               const char        *method,
                               const char        *rest)
{
  return share_status (t, method, rest, NULL);
}

/* The status a PUT of @contents as @rest in the share gets. */
guint
hallway_test_server_put (HallwayTestServer *t,
                         const char        *rest,
                         const char        *contents)
{
  return share_status (t, "PUT", rest, contents);
}

/* Raw TLS, for requests no HTTP client would send. */

static gboolean
raw_accept_cb (GTlsConnection       *connection,
               GTlsCertificate      *certificate,
               GTlsCertificateFlags  errors,
               gpointer              user_data)
{
  return TRUE;
}

static void
raw_event_cb (GSocketClient      *client,
              GSocketClientEvent  event,
              GSocketConnectable *connectable,
              GIOStream          *connection,
              gpointer            user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (raw_accept_cb), NULL);
}

/**
 * hallway_test_server_raw_connect:
 * @port: a port on 127.0.0.1
 *
 * Connects with TLS, without a client certificate, blocking: call it from a
 * thread of the test while the main thread runs the server.
 *
 * Returns: (transfer full): the connection
 */
GIOStream *
hallway_test_server_raw_connect (guint16 port)
{
  g_autoptr(GError) error = NULL;
  GIOStream *connection = hallway_test_server_try_raw_connect (port, &error);

  g_assert_no_error (error);
  return connection;
}

/**
 * hallway_test_server_try_raw_connect:
 * @port: a port on 127.0.0.1
 * @error: return location for why it failed (a refused handshake…)
 *
 * hallway_test_server_raw_connect(), for a connection that may fail.
 *
 * Returns: (transfer full) (nullable): the connection
 */
GIOStream *
hallway_test_server_try_raw_connect (guint16   port,
                                     GError  **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_tls (client, TRUE);
  g_signal_connect (client, "event", G_CALLBACK (raw_event_cb), NULL);
  return G_IO_STREAM (g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, error));
}

/**
 * hallway_test_server_new_session:
 * @host: the last byte of a loopback address, 127.0.0.@host
 *
 * A stock client on a computer of its own: its connections come from
 * 127.0.0.@host, which is the address the server sees (and counts
 * passwords and locks against). Send on it with
 * hallway_test_request_start_full() and @r->session.
 *
 * Returns: (transfer full): the session
 */
SoupSession *
hallway_test_server_new_session (guint host)
{
  g_autofree char *text = g_strdup_printf ("127.0.0.%u", host);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);
  g_autoptr(GSocketAddress) local = NULL;

  g_assert_true (host > 0 && host < 255);
  local = g_inet_socket_address_new (address, 0);
  return soup_session_new_with_options ("local-address", local, NULL);
}

/* Requests of the stock session */

static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  /* The server's certificate is self-signed, as every Hallway computer's. */
  return TRUE;
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  HallwayTestRequest *r = user_data;

  r->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &r->error);
  r->done = TRUE;
}

/**
 * hallway_test_server_new_message:
 * @t: a fixture
 * @method: an HTTP method
 * @path: the path and query on the server
 *
 * Returns: (transfer full): a message to the server that accepts its
 *   certificate, for the stock session
 */
SoupMessage *
hallway_test_server_new_message (HallwayTestServer *t,
                                 const char        *method,
                                 const char        *path)
{
  g_autofree char *uri = g_strdup_printf ("https://127.0.0.1:%u%s", t->port, path);
  SoupMessage *msg = soup_message_new (method, uri);

  g_assert_nonnull (msg);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);
  return msg;
}

/**
 * hallway_test_request_start:
 * @t: a fixture
 * @r: a cleared request
 * @method: an HTTP method
 * @path: the path and query on the server
 *
 * Makes @r->msg and sends it at once; see hallway_test_request_send() to
 * change the message first.
 */
void
hallway_test_request_start (HallwayTestServer  *t,
                            HallwayTestRequest *r,
                            const char         *method,
                            const char         *path)
{
  g_assert_null (r->msg);
  r->msg = hallway_test_server_new_message (t, method, path);
  hallway_test_request_send (t, r);
}

/* A client certificate belongs to a TLS connection, and a session reuses
 * its connections for any later message: each certificate gets a session
 * of its own, as each computer has. */
static SoupSession *
session_for (HallwayTestServer *t,
             GTlsCertificate   *certificate)
{
  SoupSession *session;

  if (certificate == NULL)
    return t->session;
  if (t->sessions == NULL)
    t->sessions = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
  session = g_hash_table_lookup (t->sessions, certificate);
  if (session == NULL)
    {
      session = soup_session_new ();
      g_hash_table_insert (t->sessions, g_object_ref (certificate), session);
    }
  return session;
}

/**
 * hallway_test_request_send:
 * @t: a fixture
 * @r: a request whose @msg came from hallway_test_server_new_message()
 *
 * Sends @r->msg on @r->session, presenting @r->certificate when it is set.
 */
void
hallway_test_request_send (HallwayTestServer  *t,
                           HallwayTestRequest *r)
{
  SoupSession *session = r->session != NULL ? r->session : session_for (t, r->certificate);

  if (r->certificate != NULL)
    soup_message_set_tls_client_certificate (r->msg, r->certificate);
  soup_session_send_and_read_async (session, r->msg, G_PRIORITY_DEFAULT, NULL, sent_cb, r);
}

/**
 * hallway_test_request_wait:
 * @r: a request sent
 *
 * Runs the main context until the answer is in, and checks that there was
 * one.
 */
void
hallway_test_request_wait (HallwayTestRequest *r)
{
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r->error);
}

void
hallway_test_request_clear (HallwayTestRequest *r)
{
  g_clear_object (&r->msg);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_error (&r->error);
  r->certificate = NULL;
  r->session = NULL;
  r->done = FALSE;
}

void
hallway_test_response_free (HallwayTestResponse *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_free (response->text);
  g_free (response);
}

/**
 * hallway_test_response_dup_text:
 * @response: a response
 *
 * Returns: (transfer full): its body as a string
 */
char *
hallway_test_response_dup_text (HallwayTestResponse *response)
{
  gsize size;
  const char *data = g_bytes_get_data (response->body, &size);

  return g_strndup (data, size);
}

/**
 * hallway_test_response_get_text:
 * @response: a response
 *
 * Returns: (transfer none): its body as a string, for as long as @response
 */
const char *
hallway_test_response_get_text (HallwayTestResponse *response)
{
  if (response->text == NULL)
    response->text = hallway_test_response_dup_text (response);
  return response->text;
}

/* Asserts that @response is one of Hallway's JSON errors: a code and a
 * message in plain words. */
void
hallway_test_response_assert_json_error (HallwayTestResponse *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==,
                   "application/json");
  json_parser_load_from_data (parser, hallway_test_response_get_text (response), -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_nonnull (json_object_get_string_member (object, "error"));
  g_assert_nonnull (json_object_get_string_member (object, "message"));
}

static void
start_valist (HallwayTestServer  *t,
              HallwayTestRequest *r,
              const char         *method,
              const char         *path,
              const char         *body,
              gssize              body_length,
              const char         *first_header,
              va_list             args)
{
  const char *name;

  g_assert_null (r->msg);
  r->msg = hallway_test_server_new_message (t, method, path);
  if (body != NULL)
    {
      gsize length = body_length < 0 ? strlen (body) : (gsize) body_length;
      g_autoptr(GBytes) bytes = g_bytes_new (body, length);

      soup_message_set_request_body_from_bytes (r->msg, "application/octet-stream", bytes);
    }
  /* After the body, so that a Content-Type given here wins. */
  for (name = first_header; name != NULL; name = va_arg (args, const char *))
    soup_message_headers_replace (soup_message_get_request_headers (r->msg), name,
                                  va_arg (args, const char *));
  hallway_test_request_send (t, r);
}

/**
 * hallway_test_request_start_full:
 * @t: a fixture
 * @r: a cleared request, with @certificate or @session set if wanted
 * @method: an HTTP method
 * @path: the path and query on the server
 * @body: (nullable): the request body
 * @body_length: its length, or -1 when it is a string
 * @first_header: (nullable): "Name", "value", ..., %NULL
 *
 * Sends a request without waiting for the answer; see
 * hallway_test_request_finish().
 */
void
hallway_test_request_start_full (HallwayTestServer  *t,
                                 HallwayTestRequest *r,
                                 const char         *method,
                                 const char         *path,
                                 const char         *body,
                                 gssize              body_length,
                                 const char         *first_header,
                                 ...)
{
  va_list args;

  va_start (args, first_header);
  start_valist (t, r, method, path, body, body_length, first_header, args);
  va_end (args);
}

/**
 * hallway_test_request_finish:
 * @r: a request sent
 *
 * Waits for the answer, and clears @r.
 *
 * Returns: (transfer full): the answer
 */
HallwayTestResponse *
hallway_test_request_finish (HallwayTestRequest *r)
{
  HallwayTestResponse *response = g_new0 (HallwayTestResponse, 1);

  hallway_test_request_wait (r);
  response->status = soup_message_get_status (r->msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (r->msg));
  response->body = g_steal_pointer (&r->body);
  hallway_test_request_clear (r);
  return response;
}

/**
 * hallway_test_server_request:
 * @t: a fixture
 * @method: an HTTP method
 * @path: the path and query on the server
 * @client_certificate: (nullable): the certificate the client presents
 * @body: (nullable): the request body
 * @body_length: its length, or -1 when it is a string
 * @first_header: (nullable): "Name", "value", ..., %NULL
 *
 * Sends one request and waits for the answer.
 *
 * Returns: (transfer full): the answer
 */
HallwayTestResponse *
hallway_test_server_request (HallwayTestServer *t,
                             const char        *method,
                             const char        *path,
                             GTlsCertificate   *client_certificate,
                             const char        *body,
                             gssize             body_length,
                             const char        *first_header,
                             ...)
{
  HallwayTestRequest r = { 0 };
  va_list args;

  r.certificate = client_certificate;
  va_start (args, first_header);
  start_valist (t, &r, method, path, body, body_length, first_header, args);
  va_end (args);
  return hallway_test_request_finish (&r);
}
