/* hallway-daemon-transfers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallwayd's transfer engine: copies files and whole folders from a
 * neighbour's share (downloads), into a neighbour's writable share
 * (uploads), or to a colleague who accepts them (sends), a few transfers
 * at a time, each moving its files one after the other over a kept-alive
 * connection. This file is the engine: the queue, the states, retries,
 * progress, saving and the Transfer1 objects. What each kind does is in
 * its own file, behind a TransferKind (hallway-daemon-transfers-private.h).
 *
 * Network trouble (refused connections, resets, TLS errors, a stalled
 * link) puts a transfer in "waiting": it is retried with back-off, and at
 * once when the neighbour is seen online again. Anything else (not found,
 * refused, the disk full) fails it with a plain-words error. The queue is
 * saved under $XDG_STATE_HOME/hallway/transfers.json on every change that
 * matters for resuming, so a killed hallwayd continues by itself.
 */
#include "config.h"

#include "hallway-daemon-transfers.h"
#include "hallway-daemon-transfers-private.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "hallway-error.h"
#include "hallway-path.h"

#define SAVE_DELAY_MS 250

G_DEFINE_FINAL_TYPE (HallwayDaemonTransfers, hallway_daemon_transfers, G_TYPE_OBJECT)

void
_transfer_file_item_free (gpointer data)
{
  FileItem *item = data;

  g_free (item->rel);
  g_strfreev (item->remote);
  g_free (item->local_dir);
  g_free (item->name);
  g_free (item);
}

void
_transfer_folder_item_free (gpointer data)
{
  FolderItem *item = data;

  g_free (item->rel);
  g_strfreev (item->remote);
  g_free (item->local_dir);
  g_free (item);
}

Transfer *
_transfer_ref (Transfer *t)
{
  g_atomic_ref_count_inc (&t->ref_count);
  return t;
}

void
_transfer_unref (Transfer *t)
{
  if (!g_atomic_ref_count_dec (&t->ref_count))
    return;

  g_clear_handle_id (&t->retry_id, g_source_remove);
  g_clear_object (&t->cancellable);
  g_clear_object (&t->iface);
  g_clear_object (&t->object);
  g_clear_pointer (&t->record, hallway_transfer_record_free);
  g_clear_pointer (&t->done, g_hash_table_unref);
  g_clear_pointer (&t->files, g_ptr_array_unref);
  if (t->folders != NULL)
    g_queue_free_full (t->folders, _transfer_folder_item_free);
  g_free (t->state);
  g_free (t->part_path);
  g_free (t);
}

gboolean
_transfer_state_is_finished (const char *state)
{
  return g_str_equal (state, "done") || g_str_equal (state, "failed") ||
         g_str_equal (state, "cancelled");
}

gboolean
_transfer_is_current (Transfer *t,
                      guint     generation)
{
  return t->owner != NULL && t->generation == generation && g_str_equal (t->state, "running");
}

/* Like _transfer_is_current(), but a send waiting for its answer
 * ("offered") is as alive as a running one. */
gboolean
_transfer_is_active (Transfer *t,
                     guint     generation)
{
  return t->owner != NULL && t->generation == generation &&
         (g_str_equal (t->state, "running") || g_str_equal (t->state, "offered"));
}

void
_transfer_log (Transfer       *t,
               GLogLevelFlags  level,
               const char     *message)
{
  g_log_structured (G_LOG_DOMAIN, level,
                    "HALLWAY_PEER", t->record->peer_name,
                    "HALLWAY_TRANSFER", t->record->id,
                    "MESSAGE", "Transfer %s (‘%s’ from ‘%s’): %s", t->record->id,
                    hallway_dbus_transfer1_get_path (t->iface), t->record->peer_name, message);
}

