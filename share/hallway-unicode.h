/* hallway-unicode.h: characters a name shown to people may not hide behind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  HALLWAY_CHAR_VISIBLE,
  HALLWAY_CHAR_CONTROL,     /* C0, DEL and C1: line breaks, terminal escapes */
  HALLWAY_CHAR_INVISIBLE,   /* bidi controls and other invisible formatting */
} HallwayCharKind;

HallwayCharKind  hallway_unichar_kind        (gunichar    c,
                                              gunichar    previous);

const char      *hallway_utf8_find_unsafe    (const char *text,
                                              gsize       length,
                                              HallwayCharKind *out_kind);

G_GNUC_WARN_UNUSED_RESULT
char            *hallway_utf8_strip_invisible (const char *text);

G_GNUC_WARN_UNUSED_RESULT
char            *hallway_utf8_make_printable  (const char *text,
                                               gssize      length,
                                               gsize       max_bytes);

G_END_DECLS
