/* hallway-test-utils.h: helpers shared by the unit tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hallway-identity.h"

G_BEGIN_DECLS

void             hallway_test_remove_tree   (const char *path);
HallwayIdentity *hallway_test_make_identity (const char *dir,
                                             const char *name);
char            *hallway_test_dup_tree      (const char *dir);

/* Waiting on the main context for an event, the timeout only bounding a
 * failure. */
typedef gboolean (*HallwayTestCondition) (gpointer user_data);

gboolean      hallway_test_wait_until    (HallwayTestCondition   condition,
                                          gpointer               user_data,
                                          guint                  timeout_s);
gboolean      hallway_test_wait_flag     (const gboolean        *flag,
                                          guint                  timeout_s);
void          hallway_test_result_cb     (GObject               *source,
                                          GAsyncResult          *result,
                                          gpointer               user_data);
GAsyncResult *hallway_test_wait_result   (GAsyncResult         **result);

/* Other programs the tests need (cupsd, avahi-daemon, lpadmin). */
gboolean      hallway_test_run           (GError               **error,
                                          const char            *argv0,
                                          ...) G_GNUC_NULL_TERMINATED;
GSubprocess  *hallway_test_spawn_daemon  (const char            *log_path,
                                          GError               **error,
                                          const char            *argv0,
                                          ...) G_GNUC_NULL_TERMINATED;
void          hallway_test_stop_daemon   (GSubprocess          **daemon);
int           hallway_test_run_with_session_bus (void);
int           hallway_test_skip_all      (const char            *reason);
guint         hallway_test_count_matches (const char            *haystack,
                                          const char            *needle);

G_END_DECLS
