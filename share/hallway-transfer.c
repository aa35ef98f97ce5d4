/* hallway-transfer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The parts of hallwayd's transfer engine that need no network and no
 * files: names for collisions and part files, what to make of an answer to
 * a ranged GET, and the saved queue's JSON. Kept here so they are tested on
 * their own.
 */
#include "config.h"

#include "hallway-transfer.h"

#include <json-glib/json-glib.h>

#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-range.h"
#include "hallway-txt.h"

/* Double extensions that belong together: "archive.tar.gz" becomes
 * "archive (2).tar.gz", not "archive.tar (2).gz". */
static const char * const double_extensions[] = {
  ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar.lz", ".tar.Z", NULL
};

#define MAX_EXTENSION_BYTES 16

/* Where the extension starts, or the end of @name when it has none. A
 * leading dot (".bashrc") is not an extension, and neither is a "suffix"
 * that is long or has spaces ("Minutes. Final draft"). */
static gsize
extension_start (const char *name)
{
  gsize len = strlen (name);
  const char *dot;

  for (guint i = 0; double_extensions[i] != NULL; i++)
    {
      gsize ext_len = strlen (double_extensions[i]);

      if (len > ext_len && g_ascii_strcasecmp (name + len - ext_len, double_extensions[i]) == 0)
        return len - ext_len;
    }

  dot = strrchr (name, '.');
  if (dot == NULL || dot == name || dot[1] == '\0' ||
      strlen (dot) > MAX_EXTENSION_BYTES || strchr (dot, ' ') != NULL)
    return len;
  return dot - name;
}

/**
 * hallway_transfer_collision_name:
 * @name: a file or folder name that is taken
 * @n: the number to add, 2 or more
 *
 * The name to try instead of @name when @name is taken, the way GNOME Files
 * does it: "report.pdf" → "report (2).pdf", "archive.tar.gz" →
 * "archive (2).tar.gz", ".bashrc" → ".bashrc (2)", "README" → "README (2)".
 * The result is at most %HALLWAY_TRANSFER_NAME_MAX bytes: a long name is
 * shortened before the number, on a character boundary.
 *
 * Returns: (transfer full): the name
 */
char *
hallway_transfer_collision_name (const char *name,
                                 guint       n)
{
  g_autofree char *stem = NULL;
  g_autofree char *cut = NULL;
  g_autofree char *number = NULL;
  const char *extension;
  gsize start;
  gsize room;

  g_return_val_if_fail (name != NULL && *name != '\0', NULL);
  g_return_val_if_fail (n >= 2, NULL);

  start = extension_start (name);
  stem = g_strndup (name, start);
  extension = name + start;
  number = g_strdup_printf (" (%u)", n);

  room = HALLWAY_TRANSFER_NAME_MAX - strlen (number) - strlen (extension);
  cut = hallway_utf8_truncate (stem, room);
  return g_strconcat (cut, number, extension, NULL);
}

/**
 * hallway_transfer_part_name:
 * @name: the name a file will have when complete
 *
 * The hidden name it has while it is being copied:
 * ".report.pdf.hallway-part". Always the same for the same @name, so an
 * interrupted copy is found again; a long name is shortened to fit.
 *
 * Returns: (transfer full): the part file's name
 */
char *
hallway_transfer_part_name (const char *name)
{
  g_autofree char *cut = NULL;

  g_return_val_if_fail (name != NULL && *name != '\0', NULL);

  cut = hallway_utf8_truncate (name, HALLWAY_TRANSFER_NAME_MAX - 1 -
                                     strlen (HALLWAY_TRANSFER_PART_SUFFIX));
  return g_strconcat (".", cut, HALLWAY_TRANSFER_PART_SUFFIX, NULL);
}

