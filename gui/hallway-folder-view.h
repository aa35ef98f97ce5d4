/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_FOLDER_ITEM (hallway_folder_item_get_type ())

G_DECLARE_FINAL_TYPE (HallwayFolderItem, hallway_folder_item, HALLWAY, FOLDER_ITEM, GObject)

const char *hallway_folder_item_get_name      (HallwayFolderItem *self);
gboolean    hallway_folder_item_get_is_folder (HallwayFolderItem *self);
gint64      hallway_folder_item_get_size      (HallwayFolderItem *self);
gint64      hallway_folder_item_get_modified  (HallwayFolderItem *self);

#define HALLWAY_TYPE_FOLDER_VIEW (hallway_folder_view_get_type ())

G_DECLARE_FINAL_TYPE (HallwayFolderView, hallway_folder_view, HALLWAY, FOLDER_VIEW, GtkBox)

void        hallway_folder_view_set_location (HallwayFolderView *self,
                                              HallwayDBusPeer1  *peer,
                                              const char        *share,
                                              const char        *path);
const char *hallway_folder_view_get_path     (HallwayFolderView *self);
gboolean    hallway_folder_view_get_loading  (HallwayFolderView *self);
GListModel *hallway_folder_view_get_model    (HallwayFolderView *self);
void        hallway_folder_view_open         (HallwayFolderView *self,
                                              guint              position);
gboolean    hallway_folder_view_download_selection (HallwayFolderView *self);
gboolean    hallway_folder_view_drop_files          (HallwayFolderView *self,
                                                     GSList            *files);
GtkSelectionModel *hallway_folder_view_get_selection (HallwayFolderView *self);

G_END_DECLS
