/* hallway-part-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing half-written ever carries a final name (DESIGN §5): whatever
 * receives a file (a WebDAV PUT, a colleague's drop, a download, a folder
 * stream) writes it under a hidden part name beside where it goes, puts
 * it on disk, and only then renames it into place, never replacing what
 * is there: a taken name becomes "report (2).pdf", as in GNOME Files.
 *
 * libsoup hands request bodies over 8 KiB at a time; HallwayPartWriter
 * gathers them into HALLWAY_BLOCK_SIZE writes. Failures are errno values,
 * so each caller says them in its own words (an HTTP status, a message).
 */
#include "config.h"

#include "hallway-part-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hallway-constants.h"
#include "hallway-transfer.h"

struct _HallwayPartWriter
{
  int         fd;       /* -1 once closed */
  GByteArray *buffer;   /* not written yet */
  guint64     size;     /* bytes in the file */
};

/**
 * hallway_write_all:
 * @fd: a file open for writing
 * @data: what to write at its position
 * @length: how much
 * @out_written: (out) (optional): how much was written, also on failure
 *
 * Returns: 0, or the errno of the write that failed
 */
int
hallway_write_all (int         fd,
                   const void *data,
                   gsize       length,
                   gsize      *out_written)
{
  const guint8 *p = data;
  gsize written = 0;
  int errsv = 0;

  while (written < length)
    {
      ssize_t n = write (fd, p + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          errsv = errno;
          break;
        }
      written += n;
    }
  if (out_written != NULL)
    *out_written = written;
  return errsv;
}

/**
 * hallway_part_writer_new:
 * @fd: a part file open for writing, positioned at @size; the writer owns it
 * @size: how much the file holds already
 *
 * Returns: (transfer full): a writer
 */
HallwayPartWriter *
hallway_part_writer_new (int     fd,
                         guint64 size)
{
  HallwayPartWriter *self;

  g_return_val_if_fail (fd >= 0, NULL);

  self = g_new0 (HallwayPartWriter, 1);
  self->fd = fd;
  self->size = size;
  self->buffer = g_byte_array_sized_new (HALLWAY_BLOCK_SIZE + 16 * 1024);
  return self;
}

/* Closes the file if still open; what was not flushed is dropped. */
void
hallway_part_writer_free (HallwayPartWriter *self)
{
  if (self == NULL)
    return;
  hallway_part_writer_close (self);
  g_byte_array_unref (self->buffer);
  g_free (self);
}

/**
 * hallway_part_writer_flush:
 * @self: a #HallwayPartWriter
 *
 * Writes what is gathered. On failure what was written of it still counts
 * in the size (a resumed copy continues from there) and the rest is
 * dropped.
 *
 * Returns: 0, or the errno: ENOSPC and EDQUOT mean the disk is full
 */
int
hallway_part_writer_flush (HallwayPartWriter *self)
{
  gsize written = 0;
  int errsv;

  g_return_val_if_fail (self != NULL, EINVAL);

  if (self->buffer->len == 0)
    return 0;
  if (self->fd < 0)
    return EBADF;
  errsv = hallway_write_all (self->fd, self->buffer->data, self->buffer->len, &written);
  self->size += written;
  g_byte_array_set_size (self->buffer, 0);
  return errsv;
}

/**
 * hallway_part_writer_append:
 * @self: a #HallwayPartWriter
 * @data: the next bytes
 * @length: how many
 *
 * Gathers @data, writing a block once there is enough for one.
 *
 * Returns: 0, or the errno of a write (see hallway_part_writer_flush())
 */
int
hallway_part_writer_append (HallwayPartWriter *self,
                            const void        *data,
                            gsize              length)
{
  g_return_val_if_fail (self != NULL, EINVAL);

  g_byte_array_append (self->buffer, data, length);
  if (self->buffer->len >= HALLWAY_BLOCK_SIZE)
    return hallway_part_writer_flush (self);
  return 0;
}

/* Returns: the bytes in the file, not counting what is gathered */
guint64
hallway_part_writer_get_size (HallwayPartWriter *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->size;
}

/* Returns: the bytes gathered and not written yet */
gsize
hallway_part_writer_get_buffered (HallwayPartWriter *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->buffer->len;
}

