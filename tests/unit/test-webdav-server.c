/* test-webdav-server.c: the WebDAV file server over real TLS on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-server.h"
#include "hallway-test-utils.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hallway-daemon-access.h"
#include "hallway-daemon-server.h"
#include "hallway-daemon-shares.h"
#include "hallway-daemon-webdav.h"
#include "hallway-daemon-webdav-private.h"
#include "hallway-bulk.h"
#include "hallway-identity.h"
#include "hallway-path-private.h"
#include "hallway-pins.h"

typedef struct
{
  HallwayTestServer t;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  hallway_test_server_set_up (&f->t, "webdav");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hallway_test_server_tear_down (&f->t);
}

/* The fixture's helpers, on the share added last (f->t.share_id). */
#define request_full(f, ...) hallway_test_server_request (&(f)->t, __VA_ARGS__)
#define request(f, method, path, ...) \
  request_full (f, method, path, NULL, NULL, 0, ##__VA_ARGS__, NULL)
#define add_share(f, ...)   hallway_test_server_add_share (&(f)->t, __VA_ARGS__)
#define write_file(f, ...)  hallway_test_server_write_file (&(f)->t, __VA_ARGS__)
#define file_exists(f, ...) hallway_test_server_file_exists (&(f)->t, __VA_ARGS__)
#define read_file(f, ...)   hallway_test_server_read_file (&(f)->t, __VA_ARGS__)
#define share_path(f, ...)  hallway_test_server_share_path (&(f)->t, __VA_ARGS__)
#define status_of(f, ...)   hallway_test_server_status_of (&(f)->t, __VA_ARGS__)
#define put(f, ...)         hallway_test_server_put (&(f)->t, __VA_ARGS__)
#define body_text           hallway_test_response_get_text
#define assert_json_error   hallway_test_response_assert_json_error

static void
test_unknown_share (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("Unknown shares and /shares/ itself answer 404 with a JSON error");

  response = request (f, "GET", "/shares/nosuchshare/");
  g_assert_cmpuint (response->status, ==, 404);
  assert_json_error (response);
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "PROPFIND", "/shares/", "Depth", "0");
  g_assert_cmpuint (response->status, ==, 404);
}

static void
test_options (Fixture       *f,
              gconstpointer  data)
{
  static const struct
  {
    HallwayShareAccess access;
    const char *allow_has;
    const char *allow_lacks;
  } cases[] = {
    { HALLWAY_SHARE_ACCESS_READ_WRITE, "LOCK", NULL },
    { HALLWAY_SHARE_ACCESS_READ_ONLY, "PROPFIND", "PUT" },
    { HALLWAY_SHARE_ACCESS_DROP_BOX, "PUT", "GET" },
  };

  g_test_summary ("OPTIONS announces DAV 1, 2 and what each access mode allows");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = NULL;
      g_autoptr(HallwayTestResponse) response = NULL;
      const char *allow;
      HallwayShare *share = add_share (f, cases[i].access, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);

      path = share_path (f, "");
      response = request (f, "OPTIONS", path);
      g_assert_cmpuint (response->status, ==, 200);
      g_assert_cmpstr (soup_message_headers_get_one (response->headers, "DAV"), ==, "1, 2");
      g_assert_cmpstr (soup_message_headers_get_one (response->headers, "MS-Author-Via"), ==,
                       "DAV");
      allow = soup_message_headers_get_one (response->headers, "Allow");
      g_assert_nonnull (strstr (allow, cases[i].allow_has));
      if (cases[i].allow_lacks != NULL)
        g_assert_null (strstr (allow, cases[i].allow_lacks));
      hallway_daemon_shares_remove (f->t.shares, hallway_share_get_id (share), NULL);
    }
}

