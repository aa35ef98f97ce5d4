/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HALLWAY_TYPE_APPLICATION (hallway_application_get_type ())

G_DECLARE_FINAL_TYPE (HallwayApplication, hallway_application, HALLWAY, APPLICATION, AdwApplication)

HallwayApplication *hallway_application_new (void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