void
_transfer_update_progress (Transfer *t)
{
  HallwayDBusTransfer1 *iface = t->iface;
  guint64 bytes = t->done_bytes + t->current_bytes;
  guint64 total = t->record->total;
  gint64 now = g_get_monotonic_time ();
  gint64 eta = -1;

  if (g_str_equal (t->state, "running"))
    {
      if (t->rate_time != 0 && now > t->rate_time && bytes >= t->rate_bytes)
        {
          double instant = (bytes - t->rate_bytes) * (double) G_USEC_PER_SEC / (now - t->rate_time);

          /* Smooth over about a second: ten updates a second. */
          t->rate = t->rate == 0 ? instant : 0.8 * t->rate + 0.2 * instant;
        }
      t->rate_bytes = bytes;
      t->rate_time = now;
      if (t->rate >= 1 && total >= bytes)
        eta = (gint64) ((total - bytes) / t->rate + 0.5);
    }
  else
    {
      t->rate = 0;
      t->rate_time = 0;
    }

  t->record->bytes = bytes;
  if (hallway_dbus_transfer1_get_bytes (iface) != bytes)
    hallway_dbus_transfer1_set_bytes (iface, bytes);
  if (hallway_dbus_transfer1_get_total (iface) != total)
    hallway_dbus_transfer1_set_total (iface, total);
  if (hallway_dbus_transfer1_get_rate (iface) != t->rate)
    hallway_dbus_transfer1_set_rate (iface, t->rate);
  if (hallway_dbus_transfer1_get_eta (iface) != eta)
    hallway_dbus_transfer1_set_eta (iface, eta);
  if (hallway_dbus_transfer1_get_files (iface) != t->record->files)
    hallway_dbus_transfer1_set_files (iface, t->record->files);
  if (hallway_dbus_transfer1_get_files_done (iface) != t->record->files_done)
    hallway_dbus_transfer1_set_files_done (iface, t->record->files_done);
}

