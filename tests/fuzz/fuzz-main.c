/* fuzz-main.c: runs a fuzz target over saved inputs, without libFuzzer
 *
 * Builds with any compiler, so the seed corpus and every crash ever found
 * can run as an ordinary regression test. Arguments are files, or
 * directories whose files are all run. Output is TAP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static guint n_run;

static gboolean
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      printf ("not ok %u %s # %s\n", ++n_run, path, error->message);
      return FALSE;
    }

  /* Hand the target its own copy of exactly @length bytes, so a read past
   * the end shows up under ASan or valgrind. */
  {
    g_autofree uint8_t *copy = g_memdup2 (contents, length);

    LLVMFuzzerTestOneInput (copy, length);
  }

  printf ("ok %u %s\n", ++n_run, path);
  fflush (stdout);
  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
run_directory (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  gboolean ok = TRUE;

  if (dir == NULL)
    {
      printf ("not ok %u %s # %s\n", ++n_run, path, error->message);
      return FALSE;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&child));
    }

  /* Sorted, so that a failure is reported at the same place every time. */
  g_ptr_array_sort (files, compare_strings);
  for (guint i = 0; i < files->len; i++)
    ok &= run_file (g_ptr_array_index (files, i));

  return ok;
}

int
main (int   argc,
      char *argv[])
{
  gboolean ok = TRUE;

  if (argc < 2)
    {
      fprintf (stderr, "Usage: %s FILE-OR-DIRECTORY…\n", argv[0]);
      return EXIT_FAILURE;
    }

  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        ok &= run_directory (argv[i]);
      else
        ok &= run_file (argv[i]);
    }

  printf ("1..%u\n", n_run);

  if (n_run == 0)
    {
      fprintf (stderr, "No inputs found\n");
      return EXIT_FAILURE;
    }

  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
