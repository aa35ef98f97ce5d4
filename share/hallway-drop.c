/* hallway-drop.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pure parts of receiving files a colleague sends: reading an offer
 * (POST /api/v1/drops) within limits, making every offered name safe to
 * show and to create below the receive folder, and the JSON answers. No
 * I/O here, so all of it is unit-tested and fuzzed.
 */
#include "config.h"

#include "hallway-drop.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-transfer.h"
#include "hallway-txt.h"
#include "hallway-unicode.h"

#define UNNAMED "_"

/* Names Windows keeps for devices, with or without an extension: a file
 * called "CON.txt" can't be opened there, nor copied on from here. */
static gboolean
is_reserved_name (const char *name)
{
  static const char * const three[] = { "CON", "PRN", "AUX", "NUL", NULL };
  gsize stem = strcspn (name, ".");

  if (stem == 3)
    {
      for (guint i = 0; three[i] != NULL; i++)
        if (g_ascii_strncasecmp (name, three[i], 3) == 0)
          return TRUE;
    }
  else if (stem == 4)
    {
      if ((g_ascii_strncasecmp (name, "COM", 3) == 0 ||
           g_ascii_strncasecmp (name, "LPT", 3) == 0) &&
          name[3] >= '1' && name[3] <= '9')
        return TRUE;
    }
  return FALSE;
}

/**
 * hallway_drop_sanitize_component:
 * @name: one name of an offered path, as the sender wrote it
 *
 * Makes @name safe to show and to create: invalid UTF-8 replaced, control
 * characters (newlines too) and slashes replaced by "_", invisible
 * formatting such as bidi controls removed (so "photo<U+202E>gpj.desktop"
 * can't pass for a picture), leading dots
 * removed (nothing arrives hidden), Windows device names ("CON", "lpt1.txt")
 * prefixed with "_", a ".hallway-part" ending changed so it can't pass for
 * a part file, and cut to 255 bytes on a character boundary. A name left
 * empty becomes "_".
 *
 * Returns: (transfer full) (nullable): the safe name, or %NULL for "", "."
 *   and "..", which name no file and are dropped from a path
 */
char *
hallway_drop_sanitize_component (const char *name)
{
  g_autofree char *valid = NULL;
  g_autofree char *visible = NULL;
  g_autofree char *cut = NULL;
  g_autoptr(GString) out = NULL;
  const char *start;
  gsize length;

  g_return_val_if_fail (name != NULL, NULL);

  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return NULL;

  valid = g_utf8_make_valid (name, -1);
  visible = hallway_utf8_strip_invisible (valid);
  out = g_string_sized_new (strlen (visible));
  for (const char *p = visible; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (hallway_unichar_kind (c, 0) == HALLWAY_CHAR_CONTROL || c == '/' || c == '\\')
        g_string_append_c (out, '_');
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }

  start = out->str;
  while (*start == '.')
    start++;
  if (*start == '\0')
    return g_strdup (UNNAMED);

  if (is_reserved_name (start))
    {
      g_autofree char *prefixed = g_strconcat ("_", start, NULL);

      cut = hallway_utf8_truncate (prefixed, HALLWAY_DROP_MAX_COMPONENT);
    }
  else
    cut = hallway_utf8_truncate (start, HALLWAY_DROP_MAX_COMPONENT);

  /* Our own part files are never shown or served; an offered name must
   * not look like one, or the finished file would hide. */
  length = strlen (cut);
  if (g_str_has_suffix (cut, HALLWAY_TRANSFER_PART_SUFFIX))
    cut[length - strlen (HALLWAY_TRANSFER_PART_SUFFIX)] = '_';

  return g_steal_pointer (&cut);
}

/**
 * hallway_drop_sanitize_path:
 * @path: an offered path, as the sender wrote it
 *
 * Makes @path a safe relative path: "/" and "\\" both separate names, so
 * absolute paths become relative; each name goes through
 * hallway_drop_sanitize_component(), "", "." and ".." are dropped; of a path
 * deeper than %HALLWAY_DROP_MAX_DEPTH names the first folders and the file
 * name are kept. A path with no name left is "_".
 *
 * Returns: (transfer full): the safe path, "/" between names
 */
char *
hallway_drop_sanitize_path (const char *path)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (path != NULL, NULL);

  parts = g_strsplit_set (path, "/\\", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *name = hallway_drop_sanitize_component (parts[i]);

      if (name != NULL)
        g_ptr_array_add (names, name);
    }

  if (names->len == 0)
    return g_strdup (UNNAMED);

  if (names->len > HALLWAY_DROP_MAX_DEPTH)
    {
      char *last = g_steal_pointer (&names->pdata[names->len - 1]);

      g_ptr_array_set_size (names, HALLWAY_DROP_MAX_DEPTH - 1);
      g_ptr_array_add (names, last);
    }

  g_ptr_array_add (names, NULL);
  return g_strjoinv ("/", (char **) names->pdata);
}