/**
 * hallway_transfer_resume_offset:
 * @part_size: the size of the part file left by an earlier attempt, or -1
 *   when there is none
 * @etag: (nullable): the ETag of the file that attempt copied
 *
 * Where to continue: a part file is only worth continuing when the version
 * it holds the start of is known (its ETag goes in If-Range, so a changed
 * source restarts the file instead of splicing two versions).
 *
 * Returns: the offset to ask from (`Range: bytes=OFFSET-`); 0 to start over
 */
gint64
hallway_transfer_resume_offset (gint64      part_size,
                                const char *etag)
{
  if (part_size <= 0 || etag == NULL || *etag == '\0')
    return 0;
  /* Only strong validators make a range safe (RFC 7233 §3.2). */
  if (g_str_has_prefix (etag, "W/"))
    return 0;
  return part_size;
}

/**
 * hallway_transfer_classify_reply:
 * @status: the HTTP status of the answer
 * @offset: where the request asked to continue (0: no Range was sent)
 * @content_range: (nullable): the answer's Content-Range header
 * @content_length: the answer's Content-Length, or -1
 * @out_total: (out): the length of the whole file, or -1 when unknown
 *
 * Returns: what to do with the answer
 */
HallwayTransferReply
hallway_transfer_classify_reply (guint       status,
                                 gint64      offset,
                                 const char *content_range,
                                 gint64      content_length,
                                 gint64     *out_total)
{
  goffset start = 0, end = 0, total = -1;

  *out_total = -1;

  switch (status)
    {
    case 200:
      *out_total = content_length;
      return HALLWAY_TRANSFER_REPLY_RESTART;

    case 206:
      if (offset <= 0 || content_range == NULL ||
          !hallway_content_range_parse (content_range, &start, &end, &total) ||
          start != offset || total < 0 || end != total - 1 ||
          (content_length >= 0 && content_length != end - start + 1))
        return HALLWAY_TRANSFER_REPLY_INVALID;
      *out_total = total;
      return HALLWAY_TRANSFER_REPLY_APPEND;

    case 416:
      {
        const char *rest;
        guint64 value;

        /* "bytes", a star, "/TOTAL": the part already holds the whole
         * file when TOTAL is where we asked to start. */
        if (offset <= 0 || content_range == NULL ||
            !g_str_has_prefix (content_range, "bytes */"))
          return HALLWAY_TRANSFER_REPLY_INVALID;
        rest = content_range + strlen ("bytes */");
        if (strlen (rest) > HALLWAY_RANGE_MAX_DIGITS ||
            !g_ascii_string_to_unsigned (rest, 10, 0, G_MAXINT64, &value, NULL) ||
            (gint64) value != offset)
          return HALLWAY_TRANSFER_REPLY_INVALID;
        *out_total = value;
        return HALLWAY_TRANSFER_REPLY_COMPLETE;
      }

    default:
      return HALLWAY_TRANSFER_REPLY_INVALID;
    }
}

/**
 * hallway_transfer_item_new:
 * @path: the item's path in the offer
 * @local: the local file (absolute)
 * @size: its size
 * @mtime: its modification time, in microseconds since the epoch
 *
 * Returns: (transfer full): a new item
 */
HallwayTransferItem *
hallway_transfer_item_new (const char *path,
                           const char *local,
                           guint64     size,
                           gint64      mtime)
{
  HallwayTransferItem *item;

  g_return_val_if_fail (path != NULL && local != NULL, NULL);

  item = g_new0 (HallwayTransferItem, 1);
  item->path = g_strdup (path);
  item->local = g_strdup (local);
  item->size = size;
  item->mtime = mtime;
  return item;
}

void
hallway_transfer_item_free (HallwayTransferItem *item)
{
  if (item == NULL)
    return;
  g_free (item->path);
  g_free (item->local);
  g_free (item);
}

/**
 * hallway_transfer_offer_id_is_valid:
 * @id: (nullable): an id a colleague gave an offer
 *
 * The id goes into request paths, so only the protocol's form is taken:
 * %HALLWAY_TRANSFER_OFFER_ID_LENGTH lowercase hex digits.
 *
 * Returns: whether @id has that form
 */
