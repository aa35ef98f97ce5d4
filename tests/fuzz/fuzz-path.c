/* fuzz-path.c: libFuzzer target for WebDAV request path confinement
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a raw request path. Whatever hallway_path_split() accepts
 * must be a list of plain names that survives a trip through
 * hallway_path_join_href(), and whatever hallway_path_open() then opens,
 * in a small tree with links leading outside, must be inside the share.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "hallway-error.h"
#include "hallway-path.h"
#include "hallway-path-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static char *base_dir;       /* (owned) temporary, removed at exit */
static char *share_real;     /* (owned) real path of the share */
static int   share_fd = -1;  /* O_PATH */
static gboolean have_openat2;
static int lowest_free_fd = -1;

static void
remove_tree (const char *path)
{
  struct stat st;

  if (lstat (path, &st) != 0)
    return;

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
remove_base_dir (void)
{
  if (share_fd >= 0)
    close (share_fd);
  if (base_dir != NULL)
    remove_tree (base_dir);
}

static void
make (const char *relative,
      const char *link_target)
{
  g_autofree char *path = g_build_filename (base_dir, relative, NULL);

  if (link_target != NULL)
    g_assert (symlink (link_target, path) == 0);
  else if (g_str_has_suffix (path, "/"))
    g_assert (g_mkdir (path, 0700) == 0);
  else
    g_assert (g_file_set_contents (path, "x", 1, NULL));
}

/* A share with a few names the seed corpus uses, and links out of it. */
static void
set_up_tree (void)
{
  g_autofree char *share = NULL;
  char real[PATH_MAX];

  base_dir = g_dir_make_tmp ("hallway-fuzz-path-XXXXXX", NULL);
  g_assert (base_dir != NULL);
  atexit (remove_base_dir);

  make ("outside/", NULL);
  make ("outside/secret", NULL);
  make ("share/", NULL);
  make ("share/docs/", NULL);
  make ("share/docs/readme.txt", NULL);
  make ("share/.hidden", NULL);
  make ("share/docs/up", "..");
  make ("share/docs/in", "readme.txt");
  make ("share/in", "docs");
  make ("share/out", "../outside");
  make ("share/abs", "/");
  make ("share/etc", "../../../../../../../../etc");
  make ("share/loop", "loop");

  share = g_build_filename (base_dir, "share", NULL);
  g_assert (realpath (share, real) != NULL);
  share_real = g_strdup (real);
  share_fd = open (share, O_PATH | O_DIRECTORY | O_CLOEXEC);
  g_assert (share_fd >= 0);
}

static void
check_inside (int fd)
{
  g_autofree char *link = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autofree char *target = g_file_read_link (link, NULL);

  g_assert (target != NULL);
  g_assert (strcmp (target, share_real) == 0 ||
            (g_str_has_prefix (target, share_real) &&
             target[strlen (share_real)] == '/'));
}

static void
check_components (const char * const *components,
                  gboolean            allow_hidden)
{
  gsize total = 0;
  gsize n;

  for (n = 0; components[n] != NULL; n++)
    {
      const char *name = components[n];
      gsize len = strlen (name);

      g_assert (len > 0 && len <= HALLWAY_PATH_MAX_COMPONENT);
      g_assert (strcmp (name, ".") != 0 && strcmp (name, "..") != 0);
      g_assert (strchr (name, '/') == NULL && strchr (name, '\\') == NULL);
      g_assert (allow_hidden || name[0] != '.');
      g_assert (g_utf8_validate (name, -1, NULL));
      for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          g_assert (c >= 0x20 && !(c >= 0x7f && c <= 0x9f));
        }
      g_assert (hallway_path_component_is_valid (name, allow_hidden));
      total += len + (n > 0 ? 1 : 0);
    }

  g_assert (n <= HALLWAY_PATH_MAX_DEPTH);
  g_assert (total <= HALLWAY_PATH_MAX_TOTAL);
}

