/* hallway-daemon-webdav-put.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PUT: the early handler accepts the request before its body arrives and
 * opens a hidden part file in the target folder; each piece of the body
 * goes to it through a HallwayPartWriter, one block in memory at a time;
 * once all of it is there the handler renames it into place. A body cut
 * off, refused or too large leaves nothing behind. In a drop box a taken
 * name is never overwritten nor revealed: the file gets a numbered name.
 */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* statx, renameat2, copy_file_range, O_PATH */
#endif
#include "config.h"

#include "hallway-daemon-webdav-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hallway-error.h"
#include "hallway-part-file.h"
#include "hallway-path.h"

#define PUT_DATA_KEY "hallway-webdav-put"

/* PUT: the early handler opens a part file, "got-chunk" fills it, the
 * handler renames it into place. */

typedef struct
{
  HallwayDaemonWebdav *self;
  WebdavRequest        req;
  int                  parent_fd;
  HallwayPartWriter   *part;          /* (nullable) until the part file is made */
  char                *name;
  char                *part_name;
  guint64              received;
  gboolean             existed;
  gboolean             create_only;   /* If-None-Match: * */
  gboolean             done;          /* renamed into place, or removed */
} PutState;

static void
put_discard (PutState *put)
{
  g_clear_pointer (&put->part, hallway_part_writer_free);
  if (!put->done && put->part_name != NULL && put->parent_fd >= 0)
    unlinkat (put->parent_fd, put->part_name, 0);
  put->done = TRUE;
}

static void
put_state_free (PutState *put)
{
  put_discard (put);
  if (put->parent_fd >= 0)
    close (put->parent_fd);
  g_free (put->name);
  g_free (put->part_name);
  _webdav_request_clear (&put->req);
  g_free (put);
}

static void
put_fail (PutState *put,
          int       errsv)
{
  SoupServerMessage *msg = put->req.msg;

  put_discard (put);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  if (errsv == EFBIG)
    _webdav_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, _("The file is too large"));
  else
    _webdav_reply_errno (msg, errsv, _("Could not save the file"));
}

static void
put_got_chunk_cb (SoupServerMessage *msg,
                  GBytes            *chunk,
                  gpointer           user_data)
{
  PutState *put = user_data;
  gsize size;
  gconstpointer data = g_bytes_get_data (chunk, &size);
  int errsv;

  if (put->done)
    return;

  put->received += size;
  if (put->received > put->self->max_body)
    {
      put_fail (put, EFBIG);
      return;
    }
  errsv = hallway_part_writer_append (put->part, data, size);
  if (errsv != 0)
    put_fail (put, errsv);
}

static void
put_finished_cb (SoupServerMessage *msg,
                 gpointer           user_data)
{
  /* Interrupted or answered early: nothing half-sent is kept. */
  put_discard (user_data);
}

/* Creates a hidden part file beside where @name goes in @dir_fd; returns
 * its descriptor, or -1 with errno set. */
int
_webdav_open_part_file (int          dir_fd,
                        const char  *name,
                        char       **out_part_name)
{
  g_autofree char *stem = g_strndup (name, 200);
  int fd = -1;

  for (guint tries = 0; fd < 0 && tries < 8; tries++)
    {
      g_autofree char *suffix = g_uuid_string_random ();

      suffix[8] = '\0';
      g_free (*out_part_name);
      *out_part_name = g_strdup_printf (".%s" HALLWAY_WEBDAV_PART_INFIX "%s", stem, suffix);
      fd = openat (dir_fd, *out_part_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0666);
      if (fd < 0 && errno != EEXIST)
        break;
    }
  if (fd < 0)
    {
      int errsv = errno;

      g_clear_pointer (out_part_name, g_free);
      errno = errsv;
    }
  return fd;
}

