/* test-transfer.c: the transfer engine's pure parts and its saved queue
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "hallway-constants.h"
#include "hallway-daemon-transfers.h"
#include "hallway-dbus.h"
#include "hallway-error.h"
#include "hallway-transfer.h"

static guint damaged_warnings;

static void
test_collision_names (void)
{
  static const struct {
    const char *name;
    guint       n;
    const char *expected;
  } cases[] = {
    { "report.pdf", 2, "report (2).pdf" },
    { "report.pdf", 13, "report (13).pdf" },
    { "archive.tar.gz", 2, "archive (2).tar.gz" },
    { "backup.TAR.XZ", 3, "backup (3).TAR.XZ" },
    { "my.notes.v2.txt", 2, "my.notes.v2 (2).txt" },
    { "README", 2, "README (2)" },
    { ".bashrc", 2, ".bashrc (2)" },
    { ".config.json", 2, ".config (2).json" },
    { "trailing.", 2, "trailing. (2)" },
    { "Minutes. Final draft", 2, "Minutes. Final draft (2)" },
    { "photo.averyveryverylongextension", 2, "photo.averyveryverylongextension (2)" },
    { "Ünïcødé café.odt", 2, "Ünïcødé café (2).odt" },
    { "Reports 2026", 2, "Reports 2026 (2)" },
  };
  g_autofree char *a_run = g_strnfill (249, 'a');
  g_autofree char *long_name = NULL;
  g_autofree char *long_result = NULL;
  g_autoptr(GString) unicode = g_string_new (NULL);
  g_autofree char *unicode_result = NULL;

  g_test_summary ("A taken name becomes “name (2).ext”, extensions and dotfiles kept");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *result = hallway_transfer_collision_name (cases[i].name, cases[i].n);

      g_assert_cmpstr (result, ==, cases[i].expected);
    }

  /* Long names stay within NAME_MAX, the extension and number intact. */
  long_name = g_strconcat ("x", a_run, ".pdf", NULL);
  g_assert_cmpuint (strlen (long_name), ==, 254);
  long_result = hallway_transfer_collision_name (long_name, 2);
  g_assert_cmpuint (strlen (long_result), <=, HALLWAY_TRANSFER_NAME_MAX);
  g_assert_true (g_str_has_suffix (long_result, "a (2).pdf"));

  /* …and are cut on a character boundary. */
  for (guint i = 0; i < 120; i++)
    g_string_append (unicode, "é");
  g_string_append (unicode, ".txt");
  unicode_result = hallway_transfer_collision_name (unicode->str, 10);
  g_assert_cmpuint (strlen (unicode_result), <=, HALLWAY_TRANSFER_NAME_MAX);
  g_assert_true (g_utf8_validate (unicode_result, -1, NULL));
  g_assert_true (g_str_has_suffix (unicode_result, "é (10).txt"));
}

static void
test_part_names (void)
{
  g_autofree char *part = hallway_transfer_part_name ("report.pdf");
  g_autofree char *dot = hallway_transfer_part_name (".bashrc");
  g_autofree char *long_name = g_strnfill (255, 'b');
  g_autofree char *long_part = hallway_transfer_part_name (long_name);
  g_autofree char *again = hallway_transfer_part_name (long_name);

  g_test_summary ("Part files are hidden, recognisable, fit NAME_MAX and are stable");

  g_assert_cmpstr (part, ==, ".report.pdf.hallway-part");
  g_assert_cmpstr (dot, ==, "..bashrc.hallway-part");
  g_assert_cmpuint (strlen (long_part), <=, HALLWAY_TRANSFER_NAME_MAX);
  g_assert_true (g_str_has_prefix (long_part, ".bbb"));
  g_assert_true (g_str_has_suffix (long_part, HALLWAY_TRANSFER_PART_SUFFIX));
  g_assert_cmpstr (long_part, ==, again);
}

