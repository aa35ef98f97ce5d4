/* hallway-neighbours.h: GET /api/v1/neighbours, built and parsed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A neighbour's list is hostile input: bound what is read and kept. */
#define HALLWAY_NEIGHBOURS_MAX_BYTES     (64 * 1024)
#define HALLWAY_NEIGHBOURS_MAX_ENTRIES   128
#define HALLWAY_NEIGHBOURS_MAX_ADDRESSES 4
#define HALLWAY_NEIGHBOURS_MAX_ADDRESS   64

/* One computer a neighbour knows and has verified itself: who it is
 * (@id, and @fingerprint, the same digest in the TXT record's encoding) and
 * where it listens. A hint only, until its certificate says the same. */
typedef struct
{
  char     *id;
  char     *fingerprint;
  char     *name;
  GStrv     addresses;
  guint16   port;
} HallwayNeighbour;

void         hallway_neighbour_free      (HallwayNeighbour *neighbour);

G_GNUC_WARN_UNUSED_RESULT
char        *hallway_neighbours_to_json  (GPtrArray        *neighbours);
G_GNUC_WARN_UNUSED_RESULT
GPtrArray   *hallway_neighbours_parse    (const char       *data,
                                          gsize             length,
                                          GError          **error);
G_GNUC_WARN_UNUSED_RESULT
char        *hallway_neighbours_dup_revision (GPtrArray    *neighbours);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayNeighbour, hallway_neighbour_free)

G_END_DECLS
