/* hallway-daemon-webdav-props.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Dead properties and PROPPATCH (RFC 4918 §9.2); PROPFIND, which shows
 * them, is in hallway-daemon-webdav-propfind.c.
 *
 * Dead properties (any a client sets) are kept in user extended attributes
 * of the item, named `user.hallway.` + the base64url of "{namespace}name",
 * so they move with the file on rename. On file systems without user
 * xattrs, they go to a key file per share under
 * $XDG_STATE_HOME/hallway/props/, keyed by device and inode.
 */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* statx, renameat2, copy_file_range, O_PATH */
#endif
#include "config.h"

#include "hallway-daemon-webdav-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hallway-error.h"
#include "hallway-path.h"

#define XATTR_PREFIX     "user.hallway."
#define XATTR_NAME_MAX   255
#define DEAD_VALUE_MAX   (64 * 1024)

void
_webdav_props_init (HallwayDaemonWebdav *self)
{
  self->sidecars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_key_file_unref);
}

/* Dead property names in storage */

char *
_webdav_dead_prop_encode (const char *ns,
             const char *name)
{
  g_autofree char *clark = g_strdup_printf ("{%s}%s", ns, name);
  char *encoded = g_base64_encode ((const guchar *) clark, strlen (clark));
  char *p;

  for (p = encoded; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }
  return encoded;
}

gboolean
_webdav_dead_prop_decode (const char  *encoded,
             char       **out_ns,
             char       **out_name)
{
  g_autoptr(GString) padded = g_string_new (encoded);
  g_autofree guchar *decoded = NULL;
  g_autofree char *clark = NULL;
  gsize length;
  const char *close;

  for (char *p = padded->str; *p != '\0'; p++)
    {
      if (*p == '-')
        *p = '+';
      else if (*p == '_')
        *p = '/';
    }
  while (padded->len % 4 != 0)
    g_string_append_c (padded, '=');
  decoded = g_base64_decode (padded->str, &length);
  if (decoded == NULL || length < 3 || decoded[0] != '{' || memchr (decoded, '\0', length) != NULL)
    return FALSE;
  clark = g_strndup ((const char *) decoded, length);
  close = strrchr (clark, '}');
  if (close == NULL || close[1] == '\0' || !g_utf8_validate (clark, -1, NULL))
    return FALSE;
  *out_ns = g_strndup (clark + 1, close - clark - 1);
  *out_name = g_strdup (close + 1);
  return TRUE;
}

/* Dead property storage: xattrs, or the sidecar key file */

static char *
fd_path (int fd)
{
  /* xattr calls do not take O_PATH descriptors; their /proc link does. */
  return g_strdup_printf ("/proc/self/fd/%d", fd);
}

static char *
sidecar_group (const WebdavStat *st)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, st->dev, st->ino);
}

static char *
sidecar_path (HallwayDaemonWebdav *self,
              HallwayShare        *share)
{
  g_autofree char *basename = g_strconcat (hallway_share_get_id (share), ".ini", NULL);

  return g_build_filename (self->props_dir, basename, NULL);
}

static GKeyFile *
sidecar_get (HallwayDaemonWebdav *self,
             HallwayShare        *share)
{
  GKeyFile *keyfile = g_hash_table_lookup (self->sidecars, hallway_share_get_id (share));

  if (keyfile == NULL)
    {
      g_autofree char *path = sidecar_path (self, share);

      keyfile = g_key_file_new ();
      g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, NULL);
      g_hash_table_insert (self->sidecars, g_strdup (hallway_share_get_id (share)), keyfile);
    }
  return keyfile;
}

static gboolean
sidecar_save (HallwayDaemonWebdav  *self,
              HallwayShare         *share,
              GKeyFile             *keyfile,
              int                  *out_errno)
{
  g_autofree char *path = sidecar_path (self, share);
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (self->props_dir, 0700) < 0 ||
      !g_key_file_save_to_file (keyfile, path, &error))
    {
      *out_errno = EIO;
      return FALSE;
    }
  return TRUE;
}

static gboolean
xattrs_unsupported (int errsv)
{
  return errsv == ENOTSUP || errsv == EOPNOTSUPP || errsv == EPERM;
}

/* Returns (encoded name → value) from the user xattrs of the item at
 * @path, which is followed if it is a symbolic link only when @follow; or
 * NULL where the file system has no user xattrs. Any thread. */
