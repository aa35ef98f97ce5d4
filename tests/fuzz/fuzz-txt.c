/* fuzz-txt.c: libFuzzer target for the `_hallway._tcp` TXT record parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "hallway-txt.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_truncate (const uint8_t *data,
                size_t         size)
{
  g_autofree char *name = NULL;
  g_autofree char *cut = NULL;
  gsize max_bytes;

  if (size == 0)
    return;

  /* The first byte picks the limit, so the fuzzer can aim a multi-byte
   * character at every possible cut; the rest is the name. */
  max_bytes = data[0];
  name = g_strndup ((const char *) data + 1, size - 1);
  cut = hallway_utf8_truncate (name, max_bytes);

  g_assert (cut != NULL);
  g_assert (strlen (cut) <= max_bytes);
  g_assert (g_utf8_validate (cut, -1, NULL));
}

/* Whatever the parser accepts must survive a trip through the builder
 * unchanged, or we would announce something other than what we parsed. */
static void
check_round_trip (const HallwayTxt *txt)
{
  g_auto(GStrv) strv = hallway_txt_build (txt);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(HallwayTxt) again = NULL;
  g_autoptr(GError) error = NULL;

  g_assert (strv != NULL);
  for (gsize i = 0; strv[i] != NULL; i++)
    g_ptr_array_add (strings, g_bytes_new (strv[i], strlen (strv[i])));

  again = hallway_txt_parse ((const GBytes * const *) strings->pdata, strings->len, &error);
  g_assert_no_error (error);
  g_assert (again->version == txt->version);
  g_assert (g_strcmp0 (again->device_id, txt->device_id) == 0);
  g_assert (g_strcmp0 (again->fingerprint, txt->fingerprint) == 0);
  g_assert (g_strcmp0 (again->host, txt->host) == 0);
  g_assert (again->n_shares == txt->n_shares);
  g_assert (again->n_printers == txt->n_printers);
  g_assert (again->accepts_drops == txt->accepts_drops);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized = FALSE;
  g_autoptr(GPtrArray) strings = NULL;
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;
  size_t pos = 0;

  if (!initialized)
    {
      /* A critical (a failed precondition) is a bug the fuzzer should
       * report, not a line on stderr. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      initialized = TRUE;
    }

  /* DNS TXT RDATA: a sequence of <length byte><bytes>. A string that runs
   * past the end is dropped, as a resolver would refuse the record. */
  strings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  while (pos < size)
    {
      size_t len = data[pos];

      if (len > size - pos - 1)
        break;
      g_ptr_array_add (strings, g_bytes_new (data + pos + 1, len));
      pos += 1 + len;
    }

  txt = hallway_txt_parse ((const GBytes * const *) strings->pdata, strings->len, &error);
  g_assert ((txt == NULL) != (error == NULL));
  if (txt != NULL)
    check_round_trip (txt);
  else
    g_assert (g_utf8_validate (error->message, -1, NULL));

  check_truncate (data, size);

  return 0;
}
