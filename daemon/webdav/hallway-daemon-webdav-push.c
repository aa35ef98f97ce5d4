/* hallway-daemon-webdav-push.c: a whole folder uploaded in one request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The mirror of the folder stream: "PUT /shares/<id>/<folder>/?push=<id>"
 * with a body of Content-Type application/x-hallway-bulk (the format of
 * share/hallway-bulk.c) brings a whole tree into <folder> in one request,
 * instead of one MKCOL or PUT per item. Names in the stream are below
 * <folder>; a folder record makes that folder (one already there is
 * merged into), a file record a new file (a taken name becomes
 * "name (2).ext": nothing is ever replaced). <push-id> is 32 hex digits the
 * sender chose for this upload, the same in every attempt.
 *
 * The body is received on the main thread (libsoup decrypts it there) and
 * handed to a worker thread that decodes it and writes the files, so
 * decrypting and writing overlap; at most PUSH_MAX_QUEUED bytes wait in
 * between. What may be written is what a PUT may write: the share is
 * writable (read-write or drop box), every name is checked on its own
 * (hidden names only where the share shows them, never one of our part
 * names) and opened below the target folder with hallway_path_open(), so
 * no name in the stream reaches outside it, whatever it says.
 *
 * Each file goes into its part file ".NAME.hallway-part-push-<8 of id>"
 * beside where it goes, through a HallwayPartWriter. Durability is paid a
 * batch at a time, as a folder stream's receiver does: complete part files
 * gather until there are PUSH_BATCH_FILES of them or PUSH_BATCH_BYTES, then
 * one syncfs() per file system, the renames, one fsync() per folder, and
 * the name of the last file placed is saved in the target folder
 * (".push-<id>.hallway-part-state", hidden like part files, readable only
 * by the computer that pushed). "GET <folder>/?push=<id>" answers with it
 * (Hallway-Push-Placed), so an upload cut off by a kill of either side
 * continues after the last file placed: streams come in bulk order, so
 * everything up to that name is there, and nothing after it carries a
 * final name. A part file a killed attempt left is replaced when the
 * next attempt gets to that file.
 *
 * A file larger than the share's limit, one that does not fit in the free
 * space, a name that is not valid here, a stream that breaks its format or
 * ends early: the stream stops with a plain error, the batch not yet
 * placed and the file in progress are removed, and nothing else is
 * written. The state is removed once a stream arrived whole.
 */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* syncfs */
#endif
#include "config.h"

#include "hallway-daemon-webdav-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hallway-bulk.h"
#include "hallway-daemon-access.h"
#include "hallway-error.h"
#include "hallway-part-file.h"
#include "hallway-path.h"
#include "hallway-transfer.h"

#define PUSH_DATA_KEY     "hallway-webdav-push"
#define PUSH_MAX_QUEUED   (16 * 1024 * 1024)
#define PUSH_BLOCK_SIZE   (1024 * 1024)
#define PUSH_BATCH_FILES  1024
#define PUSH_BATCH_BYTES  (64 * 1024 * 1024)
#define PUSH_STATE_MAX    (HALLWAY_BULK_MAX_NAME + 512)

typedef struct
{
  char    *dir;          /* the folder, below the target: "" for itself */
  char    *part_name;
  char    *name;
  char    *rel;          /* its name in the stream */
} PushPending;

