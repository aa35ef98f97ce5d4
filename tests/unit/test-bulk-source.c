/* test-bulk-source.c: local files read as one folder stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "hallway-bulk.h"
#include "hallway-bulk-source.h"

typedef struct
{
  char       *dir;
  GPtrArray  *items;   /* HallwayBulkSourceItem */
  GHashTable *bytes;   /* name → GBytes, what each file holds */
} Fixture;

static void
add_item (Fixture    *f,
          const char *name,
          gsize       size)
{
  HallwayBulkSourceItem *item = g_new0 (HallwayBulkSourceItem, 1);

  item->name = g_strdup (name);
  item->path = g_build_filename (f->dir, name, NULL);
  if (size == (gsize) -1)
    {
      item->size = -1;
      g_assert_no_errno (g_mkdir (item->path, 0700));
    }
  else
    {
      g_autofree guint8 *data = g_malloc (MAX (size, 1));
      g_autoptr(GError) error = NULL;

      for (gsize i = 0; i < size; i++)
        data[i] = (guint8) g_random_int ();
      g_file_set_contents (item->path, (const char *) data, size, &error);
      g_assert_no_error (error);
      item->size = size;
      g_hash_table_insert (f->bytes, g_strdup (name), g_bytes_new (data, size));
    }
  g_ptr_array_add (f->items, item);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hallway-test-bulk-source-XXXXXX", &error);
  g_assert_no_error (error);
  f->items = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_bulk_source_item_free);
  f->bytes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_bytes_unref);
  /* In bulk order; one file spans several of the source's blocks. */
  add_item (f, "a", -1);
  add_item (f, "a/big.bin", 3 * 1024 * 1024 + 17);
  add_item (f, "a/empty", 0);
  add_item (f, "a/small.txt", 5);
  add_item (f, "a b", -1);
  add_item (f, "é.txt", 100);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  g_ptr_array_unref (f->items);
  g_hash_table_unref (f->bytes);
  g_free (f->dir);
}

static GPtrArray *
steal_items (Fixture *f)
{
  GPtrArray *items = f->items;

  f->items = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_bulk_source_item_free);
  return items;
}

/* Decodes @stream, checking each file's bytes against the fixture's.
 * Returns the names, one line each ("D a", "F a/b 3"), then "E" when the
 * stream was complete. */
static char *
decode_checked (Fixture *f,
                GBytes  *stream)
{
  g_autoptr(HallwayBulkDecoder) decoder = hallway_bulk_decoder_new ();
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(GByteArray) file = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (stream, &length);
  gsize offset = 0;

  for (;;)
    {
      gsize used = 0;
      HallwayBulkEvent event = hallway_bulk_decoder_feed (decoder, data + offset,
                                                          length - offset, &used, &error);
      const char *name = hallway_bulk_decoder_get_name (decoder);

      offset += used;
      if (event == HALLWAY_BULK_EVENT_NEED_MORE)
        break;
      g_assert_no_error (error);
      switch (event)
        {
        case HALLWAY_BULK_EVENT_FOLDER:
          g_string_append_printf (log, "D %s\n", name);
          break;
        case HALLWAY_BULK_EVENT_FILE:
          g_string_append_printf (log, "F %s %" G_GUINT64_FORMAT "\n", name,
                                  hallway_bulk_decoder_get_size (decoder));
          g_byte_array_set_size (file, 0);
          break;
        case HALLWAY_BULK_EVENT_DATA:
          g_byte_array_append (file, data + offset - used, used);
          break;
        case HALLWAY_BULK_EVENT_FILE_END:
          {
            GBytes *expected = g_hash_table_lookup (f->bytes, name);
            g_autoptr(GBytes) got = g_bytes_new (file->data, file->len);

            g_assert_nonnull (expected);
            g_assert_true (g_bytes_equal (expected, got));
          }
          break;
        case HALLWAY_BULK_EVENT_END:
          g_string_append (log, "E\n");
          break;
        default:
          g_assert_not_reached ();
        }
    }
  if (!hallway_bulk_decoder_finish (decoder, NULL))
    g_string_append (log, "incomplete\n");
  return g_strdup (log->str);
}

static const char expected_log[] =
  "D a\nF a/big.bin 3145745\nF a/empty 0\nF a/small.txt 5\nD a b\nF é.txt 100\nE\n";

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(HallwayBulkSource) source = hallway_bulk_source_new (steal_items (f));
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stream = NULL;
  g_autofree char *log = NULL;
  guint8 buffer[7777];   /* not a divisor of anything */
  gssize n;

  while ((n = g_input_stream_read (G_INPUT_STREAM (source), buffer, sizeof buffer, NULL,
                                   &error)) > 0)
    g_byte_array_append (all, buffer, n);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);
  /* The length said in advance is the length sent (Content-Length). */
  g_assert_cmpuint (all->len, ==, hallway_bulk_source_get_length (source));
  g_assert_null (hallway_bulk_source_get_changed (source));

  stream = g_byte_array_free_to_bytes (g_steal_pointer (&all));
  log = decode_checked (f, stream);
  g_assert_cmpstr (log, ==, expected_log);
}

