/* hallway-test-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-utils.h"

#include <glib/gstdio.h>

/**
 * hallway_test_remove_tree:
 * @path: a folder a test made
 *
 * Removes it and everything in it, without following symlinks out of it.
 */
void
hallway_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          hallway_test_remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

/**
 * hallway_test_make_identity:
 * @dir: a folder a test made
 * @name: a subfolder for this identity
 *
 * Returns: (transfer full): a new computer identity, created in @dir/@name
 */
HallwayIdentity *
hallway_test_make_identity (const char *dir,
                            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  HallwayIdentity *identity = hallway_identity_load_or_create (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (identity);
  return identity;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * hallway_test_wait_until:
 * @condition: what the test waits for
 * @user_data: for @condition
 * @timeout_s: how long at most
 *
 * Runs the main context until @condition holds. It is looked at again at
 * least every 10 ms, since some conditions change outside the main context
 * (a file, another process, a thread).
 *
 * Returns: whether @condition held in time
 */
gboolean
hallway_test_wait_until (HallwayTestCondition condition,
                         gpointer             user_data,
                         guint                timeout_s)
{
  gint64 end = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  guint tick = g_timeout_add (10, tick_cb, NULL);
  gboolean met;

  while (!(met = condition (user_data)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return met;
}

static gboolean
flag_is_set (gpointer user_data)
{
  return g_atomic_int_get ((const gint *) user_data);
}

/**
 * hallway_test_wait_flag:
 * @flag: set by a callback or a thread
 * @timeout_s: how long at most
 *
 * Returns: whether @flag was set in time
 */
gboolean
hallway_test_wait_flag (const gboolean *flag,
                        guint           timeout_s)
{
  return hallway_test_wait_until (flag_is_set, (gpointer) flag, timeout_s);
}

/**
 * hallway_test_result_cb:
 * @source: the object
 * @result: its result
 * @user_data: a `GAsyncResult **`, %NULL until then
 *
 * A #GAsyncReadyCallback that keeps the result for
 * hallway_test_wait_result().
 */
void
hallway_test_result_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/**
 * hallway_test_wait_result:
 * @result: where hallway_test_result_cb() puts the result
 *
 * Runs the main context until the result is in. The call itself bounds the
 * wait (its timeout, or the server's answer).
 *
 * Returns: (transfer none): *@result
 */
GAsyncResult *
hallway_test_wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}
