/* hallway-password.c: password shares: hashes, Basic auth and lockout
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Share passwords are stored as PBKDF2-HMAC-SHA256 hashes with a random
 * salt. Clients send them with HTTP Basic authentication, only ever over
 * TLS. Guessing is slowed down per client address: a few wrong passwords
 * lock the address out for a while, longer each time.
 */
#include "config.h"

#include "hallway-password.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#define SCHEME "pbkdf2-sha256"
#define SALT_LEN 16
#define HASH_LEN 32

#define FORGET_USEC ((gint64) HALLWAY_LOCKOUT_FORGET_SECONDS * G_USEC_PER_SEC)

/* Base64 of HALLWAY_PASSWORD_MAX_LEN bytes. */
#define MAX_BASIC_ENCODED_LEN (4 * ((HALLWAY_PASSWORD_MAX_LEN + 2) / 3))

/* Helpers */

static gboolean
is_base64_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/* Decodes standard base64 (RFC 4648 §4) with padding, refusing anything
 * else: other characters, missing or misplaced padding, and non-zero
 * padding bits, so each value has exactly one accepted spelling.
 * g_base64_decode() alone skips what it does not understand. */
static guint8 *
decode_base64_strict (const char *text,
                      gsize       len,
                      gsize      *out_len)
{
  g_autofree char *copy = NULL;
  g_autofree char *again = NULL;
  g_autofree guint8 *decoded = NULL;
  gsize n_padding = 0;
  gsize decoded_len = 0;
  gboolean ok;

  if (len == 0 || len % 4 != 0)
    return NULL;

  if (text[len - 1] == '=')
    n_padding = text[len - 2] == '=' ? 2 : 1;

  for (gsize i = 0; i < len - n_padding; i++)
    {
      if (!is_base64_char (text[i]))
        return NULL;
    }

  copy = g_strndup (text, len);
  decoded = g_base64_decode (copy, &decoded_len);

  /* Encoding again gives the one canonical spelling. */
  again = g_base64_encode (decoded, decoded_len);
  ok = strcmp (again, copy) == 0;

  /* These may be credentials. */
  explicit_bzero (copy, len);
  explicit_bzero (again, strlen (again));
  if (!ok)
    {
      explicit_bzero (decoded, decoded_len);
      return NULL;
    }

  *out_len = decoded_len;
  return g_steal_pointer (&decoded);
}

/* Strict decimal: digits only, no leading zero. */
static gboolean
parse_iterations (const char *text,
                  guint      *out)
{
  guint64 value;

  if (text[0] < '1' || text[0] > '9')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
    }

  if (!g_ascii_string_to_unsigned (text, 10,
                                   HALLWAY_PASSWORD_MIN_ITERATIONS,
                                   HALLWAY_PASSWORD_MAX_ITERATIONS,
                                   &value, NULL))
    return FALSE;

  *out = (guint) value;
  return TRUE;
}

static gboolean
derive (const char   *password,
        const guint8 *salt,
        gsize         salt_len,
        guint         iterations,
        guint8        out[HASH_LEN])
{
  gnutls_datum_t key = { (unsigned char *) password, (unsigned int) strlen (password) };
  gnutls_datum_t salt_datum = { (unsigned char *) salt, (unsigned int) salt_len };

  return gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key, &salt_datum, iterations, out, HASH_LEN) == 0;
}

/* Hashes */

/**
 * hallway_password_hash:
 * @password: the password
 *
 * Hashes a share password for storing, with PBKDF2-HMAC-SHA256,
 * %HALLWAY_PASSWORD_ITERATIONS rounds and a random 16-byte salt, as
 * `pbkdf2-sha256$<rounds>$<base64 salt>$<base64 hash>` (standard base64,
 * padded). The same password hashes differently each time.
 *
 * Returns: (transfer full) (nullable): the hash, or `NULL` if @password is
 *   longer than %HALLWAY_PASSWORD_MAX_LEN bytes (it could never be sent)
 *   or no random numbers could be had
 */
