/* fuzz-neighbours.c: libFuzzer target for a neighbour's list of neighbours
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <gio/gio.h>

#include "hallway-identity.h"
#include "hallway-neighbours.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized = FALSE;
  g_autoptr(GPtrArray) neighbours = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *revision = NULL;

  if (!initialized)
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      initialized = TRUE;
    }

  neighbours = hallway_neighbours_parse ((const char *) data, size, &error);
  g_assert ((neighbours == NULL) != (error == NULL));
  if (neighbours == NULL)
    return 0;

  /* What is kept is what the learner may act on: bounded, one digest
   * under two names, numeric addresses only. */
  g_assert (neighbours->len <= HALLWAY_NEIGHBOURS_MAX_ENTRIES);
  for (guint i = 0; i < neighbours->len; i++)
    {
      const HallwayNeighbour *n = g_ptr_array_index (neighbours, i);
      g_autofree char *id = hallway_fingerprint_dup_device_id (n->fingerprint);
      guint count = g_strv_length (n->addresses);

      g_assert (hallway_device_id_is_valid (n->id));
      g_assert (g_strcmp0 (id, n->id) == 0);
      g_assert (n->port > 0);
      g_assert (count >= 1 && count <= HALLWAY_NEIGHBOURS_MAX_ADDRESSES);
      for (guint j = 0; j < count; j++)
        {
          g_autofree char *bare = g_strndup (n->addresses[j], strcspn (n->addresses[j], "%"));
          g_autoptr(GInetAddress) address = g_inet_address_new_from_string (bare);

          g_assert (address != NULL);
        }
      g_assert (n->name == NULL || g_utf8_validate (n->name, -1, NULL));
    }

  /* What it builds again parses to the same list. */
  json = hallway_neighbours_to_json (neighbours);
  revision = hallway_neighbours_dup_revision (neighbours);
  {
    g_autoptr(GPtrArray) again = hallway_neighbours_parse (json, strlen (json), NULL);
    g_autofree char *revision_again = NULL;

    g_assert (again != NULL && again->len == neighbours->len);
    revision_again = hallway_neighbours_dup_revision (again);
    g_assert (g_str_equal (revision, revision_again));
  }
  return 0;
}