static gboolean
progress_cb (gpointer user_data)
{
  HallwayDaemonTransfers *self = user_data;
  gboolean any_running = FALSE;

  for (guint i = 0; i < self->transfers->len; i++)
    {
      Transfer *t = g_ptr_array_index (self->transfers, i);

      if (g_str_equal (t->state, "running"))
        {
          _transfer_update_progress (t);
          any_running = TRUE;
        }
    }

  if (!any_running)
    {
      self->progress_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

void
_transfer_set_state (Transfer   *t,
                     const char *state,
                     const char *error)
{
  HallwayDaemonTransfers *self = t->owner;

  g_free (t->state);
  t->state = g_strdup (state);
  if (!_transfer_state_is_finished (state))
    {
      g_free (t->record->state);
      t->record->state = g_strdup (state);
    }

  _transfer_update_progress (t);
  hallway_dbus_transfer1_set_state (t->iface, state);
  hallway_dbus_transfer1_set_error (t->iface, error != NULL ? error : "");

  if (self != NULL && g_str_equal (state, "running") && self->progress_id == 0)
    self->progress_id = g_timeout_add (HALLWAY_TRANSFER_PROGRESS_MS, progress_cb, self);
}

/* Ends the current attempt: its callbacks will find themselves stale. */
static void
transfer_stop_attempt (Transfer *t)
{
  t->generation++;
  if (t->cancellable != NULL)
    g_cancellable_cancel (t->cancellable);
  g_clear_object (&t->cancellable);
}

/* A part file belongs to one transfer from its first byte until it is
 * renamed or removed, waits included. */
void
_transfer_set_part_path (Transfer   *t,
                         const char *path)
{
  if (t->part_path != NULL && t->owner != NULL)
    g_hash_table_remove (t->owner->parts, t->part_path);
  g_free (t->part_path);
  t->part_path = g_strdup (path);
  if (path != NULL && t->owner != NULL)
    g_hash_table_insert (t->owner->parts, g_strdup (path), t);
}

static void
transfer_remove_part (Transfer *t)
{
  if (t->part_path != NULL && g_unlink (t->part_path) != 0 && errno != ENOENT)
    g_debug ("Could not remove a part file: %s", g_strerror (errno));
  _transfer_set_part_path (t, NULL);
  t->current_bytes = 0;
  g_clear_pointer (&t->record->current, g_free);
  g_clear_pointer (&t->record->current_etag, g_free);
}

/* A finished transfer is never resumed (nor saved): what it knew of each
 * file is of no use any more, and for a folder of 10,000 files it is
 * megabytes a daemon would otherwise keep until it stops. Only once it is
 * done, and once the callback that finished it has returned: callbacks of
 * a failed or cancelled attempt may still be under way and hold its files
 * (they are kept then). */
static gboolean
forget_files_cb (gpointer user_data)
{
  Transfer *t = user_data;

  if (!g_str_equal (t->state, "done"))
    return G_SOURCE_REMOVE;
  if (t->files != NULL)
    g_ptr_array_set_size (t->files, 0);
  if (t->done != NULL)
    g_hash_table_remove_all (t->done);
  if (t->folders != NULL)
    {
      g_queue_free_full (t->folders, _transfer_folder_item_free);
      t->folders = g_queue_new ();
    }
  if (t->record->done != NULL)
    g_ptr_array_set_size (t->record->done, 0);
  t->next_file = 0;
  return G_SOURCE_REMOVE;
}

void
_transfer_finish (Transfer   *t,
                  const char *state,
                  const char *error)
{
  HallwayDaemonTransfers *self = t->owner;

  transfer_stop_attempt (t);
  g_clear_handle_id (&t->retry_id, g_source_remove);
  /* A failed or cancelled transfer leaves nothing half-copied behind; the
   * files it finished are complete and stay. */
  if (!g_str_equal (state, "done"))
    transfer_remove_part (t);
  _transfer_set_state (t, state, error);
  _transfer_log (t, g_str_equal (state, "failed") ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_DEBUG,
                 error != NULL ? error : state);

  if (g_str_equal (state, "done"))
    g_idle_add_full (G_PRIORITY_LOW, forget_files_cb, _transfer_ref (t),
                     (GDestroyNotify) _transfer_unref);

  if (self != NULL)
    {
      _transfers_save (self);
      _transfers_schedule (self);
    }
}

void
_transfer_fail (Transfer   *t,
                const char *message)
{
  _transfer_finish (t, "failed", message);
}

/* Back in the queue, to run when a slot is free. */
void
_transfer_requeue (Transfer *t)
{
  transfer_stop_attempt (t);
  _transfer_set_state (t, "queued", NULL);
  if (t->owner != NULL)
    {
      _transfers_save (t->owner);
      _transfers_schedule (t->owner);
    }
}

static gboolean
retry_cb (gpointer user_data)
{
  Transfer *t = user_data;

  g_autofree char *why = NULL;

  t->retry_id = 0;
  if (t->owner == NULL || !g_str_equal (t->state, "waiting"))
    return G_SOURCE_REMOVE;
  why = g_strdup (hallway_dbus_transfer1_get_error (t->iface));
  _transfer_set_state (t, "queued", why);
  _transfers_schedule (t->owner);
  return G_SOURCE_REMOVE;
}

/* The neighbour can't be reached (or the link stalled): try again later,
 * or as soon as it is seen online. */
static void
transfer_wait (Transfer   *t,
               const char *why)
{
  guint delay;
  g_autofree char *message = NULL;

  transfer_stop_attempt (t);
  delay = MIN (1u << MIN (t->failures, 5u), HALLWAY_TRANSFER_MAX_BACKOFF_S);
  t->failures++;

  /* Translators: shown while a copy waits for a neighbour. %1$s is the
   * neighbour's name, %2$s says why ("the connection was lost"). */
  message = g_strdup_printf (_("Waiting for “%1$s” (%2$s)"), t->record->peer_name, why);
  _transfer_set_state (t, "waiting", message);
  _transfer_log (t, G_LOG_LEVEL_DEBUG, message);
  g_clear_handle_id (&t->retry_id, g_source_remove);
  t->retry_id = g_timeout_add_seconds (delay, retry_cb, t);

  if (t->owner != NULL)
    {
      _transfers_save (t->owner);
      _transfers_schedule (t->owner);
    }
}

gboolean
_transfer_error_is_transient (const GError *error)
{
  if (error->domain == HALLWAY_ERROR)
    return error->code == HALLWAY_ERROR_PEER_GONE;
  return error->domain == G_IO_ERROR || error->domain == G_TLS_ERROR ||
         error->domain == G_RESOLVER_ERROR;
}

/* The network's words for why a neighbour can't be reached are not for
 * people ("Error decoding the received TLS packet"): say it plainly, and
 * keep the details for the debug log. */
static const char *
plain_reason (const GError *error)
{
  if (error->domain == HALLWAY_ERROR)
    return error->message;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return _("Hallway is not running there");
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return error->message;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      error->domain == G_RESOLVER_ERROR)
    return _("it can't be reached on the network");
  return _("the connection was lost");
}

static void
best_effort_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SoupMessage) message = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);
  const char *what = g_object_get_data (G_OBJECT (message), "hallway-what");

  if (body == NULL)
    g_debug ("Could not tell a neighbour %s: %s", what, error->message);
  else
    g_debug ("Told a neighbour %s: %u", what, soup_message_get_status (message));
}

