/* hallway-daemon-access.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each request is decided from what the client proved, never from what it
 * says: the certificate it presented in the TLS handshake (whose SHA-256 is
 * its device id) and, for password shares, HTTP Basic credentials over that
 * same TLS connection. Trusted colleagues get into password shares without
 * the password. Wrong passwords are counted per address and lock it out.
 */
#include "config.h"

#include "hallway-daemon-access.h"

#include <glib/gi18n.h>

#include "hallway-daemon-server.h"
#include "hallway-identity.h"
#include "hallway-password.h"

struct _HallwayDaemonAccess
{
  GObject             parent_instance;

  HallwayPins        *pins;
  HallwayLockout     *lockout;
  HallwayProblemFunc  problem_func;
  gpointer            problem_data;
};

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

static HallwayAccessDecision
check_password (HallwayDaemonAccess  *self,
                SoupServerMessage    *msg,
                HallwayShare         *share,
                char                **out_message,
                guint                *out_retry_after)
{
  const char *authorization;
  const char *address = soup_server_message_get_remote_host (msg);
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;
  gint64 now = g_get_monotonic_time ();
  gboolean ok;

  if (address == NULL)
    address = "";

  if (!hallway_lockout_check (self->lockout, address, now, out_retry_after))
    {
      *out_message = g_strdup_printf (_("Too many wrong passwords; try again in %u seconds"),
                                      *out_retry_after);
      return HALLWAY_ACCESS_LOCKED_OUT;
    }

  authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "Authorization");
  if (authorization == NULL)
    {
      *out_message = g_strdup_printf (_("“%s” is shared with a password"),
                                      hallway_share_get_name (share));
      return HALLWAY_ACCESS_UNAUTHORIZED;
    }

  ok = hallway_basic_auth_parse (authorization, &user, &password) &&
       hallway_password_verify (hallway_share_get_password_hash (share), password);
  if (password != NULL)
    explicit_bzero (password, strlen (password));

  if (!ok)
    {
      hallway_lockout_failure (self->lockout, address, now);
      if (!hallway_lockout_check (self->lockout, address, now, out_retry_after))
        {
          *out_message = g_strdup_printf (_("Too many wrong passwords; try again in %u seconds"),
                                          *out_retry_after);
          return HALLWAY_ACCESS_LOCKED_OUT;
        }
      *out_message = g_strdup (_("Wrong password"));
      return HALLWAY_ACCESS_UNAUTHORIZED;
    }

  hallway_lockout_success (self->lockout, address);
  return HALLWAY_ACCESS_ALLOWED;
}

/**
 * hallway_daemon_access_check:
 * @self: a #HallwayDaemonAccess
 * @msg: a request for something in @share
 * @share: the share
 * @out_message: (out) (transfer full): why not, in plain words
 * @out_retry_after: (out): seconds to wait, for %HALLWAY_ACCESS_LOCKED_OUT
 *
 * Decides whether the client of @msg may use @share at all. What it may do
 * there (read, write, drop) follows from the share's access mode.
 *
 * Returns: the decision
 */
HallwayAccessDecision
hallway_daemon_access_check (HallwayDaemonAccess  *self,
                             SoupServerMessage    *msg,
                             HallwayShare         *share,
                             char                **out_message,
                             guint                *out_retry_after)
{
  g_autofree char *client_id = NULL;
  const char *problem;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_ACCESS (self), HALLWAY_ACCESS_FORBIDDEN);
  g_return_val_if_fail (HALLWAY_IS_SHARE (share), HALLWAY_ACCESS_FORBIDDEN);

  *out_message = NULL;
  *out_retry_after = 0;

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
      return check_password (self, msg, share, out_message, out_retry_after);

    default:
      g_assert_not_reached ();
    }
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
}
