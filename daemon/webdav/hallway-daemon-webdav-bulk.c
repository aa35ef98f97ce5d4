/* hallway-daemon-webdav-bulk.c: a whole folder in one response
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "GET /shares/<id>/<folder>/?bulk=1" answers with everything in the
 * folder, at any depth, as one folder stream (share/hallway-bulk.c), so a
 * neighbour copying 10,000 small files waits for one round-trip instead of
 * 10,000. "&from=<name>" starts at that name in bulk order, for a copy that
 * was cut off. A file asked for this way comes as a stream of one record,
 * which lets the receiver handle big files and folders alike.
 *
 * What may be read is what GET may read: the request went through the same
 * checks (audience, drop boxes refused, hidden names as the share says),
 * every entry is opened with hallway_path_open() from the share's root and
 * O_NOFOLLOW, and symbolic links are left out (the receiver fetches what
 * the listing showed but the stream did not bring one file at a time, and
 * GET follows links that stay inside the share). Other special files are
 * left out too.
 *
 * A worker thread walks the tree and reads the files, packing records
 * into 256 KiB blocks; at most a few blocks wait to be sent, so memory is
 * bounded however slow the client. Each file's size is sent before its
 * bytes: one that shrinks, grows or changes while it is read cannot be
 * sent as it is, so the connection is closed without the end record and
 * the receiver discards that file (and asks again from there).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hallway-bulk.h"
#include "hallway-daemon-webdav-private.h"
#include "hallway-path.h"

#define BULK_MAX_QUEUED  4     /* blocks waiting to be sent */
#define BULK_MAX_RUNNING 8     /* streams at once */

typedef struct
{
  gatomicrefcount     ref_count;
  SoupServerMessage  *msg;          /* (owned) (nullable) main thread only; NULL once gone */
  GMutex              lock;
  GCond               cond;
  GQueue              blocks;       /* GBytes, at most BULK_MAX_QUEUED */
  gboolean            produced;     /* the worker is done */
  gboolean            complete;     /* … and the stream ended properly */
  gboolean            gone;         /* the client went away, or the answer ended */
  gboolean            waiting;      /* the message is paused for a block */
  gboolean            closed;       /* the body was completed or the connection closed */

  /* The worker's */
  int                 root_fd;
  GStrv               components;   /* of the folder or file asked for */
  gboolean            allow_hidden;
  char               *from;         /* (nullable) */
  GByteArray         *out;
  guint64             records;
} BulkJob;

static guint bulks_running;

static BulkJob *
bulk_job_ref (BulkJob *job)
{
  g_atomic_ref_count_inc (&job->ref_count);
  return job;
}

static void
bulk_job_unref (BulkJob *job)
{
  if (!g_atomic_ref_count_dec (&job->ref_count))
    return;
  g_clear_object (&job->msg);
  g_queue_clear_full (&job->blocks, (GDestroyNotify) g_bytes_unref);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->cond);
  if (job->root_fd >= 0)
    close (job->root_fd);
  g_strfreev (job->components);
  g_free (job->from);
  if (job->out != NULL)
    g_byte_array_unref (job->out);
  g_free (job);
}

/* Main thread: sending */

static void bulk_msg_gone_cb (SoupServerMessage *msg,
                              BulkJob           *job);

/* Hands the next block to libsoup, ends the answer, or waits (paused) for
 * the worker. */
static void
bulk_push (BulkJob *job)
{
  g_autoptr(GBytes) block = NULL;
  gboolean produced;
  gboolean complete;

  g_mutex_lock (&job->lock);
  if (job->closed || job->gone)
    {
      g_mutex_unlock (&job->lock);
      return;
    }
  block = g_queue_pop_head (&job->blocks);
  produced = job->produced;
  complete = job->complete;
  if (block == NULL && !produced)
    job->waiting = TRUE;
  if (block == NULL && produced)
    job->closed = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);

  if (block != NULL)
    soup_message_body_append_bytes (soup_server_message_get_response_body (job->msg), block);
  else if (!produced)
    soup_server_message_pause (job->msg);
  else if (complete)
    soup_message_body_complete (soup_server_message_get_response_body (job->msg));
  else
    /* The promised sizes cannot be kept: leave the stream unfinished, so
     * the client knows it is incomplete. */
    {
      _webdav_cut_reply_short (job->msg);
      bulk_msg_gone_cb (job->msg, job);
    }
}

