/* hallway-neighbours.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GET /api/v1/neighbours lists the computers a neighbour has verified
 * itself, so that computers mDNS can't join (another subnet, multicast
 * blocked) learn of each other through one that knows both. Each entry is
 * only a hint: the learner checks the certificate at the address given
 * before it shows anyone (daemon/hallway-daemon-gossip.c).
 */
#include "config.h"

#include "hallway-neighbours.h"

#include <json-glib/json-glib.h>

#include "hallway-error.h"
#include "hallway-identity.h"
#include "hallway-info.h"
#include "hallway-json.h"
#include "hallway-unicode.h"

void
hallway_neighbour_free (HallwayNeighbour *neighbour)
{
  if (neighbour == NULL)
    return;
  g_free (neighbour->id);
  g_free (neighbour->fingerprint);
  g_free (neighbour->name);
  g_strfreev (neighbour->addresses);
  g_free (neighbour);
}

/**
 * hallway_neighbours_to_json:
 * @neighbours: (element-type HallwayNeighbour): what this computer knows
 *
 * Returns: (transfer full): the JSON document served at /api/v1/neighbours
 */
char *
hallway_neighbours_to_json (GPtrArray *neighbours)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  hallway_json_begin_array_member (builder, "neighbours");
  for (guint i = 0; i < neighbours->len && i < HALLWAY_NEIGHBOURS_MAX_ENTRIES; i++)
    {
      const HallwayNeighbour *n = g_ptr_array_index (neighbours, i);

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "id", n->id);
      hallway_json_add_string (builder, "fp", n->fingerprint);
      hallway_json_add_string (builder, "name", n->name != NULL ? n->name : "");
      hallway_json_add_int (builder, "port", n->port);
      hallway_json_begin_array_member (builder, "addresses");
      for (guint j = 0; n->addresses != NULL && n->addresses[j] != NULL &&
                        j < HALLWAY_NEIGHBOURS_MAX_ADDRESSES; j++)
        json_builder_add_string_value (builder, n->addresses[j]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return hallway_json_to_data (builder, FALSE, NULL);
}

/* Numeric addresses only: a host name would make the learner ask a DNS
 * server where a stranger chose. */
static gboolean
address_is_numeric (const char *text)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *bare = NULL;
  const char *percent = strchr (text, '%');

  if (strlen (text) > HALLWAY_NEIGHBOURS_MAX_ADDRESS)
    return FALSE;
  bare = percent != NULL ? g_strndup (text, percent - text) : g_strdup (text);
  if (percent != NULL)
    for (const char *p = percent + 1; *p != '\0'; p++)
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
        return FALSE;
  address = g_inet_address_new_from_string (bare);
  return address != NULL &&
         (percent == NULL || g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6);
}

static HallwayNeighbour *
parse_entry (JsonNode *node)
{
  g_autoptr(HallwayNeighbour) n = NULL;
  g_autoptr(GStrvBuilder) addresses = g_strv_builder_new ();
  g_autofree char *fp_id = NULL;
  JsonObject *object;
  JsonNode *member;
  JsonArray *array;
  const char *text;
  guint n_addresses = 0;
  gint64 port;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  n = g_new0 (HallwayNeighbour, 1);

  text = hallway_json_get_string (object, "id");
  if (!hallway_device_id_is_valid (text))
    return NULL;
  n->id = g_strdup (text);

  /* Two names of one digest: a list that disagrees with itself is not
   * believed at all. */
  text = hallway_json_get_string (object, "fp");
  fp_id = hallway_fingerprint_dup_device_id (text);
  if (fp_id == NULL || !g_str_equal (fp_id, n->id))
    return NULL;
  n->fingerprint = g_strdup (text);

  text = hallway_json_get_string (object, "name");
  if (text != NULL && strlen (text) <= HALLWAY_INFO_MAX_NAME)
    n->name = hallway_utf8_make_printable (text, -1, HALLWAY_INFO_MAX_NAME);

  member = json_object_get_member (object, "port");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != G_TYPE_INT64)
    return NULL;
  port = json_node_get_int (member);
  if (port <= 0 || port > G_MAXUINT16)
    return NULL;
  n->port = (guint16) port;

  member = json_object_get_member (object, "addresses");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    return NULL;
  array = json_node_get_array (member);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (n_addresses >= HALLWAY_NEIGHBOURS_MAX_ADDRESSES)
        break;
      if (!JSON_NODE_HOLDS_VALUE (element) ||
          json_node_get_value_type (element) != G_TYPE_STRING)
        continue;
      text = json_node_get_string (element);
      if (!address_is_numeric (text))
        continue;
      g_strv_builder_add (addresses, text);
      n_addresses++;
    }
  if (n_addresses == 0)
    return NULL;
  n->addresses = g_strv_builder_end (addresses);

  return g_steal_pointer (&n);
}

