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
