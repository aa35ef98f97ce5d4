/* hallway-json.h: reading JSON that a neighbour (or a damaged file) wrote,
 * and building what Hallway writes
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
gboolean    hallway_json_get_indexes (JsonNode   *node,
                                      guint       limit,
                                      GArray     *out);
G_GNUC_WARN_UNUSED_RESULT
char       *hallway_json_dup_message (GBytes     *body);

/* One member of the object being built. */
void        hallway_json_add_string (JsonBuilder *builder,
                                     const char  *member,
                                     const char  *value);
void        hallway_json_add_int    (JsonBuilder *builder,
                                     const char  *member,
                                     gint64       value);
void        hallway_json_add_bool   (JsonBuilder *builder,
                                     const char  *member,
                                     gboolean     value);
void        hallway_json_add_double (JsonBuilder *builder,
                                     const char  *member,
                                     double       value);
void        hallway_json_begin_array_member (JsonBuilder *builder,
                                             const char  *member);

G_GNUC_WARN_UNUSED_RESULT
char       *hallway_json_to_data    (JsonBuilder *builder,
                                     gboolean     pretty,
                                     gsize       *out_length);

G_END_DECLS
