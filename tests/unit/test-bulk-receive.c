/* test-bulk-receive.c: receiving folder streams, honest and hostile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A TLS server of our own answers with crafted streams; the receiver must
 * place exactly the files asked for, never write outside the destination,
 * and leave no part file and no final file of anything that did not arrive
 * whole.
 */
#include "config.h"

#include "hallway-test-server.h"
#include "hallway-test-utils.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hallway-bulk.h"
#include "hallway-client.h"
#include "hallway-daemon-bulk-receive.h"
#include "hallway-daemon-server.h"
#include "hallway-error.h"
#include "hallway-identity.h"

typedef struct
{
  HallwayTestServer  t;
  char              *dest;
  GBytes            *answer;      /* what the server sends */
  const char        *answer_type;
  guint              notified;
} Fixture;

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Fixture *f = user_data;
  gsize length;
  const char *data = g_bytes_get_data (f->answer, &length);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, f->answer_type, SOUP_MEMORY_COPY, data, length);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *sub = NULL;

  hallway_test_server_set_up (&f->t, "bulk");
  f->dest = g_build_filename (f->t.dir, "dest", NULL);
  sub = g_build_filename (f->dest, "sub", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  hallway_test_server_add_handler (&f->t, "/bulk", handler_cb, f);
  f->answer_type = HALLWAY_BULK_CONTENT_TYPE;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->answer, g_bytes_unref);
  hallway_test_server_tear_down (&f->t);
  g_free (f->dest);
}

static void
add_target (GHashTable *targets,
            const char *key,
            const char *local_dir,
            const char *name)
{
  HallwayBulkTarget *target = g_new0 (HallwayBulkTarget, 1);

  target->rel = g_strconcat ("Folder/", key, NULL);
  target->local_dir = g_strdup (local_dir);
  target->name = g_strdup (name);
  target->listed_size = 0;
  g_hash_table_insert (targets, g_strdup (key), target);
}

static void
notify_cb (gpointer user_data)
{
  Fixture *f = user_data;

  f->notified++;
}

/* Receives f->answer with the usual targets: "a.txt" and "sub/b.txt".
 * Returns the placed files as "rel size" lines. */
static char *
receive (Fixture  *f,
         GError  **error)
{
  g_autoptr(GHashTable) targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) hallway_bulk_target_free);
  g_autofree char *sub = g_build_filename (f->dest, "sub", NULL);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(HallwayBulkReceive) receive = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) placed = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  const char *server_id = hallway_identity_get_device_id (f->t.server_identity);

  add_target (targets, "a.txt", f->dest, "a.txt");
  add_target (targets, "sub/b.txt", sub, "b.txt");
  message = hallway_client_new_message (f->t.client, SOUP_METHOD_GET, "127.0.0.1", f->t.port,
                                        "/bulk", server_id, NULL);
  g_assert_nonnull (message);
  receive = hallway_bulk_receive_new (hallway_client_get_session (f->t.client), message, server_id,
                                      "Folder", targets, notify_cb, f, NULL);
  hallway_bulk_receive_run_async (receive, NULL, hallway_test_result_cb, &result);
  hallway_bulk_receive_run_finish (receive, hallway_test_wait_result (&result), error);

  placed = hallway_bulk_receive_take_placed (receive);
  for (guint i = 0; i < placed->len; i++)
    {
      const HallwayBulkPlaced *p = g_ptr_array_index (placed, i);

      g_string_append_printf (log, "%s %" G_GINT64_FORMAT "\n", p->rel, p->size);
    }
  return g_strdup (log->str);
}

/* What is below the test's folder, without the identities the fixture
 * made: they are not the receiver's business. */
