/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hallway-my-shares-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "hallway-printer-row.h"
#include "hallway-window.h"

struct _HallwayMySharesPage
{
  GtkBox              parent_instance;

  HallwayDBusDaemon1 *daemon;       /* (owned) (nullable) */
  GDBusObjectManager *manager;      /* (owned) (nullable) */
  GCancellable       *cancellable;  /* (owned) */

  AdwAvatar          *avatar;
  GtkLabel           *name_label;
  GtkLabel           *host_label;
  GtkLabel           *code_label;
  GtkListBox         *list;
  GtkWidget          *empty_label;
  GtkWidget          *printers_group;
  GtkListBox         *printers_list;
};

G_DEFINE_FINAL_TYPE (HallwayMySharesPage, hallway_my_shares_page, GTK_TYPE_BOX)

/* Access and audience, as the daemon spells them and as people read them. */
static const char *access_ids[] = { "read-only", "read-write", "drop-box", NULL };
static const char *audience_ids[] = { "everyone", "trusted", "password", NULL };

static const char *
describe_share (const char *access,
                const char *audience)
{
  gboolean trusted = g_strcmp0 (audience, "trusted") == 0;
  gboolean password = g_strcmp0 (audience, "password") == 0;

  if (g_strcmp0 (access, "read-write") == 0)
    return trusted ? _("Trusted colleagues can open and change files")
         : password ? _("Anyone with the password can open and change files")
         : _("Everyone can open and change files");
  if (g_strcmp0 (access, "drop-box") == 0)
    return trusted ? _("Trusted colleagues can put files in it")
         : password ? _("Anyone with the password can put files in it")
         : _("Everyone can put files in it");
  return trusted ? _("Trusted colleagues can open files")
       : password ? _("Anyone with the password can open files")
       : _("Everyone can open files");
}

static void
update_identity (HallwayMySharesPage *self)
{
  const char *name = self->daemon ? hallway_dbus_daemon1_get_name (self->daemon) : NULL;
  const char *host = self->daemon ? hallway_dbus_daemon1_get_host (self->daemon) : NULL;
  const char *code = self->daemon ? hallway_dbus_daemon1_get_verification_code (self->daemon)
                                  : NULL;

  adw_avatar_set_text (self->avatar, name);
  gtk_label_set_text (self->name_label, name != NULL ? name : "");
  gtk_label_set_text (self->host_label, host != NULL ? host : "");
  gtk_label_set_text (self->code_label, code != NULL && *code != '\0' ? code : "—");
}

static void
remove_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (hallway_dbus_daemon1_call_remove_share_finish (HALLWAY_DBUS_DAEMON1 (source), result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_dbus_error_strip_remote_error (error);
  /* Translators: %s says why. */
  message = g_strdup_printf (_("Could not stop sharing the folder: %s"), error->message);
  hallway_window_toast (GTK_WIDGET (user_data), message);
}

static void
remove_clicked_cb (GtkButton           *button,
                   HallwayMySharesPage *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "share");

  if (self->daemon == NULL)
    return;
  hallway_dbus_daemon1_call_remove_share (self->daemon, name, self->cancellable,
                                          remove_done_cb, self);
}

static void update_shares (HallwayMySharesPage *self);

static void
set_enabled_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GtkWidget) page = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (hallway_dbus_share1_call_set_enabled_finish (HALLWAY_DBUS_SHARE1 (source), result, &error))
    return;
  g_dbus_error_strip_remote_error (error);
  /* Translators: %s says why. */
  message = g_strdup_printf (_("Could not switch sharing: %s"), error->message);
  hallway_window_toast (page, message);
  /* The switch follows the daemon again on the next update. */
  update_shares (HALLWAY_MY_SHARES_PAGE (page));
}

static gboolean
switch_state_set_cb (GtkSwitch           *toggle,
                     gboolean             state,
                     HallwayMySharesPage *self)
{
  HallwayDBusShare1 *share = g_object_get_data (G_OBJECT (toggle), "share1");

  if (state != hallway_dbus_share1_get_enabled (share))
    hallway_dbus_share1_call_set_enabled (share, state, NULL, set_enabled_done_cb,
                                          g_object_ref (self));
  /* Not handled: the switch shows the new state at once. */
  return FALSE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  HallwayDBusShare1 *x = *(HallwayDBusShare1 **) a, *y = *(HallwayDBusShare1 **) b;

  return g_utf8_collate (hallway_dbus_share1_get_name (x), hallway_dbus_share1_get_name (y));
}

