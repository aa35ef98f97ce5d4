/* hallway-daemon-transfers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallwayd's transfer engine: copies files and whole folders from a
 * neighbour's share (downloads) or into a neighbour's writable share
 * (uploads), a few transfers at a time, each moving its files one after
 * the other over a kept-alive connection.
 *
 * Nothing half-written ever carries a final name. A file is written to
 * ".NAME.hallway-part" beside where it goes, fsync'ed, and renamed into
 * place with RENAME_NOREPLACE, trying "NAME (2).ext" and so on when the
 * name is taken. The part file's ETag is kept in the saved queue (and in a
 * user.hallway.etag extended attribute when the file system has them), so
 * the next attempt continues with Range + If-Range; a source that changed
 * answers 200 and the file starts over instead of splicing two versions.
 *
 * Network trouble (refused connections, resets, TLS errors, a stalled
 * link) puts a transfer in "waiting": it is retried with back-off, and at
 * once when the neighbour is seen online again. Anything else (not found,
 * refused, the disk full) fails it with a plain-words error. The queue is
 * saved under $XDG_STATE_HOME/hallway/transfers.json on every change that
 * matters for resuming, so a killed hallwayd continues by itself.
 *
 * A downloaded file that was resumed (pieced together from more than one
 * answer) is checked end to end before it gets its name: the neighbour
 * computes the original's SHA-256 (GET …?digest=sha256, with its size and
 * ETag), the part file is hashed in a worker thread, and a mismatch (or an
 * original that changed meanwhile) empties the part file and fetches the
 * file again, at most twice in a row. Files copied in one answer are only
 * size-checked: TLS already guards each answer. The Transfer1 property
 * "Verified" counts the files checked this way.
 *
 * Files that have no part file yet come in one folder stream
 * (GET …?bulk=1, hallway-daemon-bulk-receive.c) rather than one request
 * each: written in worker threads, made durable a batch at a time (one
 * syncfs(), then the renames, then one fsync per folder) and saved as
 * done after each batch. A file with a part file, files the stream did
 * not bring, and neighbours that send no folder streams go one at a time.
 *
 * Uploads walk the local tree in a worker thread, then make each folder
 * with MKCOL (an existing folder is merged into) and send each file with
 * PUT and "If-None-Match: *", streamed from disk in large blocks; a 412
 * means the name is taken there and "NAME (2).ext" is tried, so nothing on
 * the other side is ever replaced. The server writes a PUT into a part
 * file of its own that it renames only once the body is complete, and it
 * takes no partial PUT (Content-Range is refused), so an upload cut off by
 * a network error or a restart of either side sends that file again from
 * its first byte; files already sent are remembered in the saved queue and
 * skipped. A file whose 201 was lost (the connection dropped right after
 * the server placed it) is sent again and lands as "NAME (2).ext": an
 * extra copy rather than an overwrite.
 */
#include "config.h"

#include "hallway-daemon-transfers.h"
#include "hallway-daemon-transfers-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <gio/gunixoutputstream.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hallway-bulk.h"
#include "hallway-daemon-bulk-receive.h"
#include "hallway-dbus.h"
#include "hallway-deadline.h"
#include "hallway-digest.h"
#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-listing.h"
#include "hallway-part-file.h"
#include "hallway-path.h"
#include "hallway-state-file.h"
#include "hallway-transfer.h"

#define ETAG_XATTR "user.hallway.etag"
#define SAVE_DELAY_MS 250
#define MAX_ETAG_BYTES 256
#define LISTING_TIMEOUT_S 15
#define DIGEST_TIMEOUT_S 120

typedef struct
{
  char   *rel;        /* relative to the transfer: "Reports/q1.pdf" */
  GStrv   remote;     /* its path in the share */
  char   *local_dir;  /* the local folder it goes into */
  char   *name;
  gint64  size;       /* as listed */
} FileItem;

typedef struct
{
  char  *rel;
  GStrv  remote;
  char  *local_dir;   /* created */
} FolderItem;

typedef struct _Transfer Transfer;

struct _Transfer
{
  gatomicrefcount            ref_count;
  HallwayDaemonTransfers    *owner;        /* (unowned) NULL once the engine is gone */
  HallwayDBusObjectSkeleton *object;
  HallwayDBusTransfer1      *iface;
  HallwayTransferRecord     *record;       /* what is saved */
  char                      *state;
  GHashTable                *done;         /* rel → itself: files finished */
  GPtrArray                 *files;        /* FileItem, once listed */
  GQueue                    *folders;      /* FolderItem still to list */
  gboolean                   listed;
  guint                      next_file;
  GCancellable              *cancellable;  /* the current attempt's */
  guint                      generation;   /* callbacks of older attempts are ignored */
  guint                      retry_id;
  guint                      failures;     /* in a row, for the back-off */
  char                      *part_path;    /* the current file's part, if any */
  guint64                    done_bytes;   /* in finished files */
  guint64                    current_bytes;
  guint64                    rate_bytes;
  gint64                     rate_time;
  double                     rate;
  gboolean                   upload;       /* kind "upload" */
  guint                      verified;     /* files checked against the neighbour's SHA-256 */
  guint                      mismatches;   /* of the current file, in a row */
  guint                      collision;    /* upload: 1, or n of "name (n)" tried next */
  gboolean                   folder;       /* a folder (or a whole share) is copied */
  gboolean                   bulk_refused; /* the neighbour sends no folder streams */
  gboolean                   bulk_done;    /* a folder stream came whole: the rest one by one */
  guint                      bulk_failures; /* folder streams that brought nothing, in a row */
};

struct _HallwayDaemonTransfers
{
  GObject                   parent_instance;

  GDBusObjectManagerServer *manager;
  HallwayClient            *client;
  HallwayDaemonPeers       *peers;
  char                     *state_path;
  GPtrArray                *transfers;    /* Transfer, oldest first */
  guint                     next_id;
  guint                     progress_id;
  gulong                    peer_online_id;
  gboolean                  started;
  HallwayStateFile         *state_file;   /* the saved queue */
  GHashTable               *parts;        /* part file path → Transfer writing it */
};

G_DEFINE_FINAL_TYPE (HallwayDaemonTransfers, hallway_daemon_transfers, G_TYPE_OBJECT)

static void transfer_next_file (Transfer *t);
static void transfer_fetch_file (Transfer *t,
                                 FileItem *item);
static void transfer_list_next (Transfer *t);
static gboolean transfer_try_bulk (Transfer *t);
static void schedule (HallwayDaemonTransfers *self);
static void queue_save (HallwayDaemonTransfers *self);
static void queue_save_soon (HallwayDaemonTransfers *self);

static void
file_item_free (gpointer data)
{
  FileItem *item = data;

  g_free (item->rel);
  g_strfreev (item->remote);
  g_free (item->local_dir);
  g_free (item->name);
  g_free (item);
}

static void
folder_item_free (gpointer data)
{
  FolderItem *item = data;

  g_free (item->rel);
  g_strfreev (item->remote);
  g_free (item->local_dir);
  g_free (item);
}

static Transfer *
transfer_ref (Transfer *t)
{
  g_atomic_ref_count_inc (&t->ref_count);
  return t;
}

static void
transfer_unref (Transfer *t)
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
    g_queue_free_full (t->folders, folder_item_free);
  g_free (t->state);
  g_free (t->part_path);
  g_free (t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Transfer, transfer_unref)

static gboolean
state_is_finished (const char *state)
{
  return g_str_equal (state, "done") || g_str_equal (state, "failed") ||
         g_str_equal (state, "cancelled");
}

static gboolean
transfer_is_current (Transfer *t,
                     guint     generation)
{
  return t->owner != NULL && t->generation == generation && g_str_equal (t->state, "running");
}

static void
log_transfer (Transfer       *t,
              GLogLevelFlags  level,
              const char     *message)
{
  g_log_structured (G_LOG_DOMAIN, level,
                    "HALLWAY_PEER", t->record->peer_name,
                    "HALLWAY_TRANSFER", t->record->id,
                    "MESSAGE", "Transfer %s (‘%s’ from ‘%s’): %s", t->record->id,
                    hallway_dbus_transfer1_get_path (t->iface), t->record->peer_name, message);
}

static void
transfer_update_progress (Transfer *t)
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
          transfer_update_progress (t);
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

