/* hallway-info.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-info.h"

#include <json-glib/json-glib.h>

#include "hallway-error.h"
#include "hallway-identity.h"
#include "hallway-json.h"
#include "hallway-share.h"
#include "hallway-unicode.h"

void
hallway_info_free (HallwayInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->device_id);
  g_free (info->name);
  g_free (info->host);
  g_free (info->version);
  g_free (info->revision);
  g_free (info->neighbours);
  g_clear_pointer (&info->shares, g_ptr_array_unref);
  g_clear_pointer (&info->printers, g_ptr_array_unref);
  g_free (info);
}

void
hallway_info_printer_free (HallwayInfoPrinter *printer)
{
  g_free (printer->id);
  g_free (printer->name);
  g_free (printer->description);
  g_free (printer->location);
  g_free (printer->make_and_model);
  g_free (printer->state);
  g_free (printer->uuid);
  g_free (printer);
}

/**
 * hallway_info_printer_id_is_valid:
 * @id: (nullable): a shared printer's id
 *
 * Returns: whether @id can be a path segment of /ipp/print/<id>
 */
gboolean
hallway_info_printer_id_is_valid (const char *id)
{
  gsize length = id != NULL ? strlen (id) : 0;

  if (length == 0 || length > 64 || id[0] == '.')
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '_' && id[i] != '-' && id[i] != '.')
      return FALSE;
  return TRUE;
}

/**
 * hallway_info_add_printer:
 * @info: a description being built
 * @printer: a shared printer (copied)
 */
void
hallway_info_add_printer (HallwayInfo              *info,
                          const HallwayInfoPrinter *printer)
{
  HallwayInfoPrinter *copy = g_new0 (HallwayInfoPrinter, 1);

  if (info->printers == NULL)
    info->printers = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_info_printer_free);
  copy->id = g_strdup (printer->id);
  copy->name = g_strdup (printer->name);
  copy->description = g_strdup (printer->description);
  copy->location = g_strdup (printer->location);
  copy->make_and_model = g_strdup (printer->make_and_model);
  copy->state = g_strdup (printer->state);
  copy->uuid = g_strdup (printer->uuid);
  copy->port = printer->port;
  g_ptr_array_add (info->printers, copy);
  info->n_printers = info->printers->len;
}

void
hallway_info_share_free (HallwayInfoShare *share)
{
  g_free (share->id);
  g_free (share->name);
  g_free (share->access);
  g_free (share->audience);
  g_free (share);
}

/**
 * hallway_info_add_share:
 * @info: a description being built
 * @id: the share's id
 * @name: its name
 * @access: its access mode, as a string
 * @audience: its audience, as a string
 */
void
hallway_info_add_share (HallwayInfo *info,
                        const char  *id,
                        const char  *name,
                        const char  *access,
                        const char  *audience)
{
  HallwayInfoShare *share = g_new0 (HallwayInfoShare, 1);

  if (info->shares == NULL)
    info->shares = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_info_share_free);
  share->id = g_strdup (id);
  share->name = g_strdup (name);
  share->access = g_strdup (access);
  share->audience = g_strdup (audience);
  g_ptr_array_add (info->shares, share);
  info->n_shares = info->shares->len;
}

/**
 * hallway_info_to_json:
 * @info: what this computer says about itself
 *
 * Returns: (transfer full): the JSON document served at /api/v1/info
 */
