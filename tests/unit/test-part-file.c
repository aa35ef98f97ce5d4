/* test-part-file.c: writing part files and placing them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hallway-constants.h"
#include "hallway-part-file.h"
#include "hallway-test-utils.h"

typedef struct
{
  char *dir;
  int   dir_fd;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hallway-test-part-XXXXXX", &error);
  g_assert_no_error (error);
  f->dir_fd = open (f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (f->dir_fd, >=, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  close (f->dir_fd);
  hallway_test_remove_tree (f->dir);
  g_free (f->dir);
}

static goffset
size_of (Fixture    *f,
         const char *name)
{
  struct stat st;

  if (fstatat (f->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return -1;
  return st.st_size;
}

static char *
read_back (Fixture    *f,
           const char *name,
           gsize      *length)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, length, NULL));
  return contents;
}

static void
write_file (Fixture    *f,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static void
test_writer_blocks (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(HallwayPartWriter) writer = NULL;
  g_autofree guint8 *expected = g_malloc (3 * HALLWAY_BLOCK_SIZE + 100);
  g_autofree char *contents = NULL;
  gsize total = 3 * HALLWAY_BLOCK_SIZE + 100;
  gsize offset = 0;
  gsize length = 0;
  int fd;

  g_test_summary ("Small pieces of a body reach the file in whole blocks, and all of it "
                  "is there once finished");

  for (gsize i = 0; i < total; i++)
    expected[i] = (guint8) (i * 7 + i / 1000);
  fd = openat (f->dir_fd, ".a.part", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  g_assert_cmpint (fd, >=, 0);
  writer = hallway_part_writer_new (fd, 0);

  /* 8 KiB at a time, as libsoup hands them over. */
  while (offset < total)
    {
      gsize n = MIN (8192, total - offset);

      g_assert_cmpint (hallway_part_writer_append (writer, expected + offset, n), ==, 0);
      offset += n;
      g_assert_cmpuint (hallway_part_writer_get_size (writer) % HALLWAY_BLOCK_SIZE, ==, 0);
      g_assert_cmpint (size_of (f, ".a.part"), ==, hallway_part_writer_get_size (writer));
      g_assert_cmpuint (hallway_part_writer_get_size (writer) +
                        hallway_part_writer_get_buffered (writer), ==, offset);
    }
  g_assert_cmpuint (hallway_part_writer_get_size (writer), ==, 3 * HALLWAY_BLOCK_SIZE);
  g_assert_cmpint (hallway_part_writer_finish (writer), ==, 0);
  g_assert_cmpuint (hallway_part_writer_get_size (writer), ==, total);

  contents = read_back (f, ".a.part", &length);
  g_assert_cmpmem (contents, length, expected, total);

  /* Finished means closed: nothing more can be written. */
  g_assert_cmpint (hallway_part_writer_append (writer, "x", 1), ==, 0);
  g_assert_cmpint (hallway_part_writer_flush (writer), ==, EBADF);
}