static void
bulk_wrote_chunk_cb (SoupServerMessage *msg,
                     BulkJob           *job)
{
  bulk_push (job);
}

static gboolean
bulk_resume_cb (gpointer user_data)
{
  BulkJob *job = user_data;

  bulk_push (job);
  if (job->msg != NULL && !job->gone)
    soup_server_message_unpause (job->msg);
  return G_SOURCE_REMOVE;
}

static void
bulk_msg_gone_cb (SoupServerMessage *msg,
                  BulkJob           *job)
{
  g_mutex_lock (&job->lock);
  job->gone = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
  g_signal_handlers_disconnect_by_data (msg, job);
  /* The message holds the job: let go of it, or neither is ever freed. */
  g_clear_object (&job->msg);
}

/* Worker thread: producing */

/* Queues the block being filled; waits while enough are queued. Returns
 * FALSE once nobody is listening any more. */
static gboolean
bulk_flush (BulkJob *job)
{
  gboolean wake;
  gboolean gone;

  if (job->out->len == 0)
    return TRUE;

  g_mutex_lock (&job->lock);
  while (!job->gone && g_queue_get_length (&job->blocks) >= BULK_MAX_QUEUED)
    g_cond_wait (&job->cond, &job->lock);
  gone = job->gone;
  if (!gone)
    g_queue_push_tail (&job->blocks, g_byte_array_free_to_bytes (job->out));
  else
    g_byte_array_unref (job->out);
  job->out = g_byte_array_sized_new (HALLWAY_BLOCK_SIZE + 8192);
  wake = job->waiting && !gone;
  job->waiting = FALSE;
  g_mutex_unlock (&job->lock);

  if (wake)
    g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, bulk_resume_cb, bulk_job_ref (job),
                                (GDestroyNotify) bulk_job_unref);
  return !gone;
}

static gboolean
bulk_is_gone (BulkJob *job)
{
  gboolean gone;

  g_mutex_lock (&job->lock);
  gone = job->gone;
  g_mutex_unlock (&job->lock);
  return gone;
}

/* Appends the file's record and bytes. FALSE when the stream has to stop:
 * the client left, or the file changed while it was read. */
static gboolean
bulk_send_file (BulkJob    *job,
                int         fd,
                const char *name)
{
  struct stat before;
  struct stat after;
  WebdavStat st;
  g_autofree char *etag = NULL;
  goffset offset = 0;
  char extra;

  if (fstat (fd, &before) != 0 || !_webdav_stat_fd (fd, &st))
    return TRUE;   /* gone meanwhile: as if it had not been there */
  etag = _webdav_etag (&st);
  if (!hallway_bulk_append_header (job->out, HALLWAY_BULK_TYPE_FILE, name, etag, before.st_size,
                                   NULL))
    return TRUE;
  job->records++;

  while (offset < before.st_size)
    {
      gsize room = HALLWAY_BLOCK_SIZE > job->out->len
                     ? HALLWAY_BLOCK_SIZE - job->out->len : 0;
      gsize want;
      gsize old_len;
      ssize_t n;

      if (room == 0)
        {
          if (!bulk_flush (job))
            return FALSE;
          continue;
        }
      want = (gsize) MIN ((goffset) room, before.st_size - offset);
      old_len = job->out->len;
      g_byte_array_set_size (job->out, old_len + want);
      do
        n = pread (fd, job->out->data + old_len, want, offset);
      while (n < 0 && errno == EINTR);
      if (n <= 0)
        {
          g_debug ("A shared file shrank or became unreadable while it was sent in a "
                   "folder stream; ending the stream");
          return FALSE;
        }
      g_byte_array_set_size (job->out, old_len + n);
      offset += n;
    }

  /* One more byte, and the file's state again: a file that grew or was
   * rewritten meanwhile would arrive as neither version. */
  if (pread (fd, &extra, 1, offset) != 0 || fstat (fd, &after) != 0 ||
      !hallway_bulk_same_version (&before, &after))
    {
      g_debug ("A shared file changed while it was sent in a folder stream; ending the stream");
      return FALSE;
    }
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean bulk_walk (BulkJob    *job,
                           GPtrArray  *components,
                           const char *prefix,
                           int         dir_fd);

/* Sends the entry open at @fd (consumed): a folder's tree, or a file. */
static gboolean
bulk_send_opened (BulkJob    *job,
                  GPtrArray  *components,
                  const char *rel,
                  int         fd)
{
  struct stat st;
  gboolean ok = TRUE;

  if (fstat (fd, &st) != 0)
    {
      close (fd);
      return TRUE;
    }
  if (S_ISDIR (st.st_mode))
    {
      /* Before where the client continues: only what leads there. */
      if (job->from != NULL && hallway_bulk_name_compare (rel, job->from) < 0)
        {
          if (hallway_bulk_name_is_ancestor (rel, job->from))
            return bulk_walk (job, components, rel, fd);
          close (fd);
          return TRUE;
        }
      if (!hallway_bulk_append_header (job->out, HALLWAY_BULK_TYPE_FOLDER, rel, NULL, 0, NULL))
        {
          close (fd);
          return TRUE;
        }
      job->records++;
      return bulk_walk (job, components, rel, fd);
    }
  if (S_ISREG (st.st_mode) &&
      (job->from == NULL || hallway_bulk_name_compare (rel, job->from) >= 0))
    ok = bulk_send_file (job, fd, rel);
  close (fd);
  return ok;
}

/* One entry of a folder, opened from the share's root. */
static gboolean
bulk_send_entry (BulkJob    *job,
                 GPtrArray  *components,
                 const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) rel = g_string_new (NULL);
  gsize depth = components->len - 1;   /* without the terminating NULL */
  gboolean ok = TRUE;
  int fd;

  /* Everything of what was asked for is below it. */
  g_ptr_array_insert (components, depth, (gpointer) name);
  for (guint i = g_strv_length (job->components); i <= depth; i++)
    {
      if (rel->len > 0)
        g_string_append_c (rel, '/');
      g_string_append (rel, g_ptr_array_index (components, i));
    }

  fd = hallway_path_open (job->root_fd, (const char * const *) components->pdata,
                          O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0, &error);
  /* A symbolic link, gone, too deep, unreadable: not sent. */
  if (fd >= 0)
    ok = bulk_send_opened (job, components, rel->str, fd);
  g_ptr_array_remove_index (components, depth);
  return ok;
}