typedef struct
{
  GMainLoop  *loop;
  GByteArray *all;
  guint8      buffer[65536];
  GError     *error;
} AsyncRead;

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncRead *r = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &r->error);

  if (n <= 0)
    {
      g_main_loop_quit (r->loop);
      return;
    }
  g_byte_array_append (r->all, r->buffer, n);
  g_input_stream_read_async (G_INPUT_STREAM (object), r->buffer, sizeof r->buffer,
                             G_PRIORITY_DEFAULT, NULL, read_cb, r);
}

/* As libsoup reads it: asynchronously, on the main context. */
static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(HallwayBulkSource) source = hallway_bulk_source_new (steal_items (f));
  g_autoptr(GBytes) stream = NULL;
  g_autofree char *log = NULL;
  AsyncRead r = { g_main_loop_new (NULL, FALSE), g_byte_array_new (), { 0 }, NULL };

  g_input_stream_read_async (G_INPUT_STREAM (source), r.buffer, sizeof r.buffer,
                             G_PRIORITY_DEFAULT, NULL, read_cb, &r);
  g_main_loop_run (r.loop);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.all->len, ==, hallway_bulk_source_get_length (source));
  stream = g_byte_array_free_to_bytes (r.all);
  log = decode_checked (f, stream);
  g_assert_cmpstr (log, ==, expected_log);
  g_main_loop_unref (r.loop);
}

/* A file that is not what was walked any more: the stream fails before
 * it, without its end record, and says which file. */
static void
test_changed (Fixture       *f,
              gconstpointer  data)
{
  HallwayBulkSourceItem *small = g_ptr_array_index (f->items, 3);
  g_autofree char *small_path = g_strdup (small->path);
  g_autoptr(HallwayBulkSource) source = NULL;
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stream = NULL;
  g_autofree char *log = NULL;
  guint8 buffer[65536];
  gssize n;

  g_assert_true (g_file_set_contents (small_path, "longer now", -1, NULL));
  source = hallway_bulk_source_new (steal_items (f));
  while ((n = g_input_stream_read (G_INPUT_STREAM (source), buffer, sizeof buffer, NULL,
                                   &error)) > 0)
    g_byte_array_append (all, buffer, n);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_cmpstr (hallway_bulk_source_get_changed (source), ==, small_path);

  stream = g_byte_array_free_to_bytes (g_steal_pointer (&all));
  log = decode_checked (f, stream);
  /* Whatever came before it, not a byte of it, and no end. */
  g_assert_true (g_str_has_prefix (log, "D a\nF a/big.bin 3145745\n"));
  g_assert_null (strstr (log, "small.txt"));
  g_assert_true (g_str_has_suffix (log, "incomplete\n"));
}

/* A file replaced by a link is not followed. */
static void
test_link (Fixture       *f,
           gconstpointer  data)
{
  HallwayBulkSourceItem *small = g_ptr_array_index (f->items, 3);
  g_autoptr(HallwayBulkSource) source = NULL;
  g_autoptr(GError) error = NULL;
  guint8 buffer[65536];

  g_assert_no_errno (g_unlink (small->path));
  g_assert_no_errno (symlink ("/etc/passwd", small->path));
  source = hallway_bulk_source_new (steal_items (f));
  while (g_input_stream_read (G_INPUT_STREAM (source), buffer, sizeof buffer, NULL,
                              &error) > 0)
    ;
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
}

/* Closed before the end: the reading thread stops. */
static void
test_close_early (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(HallwayBulkSource) source = hallway_bulk_source_new (steal_items (f));
  g_autoptr(GError) error = NULL;
  guint8 buffer[100];

  g_assert_cmpint (g_input_stream_read (G_INPUT_STREAM (source), buffer, sizeof buffer, NULL,
                                        &error), ==, sizeof buffer);
  g_assert_true (g_input_stream_close (G_INPUT_STREAM (source), NULL, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/share/bulk-source/round-trip", Fixture, NULL, fixture_set_up, test_round_trip,
              fixture_tear_down);
  g_test_add ("/share/bulk-source/async", Fixture, NULL, fixture_set_up, test_async,
              fixture_tear_down);
  g_test_add ("/share/bulk-source/changed", Fixture, NULL, fixture_set_up, test_changed,
              fixture_tear_down);
  g_test_add ("/share/bulk-source/link", Fixture, NULL, fixture_set_up, test_link,
              fixture_tear_down);
  g_test_add ("/share/bulk-source/close-early", Fixture, NULL, fixture_set_up,
              test_close_early, fixture_tear_down);
  return g_test_run ();
}