static void
transfer_set_state (Transfer   *t,
                    const char *state,
                    const char *error)
{
  HallwayDaemonTransfers *self = t->owner;

  g_free (t->state);
  t->state = g_strdup (state);
  if (!state_is_finished (state))
    {
      g_free (t->record->state);
      t->record->state = g_strdup (state);
    }

  transfer_update_progress (t);
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
static void
transfer_set_part_path (Transfer   *t,
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
  transfer_set_part_path (t, NULL);
  t->current_bytes = 0;
  g_clear_pointer (&t->record->current, g_free);
  g_clear_pointer (&t->record->current_etag, g_free);
}

static void
transfer_finish (Transfer   *t,
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
  transfer_set_state (t, state, error);
  log_transfer (t, g_str_equal (state, "failed") ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_DEBUG,
                error != NULL ? error : state);

  if (self != NULL)
    {
      queue_save (self);
      schedule (self);
    }
}

static void
transfer_fail (Transfer   *t,
               const char *message)
{
  transfer_finish (t, "failed", message);
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
  transfer_set_state (t, "queued", why);
  schedule (t->owner);
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
  transfer_set_state (t, "waiting", message);
  log_transfer (t, G_LOG_LEVEL_DEBUG, message);
  g_clear_handle_id (&t->retry_id, g_source_remove);
  t->retry_id = g_timeout_add_seconds (delay, retry_cb, t);

  if (t->owner != NULL)
    {
      queue_save (t->owner);
      schedule (t->owner);
    }
}

static gboolean
error_is_transient (const GError *error)
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

/* An error on the network side: wait and retry, or give up. */
static void
transfer_network_error (Transfer     *t,
                        const GError *error)
{
  if (error_is_transient (error))
    {
      log_transfer (t, G_LOG_LEVEL_DEBUG, error->message);
      transfer_wait (t, plain_reason (error));
    }
  else
    transfer_fail (t, error->message);
}

/* Local folders */

/* The local folder @name in @parent: an existing folder is merged into,
 * anything else that is in the way makes it "name (2)". Deterministic, so a
 * resumed transfer finds the same folders again. */
static char *
ensure_local_folder (const char  *parent,
                     const char  *name,
                     GError     **error)
{
  for (guint n = 1; n <= HALLWAY_TRANSFER_MAX_NAMES; n++)
    {
      g_autofree char *candidate = n == 1 ? g_strdup (name)
                                          : hallway_transfer_collision_name (name, n);
      g_autofree char *path = g_build_filename (parent, candidate, NULL);
      GStatBuf st;

      if (g_mkdir (path, 0777) == 0)
        return g_steal_pointer (&path);
      if (errno != EEXIST)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       /* Translators: %1$s is a folder, %2$s the system's reason. */
                       _("Could not create the folder “%1$s”: %2$s"), path,
                       g_strerror (saved_errno));
          return NULL;
        }
      if (g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode))
        return g_steal_pointer (&path);
    }

  g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
               _("Too many items called “%s” in “%s”"), name, parent);
  return NULL;
}

static char *
join_rel (const char *parent,
          const char *name)
{
  return parent == NULL || *parent == '\0' ? g_strdup (name)
                                           : g_strconcat (parent, "/", name, NULL);
}

static GStrv
strv_append (const char * const *strv,
             const char         *extra)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (strv != NULL)
    g_strv_builder_addv (builder, (const char **) strv);
  g_strv_builder_add (builder, extra);
  return g_strv_builder_end (builder);
}

static GStrv
split_path (const char *path)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      g_strv_builder_add (builder, parts[i]);
  return g_strv_builder_end (builder);
}

/* Listing: the whole tree is listed first, so the total and the free
 * space needed are known before a byte is written. */

typedef struct
{
  Transfer   *t;            /* (owned) */
  guint       generation;
  FolderItem *folder;       /* (owned) (nullable): the folder listed, NULL for the probe */
} ListJob;

static void
list_job_free (ListJob *job)
{
  g_clear_pointer (&job->folder, folder_item_free);
  transfer_unref (job->t);
  g_free (job);
}

static gboolean
transfer_check_space (Transfer *t)
{
  struct statvfs st;
  guint64 needed = t->record->total > t->done_bytes + t->current_bytes
                     ? t->record->total - t->done_bytes - t->current_bytes : 0;
  guint64 available;

  if (statvfs (t->record->destination, &st) != 0)
    return TRUE;   /* can't tell; writing will say */
  available = (guint64) st.f_bavail * st.f_frsize;
  if (available >= needed)
    return TRUE;

  {
    g_autofree char *needed_text = g_format_size (needed);
    g_autofree char *free_text = g_format_size (available);
    g_autofree char *message = NULL;

    /* Translators: %1$s is a folder, %2$s and %3$s sizes ("300.0 MB"). */
    message = g_strdup_printf (_("Not enough space in %1$s: needs %2$s, %3$s free"),
                               t->record->destination, needed_text, free_text);
    transfer_fail (t, message);
  }
  return FALSE;
}

static void
transfer_listed (Transfer *t)
{
  guint64 total = 0;
  guint files_done = 0;

  t->listed = TRUE;
  t->done_bytes = 0;
  for (guint i = 0; i < t->files->len; i++)
    {
      const FileItem *item = g_ptr_array_index (t->files, i);

      total += item->size;
      if (g_hash_table_contains (t->done, item->rel))
        {
          t->done_bytes += item->size;
          files_done++;
        }
    }
  t->record->total = total;
  t->record->files = t->files->len;
  t->record->files_done = files_done;
  transfer_update_progress (t);

  if (!transfer_check_space (t))
    return;
  queue_save (t->owner);
  transfer_next_file (t);
}

static void
listing_fetched_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ListJob *job = user_data;
  Transfer *t = job->t;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  const char *data;
  gsize length;

  body = hallway_client_fetch_finish (HALLWAY_CLIENT (source), result, NULL, &error);
  if (!transfer_is_current (t, job->generation))
    {
      list_job_free (job);
      return;
    }
  if (body != NULL)
    {
      data = g_bytes_get_data (body, &length);
      entries = hallway_listing_parse (data, length, &error);
    }
  if (entries == NULL)
    {
      transfer_network_error (t, error);
      list_job_free (job);
      return;
    }
  t->failures = 0;

  if (job->folder == NULL)
    {
      /* The probe: the parent's listing says whether the item is a file or
       * a folder, and how big. */
      g_auto(GStrv) remote = split_path (t->record->path);
      const char *name = remote[g_strv_length (remote) - 1];
      const HallwayListingEntry *found = NULL;

      for (guint i = 0; i < entries->len && found == NULL; i++)
        {
          const HallwayListingEntry *entry = g_ptr_array_index (entries, i);

          if (g_str_equal (entry->name, name))
            found = entry;
        }
      if (found == NULL)
        {
          g_autofree char *message =
            g_strdup_printf (_("There is no “%s” in “%s” any more"), t->record->path,
                             t->record->share_name);
          transfer_fail (t, message);
        }
      else if (found->is_folder)
        {
          FolderItem *folder = g_new0 (FolderItem, 1);

          t->folder = TRUE;
          folder->rel = g_strdup (name);
          folder->remote = g_steal_pointer (&remote);
          folder->local_dir = ensure_local_folder (t->record->destination, name, &error);
          if (folder->local_dir == NULL)
            {
              folder_item_free (folder);
              transfer_fail (t, error->message);
            }
          else
            {
              g_queue_push_tail (t->folders, folder);
              transfer_list_next (t);
            }
        }
      else
        {
          FileItem *item = g_new0 (FileItem, 1);

          item->rel = g_strdup (name);
          item->remote = g_steal_pointer (&remote);
          item->local_dir = g_strdup (t->record->destination);
          item->name = g_strdup (name);
          item->size = found->size;
          g_ptr_array_add (t->files, item);
          transfer_listed (t);
        }
      list_job_free (job);
      return;
    }

  for (guint i = 0; i < entries->len; i++)
    {
      const HallwayListingEntry *entry = g_ptr_array_index (entries, i);

      /* A name that looks like our own part files could be mistaken for
       * one here; such files are leftovers on the other side anyway. */
      if (g_str_has_suffix (entry->name, HALLWAY_TRANSFER_PART_SUFFIX))
        continue;

      if (entry->is_folder)
        {
          FolderItem *folder = g_new0 (FolderItem, 1);

          folder->rel = join_rel (job->folder->rel, entry->name);
          folder->remote = strv_append ((const char * const *) job->folder->remote, entry->name);
          folder->local_dir = ensure_local_folder (job->folder->local_dir, entry->name, &error);
          if (folder->local_dir == NULL)
            {
              folder_item_free (folder);
              transfer_fail (t, error->message);
              list_job_free (job);
              return;
            }
          g_queue_push_tail (t->folders, folder);
        }
      else
        {
          FileItem *item = g_new0 (FileItem, 1);

          item->rel = join_rel (job->folder->rel, entry->name);
          item->remote = strv_append ((const char * const *) job->folder->remote, entry->name);
          item->local_dir = g_strdup (job->folder->local_dir);
          item->name = g_strdup (entry->name);
          item->size = entry->size;
          g_ptr_array_add (t->files, item);
        }
    }

  list_job_free (job);
  transfer_list_next (t);
}

static gboolean
transfer_get_endpoint (Transfer  *t,
                       char     **out_address,
                       guint16   *out_port)
{
  g_autoptr(GError) error = NULL;

  if (t->owner->peers == NULL ||
      !hallway_daemon_peers_get_endpoint (t->owner->peers, t->record->peer_id, out_address,
                                          out_port, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                     _("It is not on the network"));
      transfer_network_error (t, error);
      return FALSE;
    }
  return TRUE;
}

static void
transfer_fetch_listing (Transfer           *t,
                        const char * const *remote,
                        FolderItem         *folder)
{
  g_autofree char *address = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *href = NULL;
  guint16 port = 0;
  ListJob *job;

  if (!transfer_get_endpoint (t, &address, &port))
    {
      g_clear_pointer (&folder, folder_item_free);
      return;
    }

  job = g_new0 (ListJob, 1);
  job->t = transfer_ref (t);
  job->generation = t->generation;
  job->folder = folder;
  prefix = g_strdup_printf ("/shares/%s", t->record->share_id);
  href = hallway_path_join_href (prefix, remote, TRUE);
  hallway_client_fetch_async (t->owner->client, address, port, href, t->record->peer_id,
                              HALLWAY_LISTING_MAX_BYTES, LISTING_TIMEOUT_S, t->cancellable,
                              listing_fetched_cb, job);
}

