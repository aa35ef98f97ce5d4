/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hallway-transfer-row.h"

#include <glib/gi18n.h>

#include "hallway-window.h"

/* One download in the Transfers list; it follows its Transfer1 live. */
struct _HallwayTransferRow
{
  GtkListBoxRow         parent_instance;

  HallwayDBusTransfer1 *transfer;     /* (owned) */

  GtkImage             *icon;
  GtkLabel             *title;
  GtkLabel             *subtitle;
  GtkProgressBar       *progress;
  GtkLabel             *status;
  GtkWidget            *cancel_button;
  GtkWidget            *show_button;
};

G_DEFINE_FINAL_TYPE (HallwayTransferRow, hallway_transfer_row, GTK_TYPE_LIST_BOX_ROW)

/**
 * hallway_transfer_describe_time_left:
 * @seconds: the estimate, negative when unknown
 *
 * Returns: (transfer full) (nullable): "about 30 seconds left", or %NULL
 */
char *
hallway_transfer_describe_time_left (gint64 seconds)
{
  if (seconds < 0)
    return NULL;
  if (seconds < 60)
    {
      int n = MAX (1, (int) seconds);
      return g_strdup_printf (ngettext ("about %d second left",
                                           "about %d seconds left", n), n);
    }
  if (seconds < 3600)
    {
      int n = (int) ((seconds + 30) / 60);
      return g_strdup_printf (ngettext ("about %d minute left",
                                           "about %d minutes left", n), n);
    }
  {
    int n = (int) ((seconds + 1800) / 3600);
    return g_strdup_printf (ngettext ("about %d hour left",
                                         "about %d hours left", n), n);
  }
}

static gboolean
is_unfinished (const char *state)
{
  return g_strcmp0 (state, "queued") == 0 || g_strcmp0 (state, "running") == 0 ||
         g_strcmp0 (state, "waiting") == 0;
}

static char *
describe_status (HallwayDBusTransfer1 *transfer)
{
  const char *state = hallway_dbus_transfer1_get_state (transfer);
  const char *peer_name = hallway_dbus_transfer1_get_peer_name (transfer);
  const char *error = hallway_dbus_transfer1_get_error (transfer);

  if (g_strcmp0 (state, "queued") == 0)
    return g_strdup (_("Waiting to start"));
  if (g_strcmp0 (state, "waiting") == 0)
    /* Translators: %s is a person's name: their computer can't be reached right now. */
    return g_strdup_printf (_("Waiting for %s’s computer"),
                            peer_name != NULL && *peer_name != '\0' ? peer_name
                                                                    : _("the neighbour"));
  if (g_strcmp0 (state, "done") == 0)
    return g_strdup (_("Done"));
  if (g_strcmp0 (state, "cancelled") == 0)
    return g_strdup (_("Cancelled"));
  if (g_strcmp0 (state, "failed") == 0)
    return g_strdup (error != NULL && *error != '\0' ? error : _("Failed"));

  /* Running. */
  {
    double rate = hallway_dbus_transfer1_get_rate (transfer);
    g_autofree char *left =
      hallway_transfer_describe_time_left (hallway_dbus_transfer1_get_eta (transfer));
    g_autofree char *speed = NULL;

    if (rate <= 0)
      return g_strdup (_("Starting…"));
    speed = g_format_size ((guint64) rate);
    if (left == NULL)
      /* Translators: a speed, like "2.1 MB/s". */
      return g_strdup_printf (_("%s/s"), speed);
    /* Translators: a speed and the time left: "2.1 MB/s — about 30 seconds left". */
    return g_strdup_printf (_("%s/s — %s"), speed, left);
  }
}

static void
update (HallwayTransferRow *self)
{
  HallwayDBusTransfer1 *transfer = self->transfer;
  const char *path = hallway_dbus_transfer1_get_path (transfer);
  const char *peer_name = hallway_dbus_transfer1_get_peer_name (transfer);
  const char *state = hallway_dbus_transfer1_get_state (transfer);
  gboolean upload = g_strcmp0 (hallway_dbus_transfer1_get_kind (transfer), "upload") == 0;
  guint64 bytes = hallway_dbus_transfer1_get_bytes (transfer);
  guint64 total = hallway_dbus_transfer1_get_total (transfer);
  g_autofree char *name = NULL;
  g_autofree char *from = NULL;
  g_autofree char *status = describe_status (transfer);
  double fraction;

  name = path != NULL && *path != '\0' ? g_path_get_basename (path) : g_strdup ("");
  gtk_label_set_text (self->title, name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title), path);
  if (upload)
    /* Translators: who a file is sent to. */
    from = g_strdup_printf (_("To %s"), peer_name != NULL ? peer_name : "");
  else
    /* Translators: who a download comes from. */
    from = g_strdup_printf (_("From %s"), peer_name != NULL ? peer_name : "");
  gtk_image_set_from_icon_name (self->icon,
                                upload ? "document-send-symbolic" : "folder-download-symbolic");
  gtk_label_set_text (self->subtitle, from);

  if (g_strcmp0 (state, "done") == 0)
    fraction = 1.0;
  else if (total > 0)
    fraction = CLAMP ((double) bytes / (double) total, 0.0, 1.0);
  else
    fraction = 0.0;
  gtk_progress_bar_set_fraction (self->progress, fraction);
  gtk_widget_set_visible (GTK_WIDGET (self->progress),
                          is_unfinished (state) || g_strcmp0 (state, "done") == 0);

  gtk_label_set_text (self->status, status);
  if (g_strcmp0 (state, "failed") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status), "error");

  gtk_widget_set_visible (self->cancel_button, is_unfinished (state));
  /* An upload's destination is on the neighbour's computer. */
  gtk_widget_set_visible (self->show_button, !upload && g_strcmp0 (state, "done") == 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, status,
                                  -1);
}

