/* hallway-daemon-drops-files.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The files an offer writes. Every name comes sanitized from
 * hallway-drop.c, and every folder and file is opened one name at a time
 * below the chosen folder with the confinement helpers, so a symbolic
 * link in the receive folder can't lead a write outside it. A file is
 * received into ".NAME.hallway-part" and, once complete, fsync'ed and
 * renamed into place without ever replacing an existing name.
 */
#include "config.h"

#include "hallway-daemon-drops-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hallway-error.h"
#include "hallway-path.h"
#include "hallway-transfer.h"

/* Removes the part files of an offer that ends unfinished: nothing half
 * received is left behind. */
void
_drops_offer_remove_parts (Offer *offer)
{
  int root_fd;

  if (offer->folder == NULL)
    return;
  root_fd = open (offer->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return;

  for (guint i = 0; i < offer->files->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, i);
      g_auto(GStrv) names = NULL;
      g_autoptr(GError) error = NULL;
      int dir_fd;

      if (file->writer != NULL)
        {
          file->writer->superseded = TRUE;
          file->writer = NULL;
        }
      if (file->complete || file->part == NULL || file->dir == NULL)
        continue;
      if (*file->dir == '\0')
        dir_fd = dup (root_fd);
      else
        {
          names = g_strsplit (file->dir, "/", -1);
          dir_fd = hallway_path_open (root_fd, (const char * const *) names,
                                      O_RDONLY | O_DIRECTORY, 0, &error);
        }
      if (dir_fd < 0)
        continue;
      unlinkat (dir_fd, file->part, 0);
      close (dir_fd);
      g_clear_pointer (&file->part, g_free);
      file->received = 0;
    }
  close (root_fd);
  _drops_offer_update_bytes (offer, TRUE);
}

/* A part file saved before a restart holds what was written then; what it
 * holds now is what counts. */
void
_drops_file_find_part (Offer    *offer,
                       DropFile *file)
{
  g_autoptr(GError) error = NULL;
  struct stat st;
  int root_fd;
  int dir_fd;

  file->received = 0;
  if (file->part == NULL || file->dir == NULL)
    return;
  root_fd = open (offer->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return;
  dir_fd = _drops_open_file_dir (offer, file, root_fd, FALSE, &error);
  close (root_fd);
  if (dir_fd < 0)
    return;
  if (fstatat (dir_fd, file->part, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode) &&
      (guint64) st.st_size <= file->size)
    file->received = st.st_size;
  close (dir_fd);
}

/* An empty file needs no bytes from the sender: it is made when the offer
 * is accepted, so a HEAD (Hallway-Received: 0, its whole size) is true. */
static gboolean
complete_empty_file (Offer     *offer,
                     DropFile  *file,
                     GError   **error)
{
  g_autoptr(HallwayPartWriter) part = NULL;
  int root_fd;
  int dir_fd;
  int fd;

  if (file->complete || file->size != 0)
    return TRUE;
  root_fd = open (offer->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s", g_strerror (errno));
      return FALSE;
    }
  dir_fd = _drops_open_file_dir (offer, file, root_fd, TRUE, error);
  close (root_fd);
  if (dir_fd < 0)
    return FALSE;
  fd = _drops_open_part (offer, file, dir_fd, error);
  close (dir_fd);
  if (fd < 0)
    return FALSE;
  part = hallway_part_writer_new (fd, 0);
  if (!_drops_commit_file (offer, file, part, error))
    return FALSE;
  file->complete = TRUE;
  return TRUE;
}

void
_drops_complete_empty_files (Offer *offer)
{
  for (guint i = 0; i < offer->accepted->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, g_array_index (offer->accepted, guint, i));
      g_autoptr(GError) error = NULL;

      if (!complete_empty_file (offer, file, &error))
        g_warning ("Could not create an empty file of offer %s: %s", offer->short_id,
                   error->message);
    }
  if (_drops_offer_all_complete (offer))
    _drops_offer_end (offer, STATE_DONE, NULL);
}

/* Folders: each name is opened below the one before with the confinement
 * helpers, so no link leads out; something other than a folder in the way
 * makes it "name (2)". The names found are kept, so a resumed file goes
 * to the same place. */