/**
 * hallway_part_writer_truncate:
 * @self: a #HallwayPartWriter
 * @size: what to keep of the file
 *
 * Drops what is gathered and what the file holds after @size.
 *
 * Returns: 0, or the errno
 */
int
hallway_part_writer_truncate (HallwayPartWriter *self,
                              guint64            size)
{
  g_return_val_if_fail (self != NULL, EINVAL);

  g_byte_array_set_size (self->buffer, 0);
  if (self->fd < 0)
    return EBADF;
  if (ftruncate (self->fd, size) != 0 || lseek (self->fd, size, SEEK_SET) < 0)
    return errno;
  self->size = size;
  return 0;
}

/**
 * hallway_part_writer_finish:
 * @self: a #HallwayPartWriter
 *
 * Writes what is gathered, puts the file on disk (fsync) and closes it:
 * then it can be placed. The file is closed also on failure.
 *
 * Returns: 0, or the errno
 */
int
hallway_part_writer_finish (HallwayPartWriter *self)
{
  int errsv;

  g_return_val_if_fail (self != NULL, EINVAL);

  errsv = hallway_part_writer_flush (self);
  if (errsv == 0 && self->fd >= 0 && fsync (self->fd) != 0)
    errsv = errno;
  if (errsv == 0 && self->fd < 0)
    errsv = EBADF;
  if (self->fd >= 0 && close (self->fd) != 0 && errsv == 0)
    errsv = errno;
  self->fd = -1;
  return errsv;
}

/* Closes the file, dropping what is gathered; the part file stays. */
void
hallway_part_writer_close (HallwayPartWriter *self)
{
  g_return_if_fail (self != NULL);

  g_byte_array_set_size (self->buffer, 0);
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

/**
 * hallway_syncfs_once:
 * @dir_fd: a folder a batch of part files went into
 * @synced: (element-type dev_t): the file systems synced so far
 *
 * Puts a whole batch of part files on disk with one syncfs() per file
 * system, rather than an fsync() per file: does nothing for a file system
 * already in @synced, and adds @dir_fd's.
 *
 * Returns: 0, or the errno
 */
int
hallway_syncfs_once (int     dir_fd,
                     GArray *synced)
{
  struct stat st;

  if (fstat (dir_fd, &st) != 0)
    return errno;
  for (guint i = 0; i < synced->len; i++)
    if (g_array_index (synced, dev_t, i) == st.st_dev)
      return 0;
  if (syncfs (dir_fd) != 0)
    return errno;
  g_array_append_val (synced, st.st_dev);
  return 0;
}

/**
 * hallway_part_file_place:
 * @dir_fd: the folder of the part file (or AT_FDCWD)
 * @part_name: the complete part file, relative to @dir_fd
 * @name: the name it should get there
 * @out_name: (out) (optional) (transfer full): the name it got
 *
 * Renames the part file to @name, or to "name (2).ext" and so on when
 * that is taken, never replacing anything (RENAME_NOREPLACE, or link()
 * where the file system has no such rename). The caller makes the file
 * durable first, and the folder after, when it matters.
 *
 * Returns: 0, or the errno; EEXIST when every name tried was taken
 */
int
hallway_part_file_place (int          dir_fd,
                         const char  *part_name,
                         const char  *name,
                         char       **out_name)
{
  g_return_val_if_fail (part_name != NULL, EINVAL);
  g_return_val_if_fail (name != NULL && *name != '\0', EINVAL);

  for (guint n = 1; n <= HALLWAY_TRANSFER_MAX_NAMES; n++)
    {
      g_autofree char *candidate = n == 1 ? g_strdup (name)
                                          : hallway_transfer_collision_name (name, n);
      gboolean placed = FALSE;

      if (renameat2 (dir_fd, part_name, dir_fd, candidate, RENAME_NOREPLACE) == 0)
        placed = TRUE;
      else if ((errno == EINVAL || errno == ENOSYS) &&
               linkat (dir_fd, part_name, dir_fd, candidate, 0) == 0)
        {
          unlinkat (dir_fd, part_name, 0);
          placed = TRUE;
        }
      if (placed)
        {
          if (out_name != NULL)
            *out_name = g_steal_pointer (&candidate);
          return 0;
        }
      if (errno != EEXIST)
        return errno;
    }
  return EEXIST;
}
