/* hallway-state-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallwayd keeps what must survive a restart (the transfer queue, the
 * offers being received) in small JSON files under $XDG_STATE_HOME,
 * saved after every change that matters. Writing one costs an fsync, so
 * it never happens on the main loop: the owner's state is built there (it
 * is not thread-safe), then written in a worker thread.
 *
 * Saves are coalesced: while one is written, any number of requests make
 * one more save when it ends, of the state as it is then. Each state
 * built gets a generation number, and the file is only ever replaced by a
 * newer one, so a slow save in a worker thread that ends after a later
 * one (the synchronous save at shutdown) can't put an older state back.
 * The file is written with g_file_set_contents_full(): a crash leaves the
 * old contents or the new, never a mix, and it is mode 0600 in a 0700
 * folder.
 */
#include "config.h"

#include "hallway-state-file.h"

#include <errno.h>
#include <glib/gstdio.h>

struct _HallwayStateFile
{
  GObject                    parent_instance;

  char                      *path;
  HallwayStateFileBuildFunc  build;       /* NULL once closed */
  gpointer                   user_data;
  gboolean                   saving;      /* a worker thread is writing */
  gboolean                   save_again;  /* asked for meanwhile */
  guint                      later_id;
  guint64                    generation;  /* of the last state built */

  GMutex                     lock;
  guint64                    written;     /* (protected by lock) generation on disk */
};

G_DEFINE_FINAL_TYPE (HallwayStateFile, hallway_state_file, G_TYPE_OBJECT)

enum { SIGNAL_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct
{
  char    *text;
  gsize    length;
  guint64  generation;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->text);
  g_free (data);
}

/* Writes one state unless a newer one is on disk already. Safe from any
 * thread. */
static gboolean
write_generation (HallwayStateFile  *self,
                  const char        *text,
                  gsize              length,
                  guint64            generation,
                  GError           **error)
{
  g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new (&self->lock);
  g_autofree char *dir = NULL;

  if (generation <= self->written)
    return TRUE;
  dir = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  if (!g_file_set_contents_full (self->path, text, length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, error))
    return FALSE;
  self->written = generation;
  return TRUE;
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  GError *error = NULL;

  if (write_generation (source_object, data->text, data->length, data->generation, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  HallwayStateFile *self = HALLWAY_STATE_FILE (source);
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error) && self->build != NULL)
    g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
  if (self->save_again)
    {
      self->save_again = FALSE;
      hallway_state_file_save (self);
    }
}

/**
 * hallway_state_file_new:
 * @path: the file
 * @build: makes its contents from the owner's state
 * @user_data: for @build; it must live until hallway_state_file_close()
 *
 * Returns: (transfer full): a state file that writes nothing until asked
 */
HallwayStateFile *
hallway_state_file_new (const char                *path,
                        HallwayStateFileBuildFunc  build,
                        gpointer                   user_data)
{
  HallwayStateFile *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (build != NULL, NULL);

  self = g_object_new (HALLWAY_TYPE_STATE_FILE, NULL);
  self->path = g_strdup (path);
  self->build = build;
  self->user_data = user_data;
  return self;
}

const char *
hallway_state_file_get_path (HallwayStateFile *self)
{
  g_return_val_if_fail (HALLWAY_IS_STATE_FILE (self), NULL);

  return self->path;
}

/**
 * hallway_state_file_save:
 * @self: a #HallwayStateFile
 *
 * Saves the state as it is now, in a worker thread, or right after the
 * save under way. A failure is reported by #HallwayStateFile::failed.
 */
void
hallway_state_file_save (HallwayStateFile *self)
{
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  g_return_if_fail (HALLWAY_IS_STATE_FILE (self));

  if (self->build == NULL)
    return;
  g_clear_handle_id (&self->later_id, g_source_remove);
  if (self->saving)
    {
      self->save_again = TRUE;
      return;
    }

  data = g_new0 (SaveData, 1);
  data->text = self->build (self->user_data, &data->length);
  data->generation = ++self->generation;
  self->saving = TRUE;
  task = g_task_new (self, NULL, saved_cb, NULL);
  g_task_set_source_tag (task, hallway_state_file_save);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_thread);
}

static gboolean
later_cb (gpointer user_data)
{
  HallwayStateFile *self = user_data;

  self->later_id = 0;
  hallway_state_file_save (self);
  return G_SOURCE_REMOVE;
}

/**
 * hallway_state_file_save_later:
 * @self: a #HallwayStateFile
 * @delay_ms: at most how long the save may wait
 *
 * Building the state costs time in proportion to all it holds: changes
 * that come in quick succession (thousands of small files finished) are
 * gathered and saved together, at the latest after @delay_ms. The cost is
 * that a change made in that time is lost by a crash.
 */
void
hallway_state_file_save_later (HallwayStateFile *self,
                               guint             delay_ms)
{
  g_return_if_fail (HALLWAY_IS_STATE_FILE (self));

  if (self->build == NULL || self->later_id != 0)
    return;
  self->later_id = g_timeout_add (delay_ms, later_cb, self);
}

/**
 * hallway_state_file_save_now:
 * @self: a #HallwayStateFile
 * @error: return location for a #GError
 *
 * Saves the state as it is now, in this thread (at shutdown, in tests):
 * newer than any save under way, which will not replace it.
 *
 * Returns: whether it was saved
 */
gboolean
hallway_state_file_save_now (HallwayStateFile  *self,
                             GError           **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  g_return_val_if_fail (HALLWAY_IS_STATE_FILE (self), FALSE);

  if (self->build == NULL)
    return TRUE;
  g_clear_handle_id (&self->later_id, g_source_remove);
  self->save_again = FALSE;
  text = self->build (self->user_data, &length);
  return write_generation (self, text, length, ++self->generation, error);
}

/**
 * hallway_state_file_close:
 * @self: a #HallwayStateFile
 * @error: return location for a #GError
 *
 * Lets go of the owner: a save still waiting is done now, in this thread,
 * and the build function is never called again. A save under way in a
 * worker thread ends by itself.
 *
 * Returns: whether what was waiting (if anything) was saved
 */
gboolean
hallway_state_file_close (HallwayStateFile  *self,
                          GError           **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (HALLWAY_IS_STATE_FILE (self), FALSE);

  if (self->later_id != 0 || self->save_again)
    ok = hallway_state_file_save_now (self, error);
  self->build = NULL;
  self->user_data = NULL;
  return ok;
}

static void
hallway_state_file_dispose (GObject *object)
{
  HallwayStateFile *self = HALLWAY_STATE_FILE (object);

  g_clear_handle_id (&self->later_id, g_source_remove);
  self->build = NULL;

  G_OBJECT_CLASS (hallway_state_file_parent_class)->dispose (object);
}

static void
hallway_state_file_finalize (GObject *object)
{
  HallwayStateFile *self = HALLWAY_STATE_FILE (object);

  g_free (self->path);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (hallway_state_file_parent_class)->finalize (object);
}

static void
hallway_state_file_class_init (HallwayStateFileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_state_file_dispose;
  object_class->finalize = hallway_state_file_finalize;

  /**
   * HallwayStateFile::failed:
   * @self: the state file
   * @error: why a save in a worker thread failed
   *
   * The owner decides what to tell; the next save tries again.
   */
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hallway_state_file_init (HallwayStateFile *self)
{
  g_mutex_init (&self->lock);
}