int
_drops_open_file_dir (Offer     *offer,
                      DropFile  *file,
                      int        root_fd,
                      gboolean   create,
                      GError   **error)
{
  g_auto(GStrv) wanted = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  const char *source = file->dir != NULL ? file->dir : file->path;
  guint n_folders;
  int dir_fd = dup (root_fd);

  wanted = *source != '\0' ? g_strsplit (source, "/", -1) : g_new0 (char *, 1);
  n_folders = g_strv_length (wanted);
  if (file->dir == NULL && n_folders > 0)
    n_folders--;   /* the file's own name */

  for (guint i = 0; i < n_folders && dir_fd >= 0; i++)
    {
      int next = -1;

      for (guint n = 1; next < 0 && n <= HALLWAY_TRANSFER_MAX_NAMES; n++)
        {
          g_autofree char *name = n == 1 ? g_strdup (wanted[i])
                                         : hallway_transfer_collision_name (wanted[i], n);
          const char *names[] = { name, NULL };
          g_autoptr(GError) local_error = NULL;

          next = hallway_path_open (dir_fd, names, O_RDONLY | O_DIRECTORY, 0, &local_error);
          if (next >= 0)
            {
              g_ptr_array_add (found, g_steal_pointer (&name));
              break;
            }
          if (errno == ENOENT && create)
            {
              if (mkdirat (dir_fd, name, 0777) == 0 || errno == EEXIST)
                {
                  g_clear_error (&local_error);
                  next = hallway_path_open (dir_fd, names, O_RDONLY | O_DIRECTORY, 0,
                                            &local_error);
                  if (next >= 0)
                    {
                      g_ptr_array_add (found, g_steal_pointer (&name));
                      break;
                    }
                }
            }
          /* Something else is in the way (a file, a link out): the next
           * number; a folder chosen before must be found as it was. */
          if (file->dir != NULL || (errno != ENOTDIR && errno != EEXIST && errno != ELOOP &&
                                    errno != EXDEV && errno != EACCES && errno != EPERM))
            {
              if (file->dir != NULL && errno == ENOENT)
                g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                             _("The folder “%s” is gone"), wanted[i]);
              else
                g_propagate_error (error, g_steal_pointer (&local_error));
              if (error != NULL && *error == NULL)
                g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED, "%s", g_strerror (errno));
              close (dir_fd);
              return -1;
            }
        }
      close (dir_fd);
      dir_fd = next;
    }

  if (dir_fd < 0)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                     _("Too many items called “%s”"), wanted[found->len]);
      return -1;
    }
  if (file->dir == NULL)
    {
      g_ptr_array_add (found, NULL);
      file->dir = g_strjoinv ("/", (char **) found->pdata);
    }
  return dir_fd;
}

static const char *
file_name (DropFile *file)
{
  const char *slash = strrchr (file->path, '/');

  return slash != NULL ? slash + 1 : file->path;
}

/* Opens (or creates) the part file of @file, positioned at its end. */
int
_drops_open_part (Offer     *offer,
                  DropFile  *file,
                  int        dir_fd,
                  GError   **error)
{
  int fd;

  if (file->part != NULL)
    {
      fd = openat (dir_fd, file->part, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0 || errno != ENOENT)
        {
          if (fd < 0)
            g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED, "%s", g_strerror (errno));
          return fd;
        }
      /* Gone (removed by hand): start it over. */
      g_clear_pointer (&file->part, g_free);
      file->received = 0;
    }

  /* Another offer may be receiving the same name here: each part file is
   * created, never taken over. */
  for (guint n = 1; n <= HALLWAY_TRANSFER_MAX_NAMES; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup (file_name (file))
                                     : hallway_transfer_collision_name (file_name (file), n);
      g_autofree char *part = hallway_transfer_part_name (name);

      fd = openat (dir_fd, part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
      if (fd >= 0)
        {
          file->part = g_steal_pointer (&part);
          file->received = 0;
          _drops_save (offer->self);
          return fd;
        }
      if (errno != EEXIST)
        break;
    }
  g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED, "%s", g_strerror (errno));
  return -1;
}

gboolean
_drops_offer_all_complete (Offer *offer)
{
  for (guint i = 0; i < offer->accepted->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, g_array_index (offer->accepted, guint, i));

      if (!file->complete)
        return FALSE;
    }
  return TRUE;
}

/* The part file is complete: make it the real file, under a free name.
 * @part is closed whatever happens. */
gboolean
_drops_commit_file (Offer              *offer,
                    DropFile           *file,
                    HallwayPartWriter  *part,
                    GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *final = NULL;
  int errsv = hallway_part_writer_finish (part);
  int root_fd;
  int dir_fd;

  if (errsv != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s", g_strerror (errsv));
      return FALSE;
    }

  root_fd = open (offer->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s", g_strerror (errno));
      return FALSE;
    }
  dir_fd = _drops_open_file_dir (offer, file, root_fd, FALSE, &local_error);
  close (root_fd);
  if (dir_fd < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  errsv = hallway_part_file_place (dir_fd, file->part, file_name (file), &final);
  if (errsv == 0)
    fsync (dir_fd);
  close (dir_fd);
  if (errsv != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s", g_strerror (errsv));
      return FALSE;
    }
  file->final = g_steal_pointer (&final);
  g_clear_pointer (&file->part, g_free);
  return TRUE;
}
