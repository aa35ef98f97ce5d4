/* hallway-bulk-source.c: local files read as one folder stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What an upload sends as its request body: the folders and files it was
 * given, in that order (bulk order: the caller walks each folder's entries
 * sorted with strcmp()), encoded as a folder stream (hallway-bulk.c), with
 * no ETags. A worker thread opens and reads the files in blocks of
 * SOURCE_BLOCK_SIZE and at most SOURCE_MAX_QUEUED of them wait to be
 * read, so the disk and the network overlap and memory stays bounded. A
 * read that finds a block ready completes at once, without a trip through
 * a thread per read.
 *
 * The length of the stream is known before it starts (each file's size as
 * it was walked), so it goes with a Content-Length. A file whose size is
 * no longer the one walked, that changes while it is read (its size, time
 * or inode differ after the last byte, or one more byte is there) or that
 * became a link, cannot be sent as promised: the stream fails with an
 * error, before the end record, and hallway_bulk_source_get_changed() says
 * which file, so the caller can walk again and send the rest. A receiver
 * never gets a mix of two versions of a file.
 */
#include "config.h"

#include "hallway-bulk-source.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hallway-bulk.h"

#define SOURCE_BLOCK_SIZE  (1024 * 1024)
#define SOURCE_MAX_QUEUED  4

struct _HallwayBulkSource
{
  GInputStream  parent_instance;

  GPtrArray    *items;          /* HallwayBulkSourceItem */
  guint64       length;
  GMainContext *context;        /* where reads are asked for */
  GThread      *thread;

  GMutex        lock;
  GCond         cond;
  GQueue        blocks;         /* GBytes, at most SOURCE_MAX_QUEUED */
  GBytes       *current;        /* being read */
  gsize         offset;         /* in it */
  gboolean      produced;       /* the worker is done */
  GError       *error;          /* (nullable) … and failed */
  gboolean      closed;         /* nobody reads any more */
  GTask        *pending;        /* (nullable) a read waiting for a block */
  guint8       *pending_buffer;
  gsize         pending_count;
  char         *changed;        /* (nullable) the file that changed */

  /* The worker's */
  GByteArray   *out;
};

G_DEFINE_FINAL_TYPE (HallwayBulkSource, hallway_bulk_source, G_TYPE_INPUT_STREAM)

void
hallway_bulk_source_item_free (HallwayBulkSourceItem *item)
{
  g_free (item->name);
  g_free (item->path);
  g_free (item);
}

/* Reading side, with the lock held: how many bytes were copied, 0 at the
 * end, -1 when nothing is there yet, -2 on failure (set in @error). */
static gssize
take_locked (HallwayBulkSource  *self,
             guint8             *buffer,
             gsize               count,
             GError            **error)
{
  gsize size;
  gsize n;

  if (self->current == NULL)
    {
      self->current = g_queue_pop_head (&self->blocks);
      self->offset = 0;
      g_cond_broadcast (&self->cond);
    }
  if (self->current == NULL)
    {
      if (!self->produced)
        return -1;
      if (self->error != NULL)
        {
          g_propagate_error (error, g_error_copy (self->error));
          return -2;
        }
      return 0;
    }
  size = g_bytes_get_size (self->current);
  n = MIN (count, size - self->offset);
  memcpy (buffer, (const guint8 *) g_bytes_get_data (self->current, NULL) + self->offset, n);
  self->offset += n;
  if (self->offset == size)
    g_clear_pointer (&self->current, g_bytes_unref);
  return n;
}

static void
return_taken (GTask  *task,
              gssize  n,
              GError *error)
{
  if (n >= 0)
    g_task_return_int (task, n);
  else
    g_task_return_error (task, error);
}

static gboolean
complete_pending_cb (gpointer user_data)
{
  HallwayBulkSource *self = user_data;
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  gssize n;

  g_mutex_lock (&self->lock);
  if (self->pending == NULL)
    {
      g_mutex_unlock (&self->lock);
      return G_SOURCE_REMOVE;
    }
  n = take_locked (self, self->pending_buffer, self->pending_count, &error);
  if (n == -1)
    {
      /* Woken early: still waiting. */
      g_mutex_unlock (&self->lock);
      return G_SOURCE_REMOVE;
    }
  task = g_steal_pointer (&self->pending);
  g_mutex_unlock (&self->lock);
  return_taken (task, n, error);
  return G_SOURCE_REMOVE;
}

