/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hallway-dbus.h"

G_BEGIN_DECLS

#define HALLWAY_TYPE_DOCTOR_PAGE (hallway_doctor_page_get_type ())

G_DECLARE_FINAL_TYPE (HallwayDoctorPage, hallway_doctor_page, HALLWAY, DOCTOR_PAGE, GtkBox)

void        hallway_doctor_page_set_daemon  (HallwayDoctorPage  *self,
                                             HallwayDBusDaemon1 *daemon);
void        hallway_doctor_page_check       (HallwayDoctorPage  *self,
                                             const char         *target);
gboolean    hallway_doctor_page_get_running (HallwayDoctorPage  *self);
GtkListBox *hallway_doctor_page_get_results (HallwayDoctorPage  *self);

G_END_DECLS
