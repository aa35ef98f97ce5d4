/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_REMOTE_FILES (hallway_remote_files_get_type ())

G_DECLARE_FINAL_TYPE (HallwayRemoteFiles, hallway_remote_files, HALLWAY, REMOTE_FILES,
                      GdkContentProvider)

GdkContentProvider *hallway_remote_files_new         (HallwayDBusDaemon1 *daemon,
                                                      const char         *peer,
                                                      const char         *share,
                                                      const char * const *paths);
void                hallway_remote_files_clean_cache (void);

G_END_DECLS
