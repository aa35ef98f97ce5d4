/* hallway-daemon-webdav-tree.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DELETE, MKCOL, COPY and MOVE (RFC 4918 §9.3, §9.6, §9.8, §9.9). Trees are
 * walked with descriptors only: each folder is opened with O_NOFOLLOW
 * relative to its parent's descriptor and its entries are removed or
 * copied with *at() calls, so a symbolic link met on the way is acted on
 * itself and never followed out of the share. Copies are written to a part
 * file and renamed into place, as uploads are.
 */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* statx, renameat2, copy_file_range, O_PATH */
#endif
#include "config.h"

#include "hallway-daemon-webdav-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hallway-error.h"
#include "hallway-path.h"

static void
webdav_stat_from_stat (const struct stat *sb,
                       WebdavStat        *out)
{
  memset (out, 0, sizeof *out);
  out->is_dir = S_ISDIR (sb->st_mode);
  out->size = sb->st_size;
  out->dev = sb->st_dev;
  out->ino = sb->st_ino;
  out->mtime = sb->st_mtim.tv_sec;
  out->mtime_nsec = (gint64) sb->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) +
                    sb->st_mtim.tv_nsec;
}

/**
 * _webdav_remove_tree:
 * @self: the server
 * @share: the share it is in
 * @parent_fd: the folder holding @name
 * @name: a file, link or folder to remove, with everything in it
 * @out_errno: (out): the cause, on failure
 *
 * Returns: whether all of it was removed
 */