static void
transfer_list_next (Transfer *t)
{
  FolderItem *folder = g_queue_pop_head (t->folders);

  if (folder == NULL)
    {
      transfer_listed (t);
      return;
    }
  transfer_fetch_listing (t, (const char * const *) folder->remote, folder);
}

static void
transfer_list_start (Transfer *t)
{
  g_auto(GStrv) remote = split_path (t->record->path);

  t->current_bytes = 0;
  g_ptr_array_set_size (t->files, 0);
  g_queue_free_full (t->folders, folder_item_free);
  t->folders = g_queue_new ();

  if (remote[0] == NULL)
    {
      /* The whole share: a folder named after it. */
      g_autoptr(GError) error = NULL;
      FolderItem *folder = g_new0 (FolderItem, 1);
      const char *name = hallway_path_component_is_valid (t->record->share_name, FALSE)
                           ? t->record->share_name : t->record->share_id;

      t->folder = TRUE;
      folder->rel = g_strdup (name);
      folder->remote = g_new0 (char *, 1);
      folder->local_dir = ensure_local_folder (t->record->destination, name, &error);
      if (folder->local_dir == NULL)
        {
          folder_item_free (folder);
          transfer_fail (t, error->message);
          return;
        }
      g_queue_push_tail (t->folders, folder);
      transfer_list_next (t);
      return;
    }

  /* Probe the parent's listing for the item's type and size. */
  g_free (remote[g_strv_length (remote) - 1]);
  remote[g_strv_length (remote) - 1] = NULL;
  transfer_fetch_listing (t, (const char * const *) remote, NULL);
}

/* Each exchange with a neighbour is watched by a deadline, armed again
 * whenever data moves: when nothing moved for HALLWAY_TRANSFER_STALL_S it
 * cancels the exchange, which is then handled as a network error (wait,
 * and try again) with this error. */
static GError *
stall_error_new (void)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("no data for %u seconds"),
                      HALLWAY_TRANSFER_STALL_S);
}

/* Fetching one file */

typedef struct
{
  Transfer      *t;            /* (owned) */
  guint          generation;
  FileItem      *item;         /* (unowned): t->files holds it */
  SoupMessage   *message;
  GInputStream  *body;
  GOutputStream *out;
  int            fd;
  gint64         offset;       /* where this answer's data starts in the file */
  gint64         written;      /* bytes of this answer written */
  gint64         expected;     /* bytes this answer carries, -1 unknown */
  gint64         file_total;
  guint8        *buffer;
  HallwayDeadline stall;
  GCancellable  *cancellable;
  char          *etag;         /* (nullable) the version a resume continued */
  gboolean       resumed;      /* pieced together from more than one answer */
  char          *sha256;       /* (nullable) what the neighbour says the file hashes to */
} Attempt;

static void
attempt_free (Attempt *a)
{
  hallway_deadline_disarm (&a->stall);
  g_clear_object (&a->body);
  g_clear_object (&a->out);
  if (a->fd >= 0)
    close (a->fd);
  g_clear_object (&a->message);
  g_clear_object (&a->cancellable);
  g_free (a->buffer);
  g_free (a->etag);
  g_free (a->sha256);
  transfer_unref (a->t);
  g_free (a);
}

static gboolean
attempt_is_current (Attempt *a)
{
  return transfer_is_current (a->t, a->generation);
}

/* A network error while fetching: decides between waiting and failing. */
static void
attempt_network_error (Attempt *a,
                       GError  *error)
{
  Transfer *t = a->t;

  if (hallway_deadline_expired (&a->stall))
    {
      g_autoptr(GError) stalled = stall_error_new ();
      transfer_network_error (t, stalled);
    }
  else
    transfer_network_error (t, error);
  attempt_free (a);
}

/* A local write failed: the part file goes (a disk that filled up leaves
 * nothing corrupt or half-visible), and so does the transfer. */
static void
attempt_write_error (Attempt *a,
                     GError  *error)
{
  Transfer *t = a->t;
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    /* Translators: %1$s is a folder, %2$s a file name. */
    message = g_strdup_printf (_("Not enough space in %1$s to finish “%2$s”"),
                               a->item->local_dir, a->item->name);
  else
    /* Translators: %1$s is a file name, %2$s the system's reason. */
    message = g_strdup_printf (_("Could not write “%1$s”: %2$s"), a->item->name,
                               error->message);
  transfer_fail (t, message);
  attempt_free (a);
}

typedef struct
{
  int    fd;
  char  *part_path;
  char  *dir;
  char  *name;
  gint64 size;
  char  *sha256;      /* (nullable) checked before the file is placed */
} PlaceData;

static void
place_data_free (gpointer data)
{
  PlaceData *d = data;

  if (d->fd >= 0)
    close (d->fd);
  g_free (d->part_path);
  g_free (d->dir);
  g_free (d->name);
  g_free (d->sha256);
  g_free (d);
}

/* In a worker thread: flush the part file to disk and rename it into place
 * without ever replacing anything. */
static void
place_file_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  PlaceData *d = task_data;
  g_autofree char *final_name = NULL;
  struct stat st;
  int dir_fd;
  int errsv;

  if (fstat (d->fd, &st) != 0 || st.st_size != d->size)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                               _("The copy of “%s” has the wrong size"), d->name);
      return;
    }
  if (d->sha256 != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *sha256 = hallway_digest_sha256_fd (d->fd, NULL, NULL, &error);

      if (sha256 == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (g_ascii_strcasecmp (sha256, d->sha256) != 0)
        {
          /* Start the file over: nothing of this copy can be trusted. */
          if (ftruncate (d->fd, 0) != 0)
            g_debug ("Could not empty a part file: %s", g_strerror (errno));
          fremovexattr (d->fd, ETAG_XATTR);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   _("The copy of “%s” does not match the original"), d->name);
          return;
        }
    }
  fremovexattr (d->fd, ETAG_XATTR);
  if (fsync (d->fd) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "%s", g_strerror (saved_errno));
      return;
    }
  close (d->fd);
  d->fd = -1;

  dir_fd = open (d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    errsv = errno;
  else
    {
      g_autofree char *part_name = g_path_get_basename (d->part_path);

      errsv = hallway_part_file_place (dir_fd, part_name, d->name, &final_name);
      if (errsv == 0)
        fsync (dir_fd);
      close (dir_fd);
    }
  if (errsv == EEXIST)
    g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                             _("Too many items called “%s” in “%s”"), d->name, d->dir);
  else if (errsv != 0)
    g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errsv),
                             "%s", g_strerror (errsv));
  else
    g_task_return_pointer (task, g_build_filename (d->dir, final_name, NULL), g_free);
}

static void
file_placed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Attempt *a = user_data;
  Transfer *t = a->t;
  g_autoptr(GError) error = NULL;
  g_autofree char *final_path = g_task_propagate_pointer (G_TASK (result), &error);

  if (t->owner == NULL || t->generation != a->generation)
    {
      attempt_free (a);
      return;
    }
  if (final_path == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    {
      FileItem *item = a->item;

      /* The resumed copy differs from the original: redo the file. */
      log_transfer (t, G_LOG_LEVEL_MESSAGE, error->message);
      attempt_free (a);
      g_clear_pointer (&t->record->current_etag, g_free);
      if (++t->mismatches > 2)
        {
          transfer_fail (t, error->message);
          return;
        }
      t->current_bytes = 0;
      queue_save (t->owner);
      if (g_str_equal (t->state, "running"))
        transfer_fetch_file (t, item);
      return;
    }
  if (final_path == NULL)
    {
      attempt_write_error (a, error);
      return;
    }
  if (a->sha256 != NULL)
    {
      t->verified++;
      hallway_dbus_transfer1_set_verified (t->iface, t->verified);
      log_transfer (t, G_LOG_LEVEL_DEBUG, "a resumed file matches the original's SHA-256");
    }
  t->mismatches = 0;

  g_hash_table_add (t->done, g_strdup (a->item->rel));
  g_ptr_array_add (t->record->done, g_strdup (a->item->rel));
  t->record->files_done++;
  /* The listing's size may be older than the file: count what arrived. */
  t->record->total = t->record->total - a->item->size + a->file_total;
  t->done_bytes += a->file_total;
  transfer_set_part_path (t, NULL);
  t->current_bytes = 0;
  g_clear_pointer (&t->record->current, g_free);
  g_clear_pointer (&t->record->current_etag, g_free);
  transfer_update_progress (t);
  queue_save_soon (t->owner);

  attempt_free (a);
  if (g_str_equal (t->state, "running"))
    transfer_next_file (t);
}

