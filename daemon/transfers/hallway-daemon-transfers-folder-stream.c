/* hallway-daemon-transfers-folder-stream.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Folder streams: the files of a download that have no part file yet come
 * in one answer (GET …?bulk=1&from=NAME) rather than one request each,
 * received by hallway-daemon-bulk-receive.c in worker threads, made
 * durable a batch at a time (one syncfs(), then the renames, then one
 * fsync per folder) and saved as done after each batch. A file with a
 * part file, files the stream did not bring (symbolic links, files added
 * since the listing) and neighbours that send no folder streams go one
 * file at a time (hallway-daemon-transfers-download.c).
 */
#include "config.h"

#include "hallway-daemon-transfers-private.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hallway-bulk.h"
#include "hallway-daemon-bulk-receive.h"
#include "hallway-path.h"

typedef struct
{
  Transfer           *t;            /* (owned) (nullable) NULL once finished */
  guint               generation;
  HallwayBulkReceive *receive;      /* (unowned) it owns this */
  GCancellable       *cancellable;  /* this stream's: cancelled with the attempt, or when stalled */
  gulong              cancelled_id;
  GCancellable       *parent;
  guint               tick_id;
  guint64             last_received;
  gint64              last_change;
  gboolean            stalled;
  guint               placed;
  GPtrArray          *claimed;      /* part file paths this stream may create */
} BulkRun;

static void
bulk_run_free (gpointer data)
{
  BulkRun *run = data;

  /* Everything else was let go of on the main context, in bulk_done_cb. */
  g_free (run);
}

/* Files now under their final names, and the big file being written. */
static void
bulk_take_results (BulkRun *run)
{
  Transfer *t = run->t;
  g_autoptr(GPtrArray) placed = hallway_bulk_receive_take_placed (run->receive);
  g_autofree char *rel = NULL;
  g_autofree char *part = NULL;
  g_autofree char *etag = NULL;

  for (guint i = 0; i < placed->len; i++)
    {
      const HallwayBulkPlaced *p = g_ptr_array_index (placed, i);

      if (g_hash_table_contains (t->done, p->rel))
        continue;
      g_hash_table_add (t->done, g_strdup (p->rel));
      g_ptr_array_add (t->record->done, g_strdup (p->rel));
      t->record->files_done++;
      /* The listing's size may be older than the file: count what arrived. */
      t->record->total = t->record->total - p->listed_size + p->size;
      t->done_bytes += p->size;
    }
  run->placed += placed->len;
  if (t->record->current != NULL && g_hash_table_contains (t->done, t->record->current))
    {
      _transfer_set_part_path (t, NULL);
      g_clear_pointer (&t->record->current, g_free);
      g_clear_pointer (&t->record->current_etag, g_free);
    }

  if (hallway_bulk_receive_take_current (run->receive, &rel, &part, &etag))
    {
      if (_transfer_is_current (t, run->generation))
        {
          /* Saved, so that a copy cut off mid-file continues from there. */
          _transfer_set_part_path (t, part);
          g_free (t->record->current);
          t->record->current = g_steal_pointer (&rel);
          g_free (t->record->current_etag);
          t->record->current_etag = g_steal_pointer (&etag);
        }
      else if (t->owner == NULL || _transfer_state_is_finished (t->state))
        g_unlink (part);
    }

  if (placed->len > 0 || part != NULL)
    {
      t->bulk_failures = 0;
      _transfer_update_progress (t);
      /* At once: files placed but not saved as done would be copied again
       * after a crash, as "name (2)". */
      _transfers_save (t->owner);
    }
}

static void
bulk_notify_cb (gpointer user_data)
{
  BulkRun *run = user_data;

  if (run->t != NULL)
    bulk_take_results (run);
}