/* Sends @message (consumed) and only logs how it went: for telling a
 * neighbour something it may also learn otherwise. @what is for the log. */
void
_transfers_send_best_effort (HallwayDaemonTransfers *self,
                             SoupMessage            *message,
                             const char             *what)
{
  g_object_set_data_full (G_OBJECT (message), "hallway-what", g_strdup (what), g_free);
  soup_session_send_and_read_async (hallway_client_get_session (self->client), message,
                                    G_PRIORITY_DEFAULT, NULL, best_effort_cb, message);
}

/* An error on the network side: wait and retry, or give up. */
void
_transfer_network_error (Transfer     *t,
                         const GError *error)
{
  if (_transfer_error_is_transient (error))
    {
      _transfer_log (t, G_LOG_LEVEL_DEBUG, error->message);
      transfer_wait (t, plain_reason (error));
    }
  else
    _transfer_fail (t, error->message);
}

/* Where the neighbour is now; says why not, and lets the caller decide. */
gboolean
_transfer_find_endpoint (Transfer  *t,
                         char     **out_address,
                         guint16   *out_port,
                         GError   **error)
{
  if (t->owner == NULL || t->owner->peers == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                           _("It is not on the network"));
      return FALSE;
    }
  return hallway_daemon_peers_get_endpoint (t->owner->peers, t->record->peer_id, out_address,
                                            out_port, error);
}

/* Where the neighbour is now; when it can't be reached, the transfer
 * waits for it, and FALSE is returned. */
gboolean
_transfer_get_endpoint (Transfer  *t,
                        char     **out_address,
                        guint16   *out_port)
{
  g_autoptr(GError) error = NULL;

  if (!_transfer_find_endpoint (t, out_address, out_port, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                     _("It is not on the network"));
      _transfer_network_error (t, error);
      return FALSE;
    }
  return TRUE;
}

/* Each exchange with a neighbour is watched by a deadline, armed again
 * whenever data moves: when nothing moved for HALLWAY_TRANSFER_STALL_S it
 * cancels the exchange, which is then handled as a network error (wait,
 * and try again) with this error. */
GError *
_transfer_stall_error_new (void)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("no data for %u seconds"),
                      HALLWAY_TRANSFER_STALL_S);
}

char *
_transfer_join_rel (const char *parent,
                    const char *name)
{
  return parent == NULL || *parent == '\0' ? g_strdup (name)
                                           : g_strconcat (parent, "/", name, NULL);
}

GStrv
_transfer_strv_append (const char * const *strv,
                       const char         *extra)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (strv != NULL)
    g_strv_builder_addv (builder, (const char **) strv);
  g_strv_builder_add (builder, extra);
  return g_strv_builder_end (builder);
}

GStrv
_transfer_split_path (const char *path)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      g_strv_builder_add (builder, parts[i]);
  return g_strv_builder_end (builder);
}

static void
transfer_run (Transfer *t)
{
  transfer_stop_attempt (t);
  t->cancellable = g_cancellable_new ();
  _transfer_set_state (t, "running", NULL);
  t->rate = 0;
  t->rate_time = 0;
  t->kind->run (t);
}

void
_transfers_schedule (HallwayDaemonTransfers *self)
{
  guint running = 0;

  if (!self->started)
    return;

  for (guint i = 0; i < self->transfers->len; i++)
    {
      Transfer *t = g_ptr_array_index (self->transfers, i);

      if (g_str_equal (t->state, "running"))
        running++;
    }

  for (guint i = 0; i < self->transfers->len && running < HALLWAY_TRANSFERS_MAX_RUNNING; i++)
    {
      Transfer *t = g_ptr_array_index (self->transfers, i);

      if (g_str_equal (t->state, "queued"))
        {
          running++;
          transfer_run (t);
        }
    }
}

