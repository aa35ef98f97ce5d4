/* fuzz-multipart.c: libFuzzer target for the multipart/form-data parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a form body, fed in pieces whose sizes its first byte
 * picks, as the network would cut it. Each part begins once, ends once,
 * and data comes only between; what was kept of a part's headers stays
 * bounded.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "hallway-multipart.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

#define BOUNDARY "----fuzzboundary"

typedef struct
{
  gboolean in_part;
  guint    parts;
} State;

static gboolean
begin_cb (const char *field,
          const char *filename,
          gpointer    user_data,
          GError    **error)
{
  State *state = user_data;

  g_assert (!state->in_part);
  g_assert (field != NULL);
  state->in_part = TRUE;
  state->parts++;
  g_assert (state->parts <= HALLWAY_MULTIPART_MAX_PARTS);
  return TRUE;
}

static gboolean
data_cb (const guint8 *data,
         gsize         length,
         gpointer      user_data,
         GError      **error)
{
  State *state = user_data;

  g_assert (state->in_part);
  g_assert (length > 0);
  return TRUE;
}

static gboolean
end_cb (gpointer user_data,
        GError **error)
{
  State *state = user_data;

  g_assert (state->in_part);
  state->in_part = FALSE;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const HallwayMultipartCallbacks callbacks = { begin_cb, data_cb, end_cb };
  State state = { FALSE, 0 };
  HallwayMultipart *parser = hallway_multipart_new (BOUNDARY, &callbacks, &state);
  gsize step;
  gboolean ok = TRUE;

  if (size == 0)
    {
      hallway_multipart_free (parser);
      return 0;
    }
  step = (data[0] % 64) + 1;
  data++;
  size--;
  for (gsize pos = 0; ok && pos < size; pos += step)
    ok = hallway_multipart_feed (parser, data + pos, MIN (step, size - pos), NULL);
  if (ok && hallway_multipart_finish (parser, NULL))
    g_assert (!state.in_part);
  hallway_multipart_free (parser);
  return 0;
}
