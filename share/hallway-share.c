/* hallway-share.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-share.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <gnutls/crypto.h>
#include <unistd.h>

#include "hallway-error.h"
#include "hallway-unicode.h"

struct _HallwayShare
{
  GObject               parent_instance;

  char                 *id;
  char                 *name;
  char                 *path;
  HallwayShareAccess    access;
  HallwayShareAudience  audience;
  char                 *password_hash;
  gboolean              show_hidden;
  gboolean              enabled;
};

G_DEFINE_FINAL_TYPE (HallwayShare, hallway_share, G_TYPE_OBJECT)

static const char * const access_names[] = { "read-only", "read-write", "drop-box" };
static const char * const audience_names[] = { "everyone", "trusted", "password" };

const char *
hallway_share_access_to_string (HallwayShareAccess access)
{
  g_return_val_if_fail (access <= HALLWAY_SHARE_ACCESS_DROP_BOX, NULL);
  return access_names[access];
}

gboolean
hallway_share_access_from_string (const char         *text,
                                  HallwayShareAccess *out_access)
{
  for (guint i = 0; i < G_N_ELEMENTS (access_names); i++)
    if (g_strcmp0 (text, access_names[i]) == 0)
      {
        *out_access = i;
        return TRUE;
      }
  return FALSE;
}

const char *
hallway_share_audience_to_string (HallwayShareAudience audience)
{
  g_return_val_if_fail (audience <= HALLWAY_SHARE_AUDIENCE_PASSWORD, NULL);
  return audience_names[audience];
}

gboolean
hallway_share_audience_from_string (const char           *text,
                                    HallwayShareAudience *out_audience)
{
  for (guint i = 0; i < G_N_ELEMENTS (audience_names); i++)
    if (g_strcmp0 (text, audience_names[i]) == 0)
      {
        *out_audience = i;
        return TRUE;
      }
  return FALSE;
}

/**
 * hallway_share_id_new:
 *
 * Returns: (transfer full): a new random share id: 12 characters of
 *   lowercase base32, safe in a URL path
 */
char *
hallway_share_id_new (void)
{
  static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
  guint8 random[12];
  char *id = g_malloc (sizeof random + 1);

  if (gnutls_rnd (GNUTLS_RND_NONCE, random, sizeof random) != 0)
    for (guint i = 0; i < sizeof random; i++)
      random[i] = g_random_int_range (0, 256);
  for (guint i = 0; i < sizeof random; i++)
    id[i] = alphabet[random[i] % 32];
  id[sizeof random] = '\0';
  return id;
}

gboolean
hallway_share_id_is_valid (const char *id)
{
  if (id == NULL || strlen (id) < 4 || strlen (id) > 32)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

/**
 * hallway_share_name_is_valid:
 * @name: a name a person gave a share
 * @error: return location for a #GError
 *
 * Share names appear in DNS-SD instance names, URLs and file managers: they
 * must be non-empty UTF-8 without control characters, invisible formatting
 * (bidi controls and the like, see hallway_unichar_kind()) or slashes.
 *
 * Returns: whether @name can be used
 */
gboolean
hallway_share_name_is_valid (const char  *name,
                             GError     **error)
{
  HallwayCharKind kind = HALLWAY_CHAR_VISIBLE;

  if (name == NULL || *name == '\0' || g_str_equal (name, ".") || g_str_equal (name, ".."))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("A shared folder needs a name"));
      return FALSE;
    }
  if (!g_utf8_validate (name, -1, NULL) || strlen (name) > HALLWAY_SHARE_NAME_MAX)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("A shared folder's name must be text of at most %d bytes"),
                   HALLWAY_SHARE_NAME_MAX);
      return FALSE;
    }
  if (strchr (name, '/') != NULL || strchr (name, '\\') != NULL ||
      hallway_utf8_find_unsafe (name, strlen (name), &kind) != NULL)
    {
      if (kind == HALLWAY_CHAR_INVISIBLE)
        g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                             _("A shared folder's name can't contain invisible formatting "
                               "characters, such as right-to-left marks"));
      else
        g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                             _("A shared folder's name can't contain slashes or control "
                               "characters"));
      return FALSE;
    }
  return TRUE;
}

/**
 * hallway_share_new:
 * @id: a share id (see hallway_share_id_new())
 * @name: what colleagues see
 * @path: the folder, absolute
 * @access: what colleagues may do
 * @audience: who may
 *
 * Returns: (transfer full): a share
 */
