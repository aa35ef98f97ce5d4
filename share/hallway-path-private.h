/* hallway-path-private.h: test hooks for hallway-path.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether openat2(2) is used. It is decided once, on first use: off when
 * HALLWAY_TEST_NO_OPENAT2=1 is in the environment or the kernel (or a
 * seccomp filter) refuses the system call. Tests set it to cover both the
 * kernel-confined mode and the component-by-component fallback. */
gboolean _hallway_path_get_openat2_enabled (void);
void     _hallway_path_set_openat2_enabled (gboolean enabled);

G_END_DECLS
