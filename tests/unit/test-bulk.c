/* test-bulk.c: the folder stream format
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "hallway-bulk.h"
#include "hallway-error.h"

typedef struct
{
  GString *log;        /* one line per event */
  GError  *error;
  gboolean ended;
} Decoded;

/* Decodes @data fed @step bytes at a time into a log such as
 * "D a\nF a/b 3 \"e\"\n+3\n.\nE\n". */
static void
decode (const guint8 *data,
        gsize         length,
        gsize         step,
        Decoded      *out)
{
  g_autoptr(HallwayBulkDecoder) decoder = hallway_bulk_decoder_new ();
  gsize offset = 0;

  out->log = g_string_new (NULL);
  out->error = NULL;
  out->ended = FALSE;

  while (out->error == NULL)
    {
      gsize chunk = MIN (step, length - offset);
      const guint8 *p = data + offset;
      gsize left = chunk;

      for (;;)
        {
          gsize used = 0;
          HallwayBulkEvent event = hallway_bulk_decoder_feed (decoder, p, left, &used,
                                                              &out->error);

          g_assert_cmpuint (used, <=, left);
          p += used;
          left -= used;
          if (event == HALLWAY_BULK_EVENT_NEED_MORE)
            {
              g_assert_cmpuint (left, ==, 0);
              break;
            }
          switch (event)
            {
            case HALLWAY_BULK_EVENT_FOLDER:
              g_string_append_printf (out->log, "D %s\n", hallway_bulk_decoder_get_name (decoder));
              break;
            case HALLWAY_BULK_EVENT_FILE:
              g_string_append_printf (out->log, "F %s %" G_GUINT64_FORMAT " %s\n",
                                      hallway_bulk_decoder_get_name (decoder),
                                      hallway_bulk_decoder_get_size (decoder),
                                      hallway_bulk_decoder_get_etag (decoder) != NULL
                                        ? hallway_bulk_decoder_get_etag (decoder) : "-");
              break;
            case HALLWAY_BULK_EVENT_DATA:
              g_assert_cmpuint (used, >, 0);
              g_string_append_len (out->log, (const char *) p - used, used);
              break;
            case HALLWAY_BULK_EVENT_FILE_END:
              g_string_append (out->log, "\n.\n");
              break;
            case HALLWAY_BULK_EVENT_END:
              g_string_append (out->log, "E\n");
              out->ended = TRUE;
              break;
            case HALLWAY_BULK_EVENT_ERROR:
              g_assert_nonnull (out->error);
              break;
            case HALLWAY_BULK_EVENT_NEED_MORE:
            default:
              g_assert_not_reached ();
            }
          if (out->error != NULL)
            break;
        }
      if (out->error != NULL)
        break;
      offset += chunk;
      if (offset == length)
        {
          if (!hallway_bulk_decoder_finish (decoder, &out->error))
            g_assert_nonnull (out->error);
          break;
        }
    }
}

static GByteArray *
sample_stream (void)
{
  GByteArray *out = g_byte_array_new ();

  hallway_bulk_append_magic (out);
  g_assert_true (hallway_bulk_append_header (out, HALLWAY_BULK_TYPE_FILE, "a b.txt", "\"x\"", 3,
                                             NULL));
  g_byte_array_append (out, (const guint8 *) "abc", 3);
  g_assert_true (hallway_bulk_append_header (out, HALLWAY_BULK_TYPE_FOLDER, "dossier", NULL, 0,
                                             NULL));
  g_assert_true (hallway_bulk_append_header (out, HALLWAY_BULK_TYPE_FILE, "dossier/empty", NULL,
                                             0, NULL));
  g_assert_true (hallway_bulk_append_header (out, HALLWAY_BULK_TYPE_FOLDER, "dossier/Ünï cødé",
                                             NULL, 0, NULL));
  g_assert_true (hallway_bulk_append_header (out, HALLWAY_BULK_TYPE_FILE,
                                             "dossier/Ünï cødé/naïve café.txt", "W/\"7\"", 5,
                                             NULL));
  g_byte_array_append (out, (const guint8 *) "héll", 5);
  hallway_bulk_append_end (out, 5);
  return out;
}

