/* hallway-daemon-bulk-receive.c: receiving a folder stream into part files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The receiving side of "GET …?bulk=1" (see share/hallway-bulk.c). It runs
 * in two worker threads with blocking I/O and no trip through the main
 * loop per block: one reads and decrypts the answer in 256 KiB blocks, the
 * other decodes them and writes the files, with up to four blocks between
 * them, so network and disk overlap.
 *
 * Only files the caller asked for are written (by their name in the
 * stream); everything else is read past. A file is written to its
 * ".NAME.hallway-part", created exclusively: a part file that is already
 * there belongs to an earlier copy and is left for the one-file-at-a-time
 * path, which continues it with Range and If-Range. So nothing here ever
 * writes into a file it did not create, and names come from the caller's
 * listing, never from the stream.
 *
 * Durability is paid per batch rather than per file: complete part files
 * gather until there are BATCH_FILES of them or BATCH_BYTES, then one
 * syncfs() per file system puts them all on disk, then each is renamed
 * into place (RENAME_NOREPLACE, "name (2).ext" when taken), then each
 * folder they went into is fsync'ed. Nothing half-written ever carries a
 * final name: a crash before the renames leaves complete part files, which
 * the next attempt fetches again or continues.
 *
 * A big file (BIG_FILE and up) gets its ETag in a user.hallway.etag
 * attribute before its first byte and is reported to the caller, which
 * saves it in the queue: if the copy stops mid-file, the next attempt
 * continues it with Range instead of starting over.
 */
#include "config.h"

#include "hallway-daemon-bulk-receive.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hallway-bulk.h"
#include "hallway-client.h"
#include "hallway-daemon-transfers.h"
#include "hallway-error.h"
#include "hallway-part-file.h"
#include "hallway-transfer.h"

#define ETAG_XATTR     "user.hallway.etag"
#define BATCH_FILES    1024
#define BATCH_BYTES    (64 * 1024 * 1024)
#define BIG_FILE       (4 * 1024 * 1024)

typedef struct
{
  HallwayBulkTarget *target;   /* (unowned) */
  char              *part_path;
  gint64             size;
} Pending;

struct _HallwayBulkReceive
{
  gatomicrefcount    ref_count;
  SoupSession       *session;
  SoupMessage       *message;
  char              *what;
  char              *expected_id;
  GHashTable        *targets;      /* stream name → HallwayBulkTarget */
  HallwayBulkNotify  notify;
  gpointer           user_data;
  GDestroyNotify     destroy;
  GMainContext      *context;

  GMutex             lock;
  GPtrArray         *placed;       /* HallwayBulkPlaced, not yet taken */
  char              *current_rel;  /* a big file started, not yet taken */
  char              *current_part;
  char              *current_etag;
  guint64            pending_bytes; /* (atomic) written, not yet placed */
  guint64            received;      /* (atomic) stream bytes read */

  /* The worker's */
  GPtrArray         *batch;        /* Pending */
  guint64            batch_bytes;
  int                fd;           /* the file being written, or -1 */
  char              *part_path;
  HallwayBulkTarget *target;
  gboolean           reported;     /* the current file was reported */
  gboolean           xattr;
};

void
hallway_bulk_target_free (HallwayBulkTarget *target)
{
  g_free (target->rel);
  g_free (target->local_dir);
  g_free (target->name);
  g_free (target);
}

static void
placed_free (HallwayBulkPlaced *placed)
{
  g_free (placed->rel);
  g_free (placed);
}

static void
pending_free (Pending *pending)
{
  g_free (pending->part_path);
  g_free (pending);
}