gboolean
_webdav_remove_tree (HallwayDaemonWebdav *self,
                     HallwayShare        *share,
                     int                  parent_fd,
                     const char          *name,
                     int                 *out_errno)
{
  struct stat sb;
  WebdavStat st;
  DIR *dir;
  struct dirent *dent;
  int fd;
  gboolean ok = TRUE;

  if (fstatat (parent_fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
    {
      *out_errno = errno;
      return FALSE;
    }
  webdav_stat_from_stat (&sb, &st);

  if (!S_ISDIR (sb.st_mode))
    {
      if (unlinkat (parent_fd, name, 0) < 0)
        {
          *out_errno = errno;
          return FALSE;
        }
      if (S_ISREG (sb.st_mode) && sb.st_nlink <= 1)
        _webdav_props_forget (self, share, &st);
      return TRUE;
    }

  fd = openat (parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || (dir = fdopendir (fd)) == NULL)
    {
      *out_errno = errno;
      if (fd >= 0)
        close (fd);
      return FALSE;
    }
  while (ok && (dent = readdir (dir)) != NULL)
    {
      if (strcmp (dent->d_name, ".") == 0 || strcmp (dent->d_name, "..") == 0)
        continue;
      ok = _webdav_remove_tree (self, share, dirfd (dir), dent->d_name, out_errno);
    }
  closedir (dir);
  if (!ok)
    return FALSE;

  if (unlinkat (parent_fd, name, AT_REMOVEDIR) < 0)
    {
      *out_errno = errno;
      return FALSE;
    }
  _webdav_props_forget (self, share, &st);
  return TRUE;
}

/* Opens the parent of @components (in a drop box, making the folders on
 * the way: its answers never tell which exist); answers the request on
 * failure. */
static int
open_parent_or_reply (WebdavRequest      *req,
                      const char * const *components,
                      const char        **out_name,
                      guint               missing_status)
{
  g_autoptr(GError) error = NULL;
  gboolean drop_box = hallway_share_get_access (req->share) == HALLWAY_SHARE_ACCESS_DROP_BOX;
  int fd = drop_box ? hallway_path_make_parent (req->root_fd, components, out_name, &error)
                    : hallway_path_open_parent (req->root_fd, components, out_name, &error);

  if (fd >= 0)
    return fd;
  if (g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND))
    _webdav_reply_error (req->msg, missing_status,
                         missing_status == SOUP_STATUS_NOT_FOUND
                         ? _("No such file or folder") : _("The folder does not exist"));
  else
    _webdav_reply_gerror (req->msg, error);
  return -1;
}

void
_webdav_handle_delete (WebdavRequest *req)
{
  const char *depth = soup_message_headers_get_one (req->request_headers, "Depth");
  const char *name = NULL;
  struct stat sb;
  WebdavStat st;
  int parent_fd;
  int errsv = 0;

  if (req->components[0] == NULL)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN,
                           _("The shared folder itself cannot be deleted"));
      return;
    }
  parent_fd = open_parent_or_reply (req, (const char * const *) req->components, &name,
                                    SOUP_STATUS_NOT_FOUND);
  if (parent_fd < 0)
    return;

  if (fstatat (parent_fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
    {
      close (parent_fd);
      _webdav_reply_error (req->msg, SOUP_STATUS_NOT_FOUND, _("No such file or folder"));
      return;
    }
  webdav_stat_from_stat (&sb, &st);
  if (S_ISDIR (sb.st_mode) && depth != NULL && g_ascii_strcasecmp (depth, "infinity") != 0)
    {
      close (parent_fd);
      _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST,
                           _("A folder is deleted with everything in it (Depth: infinity)"));
      return;
    }

  if (!_webdav_check_validators (req, S_ISREG (sb.st_mode) || S_ISDIR (sb.st_mode) ? &st : NULL) ||
      !_webdav_if_header_passes (req) ||
      !_webdav_check_locks (req, req->path, TRUE, TRUE))
    {
      close (parent_fd);
      return;
    }

  if (!_webdav_remove_tree (req->self, req->share, parent_fd, name, &errsv))
    {
      close (parent_fd);
      _webdav_reply_errno (req->msg, errsv, _("Could not delete"));
      return;
    }
  close (parent_fd);
  _webdav_locks_forget (req->self, req->share_id, req->path);
  soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

void
_webdav_handle_mkcol (WebdavRequest *req)
{
  gboolean drop_box = hallway_share_get_access (req->share) == HALLWAY_SHARE_ACCESS_DROP_BOX;
  const char *name = NULL;
  int parent_fd;
  int errsv;

  if (req->components[0] == NULL)
    {
      if (drop_box)
        {
          soup_server_message_set_status (req->msg, SOUP_STATUS_CREATED, NULL);
          return;
        }
      soup_message_headers_replace (req->response_headers, "Allow",
                                    "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, LOCK, UNLOCK");
      _webdav_reply_error (req->msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                           _("The folder already exists"));
      return;
    }
  parent_fd = open_parent_or_reply (req, (const char * const *) req->components, &name,
                                    SOUP_STATUS_CONFLICT);
  if (parent_fd < 0)
    return;

  if (!drop_box &&
      (!_webdav_if_header_passes (req) || !_webdav_check_locks (req, req->path, TRUE, FALSE)))
    {
      close (parent_fd);
      return;
    }

  if (mkdirat (parent_fd, name, 0777) < 0)
    {
      errsv = errno;
      close (parent_fd);
      if (errsv == EEXIST && drop_box)
        {
          /* A drop box never says what is already in it. */
          soup_server_message_set_status (req->msg, SOUP_STATUS_CREATED, NULL);
          return;
        }
      if (errsv == EEXIST)
        {
          soup_message_headers_replace (req->response_headers, "Allow",
                                        "OPTIONS, GET, HEAD, PUT, DELETE, COPY, MOVE, "
                                        "PROPFIND, PROPPATCH, LOCK, UNLOCK");
          _webdav_reply_error (req->msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                               _("Something with this name already exists"));
        }
      else
        _webdav_reply_errno (req->msg, errsv, _("Could not create the folder"));
      return;
    }
  close (parent_fd);
  soup_server_message_set_status (req->msg, SOUP_STATUS_CREATED, NULL);
}

/* COPY and MOVE */

static gboolean
copy_data (int  src_fd,
           int  dst_fd,
           int *out_errno)
{
  g_autofree char *block = NULL;

  /* In-kernel copy first (reflinks on file systems that have them). */
  for (;;)
    {
      ssize_t n = copy_file_range (src_fd, NULL, dst_fd, NULL, HALLWAY_BLOCK_SIZE * 16, 0);

      if (n == 0)
        return TRUE;
      if (n > 0)
        continue;
      if (errno == EINTR)
        continue;
      if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
        {
          *out_errno = errno;
          return FALSE;
        }
      break;
    }

  block = g_malloc (HALLWAY_BLOCK_SIZE);
  for (;;)
    {
      ssize_t n = read (src_fd, block, HALLWAY_BLOCK_SIZE);
      ssize_t done = 0;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *out_errno = errno;
          return FALSE;
        }
      if (n == 0)
        return TRUE;
      while (done < n)
        {
          ssize_t w = write (dst_fd, block + done, n - done);

          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            {
              *out_errno = errno;
              return FALSE;
            }
          done += w;
        }
    }
}

