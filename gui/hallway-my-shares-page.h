/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_MY_SHARES_PAGE (hallway_my_shares_page_get_type ())

G_DECLARE_FINAL_TYPE (HallwayMySharesPage, hallway_my_shares_page, HALLWAY, MY_SHARES_PAGE, GtkBox)

void        hallway_my_shares_page_set_daemon        (HallwayMySharesPage *self,
                                                      HallwayDBusDaemon1  *daemon,
                                                      GDBusObjectManager  *manager);
GtkListBox *hallway_my_shares_page_get_list          (HallwayMySharesPage *self);
GtkWidget  *hallway_my_shares_page_show_share_dialog (HallwayMySharesPage *self);
void        hallway_my_shares_page_add_share         (HallwayMySharesPage *self,
                                                      const char          *path,
                                                      const char          *name,
                                                      const char          *access,
                                                      const char          *audience,
                                                      const char          *password);

G_END_DECLS