static void
attempt_place (Attempt *a)
{
  Transfer *t = a->t;
  g_autoptr(GTask) task = NULL;
  PlaceData *d;

  d = g_new0 (PlaceData, 1);
  d->sha256 = g_strdup (a->sha256);
  d->fd = a->fd;
  a->fd = -1;
  d->part_path = g_strdup (t->part_path);
  d->dir = g_strdup (a->item->local_dir);
  d->name = g_strdup (a->item->name);
  d->size = a->file_total;

  task = g_task_new (NULL, NULL, file_placed_cb, a);
  g_task_set_source_tag (task, attempt_place);
  g_task_set_task_data (task, d, place_data_free);
  g_task_run_in_thread (task, place_file_thread);
}

static void
digest_fetched_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Attempt *a = user_data;
  Transfer *t = a->t;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object = NULL;
  const char *sha256 = NULL;
  const char *etag = NULL;
  gint64 size = -1;

  body = hallway_client_fetch_finish (HALLWAY_CLIENT (source), result, NULL, &error);
  if (!attempt_is_current (a))
    {
      attempt_free (a);
      return;
    }
  if (body == NULL)
    {
      if (error->domain == HALLWAY_ERROR && error->code != HALLWAY_ERROR_PEER_GONE)
        {
          /* An older neighbour that computes no digest: sizes were checked. */
          log_transfer (t, G_LOG_LEVEL_DEBUG, "no digest to verify a resumed file with");
          attempt_place (a);
        }
      else
        attempt_network_error (a, error);
      return;
    }

  if (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                  NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      object = json_node_get_object (json_parser_get_root (parser));
      sha256 = hallway_json_get_string (object, "sha256");
      etag = hallway_json_get_string (object, "etag");
      if (json_object_has_member (object, "size") &&
          JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "size")))
        size = json_object_get_int_member (object, "size");
    }
  if (sha256 == NULL || strlen (sha256) != 64)
    {
      log_transfer (t, G_LOG_LEVEL_DEBUG, "no digest to verify a resumed file with");
      attempt_place (a);
      return;
    }
  if (size != a->file_total || (a->etag != NULL && g_strcmp0 (etag, a->etag) != 0))
    /* The original changed since: this copy is of neither version. */
    a->sha256 = g_strdup ("changed");
  else
    a->sha256 = g_strdup (sha256);
  attempt_place (a);
}

/* A file pieced together from several answers is checked against the
 * neighbour's SHA-256 of the original before it gets its name. */
static void
attempt_complete (Attempt *a)
{
  Transfer *t = a->t;
  g_autofree char *address = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *href = NULL;
  g_autofree char *uri = NULL;
  guint16 port = 0;

  hallway_deadline_disarm (&a->stall);
  g_clear_object (&a->out);
  g_clear_object (&a->body);

  if (!a->resumed || a->file_total <= 0)
    {
      attempt_place (a);
      return;
    }
  if (!transfer_get_endpoint (t, &address, &port))
    {
      attempt_free (a);
      return;
    }
  prefix = g_strdup_printf ("/shares/%s", t->record->share_id);
  href = hallway_path_join_href (prefix, (const char * const *) a->item->remote, FALSE);
  uri = g_strconcat (href, "?digest=sha256", NULL);
  hallway_client_fetch_async (t->owner->client, address, port, uri, t->record->peer_id,
                              4096, DIGEST_TIMEOUT_S, a->cancellable, digest_fetched_cb, a);
}

static void body_read_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
attempt_read (Attempt *a)
{
  g_input_stream_read_all_async (a->body, a->buffer, HALLWAY_BLOCK_SIZE,
                                 G_PRIORITY_DEFAULT, a->cancellable, body_read_cb, a);
}

static void
block_written_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Attempt *a = user_data;
  g_autoptr(GError) error = NULL;
  gsize n_written = 0;
  gboolean ok;

  ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &n_written, &error);
  if (!attempt_is_current (a))
    {
      attempt_free (a);
      return;
    }
  if (!ok)
    {
      if (hallway_deadline_expired (&a->stall))
        attempt_network_error (a, error);
      else
        attempt_write_error (a, error);
      return;
    }

  a->written += n_written;
  a->t->current_bytes = a->offset + a->written;
  a->t->failures = 0;
  if (a->expected >= 0 && a->written >= a->expected)
    {
      attempt_complete (a);
      return;
    }
  attempt_read (a);
}

static void
body_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Attempt *a = user_data;
  g_autoptr(GError) error = NULL;
  gsize n_read = 0;
  gboolean ok;

  ok = g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n_read, &error);
  if (!attempt_is_current (a))
    {
      attempt_free (a);
      return;
    }
  if (!ok)
    {
      attempt_network_error (a, error);
      return;
    }
  hallway_deadline_arm (&a->stall, a->cancellable, HALLWAY_TRANSFER_STALL_S);

  if (a->expected >= 0 && a->written + (gint64) n_read > a->expected)
    {
      g_autoptr(GError) long_error =
        g_error_new_literal (HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                             _("The other computer sent more than it announced"));
      attempt_network_error (a, long_error);
      return;
    }

  if (n_read == 0)
    {
      if (a->expected >= 0 && a->written < a->expected)
        {
          g_autoptr(GError) short_error =
            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                 _("the connection ended before the whole file arrived"));
          attempt_network_error (a, short_error);
          return;
        }
      attempt_complete (a);
      return;
    }

  g_output_stream_write_all_async (a->out, a->buffer, n_read, G_PRIORITY_DEFAULT,
                                   a->cancellable, block_written_cb, a);
}

static char *
dup_etag (SoupMessage *message)
{
  const char *etag = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                   "ETag");

  if (etag == NULL || strlen (etag) > MAX_ETAG_BYTES || !g_str_is_ascii (etag))
    return NULL;
  return g_strdup (etag);
}

static void
remember_etag (Attempt    *a,
               const char *etag)
{
  Transfer *t = a->t;

  g_free (t->record->current);
  t->record->current = g_strdup (a->item->rel);
  g_free (t->record->current_etag);
  t->record->current_etag = g_strdup (etag);
  if (etag != NULL)
    fsetxattr (a->fd, ETAG_XATTR, etag, strlen (etag), 0);
  else
    fremovexattr (a->fd, ETAG_XATTR);
  queue_save (t->owner);
}

static void
file_sent_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Attempt *a = user_data;
  Transfer *t = a->t;
  g_autoptr(GError) error = NULL;
  g_autofree char *etag = NULL;
  SoupMessageHeaders *headers;
  HallwayTransferReply reply;
  gint64 content_length;
  gint64 total = -1;
  guint status;

  a->body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (!attempt_is_current (a))
    {
      attempt_free (a);
      return;
    }
  if (a->body == NULL)
    {
      const char *presented = hallway_client_get_presented_id (a->message);

      if (presented != NULL && g_strcmp0 (presented, t->record->peer_id) != 0)
        {
          g_clear_error (&error);
          g_set_error_literal (&error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH,
                               _("The other computer presents a different identity than "
                                 "the one it announced; nothing was copied from it"));
        }
      attempt_network_error (a, error);
      return;
    }
  if (!hallway_client_check_message (a->message, &error))
    {
      transfer_fail (t, error->message);
      attempt_free (a);
      return;
    }
  hallway_deadline_arm (&a->stall, a->cancellable, HALLWAY_TRANSFER_STALL_S);

  status = soup_message_get_status (a->message);
  headers = soup_message_get_response_headers (a->message);
  etag = dup_etag (a->message);
  content_length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                     ? soup_message_headers_get_content_length (headers) : -1;
  reply = hallway_transfer_classify_reply (status, a->offset,
                                           soup_message_headers_get_one (headers, "Content-Range"),
                                           content_length, &total);

  if (status != 200 && status != 206 && status != 416)
    {
      g_autofree char *message = NULL;
      g_autoptr(GError) http_error = NULL;

      switch (status)
        {
        case SOUP_STATUS_NOT_FOUND:
          message = g_strdup_printf (_("“%s” is no longer there"), a->item->rel);
          transfer_fail (t, message);
          break;
        case SOUP_STATUS_UNAUTHORIZED:
        case SOUP_STATUS_FORBIDDEN:
          message = g_strdup_printf (_("The other computer no longer lets this computer "
                                       "read “%s”"), a->item->rel);
          transfer_fail (t, message);
          break;
        default:
          if (status >= 500 || status == 429 || status == 408)
            {
              /* Translators: %u is an HTTP status code, %s its reason. */
              http_error = g_error_new (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                        _("it answered “%u %s”"), status,
                                        soup_message_get_reason_phrase (a->message));
              transfer_network_error (t, http_error);
            }
          else
            {
              message = g_strdup_printf (_("The other computer refused to send “%s” (%u %s)"),
                                         a->item->rel, status,
                                         soup_message_get_reason_phrase (a->message));
              transfer_fail (t, message);
            }
          break;
        }
      attempt_free (a);
      return;
    }

  switch (reply)
    {
    case HALLWAY_TRANSFER_REPLY_APPEND:
      if (lseek (a->fd, a->offset, SEEK_SET) < 0 || ftruncate (a->fd, a->offset) != 0)
        {
          g_autoptr(GError) seek_error = g_error_new_literal (G_IO_ERROR,
                                                              g_io_error_from_errno (errno),
                                                              g_strerror (errno));
          attempt_write_error (a, seek_error);
          return;
        }
      a->expected = total - a->offset;
      a->file_total = total;
      a->resumed = a->offset > 0;
      break;

    case HALLWAY_TRANSFER_REPLY_RESTART:
      /* The whole file: the source changed, or there was nothing to resume. */
      if (lseek (a->fd, 0, SEEK_SET) < 0 || ftruncate (a->fd, 0) != 0)
        {
          g_autoptr(GError) seek_error = g_error_new_literal (G_IO_ERROR,
                                                              g_io_error_from_errno (errno),
                                                              g_strerror (errno));
          attempt_write_error (a, seek_error);
          return;
        }
      if (a->offset > 0)
        log_transfer (t, G_LOG_LEVEL_DEBUG, "the source changed; starting the file over");
      a->offset = 0;
      a->expected = total;
      a->file_total = total;
      remember_etag (a, etag);
      break;

    case HALLWAY_TRANSFER_REPLY_COMPLETE:
      a->expected = 0;
      a->file_total = total;
      a->resumed = a->offset > 0;
      attempt_complete (a);
      return;

    case HALLWAY_TRANSFER_REPLY_INVALID:
    default:
      {
        g_autoptr(GError) invalid = NULL;

        /* Start this file over on the next try. */
        if (ftruncate (a->fd, 0) == 0)
          remember_etag (a, NULL);
        invalid = g_error_new_literal (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                       _("its answer could not be used to continue"));
        attempt_network_error (a, invalid);
        return;
      }
    }

  t->current_bytes = a->offset;
  if (a->expected == 0)
    {
      attempt_complete (a);
      return;
    }
  a->buffer = g_malloc (HALLWAY_BLOCK_SIZE);
  a->out = g_unix_output_stream_new (a->fd, FALSE);
  attempt_read (a);
}