/* Saving the queue */

static GPtrArray *
dup_saved_records (HallwayDaemonTransfers *self)
{
  GPtrArray *records = g_ptr_array_new ();

  for (guint i = 0; i < self->transfers->len; i++)
    {
      Transfer *t = g_ptr_array_index (self->transfers, i);

      if (!_transfer_state_is_finished (t->state))
        g_ptr_array_add (records, t->record);
    }
  return records;
}

static char *
build_queue (gpointer  user_data,
             gsize    *out_length)
{
  g_autoptr(GPtrArray) records = dup_saved_records (user_data);

  return hallway_transfer_records_to_json (records, out_length);
}

static void
queue_save_failed_cb (HallwayStateFile *state_file,
                      const GError     *error)
{
  g_warning ("Could not save the list of transfers, so they won't continue after a "
             "restart: %s", error->message);
}

/* Building the saved queue costs time in proportion to everything it
 * holds, so saving after every one of 10,000 small files took most of a
 * folder copy's time. Finished files are gathered for a quarter of a second
 * and saved together; the cost is that a file finished in the quarter
 * second before a crash may be copied again, as "name (2)" — never lost. */
void
_transfers_save_soon (HallwayDaemonTransfers *self)
{
  if (self != NULL && self->state_file != NULL)
    hallway_state_file_save_later (self->state_file, SAVE_DELAY_MS);
}

/* Anything that changes what resuming needs (a new transfer, its state, the
 * file in progress and its ETag) is saved at once. */
void
_transfers_save (HallwayDaemonTransfers *self)
{
  if (self != NULL && self->state_file != NULL)
    hallway_state_file_save (self->state_file);
}

/**
 * hallway_daemon_transfers_save_now:
 * @self: a #HallwayDaemonTransfers
 * @error: return location for a #GError
 *
 * Saves the queue at once (at shutdown, and in tests).
 *
 * Returns: whether it was saved
 */
gboolean
hallway_daemon_transfers_save_now (HallwayDaemonTransfers  *self,
                                   GError                 **error)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_TRANSFERS (self), FALSE);

  return hallway_state_file_save_now (self->state_file, error);
}

/* Creating transfers */

/* A saved transfer of a kind this Hallway does not know was a download:
 * only those existed before kinds were saved. */
static const TransferKind *
kind_for_name (const char *name)
{
  if (g_strcmp0 (name, _transfer_kind_upload.name) == 0)
    return &_transfer_kind_upload;
  if (g_strcmp0 (name, _transfer_kind_send.name) == 0)
    return &_transfer_kind_send;
  return &_transfer_kind_download;
}

static gboolean
handle_cancel_cb (HallwayDBusTransfer1  *iface,
                  GDBusMethodInvocation *invocation,
                  Transfer              *t)
{
  if (!_transfer_state_is_finished (t->state))
    {
      /* A send also tells the colleague, who removes what arrived. */
      if (t->kind->cancel != NULL)
        t->kind->cancel (t);
      _transfer_finish (t, "cancelled", NULL);
    }
  hallway_dbus_transfer1_complete_cancel (iface, invocation);
  return TRUE;
}