static void
test_read_write (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autofree char *path = NULL;
  g_autofree char *destination = NULL;
  g_autofree char *contents = NULL;
  const char *text;

  g_test_summary ("Every method works on a read-write share open to everyone");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_WRITE, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);

  g_assert_cmpuint (put (f, "notes.txt", "first"), ==, 201);
  g_assert_cmpuint (put (f, "notes.txt", "second version"), ==, 204);
  contents = read_file (f, "notes.txt");
  g_assert_cmpstr (contents, ==, "second version");
  g_assert_cmpuint (put (f, "missing/notes.txt", "x"), ==, 409);

  path = share_path (f, "notes.txt");
  response = request (f, "GET", path);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (body_text (response), ==, "second version");
  g_assert_nonnull (soup_message_headers_get_one (response->headers, "ETag"));
  g_assert_nonnull (soup_message_headers_get_one (response->headers, "Last-Modified"));
  g_assert_cmpstr (soup_message_headers_get_one (response->headers, "Accept-Ranges"), ==, "bytes");
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==,
                   "text/plain");
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "HEAD", path);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpint (soup_message_headers_get_content_length (response->headers), ==, 14);
  g_assert_cmpuint (g_bytes_get_size (response->body), ==, 0);
  g_clear_pointer (&response, hallway_test_response_free);

  /* MKCOL */
  g_assert_cmpuint (status_of (f, "MKCOL", "docs"), ==, 201);
  g_assert_cmpuint (status_of (f, "MKCOL", "docs"), ==, 405);
  g_assert_cmpuint (status_of (f, "MKCOL", "nothere/docs"), ==, 409);
  g_clear_pointer (&path, g_free);
  path = share_path (f, "withbody");
  response = request_full (f, "MKCOL", path, NULL, "<x/>", -1, NULL);
  g_assert_cmpuint (response->status, ==, 415);
  g_clear_pointer (&response, hallway_test_response_free);

  /* PROPFIND */
  g_clear_pointer (&path, g_free);
  path = share_path (f, "");
  response = request (f, "PROPFIND", path, "Depth", "1");
  g_assert_cmpuint (response->status, ==, 207);
  text = body_text (response);
  g_assert_nonnull (strstr (text, "notes.txt"));
  g_assert_nonnull (strstr (text, "<D:collection/>"));
  g_assert_nonnull (strstr (text, "<D:getcontentlength>14</D:getcontentlength>"));
  g_clear_pointer (&response, hallway_test_response_free);

  response =
    request_full (f, "PROPFIND", path, NULL,
                  "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/></D:prop></D:propfind>", -1,
                  "Depth", "0", NULL);
  g_assert_cmpuint (response->status, ==, 207);
  text = body_text (response);
  g_assert_nonnull (strstr (text, "<D:getetag>"));
  g_assert_null (strstr (text, "getlastmodified"));
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "PROPFIND", path, "Depth", "infinity");
  g_assert_cmpuint (response->status, ==, 403);
  g_assert_nonnull (strstr (body_text (response), "propfind-finite-depth"));
  g_clear_pointer (&response, hallway_test_response_free);
  response = request (f, "PROPFIND", path);
  g_assert_cmpuint (response->status, ==, 403);
  g_clear_pointer (&response, hallway_test_response_free);

  response = request_full (f, "PROPFIND", path, NULL, "<D:propfind xmlns:D=\"DAV:\"><oops",
                           -1, "Depth", "0", NULL);
  g_assert_cmpuint (response->status, ==, 400);
  g_clear_pointer (&response, hallway_test_response_free);

  /* PROPPATCH: dead properties stick, live ones are protected */
  g_clear_pointer (&path, g_free);
  path = share_path (f, "notes.txt");
  response =
    request_full (f, "PROPPATCH", path, NULL,
                  "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop>"
                  "<Z:color>blue &amp; green</Z:color></D:prop></D:set></D:propertyupdate>",
                  -1, NULL);
  g_assert_cmpuint (response->status, ==, 207);
  g_assert_nonnull (strstr (body_text (response), "200 OK"));
  g_clear_pointer (&response, hallway_test_response_free);
  response = request_full (f, "PROPFIND", path, NULL,
                           "<D:propfind xmlns:D=\"DAV:\"><D:prop><color xmlns=\"urn:z\"/>"
                           "<missing xmlns=\"urn:z\"/></D:prop></D:propfind>",
                           -1, "Depth", "0", NULL);
  text = body_text (response);
  g_assert_nonnull (strstr (text, "blue &amp; green</R:color>"));
  g_assert_nonnull (strstr (text, "404 Not Found"));
  g_clear_pointer (&response, hallway_test_response_free);
  response = request_full (f, "PROPPATCH", path, NULL,
                           "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop>"
                           "<D:getetag>x</D:getetag><Q:ok xmlns:Q=\"urn:q\">1</Q:ok>"
                           "</D:prop></D:set></D:propertyupdate>",
                           -1, NULL);
  text = body_text (response);
  g_assert_nonnull (strstr (text, "403 Forbidden"));
  g_assert_nonnull (strstr (text, "424 Failed Dependency"));
  g_clear_pointer (&response, hallway_test_response_free);

  /* COPY and MOVE */
  destination = g_strdup_printf ("https://somehost:1/shares/%s/docs/copy.txt", f->t.share_id);
  response = request (f, "COPY", path, "Destination", destination);
  g_assert_cmpuint (response->status, ==, 201);
  g_clear_pointer (&response, hallway_test_response_free);
  response = request (f, "COPY", path, "Destination", destination, "Overwrite", "F");
  g_assert_cmpuint (response->status, ==, 412);
  g_clear_pointer (&response, hallway_test_response_free);
  response = request (f, "COPY", path, "Destination", destination);
  g_assert_cmpuint (response->status, ==, 204);
  g_clear_pointer (&response, hallway_test_response_free);
  g_clear_pointer (&contents, g_free);
  contents = read_file (f, "docs/copy.txt");
  g_assert_cmpstr (contents, ==, "second version");

  g_clear_pointer (&destination, g_free);
  destination = g_strdup_printf ("/shares/%s/docs/moved.txt", f->t.share_id);
  response = request (f, "MOVE", path, "Destination", destination);
  g_assert_cmpuint (response->status, ==, 201);
  g_clear_pointer (&response, hallway_test_response_free);
  g_assert_false (file_exists (f, "notes.txt"));
  g_assert_true (file_exists (f, "docs/moved.txt"));

  g_clear_pointer (&path, g_free);
  path = share_path (f, "docs/moved.txt");
  response = request (f, "MOVE", path, "Destination", "https://elsewhere/other/x");
  g_assert_cmpuint (response->status, ==, 502);
  g_clear_pointer (&response, hallway_test_response_free);
  response = request (f, "COPY", path, "Destination", "/shares/abcdefgh/x");
  g_assert_cmpuint (response->status, ==, 403);
  g_clear_pointer (&response, hallway_test_response_free);

  /* LOCK: writes without the token are refused with 423 */
  response = request_full (f, "LOCK", path, NULL,
                           "<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/></D:lockscope>"
                           "<D:locktype><D:write/></D:locktype><D:owner>me</D:owner></D:lockinfo>",
                           -1, "Timeout", "Second-100000", NULL);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_nonnull (strstr (body_text (response), "Second-3600"));
  {
    g_autofree char *token =
      g_strdup (soup_message_headers_get_one (response->headers, "Lock-Token"));
    g_autofree char *condition = g_strdup_printf ("(%s)", token);
    g_autoptr(HallwayTestResponse) attempt = NULL;

    g_assert_true (g_str_has_prefix (token, "<opaquelocktoken:"));
    g_assert_cmpuint (put (f, "docs/moved.txt", "no token"), ==, 423);
    g_assert_cmpuint (status_of (f, "DELETE", "docs"), ==, 423);
    attempt = request_full (f, "PUT", path, NULL, "with token", -1, "If", condition, NULL);
    g_assert_cmpuint (attempt->status, ==, 204);
    g_clear_pointer (&attempt, hallway_test_response_free);
    attempt = request (f, "UNLOCK", path, "Lock-Token", token);
    g_assert_cmpuint (attempt->status, ==, 204);
  }
  g_clear_pointer (&response, hallway_test_response_free);

  /* DELETE */
  g_assert_cmpuint (status_of (f, "DELETE", "docs"), ==, 204);
  g_assert_false (file_exists (f, "docs"));
  g_assert_cmpuint (status_of (f, "DELETE", "docs"), ==, 404);
  g_assert_cmpuint (status_of (f, "DELETE", ""), ==, 403);
  g_assert_cmpuint (status_of (f, "BREW", ""), ==, 405);
}

