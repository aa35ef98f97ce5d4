/* hallway-daemon-transfers-upload.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Uploads: copying local files and folders into a neighbour's writable
 * share. The local tree is walked in a worker thread (again at each
 * attempt: it may have changed); then, one after the other, each folder
 * is made with MKCOL (an existing one is merged into) and each file sent
 * with PUT and "If-None-Match: *", streamed from disk in large blocks, so
 * nothing on the other side is ever replaced: a 412 means the name is
 * taken there and "NAME (2).ext" is tried.
 *
 * The server writes a PUT into a part file of its own that it renames only
 * once the body is complete, and it takes no partial PUT (Content-Range is
 * refused), so an upload cut off by a network error or a restart of
 * either side sends that file again from its first byte; files already
 * sent are remembered in the saved queue and skipped. A file whose 201 was
 * lost (the connection dropped right after the server placed it) is sent
 * again and lands as "NAME (2).ext": an extra copy rather than an
 * overwrite.
 */
#include "config.h"

#include "hallway-daemon-transfers-private.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "hallway-deadline.h"
#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-path.h"

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

/* g_ptr_array_sort() hands pointers to the elements. */
static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
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
  item->remote = _transfer_strv_append ((const char * const *) remote, name);
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
      g_ptr_array_sort (names, compare_names);
      for (guint i = 0; i < names->len; i++)
        {
          const char *child_name = *(char **) &names->pdata[i];
          g_autofree char *child_path = g_build_filename (path, child_name, NULL);
          g_autofree char *child_rel = _transfer_join_rel (rel, child_name);

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
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (_transfer_file_item_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_path_get_basename (d->root);
  g_auto(GStrv) remote = _transfer_split_path (d->remote_dir);

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

  if (!_transfer_is_current (t, job->generation))
    {
      g_free (job);
      return;
    }
  g_free (job);
  if (items == NULL)
    {
      _transfer_fail (t, error->message);
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
  _transfer_update_progress (t);
  _transfers_save (t->owner);
  if (!_transfer_try_push (t))
    _transfer_upload_next (t);
}

static void
upload_start (Transfer *t)
{
  g_autoptr(GTask) task = NULL;
  WalkData *d = g_new0 (WalkData, 1);
  WalkJob *job = g_new0 (WalkJob, 1);

  d->root = g_strdup (t->record->destination);
  d->remote_dir = g_strdup (t->record->path);
  job->t = _transfer_ref (t);
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
  _transfer_unref (u->t);
  g_free (u);
}

static void
wrote_body_data_cb (SoupMessage *message,
                    guint        chunk_size,
                    Upload      *u)
{
  if (!_transfer_is_current (u->t, u->generation))
    return;
  u->sent += chunk_size;
  u->t->current_bytes = MIN (u->sent, u->size);
  u->t->failures = 0;
  hallway_deadline_arm (&u->stall, u->cancellable, HALLWAY_TRANSFER_STALL_S);
}

/* The neighbour's own words for a refusal ({"error", "message"}), if any. */
char *
_transfer_dup_refusal (SoupMessage *message,
                       GBytes      *body)
{
  char *theirs = hallway_json_dup_message (body);

  if (theirs != NULL)
    return theirs;
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
  if (!_transfer_is_current (t, u->generation))
    {
      upload_free (u);
      return;
    }
  if (body == NULL)
    {
      if (hallway_deadline_expired (&u->stall))
        {
          g_clear_error (&error);
          error = _transfer_stall_error_new ();
        }
      _transfer_network_error (t, error);
      upload_free (u);
      return;
    }
  if (!hallway_client_check_message (u->message, &error))
    {
      _transfer_fail (t, error->message);
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
          _transfer_upload_mark_done (t, u->item, u->size);
          _transfers_save (t->owner);
        }
      t->next_file++;
      t->collision = 1;
      upload_free (u);
      _transfer_upload_next (t);
      return;
    }
  if (status == SOUP_STATUS_PRECONDITION_FAILED && !folder &&
      t->collision < HALLWAY_TRANSFER_MAX_NAMES)
    {
      /* The name is taken there: try the next one. */
      t->collision++;
      t->current_bytes = 0;
      upload_free (u);
      _transfer_upload_next (t);
      return;
    }
  if (status >= 500 && status != SOUP_STATUS_INSUFFICIENT_STORAGE &&
      status != SOUP_STATUS_NOT_IMPLEMENTED)
    {
      g_autoptr(GError) http_error = g_error_new (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                                  _("it answered “%u %s”"), status,
                                                  soup_message_get_reason_phrase (u->message));
      _transfer_network_error (t, http_error);
      upload_free (u);
      return;
    }

  {
    g_autofree char *why = _transfer_dup_refusal (u->message, body);
    g_autofree char *message = NULL;

    if (strchr (u->item->rel, '/') == NULL)
      message = g_steal_pointer (&why);   /* the transfer's own item: its name is known */
    else
      /* Translators: %1$s is a file or folder, %2$s the neighbour's reason. */
      message = g_strdup_printf (_("Could not copy “%1$s”: %2$s"), u->item->rel, why);
    _transfer_fail (t, message);
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

  if (!_transfer_get_endpoint (t, &address, &port))
    return;

  if (!folder && t->collision > 1)
    {
      guint last = g_strv_length (remote) - 1;

      g_free (remote[last]);
      remote[last] = hallway_transfer_collision_name (item->name, t->collision);
    }

  u = g_new0 (Upload, 1);
  u->t = _transfer_ref (t);
  u->generation = t->generation;
  u->item = item;
  u->cancellable = g_object_ref (t->cancellable);
  prefix = g_strdup_printf ("/shares/%s", t->record->share_id);
  href = hallway_path_join_href (prefix, (const char * const *) remote, folder);
  u->message = hallway_client_new_message (t->owner->client, folder ? "MKCOL" : SOUP_METHOD_PUT,
                                           address, port, href, t->record->peer_id, &error);
  if (u->message == NULL)
    {
      _transfer_fail (t, error->message);
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
          _transfer_fail (t, message);
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

/* A file of the upload is there, @size bytes of it. */
void
_transfer_upload_mark_done (Transfer       *t,
                            const FileItem *item,
                            gint64          size)
{
  g_hash_table_add (t->done, g_strdup (item->rel));
  g_ptr_array_add (t->record->done, g_strdup (item->rel));
  t->record->files_done++;
  t->record->total = t->record->total - item->size + size;
  t->done_bytes += size;
  t->current_bytes = 0;
  _transfer_update_progress (t);
}

/* Sends the next item one request at a time. */
void
_transfer_upload_next (Transfer *t)
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
  _transfer_finish (t, "done", NULL);
}

/* The walker, for a send: blocks, so call it in a worker thread. Returns
 * the FileItems of @root, folders (size -1) before what they hold, each
 * with its local path in local_dir. */
GPtrArray *
_transfer_walk (const char  *root,
                GError     **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (_transfer_file_item_free);
  g_autofree char *name = g_path_get_basename (root);
  g_auto(GStrv) remote = g_new0 (char *, 1);

  if (!walk_local (root, name, remote, items, error))
    return NULL;
  return g_steal_pointer (&items);
}

/* The upload kind */

static void
upload_run (Transfer *t)
{
  /* Walked again each time: the local tree may have changed. */
  upload_start (t);
}

/* A local file or folder, to "Projects/Drafts" in the share. */
static void
upload_describe (Transfer  *t,
                 char     **out_path,
                 char     **out_destination)
{
  const HallwayTransferRecord *record = t->record;

  *out_path = g_strdup (record->destination);
  *out_destination = *record->path != '\0'
    ? g_strconcat (record->share_name, "/", record->path, NULL)
    : g_strdup (record->share_name);
}

const TransferKind _transfer_kind_upload = {
  .name = "upload",
  .identity_in_doubt = N_("This computer's identity is in doubt; nothing is copied to it "
                          "until that is settled"),
  .run = upload_run,
  .cancel = _transfer_push_cancel,
  .describe = upload_describe,
};

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
  g_autoptr(GPtrArray) locals = NULL;
  g_autofree char *peer_id = NULL;
  g_autofree char *peer_name = NULL;
  g_autofree char *share_id = NULL;
  g_autofree char *share_name = NULL;
  g_autofree char *dir = NULL;
  g_auto(GStrv) components = NULL;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_TRANSFERS (self), NULL);

  if (!_transfers_resolve_target (self, peer, share, &_transfer_kind_upload, &peer_id,
                                  &peer_name, &share_id, &share_name, error))
    return NULL;
  components = _transfer_split_path (remote_dir != NULL ? remote_dir : "");
  for (guint j = 0; components[j] != NULL; j++)
    if (!hallway_path_component_is_valid (components[j], TRUE))
      {
        g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                     _("“%s” is not a valid name"), components[j]);
        return NULL;
      }
  dir = g_strjoinv ("/", components);

  /* Check every path before queueing any. */
  locals = _transfers_check_local_paths (local_paths, error);
  if (locals == NULL)
    return NULL;

  for (guint i = 0; i < locals->len; i++)
    {
      HallwayTransferRecord *record = hallway_transfer_record_new ();

      record->kind = g_strdup (_transfer_kind_upload.name);
      record->peer_id = g_strdup (peer_id);
      record->peer_name = g_strdup (peer_name);
      record->share_id = g_strdup (share_id);
      record->share_name = g_strdup (share_name);
      record->path = g_strdup (dir);
      record->destination = g_strdup (g_ptr_array_index (locals, i));
      g_strv_builder_add (builder, _transfers_add (self, record));
    }

  _transfers_save (self);
  _transfers_schedule (self);
  return g_strv_builder_end (builder);
}