static void
test_resume_bookkeeping (void)
{
  gint64 total = 0;

  g_test_summary ("Where to continue, and what to make of the answer to a ranged GET");

  /* A part file is continued only with a strong ETag for it. */
  g_assert_cmpint (hallway_transfer_resume_offset (-1, NULL), ==, 0);
  g_assert_cmpint (hallway_transfer_resume_offset (0, "\"abc\""), ==, 0);
  g_assert_cmpint (hallway_transfer_resume_offset (4096, NULL), ==, 0);
  g_assert_cmpint (hallway_transfer_resume_offset (4096, ""), ==, 0);
  g_assert_cmpint (hallway_transfer_resume_offset (4096, "W/\"abc\""), ==, 0);
  g_assert_cmpint (hallway_transfer_resume_offset (4096, "\"abc\""), ==, 4096);

  /* A fresh request: 200 with the whole file. */
  g_assert_cmpint (hallway_transfer_classify_reply (200, 0, NULL, 1000, &total), ==,
                   HALLWAY_TRANSFER_REPLY_RESTART);
  g_assert_cmpint (total, ==, 1000);

  /* Resuming, source unchanged: 206 from exactly where the part ends. */
  g_assert_cmpint (hallway_transfer_classify_reply (206, 400, "bytes 400-999/1000", 600, &total),
                   ==, HALLWAY_TRANSFER_REPLY_APPEND);
  g_assert_cmpint (total, ==, 1000);

  /* Resuming, source changed (If-Range failed): 200, start over. */
  g_assert_cmpint (hallway_transfer_classify_reply (200, 400, NULL, 1200, &total), ==,
                   HALLWAY_TRANSFER_REPLY_RESTART);
  g_assert_cmpint (total, ==, 1200);

  /* A range elsewhere, a truncated range, a length that doesn't add up, or
   * a 206 nobody asked for: never spliced in. */
  g_assert_cmpint (hallway_transfer_classify_reply (206, 400, "bytes 0-999/1000", 1000, &total),
                   ==, HALLWAY_TRANSFER_REPLY_INVALID);
  g_assert_cmpint (hallway_transfer_classify_reply (206, 400, "bytes 400-499/1000", 100, &total),
                   ==, HALLWAY_TRANSFER_REPLY_INVALID);
  g_assert_cmpint (hallway_transfer_classify_reply (206, 400, "bytes 400-999/1000", 10, &total),
                   ==, HALLWAY_TRANSFER_REPLY_INVALID);
  g_assert_cmpint (hallway_transfer_classify_reply (206, 400, "bytes 400-999/*", 600, &total),
                   ==, HALLWAY_TRANSFER_REPLY_INVALID);
  g_assert_cmpint (hallway_transfer_classify_reply (206, 400, NULL, 600, &total), ==,
                   HALLWAY_TRANSFER_REPLY_INVALID);
  g_assert_cmpint (hallway_transfer_classify_reply (206, 0, "bytes 0-9/10", 10, &total), ==,
                   HALLWAY_TRANSFER_REPLY_INVALID);

  /* The part already holds the whole file. */
  g_assert_cmpint (hallway_transfer_classify_reply (416, 1000, "bytes */1000", 0, &total), ==,
                   HALLWAY_TRANSFER_REPLY_COMPLETE);
  g_assert_cmpint (total, ==, 1000);
  /* A part longer than the file: start over. */
  g_assert_cmpint (hallway_transfer_classify_reply (416, 1200, "bytes */1000", 0, &total), ==,
                   HALLWAY_TRANSFER_REPLY_INVALID);
  g_assert_cmpint (hallway_transfer_classify_reply (416, 1000, "bytes */1x00", 0, &total), ==,
                   HALLWAY_TRANSFER_REPLY_INVALID);
  g_assert_cmpint (hallway_transfer_classify_reply (404, 0, NULL, 10, &total), ==,
                   HALLWAY_TRANSFER_REPLY_INVALID);
}