static void
update_shares (HallwayMySharesPage *self)
{
  g_autoptr(GPtrArray) shares = g_ptr_array_new_with_free_func (g_object_unref);
  GtkWidget *child;
  GList *objects = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);

  if (self->manager != NULL)
    objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      HallwayDBusShare1 *share = hallway_dbus_object_get_share1 (HALLWAY_DBUS_OBJECT (l->data));

      if (share != NULL)
        g_ptr_array_add (shares, share);
    }
  g_list_free_full (objects, g_object_unref);
  g_ptr_array_sort (shares, compare_names);

  for (guint i = 0; i < shares->len; i++)
    {
      HallwayDBusShare1 *share = g_ptr_array_index (shares, i);
      const char *name = hallway_dbus_share1_get_name (share);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");
      GtkWidget *toggle = gtk_switch_new ();
      g_autofree char *label = NULL;
      g_autofree char *toggle_label = NULL;
      g_autofree char *subtitle = NULL;

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      if (!hallway_dbus_share1_get_enabled (share))
        subtitle = g_strdup (_("Switched off: colleagues don't see it"));
      else if (hallway_dbus_share1_get_available (share))
        subtitle = g_strdup (describe_share (hallway_dbus_share1_get_access (share),
                                             hallway_dbus_share1_get_audience (share)));
      else
        subtitle = g_strdup (_("The folder is missing: reconnect its disk or stop sharing it"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("folder-publicshare-symbolic"));
      gtk_widget_set_tooltip_text (row, hallway_dbus_share1_get_path (share));

      gtk_switch_set_active (GTK_SWITCH (toggle), hallway_dbus_share1_get_enabled (share));
      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      /* Translators: %s is the name of a shared folder. */
      toggle_label = g_strdup_printf (_("Share %s"), name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (toggle),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, toggle_label, -1);
      g_object_set_data_full (G_OBJECT (toggle), "share1", g_object_ref (share), g_object_unref);
      g_signal_connect (toggle, "state-set", G_CALLBACK (switch_state_set_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      /* Translators: %s is the name of a shared folder. */
      label = g_strdup_printf (_("Stop sharing %s"), name);
      gtk_widget_set_tooltip_text (button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      g_object_set_data_full (G_OBJECT (button), "share", g_strdup (name), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (remove_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_list_box_append (self->list, row);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->list), shares->len > 0);
  gtk_widget_set_visible (self->empty_label, shares->len == 0);
}

static int
compare_printers (gconstpointer a,
                  gconstpointer b)
{
  HallwayDBusPrinter1 *x = *(HallwayDBusPrinter1 **) a, *y = *(HallwayDBusPrinter1 **) b;

  return g_utf8_collate (hallway_dbus_printer1_get_description (x),
                         hallway_dbus_printer1_get_description (y));
}

/* This computer's printers, each with its "Share" switch. */
static void
update_printers (HallwayMySharesPage *self)
{
  g_autoptr(GPtrArray) printers = g_ptr_array_new_with_free_func (g_object_unref);
  GList *objects = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->printers_list))) != NULL)
    gtk_list_box_remove (self->printers_list, child);

  if (self->manager != NULL)
    objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      HallwayDBusPrinter1 *printer =
        hallway_dbus_object_get_printer1 (HALLWAY_DBUS_OBJECT (l->data));

      if (printer != NULL && hallway_dbus_printer1_get_local (printer))
        g_ptr_array_add (printers, printer);
      else
        g_clear_object (&printer);
    }
  g_list_free_full (objects, g_object_unref);
  g_ptr_array_sort (printers, compare_printers);

  for (guint i = 0; i < printers->len; i++)
    gtk_list_box_append (self->printers_list,
                         hallway_printer_row_new (g_ptr_array_index (printers, i), NULL));
  gtk_widget_set_visible (self->printers_group, printers->len > 0);
}

/* Only shares and printers: a big office brings and takes a hundred
 * neighbours at once, and rebuilding both lists for each one was most of
 * the window's work then. */
static void
objects_changed_cb (GDBusObjectManager  *manager,
                    GDBusObject         *object,
                    HallwayMySharesPage *self)
{
  if (hallway_dbus_object_peek_share1 (HALLWAY_DBUS_OBJECT (object)) != NULL)
    update_shares (self);
  if (hallway_dbus_object_peek_printer1 (HALLWAY_DBUS_OBJECT (object)) != NULL)
    update_printers (self);
}

static void
share_properties_changed_cb (GDBusObjectManagerClient *manager,
                             GDBusObjectProxy         *object_proxy,
                             GDBusProxy               *interface_proxy,
                             GVariant                 *changed,
                             GStrv                     invalidated,
                             HallwayMySharesPage      *self)
{
  if (HALLWAY_DBUS_IS_SHARE1 (interface_proxy))
    update_shares (self);
}

static void
daemon_changed_cb (GObject             *object,
                   GParamSpec          *pspec,
                   HallwayMySharesPage *self)
{
  update_identity (self);
}