void
_webdav_put_prepare (HallwayDaemonWebdav *self,
                     SoupServerMessage   *msg,
                     const char          *path)
{
  g_autoptr(GError) error = NULL;
  PutState *put = g_new0 (PutState, 1);
  WebdavRequest *req = &put->req;
  HallwayShareAccess access;
  const char *name = NULL;
  WebdavStat st;
  goffset length;
  int fd = -1;

  put->self = self;
  put->parent_fd = -1;

  if (!_webdav_request_init (self, msg, path, req))
    {
      put_state_free (put);
      return;
    }

  access = hallway_share_get_access (req->share);
  if (access == HALLWAY_SHARE_ACCESS_READ_ONLY)
    {
      _webdav_reply_forbidden_method (req);
      put_state_free (put);
      return;
    }
  if (_webdav_is_share_root (req))
    {
      soup_message_headers_replace (req->response_headers, "Allow", HALLWAY_WEBDAV_ALLOW_READ_ONLY);
      _webdav_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                           _("The shared folder itself cannot be replaced"));
      put_state_free (put);
      return;
    }
  if (soup_message_headers_get_one (req->request_headers, "Content-Range") != NULL)
    {
      /* RFC 7231 §4.3.4: a partial PUT must be refused. */
      _webdav_reply_error (msg, SOUP_STATUS_BAD_REQUEST,
                           _("Partial uploads (Content-Range) are not supported"));
      put_state_free (put);
      return;
    }
  length = soup_message_headers_get_encoding (req->request_headers) == SOUP_ENCODING_CONTENT_LENGTH
    ? soup_message_headers_get_content_length (req->request_headers) : 0;
  if ((guint64) length > self->max_body)
    {
      soup_message_headers_replace (req->response_headers, "Connection", "close");
      _webdav_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, _("The file is too large"));
      put_state_free (put);
      return;
    }

  /* A drop box makes the folders on the way, so its answer (201) never
   * tells which are already there. */
  if (access == HALLWAY_SHARE_ACCESS_DROP_BOX)
    put->parent_fd = hallway_path_make_parent (req->root_fd,
                                               (const char * const *) req->components, &name,
                                               &error);
  else
    put->parent_fd = hallway_path_open_parent (req->root_fd,
                                               (const char * const *) req->components, &name,
                                               &error);
  if (put->parent_fd < 0)
    {
      if (g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND))
        _webdav_reply_error (msg, SOUP_STATUS_CONFLICT,
                             _("The folder to put the file in does not exist"));
      else
        _webdav_reply_gerror (msg, error);
      put_state_free (put);
      return;
    }
  put->name = g_strdup (name);

  if (access == HALLWAY_SHARE_ACCESS_READ_WRITE)
    {
      gboolean exists = _webdav_stat_at (put->parent_fd, name, &st);
      int errsv = errno;

      if (!exists && errsv != ENOENT && errsv != ELOOP)
        {
          _webdav_reply_errno (msg, errsv, _("Could not save the file"));
          put_state_free (put);
          return;
        }
      if (exists && st.is_dir)
        {
          soup_message_headers_replace (req->response_headers, "Allow",
                                        HALLWAY_WEBDAV_ALLOW_READ_WRITE);
          _webdav_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                               _("A folder cannot be replaced by a file"));
          put_state_free (put);
          return;
        }
      put->existed = exists || errsv == ELOOP;
      put->create_only = g_strcmp0 (soup_message_headers_get_one (req->request_headers,
                                                                  "If-None-Match"), "*") == 0;
      if (!_webdav_check_validators (req, exists ? &st : NULL) ||
          !_webdav_if_header_passes (req) ||
          !_webdav_check_locks (req, req->path, !put->existed, FALSE))
        {
          put_state_free (put);
          return;
        }
    }

  fd = _webdav_open_part_file (put->parent_fd, name, &put->part_name);
  if (fd < 0)
    {
      _webdav_reply_errno (msg, errno, _("Could not save the file"));
      put_state_free (put);
      return;
    }

  put->part = hallway_part_writer_new (fd, 0);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_object_set_data_full (G_OBJECT (msg), PUT_DATA_KEY, put,
                          (GDestroyNotify) put_state_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (put_got_chunk_cb), put);
  g_signal_connect (msg, "finished", G_CALLBACK (put_finished_cb), put);
}

static void
put_commit (PutState *put)
{
  WebdavRequest *req = &put->req;
  SoupServerMessage *msg = req->msg;
  gboolean replaced = FALSE;

  int errsv;

  if (put->done)
    return;
  errsv = hallway_part_writer_finish (put->part);
  if (errsv != 0)
    {
      put_fail (put, errsv);
      return;
    }

  if (hallway_share_get_access (req->share) == HALLWAY_SHARE_ACCESS_DROP_BOX)
    {
      /* Never overwrite, never tell: a taken name gets a number. */
      errsv = hallway_part_file_place (put->parent_fd, put->part_name, put->name, NULL);
      if (errsv != 0)
        {
          put_fail (put, errsv);
          return;
        }
      put->done = TRUE;
      _webdav_reply_empty (msg, SOUP_STATUS_CREATED);
      return;
    }

  if (put->create_only)
    {
      if (renameat2 (put->parent_fd, put->part_name, put->parent_fd, put->name,
                     RENAME_NOREPLACE) < 0)
        {
          errsv = errno;
          put_discard (put);
          if (errsv == EEXIST)
            _webdav_reply_error (msg, SOUP_STATUS_PRECONDITION_FAILED,
                                 _("The file already exists"));
          else
            _webdav_reply_errno (msg, errsv, _("Could not save the file"));
          return;
        }
    }
  else
    {
      WebdavStat old_st;
      WebdavStat new_st;

      replaced = _webdav_stat_at (put->parent_fd, put->name, &old_st) || errno == ELOOP;
      if (replaced && !old_st.is_dir && _webdav_stat_at (put->parent_fd, put->part_name, &new_st))
        {
          /* A new body does not change the properties people set. */
          int old_fd = openat (put->parent_fd, put->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
          int new_fd = openat (put->parent_fd, put->part_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

          if (old_fd >= 0 && new_fd >= 0)
            _webdav_props_copy (req->self, req->share, old_fd, &old_st, new_fd, &new_st);
          if (old_fd >= 0)
            close (old_fd);
          if (new_fd >= 0)
            close (new_fd);
        }
      if (renameat (put->parent_fd, put->part_name, put->parent_fd, put->name) < 0)
        {
          errsv = errno;
          put_discard (put);
          if (errsv == EISDIR)
            _webdav_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                 _("A folder cannot be replaced by a file"));
          else
            _webdav_reply_errno (msg, errsv, _("Could not save the file"));
          return;
        }
    }

  put->done = TRUE;
  _webdav_reply_empty (msg, replaced ? SOUP_STATUS_NO_CONTENT : SOUP_STATUS_CREATED);
}

/* The request a PUT's early handler accepted, once its body is in. */
WebdavRequest *
_webdav_put_get_request (SoupServerMessage *msg)
{
  PutState *put = g_object_get_data (G_OBJECT (msg), PUT_DATA_KEY);

  return put != NULL ? &put->req : NULL;
}

void
_webdav_put_commit (WebdavRequest *req)
{
  PutState *put = g_object_get_data (G_OBJECT (req->msg), PUT_DATA_KEY);

  if (put == NULL)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                           _("The upload could not be received"));
      return;
    }
  put_commit (put);
}