gboolean
hallway_transfer_offer_id_is_valid (const char *id)
{
  if (id == NULL || strlen (id) != HALLWAY_TRANSFER_OFFER_ID_LENGTH)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

/**
 * hallway_transfer_record_new:
 *
 * Returns: (transfer full): an empty record
 */
HallwayTransferRecord *
hallway_transfer_record_new (void)
{
  HallwayTransferRecord *record = g_new0 (HallwayTransferRecord, 1);

  record->done = g_ptr_array_new_with_free_func (g_free);
  record->sources = g_ptr_array_new_with_free_func (g_free);
  record->items = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_transfer_item_free);
  record->accepted = g_array_new (FALSE, FALSE, sizeof (guint));
  return record;
}

void
hallway_transfer_record_free (HallwayTransferRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->kind);
  g_free (record->state);
  g_free (record->peer_id);
  g_free (record->peer_name);
  g_free (record->share_id);
  g_free (record->share_name);
  g_free (record->path);
  g_free (record->destination);
  g_free (record->current);
  g_free (record->current_etag);
  g_clear_pointer (&record->done, g_ptr_array_unref);
  g_free (record->own_name);
  g_free (record->offer_id);
  g_clear_pointer (&record->sources, g_ptr_array_unref);
  g_clear_pointer (&record->items, g_ptr_array_unref);
  g_clear_pointer (&record->accepted, g_array_unref);
  g_free (record);
}

/* What only a send has: its sources, the files offered and the answer. */
static void
add_send (JsonBuilder                 *builder,
          const HallwayTransferRecord *r)
{
  hallway_json_add_string (builder, "own_name", r->own_name);
  hallway_json_add_string (builder, "offer", r->offer_id);
  hallway_json_begin_array_member (builder, "sources");
  for (guint i = 0; i < r->sources->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (r->sources, i));
  json_builder_end_array (builder);
  hallway_json_begin_array_member (builder, "items");
  for (guint i = 0; i < r->items->len; i++)
    {
      const HallwayTransferItem *item = g_ptr_array_index (r->items, i);

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "path", item->path);
      hallway_json_add_string (builder, "local", item->local);
      hallway_json_add_int (builder, "size", MIN (item->size, (guint64) G_MAXINT64));
      hallway_json_add_int (builder, "mtime", item->mtime);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  hallway_json_begin_array_member (builder, "accepted");
  for (guint i = 0; i < r->accepted->len; i++)
    json_builder_add_int_value (builder, g_array_index (r->accepted, guint, i));
  json_builder_end_array (builder);
}

/**
 * hallway_transfer_records_to_json:
 * @records: (element-type HallwayTransferRecord): the transfers to save
 * @out_length: (out) (optional): the length of the text
 *
 * Returns: (transfer full): `{"version": 1, "transfers": [...]}`
 */
char *
hallway_transfer_records_to_json (GPtrArray *records,
                                  gsize     *out_length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (records != NULL, NULL);

  json_builder_begin_object (builder);
  hallway_json_add_int (builder, "version", 1);
  hallway_json_begin_array_member (builder, "transfers");
  for (guint i = 0; i < records->len; i++)
    {
      const HallwayTransferRecord *r = g_ptr_array_index (records, i);

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "id", r->id);
      hallway_json_add_string (builder, "kind", r->kind);
      hallway_json_add_string (builder, "state", r->state);
      hallway_json_add_string (builder, "peer", r->peer_id);
      hallway_json_add_string (builder, "peer_name", r->peer_name);
      hallway_json_add_string (builder, "share", r->share_id);
      hallway_json_add_string (builder, "share_name", r->share_name);
      hallway_json_add_string (builder, "path", r->path);
      hallway_json_add_string (builder, "destination", r->destination);
      hallway_json_add_int (builder, "bytes", MIN (r->bytes, (guint64) G_MAXINT64));
      hallway_json_add_int (builder, "total", MIN (r->total, (guint64) G_MAXINT64));
      hallway_json_add_int (builder, "files", r->files);
      hallway_json_add_int (builder, "files_done", r->files_done);
      hallway_json_add_string (builder, "current", r->current);
      hallway_json_add_string (builder, "current_etag", r->current_etag);
      hallway_json_begin_array_member (builder, "done");
      for (guint j = 0; r->done != NULL && j < r->done->len; j++)
        json_builder_add_string_value (builder, g_ptr_array_index (r->done, j));
      json_builder_end_array (builder);
      if (g_strcmp0 (r->kind, "send") == 0)
        add_send (builder, r);
      else if (g_strcmp0 (r->kind, "upload") == 0)
        hallway_json_add_string (builder, "push", r->offer_id);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return hallway_json_to_data (builder, FALSE, out_length);
}

