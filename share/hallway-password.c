/* hallway-password.c: password shares: hashes, Basic auth and lockout
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Share passwords are stored as PBKDF2-HMAC-SHA256 hashes with a random
 * salt. Clients send them with HTTP Basic authentication, only ever over
 * TLS. Checking one is slow on purpose, so it runs in a thread of its own.
 * Guessing is slowed down per client address and per share: a few wrong
 * passwords lock the address, or the share, out for a while, longer each
 * time.
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

typedef struct
{
  char *stored;
  char *password;   /* wiped when freed */
} VerifyData;

static void
verify_data_free (VerifyData *data)
{
  g_free (data->stored);
  if (data->password != NULL)
    {
      explicit_bzero (data->password, strlen (data->password));
      g_free (data->password);
    }
  g_free (data);
}

static void
verify_thread (gpointer task_data,
               gpointer pool_data)
{
  g_autoptr(GTask) task = task_data;
  VerifyData *data = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_boolean (task, hallway_password_verify (data->stored, data->password));
}

/* Not GLib's pool for GTask: a burst of guesses must not hold the threads
 * the rest of the daemon's work waits for. */
static GThreadPool *
get_verify_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (verify_thread, NULL, HALLWAY_PASSWORD_THREADS,
                                                 FALSE, NULL));
  return pool;
}

/**
 * hallway_password_verify_async:
 * @stored: (nullable): a hash from [func@Hallway.password_hash]
 * @password: (nullable): the password to check
 * @cancellable: (nullable): a #GCancellable
 * @callback: called in the thread-default main context of the caller
 * @user_data: data for @callback
 *
 * Runs [func@Hallway.password_verify] in a thread of its own pool
 * (%HALLWAY_PASSWORD_THREADS), so the slow hash never holds up a main
 * loop. Checks wait in turn. The copy of @password is wiped when done.
 */
void
hallway_password_verify_async (const char          *stored,
                               const char          *password,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  VerifyData *data = g_new0 (VerifyData, 1);

  g_task_set_source_tag (task, hallway_password_verify_async);
  data->stored = g_strdup (stored);
  data->password = g_strdup (password);
  g_task_set_task_data (task, data, (GDestroyNotify) verify_data_free);

  if (!g_thread_pool_push (get_verify_pool (), g_object_ref (task), &error))
    {
      g_object_unref (task);
      g_task_return_error (task, g_steal_pointer (&error));
    }
}

/**
 * hallway_password_verify_finish:
 * @result: the result given to the callback
 * @error: return location for an error (only when cancelled)
 *
 * Returns: whether the password is right
 */
gboolean
hallway_password_verify_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hallway_password_verify_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * hallway_password_tag:
 * @key: (array fixed-size=32): %HALLWAY_PASSWORD_TAG_KEY_LEN random bytes,
 *   kept in memory only
 * @stored: the hash the password is checked against
 * @password: the password
 *
 * Computes HMAC-SHA256 under @key of @stored and @password, to recognise
 * credentials already checked without keeping them, or paying PBKDF2
 * again. Without @key the tag tells nothing about the password; since
 * @stored goes in, a new password (a new hash) gives new tags.
 *
 * Returns: (transfer full): the 32-byte tag
 */
GBytes *
hallway_password_tag (const guint8 *key,
                      const char   *stored,
                      const char   *password)
{
  g_autoptr(GHmac) hmac = NULL;
  guint8 tag[32];
  gsize tag_len = sizeof tag;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (stored != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);

  hmac = g_hmac_new (G_CHECKSUM_SHA256, key, HALLWAY_PASSWORD_TAG_KEY_LEN);
  /* The NUL ends @stored, which holds none, so no two inputs run together. */
  g_hmac_update (hmac, (const guchar *) stored, strlen (stored) + 1);
  g_hmac_update (hmac, (const guchar *) password, strlen (password));
  g_hmac_get_digest (hmac, tag, &tag_len);

  return g_bytes_new (tag, tag_len);
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
  guint   pending;       /* checks begun and not yet ended */
  gint64  last_failure;  /* usec */
  gint64  locked_until;  /* usec; only meaningful when level > 0 */
} Record;

