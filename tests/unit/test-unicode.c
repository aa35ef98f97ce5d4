/* test-unicode.c: which characters a name shown to people may hold
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hallway-drop.h"
#include "hallway-error.h"
#include "hallway-info.h"
#include "hallway-share.h"
#include "hallway-unicode.h"

/* Names in scripts and emoji that need their joiners. */
#define PERSIAN "\u0633\u0644\u0627\u0645\u200c\u062f\u0646\u06cc\u0627"  /* with a ZWNJ */
#define FAMILY  "\U0001f468\u200d\U0001f469\u200d\U0001f467"              /* with ZWJs */
#define KSSA    "\u0915\u094d\u200d\u0937"                                /* with a ZWJ */

/* Every bidi control Unicode has, and other invisible formatting. */
static const gunichar invisible[] = {
  0x061c,                                 /* Arabic letter mark */
  0x200e, 0x200f,                         /* left-to-right and right-to-left marks */
  0x202a, 0x202b, 0x202c, 0x202d, 0x202e, /* embeddings, pop, overrides */
  0x2066, 0x2067, 0x2068, 0x2069,         /* isolates */
  0x200b,                                 /* zero width space */
  0x2060,                                 /* word joiner */
  0xfeff,                                 /* byte order mark */
  0x00ad,                                 /* soft hyphen */
  0x2028, 0x2029,                         /* line and paragraph separators */
  0xe0041,                                /* tag latin capital letter A */
};

static void
test_kind (void)
{
  g_test_summary ("Bidi controls and other invisible formatting are told from visible text");

  for (gsize i = 0; i < G_N_ELEMENTS (invisible); i++)
    {
      g_test_message ("U+%04X", invisible[i]);
      g_assert_cmpint (hallway_unichar_kind (invisible[i], 'a'), ==, HALLWAY_CHAR_INVISIBLE);
      g_assert_cmpint (hallway_unichar_kind (invisible[i], 0x05d0), ==, HALLWAY_CHAR_INVISIBLE);
    }

  g_assert_cmpint (hallway_unichar_kind ('\n', 0), ==, HALLWAY_CHAR_CONTROL);
  g_assert_cmpint (hallway_unichar_kind (0x1b, 0), ==, HALLWAY_CHAR_CONTROL);
  g_assert_cmpint (hallway_unichar_kind (0x7f, 0), ==, HALLWAY_CHAR_CONTROL);
  g_assert_cmpint (hallway_unichar_kind (0x9b, 0), ==, HALLWAY_CHAR_CONTROL);

  g_assert_cmpint (hallway_unichar_kind ('a', 0), ==, HALLWAY_CHAR_VISIBLE);
  g_assert_cmpint (hallway_unichar_kind (0x05d0, 0), ==, HALLWAY_CHAR_VISIBLE);  /* א */
  g_assert_cmpint (hallway_unichar_kind (0x3000, 0), ==, HALLWAY_CHAR_VISIBLE);  /* wide space */
  g_assert_cmpint (hallway_unichar_kind (0xfe0f, 0x2764), ==, HALLWAY_CHAR_VISIBLE);

  /* The joiners do their work after letters outside ASCII, and hide a
   * difference anywhere else. */
  g_assert_cmpint (hallway_unichar_kind (0x200c, 0x0645), ==, HALLWAY_CHAR_VISIBLE);  /* Persian */
  g_assert_cmpint (hallway_unichar_kind (0x200d, 0x094d), ==, HALLWAY_CHAR_VISIBLE);  /* virama */
  g_assert_cmpint (hallway_unichar_kind (0x200d, 0x1f468), ==, HALLWAY_CHAR_VISIBLE); /* emoji */
  g_assert_cmpint (hallway_unichar_kind (0x200c, 'p'), ==, HALLWAY_CHAR_INVISIBLE);
  g_assert_cmpint (hallway_unichar_kind (0x200d, 0), ==, HALLWAY_CHAR_INVISIBLE);
  g_assert_cmpint (hallway_unichar_kind (0x200d, 0x200d), ==, HALLWAY_CHAR_INVISIBLE);
  g_assert_cmpint (hallway_unichar_kind (0x200d, 0x202e), ==, HALLWAY_CHAR_INVISIBLE);
}

static void
test_find_unsafe (void)
{
  static const char *const safe[] = {
    "report.pdf", "Résumé 2027.odt", "דוח שנתי.pdf", PERSIAN ".txt", FAMILY " holiday.jpg",
    KSSA ".txt", "",
  };
  const char *rlo = "photo\u202egpj.desktop";
  HallwayCharKind kind = HALLWAY_CHAR_VISIBLE;
  const char *found;

  g_test_summary ("The first control or invisible character of a name is found");

  for (gsize i = 0; i < G_N_ELEMENTS (safe); i++)
    {
      g_test_message ("%s", safe[i]);
      g_assert_null (hallway_utf8_find_unsafe (safe[i], strlen (safe[i]), NULL));
    }

  found = hallway_utf8_find_unsafe (rlo, strlen (rlo), &kind);
  g_assert_true (found == rlo + 5);
  g_assert_cmpint (kind, ==, HALLWAY_CHAR_INVISIBLE);

  found = hallway_utf8_find_unsafe ("a\tb\u200fc", strlen ("a\tb\u200fc"), &kind);
  g_assert_cmpint (kind, ==, HALLWAY_CHAR_CONTROL);
  g_assert_cmpint (*found, ==, '\t');

  /* Only @length bytes are looked at. */
  g_assert_null (hallway_utf8_find_unsafe (rlo, 5, NULL));
}