static void
add_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;

  if (hallway_dbus_daemon1_call_add_share_finish (HALLWAY_DBUS_DAEMON1 (source), &path,
                                                  result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_dbus_error_strip_remote_error (error);
  /* Translators: %s says why. */
  message = g_strdup_printf (_("Could not share the folder: %s"), error->message);
  hallway_window_toast (GTK_WIDGET (user_data), message);
}

/**
 * hallway_my_shares_page_add_share:
 * @name: (nullable): "" or %NULL for the folder's own name
 * @password: (nullable): only for the "password" audience
 *
 * Asks the daemon to share @path; failures appear as a toast.
 */
void
hallway_my_shares_page_add_share (HallwayMySharesPage *self,
                                  const char          *path,
                                  const char          *name,
                                  const char          *access,
                                  const char          *audience,
                                  const char          *password)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);

  g_return_if_fail (HALLWAY_IS_MY_SHARES_PAGE (self));
  g_return_if_fail (path != NULL);

  if (self->daemon == NULL)
    {
      hallway_window_toast (GTK_WIDGET (self), _("Hallway's service is not running"));
      return;
    }

  if (name != NULL && *name != '\0')
    g_variant_dict_insert (&options, "name", "s", name);
  if (access != NULL)
    g_variant_dict_insert (&options, "access", "s", access);
  if (audience != NULL)
    g_variant_dict_insert (&options, "audience", "s", audience);
  if (password != NULL && *password != '\0')
    g_variant_dict_insert (&options, "password", "s", password);
  hallway_dbus_daemon1_call_add_share (self->daemon, path, g_variant_dict_end (&options),
                                       self->cancellable, add_done_cb, self);
}

/* The "Share a folder" dialog: its widgets hang off the dialog as data. */

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     GtkWidget       *dialog)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      GtkWidget *folder_row = g_object_get_data (G_OBJECT (dialog), "folder-row");
      GtkEditable *name_row = g_object_get_data (G_OBJECT (dialog), "name-row");
      g_autofree char *path = g_file_get_path (folder);
      g_autofree char *basename = g_file_get_basename (folder);

      if (path != NULL)
        {
          g_object_set_data_full (G_OBJECT (dialog), "path", g_strdup (path), g_free);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (folder_row), path);
          if (*gtk_editable_get_text (name_row) == '\0')
            gtk_editable_set_text (name_row, basename);
          adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "share", TRUE);
        }
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
choose_folder_cb (GtkButton *button,
                  GtkWidget *dialog)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Choose a Folder to Share"), GTK_WINDOW (dialog),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), dialog);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
audience_changed_cb (AdwComboRow *row,
                     GParamSpec  *pspec,
                     GtkWidget   *password_row)
{
  gtk_widget_set_visible (password_row, adw_combo_row_get_selected (row) == 2);
}

static void
share_response_cb (AdwMessageDialog    *dialog,
                   const char          *response,
                   HallwayMySharesPage *self)
{
  const char *path = g_object_get_data (G_OBJECT (dialog), "path");
  GtkEditable *name_row = g_object_get_data (G_OBJECT (dialog), "name-row");
  AdwComboRow *access_row = g_object_get_data (G_OBJECT (dialog), "access-row");
  AdwComboRow *audience_row = g_object_get_data (G_OBJECT (dialog), "audience-row");
  GtkEditable *password_row = g_object_get_data (G_OBJECT (dialog), "password-row");
  guint access = adw_combo_row_get_selected (access_row);
  guint audience = adw_combo_row_get_selected (audience_row);

  if (g_strcmp0 (response, "share") != 0 || path == NULL)
    return;
  if (access >= G_N_ELEMENTS (access_ids) - 1 || audience >= G_N_ELEMENTS (audience_ids) - 1)
    return;
  hallway_my_shares_page_add_share (self, path, gtk_editable_get_text (name_row),
                                    access_ids[access], audience_ids[audience],
                                    audience == 2 ? gtk_editable_get_text (password_row) : NULL);
}

/**
 * hallway_my_shares_page_show_share_dialog:
 *
 * Returns: (transfer none): the dialog, presented
 */