GHashTable *
_webdav_dead_props_from_xattrs (const char *path,
                        gboolean    follow)
{
  g_autoptr(GHashTable) props = NULL;
  ssize_t (*list) (const char *, char *, size_t) = follow ? listxattr : llistxattr;
  ssize_t (*get) (const char *, const char *, void *, size_t) = follow ? getxattr : lgetxattr;
  g_autofree char *names = NULL;
  ssize_t size;

  size = list (path, NULL, 0);
  if (size < 0 && xattrs_unsupported (errno))
    return NULL;
  props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (size <= 0)
    return g_steal_pointer (&props);

  names = g_malloc (size + 1);
  size = list (path, names, size);
  if (size <= 0)
    return g_steal_pointer (&props);
  names[size] = '\0';

  for (const char *name = names; name < names + size; name += strlen (name) + 1)
    {
      char *value;
      ssize_t length;

      if (!g_str_has_prefix (name, XATTR_PREFIX))
        continue;
      length = get (path, name, NULL, 0);
      if (length < 0 || length > DEAD_VALUE_MAX)
        continue;
      value = g_malloc (length + 1);
      length = get (path, name, value, length);
      if (length < 0)
        {
          g_free (value);
          continue;
        }
      value[length] = '\0';
      g_hash_table_insert (props, g_strdup (name + strlen (XATTR_PREFIX)), value);
    }
  return g_steal_pointer (&props);
}

/* Returns (encoded name → value) from the share's sidecar. Main thread. */
GHashTable *
_webdav_dead_props_from_sidecar (HallwayDaemonWebdav *self,
                         HallwayShare        *share,
                         const WebdavStat    *st)
{
  GHashTable *props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GKeyFile *keyfile = sidecar_get (self, share);
  g_autofree char *group = sidecar_group (st);
  g_auto(GStrv) keys = g_key_file_get_keys (keyfile, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      char *value = g_key_file_get_string (keyfile, group, keys[i], NULL);

      if (value != NULL)
        g_hash_table_insert (props, g_strdup (keys[i]), value);
    }
  return props;
}

/* Returns (encoded name → value). Never NULL. */
GHashTable *
_webdav_dead_props_load (HallwayDaemonWebdav *self,
                 HallwayShare        *share,
                 int                  fd,
                 const WebdavStat    *st)
{
  g_autofree char *path = fd_path (fd);
  GHashTable *props = _webdav_dead_props_from_xattrs (path, TRUE);

  return props != NULL ? props : _webdav_dead_props_from_sidecar (self, share, st);
}

/* Applies @changes (encoded name → value, or NULL to remove), all or none. */
static gboolean
dead_props_store (HallwayDaemonWebdav *self,
                  HallwayShare        *share,
                  int                  fd,
                  const WebdavStat    *st,
                  GPtrArray           *names,
                  GPtrArray           *values,
                  int                 *out_errno)
{
  g_autofree char *path = fd_path (fd);
  g_autoptr(GHashTable) before = _webdav_dead_props_load (self, share, fd, st);
  guint applied = 0;
  int errsv = 0;

  if (listxattr (path, NULL, 0) < 0 && xattrs_unsupported (errno))
    {
      GKeyFile *keyfile = sidecar_get (self, share);
      g_autofree char *group = sidecar_group (st);

      for (guint i = 0; i < names->len; i++)
        {
          const char *value = g_ptr_array_index (values, i);

          if (value != NULL)
            g_key_file_set_string (keyfile, group, g_ptr_array_index (names, i), value);
          else
            g_key_file_remove_key (keyfile, group, g_ptr_array_index (names, i), NULL);
        }
      if (sidecar_save (self, share, keyfile, out_errno))
        return TRUE;

      /* Put the file's old state back in memory too. */
      g_key_file_remove_group (keyfile, group, NULL);
      {
        GHashTableIter iter;
        gpointer key, value;

        g_hash_table_iter_init (&iter, before);
        while (g_hash_table_iter_next (&iter, &key, &value))
          g_key_file_set_string (keyfile, group, key, value);
      }
      return FALSE;
    }

  for (; applied < names->len; applied++)
    {
      g_autofree char *xattr = g_strconcat (XATTR_PREFIX, g_ptr_array_index (names, applied), NULL);
      const char *value = g_ptr_array_index (values, applied);
      int result;

      if (value != NULL)
        result = setxattr (path, xattr, value, strlen (value), 0);
      else
        {
          result = removexattr (path, xattr);
          if (result < 0 && errno == ENODATA)
            result = 0;
        }
      if (result < 0)
        {
          errsv = errno;
          break;
        }
    }
  if (applied == names->len)
    return TRUE;

  /* Roll back what was done, newest first, so the request is atomic. */
  while (applied-- > 0)
    {
      const char *name = g_ptr_array_index (names, applied);
      g_autofree char *xattr = g_strconcat (XATTR_PREFIX, name, NULL);
      const char *old = g_hash_table_lookup (before, name);

      if (old != NULL)
        setxattr (path, xattr, old, strlen (old), 0);
      else
        removexattr (path, xattr);
    }
  *out_errno = errsv;
  return FALSE;
}

