/* test-state-file.c: the saver of hallwayd's state files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "hallway-state-file.h"
#include "hallway-test-utils.h"

typedef struct
{
  char       *dir;
  char       *path;
  char       *state;      /* what the owner would save now */
  guint       builds;
  guint       failures;
  const char *expected;   /* what wait_for_contents() waits for */
} Fixture;

static char *
build_cb (gpointer  user_data,
          gsize    *out_length)
{
  Fixture *f = user_data;

  f->builds++;
  *out_length = strlen (f->state);
  return g_strdup (f->state);
}

static void
failed_cb (HallwayStateFile *state_file,
           const GError     *error,
           Fixture          *f)
{
  g_assert_nonnull (error);
  f->failures++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hallway-test-state-XXXXXX", &error);
  g_assert_no_error (error);
  /* The folder is made on the first save. */
  f->path = g_build_filename (f->dir, "state", "saved.json", NULL);
  f->state = g_strdup ("[]");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hallway_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->state);
}

static void
set_state (Fixture    *f,
           const char *state)
{
  g_free (f->state);
  f->state = g_strdup (state);
}

static char *
dup_contents (Fixture *f)
{
  char *contents = NULL;

  if (!g_file_get_contents (f->path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

static gboolean
weak_ref_is_empty (gpointer user_data)
{
  g_autoptr(GObject) alive = g_weak_ref_get (user_data);

  return alive == NULL;
}

/* Drops the last reference the test holds and runs the main loop until
 * saves under way are done: each holds a reference until it ends. */
static void
finish (HallwayStateFile *state_file)
{
  GWeakRef ref;

  /* The last reference may go in the worker thread, which does not wake
   * the main loop; hallway_test_wait_until() looks again every 10 ms. */
  g_weak_ref_init (&ref, state_file);
  g_object_unref (state_file);
  g_assert_true (hallway_test_wait_until (weak_ref_is_empty, &ref, 10));
  g_weak_ref_clear (&ref);
}

static gboolean
contents_are_expected (gpointer user_data)
{
  Fixture *f = user_data;
  g_autofree char *contents = dup_contents (f);

  return g_strcmp0 (contents, f->expected) == 0;
}

/* Runs the main loop until the file holds @expected. */
static void
wait_for_contents (Fixture    *f,
                   const char *expected)
{
  f->expected = expected;
  g_assert_true (hallway_test_wait_until (contents_are_expected, f, 10));
}

static gboolean
has_failed (gpointer user_data)
{
  Fixture *f = user_data;

  return f->failures > 0;
}

static void
test_coalesced (Fixture       *f,
                gconstpointer  data)
{
  HallwayStateFile *state_file = hallway_state_file_new (f->path, build_cb, f);
  struct stat st;

  g_test_summary ("Saves asked for while one is written become one more save, of the "
                  "latest state, in a private file");

  set_state (f, "[1]");
  hallway_state_file_save (state_file);
  g_assert_cmpuint (f->builds, ==, 1);
  for (guint i = 2; i <= 100; i++)
    {
      g_autofree char *state = g_strdup_printf ("[%u]", i);

      set_state (f, state);
      hallway_state_file_save (state_file);
    }
  /* The first is still being written: nothing more was built. */
  g_assert_cmpuint (f->builds, ==, 1);
  wait_for_contents (f, "[100]");
  g_assert_cmpuint (f->builds, ==, 2);

  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  {
    g_autofree char *dir = g_path_get_dirname (f->path);

    g_assert_cmpint (g_stat (dir, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  }
  g_assert_cmpuint (f->failures, ==, 0);
  finish (state_file);
}

static void
test_newest_wins (Fixture       *f,
                  gconstpointer  data)
{
  g_test_summary ("A save in a worker thread that ends after a later save never puts the "
                  "older state back");

  /* Which write takes the file first depends on the threads; every time,
   * the state saved last is what stays. */
  for (guint round = 0; round < 20; round++)
    {
      HallwayStateFile *state_file = hallway_state_file_new (f->path, build_cb, f);
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;

      set_state (f, "\"older\"");
      hallway_state_file_save (state_file);
      set_state (f, "\"newer\"");
      g_assert_true (hallway_state_file_save_now (state_file, &error));
      g_assert_no_error (error);
      finish (state_file);

      contents = dup_contents (f);
      g_assert_cmpstr (contents, ==, "\"newer\"");
      g_assert_cmpint (g_unlink (f->path), ==, 0);
    }
}

static void
test_later (Fixture       *f,
            gconstpointer  data)
{
  HallwayStateFile *state_file = hallway_state_file_new (f->path, build_cb, f);
  gint64 start = g_get_monotonic_time ();

  g_test_summary ("Changes in quick succession are gathered into one save");

  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *state = g_strdup_printf ("[%u]", i);

      set_state (f, state);
      hallway_state_file_save_later (state_file, 100);
    }
  g_assert_cmpuint (f->builds, ==, 0);
  wait_for_contents (f, "[49]");
  g_assert_cmpuint (f->builds, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 100 * 1000);

  /* A save asked for at once does not wait for one gathered. */
  set_state (f, "[50]");
  hallway_state_file_save_later (state_file, 60 * 1000);
  set_state (f, "[51]");
  hallway_state_file_save (state_file);
  wait_for_contents (f, "[51]");
  g_assert_cmpuint (f->builds, ==, 2);
  finish (state_file);
  g_assert_cmpuint (f->builds, ==, 2);
}

static void
test_close (Fixture       *f,
            gconstpointer  data)
{
  HallwayStateFile *state_file = hallway_state_file_new (f->path, build_cb, f);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_test_summary ("Closing saves what waits, and the owner is never called again");

  set_state (f, "[\"waiting\"]");
  hallway_state_file_save_later (state_file, 60 * 1000);
  g_assert_true (hallway_state_file_close (state_file, &error));
  g_assert_no_error (error);
  contents = dup_contents (f);
  g_assert_cmpstr (contents, ==, "[\"waiting\"]");
  g_assert_cmpuint (f->builds, ==, 1);

  hallway_state_file_save (state_file);
  hallway_state_file_save_later (state_file, 1);
  g_assert_true (hallway_state_file_save_now (state_file, &error));
  finish (state_file);
  g_assert_cmpuint (f->builds, ==, 1);
}

static void
test_failed (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *blocker = g_build_filename (f->dir, "file", NULL);
  g_autofree char *path = g_build_filename (blocker, "saved.json", NULL);
  HallwayStateFile *state_file = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A save that can't be written is reported, to the caller or by a signal");

  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  state_file = hallway_state_file_new (path, build_cb, f);
  g_signal_connect (state_file, "failed", G_CALLBACK (failed_cb), f);

  g_assert_false (hallway_state_file_save_now (state_file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);

  hallway_state_file_save (state_file);
  g_assert_true (hallway_test_wait_until (has_failed, f, 10));
  g_assert_cmpuint (f->failures, ==, 1);
  finish (state_file);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/state-file/coalesced", Fixture, NULL, fixture_set_up, test_coalesced,
              fixture_tear_down);
  g_test_add ("/state-file/newest-wins", Fixture, NULL, fixture_set_up, test_newest_wins,
              fixture_tear_down);
  g_test_add ("/state-file/later", Fixture, NULL, fixture_set_up, test_later,
              fixture_tear_down);
  g_test_add ("/state-file/close", Fixture, NULL, fixture_set_up, test_close,
              fixture_tear_down);
  g_test_add ("/state-file/failed", Fixture, NULL, fixture_set_up, test_failed,
              fixture_tear_down);

  return g_test_run ();
}