HallwayBulkReceive *
hallway_bulk_receive_new (SoupSession       *session,
                          SoupMessage       *message,
                          const char        *expected_id,
                          const char        *what,
                          GHashTable        *targets,
                          HallwayBulkNotify  notify,
                          gpointer           user_data,
                          GDestroyNotify     destroy)
{
  HallwayBulkReceive *self = g_new0 (HallwayBulkReceive, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->session = g_object_ref (session);
  self->message = g_object_ref (message);
  self->what = g_strdup (what);
  self->expected_id = g_strdup (expected_id);
  self->targets = g_hash_table_ref (targets);
  self->notify = notify;
  self->user_data = user_data;
  self->destroy = destroy;
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->lock);
  self->placed = g_ptr_array_new_with_free_func ((GDestroyNotify) placed_free);
  self->batch = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
  self->fd = -1;
  return self;
}

HallwayBulkReceive *
hallway_bulk_receive_ref (HallwayBulkReceive *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
hallway_bulk_receive_unref (HallwayBulkReceive *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  if (self->destroy != NULL)
    self->destroy (self->user_data);
  g_object_unref (self->session);
  g_object_unref (self->message);
  g_free (self->what);
  g_free (self->expected_id);
  g_hash_table_unref (self->targets);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_ptr_array_unref (self->placed);
  g_free (self->current_rel);
  g_free (self->current_part);
  g_free (self->current_etag);
  g_ptr_array_unref (self->batch);
  if (self->fd >= 0)
    close (self->fd);
  g_free (self->part_path);
  g_free (self);
}

/* Main context: what the worker has to say */

static gboolean
notify_cb (gpointer user_data)
{
  HallwayBulkReceive *self = user_data;

  if (self->notify != NULL)
    self->notify (self->user_data);
  return G_SOURCE_REMOVE;
}

static void
post_notify (HallwayBulkReceive *self)
{
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, notify_cb,
                              hallway_bulk_receive_ref (self),
                              (GDestroyNotify) hallway_bulk_receive_unref);
}

/**
 * hallway_bulk_receive_take_placed:
 *
 * Returns: (transfer full) (element-type HallwayBulkPlaced): the files
 *   placed since the last call
 */
GPtrArray *
hallway_bulk_receive_take_placed (HallwayBulkReceive *self)
{
  GPtrArray *placed;

  g_mutex_lock (&self->lock);
  placed = self->placed;
  self->placed = g_ptr_array_new_with_free_func ((GDestroyNotify) placed_free);
  g_mutex_unlock (&self->lock);
  return placed;
}

/**
 * hallway_bulk_receive_take_current:
 *
 * Returns: whether a big file was started since the last call; its part
 *   file and ETag, for resuming it
 */
gboolean
hallway_bulk_receive_take_current (HallwayBulkReceive  *self,
                                   char               **out_rel,
                                   char               **out_part_path,
                                   char               **out_etag)
{
  gboolean any;

  g_mutex_lock (&self->lock);
  any = self->current_rel != NULL;
  *out_rel = g_steal_pointer (&self->current_rel);
  *out_part_path = g_steal_pointer (&self->current_part);
  *out_etag = g_steal_pointer (&self->current_etag);
  g_mutex_unlock (&self->lock);
  return any;
}

/* Bytes written into files not placed yet, for progress. */
guint64
hallway_bulk_receive_get_pending (HallwayBulkReceive *self)
{
  return __atomic_load_n (&self->pending_bytes, __ATOMIC_RELAXED);
}

/* Bytes of the stream read so far: a link that stalls stops it. */
guint64
hallway_bulk_receive_get_received (HallwayBulkReceive *self)
{
  return __atomic_load_n (&self->received, __ATOMIC_RELAXED);
}

static void
add_counter (guint64 *counter,
             guint64  delta)
{
  __atomic_fetch_add (counter, delta, __ATOMIC_RELAXED);
}

static void
set_counter (guint64 *counter,
             guint64  value)
{
  __atomic_store_n (counter, value, __ATOMIC_RELAXED);
}

/* Worker thread */

static void
set_write_error (GError            **error,
                 HallwayBulkTarget  *target,
                 int                 errsv)
{
  if (errsv == ENOSPC || errsv == EDQUOT)
    g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                 /* Translators: %1$s is a folder, %2$s a file name. */
                 _("Not enough space in %1$s to finish “%2$s”"), target->local_dir, target->name);
  else
    g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                 /* Translators: %1$s is a file name, %2$s the system's reason. */
                 _("Could not write “%1$s”: %2$s"), target->name, g_strerror (errsv));
}

