/* test-webdav-hostile.c: the file server against hostile clients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Password guessing from many addresses and in bursts, lock floods, and
 * names and links that would show or serve what they should not. Clients
 * come from several loopback addresses (127.0.0.N), each a computer
 * (hallway_test_server_new_session()).
 */
#include "config.h"

#include "hallway-test-server.h"
#include "hallway-test-utils.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gnutls/crypto.h>

#include "hallway-daemon-webdav-private.h"
#include "hallway-password.h"

#define PASSWORD "open sesame"

typedef HallwayTestServer Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  hallway_test_server_set_up (f, "webdav-hostile");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hallway_test_server_tear_down (f);
}

/* A request sent from another computer and not yet answered. */
static HallwayTestRequest *
send_from (Fixture     *f,
           SoupSession *session,
           const char  *method,
           const char  *path,
           const char  *authorization)
{
  HallwayTestRequest *r = g_new0 (HallwayTestRequest, 1);

  r->session = session;
  hallway_test_request_start_full (f, r, method, path, NULL, 0,
                                   "Authorization", authorization, NULL);
  return r;
}

/* Waits for the answer to @r (consumed). */
static HallwayTestResponse *
sent_wait (HallwayTestRequest *r)
{
  HallwayTestResponse *response = hallway_test_request_finish (r);

  g_free (r);
  return response;
}

static char *
basic (const char *password)
{
  g_autofree char *credentials = g_strconcat ("someone:", password, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));

  return g_strconcat ("Basic ", encoded, NULL);
}

/* GET of @rest with @password, from @session. */
static HallwayTestResponse *
get_with (Fixture     *f,
          SoupSession *session,
          const char  *rest,
          const char  *password)
{
  g_autofree char *path = hallway_test_server_share_path (f, rest);
  g_autofree char *authorization = basic (password);

  return sent_wait (send_from (f, session, "GET", path, authorization));
}

/* A share everyone may read and write, without a password. */
static void
add_open_share (Fixture *f)
{
  hallway_test_server_add_share (f, HALLWAY_SHARE_ACCESS_READ_WRITE,
                                 HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
}

static void
set_up_password_share (Fixture *f)
{
  hallway_test_server_add_share (f, HALLWAY_SHARE_ACCESS_READ_WRITE,
                                 HALLWAY_SHARE_AUDIENCE_PASSWORD, PASSWORD);
  hallway_test_server_write_file (f, "a.txt", "a", -1);
}

/* Ten wrong passwords from ten computers lock the share. */
static void
lock_share_from_elsewhere (Fixture *f)
{
  for (guint i = 0; i < HALLWAY_SHARE_LOCKOUT_MAX_TRIES; i++)
    {
      g_autoptr(SoupSession) session = hallway_test_server_new_session (100 + i);
      g_autofree char *guess = g_strdup_printf ("guess %u", i);
      g_autoptr(HallwayTestResponse) response = get_with (f, session, "a.txt", guess);

      g_assert_cmpuint (response->status, ==,
                        i + 1 < HALLWAY_SHARE_LOCKOUT_MAX_TRIES ? 401 : 429);
    }
}

static void
test_password_share_lockout (Fixture       *f,
                             gconstpointer  data)
{
  GTlsCertificate *certificate = hallway_identity_get_tls_certificate (f->client_identity);
  const char *client_id = hallway_identity_get_device_id (f->client_identity);
  g_autofree char *path = NULL;
  g_autoptr(SoupSession) late = hallway_test_server_new_session (200);
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("Wrong passwords from many computers lock the share, not only each one");

  set_up_password_share (f);
  lock_share_from_elsewhere (f);

  /* Six more computers, one guess each: all refused before checking. */
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(SoupSession) session = hallway_test_server_new_session (150 + i);

      response = get_with (f, session, "a.txt", "another guess");
      g_assert_cmpuint (response->status, ==, 429);
      g_assert_nonnull (soup_message_headers_get_one (response->headers, "Retry-After"));
      g_assert_nonnull (strstr (hallway_test_response_get_text (response), "Team files"));
      g_clear_pointer (&response, hallway_test_response_free);
    }

  /* Whoever comes now waits too, the right password or not... */
  response = get_with (f, late, "a.txt", PASSWORD);
  g_assert_cmpuint (response->status, ==, 429);
  g_clear_pointer (&response, hallway_test_response_free);

  /* ...but a trusted colleague needs no password, and is served. */
  hallway_pins_remember (f->pins, client_id, "Bob");
  hallway_pins_set_trusted (f->pins, client_id, TRUE);
  path = hallway_test_server_share_path (f, "a.txt");
  response = hallway_test_server_request (f, "GET", path, certificate, NULL, 0,
                                          "Connection", "close", NULL);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (hallway_test_response_get_text (response), ==, "a");
}

