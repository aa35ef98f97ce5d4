/* hallway-remote-files.c: dragging a colleague's files out of the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A file manager or the desktop can only take files that exist on this
 * computer, and a drag must not download anything until it is dropped.
 * So this content provider offers text/uri-list, and only when the drop
 * target asks for the data does it have hallwayd copy the files into a
 * fresh folder of the cache (with the usual part files, so nothing
 * half-copied is ever handed over), wait for the copies to finish, and
 * answer with their file:// URIs. The receiver then copies them where
 * they were dropped. Left-over folders are removed after a day.
 */
#include "config.h"

#include "hallway-remote-files.h"

#include <errno.h>
#include <glib/gstdio.h>

#define DRAG_DIR_MAX_AGE (24 * G_TIME_SPAN_HOUR)

struct _HallwayRemoteFiles
{
  GdkContentProvider  parent_instance;

  HallwayDBusDaemon1 *daemon;   /* (owned) */
  char               *peer;     /* object path of the neighbour */
  char               *share;
  GStrv               paths;    /* in the share */
};

G_DEFINE_FINAL_TYPE (HallwayRemoteFiles, hallway_remote_files, GDK_TYPE_CONTENT_PROVIDER)

typedef struct
{
  GOutputStream *stream;      /* (owned) */
  GPtrArray     *transfers;   /* (element-type HallwayDBusTransfer1) (owned) */
  char          *uri_list;    /* (owned) what is written when all are done */
  guint          waiting;     /* transfers not finished yet */
  gboolean       failed;
} WriteData;

static void
write_data_free (WriteData *data)
{
  for (guint i = 0; data->transfers != NULL && i < data->transfers->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (data->transfers, i), data);
  g_clear_pointer (&data->transfers, g_ptr_array_unref);
  g_clear_object (&data->stream);
  g_free (data->uri_list);
  g_free (data);
}

static char *
hallway_remote_files_dup_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "hallway", "dragged", NULL);
}

static gboolean
state_is_finished (const char *state)
{
  return g_strcmp0 (state, "done") == 0 || g_strcmp0 (state, "failed") == 0 ||
         g_strcmp0 (state, "cancelled") == 0;
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
check_finished (GTask *task)
{
  WriteData *data = g_task_get_task_data (task);
  guint waiting = 0;

  for (guint i = 0; i < data->transfers->len; i++)
    {
      HallwayDBusTransfer1 *transfer = g_ptr_array_index (data->transfers, i);
      const char *state = hallway_dbus_transfer1_get_state (transfer);

      if (!state_is_finished (state))
        waiting++;
      else if (!g_str_equal (state, "done"))
        data->failed = TRUE;
    }
  if (waiting > 0 || data->waiting == 0)
    return;
  data->waiting = 0;

  if (data->failed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "The files could not be copied from the neighbour");
      g_object_unref (task);
      return;
    }
  g_output_stream_write_all_async (data->stream, data->uri_list, strlen (data->uri_list),
                                   g_task_get_priority (task), g_task_get_cancellable (task),
                                   written_cb, task);
}

