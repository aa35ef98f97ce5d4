/* hallway-test-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-utils.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

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

static void
list_tree (const char *dir,
           const char *prefix,
           GPtrArray  *out)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *rel = g_strconcat (prefix, name, NULL);
      GStatBuf st;

      if (g_lstat (path, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          g_autofree char *sub_prefix = g_strconcat (rel, "/", NULL);

          g_ptr_array_add (out, g_strconcat (rel, "/", NULL));
          list_tree (path, sub_prefix, out);
        }
      else
        g_ptr_array_add (out, g_strdup_printf ("%s %" G_GINT64_FORMAT, rel, (gint64) st.st_size));
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * hallway_test_dup_tree:
 * @dir: a folder
 *
 * Lists everything below @dir, sorted, one line each: "path/" for a
 * folder, "path size" for anything else (links are not followed), paths
 * relative to @dir. What a person would find there, to compare in one go.
 *
 * Returns: (transfer full): the lines, each ending in "\n"; "" for an
 *   empty or missing folder
 */
char *
hallway_test_dup_tree (const char *dir)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (NULL);

  list_tree (dir, "", entries);
  g_ptr_array_sort (entries, compare_strings);
  for (guint i = 0; i < entries->len; i++)
    g_string_append_printf (out, "%s\n", (const char *) g_ptr_array_index (entries, i));
  return g_string_free (g_steal_pointer (&out), FALSE);
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

static GPtrArray *
collect_argv (const char *argv0,
              va_list     args)
{
  GPtrArray *argv = g_ptr_array_new ();
  const char *arg;

  g_ptr_array_add (argv, (gpointer) argv0);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);
  return argv;
}

/**
 * hallway_test_run:
 * @error: return location for a #GError
 * @argv0: a program, looked for in PATH
 * @...: its arguments, then %NULL
 *
 * Runs a program to its end.
 *
 * Returns: whether it succeeded; @error then says how it failed and what
 *   it printed
 */
gboolean
hallway_test_run (GError     **error,
                  const char  *argv0,
                  ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *output = NULL;
  int status;
  va_list args;

  va_start (args, argv0);
  argv = collect_argv (argv0, args);
  va_end (args);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &output, NULL, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "%s: %s: ", argv0, output);
      return FALSE;
    }
  return TRUE;
}

static void
die_with_test (gpointer user_data)
{
  /* A test that fails aborts: the daemons it started must not outlive it. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/**
 * hallway_test_spawn_daemon:
 * @log_path: (nullable): where its output goes; %NULL to drop it
 * @error: return location for a #GError
 * @argv0: a program, looked for in PATH
 * @...: its arguments, then %NULL
 *
 * Starts a daemon that ends with the test, even when the test aborts.
 *
 * Returns: (transfer full) (nullable): the daemon
 */
GSubprocess *
hallway_test_spawn_daemon (const char  *log_path,
                           GError     **error,
                           const char  *argv0,
                           ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  va_list args;

  va_start (args, argv0);
  argv = collect_argv (argv0, args);
  va_end (args);
  if (log_path != NULL)
    {
      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
      g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
      g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
    }
  else
    launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                          G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

/**
 * hallway_test_stop_daemon:
 * @daemon: (inout) (nullable): a daemon, or %NULL
 *
 * Stops it (SIGTERM) and waits until it is gone.
 */
void
hallway_test_stop_daemon (GSubprocess **daemon)
{
  if (*daemon == NULL)
    return;
  g_subprocess_send_signal (*daemon, SIGTERM);
  g_subprocess_wait (*daemon, NULL, NULL);
  g_clear_object (daemon);
}

/**
 * hallway_test_run_with_session_bus:
 *
 * Runs the tests added with a private session bus (#GTestDBus), where the
 * daemon's objects are exported as hallwayd exports them.
 *
 * Returns: what g_test_run() returns
 */
int
hallway_test_run_with_session_bus (void)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  int status;

  g_test_dbus_up (bus);
  status = g_test_run ();
  g_test_dbus_down (bus);
  return status;
}

/**
 * hallway_test_skip_all:
 * @reason: why, in plain words (what is missing, how to get it)
 *
 * Says that the whole test program is skipped, in TAP.
 *
 * Returns: 77, the exit status meson takes for a skipped test
 */
int
hallway_test_skip_all (const char *reason)
{
  g_print ("1..0 # SKIP %s\n", reason);
  return 77;
}

/**
 * hallway_test_count_matches:
 * @haystack: a text
 * @needle: what to count
 *
 * Returns: how many times @needle is in @haystack (overlaps counted)
 */
guint
hallway_test_count_matches (const char *haystack,
                            const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}
