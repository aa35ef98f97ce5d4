/* hallway-json.h: reading JSON that a neighbour (or a damaged file) wrote
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode   *hallway_json_parse      (JsonParser  *parser,
                                     const char  *data,
                                     gsize        length,
                                     gsize        max_bytes,
                                     const char  *what,
                                     GError     **error);
const char *hallway_json_get_string (JsonObject  *object,
                                     const char  *member);

G_END_DECLS