static void
test_password_burst (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) sent = g_ptr_array_new ();
  g_autofree char *path = NULL;
  guint unauthorized = 0;
  guint refused = 0;

  g_test_summary ("A burst of guesses on many connections tries no more than the lock allows");

  set_up_password_share (f);
  path = hallway_test_server_share_path (f, "a.txt");
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *authorization = NULL;
      g_autofree char *guess = g_strdup_printf ("guess %u", i);
      SoupSession *session = hallway_test_server_new_session (7);

      authorization = basic (guess);
      g_ptr_array_add (sessions, session);
      g_ptr_array_add (sent, send_from (f, session, "GET", path, authorization));
    }
  for (guint i = 0; i < sent->len; i++)
    {
      g_autoptr(HallwayTestResponse) response = sent_wait (g_ptr_array_index (sent, i));

      if (response->status == 401)
        unauthorized++;
      else if (response->status == 429)
        refused++;
    }

  /* Each 401 is a password checked and found wrong; the fifth locks. */
  g_assert_cmpuint (unauthorized, <=, HALLWAY_LOCKOUT_MAX_TRIES - 1);
  g_assert_cmpuint (unauthorized + refused, ==, 12);
}

static void
test_password_same_burst (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) sent = g_ptr_array_new ();
  g_autofree char *path = NULL;
  g_autofree char *authorization = basic (PASSWORD);

  g_test_summary ("Many connections with the right password at once share one check");

  set_up_password_share (f);
  path = hallway_test_server_share_path (f, "a.txt");
  for (guint i = 0; i < 12; i++)
    {
      SoupSession *session = hallway_test_server_new_session (8);

      g_ptr_array_add (sessions, session);
      g_ptr_array_add (sent, send_from (f, session, "GET", path, authorization));
    }
  /* Twelve checks would be refused as a burst; one check serves them all. */
  for (guint i = 0; i < sent->len; i++)
    {
      g_autoptr(HallwayTestResponse) response = sent_wait (g_ptr_array_index (sent, i));

      g_assert_cmpuint (response->status, ==, 200);
      g_assert_cmpstr (hallway_test_response_get_text (response), ==, "a");
    }
}

static void
test_password_verified_connection (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(SoupSession) alice = hallway_test_server_new_session (2);
  g_autoptr(SoupSession) again = hallway_test_server_new_session (2);
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("A connection that gave the password is not asked to pay for it again");

  set_up_password_share (f);
  response = get_with (f, alice, "a.txt", PASSWORD);
  g_assert_cmpuint (response->status, ==, 200);
  g_clear_pointer (&response, hallway_test_response_free);

  /* With the share locked, no password can be checked now: the next
   * requests on the connection are served without checking it again. */
  lock_share_from_elsewhere (f);
  for (guint i = 0; i < 3; i++)
    {
      response = get_with (f, alice, "a.txt", PASSWORD);
      g_assert_cmpuint (response->status, ==, 200);
      g_clear_pointer (&response, hallway_test_response_free);
    }

  /* Only those credentials: a guess on the same connection is checked,
   * and refused now, as a new connection from the same computer is. */
  response = get_with (f, alice, "a.txt", "guess");
  g_assert_cmpuint (response->status, ==, 429);
  g_clear_pointer (&response, hallway_test_response_free);
  response = get_with (f, again, "a.txt", PASSWORD);
  g_assert_cmpuint (response->status, ==, 429);
}