static void
test_read_only (Fixture       *f,
                gconstpointer  data)
{
  static const char * const writes[] = { "PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPPATCH",
                                         "LOCK", "UNLOCK" };
  g_autofree char *path = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("A read-only share serves reads and refuses every write with 403 and Allow");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  write_file (f, "report.pdf", "%PDF-1.4", -1);

  g_assert_cmpuint (status_of (f, "GET", "report.pdf"), ==, 200);
  g_assert_cmpuint (status_of (f, "HEAD", "report.pdf"), ==, 200);
  g_assert_cmpuint (status_of (f, "GET", ""), ==, 200);

  path = share_path (f, "report.pdf");
  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    {
      response = request (f, writes[i], path, "Destination", "/shares/x/y");
      g_assert_cmpuint (response->status, ==, 403);
      g_assert_cmpstr (soup_message_headers_get_one (response->headers, "Allow"), ==,
                       "OPTIONS, GET, HEAD, PROPFIND");
      g_clear_pointer (&response, hallway_test_response_free);
    }
  g_assert_true (file_exists (f, "report.pdf"));
}

static void
test_drop_box (Fixture       *f,
               gconstpointer  data)
{
  static const char * const refused[] = { "GET", "HEAD", "DELETE", "MOVE", "COPY", "LOCK",
                                          "PROPPATCH" };
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;
  const char *text;

  g_test_summary ("A drop box takes files in and never reveals what is there, not even "
                  "which folders exist");

  add_share (f, HALLWAY_SHARE_ACCESS_DROP_BOX, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  write_file (f, "secret.txt", "private", -1);

  g_assert_cmpuint (put (f, "secret.txt", "mine"), ==, 201);
  g_assert_cmpuint (put (f, "secret.txt", "mine too"), ==, 201);
  g_assert_cmpuint (put (f, "new.txt", "fresh"), ==, 201);
  contents = read_file (f, "secret.txt");
  g_assert_cmpstr (contents, ==, "private");
  g_clear_pointer (&contents, g_free);
  contents = read_file (f, "secret (2).txt");
  g_assert_cmpstr (contents, ==, "mine");
  g_clear_pointer (&contents, g_free);
  contents = read_file (f, "secret (3).txt");
  g_assert_cmpstr (contents, ==, "mine too");

  g_assert_cmpuint (status_of (f, "MKCOL", "inbox"), ==, 201);
  g_assert_cmpuint (status_of (f, "MKCOL", "inbox"), ==, 201);
  g_assert_cmpuint (put (f, "inbox/a.txt", "a"), ==, 201);

  /* Whether a folder exists shows in no answer: the missing ones on the
   * way are made, and what is put there is kept. */
  g_assert_cmpuint (put (f, "private/2027/salaries.txt", "guess"), ==, 201);
  g_assert_cmpuint (put (f, "inbox/sub/b.txt", "b"), ==, 201);
  g_assert_cmpuint (status_of (f, "MKCOL", "hr/reviews"), ==, 201);
  g_assert_cmpuint (status_of (f, "MKCOL", "inbox/more"), ==, 201);
  contents = read_file (f, "private/2027/salaries.txt");
  g_assert_cmpstr (contents, ==, "guess");
  g_clear_pointer (&contents, g_free);
  g_assert_true (file_exists (f, "hr/reviews"));

  path = share_path (f, "secret.txt");
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      response = request (f, refused[i], path, "Destination", "/shares/x/y");
      g_assert_cmpuint (response->status, ==, 403);
      g_clear_pointer (&response, hallway_test_response_free);
    }
  /* What is in it is never there to a client, whether it is or not. */
  response = request (f, "PROPFIND", path, "Depth", "0");
  g_assert_cmpuint (response->status, ==, 404);
  g_clear_pointer (&response, hallway_test_response_free);
  g_clear_pointer (&path, g_free);
  path = share_path (f, "nothing-here.txt");
  response = request (f, "PROPFIND", path, "Depth", "0");
  g_assert_cmpuint (response->status, ==, 404);
  g_clear_pointer (&response, hallway_test_response_free);

  /* Its root is an empty folder (so GNOME Files can mount it). */
  g_clear_pointer (&path, g_free);
  path = share_path (f, "");
  response = request (f, "PROPFIND", path, "Depth", "0");
  g_assert_cmpuint (response->status, ==, 207);
  g_assert_null (strstr (body_text (response), "secret"));
  g_clear_pointer (&response, hallway_test_response_free);
  response = request (f, "PROPFIND", path, "Depth", "1");
  g_assert_cmpuint (response->status, ==, 207);
  g_assert_null (strstr (body_text (response), "secret"));
  g_assert_null (strstr (body_text (response), "inbox"));
  /* One response, the root's own. */
  text = strstr (body_text (response), "<D:response>");
  g_assert_nonnull (text);
  g_assert_null (strstr (text + 1, "<D:response>"));
  g_clear_pointer (&response, hallway_test_response_free);

  /* A browser gets the upload page, a program asking for JSON nothing. */
  response = request (f, "GET", path);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_nonnull (strstr (body_text (response), "<form class=\"upload\""));
  g_assert_null (strstr (body_text (response), "secret"));
  g_clear_pointer (&response, hallway_test_response_free);
  response = request (f, "GET", path, "Accept", "application/json");
  g_assert_cmpuint (response->status, ==, 403);
  g_assert_null (strstr (body_text (response), "secret"));
}