/* Opens the part file: the one an earlier attempt left (with the ETag of
 * the version it holds), or a new one, created exclusively. */
static int
open_part (Transfer  *t,
           FileItem  *item,
           char     **out_etag,
           gint64    *out_size,
           GError   **error)
{
  g_autofree char *part_name = hallway_transfer_part_name (item->name);
  g_autofree char *path = g_build_filename (item->local_dir, part_name, NULL);
  struct stat st;
  int fd;

  *out_etag = NULL;
  *out_size = -1;

  if (g_strcmp0 (t->part_path, path) != 0 && g_hash_table_contains (t->owner->parts, path))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                   _("another transfer is copying “%s” into %s"), item->name, item->local_dir);
      return -1;
    }

  fd = open (path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0)
    {
      char buffer[MAX_ETAG_BYTES + 1];
      ssize_t len;

      if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
        {
          close (fd);
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                       _("“%s” is in the way in %s"), part_name, item->local_dir);
          return -1;
        }
      *out_size = st.st_size;
      if (g_strcmp0 (t->record->current, item->rel) == 0 && t->record->current_etag != NULL)
        *out_etag = g_strdup (t->record->current_etag);
      else if ((len = fgetxattr (fd, ETAG_XATTR, buffer, MAX_ETAG_BYTES)) > 0)
        {
          buffer[len] = '\0';
          if (g_str_is_ascii (buffer))
            *out_etag = g_strdup (buffer);
        }
    }
  else if (errno == ENOENT)
    fd = open (path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   /* Translators: %1$s is a folder, %2$s the system's reason. */
                   _("Could not write into %1$s: %2$s"), item->local_dir,
                   g_strerror (saved_errno));
      return -1;
    }

  transfer_set_part_path (t, path);
  return fd;
}

static void
transfer_fetch_file (Transfer *t,
                     FileItem *item)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *href = NULL;
  g_autofree char *etag = NULL;
  gint64 part_size = -1;
  guint16 port = 0;
  Attempt *a;
  int fd;

  if (!transfer_get_endpoint (t, &address, &port))
    return;

  fd = open_part (t, item, &etag, &part_size, &error);
  if (fd < 0)
    {
      transfer_network_error (t, error);
      return;
    }

  a = g_new0 (Attempt, 1);
  a->t = transfer_ref (t);
  a->generation = t->generation;
  a->item = item;
  a->fd = fd;
  a->expected = -1;
  a->offset = hallway_transfer_resume_offset (part_size, etag);
  a->etag = g_strdup (etag);
  a->cancellable = g_object_ref (t->cancellable);
  t->current_bytes = a->offset;

  prefix = g_strdup_printf ("/shares/%s", t->record->share_id);
  href = hallway_path_join_href (prefix, (const char * const *) item->remote, FALSE);
  a->message = hallway_client_new_message (t->owner->client, SOUP_METHOD_GET, address, port,
                                           href, t->record->peer_id, &error);
  if (a->message == NULL)
    {
      transfer_fail (t, error->message);
      attempt_free (a);
      return;
    }
  if (a->offset > 0)
    {
      SoupMessageHeaders *headers = soup_message_get_request_headers (a->message);
      g_autofree char *range = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", a->offset);

      soup_message_headers_replace (headers, "Range", range);
      soup_message_headers_replace (headers, "If-Range", etag);
      log_transfer (t, G_LOG_LEVEL_DEBUG, "resuming a file from its part file");
    }

  hallway_deadline_arm (&a->stall, a->cancellable, HALLWAY_TRANSFER_STALL_S);
  soup_session_send_async (hallway_client_get_session (t->owner->client), a->message,
                           G_PRIORITY_DEFAULT, a->cancellable, file_sent_cb, a);
}