/**
 * hallway_drop_sanitize_label:
 * @text: a display name from elsewhere
 * @max_bytes: the longest result
 *
 * Returns: (transfer full) (nullable): @text as valid UTF-8 on one line,
 *   without invisible formatting, trimmed and cut to @max_bytes on a
 *   character boundary; %NULL when nothing is left
 */
char *
hallway_drop_sanitize_label (const char *text,
                             gsize       max_bytes)
{
  g_autofree char *valid = NULL;
  g_autofree char *visible = NULL;
  g_autofree char *cut = NULL;
  g_autoptr(GString) out = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  valid = g_utf8_make_valid (text, -1);
  visible = hallway_utf8_strip_invisible (valid);
  out = g_string_sized_new (strlen (visible));
  for (const char *p = visible; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (hallway_unichar_kind (g_utf8_get_char (p), 0) == HALLWAY_CHAR_CONTROL)
        g_string_append_c (out, ' ');
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  g_strstrip (out->str);
  cut = hallway_utf8_truncate (out->str, max_bytes);
  g_strchomp (cut);
  if (*cut == '\0')
    return NULL;
  return g_steal_pointer (&cut);
}

/* json-glib parses recursively: refuse deep nesting before it does, so a
 * body of sixteen million "[" can't exhaust the stack. */
static gboolean
nesting_is_shallow (const char *data,
                    gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > HALLWAY_DROP_MAX_NESTING)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

static gboolean
get_size (JsonObject *object,
          const char *member,
          guint64    *out_size)
{
  JsonNode *node = json_object_get_member (object, member);
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  value = json_node_get_int (node);
  if (value < 0)
    return FALSE;
  *out_size = value;
  return TRUE;
}

static void
drop_file_free (HallwayDropFile *file)
{
  g_free (file->path);
  g_free (file);
}

/* Two offered names may sanitize to the same path ("a/b" and "a\\b"): the
 * later ones get numbers, so each file has a place of its own and a part
 * file of its own. A count per path keeps this linear. */
static char *
unique_path (GHashTable *taken,
             GHashTable *next_number,
             char       *path)
{
  const char *slash;
  g_autofree char *folder = NULL;
  const char *name;
  guint n;

  if (!g_hash_table_contains (taken, path))
    return path;

  slash = strrchr (path, '/');
  folder = slash != NULL ? g_strndup (path, slash - path) : NULL;
  name = slash != NULL ? slash + 1 : path;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (next_number, path));
  if (n < 2)
    n = 2;

  for (;; n++)
    {
      g_autofree char *numbered = hallway_transfer_collision_name (name, n);
      char *candidate = folder != NULL ? g_strconcat (folder, "/", numbered, NULL)
                                       : g_steal_pointer (&numbered);

      if (!g_hash_table_contains (taken, candidate))
        {
          g_hash_table_insert (next_number, g_strdup (path), GUINT_TO_POINTER (n + 1));
          g_free (path);
          return candidate;
        }
      g_free (candidate);
    }
}

/**
 * hallway_drop_offer_parse:
 * @data: the request body (untrusted)
 * @length: its length
 * @error: return location for a #GError
 *
 * Reads an offer: `{"name": "…", "files": [{"path": "…", "size": N}, …],
 * "total": N}`, at most %HALLWAY_DROP_MAX_BODY bytes and
 * %HALLWAY_DROP_MAX_FILES files, sizes whole and not negative, the total
 * their sum, the names at most %HALLWAY_DROP_MAX_NAME_BYTES in all. Paths
 * are sanitized (hallway_drop_sanitize_path()) and made unique; the
 * sender's name is made safe to show.
 *
 * Errors: %HALLWAY_ERROR_INVALID_DATA, with a plain-words message.
 *
 * Returns: (transfer full) (nullable): the offer
 */