/* Worker: with the lock held, wakes a read waiting for a block. */
static void
wake_pending_locked (HallwayBulkSource *self)
{
  g_cond_broadcast (&self->cond);
  if (self->pending != NULL)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, complete_pending_cb,
                                g_object_ref (self), g_object_unref);
}

/* Queues the block being filled; FALSE once nobody reads any more. */
static gboolean
flush_block (HallwayBulkSource *self)
{
  gboolean closed;

  if (self->out->len == 0)
    return TRUE;
  g_mutex_lock (&self->lock);
  while (!self->closed && g_queue_get_length (&self->blocks) >= SOURCE_MAX_QUEUED)
    g_cond_wait (&self->cond, &self->lock);
  closed = self->closed;
  if (!closed)
    {
      g_queue_push_tail (&self->blocks, g_byte_array_free_to_bytes (self->out));
      self->out = g_byte_array_sized_new (SOURCE_BLOCK_SIZE);
      wake_pending_locked (self);
    }
  g_mutex_unlock (&self->lock);
  if (closed)
    g_byte_array_set_size (self->out, 0);
  return !closed;
}

static gboolean
set_changed (HallwayBulkSource      *self,
             HallwayBulkSourceItem  *item,
             GError                **error)
{
  g_mutex_lock (&self->lock);
  g_free (self->changed);
  self->changed = g_strdup (item->path);
  g_mutex_unlock (&self->lock);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
               /* Translators: %s is a file. */
               _("“%s” changed while it was being sent"), item->path);
  return FALSE;
}

/* Appends a file's record and bytes. */
static gboolean
send_file (HallwayBulkSource      *self,
           HallwayBulkSourceItem  *item,
           GError                **error)
{
  struct stat before;
  struct stat after;
  guint64 offset = 0;
  gboolean ok = TRUE;
  char extra;
  int fd;

  fd = open (item->path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return set_changed (self, item, error);
  if (fstat (fd, &before) != 0 || !S_ISREG (before.st_mode) || before.st_size != item->size)
    {
      close (fd);
      return set_changed (self, item, error);
    }
  if (!hallway_bulk_append_header (self->out, HALLWAY_BULK_TYPE_FILE, item->name, NULL,
                                   before.st_size, error))
    {
      close (fd);
      return FALSE;
    }

  while (ok && offset < (guint64) before.st_size)
    {
      gsize room = SOURCE_BLOCK_SIZE > self->out->len ? SOURCE_BLOCK_SIZE - self->out->len : 0;
      gsize want;
      gsize old_len;
      ssize_t n;

      if (room == 0)
        {
          if (!flush_block (self))
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "closed");
              ok = FALSE;
            }
          continue;
        }
      want = (gsize) MIN ((guint64) room, (guint64) before.st_size - offset);
      old_len = self->out->len;
      g_byte_array_set_size (self->out, old_len + want);
      do
        n = pread (fd, self->out->data + old_len, want, offset);
      while (n < 0 && errno == EINTR);
      if (n <= 0)
        {
          g_byte_array_set_size (self->out, old_len);
          ok = set_changed (self, item, error);
          break;
        }
      g_byte_array_set_size (self->out, old_len + n);
      offset += n;
    }

  /* One more byte, and the file's state again: a file that grew or was
   * rewritten meanwhile would arrive as neither version. */
  if (ok && (pread (fd, &extra, 1, offset) != 0 || fstat (fd, &after) != 0 ||
             !hallway_bulk_same_version (&before, &after)))
    ok = set_changed (self, item, error);
  close (fd);
  return ok;
}

static gpointer
produce_thread (gpointer data)
{
  HallwayBulkSource *self = data;
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  hallway_bulk_append_magic (self->out);
  for (guint i = 0; ok && i < self->items->len; i++)
    {
      HallwayBulkSourceItem *item = g_ptr_array_index (self->items, i);

      if (item->size < 0)
        ok = hallway_bulk_append_header (self->out, HALLWAY_BULK_TYPE_FOLDER, item->name, NULL,
                                         0, &error);
      else
        ok = send_file (self, item, &error);
      if (ok && self->out->len >= SOURCE_BLOCK_SIZE && !flush_block (self))
        {
          g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "closed");
          ok = FALSE;
        }
    }
  if (ok)
    {
      hallway_bulk_append_end (self->out, self->items->len);
      flush_block (self);
    }

  g_mutex_lock (&self->lock);
  self->produced = TRUE;
  self->error = g_steal_pointer (&error);
  wake_pending_locked (self);
  g_mutex_unlock (&self->lock);
  return NULL;
}