HallwayShare *
hallway_share_new (const char           *id,
                   const char           *name,
                   const char           *path,
                   HallwayShareAccess    access,
                   HallwayShareAudience  audience)
{
  HallwayShare *self;

  g_return_val_if_fail (hallway_share_id_is_valid (id), NULL);
  g_return_val_if_fail (name != NULL && path != NULL && g_path_is_absolute (path), NULL);

  self = g_object_new (HALLWAY_TYPE_SHARE, NULL);
  self->id = g_strdup (id);
  self->name = g_strdup (name);
  self->path = g_strdup (path);
  self->access = access;
  self->audience = audience;
  return self;
}

const char *
hallway_share_get_id (HallwayShare *self)
{
  g_return_val_if_fail (HALLWAY_IS_SHARE (self), NULL);
  return self->id;
}

const char *
hallway_share_get_name (HallwayShare *self)
{
  g_return_val_if_fail (HALLWAY_IS_SHARE (self), NULL);
  return self->name;
}

const char *
hallway_share_get_path (HallwayShare *self)
{
  g_return_val_if_fail (HALLWAY_IS_SHARE (self), NULL);
  return self->path;
}

HallwayShareAccess
hallway_share_get_access (HallwayShare *self)
{
  g_return_val_if_fail (HALLWAY_IS_SHARE (self), HALLWAY_SHARE_ACCESS_READ_ONLY);
  return self->access;
}

HallwayShareAudience
hallway_share_get_audience (HallwayShare *self)
{
  g_return_val_if_fail (HALLWAY_IS_SHARE (self), HALLWAY_SHARE_AUDIENCE_TRUSTED);
  return self->audience;
}

/**
 * hallway_share_get_password_hash:
 * @self: a #HallwayShare
 *
 * Returns: (nullable): the salted hash of the password (never the password)
 */
const char *
hallway_share_get_password_hash (HallwayShare *self)
{
  g_return_val_if_fail (HALLWAY_IS_SHARE (self), NULL);
  return self->password_hash;
}

void
hallway_share_set_password_hash (HallwayShare *self,
                                 const char   *hash)
{
  g_return_if_fail (HALLWAY_IS_SHARE (self));

  g_free (self->password_hash);
  self->password_hash = g_strdup (hash);
}

gboolean
hallway_share_get_show_hidden (HallwayShare *self)
{
  g_return_val_if_fail (HALLWAY_IS_SHARE (self), FALSE);
  return self->show_hidden;
}

void
hallway_share_set_show_hidden (HallwayShare *self,
                               gboolean      show_hidden)
{
  g_return_if_fail (HALLWAY_IS_SHARE (self));
  self->show_hidden = !!show_hidden;
}

/* Whether the person has sharing of this folder switched on: a folder
 * switched off keeps its settings but is neither announced nor served. */
gboolean
hallway_share_get_enabled (HallwayShare *self)
{
  g_return_val_if_fail (HALLWAY_IS_SHARE (self), FALSE);
  return self->enabled;
}

void
hallway_share_set_enabled (HallwayShare *self,
                           gboolean      enabled)
{
  g_return_if_fail (HALLWAY_IS_SHARE (self));
  self->enabled = !!enabled;
}

/**
 * hallway_share_open_root:
 * @self: a #HallwayShare
 * @error: return location for a #GError
 *
 * Returns: a descriptor of the shared folder (O_PATH, O_DIRECTORY), or -1
 */
int
hallway_share_open_root (HallwayShare  *self,
                         GError       **error)
{
  int fd;

  g_return_val_if_fail (HALLWAY_IS_SHARE (self), -1);

  fd = open (self->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, HALLWAY_ERROR,
                   saved_errno == ENOENT || saved_errno == ENOTDIR ? HALLWAY_ERROR_NOT_FOUND
                                                                   : HALLWAY_ERROR_FAILED,
                   _("The shared folder “%s” is not available: %s"), self->name,
                   g_strerror (saved_errno));
    }
  return fd;
}

/**
 * hallway_share_check_available:
 * @self: a #HallwayShare
 * @error: return location for a #GError
 *
 * Returns: whether the folder is there (a removed or unmounted folder is
 *   shown as unavailable, not silently dropped)
 */
gboolean
hallway_share_check_available (HallwayShare  *self,
                               GError       **error)
{
  int fd = hallway_share_open_root (self, error);

  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

static void
hallway_share_finalize (GObject *object)
{
  HallwayShare *self = HALLWAY_SHARE (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->path);
  if (self->password_hash != NULL)
    explicit_bzero (self->password_hash, strlen (self->password_hash));
  g_free (self->password_hash);

  G_OBJECT_CLASS (hallway_share_parent_class)->finalize (object);
}

static void
hallway_share_class_init (HallwayShareClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hallway_share_finalize;
}

static void
hallway_share_init (HallwayShare *self)
{
  self->enabled = TRUE;
}
