/* hallway-pins.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One group per neighbour, named after its device id. Because the device id
 * is the SHA-256 of the neighbour's certificate, remembering the id pins the
 * certificate: a computer that later presents another certificate has
 * another id, however it names itself.
 */
#include "config.h"

#include "hallway-pins.h"

#include <glib/gstdio.h>

#include "hallway-error.h"
#include "hallway-identity.h"

#define GROUP_PREFIX "peer "
#define MAX_ADDRESSES 8

struct _HallwayPins
{
  GObject   parent_instance;

  char     *path;
  GKeyFile *keyfile;
};

G_DEFINE_FINAL_TYPE (HallwayPins, hallway_pins, G_TYPE_OBJECT)

/**
 * hallway_pins_new:
 * @path: where the store lives, usually `$XDG_DATA_HOME/hallway/peers.ini`
 *
 * Returns: (transfer full): an empty store; call hallway_pins_load()
 */
HallwayPins *
hallway_pins_new (const char *path)
{
  HallwayPins *self = g_object_new (HALLWAY_TYPE_PINS, NULL);

  self->path = g_strdup (path);
  return self;
}

/**
 * hallway_pins_load:
 * @self: a #HallwayPins
 * @error: return location for a #GError
 *
 * Reads the store. A missing file is an empty store. Groups with a malformed
 * device id are dropped.
 *
 * Returns: whether the file could be read
 */
