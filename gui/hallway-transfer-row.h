/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_TRANSFER_ROW (hallway_transfer_row_get_type ())

G_DECLARE_FINAL_TYPE (HallwayTransferRow, hallway_transfer_row, HALLWAY, TRANSFER_ROW,
                      GtkListBoxRow)

GtkWidget            *hallway_transfer_row_new             (HallwayDBusTransfer1 *transfer);
HallwayDBusTransfer1 *hallway_transfer_row_get_transfer    (HallwayTransferRow   *self);
const char           *hallway_transfer_row_get_status_text (HallwayTransferRow   *self);
GtkWidget            *hallway_transfer_row_get_cancel_button (HallwayTransferRow *self);
GtkWidget            *hallway_transfer_row_get_show_button (HallwayTransferRow   *self);
G_GNUC_WARN_UNUSED_RESULT
char                 *hallway_transfer_describe_time_left  (gint64                seconds);

G_END_DECLS
