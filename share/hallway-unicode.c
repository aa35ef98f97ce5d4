/* hallway-unicode.c: characters a name shown to people may not hide behind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Names of files, folders and shares come from other computers and end up
 * on a person's screen, in a terminal and on disk. Two kinds of character
 * make them lie there. Controls (C0, DEL, C1) break lines and drive
 * terminals. Invisible formatting reorders or hides text: a right-to-left
 * override makes "photo<U+202E>gpj.desktop" show as "photodesktop.jpg", and
 * zero-width spaces, word joiners, tag characters and the like make two
 * different names look the same. This file tells them apart, once, for
 * every place that checks or cleans a name.
 */
#include "config.h"

#include "hallway-unicode.h"

#include <string.h>

#define ZWNJ 0x200c   /* zero width non-joiner */
#define ZWJ  0x200d   /* zero width joiner */

static gboolean
is_control (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* Bidi controls (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
 * U+2069) and the rest of Unicode's format characters (zero-width spaces,
 * word joiner, soft hyphen, byte order mark, tags, …) are category Cf;
 * line and paragraph separators would break a line like a newline. */
static gboolean
is_formatting (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_FORMAT:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return TRUE;
    default:
      return FALSE;
    }
}

/**
 * hallway_unichar_kind:
 * @c: a character
 * @previous: the character before it, or 0 at the start
 *
 * Tells whether @c may be shown as part of a name. The joiners (U+200C and
 * U+200D) are formatting characters too, but Persian, the Indic scripts
 * and emoji sequences need them: they count as visible right after a
 * visible character outside ASCII, where they do that work, and as
 * invisible elsewhere ("rep<U+200C>ort" is "report" to the eye).
 *
 * Returns: what kind of character @c is
 */
HallwayCharKind
hallway_unichar_kind (gunichar c,
                      gunichar previous)
{
  if (is_control (c))
    return HALLWAY_CHAR_CONTROL;
  if (c == ZWNJ || c == ZWJ)
    {
      gboolean joins = previous >= 0x80 && !is_control (previous) && !is_formatting (previous);

      return joins ? HALLWAY_CHAR_VISIBLE : HALLWAY_CHAR_INVISIBLE;
    }
  if (is_formatting (c))
    return HALLWAY_CHAR_INVISIBLE;
  return HALLWAY_CHAR_VISIBLE;
}

/**
 * hallway_utf8_find_unsafe:
 * @text: valid UTF-8
 * @length: its length in bytes
 * @out_kind: (out) (optional): what the character found is
 *
 * Looks for the first control or invisible formatting character in @text,
 * as [func@Hallway.unichar_kind] tells them.
 *
 * Returns: (nullable): where it starts, or %NULL when @text has none
 */
const char *
hallway_utf8_find_unsafe (const char      *text,
                          gsize            length,
                          HallwayCharKind *out_kind)
{
  gunichar previous = 0;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  for (const char *p = text; p < text + length; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      HallwayCharKind kind = hallway_unichar_kind (c, previous);

      if (kind != HALLWAY_CHAR_VISIBLE)
        {
          if (out_kind != NULL)
            *out_kind = kind;
          return p;
        }
      previous = c;
    }
  return NULL;
}

/**
 * hallway_utf8_strip_invisible:
 * @text: valid UTF-8
 *
 * Removes the invisible formatting characters from @text, for a name that
 * is shown or created rather than refused. Controls are left for the
 * caller, who knows what to put in their place. A joiner counts as
 * visible only after a character that is kept.
 *
 * Returns: (transfer full): @text without them
 */
char *
hallway_utf8_strip_invisible (const char *text)
{
  GString *out;
  gunichar previous = 0;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (hallway_unichar_kind (c, previous) == HALLWAY_CHAR_INVISIBLE)
        continue;
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
      previous = c;
    }
  return g_string_free (out, FALSE);
}

/**
 * hallway_utf8_make_printable:
 * @text: any bytes, such as a parser's message quoting hostile input
 * @length: the length of @text in bytes, or -1 when it ends with a NUL
 * @max_bytes: the longest result, not counting a final "…"
 *
 * Makes @text fit to show or log: invalid UTF-8, controls and invisible
 * formatting become U+FFFD, and it is cut on a character boundary to
 * @max_bytes, with "…" after it when something was cut.
 *
 * Returns: (transfer full): the printable text
 */
char *
hallway_utf8_make_printable (const char *text,
                             gssize      length,
                             gsize       max_bytes)
{
  g_autofree char *valid = NULL;
  GString *out;
  gunichar previous = 0;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  valid = g_utf8_make_valid (text != NULL ? text : "", length);
  out = g_string_sized_new (MIN (strlen (valid), max_bytes) + 4);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gsize char_len = g_utf8_next_char (p) - p;

      if (hallway_unichar_kind (c, previous) != HALLWAY_CHAR_VISIBLE)
        {
          c = 0xfffd;
          char_len = 3;
        }
      if (out->len + char_len > max_bytes)
        {
          g_string_append (out, "…");
          break;
        }
      g_string_append_unichar (out, c);
      previous = c;
    }
  return g_string_free (out, FALSE);
}