static void
test_password (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *good = NULL;
  g_autofree char *bad = NULL;
  g_autofree char *good_b64 = NULL;
  g_autofree char *bad_b64 = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;
  guint status = 0;

  g_test_summary ("A password share asks for Basic credentials and locks out guessers");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_PASSWORD, "open sesame");
  write_file (f, "a.txt", "a", -1);
  path = share_path (f, "a.txt");
  good_b64 = g_base64_encode ((const guchar *) "x:open sesame", 13);
  bad_b64 = g_base64_encode ((const guchar *) "x:guess", 7);
  good = g_strconcat ("Basic ", good_b64, NULL);
  bad = g_strconcat ("Basic ", bad_b64, NULL);

  response = request (f, "GET", path);
  g_assert_cmpuint (response->status, ==, 401);
  g_assert_nonnull (soup_message_headers_get_one (response->headers, "WWW-Authenticate"));
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "Authorization", good);
  g_assert_cmpuint (response->status, ==, 200);
  g_clear_pointer (&response, hallway_test_response_free);

  for (guint i = 0; i < 6 && status != 429; i++)
    {
      response = request (f, "GET", path, "Authorization", bad);
      status = response->status;
      if (i < 4)
        g_assert_cmpuint (status, ==, 401);
      g_clear_pointer (&response, hallway_test_response_free);
    }
  g_assert_cmpuint (status, ==, 429);

  /* The connection that gave the right password keeps being served... */
  response = request (f, "GET", path, "Authorization", good);
  g_assert_cmpuint (response->status, ==, 200);
  g_clear_pointer (&response, hallway_test_response_free);

  /* ...while a new one, from the address locked out, is not. */
  g_clear_object (&f->t.session);
  f->t.session = soup_session_new ();
  response = request (f, "GET", path, "Authorization", good);
  g_assert_cmpuint (response->status, ==, 429);
  g_assert_nonnull (soup_message_headers_get_one (response->headers, "Retry-After"));
}

static void
test_trusted (Fixture       *f,
              gconstpointer  data)
{
  GTlsCertificate *certificate = hallway_identity_get_tls_certificate (f->t.client_identity);
  const char *client_id = hallway_identity_get_device_id (f->t.client_identity);
  g_autofree char *path = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("A share for trusted colleagues opens only to a trusted certificate");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_TRUSTED, NULL);
  write_file (f, "a.txt", "a", -1);
  path = share_path (f, "a.txt");

  /* libsoup 3.2 gives a server message the client certificate only on
   * the first request of a connection, so each request here has its own. */
  response = request_full (f, "GET", path, certificate, NULL, 0, "Connection", "close", NULL);
  g_assert_cmpuint (response->status, ==, 403);
  assert_json_error (response);
  g_clear_pointer (&response, hallway_test_response_free);

  hallway_pins_remember (f->t.pins, client_id, "Bob");
  hallway_pins_set_trusted (f->t.pins, client_id, TRUE);
  response = request_full (f, "GET", path, certificate, NULL, 0, "Connection", "close", NULL);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (body_text (response), ==, "a");
}

static void
test_range (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *last_modified = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("Range, If-Range and the conditional headers of RFC 7232/7233");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  write_file (f, "digits.txt", "0123456789", -1);
  path = share_path (f, "digits.txt");

  response = request (f, "GET", path);
  etag = g_strdup (soup_message_headers_get_one (response->headers, "ETag"));
  last_modified = g_strdup (soup_message_headers_get_one (response->headers, "Last-Modified"));
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "Range", "bytes=2-4");
  g_assert_cmpuint (response->status, ==, 206);
  g_assert_cmpstr (body_text (response), ==, "234");
  g_assert_cmpstr (soup_message_headers_get_one (response->headers, "Content-Range"), ==,
                   "bytes 2-4/10");
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "Range", "bytes=-3");
  g_assert_cmpuint (response->status, ==, 206);
  g_assert_cmpstr (body_text (response), ==, "789");
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "Range", "bytes=20-");
  g_assert_cmpuint (response->status, ==, 416);
  g_assert_cmpstr (soup_message_headers_get_one (response->headers, "Content-Range"), ==,
                   "bytes */10");
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "Range", "bytes=5-", "If-Range", etag);
  g_assert_cmpuint (response->status, ==, 206);
  g_assert_cmpstr (body_text (response), ==, "56789");
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "Range", "bytes=5-", "If-Range", "\"stale\"");
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (body_text (response), ==, "0123456789");
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "Range", "bytes=5-", "If-Range", last_modified);
  g_assert_cmpuint (response->status, ==, 206);
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "If-None-Match", etag);
  g_assert_cmpuint (response->status, ==, 304);
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "If-Modified-Since", last_modified);
  g_assert_cmpuint (response->status, ==, 304);
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "If-Match", "\"other\"");
  g_assert_cmpuint (response->status, ==, 412);
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "If-Match", etag);
  g_assert_cmpuint (response->status, ==, 200);
}

static void
test_large_file (Fixture       *f,
                 gconstpointer  data)
{
  gsize size = 3 * HALLWAY_BLOCK_SIZE + 12345;
  g_autofree char *contents = g_malloc (size);
  g_autofree char *path = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autofree char *uploaded = NULL;
  gsize uploaded_size = 0;
  g_autofree char *uploaded_path = NULL;

  g_test_summary ("Files larger than one block stream both ways unchanged");

  for (gsize i = 0; i < size; i++)
    contents[i] = (char) (i * 7 + i / 251);
  add_share (f, HALLWAY_SHARE_ACCESS_READ_WRITE, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  path = share_path (f, "big.bin");

  response = request_full (f, "PUT", path, NULL, contents, size, NULL);
  g_assert_cmpuint (response->status, ==, 201);
  g_clear_pointer (&response, hallway_test_response_free);
  uploaded_path = g_build_filename (f->t.shared, "big.bin", NULL);
  g_assert_true (g_file_get_contents (uploaded_path, &uploaded, &uploaded_size, NULL));
  g_assert_cmpmem (uploaded, uploaded_size, contents, size);

  response = request (f, "GET", path);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (response->body, NULL), g_bytes_get_size (response->body),
                   contents, size);
  g_clear_pointer (&response, hallway_test_response_free);

  response = request (f, "GET", path, "Range", "bytes=262140-262150");
  g_assert_cmpuint (response->status, ==, 206);
  g_assert_cmpmem (g_bytes_get_data (response->body, NULL), g_bytes_get_size (response->body),
                   contents + 262140, 11);
}