typedef struct
{
  gatomicrefcount      ref_count;
  WebdavRequest        req;          /* main thread only */
  GMainContext        *context;
  char                *push_id;
  char                *client_id;
  gboolean             allow_hidden;
  guint64              max_file;

  GMutex               lock;
  GCond                cond;
  GQueue               chunks;       /* GBytes; NULL marks the end of the body */
  gsize                queued;
  gboolean             aborted;      /* the message finished before the body did */
  gboolean             stopped;      /* the worker ended */
  guint                status;       /* the worker's answer: 201, or an error's */
  char                *message;      /* (nullable) the error's words */
  guint64              records;

  /* Main thread */
  GByteArray          *gather;       /* libsoup's small pieces, for one block */
  gboolean             body_done;
  gboolean             answered;

  /* The worker's */
  int                  target_fd;    /* the folder pushed into */
  HallwayBulkDecoder  *decoder;
  HallwayPartWriter   *part;         /* (nullable) the file being written */
  int                  dir_fd;       /* its folder */
  char                *dir;
  char                *part_name;
  char                *name;
  GPtrArray           *batch;        /* PushPending */
  guint64              batch_bytes;
  char                *last_placed;
} PushJob;

static void
push_pending_free (PushPending *p)
{
  g_free (p->dir);
  g_free (p->part_name);
  g_free (p->name);
  g_free (p->rel);
  g_free (p);
}

static PushJob *
push_job_ref (PushJob *job)
{
  g_atomic_ref_count_inc (&job->ref_count);
  return job;
}

static void
push_job_unref (PushJob *job)
{
  if (!g_atomic_ref_count_dec (&job->ref_count))
    return;
  _webdav_request_clear (&job->req);
  g_main_context_unref (job->context);
  g_free (job->push_id);
  g_free (job->client_id);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->cond);
  g_queue_clear_full (&job->chunks, (GDestroyNotify) g_bytes_unref);
  g_free (job->message);
  if (job->gather != NULL)
    g_byte_array_unref (job->gather);
  if (job->target_fd >= 0)
    close (job->target_fd);
  g_clear_pointer (&job->decoder, hallway_bulk_decoder_free);
  g_clear_pointer (&job->part, hallway_part_writer_free);
  if (job->dir_fd >= 0)
    close (job->dir_fd);
  g_free (job->dir);
  g_free (job->part_name);
  g_free (job->name);
  g_ptr_array_unref (job->batch);
  g_free (job->last_placed);
  g_free (job);
}

static char *
state_name (const char *push_id,
            const char *what)
{
  return g_strdup_printf (".push-%s" HALLWAY_WEBDAV_PART_INFIX "%s", push_id, what);
}

