/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hallway-application.h"

#include <glib/gi18n.h>

#include "hallway-preferences-window.h"
#include "hallway-remote-files.h"
#include "hallway-settings.h"
#include "hallway-window.h"

struct _HallwayApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (HallwayApplication, hallway_application, ADW_TYPE_APPLICATION)

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Hallway authors", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Hallway"),
                         "application-icon", APP_ID,
                         "comments", _("Share folders and printers with the people down the hall"),
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "website", "https://github.com/hallwaylan/hallway",
                         /* Translators: put your names here, one per line. */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  g_autoptr(GSettings) settings = hallway_dup_settings ();
  GtkWidget *window;

  if (settings == NULL)
    {
      /* Only when Hallway is run from an incomplete installation. */
      g_warning ("The settings schema %s is not installed", APP_ID);
      return;
    }

  window = hallway_preferences_window_new (settings);
  gtk_window_set_transient_for (GTK_WINDOW (window), gtk_application_get_active_window (app));
  gtk_window_present (GTK_WINDOW (window));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
};

static void
hallway_application_startup (GApplication *application)
{
  GtkApplication *app = GTK_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *search_accels[] = { "<Control>f", NULL };
  static const char *share_accels[] = { "<Control>n", NULL };
  static const char *download_accels[] = { "<Control>d", NULL };

  G_APPLICATION_CLASS (hallway_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application), app_actions,
                                   G_N_ELEMENTS (app_actions), application);
  gtk_application_set_accels_for_action (app, "app.quit", quit_accels);
  gtk_application_set_accels_for_action (app, "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (app, "win.search", search_accels);
  gtk_application_set_accels_for_action (app, "win.share-folder", share_accels);
  gtk_application_set_accels_for_action (app, "win.download", download_accels);

  hallway_remote_files_clean_cache ();
}

static void
hallway_application_activate (GApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    window = GTK_WINDOW (hallway_window_new (ADW_APPLICATION (application),
                                             g_application_get_dbus_connection (application)));
  gtk_window_present (window);
}

static void
hallway_application_class_init (HallwayApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = hallway_application_startup;
  app_class->activate = hallway_application_activate;
}

static void
hallway_application_init (HallwayApplication *self)
{
}

HallwayApplication *
hallway_application_new (void)
{
  return g_object_new (HALLWAY_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/hallwaylan/Hallway",
                       NULL);
}
