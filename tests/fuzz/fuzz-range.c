/* fuzz-range.c: libFuzzer target for Range, Content-Range and validators
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is one request header value, with its first byte picking a
 * file size. Accepted ranges must lie inside the file; the validators and
 * the Basic credentials parser get the same value.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "hallway-password.h"
#include "hallway-range.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define MTIME G_GINT64_CONSTANT (784111777)

static void
check_range (const char *header,
             goffset     file_size)
{
  goffset start = -42;
  goffset end = -42;
  HallwayRangeResult result;

  result = hallway_range_parse (header, file_size, &start, &end);
  switch (result)
    {
    case HALLWAY_RANGE_SATISFIABLE:
      g_assert (file_size > 0);
      g_assert (0 <= start && start <= end && end < file_size);
      break;

    case HALLWAY_RANGE_NONE:
    case HALLWAY_RANGE_UNSATISFIABLE:
      g_assert (start == -42 && end == -42);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
check_content_range (const char *header)
{
  goffset start = -42;
  goffset end = -42;
  goffset total = -42;

  if (hallway_content_range_parse (header, &start, &end, &total))
    {
      g_assert (0 <= start && start <= end);
      g_assert (total == -1 || (total > 0 && end < total));
    }
  else
    g_assert (start == -42 && end == -42 && total == -42);
}

static void
check_validators (const char *header)
{
  g_autofree char *etag = hallway_etag_new (1, 2, 3, 4);
  gboolean strong;
  gboolean weak;

  /* A strong match is also a weak one. */
  strong = hallway_etag_list_matches (header, etag, FALSE);
  weak = hallway_etag_list_matches (header, etag, TRUE);
  g_assert (!strong || weak);
  g_assert (!hallway_etag_list_matches (header, NULL, TRUE));

  /* The header as the current tag: an entity-tag If-Range accepts is
   * strong and valid, so it matches itself in a list too. (Dates match
   * whatever the tag.) */
  if (header[strspn (header, " \t")] == '"' &&
      hallway_if_range_matches (header, header, MTIME))
    g_assert (hallway_etag_list_matches (header, header, FALSE));

  if (hallway_if_range_matches (header, etag, MTIME))
    {
      const char *p = header + strspn (header, " \t");

      /* Either our tag, or a date. */
      if (p[0] == '"' || (p[0] == 'W' && p[1] == '/'))
        g_assert (strncmp (p, etag, strlen (etag)) == 0 &&
                  p[strlen (etag) + strspn (p + strlen (etag), " \t")] == '\0');
    }
}

static void
check_basic_auth (const char *header)
{
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;

  if (!hallway_basic_auth_parse (header, &user, &password))
    {
      g_assert (user == NULL && password == NULL);
      return;
    }

  g_assert (strchr (user, ':') == NULL);
  g_assert (strlen (user) + 1 + strlen (password) <= HALLWAY_PASSWORD_MAX_LEN);
  g_assert (g_utf8_validate (user, -1, NULL) && g_utf8_validate (password, -1, NULL));
  for (const char *p = user; *p != '\0'; p++)
    g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
  for (const char *p = password; *p != '\0'; p++)
    g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized = FALSE;
  static const goffset sizes[] = { 0, 1, 2, 1000, G_MAXINT64 - 1, G_MAXINT64 };
  g_autofree char *header = NULL;

  if (!initialized)
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      initialized = TRUE;
    }

  if (size == 0)
    return 0;

  /* Header values are C strings by the time they get here. */
  header = g_strndup ((const char *) data + 1, size - 1);

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    check_range (header, sizes[i]);
  /* A size the fuzzer can steer, to hit the edges of small files. */
  check_range (header, data[0]);

  check_content_range (header);
  check_validators (header);
  check_basic_auth (header);

  return 0;
}
