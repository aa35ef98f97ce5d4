/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_PEER_ROW (hallway_peer_row_get_type ())

G_DECLARE_FINAL_TYPE (HallwayPeerRow, hallway_peer_row, HALLWAY, PEER_ROW, GtkWidget)

GtkWidget          *hallway_peer_row_new          (HallwayDBusPeer1 *peer);
HallwayDBusPeer1   *hallway_peer_row_get_peer     (HallwayPeerRow   *self);
void                hallway_peer_row_set_peer     (HallwayPeerRow   *self,
                                                   HallwayDBusPeer1 *peer);
GtkListItemFactory *hallway_peer_row_factory_new  (void);

G_END_DECLS
