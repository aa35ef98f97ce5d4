/* hallway-state-file.h: a file that keeps hallwayd's state across restarts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Builds the file's contents from the owner's state, on the main thread. */
typedef char *(*HallwayStateFileBuildFunc) (gpointer  user_data,
                                            gsize    *out_length);

#define HALLWAY_TYPE_STATE_FILE (hallway_state_file_get_type ())
G_DECLARE_FINAL_TYPE (HallwayStateFile, hallway_state_file, HALLWAY, STATE_FILE, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayStateFile *hallway_state_file_new        (const char                 *path,
                                                 HallwayStateFileBuildFunc   build,
                                                 gpointer                    user_data);
const char       *hallway_state_file_get_path   (HallwayStateFile           *self);
void              hallway_state_file_save       (HallwayStateFile           *self);
void              hallway_state_file_save_later (HallwayStateFile           *self,
                                                 guint                       delay_ms);
gboolean          hallway_state_file_save_now   (HallwayStateFile           *self,
                                                 GError                    **error);
gboolean          hallway_state_file_close      (HallwayStateFile           *self,
                                                 GError                    **error);

G_END_DECLS
