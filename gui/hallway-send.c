/* hallway-send.c: offering files to a colleague from the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Files dropped on a neighbour (in the sidebar or on their page), or
 * picked with "Send Files…", become one Daemon1.Send call: hallwayd
 * offers them, the colleague is asked, and the transfer shows on the
 * Transfers page. Everything that can go wrong is said in a toast.
 */
#include "config.h"

#include "hallway-send.h"

#include <glib/gi18n.h>

#include "hallway-window.h"

typedef struct
{
  GtkWidget *widget;   /* (owned) for the toast */
  char      *name;
  guint      n_files;
} SendData;

static void
send_data_free (SendData *data)
{
  g_object_unref (data->widget);
  g_free (data->name);
  g_free (data);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SendData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;

  if (!hallway_dbus_daemon1_call_send_finish (HALLWAY_DBUS_DAEMON1 (source), &path, result, &error))
    {
      if (g_dbus_error_is_remote_error (error))
        g_dbus_error_strip_remote_error (error);
      message = g_strdup_printf (_("Could not send to %s: %s"), data->name, error->message);
      hallway_window_toast (data->widget, message);
    }
  else
    {
      /* Translators: "Offered 3 files to Bruno Costa". */
      message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Offered %u item to %s",
                                              "Offered %u items to %s", data->n_files),
                                 data->n_files, data->name);
      hallway_window_toast_with_button (data->widget, message, _("Show Transfers"),
                                        "win.show-transfers");
    }
  send_data_free (data);
}

/**
 * hallway_send_files:
 * @files: (element-type GFile): what to send: files or folders on this computer
 * @widget: a widget of the window, for messages
 *
 * Offers @files to @peer.
 */
void
hallway_send_files (HallwayDBusDaemon1 *daemon,
                    HallwayDBusPeer1   *peer,
                    GSList             *files,
                    GtkWidget          *widget)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *name = hallway_dbus_peer1_get_name (peer);
  SendData *data;

  if (daemon == NULL)
    {
      hallway_window_toast (widget, _("Hallway's service is not running, so nothing can be sent"));
      return;
    }

  for (GSList *l = files; l != NULL; l = l->next)
    {
      char *path = g_file_get_path (l->data);

      if (path == NULL)
        {
          hallway_window_toast (widget, _("Only files on this computer can be sent"));
          return;
        }
      g_ptr_array_add (paths, path);
    }
  if (paths->len == 0)
    return;
  g_ptr_array_add (paths, NULL);

  data = g_new0 (SendData, 1);
  data->widget = g_object_ref (widget);
  data->name = g_strdup (name != NULL && *name != '\0' ? name : _("your colleague"));
  data->n_files = paths->len - 1;
  hallway_dbus_daemon1_call_send (daemon, g_dbus_proxy_get_object_path (G_DBUS_PROXY (peer)),
                                  (const char * const *) paths->pdata, NULL, sent_cb, data);
}

/* A drop target that takes files from file managers (text/uri-list) and
 * from Hallway itself. */
GtkDropTarget *
hallway_send_drop_target_new (void)
{
  return gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
}

/**
 * hallway_send_drop:
 * @value: what was dropped
 *
 * Returns: whether @value held files, which are then offered to @peer
 */
gboolean
hallway_send_drop (HallwayDBusDaemon1 *daemon,
                   HallwayDBusPeer1   *peer,
                   const GValue       *value,
                   GtkWidget          *widget)
{
  GSList *files;

  if (peer == NULL || !G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;
  hallway_send_files (daemon, peer, files, widget);
  g_slist_free (files);
  return TRUE;
}

typedef struct
{
  HallwayDBusDaemon1 *daemon;
  HallwayDBusPeer1   *peer;
  GtkWidget          *widget;
} ChooseData;

static void
chosen_cb (GtkNativeDialog *chooser,
           int              response,
           ChooseData      *data)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) chosen = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
      GSList *files = NULL;

      for (guint i = g_list_model_get_n_items (chosen); i > 0; i--)
        files = g_slist_prepend (files, g_list_model_get_item (chosen, i - 1));
      hallway_send_files (data->daemon, data->peer, files, data->widget);
      g_slist_free_full (files, g_object_unref);
    }
  g_object_unref (data->daemon);
  g_object_unref (data->peer);
  g_object_unref (data->widget);
  g_free (data);
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

/* "Send Files…": pick files, then offer them to @peer. */
void
hallway_send_choose_files (HallwayDBusDaemon1 *daemon,
                           HallwayDBusPeer1   *peer,
                           GtkWidget          *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *title = NULL;
  GtkFileChooserNative *chooser;
  ChooseData *data;

  if (daemon == NULL || peer == NULL)
    return;
  title = g_strdup_printf (_("Send Files to %s"), hallway_dbus_peer1_get_name (peer));
  chooser = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Send"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  data = g_new0 (ChooseData, 1);
  data->daemon = g_object_ref (daemon);
  data->peer = g_object_ref (peer);
  data->widget = g_object_ref (widget);
  g_signal_connect (chooser, "response", G_CALLBACK (chosen_cb), data);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
