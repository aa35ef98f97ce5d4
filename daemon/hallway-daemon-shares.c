/* hallway-daemon-shares.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing is shared until the person shares it. Shares survive restarts in
 * $XDG_CONFIG_HOME/hallway/shares.ini (0600: it holds password hashes); a
 * share whose folder disappeared stays listed, as unavailable.
 */
#include "config.h"

#include "hallway-daemon-shares.h"

#include <glib/gi18n.h>

#include "hallway-error.h"
#include "hallway-password.h"
#include "hallway-unicode.h"

#define GROUP_PREFIX "share "

struct _HallwayDaemonShares
{
  GObject    parent_instance;

  char      *config_path;
  char      *private_dir;   /* never shareable with hidden files shown */
  GPtrArray *shares;        /* HallwayShare, in the order they were added */
};

G_DEFINE_FINAL_TYPE (HallwayDaemonShares, hallway_daemon_shares, G_TYPE_OBJECT)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/**
 * hallway_daemon_shares_new:
 * @config_path: where shares are kept, usually `$XDG_CONFIG_HOME/hallway/shares.ini`
 * @private_dir: Hallway's own data folder (identity key), which must never be served
 *
 * Returns: (transfer full): an empty registry; call hallway_daemon_shares_load()
 */
HallwayDaemonShares *
hallway_daemon_shares_new (const char *config_path,
                           const char *private_dir)
{
  HallwayDaemonShares *self = g_object_new (HALLWAY_TYPE_DAEMON_SHARES, NULL);

  self->config_path = g_strdup (config_path);
  self->private_dir = g_strdup (private_dir);
  return self;
}

static gboolean
save (HallwayDaemonShares  *self,
      GError              **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *dir = g_path_get_dirname (self->config_path);
  g_autofree char *data = NULL;
  gsize length;

  for (guint i = 0; i < self->shares->len; i++)
    {
      HallwayShare *share = g_ptr_array_index (self->shares, i);
      g_autofree char *group = g_strconcat (GROUP_PREFIX, hallway_share_get_id (share), NULL);

      g_key_file_set_string (keyfile, group, "name", hallway_share_get_name (share));
      g_key_file_set_string (keyfile, group, "path", hallway_share_get_path (share));
      g_key_file_set_string (keyfile, group, "access",
                             hallway_share_access_to_string (hallway_share_get_access (share)));
      g_key_file_set_string (keyfile, group, "audience",
                             hallway_share_audience_to_string (hallway_share_get_audience (share)));
      if (hallway_share_get_password_hash (share) != NULL)
        g_key_file_set_string (keyfile, group, "password-hash",
                               hallway_share_get_password_hash (share));
      g_key_file_set_boolean (keyfile, group, "show-hidden",
                              hallway_share_get_show_hidden (share));
      g_key_file_set_boolean (keyfile, group, "enabled", hallway_share_get_enabled (share));
    }

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("Could not save the list of shared folders: %s"), g_strerror (saved_errno));
      return FALSE;
    }
  data = g_key_file_to_data (keyfile, &length, NULL);
  return g_file_set_contents_full (self->config_path, data, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/**
 * hallway_daemon_shares_load:
 * @self: a #HallwayDaemonShares
 * @error: return location for a #GError
 *
 * Reads the shares. A missing file means nothing is shared. A damaged entry
 * is skipped (and kept out of the file the next time it is written).
 *
 * Returns: whether the file could be read
 */
gboolean
hallway_daemon_shares_load (HallwayDaemonShares  *self,
                            GError              **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_SHARES (self), FALSE);

  g_ptr_array_set_size (self->shares, 0);
  if (!g_key_file_load_from_file (keyfile, self->config_path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("Could not read the list of shared folders: %s"), local_error->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL && self->shares->len < HALLWAY_MAX_SHARES; i++)
    {
      const char *id = groups[i] + strlen (GROUP_PREFIX);
      g_autofree char *stored_name = g_key_file_get_string (keyfile, groups[i], "name", NULL);
      g_autofree char *name = NULL;
      g_autofree char *path = g_key_file_get_string (keyfile, groups[i], "path", NULL);
      g_autofree char *access_text = g_key_file_get_string (keyfile, groups[i], "access", NULL);
      g_autofree char *audience_text = g_key_file_get_string (keyfile, groups[i], "audience", NULL);
      g_autofree char *hash = g_key_file_get_string (keyfile, groups[i], "password-hash", NULL);
      HallwayShareAccess access;
      HallwayShareAudience audience;
      HallwayShare *share;

      /* Names saved before invisible formatting was refused lose it. */
      if (stored_name != NULL)
        name = hallway_utf8_strip_invisible (stored_name);
      if (!g_str_has_prefix (groups[i], GROUP_PREFIX) || !hallway_share_id_is_valid (id) ||
          !hallway_share_name_is_valid (name, NULL) || path == NULL || !g_path_is_absolute (path) ||
          !hallway_share_access_from_string (access_text, &access) ||
          !hallway_share_audience_from_string (audience_text, &audience) ||
          (audience == HALLWAY_SHARE_AUDIENCE_PASSWORD && hash == NULL))
        {
          g_warning ("Ignoring a damaged entry in the list of shared folders");
          continue;
        }

      share = hallway_share_new (id, name, path, access, audience);
      hallway_share_set_password_hash (share, hash);
      hallway_share_set_show_hidden (share, g_key_file_get_boolean (keyfile, groups[i],
                                                                    "show-hidden", NULL));
      /* Older files have no "enabled": their shares are on. */
      hallway_share_set_enabled (share,
                                 !g_key_file_has_key (keyfile, groups[i], "enabled", NULL) ||
                                   g_key_file_get_boolean (keyfile, groups[i], "enabled", NULL));
      g_ptr_array_add (self->shares, share);
    }

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

/* How many folders are shared right now: those switched off don't count. */
guint
hallway_daemon_shares_get_count (HallwayDaemonShares *self)
{
  guint n = 0;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_SHARES (self), 0);

  for (guint i = 0; i < self->shares->len; i++)
    if (hallway_share_get_enabled (g_ptr_array_index (self->shares, i)))
      n++;
  return n;
}

/**
 * hallway_daemon_shares_dup_all:
 * @self: a #HallwayDaemonShares
 *
 * Returns: (transfer container) (element-type HallwayShare): every share
 */
GPtrArray *
hallway_daemon_shares_dup_all (HallwayDaemonShares *self)
{
  GPtrArray *all;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_SHARES (self), NULL);

  all = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->shares->len; i++)
    g_ptr_array_add (all, g_object_ref (g_ptr_array_index (self->shares, i)));
  return all;
}

