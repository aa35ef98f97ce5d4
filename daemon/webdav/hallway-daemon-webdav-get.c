/* hallway-daemon-webdav-get.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GET and HEAD: a file with byte ranges (RFC 7233) and validators, a
 * folder's listing (hallway-daemon-webdav-listing.c), a folder stream
 * (hallway-daemon-webdav-bulk.c), or a file's SHA-256 for a client that
 * resumed a download. A file is streamed one block at a time, each read
 * with pread() when libsoup has written the previous one: it is never
 * mapped, so a file truncated while it is sent ends the response instead
 * of the daemon (SIGBUS).
 */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* statx, renameat2, copy_file_range, O_PATH */
#endif
#include "config.h"

#include "hallway-daemon-webdav-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hallway-digest.h"
#include "hallway-json.h"
#include "hallway-path.h"
#include "hallway-range.h"

/* GET and HEAD of a file */

typedef struct
{
  SoupServerMessage *msg;          /* (unowned) owns this */
  int                fd;
  goffset            offset;
  goffset            remaining;
  gboolean           aborted;
} FileStream;

static void
file_stream_free (FileStream *stream)
{
  if (stream->fd >= 0)
    close (stream->fd);
  g_free (stream);
}

static void
file_stream_push (FileStream *stream)
{
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  gsize want;
  gsize got = 0;
  char *block;

  if (stream->aborted)
    return;
  if (stream->remaining == 0)
    {
      soup_message_body_complete (body);
      return;
    }

  want = (gsize) MIN (stream->remaining, HALLWAY_BLOCK_SIZE);
  block = g_malloc (want);
  while (got < want)
    {
      ssize_t n = pread (stream->fd, block + got, want - got, stream->offset + got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += n;
    }

  if (got < want)
    {
      /* The file shrank (or became unreadable) since its length was sent:
       * the promised length cannot be kept, so the connection is closed to
       * tell the client the body is incomplete. */
      g_debug ("A shared file changed while it was sent; closing the connection");
      g_free (block);
      stream->aborted = TRUE;
      _webdav_cut_reply_short (stream->msg);
      return;
    }

  stream->offset += want;
  stream->remaining -= want;
  soup_message_body_append_take (body, (guchar *) block, want);
}

static void
file_wrote_chunk_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  file_stream_push (user_data);
}

static char *
content_type_for_name (const char *name)
{
  g_autofree char *type = g_content_type_guess (name, NULL, 0, NULL);
  char *mime = g_content_type_get_mime_type (type);

  return mime != NULL ? mime : g_strdup ("application/octet-stream");
}

static void
send_file (WebdavRequest    *req,
           int               fd,
           const WebdavStat *st,
           gboolean          head)
{
  g_autofree char *etag = _webdav_etag (st);
  g_autofree char *last_modified = _webdav_http_date (st->mtime);
  g_autofree char *mime = NULL;
  const char *name = _webdav_is_share_root (req)
                       ? ""
                       : req->components[g_strv_length (req->components) - 1];
  const char *range = soup_message_headers_get_one (req->request_headers, "Range");
  const char *if_range = soup_message_headers_get_one (req->request_headers, "If-Range");
  goffset start = 0;
  goffset end = st->size - 1;
  guint status = SOUP_STATUS_OK;
  FileStream *stream;

  soup_message_headers_replace (req->response_headers, "ETag", etag);
  soup_message_headers_replace (req->response_headers, "Last-Modified", last_modified);
  soup_message_headers_replace (req->response_headers, "Accept-Ranges", "bytes");

  if (!_webdav_check_validators (req, st))
    {
      close (fd);
      return;
    }

  if (range != NULL && !head &&
      (if_range == NULL || hallway_if_range_matches (if_range, etag, st->mtime)))
    {
      switch (hallway_range_parse (range, st->size, &start, &end))
        {
        case HALLWAY_RANGE_SATISFIABLE:
          {
            g_autofree char *content_range = g_strdup_printf ("bytes %" G_GOFFSET_FORMAT
                                                              "-%" G_GOFFSET_FORMAT
                                                              "/%" G_GOFFSET_FORMAT,
                                                              start, end, st->size);

            soup_message_headers_replace (req->response_headers, "Content-Range", content_range);
            status = SOUP_STATUS_PARTIAL_CONTENT;
            break;
          }

        case HALLWAY_RANGE_UNSATISFIABLE:
          {
            g_autofree char *content_range = g_strdup_printf ("bytes */%" G_GOFFSET_FORMAT,
                                                              st->size);

            close (fd);
            soup_message_headers_replace (req->response_headers, "Content-Range", content_range);
            _webdav_reply_error (req->msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
                                 _("The requested range is past the end of the file"));
            return;
          }

        case HALLWAY_RANGE_NONE:
        default:
          start = 0;
          end = st->size - 1;
          break;
        }
    }

  mime = content_type_for_name (name);
  soup_message_headers_set_content_type (req->response_headers, mime, NULL);
  soup_message_headers_set_content_length (req->response_headers, end - start + 1);
  soup_server_message_set_status (req->msg, status, NULL);

  if (head || end < start)
    {
      close (fd);
      return;
    }

  stream = g_new0 (FileStream, 1);
  stream->msg = req->msg;
  stream->fd = fd;
  stream->offset = start;
  stream->remaining = end - start + 1;
  soup_message_body_set_accumulate (soup_server_message_get_response_body (req->msg), FALSE);
  g_object_set_data_full (G_OBJECT (req->msg), "hallway-webdav-file", stream,
                          (GDestroyNotify) file_stream_free);
  g_signal_connect (req->msg, "wrote-chunk", G_CALLBACK (file_wrote_chunk_cb), stream);
  file_stream_push (stream);
}

