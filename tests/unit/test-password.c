/* test-password.c: password hashes, Basic auth and lockout
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "hallway-password.h"

#define S ((gint64) G_USEC_PER_SEC)

/* Worked out independently with Python's hashlib.pbkdf2_hmac ('sha256',
 * …, b"Hallway salt 16B", 100000), so the code is not only checked against
 * itself. The first is for "pâssword", the second for "". */
#define KNOWN_SALT   "SGFsbHdheSBzYWx0IDE2Qg=="
#define KNOWN_DIGEST "1AtdN9eoJewItEbLPDxoueaEALgGylkJXEdYoZo0WiE="
#define KNOWN_HASH   "pbkdf2-sha256$100000$" KNOWN_SALT "$" KNOWN_DIGEST
#define KNOWN_EMPTY  "pbkdf2-sha256$100000$" KNOWN_SALT \
                     "$F3plBVEnr1Lu6WcYXgrOT9I2l3L9OPjkvRFC5rfBu1g="

/* Hashes */

static void
test_hash_round_trip (void)
{
  g_autofree char *hash = NULL;
  g_autofree char *again = NULL;
  g_autofree char *expected_prefix = g_strdup_printf ("pbkdf2-sha256$%u$",
                                                      HALLWAY_PASSWORD_ITERATIONS);
  g_auto(GStrv) parts = NULL;
  gint64 start;
  gint64 elapsed;

  g_test_summary ("A hash verifies its password and no other, and is salted");

  start = g_get_monotonic_time ();
  hash = hallway_password_hash ("correct horse battery staple");
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("Hashing with %u rounds took %" G_GINT64_FORMAT " ms",
                  HALLWAY_PASSWORD_ITERATIONS, elapsed / 1000);

  g_assert_nonnull (hash);
  g_assert_true (g_str_has_prefix (hash, expected_prefix));
  parts = g_strsplit (hash, "$", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 4);
  g_assert_cmpuint (strlen (parts[2]), ==, 24);  /* 16 bytes */
  g_assert_cmpuint (strlen (parts[3]), ==, 44);  /* 32 bytes */

  g_assert_true (hallway_password_verify (hash, "correct horse battery staple"));
  g_assert_false (hallway_password_verify (hash, "correct horse battery stapl"));
  g_assert_false (hallway_password_verify (hash, ""));

  again = hallway_password_hash ("correct horse battery staple");
  g_assert_cmpstr (hash, !=, again);
}

static void
test_hash_empty_and_long (void)
{
  g_autofree char *hash = NULL;
  g_autofree char *max = g_strnfill (HALLWAY_PASSWORD_MAX_LEN, 'p');
  g_autofree char *too_long = g_strnfill (HALLWAY_PASSWORD_MAX_LEN + 1, 'p');

  g_test_summary ("Empty passwords hash; passwords too long to ever be sent do not");

  hash = hallway_password_hash ("");
  g_assert_nonnull (hash);
  g_assert_true (hallway_password_verify (hash, ""));
  g_assert_false (hallway_password_verify (hash, " "));
  g_clear_pointer (&hash, g_free);

  hash = hallway_password_hash (max);
  g_assert_nonnull (hash);
  g_assert_true (hallway_password_verify (hash, max));
  g_assert_false (hallway_password_verify (hash, too_long));
  g_clear_pointer (&hash, g_free);

  g_assert_null (hallway_password_hash (too_long));
}

static void
test_verify_known (void)
{
  g_test_summary ("Hashes made elsewhere verify: the encoding and PBKDF2 are standard");

  g_assert_true (hallway_password_verify (KNOWN_HASH, "pâssword"));
  g_assert_false (hallway_password_verify (KNOWN_HASH, "password"));
  g_assert_false (hallway_password_verify (KNOWN_HASH, "pâssword "));
  g_assert_true (hallway_password_verify (KNOWN_EMPTY, ""));
  g_assert_false (hallway_password_verify (KNOWN_EMPTY, "pâssword"));
  g_assert_false (hallway_password_verify (NULL, "pâssword"));
  g_assert_false (hallway_password_verify (KNOWN_HASH, NULL));
}