/* Folder streams: the files not copied yet, in one answer (GET …?bulk=1,
 * received by hallway-daemon-bulk-receive.c in a worker thread). A file
 * that has a part file already, files the stream did not bring (symbolic
 * links, files added since the listing) and neighbours that send no
 * folder streams go one file at a time as before. */

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
      transfer_set_part_path (t, NULL);
      g_clear_pointer (&t->record->current, g_free);
      g_clear_pointer (&t->record->current_etag, g_free);
    }

  if (hallway_bulk_receive_take_current (run->receive, &rel, &part, &etag))
    {
      if (transfer_is_current (t, run->generation))
        {
          /* Saved, so that a copy cut off mid-file continues from there. */
          transfer_set_part_path (t, part);
          g_free (t->record->current);
          t->record->current = g_steal_pointer (&rel);
          g_free (t->record->current_etag);
          t->record->current_etag = g_steal_pointer (&etag);
        }
      else if (t->owner == NULL || state_is_finished (t->state))
        g_unlink (part);
    }

  if (placed->len > 0 || part != NULL)
    {
      t->bulk_failures = 0;
      transfer_update_progress (t);
      /* At once: files placed but not saved as done would be copied again
       * after a crash, as "name (2)". */
      queue_save (t->owner);
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

  if (!transfer_is_current (t, run->generation))
    return;
  t->current_bytes = 0;

  if (ok)
    {
      log_transfer (t, G_LOG_LEVEL_DEBUG, "the folder stream is complete");
      t->bulk_done = TRUE;
      t->next_file = 0;
      transfer_next_file (t);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    {
      log_transfer (t, G_LOG_LEVEL_DEBUG, "no folder streams there; one file at a time");
      t->bulk_refused = TRUE;
      t->next_file = 0;
      transfer_next_file (t);
    }
  else if (run->stalled)
    {
      g_autoptr(GError) stalled = stall_error_new ();
      transfer_network_error (t, stalled);
    }
  else if (error_is_transient (error) && run->placed > 0)
    {
      /* Cut off after some files arrived: ask for the rest at once. */
      log_transfer (t, G_LOG_LEVEL_DEBUG, error->message);
      t->next_file = 0;
      transfer_next_file (t);
    }
  else
    {
      if (error_is_transient (error))
        t->bulk_failures++;
      transfer_network_error (t, error);
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
static gboolean
transfer_try_bulk (Transfer *t)
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

  if (!transfer_get_endpoint (t, &address, &port))
    return TRUE;

  remote = split_path (t->record->path);
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
      transfer_fail (t, error->message);
      return TRUE;
    }

  run = g_new0 (BulkRun, 1);
  run->t = transfer_ref (t);
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
  log_transfer (t, G_LOG_LEVEL_DEBUG, message_text);

  receive = hallway_bulk_receive_new (hallway_client_get_session (t->owner->client), message,
                                      t->record->peer_id, t->record->path, targets,
                                      bulk_notify_cb, run, bulk_run_free);
  run->receive = receive;
  run->tick_id = g_timeout_add (HALLWAY_TRANSFER_PROGRESS_MS, bulk_tick_cb, run);
  hallway_bulk_receive_run_async (receive, run->cancellable, bulk_done_cb, run);
  return TRUE;
}

static void
transfer_next_file (Transfer *t)
{
  if (transfer_try_bulk (t))
    return;

  while (t->next_file < t->files->len)
    {
      FileItem *item = g_ptr_array_index (t->files, t->next_file);

      if (!g_hash_table_contains (t->done, item->rel))
        {
          transfer_fetch_file (t, item);
          return;
        }
      t->next_file++;
    }

  transfer_finish (t, "done", NULL);
}

/* Uploads: into a neighbour's writable share.
 *
 * The local tree is walked in a worker thread; then, one after the other,
 * each folder is made with MKCOL (an existing one is merged into) and each
 * file sent with PUT and "If-None-Match: *", so nothing on the other side
 * is ever replaced: a 412 tries "name (2).ext" and so on. The server writes
 * a PUT to a part file it renames only when the body is complete, and it
 * takes no partial PUT, so a file cut off by a network error is sent again
 * from its start. */

typedef struct
{
  char   *root;       /* the local file or folder */
  char   *remote_dir; /* the folder in the share */
} WalkData;

static void
walk_data_free (gpointer data)
{
  WalkData *d = data;

  g_free (d->root);
  g_free (d->remote_dir);
  g_free (d);
}

/* Items in the order they are sent: a folder before what it holds.
 * local_dir is the item's local path; size is -1 for a folder. */
static gboolean
walk_local (const char  *path,
            const char  *rel,
            GStrv        remote,
            GPtrArray   *items,
            GError     **error)
{
  g_autofree char *name = g_path_get_basename (path);
  GStatBuf st;
  FileItem *item;

  if (g_lstat (path, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   /* Translators: %1$s is a file, %2$s the system's reason. */
                   _("Could not read “%1$s”: %2$s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode) && !S_ISREG (st.st_mode))
    return TRUE;   /* links, sockets, devices: not copied */

  item = g_new0 (FileItem, 1);
  item->rel = g_strdup (rel);
  item->remote = strv_append ((const char * const *) remote, name);
  item->local_dir = g_strdup (path);
  item->name = g_strdup (name);
  item->size = S_ISDIR (st.st_mode) ? -1 : st.st_size;
  g_ptr_array_add (items, item);

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      GStrv child_remote = item->remote;
      const char *child;

      if (dir == NULL)
        return FALSE;
      while ((child = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_strdup (child));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint i = 0; i < names->len; i++)
        {
          const char *child_name = *(char **) &names->pdata[i];
          g_autofree char *child_path = g_build_filename (path, child_name, NULL);
          g_autofree char *child_rel = join_rel (rel, child_name);

          if (g_str_has_suffix (child_name, HALLWAY_TRANSFER_PART_SUFFIX))
            continue;
          if (!walk_local (child_path, child_rel, child_remote, items, error))
            return FALSE;
        }
    }
  return TRUE;
}

static void
walk_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  WalkData *d = task_data;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (file_item_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_path_get_basename (d->root);
  g_auto(GStrv) remote = split_path (d->remote_dir);

  if (!walk_local (d->root, name, remote, items, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&items), (GDestroyNotify) g_ptr_array_unref);
}

typedef struct
{
  Transfer *t;           /* (owned) */
  guint     generation;
} WalkJob;

static void upload_next (Transfer *t);

static void
walked_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  WalkJob *job = user_data;
  g_autoptr(Transfer) t = job->t;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_task_propagate_pointer (G_TASK (result), &error);
  guint64 total = 0;
  guint files = 0;
  guint files_done = 0;

  if (!transfer_is_current (t, job->generation))
    {
      g_free (job);
      return;
    }
  g_free (job);
  if (items == NULL)
    {
      transfer_fail (t, error->message);
      return;
    }

  t->done_bytes = 0;
  for (guint i = 0; i < items->len; i++)
    {
      FileItem *item = g_ptr_array_index (items, i);

      if (item->size < 0)
        continue;
      files++;
      total += item->size;
      if (g_hash_table_contains (t->done, item->rel))
        {
          files_done++;
          t->done_bytes += item->size;
        }
    }
  g_ptr_array_unref (t->files);
  t->files = g_steal_pointer (&items);
  t->record->total = total;
  t->record->files = files;
  t->record->files_done = files_done;
  t->listed = TRUE;
  t->next_file = 0;
  t->collision = 1;
  transfer_update_progress (t);
  queue_save (t->owner);
  upload_next (t);
}

static void
upload_start (Transfer *t)
{
  g_autoptr(GTask) task = NULL;
  WalkData *d = g_new0 (WalkData, 1);
  WalkJob *job = g_new0 (WalkJob, 1);

  d->root = g_strdup (t->record->destination);
  d->remote_dir = g_strdup (t->record->path);
  job->t = transfer_ref (t);
  job->generation = t->generation;
  task = g_task_new (NULL, NULL, walked_cb, job);
  g_task_set_source_tag (task, upload_start);
  g_task_set_task_data (task, d, walk_data_free);
  g_task_run_in_thread (task, walk_thread);
}

typedef struct
{
  Transfer     *t;            /* (owned) */
  guint         generation;
  FileItem     *item;         /* (unowned): t->files holds it */
  SoupMessage  *message;
  GCancellable *cancellable;
  HallwayDeadline stall;
  gint64        size;         /* what is sent */
  gint64        sent;
} Upload;

static void
upload_free (Upload *u)
{
  hallway_deadline_disarm (&u->stall);
  if (u->message != NULL)
    g_signal_handlers_disconnect_by_data (u->message, u);
  g_clear_object (&u->message);
  g_clear_object (&u->cancellable);
  transfer_unref (u->t);
  g_free (u);
}

static void
wrote_body_data_cb (SoupMessage *message,
                    guint        chunk_size,
                    Upload      *u)
{
  if (!transfer_is_current (u->t, u->generation))
    return;
  u->sent += chunk_size;
  u->t->current_bytes = MIN (u->sent, u->size);
  u->t->failures = 0;
  hallway_deadline_arm (&u->stall, u->cancellable, HALLWAY_TRANSFER_STALL_S);
}

/* The neighbour's own words for a refusal ({"error", "message"}), if any. */
static char *
dup_refusal (SoupMessage *message,
             GBytes      *body)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  if (length > 0 && length <= 64 * 1024 &&
      json_parser_load_from_data (parser, data, length, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));
      const char *text = hallway_json_get_string (object, "message");

      if (text != NULL && g_utf8_validate (text, -1, NULL) && strlen (text) < 1024)
        return g_strdup (text);
    }
  /* Translators: %u is an HTTP status code, %s its reason. */
  return g_strdup_printf (_("It answered “%u %s”"), soup_message_get_status (message),
                          soup_message_get_reason_phrase (message));
}

static void
upload_sent_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Upload *u = user_data;
  Transfer *t = u->t;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  gboolean folder = u->item->size < 0;
  guint status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  hallway_deadline_disarm (&u->stall);
  if (!transfer_is_current (t, u->generation))
    {
      upload_free (u);
      return;
    }
  if (body == NULL)
    {
      if (hallway_deadline_expired (&u->stall))
        {
          g_clear_error (&error);
          error = stall_error_new ();
        }
      transfer_network_error (t, error);
      upload_free (u);
      return;
    }
  if (!hallway_client_check_message (u->message, &error))
    {
      transfer_fail (t, error->message);
      upload_free (u);
      return;
    }

  status = soup_message_get_status (u->message);
  if (status == SOUP_STATUS_CREATED || status == SOUP_STATUS_NO_CONTENT ||
      status == SOUP_STATUS_OK || (folder && status == SOUP_STATUS_METHOD_NOT_ALLOWED))
    {
      /* 405 to MKCOL: the folder is there already; merge into it. */
      if (!folder)
        {
          g_hash_table_add (t->done, g_strdup (u->item->rel));
          g_ptr_array_add (t->record->done, g_strdup (u->item->rel));
          t->record->files_done++;
          t->record->total = t->record->total - u->item->size + u->size;
          t->done_bytes += u->size;
          t->current_bytes = 0;
          transfer_update_progress (t);
          queue_save (t->owner);
        }
      t->next_file++;
      t->collision = 1;
      upload_free (u);
      upload_next (t);
      return;
    }
  if (status == SOUP_STATUS_PRECONDITION_FAILED && !folder && t->collision < HALLWAY_TRANSFER_MAX_NAMES)
    {
      /* The name is taken there: try the next one. */
      t->collision++;
      t->current_bytes = 0;
      upload_free (u);
      upload_next (t);
      return;
    }
  if (status >= 500 && status != SOUP_STATUS_INSUFFICIENT_STORAGE &&
      status != SOUP_STATUS_NOT_IMPLEMENTED)
    {
      g_autoptr(GError) http_error = g_error_new (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                                  _("it answered “%u %s”"), status,
                                                  soup_message_get_reason_phrase (u->message));
      transfer_network_error (t, http_error);
      upload_free (u);
      return;
    }

  {
    g_autofree char *why = dup_refusal (u->message, body);
    g_autofree char *message = NULL;

    if (strchr (u->item->rel, '/') == NULL)
      message = g_steal_pointer (&why);   /* the transfer's own item: its name is known */
    else
      /* Translators: %1$s is a file or folder, %2$s the neighbour's reason. */
      message = g_strdup_printf (_("Could not copy “%1$s”: %2$s"), u->item->rel, why);
    transfer_fail (t, message);
    upload_free (u);
  }
}

