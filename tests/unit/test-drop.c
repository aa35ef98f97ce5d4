/* test-drop.c: reading offers of files, and making their names safe
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "hallway-drop.h"
#include "hallway-error.h"
#include "hallway-path.h"

static void
test_sanitize_paths (void)
{
  static const struct {
    const char *path;
    const char *expected;
  } cases[] = {
    { "report.pdf", "report.pdf" },
    { "Photos/a b.jpg", "Photos/a b.jpg" },
    { "../../.bashrc", "bashrc" },
    { "/etc/passwd", "etc/passwd" },
    { "C:\\Users\\bob\\evil.exe", "C:/Users/bob/evil.exe" },
    { "a/./b/../c", "a/b/c" },
    { "..", "_" },
    { "/", "_" },
    { "", "_" },
    { "...", "_" },
    { ".hidden/.x", "hidden/x" },
    { "line\nbreak.txt", "line_break.txt" },
    { "tab\there\r", "tab_here_" },
    { "bell\a\x1b[31mred", "bell__[31mred" },
    { "c1\xc2\x85next", "c1_next" },
    { "CON", "_CON" },
    { "con.txt", "_con.txt" },
    { "Lpt9.log", "_Lpt9.log" },
    { "COM0.txt", "COM0.txt" },
    { "CONSOLE.txt", "CONSOLE.txt" },
    { "folder/NUL/aux.c", "folder/_NUL/_aux.c" },
    { "x.hallway-part", "x_hallway-part" },
    { "dir.hallway-part/f", "dir_hallway-part/f" },
    { "bad\xff\xfeutf8", "bad\xef\xbf\xbd\xef\xbf\xbdutf8" },
    { "Ünïcødé — dossier/naïve café.txt", "Ünïcødé — dossier/naïve café.txt" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *safe = hallway_drop_sanitize_path (cases[i].path);
      g_autofree char *shown = g_strescape (cases[i].path, NULL);

      g_test_message ("%s", shown);
      g_assert_cmpstr (safe, ==, cases[i].expected);
    }
}

/* Whatever comes out must be a path the confinement helpers take, name by
 * name: that is what the receiver opens. */
static void
assert_confinable (const char *path)
{
  g_auto(GStrv) names = g_strsplit (path, "/", -1);

  g_assert_cmpuint (g_strv_length (names), >=, 1);
  g_assert_cmpuint (g_strv_length (names), <=, HALLWAY_DROP_MAX_DEPTH);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_assert_true (g_utf8_validate (names[i], -1, NULL));
      g_assert_cmpuint (strlen (names[i]), <=, HALLWAY_DROP_MAX_COMPONENT);
      g_assert_true (names[i][0] != '.');
      g_assert_true (hallway_path_component_is_valid (names[i], FALSE));
    }
}

static void
test_sanitize_limits (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autofree char *long_name = g_strnfill (300, 'x');
  g_autoptr(GString) long_unicode = g_string_new (NULL);
  g_autofree char *safe = NULL;
  g_autofree char *safe_long = NULL;
  g_autofree char *safe_unicode = NULL;
  g_auto(GStrv) names = NULL;
  char every_byte[256];

  for (guint i = 0; i < 100; i++)
    g_string_append_printf (deep, "d%u/", i);
  g_string_append (deep, "file.txt");
  safe = hallway_drop_sanitize_path (deep->str);
  assert_confinable (safe);
  names = g_strsplit (safe, "/", -1);
  g_assert_cmpuint (g_strv_length (names), ==, HALLWAY_DROP_MAX_DEPTH);
  g_assert_cmpstr (names[0], ==, "d0");
  g_assert_cmpstr (names[HALLWAY_DROP_MAX_DEPTH - 1], ==, "file.txt");

  safe_long = hallway_drop_sanitize_path (long_name);
  g_assert_cmpuint (strlen (safe_long), ==, HALLWAY_DROP_MAX_COMPONENT);

  /* A cut never splits a character. */
  for (guint i = 0; i < 200; i++)
    g_string_append (long_unicode, "é");
  safe_unicode = hallway_drop_sanitize_path (long_unicode->str);
  assert_confinable (safe_unicode);
  g_assert_cmpuint (strlen (safe_unicode), ==, 254);

  /* Every byte value (but NUL) as a name. */
  for (guint i = 1; i < 256; i++)
    every_byte[i - 1] = i;
  every_byte[255] = '\0';
  {
    g_autofree char *safe_bytes = hallway_drop_sanitize_path (every_byte);

    assert_confinable (safe_bytes);
  }
}

