/* hallway-pins.h: the neighbours this computer remembers (peers.ini)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HALLWAY_TYPE_PINS (hallway_pins_get_type ())
G_DECLARE_FINAL_TYPE (HallwayPins, hallway_pins, HALLWAY, PINS, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayPins *hallway_pins_new            (const char   *path);
gboolean     hallway_pins_load           (HallwayPins  *self,
                                          GError      **error);
gboolean     hallway_pins_save           (HallwayPins  *self,
                                          GError      **error);

G_GNUC_WARN_UNUSED_RESULT
GStrv        hallway_pins_dup_ids        (HallwayPins  *self);
gboolean     hallway_pins_contains       (HallwayPins  *self,
                                          const char   *device_id);
void         hallway_pins_remember       (HallwayPins  *self,
                                          const char   *device_id,
                                          const char   *name);
G_GNUC_WARN_UNUSED_RESULT
char        *hallway_pins_dup_name       (HallwayPins  *self,
                                          const char   *device_id);
gboolean     hallway_pins_get_trusted    (HallwayPins  *self,
                                          const char   *device_id);
void         hallway_pins_set_trusted    (HallwayPins  *self,
                                          const char   *device_id,
                                          gboolean      trusted);
G_GNUC_WARN_UNUSED_RESULT
char        *hallway_pins_dup_host       (HallwayPins  *self,
                                          const char   *device_id);
void         hallway_pins_set_host       (HallwayPins  *self,
                                          const char   *device_id,
                                          const char   *host);
G_GNUC_WARN_UNUSED_RESULT
char        *hallway_pins_dup_trusted_id_for_host (HallwayPins *self,
                                                   const char  *host);
G_GNUC_WARN_UNUSED_RESULT
char        *hallway_pins_dup_trusted_id_for_name (HallwayPins *self,
                                                   const char  *name,
                                                   const char  *except_id);
void         hallway_pins_forget         (HallwayPins  *self,
                                          const char   *device_id);
G_GNUC_WARN_UNUSED_RESULT
GStrv        hallway_pins_dup_addresses  (HallwayPins  *self,
                                          const char   *device_id);
void         hallway_pins_add_address    (HallwayPins  *self,
                                          const char   *device_id,
                                          const char   *address);

G_END_DECLS
