/* hallway-daemon-access.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each request is decided from what the client proved, never from what it
 * says: the certificate it presented in the TLS handshake (whose SHA-256 is
 * its device id) and, for password shares, HTTP Basic credentials over that
 * same TLS connection. Trusted colleagues get into password shares without
 * the password.
 *
 * A password is checked with PBKDF2, slow on purpose, in a thread of its
 * own (hallway_password_verify_async()): the request waits, paused, and
 * runs again when the answer is in, so the main loop keeps serving
 * everyone else. Requests with the same credentials at the same time share
 * one check. Wrong passwords are counted per address and per share (from
 * every address), and lock each out for a while, longer each time; checks
 * under way count too, so a burst of guesses gets no further than one by
 * one.
 *
 * A connection that proved the password is believed for ten minutes: its
 * later requests with the same credentials skip PBKDF2, and the lockouts,
 * since they guess nothing. What is kept for that, on the connection's
 * socket, is a keyed hash of the credentials (hallway_password_tag()),
 * never the password: HMAC-SHA256 under a random key that exists only in
 * this process's memory, over the share's stored hash and the password.
 * Without the key it says nothing of the password; whoever can read this
 * process's memory could test guesses against it quickly, but could as
 * well read the shared files and the passwords of requests as they come.
 * Binding it to the connection, not to an address, means no one else can
 * use it: a guesser on another connection, even from the same address,
 * still pays PBKDF2 and the lockouts, and a right guess is never told
 * apart cheaply. A new password gives new tags, so old ones stop working.
 */
#include "config.h"

#include "hallway-daemon-access.h"

#include <glib/gi18n.h>

#include <gnutls/crypto.h>

#include "hallway-daemon-listener.h"
#include "hallway-daemon-server.h"
#include "hallway-identity.h"
#include "hallway-password.h"

/* How long a connection that proved a share's password is believed. */
#define VERIFIED_USEC (G_GINT64_CONSTANT (10 * 60) * G_USEC_PER_SEC)

#define VERDICT_KEY  "hallway-password-verdict"
#define VERIFIED_KEY "hallway-password-verified"

typedef enum
{
  VERDICT_NONE,
  VERDICT_RIGHT,
  VERDICT_WRONG,
} Verdict;

struct _HallwayDaemonAccess
{
  GObject             parent_instance;

  HallwayPins        *pins;
  HallwayLockout     *lockout;          /* per client address */
  HallwayLockout     *share_lockout;    /* per share, every address together */
  GHashTable         *verifications;    /* tag (GBytes) → Verification, while checked */
  guint8              tag_key[HALLWAY_PASSWORD_TAG_KEY_LEN];
  HallwayProblemFunc  problem_func;
  gpointer            problem_data;
};

/* A request waiting for its password to be checked. */
typedef struct
{
  SoupServerMessage       *msg;         /* (owned) */
  HallwayAccessResumeFunc  resume;
  gpointer                 resume_data; /* (owned) */
  GDestroyNotify           resume_destroy;
  gboolean                 gone;        /* finished or disconnected meanwhile */
} Waiter;

/* One PBKDF2 run, for every request with the same credentials. */
typedef struct
{
  HallwayDaemonAccess *self;            /* (owned) */
  GBytes              *tag;             /* (owned) */
  char                *address;         /* of the request that began it */
  char                *share_id;
  GPtrArray           *waiters;         /* (element-type Waiter) (owned) */
} Verification;

/* What a connection proved, per share. */
typedef struct
{
  GBytes *tag;                          /* (owned) */
  gint64  until;                        /* monotonic µs */
} Verified;

G_DEFINE_FINAL_TYPE (HallwayDaemonAccess, hallway_daemon_access, G_TYPE_OBJECT)

/**
 * hallway_daemon_access_new:
 * @pins: the neighbours this person trusts
 *
 * Returns: (transfer full): an access policy
 */