/* A hash as hallway_password_hash() makes, but with @iterations rounds. */
static char *
slow_hash (const char *password,
           guint       iterations)
{
  static const guint8 salt[16] = "0123456789abcdef";
  gnutls_datum_t key = { (unsigned char *) password, (unsigned int) strlen (password) };
  gnutls_datum_t salt_datum = { (unsigned char *) salt, sizeof salt };
  guint8 hash[32];
  g_autofree char *salt64 = g_base64_encode (salt, sizeof salt);
  g_autofree char *hash64 = NULL;

  g_assert_cmpint (gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key, &salt_datum, iterations, hash,
                                  sizeof hash), ==, 0);
  hash64 = g_base64_encode (hash, sizeof hash);
  return g_strdup_printf ("pbkdf2-sha256$%u$%s$%s", iterations, salt64, hash64);
}

static void
test_password_off_main_loop (Fixture       *f,
                             gconstpointer  data)
{
  GTlsCertificate *certificate = hallway_identity_get_tls_certificate (f->client_identity);
  const char *client_id = hallway_identity_get_device_id (f->client_identity);
  g_autofree char *stored = slow_hash (PASSWORD, 4000000);
  g_autofree char *path = NULL;
  g_autofree char *authorization = basic (PASSWORD);
  g_autoptr(SoupSession) stranger = hallway_test_server_new_session (3);
  g_autoptr(HallwayTestResponse) trusted = NULL;
  g_autoptr(HallwayTestResponse) checked = NULL;
  HallwayTestRequest *waiting;
  gint64 deadline;

  g_test_summary ("While a password is checked, everyone else is served");

  set_up_password_share (f);
  hallway_share_set_password_hash (hallway_daemon_shares_lookup (f->shares, f->share_id), stored);
  hallway_pins_remember (f->pins, client_id, "Bob");
  hallway_pins_set_trusted (f->pins, client_id, TRUE);
  path = hallway_test_server_share_path (f, "a.txt");

  waiting = send_from (f, stranger, "GET", path, authorization);
  /* Long enough for the request to arrive and its check to begin. */
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 4;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);

  /* Four million rounds of PBKDF2 take more than a second; a trusted
   * colleague's request, TLS handshake and all, is answered meanwhile. */
  trusted = hallway_test_server_request (f, "GET", path, certificate, NULL, 0, NULL);
  g_assert_cmpuint (trusted->status, ==, 200);
  g_assert_false (waiting->done);

  checked = sent_wait (waiting);
  g_assert_cmpuint (checked->status, ==, 200);
  g_assert_cmpstr (hallway_test_response_get_text (checked), ==, "a");
}