HallwayDropOffer *
hallway_drop_offer_parse (const char  *data,
                          gsize        length,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(HallwayDropOffer) offer = NULL;
  g_autoptr(GHashTable) taken = NULL;
  g_autoptr(GHashTable) next_number = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *files_node;
  JsonArray *files;
  const char *name;
  guint64 total;
  guint64 sum = 0;
  gsize name_bytes = 0;
  guint n_files;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length > HALLWAY_DROP_MAX_BODY)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   _("The offer is too large"));
      return NULL;
    }
  if (!nesting_is_shallow (data, length))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   _("The offer is nested too deeply"));
      return NULL;
    }

  parser = json_parser_new_immutable ();
  root = hallway_json_parse (parser, data, length, HALLWAY_DROP_MAX_BODY, "offer", &local_error);
  if (root == NULL)
    {
      /* json-glib quotes the text it could not read, which may not be
       * UTF-8; the message goes back to the sender as JSON. */
      g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA, message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   _("The offer is not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (root);

  name = hallway_json_get_string (object, "name");
  files_node = json_object_get_member (object, "files");
  if (name == NULL || files_node == NULL || !JSON_NODE_HOLDS_ARRAY (files_node) ||
      !get_size (object, "total", &total))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   _("The offer needs a name, a list of files and a total"));
      return NULL;
    }
  files = json_node_get_array (files_node);
  n_files = json_array_get_length (files);
  if (n_files == 0)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   _("The offer has no files in it"));
      return NULL;
    }
  if (n_files > HALLWAY_DROP_MAX_FILES)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   _("The offer has more than %u files"), HALLWAY_DROP_MAX_FILES);
      return NULL;
    }

  offer = g_new0 (HallwayDropOffer, 1);
  offer->name = hallway_drop_sanitize_label (name, HALLWAY_DROP_MAX_SENDER);
  if (offer->name == NULL)
    offer->name = g_strdup (_("A colleague"));
  offer->files = g_ptr_array_new_full (n_files, (GDestroyNotify) drop_file_free);
  taken = g_hash_table_new (g_str_hash, g_str_equal);
  next_number = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < n_files; i++)
    {
      JsonNode *node = json_array_get_element (files, i);
      JsonObject *entry;
      const char *path;
      HallwayDropFile *file;
      guint64 size;

      entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      path = entry != NULL ? hallway_json_get_string (entry, "path") : NULL;
      if (path == NULL || !get_size (entry, "size", &size))
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                       _("File %u of the offer needs a path and a size"), i + 1);
          return NULL;
        }
      if (size > G_MAXINT64 - sum)
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                       _("The sizes in the offer are too large"));
          return NULL;
        }
      sum += size;

      file = g_new0 (HallwayDropFile, 1);
      file->path = unique_path (taken, next_number, hallway_drop_sanitize_path (path));
      file->size = size;
      g_hash_table_add (taken, file->path);
      g_ptr_array_add (offer->files, file);

      name_bytes += strlen (file->path);
      if (name_bytes > HALLWAY_DROP_MAX_NAME_BYTES)
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                       _("The names in the offer are too long"));
          return NULL;
        }
    }

  if (sum != total)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   _("The offer’s total does not match the sizes of its files"));
      return NULL;
    }
  offer->total = total;
  return g_steal_pointer (&offer);
}

void
hallway_drop_offer_free (HallwayDropOffer *offer)
{
  if (offer == NULL)
    return;
  g_free (offer->name);
  g_clear_pointer (&offer->files, g_ptr_array_unref);
  g_free (offer);
}

/**
 * hallway_drop_id_is_valid:
 * @id: (nullable): an offer id from a request path
 *
 * Returns: whether @id has the form of an offer id: 32 lowercase hex digits
 */
gboolean
hallway_drop_id_is_valid (const char *id)
{
  if (id == NULL)
    return FALSE;
  for (guint i = 0; i < HALLWAY_DROP_ID_LENGTH; i++)
    if (!g_ascii_isdigit (id[i]) && !(id[i] >= 'a' && id[i] <= 'f'))
      return FALSE;
  return id[HALLWAY_DROP_ID_LENGTH] == '\0';
}

/**
 * hallway_drop_status_to_json:
 * @id: the offer's id
 * @state: "pending", "accepted", "declined", "expired", "cancelled", "done"
 *   or "failed"
 * @accepted: (element-type guint) (nullable): indexes of the accepted files
 * @expires: when a pending offer expires, in seconds since the epoch
 * @message: (nullable): in plain words, why it failed
 * @out_length: (out) (optional): the length of the result
 *
 * Returns: (transfer full): what the sender is told about its offer
 */
char *
hallway_drop_status_to_json (const char *id,
                             const char *state,
                             GArray     *accepted,
                             gint64      expires,
                             const char *message,
                             gsize      *out_length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  g_return_val_if_fail (id != NULL && state != NULL, NULL);

  json_builder_begin_object (builder);
  hallway_json_add_string (builder, "id", id);
  hallway_json_add_string (builder, "state", state);
  hallway_json_begin_array_member (builder, "accepted");
  for (guint i = 0; accepted != NULL && i < accepted->len; i++)
    json_builder_add_int_value (builder, g_array_index (accepted, guint, i));
  json_builder_end_array (builder);
  hallway_json_add_int (builder, "expires", expires);
  hallway_json_add_string (builder, "message", message != NULL ? message : "");
  json_builder_end_object (builder);
  return hallway_json_to_data (builder, FALSE, out_length);
}

/**
 * hallway_drop_received_to_json:
 * @received: bytes of a file received so far
 * @out_length: (out) (optional): the length of the result
 *
 * Returns: (transfer full): the answer to a PUT: `{"received": N}`
 */
char *
hallway_drop_received_to_json (guint64  received,
                               gsize   *out_length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  hallway_json_add_int (builder, "received", received);
  json_builder_end_object (builder);
  return hallway_json_to_data (builder, FALSE, out_length);
}
