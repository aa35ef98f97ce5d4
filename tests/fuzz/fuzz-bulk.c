/* fuzz-bulk.c: libFuzzer target for the folder stream decoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a stream, fed in pieces whose sizes come from its first
 * byte. Whatever the decoder accepts must keep the format's promises:
 * valid names in strictly increasing order, data never more than a file's
 * size, and the end only once the last file is complete.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "hallway-bulk.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized = FALSE;
  g_autoptr(HallwayBulkDecoder) decoder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *previous = NULL;
  gsize step;
  gsize offset;
  gboolean in_file = FALSE;
  gboolean ended = FALSE;
  guint64 left = 0;

  if (!initialized)
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      initialized = TRUE;
    }
  if (size == 0)
    return 0;

  step = 1 + data[0] % 64;
  data++;
  size--;
  decoder = hallway_bulk_decoder_new ();

  for (offset = 0; offset < size || offset == 0; offset += step)
    {
      gsize chunk = MIN (step, size - offset);
      const guint8 *p = data + offset;

      for (;;)
        {
          gsize used = 0;
          HallwayBulkEvent event = hallway_bulk_decoder_feed (decoder, p, chunk, &used, &error);

          g_assert (used <= chunk);
          p += used;
          chunk -= used;
          if (event == HALLWAY_BULK_EVENT_NEED_MORE)
            {
              g_assert (chunk == 0);
              break;
            }
          if (event == HALLWAY_BULK_EVENT_ERROR)
            {
              g_assert (error != NULL);
              return 0;
            }
          g_assert (!ended);
          switch (event)
            {
            case HALLWAY_BULK_EVENT_FOLDER:
            case HALLWAY_BULK_EVENT_FILE:
              {
                const char *name = hallway_bulk_decoder_get_name (decoder);

                g_assert (!in_file);
                g_assert (hallway_bulk_name_is_valid (name));
                g_assert (previous == NULL || hallway_bulk_name_compare (previous, name) < 0);
                g_free (previous);
                previous = g_strdup (name);
                if (event == HALLWAY_BULK_EVENT_FILE)
                  {
                    in_file = TRUE;
                    left = hallway_bulk_decoder_get_size (decoder);
                    g_assert (left <= G_MAXINT64);
                  }
                break;
              }
            case HALLWAY_BULK_EVENT_DATA:
              g_assert (in_file && used > 0 && used <= left);
              left -= used;
              break;
            case HALLWAY_BULK_EVENT_FILE_END:
              g_assert (in_file && left == 0);
              in_file = FALSE;
              break;
            case HALLWAY_BULK_EVENT_END:
              g_assert (!in_file);
              ended = TRUE;
              break;
            case HALLWAY_BULK_EVENT_NEED_MORE:
            case HALLWAY_BULK_EVENT_ERROR:
            default:
              g_assert_not_reached ();
            }
        }
      if (size == 0)
        break;
    }

  g_assert (hallway_bulk_decoder_finish (decoder, &error) == ended);
  g_assert (ended == (error == NULL));
  return 0;
}
