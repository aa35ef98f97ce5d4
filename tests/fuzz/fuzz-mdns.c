/* fuzz-mdns.c: libFuzzer target for the answers to Hallway's mDNS query
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The doctor reads answers from anyone on the network (legacy unicast
 * mDNS); only their header is parsed and the instance name is looked for
 * as bytes. The input's first two bytes are the query id expected.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "hallway-mdns-probe.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  gboolean has_instance = TRUE;
  guint16 id;

  if (size < 2)
    return 0;
  id = (data[0] << 8) | data[1];

  if (hallway_mdns_probe_parse_answer (data + 2, size - 2, id, "Alice Martin", &has_instance))
    {
      g_assert (size - 2 >= 12);
      g_assert (((data[2] << 8) | data[3]) == id);
    }
  else
    g_assert (!has_instance);
  /* Without an instance to look for, nothing is found. */
  hallway_mdns_probe_parse_answer (data + 2, size - 2, id, NULL, &has_instance);
  g_assert (!has_instance);
  return 0;
}