/* Sends what the folder @dir_fd (consumed) holds, sorted by name. */
static gboolean
bulk_walk (BulkJob    *job,
           GPtrArray  *components,
           const char *prefix,
           int         dir_fd)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir = fdopendir (dir_fd);
  struct dirent *dent;

  if (dir == NULL)
    {
      close (dir_fd);
      return TRUE;
    }
  while ((dent = readdir (dir)) != NULL)
    {
      if (strcmp (dent->d_name, ".") == 0 || strcmp (dent->d_name, "..") == 0)
        continue;
      /* As a listing shows them: hidden names as the share says, never
       * part files of uploads in progress. */
      if ((dent->d_name[0] == '.' && strstr (dent->d_name, HALLWAY_WEBDAV_PART_INFIX) != NULL) ||
          !hallway_path_component_is_valid (dent->d_name, job->allow_hidden))
        continue;
      g_ptr_array_add (names, g_strdup (dent->d_name));
    }
  closedir (dir);
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      if (bulk_is_gone (job))
        return FALSE;
      if (!bulk_send_entry (job, components, g_ptr_array_index (names, i)))
        return FALSE;
    }
  return TRUE;
}

static gpointer
bulk_thread (gpointer data)
{
  BulkJob *job = data;
  g_autoptr(GPtrArray) components = g_ptr_array_new ();
  gboolean ok;
  int fd;

  for (guint i = 0; job->components[i] != NULL; i++)
    g_ptr_array_add (components, job->components[i]);
  g_ptr_array_add (components, NULL);

  hallway_bulk_append_magic (job->out);
  fd = hallway_path_open (job->root_fd, (const char * const *) job->components,
                          O_RDONLY | O_NOCTTY | O_NONBLOCK, 0, NULL);
  if (fd < 0)
    ok = FALSE;
  else
    {
      struct stat st;

      if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
        ok = bulk_walk (job, components, "", fd);
      else
        {
          /* One file: a stream of one record, named after it. */
          guint n = g_strv_length (job->components);

          ok = n > 0 && S_ISREG (st.st_mode) &&
               bulk_send_file (job, fd, job->components[n - 1]);
          close (fd);
        }
    }

  if (ok)
    {
      hallway_bulk_append_end (job->out, job->records);
      ok = bulk_flush (job);
    }

  g_mutex_lock (&job->lock);
  job->produced = TRUE;
  job->complete = ok;
  if (job->waiting && !job->gone)
    {
      job->waiting = FALSE;
      g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, bulk_resume_cb, bulk_job_ref (job),
                                  (GDestroyNotify) bulk_job_unref);
    }
  g_mutex_unlock (&job->lock);

  g_atomic_int_dec_and_test (&bulks_running);
  bulk_job_unref (job);
  return NULL;
}