static Transfer *
transfer_add (HallwayDaemonTransfers *self,
              HallwayTransferRecord  *record)
{
  g_autofree char *object_path = NULL;
  g_autofree char *path = NULL;
  g_autofree char *destination = NULL;
  Transfer *t = g_new0 (Transfer, 1);

  g_atomic_ref_count_init (&t->ref_count);
  t->owner = self;
  t->record = record;
  t->state = g_strdup ("queued");
  g_free (record->state);
  record->state = g_strdup ("queued");
  t->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < record->done->len; i++)
    g_hash_table_add (t->done, g_strdup (g_ptr_array_index (record->done, i)));
  t->files = g_ptr_array_new_with_free_func (_transfer_file_item_free);
  t->folders = g_queue_new ();
  t->collision = 1;
  t->kind = kind_for_name (record->kind);

  object_path = g_strdup_printf ("%s/%s", HALLWAY_TRANSFERS_OBJECT_PATH, record->id);
  t->object = hallway_dbus_object_skeleton_new (object_path);
  t->iface = hallway_dbus_transfer1_skeleton_new ();
  hallway_dbus_transfer1_set_id (t->iface, record->id);
  hallway_dbus_transfer1_set_kind (t->iface, t->kind->name);
  hallway_dbus_transfer1_set_state (t->iface, "queued");
  hallway_dbus_transfer1_set_peer (t->iface, record->peer_id);
  hallway_dbus_transfer1_set_peer_name (t->iface, record->peer_name);
  t->kind->describe (t, &path, &destination);
  hallway_dbus_transfer1_set_path (t->iface, path);
  hallway_dbus_transfer1_set_destination (t->iface, destination);
  hallway_dbus_transfer1_set_bytes (t->iface, record->bytes);
  hallway_dbus_transfer1_set_total (t->iface, record->total);
  hallway_dbus_transfer1_set_rate (t->iface, 0);
  hallway_dbus_transfer1_set_eta (t->iface, -1);
  hallway_dbus_transfer1_set_error (t->iface, "");
  hallway_dbus_transfer1_set_files (t->iface, record->files);
  hallway_dbus_transfer1_set_files_done (t->iface, record->files_done);
  hallway_dbus_transfer1_set_verified (t->iface, 0);
  hallway_dbus_object_skeleton_set_transfer1 (t->object, t->iface);
  g_signal_connect (t->iface, "handle-cancel", G_CALLBACK (handle_cancel_cb), t);

  g_ptr_array_add (self->transfers, t);
  g_dbus_object_manager_server_export (self->manager, G_DBUS_OBJECT_SKELETON (t->object));
  return t;
}

static void
peer_online_cb (HallwayDaemonPeers     *peers,
                const char             *id,
                HallwayDaemonTransfers *self)
{
  gboolean any = FALSE;

  /* The neighbour is back: whatever waited for it goes now. */
  for (guint i = 0; i < self->transfers->len; i++)
    {
      Transfer *t = g_ptr_array_index (self->transfers, i);

      if (g_str_equal (t->state, "waiting") && g_str_equal (t->record->peer_id, id))
        {
          g_clear_handle_id (&t->retry_id, g_source_remove);
          t->failures = 0;
          _transfer_set_state (t, "queued", NULL);
          any = TRUE;
        }
    }
  if (any)
    _transfers_schedule (self);
}

/* Who a new transfer of @kind is with: a known neighbour whose identity
 * is not in doubt. */
gboolean
_transfers_find_peer (HallwayDaemonTransfers  *self,
                      const char              *peer,
                      const TransferKind      *kind,
                      char                   **out_peer_id,
                      char                   **out_peer_name,
                      GError                 **error)
{
  if (self->peers == NULL || peer == NULL ||
      !hallway_daemon_peers_lookup (self->peers, peer, out_peer_id, out_peer_name, NULL))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                   _("No neighbour “%s” is known"), peer);
      return FALSE;
    }
  if (g_strcmp0 (hallway_daemon_peers_get_problem (self->peers, *out_peer_id), "") != 0)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED,
                           _(kind->identity_in_doubt));
      return FALSE;
    }
  return TRUE;
}

/* … and one of the folders it shares with this computer. */
gboolean
_transfers_resolve_target (HallwayDaemonTransfers  *self,
                           const char              *peer,
                           const char              *share,
                           const TransferKind      *kind,
                           char                   **out_peer_id,
                           char                   **out_peer_name,
                           char                   **out_share_id,
                           char                   **out_share_name,
                           GError                 **error)
{
  if (!_transfers_find_peer (self, peer, kind, out_peer_id, out_peer_name, error))
    return FALSE;
  if (!hallway_daemon_peers_find_share (self->peers, *out_peer_id, share, out_share_id,
                                        out_share_name))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                   _("“%s” shares no folder called “%s” with this computer"), *out_peer_name,
                   share);
      return FALSE;
    }
  return TRUE;
}