/* Raw TLS connections, driven from a thread while the main thread runs the
 * server. */

typedef struct
{
  guint16   port;
  char     *request;     /* sent as is */
  gsize     send;        /* bytes of @request to send before stopping */
  gboolean  read_reply;
  char     *status_line; /* out */
  gboolean  done;
} RawRequest;

static char *
raw_send (GIOStream  *stream,
          const char *data,
          gsize       length,
          gboolean    read_reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, length, NULL, NULL,
                             &error);
  g_assert_no_error (error);
  if (!read_reply)
    return NULL;
  in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  return g_strchomp (g_data_input_stream_read_line (in, NULL, NULL, NULL));
}

static gpointer
interrupted_put_thread (gpointer data)
{
  RawRequest *raw = data;
  g_autoptr(GIOStream) stream = hallway_test_server_raw_connect (raw->port);

  raw_send (stream, raw->request, raw->send, FALSE);
  /* Give the server time to start the part file, then vanish. */
  g_usleep (200 * 1000);
  g_io_stream_close (stream, NULL, NULL);
  g_atomic_int_set (&raw->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
has_part_file (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->t.shared, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (strstr (name, HALLWAY_WEBDAV_PART_INFIX) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
has_no_part_file (gpointer user_data)
{
  return !has_part_file (user_data);
}

static void
test_put_interrupted (Fixture       *f,
                      gconstpointer  data)
{
  gsize body_size = 2 * 1024 * 1024;
  g_autofree char *headers = NULL;
  g_autoptr(GString) request_text = NULL;
  g_autoptr(GThread) thread = NULL;
  RawRequest raw = { 0 };

  g_test_summary ("An upload cut off half-way leaves neither the file nor a part file");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_WRITE, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  headers = g_strdup_printf ("PUT /shares/%s/half.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                             f->t.share_id, body_size);
  request_text = g_string_new (headers);
  for (gsize i = 0; i < body_size / 2; i++)
    g_string_append_c (request_text, 'x');

  raw.port = f->t.port;
  raw.request = request_text->str;
  raw.send = request_text->len;
  thread = g_thread_new ("put", interrupted_put_thread, &raw);
  g_assert_true (hallway_test_wait_flag (&raw.done, 30));
  g_thread_join (g_steal_pointer (&thread));

  g_assert_true (hallway_test_wait_until (has_no_part_file, f, 5));
  g_assert_false (file_exists (f, "half.bin"));
}

static void
test_limits (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(GString) big = g_string_new ("<D:propfind xmlns:D=\"DAV:\"><D:allprop/>");
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("Bodies over the limits get 413; too many entries get 507");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_WRITE, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  _hallway_daemon_webdav_set_limits (f->t.webdav, 1000, 3);

  path = share_path (f, "big.bin");
  response = request_full (f, "PUT", path, NULL, "0123456789", 10, NULL);
  g_assert_cmpuint (response->status, ==, 201);
  g_clear_pointer (&response, hallway_test_response_free);
  {
    g_autofree char *too_big = g_malloc0 (2000);

    response = request_full (f, "PUT", path, NULL, too_big, 2000, NULL);
    g_assert_cmpuint (response->status, ==, 413);
    g_clear_pointer (&response, hallway_test_response_free);
  }

  while (big->len <= HALLWAY_WEBDAV_XML_MAX_BODY)
    g_string_append (big, "<!-- padding padding padding padding -->");
  g_string_append (big, "</D:propfind>");
  g_clear_pointer (&path, g_free);
  path = share_path (f, "");
  response = request_full (f, "PROPFIND", path, NULL, big->str, big->len, "Depth", "0", NULL);
  g_assert_cmpuint (response->status, ==, 413);
  g_clear_pointer (&response, hallway_test_response_free);

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("f%u", i);

      write_file (f, name, "", 0);
    }
  response = request (f, "PROPFIND", path, "Depth", "1");
  g_assert_cmpuint (response->status, ==, 507);
  g_clear_pointer (&response, hallway_test_response_free);
  response = request (f, "GET", path);
  g_assert_cmpuint (response->status, ==, 507);
}

static void
test_paths (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *outside = NULL;
  g_autofree char *link_out = NULL;
  g_autofree char *link_in = NULL;
  g_autofree char *path = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("Traversal, symlinks leading out and hidden files are refused");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  outside = g_build_filename (f->t.dir, "outside.txt", NULL);
  g_assert_true (g_file_set_contents (outside, "top secret", -1, NULL));
  write_file (f, "inside.txt", "fine", -1);
  write_file (f, ".hidden", "hidden", -1);
  link_out = g_build_filename (f->t.shared, "escape", NULL);
  link_in = g_build_filename (f->t.shared, "alias.txt", NULL);
  g_assert_cmpint (symlink (outside, link_out), ==, 0);
  g_assert_cmpint (symlink ("inside.txt", link_in), ==, 0);

  g_assert_cmpuint (status_of (f, "GET", "escape"), ==, 403);
  /* Without openat2() (old kernels, valgrind) no link is followed at all. */
  g_assert_cmpuint (status_of (f, "GET", "alias.txt"), ==,
                    _hallway_path_get_openat2_enabled () ? 200 : 403);
  /* The client may already resolve an encoded "..": refused either way. */
  g_assert_cmpuint (status_of (f, "GET", "%2e%2e/outside.txt"), >=, 400);
  g_assert_cmpuint (status_of (f, "GET", "x/%2e%2e/%2e%2e/outside.txt"), >=, 400);
  g_assert_cmpuint (status_of (f, "GET", "a%2fb"), ==, 400);
  g_assert_cmpuint (status_of (f, "GET", ".hidden"), ==, 404);
  g_assert_cmpuint (status_of (f, "GET", "%00"), ==, 400);

  path = share_path (f, "");
  response = request (f, "PROPFIND", path, "Depth", "1");
  g_assert_null (strstr (body_text (response), "escape"));
  g_assert_null (strstr (body_text (response), "hidden"));
  if (_hallway_path_get_openat2_enabled ())
    g_assert_nonnull (strstr (body_text (response), "alias.txt"));
  g_clear_pointer (&response, hallway_test_response_free);
  response = request (f, "GET", path, "Accept", "application/json");
  g_assert_null (strstr (body_text (response), "top secret"));
  g_assert_null (strstr (body_text (response), "escape"));
  g_assert_null (strstr (body_text (response), ".hidden"));
  g_clear_pointer (&response, hallway_test_response_free);

  hallway_share_set_show_hidden (hallway_daemon_shares_lookup (f->t.shares, f->t.share_id), TRUE);
  g_assert_cmpuint (status_of (f, "GET", ".hidden"), ==, 200);
}

static void
test_listings (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *sub = NULL;
  JsonArray *array;
  JsonObject *entry;
  const char *html;

  g_test_summary ("Browsers get an escaped, script-free HTML listing; programs get JSON");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  write_file (f, "<b>&\"x\".txt", "12345", -1);
  sub = g_build_filename (f->t.shared, "sub", NULL);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);

  path = share_path (f, "");
  response = request (f, "GET", path, "Accept", "text/html,application/xhtml+xml;q=0.9");
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (response->headers, "Content-Security-Policy"), ==,
                   "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  g_assert_cmpstr (soup_message_headers_get_one (response->headers, "X-Content-Type-Options"), ==,
                   "nosniff");
  html = body_text (response);
  g_assert_nonnull (strstr (html, "<html lang="));
  g_assert_nonnull (strstr (html, "<caption>"));
  g_assert_nonnull (strstr (html, "scope=\"col\""));
  g_assert_nonnull (strstr (html, "&lt;b&gt;&amp;&quot;x&quot;.txt"));
  g_assert_nonnull (strstr (html, "%3Cb%3E%26%22x%22.txt"));
  g_assert_nonnull (strstr (html, " download "));
  g_assert_null (strstr (html, "<b>&"));
  g_assert_null (strstr (html, "<script"));
  /* A read-only share's page takes no uploads. */
  g_assert_null (strstr (html, "<form"));
  g_clear_pointer (&response, hallway_test_response_free);

  /* wget -r, lftp mirror and curl send * / * or nothing: they get the page
   * and its links too; only a client naming JSON gets JSON. */
  response = request (f, "GET", path, "Accept", "*/*");
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==,
                   "text/html");
  g_clear_pointer (&response, hallway_test_response_free);
  response = request (f, "GET", path);
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==,
                   "text/html");
  g_clear_pointer (&response, hallway_test_response_free);

  g_clear_pointer (&path, g_free);
  path = share_path (f, "sub/");
  response = request (f, "GET", path, "Accept", "text/html");
  g_assert_nonnull (strstr (body_text (response), "Parent folder"));
  g_clear_pointer (&response, hallway_test_response_free);

  g_clear_pointer (&path, g_free);
  path = share_path (f, "");
  response = request (f, "GET", path, "Accept", "application/json");
  g_assert_cmpuint (response->status, ==, 200);
  json_parser_load_from_data (parser, body_text (response), -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  entry = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==, "sub");
  g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, "folder");
  entry = json_array_get_object_element (array, 1);
  g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==, "<b>&\"x\".txt");
  g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, "file");
  g_assert_cmpint (json_object_get_int_member (entry, "size"), ==, 5);
  g_assert_nonnull (json_object_get_string_member (entry, "modified"));
}

