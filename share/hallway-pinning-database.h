/* hallway-pinning-database.h: a TLS database that trusts no certificate authority
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HALLWAY_TYPE_PINNING_DATABASE (hallway_pinning_database_get_type ())
G_DECLARE_FINAL_TYPE (HallwayPinningDatabase, hallway_pinning_database,
                      HALLWAY, PINNING_DATABASE, GTlsDatabase)

GTlsDatabase *hallway_pinning_database_get_default (void);
void          hallway_pinning_database_install     (void);

G_END_DECLS