static void
test_verify_tampered (void)
{
  const char * const tampered[] = {
    "",
    "pbkdf2-sha256",
    "pbkdf2-sha256$100000$" KNOWN_SALT,
    "pbkdf2-sha256$100000$" KNOWN_SALT "$",
    "pbkdf2-sha256$100000$" KNOWN_SALT "$" KNOWN_DIGEST "$",
    "pbkdf2-sha256$100000$" KNOWN_SALT "$" KNOWN_DIGEST "$extra",
    "$100000$" KNOWN_SALT "$" KNOWN_DIGEST,
    "PBKDF2-SHA256$100000$" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha1$100000$" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha512$100000$" KNOWN_SALT "$" KNOWN_DIGEST,
    /* Rounds */
    "pbkdf2-sha256$99999$" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha256$10000001$" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha256$0100000$" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha256$+100000$" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha256$-100000$" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha256$ 100000$" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha256$100000 $" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha256$1e5$" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha256$$" KNOWN_SALT "$" KNOWN_DIGEST,
    "pbkdf2-sha256$18446744073709551716$" KNOWN_SALT "$" KNOWN_DIGEST,
    /* Salt: 15 and 17 bytes, no padding, bad characters, base64url */
    "pbkdf2-sha256$100000$SGFsbHdheSBzYWx0IDE2$" KNOWN_DIGEST,
    "pbkdf2-sha256$100000$SGFsbHdheSBzYWx0IDE2QkI=$" KNOWN_DIGEST,
    "pbkdf2-sha256$100000$SGFsbHdheSBzYWx0IDE2Qg$" KNOWN_DIGEST,
    "pbkdf2-sha256$100000$SGFsbHdheSBzYWx0IDE2Q*==$" KNOWN_DIGEST,
    "pbkdf2-sha256$100000$SGFsbHdh eSBzYWx0IDE2Qg==$" KNOWN_DIGEST,
    "pbkdf2-sha256$100000$SGFsbHdheSBzYWx0IDE2Qh==$" KNOWN_DIGEST,  /* padding bits set */
    "pbkdf2-sha256$100000$$" KNOWN_DIGEST,
    /* Hash: 31 and 33 bytes, one bit flipped, non-canonical, base64url */
    "pbkdf2-sha256$100000$" KNOWN_SALT "$1AtdN9eoJewItEbLPDxoueaEALgGylkJXEdYoZo0Wg==",
    "pbkdf2-sha256$100000$" KNOWN_SALT "$1AtdN9eoJewItEbLPDxoueaEALgGylkJXEdYoZo0WiEA",
    "pbkdf2-sha256$100000$" KNOWN_SALT "$0AtdN9eoJewItEbLPDxoueaEALgGylkJXEdYoZo0WiE=",
    "pbkdf2-sha256$100000$" KNOWN_SALT "$1AtdN9eoJewItEbLPDxoueaEALgGylkJXEdYoZo0WiF=",
    "pbkdf2-sha256$100000$" KNOWN_SALT "$1AtdN9eoJewItEbLPDxoueaEALgGylkJXEdYoZo0WiE",
    "pbkdf2-sha256$100000$" KNOWN_SALT "$1AtdN9eoJewItEbLPDxoueaEALgGylkJXEdYoZo0WiE==",
    "pbkdf2-sha256$100000$" KNOWN_SALT "$1AtdN9eoJewItEbLPDxoueaEALgGylkJXEdYoZo0WiE=\n",
    NULL
  };

  g_test_summary ("Malformed or tampered hashes never verify");

  for (gsize i = 0; tampered[i] != NULL; i++)
    {
      g_autofree char *escaped = g_strescape (tampered[i], NULL);

      g_test_message ("Tampered: %s", escaped);
      g_assert_false (hallway_password_verify (tampered[i], "pâssword"));
    }
}