static HallwayDropOffer *
parse (const char  *json,
       GError     **error)
{
  return hallway_drop_offer_parse (json, strlen (json), error);
}

static void
test_offer_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDropOffer) offer = NULL;
  HallwayDropFile *file;

  offer = parse ("{\"name\": \"Alice\\nMartin\\u0007\", \"total\": 30, \"files\": ["
                 "{\"path\": \"Photos/a b.jpg\", \"size\": 10},"
                 "{\"path\": \"../../.bashrc\", \"size\": 20},"
                 "{\"path\": \"empty\", \"size\": 0}]}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (offer);
  g_assert_cmpstr (offer->name, ==, "Alice Martin");
  g_assert_cmpuint (offer->total, ==, 30);
  g_assert_cmpuint (offer->files->len, ==, 3);
  file = g_ptr_array_index (offer->files, 0);
  g_assert_cmpstr (file->path, ==, "Photos/a b.jpg");
  g_assert_cmpuint (file->size, ==, 10);
  file = g_ptr_array_index (offer->files, 1);
  g_assert_cmpstr (file->path, ==, "bashrc");
  file = g_ptr_array_index (offer->files, 2);
  g_assert_cmpuint (file->size, ==, 0);
}

static void
test_offer_duplicates (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDropOffer) offer = NULL;
  static const char * const expected[] = {
    "a/b.txt", "a/b (2).txt", "a/b (3).txt", "a/b (4).txt", "b.txt", "b (2).txt",
  };

  /* Different names that come out the same each get a place of their own. */
  offer = parse ("{\"name\": \"x\", \"total\": 6, \"files\": ["
                 "{\"path\": \"a/b.txt\", \"size\": 1},"
                 "{\"path\": \"a\\\\b.txt\", \"size\": 1},"
                 "{\"path\": \"/a/b.txt\", \"size\": 1},"
                 "{\"path\": \"a/./b.txt\", \"size\": 1},"
                 "{\"path\": \"b.txt\", \"size\": 1},"
                 "{\"path\": \".b.txt\", \"size\": 1}]}", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (((HallwayDropFile *) g_ptr_array_index (offer->files, i))->path, ==,
                     expected[i]);
}