HallwayDaemonAccess *
hallway_daemon_access_new (HallwayPins *pins)
{
  HallwayDaemonAccess *self = g_object_new (HALLWAY_TYPE_DAEMON_ACCESS, NULL);

  self->pins = g_object_ref (pins);
  return self;
}

void
hallway_daemon_access_set_problem_func (HallwayDaemonAccess *self,
                                        HallwayProblemFunc   func,
                                        gpointer             user_data)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_ACCESS (self));

  self->problem_func = func;
  self->problem_data = user_data;
}

/**
 * hallway_daemon_access_dup_client_id:
 * @msg: a request
 *
 * Returns: (transfer full) (nullable): the device id of the certificate the
 *   client presented, or %NULL (a browser, a file manager)
 */
char *
hallway_daemon_access_dup_client_id (SoupServerMessage *msg)
{
  const char *id = hallway_daemon_listener_get_peer_id (msg);
  GTlsCertificate *certificate;

  /* The certificate belongs to the connection, which the listener keeps
   * (and whose device id it worked out once). */
  if (id != NULL)
    return g_strdup (id);
  certificate = hallway_daemon_listener_get_peer_certificate (msg);
  return certificate != NULL ? hallway_certificate_dup_device_id (certificate) : NULL;
}

static const char *
client_problem (HallwayDaemonAccess *self,
                const char          *client_id)
{
  const char *problem;

  if (client_id == NULL || self->problem_func == NULL)
    return NULL;
  problem = self->problem_func (client_id, self->problem_data);
  return problem != NULL && *problem != '\0' ? problem : NULL;
}

/**
 * hallway_daemon_access_is_trusted:
 * @self: a #HallwayDaemonAccess
 * @msg: a request
 *
 * Returns: whether the client proved to be a trusted colleague
 */
gboolean
hallway_daemon_access_is_trusted (HallwayDaemonAccess *self,
                                  SoupServerMessage   *msg)
{
  g_autofree char *client_id = hallway_daemon_access_dup_client_id (msg);

  g_return_val_if_fail (HALLWAY_IS_DAEMON_ACCESS (self), FALSE);

  return client_id != NULL && client_problem (self, client_id) == NULL &&
         hallway_pins_get_trusted (self->pins, client_id);
}

/* Passwords */

static void
waiter_gone_cb (SoupServerMessage *msg,
                Waiter            *waiter)
{
  waiter->gone = TRUE;
}

static void
waiter_free (Waiter *waiter)
{
  g_signal_handlers_disconnect_by_data (waiter->msg, waiter);
  g_object_unref (waiter->msg);
  if (waiter->resume_destroy != NULL)
    waiter->resume_destroy (waiter->resume_data);
  g_free (waiter);
}

static void
verification_free (Verification *verification)
{
  g_object_unref (verification->self);
  g_bytes_unref (verification->tag);
  g_free (verification->address);
  g_free (verification->share_id);
  g_ptr_array_unref (verification->waiters);
  g_free (verification);
}

static void
verified_free (Verified *verified)
{
  g_bytes_unref (verified->tag);
  g_free (verified);
}

static GHashTable *
connection_verified_table (SoupServerMessage *msg,
                           gboolean           create)
{
  GSocket *socket = hallway_daemon_listener_get_socket (msg);
  GHashTable *table;

  if (socket == NULL)
    return NULL;
  table = g_object_get_data (G_OBJECT (socket), VERIFIED_KEY);
  if (table == NULL && create)
    {
      table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) verified_free);
      g_object_set_data_full (G_OBJECT (socket), VERIFIED_KEY, table,
                              (GDestroyNotify) g_hash_table_unref);
    }
  return table;
}

static gboolean
connection_has_proved (SoupServerMessage *msg,
                       const char        *share_id,
                       GBytes            *tag,
                       gint64             now)
{
  GHashTable *table = connection_verified_table (msg, FALSE);
  Verified *verified = table != NULL ? g_hash_table_lookup (table, share_id) : NULL;

  return verified != NULL && now < verified->until && g_bytes_equal (verified->tag, tag);
}