static void
check_round_trip (const char * const *components,
                  gboolean            allow_hidden)
{
  for (int is_folder = 0; is_folder <= 1; is_folder++)
    {
      g_autofree char *href = hallway_path_join_href ("/s", components, is_folder);
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) again = NULL;
      const char *rest;

      for (const char *p = href; *p != '\0'; p++)
        g_assert (g_ascii_isalnum (*p) || strchr ("-._~/%", *p) != NULL);

      g_assert (g_str_has_prefix (href, "/s"));
      rest = href + 2;
      if (*rest == '/')
        rest++;
      else
        g_assert (*rest == '\0' && components[0] == NULL && !is_folder);

      again = hallway_path_split (rest, allow_hidden, &error);
      g_assert (error == NULL);
      g_assert (g_strv_equal ((const char * const *) again, components));
    }
}

static void
check_open (const char * const *components)
{
  g_autoptr(GError) error = NULL;
  const char *name = NULL;
  int fd;

  fd = hallway_path_open (share_fd, components, O_PATH, 0, &error);
  g_assert ((fd >= 0) == (error == NULL));
  if (fd >= 0)
    {
      check_inside (fd);
      close (fd);
    }
  g_clear_error (&error);

  fd = hallway_path_open_parent (share_fd, components, &name, &error);
  g_assert ((fd >= 0) == (error == NULL));
  if (fd >= 0)
    {
      check_inside (fd);
      g_assert (name != NULL && hallway_path_component_is_valid (name, TRUE));
      close (fd);
    }
  else
    g_assert (components[0] != NULL || error->code == HALLWAY_ERROR_ACCESS_DENIED);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized = FALSE;
  g_auto(GStrv) hidden_too = NULL;
  g_autofree char *raw = NULL;

  if (!initialized)
    {
      /* A critical (a failed precondition) is a bug the fuzzer should
       * report, not a line on stderr. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      have_openat2 = _hallway_path_get_openat2_enabled ();
      set_up_tree ();
      initialized = TRUE;
    }

  /* Measured per input: libFuzzer itself opens and keeps descriptors
   * between inputs (corpus files), which must not count as our leak. */
  lowest_free_fd = dup (0);
  close (lowest_free_fd);

  /* Both modes, chosen by the input so a crash reproduces. */
  _hallway_path_set_openat2_enabled (have_openat2 && size > 0 && (data[size - 1] & 1) == 0);

  /* Request paths are C strings by the time they get here. An empty
   * input may come as NULL. */
  raw = size > 0 ? g_strndup ((const char *) data, size) : g_strdup ("");

  for (int allow_hidden = 1; allow_hidden >= 0; allow_hidden--)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) components = hallway_path_split (raw, allow_hidden, &error);

      g_assert ((components == NULL) != (error == NULL));
      if (components == NULL)
        {
          g_assert (error->domain == HALLWAY_ERROR);
          g_assert (error->code == HALLWAY_ERROR_INVALID_ARGUMENT ||
                    error->code == HALLWAY_ERROR_ACCESS_DENIED ||
                    (error->code == HALLWAY_ERROR_NOT_FOUND && !allow_hidden));
          g_assert (g_utf8_validate (error->message, -1, NULL));
          g_assert (strlen (error->message) < 200);
          /* Refusing a hidden name must not hide another problem. */
          if (!allow_hidden && error->code == HALLWAY_ERROR_NOT_FOUND)
            g_assert (hidden_too != NULL);
          continue;
        }

      check_components ((const char * const *) components, allow_hidden);
      check_round_trip ((const char * const *) components, allow_hidden);

      if (allow_hidden)
        {
          check_open ((const char * const *) components);
          hidden_too = g_steal_pointer (&components);
        }
      else
        {
          /* Stricter, never different. */
          g_assert (hidden_too != NULL);
          g_assert (g_strv_equal ((const char * const *) components,
                                  (const char * const *) hidden_too));
        }
    }

  /* No descriptor leaked: the lowest free one is still free. */
  {
    int fd = dup (0);

    g_assert (fd == lowest_free_fd);
    close (fd);
  }

  return 0;
}