static void
transfer_state_cb (HallwayDBusTransfer1 *transfer,
                   GParamSpec           *pspec,
                   GTask                *task)
{
  check_finished (task);
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  WriteData *data = g_task_get_task_data (task);
  g_auto(GStrv) transfer_paths = NULL;
  g_autoptr(GError) error = NULL;
  GDBusProxy *daemon = G_DBUS_PROXY (source);

  if (!hallway_dbus_daemon1_call_download_finish (HALLWAY_DBUS_DAEMON1 (source), &transfer_paths,
                                                  result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  data->transfers = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; transfer_paths[i] != NULL; i++)
    {
      HallwayDBusTransfer1 *transfer =
        hallway_dbus_transfer1_proxy_new_sync (g_dbus_proxy_get_connection (daemon),
                                               G_DBUS_PROXY_FLAGS_NONE,
                                               g_dbus_proxy_get_name (daemon),
                                               transfer_paths[i], NULL, &error);

      if (transfer == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      g_signal_connect (transfer, "notify::state", G_CALLBACK (transfer_state_cb), task);
      g_ptr_array_add (data->transfers, transfer);
    }
  data->waiting = data->transfers->len;
  check_finished (task);
}

static void
hallway_remote_files_write_mime_type_async (GdkContentProvider  *provider,
                                            const char          *mime_type,
                                            GOutputStream       *stream,
                                            int                  io_priority,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  HallwayRemoteFiles *self = HALLWAY_REMOTE_FILES (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *cache = hallway_remote_files_dup_cache_dir ();
  g_autofree char *template = NULL;
  g_autoptr(GString) uris = g_string_new (NULL);
  WriteData *data;
  char *dir;

  g_task_set_priority (task, io_priority);
  g_task_set_source_tag (task, hallway_remote_files_write_mime_type_async);

  if (!g_str_equal (mime_type, "text/uri-list"))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Cannot provide the files as %s", mime_type);
      return;
    }

  template = g_build_filename (cache, "XXXXXX", NULL);
  if (g_mkdir_with_parents (cache, 0700) != 0 || (dir = g_mkdtemp (template)) == NULL)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "Could not make a folder in %s: %s", cache,
                               g_strerror (saved_errno));
      return;
    }

  for (guint i = 0; self->paths[i] != NULL; i++)
    {
      g_autofree char *base = g_path_get_basename (self->paths[i]);
      g_autofree char *local = g_build_filename (dir, base, NULL);
      g_autofree char *uri = g_filename_to_uri (local, NULL, NULL);

      if (uri != NULL)
        g_string_append_printf (uris, "%s\r\n", uri);
    }

  data = g_new0 (WriteData, 1);
  data->stream = g_object_ref (stream);
  data->uri_list = g_string_free (g_steal_pointer (&uris), FALSE);
  g_task_set_task_data (task, data, (GDestroyNotify) write_data_free);

  hallway_dbus_daemon1_call_download (self->daemon, self->peer, self->share,
                                      (const char * const *) self->paths, dir,
                                      cancellable, downloaded_cb, g_steal_pointer (&task));
}

static gboolean
hallway_remote_files_write_mime_type_finish (GdkContentProvider  *provider,
                                             GAsyncResult        *result,
                                             GError             **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static GdkContentFormats *
hallway_remote_files_ref_formats (GdkContentProvider *provider)
{
  return gdk_content_formats_new ((const char *[]) { "text/uri-list" }, 1);
}

static void
hallway_remote_files_finalize (GObject *object)
{
  HallwayRemoteFiles *self = HALLWAY_REMOTE_FILES (object);

  g_clear_object (&self->daemon);
  g_free (self->peer);
  g_free (self->share);
  g_strfreev (self->paths);

  G_OBJECT_CLASS (hallway_remote_files_parent_class)->finalize (object);
}

static void
hallway_remote_files_class_init (HallwayRemoteFilesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GdkContentProviderClass *provider_class = GDK_CONTENT_PROVIDER_CLASS (klass);

  object_class->finalize = hallway_remote_files_finalize;
  provider_class->ref_formats = hallway_remote_files_ref_formats;
  provider_class->write_mime_type_async = hallway_remote_files_write_mime_type_async;
  provider_class->write_mime_type_finish = hallway_remote_files_write_mime_type_finish;
}

static void
hallway_remote_files_init (HallwayRemoteFiles *self)
{
}

/**
 * hallway_remote_files_new:
 * @daemon: hallwayd
 * @peer: the neighbour's object path
 * @share: the share's name or id
 * @paths: files or folders in the share
 *
 * Returns: (transfer full): a provider that copies @paths here when a
 *   drop target asks for them
 */
GdkContentProvider *
hallway_remote_files_new (HallwayDBusDaemon1 *daemon,
                          const char         *peer,
                          const char         *share,
                          const char * const *paths)
{
  HallwayRemoteFiles *self = g_object_new (HALLWAY_TYPE_REMOTE_FILES, NULL);

  self->daemon = g_object_ref (daemon);
  self->peer = g_strdup (peer);
  self->share = g_strdup (share);
  self->paths = g_strdupv ((GStrv) paths);
  return GDK_CONTENT_PROVIDER (self);
}

static void
delete_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));

      delete_tree (child);
      g_object_unref (info);
    }
  g_file_delete (file, NULL, NULL);
}

/* Removes what earlier drags left in the cache more than a day ago. */
void
hallway_remote_files_clean_cache (void)
{
  g_autofree char *cache = hallway_remote_files_dup_cache_dir ();
  g_autoptr(GFile) top = g_file_new_for_path (cache);
  g_autoptr(GFileEnumerator) children = NULL;
  gint64 now = g_get_real_time ();
  GFileInfo *info;

  children = g_file_enumerate_children (top, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_TIME_MODIFIED,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      guint64 modified = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED);

      if ((gint64) modified * G_USEC_PER_SEC + DRAG_DIR_MAX_AGE < now)
        {
          g_autoptr(GFile) child = g_file_get_child (top, g_file_info_get_name (info));

          delete_tree (child);
        }
      g_object_unref (info);
    }
}
