/* hallway-multipart.h: reading a multipart/form-data body as it arrives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A form body is hostile input: these bound it. */
#define HALLWAY_MULTIPART_MAX_BOUNDARY  70     /* RFC 2046 §5.1.1 */
#define HALLWAY_MULTIPART_MAX_HEADERS   8192   /* bytes of one part's headers */
#define HALLWAY_MULTIPART_MAX_PARTS     10000
#define HALLWAY_MULTIPART_MAX_PADDING   64     /* blanks after a delimiter */

/**
 * HallwayMultipartCallbacks:
 * @begin: a part starts; @field is its form field name, @filename the
 *   file name the browser sent (as sent, not made safe), or %NULL for a
 *   plain field
 * @data: the next bytes of the current part's body
 * @end: the current part's body is complete
 *
 * Each returns %FALSE with @error set to stop reading the body.
 */
typedef struct
{
  gboolean (*begin) (const char   *field,
                     const char   *filename,
                     gpointer      user_data,
                     GError      **error);
  gboolean (*data)  (const guint8 *data,
                     gsize         length,
                     gpointer      user_data,
                     GError      **error);
  gboolean (*end)   (gpointer      user_data,
                     GError      **error);
} HallwayMultipartCallbacks;

typedef struct _HallwayMultipart HallwayMultipart;

gboolean          hallway_multipart_boundary_is_valid (const char *boundary);

G_GNUC_WARN_UNUSED_RESULT
HallwayMultipart *hallway_multipart_new    (const char                      *boundary,
                                            const HallwayMultipartCallbacks *callbacks,
                                            gpointer                         user_data);
void              hallway_multipart_free   (HallwayMultipart *self);
gboolean          hallway_multipart_feed   (HallwayMultipart *self,
                                            const guint8     *data,
                                            gsize             length,
                                            GError          **error);
gboolean          hallway_multipart_finish (HallwayMultipart *self,
                                            GError          **error);
guint             hallway_multipart_get_n_parts (HallwayMultipart *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayMultipart, hallway_multipart_free)

G_END_DECLS