char *
hallway_password_hash (const char *password)
{
  g_autofree char *salt64 = NULL;
  g_autofree char *hash64 = NULL;
  guint8 salt[SALT_LEN];
  guint8 hash[HASH_LEN];
  gboolean ok;

  g_return_val_if_fail (password != NULL, NULL);

  if (strlen (password) > HALLWAY_PASSWORD_MAX_LEN)
    return NULL;

  if (gnutls_rnd (GNUTLS_RND_RANDOM, salt, sizeof salt) != 0)
    return NULL;

  ok = derive (password, salt, sizeof salt, HALLWAY_PASSWORD_ITERATIONS, hash);
  if (ok)
    {
      salt64 = g_base64_encode (salt, sizeof salt);
      hash64 = g_base64_encode (hash, sizeof hash);
    }
  explicit_bzero (hash, sizeof hash);
  if (!ok)
    return NULL;

  return g_strdup_printf (SCHEME "$%u$%s$%s", HALLWAY_PASSWORD_ITERATIONS, salt64, hash64);
}

/**
 * hallway_password_verify:
 * @stored: (nullable): a hash from [func@Hallway.password_hash]
 * @password: (nullable): the password to check
 *
 * Checks @password against @stored. The hash is read strictly: the scheme
 * must be `pbkdf2-sha256`, the rounds between
 * %HALLWAY_PASSWORD_MIN_ITERATIONS and %HALLWAY_PASSWORD_MAX_ITERATIONS
 * without leading zeros, the salt 16 bytes and the hash 32, in canonical
 * base64. The hashes are compared in constant time.
 *
 * Returns: whether @password is right; %FALSE when either is `NULL`, when
 *   @stored is malformed, or when @password is longer than
 *   %HALLWAY_PASSWORD_MAX_LEN bytes
 */
gboolean
hallway_password_verify (const char *stored,
                         const char *password)
{
  g_auto(GStrv) parts = NULL;
  g_autofree guint8 *salt = NULL;
  g_autofree guint8 *expected = NULL;
  gsize salt_len = 0;
  gsize expected_len = 0;
  guint iterations = 0;
  guint8 hash[HASH_LEN];
  gboolean ok;

  if (stored == NULL || password == NULL)
    return FALSE;
  if (strlen (password) > HALLWAY_PASSWORD_MAX_LEN)
    return FALSE;

  parts = g_strsplit (stored, "$", 5);
  if (g_strv_length (parts) != 4 || strcmp (parts[0], SCHEME) != 0)
    return FALSE;
  if (!parse_iterations (parts[1], &iterations))
    return FALSE;

  salt = decode_base64_strict (parts[2], strlen (parts[2]), &salt_len);
  if (salt == NULL || salt_len != SALT_LEN)
    return FALSE;
  expected = decode_base64_strict (parts[3], strlen (parts[3]), &expected_len);
  if (expected == NULL || expected_len != HASH_LEN)
    return FALSE;

  if (!derive (password, salt, salt_len, iterations, hash))
    return FALSE;

  ok = gnutls_memcmp (hash, expected, HASH_LEN) == 0;
  explicit_bzero (hash, sizeof hash);

  return ok;
}

/* Basic authentication */

/**
 * hallway_basic_auth_parse:
 * @authorization_header: (nullable): an Authorization request header
 * @out_user: (out) (transfer full): the user name, possibly empty
 * @out_password: (out) (transfer full): the password, possibly empty
 *
 * Parses HTTP Basic credentials (RFC 7617): the scheme `Basic` in any case,
 * one or more spaces, and strict, padded, standard base64 (whitespace
 * around the whole value is allowed). The decoded text must be at most
 * %HALLWAY_PASSWORD_MAX_LEN bytes of valid UTF-8 without control
 * characters (NUL included), and contain a `:`. The user name is what
 * comes before the first `:`, the password all that follows.
 *
 * The outputs are only set on success. Wipe the password with
 * explicit_bzero() before freeing it.
 *
 * Returns: whether the header holds Basic credentials
 */
