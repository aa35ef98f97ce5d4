/* test-webdav-upload.c: files given from a browser's form, over real TLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-server.h"
#include "hallway-test-utils.h"

#include <string.h>

#include "hallway-daemon-webdav.h"

#define BOUNDARY "----hallwaytestboundary"

typedef struct
{
  HallwayTestServer t;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  hallway_test_server_set_up (&f->t, "upload");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hallway_test_server_tear_down (&f->t);
}

#define request(f, method, path, body, length, ...) \
  hallway_test_server_request (&(f)->t, method, path, NULL, body, length, ##__VA_ARGS__, NULL)
#define body_text hallway_test_response_get_text

/* A form body with one part per (filename, contents) pair. */
static GString *
form_body (const char *first_filename,
           ...)
{
  GString *body = g_string_new (NULL);
  const char *filename = first_filename;
  va_list args;

  va_start (args, first_filename);
  while (filename != NULL)
    {
      const char *contents = va_arg (args, const char *);

      g_string_append_printf (body,
                              "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
                              "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                              "%s\r\n", filename, contents);
      filename = va_arg (args, const char *);
    }
  va_end (args);
  g_string_append (body, "--" BOUNDARY "--\r\n");
  return body;
}

static HallwayTestResponse *
post_form (Fixture    *f,
           const char *path,
           GString    *body,
           const char *origin)
{
  return request (f, "POST", path, body->str, body->len,
                  "Content-Type", "multipart/form-data; boundary=" BOUNDARY,
                  origin != NULL ? "Origin" : NULL, origin);
}

static void
test_form_and_script (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *script = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *expected = NULL;
  guint8 digest[32];
  gsize digest_length = sizeof digest;
  const char *html;
  const char *start;
  const char *end;

  g_test_summary ("A read-write share's page has an upload form; its one script is allowed "
                  "by its hash, nothing else");

  hallway_test_server_add_share (&f->t, HALLWAY_SHARE_ACCESS_READ_WRITE,
                                 HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  path = hallway_test_server_share_path (&f->t, "");
  response = request (f, "GET", path, NULL, 0);
  g_assert_cmpuint (response->status, ==, 200);
  html = body_text (response);
  g_assert_nonnull (strstr (html, "method=\"post\""));
  g_assert_nonnull (strstr (html, "enctype=\"multipart/form-data\""));
  g_assert_nonnull (strstr (html, "webkitdirectory"));

  start = strstr (html, "<script>");
  g_assert_nonnull (start);
  start += strlen ("<script>");
  end = strstr (start, "</script>");
  g_assert_nonnull (end);
  script = g_strndup (start, end - start);
  g_checksum_update (checksum, (const guchar *) script, -1);
  g_checksum_get_digest (checksum, digest, &digest_length);
  hash = g_base64_encode (digest, digest_length);
  expected = g_strdup_printf ("script-src 'sha256-%s';", hash);
  g_assert_nonnull (strstr (soup_message_headers_get_one (response->headers,
                                                          "Content-Security-Policy"), expected));
}

static void
test_upload (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autoptr(GString) body = NULL;
  g_autofree char *contents = NULL;

  g_test_summary ("A form's files and folder arrive in place; nothing is replaced");

  hallway_test_server_add_share (&f->t, HALLWAY_SHARE_ACCESS_READ_WRITE,
                                 HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  hallway_test_server_write_file (&f->t, "taken.txt", "old", -1);
  path = hallway_test_server_share_path (&f->t, "");
  body = form_body ("taken.txt", "new", "Trip/day 1/a.txt", "aaa", "../up.txt", "up",
                    ".hidden", "h", NULL);
  response = post_form (f, path, body, NULL);
  g_assert_cmpuint (response->status, ==, 201);
  g_assert_nonnull (strstr (body_text (response), "Trip/day 1/a.txt"));

  contents = hallway_test_server_read_file (&f->t, "taken.txt");
  g_assert_cmpstr (contents, ==, "old");
  g_clear_pointer (&contents, g_free);
  contents = hallway_test_server_read_file (&f->t, "taken (2).txt");
  g_assert_cmpstr (contents, ==, "new");
  g_clear_pointer (&contents, g_free);
  contents = hallway_test_server_read_file (&f->t, "Trip/day 1/a.txt");
  g_assert_cmpstr (contents, ==, "aaa");
  g_clear_pointer (&contents, g_free);
  contents = hallway_test_server_read_file (&f->t, "up.txt");
  g_assert_cmpstr (contents, ==, "up");
  g_clear_pointer (&contents, g_free);
  contents = hallway_test_server_read_file (&f->t, "hidden");
  g_assert_cmpstr (contents, ==, "h");
  g_assert_false (hallway_test_server_file_exists (&f->t, ".hidden"));
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *own_origin = NULL;
  g_autoptr(GString) body = form_body ("a.txt", "a", NULL);
  g_autoptr(GString) big = NULL;
  g_autoptr(GString) cut = NULL;
  HallwayTestResponse *response;

  g_test_summary ("Uploads from other sites, over the limit, cut off or into a read-only "
                  "share are refused and leave nothing");

  hallway_test_server_add_share (&f->t, HALLWAY_SHARE_ACCESS_READ_WRITE,
                                 HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  path = hallway_test_server_share_path (&f->t, "");

  response = post_form (f, path, body, "https://elsewhere.example");
  g_assert_cmpuint (response->status, ==, 403);
  hallway_test_response_free (response);
  own_origin = g_strdup_printf ("https://127.0.0.1:%u", f->t.port);
  response = post_form (f, path, body, own_origin);
  g_assert_cmpuint (response->status, ==, 201);
  hallway_test_response_free (response);
  g_assert_true (hallway_test_server_file_exists (&f->t, "a.txt"));

  hallway_daemon_webdav_set_max_body (f->t.webdav, 1000);
  big = g_string_new (NULL);
  for (guint i = 0; i < 2000; i++)
    g_string_append_c (big, 'x');
  g_string_free (body, TRUE);
  body = form_body ("big.txt", big->str, NULL);
  response = post_form (f, path, body, NULL);
  g_assert_cmpuint (response->status, ==, 413);
  hallway_test_response_free (response);
  g_assert_false (hallway_test_server_file_exists (&f->t, "big.txt"));

  cut = g_string_new ("--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"f\"; "
                      "filename=\"cut.txt\"\r\n\r\nhalf of it");
  response = post_form (f, path, cut, NULL);
  g_assert_cmpuint (response->status, ==, 400);
  hallway_test_response_free (response);
  g_assert_false (hallway_test_server_file_exists (&f->t, "cut.txt"));

  response = request (f, "POST", path, "x", 1, "Content-Type", "text/plain");
  g_assert_cmpuint (response->status, ==, 415);
  hallway_test_response_free (response);

  g_assert_true (hallway_daemon_shares_remove (f->t.shares, f->t.share_id, NULL));
  hallway_test_server_add_share (&f->t, HALLWAY_SHARE_ACCESS_READ_ONLY,
                                 HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  g_free (path);
  path = hallway_test_server_share_path (&f->t, "");
  g_string_free (body, TRUE);
  body = form_body ("ro.txt", "r", NULL);
  response = post_form (f, path, body, NULL);
  g_assert_cmpuint (response->status, ==, 403);
  hallway_test_response_free (response);
  g_assert_false (hallway_test_server_file_exists (&f->t, "ro.txt"));
}

static void
test_password (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *b64 = g_base64_encode ((const guchar *) "x:open sesame", 13);
  g_autofree char *credentials = g_strconcat ("Basic ", b64, NULL);
  g_autoptr(GString) body = form_body ("p.txt", "p", NULL);
  HallwayTestResponse *response;

  g_test_summary ("A password drop box takes a form only with its password");

  hallway_test_server_add_share (&f->t, HALLWAY_SHARE_ACCESS_DROP_BOX,
                                 HALLWAY_SHARE_AUDIENCE_PASSWORD, "open sesame");
  path = hallway_test_server_share_path (&f->t, "");
  response = post_form (f, path, body, NULL);
  g_assert_cmpuint (response->status, ==, 401);
  hallway_test_response_free (response);
  g_assert_false (hallway_test_server_file_exists (&f->t, "p.txt"));

  response = request (f, "POST", path, body->str, body->len,
                      "Content-Type", "multipart/form-data; boundary=" BOUNDARY,
                      "Authorization", credentials);
  g_assert_cmpuint (response->status, ==, 201);
  hallway_test_response_free (response);
  g_assert_true (hallway_test_server_file_exists (&f->t, "p.txt"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/webdav/upload/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("form-and-script", test_form_and_script);
  ADD ("upload", test_upload);
  ADD ("refused", test_refused);
  ADD ("password", test_password);

#undef ADD

  return g_test_run ();
}