static void
start_locked (HallwayBulkSource *self)
{
  if (self->thread == NULL && !self->produced)
    {
      if (self->context == NULL)
        self->context = g_main_context_ref_thread_default ();
      self->thread = g_thread_new ("hallway-push-read", produce_thread, self);
    }
}

static gssize
source_read (GInputStream  *stream,
             void          *buffer,
             gsize          count,
             GCancellable  *cancellable,
             GError       **error)
{
  HallwayBulkSource *self = HALLWAY_BULK_SOURCE (stream);
  gssize n;

  g_mutex_lock (&self->lock);
  start_locked (self);
  while ((n = take_locked (self, buffer, count, error)) == -1)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  return n >= 0 ? n : -1;
}

static void
source_read_async (GInputStream        *stream,
                   void                *buffer,
                   gsize                count,
                   int                  io_priority,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  HallwayBulkSource *self = HALLWAY_BULK_SOURCE (stream);
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);
  GError *error = NULL;
  gssize n;

  g_task_set_source_tag (task, source_read_async);
  g_mutex_lock (&self->lock);
  start_locked (self);
  n = take_locked (self, buffer, count, &error);
  if (n == -1)
    {
      /* The worker completes it once a block is there. */
      self->pending = g_steal_pointer (&task);
      self->pending_buffer = buffer;
      self->pending_count = count;
      g_mutex_unlock (&self->lock);
      return;
    }
  g_mutex_unlock (&self->lock);
  return_taken (task, n, error);
}

static gssize
source_read_finish (GInputStream  *stream,
                    GAsyncResult  *result,
                    GError       **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static void
stop (HallwayBulkSource *self)
{
  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (self->thread != NULL)
    g_thread_join (g_steal_pointer (&self->thread));
}

static gboolean
source_close (GInputStream  *stream,
              GCancellable  *cancellable,
              GError       **error)
{
  stop (HALLWAY_BULK_SOURCE (stream));
  return TRUE;
}

static void
hallway_bulk_source_finalize (GObject *object)
{
  HallwayBulkSource *self = HALLWAY_BULK_SOURCE (object);

  stop (self);
  g_ptr_array_unref (self->items);
  if (self->context != NULL)
    g_main_context_unref (self->context);
  g_queue_clear_full (&self->blocks, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->current, g_bytes_unref);
  g_clear_error (&self->error);
  g_clear_object (&self->pending);
  g_free (self->changed);
  g_byte_array_unref (self->out);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (hallway_bulk_source_parent_class)->finalize (object);
}

static void
hallway_bulk_source_class_init (HallwayBulkSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = hallway_bulk_source_finalize;
  stream_class->read_fn = source_read;
  stream_class->read_async = source_read_async;
  stream_class->read_finish = source_read_finish;
  stream_class->close_fn = source_close;
}

static void
hallway_bulk_source_init (HallwayBulkSource *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->out = g_byte_array_sized_new (SOURCE_BLOCK_SIZE);
}

/**
 * hallway_bulk_source_new:
 * @items: (transfer full) (element-type HallwayBulkSourceItem): what to
 *   send, in bulk order
 *
 * Returns: (transfer full): a stream of @items as a folder stream; it
 *   starts reading the files at its first read
 */
HallwayBulkSource *
hallway_bulk_source_new (GPtrArray *items)
{
  HallwayBulkSource *self = g_object_new (HALLWAY_TYPE_BULK_SOURCE, NULL);

  self->items = items;
  self->length = HALLWAY_BULK_MAGIC_LEN + HALLWAY_BULK_HEADER_LEN;
  for (guint i = 0; i < items->len; i++)
    {
      HallwayBulkSourceItem *item = g_ptr_array_index (items, i);

      self->length += HALLWAY_BULK_HEADER_LEN + strlen (item->name) + MAX (item->size, 0);
    }
  return self;
}

/* Returns: the number of bytes the whole stream has */
guint64
hallway_bulk_source_get_length (HallwayBulkSource *self)
{
  g_return_val_if_fail (HALLWAY_IS_BULK_SOURCE (self), 0);

  return self->length;
}

/**
 * hallway_bulk_source_get_changed:
 *
 * Returns: (nullable): the local file that changed while it was read, if
 *   that is why the stream failed
 */
const char *
hallway_bulk_source_get_changed (HallwayBulkSource *self)
{
  const char *changed;

  g_return_val_if_fail (HALLWAY_IS_BULK_SOURCE (self), NULL);

  g_mutex_lock (&self->lock);
  changed = self->changed;
  g_mutex_unlock (&self->lock);
  return changed;
}