static void
connection_proved (SoupServerMessage *msg,
                   const char        *share_id,
                   GBytes            *tag,
                   gint64             now)
{
  GHashTable *table = connection_verified_table (msg, TRUE);
  Verified *verified;

  if (table == NULL)
    return;
  verified = g_new0 (Verified, 1);
  verified->tag = g_bytes_ref (tag);
  verified->until = now + VERIFIED_USEC;
  g_hash_table_replace (table, g_strdup (share_id), verified);
}

/* Whether the address or the share is locked out, with why. */
static gboolean
is_locked_out (HallwayDaemonAccess  *self,
               const char           *address,
               HallwayShare         *share,
               gint64                now,
               char                **out_message,
               guint                *out_retry_after)
{
  if (!hallway_lockout_check (self->lockout, address, now, out_retry_after))
    {
      *out_message = g_strdup_printf (_("Too many wrong passwords; try again in %u seconds"),
                                      *out_retry_after);
      return TRUE;
    }
  if (!hallway_lockout_check (self->share_lockout, hallway_share_get_id (share), now,
                              out_retry_after))
    {
      /* Translators: %s is a shared folder's name, %u a number of seconds. */
      *out_message = g_strdup_printf (_("Too many wrong passwords were tried for “%s”; try "
                                        "again in %u seconds"),
                                      hallway_share_get_name (share), *out_retry_after);
      return TRUE;
    }
  return FALSE;
}

/* The answer to a wrong password, once it was counted. */
static HallwayAccessDecision
wrong_password (HallwayDaemonAccess  *self,
                const char           *address,
                HallwayShare         *share,
                gint64                now,
                char                **out_message,
                guint                *out_retry_after)
{
  if (is_locked_out (self, address, share, now, out_message, out_retry_after))
    return HALLWAY_ACCESS_LOCKED_OUT;
  *out_message = g_strdup (_("Wrong password"));
  return HALLWAY_ACCESS_UNAUTHORIZED;
}

static void
verified_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Verification *verification = user_data;
  HallwayDaemonAccess *self = verification->self;
  gboolean right = hallway_password_verify_finish (result, NULL);
  gint64 now = g_get_monotonic_time ();

  g_hash_table_remove (self->verifications, verification->tag);
  if (right)
    {
      hallway_lockout_success (self->lockout, verification->address);
      hallway_lockout_release (self->share_lockout, verification->share_id);
    }
  else
    {
      hallway_lockout_failure (self->lockout, verification->address, now);
      hallway_lockout_failure (self->share_lockout, verification->share_id, now);
    }

  for (guint i = 0; i < verification->waiters->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (verification->waiters, i);

      if (waiter->gone)
        continue;
      g_object_set_data (G_OBJECT (waiter->msg), VERDICT_KEY,
                         GINT_TO_POINTER (right ? VERDICT_RIGHT : VERDICT_WRONG));
      /* Unpausing takes effect from the main loop, and a pause the
       * request takes again while it runs (to read a file in a thread)
       * cancels it; the other way round it would be lost. */
      soup_server_message_unpause (waiter->msg);
      waiter->resume (waiter->msg, waiter->resume_data);
    }
  verification_free (verification);
}

static void
wait_for_verification (Verification            *verification,
                       SoupServerMessage       *msg,
                       HallwayAccessResumeFunc  resume,
                       gpointer                 resume_data,
                       GDestroyNotify           resume_destroy)
{
  Waiter *waiter = g_new0 (Waiter, 1);

  waiter->msg = g_object_ref (msg);
  waiter->resume = resume;
  waiter->resume_data = resume_data;
  waiter->resume_destroy = resume_destroy;
  g_signal_connect (msg, "finished", G_CALLBACK (waiter_gone_cb), waiter);
  g_signal_connect (msg, "disconnected", G_CALLBACK (waiter_gone_cb), waiter);
  g_ptr_array_add (verification->waiters, waiter);
  soup_server_message_pause (msg);
}

