/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hallway-constants.h"
#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_WINDOW (hallway_window_get_type ())

G_DECLARE_FINAL_TYPE (HallwayWindow, hallway_window, HALLWAY, WINDOW, AdwApplicationWindow)

HallwayWindow      *hallway_window_new                (AdwApplication  *application,
                                                       GDBusConnection *connection);
GListModel         *hallway_window_get_peers          (HallwayWindow   *self);
GtkListView        *hallway_window_get_peer_list      (HallwayWindow   *self);
const char         *hallway_window_get_visible_page   (HallwayWindow   *self);
GtkWidget          *hallway_window_get_page           (HallwayWindow   *self,
                                                       const char      *name);
gboolean            hallway_window_get_ready          (HallwayWindow   *self);
void                hallway_window_show_this_computer (HallwayWindow   *self);
void                hallway_window_show_transfers     (HallwayWindow   *self);
void                hallway_window_show_doctor        (HallwayWindow   *self,
                                                       const char      *target);
GtkWidget          *hallway_window_get_transfers_page (HallwayWindow   *self);
HallwayDBusDaemon1 *hallway_window_get_daemon         (HallwayWindow   *self);
G_GNUC_WARN_UNUSED_RESULT
char               *hallway_window_dup_download_dir   (HallwayWindow   *self);
void                hallway_window_set_download_dir   (HallwayWindow   *self,
                                                       const char      *dir);
gboolean            hallway_window_show_peer          (HallwayWindow   *self,
                                                       const char      *name);
void                hallway_window_set_search         (HallwayWindow   *self,
                                                       const char      *text);
const char         *hallway_window_get_last_toast     (HallwayWindow   *self);
void                hallway_window_toast              (GtkWidget       *widget,
                                                       const char      *message);
void                hallway_window_toast_with_button  (GtkWidget       *widget,
                                                       const char      *message,
                                                       const char      *button_label,
                                                       const char      *action_name);
gboolean            hallway_window_get_toast_shown    (HallwayWindow   *self);

G_END_DECLS
