/* fuzz-drop.c: libFuzzer target for the offer parser of the drop protocol
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "hallway-drop.h"
#include "hallway-path.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* Every sanitized path is what the receiver will create, name by name:
 * it must be one the confinement helpers take, and never hidden. */
static void
check_safe_path (const char *path)
{
  g_auto(GStrv) names = g_strsplit (path, "/", -1);
  guint n = g_strv_length (names);

  g_assert (n >= 1 && n <= HALLWAY_DROP_MAX_DEPTH);
  for (guint i = 0; i < n; i++)
    {
      g_assert (strlen (names[i]) <= HALLWAY_DROP_MAX_COMPONENT);
      g_assert (names[i][0] != '.');
      g_assert (hallway_path_component_is_valid (names[i], FALSE));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized = FALSE;
  g_autoptr(HallwayDropOffer) offer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *safe = NULL;

  if (!initialized)
    {
      /* A critical (a failed precondition) is a bug the fuzzer should
       * report, not a line on stderr. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      initialized = TRUE;
    }

  offer = hallway_drop_offer_parse ((const char *) data, size, &error);
  g_assert ((offer == NULL) != (error == NULL));
  if (offer != NULL)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      guint64 sum = 0;

      g_assert (offer->files->len >= 1 && offer->files->len <= HALLWAY_DROP_MAX_FILES);
      g_assert (g_utf8_validate (offer->name, -1, NULL));
      for (guint i = 0; i < offer->files->len; i++)
        {
          HallwayDropFile *file = g_ptr_array_index (offer->files, i);

          check_safe_path (file->path);
          /* Each file has a place of its own. */
          g_assert (g_hash_table_add (seen, file->path));
          sum += file->size;
        }
      g_assert (sum == offer->total);
    }
  else
    g_assert (g_utf8_validate (error->message, -1, NULL));

  /* The same bytes as one offered path. */
  text = g_strndup ((const char *) data, size);
  safe = hallway_drop_sanitize_path (text);
  check_safe_path (safe);

  return 0;
}