/**
 * hallway_neighbours_parse:
 * @data: a neighbour's /api/v1/neighbours answer (untrusted)
 * @length: its length
 * @error: return location for a #GError
 *
 * Malformed entries are skipped; the first %HALLWAY_NEIGHBOURS_MAX_ENTRIES
 * well-formed ones are kept.
 *
 * Returns: (transfer full) (element-type HallwayNeighbour) (nullable): the
 *   computers it says it knows
 */
GPtrArray *
hallway_neighbours_parse (const char  *data,
                          gsize        length,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) neighbours = NULL;
  JsonNode *root;
  JsonNode *member;
  JsonArray *array;

  root = hallway_json_parse (parser, data, length, HALLWAY_NEIGHBOURS_MAX_BYTES,
                             "neighbour's list of neighbours", error);
  if (root == NULL)
    return NULL;
  member = JSON_NODE_HOLDS_OBJECT (root) ?
           json_object_get_member (json_node_get_object (root), "neighbours") : NULL;
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The neighbour's list of neighbours has no “neighbours”");
      return NULL;
    }

  neighbours = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_neighbour_free);
  array = json_node_get_array (member);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      HallwayNeighbour *n;

      if (neighbours->len >= HALLWAY_NEIGHBOURS_MAX_ENTRIES)
        break;
      n = parse_entry (json_array_get_element (array, i));
      if (n != NULL)
        g_ptr_array_add (neighbours, n);
    }
  return g_steal_pointer (&neighbours);
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  const HallwayNeighbour *na = *(const HallwayNeighbour **) a;
  const HallwayNeighbour *nb = *(const HallwayNeighbour **) b;

  return g_strcmp0 (na->id, nb->id);
}

/**
 * hallway_neighbours_dup_revision:
 * @neighbours: (element-type HallwayNeighbour): what this computer knows;
 *   sorted by id in place
 *
 * A short digest of the list that changes when a computer joins or leaves
 * it or moves: a neighbour that saw the same revision needs not ask again.
 *
 * Returns: (transfer full): the revision
 */
char *
hallway_neighbours_dup_revision (GPtrArray *neighbours)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *digest = NULL;

  g_ptr_array_sort (neighbours, compare_ids);
  for (guint i = 0; i < neighbours->len; i++)
    {
      const HallwayNeighbour *n = g_ptr_array_index (neighbours, i);
      char port[8];

      g_checksum_update (checksum, (const guchar *) n->id, -1);
      g_snprintf (port, sizeof port, ":%u", n->port);
      g_checksum_update (checksum, (const guchar *) port, -1);
      for (guint j = 0; n->addresses != NULL && n->addresses[j] != NULL; j++)
        {
          g_checksum_update (checksum, (const guchar *) " ", 1);
          g_checksum_update (checksum, (const guchar *) n->addresses[j], -1);
        }
      g_checksum_update (checksum, (const guchar *) "\n", 1);
    }
  digest = g_strdup (g_checksum_get_string (checksum));
  return g_strndup (digest, 16);
}
