/* hallway-daemon-drops-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Accepted offers that are not finished survive a restart: they are kept
 * in offers.json (a HallwayStateFile, written in a worker thread after
 * each change that matters), with where each file goes and its part file,
 * so a sender can continue where it was. What was saved is read back as
 * hostile input: the file may be damaged.
 */
#include "config.h"

#include "hallway-daemon-drops-private.h"

#include <json-glib/json-glib.h>

#include "hallway-drop.h"
#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-path.h"
#include "hallway-transfer.h"

#define STATE_MAX_BYTES (64 * 1024 * 1024)

static void
build_offer (JsonBuilder *builder,
             Offer       *offer)
{
  json_builder_begin_object (builder);
  hallway_json_add_string (builder, "id", offer->id);
  hallway_json_add_string (builder, "peer", offer->peer_id);
  hallway_json_add_string (builder, "peer_name", offer->peer_name);
  hallway_json_add_bool (builder, "trusted", offer->trusted);
  hallway_json_add_string (builder, "folder", offer->folder);
  hallway_json_begin_array_member (builder, "files");
  for (guint i = 0; i < offer->files->len; i++)
    {
      DropFile *file = g_ptr_array_index (offer->files, i);

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "path", file->path);
      hallway_json_add_int (builder, "size", file->size);
      hallway_json_add_bool (builder, "accepted", file->accepted);
      hallway_json_add_bool (builder, "complete", file->complete);
      if (file->dir != NULL)
        {
          hallway_json_add_string (builder, "dir", file->dir);
        }
      if (file->part != NULL)
        {
          hallway_json_add_string (builder, "part", file->part);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static char *
build_state (gpointer  user_data,
             gsize    *length)
{
  HallwayDaemonDrops *self = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  GHashTableIter iter;
  gpointer value;

  json_builder_begin_array (builder);
  g_hash_table_iter_init (&iter, self->offers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Offer *) value)->state == STATE_ACCEPTED)
      build_offer (builder, value);
  json_builder_end_array (builder);
  return hallway_json_to_data (builder, FALSE, length);
}

static void
save_failed_cb (HallwayStateFile *state_file,
                const GError     *error)
{
  g_warning ("Could not save the offers being received: %s", error->message);
}

/* Saves the accepted offers without holding up the main loop: a file
 * finished costs no fsync of its own, many finished during one write are
 * saved together by the next. */
void
_drops_save (HallwayDaemonDrops *self)
{
  if (self->state_file != NULL)
    hallway_state_file_save (self->state_file);
}

/* Saves now, in this thread (at shutdown): newer than any save under way. */
gboolean
hallway_daemon_drops_save_now (HallwayDaemonDrops  *self,
                               GError             **error)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_DROPS (self), FALSE);

  if (self->state_file == NULL)
    return TRUE;
  return hallway_state_file_save_now (self->state_file, error);
}

static gboolean
load_offer (HallwayDaemonDrops *self,
            JsonObject         *object)
{
  const char *id = hallway_json_get_string (object, "id");
  const char *peer = hallway_json_get_string (object, "peer");
  const char *peer_name = hallway_json_get_string (object, "peer_name");
  const char *folder = hallway_json_get_string (object, "folder");
  JsonNode *files_node = json_object_get_member (object, "files");
  JsonArray *files;
  gboolean trusted = FALSE;
  Offer *offer;

  if (!hallway_drop_id_is_valid (id) || peer == NULL || peer_name == NULL || folder == NULL ||
      !g_path_is_absolute (folder) || files_node == NULL || !JSON_NODE_HOLDS_ARRAY (files_node) ||
      g_hash_table_contains (self->offers, id))
    return FALSE;
  files = json_node_get_array (files_node);
  if (json_array_get_length (files) == 0 || json_array_get_length (files) > HALLWAY_DROP_MAX_FILES)
    return FALSE;
  if (json_object_has_member (object, "trusted"))
    trusted = json_object_get_boolean_member (object, "trusted");

  offer = _drops_offer_add (self, id, peer, peer_name, trusted);
  offer->state = STATE_ACCEPTED;
  offer->folder = g_strdup (folder);
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonNode *node = json_array_get_element (files, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *path = entry != NULL ? hallway_json_get_string (entry, "path") : NULL;
      const char *dir = entry != NULL ? hallway_json_get_string (entry, "dir") : NULL;
      const char *part = entry != NULL ? hallway_json_get_string (entry, "part") : NULL;
      DropFile *file;
      gint64 size;

      if (path == NULL || !json_object_has_member (entry, "size") ||
          (size = json_object_get_int_member (entry, "size")) < 0)
        {
          g_hash_table_remove (self->by_short, offer->short_id);
          g_hash_table_remove (self->offers, offer->id);
          return FALSE;
        }
      file = g_new0 (DropFile, 1);
      /* Sanitized when offered, and again here: the file may be damaged. */
      file->path = hallway_drop_sanitize_path (path);
      file->size = size;
      file->accepted = json_object_get_boolean_member_with_default (entry, "accepted", FALSE);
      file->complete = json_object_get_boolean_member_with_default (entry, "complete", FALSE);
      if (dir != NULL)
        file->dir = *dir == '\0' ? g_strdup ("") : hallway_drop_sanitize_path (dir);
      if (part != NULL && hallway_path_component_is_valid (part, TRUE) &&
          g_str_has_suffix (part, HALLWAY_TRANSFER_PART_SUFFIX))
        file->part = g_strdup (part);
      if (file->accepted)
        g_array_append_val (offer->accepted, i);
      offer->total += file->size;
      g_ptr_array_add (offer->files, file);
      if (file->complete)
        file->received = file->size;
      else
        _drops_file_find_part (offer, file);
    }
  _drops_offer_export (offer);
  return TRUE;
}

gboolean
hallway_daemon_drops_load (HallwayDaemonDrops  *self,
                           GError             **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  JsonNode *root;
  JsonArray *array;
  gsize length;
  guint damaged = 0;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_DROPS (self), FALSE);

  if (!g_file_get_contents (self->state_path, &data, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  root = hallway_json_parse (parser, data, length, STATE_MAX_BYTES, "list of offers", error);
  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "The list of offers is not a JSON array");
      return FALSE;
    }
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (node) || !load_offer (self, json_node_get_object (node)))
        damaged++;
    }
  if (damaged > 0)
    g_message ("Left out %u damaged entries of the list of offers", damaged);
  return TRUE;
}

void
_drops_store_open (HallwayDaemonDrops *self,
                   const char         *path)
{
  self->state_file = hallway_state_file_new (path, build_state, self);
  g_signal_connect (self->state_file, "failed", G_CALLBACK (save_failed_cb), NULL);
}

/* A save still waiting is done now; the offers may go after this. */
void
_drops_store_close (HallwayDaemonDrops *self)
{
  g_autoptr(GError) error = NULL;

  if (self->state_file == NULL)
    return;
  if (!hallway_state_file_close (self->state_file, &error))
    g_warning ("Could not save the offers being received: %s", error->message);
  g_clear_object (&self->state_file);
}