/**
 * hallway_daemon_shares_lookup:
 * @self: a #HallwayDaemonShares
 * @id: a share id, as in a URL
 *
 * Returns: (transfer none) (nullable): the share
 */
HallwayShare *
hallway_daemon_shares_lookup (HallwayDaemonShares *self,
                              const char          *id)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_SHARES (self), NULL);

  for (guint i = 0; i < self->shares->len; i++)
    {
      HallwayShare *share = g_ptr_array_index (self->shares, i);

      if (g_strcmp0 (hallway_share_get_id (share), id) == 0)
        return share;
    }
  return NULL;
}

/**
 * hallway_daemon_shares_find:
 * @self: a #HallwayDaemonShares
 * @name_or_id: a share's name (case-insensitive) or id
 *
 * Returns: (transfer none) (nullable): the share
 */
HallwayShare *
hallway_daemon_shares_find (HallwayDaemonShares *self,
                            const char          *name_or_id)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_SHARES (self), NULL);

  if (name_or_id == NULL || !g_utf8_validate (name_or_id, -1, NULL))
    return NULL;

  folded = g_utf8_casefold (name_or_id, -1);
  for (guint i = 0; i < self->shares->len; i++)
    {
      HallwayShare *share = g_ptr_array_index (self->shares, i);
      g_autofree char *name = g_utf8_casefold (hallway_share_get_name (share), -1);

      if (g_str_equal (name, folded))
        return share;
    }
  return hallway_daemon_shares_lookup (self, name_or_id);
}

static gboolean
path_contains (const char *ancestor,
               const char *path)
{
  gsize n = strlen (ancestor);

  return g_str_equal (ancestor, "/") ||
         (strncmp (ancestor, path, n) == 0 && (path[n] == '\0' || path[n] == '/'));
}

/**
 * hallway_daemon_shares_add:
 * @self: a #HallwayDaemonShares
 * @path: the folder to share
 * @name: (nullable): what colleagues see; the folder's name when %NULL
 * @access: what colleagues may do
 * @audience: who may
 * @password: (nullable): required for %HALLWAY_SHARE_AUDIENCE_PASSWORD; only
 *   its salted hash is kept
 * @error: return location for a #GError
 *
 * Returns: (transfer none) (nullable): the new share, saved
 */