static const char sample_log[] =
  "F a b.txt 3 \"x\"\nabc\n.\n"
  "D dossier\n"
  "F dossier/empty 0 -\n\n.\n"
  "D dossier/Ünï cødé\n"
  "F dossier/Ünï cødé/naïve café.txt 5 W/\"7\"\nhéll\n.\n"
  "E\n";

static void
test_round_trip (void)
{
  g_autoptr(GByteArray) stream = sample_stream ();
  static const gsize steps[] = { 1, 2, 3, 7, 16, 17, 4096 };

  /* However the bytes arrive, the same events come out. */
  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      Decoded d;

      decode (stream->data, stream->len, steps[i], &d);
      g_assert_no_error (d.error);
      g_assert_true (d.ended);
      g_assert_cmpstr (d.log->str, ==, sample_log);
      g_string_free (d.log, TRUE);
    }
}

static void
expect_refused (const guint8 *data,
                gsize         length,
                const char   *what)
{
  static const gsize steps[] = { 1, 5, 4096 };

  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      Decoded d;

      decode (data, length, steps[i], &d);
      if (d.error == NULL)
        g_error ("a stream with %s was accepted", what);
      g_assert_false (d.ended && d.error == NULL);
      {
        g_autofree char *escaped = g_strescape (what, NULL);

        g_test_message ("%s: refused", escaped);
      }
      g_clear_error (&d.error);
      g_string_free (d.log, TRUE);
    }
}

static void
test_truncated (void)
{
  g_autoptr(GByteArray) stream = sample_stream ();

  /* Cut anywhere before the end record's last byte, the stream is refused:
   * the end record is what says nothing is missing. */
  for (gsize cut = 0; cut < stream->len; cut++)
    {
      Decoded d;

      decode (stream->data, cut, 4096, &d);
      g_assert_nonnull (d.error);
      g_assert_false (d.ended);
      g_clear_error (&d.error);
      g_string_free (d.log, TRUE);
    }
}

/* A header written by hand, as a hostile sender would. */
static void
append_raw (GByteArray *out,
            char        type,
            guint8      flags,
            const char *name,
            gsize       name_len,
            guint8      etag_len,
            guint64     size)
{
  guint8 h[16] = { (guint8) type, flags, (guint8) (name_len >> 8), (guint8) name_len, etag_len };

  for (guint i = 0; i < 8; i++)
    h[8 + i] = (guint8) (size >> (56 - 8 * i));
  g_byte_array_append (out, h, 16);
  g_byte_array_append (out, (const guint8 *) name, name_len);
}

