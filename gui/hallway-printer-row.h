/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_PRINTER_ROW (hallway_printer_row_get_type ())

G_DECLARE_FINAL_TYPE (HallwayPrinterRow, hallway_printer_row, HALLWAY, PRINTER_ROW, AdwActionRow)

GtkWidget           *hallway_printer_row_new              (HallwayDBusPrinter1 *printer,
                                                           const char          *peer_name);
GtkWidget           *hallway_printer_row_get_share_switch (HallwayPrinterRow   *self);
void                 hallway_printer_row_print_file       (HallwayPrinterRow   *self,
                                                           const char          *path);

G_END_DECLS
