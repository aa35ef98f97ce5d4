/* hallway-daemon-access.h: who may use a shared folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "hallway-pins.h"
#include "hallway-share.h"

G_BEGIN_DECLS

typedef enum
{
  HALLWAY_ACCESS_ALLOWED,
  HALLWAY_ACCESS_UNAUTHORIZED,   /* 401: a password is needed, or was wrong */
  HALLWAY_ACCESS_FORBIDDEN,      /* 403 */
  HALLWAY_ACCESS_LOCKED_OUT,     /* 429: too many wrong passwords, from this address or for
                                  * this share; or too many being checked */
  HALLWAY_ACCESS_PENDING,        /* the password is being checked, the request paused */
} HallwayAccessDecision;

/* Runs a request again once its password was checked (see
 * hallway_daemon_access_check()). */
typedef void (*HallwayAccessResumeFunc) (SoupServerMessage *msg,
                                         gpointer           user_data);

/* Says whether a neighbour (by device id) has a known identity problem,
 * e.g. "identity-changed"; NULL or "" when none. */
typedef const char *(*HallwayProblemFunc) (const char *device_id,
                                           gpointer    user_data);

#define HALLWAY_TYPE_DAEMON_ACCESS (hallway_daemon_access_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDaemonAccess, hallway_daemon_access, HALLWAY, DAEMON_ACCESS, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDaemonAccess  *hallway_daemon_access_new          (HallwayPins         *pins);
void                  hallway_daemon_access_set_problem_func (HallwayDaemonAccess *self,
                                                              HallwayProblemFunc   func,
                                                              gpointer             user_data);
G_GNUC_WARN_UNUSED_RESULT
char                 *hallway_daemon_access_dup_client_id (SoupServerMessage  *msg);
gboolean              hallway_daemon_access_is_trusted   (HallwayDaemonAccess *self,
                                                          SoupServerMessage   *msg);
HallwayAccessDecision hallway_daemon_access_check        (HallwayDaemonAccess *self,
                                                          SoupServerMessage   *msg,
                                                          HallwayShare        *share,
                                                          HallwayAccessResumeFunc resume,
                                                          gpointer             resume_data,
                                                          GDestroyNotify       resume_destroy,
                                                          char               **out_message,
                                                          guint               *out_retry_after);
void                  hallway_daemon_access_reply        (SoupServerMessage   *msg,
                                                          HallwayShare        *share,
                                                          HallwayAccessDecision decision,
                                                          const char          *message,
                                                          guint                retry_after);

G_END_DECLS
