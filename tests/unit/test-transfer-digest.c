/* test-transfer-digest.c: the SHA-256 a share offers of a file
 * (GET …?digest=sha256), which a resumed download is checked against
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-webdav.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static Response *
get (Fixture    *f,
     const char *method,
     const char *rest)
{
  g_autofree char *path = share_path (f, rest);

  return request (f, method, path);
}

static Sent *
get_start (Fixture    *f,
           const char *rest)
{
  g_autofree char *path = share_path (f, rest);

  return send_on (f, f->session, "GET", path, NULL);
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
  g_autoptr(Response) response = NULL;
  JsonObject *object;

  g_test_summary ("GET ?digest=sha256 answers the file's SHA-256, size and ETag");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  for (gsize i = 0; i < size; i++)
    contents[i] = (guint8) g_test_rand_int ();
  g_file_set_contents (path, (const char *) contents, size, &error);
  g_assert_no_error (error);
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, contents, size);

  response = get (f, "HEAD", "big%20file.bin");
  etag = g_strdup (soup_message_headers_get_one (response->headers, "ETag"));
  g_assert_nonnull (etag);
  g_clear_pointer (&response, response_free);

  response = get (f, "GET", "big%20file.bin?digest=sha256");
  g_assert_cmpuint (response->status, ==, 200);
  object = parse_object (parser, response->body);
  g_assert_cmpstr (json_object_get_string_member (object, "sha256"), ==, expected);
  g_assert_cmpint (json_object_get_int_member (object, "size"), ==, size);
  g_assert_cmpstr (json_object_get_string_member (object, "etag"), ==, etag);
  g_clear_pointer (&response, response_free);

  /* Without the query, the file itself, as before. */
  response = get (f, "GET", "big%20file.bin");
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (response->body), ==, size);
  g_clear_pointer (&response, response_free);

  /* A missing file is a plain 404. */
  response = get (f, "GET", "missing.bin?digest=sha256");
  g_assert_cmpuint (response->status, ==, 404);
}

static void
test_digest_many (Fixture       *f,
                  gconstpointer  data)
{
  enum { N = 7 };   /* more than run at once: the others queue */
  Sent *sent[N];

  g_test_summary ("Many digests asked at once are all answered, none blocking the server");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
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

      sent[i] = get_start (f, rest);
    }
  for (guint i = 0; i < N; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *text = g_strdup_printf ("file number %u\n", i);
      g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
      g_autoptr(Response) response = sent_wait (sent[i]);
      JsonObject *object;

      g_assert_cmpuint (response->status, ==, 200);
      object = parse_object (parser, response->body);
      g_assert_cmpstr (json_object_get_string_member (object, "sha256"), ==, expected);
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