/* Basic authentication */

typedef struct
{
  const char *header;
  const char *user;      /* NULL: refused */
  const char *password;
} BasicCase;

static void
test_basic_auth (void)
{
  const BasicCase cases[] = {
    { "Basic YWxpY2U6c2VjcmV0", "alice", "secret" },
    { "basic YWxpY2U6c2VjcmV0", "alice", "secret" },
    { "BASIC YWxpY2U6c2VjcmV0", "alice", "secret" },
    { "Basic    YWxpY2U6c2VjcmV0  ", "alice", "secret" },
    { " Basic YWxpY2U6c2VjcmV0", "alice", "secret" },
    { "Basic YWxpY2U6c2U6Y3JldA==", "alice", "se:cret" },
    { "Basic OnB3", "", "pw" },
    { "Basic YWxpY2U6", "alice", "" },
    { "Basic YWI6Yw==", "ab", "c" },
    { "Basic w6ltaWxlOm1vdCBkZSBwYXNzZQ==", "émile", "mot de passe" },
    /* Refused */
    { NULL, NULL, NULL },
    { "", NULL, NULL },
    { "Basic", NULL, NULL },
    { "Basic ", NULL, NULL },
    { "Basic\tYWI6Yw==", NULL, NULL },
    { "BasicYWI6Yw==", NULL, NULL },
    { "Bearer YWI6Yw==", NULL, NULL },
    { "Digest username=\"a\"", NULL, NULL },
    { "Basic YWxpY2U=", NULL, NULL },              /* "alice": no colon */
    { "Basic YWI6Yw", NULL, NULL },                /* no padding */
    { "Basic YWI6Yw=", NULL, NULL },               /* short padding */
    { "Basic YWI6Yx==", NULL, NULL },              /* padding bits set */
    { "Basic YWI6Y*==", NULL, NULL },
    { "Basic YWI6 Yw==", NULL, NULL },
    { "Basic YWI6Yw==YWI6Yw==", NULL, NULL },
    { "Basic ====", NULL, NULL },
    { "Basic -_-_", NULL, NULL },                  /* base64url */
    { "Basic YWxpY2U6AHg=", NULL, NULL },          /* "alice:\0x" */
    { "Basic YWxpY2U6Cg==", NULL, NULL },          /* "alice:\n" */
    { "Basic YWxpY2U6fw==", NULL, NULL },          /* "alice:\x7f" */
    { "Basic YWxpY2U6/w==", NULL, NULL },          /* "alice:\xff" */
    { "Basic wK86eA==", NULL, NULL },              /* overlong "/" */
  };

  g_test_summary ("Basic credentials: strict base64, UTF-8, a colon, no controls");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *user = NULL;
      g_autofree char *password = NULL;
      gboolean ok;

      g_test_message ("Authorization: %s", cases[i].header != NULL ? cases[i].header : "(none)");
      ok = hallway_basic_auth_parse (cases[i].header, &user, &password);
      g_assert_cmpint (ok, ==, cases[i].user != NULL);
      g_assert_cmpstr (user, ==, cases[i].user);
      g_assert_cmpstr (password, ==, cases[i].password);
    }
}

