/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HALLWAY_TYPE_PREFERENCES_WINDOW (hallway_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (HallwayPreferencesWindow, hallway_preferences_window,
                      HALLWAY, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget    *hallway_preferences_window_new            (GSettings                *settings);
AdwComboRow  *hallway_preferences_window_get_policy_row (HallwayPreferencesWindow *self);
AdwActionRow *hallway_preferences_window_get_folder_row (HallwayPreferencesWindow *self);

G_END_DECLS