static void
close_dir (gpointer data)
{
  close (GPOINTER_TO_INT (data));
}

/* Part files of the batch onto disk, then under their names, then the
 * folders' entries onto disk. */
static gboolean
place_batch (HallwayBulkReceive  *self,
             GError             **error)
{
  /* local folder → its descriptor */
  g_autoptr(GHashTable) dirs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, close_dir);
  g_autoptr(GArray) synced = g_array_new (FALSE, FALSE, sizeof (dev_t));
  g_autoptr(GPtrArray) placed = g_ptr_array_new_with_free_func ((GDestroyNotify) placed_free);
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  guint i;

  if (self->batch->len == 0)
    return TRUE;

  /* One syncfs() per file system the batch went to (nearly always one). */
  for (i = 0; i < self->batch->len; i++)
    {
      Pending *p = g_ptr_array_index (self->batch, i);
      int errsv;
      int fd;

      if (g_hash_table_contains (dirs, p->target->local_dir))
        continue;
      fd = open (p->target->local_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      errsv = fd >= 0 ? hallway_syncfs_once (fd, synced) : errno;
      if (errsv != 0)
        {
          if (fd >= 0)
            close (fd);
          set_write_error (error, p->target, errsv);
          return FALSE;
        }
      g_hash_table_insert (dirs, p->target->local_dir, GINT_TO_POINTER (fd));
    }

  for (i = 0; i < self->batch->len; i++)
    {
      Pending *p = g_ptr_array_index (self->batch, i);
      int dir_fd = GPOINTER_TO_INT (g_hash_table_lookup (dirs, p->target->local_dir));
      g_autofree char *part_name = g_path_get_basename (p->part_path);
      HallwayBulkPlaced *done;
      int errsv = hallway_part_file_place (dir_fd, part_name, p->target->name, NULL);

      if (errsv != 0)
        {
          set_write_error (error, p->target, errsv);
          break;
        }
      done = g_new0 (HallwayBulkPlaced, 1);
      done->rel = g_strdup (p->target->rel);
      done->listed_size = p->target->listed_size;
      done->size = p->size;
      g_ptr_array_add (placed, done);
    }
  /* Those placed are done; the rest stay for discard_batch(). */
  g_ptr_array_remove_range (self->batch, 0, i);

  g_hash_table_iter_init (&iter, dirs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    fsync (GPOINTER_TO_INT (value));
  set_counter (&self->pending_bytes, 0);
  self->batch_bytes = 0;

  if (placed->len > 0)
    {
      g_mutex_lock (&self->lock);
      g_ptr_array_extend_and_steal (self->placed, g_steal_pointer (&placed));
      g_mutex_unlock (&self->lock);
      post_notify (self);
    }
  return error == NULL || *error == NULL;
}

/* Leaves nothing of the batch behind. */
static void
discard_batch (HallwayBulkReceive *self)
{
  for (guint i = 0; i < self->batch->len; i++)
    {
      Pending *p = g_ptr_array_index (self->batch, i);

      g_unlink (p->part_path);
    }
  g_ptr_array_set_size (self->batch, 0);
}

/* Ends the file being written after a failure: removed, unless the caller
 * knows it as a big file to continue. */
static void
drop_current (HallwayBulkReceive *self,
              gboolean            keep_if_reported)
{
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
  if (self->part_path != NULL && !(keep_if_reported && self->reported))
    g_unlink (self->part_path);
  g_clear_pointer (&self->part_path, g_free);
  self->target = NULL;
}

static gboolean
start_file (HallwayBulkReceive  *self,
            HallwayBulkDecoder  *decoder,
            GError             **error)
{
  HallwayBulkTarget *target = g_hash_table_lookup (self->targets,
                                                   hallway_bulk_decoder_get_name (decoder));
  const char *etag = hallway_bulk_decoder_get_etag (decoder);
  guint64 size = hallway_bulk_decoder_get_size (decoder);
  g_autofree char *part_name = NULL;

  if (target == NULL)
    return TRUE;   /* not wanted: read past it */

  part_name = hallway_transfer_part_name (target->name);
  self->part_path = g_build_filename (target->local_dir, part_name, NULL);
  self->fd = open (self->part_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (self->fd < 0)
    {
      int errsv = errno;

      g_clear_pointer (&self->part_path, g_free);
      if (errsv == EEXIST)
        return TRUE;   /* an earlier copy's: continued one file at a time */
      set_write_error (error, target, errsv);
      return FALSE;
    }
  self->target = target;
  self->reported = FALSE;
  self->xattr = FALSE;

  if (size >= BIG_FILE && etag != NULL)
    {
      self->xattr = fsetxattr (self->fd, ETAG_XATTR, etag, strlen (etag), 0) == 0;
      g_mutex_lock (&self->lock);
      g_free (self->current_rel);
      g_free (self->current_part);
      g_free (self->current_etag);
      self->current_rel = g_strdup (target->rel);
      self->current_part = g_strdup (self->part_path);
      self->current_etag = g_strdup (etag);
      g_mutex_unlock (&self->lock);
      self->reported = TRUE;
      post_notify (self);
    }
  return TRUE;
}

static gboolean
write_data (HallwayBulkReceive  *self,
            const guint8        *data,
            gsize                length,
            GError             **error)
{
  gsize written = 0;
  int errsv;

  if (self->fd < 0)
    return TRUE;
  errsv = hallway_write_all (self->fd, data, length, &written);
  add_counter (&self->pending_bytes, written);
  if (errsv != 0)
    {
      set_write_error (error, self->target, errsv);
      return FALSE;
    }
  return TRUE;
}

static gboolean
end_file (HallwayBulkReceive  *self,
          HallwayBulkDecoder  *decoder,
          GError             **error)
{
  Pending *p;

  if (self->fd < 0)
    return TRUE;
  if (self->xattr)
    fremovexattr (self->fd, ETAG_XATTR);
  if (close (self->fd) != 0)
    {
      int errsv = errno;

      self->fd = -1;
      set_write_error (error, self->target, errsv);
      return FALSE;
    }
  self->fd = -1;

  p = g_new0 (Pending, 1);
  p->target = self->target;
  p->part_path = g_steal_pointer (&self->part_path);
  p->size = hallway_bulk_decoder_get_size (decoder);
  g_ptr_array_add (self->batch, p);
  self->batch_bytes += p->size;
  self->target = NULL;

  if (self->batch->len >= BATCH_FILES || self->batch_bytes >= BATCH_BYTES)
    return place_batch (self, error);
  return TRUE;
}

/* The neighbour's answer, before its body: what to make of it. */
static gboolean
check_answer (HallwayBulkReceive  *self,
              GError             **error)
{
  SoupMessage *message = self->message;
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  guint status = soup_message_get_status (message);
  const char *type;

  if (!hallway_client_check_message (message, error))
    return FALSE;

  switch (status)
    {
    case SOUP_STATUS_OK:
      break;
    case SOUP_STATUS_NOT_FOUND:
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                   _("“%s” is no longer there"), self->what);
      return FALSE;
    case SOUP_STATUS_UNAUTHORIZED:
    case SOUP_STATUS_FORBIDDEN:
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED,
                   _("The other computer no longer lets this computer read “%s”"), self->what);
      return FALSE;
    default:
      if (status >= 500 || status == 429 || status == 408)
        g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                     /* Translators: %u is an HTTP status code, %s its reason. */
                     _("it answered “%u %s”"), status, soup_message_get_reason_phrase (message));
      else
        g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                     _("The other computer refused to send “%s” (%u %s)"), self->what, status,
                     soup_message_get_reason_phrase (message));
      return FALSE;
    }

  type = soup_message_headers_get_content_type (headers, NULL);
  if (g_strcmp0 (type, HALLWAY_BULK_CONTENT_TYPE) != 0)
    {
      /* An older Hallway: a listing or the file itself. */
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "no folder streams there");
      return FALSE;
    }
  return TRUE;
}