static HallwayTransferRecord *
make_record (const char *id,
             const char *state)
{
  HallwayTransferRecord *r = hallway_transfer_record_new ();

  r->id = g_strdup (id);
  r->kind = g_strdup ("download");
  r->state = g_strdup (state);
  r->peer_id = g_strdup ("0123abcd");
  r->peer_name = g_strdup ("Alice Martin");
  r->share_id = g_strdup ("abcdefgh1234");
  r->share_name = g_strdup ("Projects");
  r->path = g_strdup ("Reports/2026");
  r->destination = g_strdup ("/home/bruno/Downloads");
  r->bytes = 5000000000;
  r->total = 9000000000;
  r->files = 12;
  r->files_done = 2;
  r->current = g_strdup ("2026/Ünïcødé q1.pdf");
  r->current_etag = g_strdup ("\"1-2-3-4\"");
  g_ptr_array_add (r->done, g_strdup ("2026/a.txt"));
  g_ptr_array_add (r->done, g_strdup ("2026/sub/b.txt"));
  return r;
}

static GPtrArray *
new_records (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_transfer_record_free);
}

/* Saves @records as the queue file does and reads them back, which must
 * find nothing damaged. */
static GPtrArray *
round_trip (GPtrArray *records)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GPtrArray *parsed;
  gsize length = 0;
  guint damaged = 99;

  text = hallway_transfer_records_to_json (records, &length);
  parsed = hallway_transfer_records_parse (text, length, &damaged, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (damaged, ==, 0);
  g_assert_cmpuint (parsed->len, ==, records->len);
  return parsed;
}

/* Parses one queue file of @text; returns how many entries were kept and
 * sets @out_damaged to how many were skipped. */
static guint
parse_count (const char *text,
             guint      *out_damaged)
{
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(GError) error = NULL;

  *out_damaged = 99;
  parsed = hallway_transfer_records_parse (text, strlen (text), out_damaged, &error);
  g_assert_no_error (error);
  return parsed->len;
}

/* A transfer engine that loaded the queue saved at @path. */
static HallwayDaemonTransfers *
load_engine (const char                *path,
             GDBusObjectManagerServer **out_manager)
{
  g_autoptr(GError) error = NULL;
  HallwayDaemonTransfers *transfers;

  *out_manager = g_dbus_object_manager_server_new (HALLWAY_DAEMON_OBJECT_PATH);
  transfers = hallway_daemon_transfers_new (*out_manager, NULL, NULL, path);
  g_assert_true (hallway_daemon_transfers_load (transfers, &error));
  g_assert_no_error (error);
  return transfers;
}

static void
save_records (const char *path,
              GPtrArray  *records)
{
  g_autofree char *text = hallway_transfer_records_to_json (records, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
test_records_round_trip (void)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) parsed = NULL;
  const HallwayTransferRecord *r;

  g_test_summary ("The saved queue reads back exactly as written");

  g_ptr_array_add (records, make_record ("3", "running"));
  g_ptr_array_add (records, make_record ("7", "waiting"));
  parsed = round_trip (records);

  r = g_ptr_array_index (parsed, 0);
  g_assert_cmpstr (r->id, ==, "3");
  g_assert_cmpstr (r->state, ==, "running");
  g_assert_cmpstr (r->peer_id, ==, "0123abcd");
  g_assert_cmpstr (r->peer_name, ==, "Alice Martin");
  g_assert_cmpstr (r->share_id, ==, "abcdefgh1234");
  g_assert_cmpstr (r->share_name, ==, "Projects");
  g_assert_cmpstr (r->path, ==, "Reports/2026");
  g_assert_cmpstr (r->destination, ==, "/home/bruno/Downloads");
  g_assert_cmpuint (r->bytes, ==, 5000000000);
  g_assert_cmpuint (r->total, ==, 9000000000);
  g_assert_cmpuint (r->files, ==, 12);
  g_assert_cmpuint (r->files_done, ==, 2);
  g_assert_cmpstr (r->current, ==, "2026/Ünïcødé q1.pdf");
  g_assert_cmpstr (r->current_etag, ==, "\"1-2-3-4\"");
  g_assert_cmpuint (r->done->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (r->done, 1), ==, "2026/sub/b.txt");
  g_assert_cmpstr (((HallwayTransferRecord *) g_ptr_array_index (parsed, 1))->id, ==, "7");
}