/* The last file placed by @push_id's streams from @client_id, if any. */
static char *
read_state (int         dir_fd,
            const char *push_id,
            const char *client_id)
{
  g_autofree char *state = state_name (push_id, "state");
  g_auto(GStrv) lines = NULL;
  char buffer[PUSH_STATE_MAX];
  ssize_t n = -1;
  int fd = openat (dir_fd, state, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

  if (fd >= 0)
    {
      n = read (fd, buffer, sizeof buffer - 1);
      close (fd);
    }
  if (n <= 0)
    return NULL;
  buffer[n] = '\0';
  lines = g_strsplit (buffer, "\n", 3);
  /* Only the computer that pushed learns what it pushed. */
  if (g_strv_length (lines) < 2 || g_strcmp0 (lines[0], client_id != NULL ? client_id : "") != 0 ||
      !hallway_bulk_name_is_valid (lines[1]))
    return NULL;
  return g_strdup (lines[1]);
}

/* Worker thread */

static gboolean
push_fail (PushJob    *job,
           guint       status,
           const char *message)
{
  if (job->message == NULL)
    {
      job->status = status;
      job->message = g_strdup (message);
    }
  return FALSE;
}

static gboolean
push_fail_errno (PushJob    *job,
                 int         errsv,
                 const char *rel)
{
  g_autofree char *message = NULL;

  if (errsv == ENOSPC || errsv == EDQUOT)
    return push_fail (job, SOUP_STATUS_INSUFFICIENT_STORAGE,
                      /* Translators: %s is a file name. */
                      (message = g_strdup_printf (_("Not enough space to save “%s”"), rel)));
  /* Translators: %1$s is a file name, %2$s the system's reason. */
  message = g_strdup_printf (_("Could not save “%1$s”: %2$s"), rel, g_strerror (errsv));
  return push_fail (job, errsv == EACCES || errsv == EPERM || errsv == EROFS
                           ? SOUP_STATUS_FORBIDDEN : SOUP_STATUS_INTERNAL_SERVER_ERROR,
                    message);
}

/* The names of @rel, each one a name this share takes. */
static GStrv
split_checked (PushJob    *job,
               const char *rel)
{
  g_auto(GStrv) components = g_strsplit (rel, "/", -1);

  for (guint i = 0; components[i] != NULL; i++)
    if (!hallway_path_component_is_valid (components[i], job->allow_hidden) ||
        _webdav_is_part_name (components[i]))
      {
        g_autofree char *message = NULL;

        /* Translators: %s is a name a colleague's computer sent. */
        message = g_strdup_printf (_("“%s” is not a name that can be saved here"),
                                   components[i]);
        push_fail (job, SOUP_STATUS_BAD_REQUEST, message);
        return NULL;
      }
  return g_steal_pointer (&components);
}

/* Opens the folder @dir ("" for the target itself) below the target. */
static int
open_dir (PushJob    *job,
          const char *dir)
{
  g_auto(GStrv) components = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  if (*dir == '\0')
    return fcntl (job->target_fd, F_DUPFD_CLOEXEC, 0);
  components = g_strsplit (dir, "/", -1);
  fd = hallway_path_open (job->target_fd, (const char * const *) components,
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, &error);
  if (fd < 0)
    {
      /* Translators: %1$s is a folder, %2$s the reason. */
      g_autofree char *message = g_strdup_printf (_("Could not open the folder “%1$s”: %2$s"),
                                                  dir, error->message);
      push_fail (job, SOUP_STATUS_CONFLICT, message);
    }
  return fd;
}

static gboolean
make_folder (PushJob    *job,
             const char *rel)
{
  g_auto(GStrv) components = split_checked (job, rel);
  g_autofree char *parent = NULL;
  const char *slash = strrchr (rel, '/');
  const char *name = slash != NULL ? slash + 1 : rel;
  struct stat st;
  int fd;

  if (components == NULL)
    return FALSE;
  parent = slash != NULL ? g_strndup (rel, slash - rel) : g_strdup ("");
  fd = open_dir (job, parent);
  if (fd < 0)
    return FALSE;
  if (mkdirat (fd, name, 0777) != 0 && errno != EEXIST)
    {
      int errsv = errno;

      close (fd);
      return push_fail_errno (job, errsv, rel);
    }
  /* One already there is merged into; a file or link by that name is not. */
  if (fstatat (fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR (st.st_mode))
    {
      g_autofree char *message = NULL;

      close (fd);
      /* Translators: %s is a folder's name. */
      message = g_strdup_printf (_("“%s” is already there and is not a folder"), rel);
      return push_fail (job, SOUP_STATUS_CONFLICT, message);
    }
  close (fd);
  return TRUE;
}

static void
close_dir (gpointer data)
{
  close (GPOINTER_TO_INT (data));
}

/* Writes the name of the last file placed, for an attempt after a kill. */
static void
save_state (PushJob *job)
{
  g_autofree char *tmp = state_name (job->push_id, "tmp");
  g_autofree char *final = state_name (job->push_id, "state");
  g_autofree char *text = g_strdup_printf ("%s\n%s\n", job->client_id, job->last_placed);
  int fd = openat (job->target_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                   0600);

  if (fd < 0)
    return;
  if (hallway_write_all (fd, text, strlen (text), NULL) != 0 || fsync (fd) != 0)
    {
      close (fd);
      unlinkat (job->target_fd, tmp, 0);
      return;
    }
  close (fd);
  if (renameat (job->target_fd, tmp, job->target_fd, final) == 0)
    fsync (job->target_fd);
  else
    unlinkat (job->target_fd, tmp, 0);
}

/* The batch's part files onto disk, under their names, then the folders. */
static gboolean
place_batch (PushJob *job)
{
  /* folder → its descriptor */
  g_autoptr(GHashTable) dirs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, close_dir);
  g_autoptr(GArray) synced = g_array_new (FALSE, FALSE, sizeof (dev_t));
  GHashTableIter iter;
  gpointer value;
  guint i;

  if (job->batch->len == 0)
    return TRUE;

  for (i = 0; i < job->batch->len; i++)
    {
      PushPending *p = g_ptr_array_index (job->batch, i);
      int errsv;
      int fd;

      if (g_hash_table_contains (dirs, p->dir))
        continue;
      fd = open_dir (job, p->dir);
      if (fd < 0)
        return FALSE;
      g_hash_table_insert (dirs, p->dir, GINT_TO_POINTER (fd));
      errsv = hallway_syncfs_once (fd, synced);
      if (errsv != 0)
        return push_fail_errno (job, errsv, p->rel);
    }

  for (i = 0; i < job->batch->len; i++)
    {
      PushPending *p = g_ptr_array_index (job->batch, i);
      int fd = GPOINTER_TO_INT (g_hash_table_lookup (dirs, p->dir));
      int errsv = hallway_part_file_place (fd, p->part_name, p->name, NULL);

      if (errsv != 0)
        {
          g_ptr_array_remove_range (job->batch, 0, i);
          return push_fail_errno (job, errsv, p->rel);
        }
      g_free (job->last_placed);
      job->last_placed = g_strdup (p->rel);
    }
  g_ptr_array_set_size (job->batch, 0);
  job->batch_bytes = 0;

  g_hash_table_iter_init (&iter, dirs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    fsync (GPOINTER_TO_INT (value));
  save_state (job);
  return TRUE;
}

/* Removes the part files of the batch and of the file in progress. */
static void
discard (PushJob *job)
{
  for (guint i = 0; i < job->batch->len; i++)
    {
      PushPending *p = g_ptr_array_index (job->batch, i);
      int fd = open_dir (job, p->dir);

      if (fd >= 0)
        {
          unlinkat (fd, p->part_name, 0);
          close (fd);
        }
    }
  g_ptr_array_set_size (job->batch, 0);
  g_clear_pointer (&job->part, hallway_part_writer_free);
  if (job->part_name != NULL && job->dir_fd >= 0)
    unlinkat (job->dir_fd, job->part_name, 0);
  g_clear_pointer (&job->part_name, g_free);
}

static gboolean
start_file (PushJob *job)
{
  const char *rel = hallway_bulk_decoder_get_name (job->decoder);
  guint64 size = hallway_bulk_decoder_get_size (job->decoder);
  g_auto(GStrv) components = split_checked (job, rel);
  g_autofree char *stem = NULL;
  const char *slash = strrchr (rel, '/');
  g_autofree char *dir = NULL;
  struct statvfs vfs;
  int fd;

  if (components == NULL)
    return FALSE;
  if (size > job->max_file)
    {
      /* Translators: %s is a file name. */
      g_autofree char *message = g_strdup_printf (_("“%s” is too large for this shared folder"),
                                                  rel);
      return push_fail (job, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, message);
    }

  dir = slash != NULL ? g_strndup (rel, slash - rel) : g_strdup ("");
  if (job->dir == NULL || strcmp (job->dir, dir) != 0)
    {
      if (job->dir_fd >= 0)
        close (job->dir_fd);
      g_clear_pointer (&job->dir, g_free);
      job->dir_fd = open_dir (job, dir);
      if (job->dir_fd < 0)
        return FALSE;
      job->dir = g_steal_pointer (&dir);
    }

  /* Free space for this file on top of the batch not yet on disk. */
  if (fstatvfs (job->dir_fd, &vfs) == 0 &&
      (guint64) vfs.f_bavail * vfs.f_frsize < size)
    {
      g_autofree char *needed = g_format_size (size);
      g_autofree char *available = g_format_size ((guint64) vfs.f_bavail * vfs.f_frsize);
      g_autofree char *message = NULL;

      /* Translators: %1$s is a file name, %2$s and %3$s sizes ("3.2 GB"). */
      message = g_strdup_printf (_("Not enough space to save “%1$s”: it needs %2$s, %3$s "
                                   "are free"), rel, needed, available);
      return push_fail (job, SOUP_STATUS_INSUFFICIENT_STORAGE, message);
    }

  g_free (job->name);
  job->name = g_strdup (slash != NULL ? slash + 1 : rel);
  stem = g_strndup (job->name, 200);
  g_free (job->part_name);
  job->part_name = g_strdup_printf (".%s" HALLWAY_WEBDAV_PART_INFIX "push-%.8s", stem,
                                    job->push_id);
  /* An earlier attempt's part file of this file: ours to replace. */
  unlinkat (job->dir_fd, job->part_name, 0);
  fd = openat (job->dir_fd, job->part_name,
               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int errsv = errno;

      g_clear_pointer (&job->part_name, g_free);
      return push_fail_errno (job, errsv, rel);
    }
  job->part = hallway_part_writer_new (fd, 0);
  return TRUE;
}

static gboolean
end_file (PushJob *job)
{
  PushPending *p;
  int errsv;

  /* Written and closed; put on disk with the batch, not one at a time. */
  errsv = hallway_part_writer_flush (job->part);
  hallway_part_writer_close (job->part);
  g_clear_pointer (&job->part, hallway_part_writer_free);
  if (errsv != 0)
    return push_fail_errno (job, errsv, hallway_bulk_decoder_get_name (job->decoder));

  p = g_new0 (PushPending, 1);
  p->dir = g_strdup (job->dir);
  p->part_name = g_steal_pointer (&job->part_name);
  p->name = g_strdup (job->name);
  p->rel = g_strdup (hallway_bulk_decoder_get_name (job->decoder));
  g_ptr_array_add (job->batch, p);
  job->batch_bytes += hallway_bulk_decoder_get_size (job->decoder);

  if (job->batch->len >= PUSH_BATCH_FILES || job->batch_bytes >= PUSH_BATCH_BYTES)
    return place_batch (job);
  return TRUE;
}

static gboolean
consume (PushJob      *job,
         const guint8 *data,
         gsize         length)
{
  gsize offset = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gsize used = 0;
      HallwayBulkEvent event = hallway_bulk_decoder_feed (job->decoder, data + offset,
                                                          length - offset, &used, &error);
      int errsv;

      offset += used;
      switch (event)
        {
        case HALLWAY_BULK_EVENT_NEED_MORE:
          return TRUE;
        case HALLWAY_BULK_EVENT_FOLDER:
          job->records++;
          if (!make_folder (job, hallway_bulk_decoder_get_name (job->decoder)))
            return FALSE;
          break;
        case HALLWAY_BULK_EVENT_FILE:
          job->records++;
          if (!start_file (job))
            return FALSE;
          break;
        case HALLWAY_BULK_EVENT_DATA:
          errsv = hallway_part_writer_append (job->part, data + offset - used, used);
          if (errsv != 0)
            return push_fail_errno (job, errsv, hallway_bulk_decoder_get_name (job->decoder));
          break;
        case HALLWAY_BULK_EVENT_FILE_END:
          if (!end_file (job))
            return FALSE;
          break;
        case HALLWAY_BULK_EVENT_END:
          break;
        case HALLWAY_BULK_EVENT_ERROR:
        default:
          return push_fail (job, SOUP_STATUS_BAD_REQUEST, error != NULL ? error->message
                                                                         : _("Invalid stream"));
        }
    }
}

static gboolean
push_answer_cb (gpointer user_data)
{
  PushJob *job = user_data;
  SoupServerMessage *msg = job->req.msg;
  gboolean body_done;

  g_mutex_lock (&job->lock);
  body_done = job->body_done;
  g_mutex_unlock (&job->lock);
  if (job->answered || job->aborted || msg == NULL)
    return G_SOURCE_REMOVE;
  if (job->status != SOUP_STATUS_CREATED)
    {
      /* Said at once; what is still on its way is read past. */
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      _webdav_reply_error (msg, job->status, job->message);
      job->answered = TRUE;
    }
  else if (body_done)
    {
      g_autofree char *records = g_strdup_printf ("%" G_GUINT64_FORMAT, job->records);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Hallway-Push-Records", records);
      _webdav_reply_empty (msg, SOUP_STATUS_CREATED);
      job->answered = TRUE;
    }
  if (job->answered && body_done)
    soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static gpointer
push_thread (gpointer data)
{
  PushJob *job = data;
  gboolean ok = TRUE;
  gboolean aborted = FALSE;

  for (;;)
    {
      GBytes *chunk;
      gboolean end;

      g_mutex_lock (&job->lock);
      while (g_queue_is_empty (&job->chunks) && !job->aborted)
        g_cond_wait (&job->cond, &job->lock);
      aborted = job->aborted;
      end = !aborted && g_queue_peek_head (&job->chunks) == NULL;
      chunk = aborted || end ? NULL : g_queue_pop_head (&job->chunks);
      if (chunk != NULL)
        job->queued -= g_bytes_get_size (chunk);
      g_cond_broadcast (&job->cond);
      g_mutex_unlock (&job->lock);

      if (aborted)
        break;
      if (end)
        {
          g_autoptr(GError) error = NULL;

          if (!hallway_bulk_decoder_finish (job->decoder, &error))
            ok = push_fail (job, SOUP_STATUS_BAD_REQUEST, error->message);
          else
            ok = place_batch (job);
          break;
        }
      ok = consume (job, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
      g_bytes_unref (chunk);
      if (!ok)
        break;
    }

  if (ok && !aborted)
    {
      g_autofree char *state = state_name (job->push_id, "state");

      unlinkat (job->target_fd, state, 0);
      job->status = SOUP_STATUS_CREATED;
    }
  else
    {
      /* Cut off, refused or failed: only whole batches stay. */
      if (aborted)
        g_debug ("An upload stream ended before its end; its last files are dropped");
      discard (job);
    }

  g_mutex_lock (&job->lock);
  job->stopped = TRUE;
  g_queue_clear_full (&job->chunks, (GDestroyNotify) g_bytes_unref);
  job->queued = 0;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);

  g_main_context_invoke_full (job->context, G_PRIORITY_DEFAULT, push_answer_cb,
                              push_job_ref (job), (GDestroyNotify) push_job_unref);
  push_job_unref (job);
  return NULL;
}

/* Main thread: the body */

/* Hands the gathered block (and with @end, the end of the body) to the
 * worker. */
static void
push_hand_over (PushJob  *job,
                gboolean  end)
{
  g_mutex_lock (&job->lock);
  /* Waits while the disk is behind, so memory stays bounded. */
  while (!job->stopped && job->queued >= PUSH_MAX_QUEUED)
    g_cond_wait (&job->cond, &job->lock);
  if (!job->stopped && job->gather->len > 0)
    {
      job->queued += job->gather->len;
      g_queue_push_tail (&job->chunks, g_byte_array_free_to_bytes (job->gather));
      job->gather = g_byte_array_sized_new (PUSH_BLOCK_SIZE);
    }
  if (!job->stopped && end)
    g_queue_push_tail (&job->chunks, NULL);
  if (job->stopped)
    g_byte_array_set_size (job->gather, 0);   /* refused already: read past */
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

static void
push_got_chunk_cb (SoupServerMessage *msg,
                   GBytes            *chunk,
                   PushJob           *job)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (chunk, &size);

  /* libsoup hands the body over a few KiB at a time: the worker is woken
   * once a block, not once a piece. */
  g_byte_array_append (job->gather, data, size);
  if (job->gather->len >= PUSH_BLOCK_SIZE)
    push_hand_over (job, FALSE);
}

static void
push_finished_cb (SoupServerMessage *msg,
                  PushJob           *job)
{
  g_mutex_lock (&job->lock);
  if (!job->body_done)
    job->aborted = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
  g_signal_handlers_disconnect_by_data (msg, job);
  job->req.msg = NULL;
}

/**
 * _webdav_push_id:
 * @msg: a request
 *
 * Returns: (transfer full) (nullable): the "push" of its query, if any
 */
char *
_webdav_push_id (SoupServerMessage *msg)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(GHashTable) params = NULL;

  if (query == NULL)
    return NULL;
  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  return params != NULL ? g_strdup (g_hash_table_lookup (params, "push")) : NULL;
}

static gboolean
check_push_request (WebdavRequest *req,
                    const char    *push_id)
{
  if (hallway_share_get_access (req->share) == HALLWAY_SHARE_ACCESS_READ_ONLY)
    {
      _webdav_reply_forbidden_method (req);
      return FALSE;
    }
  if (!hallway_transfer_offer_id_is_valid (push_id))
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST,
                           _("The upload's identifier is not valid"));
      return FALSE;
    }
  return TRUE;
}