static void
test_password_paused_requests (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *authorization = basic (PASSWORD);
  g_autofree char *wrong = basic ("guess");
  g_autofree char *put_path = NULL;
  g_autofree char *digest_path = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autofree char *contents = NULL;

  g_test_summary ("Uploads and digests wait for their password and then go on");

  set_up_password_share (f);
  put_path = hallway_test_server_share_path (f, "new.txt");
  digest_path = hallway_test_server_share_path (f, "a.txt?digest=sha256");

  /* PUT is checked before its body is read, in the early handler. */
  response = hallway_test_server_request (f, "PUT", put_path, NULL, "uploaded", -1,
                                          "Authorization", authorization,
                                          "Connection", "close", NULL);
  g_assert_cmpuint (response->status, ==, 201);
  contents = hallway_test_server_read_file (f, "new.txt");
  g_assert_cmpstr (contents, ==, "uploaded");
  g_clear_pointer (&response, hallway_test_response_free);

  response = hallway_test_server_request (f, "PUT", put_path, NULL, "replaced", -1,
                                          "Authorization", authorization, "Expect", "100-continue",
                                          "Connection", "close", NULL);
  g_assert_cmpuint (response->status, ==, 204);
  g_clear_pointer (&contents, g_free);
  contents = hallway_test_server_read_file (f, "new.txt");
  g_assert_cmpstr (contents, ==, "replaced");
  g_clear_pointer (&response, hallway_test_response_free);

  response = hallway_test_server_request (f, "PUT", put_path, NULL, "guessed", -1,
                                          "Authorization", wrong, "Connection", "close", NULL);
  g_assert_cmpuint (response->status, ==, 401);
  g_clear_pointer (&contents, g_free);
  contents = hallway_test_server_read_file (f, "new.txt");
  g_assert_cmpstr (contents, ==, "replaced");
  g_clear_pointer (&response, hallway_test_response_free);

  /* A digest pauses the request again, to read the file in a thread. */
  response = hallway_test_server_request (f, "GET", digest_path, NULL, NULL, 0,
                                          "Authorization", authorization,
                                          "Connection", "close", NULL);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_nonnull (strstr (hallway_test_response_get_text (response),
                            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"));
}

/* Locks */

static char *
lock_body (const char *owner)
{
  return g_strdup_printf ("<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:shared/></D:lockscope>"
                          "<D:locktype><D:write/></D:locktype>"
                          "<D:owner>%s</D:owner></D:lockinfo>", owner);
}

/* LOCK of @rest from @session; Depth: 0. */
static HallwayTestResponse *
lock_from (Fixture     *f,
           SoupSession *session,
           const char  *rest,
           const char  *owner)
{
  g_autofree char *path = hallway_test_server_share_path (f, rest);
  g_autofree char *body = lock_body (owner);
  HallwayTestRequest r = { 0 };

  r.session = session;
  hallway_test_request_start_full (f, &r, "LOCK", path, body, -1,
                                   "Content-Type", "application/xml", "Depth", "0", NULL);
  return hallway_test_request_finish (&r);
}

static void
test_lock_owner (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SoupSession) session = hallway_test_server_new_session (2);
  g_autofree char *long_owner = g_strnfill (HALLWAY_WEBDAV_MAX_LOCK_OWNER + 1, 'x');
  g_autofree char *huge_owner = g_strnfill (HALLWAY_WEBDAV_LOCK_MAX_BODY, 'x');
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("A lock's owner and body are bounded, with a plain 413");

  add_open_share (f);
  hallway_test_server_write_file (f, "a.txt", "a", -1);

  response = lock_from (f, session, "a.txt", long_owner);
  g_assert_cmpuint (response->status, ==, 413);
  hallway_test_response_assert_json_error (response);
  g_clear_pointer (&response, hallway_test_response_free);

  /* Refused from its length, before it is read. */
  response = lock_from (f, session, "a.txt", huge_owner);
  g_assert_cmpuint (response->status, ==, 413);
  g_clear_pointer (&response, hallway_test_response_free);

  response = lock_from (f, session, "a.txt", "<D:href>Alice</D:href>");
  g_assert_cmpuint (response->status, ==, 200);
}

static void
test_lock_per_client (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(SoupSession) mallory = hallway_test_server_new_session (66);
  g_autoptr(SoupSession) alice = hallway_test_server_new_session (2);
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("One computer holds at most 64 locks; others still lock");

  add_open_share (f);
  for (guint i = 0; i < HALLWAY_WEBDAV_MAX_LOCKS_PER_CLIENT; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%u.txt", i);

      response = lock_from (f, mallory, name, "m");
      g_assert_cmpuint (response->status, ==, 201);
      g_clear_pointer (&response, hallway_test_response_free);
    }

  response = lock_from (f, mallory, "one-more.txt", "m");
  g_assert_cmpuint (response->status, ==, 507);
  hallway_test_response_assert_json_error (response);
  /* Refused before anything was created. */
  g_assert_false (hallway_test_server_file_exists (f, "one-more.txt"));
  g_clear_pointer (&response, hallway_test_response_free);

  response = lock_from (f, alice, "one-more.txt", "a");
  g_assert_cmpuint (response->status, ==, 201);
}

static void
test_lock_per_share (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SoupSession) late = hallway_test_server_new_session (99);
  g_autoptr(HallwayTestResponse) response = NULL;
  guint clients = HALLWAY_WEBDAV_MAX_LOCKS_PER_SHARE / HALLWAY_WEBDAV_MAX_LOCKS_PER_CLIENT;

  g_test_summary ("A share holds at most 256 locks, from however many computers");

  add_open_share (f);
  for (guint c = 0; c < clients; c++)
    {
      g_autoptr(SoupSession) session = hallway_test_server_new_session (10 + c);

      for (guint i = 0; i < HALLWAY_WEBDAV_MAX_LOCKS_PER_CLIENT; i++)
        {
          g_autofree char *name = g_strdup_printf ("file-%u-%u.txt", c, i);

          response = lock_from (f, session, name, "m");
          g_assert_cmpuint (response->status, ==, 201);
          g_clear_pointer (&response, hallway_test_response_free);
        }
    }

  response = lock_from (f, late, "late.txt", "l");
  g_assert_cmpuint (response->status, ==, 507);
  g_assert_nonnull (strstr (hallway_test_response_get_text (response), "shared folder"));
}