static void
test_hostile (void)
{
  static const char *bad_names[] = {
    "../escape", "a/../../b", "/etc/passwd", "a//b", "a/", ".", "..", "a/./b",
    "back\\slash", "ctrl\x01", ("bad\xff" "utf8"),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr(GByteArray) s = g_byte_array_new ();

      hallway_bulk_append_magic (s);
      append_raw (s, 'F', 0, bad_names[i], strlen (bad_names[i]), 0, 1);
      g_byte_array_append (s, (const guint8 *) "x", 1);
      hallway_bulk_append_end (s, 1);
      expect_refused (s->data, s->len, bad_names[i]);

      /* The encoder refuses to write them too. */
      g_assert_false (hallway_bulk_append_header (s, HALLWAY_BULK_TYPE_FILE, bad_names[i], NULL,
                                                  1, NULL));
    }

  {
    g_autoptr(GByteArray) s = g_byte_array_new ();

    /* A NUL inside a name. */
    hallway_bulk_append_magic (s);
    append_raw (s, 'F', 0, "a\0b", 3, 0, 0);
    hallway_bulk_append_end (s, 1);
    expect_refused (s->data, s->len, "a NUL in a name");
  }
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();

    hallway_bulk_append_magic (s);
    append_raw (s, 'F', 0, "big", 3, 0, G_MAXUINT64);
    expect_refused (s->data, s->len, "an impossible size");
  }
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();

    /* Says 10 bytes, brings 3, then a header-looking end. */
    hallway_bulk_append_magic (s);
    append_raw (s, 'F', 0, "short", 5, 0, 10);
    g_byte_array_append (s, (const guint8 *) "abc", 3);
    hallway_bulk_append_end (s, 1);
    expect_refused (s->data, s->len, "a file shorter than its size");
  }
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();

    hallway_bulk_append_magic (s);
    append_raw (s, 'F', 0, "b", 1, 0, 0);
    append_raw (s, 'F', 0, "a", 1, 0, 0);
    hallway_bulk_append_end (s, 2);
    expect_refused (s->data, s->len, "names out of order");
  }
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();

    hallway_bulk_append_magic (s);
    append_raw (s, 'F', 0, "a", 1, 0, 0);
    append_raw (s, 'F', 0, "a", 1, 0, 0);
    hallway_bulk_append_end (s, 2);
    expect_refused (s->data, s->len, "the same name twice");
  }
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();

    hallway_bulk_append_magic (s);
    append_raw (s, 'F', 1, "a", 1, 0, 0);
    hallway_bulk_append_end (s, 1);
    expect_refused (s->data, s->len, "unknown flags");
  }
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();

    hallway_bulk_append_magic (s);
    append_raw (s, 'Q', 0, "a", 1, 0, 0);
    hallway_bulk_append_end (s, 1);
    expect_refused (s->data, s->len, "an unknown record type");
  }
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();

    hallway_bulk_append_magic (s);
    append_raw (s, 'F', 0, "a", 1, 0, 0);
    hallway_bulk_append_end (s, 7);
    expect_refused (s->data, s->len, "a wrong record count");
  }
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();

    hallway_bulk_append_magic (s);
    hallway_bulk_append_end (s, 0);
    g_byte_array_append (s, (const guint8 *) "more", 4);
    expect_refused (s->data, s->len, "bytes after the end");
  }
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();

    g_byte_array_append (s, (const guint8 *) "{\"json\": []}", 12);
    expect_refused (s->data, s->len, "a JSON listing");
  }
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();
    g_autofree char *long_name = g_strnfill (HALLWAY_BULK_MAX_NAME + 1, 'a');

    hallway_bulk_append_magic (s);
    append_raw (s, 'F', 0, long_name, strlen (long_name), 0, 0);
    hallway_bulk_append_end (s, 1);
    expect_refused (s->data, s->len, "an overlong name");
  }
}

static void
test_order (void)
{
  /* A folder comes right before what it holds, whatever sorts between. */
  g_assert_cmpint (hallway_bulk_name_compare ("a", "a/b"), <, 0);
  g_assert_cmpint (hallway_bulk_name_compare ("a/b", "a b"), <, 0);
  g_assert_cmpint (hallway_bulk_name_compare ("a/z", "a-"), <, 0);
  g_assert_cmpint (hallway_bulk_name_compare ("a", "a"), ==, 0);
  g_assert_cmpint (hallway_bulk_name_compare ("b", "a/b"), >, 0);
  g_assert_cmpint (hallway_bulk_name_compare ("Z", "a"), <, 0);

  g_assert_true (hallway_bulk_name_is_ancestor ("a", "a/b/c"));
  g_assert_false (hallway_bulk_name_is_ancestor ("a", "ab/c"));
  g_assert_false (hallway_bulk_name_is_ancestor ("a/b", "a/b"));

  g_assert_true (hallway_bulk_name_is_valid ("a/.hidden/b c"));
  g_assert_false (hallway_bulk_name_is_valid (""));
  g_assert_false (hallway_bulk_name_is_valid (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/bulk/round-trip", test_round_trip);
  g_test_add_func ("/share/bulk/truncated", test_truncated);
  g_test_add_func ("/share/bulk/hostile", test_hostile);
  g_test_add_func ("/share/bulk/order", test_order);

  return g_test_run ();
}