/* Local files or folders to copy or send, each checked before any is
 * queued: absolute, there, a file or a folder, a name a share can take.
 * Returns them canonical. */
GPtrArray *
_transfers_check_local_paths (const char * const  *paths,
                              GError             **error)
{
  g_autoptr(GPtrArray) canonical = g_ptr_array_new_with_free_func (g_free);

  if (paths == NULL || paths[0] == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("Nothing to copy was given"));
      return NULL;
    }
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *name = NULL;
      GStatBuf st;

      if (!g_path_is_absolute (paths[i]) || g_lstat (paths[i], &st) != 0)
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                       _("“%s” is not a file or folder on this computer"), paths[i]);
          return NULL;
        }
      if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode))
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a file or folder"), paths[i]);
          return NULL;
        }
      path = g_canonicalize_filename (paths[i], NULL);
      name = g_path_get_basename (path);
      if (!hallway_path_component_is_valid (name, TRUE))
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a valid name"), name);
          return NULL;
        }
      g_ptr_array_add (canonical, g_steal_pointer (&path));
    }
  return g_steal_pointer (&canonical);
}

/* Queues a new transfer, which takes @record over; the caller saves the
 * queue and schedules. Returns its object path. */
const char *
_transfers_add (HallwayDaemonTransfers *self,
                HallwayTransferRecord  *record)
{
  Transfer *t;

  g_free (record->id);
  record->id = g_strdup_printf ("%u", self->next_id++);
  t = transfer_add (self, record);
  _transfer_log (t, G_LOG_LEVEL_DEBUG, "queued");
  return g_dbus_object_get_object_path (G_DBUS_OBJECT (t->object));
}

/**
 * hallway_daemon_transfers_load:
 * @self: a #HallwayDaemonTransfers
 * @error: return location for a #GError
 *
 * Reads the saved queue. A damaged file or entry is skipped with a warning
 * (it is replaced at the next save); only a file that exists and can't be
 * read at all is an error.
 *
 * Returns: whether the saved queue (if any) could be read
 */
gboolean
hallway_daemon_transfers_load (HallwayDaemonTransfers  *self,
                               GError                 **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  gsize length = 0;
  guint damaged = 0;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_TRANSFERS (self), FALSE);

  if (!g_file_get_contents (self->state_path, &text, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  records = hallway_transfer_records_parse (text, length, &damaged, &local_error);
  if (records == NULL)
    {
      g_warning ("The saved list of transfers is damaged (%s); starting with none",
                 local_error->message);
      return TRUE;
    }
  for (guint i = 0; i < damaged; i++)
    g_warning ("Skipping a damaged entry in the saved list of transfers");

  for (guint i = 0; i < records->len; i++)
    {
      HallwayTransferRecord *record = g_ptr_array_index (records, i);
      guint64 id = 0;

      if (!g_ascii_string_to_unsigned (record->id, 10, 1, G_MAXUINT - 1, &id, NULL))
        {
          g_warning ("Skipping a damaged entry in the saved list of transfers");
          continue;
        }
      self->next_id = MAX (self->next_id, (guint) id + 1);
    }
  for (guint i = 0; i < records->len; i++)
    {
      HallwayTransferRecord *record = g_ptr_array_index (records, i);
      g_autofree char *object_path = NULL;
      g_autoptr(GDBusObject) existing = NULL;

      if (!g_ascii_string_to_unsigned (record->id, 10, 1, G_MAXUINT - 1, NULL, NULL))
        continue;
      object_path = g_strdup_printf ("%s/%s", HALLWAY_TRANSFERS_OBJECT_PATH, record->id);
      existing = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (self->manager),
                                                   object_path);
      if (existing != NULL)
        continue;
      /* The transfer takes the record over. */
      g_ptr_array_index (records, i) = NULL;
      transfer_add (self, record);
    }
  return TRUE;
}

/**
 * hallway_daemon_transfers_start:
 * @self: a #HallwayDaemonTransfers
 *
 * Starts moving data: the loaded queue continues, new transfers run as
 * they come.
 */
