/* hallway-listing.h: a folder's contents as a neighbour describes them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A neighbour's listing is hostile input: bound it. */
#define HALLWAY_LISTING_MAX_BYTES   (32 * 1024 * 1024)
#define HALLWAY_LISTING_MAX_ENTRIES 200000

typedef struct
{
  char     *name;
  gboolean  is_folder;
  gint64    size;
  gint64    modified;   /* seconds since the epoch, 0 if unknown */
} HallwayListingEntry;

void       hallway_listing_entry_free (HallwayListingEntry *entry);

G_GNUC_WARN_UNUSED_RESULT
GPtrArray *hallway_listing_parse      (const char  *data,
                                       gsize        length,
                                       GError     **error);

G_END_DECLS