static void
upload_item (Transfer *t,
             FileItem *item)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *href = NULL;
  g_auto(GStrv) remote = g_strdupv (item->remote);
  gboolean folder = item->size < 0;
  guint16 port = 0;
  Upload *u;

  if (!transfer_get_endpoint (t, &address, &port))
    return;

  if (!folder && t->collision > 1)
    {
      guint last = g_strv_length (remote) - 1;

      g_free (remote[last]);
      remote[last] = hallway_transfer_collision_name (item->name, t->collision);
    }

  u = g_new0 (Upload, 1);
  u->t = transfer_ref (t);
  u->generation = t->generation;
  u->item = item;
  u->cancellable = g_object_ref (t->cancellable);
  prefix = g_strdup_printf ("/shares/%s", t->record->share_id);
  href = hallway_path_join_href (prefix, (const char * const *) remote, folder);
  u->message = hallway_client_new_message (t->owner->client, folder ? "MKCOL" : SOUP_METHOD_PUT,
                                           address, port, href, t->record->peer_id, &error);
  if (u->message == NULL)
    {
      transfer_fail (t, error->message);
      upload_free (u);
      return;
    }

  if (!folder)
    {
      g_autoptr(GFile) file = g_file_new_for_path (item->local_dir);
      g_autoptr(GFileInputStream) in = NULL;
      g_autoptr(GFileInfo) info = NULL;
      g_autoptr(GInputStream) buffered = NULL;

      in = g_file_read (file, NULL, &error);
      if (in != NULL)
        info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, &error);
      if (info == NULL)
        {
          g_autofree char *message = NULL;

          /* Translators: %1$s is a file, %2$s the system's reason. */
          message = g_strdup_printf (_("Could not read “%1$s”: %2$s"), item->local_dir,
                                     error->message);
          transfer_fail (t, message);
          upload_free (u);
          return;
        }
      u->size = g_file_info_get_size (info);
      /* Read from disk in large blocks, whatever size libsoup writes in. */
      buffered = g_buffered_input_stream_new_sized (G_INPUT_STREAM (in),
                                                    HALLWAY_BLOCK_SIZE);
      soup_message_headers_replace (soup_message_get_request_headers (u->message),
                                    "If-None-Match", "*");
      soup_message_set_request_body (u->message, "application/octet-stream", buffered,
                                     u->size);
      g_signal_connect (u->message, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), u);
      g_free (t->record->current);
      t->record->current = g_strdup (item->rel);
    }
  t->current_bytes = 0;

  hallway_deadline_arm (&u->stall, u->cancellable, HALLWAY_TRANSFER_STALL_S);
  soup_session_send_and_read_async (hallway_client_get_session (t->owner->client), u->message,
                                    G_PRIORITY_DEFAULT, u->cancellable, upload_sent_cb, u);
}

static void
upload_next (Transfer *t)
{
  while (t->next_file < t->files->len)
    {
      FileItem *item = g_ptr_array_index (t->files, t->next_file);

      if (item->size < 0 || !g_hash_table_contains (t->done, item->rel))
        {
          upload_item (t, item);
          return;
        }
      t->next_file++;
    }

  g_clear_pointer (&t->record->current, g_free);
  transfer_finish (t, "done", NULL);
}

static void
transfer_run (Transfer *t)
{
  transfer_stop_attempt (t);
  t->cancellable = g_cancellable_new ();
  transfer_set_state (t, "running", NULL);
  t->rate = 0;
  t->rate_time = 0;

  if (t->upload)
    {
      /* Walked again each time: the local tree may have changed. */
      upload_start (t);
      return;
    }
  if (g_str_equal (t->record->kind, "send"))
    {
      _hallway_daemon_send_run (t);
      return;
    }
  if (!t->listed)
    transfer_list_start (t);
  else
    {
      t->next_file = 0;
      transfer_next_file (t);
    }
}

static void
schedule (HallwayDaemonTransfers *self)
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

      if (!state_is_finished (t->state))
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
static void
queue_save_soon (HallwayDaemonTransfers *self)
{
  if (self != NULL && self->state_file != NULL)
    hallway_state_file_save_later (self->state_file, SAVE_DELAY_MS);
}

/* Anything that changes what resuming needs (a new transfer, its state, the
 * file in progress and its ETag) is saved at once. */
static void
queue_save (HallwayDaemonTransfers *self)
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

static gboolean
handle_cancel_cb (HallwayDBusTransfer1  *iface,
                  GDBusMethodInvocation *invocation,
                  Transfer              *t)
{
  /* A send also tells the colleague, who removes what arrived. */
  if (!state_is_finished (t->state) && g_str_equal (t->record->kind, "send"))
    _hallway_daemon_send_cancel (t);
  if (!state_is_finished (t->state))
    transfer_finish (t, "cancelled", NULL);
  hallway_dbus_transfer1_complete_cancel (iface, invocation);
  return TRUE;
}

static Transfer *
transfer_add (HallwayDaemonTransfers *self,
              HallwayTransferRecord  *record)
{
  g_autofree char *object_path = NULL;
  g_autofree char *display_path = NULL;
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
  t->files = g_ptr_array_new_with_free_func (file_item_free);
  t->folders = g_queue_new ();

  display_path = *record->path != '\0' ? g_strconcat (record->share_name, "/", record->path, NULL)
                                       : g_strdup (record->share_name);
  object_path = g_strdup_printf ("%s/%s", HALLWAY_TRANSFERS_OBJECT_PATH, record->id);
  t->object = hallway_dbus_object_skeleton_new (object_path);
  t->iface = hallway_dbus_transfer1_skeleton_new ();
  hallway_dbus_transfer1_set_id (t->iface, record->id);
  t->upload = g_strcmp0 (record->kind, "upload") == 0;
  t->collision = 1;
  hallway_dbus_transfer1_set_kind (t->iface, t->upload ? "upload" : "download");
  hallway_dbus_transfer1_set_state (t->iface, "queued");
  hallway_dbus_transfer1_set_peer (t->iface, record->peer_id);
  hallway_dbus_transfer1_set_peer_name (t->iface, record->peer_name);
  hallway_dbus_transfer1_set_path (t->iface, t->upload ? record->destination : display_path);
  hallway_dbus_transfer1_set_destination (t->iface,
                                          t->upload ? display_path : record->destination);
  if (g_str_equal (record->kind, "send"))
    {
      /* Who receives it is only settled once they accept. */
      hallway_dbus_transfer1_set_kind (t->iface, "send");
      hallway_dbus_transfer1_set_path (t->iface, record->destination);
      hallway_dbus_transfer1_set_destination (t->iface,
                                              record->accepted->len > 0 ? record->peer_name : "");
    }
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
          transfer_set_state (t, "queued", NULL);
          any = TRUE;
        }
    }
  if (any)
    schedule (self);
}

/* Who a new transfer is with: a known neighbour whose identity is not in
 * doubt, and one of the folders it shares with this computer. */
static gboolean
resolve_target (HallwayDaemonTransfers  *self,
                const char              *peer,
                const char              *share,
                gboolean                 upload,
                char                   **out_peer_id,
                char                   **out_peer_name,
                char                   **out_share_id,
                char                   **out_share_name,
                GError                 **error)
{
  if (self->peers == NULL ||
      !hallway_daemon_peers_lookup (self->peers, peer, out_peer_id, out_peer_name, NULL))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                   _("No neighbour “%s” is known"), peer);
      return FALSE;
    }
  if (g_strcmp0 (hallway_daemon_peers_get_problem (self->peers, *out_peer_id), "") != 0)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED,
                           upload ? _("This computer's identity is in doubt; nothing is copied to "
                                      "it until that is settled")
                                  : _("This computer's identity is in doubt; nothing is copied "
                                      "from it until that is settled"));
      return FALSE;
    }
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

/* Queues one transfer; returns its object path. */
static const char *
queue_transfer (HallwayDaemonTransfers *self,
                const char             *kind,
                const char             *peer_id,
                const char             *peer_name,
                const char             *share_id,
                const char             *share_name,
                const char             *path,
                const char             *destination)
{
  HallwayTransferRecord *record = hallway_transfer_record_new ();
  Transfer *t;

  record->id = g_strdup_printf ("%u", self->next_id++);
  record->kind = g_strdup (kind);
  record->state = g_strdup ("queued");
  record->peer_id = g_strdup (peer_id);
  record->peer_name = g_strdup (peer_name);
  record->share_id = g_strdup (share_id);
  record->share_name = g_strdup (share_name);
  record->path = g_strdup (path);
  record->destination = g_strdup (destination);
  t = transfer_add (self, record);
  log_transfer (t, G_LOG_LEVEL_DEBUG, "queued");
  return g_dbus_object_get_object_path (G_DBUS_OBJECT (t->object));
}

/**
 * hallway_daemon_transfers_download:
 * @self: a #HallwayDaemonTransfers
 * @peer: a neighbour's device id or object path
 * @share: the name or id of one of its shared folders
 * @paths: items in that share, "" for the whole share
 * @destination: an existing local folder (absolute)
 * @error: return location for a #GError
 *
 * Queues one download per path.
 *
 * Returns: (transfer full): the object paths of the new transfers
 */
