/* test-shares.c: the registry of shared folders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-utils.h"

#include <glib/gstdio.h>

#include "hallway-daemon-shares.h"
#include "hallway-error.h"
#include "hallway-password.h"

static guint damaged_warnings;

typedef struct
{
  char *dir;
  char *config;
  char *private_dir;
  char *folder;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hallway-shares-XXXXXX", &error);
  g_assert_no_error (error);
  f->config = g_build_filename (f->dir, "config", "shares.ini", NULL);
  f->private_dir = g_build_filename (f->dir, "data", "hallway", NULL);
  f->folder = g_build_filename (f->dir, "Projects", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->private_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (f->folder, 0700), ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hallway_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->config);
  g_free (f->private_dir);
  g_free (f->folder);
}

static void
test_add_persist_remove (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDaemonShares) shares = hallway_daemon_shares_new (f->config, f->private_dir);
  g_autoptr(HallwayDaemonShares) again = hallway_daemon_shares_new (f->config, f->private_dir);
  g_autofree char *contents = NULL;
  HallwayShare *share;
  GStatBuf st;

  g_test_summary ("Shares are saved privately, with a password hash only, and survive a reload");

  g_assert_true (hallway_daemon_shares_load (shares, &error));
  g_assert_cmpuint (hallway_daemon_shares_get_count (shares), ==, 0);

  share = hallway_daemon_shares_add (shares, f->folder, NULL, HALLWAY_SHARE_ACCESS_READ_WRITE,
                                     HALLWAY_SHARE_AUDIENCE_PASSWORD, "s3cret words", &error);
  g_assert_no_error (error);
  g_assert_nonnull (share);
  g_assert_cmpstr (hallway_share_get_name (share), ==, "Projects");
  g_assert_true (hallway_share_id_is_valid (hallway_share_get_id (share)));
  g_assert_true (hallway_password_verify (hallway_share_get_password_hash (share), "s3cret words"));

  g_assert_cmpint (g_stat (f->config, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (f->config, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "s3cret"));

  g_assert_true (hallway_daemon_shares_load (again, &error));
  g_assert_cmpuint (hallway_daemon_shares_get_count (again), ==, 1);
  share = hallway_daemon_shares_find (again, "PROJECTS");
  g_assert_nonnull (share);
  g_assert_cmpint (hallway_share_get_access (share), ==, HALLWAY_SHARE_ACCESS_READ_WRITE);
  g_assert_cmpint (hallway_share_get_audience (share), ==, HALLWAY_SHARE_AUDIENCE_PASSWORD);
  g_assert_true (hallway_share_check_available (share, NULL));
  g_assert_true (hallway_share_get_enabled (share));

  /* Switched off: kept with its settings, not counted, and still off after a reload. */
  g_assert_true (hallway_daemon_shares_set_enabled (again, "Projects", FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hallway_daemon_shares_get_count (again), ==, 0);
  g_assert_true (hallway_daemon_shares_load (shares, &error));
  share = hallway_daemon_shares_find (shares, "Projects");
  g_assert_nonnull (share);
  g_assert_false (hallway_share_get_enabled (share));
  g_assert_cmpint (hallway_share_get_audience (share), ==, HALLWAY_SHARE_AUDIENCE_PASSWORD);
  g_assert_false (hallway_daemon_shares_set_enabled (again, "nothing", TRUE, &error));
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (hallway_daemon_shares_set_enabled (again, "Projects", TRUE, &error));
  g_assert_cmpuint (hallway_daemon_shares_get_count (again), ==, 1);

  g_assert_true (hallway_daemon_shares_remove (again, "projects", &error));
  g_assert_cmpuint (hallway_daemon_shares_get_count (again), ==, 0);
  g_assert_true (g_file_test (f->folder, G_FILE_TEST_IS_DIR));
  g_assert_false (hallway_daemon_shares_remove (again, "projects", &error));
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND);
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(HallwayDaemonShares) shares = hallway_daemon_shares_new (f->config, f->private_dir);
  g_autofree char *missing = g_build_filename (f->dir, "nope", NULL);
  g_autofree char *file = g_build_filename (f->dir, "file.txt", NULL);
  g_autofree char *inside_private = g_build_filename (f->private_dir, "x", NULL);
  static const struct {
    const char *name;
    int code;
  } bad_names[] = {
    { "a/b", HALLWAY_ERROR_INVALID_ARGUMENT },
    { "tab\there", HALLWAY_ERROR_INVALID_ARGUMENT },
    { "..", HALLWAY_ERROR_INVALID_ARGUMENT },
    { "\xff\xfe", HALLWAY_ERROR_INVALID_ARGUMENT },
    { "0123456789012345678901234567890123456789012345678901234567890123456789",
      HALLWAY_ERROR_INVALID_ARGUMENT },
  };

  g_test_summary ("Bad folders, names and duplicates are refused with plain errors");

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_cmpint (g_mkdir (inside_private, 0700), ==, 0);