static void
test_offer_refused (void)
{
  static const char * const bad[] = {
    "",
    "not json",
    "[]",
    "{\"name\": \"x\", \"total\": 0, \"files\": []}",
    "{\"total\": 1, \"files\": [{\"path\": \"a\", \"size\": 1}]}",
    "{\"name\": 7, \"total\": 1, \"files\": [{\"path\": \"a\", \"size\": 1}]}",
    "{\"name\": \"x\", \"files\": [{\"path\": \"a\", \"size\": 1}]}",
    "{\"name\": \"x\", \"total\": 2, \"files\": [{\"path\": \"a\", \"size\": 1}]}",
    "{\"name\": \"x\", \"total\": -1, \"files\": [{\"path\": \"a\", \"size\": -1}]}",
    "{\"name\": \"x\", \"total\": 1.5, \"files\": [{\"path\": \"a\", \"size\": 1.5}]}",
    "{\"name\": \"x\", \"total\": 1, \"files\": [{\"path\": \"a\", \"size\": \"1\"}]}",
    "{\"name\": \"x\", \"total\": 1, \"files\": [{\"path\": 1, \"size\": 1}]}",
    "{\"name\": \"x\", \"total\": 1, \"files\": [\"a\"]}",
    "{\"name\": \"x\", \"total\": 1, \"files\": {\"path\": \"a\", \"size\": 1}}",
    /* Sums that overflow 64 bits must not wrap round to the total. */
    ("{\"name\": \"x\", \"total\": 0, \"files\": [{\"path\": \"a\", \"size\": 9223372036854775807},"
     "{\"path\": \"b\", \"size\": 9223372036854775807}, {\"path\": \"c\", \"size\": 2}]}"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HallwayDropOffer) offer = parse (bad[i], &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (offer);
      g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

static void
test_offer_limits (void)
{
  g_autoptr(GString) json = g_string_new ("{\"name\": \"x\", \"files\": [");
  g_autoptr(GString) nested = g_string_new (NULL);
  g_autoptr(HallwayDropOffer) offer = NULL;
  g_autoptr(HallwayDropOffer) too_many = NULL;
  g_autoptr(HallwayDropOffer) too_deep = NULL;
  g_autoptr(HallwayDropOffer) too_big = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *big = NULL;

  for (guint i = 0; i < HALLWAY_DROP_MAX_FILES; i++)
    g_string_append_printf (json, "%s{\"path\": \"same\", \"size\": 1}", i > 0 ? "," : "");
  g_string_append_printf (json, "], \"total\": %u}", HALLWAY_DROP_MAX_FILES);

  /* The most files allowed, all with one name: each gets its own. */
  offer = hallway_drop_offer_parse (json->str, json->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (offer->files->len, ==, HALLWAY_DROP_MAX_FILES);
  g_assert_cmpstr (((HallwayDropFile *) g_ptr_array_index (offer->files, 99999))->path, ==,
                   "same (100000)");

  /* One more is refused. */
  g_string_truncate (json, strrchr (json->str, ']') - json->str);
  g_string_append_printf (json, ",{\"path\": \"same\", \"size\": 1}], \"total\": %u}",
                          HALLWAY_DROP_MAX_FILES + 1);
  too_many = hallway_drop_offer_parse (json->str, json->len, &error);
  g_assert_null (too_many);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* Deep nesting is refused before the recursive parser sees it. */
  for (guint i = 0; i < 1000000; i++)
    g_string_append_c (nested, '[');
  too_deep = hallway_drop_offer_parse (nested->str, nested->len, &error);
  g_assert_null (too_deep);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* The names in all are bounded too: they go over D-Bus as one value. */
  {
    g_autoptr(GString) invalid = g_string_new ("{\"name\": \"x\", \"files\": [");
    g_autoptr(HallwayDropOffer) too_long = NULL;
    g_autofree char *run = g_strnfill (240, 'x');

    for (guint i = 0; i < 9000; i++)
      g_string_append_printf (invalid, "%s{\"path\": \"%u/%s/%s/%s/%s\", \"size\": 0}",
                              i > 0 ? "," : "", i, run, run, run, run);
    g_string_append (invalid, "], \"total\": 0}");
    g_assert_cmpuint (invalid->len, <, HALLWAY_DROP_MAX_BODY);
    too_long = hallway_drop_offer_parse (invalid->str, invalid->len, &error);
    g_assert_null (too_long);
    g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "too long"));
    g_clear_error (&error);
  }

  big = g_malloc0 (HALLWAY_DROP_MAX_BODY + 1);
  memset (big, ' ', HALLWAY_DROP_MAX_BODY);
  too_big = hallway_drop_offer_parse (big, HALLWAY_DROP_MAX_BODY + 1, &error);
  g_assert_null (too_big);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
}

static void
test_ids (void)
{
  g_assert_true (hallway_drop_id_is_valid ("0123456789abcdef0123456789abcdef"));
  g_assert_false (hallway_drop_id_is_valid ("0123456789ABCDEF0123456789abcdef"));
  g_assert_false (hallway_drop_id_is_valid ("0123456789abcdef0123456789abcde"));
  g_assert_false (hallway_drop_id_is_valid ("0123456789abcdef0123456789abcdef0"));
  g_assert_false (hallway_drop_id_is_valid ("../../../../../../../../etc/pass"));
  g_assert_false (hallway_drop_id_is_valid (""));
  g_assert_false (hallway_drop_id_is_valid (NULL));
}

static void
test_answers (void)
{
  g_autoptr(GArray) accepted = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *json = NULL;
  g_autofree char *received = NULL;
  JsonObject *object;
  JsonArray *array;
  guint index = 2;
  gsize length;

  g_array_append_val (accepted, index);
  json = hallway_drop_status_to_json ("0123456789abcdef0123456789abcdef", "accepted", accepted,
                                      1700000000, "Line one\n\"quoted\"", &length);
  g_assert_cmpuint (length, ==, strlen (json));
  g_assert_true (json_parser_load_from_data (parser, json, length, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "accepted");
  g_assert_cmpint (json_object_get_int_member (object, "expires"), ==, 1700000000);
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "Line one\n\"quoted\"");
  array = json_object_get_array_member (object, "accepted");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpint (json_array_get_int_element (array, 0), ==, 2);

  received = hallway_drop_received_to_json (G_GUINT64_CONSTANT (5000000000), NULL);
  g_assert_cmpstr (received, ==, "{\"received\":5000000000}");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/drop/sanitize/paths", test_sanitize_paths);
  g_test_add_func ("/drop/sanitize/limits", test_sanitize_limits);
  g_test_add_func ("/drop/offer/parse", test_offer_parse);
  g_test_add_func ("/drop/offer/duplicates", test_offer_duplicates);
  g_test_add_func ("/drop/offer/refused", test_offer_refused);
  g_test_add_func ("/drop/offer/limits", test_offer_limits);
  g_test_add_func ("/drop/ids", test_ids);
  g_test_add_func ("/drop/answers", test_answers);

  return g_test_run ();
}