/* Decodes one block of the stream and writes what it holds. */
static gboolean
consume_block (HallwayBulkReceive  *self,
               HallwayBulkDecoder  *decoder,
               const guint8        *buffer,
               gsize                n_read,
               GError             **error)
{
  gsize offset = 0;

  for (;;)
    {
      gsize used = 0;
      HallwayBulkEvent event = hallway_bulk_decoder_feed (decoder, buffer + offset,
                                                          n_read - offset, &used, error);

      offset += used;
      switch (event)
        {
        case HALLWAY_BULK_EVENT_NEED_MORE:
          return TRUE;
        case HALLWAY_BULK_EVENT_FOLDER:
          /* Folders were made from the listing. */
          break;
        case HALLWAY_BULK_EVENT_FILE:
          if (!start_file (self, decoder, error))
            return FALSE;
          break;
        case HALLWAY_BULK_EVENT_DATA:
          if (!write_data (self, buffer + offset - used, used, error))
            return FALSE;
          break;
        case HALLWAY_BULK_EVENT_FILE_END:
          if (!end_file (self, decoder, error))
            return FALSE;
          break;
        case HALLWAY_BULK_EVENT_END:
          break;
        case HALLWAY_BULK_EVENT_ERROR:
        default:
          return FALSE;
        }
    }
}

