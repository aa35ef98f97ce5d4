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