static void
test_lock_per_item (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *owner = g_strnfill (HALLWAY_WEBDAV_MAX_LOCK_OWNER - 20, 'o');
  g_autofree char *path = NULL;
  g_autoptr(SoupSession) late = hallway_test_server_new_session (99);
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("Shared locks on one item are few, so its lockdiscovery stays small");

  add_open_share (f);
  hallway_test_server_write_file (f, "a.txt", "a", -1);
  for (guint c = 0; c < HALLWAY_WEBDAV_MAX_LOCKS_PER_ITEM; c++)
    {
      g_autoptr(SoupSession) session = hallway_test_server_new_session (10 + c);

      response = lock_from (f, session, "a.txt", owner);
      g_assert_cmpuint (response->status, ==, 200);
      g_clear_pointer (&response, hallway_test_response_free);
    }

  response = lock_from (f, late, "a.txt", owner);
  g_assert_cmpuint (response->status, ==, 423);
  g_assert_nonnull (strstr (hallway_test_response_get_text (response), "no-conflicting-lock"));
  g_clear_pointer (&response, hallway_test_response_free);

  path = hallway_test_server_share_path (f, "a.txt");
  response = hallway_test_server_request (f, "PROPFIND", path, NULL,
                                          "<D:propfind xmlns:D=\"DAV:\"><D:prop>"
                                          "<D:lockdiscovery/></D:prop></D:propfind>", -1,
                                          "Depth", "0", NULL);
  g_assert_cmpuint (response->status, ==, 207);
  g_assert_cmpuint (hallway_test_count_matches (hallway_test_response_get_text (response),
                                                "<D:activelock>"), ==,
                    HALLWAY_WEBDAV_MAX_LOCKS_PER_ITEM);
  g_assert_cmpuint (strlen (hallway_test_response_get_text (response)), <,
                    HALLWAY_WEBDAV_MAX_LOCKS_PER_ITEM * (HALLWAY_WEBDAV_MAX_LOCK_OWNER + 512));
}

/* Names and links */

static void
make_link (Fixture    *f,
           const char *target,
           const char *name)
{
  g_autofree char *path = g_build_filename (f->shared, name, NULL);

  g_assert_no_errno (symlink (target, path));
}

/* Every way a client sees a folder's names: the JSON and HTML listings
 * and a PROPFIND, in one string. */
static char *
all_listings (Fixture    *f,
              const char *rest)
{
  g_autofree char *path = hallway_test_server_share_path (f, rest);
  g_autoptr(HallwayTestResponse) json =
    hallway_test_server_request (f, "GET", path, NULL, NULL, 0, "Accept", "application/json",
                                 NULL);
  g_autoptr(HallwayTestResponse) html =
    hallway_test_server_request (f, "GET", path, NULL, NULL, 0, "Accept", "text/html", NULL);
  g_autoptr(HallwayTestResponse) propfind =
    hallway_test_server_request (f, "PROPFIND", path, NULL, NULL, 0, "Depth", "1", NULL);

  g_assert_cmpuint (json->status, ==, 200);
  g_assert_cmpuint (html->status, ==, 200);
  g_assert_cmpuint (propfind->status, ==, 207);
  return g_strconcat (hallway_test_response_get_text (json),
                      hallway_test_response_get_text (html),
                      hallway_test_response_get_text (propfind), NULL);
}