gboolean
hallway_pins_load (HallwayPins  *self,
                   GError      **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (HALLWAY_IS_PINS (self), FALSE);

  if (!g_key_file_load_from_file (keyfile, self->path, G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   "Could not read the list of known neighbours: %s", local_error->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (!g_str_has_prefix (groups[i], GROUP_PREFIX) ||
        !hallway_device_id_is_valid (groups[i] + strlen (GROUP_PREFIX)))
      g_key_file_remove_group (keyfile, groups[i], NULL);

  g_key_file_unref (self->keyfile);
  self->keyfile = g_steal_pointer (&keyfile);
  return TRUE;
}

/**
 * hallway_pins_save:
 * @self: a #HallwayPins
 * @error: return location for a #GError
 *
 * Writes the store atomically, readable only by its owner.
 *
 * Returns: whether it was written
 */
gboolean
hallway_pins_save (HallwayPins  *self,
                   GError      **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (HALLWAY_IS_PINS (self), FALSE);

  dir = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create the folder for known neighbours: %s",
                   g_strerror (saved_errno));
      return FALSE;
    }

  data = g_key_file_to_data (self->keyfile, &length, NULL);
  return g_file_set_contents_full (self->path, data, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static char *
group_for (const char *device_id)
{
  return g_strconcat (GROUP_PREFIX, device_id, NULL);
}

/**
 * hallway_pins_dup_ids:
 * @self: a #HallwayPins
 *
 * Returns: (transfer full): the device ids remembered
 */
GStrv
hallway_pins_dup_ids (HallwayPins *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (HALLWAY_IS_PINS (self), NULL);

  groups = g_key_file_get_groups (self->keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    g_strv_builder_add (builder, groups[i] + strlen (GROUP_PREFIX));
  return g_strv_builder_end (builder);
}

gboolean
hallway_pins_contains (HallwayPins *self,
                       const char  *device_id)
{
  g_autofree char *group = group_for (device_id);

  g_return_val_if_fail (HALLWAY_IS_PINS (self), FALSE);

  return g_key_file_has_group (self->keyfile, group);
}

/**
 * hallway_pins_remember:
 * @self: a #HallwayPins
 * @device_id: a neighbour's device id
 * @name: (nullable): how it calls itself
 *
 * Adds a neighbour (or updates its name). Call hallway_pins_save() after.
 */
void
hallway_pins_remember (HallwayPins *self,
                       const char  *device_id,
                       const char  *name)
{
  g_autofree char *group = group_for (device_id);

  g_return_if_fail (HALLWAY_IS_PINS (self));
  g_return_if_fail (hallway_device_id_is_valid (device_id));

  if (!g_key_file_has_group (self->keyfile, group))
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *iso = g_date_time_format_iso8601 (now);

      g_key_file_set_string (self->keyfile, group, "first-seen", iso);
      g_key_file_set_boolean (self->keyfile, group, "trusted", FALSE);
    }
  if (name != NULL)
    g_key_file_set_string (self->keyfile, group, "name", name);
}

/**
 * hallway_pins_dup_name:
 * @self: a #HallwayPins
 * @device_id: a neighbour's device id
 *
 * Returns: (transfer full) (nullable): the name last seen
 */
char *
hallway_pins_dup_name (HallwayPins *self,
                       const char  *device_id)
{
  g_autofree char *group = group_for (device_id);

  g_return_val_if_fail (HALLWAY_IS_PINS (self), NULL);

  return g_key_file_get_string (self->keyfile, group, "name", NULL);
}

gboolean
hallway_pins_get_trusted (HallwayPins *self,
                          const char  *device_id)
{
  g_autofree char *group = group_for (device_id);

  g_return_val_if_fail (HALLWAY_IS_PINS (self), FALSE);

  return g_key_file_get_boolean (self->keyfile, group, "trusted", NULL);
}

void
hallway_pins_set_trusted (HallwayPins *self,
                          const char  *device_id,
                          gboolean     trusted)
{
  g_autofree char *group = group_for (device_id);

  g_return_if_fail (HALLWAY_IS_PINS (self));

  hallway_pins_remember (self, device_id, NULL);
  g_key_file_set_boolean (self->keyfile, group, "trusted", trusted);
}

/**
 * hallway_pins_dup_host:
 * @self: a #HallwayPins
 * @device_id: a neighbour's device id
 *
 * Returns: (transfer full) (nullable): the host name it last had
 */
char *
hallway_pins_dup_host (HallwayPins *self,
                       const char  *device_id)
{
  g_autofree char *group = group_for (device_id);

  g_return_val_if_fail (HALLWAY_IS_PINS (self), NULL);

  return g_key_file_get_string (self->keyfile, group, "host", NULL);
}

/**
 * hallway_pins_set_host:
 * @self: a #HallwayPins
 * @device_id: a neighbour's device id
 * @host: its host name, as it last announced it
 */
void
hallway_pins_set_host (HallwayPins *self,
                       const char  *device_id,
                       const char  *host)
{
  g_autofree char *group = group_for (device_id);

  g_return_if_fail (HALLWAY_IS_PINS (self));

  hallway_pins_remember (self, device_id, NULL);
  g_key_file_set_string (self->keyfile, group, "host", host);
}

/* The first trusted neighbour, other than @except_id, whose @key was
 * @value (compared case-folded when @fold). */
static char *
find_trusted (HallwayPins *self,
              const char  *key,
              const char  *value,
              gboolean     fold,
              const char  *except_id)
{
  g_auto(GStrv) groups = NULL;
  g_autofree char *folded = NULL;

  if (value == NULL || *value == '\0')
    return NULL;

  folded = fold ? g_utf8_casefold (value, -1) : g_strdup (value);
  groups = g_key_file_get_groups (self->keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *pinned = NULL;
      g_autofree char *pinned_folded = NULL;
      const char *id;

      if (!g_str_has_prefix (groups[i], GROUP_PREFIX))
        continue;
      id = groups[i] + strlen (GROUP_PREFIX);
      if (g_strcmp0 (id, except_id) == 0 ||
          !g_key_file_get_boolean (self->keyfile, groups[i], "trusted", NULL))
        continue;
      pinned = g_key_file_get_string (self->keyfile, groups[i], key, NULL);
      if (pinned == NULL)
        continue;
      pinned_folded = fold ? g_utf8_casefold (pinned, -1) : g_strdup (pinned);
      if (g_str_equal (pinned_folded, folded))
        return g_strdup (id);
    }
  return NULL;
}

/**
 * hallway_pins_dup_trusted_id_for_host:
 * @self: a #HallwayPins
 * @host: a host name
 *
 * Returns: (transfer full) (nullable): the device id of a trusted neighbour
 *   last seen with @host as its host name
 */
char *
hallway_pins_dup_trusted_id_for_host (HallwayPins *self,
                                      const char  *host)
{
  g_return_val_if_fail (HALLWAY_IS_PINS (self), NULL);

  return find_trusted (self, "host", host, FALSE, NULL);
}

/**
 * hallway_pins_dup_trusted_id_for_name:
 * @self: a #HallwayPins
 * @name: a display name
 * @except_id: (nullable): a device id not to count
 *
 * A display name is a label anyone can announce: this tells whether a
 * trusted colleague other than @except_id was remembered under @name (any
 * case), so that another computer announcing it can be flagged.
 *
 * Returns: (transfer full) (nullable): that colleague's device id
 */
char *
hallway_pins_dup_trusted_id_for_name (HallwayPins *self,
                                      const char  *name,
                                      const char  *except_id)
{
  g_return_val_if_fail (HALLWAY_IS_PINS (self), NULL);

  return find_trusted (self, "name", name, TRUE, except_id);
}

/**
 * hallway_pins_forget:
 * @self: a #HallwayPins
 * @device_id: a neighbour's device id
 */
void
hallway_pins_forget (HallwayPins *self,
                     const char  *device_id)
{
  g_autofree char *group = group_for (device_id);

  g_return_if_fail (HALLWAY_IS_PINS (self));

  g_key_file_remove_group (self->keyfile, group, NULL);
}

/**
 * hallway_pins_dup_addresses:
 * @self: a #HallwayPins
 * @device_id: a neighbour's device id
 *
 * Returns: (transfer full): addresses it was added by, as "host:port"
 */
GStrv
hallway_pins_dup_addresses (HallwayPins *self,
                            const char  *device_id)
{
  g_autofree char *group = group_for (device_id);
  GStrv addresses;

  g_return_val_if_fail (HALLWAY_IS_PINS (self), NULL);

  addresses = g_key_file_get_string_list (self->keyfile, group, "addresses", NULL, NULL);
  return addresses != NULL ? addresses : g_new0 (char *, 1);
}

void
hallway_pins_add_address (HallwayPins *self,
                          const char  *device_id,
                          const char  *address)
{
  g_autofree char *group = group_for (device_id);
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) addresses = NULL;
  guint n = 1;

  g_return_if_fail (HALLWAY_IS_PINS (self));

  hallway_pins_remember (self, device_id, NULL);
  old = hallway_pins_dup_addresses (self, device_id);

  /* Newest first; a bounded list, so a flapping neighbour can't grow it. */
  g_strv_builder_add (builder, address);
  for (guint i = 0; old[i] != NULL && n < MAX_ADDRESSES; i++)
    if (g_strcmp0 (old[i], address) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  addresses = g_strv_builder_end (builder);
  g_key_file_set_string_list (self->keyfile, group, "addresses",
                              (const char * const *) addresses, g_strv_length (addresses));
}

static void
hallway_pins_finalize (GObject *object)
{
  HallwayPins *self = HALLWAY_PINS (object);

  g_free (self->path);
  g_key_file_unref (self->keyfile);

  G_OBJECT_CLASS (hallway_pins_parent_class)->finalize (object);
}

static void
hallway_pins_class_init (HallwayPinsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hallway_pins_finalize;
}

static void
hallway_pins_init (HallwayPins *self)
{
  self->keyfile = g_key_file_new ();
}