/* GET …?digest=sha256: the SHA-256 of a file, so that a client that
 * resumed a download can check what it pieced together, end to end. The
 * file is read in a worker thread in large blocks, a few at a time; the
 * request waits, paused, meanwhile. A file that changes while it is read
 * is answered with 503, to be asked again. */

#define DIGEST_MAX_RUNNING 2

typedef struct
{
  SoupServerMessage *msg;     /* (owned) */
  int                fd;
  WebdavStat         st;      /* when the request came */
  gint               gone;    /* (atomic) the client went away meanwhile */
} DigestJob;

typedef struct
{
  char       *hex;
  WebdavStat  st;             /* after reading */
  gboolean    changed;
} DigestResult;

static guint  digests_running;
static GQueue digests_waiting = G_QUEUE_INIT;

static void digest_start (DigestJob *job);

static void
digest_job_free (DigestJob *job)
{
  g_signal_handlers_disconnect_by_data (job->msg, job);
  g_clear_object (&job->msg);
  if (job->fd >= 0)
    close (job->fd);
  g_free (job);
}

static void
digest_result_free (DigestResult *result)
{
  g_free (result->hex);
  g_free (result);
}

static void
digest_msg_gone_cb (SoupServerMessage *msg,
                    DigestJob         *job)
{
  g_atomic_int_set (&job->gone, TRUE);
}

static void
digest_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DigestJob *job = task_data;
  g_autoptr(GError) error = NULL;
  DigestResult *result = g_new0 (DigestResult, 1);
  goffset length = 0;

  result->hex = hallway_digest_sha256_fd (job->fd, &length, &job->gone, &error);
  if (result->hex == NULL)
    {
      digest_result_free (result);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  result->changed = !_webdav_stat_fd (job->fd, &result->st) ||
                    result->st.size != job->st.size || result->st.size != length ||
                    result->st.mtime_nsec != job->st.mtime_nsec;
  g_task_return_pointer (task, result, (GDestroyNotify) digest_result_free);
}

static void
digest_done_cb (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  DigestJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  DigestResult *result = g_task_propagate_pointer (G_TASK (res), &error);

  digests_running--;
  if (!g_atomic_int_get (&job->gone))
    {
      if (result == NULL)
        _webdav_reply_error (job->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                             _("Could not read the file"));
      else if (result->changed)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (job->msg),
                                        "Retry-After", "1");
          _webdav_reply_error (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                               _("The file changed while it was read"));
        }
      else
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();
          g_autofree char *etag = _webdav_etag (&result->st);
          char *body;
          gsize length;

          json_builder_begin_object (builder);
          hallway_json_add_string (builder, "sha256", result->hex);
          hallway_json_add_int (builder, "size", result->st.size);
          hallway_json_add_string (builder, "etag", etag);
          json_builder_end_object (builder);
          body = hallway_json_to_data (builder, FALSE, &length);
          soup_message_headers_replace (soup_server_message_get_response_headers (job->msg),
                                        "Cache-Control", "no-store");
          soup_server_message_set_status (job->msg, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (job->msg, "application/json", SOUP_MEMORY_TAKE,
                                            body, length);
        }
      soup_server_message_unpause (job->msg);
    }
  g_clear_pointer (&result, digest_result_free);

  job = g_queue_pop_head (&digests_waiting);
  if (job != NULL)
    digest_start (job);
}

static void
digest_start (DigestJob *job)
{
  g_autoptr(GTask) task = NULL;

  if (g_atomic_int_get (&job->gone))
    {
      digest_job_free (job);
      job = g_queue_pop_head (&digests_waiting);
      if (job == NULL)
        return;
      digest_start (job);
      return;
    }
  digests_running++;
  task = g_task_new (NULL, NULL, digest_done_cb, NULL);
  g_task_set_source_tag (task, digest_start);
  g_task_set_task_data (task, job, (GDestroyNotify) digest_job_free);
  g_task_run_in_thread (task, digest_thread);
}

static gboolean
wants_digest (WebdavRequest *req)
{
  g_autoptr(GHashTable) params = _webdav_dup_query (req);

  return params != NULL && g_strcmp0 (g_hash_table_lookup (params, "digest"), "sha256") == 0;
}

static void
send_digest (WebdavRequest    *req,
             int               fd,
             const WebdavStat *st)
{
  DigestJob *job = g_new0 (DigestJob, 1);

  job->msg = g_object_ref (req->msg);
  job->fd = fd;
  job->st = *st;
  g_signal_connect (job->msg, "finished", G_CALLBACK (digest_msg_gone_cb), job);
  g_signal_connect (job->msg, "disconnected", G_CALLBACK (digest_msg_gone_cb), job);
  soup_server_message_pause (job->msg);
  if (digests_running < DIGEST_MAX_RUNNING)
    digest_start (job);
  else
    g_queue_push_tail (&digests_waiting, job);
}

void
_webdav_handle_get (WebdavRequest *req,
                    gboolean       head)
{
  WebdavStat st;
  char *from = NULL;
  int fd;

  if (!head && _webdav_wants_bulk (req, &from))
    {
      /* The worker opens what was asked for itself. */
      _webdav_send_bulk (req, from);
      return;
    }

  /* O_NONBLOCK: opening a FIFO someone put in the share must not hang. */
  fd = _webdav_open_item (req, O_RDONLY | O_NOCTTY | O_NONBLOCK,
                          _("Only files and folders can be opened"), &st);
  if (fd < 0)
    return;

  if (st.is_dir)
    _webdav_send_folder (req, fd, head);
  else if (!head && wants_digest (req))
    send_digest (req, fd, &st);
  else
    send_file (req, fd, &st, head);
}
