/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_PEER_ROW (hallway_peer_row_get_type ())

G_DECLARE_FINAL_TYPE (HallwayPeerRow, hallway_peer_row, HALLWAY, PEER_ROW, GtkListBoxRow)

GtkWidget        *hallway_peer_row_new      (HallwayDBusPeer1 *peer);
HallwayDBusPeer1 *hallway_peer_row_get_peer (HallwayPeerRow   *self);

G_END_DECLS
