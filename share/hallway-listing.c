/* hallway-listing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A folder listed by a neighbour: [{name, type, size, modified}], the JSON
 * a Hallway share answers to a GET of a folder. Every name is checked to be
 * a single, harmless path component before anything uses it.
 */
#include "config.h"

#include "hallway-listing.h"

#include <json-glib/json-glib.h>

#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-path.h"

void
hallway_listing_entry_free (HallwayListingEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_free (entry);
}

/**
 * hallway_listing_parse:
 * @data: the answer (untrusted)
 * @length: its length
 * @error: return location for a #GError
 *
 * Entries with an unusable name, type or size are skipped rather than
 * failing the whole folder.
 *
 * Returns: (transfer full) (element-type HallwayListingEntry) (nullable): the entries
 */
GPtrArray *
hallway_listing_parse (const char  *data,
                       gsize        length,
                       GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) entries = NULL;
  JsonNode *root;
  JsonArray *array;

  root = hallway_json_parse (parser, data, length, HALLWAY_LISTING_MAX_BYTES,
                             "folder's listing", error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "The folder's listing is not a list");
      return NULL;
    }

  array = json_node_get_array (root);
  if (json_array_get_length (array) > HALLWAY_LISTING_MAX_ENTRIES)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The folder holds more than %d entries", HALLWAY_LISTING_MAX_ENTRIES);
      return NULL;
    }

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_listing_entry_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *object;
      const char *name;
      const char *type;
      const char *modified;
      HallwayListingEntry *entry;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      object = json_node_get_object (node);
      name = hallway_json_get_string (object, "name");
      type = hallway_json_get_string (object, "type");
      if (name == NULL || !hallway_path_component_is_valid (name, TRUE) ||
          (g_strcmp0 (type, "file") != 0 && g_strcmp0 (type, "folder") != 0))
        continue;

      entry = g_new0 (HallwayListingEntry, 1);
      entry->name = g_strdup (name);
      entry->is_folder = g_str_equal (type, "folder");
      node = json_object_get_member (object, "size");
      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_INT64)
        entry->size = MAX (0, json_node_get_int (node));
      modified = hallway_json_get_string (object, "modified");
      if (modified != NULL && strlen (modified) < 64)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (modified, NULL);

          if (when != NULL)
            entry->modified = g_date_time_to_unix (when);
        }
      g_ptr_array_add (entries, entry);
    }

  return g_steal_pointer (&entries);
}