/* The network and the disk each get a thread: this one reads and decrypts
 * blocks, the writer decodes them and writes the files, with a few blocks
 * in between. On two cores that keeps both busy instead of taking turns. */

#define N_BLOCKS 4

typedef struct
{
  guint8 *data;
  gsize   length;   /* < HALLWAY_BLOCK_SIZE: the last one */
  GError *error;    /* (nullable) reading failed: the last one */
} Block;

typedef struct
{
  HallwayBulkReceive *self;
  GAsyncQueue        *full;      /* Block */
  GAsyncQueue        *empty;     /* Block, to fill */
  GCancellable       *stop;      /* cancelled when writing fails */
  GError             *error;     /* the writer's */
} Pipe;

static gpointer
write_thread (gpointer data)
{
  Pipe *pipe = data;
  g_autoptr(HallwayBulkDecoder) decoder = hallway_bulk_decoder_new ();
  gboolean failed = FALSE;

  for (;;)
    {
      Block *block = g_async_queue_pop (pipe->full);
      gboolean last = block->error != NULL || block->length < HALLWAY_BLOCK_SIZE;

      if (!failed && block->error != NULL)
        {
          pipe->error = g_steal_pointer (&block->error);
          failed = TRUE;
        }
      else if (!failed &&
               !consume_block (pipe->self, decoder, block->data, block->length, &pipe->error))
        {
          failed = TRUE;
          /* Stop reading: nothing more will be written. */
          g_cancellable_cancel (pipe->stop);
        }
      else if (!failed && last)
        {
          if (!hallway_bulk_decoder_finish (decoder, &pipe->error) ||
              !place_batch (pipe->self, &pipe->error))
            failed = TRUE;
        }
      g_clear_error (&block->error);
      g_async_queue_push (pipe->empty, block);
      if (last)
        break;
    }
  return NULL;
}

