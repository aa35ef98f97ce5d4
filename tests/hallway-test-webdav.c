/* hallway-test-webdav.c: an in-process WebDAV server over real TLS on
 * 127.0.0.1, and a client for it, for the tests of the file server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-webdav.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hallway-daemon-webdav-private.h"
#include "hallway-test-utils.h"

void
response_free (Response *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_free (response);
}

void
write_file (Fixture    *f,
            const char *relative,
            const char *contents,
            gssize      length)
{
  g_autofree char *path = g_build_filename (f->shared, relative, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

gboolean
file_exists (Fixture    *f,
             const char *relative)
{
  g_autofree char *path = g_build_filename (f->shared, relative, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK);
}

char *
read_file (Fixture    *f,
           const char *relative)
{
  g_autofree char *path = g_build_filename (f->shared, relative, NULL);
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, NULL);
  return contents;
}

HallwayShare *
add_share (Fixture              *f,
           HallwayShareAccess    access,
           HallwayShareAudience  audience,
           const char           *password)
{
  g_autoptr(GError) error = NULL;
  HallwayShare *share = hallway_daemon_shares_add (f->shares, f->shared, "Team files", access,
                                                   audience, password, &error);

  g_assert_no_error (error);
  g_assert_nonnull (share);
  g_free (f->share_id);
  f->share_id = g_strdup (hallway_share_get_id (share));
  return share;
}

void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autofree char *pins_path = NULL;
  g_autofree char *shares_path = NULL;
  g_autofree char *props_dir = NULL;
  g_autofree char *private_dir = NULL;

  f->dir = g_dir_make_tmp ("hallway-webdav-XXXXXX", &error);
  g_assert_no_error (error);
  f->shared = g_build_filename (f->dir, "shared", NULL);
  g_assert_cmpint (g_mkdir (f->shared, 0700), ==, 0);
  f->server_identity = hallway_test_make_identity (f->dir, "server");
  f->client_identity = hallway_test_make_identity (f->dir, "client");

  f->server = hallway_daemon_server_new (f->server_identity);
  g_assert_true (hallway_daemon_server_listen (f->server, loopback, 0, &error));
  g_assert_no_error (error);
  f->port = hallway_daemon_server_get_port (f->server);

  pins_path = g_build_filename (f->dir, "peers.ini", NULL);
  shares_path = g_build_filename (f->dir, "shares.ini", NULL);
  props_dir = g_build_filename (f->dir, "props", NULL);
  f->pins = hallway_pins_new (pins_path);
  f->access = hallway_daemon_access_new (f->pins);
  private_dir = g_build_filename (f->dir, "private", NULL);
  g_assert_cmpint (g_mkdir (private_dir, 0700), ==, 0);
  f->shares = hallway_daemon_shares_new (shares_path, private_dir);
  f->webdav = hallway_daemon_webdav_new (f->shares, f->access);
  _hallway_daemon_webdav_set_props_dir (f->webdav, props_dir);
  hallway_daemon_webdav_attach (f->webdav, hallway_daemon_server_get_soup_server (f->server));

  f->session = soup_session_new ();
}

void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->session);
  g_clear_object (&f->webdav);
  g_clear_object (&f->server);
  g_clear_object (&f->shares);
  g_clear_object (&f->access);
  g_clear_object (&f->pins);
  g_clear_object (&f->server_identity);
  g_clear_object (&f->client_identity);
  /* Let closed connections finish on the main context. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  hallway_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->shared);
  g_free (f->share_id);
}

gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  return TRUE;
}

void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static SoupMessage *
message_newv (Fixture         *f,
              const char      *method,
              const char      *path,
              GTlsCertificate *client_certificate,
              const char      *body,
              gssize           body_length,
              const char      *first_header,
              va_list          args)
{
  g_autofree char *uri = g_strdup_printf ("https://127.0.0.1:%u%s", f->port, path);
  SoupMessage *msg = soup_message_new (method, uri);
  const char *name;

  g_assert_nonnull (msg);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);
  if (client_certificate != NULL)
    soup_message_set_tls_client_certificate (msg, client_certificate);

  for (name = first_header; name != NULL; name = va_arg (args, const char *))
    soup_message_headers_replace (soup_message_get_request_headers (msg), name,
                                  va_arg (args, const char *));

  if (body != NULL)
    {
      gsize length = body_length < 0 ? strlen (body) : (gsize) body_length;
      g_autoptr(GBytes) bytes = g_bytes_new (body, length);

      soup_message_set_request_body_from_bytes (msg, "application/octet-stream", bytes);
    }
  return msg;
}

/**
 * sent_new:
 * @session: the client, with its connections
 * @msg: (transfer full): a request
 *
 * Sends @msg without waiting; see sent_wait().
 */
Sent *
sent_new (SoupSession *session,
          SoupMessage *msg)
{
  Sent *sent = g_new0 (Sent, 1);

  sent->session = g_object_ref (session);
  sent->msg = msg;
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, result_cb,
                                    &sent->result);
  return sent;
}

/* Waits for the answer to @sent (consumed). */
Response *
sent_wait (Sent *sent)
{
  g_autoptr(GError) error = NULL;
  Response *response = g_new0 (Response, 1);

  while (sent->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  response->body = soup_session_send_and_read_finish (sent->session, sent->result, &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (sent->msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (sent->msg));
  g_object_unref (sent->result);
  g_object_unref (sent->msg);
  g_object_unref (sent->session);
  g_free (sent);
  return response;
}

/* Sends a request; @headers is NULL or "Name", "value", ..., NULL. */
Response *
request_full (Fixture          *f,
              const char       *method,
              const char       *path,
              GTlsCertificate  *client_certificate,
              const char       *body,
              gssize            body_length,
              const char       *first_header,
              ...)
{
  SoupMessage *msg;
  va_list args;

  va_start (args, first_header);
  msg = message_newv (f, method, path, client_certificate, body, body_length, first_header, args);
  va_end (args);
  return sent_wait (sent_new (f->session, msg));
}

/* Sends a request on @session without waiting; headers as request_full(). */
Sent *
send_on (Fixture     *f,
         SoupSession *session,
         const char  *method,
         const char  *path,
         const char  *first_header,
         ...)
{
  SoupMessage *msg;
  va_list args;

  va_start (args, first_header);
  msg = message_newv (f, method, path, NULL, NULL, 0, first_header, args);
  va_end (args);
  return sent_new (session, msg);
}

char *
share_path (Fixture    *f,
            const char *rest)
{
  return g_strdup_printf ("/shares/%s/%s", f->share_id, rest);
}

guint
status_of (Fixture    *f,
           const char *method,
           const char *rest)
{
  g_autofree char *path = share_path (f, rest);
  g_autoptr(Response) response = request (f, method, path);

  return response->status;
}

guint
put (Fixture    *f,
     const char *rest,
     const char *contents)
{
  g_autofree char *path = share_path (f, rest);
  g_autoptr(Response) response = request_full (f, "PUT", path, NULL, contents, -1, NULL);

  return response->status;
}

const char *
body_text (Response *response)
{
  static char *last;
  gsize size;
  const char *data = g_bytes_get_data (response->body, &size);

  g_free (last);
  last = g_strndup (data, size);
  return last;
}

void
assert_json_error (Response *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==,
                   "application/json");
  json_parser_load_from_data (parser, body_text (response), -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_nonnull (json_object_get_string_member (object, "error"));
  g_assert_nonnull (json_object_get_string_member (object, "message"));
}