static void
test_unavailable (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("A share whose folder is gone answers 503");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  g_assert_cmpint (g_rmdir (f->t.shared), ==, 0);
  path = share_path (f, "");
  response = request (f, "GET", path);
  g_assert_cmpuint (response->status, ==, 503);
  assert_json_error (response);
  g_assert_cmpint (g_mkdir (f->t.shared, 0700), ==, 0);
}

/* Decodes a folder stream into "D name" / "F name size" lines; file bytes
 * are checked against the shared files. */
static char *
decode_bulk (Fixture  *f,
             HallwayTestResponse *response)
{
  g_autoptr(HallwayBulkDecoder) decoder = hallway_bulk_decoder_new ();
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(GString) contents = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *p = g_bytes_get_data (response->body, &length);

  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==,
                   HALLWAY_BULK_CONTENT_TYPE);
  for (;;)
    {
      gsize used = 0;
      HallwayBulkEvent event = hallway_bulk_decoder_feed (decoder, p, length, &used, &error);
      const char *name = hallway_bulk_decoder_get_name (decoder);

      g_assert_no_error (error);
      p += used;
      length -= used;
      if (event == HALLWAY_BULK_EVENT_NEED_MORE)
        break;
      if (event == HALLWAY_BULK_EVENT_FOLDER)
        g_string_append_printf (log, "D %s\n", name);
      else if (event == HALLWAY_BULK_EVENT_FILE)
        {
          g_string_append_printf (log, "F %s %" G_GUINT64_FORMAT "\n", name,
                                  hallway_bulk_decoder_get_size (decoder));
          g_assert_nonnull (hallway_bulk_decoder_get_etag (decoder));
          g_string_truncate (contents, 0);
        }
      else if (event == HALLWAY_BULK_EVENT_DATA)
        g_string_append_len (contents, (const char *) p - used, used);
      else if (event == HALLWAY_BULK_EVENT_FILE_END)
        {
          g_autofree char *path = g_build_filename (f->t.shared, name, NULL);
          g_autofree char *expected = NULL;
          gsize expected_length = 0;

          /* A stream of one file names it after itself. */
          if (!g_file_test (path, G_FILE_TEST_EXISTS))
            {
              g_free (path);
              path = g_build_filename (f->t.shared, "sub dir", name, NULL);
            }
          g_assert_true (g_file_get_contents (path, &expected, &expected_length, NULL));
          g_assert_cmpmem (contents->str, contents->len, expected, expected_length);
        }
    }
  g_assert_true (hallway_bulk_decoder_finish (decoder, &error));
  g_assert_no_error (error);
  return g_strdup (log->str);
}