static void
test_records_kinds (void)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) parsed = NULL;
  HallwayTransferRecord *upload = make_record ("5", "waiting");
  guint damaged;
  static const char *unknown =
    "{\"version\": 1, \"transfers\": ["
    "{\"id\": \"1\", \"kind\": \"teleport\", \"state\": \"queued\", \"peer\": \"p\","
    " \"share\": \"s\", \"path\": \"\", \"destination\": \"/tmp\", \"bytes\": 0,"
    " \"total\": 0, \"files\": 0, \"files_done\": 0, \"done\": []}]}";

  g_test_summary ("Uploads are saved and read back like downloads; unknown kinds are skipped");

  g_free (upload->kind);
  upload->kind = g_strdup ("upload");
  g_free (upload->path);
  upload->path = g_strdup ("Inbox/From Bruno");
  g_free (upload->destination);
  upload->destination = g_strdup ("/home/bruno/Ünïcødé folder");
  g_ptr_array_add (records, upload);
  g_ptr_array_add (records, make_record ("6", "queued"));
  parsed = round_trip (records);
  g_assert_cmpstr (((HallwayTransferRecord *) g_ptr_array_index (parsed, 0))->kind, ==, "upload");
  g_assert_cmpstr (((HallwayTransferRecord *) g_ptr_array_index (parsed, 0))->path, ==,
                   "Inbox/From Bruno");
  g_assert_cmpstr (((HallwayTransferRecord *) g_ptr_array_index (parsed, 0))->destination, ==,
                   "/home/bruno/Ünïcødé folder");
  g_assert_cmpstr (((HallwayTransferRecord *) g_ptr_array_index (parsed, 1))->kind, ==,
                   "download");

  g_assert_cmpuint (parse_count (unknown, &damaged), ==, 0);
  g_assert_cmpuint (damaged, ==, 1);
}

static HallwayTransferRecord *
make_send_record (const char *id)
{
  HallwayTransferRecord *r = hallway_transfer_record_new ();
  guint accepted[] = { 0, 2 };

  r->id = g_strdup (id);
  r->kind = g_strdup ("send");
  r->state = g_strdup ("offered");
  r->peer_id = g_strdup ("0123abcd");
  r->peer_name = g_strdup ("Alice Martin");
  r->share_id = g_strdup ("");
  r->share_name = g_strdup ("");
  r->path = g_strdup ("");
  r->destination = g_strdup ("/home/bruno/Photos");
  r->own_name = g_strdup ("Bruno Costa on desk-2");
  r->offer_id = g_strdup ("0123456789abcdef0123456789abcdef");
  g_ptr_array_add (r->sources, g_strdup ("/home/bruno/Photos"));
  g_ptr_array_add (r->sources, g_strdup ("/home/bruno/Ünïcødé notes.txt"));
  g_ptr_array_add (r->items, hallway_transfer_item_new ("Photos/a b.jpg",
                                                        "/home/bruno/Photos/a b.jpg",
                                                        6000000000, 1763800000123456));
  g_ptr_array_add (r->items, hallway_transfer_item_new ("Photos/empty", "/home/bruno/Photos/empty",
                                                        0, -5));
  g_ptr_array_add (r->items, hallway_transfer_item_new ("Ünïcødé notes.txt",
                                                        "/home/bruno/Ünïcødé notes.txt", 12, 7));
  g_array_append_vals (r->accepted, accepted, G_N_ELEMENTS (accepted));
  g_ptr_array_add (r->done, g_strdup ("0"));
  return r;
}