struct _HallwayLockout
{
  GMutex      mutex;
  GHashTable *records;      /* (owned) key → (owned) Record */
  guint       max_tries;
  guint       max_seconds;
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
  return record->pending == 0 && now_usec - record_last_activity (record) >= FORGET_USEC;
}

static gint64
lock_duration_usec (const HallwayLockout *self,
                    guint                 level)
{
  gint64 seconds = HALLWAY_LOCKOUT_FIRST_SECONDS;

  for (guint i = 1; i < level && seconds < self->max_seconds; i++)
    seconds *= 2;

  return MIN (seconds, (gint64) self->max_seconds) * G_USEC_PER_SEC;
}

static gboolean
record_is_locked (const Record *record,
                  gint64        now_usec)
{
  return record->level > 0 && now_usec < record->locked_until;
}

static guint
seconds_left (const Record *record,
              gint64        now_usec)
{
  gint64 remaining = record->locked_until - now_usec;

  return (guint) ((remaining + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
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
 * use another address (the share's own lock holds them all); the bound is
 * about memory. Records with checks under way stay. */
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

      if (((Record *) value)->pending > 0)
        continue;
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
 * Creates an empty record of wrong passwords per client address, with
 * %HALLWAY_LOCKOUT_MAX_TRIES and %HALLWAY_LOCKOUT_MAX_SECONDS: see
 * [ctor@Hallway.Lockout.new_full].
 *
 * Returns: (transfer full): a new lockout record
 */
HallwayLockout *
hallway_lockout_new (void)
{
  return hallway_lockout_new_full (HALLWAY_LOCKOUT_MAX_TRIES, HALLWAY_LOCKOUT_MAX_SECONDS);
}

/**
 * hallway_lockout_new_full:
 * @max_tries: wrong passwords before the first lock
 * @max_seconds: the longest lock
 *
 * Creates an empty record of wrong passwords per key: a client address,
 * or a share for the wrong passwords of every address.
 *
 * After @max_tries wrong passwords a key is locked out for
 * %HALLWAY_LOCKOUT_FIRST_SECONDS; each wrong password after a lock ends
 * locks it again for twice as long as the previous lock, up to
 * @max_seconds. Wrong passwords made while locked out (by requests already
 * under way) are not counted again. A key with no wrong password and no
 * lock for %HALLWAY_LOCKOUT_FORGET_SECONDS starts afresh, as does one that
 * gives the right password ([method@Hallway.Lockout.success]). At most
 * %HALLWAY_LOCKOUT_MAX_ADDRESSES keys are remembered; the one idle longest
 * makes room for a new one.
 *
 * Checks that take a while (PBKDF2 in a thread) begin with
 * [method@Hallway.Lockout.begin], which also counts them while they run,
 * so a burst of requests cannot try more passwords at once than the lock
 * allows in all.
 *
 * The functions may be called from any thread. Times are passed in, from
 * g_get_monotonic_time(), so tests can use a fake clock.
 *
 * Returns: (transfer full): a new lockout record
 */
HallwayLockout *
hallway_lockout_new_full (guint max_tries,
                          guint max_seconds)
{
  HallwayLockout *self = g_new0 (HallwayLockout, 1);

  g_return_val_if_fail (max_tries > 0, NULL);

  g_mutex_init (&self->mutex);
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->max_tries = max_tries;
  self->max_seconds = MAX (max_seconds, HALLWAY_LOCKOUT_FIRST_SECONDS);

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

  if (out_retry_after_seconds != NULL)
    *out_retry_after_seconds = 0;

  g_return_val_if_fail (lockout != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  locker = g_mutex_locker_new (&lockout->mutex);

  record = lookup_fresh (lockout, address, now_usec);
  if (record == NULL || !record_is_locked (record, now_usec))
    return TRUE;

  if (out_retry_after_seconds != NULL)
    *out_retry_after_seconds = seconds_left (record, now_usec);

  return FALSE;
}

/* Makes a record for @key, making room first. */
static Record *
add_record (HallwayLockout *self,
            const char     *key,
            gint64          now_usec)
{
  Record *record = g_new0 (Record, 1);

  if (g_hash_table_size (self->records) >= HALLWAY_LOCKOUT_MAX_ADDRESSES)
    evict_oldest (self);
  record->last_failure = now_usec;
  g_hash_table_insert (self->records, g_strdup (key), record);
  return record;
}

/**
 * hallway_lockout_begin:
 * @lockout: a lockout record
 * @key: the client's address, or the share
 * @now_usec: the monotonic time now, in microseconds
 * @out_retry_after_seconds: (out) (optional): when refused, how long to
 *   wait: what is left of the lock, or 1 when only checks under way fill
 *   what the lock allows
 *
 * Begins a password check for @key, if it is not locked out and the
 * checks already under way could not lock it out by themselves: before
 * a first lock, no more at once than the wrong passwords still allowed;
 * after one, a single check at a time. End each check that began with
 * [method@Hallway.Lockout.failure], [method@Hallway.Lockout.success] or
 * [method@Hallway.Lockout.release].
 *
 * Returns: %FALSE if @key may not try a password now
 */
gboolean
hallway_lockout_begin (HallwayLockout *lockout,
                       const char     *key,
                       gint64          now_usec,
                       guint          *out_retry_after_seconds)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Record *record;
  guint allowed;

  if (out_retry_after_seconds != NULL)
    *out_retry_after_seconds = 0;

  g_return_val_if_fail (lockout != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  locker = g_mutex_locker_new (&lockout->mutex);

  record = lookup_fresh (lockout, key, now_usec);
  if (record != NULL && record_is_locked (record, now_usec))
    {
      if (out_retry_after_seconds != NULL)
        *out_retry_after_seconds = seconds_left (record, now_usec);
      return FALSE;
    }

  if (record == NULL)
    record = add_record (lockout, key, now_usec);
  allowed = record->level > 0 ? 1 : lockout->max_tries - MIN (record->failures,
                                                               lockout->max_tries - 1);
  if (record->pending >= allowed)
    {
      if (out_retry_after_seconds != NULL)
        *out_retry_after_seconds = 1;
      return FALSE;
    }

  record->pending++;
  return TRUE;
}

static void
end_pending (Record *record)
{
  if (record->pending > 0)
    record->pending--;
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
    record = add_record (lockout, address, now_usec);

  end_pending (record);
  record->last_failure = MAX (record->last_failure, now_usec);

  /* Requests checked before the lock began may still fail during it;
   * they should not double the lock on top of the one they caused. */
  if (record_is_locked (record, now_usec))
    return;

  record->failures++;
  if (record->level > 0 || record->failures >= lockout->max_tries)
    {
      record->level = MIN (record->level + 1, 32);
      record->locked_until = now_usec + lock_duration_usec (lockout, record->level);
    }
}

/* Ends a check begun with hallway_lockout_begin(); with @forget, also
 * forgets the wrong passwords of @key. */
static void
end_check (HallwayLockout *lockout,
           const char     *key,
           gboolean        forget)
{
  g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new (&lockout->mutex);
  Record *record = g_hash_table_lookup (lockout->records, key);

  if (record == NULL)
    return;
  end_pending (record);
  if (forget && record->pending == 0)
    g_hash_table_remove (lockout->records, key);
  else if (forget)
    record->failures = record->level = 0;
}

/**
 * hallway_lockout_success:
 * @lockout: a lockout record
 * @address: the client's address
 *
 * Forgets the wrong passwords of @address, after it gave the right one,
 * and ends a check begun with [method@Hallway.Lockout.begin].
 */
void
hallway_lockout_success (HallwayLockout *lockout,
                         const char     *address)
{
  g_return_if_fail (lockout != NULL);
  g_return_if_fail (address != NULL);

  end_check (lockout, address, TRUE);
}

/**
 * hallway_lockout_release:
 * @lockout: a lockout record
 * @key: the client's address, or the share
 *
 * Ends a check begun with [method@Hallway.Lockout.begin] that found the
 * right password, without forgetting wrong ones: a share keeps counting
 * the guesses of every address, whoever else knows its password.
 */
void
hallway_lockout_release (HallwayLockout *lockout,
                         const char     *key)
{
  g_return_if_fail (lockout != NULL);
  g_return_if_fail (key != NULL);

  end_check (lockout, key, FALSE);
}