static void
test_basic_auth_length (void)
{
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *header = NULL;
  g_autoptr(GString) huge = g_string_new ("Basic ");

  g_test_summary ("Basic credentials of 1024 bytes are accepted, longer ones are not");

  plain = g_malloc (HALLWAY_PASSWORD_MAX_LEN + 2);
  plain[0] = 'u';
  plain[1] = ':';
  memset (plain + 2, 'p', HALLWAY_PASSWORD_MAX_LEN - 2);
  plain[HALLWAY_PASSWORD_MAX_LEN] = '\0';

  encoded = g_base64_encode ((const guchar *) plain, HALLWAY_PASSWORD_MAX_LEN);
  header = g_strconcat ("Basic ", encoded, NULL);
  g_assert_true (hallway_basic_auth_parse (header, &user, &password));
  g_assert_cmpstr (user, ==, "u");
  g_assert_cmpuint (strlen (password), ==, HALLWAY_PASSWORD_MAX_LEN - 2);
  g_clear_pointer (&user, g_free);
  g_clear_pointer (&password, g_free);
  g_clear_pointer (&encoded, g_free);
  g_clear_pointer (&header, g_free);

  plain[HALLWAY_PASSWORD_MAX_LEN] = 'p';
  plain[HALLWAY_PASSWORD_MAX_LEN + 1] = '\0';
  encoded = g_base64_encode ((const guchar *) plain, HALLWAY_PASSWORD_MAX_LEN + 1);
  header = g_strconcat ("Basic ", encoded, NULL);
  g_assert_false (hallway_basic_auth_parse (header, &user, &password));
  g_assert_null (user);
  g_assert_null (password);

  for (int i = 0; i < 256 * 1024; i++)
    g_string_append (huge, "YWI6");
  g_assert_false (hallway_basic_auth_parse (huge->str, &user, &password));
}

typedef struct
{
  GAsyncResult *result;
  gint64        done;
} Waiting;

static void
verified_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Waiting *waiting = user_data;

  waiting->result = g_object_ref (result);
  waiting->done = g_get_monotonic_time ();
}