static char *
tree_of (Fixture *f)
{
  g_autofree char *all = hallway_test_dup_tree (f->t.dir);
  g_auto(GStrv) lines = g_strsplit (all, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "dest"))
      g_string_append_printf (out, "%s\n", lines[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static GByteArray *
stream_start (void)
{
  GByteArray *s = g_byte_array_new ();

  hallway_bulk_append_magic (s);
  return s;
}

static void
add_file (GByteArray *s,
          const char *name,
          const char *data)
{
  g_assert_true (hallway_bulk_append_header (s, HALLWAY_BULK_TYPE_FILE, name, "\"1\"",
                                             strlen (data), NULL));
  g_byte_array_append (s, (const guint8 *) data, strlen (data));
}

static void
set_answer (Fixture    *f,
            GByteArray *s)
{
  g_clear_pointer (&f->answer, g_bytes_unref);
  f->answer = g_byte_array_free_to_bytes (s);
}

/* A header written by hand, as a hostile sender would. */
static void
add_raw (GByteArray *s,
         const char *name,
         guint64     size)
{
  guint8 h[16] = { 'F', 0, (guint8) (strlen (name) >> 8), (guint8) strlen (name), 0 };

  for (guint i = 0; i < 8; i++)
    h[8 + i] = (guint8) (size >> (56 - 8 * i));
  g_byte_array_append (s, h, 16);
  g_byte_array_append (s, (const guint8 *) name, strlen (name));
}

static void
test_honest (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GByteArray) s = stream_start ();
  g_autoptr(GError) error = NULL;
  g_autofree char *placed = NULL;
  g_autofree char *tree = NULL;
  g_autofree char *existing = g_build_filename (f->dest, "a.txt", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *copy = g_build_filename (f->dest, "a (2).txt", NULL);

  g_test_summary ("The files asked for are placed, others are read past, and a name that "
                  "is taken gets “name (2)”");

  g_assert_true (g_file_set_contents (existing, "mine", -1, NULL));
  add_file (s, "a.txt", "alpha");
  add_file (s, "not asked for", "zzz");
  g_assert_true (hallway_bulk_append_header (s, HALLWAY_BULK_TYPE_FOLDER, "sub", NULL, 0, NULL));
  add_file (s, "sub/b.txt", "");
  hallway_bulk_append_end (s, 4);
  set_answer (f, g_steal_pointer (&s));

  placed = receive (f, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (placed, ==, "Folder/a.txt 5\nFolder/sub/b.txt 0\n");
  g_assert_cmpuint (f->notified, >, 0);
  tree = tree_of (f);
  g_assert_cmpstr (tree, ==,
                   "dest/\ndest/a (2).txt 5\ndest/a.txt 4\ndest/sub/\ndest/sub/b.txt 0\n");
  g_assert_true (g_file_get_contents (copy, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "alpha");
}

static void
expect_nothing_written (Fixture    *f,
                        GByteArray *s,
                        const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *placed = NULL;
  g_autofree char *tree = NULL;

  set_answer (f, s);
  placed = receive (f, &error);
  g_test_message ("%s: %s", what, error != NULL ? error->message : "accepted");
  g_assert_nonnull (error);
  g_assert_cmpstr (placed, ==, "");
  tree = tree_of (f);
  /* Nothing outside, no part file, no final file. */
  g_assert_cmpstr (tree, ==, "dest/\ndest/sub/\n");
}

static void
test_hostile (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *outside = g_build_filename (f->t.dir, "escaped", NULL);

  g_test_summary ("Hostile streams are refused and leave nothing behind, inside or outside");

  {
    GByteArray *s = stream_start ();

    add_raw (s, "../escaped", 3);
    g_byte_array_append (s, (const guint8 *) "bad", 3);
    hallway_bulk_append_end (s, 1);
    expect_nothing_written (f, s, "“../” in a name");
    g_assert_false (g_file_test (outside, G_FILE_TEST_EXISTS));
  }
  {
    GByteArray *s = stream_start ();

    add_raw (s, "sub/../../escaped", 3);
    g_byte_array_append (s, (const guint8 *) "bad", 3);
    hallway_bulk_append_end (s, 1);
    expect_nothing_written (f, s, "“..” inside a name");
    g_assert_false (g_file_test (outside, G_FILE_TEST_EXISTS));
  }
  {
    GByteArray *s = stream_start ();

    /* Says more than it brings: the connection ends mid-file. */
    add_raw (s, "a.txt", 1000);
    g_byte_array_append (s, (const guint8 *) "short", 5);
    expect_nothing_written (f, s, "a size larger than the data");
  }
  {
    GByteArray *s = stream_start ();

    /* Says less than it brings: the rest is no valid record. */
    add_raw (s, "a.txt", 2);
    g_byte_array_append (s, (const guint8 *) "longer than that", 16);
    hallway_bulk_append_end (s, 1);
    expect_nothing_written (f, s, "a size smaller than the data");
  }
  {
    GByteArray *s = stream_start ();

    add_raw (s, "a.txt", G_MAXUINT64);
    expect_nothing_written (f, s, "an impossible size");
  }
  {
    GByteArray *s = stream_start ();

    /* Whole files, but no end record: the stream was cut. Complete files
     * are kept; here the only one is cut itself. */
    add_file (s, "sub/b.txt", "");
    g_byte_array_set_size (s, s->len - 1);
    expect_nothing_written (f, s, "a truncated stream");
  }
}

static void
test_truncated_keeps_whole_files (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GByteArray) s = stream_start ();
  g_autoptr(GError) error = NULL;
  g_autofree char *placed = NULL;
  g_autofree char *tree = NULL;

  g_test_summary ("A stream cut off after whole files keeps them, and nothing of the file it "
                  "was in");

  add_file (s, "a.txt", "alpha");
  add_raw (s, "sub/b.txt", 100);
  g_byte_array_append (s, (const guint8 *) "par", 3);
  set_answer (f, g_steal_pointer (&s));

  placed = receive (f, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  g_assert_cmpstr (placed, ==, "Folder/a.txt 5\n");
  tree = tree_of (f);
  g_assert_cmpstr (tree, ==, "dest/\ndest/a.txt 5\ndest/sub/\n");
}

static void
test_not_bulk (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *placed = NULL;

  g_test_summary ("An older neighbour's listing is recognised as no folder stream");

  f->answer_type = "application/json";
  f->answer = g_bytes_new_static ("[]", 2);
  placed = receive (f, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (placed, ==, "");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/daemon/bulk-receive/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("honest", test_honest);
  ADD ("hostile", test_hostile);
  ADD ("truncated-keeps-whole-files", test_truncated_keeps_whole_files);
  ADD ("not-bulk", test_not_bulk);

#undef ADD

  return g_test_run ();
}