static void
test_strip (void)
{
  static const struct
  {
    const char *text;
    const char *expected;
  } cases[] = {
    { "photo\u202egpj.desktop", "photogpj.desktop" },
    { "\u2067evil\u2069.exe", "evil.exe" },
    { "in\u200bvoice\ufeff.pdf", "invoice.pdf" },
    { "rep\u200cort.txt", "report.txt" },
    { PERSIAN, PERSIAN },
    { FAMILY, FAMILY },
    /* A joiner is judged after what is kept before it. */
    { "x\u202e\u200dy", "xy" },
    { "tab\tkept", "tab\tkept" },
    { "\u200e\u200f", "" },
  };

  g_test_summary ("Invisible formatting is removed from names that are cleaned, not refused");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *stripped = hallway_utf8_strip_invisible (cases[i].text);

      g_assert_cmpstr (stripped, ==, cases[i].expected);
    }
}

static void
test_printable (void)
{
  g_autofree char *bytes = hallway_utf8_make_printable ("bad \xca< \x1b[2J \u202e", -1, 100);
  g_autofree char *cut = hallway_utf8_make_printable ("caf\u00e9 cr\u00e8me", -1, 5);
  g_autofree char *part = hallway_utf8_make_printable ("abc\ndef", 3, 100);

  g_test_summary ("A message quoting hostile bytes is made valid, visible and short");

  g_assert_cmpstr (bytes, ==, "bad \ufffd< \ufffd[2J \ufffd");
  /* Cut on a character boundary, and said so. */
  g_assert_cmpstr (cut, ==, "caf\u00e9…");
  g_assert_cmpstr (part, ==, "abc");
}

static void
test_offered_names (void)
{
  g_autofree char *component = hallway_drop_sanitize_component ("photo\u202egpj.desktop");
  g_autofree char *path = hallway_drop_sanitize_path ("\u202e/holiday\u2066/photo\u200b.jpg");
  g_autofree char *hidden = hallway_drop_sanitize_component ("\u200e.bashrc");
  g_autofree char *nothing = hallway_drop_sanitize_component ("\u200f");
  g_autofree char *label = hallway_drop_sanitize_label ("Bruno\u202e atsoC", 64);
  g_autofree char *emoji = hallway_drop_sanitize_component (FAMILY ".jpg");

  g_test_summary ("Offered names and senders' names lose their invisible formatting");

  g_assert_cmpstr (component, ==, "photogpj.desktop");
  /* A name of nothing but formatting still names a folder: it shows as "_". */
  g_assert_cmpstr (path, ==, "_/holiday/photo.jpg");
  /* Removing the mark does not let a dot through: nothing arrives hidden. */
  g_assert_cmpstr (hidden, ==, "bashrc");
  g_assert_cmpstr (nothing, ==, "_");
  g_assert_cmpstr (label, ==, "Bruno atsoC");
  g_assert_cmpstr (emoji, ==, FAMILY ".jpg");
}

static void
test_share_names (void)
{
  g_autoptr(GError) error = NULL;

  g_test_summary ("A share's name with invisible formatting is refused in plain words");

  g_assert_false (hallway_share_name_is_valid ("Photos\u202egpj", &error));
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "invisible"));
  g_clear_error (&error);

  g_assert_false (hallway_share_name_is_valid ("Team\u200bFiles", &error));
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (hallway_share_name_is_valid ("Team\nFiles", &error));
  g_assert_nonnull (strstr (error->message, "control"));
  g_clear_error (&error);

  g_assert_true (hallway_share_name_is_valid ("דוחות", &error));
  g_assert_true (hallway_share_name_is_valid (FAMILY " Family", &error));
  g_assert_no_error (error);
}

static void
test_neighbour_names (void)
{
  g_autoptr(HallwayInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup_printf ("{\"id\": \"%064d\", \"name\": \"Bruno "
                                           "\u202eatsoC\u200b\", \"shares\": [{\"id\": "
                                           "\"0123456789abcdef\", \"name\": \"Team\u202e\", "
                                           "\"access\": \"read-only\", \"audience\": "
                                           "\"everyone\"}]}", 0);

  g_test_summary ("A neighbour's own name and its shares' names lose their invisible "
                  "formatting");

  info = hallway_info_parse (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->name, ==, "Bruno atsoC");
  g_assert_cmpuint (info->shares->len, ==, 1);
  g_assert_cmpstr (((HallwayInfoShare *) g_ptr_array_index (info->shares, 0))->name, ==,
                   "Team");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/unicode/kind", test_kind);
  g_test_add_func ("/share/unicode/find-unsafe", test_find_unsafe);
  g_test_add_func ("/share/unicode/strip", test_strip);
  g_test_add_func ("/share/unicode/printable", test_printable);
  g_test_add_func ("/share/unicode/offered-names", test_offered_names);
  g_test_add_func ("/share/unicode/share-names", test_share_names);
  g_test_add_func ("/share/unicode/neighbour-names", test_neighbour_names);

  return g_test_run ();
}
