/* hallway-password.h: password shares: hashes, Basic auth and lockout
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* PBKDF2-HMAC-SHA256 rounds for new hashes (OWASP 2023). About 0.08 s on
 * a small two-core machine; only hashes with 100000 to 10000000 rounds are
 * accepted when verifying. */
#define HALLWAY_PASSWORD_ITERATIONS      600000
#define HALLWAY_PASSWORD_MIN_ITERATIONS  100000
#define HALLWAY_PASSWORD_MAX_ITERATIONS  10000000

/* Longer passwords and Basic credentials are refused. */
#define HALLWAY_PASSWORD_MAX_LEN         1024

/* Lockout policy, per client address... */
#define HALLWAY_LOCKOUT_MAX_TRIES        5        /* wrong passwords before a lock */
#define HALLWAY_LOCKOUT_FIRST_SECONDS    30       /* doubled with each later failure */
#define HALLWAY_LOCKOUT_MAX_SECONDS      3600
#define HALLWAY_LOCKOUT_FORGET_SECONDS   (15 * 60)
#define HALLWAY_LOCKOUT_MAX_ADDRESSES    4096

/* ...and per share, counting every address: a guesser with many addresses
 * (IPv6 gives one plenty) is slowed down all the same. */
#define HALLWAY_SHARE_LOCKOUT_MAX_TRIES   10
#define HALLWAY_SHARE_LOCKOUT_MAX_SECONDS 1800

/* Threads that run PBKDF2, away from the main loop. One leaves the other
 * core of a small office PC to everything else; the lockouts bound how
 * many checks wait for it. */
#define HALLWAY_PASSWORD_THREADS         1

/* A keyed hash of credentials (HMAC-SHA256), see hallway_password_tag(). */
#define HALLWAY_PASSWORD_TAG_KEY_LEN     32

G_GNUC_WARN_UNUSED_RESULT
char           *hallway_password_hash    (const char     *password);

gboolean        hallway_password_verify  (const char     *stored,
                                          const char     *password);

void            hallway_password_verify_async  (const char          *stored,
                                                const char          *password,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        hallway_password_verify_finish (GAsyncResult        *result,
                                                GError             **error);

G_GNUC_WARN_UNUSED_RESULT
GBytes         *hallway_password_tag     (const guint8   *key,
                                          const char     *stored,
                                          const char     *password);

gboolean        hallway_basic_auth_parse (const char     *authorization_header,
                                          char          **out_user,
                                          char          **out_password);

typedef struct _HallwayLockout HallwayLockout;

G_GNUC_WARN_UNUSED_RESULT
HallwayLockout *hallway_lockout_new      (void);
G_GNUC_WARN_UNUSED_RESULT
HallwayLockout *hallway_lockout_new_full (guint           max_tries,
                                          guint           max_seconds);
void            hallway_lockout_free     (HallwayLockout *lockout);

gboolean        hallway_lockout_check    (HallwayLockout *lockout,
                                          const char     *key,
                                          gint64          now_usec,
                                          guint          *out_retry_after_seconds);
gboolean        hallway_lockout_begin    (HallwayLockout *lockout,
                                          const char     *key,
                                          gint64          now_usec,
                                          guint          *out_retry_after_seconds);
void            hallway_lockout_failure  (HallwayLockout *lockout,
                                          const char     *key,
                                          gint64          now_usec);
void            hallway_lockout_success  (HallwayLockout *lockout,
                                          const char     *key);
void            hallway_lockout_release  (HallwayLockout *lockout,
                                          const char     *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayLockout, hallway_lockout_free)

G_END_DECLS
