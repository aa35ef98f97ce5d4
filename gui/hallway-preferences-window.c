/* hallway-preferences-window.c: what a person can set
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every row is bound to a key of hallwayd's GSettings schema, so a change
 * reaches the daemon without going through D-Bus: hallwayd reads the
 * receiving keys when an offer arrives, and announces a new display name
 * as soon as it changes.
 */
#include "config.h"

#include "hallway-preferences-window.h"

#include <glib/gi18n.h>

#include "hallway-settings.h"

struct _HallwayPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings           *settings;       /* (owned) */
  GtkFileChooserNative *chooser;       /* (owned) (nullable) */

  AdwEntryRow         *name_row;
  AdwActionRow        *folder_row;
  AdwComboRow         *policy_row;
};

G_DEFINE_FINAL_TYPE (HallwayPreferencesWindow, hallway_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

/* The accept-policy choices, in the order the combo row shows them. */
static const char * const policies[] = { "ask", "trusted", "refuse" };

static void
update_folder_row (HallwayPreferencesWindow *self)
{
  g_autofree char *folder = hallway_dup_receive_folder (self->settings);
  g_autofree char *display = g_filename_display_name (folder);

  adw_action_row_set_subtitle (self->folder_row, display);
}

static gboolean
policy_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *policy = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (policies); i++)
    if (g_str_equal (policy, policies[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
policy_set_mapping (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (policies))
    return NULL;
  return g_variant_new_string (policies[selected]);
}

static void
chooser_response_cb (GtkNativeDialog          *dialog,
                     int                       response,
                     HallwayPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        g_settings_set_string (self->settings, "receive-folder", path);
    }
  g_clear_object (&self->chooser);
}

static void
choose_folder_cb (HallwayPreferencesWindow *self)
{
  g_autofree char *current = hallway_dup_receive_folder (self->settings);
  g_autoptr(GFile) folder = g_file_new_for_path (current);

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Received Files In"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), folder, NULL);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
settings_changed_cb (GSettings                *settings,
                     const char               *key,
                     HallwayPreferencesWindow *self)
{
  if (g_str_equal (key, "receive-folder"))
    update_folder_row (self);
}

static void
hallway_preferences_window_dispose (GObject *object)
{
  HallwayPreferencesWindow *self = HALLWAY_PREFERENCES_WINDOW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hallway_preferences_window_parent_class)->dispose (object);
}

static void
hallway_preferences_window_class_init (HallwayPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_preferences_window_dispose;
}

static void
hallway_preferences_window_init (HallwayPreferencesWindow *self)
{
}

static AdwPreferencesGroup *
add_group (AdwPreferencesPage *page,
           const char         *title,
           const char         *description)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());

  adw_preferences_group_set_title (group, title);
  if (description != NULL)
    adw_preferences_group_set_description (group, description);
  adw_preferences_page_add (page, group);
  return group;
}

/**
 * hallway_preferences_window_new:
 * @settings: hallwayd's settings (schema io.github.hallwaylan.Hallway)
 *
 * Returns: (transfer floating): the preferences window
 */
GtkWidget *
hallway_preferences_window_new (GSettings *settings)
{
  HallwayPreferencesWindow *self = g_object_new (HALLWAY_TYPE_PREFERENCES_WINDOW,
                                                 "search-enabled", FALSE,
                                                 "modal", TRUE,
                                                 NULL);
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *group;
  g_autoptr(GtkStringList) choices = NULL;
  GtkWidget *button;

  self->settings = g_object_ref (settings);

  group = add_group (page, _("This computer"),
                     _("How your colleagues see you. Leave it empty to use your name and the "
                       "computer's name."));
  self->name_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row), _("Display name"));
  g_settings_bind (settings, "display-name", self->name_row, "text", G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (group, GTK_WIDGET (self->name_row));

  group = add_group (page, _("Receiving files"),
                     _("When a colleague sends you files."));

  choices = gtk_string_list_new ((const char *[]) {
    _("Ask every time"),
    _("Accept from trusted colleagues, ask the others"),
    _("Refuse all"),
    NULL });
  self->policy_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->policy_row),
                                 _("When someone sends files"));
  adw_combo_row_set_model (self->policy_row, G_LIST_MODEL (choices));
  g_settings_bind_with_mapping (settings, "accept-policy", self->policy_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                policy_get_mapping, policy_set_mapping, NULL, NULL);
  adw_preferences_group_add (group, GTK_WIDGET (self->policy_row));

  self->folder_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->folder_row),
                                 _("Save received files in"));
  button = gtk_button_new_with_mnemonic (_("_Choose…"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Choose the folder for received files"),
                                  -1);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (choose_folder_cb), self);
  adw_action_row_add_suffix (self->folder_row, button);
  adw_action_row_set_activatable_widget (self->folder_row, button);
  adw_preferences_group_add (group, GTK_WIDGET (self->folder_row));
  update_folder_row (self);
  g_signal_connect (settings, "changed", G_CALLBACK (settings_changed_cb), self);

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), page);
  return GTK_WIDGET (self);
}

AdwComboRow *
hallway_preferences_window_get_policy_row (HallwayPreferencesWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_PREFERENCES_WINDOW (self), NULL);

  return self->policy_row;
}

AdwActionRow *
hallway_preferences_window_get_folder_row (HallwayPreferencesWindow *self)
{
  g_return_val_if_fail (HALLWAY_IS_PREFERENCES_WINDOW (self), NULL);

  return self->folder_row;
}