GStrv
hallway_daemon_transfers_download (HallwayDaemonTransfers  *self,
                                   const char              *peer,
                                   const char              *share,
                                   const char * const      *paths,
                                   const char              *destination,
                                   GError                 **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) normalized = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *peer_id = NULL;
  g_autofree char *peer_name = NULL;
  g_autofree char *share_id = NULL;
  g_autofree char *share_name = NULL;
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_TRANSFERS (self), NULL);

  if (!resolve_target (self, peer, share, FALSE, &peer_id, &peer_name, &share_id, &share_name,
                       error))
    return NULL;
  if (destination == NULL || !g_path_is_absolute (destination) ||
      !g_file_test (destination, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a folder on this computer"), destination);
      return NULL;
    }
  canonical = g_canonicalize_filename (destination, NULL);
  if (paths == NULL || paths[0] == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("Nothing to copy was given"));
      return NULL;
    }

  /* Check every path before queueing any. */
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_auto(GStrv) components = split_path (paths[i]);

      for (guint j = 0; components[j] != NULL; j++)
        if (!hallway_path_component_is_valid (components[j], TRUE))
          {
            g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                         _("“%s” is not a valid name"), components[j]);
            return NULL;
          }
      g_ptr_array_add (normalized, g_strjoinv ("/", components));
    }

  for (guint i = 0; i < normalized->len; i++)
    {
      g_strv_builder_add (builder,
                          queue_transfer (self, "download", peer_id, peer_name, share_id,
                                          share_name, g_ptr_array_index (normalized, i),
                                          canonical));
    }

  queue_save (self);
  schedule (self);
  return g_strv_builder_end (builder);
}

/**
 * hallway_daemon_transfers_upload:
 * @self: a #HallwayDaemonTransfers
 * @peer: a neighbour's device id or object path
 * @share: the name or id of one of its shared folders
 * @remote_dir: the folder in that share to copy into, "" for its top
 * @local_paths: local files or folders (absolute)
 * @error: return location for a #GError
 *
 * Queues one upload per local path.
 *
 * Returns: (transfer full): the object paths of the new transfers
 */
GStrv
hallway_daemon_transfers_upload (HallwayDaemonTransfers  *self,
                                 const char              *peer,
                                 const char              *share,
                                 const char              *remote_dir,
                                 const char * const      *local_paths,
                                 GError                 **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) locals = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *peer_id = NULL;
  g_autofree char *peer_name = NULL;
  g_autofree char *share_id = NULL;
  g_autofree char *share_name = NULL;
  g_autofree char *dir = NULL;
  g_auto(GStrv) components = NULL;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_TRANSFERS (self), NULL);

  if (!resolve_target (self, peer, share, TRUE, &peer_id, &peer_name, &share_id, &share_name,
                       error))
    return NULL;
  components = split_path (remote_dir != NULL ? remote_dir : "");
  for (guint j = 0; components[j] != NULL; j++)
    if (!hallway_path_component_is_valid (components[j], TRUE))
      {
        g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                     _("“%s” is not a valid name"), components[j]);
        return NULL;
      }
  dir = g_strjoinv ("/", components);
  if (local_paths == NULL || local_paths[0] == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("Nothing to copy was given"));
      return NULL;
    }

  /* Check every path before queueing any. */
  for (guint i = 0; local_paths[i] != NULL; i++)
    {
      g_autofree char *canonical = NULL;
      g_autofree char *name = NULL;

      if (!g_path_is_absolute (local_paths[i]) ||
          !g_file_test (local_paths[i], G_FILE_TEST_EXISTS))
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a file or folder on this computer"), local_paths[i]);
          return NULL;
        }
      canonical = g_canonicalize_filename (local_paths[i], NULL);
      name = g_path_get_basename (canonical);
      if (!hallway_path_component_is_valid (name, TRUE))
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a valid name"), name);
          return NULL;
        }
      g_ptr_array_add (locals, g_steal_pointer (&canonical));
    }

  for (guint i = 0; i < locals->len; i++)
    {
      g_strv_builder_add (builder,
                          queue_transfer (self, "upload", peer_id, peer_name, share_id,
                                          share_name, dir, g_ptr_array_index (locals, i)));
    }

  queue_save (self);
  schedule (self);
  return g_strv_builder_end (builder);
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
  schedule (self);
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
        g_dbus_object_manager_server_unexport (self->manager,
                                               g_dbus_object_get_object_path (G_DBUS_OBJECT (t->object)));
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
  self->transfers = g_ptr_array_new_with_free_func ((GDestroyNotify) transfer_unref);
  self->next_id = 1;
  self->parts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* What hallway-daemon-transfers-send.c needs of the engine (see the private header). */

HallwayDaemonTransfer *
_hallway_daemon_transfer_ref (HallwayDaemonTransfer *t)
{
  return transfer_ref (t);
}

void
_hallway_daemon_transfer_unref (HallwayDaemonTransfer *t)
{
  transfer_unref (t);
}

HallwayTransferRecord *
_hallway_daemon_transfer_get_record (HallwayDaemonTransfer *t)
{
  return t->record;
}

HallwayClient *
_hallway_daemon_transfer_get_client (HallwayDaemonTransfer *t)
{
  return t->owner != NULL ? t->owner->client : NULL;
}

const char *
_hallway_daemon_transfer_get_state (HallwayDaemonTransfer *t)
{
  return t->state;
}

guint
_hallway_daemon_transfer_get_generation (HallwayDaemonTransfer *t)
{
  return t->generation;
}

GCancellable *
_hallway_daemon_transfer_get_cancellable (HallwayDaemonTransfer *t)
{
  return t->cancellable;
}

/* Like transfer_is_current(), but a send waiting for its answer
 * ("offered") is as alive as a running one. */
gboolean
_hallway_daemon_transfer_is_active (HallwayDaemonTransfer *t,
                                    guint                  generation)
{
  return t->owner != NULL && t->generation == generation &&
         (g_str_equal (t->state, "running") || g_str_equal (t->state, "offered"));
}

/* Unlike transfer_get_endpoint(), only says why: the caller decides. */
gboolean
_hallway_daemon_transfer_get_endpoint (HallwayDaemonTransfer  *t,
                                       char                  **out_address,
                                       guint16                *out_port,
                                       GError               **error)
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

void
_hallway_daemon_transfer_set_state (HallwayDaemonTransfer *t,
                                    const char            *state,
                                    const char            *error)
{
  transfer_set_state (t, state, error);
}

void
_hallway_daemon_transfer_set_destination (HallwayDaemonTransfer *t,
                                          const char            *destination)
{
  hallway_dbus_transfer1_set_destination (t->iface, destination);
}

void
_hallway_daemon_transfer_set_bytes (HallwayDaemonTransfer *t,
                                    guint64                done_bytes,
                                    guint64                current_bytes)
{
  t->done_bytes = done_bytes;
  t->current_bytes = current_bytes;
}

/* Data moved: the next network trouble starts the back-off afresh. */
void
_hallway_daemon_transfer_progressed (HallwayDaemonTransfer *t)
{
  t->failures = 0;
}

void
_hallway_daemon_transfer_finish (HallwayDaemonTransfer *t,
                                 const char            *state,
                                 const char            *error)
{
  transfer_finish (t, state, error);
}

void
_hallway_daemon_transfer_network_error (HallwayDaemonTransfer *t,
                                        const GError          *error)
{
  transfer_network_error (t, error);
}

/* Back in the queue, to run when a slot is free. */
void
_hallway_daemon_transfer_requeue (HallwayDaemonTransfer *t)
{
  transfer_stop_attempt (t);
  transfer_set_state (t, "queued", NULL);
  if (t->owner != NULL)
    {
      queue_save (t->owner);
      schedule (t->owner);
    }
}

void
_hallway_daemon_transfer_save (HallwayDaemonTransfer *t)
{
  queue_save (t->owner);
}

void
_hallway_daemon_transfer_save_soon (HallwayDaemonTransfer *t)
{
  queue_save_soon (t->owner);
}

void
_hallway_daemon_walk_item_free (HallwayDaemonWalkItem *item)
{
  g_free (item->rel);
  g_free (item->path);
  g_free (item);
}

/* The upload walker, for a send: blocks, so call it in a worker thread. */
GPtrArray *
_hallway_daemon_transfers_walk (const char  *root,
                                GError     **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (file_item_free);
  g_autoptr(GPtrArray) walked = NULL;
  g_autofree char *name = g_path_get_basename (root);
  g_auto(GStrv) remote = g_new0 (char *, 1);

  if (!walk_local (root, name, remote, items, error))
    return NULL;
  walked = g_ptr_array_new_with_free_func ((GDestroyNotify) _hallway_daemon_walk_item_free);
  for (guint i = 0; i < items->len; i++)
    {
      FileItem *item = g_ptr_array_index (items, i);
      HallwayDaemonWalkItem *out = g_new0 (HallwayDaemonWalkItem, 1);

      out->rel = g_steal_pointer (&item->rel);
      out->path = g_steal_pointer (&item->local_dir);
      out->size = item->size;
      g_ptr_array_add (walked, out);
    }
  return g_steal_pointer (&walked);
}

HallwayDaemonPeers *
_hallway_daemon_transfers_get_peers (HallwayDaemonTransfers *self)
{
  return self->peers;
}

/* Queues a transfer made elsewhere; it takes @record over. */
const char *
_hallway_daemon_transfers_add (HallwayDaemonTransfers *self,
                               HallwayTransferRecord  *record)
{
  Transfer *t;

  g_free (record->id);
  record->id = g_strdup_printf ("%u", self->next_id++);
  t = transfer_add (self, record);
  log_transfer (t, G_LOG_LEVEL_DEBUG, "queued");
  queue_save (self);
  schedule (self);
  return g_dbus_object_get_object_path (G_DBUS_OBJECT (t->object));
}
