/* hallway-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * JSON from elsewhere is hostile input: bounded before it is parsed, and
 * read with type checks of our own, so a wrong type never reaches
 * json-glib's precondition checks (which would log criticals). What
 * Hallway writes is built one member per call with the helpers below.
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

/**
 * hallway_json_dup_message:
 * @body: (nullable): a neighbour's answer, `{"error": …, "message": …}`
 *
 * Returns: (nullable): the neighbour's own words for what went wrong, if
 *   the answer is JSON and they are valid text of a sensible length
 */
char *
hallway_json_dup_message (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  if (length > 0 && length <= 64 * 1024 &&
      json_parser_load_from_data (parser, data, length, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));
      const char *text = hallway_json_get_string (object, "message");

      if (text != NULL && g_utf8_validate (text, -1, NULL) && strlen (text) < 1024)
        return g_strdup (text);
    }
  return NULL;
}

/**
 * hallway_json_get_indexes:
 * @node: an array
 * @limit: every index must be below it
 * @out: (element-type guint): where the indexes are appended, each once,
 *   in the order they first appear
 *
 * Reads a list of indexes into something of @limit elements, such as the
 * files of an offer a colleague accepted.
 *
 * Returns: %FALSE if @node is not an array of integers from 0 to
 *   @limit - 1 (@out may then hold some of them)
 */
gboolean
hallway_json_get_indexes (JsonNode *node,
                          guint     limit,
                          GArray   *out)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gint64 index;
      guint value;

      if (!JSON_NODE_HOLDS_VALUE (element) ||
          json_node_get_value_type (element) != G_TYPE_INT64)
        return FALSE;
      index = json_node_get_int (element);
      if (index < 0 || index >= limit)
        return FALSE;
      value = index;
      if (g_hash_table_add (seen, GUINT_TO_POINTER (value + 1)))
        g_array_append_val (out, value);
    }
  return TRUE;
}

/**
 * hallway_json_add_string:
 * @builder: a #JsonBuilder inside an object
 * @member: the member's name
 * @value: (nullable): its value; %NULL is written as null
 */
void
hallway_json_add_string (JsonBuilder *builder,
                         const char  *member,
                         const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
hallway_json_add_int (JsonBuilder *builder,
                      const char  *member,
                      gint64       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

void
hallway_json_add_bool (JsonBuilder *builder,
                       const char  *member,
                       gboolean     value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_boolean_value (builder, value);
}

void
hallway_json_add_double (JsonBuilder *builder,
                         const char  *member,
                         double       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_double_value (builder, value);
}

/* Starts the array that is the value of @member; end it with
 * json_builder_end_array(). */
void
hallway_json_begin_array_member (JsonBuilder *builder,
                                 const char  *member)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
}

/**
 * hallway_json_to_data:
 * @builder: a #JsonBuilder whose outermost value is complete
 * @pretty: indent it for people
 * @out_length: (out) (optional): the length of the text
 *
 * Returns: (transfer full): the JSON text
 */
char *
hallway_json_to_data (JsonBuilder *builder,
                      gboolean     pretty,
                      gsize       *out_length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  g_return_val_if_fail (root != NULL, NULL);

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, pretty);
  return json_generator_to_data (generator, out_length);
}