static void
test_records_send (void)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) parsed = NULL;
  HallwayTransferRecord *fresh = make_send_record ("9");
  const HallwayTransferRecord *r;
  const HallwayTransferItem *item;

  g_test_summary ("A send keeps its files, offer id and answer across a restart");

  /* Before the walk and the offer: no items, no id. */
  g_clear_pointer (&fresh->offer_id, g_free);
  g_ptr_array_set_size (fresh->items, 0);
  g_array_set_size (fresh->accepted, 0);
  g_ptr_array_set_size (fresh->done, 0);
  g_ptr_array_add (records, make_send_record ("8"));
  g_ptr_array_add (records, fresh);
  parsed = round_trip (records);

  r = g_ptr_array_index (parsed, 0);
  g_assert_cmpstr (r->kind, ==, "send");
  g_assert_cmpstr (r->state, ==, "offered");
  g_assert_cmpstr (r->own_name, ==, "Bruno Costa on desk-2");
  g_assert_cmpstr (r->offer_id, ==, "0123456789abcdef0123456789abcdef");
  g_assert_cmpuint (r->sources->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (r->sources, 1), ==, "/home/bruno/Ünïcødé notes.txt");
  g_assert_cmpuint (r->items->len, ==, 3);
  item = g_ptr_array_index (r->items, 0);
  g_assert_cmpstr (item->path, ==, "Photos/a b.jpg");
  g_assert_cmpstr (item->local, ==, "/home/bruno/Photos/a b.jpg");
  g_assert_cmpuint (item->size, ==, 6000000000);
  g_assert_cmpint (item->mtime, ==, 1763800000123456);
  item = g_ptr_array_index (r->items, 1);
  g_assert_cmpuint (item->size, ==, 0);
  g_assert_cmpint (item->mtime, ==, -5);
  g_assert_cmpuint (r->accepted->len, ==, 2);
  g_assert_cmpuint (g_array_index (r->accepted, guint, 1), ==, 2);
  g_assert_cmpuint (r->done->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (r->done, 0), ==, "0");

  r = g_ptr_array_index (parsed, 1);
  g_assert_null (r->offer_id);
  g_assert_cmpuint (r->items->len, ==, 0);
  g_assert_cmpuint (r->accepted->len, ==, 0);
  g_assert_cmpuint (r->sources->len, ==, 2);
}