static void
test_verify_async (void)
{
  g_autofree char *stored = hallway_password_hash ("open sesame");
  Waiting right = { 0 };
  Waiting wrong = { 0 };
  gint64 start;
  gint64 returned;

  g_test_summary ("Checking a password in a worker thread leaves the caller's loop free");

  start = g_get_monotonic_time ();
  hallway_password_verify_async (stored, "open sesame", NULL, verified_cb, &right);
  hallway_password_verify_async (stored, "guess", NULL, verified_cb, &wrong);
  returned = g_get_monotonic_time ();
  g_assert_null (right.result);

  while (right.result == NULL || wrong.result == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (hallway_password_verify_finish (right.result, NULL));
  g_assert_false (hallway_password_verify_finish (wrong.result, NULL));
  /* 600,000 rounds of PBKDF2 take a while; starting two took next to
   * nothing, and they ran one after the other, in turn. */
  g_assert_cmpint ((returned - start) * 10, <, right.done - start);
  g_assert_cmpint (right.done, <=, wrong.done);
  g_clear_object (&right.result);
  g_clear_object (&wrong.result);
}

static void
test_tag (void)
{
  guint8 key[HALLWAY_PASSWORD_TAG_KEY_LEN] = { 1, 2, 3 };
  guint8 other_key[HALLWAY_PASSWORD_TAG_KEY_LEN] = { 3, 2, 1 };
  g_autoptr(GBytes) tag = hallway_password_tag (key, KNOWN_HASH, "pâssword");
  g_autoptr(GBytes) again = hallway_password_tag (key, KNOWN_HASH, "pâssword");
  g_autoptr(GBytes) wrong = hallway_password_tag (key, KNOWN_HASH, "password");
  g_autoptr(GBytes) new_hash = hallway_password_tag (key, KNOWN_EMPTY, "pâssword");
  g_autoptr(GBytes) new_key = hallway_password_tag (other_key, KNOWN_HASH, "pâssword");
  g_autoptr(GBytes) run_together = hallway_password_tag (key, "ab", "c");
  g_autoptr(GBytes) run_apart = hallway_password_tag (key, "a", "bc");
  gsize size;
  const guint8 *data = g_bytes_get_data (tag, &size);

  g_test_summary ("The keyed hash of credentials tells them apart and hides the password");

  g_assert_cmpuint (size, ==, 32);
  g_assert_true (g_bytes_equal (tag, again));
  g_assert_false (g_bytes_equal (tag, wrong));
  g_assert_false (g_bytes_equal (tag, new_hash));
  g_assert_false (g_bytes_equal (tag, new_key));
  g_assert_false (g_bytes_equal (run_together, run_apart));
  g_assert_null (memmem (data, size, "pâssword", strlen ("pâssword")));
}

/* Lockout */

static void
fail_times (HallwayLockout *lockout,
            const char     *address,
            guint           times,
            gint64          now)
{
  for (guint i = 0; i < times; i++)
    hallway_lockout_failure (lockout, address, now);
}

static void
assert_locked (HallwayLockout *lockout,
               const char     *address,
               gint64          now,
               guint           retry_after)
{
  guint seconds = 0;

  g_assert_false (hallway_lockout_check (lockout, address, now, &seconds));
  g_assert_cmpuint (seconds, ==, retry_after);
}

static void
assert_open (HallwayLockout *lockout,
             const char     *address,
             gint64          now)
{
  guint seconds = 42;

  g_assert_true (hallway_lockout_check (lockout, address, now, &seconds));
  g_assert_cmpuint (seconds, ==, 0);
}

static void
test_lockout_sequence (void)
{
  g_autoptr(HallwayLockout) lockout = hallway_lockout_new ();
  const guint expected[] = { 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600 };
  gint64 now = 1000 * S;

  g_test_summary ("5 wrong passwords lock for 30 s; each later one doubles it, up to an hour");

  for (int i = 0; i < 4; i++)
    {
      assert_open (lockout, "192.0.2.1", now);
      hallway_lockout_failure (lockout, "192.0.2.1", now);
    }
  assert_open (lockout, "192.0.2.1", now);
  hallway_lockout_failure (lockout, "192.0.2.1", now);
  assert_locked (lockout, "192.0.2.1", now, 30);

  /* Other addresses are not affected. */
  assert_open (lockout, "192.0.2.2", now);
  assert_open (lockout, "2001:db8::1", now);

  /* The wait is rounded up, and ends on time. */
  assert_locked (lockout, "192.0.2.1", now + S / 2, 30);
  assert_locked (lockout, "192.0.2.1", now + 29 * S, 1);
  assert_locked (lockout, "192.0.2.1", now + 30 * S - 1, 1);
  assert_open (lockout, "192.0.2.1", now + 30 * S);
  now += 30 * S;

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      now += S;
      hallway_lockout_failure (lockout, "192.0.2.1", now);
      assert_locked (lockout, "192.0.2.1", now, expected[i]);
      now += (gint64) expected[i] * S;
      assert_open (lockout, "192.0.2.1", now);
    }
}

static void
test_lockout_during_lock (void)
{
  g_autoptr(HallwayLockout) lockout = hallway_lockout_new ();

  g_test_summary ("Failures of requests already under way do not extend a lock");

  fail_times (lockout, "192.0.2.1", 5, 0);
  assert_locked (lockout, "192.0.2.1", 0, 30);
  fail_times (lockout, "192.0.2.1", 3, 10 * S);
  assert_locked (lockout, "192.0.2.1", 20 * S, 10);
  assert_open (lockout, "192.0.2.1", 30 * S);

  /* The next failure after it ends doubles the lock. */
  hallway_lockout_failure (lockout, "192.0.2.1", 31 * S);
  assert_locked (lockout, "192.0.2.1", 31 * S, 60);
}

