/* hallway-bulk-source.h: local files read as one folder stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One record to send: a folder (size -1) or a file, by its local path. */
typedef struct
{
  char   *name;    /* in the stream */
  char   *path;    /* local */
  gint64  size;    /* as walked: the file must still have it */
} HallwayBulkSourceItem;

void hallway_bulk_source_item_free (HallwayBulkSourceItem *item);

#define HALLWAY_TYPE_BULK_SOURCE (hallway_bulk_source_get_type ())
G_DECLARE_FINAL_TYPE (HallwayBulkSource, hallway_bulk_source, HALLWAY, BULK_SOURCE, GInputStream)

G_GNUC_WARN_UNUSED_RESULT
HallwayBulkSource *hallway_bulk_source_new          (GPtrArray          *items);
guint64            hallway_bulk_source_get_length   (HallwayBulkSource  *self);
const char        *hallway_bulk_source_get_changed  (HallwayBulkSource  *self);

G_END_DECLS
