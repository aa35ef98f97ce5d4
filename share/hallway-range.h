/* hallway-range.h: HTTP byte ranges (RFC 7233) and validators (RFC 7232)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Numbers in range headers have at most this many digits, so they always
 * fit in a goffset with room to add one. */
#define HALLWAY_RANGE_MAX_DIGITS 18

/**
 * HallwayRangeResult:
 * @HALLWAY_RANGE_NONE: no usable Range header: send the whole file (200)
 * @HALLWAY_RANGE_SATISFIABLE: send the range (206)
 * @HALLWAY_RANGE_UNSATISFIABLE: the range is past the end (416)
 *
 * What a Range request header asks for.
 */
typedef enum
{
  HALLWAY_RANGE_NONE,
  HALLWAY_RANGE_SATISFIABLE,
  HALLWAY_RANGE_UNSATISFIABLE,
} HallwayRangeResult;

HallwayRangeResult hallway_range_parse         (const char *header,
                                                goffset     size,
                                                goffset    *out_start,
                                                goffset    *out_end);

gboolean           hallway_content_range_parse (const char *header,
                                                goffset    *out_start,
                                                goffset    *out_end,
                                                goffset    *out_total);

G_GNUC_WARN_UNUSED_RESULT
char              *hallway_etag_new            (guint64     dev,
                                                guint64     ino,
                                                gint64      size,
                                                gint64      mtime_nsec);

gboolean           hallway_if_range_matches    (const char *if_range,
                                                const char *etag,
                                                gint64      mtime_seconds);

gboolean           hallway_etag_list_matches   (const char *header,
                                                const char *etag,
                                                gboolean    weak);

G_END_DECLS