void
hallway_daemon_transfers_start (HallwayDaemonTransfers *self)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_TRANSFERS (self));

  self->started = TRUE;
  _transfers_schedule (self);
}

/**
 * hallway_daemon_transfers_get_count:
 * @self: a #HallwayDaemonTransfers
 *
 * Returns: how many transfers there are, finished ones included
 */
guint
hallway_daemon_transfers_get_count (HallwayDaemonTransfers *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_TRANSFERS (self), 0);

  return self->transfers->len;
}

/**
 * hallway_daemon_transfers_new:
 * @manager: where to export transfers
 * @client: (nullable): how to reach neighbours
 * @peers: (nullable): the neighbours
 * @state_path: where the queue is saved
 *
 * Returns: (transfer full): a transfer engine; call
 *   hallway_daemon_transfers_load() and hallway_daemon_transfers_start()
 */
HallwayDaemonTransfers *
hallway_daemon_transfers_new (GDBusObjectManagerServer *manager,
                              HallwayClient            *client,
                              HallwayDaemonPeers       *peers,
                              const char               *state_path)
{
  HallwayDaemonTransfers *self;

  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER_SERVER (manager), NULL);
  g_return_val_if_fail (state_path != NULL, NULL);

  self = g_object_new (HALLWAY_TYPE_DAEMON_TRANSFERS, NULL);
  self->manager = g_object_ref (manager);
  self->client = client != NULL ? g_object_ref (client) : NULL;
  self->peers = peers != NULL ? g_object_ref (peers) : NULL;
  self->state_path = g_strdup (state_path);
  self->state_file = hallway_state_file_new (state_path, build_queue, self);
  g_signal_connect (self->state_file, "failed", G_CALLBACK (queue_save_failed_cb), NULL);
  if (peers != NULL)
    self->peer_online_id = g_signal_connect (peers, "peer-online",
                                             G_CALLBACK (peer_online_cb), self);
  return self;
}

static void
hallway_daemon_transfers_dispose (GObject *object)
{
  HallwayDaemonTransfers *self = HALLWAY_DAEMON_TRANSFERS (object);

  g_clear_handle_id (&self->progress_id, g_source_remove);
  if (self->peers != NULL)
    g_clear_signal_handler (&self->peer_online_id, self->peers);

  /* Changes still waiting to be saved are written before stopping. */
  if (self->state_file != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!hallway_state_file_close (self->state_file, &error))
        g_warning ("Could not save the list of transfers, so they won't continue after a "
                   "restart: %s", error->message);
      g_clear_object (&self->state_file);
    }

  /* Running transfers stop where they are: their part files and the saved
   * queue let them continue at the next start. */
  for (guint i = 0; self->transfers != NULL && i < self->transfers->len; i++)
    {
      Transfer *t = g_ptr_array_index (self->transfers, i);

      transfer_stop_attempt (t);
      g_clear_handle_id (&t->retry_id, g_source_remove);
      if (self->manager != NULL)
        g_dbus_object_manager_server_unexport (
          self->manager, g_dbus_object_get_object_path (G_DBUS_OBJECT (t->object)));
      t->owner = NULL;
    }
  g_clear_pointer (&self->transfers, g_ptr_array_unref);
  g_clear_pointer (&self->parts, g_hash_table_unref);
  g_clear_object (&self->manager);
  g_clear_object (&self->client);
  g_clear_object (&self->peers);

  G_OBJECT_CLASS (hallway_daemon_transfers_parent_class)->dispose (object);
}

static void
hallway_daemon_transfers_finalize (GObject *object)
{
  HallwayDaemonTransfers *self = HALLWAY_DAEMON_TRANSFERS (object);

  g_free (self->state_path);

  G_OBJECT_CLASS (hallway_daemon_transfers_parent_class)->finalize (object);
}

static void
hallway_daemon_transfers_class_init (HallwayDaemonTransfersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_daemon_transfers_dispose;
  object_class->finalize = hallway_daemon_transfers_finalize;
}

static void
hallway_daemon_transfers_init (HallwayDaemonTransfers *self)
{
  self->transfers = g_ptr_array_new_with_free_func ((GDestroyNotify) _transfer_unref);
  self->next_id = 1;
  self->parts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
