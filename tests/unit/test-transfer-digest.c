/* test-transfer-digest.c: the SHA-256 a share offers of a file
 * (GET …?digest=sha256), which a resumed download is checked against
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-server.h"
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
  HallwayTestServer  t;
  char              *share_id;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  HallwayShare *share;

  hallway_test_server_set_up (&f->t, "digest");
  share = hallway_test_server_add_share (&f->t, HALLWAY_SHARE_ACCESS_READ_ONLY,
                                         HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  f->share_id = g_strdup (hallway_share_get_id (share));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hallway_test_server_tear_down (&f->t);
  g_free (f->share_id);
}

static void
request_start (Fixture            *f,
               HallwayTestRequest *r,
               const char         *method,
               const char         *rest)
{
  g_autofree char *path = g_strdup_printf ("/shares/%s/%s", f->share_id, rest);

  hallway_test_request_start (&f->t, r, method, path);
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
  g_autofree char *path = g_build_filename (f->t.shared, "big file.bin", NULL);
  g_autofree char *etag = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  HallwayTestRequest r = { 0 };
  JsonObject *object;

  g_test_summary ("GET ?digest=sha256 answers the file's SHA-256, size and ETag");

  for (gsize i = 0; i < size; i++)
    contents[i] = (guint8) g_test_rand_int ();
  g_file_set_contents (path, (const char *) contents, size, &error);
  g_assert_no_error (error);
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, contents, size);

  request_start (f, &r, "HEAD", "big%20file.bin");
  hallway_test_request_wait (&r);
  etag = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (r.msg),
                                                 "ETag"));
  g_assert_nonnull (etag);
  hallway_test_request_clear (&r);

  request_start (f, &r, "GET", "big%20file.bin?digest=sha256");
  hallway_test_request_wait (&r);
  g_assert_cmpuint (soup_message_get_status (r.msg), ==, 200);
  object = parse_object (parser, r.body);
  g_assert_cmpstr (json_object_get_string_member (object, "sha256"), ==, expected);
  g_assert_cmpint (json_object_get_int_member (object, "size"), ==, size);
  g_assert_cmpstr (json_object_get_string_member (object, "etag"), ==, etag);
  hallway_test_request_clear (&r);

  /* Without the query, the file itself, as before. */
  request_start (f, &r, "GET", "big%20file.bin");
  hallway_test_request_wait (&r);
  g_assert_cmpuint (soup_message_get_status (r.msg), ==, 200);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, size);
  hallway_test_request_clear (&r);

  /* A missing file is a plain 404. */
  request_start (f, &r, "GET", "missing.bin?digest=sha256");
  hallway_test_request_wait (&r);
  g_assert_cmpuint (soup_message_get_status (r.msg), ==, 404);
  hallway_test_request_clear (&r);
}

static void
test_digest_many (Fixture       *f,
                  gconstpointer  data)
{
  enum { N = 7 };   /* more than run at once: the others queue */
  HallwayTestRequest requests[N] = { { 0 } };

  g_test_summary ("Many digests asked at once are all answered, none blocking the server");

  for (guint i = 0; i < N; i++)
    {
      g_autofree char *name = g_strdup_printf ("f%u.txt", i);
      g_autofree char *path = g_build_filename (f->t.shared, name, NULL);
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

      hallway_test_request_wait (&requests[i]);
      g_assert_cmpuint (soup_message_get_status (requests[i].msg), ==, 200);
      object = parse_object (parser, requests[i].body);
      g_assert_cmpstr (json_object_get_string_member (object, "sha256"), ==, expected);
      hallway_test_request_clear (&requests[i]);
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
