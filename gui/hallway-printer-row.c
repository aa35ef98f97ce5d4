/* hallway-printer-row.c: one printer, in a neighbour's page or in mine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A printer of this computer has a "Share" switch; a neighbour's has
 * "Print…" (a file, through this computer's CUPS to their printer) and
 * "Use as Default". Printing never needs an administrator on either side.
 * hallwayd does both (Printer1.Print, SetDefault): the window talks to
 * nothing but hallwayd.
 */
#include "config.h"

#include "hallway-printer-row.h"

#include <glib/gi18n.h>

#include "hallway-window.h"

/* Finding a neighbour's printer may take CUPS a while of browsing. */
#define PRINT_TIMEOUT_MS (120 * 1000)

struct _HallwayPrinterRow
{
  AdwActionRow          parent_instance;

  HallwayDBusPrinter1  *printer;     /* (owned) */
  char                 *peer_name;   /* (owned) "" for mine */
  GtkWidget            *share_switch; /* (nullable) mine only */
  GtkWidget            *print_button; /* (nullable) neighbours' only */
  GtkWidget            *default_button;
  GtkFileChooserNative *chooser;     /* (owned) (nullable) */
  GCancellable         *cancellable; /* (owned) */
};

G_DEFINE_FINAL_TYPE (HallwayPrinterRow, hallway_printer_row, ADW_TYPE_ACTION_ROW)

static const char *
describe_state (const char *state)
{
  if (g_strcmp0 (state, "idle") == 0)
    return _("Ready");
  if (g_strcmp0 (state, "processing") == 0)
    return _("Printing");
  if (g_strcmp0 (state, "stopped") == 0)
    return _("Stopped");
  return _("State unknown");
}

static const char *
printer_title (HallwayDBusPrinter1 *printer)
{
  const char *description = hallway_dbus_printer1_get_description (printer);

  return description != NULL && *description != '\0' ? description
                                                      : hallway_dbus_printer1_get_name (printer);
}

static void
update (HallwayPrinterRow *self)
{
  const char *location = hallway_dbus_printer1_get_location (self->printer);
  g_autoptr(GString) subtitle =
    g_string_new (describe_state (hallway_dbus_printer1_get_state (self->printer)));

  if (location != NULL && *location != '\0')
    g_string_append_printf (subtitle, " · %s", location);
  if (self->share_switch != NULL && hallway_dbus_printer1_get_shared (self->printer))
    g_string_append_printf (subtitle, " · %s", _("Shared"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), printer_title (self->printer));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, printer_title (self->printer),
                                  -1);
  if (self->share_switch != NULL &&
      gtk_switch_get_active (GTK_SWITCH (self->share_switch)) !=
      hallway_dbus_printer1_get_shared (self->printer))
    gtk_switch_set_active (GTK_SWITCH (self->share_switch),
                           hallway_dbus_printer1_get_shared (self->printer));
}

/* Sharing mine */

static void
sharing_failed (HallwayPrinterRow *self,
                GError            *error)
{
  g_autofree char *message = NULL;

  g_dbus_error_strip_remote_error (error);
  /* Translators: %s says why. */
  message = g_strdup_printf (_("Could not change sharing: %s"), error->message);
  hallway_window_toast (GTK_WIDGET (self), message);
  update (self);
}

static void
shared_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HallwayPrinterRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hallway_dbus_printer1_call_share_finish (HALLWAY_DBUS_PRINTER1 (source), result, &error))
    sharing_failed (self, error);
}

static void
unshared_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(HallwayPrinterRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hallway_dbus_printer1_call_unshare_finish (HALLWAY_DBUS_PRINTER1 (source), result, &error))
    sharing_failed (self, error);
}

static gboolean
switch_state_set_cb (GtkSwitch         *toggle,
                     gboolean           state,
                     HallwayPrinterRow *self)
{
  if (state == hallway_dbus_printer1_get_shared (self->printer))
    return FALSE;
  if (state)
    hallway_dbus_printer1_call_share (self->printer, self->cancellable, shared_cb,
                                      g_object_ref (self));
  else
    hallway_dbus_printer1_call_unshare (self->printer, self->cancellable, unshared_cb,
                                        g_object_ref (self));
  return FALSE;
}

/* Printing on a neighbour's */

static void
printed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HallwayPrinterRow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  guint job = 0;

  if (!hallway_dbus_printer1_call_print_finish (HALLWAY_DBUS_PRINTER1 (source), &job, result,
                                                &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_widget_set_sensitive (self->print_button, TRUE);
  if (error != NULL)
    {
      g_dbus_error_strip_remote_error (error);
      /* Translators: the first %s is a printer, the second says why. */
      message = g_strdup_printf (_("Could not print on %s: %s"), printer_title (self->printer),
                                 error->message);
    }
  else
    /* Translators: %s is a printer's name. */
    message = g_strdup_printf (_("Sent to %s"), printer_title (self->printer));
  hallway_window_toast (GTK_WIDGET (self), message);
}

/**
 * hallway_printer_row_print_file:
 * @path: a file on this computer
 *
 * Prints @path on the neighbour's printer; says how it went in a toast.
 */
void
hallway_printer_row_print_file (HallwayPrinterRow *self,
                                const char        *path)
{
  g_return_if_fail (HALLWAY_IS_PRINTER_ROW (self));
  g_return_if_fail (self->print_button != NULL);

  gtk_widget_set_sensitive (self->print_button, FALSE);
  hallway_dbus_printer1_call_print (self->printer, path, "", self->cancellable, printed_cb,
                                    g_object_ref (self));
}

static void
chooser_response_cb (GtkNativeDialog   *chooser,
                     int                response,
                     HallwayPrinterRow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        hallway_printer_row_print_file (self, path);
    }
  g_clear_object (&self->chooser);
}

