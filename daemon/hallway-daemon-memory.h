/* hallway-daemon-memory.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void  hallway_daemon_memory_init    (char **argv);
guint hallway_daemon_memory_watch   (void);
gsize hallway_daemon_memory_release (void);

G_END_DECLS