static gboolean
get_uint (JsonObject *object,
          const char *member,
          guint64     max,
          guint64    *out_value)
{
  JsonNode *node = json_object_get_member (object, member);
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  value = json_node_get_int (node);
  if (value < 0 || (guint64) value > max)
    return FALSE;
  *out_value = value;
  return TRUE;
}

static gboolean
is_saved_state (const char *state)
{
  return g_strcmp0 (state, "queued") == 0 || g_strcmp0 (state, "running") == 0 ||
         g_strcmp0 (state, "waiting") == 0 || g_strcmp0 (state, "offered") == 0;
}

static gboolean
is_kind (const char *kind)
{
  return g_strcmp0 (kind, "download") == 0 || g_strcmp0 (kind, "upload") == 0 ||
         g_strcmp0 (kind, "send") == 0;
}

static gboolean
get_string_array (JsonObject *object,
                  const char *member,
                  GPtrArray  *out)
{
  JsonNode *node = json_object_get_member (object, member);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        return FALSE;
      g_ptr_array_add (out, g_strdup (json_node_get_string (item)));
    }
  return TRUE;
}

/* A send's own members; anything inconsistent makes the entry unusable
 * rather than sending the wrong files. */
static gboolean
parse_send (JsonObject            *object,
            HallwayTransferRecord *r)
{
  JsonNode *node;
  JsonArray *array;

  r->own_name = g_strdup (hallway_json_get_string (object, "own_name"));
  r->offer_id = g_strdup (hallway_json_get_string (object, "offer"));
  if (r->offer_id != NULL && !hallway_transfer_offer_id_is_valid (r->offer_id))
    return FALSE;

  if (!get_string_array (object, "sources", r->sources) || r->sources->len == 0)
    return FALSE;
  for (guint i = 0; i < r->sources->len; i++)
    if (!g_path_is_absolute (g_ptr_array_index (r->sources, i)))
      return FALSE;

  node = json_object_get_member (object, "items");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *item;
      const char *path;
      const char *local;
      guint64 size = 0;
      JsonNode *mtime;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return FALSE;
      item = json_node_get_object (element);
      path = hallway_json_get_string (item, "path");
      local = hallway_json_get_string (item, "local");
      mtime = json_object_get_member (item, "mtime");
      if (path == NULL || *path == '\0' || local == NULL || !g_path_is_absolute (local) ||
          !get_uint (item, "size", G_MAXINT64, &size) ||
          mtime == NULL || !JSON_NODE_HOLDS_VALUE (mtime) ||
          json_node_get_value_type (mtime) != G_TYPE_INT64)
        return FALSE;
      g_ptr_array_add (r->items,
                       hallway_transfer_item_new (path, local, size, json_node_get_int (mtime)));
    }

  node = json_object_get_member (object, "accepted");
  return node != NULL && hallway_json_get_indexes (node, r->items->len, r->accepted);
}