static void
print_clicked_cb (HallwayPrinterRow *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  /* Translators: %s is a printer's name. */
  g_autofree char *title = g_strdup_printf (_("Print a File on %s"), printer_title (self->printer));

  g_clear_object (&self->chooser);
  self->chooser =
    gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Print"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
default_set_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HallwayPrinterRow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!hallway_dbus_printer1_call_set_default_finish (HALLWAY_DBUS_PRINTER1 (source), result,
                                                      &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_widget_set_sensitive (self->default_button, TRUE);
  if (error != NULL)
    {
      g_dbus_error_strip_remote_error (error);
      /* Translators: %s says why. */
      message = g_strdup_printf (_("Could not make it your default printer: %s"), error->message);
    }
  else
    /* Translators: %s is a printer's name. */
    message = g_strdup_printf (_("%s is now your default printer"), printer_title (self->printer));
  hallway_window_toast (GTK_WIDGET (self), message);
}

static void
default_clicked_cb (HallwayPrinterRow *self)
{
  gtk_widget_set_sensitive (self->default_button, FALSE);
  hallway_dbus_printer1_call_set_default (self->printer, self->cancellable, default_set_cb,
                                          g_object_ref (self));
}

/* GObject */

static void
hallway_printer_row_dispose (GObject *object)
{
  HallwayPrinterRow *self = HALLWAY_PRINTER_ROW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->printer != NULL)
    g_signal_handlers_disconnect_by_data (self->printer, self);
  g_clear_object (&self->printer);

  G_OBJECT_CLASS (hallway_printer_row_parent_class)->dispose (object);
}

static void
hallway_printer_row_finalize (GObject *object)
{
  HallwayPrinterRow *self = HALLWAY_PRINTER_ROW (object);

  g_free (self->peer_name);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (hallway_printer_row_parent_class)->finalize (object);
}

static void
hallway_printer_row_class_init (HallwayPrinterRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_printer_row_dispose;
  object_class->finalize = hallway_printer_row_finalize;
}

static void
hallway_printer_row_init (HallwayPrinterRow *self)
{
  self->cancellable = g_cancellable_new ();
}

static GtkWidget *
add_button (HallwayPrinterRow *self,
            const char        *label,
            const char        *accessible_label,
            GCallback          callback)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_label, -1);
  g_signal_connect_swapped (button, "clicked", callback, self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), button);
  return button;
}

/**
 * hallway_printer_row_new:
 * @printer: a printer of this computer's, or a neighbour's
 * @peer_name: (nullable): the neighbour's display name, for theirs
 *
 * Returns: (transfer floating): the row
 */
GtkWidget *
hallway_printer_row_new (HallwayDBusPrinter1 *printer,
                         const char          *peer_name)
{
  HallwayPrinterRow *self = g_object_new (HALLWAY_TYPE_PRINTER_ROW, NULL);
  const char *title = printer_title (printer);
  g_autofree char *label = NULL;

  self->printer = g_object_ref (printer);
  self->peer_name = g_strdup (peer_name != NULL ? peer_name : "");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self), FALSE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (self),
                             gtk_image_new_from_icon_name ("printer-symbolic"));

  if (hallway_dbus_printer1_get_local (printer))
    {
      self->share_switch = gtk_switch_new ();
      gtk_widget_set_valign (self->share_switch, GTK_ALIGN_CENTER);
      /* Translators: %s is a printer's name. */
      label = g_strdup_printf (_("Share %s"), title);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->share_switch),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      gtk_switch_set_active (GTK_SWITCH (self->share_switch),
                             hallway_dbus_printer1_get_shared (printer));
      g_signal_connect (self->share_switch, "state-set", G_CALLBACK (switch_state_set_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (self), self->share_switch);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (self), self->share_switch);
    }
  else
    {
      g_autofree char *print_label = NULL;
      g_autofree char *default_label = NULL;

      /* Translators: %s is a printer's name. */
      default_label = g_strdup_printf (_("Use %s as my default printer"), title);
      self->default_button = add_button (self, _("Use as _Default"), default_label,
                                         G_CALLBACK (default_clicked_cb));
      gtk_widget_add_css_class (self->default_button, "flat");
      /* Translators: %s is a printer's name. */
      print_label = g_strdup_printf (_("Print a file on %s"), title);
      self->print_button = add_button (self, _("_Print…"), print_label,
                                       G_CALLBACK (print_clicked_cb));
      if (G_IS_DBUS_PROXY (printer))
        g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (printer), PRINT_TIMEOUT_MS);
    }

  g_signal_connect_swapped (printer, "notify", G_CALLBACK (update), self);
  update (self);
  return GTK_WIDGET (self);
}

GtkWidget *
hallway_printer_row_get_share_switch (HallwayPrinterRow *self)
{
  g_return_val_if_fail (HALLWAY_IS_PRINTER_ROW (self), NULL);

  return self->share_switch;
}