GtkWidget *
hallway_my_shares_page_show_share_dialog (HallwayMySharesPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog, *list, *folder_row, *choose, *name_row, *access_row, *audience_row;
  GtkWidget *password_row;
  const char *access_names[] = {
    _("Colleagues can open files"),
    _("Colleagues can open and change files"),
    _("Colleagues can only put files in it"),
    NULL
  };
  const char *audience_names[] = {
    _("Everyone nearby"),
    _("Only trusted colleagues"),
    _("Anyone with a password"),
    NULL
  };

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Share a Folder"), NULL);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_set_size_request (list, 360, -1);

  folder_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (folder_row), _("Folder"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (folder_row), _("None chosen"));
  choose = gtk_button_new_with_mnemonic (_("C_hoose…"));
  gtk_widget_set_valign (choose, GTK_ALIGN_CENTER);
  g_signal_connect (choose, "clicked", G_CALLBACK (choose_folder_cb), dialog);
  adw_action_row_add_suffix (ADW_ACTION_ROW (folder_row), choose);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (folder_row), choose);
  gtk_list_box_append (GTK_LIST_BOX (list), folder_row);

  name_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name_row), _("Name colleagues see"));
  gtk_list_box_append (GTK_LIST_BOX (list), name_row);

  access_row = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (access_row), _("What they can do"));
  adw_combo_row_set_model (ADW_COMBO_ROW (access_row),
                           G_LIST_MODEL (gtk_string_list_new (access_names)));
  gtk_list_box_append (GTK_LIST_BOX (list), access_row);

  audience_row = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (audience_row), _("Who"));
  adw_combo_row_set_model (ADW_COMBO_ROW (audience_row),
                           G_LIST_MODEL (gtk_string_list_new (audience_names)));
  gtk_list_box_append (GTK_LIST_BOX (list), audience_row);

  password_row = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (password_row), _("Password"));
  gtk_widget_set_visible (password_row, FALSE);
  g_signal_connect (audience_row, "notify::selected", G_CALLBACK (audience_changed_cb),
                    password_row);
  gtk_list_box_append (GTK_LIST_BOX (list), password_row);

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "share", _("_Share"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "share",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "share", FALSE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  g_object_set_data (G_OBJECT (dialog), "folder-row", folder_row);
  g_object_set_data (G_OBJECT (dialog), "name-row", name_row);
  g_object_set_data (G_OBJECT (dialog), "access-row", access_row);
  g_object_set_data (G_OBJECT (dialog), "audience-row", audience_row);
  g_object_set_data (G_OBJECT (dialog), "password-row", password_row);
  g_signal_connect_object (dialog, "response", G_CALLBACK (share_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
hallway_my_shares_page_dispose (GObject *object)
{
  HallwayMySharesPage *self = HALLWAY_MY_SHARES_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->daemon != NULL)
    g_signal_handlers_disconnect_by_data (self->daemon, self);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->daemon);
  g_clear_object (&self->manager);
  gtk_widget_dispose_template (GTK_WIDGET (self), HALLWAY_TYPE_MY_SHARES_PAGE);

  G_OBJECT_CLASS (hallway_my_shares_page_parent_class)->dispose (object);
}

static void
hallway_my_shares_page_class_init (HallwayMySharesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hallway_my_shares_page_dispose;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/hallwaylan/Hallway/hallway-my-shares-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HallwayMySharesPage, avatar);
  gtk_widget_class_bind_template_child (widget_class, HallwayMySharesPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayMySharesPage, host_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayMySharesPage, code_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayMySharesPage, list);
  gtk_widget_class_bind_template_child (widget_class, HallwayMySharesPage, empty_label);
  gtk_widget_class_bind_template_child (widget_class, HallwayMySharesPage, printers_group);
  gtk_widget_class_bind_template_child (widget_class, HallwayMySharesPage, printers_list);
}

static void
hallway_my_shares_page_init (HallwayMySharesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  update_identity (self);
  update_shares (self);
}

void
hallway_my_shares_page_set_daemon (HallwayMySharesPage *self,
                                   HallwayDBusDaemon1  *daemon,
                                   GDBusObjectManager  *manager)
{
  g_return_if_fail (HALLWAY_IS_MY_SHARES_PAGE (self));

  if (self->daemon != NULL)
    g_signal_handlers_disconnect_by_data (self->daemon, self);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_set_object (&self->daemon, daemon);
  g_set_object (&self->manager, manager);
  if (daemon != NULL)
    g_signal_connect (daemon, "notify", G_CALLBACK (daemon_changed_cb), self);
  if (manager != NULL)
    {
      g_signal_connect (manager, "object-added", G_CALLBACK (objects_changed_cb), self);
      g_signal_connect (manager, "object-removed", G_CALLBACK (objects_changed_cb), self);
      /* Only a client has that signal (tests give the page other managers). */
      if (G_IS_DBUS_OBJECT_MANAGER_CLIENT (manager))
        g_signal_connect (manager, "interface-proxy-properties-changed",
                          G_CALLBACK (share_properties_changed_cb), self);
    }
  if (gtk_widget_get_first_child (GTK_WIDGET (self)) != NULL)
    {
      update_identity (self);
      update_shares (self);
      update_printers (self);
    }
}

GtkListBox *
hallway_my_shares_page_get_list (HallwayMySharesPage *self)
{
  g_return_val_if_fail (HALLWAY_IS_MY_SHARES_PAGE (self), NULL);
  return self->list;
}