static gboolean
copy_file (HallwayDaemonWebdav *self,
           HallwayShare        *share,
           int                  src_dir,
           const char          *src_name,
           const struct stat   *src_sb,
           int                  dst_dir,
           const char          *dst_name,
           int                 *out_errno)
{
  g_autofree char *part = NULL;
  g_autofree char *suffix = g_uuid_string_random ();
  g_autofree char *stem = g_strndup (dst_name, 200);
  WebdavStat src_st;
  WebdavStat dst_st;
  int src_fd;
  int dst_fd;
  gboolean ok;

  suffix[8] = '\0';
  part = g_strdup_printf (".%s" HALLWAY_WEBDAV_PART_INFIX "%s", stem, suffix);

  src_fd = openat (src_dir, src_name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (src_fd < 0)
    {
      *out_errno = errno;
      return FALSE;
    }
  dst_fd = openat (dst_dir, part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   src_sb->st_mode & 0777);
  if (dst_fd < 0)
    {
      *out_errno = errno;
      close (src_fd);
      return FALSE;
    }

  ok = copy_data (src_fd, dst_fd, out_errno);
  if (ok && fsync (dst_fd) < 0)
    {
      *out_errno = errno;
      ok = FALSE;
    }
  if (ok && _webdav_stat_fd (src_fd, &src_st) && _webdav_stat_fd (dst_fd, &dst_st))
    _webdav_props_copy (self, share, src_fd, &src_st, dst_fd, &dst_st);
  close (src_fd);
  close (dst_fd);

  if (ok && renameat2 (dst_dir, part, dst_dir, dst_name, RENAME_NOREPLACE) < 0)
    {
      *out_errno = errno;
      ok = FALSE;
    }
  if (!ok)
    unlinkat (dst_dir, part, 0);
  return ok;
}

static gboolean
copy_tree (HallwayDaemonWebdav *self,
           HallwayShare        *share,
           int                  src_dir,
           const char          *src_name,
           int                  dst_dir,
           const char          *dst_name,
           gboolean             recursive,
           int                 *out_errno)
{
  struct stat sb;
  DIR *dir;
  struct dirent *dent;
  int src_fd;
  int dst_fd;
  gboolean ok = TRUE;

  if (fstatat (src_dir, src_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
    {
      *out_errno = errno;
      return FALSE;
    }

  if (S_ISLNK (sb.st_mode))
    {
      /* The link is copied as a link; it is resolved beneath the share
       * root whenever it is used, wherever it points. */
      char target[4096];
      ssize_t n = readlinkat (src_dir, src_name, target, sizeof target - 1);

      if (n < 0)
        {
          *out_errno = errno;
          return FALSE;
        }
      target[n] = '\0';
      if (symlinkat (target, dst_dir, dst_name) < 0)
        {
          *out_errno = errno;
          return FALSE;
        }
      return TRUE;
    }
  if (S_ISREG (sb.st_mode))
    return copy_file (self, share, src_dir, src_name, &sb, dst_dir, dst_name, out_errno);
  if (!S_ISDIR (sb.st_mode))
    return TRUE;   /* devices, sockets and FIFOs are not shared */

  if (mkdirat (dst_dir, dst_name, sb.st_mode & 0777) < 0)
    {
      *out_errno = errno;
      return FALSE;
    }
  src_fd = openat (src_dir, src_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  dst_fd = openat (dst_dir, dst_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (src_fd < 0 || dst_fd < 0)
    {
      *out_errno = errno;
      if (src_fd >= 0)
        close (src_fd);
      if (dst_fd >= 0)
        close (dst_fd);
      return FALSE;
    }
  {
    WebdavStat src_st;
    WebdavStat dst_st;

    if (_webdav_stat_fd (src_fd, &src_st) && _webdav_stat_fd (dst_fd, &dst_st))
      _webdav_props_copy (self, share, src_fd, &src_st, dst_fd, &dst_st);
  }

  if (recursive && (dir = fdopendir (src_fd)) != NULL)
    {
      while (ok && (dent = readdir (dir)) != NULL)
        {
          if (strcmp (dent->d_name, ".") == 0 || strcmp (dent->d_name, "..") == 0 ||
              (dent->d_name[0] == '.' && strstr (dent->d_name, HALLWAY_WEBDAV_PART_INFIX) != NULL))
            continue;
          ok = copy_tree (self, share, dirfd (dir), dent->d_name, dst_fd, dent->d_name, TRUE,
                          out_errno);
        }
      closedir (dir);
    }
  else
    close (src_fd);
  close (dst_fd);
  return ok;
}

static gboolean
is_same_or_below (const char *path,
                  const char *ancestor)
{
  gsize len = strlen (ancestor);

  if (len == 0)
    return TRUE;
  return strncmp (path, ancestor, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

void
_webdav_handle_copy_move (WebdavRequest *req,
                          gboolean       move)
{
  const char *overwrite_header = soup_message_headers_get_one (req->request_headers, "Overwrite");
  const char *depth = soup_message_headers_get_one (req->request_headers, "Depth");
  g_auto(GStrv) destination = NULL;
  g_autofree char *message = NULL;
  g_autofree char *dst_path = NULL;
  const char *src_name = NULL;
  const char *dst_name = NULL;
  gboolean overwrite = TRUE;
  gboolean recursive = TRUE;
  gboolean exists;
  struct stat src_sb;
  struct stat dst_sb;
  guint status;
  int src_parent = -1;
  int dst_parent = -1;
  int errsv = 0;
  gboolean ok;

  destination = _webdav_parse_destination (req, soup_message_headers_get_one (req->request_headers,
                                                                              "Destination"),
                                           &status, &message);
  if (destination == NULL)
    {
      _webdav_reply_error (req->msg, status, message);
      return;
    }
  dst_path = _webdav_join_path ((const char * const *) destination);

  if (overwrite_header != NULL)
    {
      if (g_ascii_strcasecmp (overwrite_header, "F") == 0)
        overwrite = FALSE;
      else if (g_ascii_strcasecmp (overwrite_header, "T") != 0)
        {
          _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST, _("Overwrite must be T or F"));
          return;
        }
    }
  if (depth != NULL)
    {
      if (!move && strcmp (depth, "0") == 0)
        recursive = FALSE;
      else if (g_ascii_strcasecmp (depth, "infinity") != 0)
        {
          _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST,
                               move ? _("A folder is moved with everything in it")
                                    : _("Depth must be 0 or infinity"));
          return;
        }
    }

  if (req->components[0] == NULL || destination[0] == NULL)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN,
                           _("The shared folder itself cannot be copied, moved or replaced"));
      return;
    }
  if (strcmp (req->path, dst_path) == 0)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN,
                           _("The source and the destination are the same"));
      return;
    }

  src_parent = open_parent_or_reply (req, (const char * const *) req->components, &src_name,
                                     SOUP_STATUS_NOT_FOUND);
  if (src_parent < 0)
    return;
  if (fstatat (src_parent, src_name, &src_sb, AT_SYMLINK_NOFOLLOW) < 0)
    {
      close (src_parent);
      _webdav_reply_error (req->msg, SOUP_STATUS_NOT_FOUND, _("No such file or folder"));
      return;
    }
  if (S_ISDIR (src_sb.st_mode) && recursive && is_same_or_below (dst_path, req->path))
    {
      close (src_parent);
      _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN,
                           _("A folder cannot be copied or moved into itself"));
      return;
    }

  dst_parent = open_parent_or_reply (req, (const char * const *) destination, &dst_name,
                                     SOUP_STATUS_CONFLICT);
  if (dst_parent < 0)
    {
      close (src_parent);
      return;
    }
  exists = fstatat (dst_parent, dst_name, &dst_sb, AT_SYMLINK_NOFOLLOW) == 0;

  if (exists && !overwrite)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_PRECONDITION_FAILED,
                           _("Something with this name already exists"));
      close (src_parent);
      close (dst_parent);
      return;
    }

  if (!_webdav_if_header_passes (req) ||
      (move && !_webdav_check_locks (req, req->path, TRUE, TRUE)) ||
      !_webdav_check_locks (req, dst_path, TRUE, TRUE))
    {
      close (src_parent);
      close (dst_parent);
      return;
    }

  if (exists)
    {
      if (!_webdav_remove_tree (req->self, req->share, dst_parent, dst_name, &errsv))
        {
          close (src_parent);
          close (dst_parent);
          _webdav_reply_errno (req->msg, errsv, _("Could not replace the destination"));
          return;
        }
      _webdav_locks_forget (req->self, req->share_id, dst_path);
    }

  if (move)
    {
      ok = renameat2 (src_parent, src_name, dst_parent, dst_name, RENAME_NOREPLACE) == 0;
      errsv = errno;
      if (!ok && errsv == EXDEV)
        ok = copy_tree (req->self, req->share, src_parent, src_name, dst_parent, dst_name,
                        TRUE, &errsv) &&
             _webdav_remove_tree (req->self, req->share, src_parent, src_name, &errsv);
      if (ok)
        _webdav_locks_forget (req->self, req->share_id, req->path);
    }
  else
    ok = copy_tree (req->self, req->share, src_parent, src_name, dst_parent, dst_name,
                    recursive, &errsv);

  close (src_parent);
  close (dst_parent);
  if (!ok)
    {
      _webdav_reply_errno (req->msg, errsv, move ? _("Could not move") : _("Could not copy"));
      return;
    }
  soup_server_message_set_status (req->msg,
                                  exists ? SOUP_STATUS_NO_CONTENT : SOUP_STATUS_CREATED, NULL);
}