static void
test_bulk (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *big = g_malloc (700 * 1024);
  g_autofree char *path = NULL;
  g_autofree char *log = NULL;
  g_autofree char *link_out = g_build_filename (f->t.shared, "outside", NULL);
  g_autofree char *link_in = g_build_filename (f->t.shared, "inside", NULL);
  g_autofree char *fifo = g_build_filename (f->t.shared, "fifo", NULL);
  g_autofree char *deep = g_build_filename (f->t.shared, "sub dir", "empty folder", NULL);
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("GET ?bulk=1 streams a folder: sorted, bytes intact, hidden names, "
                  "symbolic links and special files left out; from= continues; a file "
                  "comes as one record; drop boxes and missing paths are refused");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  for (gsize i = 0; i < 700 * 1024; i++)
    big[i] = (char) (i * 7 + i / 251);
  write_file (f, "b.txt", "bee\n", -1);
  write_file (f, "a.txt", "", 0);
  g_assert_cmpint (g_mkdir_with_parents (deep, 0700), ==, 0);
  write_file (f, "sub dir/ü café.bin", big, 700 * 1024);
  write_file (f, "sub dir/.hidden", "secret", -1);
  write_file (f, "sub dir/.x.hallway-part-1234", "upload", -1);
  g_assert_cmpint (symlink ("/etc/passwd", link_out), ==, 0);
  g_assert_cmpint (symlink ("b.txt", link_in), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  path = share_path (f, "?bulk=1");
  response = request (f, "GET", path);
  g_assert_cmpuint (response->status, ==, 200);
  log = decode_bulk (f, response);
  g_assert_cmpstr (log, ==,
                   "F a.txt 0\n"
                   "F b.txt 4\n"
                   "D sub dir\n"
                   "D sub dir/empty folder\n"
                   "F sub dir/ü café.bin 716800\n");
  g_clear_pointer (&response, hallway_test_response_free);
  g_clear_pointer (&log, g_free);
  g_clear_pointer (&path, g_free);

  /* Continuing: only what sorts from there on. */
  path = share_path (f, "?bulk=1&from=sub%20dir/%C3%BC%20caf%C3%A9.bin");
  response = request (f, "GET", path);
  g_assert_cmpuint (response->status, ==, 200);
  log = decode_bulk (f, response);
  g_assert_cmpstr (log, ==, "F sub dir/ü café.bin 716800\n");
  g_clear_pointer (&response, hallway_test_response_free);
  g_clear_pointer (&log, g_free);
  g_clear_pointer (&path, g_free);

  /* One file. */
  path = share_path (f, "sub%20dir/%C3%BC%20caf%C3%A9.bin?bulk=1");
  response = request (f, "GET", path);
  g_assert_cmpuint (response->status, ==, 200);
  log = decode_bulk (f, response);
  g_assert_cmpstr (log, ==, "F ü café.bin 716800\n");
  g_clear_pointer (&response, hallway_test_response_free);
  g_clear_pointer (&path, g_free);

  g_assert_cmpuint (status_of (f, "GET", "nothing/?bulk=1"), ==, 404);
  g_assert_cmpuint (status_of (f, "GET", "?bulk=1&from=../x"), ==, 400);

  g_assert_true (hallway_daemon_shares_remove (f->t.shares, f->t.share_id, NULL));
  add_share (f, HALLWAY_SHARE_ACCESS_DROP_BOX, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  g_assert_cmpuint (status_of (f, "GET", "?bulk=1"), ==, 403);
  g_assert_cmpuint (status_of (f, "GET", "sub%20dir/?bulk=1"), ==, 403);
}

static GBytes *
read_some (GInputStream *stream,
           gsize         count,
           GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_input_stream_read_bytes_async (stream, count, G_PRIORITY_DEFAULT, NULL,
                                   hallway_test_result_cb, &result);
  return g_input_stream_read_bytes_finish (stream, hallway_test_wait_result (&result), error);
}

static void
test_bulk_changed (Fixture       *f,
                   gconstpointer  data)
{
  const gsize size = 48 * 1024 * 1024;
  g_autofree char *contents = g_malloc0 (size);
  g_autofree char *path = NULL;
  g_autofree char *file = g_build_filename (f->t.shared, "growing.bin", NULL);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(HallwayBulkDecoder) decoder = hallway_bulk_decoder_new ();
  g_autoptr(GError) error = NULL;
  gboolean ended = FALSE;
  gboolean failed = FALSE;

  g_test_summary ("A file that shrinks while it is sent in a folder stream ends the stream "
                  "without its end record, so the copy is never taken as complete");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_ONLY, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  write_file (f, "growing.bin", contents, size);

  path = share_path (f, "?bulk=1");
  msg = hallway_test_server_new_message (&f->t, "GET", path);
  soup_session_send_async (f->t.session, msg, G_PRIORITY_DEFAULT, NULL, hallway_test_result_cb,
                           &result);
  body = soup_session_send_finish (f->t.session, hallway_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);

  /* The first bytes are out: now the file shrinks under the sender, which
   * has read at most a few MiB ahead. */
  for (guint round = 0; !ended && !failed; round++)
    {
      g_autoptr(GBytes) chunk = read_some (body, round == 0 ? 4096 : 256 * 1024, &error);
      const guint8 *p;
      gsize length;

      if (chunk == NULL)
        break;   /* the connection was closed mid-body */
      if (round == 0)
        {
          g_assert_cmpuint (g_bytes_get_size (chunk), >, 0);
          g_assert_cmpint (truncate (file, size / 2), ==, 0);
        }
      if (g_bytes_get_size (chunk) == 0)
        break;
      p = g_bytes_get_data (chunk, &length);
      for (;;)
        {
          gsize used = 0;
          HallwayBulkEvent event = hallway_bulk_decoder_feed (decoder, p, length, &used, NULL);

          p += used;
          length -= used;
          if (event == HALLWAY_BULK_EVENT_END)
            ended = TRUE;
          else if (event == HALLWAY_BULK_EVENT_ERROR)
            failed = TRUE;
          if (event == HALLWAY_BULK_EVENT_NEED_MORE || failed)
            break;
        }
    }
  g_test_message ("the stream ended with %s", error != NULL ? error->message : "no error");
  g_assert_false (ended);
  g_assert_false (hallway_bulk_decoder_finish (decoder, NULL));
}

static void
test_propfind_folder (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autoptr(GDateTime) modified = NULL;
  g_autofree char *path = NULL;
  g_autofree char *http_date = NULL;
  g_autofree char *iso_date = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *link = NULL;
  g_autofree char *sub = NULL;
  g_autoptr(GDateTime) created = NULL;
  struct statx st;
  const char *text;

  g_test_summary ("A PROPFIND of a big folder lists every entry with its own properties");

  add_share (f, HALLWAY_SHARE_ACCESS_READ_WRITE, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  /* More entries than are looked at together, so several batches. */
  for (guint i = 0; i < 700; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%03u.txt", i);
      g_autofree char *contents = g_strnfill (i, 'x');

      write_file (f, name, contents, -1);
    }
  sub = g_build_filename (f->t.shared, "sub", NULL);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  link = g_build_filename (f->t.shared, "alias.txt", NULL);
  g_assert_cmpint (symlink ("file-123.txt", link), ==, 0);

  /* A dead property of one entry shows in its folder's listing. */
  path = share_path (f, "file-456.txt");
  response = request_full (f, "PROPPATCH", path, NULL,
                           "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:set><D:prop>"
                           "<Z:color>red &lt;3</Z:color></D:prop></D:set></D:propertyupdate>",
                           -1, NULL);
  g_assert_cmpuint (response->status, ==, 207);
  g_clear_pointer (&response, hallway_test_response_free);

  g_clear_pointer (&path, g_free);
  path = share_path (f, "");
  response = request (f, "PROPFIND", path, "Depth", "1");
  g_assert_cmpuint (response->status, ==, 207);
  text = body_text (response);
  /* The folder, 700 files, sub/ and the link when links are followed. */
  g_assert_cmpuint (hallway_test_count_matches (text, "<D:response>"), ==,
                    702 + (_hallway_path_get_openat2_enabled () ? 1 : 0));
  g_assert_cmpuint (hallway_test_count_matches (text, "red &lt;3</R:color>"), ==, 1);
  g_assert_nonnull (strstr (text, "/file-456.txt</D:href><D:propstat><D:prop>"));
  g_assert_nonnull (strstr (text, "/sub/</D:href>"));
  g_assert_nonnull (strstr (text, "<D:getcontentlength>699</D:getcontentlength>"));
  if (_hallway_path_get_openat2_enabled ())
    g_assert_nonnull (strstr (text, "/alias.txt</D:href>"));

  /* Dates as RFC 9110 and RFC 3339 write them. */
  expected = g_build_filename (f->t.shared, "file-000.txt", NULL);
  g_assert_cmpint (statx (AT_FDCWD, expected, 0, STATX_BASIC_STATS | STATX_BTIME, &st), ==, 0);
  modified = g_date_time_new_from_unix_utc (st.stx_mtime.tv_sec);
  created = g_date_time_new_from_unix_utc ((st.stx_mask & STATX_BTIME) ? st.stx_btime.tv_sec
                                                                       : st.stx_mtime.tv_sec);
  http_date = soup_date_time_to_string (modified, SOUP_DATE_HTTP);
  iso_date = g_date_time_format (created, "%Y-%m-%dT%H:%M:%SZ");
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("<D:getlastmodified>%s</D:getlastmodified>", http_date);
  g_assert_nonnull (strstr (text, expected));
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("<D:creationdate>%s</D:creationdate>", iso_date);
  g_assert_nonnull (strstr (text, expected));
  g_clear_pointer (&response, hallway_test_response_free);

  response = request_full (f, "PROPFIND", path, NULL,
                           "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getcontentlength/>"
                           "<D:getetag/></D:prop></D:propfind>",
                           -1, "Depth", "1", NULL);
  g_assert_cmpuint (response->status, ==, 207);
  text = body_text (response);
  g_assert_cmpuint (hallway_test_count_matches (text, "<D:getetag>\""), ==,
                    702 + (_hallway_path_get_openat2_enabled () ? 1 : 0));
  g_assert_null (strstr (text, "color"));
  g_assert_null (strstr (text, "getlastmodified"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/webdav/server/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("unknown-share", test_unknown_share);
  ADD ("options", test_options);
  ADD ("read-write", test_read_write);
  ADD ("read-only", test_read_only);
  ADD ("drop-box", test_drop_box);
  ADD ("password", test_password);
  ADD ("trusted", test_trusted);
  ADD ("range", test_range);
  ADD ("large-file", test_large_file);
  ADD ("put-interrupted", test_put_interrupted);
  ADD ("limits", test_limits);
  ADD ("paths", test_paths);
  ADD ("listings", test_listings);
  ADD ("propfind-folder", test_propfind_folder);
  ADD ("unavailable", test_unavailable);
  ADD ("bulk", test_bulk);
  ADD ("bulk-changed", test_bulk_changed);

#undef ADD

  return g_test_run ();
}
