/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

void       hallway_send_files            (HallwayDBusDaemon1 *daemon,
                                          HallwayDBusPeer1   *peer,
                                          GSList             *files,
                                          GtkWidget          *widget);
GtkDropTarget *hallway_send_drop_target_new (void);
gboolean   hallway_send_drop             (HallwayDBusDaemon1 *daemon,
                                          HallwayDBusPeer1   *peer,
                                          const GValue       *value,
                                          GtkWidget          *widget);
void       hallway_send_choose_files     (HallwayDBusDaemon1 *daemon,
                                          HallwayDBusPeer1   *peer,
                                          GtkWidget          *widget);

G_END_DECLS
