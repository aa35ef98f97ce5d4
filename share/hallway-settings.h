/* hallway-settings.h: the person's Hallway settings, when they can be read
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

G_GNUC_WARN_UNUSED_RESULT
GSettings *hallway_dup_settings         (void);
G_GNUC_WARN_UNUSED_RESULT
char      *hallway_dup_downloads_folder (void);
G_GNUC_WARN_UNUSED_RESULT
char      *hallway_dup_receive_folder   (GSettings *settings);

G_END_DECLS