static void
test_lockout_success (void)
{
  g_autoptr(HallwayLockout) lockout = hallway_lockout_new ();

  g_test_summary ("The right password forgets the wrong ones");

  fail_times (lockout, "192.0.2.1", 4, 0);
  hallway_lockout_success (lockout, "192.0.2.1");
  fail_times (lockout, "192.0.2.1", 4, S);
  assert_open (lockout, "192.0.2.1", S);

  /* Also after a lock: the next lock is the first again. */
  hallway_lockout_failure (lockout, "192.0.2.1", S);
  assert_locked (lockout, "192.0.2.1", S, 30);
  hallway_lockout_success (lockout, "192.0.2.1");
  assert_open (lockout, "192.0.2.1", 2 * S);
  fail_times (lockout, "192.0.2.1", 4, 3 * S);
  assert_open (lockout, "192.0.2.1", 3 * S);
  hallway_lockout_failure (lockout, "192.0.2.1", 3 * S);
  assert_locked (lockout, "192.0.2.1", 3 * S, 30);

  /* Unknown addresses are fine to forget. */
  hallway_lockout_success (lockout, "198.51.100.7");
}

static void
test_lockout_forget (void)
{
  g_autoptr(HallwayLockout) lockout = hallway_lockout_new ();
  const gint64 forget = HALLWAY_LOCKOUT_FORGET_SECONDS * S;

  g_test_summary ("Failures are forgotten after 15 quiet minutes, not before");

  /* 4 failures, then one just before 15 minutes: locked. */
  fail_times (lockout, "192.0.2.1", 4, 0);
  hallway_lockout_failure (lockout, "192.0.2.1", forget - 1);
  assert_locked (lockout, "192.0.2.1", forget - 1, 30);

  /* 4 failures, then one after 15 minutes: counted as the first. */
  fail_times (lockout, "192.0.2.2", 4, 0);
  hallway_lockout_failure (lockout, "192.0.2.2", forget);
  assert_open (lockout, "192.0.2.2", forget);
  fail_times (lockout, "192.0.2.2", 3, forget);
  assert_open (lockout, "192.0.2.2", forget);
  hallway_lockout_failure (lockout, "192.0.2.2", forget);
  assert_locked (lockout, "192.0.2.2", forget, 30);

  /* After a lock, quiet time counts from its end: just before 15 minutes
   * the next failure doubles the lock… */
  fail_times (lockout, "192.0.2.3", 5, 0);
  hallway_lockout_failure (lockout, "192.0.2.3", 30 * S + forget - 1);
  assert_locked (lockout, "192.0.2.3", 30 * S + forget - 1, 60);

  /* …and after, the address starts afresh. */
  fail_times (lockout, "192.0.2.4", 5, 0);
  hallway_lockout_failure (lockout, "192.0.2.4", 30 * S + forget);
  assert_open (lockout, "192.0.2.4", 30 * S + forget);

  /* An hour-long lock is not forgotten while it runs. */
  {
    gint64 now = 30 * S;
    guint seconds = 0;

    fail_times (lockout, "192.0.2.5", 5, 0);
    for (int i = 0; i < 7; i++)
      {
        if (i > 0)
          now += (gint64) seconds * S;
        hallway_lockout_failure (lockout, "192.0.2.5", now);
        g_assert_false (hallway_lockout_check (lockout, "192.0.2.5", now, &seconds));
      }
    g_assert_cmpuint (seconds, ==, 3600);
    assert_locked (lockout, "192.0.2.5", now + forget + S, 3600 - 15 * 60 - 1);
    assert_open (lockout, "192.0.2.5", now + 3600 * S);
  }
}

static void
test_lockout_eviction (void)
{
  g_autoptr(HallwayLockout) lockout = hallway_lockout_new ();
  gint64 now = 0;

  g_test_summary ("At most 4096 addresses are remembered; the one idle longest goes");

  /* The oldest has 4 failures; 4095 more fill the table. */
  fail_times (lockout, "10.0.0.0", 4, now);
  for (int i = 1; i < HALLWAY_LOCKOUT_MAX_ADDRESSES; i++)
    {
      g_autofree char *address = g_strdup_printf ("10.0.%d.%d", i / 256, i % 256);

      hallway_lockout_failure (lockout, address, now + i);
    }

  /* Nothing was pushed out yet: a fifth failure locks. */
  hallway_lockout_failure (lockout, "10.0.0.0", now + 5000);
  assert_locked (lockout, "10.0.0.0", now + 5000, 30);
  hallway_lockout_success (lockout, "10.0.0.0");
  fail_times (lockout, "10.0.0.0", 4, now);

  /* One more address pushes out the oldest, 10.0.0.0, whose count
   * starts again. */
  hallway_lockout_failure (lockout, "192.0.2.1", now + 10000);
  hallway_lockout_failure (lockout, "10.0.0.0", now + 10001);
  assert_open (lockout, "10.0.0.0", now + 10001);
}