void
_webdav_props_copy (HallwayDaemonWebdav *self,
                    HallwayShare        *share,
                    int                  src_fd,
                    const WebdavStat    *src_st,
                    int                  dst_fd,
                    const WebdavStat    *dst_st)
{
  g_autoptr(GHashTable) props = _webdav_dead_props_load (self, share, src_fd, src_st);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GPtrArray) values = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;
  int errsv = 0;

  if (g_hash_table_size (props) == 0)
    return;
  g_hash_table_iter_init (&iter, props);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_ptr_array_add (names, key);
      g_ptr_array_add (values, value);
    }
  if (!dead_props_store (self, share, dst_fd, dst_st, names, values, &errsv))
    g_debug ("Could not copy properties: %s", g_strerror (errsv));
}

void
_webdav_props_forget (HallwayDaemonWebdav *self,
                      HallwayShare        *share,
                      const WebdavStat    *st)
{
  GKeyFile *keyfile = g_hash_table_lookup (self->sidecars, hallway_share_get_id (share));
  g_autofree char *group = NULL;
  int errsv;

  /* Only the sidecar needs it: xattrs go with the inode. */
  if (keyfile == NULL)
    return;
  group = sidecar_group (st);
  if (g_key_file_remove_group (keyfile, group, NULL))
    sidecar_save (self, share, keyfile, &errsv);
}

/* PROPPATCH */

void
_webdav_handle_proppatch (WebdavRequest *req)
{
  g_autoptr(GBytes) body = _webdav_request_body (req);
  g_autoptr(HallwayWebdavProppatch) patch = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new ();
  g_autofree guint *statuses = NULL;
  g_autofree char *href = NULL;
  GString *out;
  gsize length;
  const char *data = g_bytes_get_data (body, &length);
  gboolean failed = FALSE;
  WebdavStat st;
  int fd;
  int errsv = 0;

  if (!_webdav_if_header_passes (req) || !_webdav_check_locks (req, req->path, FALSE, FALSE))
    return;

  patch = hallway_webdav_proppatch_parse (data, length, &error);
  if (patch == NULL)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return;
    }

  fd = _webdav_open_item (req, O_PATH, _("Only files and folders have properties"), &st);
  if (fd < 0)
    return;

  statuses = g_new0 (guint, patch->updates->len);
  for (guint i = 0; i < patch->updates->len; i++)
    {
      HallwayWebdavPropUpdate *update = g_ptr_array_index (patch->updates, i);
      char *encoded;

      if (_webdav_is_live_prop (update->name.ns, update->name.name))
        {
          statuses[i] = SOUP_STATUS_FORBIDDEN;
          failed = TRUE;
          continue;
        }
      encoded = _webdav_dead_prop_encode (update->name.ns, update->name.name);
      if (strlen (XATTR_PREFIX) + strlen (encoded) > XATTR_NAME_MAX ||
          (update->value != NULL && strlen (update->value) > DEAD_VALUE_MAX))
        {
          g_free (encoded);
          statuses[i] = SOUP_STATUS_INSUFFICIENT_STORAGE;
          failed = TRUE;
          continue;
        }
      statuses[i] = SOUP_STATUS_OK;
      g_ptr_array_add (names, encoded);
      g_ptr_array_add (values, update->remove ? NULL : update->value);
    }

  if (!failed && !dead_props_store (req->self, req->share, fd, &st, names, values, &errsv))
    {
      guint status = errsv == ENOSPC || errsv == E2BIG || errsv == EDQUOT
        ? SOUP_STATUS_INSUFFICIENT_STORAGE : SOUP_STATUS_FORBIDDEN;

      for (guint i = 0; i < patch->updates->len; i++)
        statuses[i] = status;
      failed = TRUE;
    }
  close (fd);

  /* All or nothing (RFC 4918 §9.2): the others failed because of these. */
  if (failed)
    for (guint i = 0; i < patch->updates->len; i++)
      if (statuses[i] == SOUP_STATUS_OK)
        statuses[i] = SOUP_STATUS_FAILED_DEPENDENCY;

  href = _webdav_href (req, (const char * const *) req->components, st.is_dir);
  out = g_string_new (NULL);
  hallway_webdav_xml_begin_multistatus (out);
  hallway_webdav_xml_begin_response (out, href);
  for (guint i = 0; i < patch->updates->len; i++)
    {
      HallwayWebdavPropUpdate *update = g_ptr_array_index (patch->updates, i);

      hallway_webdav_xml_begin_propstat (out);
      hallway_webdav_xml_empty_prop (out, update->name.ns, update->name.name);
      hallway_webdav_xml_end_propstat (out, statuses[i]);
    }
  hallway_webdav_xml_end_response (out);
  hallway_webdav_xml_end_multistatus (out);

  soup_server_message_set_status (req->msg, SOUP_STATUS_MULTI_STATUS, NULL);
  soup_server_message_set_response (req->msg, "application/xml; charset=utf-8",
                                    SOUP_MEMORY_TAKE, out->str, out->len);
  g_string_free (out, FALSE);
}
