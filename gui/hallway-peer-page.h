/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_PEER_PAGE (hallway_peer_page_get_type ())

G_DECLARE_FINAL_TYPE (HallwayPeerPage, hallway_peer_page, HALLWAY, PEER_PAGE, GtkBox)

GtkWidget        *hallway_peer_page_new         (void);
void              hallway_peer_page_set_peer    (HallwayPeerPage    *self,
                                                 HallwayDBusPeer1   *peer);
HallwayDBusPeer1 *hallway_peer_page_get_peer    (HallwayPeerPage    *self);
void              hallway_peer_page_set_daemon  (HallwayPeerPage    *self,
                                                 HallwayDBusDaemon1 *daemon);
void              hallway_peer_page_set_manager (HallwayPeerPage    *self,
                                                 GDBusObjectManager *manager);
GtkListBox       *hallway_peer_page_get_folders (HallwayPeerPage    *self);
void              hallway_peer_page_open_folder (HallwayPeerPage    *self,
                                                 const char         *share);
GtkWidget        *hallway_peer_page_get_folder_view (HallwayPeerPage *self);
GtkWidget        *hallway_peer_page_show_trust_dialog (HallwayPeerPage *self);

G_END_DECLS