char *
hallway_info_to_json (const HallwayInfo *info)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  hallway_json_add_string (builder, "id", info->device_id);
  hallway_json_add_string (builder, "name", info->name);
  hallway_json_add_string (builder, "host", info->host);
  hallway_json_add_string (builder, "version", info->version);
  hallway_json_add_int (builder, "port", info->port);
  hallway_json_begin_array_member (builder, "shares");
  for (guint i = 0; info->shares != NULL && i < info->shares->len; i++)
    {
      const HallwayInfoShare *share = g_ptr_array_index (info->shares, i);

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "id", share->id);
      hallway_json_add_string (builder, "name", share->name);
      hallway_json_add_string (builder, "access", share->access);
      hallway_json_add_string (builder, "audience", share->audience);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  hallway_json_begin_array_member (builder, "printers");
  for (guint i = 0; info->printers != NULL && i < info->printers->len; i++)
    {
      const HallwayInfoPrinter *printer = g_ptr_array_index (info->printers, i);
      const struct { const char *key; const char *value; } members[] = {
        { "id", printer->id },
        { "name", printer->name },
        { "description", printer->description },
        { "location", printer->location },
        { "make-and-model", printer->make_and_model },
        { "state", printer->state },
        { "uuid", printer->uuid },
      };

      json_builder_begin_object (builder);
      for (gsize m = 0; m < G_N_ELEMENTS (members); m++)
        {
          hallway_json_add_string (builder, members[m].key,
                                   members[m].value != NULL ? members[m].value : "");
        }
      hallway_json_add_int (builder, "port", printer->port);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  hallway_json_add_bool (builder, "accepts-drops", info->accepts_drops);
  if (info->revision != NULL)
    hallway_json_add_string (builder, "revision", info->revision);
  if (info->neighbours != NULL)
    hallway_json_add_string (builder, "neighbours", info->neighbours);
  json_builder_end_object (builder);

  return hallway_json_to_data (builder, FALSE, NULL);
}

static char *
dup_string_member (JsonObject  *object,
                   const char  *member,
                   gsize        max_bytes,
                   gboolean     required,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                     "The neighbour's description has no “%s”", member);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The neighbour's “%s” is not text", member);
      return NULL;
    }

  value = json_node_get_string (node);
  /* json-glib only produces valid UTF-8, but control characters would let a
   * neighbour forge lines in a terminal or a log. */
  if (strlen (value) > max_bytes)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The neighbour's “%s” is too long", member);
      return NULL;
    }
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                     "The neighbour's “%s” contains control characters", member);
        return NULL;
      }

  return g_strdup (value);
}

static guint
count_array_member (JsonObject *object,
                    const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return 0;
  return json_array_get_length (json_node_get_array (node));
}

static gboolean
parse_shares (HallwayInfo  *info,
              JsonObject   *object,
              GError      **error)
{
  JsonNode *node = json_object_get_member (object, "shares");
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The neighbour's list of shared folders is malformed");
      return FALSE;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *share;
      g_autofree char *id = NULL;
      g_autofree char *name = NULL;
      g_autofree char *access = NULL;
      g_autofree char *audience = NULL;
      HallwayShareAccess a;
      HallwayShareAudience b;

      if (i >= HALLWAY_INFO_MAX_SHARES)
        break;
      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      share = json_node_get_object (element);
      id = dup_string_member (share, "id", 32, FALSE, NULL);
      name = dup_string_member (share, "name", HALLWAY_SHARE_NAME_MAX, FALSE, NULL);
      /* Shown to a person: a share of an older Hallway keeps its place in
       * the list, without the formatting that could disguise its name. */
      if (name != NULL)
        {
          g_autofree char *announced = g_steal_pointer (&name);

          name = hallway_utf8_strip_invisible (announced);
        }
      access = dup_string_member (share, "access", 16, FALSE, NULL);
      audience = dup_string_member (share, "audience", 16, FALSE, NULL);

      /* One bad entry is skipped, not the whole neighbour. */
      if (!hallway_share_id_is_valid (id) || !hallway_share_name_is_valid (name, NULL) ||
          !hallway_share_access_from_string (access, &a) ||
          !hallway_share_audience_from_string (audience, &b))
        continue;
      hallway_info_add_share (info, id, name, access, audience);
    }
  return TRUE;
}