gboolean
hallway_basic_auth_parse (const char  *authorization_header,
                          char       **out_user,
                          char       **out_password)
{
  g_autofree guint8 *decoded = NULL;
  const char *p;
  const char *end;
  const char *colon;
  gsize decoded_len = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (out_user != NULL, FALSE);
  g_return_val_if_fail (out_password != NULL, FALSE);

  if (authorization_header == NULL)
    return FALSE;

  p = authorization_header;
  while (*p == ' ' || *p == '\t')
    p++;
  if (g_ascii_strncasecmp (p, "Basic", 5) != 0 || p[5] != ' ')
    return FALSE;
  p += 5;
  while (*p == ' ')
    p++;

  end = p + strlen (p);
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if ((gsize) (end - p) > MAX_BASIC_ENCODED_LEN)
    return FALSE;

  decoded = decode_base64_strict (p, (gsize) (end - p), &decoded_len);
  if (decoded == NULL)
    return FALSE;

  /* NUL and the other controls are refused by RFC 7617 §2; checking bytes
   * covers them all, since they never occur inside UTF-8 sequences. */
  if (decoded_len > HALLWAY_PASSWORD_MAX_LEN ||
      !g_utf8_validate_len ((const char *) decoded, decoded_len, NULL))
    ok = FALSE;
  for (gsize i = 0; ok && i < decoded_len; i++)
    {
      if (decoded[i] < 0x20 || decoded[i] == 0x7f)
        ok = FALSE;
    }

  colon = ok ? memchr (decoded, ':', decoded_len) : NULL;
  if (colon != NULL)
    {
      *out_user = g_strndup ((const char *) decoded, (gsize) (colon - (const char *) decoded));
      *out_password = g_strndup (colon + 1,
                                 decoded_len - (gsize) (colon - (const char *) decoded) - 1);
    }

  explicit_bzero (decoded, decoded_len);

  return colon != NULL;
}

/* Lockout */

typedef struct
{
  guint   failures;      /* wrong passwords since the record was made */
  guint   level;         /* locks so far: 1 locks for 30 s, 2 for 60 s… */
  gint64  last_failure;  /* usec */
  gint64  locked_until;  /* usec; only meaningful when level > 0 */
} Record;

struct _HallwayLockout
{
  GMutex      mutex;
  GHashTable *records;  /* (owned) address → (owned) Record */
};

/* Failures are forgotten once nothing happened for a quarter of an hour:
 * no failure, and no lock still running. */
static gint64
record_last_activity (const Record *record)
{
  if (record->level == 0)
    return record->last_failure;

  return MAX (record->last_failure, record->locked_until);
}

static gboolean
record_is_stale (const Record *record,
                 gint64        now_usec)
{
  return now_usec - record_last_activity (record) >= FORGET_USEC;
}

static gint64
lock_duration_usec (guint level)
{
  gint64 seconds = HALLWAY_LOCKOUT_FIRST_SECONDS;

  for (guint i = 1; i < level && seconds < HALLWAY_LOCKOUT_MAX_SECONDS; i++)
    seconds *= 2;

  return MIN (seconds, HALLWAY_LOCKOUT_MAX_SECONDS) * G_USEC_PER_SEC;
}

/* Looks up @address, dropping its record if stale. */
static Record *
lookup_fresh (HallwayLockout *self,
              const char     *address,
              gint64          now_usec)
{
  Record *record = g_hash_table_lookup (self->records, address);

  if (record != NULL && record_is_stale (record, now_usec))
    {
      g_hash_table_remove (self->records, address);
      record = NULL;
    }

  return record;
}

/* Makes room for one more record: the one idle longest goes. An attacker
 * with many addresses can push out a lock this way, but could also just
 * use another address; the bound is about memory. */
static void
evict_oldest (HallwayLockout *self)
{
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  gpointer oldest_key = NULL;
  gint64 oldest = G_MAXINT64;

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 activity = record_last_activity (value);

      if (oldest_key == NULL || activity < oldest)
        {
          oldest_key = key;
          oldest = activity;
        }
    }

  if (oldest_key != NULL)
    g_hash_table_remove (self->records, oldest_key);
}