/**
 * _webdav_wants_bulk:
 * @req: a GET request
 * @out_from: (out) (transfer full) (nullable): where to start, or %NULL
 *
 * Returns: whether the request asks for a folder stream ("?bulk=1")
 */
gboolean
_webdav_wants_bulk (WebdavRequest  *req,
                    char          **out_from)
{
  g_autoptr(GHashTable) params = _webdav_dup_query (req);

  *out_from = NULL;
  if (params == NULL || g_strcmp0 (g_hash_table_lookup (params, "bulk"), "1") != 0)
    return FALSE;
  *out_from = g_strdup (g_hash_table_lookup (params, "from"));
  return TRUE;
}

/**
 * _webdav_send_bulk:
 * @req: a GET request for a file or folder, with "?bulk=1"
 * @from: (nullable) (transfer full): the name to start at
 *
 * Answers with a folder stream of what @req names.
 */
void
_webdav_send_bulk (WebdavRequest *req,
                   char          *from)
{
  g_autoptr(GError) error = NULL;
  BulkJob *job;
  GThread *thread;
  int fd;

  /* Say at once when there is nothing to send. */
  fd = hallway_path_open (req->root_fd, (const char * const *) req->components,
                          O_PATH, 0, &error);
  if (fd < 0)
    {
      g_free (from);
      _webdav_reply_gerror (req->msg, error);
      return;
    }
  close (fd);

  if (from != NULL && !hallway_bulk_name_is_valid (from))
    {
      g_free (from);
      _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST,
                           _("The place to continue the folder from is not a valid name"));
      return;
    }
  if (g_atomic_int_get (&bulks_running) >= BULK_MAX_RUNNING)
    {
      g_free (from);
      soup_message_headers_replace (req->response_headers, "Retry-After", "2");
      _webdav_reply_error (req->msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                           _("Too many folders are being copied from here right now"));
      return;
    }

  job = g_new0 (BulkJob, 1);
  g_atomic_ref_count_init (&job->ref_count);
  g_mutex_init (&job->lock);
  g_cond_init (&job->cond);
  job->msg = g_object_ref (req->msg);
  job->root_fd = fcntl (req->root_fd, F_DUPFD_CLOEXEC, 0);
  job->components = g_strdupv (req->components);
  job->allow_hidden = req->allow_hidden;
  job->from = from;
  job->out = g_byte_array_sized_new (HALLWAY_BLOCK_SIZE + 8192);
  if (job->root_fd < 0)
    {
      _webdav_reply_errno (req->msg, errno, _("Could not read the folder"));
      bulk_job_unref (job);
      return;
    }

  soup_message_headers_replace (req->response_headers, "Cache-Control", "no-store");
  soup_message_headers_replace (req->response_headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_set_content_type (req->response_headers, HALLWAY_BULK_CONTENT_TYPE, NULL);
  soup_message_headers_set_encoding (req->response_headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (req->msg), FALSE);
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);

  /* The message holds one reference (dropped when it is freed), the
   * worker another. */
  g_object_set_data_full (G_OBJECT (req->msg), "hallway-webdav-bulk", bulk_job_ref (job),
                          (GDestroyNotify) bulk_job_unref);
  g_signal_connect (req->msg, "wrote-chunk", G_CALLBACK (bulk_wrote_chunk_cb), job);
  g_signal_connect (req->msg, "finished", G_CALLBACK (bulk_msg_gone_cb), job);
  g_signal_connect (req->msg, "disconnected", G_CALLBACK (bulk_msg_gone_cb), job);

  g_atomic_int_inc (&bulks_running);
  thread = g_thread_try_new ("hallway-bulk", bulk_thread, job, NULL);
  if (thread == NULL)
    {
      g_atomic_int_dec_and_test (&bulks_running);
      job->produced = TRUE;
      bulk_job_unref (job);
    }
  else
    g_thread_unref (thread);
  bulk_push (job);
}