/* Decides on credentials already parsed; @password stays the caller's. */
static HallwayAccessDecision
check_credentials (HallwayDaemonAccess      *self,
                   SoupServerMessage        *msg,
                   HallwayShare             *share,
                   const char               *address,
                   const char               *password,
                   HallwayAccessResumeFunc   resume,
                   gpointer                  resume_data,
                   GDestroyNotify            resume_destroy,
                   char                    **out_message,
                   guint                    *out_retry_after)
{
  const char *share_id = hallway_share_get_id (share);
  const char *stored = hallway_share_get_password_hash (share);
  g_autoptr(GBytes) tag = hallway_password_tag (self->tag_key, stored, password);
  gint64 now = g_get_monotonic_time ();
  Verification *verification;

  if (connection_has_proved (msg, share_id, tag, now))
    return HALLWAY_ACCESS_ALLOWED;

  /* Back from a check in the worker thread. */
  switch (GPOINTER_TO_INT (g_object_steal_data (G_OBJECT (msg), VERDICT_KEY)))
    {
    case VERDICT_RIGHT:
      connection_proved (msg, share_id, tag, now);
      return HALLWAY_ACCESS_ALLOWED;
    case VERDICT_WRONG:
      return wrong_password (self, address, share, now, out_message, out_retry_after);
    case VERDICT_NONE:
    default:
      break;
    }

  if (is_locked_out (self, address, share, now, out_message, out_retry_after))
    return HALLWAY_ACCESS_LOCKED_OUT;

  verification = g_hash_table_lookup (self->verifications, tag);
  if (verification == NULL)
    {
      gboolean begun = hallway_lockout_begin (self->lockout, address, now, out_retry_after);

      if (begun && !hallway_lockout_begin (self->share_lockout, share_id, now, out_retry_after))
        {
          hallway_lockout_release (self->lockout, address);
          begun = FALSE;
        }
      if (!begun)
        {
          if (!is_locked_out (self, address, share, now, out_message, out_retry_after))
            {
              *out_retry_after = 1;
              /* Translators: %s is a shared folder's name. */
              *out_message = g_strdup_printf (_("Passwords for “%s” are being checked; try again "
                                                "in a moment"),
                                              hallway_share_get_name (share));
            }
          return HALLWAY_ACCESS_LOCKED_OUT;
        }

      verification = g_new0 (Verification, 1);
      verification->self = g_object_ref (self);
      verification->tag = g_bytes_ref (tag);
      verification->address = g_strdup (address);
      verification->share_id = g_strdup (share_id);
      verification->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
      g_hash_table_insert (self->verifications, verification->tag, verification);
      hallway_password_verify_async (stored, password, NULL, verified_cb, verification);
    }
  wait_for_verification (verification, msg, resume, resume_data, resume_destroy);
  return HALLWAY_ACCESS_PENDING;
}

static HallwayAccessDecision
check_password (HallwayDaemonAccess      *self,
                SoupServerMessage        *msg,
                HallwayShare             *share,
                HallwayAccessResumeFunc   resume,
                gpointer                  resume_data,
                GDestroyNotify            resume_destroy,
                char                    **out_message,
                guint                    *out_retry_after)
{
  const char *authorization;
  const char *address = soup_server_message_get_remote_host (msg);
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;
  HallwayAccessDecision decision;
  gint64 now = g_get_monotonic_time ();

  if (address == NULL)
    address = "";

  authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "Authorization");
  if (authorization == NULL)
    {
      g_autofree char *url = NULL;

      if (is_locked_out (self, address, share, now, out_message, out_retry_after))
        return HALLWAY_ACCESS_LOCKED_OUT;
      url = g_uri_to_string_partial (soup_server_message_get_uri (msg),
                                     G_URI_HIDE_QUERY | G_URI_HIDE_FRAGMENT);
      /* Hallway's own clients present a certificate, not a password: say
       * the two ways a person gets in. */
      *out_message = g_strdup_printf (_("“%s” is shared with a password. Open %s in a web "
                                        "browser, which asks for it, or ask its owner to share "
                                        "it with trusted colleagues and trust you (after "
                                        "comparing verification codes)."),
                                      hallway_share_get_name (share), url);
      return HALLWAY_ACCESS_UNAUTHORIZED;
    }

  if (!hallway_basic_auth_parse (authorization, &user, &password) ||
      hallway_share_get_password_hash (share) == NULL)
    {
      /* No password to check: not a guess at the share's, but counted
       * against the address, as a client that keeps sending it is broken. */
      hallway_lockout_failure (self->lockout, address, now);
      return wrong_password (self, address, share, now, out_message, out_retry_after);
    }

  decision = check_credentials (self, msg, share, address, password, resume, resume_data,
                                resume_destroy, out_message, out_retry_after);
  explicit_bzero (password, strlen (password));
  return decision;
}

