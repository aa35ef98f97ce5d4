/* hallway-daemon-transfers-listing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a download copies: the whole tree is listed first, a folder at a
 * time (the neighbour's JSON listing), so the total and the free space
 * needed are known before a byte is written. A single item is probed in
 * its parent's listing, for its type and size. Each folder is made here
 * as it is listed: an existing folder is merged into, anything else in
 * the way makes it "name (2)", so a resumed transfer finds the same
 * folders again.
 */
#include "config.h"

#include "hallway-daemon-transfers-private.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "hallway-error.h"
#include "hallway-listing.h"
#include "hallway-path.h"

#define LISTING_TIMEOUT_S 15

static void transfer_list_next (Transfer *t);

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

typedef struct
{
  Transfer   *t;            /* (owned) */
  guint       generation;
  FolderItem *folder;       /* (owned) (nullable): the folder listed, NULL for the probe */
} ListJob;

static void
list_job_free (ListJob *job)
{
  g_clear_pointer (&job->folder, _transfer_folder_item_free);
  _transfer_unref (job->t);
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
    _transfer_fail (t, message);
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
  _transfer_update_progress (t);

  if (!transfer_check_space (t))
    return;
  _transfers_save (t->owner);
  _transfer_next_file (t);
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
  if (!_transfer_is_current (t, job->generation))
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
      _transfer_network_error (t, error);
      list_job_free (job);
      return;
    }
  t->failures = 0;

  if (job->folder == NULL)
    {
      /* The probe: the parent's listing says whether the item is a file or
       * a folder, and how big. */
      g_auto(GStrv) remote = _transfer_split_path (t->record->path);
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
            g_strdup_printf (_("There is no “%s” in “%s”"), t->record->path,
                             t->record->share_name);
          _transfer_fail (t, message);
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
              _transfer_folder_item_free (folder);
              _transfer_fail (t, error->message);
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

          folder->rel = _transfer_join_rel (job->folder->rel, entry->name);
          folder->remote = _transfer_strv_append ((const char * const *) job->folder->remote,
                                                  entry->name);
          folder->local_dir = ensure_local_folder (job->folder->local_dir, entry->name, &error);
          if (folder->local_dir == NULL)
            {
              _transfer_folder_item_free (folder);
              _transfer_fail (t, error->message);
              list_job_free (job);
              return;
            }
          g_queue_push_tail (t->folders, folder);
        }
      else
        {
          FileItem *item = g_new0 (FileItem, 1);

          item->rel = _transfer_join_rel (job->folder->rel, entry->name);
          item->remote = _transfer_strv_append ((const char * const *) job->folder->remote,
                                                entry->name);
          item->local_dir = g_strdup (job->folder->local_dir);
          item->name = g_strdup (entry->name);
          item->size = entry->size;
          g_ptr_array_add (t->files, item);
        }
    }

  list_job_free (job);
  transfer_list_next (t);
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

  if (!_transfer_get_endpoint (t, &address, &port))
    {
      g_clear_pointer (&folder, _transfer_folder_item_free);
      return;
    }

  job = g_new0 (ListJob, 1);
  job->t = _transfer_ref (t);
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

void
_transfer_list_start (Transfer *t)
{
  g_auto(GStrv) remote = _transfer_split_path (t->record->path);

  t->current_bytes = 0;
  g_ptr_array_set_size (t->files, 0);
  g_queue_free_full (t->folders, _transfer_folder_item_free);
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
          _transfer_folder_item_free (folder);
          _transfer_fail (t, error->message);
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