#define REFUSE(path, name, audience, password, code)                                      \
  G_STMT_START {                                                                          \
    g_autoptr(GError) e = NULL;                                                           \
    g_assert_null (hallway_daemon_shares_add (shares, path, name,                         \
                                              HALLWAY_SHARE_ACCESS_READ_ONLY, audience,   \
                                              password, &e));                             \
    g_assert_error (e, HALLWAY_ERROR, code);                                              \
  } G_STMT_END

  REFUSE (missing, NULL, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL, HALLWAY_ERROR_NOT_FOUND);
  /* A file is there, but is not a folder: said as such, not "no folder". */
  REFUSE (file, NULL, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL, HALLWAY_ERROR_INVALID_ARGUMENT);
  REFUSE ("relative/path", NULL, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL,
          HALLWAY_ERROR_INVALID_ARGUMENT);
  REFUSE ("/", NULL, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL, HALLWAY_ERROR_ACCESS_DENIED);
  REFUSE (f->private_dir, NULL, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL,
          HALLWAY_ERROR_ACCESS_DENIED);
  REFUSE (inside_private, NULL, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL,
          HALLWAY_ERROR_ACCESS_DENIED);
  REFUSE (f->folder, NULL, HALLWAY_SHARE_AUDIENCE_PASSWORD, NULL, HALLWAY_ERROR_INVALID_ARGUMENT);
  REFUSE (f->folder, NULL, HALLWAY_SHARE_AUDIENCE_PASSWORD, "", HALLWAY_ERROR_INVALID_ARGUMENT);
  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    REFUSE (f->folder, bad_names[i].name, HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL, bad_names[i].code);

  g_assert_nonnull (hallway_daemon_shares_add (shares, f->folder, "Work",
                                               HALLWAY_SHARE_ACCESS_READ_ONLY,
                                               HALLWAY_SHARE_AUDIENCE_TRUSTED, NULL, NULL));
  /* The same name (any case) or the same folder twice. */
  REFUSE (f->dir, "WORK", HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL, HALLWAY_ERROR_INVALID_ARGUMENT);
  REFUSE (f->folder, "Other", HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL,
          HALLWAY_ERROR_INVALID_ARGUMENT);
#undef REFUSE
}

static void
test_damaged_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDaemonShares) shares = hallway_daemon_shares_new (f->config, f->private_dir);
  g_autofree char *dir = g_path_get_dirname (f->config);
  g_autofree char *text = g_strdup_printf ("[share goodid1]\nname=Good\npath=%s\naccess=read-only\n"
                                           "audience=everyone\n"
                                           "[share BAD ID]\nname=Bad\npath=/tmp\naccess=read-only\n"
                                           "audience=everyone\n"
                                           "[share nopass1]\nname=NoPass\npath=/tmp\n"
                                           "access=read-only\naudience=password\n"
                                           "[share weird01]\nname=Weird\npath=/tmp\n"
                                           "access=everything\naudience=everyone\n",
                                           f->folder);

  g_test_summary ("Damaged entries are skipped; a password share without a hash is not opened");

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (f->config, text, -1, NULL));
  /* The daemon warns about each damaged entry. */
  damaged_warnings = 0;
  g_assert_true (hallway_daemon_shares_load (shares, &error));
  g_assert_cmpuint (damaged_warnings, ==, 3);
  g_assert_cmpuint (hallway_daemon_shares_get_count (shares), ==, 1);
  g_assert_nonnull (hallway_daemon_shares_find (shares, "Good"));
}

static void
test_invisible_names (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDaemonShares) shares = hallway_daemon_shares_new (f->config, f->private_dir);
  g_autoptr(HallwayDaemonShares) again = hallway_daemon_shares_new (f->config, f->private_dir);
  g_autofree char *marked = g_build_filename (f->dir, "Holiday\u200f", NULL);
  g_autofree char *text = NULL;
  HallwayShare *share;

  g_test_summary ("Bidi controls: refused in a share name given, removed from one taken");

  g_assert_cmpint (g_mkdir_with_parents (marked, 0700), ==, 0);

  share = hallway_daemon_shares_add (shares, f->folder, "Photos\u202egpj.exe",
                                     HALLWAY_SHARE_ACCESS_READ_ONLY,
                                     HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL, &error);
  g_assert_null (share);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Named after its folder, whose name came with a right-to-left mark. */
  share = hallway_daemon_shares_add (shares, marked, NULL, HALLWAY_SHARE_ACCESS_READ_ONLY,
                                     HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hallway_share_get_name (share), ==, "Holiday");

  /* Saved by an older Hallway with the override in it: kept, without. */
  text = g_strdup_printf ("[share oldshare]\nname=Old\u202eeman\npath=%s\naccess=read-only\n"
                          "audience=everyone\n", f->folder);
  g_assert_true (g_file_set_contents (f->config, text, -1, NULL));
  g_assert_true (hallway_daemon_shares_load (again, &error));
  g_assert_cmpuint (hallway_daemon_shares_get_count (again), ==, 1);
  g_assert_nonnull (hallway_daemon_shares_find (again, "Oldeman"));
}

/* g_test_expect_message() does not see structured log messages, so the
 * expected warnings are counted (and swallowed) by a writer of our own. */
static GLogWriterOutput
count_damaged_writer (GLogLevelFlags   level,
                      const GLogField *fields,
                      gsize            n_fields,
                      gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        strstr (fields[i].value, "damaged entry") != NULL && (level & G_LOG_LEVEL_WARNING))
      {
        damaged_warnings++;
        return G_LOG_WRITER_HANDLED;
      }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

int
main (int   argc,
      char *argv[])
{
  g_log_set_writer_func (count_damaged_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/daemon/shares/add-persist-remove", Fixture, NULL,
              fixture_set_up, test_add_persist_remove, fixture_tear_down);
  g_test_add ("/daemon/shares/refused", Fixture, NULL,
              fixture_set_up, test_refused, fixture_tear_down);
  g_test_add ("/daemon/shares/damaged-file", Fixture, NULL,
              fixture_set_up, test_damaged_file, fixture_tear_down);
  g_test_add ("/daemon/shares/invisible-names", Fixture, NULL,
              fixture_set_up, test_invisible_names, fixture_tear_down);

  return g_test_run ();
}