static void
test_lockout_eviction_spares_locks (void)
{
  g_autoptr(HallwayLockout) lockout = hallway_lockout_new ();

  g_test_summary ("A running lock counts as recent activity when making room");

  fail_times (lockout, "192.0.2.1", 5, 0);
  for (int i = 1; i < HALLWAY_LOCKOUT_MAX_ADDRESSES; i++)
    {
      g_autofree char *address = g_strdup_printf ("10.0.%d.%d", i / 256, i % 256);

      hallway_lockout_failure (lockout, address, i);
    }

  hallway_lockout_failure (lockout, "198.51.100.1", 5 * S);
  hallway_lockout_failure (lockout, "198.51.100.2", 6 * S);
  assert_locked (lockout, "192.0.2.1", 10 * S, 20);

  /* Flooding with new addresses does push it out in the end. */
  for (int i = 0; i < HALLWAY_LOCKOUT_MAX_ADDRESSES; i++)
    {
      g_autofree char *address = g_strdup_printf ("10.1.%d.%d", i / 256, i % 256);

      hallway_lockout_failure (lockout, address, 40 * S);
    }
  assert_open (lockout, "192.0.2.1", 41 * S);
}

static void
test_lockout_share_policy (void)
{
  g_autoptr(HallwayLockout) lockout =
    hallway_lockout_new_full (HALLWAY_SHARE_LOCKOUT_MAX_TRIES, HALLWAY_SHARE_LOCKOUT_MAX_SECONDS);
  gint64 now = 0;
  guint seconds = 0;

  g_test_summary ("A share allows 10 wrong passwords from anywhere, then locks up to 30 min");

  for (guint i = 0; i < 9; i++)
    {
      g_autofree char *address = g_strdup_printf ("192.0.2.%u", i);

      hallway_lockout_failure (lockout, "team-files", now);
      /* The address does not matter to a share's record. */
      assert_open (lockout, "team-files", now);
      assert_open (lockout, address, now);
    }
  hallway_lockout_failure (lockout, "team-files", now);
  assert_locked (lockout, "team-files", now, 30);

  for (int i = 0; i < 10; i++)
    {
      now += (gint64) seconds * S;
      if (i > 0)
        g_assert_true (hallway_lockout_check (lockout, "team-files", now, NULL));
      hallway_lockout_failure (lockout, "team-files", now);
      g_assert_false (hallway_lockout_check (lockout, "team-files", now, &seconds));
    }
  g_assert_cmpuint (seconds, ==, HALLWAY_SHARE_LOCKOUT_MAX_SECONDS);
}

static void
assert_begins (HallwayLockout *lockout,
               const char     *key,
               gint64          now,
               gboolean        begins,
               guint           retry_after)
{
  guint seconds = 42;

  g_assert_cmpint (hallway_lockout_begin (lockout, key, now, &seconds), ==, begins);
  g_assert_cmpuint (seconds, ==, retry_after);
}