static HallwayAccessDecision
decide (HallwayDaemonAccess      *self,
        SoupServerMessage        *msg,
        HallwayShare             *share,
        HallwayAccessResumeFunc   resume,
        gpointer                  resume_data,
        GDestroyNotify            resume_destroy,
        char                    **out_message,
        guint                    *out_retry_after)
{
  g_autofree char *client_id = NULL;
  const char *problem;

  client_id = hallway_daemon_access_dup_client_id (msg);
  problem = client_problem (self, client_id);
  if (problem != NULL)
    {
      *out_message = g_strdup (_("This computer's identity has changed since it was trusted; "
                                 "compare verification codes again before using it"));
      return HALLWAY_ACCESS_FORBIDDEN;
    }

  switch (hallway_share_get_audience (share))
    {
    case HALLWAY_SHARE_AUDIENCE_EVERYONE:
      return HALLWAY_ACCESS_ALLOWED;

    case HALLWAY_SHARE_AUDIENCE_TRUSTED:
      if (client_id != NULL && hallway_pins_get_trusted (self->pins, client_id))
        return HALLWAY_ACCESS_ALLOWED;
      *out_message = g_strdup_printf (_("“%s” is shared with trusted colleagues only; ask its "
                                        "owner to trust this computer"),
                                      hallway_share_get_name (share));
      return HALLWAY_ACCESS_FORBIDDEN;

    case HALLWAY_SHARE_AUDIENCE_PASSWORD:
      if (client_id != NULL && hallway_pins_get_trusted (self->pins, client_id))
        return HALLWAY_ACCESS_ALLOWED;
      return check_password (self, msg, share, resume, resume_data, resume_destroy,
                             out_message, out_retry_after);

    default:
      g_assert_not_reached ();
    }
}

/**
 * hallway_daemon_access_check:
 * @self: a #HallwayDaemonAccess
 * @msg: a request for something in @share
 * @share: the share
 * @resume: what runs the request again, when the answer is
 *   %HALLWAY_ACCESS_PENDING
 * @resume_data: (transfer full): data for @resume
 * @resume_destroy: (nullable): frees @resume_data once it is not needed:
 *   at once, unless the answer is %HALLWAY_ACCESS_PENDING
 * @out_message: (out) (transfer full): why not, in plain words
 * @out_retry_after: (out): seconds to wait, for %HALLWAY_ACCESS_LOCKED_OUT
 *
 * Decides whether the client of @msg may use @share at all. What it may do
 * there (read, write, drop) follows from the share's access mode.
 *
 * When a password must be checked, @msg is paused and the answer is
 * %HALLWAY_ACCESS_PENDING: leave the request alone. Once the check is
 * done, @msg is unpaused and @resume called, from the main loop, to run
 * the request again from where this was called; this function then
 * answers at once.
 *
 * Returns: the decision
 */
