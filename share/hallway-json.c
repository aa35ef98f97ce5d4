/* hallway-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * JSON from elsewhere is hostile input: bounded before it is parsed, and
 * read with type checks of our own, so a wrong type never reaches
 * json-glib's precondition checks (which would log criticals).
 */
#include "config.h"

#include "hallway-json.h"

#include "hallway-error.h"

/**
 * hallway_json_parse:
 * @parser: a parser; it owns the returned node
 * @data: the text (untrusted)
 * @length: its length
 * @max_bytes: the largest text accepted
 * @what: what it is, for messages: "folder's listing"
 * @error: return location for a #GError
 *
 * Returns: (transfer none) (nullable): the root node
 */
JsonNode *
hallway_json_parse (JsonParser  *parser,
                    const char  *data,
                    gsize        length,
                    gsize        max_bytes,
                    const char  *what,
                    GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (length > max_bytes)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA, "The %s is too large", what);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The %s is not valid JSON: %s", what, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA, "The %s is empty", what);
  return root;
}

/**
 * hallway_json_get_string:
 * @object: an object
 * @member: a member name
 *
 * Returns: (nullable): the member's string, or %NULL when it is missing or
 *   not a string
 */
const char *
hallway_json_get_string (JsonObject *object,
                         const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}
