/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_OFFER_DIALOG (hallway_offer_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HallwayOfferDialog, hallway_offer_dialog, HALLWAY, OFFER_DIALOG,
                      AdwMessageDialog)

GtkWidget         *hallway_offer_dialog_new             (GtkWindow          *parent,
                                                         HallwayDBusOffer1  *offer,
                                                         const char         *folder);
void               hallway_offer_dialog_set_file_chosen (HallwayOfferDialog *self,
                                                         guint               index,
                                                         gboolean            chosen);
const char        *hallway_offer_dialog_get_error       (HallwayOfferDialog *self);

G_END_DECLS