static void
test_records_send_damaged (void)
{
  static const char *prefix =
    "{\"version\": 1, \"transfers\": [{\"id\": \"1\", \"kind\": \"send\", \"state\": \"queued\","
    " \"peer\": \"p\", \"peer_name\": \"Alice\", \"share\": \"\", \"path\": \"\","
    " \"destination\": \"/tmp/a\", \"bytes\": 0, \"total\": 0, \"files\": 0, \"files_done\": 0,"
    " \"done\": [], ";
  static const char *good =
    "\"offer\": \"0123456789abcdef0123456789abcdef\", \"sources\": [\"/tmp/a\"],"
    " \"items\": [{\"path\": \"a\", \"local\": \"/tmp/a\", \"size\": 1, \"mtime\": 2}],"
    " \"accepted\": [0]";
  static const char *bad[] = {
    /* an id that would change the request's path */
    "\"offer\": \"../../api/v1/info\", \"sources\": [\"/tmp/a\"], \"items\": [], \"accepted\": []",
    "\"offer\": \"0123456789ABCDEF0123456789ABCDEF\", \"sources\": [\"/tmp/a\"], \"items\": [],"
    " \"accepted\": []",
    /* nothing to send, or relative sources */
    "\"sources\": [], \"items\": [], \"accepted\": []",
    "\"sources\": [\"tmp/a\"], \"items\": [], \"accepted\": []",
    /* an item read from a relative path, a negative size, no time */
    "\"sources\": [\"/tmp/a\"], \"items\": [{\"path\": \"a\", \"local\": \"a\", \"size\": 1,"
    " \"mtime\": 2}], \"accepted\": []",
    "\"sources\": [\"/tmp/a\"], \"items\": [{\"path\": \"a\", \"local\": \"/tmp/a\", \"size\": -1,"
    " \"mtime\": 2}], \"accepted\": []",
    "\"sources\": [\"/tmp/a\"], \"items\": [{\"path\": \"a\", \"local\": \"/tmp/a\", \"size\": 1}],"
    " \"accepted\": []",
    /* an accepted index beyond the items */
    "\"sources\": [\"/tmp/a\"], \"items\": [{\"path\": \"a\", \"local\": \"/tmp/a\", \"size\": 1,"
    " \"mtime\": 2}], \"accepted\": [1]",
    "\"sources\": [\"/tmp/a\"], \"items\": [], \"accepted\": [-1]",
    /* no sources at all */
    "\"items\": [], \"accepted\": []",
  };
  guint damaged;

  g_test_summary ("A damaged send entry is skipped rather than sending the wrong files");

  {
    g_autofree char *text = g_strconcat (prefix, good, "}]}", NULL);

    g_assert_cmpuint (parse_count (text, &damaged), ==, 1);
    g_assert_cmpuint (damaged, ==, 0);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strconcat (prefix, bad[i], "}]}", NULL);

      g_test_message ("case %u", i);
      g_assert_cmpuint (parse_count (text, &damaged), ==, 0);
      g_assert_cmpuint (damaged, ==, 1);
    }

  g_assert_true (hallway_transfer_offer_id_is_valid ("0123456789abcdef0123456789abcdef"));
  g_assert_false (hallway_transfer_offer_id_is_valid ("0123456789abcdef0123456789abcde"));
  g_assert_false (hallway_transfer_offer_id_is_valid ("0123456789abcdef0123456789abcdeg"));
  g_assert_false (hallway_transfer_offer_id_is_valid (NULL));
}

static void
test_records_damaged (void)
{
  static const char *text =
    "{\"version\": 1, \"transfers\": ["
    /* good */
    "{\"id\": \"1\", \"kind\": \"download\", \"state\": \"queued\", \"peer\": \"p\","
    " \"share\": \"s\", \"path\": \"\", \"destination\": \"/tmp\", \"bytes\": 0,"
    " \"total\": 0, \"files\": 0, \"files_done\": 0, \"done\": []},"
    /* finished: never saved, so damaged */
    "{\"id\": \"2\", \"kind\": \"download\", \"state\": \"done\", \"peer\": \"p\","
    " \"share\": \"s\", \"path\": \"\", \"destination\": \"/tmp\", \"bytes\": 0,"
    " \"total\": 0, \"files\": 0, \"files_done\": 0, \"done\": []},"
    /* relative destination */
    "{\"id\": \"3\", \"kind\": \"download\", \"state\": \"queued\", \"peer\": \"p\","
    " \"share\": \"s\", \"path\": \"\", \"destination\": \"tmp\", \"bytes\": 0,"
    " \"total\": 0, \"files\": 0, \"files_done\": 0, \"done\": []},"
    /* negative size, wrong types */
    "{\"id\": \"4\", \"kind\": \"download\", \"state\": \"queued\", \"peer\": \"p\","
    " \"share\": \"s\", \"path\": \"\", \"destination\": \"/tmp\", \"bytes\": -1,"
    " \"total\": \"x\", \"files\": 0, \"files_done\": 0, \"done\": [1]},"
    "42, null, []]}";
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(GError) error = NULL;
  guint damaged;

  g_test_summary ("Damaged entries are skipped and counted; a damaged file is an error");

  g_assert_cmpuint (parse_count (text, &damaged), ==, 1);
  g_assert_cmpuint (damaged, ==, 6);

  parsed = hallway_transfer_records_parse ("{\"transfers\": [", 15, NULL, &error);
  g_assert_null (parsed);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
  g_clear_error (&error);
  parsed = hallway_transfer_records_parse ("[]", 2, NULL, &error);
  g_assert_null (parsed);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
}