static void
test_writer_resume_truncate (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(HallwayPartWriter) writer = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  int fd;

  g_test_summary ("A writer continues a part file where it ends, and drops what it is "
                  "told to");

  write_file (f, ".b.part", "hello ");
  fd = openat (f->dir_fd, ".b.part", O_WRONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (lseek (fd, 6, SEEK_SET), ==, 6);
  writer = hallway_part_writer_new (fd, 6);
  g_assert_cmpint (hallway_part_writer_append (writer, "world", 5), ==, 0);
  g_assert_cmpint (hallway_part_writer_flush (writer), ==, 0);
  g_assert_cmpuint (hallway_part_writer_get_size (writer), ==, 11);

  g_assert_cmpint (hallway_part_writer_append (writer, "!!! too much", 12), ==, 0);
  g_assert_cmpint (hallway_part_writer_truncate (writer, 6), ==, 0);
  g_assert_cmpuint (hallway_part_writer_get_buffered (writer), ==, 0);
  g_assert_cmpint (hallway_part_writer_append (writer, "there", 5), ==, 0);
  g_assert_cmpint (hallway_part_writer_finish (writer), ==, 0);

  contents = read_back (f, ".b.part", &length);
  g_assert_cmpstr (contents, ==, "hello there");
}

static void
test_writer_disk_full (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(HallwayPartWriter) writer = NULL;
  g_autofree guint8 *block = g_malloc0 (HALLWAY_BLOCK_SIZE);
  int fd = open ("/dev/full", O_WRONLY | O_CLOEXEC);

  g_test_summary ("A full disk is reported as ENOSPC, when the block is written and when "
                  "the file is finished");

  if (fd < 0)
    {
      g_test_skip ("No /dev/full here");
      return;
    }
  writer = hallway_part_writer_new (fd, 0);
  g_assert_cmpint (hallway_part_writer_append (writer, block, 100), ==, 0);
  g_assert_cmpint (hallway_part_writer_finish (writer), ==, ENOSPC);

  fd = open ("/dev/full", O_WRONLY | O_CLOEXEC);
  g_clear_pointer (&writer, hallway_part_writer_free);
  writer = hallway_part_writer_new (fd, 0);
  g_assert_cmpint (hallway_part_writer_append (writer, block, HALLWAY_BLOCK_SIZE), ==, ENOSPC);
  g_assert_cmpuint (hallway_part_writer_get_size (writer), ==, 0);
  g_assert_cmpuint (hallway_part_writer_get_buffered (writer), ==, 0);
}

static void
test_place (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *final = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *placed = NULL;

  g_test_summary ("A complete part file gets its name, or a free numbered one; nothing is "
                  "ever replaced");

  write_file (f, ".report.pdf.part", "first");
  g_assert_cmpint (hallway_part_file_place (f->dir_fd, ".report.pdf.part", "report.pdf", &final),
                   ==, 0);
  g_assert_cmpstr (final, ==, "report.pdf");
  g_assert_cmpint (size_of (f, ".report.pdf.part"), ==, -1);
  g_clear_pointer (&final, g_free);

  /* Taken by a file, then by a folder: the next free number. */
  g_assert_cmpint (mkdirat (f->dir_fd, "report (2).pdf", 0755), ==, 0);
  write_file (f, ".report.pdf.part", "second");
  g_assert_cmpint (hallway_part_file_place (f->dir_fd, ".report.pdf.part", "report.pdf", &final),
                   ==, 0);
  g_assert_cmpstr (final, ==, "report (3).pdf");
  kept = read_back (f, "report.pdf", NULL);
  g_assert_cmpstr (kept, ==, "first");
  placed = read_back (f, "report (3).pdf", NULL);
  g_assert_cmpstr (placed, ==, "second");

  /* As GNOME Files numbers them. */
  write_file (f, "archive.tar.gz", "");
  write_file (f, ".archive.part", "third");
  g_assert_cmpint (hallway_part_file_place (f->dir_fd, ".archive.part", "archive.tar.gz", NULL),
                   ==, 0);
  g_assert_cmpint (size_of (f, "archive (2).tar.gz"), ==, 5);

  /* A missing part file is an error, not a success. */
  g_assert_cmpint (hallway_part_file_place (f->dir_fd, ".gone.part", "gone", NULL), ==, ENOENT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/part-file/writer/blocks", Fixture, NULL, fixture_set_up, test_writer_blocks,
              fixture_tear_down);
  g_test_add ("/part-file/writer/resume-truncate", Fixture, NULL, fixture_set_up,
              test_writer_resume_truncate, fixture_tear_down);
  g_test_add ("/part-file/writer/disk-full", Fixture, NULL, fixture_set_up,
              test_writer_disk_full, fixture_tear_down);
  g_test_add ("/part-file/place", Fixture, NULL, fixture_set_up, test_place, fixture_tear_down);

  return g_test_run ();
}