static void
test_hidden_links (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *ssh = g_build_filename (f->shared, ".ssh", NULL);
  g_autofree char *listed = NULL;
  g_autofree char *move_path = NULL;
  g_autofree char *destination = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;

  g_test_summary ("A link to a hidden name is neither listed, served nor written through");

  add_open_share (f);
  g_assert_no_errno (g_mkdir (ssh, 0700));
  hallway_test_server_write_file (f, ".env", "PASSWORD=hunter2", -1);
  hallway_test_server_write_file (f, "report.txt", "report", -1);
  make_link (f, ".env", "notes.txt");
  make_link (f, ".ssh", "keys");
  make_link (f, "report.txt", "report-link.txt");

  listed = all_listings (f, "");
  g_assert_nonnull (strstr (listed, "report-link.txt"));
  g_assert_null (strstr (listed, "notes.txt"));
  g_assert_null (strstr (listed, "keys"));
  g_assert_null (strstr (listed, "hunter2"));

  g_assert_cmpuint (hallway_test_server_status_of (f, "GET", "notes.txt"), ==, 404);
  g_assert_cmpuint (hallway_test_server_status_of (f, "GET", ".env"), ==, 404);
  g_assert_cmpuint (hallway_test_server_status_of (f, "PROPFIND", "keys/"), ==, 404);
  g_assert_cmpuint (hallway_test_server_put (f, "keys/authorized_keys",
                                             "ssh-ed25519 AAAA mallory"), ==, 404);
  g_assert_false (hallway_test_server_file_exists (f, ".ssh/authorized_keys"));

  move_path = hallway_test_server_share_path (f, "report.txt");
  destination = hallway_test_server_share_path (f, "keys/report.txt");
  response = hallway_test_server_request (f, "MOVE", move_path, NULL, NULL, 0,
                                          "Destination", destination, NULL);
  g_assert_cmpuint (response->status, ==, 403);
  g_assert_true (hallway_test_server_file_exists (f, "report.txt"));
  g_clear_pointer (&response, hallway_test_response_free);

  /* Links between visible names still work. */
  g_assert_cmpuint (hallway_test_server_status_of (f, "GET", "report-link.txt"), ==, 200);

  /* A share that shows hidden names serves them either way. */
  hallway_share_set_show_hidden (hallway_daemon_shares_lookup (f->shares, f->share_id), TRUE);
  g_assert_cmpuint (hallway_test_server_status_of (f, "GET", "notes.txt"), ==, 200);
}

static void
test_invisible_names (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *listed = NULL;

  g_test_summary ("A file whose name hides behind bidi controls is not listed nor served");

  add_open_share (f);
  hallway_test_server_write_file (f, "photo\u202egpj.desktop", "[Desktop Entry]", -1);
  hallway_test_server_write_file (f, "\u200finvoice.pdf", "pdf", -1);
  hallway_test_server_write_file (f, "\u05d3\u05d5\u05d7.pdf", "report in Hebrew", -1);

  listed = all_listings (f, "");
  g_assert_null (strstr (listed, "gpj"));
  g_assert_null (strstr (listed, "invoice"));
  g_assert_nonnull (strstr (listed, "%D7%93%D7%95%D7%97.pdf"));

  g_assert_cmpuint (hallway_test_server_status_of (f, "GET", "photo%E2%80%AEgpj.desktop"), ==, 400);
  g_assert_cmpuint (hallway_test_server_status_of (f, "GET", "%E2%80%8Finvoice.pdf"), ==, 400);
  g_assert_cmpuint (hallway_test_server_put (f, "new%E2%81%A7.txt", "x"), ==, 400);
  g_assert_false (hallway_test_server_file_exists (f, "new\u2067.txt"));
  g_assert_cmpuint (hallway_test_server_status_of (f, "GET", "%D7%93%D7%95%D7%97.pdf"), ==, 200);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/webdav/hostile/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("password/share-lockout", test_password_share_lockout);
  ADD ("password/burst", test_password_burst);
  ADD ("password/same-burst", test_password_same_burst);
  ADD ("password/verified-connection", test_password_verified_connection);
  ADD ("password/off-main-loop", test_password_off_main_loop);
  ADD ("password/paused-requests", test_password_paused_requests);
  ADD ("lock/owner", test_lock_owner);
  ADD ("lock/per-client", test_lock_per_client);
  ADD ("lock/per-share", test_lock_per_share);
  ADD ("lock/per-item", test_lock_per_item);
  ADD ("names/hidden-links", test_hidden_links);
  ADD ("names/invisible", test_invisible_names);

#undef ADD

  return g_test_run ();
}