static HallwayTransferRecord *
parse_record (JsonNode *node)
{
  g_autoptr(HallwayTransferRecord) r = hallway_transfer_record_new ();
  JsonObject *object;
  JsonNode *done;
  guint64 files = 0, files_done = 0;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);

  r->id = g_strdup (hallway_json_get_string (object, "id"));
  r->kind = g_strdup (hallway_json_get_string (object, "kind"));
  r->state = g_strdup (hallway_json_get_string (object, "state"));
  r->peer_id = g_strdup (hallway_json_get_string (object, "peer"));
  r->peer_name = g_strdup (hallway_json_get_string (object, "peer_name"));
  r->share_id = g_strdup (hallway_json_get_string (object, "share"));
  r->share_name = g_strdup (hallway_json_get_string (object, "share_name"));
  r->path = g_strdup (hallway_json_get_string (object, "path"));
  r->destination = g_strdup (hallway_json_get_string (object, "destination"));
  r->current = g_strdup (hallway_json_get_string (object, "current"));
  r->current_etag = g_strdup (hallway_json_get_string (object, "current_etag"));

  if (r->id == NULL ||
      !is_kind (r->kind) ||
      !is_saved_state (r->state) ||
      r->peer_id == NULL || r->share_id == NULL || r->path == NULL ||
      r->destination == NULL || !g_path_is_absolute (r->destination) ||
      !get_uint (object, "bytes", G_MAXINT64, &r->bytes) ||
      !get_uint (object, "total", G_MAXINT64, &r->total) ||
      !get_uint (object, "files", G_MAXUINT, &files) ||
      !get_uint (object, "files_done", G_MAXUINT, &files_done))
    return NULL;
  r->files = files;
  r->files_done = files_done;
  if (r->peer_name == NULL)
    r->peer_name = g_strdup ("");
  if (r->share_name == NULL)
    r->share_name = g_strdup (r->share_id);

  done = json_object_get_member (object, "done");
  if (done == NULL || !JSON_NODE_HOLDS_ARRAY (done))
    return NULL;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (done)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (done), i);

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        return NULL;
      g_ptr_array_add (r->done, g_strdup (json_node_get_string (item)));
    }

  if (g_str_equal (r->kind, "send") && !parse_send (object, r))
    return NULL;
  if (g_str_equal (r->kind, "upload"))
    {
      /* Without it (an older queue, or a bad one), a new one is chosen. */
      r->offer_id = g_strdup (hallway_json_get_string (object, "push"));
      if (!hallway_transfer_offer_id_is_valid (r->offer_id))
        g_clear_pointer (&r->offer_id, g_free);
    }

  return g_steal_pointer (&r);
}

/**
 * hallway_transfer_records_parse:
 * @data: the saved queue
 * @length: its length
 * @out_n_damaged: (out) (optional): how many entries were unusable and skipped
 * @error: return location for a #GError
 *
 * Reads what hallway_transfer_records_to_json() wrote. Entries that can't
 * be used (missing fields, unknown kind, a finished state) are skipped and
 * counted, so one damaged entry does not lose the others.
 *
 * Returns: (transfer full) (element-type HallwayTransferRecord) (nullable):
 *   the transfers, or %NULL when the text is not a saved queue at all
 */
GPtrArray *
hallway_transfer_records_parse (const char  *data,
                                gsize        length,
                                guint       *out_n_damaged,
                                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) records = NULL;
  JsonNode *root;
  JsonNode *transfers;
  JsonArray *array;
  guint damaged = 0;

  if (out_n_damaged != NULL)
    *out_n_damaged = 0;

  root = hallway_json_parse (parser, data, length, HALLWAY_TRANSFER_QUEUE_MAX_BYTES,
                             "list of transfers", error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      (transfers = json_object_get_member (json_node_get_object (root), "transfers")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (transfers))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "The list of transfers has no transfers in it");
      return NULL;
    }

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_transfer_record_free);
  array = json_node_get_array (transfers);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      HallwayTransferRecord *record = parse_record (json_array_get_element (array, i));

      if (record == NULL)
        damaged++;
      else
        g_ptr_array_add (records, record);
    }

  if (out_n_damaged != NULL)
    *out_n_damaged = damaged;
  return g_steal_pointer (&records);
}