static void
transfer_changed_cb (GObject            *object,
                     GParamSpec         *pspec,
                     HallwayTransferRow *self)
{
  update (self);
}

static void
cancel_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HallwayTransferRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hallway_dbus_transfer1_call_cancel_finish (HALLWAY_DBUS_TRANSFER1 (source), result, &error))
    {
      g_autofree char *message = NULL;

      g_dbus_error_strip_remote_error (error);
      g_debug ("Cancel failed: %s", error->message);
      /* Translators: %s says why. */
      message = g_strdup_printf (_("Could not cancel the download: %s"), error->message);
      hallway_window_toast (GTK_WIDGET (self), message);
    }
}

static void
cancel_clicked_cb (HallwayTransferRow *self)
{
  hallway_dbus_transfer1_call_cancel (self->transfer, NULL, cancel_done_cb, g_object_ref (self));
}

static void
launch_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HallwayTransferRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_debug ("Could not show the folder: %s", error->message);
      hallway_window_toast (GTK_WIDGET (self),
                            _("No app to show the folder with; find it in your Downloads folder"));
    }
}

static void
show_clicked_cb (HallwayTransferRow *self)
{
  const char *destination = hallway_dbus_transfer1_get_destination (self->transfer);
  g_autofree char *uri = NULL;
  g_autoptr(GdkAppLaunchContext) context = NULL;

  if (destination == NULL || *destination == '\0' ||
      g_strcmp0 (hallway_dbus_transfer1_get_kind (self->transfer), "upload") == 0)
    return;
  uri = g_filename_to_uri (destination, NULL, NULL);
  if (uri == NULL)
    return;
  context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self)));
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                           launch_done_cb, g_object_ref (self));
}

static void
hallway_transfer_row_dispose (GObject *object)
{
  HallwayTransferRow *self = HALLWAY_TRANSFER_ROW (object);

  g_clear_object (&self->transfer);

  G_OBJECT_CLASS (hallway_transfer_row_parent_class)->dispose (object);
}

static void
hallway_transfer_row_class_init (HallwayTransferRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hallway_transfer_row_dispose;
}

static void
hallway_transfer_row_init (HallwayTransferRow *self)
{
  GtkWidget *outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  gtk_widget_set_margin_top (outer, 12);
  gtk_widget_set_margin_bottom (outer, 12);
  gtk_widget_set_margin_start (outer, 12);
  gtk_widget_set_margin_end (outer, 12);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);

  self->icon = GTK_IMAGE (gtk_image_new_from_icon_name ("folder-download-symbolic"));
  gtk_image_set_pixel_size (self->icon, 24);
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->icon));

  self->title = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->title, 0);
  gtk_label_set_ellipsize (self->title, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "heading");
  self->subtitle = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->subtitle, 0);
  gtk_label_set_ellipsize (self->subtitle, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->subtitle), "dim-label");
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->title));
  gtk_box_append (GTK_BOX (labels), GTK_WIDGET (self->subtitle));
  gtk_box_append (GTK_BOX (top), labels);

  self->show_button = gtk_button_new_with_mnemonic (_("_Show in Files"));
  gtk_widget_set_valign (self->show_button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->show_button, "clicked", G_CALLBACK (show_clicked_cb), self);
  gtk_box_append (GTK_BOX (top), self->show_button);

  self->cancel_button = gtk_button_new_from_icon_name ("process-stop-symbolic");
  gtk_widget_set_valign (self->cancel_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (self->cancel_button, _("Cancel"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->cancel_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Cancel"), -1);
  gtk_widget_add_css_class (self->cancel_button, "flat");
  gtk_widget_add_css_class (self->cancel_button, "circular");
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  gtk_box_append (GTK_BOX (top), self->cancel_button);

  gtk_box_append (GTK_BOX (outer), top);

  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->progress));

  self->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->status, 0);
  gtk_label_set_wrap (self->status, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "numeric");
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->status));

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), outer);
}

GtkWidget *
hallway_transfer_row_new (HallwayDBusTransfer1 *transfer)
{
  HallwayTransferRow *self;

  g_return_val_if_fail (HALLWAY_DBUS_IS_TRANSFER1 (transfer), NULL);

  self = g_object_new (HALLWAY_TYPE_TRANSFER_ROW, NULL);
  self->transfer = g_object_ref (transfer);
  g_signal_connect_object (transfer, "notify", G_CALLBACK (transfer_changed_cb), self, 0);
  update (self);
  return GTK_WIDGET (self);
}

/**
 * hallway_transfer_row_get_transfer:
 *
 * Returns: (transfer none): the transfer shown
 */
HallwayDBusTransfer1 *
hallway_transfer_row_get_transfer (HallwayTransferRow *self)
{
  g_return_val_if_fail (HALLWAY_IS_TRANSFER_ROW (self), NULL);
  return self->transfer;
}

const char *
hallway_transfer_row_get_status_text (HallwayTransferRow *self)
{
  g_return_val_if_fail (HALLWAY_IS_TRANSFER_ROW (self), NULL);
  return gtk_label_get_text (self->status);
}

GtkWidget *
hallway_transfer_row_get_cancel_button (HallwayTransferRow *self)
{
  g_return_val_if_fail (HALLWAY_IS_TRANSFER_ROW (self), NULL);
  return self->cancel_button;
}

GtkWidget *
hallway_transfer_row_get_show_button (HallwayTransferRow *self)
{
  g_return_val_if_fail (HALLWAY_IS_TRANSFER_ROW (self), NULL);
  return self->show_button;
}