HallwayShare *
hallway_daemon_shares_add (HallwayDaemonShares   *self,
                           const char            *path,
                           const char            *name,
                           HallwayShareAccess     access,
                           HallwayShareAudience   audience,
                           const char            *password,
                           GError               **error)
{
  g_autofree char *canonical = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *id = NULL;
  g_autoptr(HallwayShare) share = NULL;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_SHARES (self), NULL);

  if (path == NULL || !g_path_is_absolute (path))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("Give the folder to share as an absolute path"));
      return NULL;
    }
  canonical = realpath (path, NULL);
  if (canonical != NULL && !g_file_test (canonical, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("%s is a file; only folders are shared. Share the folder it is in, or "
                     "send the file to a colleague instead"), path);
      return NULL;
    }
  if (canonical == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                   _("There is no folder at %s"), path);
      return NULL;
    }
  if (g_str_equal (canonical, "/"))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED,
                           _("Sharing the whole computer is not allowed; share a folder in it"));
      return NULL;
    }
  if (path_contains (self->private_dir, canonical))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED,
                           _("That folder holds Hallway's private key and can't be shared"));
      return NULL;
    }

  if (name == NULL || *name == '\0')
    {
      g_autofree char *folder = g_path_get_basename (canonical);

      /* A folder's name may carry a right-to-left mark pasted in with it:
       * colleagues get the name without, rather than no share at all. */
      basename = g_utf8_validate (folder, -1, NULL) ? hallway_utf8_strip_invisible (folder)
                                                    : g_steal_pointer (&folder);
      name = basename;
    }
  if (!hallway_share_name_is_valid (name, error))
    return NULL;

  if (self->shares->len >= HALLWAY_MAX_SHARES)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("You already share %d folders, the most Hallway allows"), HALLWAY_MAX_SHARES);
      return NULL;
    }
  for (guint i = 0; i < self->shares->len; i++)
    {
      HallwayShare *other = g_ptr_array_index (self->shares, i);
      g_autofree char *a = g_utf8_casefold (hallway_share_get_name (other), -1);
      g_autofree char *b = g_utf8_casefold (name, -1);

      if (g_str_equal (a, b))
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                       _("You already share a folder called “%s”"), hallway_share_get_name (other));
          return NULL;
        }
      if (g_str_equal (hallway_share_get_path (other), canonical))
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                       _("That folder is already shared as “%s”"), hallway_share_get_name (other));
          return NULL;
        }
    }

  if (audience == HALLWAY_SHARE_AUDIENCE_PASSWORD && (password == NULL || *password == '\0'))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("A folder shared with a password needs a password"));
      return NULL;
    }

  id = hallway_share_id_new ();
  share = hallway_share_new (id, name, canonical, access, audience);
  if (audience == HALLWAY_SHARE_AUDIENCE_PASSWORD)
    {
      g_autofree char *hash = hallway_password_hash (password);

      hallway_share_set_password_hash (share, hash);
    }

  g_ptr_array_add (self->shares, g_object_ref (share));
  if (!save (self, error))
    {
      g_ptr_array_remove (self->shares, share);
      return NULL;
    }

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return share;
}

/**
 * hallway_daemon_shares_remove:
 * @self: a #HallwayDaemonShares
 * @name_or_id: which share
 * @error: return location for a #GError
 *
 * Stops sharing a folder. The folder itself is not touched.
 *
 * Returns: whether it was shared and is no longer
 */
gboolean
hallway_daemon_shares_remove (HallwayDaemonShares  *self,
                              const char           *name_or_id,
                              GError              **error)
{
  HallwayShare *share;
  g_autoptr(HallwayShare) removed = NULL;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_SHARES (self), FALSE);

  share = hallway_daemon_shares_find (self, name_or_id);
  if (share == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                   _("You don't share a folder called “%s”"), name_or_id);
      return FALSE;
    }

  removed = g_object_ref (share);
  g_ptr_array_remove (self->shares, share);
  if (!save (self, error))
    {
      g_ptr_array_add (self->shares, g_steal_pointer (&removed));
      return FALSE;
    }

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

/**
 * hallway_daemon_shares_set_enabled:
 * @self: a #HallwayDaemonShares
 * @name_or_id: which share
 * @enabled: whether colleagues may see and open it
 * @error: return location for a #GError
 *
 * Switches sharing of a folder off or back on, keeping its settings.
 *
 * Returns: whether the share exists and the change was saved
 */
gboolean
hallway_daemon_shares_set_enabled (HallwayDaemonShares  *self,
                                   const char           *name_or_id,
                                   gboolean              enabled,
                                   GError              **error)
{
  HallwayShare *share;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_SHARES (self), FALSE);

  share = hallway_daemon_shares_find (self, name_or_id);
  if (share == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                   _("You don't share a folder called “%s”"), name_or_id);
      return FALSE;
    }
  if (hallway_share_get_enabled (share) == !!enabled)
    return TRUE;

  hallway_share_set_enabled (share, enabled);
  if (!save (self, error))
    {
      hallway_share_set_enabled (share, !enabled);
      return FALSE;
    }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

static void
hallway_daemon_shares_finalize (GObject *object)
{
  HallwayDaemonShares *self = HALLWAY_DAEMON_SHARES (object);

  g_ptr_array_unref (self->shares);
  g_free (self->config_path);
  g_free (self->private_dir);

  G_OBJECT_CLASS (hallway_daemon_shares_parent_class)->finalize (object);
}

static void
hallway_daemon_shares_class_init (HallwayDaemonSharesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hallway_daemon_shares_finalize;

  /**
   * HallwayDaemonShares::changed:
   *
   * A share was added or removed, or the list was loaded.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hallway_daemon_shares_init (HallwayDaemonShares *self)
{
  self->shares = g_ptr_array_new_with_free_func (g_object_unref);
}
