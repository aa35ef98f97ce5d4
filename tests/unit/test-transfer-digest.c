/* test-transfer-digest.c: the SHA-256 a share offers of a file
 * (GET …?digest=sha256), which a resumed download is checked against
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-utils.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hallway-daemon-access.h"
#include "hallway-daemon-server.h"
#include "hallway-daemon-shares.h"
#include "hallway-daemon-webdav.h"
#include "hallway-daemon-webdav-private.h"
#include "hallway-identity.h"
#include "hallway-pins.h"

typedef struct
{
  char                *dir;
  char                *shared;
  HallwayIdentity     *server_identity;
  HallwayDaemonServer *server;
  HallwayPins         *pins;
  HallwayDaemonAccess *access;
  HallwayDaemonShares *shares;
  HallwayDaemonWebdav *webdav;
  SoupSession         *session;
  guint16              port;
  char                *share_id;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autofree char *pins_path = NULL;
  g_autofree char *shares_path = NULL;
  g_autofree char *props_dir = NULL;
  g_autofree char *private_dir = NULL;
  HallwayShare *share;

  f->dir = g_dir_make_tmp ("hallway-digest-XXXXXX", &error);
  g_assert_no_error (error);
  f->shared = g_build_filename (f->dir, "shared", NULL);
  g_assert_cmpint (g_mkdir (f->shared, 0700), ==, 0);
  f->server_identity = hallway_test_make_identity (f->dir, "server");

  f->server = hallway_daemon_server_new (f->server_identity);
  g_assert_true (hallway_daemon_server_listen (f->server, loopback, 0, &error));
  g_assert_no_error (error);
  f->port = hallway_daemon_server_get_port (f->server);

  pins_path = g_build_filename (f->dir, "peers.ini", NULL);
  shares_path = g_build_filename (f->dir, "shares.ini", NULL);
  props_dir = g_build_filename (f->dir, "props", NULL);
  private_dir = g_build_filename (f->dir, "private", NULL);
  g_assert_cmpint (g_mkdir (private_dir, 0700), ==, 0);
  f->pins = hallway_pins_new (pins_path);
  f->access = hallway_daemon_access_new (f->pins);
  f->shares = hallway_daemon_shares_new (shares_path, private_dir);
  f->webdav = hallway_daemon_webdav_new (f->shares, f->access);
  _hallway_daemon_webdav_set_props_dir (f->webdav, props_dir);
  hallway_daemon_webdav_attach (f->webdav, hallway_daemon_server_get_soup_server (f->server));

  share = hallway_daemon_shares_add (f->shares, f->shared, "Team files",
                                     HALLWAY_SHARE_ACCESS_READ_ONLY,
                                     HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL, &error);
  g_assert_no_error (error);
  f->share_id = g_strdup (hallway_share_get_id (share));

  f->session = soup_session_new ();
}

static void
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
  while (g_main_context_iteration (NULL, FALSE))
    ;
  hallway_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->shared);
  g_free (f->share_id);
}

static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  return TRUE;
}

typedef struct
{
  SoupMessage *msg;
  GBytes      *body;
  gboolean     done;
} Request;

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Request *r = user_data;
  g_autoptr(GError) error = NULL;

  r->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  r->done = TRUE;
}

static void
request_start (Fixture    *f,
               Request    *r,
               const char *method,
               const char *rest)
{
  g_autofree char *uri = g_strdup_printf ("https://127.0.0.1:%u/shares/%s/%s", f->port,
                                          f->share_id, rest);

  r->msg = soup_message_new (method, uri);
  g_assert_nonnull (r->msg);
  g_signal_connect (r->msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);
  soup_session_send_and_read_async (f->session, r->msg, G_PRIORITY_DEFAULT, NULL, sent_cb, r);
}

static void
request_wait (Request *r)
{
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
request_clear (Request *r)
{
  g_clear_object (&r->msg);
  g_clear_pointer (&r->body, g_bytes_unref);
  r->done = FALSE;
}

static JsonObject *
parse_object (JsonParser *parser,
              GBytes     *body)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                              &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_digest (Fixture       *f,
             gconstpointer  data)
{
  gsize size = 3 * 1024 * 1024 + 17;   /* several blocks and a bit */
  g_autofree guint8 *contents = g_malloc (size);
  g_autofree char *expected = NULL;
  g_autofree char *path = g_build_filename (f->shared, "big file.bin", NULL);
  g_autofree char *etag = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  Request r = { 0 };
  JsonObject *object;

  g_test_summary ("GET ?digest=sha256 answers the file's SHA-256, size and ETag");

  for (gsize i = 0; i < size; i++)
    contents[i] = (guint8) g_test_rand_int ();
  g_file_set_contents (path, (const char *) contents, size, &error);
  g_assert_no_error (error);
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, contents, size);

  request_start (f, &r, "HEAD", "big%20file.bin");
  request_wait (&r);
  etag = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (r.msg),
                                                 "ETag"));
  g_assert_nonnull (etag);
  request_clear (&r);

  request_start (f, &r, "GET", "big%20file.bin?digest=sha256");
  request_wait (&r);
  g_assert_cmpuint (soup_message_get_status (r.msg), ==, 200);
  object = parse_object (parser, r.body);
  g_assert_cmpstr (json_object_get_string_member (object, "sha256"), ==, expected);
  g_assert_cmpint (json_object_get_int_member (object, "size"), ==, size);
  g_assert_cmpstr (json_object_get_string_member (object, "etag"), ==, etag);
  request_clear (&r);

  /* Without the query, the file itself, as before. */
  request_start (f, &r, "GET", "big%20file.bin");
  request_wait (&r);
  g_assert_cmpuint (soup_message_get_status (r.msg), ==, 200);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, size);
  request_clear (&r);

  /* A missing file is a plain 404. */
  request_start (f, &r, "GET", "missing.bin?digest=sha256");
  request_wait (&r);
  g_assert_cmpuint (soup_message_get_status (r.msg), ==, 404);
  request_clear (&r);
}

static void
test_digest_many (Fixture       *f,
                  gconstpointer  data)
{
  enum { N = 7 };   /* more than run at once: the others queue */
  Request requests[N] = { { 0 } };

  g_test_summary ("Many digests asked at once are all answered, none blocking the server");

  for (guint i = 0; i < N; i++)
    {
      g_autofree char *name = g_strdup_printf ("f%u.txt", i);
      g_autofree char *path = g_build_filename (f->shared, name, NULL);
      g_autofree char *text = g_strdup_printf ("file number %u\n", i);

      g_assert_true (g_file_set_contents (path, text, -1, NULL));
    }
  for (guint i = 0; i < N; i++)
    {
      g_autofree char *rest = g_strdup_printf ("f%u.txt?digest=sha256", i);

      request_start (f, &requests[i], "GET", rest);
    }
  for (guint i = 0; i < N; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *text = g_strdup_printf ("file number %u\n", i);
      g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
      JsonObject *object;

      request_wait (&requests[i]);
      g_assert_cmpuint (soup_message_get_status (requests[i].msg), ==, 200);
      object = parse_object (parser, requests[i].body);
      g_assert_cmpstr (json_object_get_string_member (object, "sha256"), ==, expected);
      request_clear (&requests[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/transfer/digest/file", Fixture, NULL, fixture_set_up, test_digest,
              fixture_tear_down);
  g_test_add ("/transfer/digest/many", Fixture, NULL, fixture_set_up, test_digest_many,
              fixture_tear_down);

  return g_test_run ();
}