static void
cancel_too (GCancellable *cancellable,
            gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
receive (HallwayBulkReceive  *self,
         GCancellable        *cancellable,
         GError             **error)
{
  g_autoptr(GInputStream) body = NULL;
  Pipe pipe = { self, NULL, NULL, NULL, NULL };
  Block blocks[N_BLOCKS];
  GThread *writer;
  gulong cancelled_id;

  body = soup_session_send (self->session, self->message, cancellable, error);
  if (body == NULL)
    {
      const char *presented = hallway_client_get_presented_id (self->message);

      if (presented != NULL && self->expected_id != NULL &&
          g_strcmp0 (presented, self->expected_id) != 0)
        {
          g_clear_error (error);
          g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH,
                               _("The other computer presents a different identity than "
                                 "the one it announced; nothing was copied from it"));
        }
      return FALSE;
    }
  if (!check_answer (self, error))
    {
      g_input_stream_close (body, NULL, NULL);
      return FALSE;
    }
  /* AES-GCM runs at GB/s with AES-NI, ChaCha20 in GnuTLS at ~0.3 GB/s
   * (notes/perf-baselines.md): worth seeing which one a copy got. */
  g_debug ("Receiving a folder stream over %s",
           soup_message_get_tls_ciphersuite_name (self->message) != NULL
             ? soup_message_get_tls_ciphersuite_name (self->message) : "?");

  pipe.full = g_async_queue_new ();
  pipe.empty = g_async_queue_new ();
  pipe.stop = g_cancellable_new ();
  cancelled_id = cancellable != NULL
                   ? g_cancellable_connect (cancellable, G_CALLBACK (cancel_too), pipe.stop, NULL)
                   : 0;
  for (guint i = 0; i < N_BLOCKS; i++)
    {
      blocks[i].data = g_malloc (HALLWAY_BLOCK_SIZE);
      blocks[i].length = 0;
      blocks[i].error = NULL;
      g_async_queue_push (pipe.empty, &blocks[i]);
    }
  writer = g_thread_new ("hallway-bulk-write", write_thread, &pipe);

  for (;;)
    {
      Block *block = g_async_queue_pop (pipe.empty);

      block->length = 0;
      if (!g_input_stream_read_all (body, block->data, HALLWAY_BLOCK_SIZE,
                                    &block->length, pipe.stop, &block->error))
        {
          g_async_queue_push (pipe.full, block);
          break;
        }
      add_counter (&self->received, block->length);
      g_async_queue_push (pipe.full, block);
      if (block->length < HALLWAY_BLOCK_SIZE)
        break;
    }

  g_thread_join (writer);
  g_cancellable_disconnect (cancellable, cancelled_id);
  for (guint i = 0; i < N_BLOCKS; i++)
    {
      g_free (blocks[i].data);
      g_clear_error (&blocks[i].error);
    }
  g_async_queue_unref (pipe.full);
  g_async_queue_unref (pipe.empty);
  g_object_unref (pipe.stop);

  if (pipe.error != NULL)
    {
      g_propagate_error (error, pipe.error);
      return FALSE;
    }
  g_input_stream_close (body, NULL, NULL);
  return TRUE;
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  HallwayBulkReceive *self = task_data;
  g_autoptr(GError) error = NULL;

  if (receive (self, cancellable, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (g_cancellable_is_cancelled (cancellable))
    {
      /* Stopped (cancelled, or the link stalled): what is complete but not
       * yet synced is fetched again; a big file in progress stays for the
       * caller to continue or remove. */
      discard_batch (self);
      drop_current (self, TRUE);
    }
  else if (error->domain == HALLWAY_ERROR &&
           (error->code == HALLWAY_ERROR_FAILED || error->code == HALLWAY_ERROR_INVALID_DATA))
    {
      /* The disk, or a stream that can't be trusted: nothing of this one
       * is kept but what was placed already. */
      discard_batch (self);
      drop_current (self, FALSE);
    }
  else
    {
      g_autoptr(GError) place_error = NULL;

      /* The network: the files that arrived whole are kept. */
      drop_current (self, TRUE);
      if (!place_batch (self, &place_error))
        {
          discard_batch (self);
          g_clear_error (&error);
          error = g_steal_pointer (&place_error);
        }
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

void
hallway_bulk_receive_run_async (HallwayBulkReceive  *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, hallway_bulk_receive_run_async);
  g_task_set_task_data (task, hallway_bulk_receive_ref (self),
                        (GDestroyNotify) hallway_bulk_receive_unref);
  g_task_run_in_thread (task, run_thread);
}

gboolean
hallway_bulk_receive_run_finish (HallwayBulkReceive  *self,
                                 GAsyncResult        *result,
                                 GError             **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