static gboolean
bulk_tick_cb (gpointer user_data)
{
  BulkRun *run = user_data;
  guint64 received = hallway_bulk_receive_get_received (run->receive);
  gint64 now = g_get_monotonic_time ();

  run->t->current_bytes = hallway_bulk_receive_get_pending (run->receive);
  if (received != run->last_received)
    {
      run->last_received = received;
      run->last_change = now;
      run->t->failures = 0;
    }
  else if (now - run->last_change > HALLWAY_TRANSFER_STALL_S * G_USEC_PER_SEC)
    {
      run->stalled = TRUE;
      run->tick_id = 0;
      g_cancellable_cancel (run->cancellable);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
bulk_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  BulkRun *run = user_data;
  g_autoptr(Transfer) t = g_steal_pointer (&run->t);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = hallway_bulk_receive_run_finish (run->receive, result, &error);
  g_clear_handle_id (&run->tick_id, g_source_remove);
  /* The part files it did not create (or placed) are free for others again;
   * one it left mid-file is claimed as the transfer's current one below. */
  for (guint i = 0; i < run->claimed->len; i++)
    {
      const char *path = g_ptr_array_index (run->claimed, i);

      if (t->owner != NULL && g_hash_table_lookup (t->owner->parts, path) == t &&
          g_strcmp0 (path, t->part_path) != 0)
        g_hash_table_remove (t->owner->parts, path);
    }
  g_clear_pointer (&run->claimed, g_ptr_array_unref);
  g_cancellable_disconnect (run->parent, run->cancelled_id);
  g_clear_object (&run->parent);
  g_clear_object (&run->cancellable);
  run->t = t;
  bulk_take_results (run);
  run->t = NULL;

  if (!_transfer_is_current (t, run->generation))
    return;
  t->current_bytes = 0;

  if (ok)
    {
      _transfer_log (t, G_LOG_LEVEL_DEBUG, "the folder stream is complete");
      t->bulk_done = TRUE;
      t->next_file = 0;
      _transfer_next_file (t);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    {
      _transfer_log (t, G_LOG_LEVEL_DEBUG, "no folder streams there; one file at a time");
      t->bulk_refused = TRUE;
      t->next_file = 0;
      _transfer_next_file (t);
    }
  else if (run->stalled)
    {
      g_autoptr(GError) stalled = _transfer_stall_error_new ();
      _transfer_network_error (t, stalled);
    }
  else if (_transfer_error_is_transient (error) && run->placed > 0)
    {
      /* Cut off after some files arrived: ask for the rest at once. */
      _transfer_log (t, G_LOG_LEVEL_DEBUG, error->message);
      t->next_file = 0;
      _transfer_next_file (t);
    }
  else
    {
      if (_transfer_error_is_transient (error))
        t->bulk_failures++;
      _transfer_network_error (t, error);
    }
}

static void
bulk_parent_cancelled_cb (GCancellable *parent,
                          gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* Fetches the files not copied yet in one folder stream. Returns FALSE
 * when there is nothing to fetch that way. */
gboolean
_transfer_try_folder_stream (Transfer *t)
{
  g_autoptr(GHashTable) targets = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(HallwayBulkReceive) receive = NULL;
  g_autoptr(GPtrArray) claimed = NULL;
  g_auto(GStrv) remote = NULL;
  g_autofree char *address = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *href = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *message_text = NULL;
  const char *from = NULL;
  guint16 port = 0;
  BulkRun *run;

  if (t->owner == NULL || t->bulk_refused || t->bulk_done || t->bulk_failures >= 2)
    return FALSE;

  targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) hallway_bulk_target_free);
  claimed = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < t->files->len; i++)
    {
      const FileItem *item = g_ptr_array_index (t->files, i);
      g_autofree char *part_name = NULL;
      g_autofree char *part_path = NULL;
      const char *key;
      HallwayBulkTarget *target;

      if (g_hash_table_contains (t->done, item->rel))
        continue;
      /* In the stream, names are below the folder asked for. */
      key = t->folder ? strchr (item->rel, '/') : item->name;
      if (key == NULL)
        continue;
      if (t->folder)
        key++;
      if (!hallway_bulk_name_is_valid (key) || g_hash_table_contains (targets, key))
        continue;
      part_name = hallway_transfer_part_name (item->name);
      part_path = g_build_filename (item->local_dir, part_name, NULL);
      if (g_hash_table_contains (t->owner->parts, part_path) ||
          g_file_test (part_path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
        continue;

      target = g_new0 (HallwayBulkTarget, 1);
      target->rel = g_strdup (item->rel);
      target->local_dir = g_strdup (item->local_dir);
      target->name = g_strdup (item->name);
      target->listed_size = item->size;
      g_hash_table_insert (targets, g_strdup (key), target);
      g_ptr_array_add (claimed, g_steal_pointer (&part_path));
      if (from == NULL || hallway_bulk_name_compare (key, from) < 0)
        from = key;
    }
  if (g_hash_table_size (targets) == 0)
    return FALSE;

  if (!_transfer_get_endpoint (t, &address, &port))
    return TRUE;

  remote = _transfer_split_path (t->record->path);
  prefix = g_strdup_printf ("/shares/%s", t->record->share_id);
  href = hallway_path_join_href (prefix, (const char * const *) remote, t->folder);
  if (t->folder)
    {
      g_autofree char *escaped = g_uri_escape_string (from, NULL, FALSE);

      uri = g_strconcat (href, "?bulk=1&from=", escaped, NULL);
    }
  else
    uri = g_strconcat (href, "?bulk=1", NULL);
  message = hallway_client_new_message (t->owner->client, SOUP_METHOD_GET, address, port, uri,
                                        t->record->peer_id, &error);
  if (message == NULL)
    {
      _transfer_fail (t, error->message);
      return TRUE;
    }

  run = g_new0 (BulkRun, 1);
  run->t = _transfer_ref (t);
  run->generation = t->generation;
  run->cancellable = g_cancellable_new ();
  run->parent = g_object_ref (t->cancellable);
  run->cancelled_id = g_cancellable_connect (run->parent, G_CALLBACK (bulk_parent_cancelled_cb),
                                             g_object_ref (run->cancellable), g_object_unref);
  run->last_change = g_get_monotonic_time ();
  /* Like any part file, those the stream writes belong to this transfer
   * until they are renamed: another transfer copying the same names into
   * the same folder must not open them meanwhile (see open_part()). */
  for (guint i = 0; i < claimed->len; i++)
    g_hash_table_insert (t->owner->parts, g_strdup (g_ptr_array_index (claimed, i)), t);
  run->claimed = g_steal_pointer (&claimed);
  message_text = g_strdup_printf ("%u files in one folder stream", g_hash_table_size (targets));
  _transfer_log (t, G_LOG_LEVEL_DEBUG, message_text);

  receive = hallway_bulk_receive_new (hallway_client_get_session (t->owner->client), message,
                                      t->record->peer_id, t->record->path, targets,
                                      bulk_notify_cb, run, bulk_run_free);
  run->receive = receive;
  run->tick_id = g_timeout_add (HALLWAY_TRANSFER_PROGRESS_MS, bulk_tick_cb, run);
  hallway_bulk_receive_run_async (receive, run->cancellable, bulk_done_cb, run);
  return TRUE;
}