HallwayAccessDecision
hallway_daemon_access_check (HallwayDaemonAccess      *self,
                             SoupServerMessage        *msg,
                             HallwayShare             *share,
                             HallwayAccessResumeFunc   resume,
                             gpointer                  resume_data,
                             GDestroyNotify            resume_destroy,
                             char                    **out_message,
                             guint                    *out_retry_after)
{
  HallwayAccessDecision decision;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_ACCESS (self), HALLWAY_ACCESS_FORBIDDEN);
  g_return_val_if_fail (HALLWAY_IS_SHARE (share), HALLWAY_ACCESS_FORBIDDEN);

  *out_message = NULL;
  *out_retry_after = 0;

  decision = decide (self, msg, share, resume, resume_data, resume_destroy, out_message,
                     out_retry_after);
  if (decision != HALLWAY_ACCESS_PENDING && resume_destroy != NULL)
    resume_destroy (resume_data);
  return decision;
}

/**
 * hallway_daemon_access_reply:
 * @msg: the request
 * @share: the share asked for
 * @decision: a refusal from hallway_daemon_access_check()
 * @message: why, in plain words
 * @retry_after: seconds, for %HALLWAY_ACCESS_LOCKED_OUT
 *
 * Answers a refused request with the right status and headers.
 */
void
hallway_daemon_access_reply (SoupServerMessage     *msg,
                             HallwayShare          *share,
                             HallwayAccessDecision  decision,
                             const char            *message,
                             guint                  retry_after)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  switch (decision)
    {
    case HALLWAY_ACCESS_UNAUTHORIZED:
      {
        g_autofree char *realm = g_strescape (hallway_share_get_name (share), NULL);
        g_autofree char *challenge = g_strdup_printf ("Basic realm=\"%s\", charset=\"UTF-8\"",
                                                      realm);

        soup_message_headers_replace (headers, "WWW-Authenticate", challenge);
        hallway_daemon_server_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "password-required",
                                           message);
        break;
      }

    case HALLWAY_ACCESS_LOCKED_OUT:
      {
        g_autofree char *seconds = g_strdup_printf ("%u", retry_after);

        soup_message_headers_replace (headers, "Retry-After", seconds);
        hallway_daemon_server_reply_error (msg, 429, "locked-out",
                                           message);
        break;
      }

    case HALLWAY_ACCESS_FORBIDDEN:
    case HALLWAY_ACCESS_ALLOWED:
    case HALLWAY_ACCESS_PENDING:
    default:
      hallway_daemon_server_reply_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden", message);
      break;
    }
}

static void
hallway_daemon_access_finalize (GObject *object)
{
  HallwayDaemonAccess *self = HALLWAY_DAEMON_ACCESS (object);

  g_clear_object (&self->pins);
  g_clear_pointer (&self->lockout, hallway_lockout_free);
  g_clear_pointer (&self->share_lockout, hallway_lockout_free);
  g_clear_pointer (&self->verifications, g_hash_table_unref);
  explicit_bzero (self->tag_key, sizeof self->tag_key);

  G_OBJECT_CLASS (hallway_daemon_access_parent_class)->finalize (object);
}

static void
hallway_daemon_access_class_init (HallwayDaemonAccessClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hallway_daemon_access_finalize;
}

static void
hallway_daemon_access_init (HallwayDaemonAccess *self)
{
  self->lockout = hallway_lockout_new ();
  self->share_lockout = hallway_lockout_new_full (HALLWAY_SHARE_LOCKOUT_MAX_TRIES,
                                                  HALLWAY_SHARE_LOCKOUT_MAX_SECONDS);
  /* The table does not own the verifications: each frees itself when done
   * (and holds a reference on this object until then). */
  self->verifications = g_hash_table_new (g_bytes_hash, g_bytes_equal);
  if (gnutls_rnd (GNUTLS_RND_KEY, self->tag_key, sizeof self->tag_key) != 0)
    for (gsize i = 0; i < sizeof self->tag_key; i++)
      self->tag_key[i] = (guint8) g_random_int_range (0, 256);
}