/**
 * _webdav_push_prepare:
 * @self: the WebDAV server
 * @msg: a PUT to a folder with "?push=<id>", before its body
 * @path: its path
 * @push_id: the upload's identifier
 *
 * Accepts the stream (or answers why not) and starts its writer.
 */
void
_webdav_push_prepare (HallwayDaemonWebdav *self,
                      SoupServerMessage   *msg,
                      const char          *path,
                      const char          *push_id)
{
  g_autoptr(GError) error = NULL;
  PushJob *job = g_new0 (PushJob, 1);
  const char *type;
  const char *total;
  struct statvfs vfs;
  WebdavStat st;
  guint64 needed = 0;

  g_atomic_ref_count_init (&job->ref_count);
  g_mutex_init (&job->lock);
  g_cond_init (&job->cond);
  job->target_fd = -1;
  job->dir_fd = -1;
  job->batch = g_ptr_array_new_with_free_func ((GDestroyNotify) push_pending_free);
  job->context = g_main_context_ref_thread_default ();

  if (!_webdav_request_init (self, msg, path, &job->req) ||
      !check_push_request (&job->req, push_id))
    {
      push_job_unref (job);
      return;
    }
  job->target_fd = _webdav_open_item (&job->req, O_RDONLY | O_DIRECTORY,
                                      _("The folder to upload into does not exist"), &st);
  if (job->target_fd < 0)
    {
      push_job_unref (job);
      return;
    }
  job->client_id = hallway_daemon_access_dup_client_id (msg);
  if (job->client_id == NULL)
    job->client_id = g_strdup ("");

  if (g_strcmp0 (soup_message_headers_get_one (job->req.request_headers, "Hallway-Push-End"),
                 "cancel") == 0)
    {
      g_autofree char *placed = read_state (job->target_fd, push_id, job->client_id);
      g_autofree char *state = state_name (push_id, "state");

      /* The sender gave up: where its streams stopped is of no more use. */
      if (placed != NULL)
        unlinkat (job->target_fd, state, 0);
      _webdav_reply_empty (msg, SOUP_STATUS_NO_CONTENT);
      push_job_unref (job);
      return;
    }

  type = soup_message_headers_get_content_type (job->req.request_headers, NULL);
  if (g_strcmp0 (type, HALLWAY_BULK_CONTENT_TYPE) != 0)
    {
      _webdav_reply_error (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                           _("An upload stream must be sent as application/x-hallway-bulk"));
      push_job_unref (job);
      return;
    }
  if (!_webdav_check_locks (&job->req, job->req.path, TRUE, TRUE))
    {
      push_job_unref (job);
      return;
    }

  /* Said before any byte is sent: the whole upload does not fit. */
  total = soup_message_headers_get_one (job->req.request_headers, "Hallway-Push-Bytes");
  if (total != NULL && g_ascii_string_to_unsigned (total, 10, 0, G_MAXUINT64, &needed, NULL) &&
      fstatvfs (job->target_fd, &vfs) == 0 && (guint64) vfs.f_bavail * vfs.f_frsize < needed)
    {
      g_autofree char *needed_text = g_format_size (needed);
      g_autofree char *free_text = g_format_size ((guint64) vfs.f_bavail * vfs.f_frsize);
      g_autofree char *message = NULL;

      /* Translators: %1$s and %2$s are sizes ("3.2 GB"). */
      message = g_strdup_printf (_("Not enough space: the upload needs %1$s, %2$s are free"),
                                 needed_text, free_text);
      soup_message_headers_replace (job->req.response_headers, "Connection", "close");
      _webdav_reply_error (msg, SOUP_STATUS_INSUFFICIENT_STORAGE, message);
      push_job_unref (job);
      return;
    }

  job->push_id = g_strdup (push_id);
  job->allow_hidden = job->req.allow_hidden;
  job->max_file = self->max_body;
  job->decoder = hallway_bulk_decoder_new ();
  job->gather = g_byte_array_sized_new (PUSH_BLOCK_SIZE);

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_object_set_data_full (G_OBJECT (msg), PUSH_DATA_KEY, push_job_ref (job),
                          (GDestroyNotify) push_job_unref);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (push_got_chunk_cb), job);
  g_signal_connect (msg, "finished", G_CALLBACK (push_finished_cb), job);
  g_thread_unref (g_thread_new ("hallway-push", push_thread, job));
}