/**
 * hallway_lockout_new:
 *
 * Creates an empty record of wrong passwords per client address.
 *
 * After %HALLWAY_LOCKOUT_MAX_TRIES wrong passwords an address is locked
 * out for %HALLWAY_LOCKOUT_FIRST_SECONDS; each wrong password after a lock
 * ends locks it again for twice as long as the previous lock, up to
 * %HALLWAY_LOCKOUT_MAX_SECONDS. Wrong passwords made while locked out (by
 * requests already under way) are not counted again. An address with no
 * wrong password and no lock for %HALLWAY_LOCKOUT_FORGET_SECONDS starts
 * afresh, as does one that gives the right password. At most
 * %HALLWAY_LOCKOUT_MAX_ADDRESSES addresses are remembered; the one idle
 * longest makes room for a new one.
 *
 * The functions may be called from any thread. Times are passed in, from
 * g_get_monotonic_time(), so tests can use a fake clock.
 *
 * Returns: (transfer full): a new lockout record
 */
HallwayLockout *
hallway_lockout_new (void)
{
  HallwayLockout *self = g_new0 (HallwayLockout, 1);

  g_mutex_init (&self->mutex);
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  return self;
}

/**
 * hallway_lockout_free:
 * @lockout: (nullable) (transfer full): a lockout record
 *
 * Frees @lockout.
 */
void
hallway_lockout_free (HallwayLockout *lockout)
{
  if (lockout == NULL)
    return;

  g_hash_table_unref (lockout->records);
  g_mutex_clear (&lockout->mutex);
  g_free (lockout);
}

/**
 * hallway_lockout_check:
 * @lockout: a lockout record
 * @address: the client's address
 * @now_usec: the monotonic time now, in microseconds
 * @out_retry_after_seconds: (out) (optional): how long the lock still
 *   lasts, rounded up, or 0 when not locked out
 *
 * Tells whether @address may try a password now. Call it before checking
 * a password, and again after [method@Hallway.Lockout.failure] to tell the
 * client at once when that failure locked it out.
 *
 * Returns: %FALSE if @address is locked out
 */
gboolean
hallway_lockout_check (HallwayLockout *lockout,
                       const char     *address,
                       gint64          now_usec,
                       guint          *out_retry_after_seconds)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Record *record;
  gint64 remaining;

  if (out_retry_after_seconds != NULL)
    *out_retry_after_seconds = 0;

  g_return_val_if_fail (lockout != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  locker = g_mutex_locker_new (&lockout->mutex);

  record = lookup_fresh (lockout, address, now_usec);
  if (record == NULL || record->level == 0 || now_usec >= record->locked_until)
    return TRUE;

  remaining = record->locked_until - now_usec;
  if (out_retry_after_seconds != NULL)
    *out_retry_after_seconds = (guint) ((remaining + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);

  return FALSE;
}

/**
 * hallway_lockout_failure:
 * @lockout: a lockout record
 * @address: the client's address
 * @now_usec: the monotonic time now, in microseconds
 *
 * Counts a wrong password from @address, which may lock it out.
 */
void
hallway_lockout_failure (HallwayLockout *lockout,
                         const char     *address,
                         gint64          now_usec)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Record *record;

  g_return_if_fail (lockout != NULL);
  g_return_if_fail (address != NULL);

  locker = g_mutex_locker_new (&lockout->mutex);

  record = lookup_fresh (lockout, address, now_usec);
  if (record == NULL)
    {
      if (g_hash_table_size (lockout->records) >= HALLWAY_LOCKOUT_MAX_ADDRESSES)
        evict_oldest (lockout);

      record = g_new0 (Record, 1);
      record->last_failure = now_usec;
      g_hash_table_insert (lockout->records, g_strdup (address), record);
    }

  record->last_failure = MAX (record->last_failure, now_usec);

  /* Requests checked before the lock began may still fail during it;
   * they should not double the lock on top of the one they caused. */
  if (record->level > 0 && now_usec < record->locked_until)
    return;

  record->failures++;
  if (record->level > 0 || record->failures >= HALLWAY_LOCKOUT_MAX_TRIES)
    {
      record->level = MIN (record->level + 1, 32);
      record->locked_until = now_usec + lock_duration_usec (record->level);
    }
}

/**
 * hallway_lockout_success:
 * @lockout: a lockout record
 * @address: the client's address
 *
 * Forgets the wrong passwords of @address, after it gave the right one.
 */
void
hallway_lockout_success (HallwayLockout *lockout,
                         const char     *address)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (lockout != NULL);
  g_return_if_fail (address != NULL);

  locker = g_mutex_locker_new (&lockout->mutex);
  g_hash_table_remove (lockout->records, address);
}