static void
test_engine_persistence (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hallway-transfers-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "state", "transfers.json", NULL);
  g_autofree char *state_dir = g_path_get_dirname (path);
  g_autoptr(GPtrArray) records = new_records ();
  g_autofree char *saved = NULL;
  g_autoptr(GPtrArray) reread = NULL;
  GStatBuf st;

  g_test_summary ("hallwayd reloads its queue, saves it privately, and shrugs off damage");

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (state_dir, 0700), ==, 0);

  /* Nothing saved yet: fine. */
  {
    g_autoptr(GDBusObjectManagerServer) manager = NULL;
    g_autoptr(HallwayDaemonTransfers) transfers = load_engine (path, &manager);

    g_assert_cmpuint (hallway_daemon_transfers_get_count (transfers), ==, 0);
  }

  /* A saved queue comes back, and is saved again as it was. */
  g_ptr_array_add (records, make_record ("3", "running"));
  g_ptr_array_add (records, make_record ("9", "waiting"));
  save_records (path, records);
  {
    g_autoptr(GDBusObjectManagerServer) manager = NULL;
    g_autoptr(HallwayDaemonTransfers) transfers = load_engine (path, &manager);
    g_autoptr(GDBusObject) object = NULL;

    g_assert_cmpuint (hallway_daemon_transfers_get_count (transfers), ==, 2);
    object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (manager),
                                               HALLWAY_TRANSFERS_OBJECT_PATH "/9");
    g_assert_nonnull (object);
    g_assert_cmpint (g_unlink (path), ==, 0);
    g_assert_true (hallway_daemon_transfers_save_now (transfers, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  reread = hallway_transfer_records_parse (saved, strlen (saved), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reread->len, ==, 2);
  /* Reloaded transfers start queued; their progress is kept. */
  g_assert_cmpstr (((HallwayTransferRecord *) g_ptr_array_index (reread, 0))->state, ==, "queued");
  g_assert_cmpstr (((HallwayTransferRecord *) g_ptr_array_index (reread, 1))->current_etag, ==,
                   "\"1-2-3-4\"");

  /* A damaged file: a warning, and an empty queue, not a failure. */
  g_assert_true (g_file_set_contents (path, "{\"transfers\": [ garbage", -1, NULL));
  {
    g_autoptr(GDBusObjectManagerServer) manager = NULL;
    g_autoptr(HallwayDaemonTransfers) transfers = NULL;

    damaged_warnings = 0;
    transfers = load_engine (path, &manager);
    g_assert_cmpuint (damaged_warnings, ==, 1);
    g_assert_cmpuint (hallway_daemon_transfers_get_count (transfers), ==, 0);
  }

  g_unlink (path);
  g_rmdir (state_dir);
  g_rmdir (dir);
}

static void
test_engine_send (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hallway-transfers-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "transfers.json", NULL);
  g_autoptr(GPtrArray) records = new_records ();
  g_autofree char *saved = NULL;
  g_autoptr(GPtrArray) reread = NULL;
  HallwayTransferRecord *offered;
  const HallwayTransferRecord *r;
  const char *no_paths[] = { NULL };

  g_test_summary ("A saved send comes back as a Transfer1 of kind “send” and is saved intact");

  g_assert_no_error (error);
  offered = make_send_record ("4");
  g_array_set_size (offered->accepted, 0);
  g_ptr_array_set_size (offered->done, 0);
  g_ptr_array_add (records, offered);
  g_ptr_array_add (records, make_send_record ("5"));
  save_records (path, records);

  {
    g_autoptr(GDBusObjectManagerServer) manager = NULL;
    g_autoptr(HallwayDaemonTransfers) transfers = NULL;
    g_autoptr(GDBusObject) object = NULL;
    g_autoptr(GDBusInterface) iface = NULL;
    g_autofree char *created = NULL;
    HallwayDBusTransfer1 *transfer;

    transfers = load_engine (path, &manager);
    g_assert_cmpuint (hallway_daemon_transfers_get_count (transfers), ==, 2);

    /* Still waiting for an answer: no destination yet. */
    object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (manager),
                                               HALLWAY_TRANSFERS_OBJECT_PATH "/4");
    iface = g_dbus_object_get_interface (object, "io.github.hallwaylan.Hallway.Transfer1");
    transfer = HALLWAY_DBUS_TRANSFER1 (iface);
    g_assert_cmpstr (hallway_dbus_transfer1_get_kind (transfer), ==, "send");
    g_assert_cmpstr (hallway_dbus_transfer1_get_path (transfer), ==, "/home/bruno/Photos");
    g_assert_cmpstr (hallway_dbus_transfer1_get_destination (transfer), ==, "");
    g_assert_cmpstr (hallway_dbus_transfer1_get_peer_name (transfer), ==, "Alice Martin");
    g_clear_object (&iface);
    g_clear_object (&object);

    /* Accepted: it goes to the colleague. */
    object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (manager),
                                               HALLWAY_TRANSFERS_OBJECT_PATH "/5");
    iface = g_dbus_object_get_interface (object, "io.github.hallwaylan.Hallway.Transfer1");
    transfer = HALLWAY_DBUS_TRANSFER1 (iface);
    g_assert_cmpstr (hallway_dbus_transfer1_get_kind (transfer), ==, "send");
    g_assert_cmpstr (hallway_dbus_transfer1_get_destination (transfer), ==, "Alice Martin");

    /* Without neighbours, nobody can be sent to. */
    created = hallway_daemon_transfers_send (transfers, "0123abcd", no_paths, "Bruno", &error);
    g_assert_null (created);
    g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND);
    g_clear_error (&error);

    g_assert_true (hallway_daemon_transfers_save_now (transfers, &error));
    g_assert_no_error (error);
  }

  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  reread = hallway_transfer_records_parse (saved, strlen (saved), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reread->len, ==, 2);
  r = g_ptr_array_index (reread, 1);
  g_assert_cmpstr (r->kind, ==, "send");
  g_assert_cmpstr (r->state, ==, "queued");
  g_assert_cmpstr (r->offer_id, ==, "0123456789abcdef0123456789abcdef");
  g_assert_cmpuint (r->items->len, ==, 3);
  g_assert_cmpuint (r->accepted->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (r->done, 0), ==, "0");

  g_unlink (path);
  g_rmdir (dir);
}

