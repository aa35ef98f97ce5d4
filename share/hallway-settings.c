/* hallway-settings.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-settings.h"

/**
 * hallway_dup_settings:
 *
 * Without the schema installed (a build tree, a container) GSettings would
 * abort instead of failing; then the callers use their defaults.
 *
 * Returns: (transfer full) (nullable): Hallway's settings, or %NULL when
 *   the schema is not installed
 */
GSettings *
hallway_dup_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  return schema != NULL ? g_settings_new (APP_ID) : NULL;
}

/**
 * hallway_dup_downloads_folder:
 *
 * Returns: (transfer full): the person's Downloads folder (XDG), else
 *   ~/Downloads; it may not exist yet
 */
char *
hallway_dup_downloads_folder (void)
{
  const char *dir = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);

  if (dir != NULL)
    return g_strdup (dir);
  return g_build_filename (g_get_home_dir (), "Downloads", NULL);
}

/**
 * hallway_dup_receive_folder:
 * @settings: (nullable): Hallway's settings
 *
 * Returns: (transfer full): where files colleagues send are saved: the
 *   receive-folder setting when it is an absolute path, else the
 *   Downloads folder
 */
char *
hallway_dup_receive_folder (GSettings *settings)
{
  g_autofree char *folder = NULL;

  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  if (settings != NULL)
    folder = g_settings_get_string (settings, "receive-folder");
  if (folder != NULL && g_path_is_absolute (folder))
    return g_steal_pointer (&folder);
  return hallway_dup_downloads_folder ();
}