/* The stream's request, once its body is in. */
WebdavRequest *
_webdav_push_get_request (SoupServerMessage *msg)
{
  PushJob *job = g_object_get_data (G_OBJECT (msg), PUSH_DATA_KEY);

  return job != NULL ? &job->req : NULL;
}

/* The body is all there: answers once the writer has placed the last
 * batch. */
void
_webdav_push_commit (WebdavRequest *req)
{
  PushJob *job = g_object_get_data (G_OBJECT (req->msg), PUSH_DATA_KEY);

  g_mutex_lock (&job->lock);
  job->body_done = TRUE;
  g_mutex_unlock (&job->lock);
  push_hand_over (job, TRUE);
  if (job->answered)
    return;
  soup_server_message_pause (req->msg);
  if (job->stopped)
    push_answer_cb (job);
}

/**
 * _webdav_push_status:
 * @req: a GET of a folder with "?push=<id>"
 * @push_id: the upload's identifier
 *
 * Says that upload streams are taken here (Hallway-Push: 1) and, for an
 * upload cut off, the last file of it placed (Hallway-Push-Placed), to
 * continue after it.
 */
void
_webdav_push_status (WebdavRequest *req,
                     const char    *push_id)
{
  g_autofree char *client_id = NULL;
  g_autofree char *placed = NULL;
  WebdavStat st;
  int dir_fd;

  if (!check_push_request (req, push_id))
    return;
  dir_fd = _webdav_open_item (req, O_RDONLY | O_DIRECTORY,
                              _("The folder to upload into does not exist"), &st);
  if (dir_fd < 0)
    return;
  client_id = hallway_daemon_access_dup_client_id (req->msg);
  placed = read_state (dir_fd, push_id, client_id);
  close (dir_fd);
  soup_message_headers_replace (req->response_headers, "Hallway-Push", "1");
  soup_message_headers_replace (req->response_headers, "Cache-Control", "no-store");
  if (placed != NULL)
    {
      g_autofree char *text = g_uri_escape_string (placed, NULL, FALSE);

      soup_message_headers_replace (req->response_headers, "Hallway-Push-Placed", text);
    }
  _webdav_reply_empty (req->msg, SOUP_STATUS_OK);
}
