/* hallway-test-utils.h: helpers shared by the unit tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hallway-identity.h"

G_BEGIN_DECLS

void             hallway_test_remove_tree   (const char *path);
HallwayIdentity *hallway_test_make_identity (const char *dir,
                                             const char *name);

G_END_DECLS