static void
parse_printers (HallwayInfo *info,
                JsonObject  *object)
{
  JsonNode *node = json_object_get_member (object, "printers");
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array) && i < HALLWAY_INFO_MAX_PRINTERS; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *member;
      JsonNode *port;
      HallwayInfoPrinter printer = { 0 };

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      member = json_node_get_object (element);
      printer.id = dup_string_member (member, "id", 64, FALSE, NULL);
      printer.name = dup_string_member (member, "name", 128, FALSE, NULL);
      printer.description = dup_string_member (member, "description", HALLWAY_INFO_MAX_NAME, FALSE,
                                               NULL);
      printer.location = dup_string_member (member, "location", HALLWAY_INFO_MAX_NAME, FALSE, NULL);
      printer.make_and_model = dup_string_member (member, "make-and-model", HALLWAY_INFO_MAX_NAME,
                                                  FALSE, NULL);
      printer.state = dup_string_member (member, "state", 16, FALSE, NULL);
      printer.uuid = dup_string_member (member, "uuid", 64, FALSE, NULL);
      port = json_object_get_member (member, "port");
      if (port != NULL && JSON_NODE_HOLDS_VALUE (port) &&
          json_node_get_value_type (port) == G_TYPE_INT64 &&
          json_node_get_int (port) > 0 && json_node_get_int (port) <= G_MAXUINT16)
        printer.port = json_node_get_int (port);

      /* One bad entry is skipped, not the whole neighbour. */
      if (hallway_info_printer_id_is_valid (printer.id) && printer.name != NULL &&
          printer.port != 0)
        hallway_info_add_printer (info, &printer);
      g_free (printer.id);
      g_free (printer.name);
      g_free (printer.description);
      g_free (printer.location);
      g_free (printer.make_and_model);
      g_free (printer.state);
      g_free (printer.uuid);
    }
}

/**
 * hallway_info_parse:
 * @data: a neighbour's /api/v1/info answer (untrusted)
 * @length: its length
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): what the neighbour says about itself
 */
HallwayInfo *
hallway_info_parse (const char  *data,
                    gsize        length,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(HallwayInfo) info = g_new0 (HallwayInfo, 1);
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  JsonNode *node;

  if (length > HALLWAY_INFO_MAX_BYTES)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The neighbour's description is too large");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The neighbour's description is not valid JSON: %s", local_error->message);
      return NULL;
    }

  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The neighbour's description is not a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);

  info->device_id = dup_string_member (object, "id", HALLWAY_DEVICE_ID_LEN, TRUE, error);
  if (info->device_id == NULL)
    return NULL;
  if (!hallway_device_id_is_valid (info->device_id))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The neighbour's device id is malformed");
      return NULL;
    }

  info->name = dup_string_member (object, "name", HALLWAY_INFO_MAX_NAME, TRUE, error);
  if (info->name == NULL)
    return NULL;
  /* The name is shown to people, and compared with a trusted colleague's:
   * without the bidi controls and other invisible characters a name could
   * hide behind, as a share's. */
  {
    g_autofree char *announced = g_steal_pointer (&info->name);

    info->name = hallway_utf8_strip_invisible (announced);
  }

  info->host = dup_string_member (object, "host", HALLWAY_INFO_MAX_NAME, FALSE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  info->version = dup_string_member (object, "version", 64, FALSE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  /* Both only compared with what came before: wrong ones cost a request. */
  info->revision = dup_string_member (object, "revision", HALLWAY_INFO_MAX_REVISION, FALSE,
                                      NULL);
  info->neighbours = dup_string_member (object, "neighbours", HALLWAY_INFO_MAX_REVISION, FALSE,
                                        NULL);

  node = json_object_get_member (object, "port");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 port = json_node_get_int (node);

      if (port > 0 && port <= G_MAXUINT16)
        info->port = port;
    }

  node = json_object_get_member (object, "accepts-drops");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    info->accepts_drops = json_node_get_boolean (node);

  if (!parse_shares (info, object, error))
    return NULL;
  parse_printers (info, object);
  info->n_printers = count_array_member (object, "printers");

  return g_steal_pointer (&info);
}