static void
test_lockout_begin (void)
{
  g_autoptr(HallwayLockout) lockout = hallway_lockout_new ();

  g_test_summary ("Checks under way count: no burst tries more than the lock allows");

  /* Five at once, not six: together they could lock the address. */
  for (guint i = 0; i < HALLWAY_LOCKOUT_MAX_TRIES; i++)
    assert_begins (lockout, "192.0.2.1", 0, TRUE, 0);
  assert_begins (lockout, "192.0.2.1", 0, FALSE, 1);
  /* Busy is not locked out. */
  assert_open (lockout, "192.0.2.1", 0);

  /* One wrong: four may still be tried, and four are under way. */
  hallway_lockout_failure (lockout, "192.0.2.1", 0);
  assert_begins (lockout, "192.0.2.1", 0, FALSE, 1);
  hallway_lockout_release (lockout, "192.0.2.1");
  assert_begins (lockout, "192.0.2.1", 0, TRUE, 0);

  /* The four others fail: locked, and nothing begins meanwhile. */
  fail_times (lockout, "192.0.2.1", 4, S);
  assert_locked (lockout, "192.0.2.1", S, 30);
  assert_begins (lockout, "192.0.2.1", 2 * S, FALSE, 29);

  /* After a lock, one check at a time: the next wrong one locks again. */
  assert_begins (lockout, "192.0.2.1", 31 * S, TRUE, 0);
  assert_begins (lockout, "192.0.2.1", 31 * S, FALSE, 1);
  hallway_lockout_failure (lockout, "192.0.2.1", 32 * S);
  assert_locked (lockout, "192.0.2.1", 32 * S, 60);

  /* A right password forgets the wrong ones, even with others under
   * way, which still count until they end. */
  for (guint i = 0; i < 3; i++)
    assert_begins (lockout, "192.0.2.2", 0, TRUE, 0);
  hallway_lockout_failure (lockout, "192.0.2.2", 0);
  hallway_lockout_success (lockout, "192.0.2.2");
  for (guint i = 0; i < HALLWAY_LOCKOUT_MAX_TRIES - 1; i++)
    assert_begins (lockout, "192.0.2.2", 0, TRUE, 0);
  assert_begins (lockout, "192.0.2.2", 0, FALSE, 1);

  /* A check under way keeps its record from being forgotten. */
  assert_begins (lockout, "192.0.2.3", 0, TRUE, 0);
  assert_begins (lockout, "192.0.2.3", 0, TRUE, 0);
  hallway_lockout_failure (lockout, "192.0.2.3", 0);
  for (guint i = 0; i < HALLWAY_LOCKOUT_MAX_TRIES - 2; i++)
    assert_begins (lockout, "192.0.2.3", HALLWAY_LOCKOUT_FORGET_SECONDS * S, TRUE, 0);
  assert_begins (lockout, "192.0.2.3", HALLWAY_LOCKOUT_FORGET_SECONDS * S, FALSE, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/password/hash/round-trip", test_hash_round_trip);
  g_test_add_func ("/share/password/hash/empty-and-long", test_hash_empty_and_long);
  g_test_add_func ("/share/password/verify/known", test_verify_known);
  g_test_add_func ("/share/password/verify/tampered", test_verify_tampered);
  g_test_add_func ("/share/password/verify/async", test_verify_async);
  g_test_add_func ("/share/password/tag", test_tag);
  g_test_add_func ("/share/password/basic-auth/cases", test_basic_auth);
  g_test_add_func ("/share/password/basic-auth/length", test_basic_auth_length);
  g_test_add_func ("/share/password/lockout/sequence", test_lockout_sequence);
  g_test_add_func ("/share/password/lockout/during-lock", test_lockout_during_lock);
  g_test_add_func ("/share/password/lockout/success", test_lockout_success);
  g_test_add_func ("/share/password/lockout/forget", test_lockout_forget);
  g_test_add_func ("/share/password/lockout/eviction", test_lockout_eviction);
  g_test_add_func ("/share/password/lockout/eviction-spares-locks",
                   test_lockout_eviction_spares_locks);
  g_test_add_func ("/share/password/lockout/share-policy", test_lockout_share_policy);
  g_test_add_func ("/share/password/lockout/begin", test_lockout_begin);

  return g_test_run ();
}
