/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_TRANSFERS_PAGE (hallway_transfers_page_get_type ())

G_DECLARE_FINAL_TYPE (HallwayTransfersPage, hallway_transfers_page, HALLWAY, TRANSFERS_PAGE, GtkBox)

void        hallway_transfers_page_add_transfer    (HallwayTransfersPage *self,
                                                    HallwayDBusTransfer1 *transfer);
void        hallway_transfers_page_remove_transfer (HallwayTransfersPage *self,
                                                    HallwayDBusTransfer1 *transfer);
GListModel *hallway_transfers_page_get_transfers   (HallwayTransfersPage *self);
GtkListBox *hallway_transfers_page_get_list        (HallwayTransfersPage *self);

G_END_DECLS
