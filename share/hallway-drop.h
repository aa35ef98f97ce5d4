/* hallway-drop.h: the pure parts of receiving files a colleague sends
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An offer is hostile input until proven otherwise: these bound it. */
#define HALLWAY_DROP_MAX_BODY       (16 * 1024 * 1024)   /* bytes of JSON */
#define HALLWAY_DROP_MAX_FILES      100000
#define HALLWAY_DROP_MAX_DEPTH      32                   /* folders + file name */
#define HALLWAY_DROP_MAX_COMPONENT  255                  /* bytes (NAME_MAX) */
#define HALLWAY_DROP_MAX_SENDER     128                  /* bytes of display name */
#define HALLWAY_DROP_MAX_NESTING    8                    /* JSON arrays/objects */
/* The names are shown over D-Bus as one property: bound it. */
#define HALLWAY_DROP_MAX_NAME_BYTES (8 * 1024 * 1024)
#define HALLWAY_DROP_ID_LENGTH      32                   /* lowercase hex */

/**
 * HallwayDropFile:
 * @path: the sanitized relative path, "/" between folders
 * @size: the declared size in bytes
 *
 * One file of an offer.
 */
typedef struct
{
  char    *path;
  guint64  size;
} HallwayDropFile;

/**
 * HallwayDropOffer:
 * @name: the sender's display name, made safe to show
 * @files: (element-type HallwayDropFile): the files, in the sender's order,
 *   with unique sanitized paths
 * @total: the sum of the sizes
 *
 * What a colleague offers (the body of `POST /api/v1/drops`).
 */
typedef struct
{
  char      *name;
  GPtrArray *files;
  guint64    total;
} HallwayDropOffer;

G_GNUC_WARN_UNUSED_RESULT
char             *hallway_drop_sanitize_component (const char *name);
G_GNUC_WARN_UNUSED_RESULT
char             *hallway_drop_sanitize_path      (const char *path);
G_GNUC_WARN_UNUSED_RESULT
char             *hallway_drop_sanitize_label     (const char *text,
                                                   gsize       max_bytes);

G_GNUC_WARN_UNUSED_RESULT
HallwayDropOffer *hallway_drop_offer_parse        (const char *data,
                                                   gsize       length,
                                                   GError    **error);
void              hallway_drop_offer_free         (HallwayDropOffer *offer);

gboolean          hallway_drop_id_is_valid        (const char *id);

G_GNUC_WARN_UNUSED_RESULT
char             *hallway_drop_status_to_json     (const char  *id,
                                                   const char  *state,
                                                   GArray      *accepted,
                                                   gint64       expires,
                                                   const char  *message,
                                                   gsize       *out_length);
G_GNUC_WARN_UNUSED_RESULT
char             *hallway_drop_received_to_json   (guint64      received,
                                                   gsize       *out_length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayDropOffer, hallway_drop_offer_free)

G_END_DECLS