/* g_test_expect_message() does not see structured log messages, so the
 * expected warnings are counted (and swallowed) by a writer of our own. */
static GLogWriterOutput
count_damaged_writer (GLogLevelFlags   level,
                      const GLogField *fields,
                      gsize            n_fields,
                      gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        strstr (fields[i].value, "list of transfers is damaged") != NULL &&
        (level & G_LOG_LEVEL_WARNING))
      {
        damaged_warnings++;
        return G_LOG_WRITER_HANDLED;
      }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

int
main (int   argc,
      char *argv[])
{
  g_log_set_writer_func (count_damaged_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/transfer/collision-names", test_collision_names);
  g_test_add_func ("/transfer/part-names", test_part_names);
  g_test_add_func ("/transfer/resume-bookkeeping", test_resume_bookkeeping);
  g_test_add_func ("/transfer/queue/round-trip", test_records_round_trip);
  g_test_add_func ("/transfer/queue/damaged-entries", test_records_damaged);
  g_test_add_func ("/transfer/queue/kinds", test_records_kinds);
  g_test_add_func ("/transfer/queue/send", test_records_send);
  g_test_add_func ("/transfer/queue/send-damaged", test_records_send_damaged);
  g_test_add_func ("/daemon/transfers/persistence", test_engine_persistence);
  g_test_add_func ("/daemon/transfers/send-persistence", test_engine_send);

  return g_test_run ();
}
