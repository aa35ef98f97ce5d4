/* hallway-daemon-webdav-props.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROPFIND and PROPPATCH (RFC 4918 §9.1, §9.2).
 *
 * A listing answers with only the properties asked for and is sent as it is
 * built, a chunk of about 64 KiB at a time, so a folder of 10,000 items
 * neither waits for nor holds a multi-megabyte document.
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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hallway-error.h"
#include "hallway-path.h"

#define XATTR_PREFIX     "user.hallway."
#define XATTR_NAME_MAX   255
#define DEAD_VALUE_MAX   (64 * 1024)
#define CHUNK_TARGET     (64 * 1024)

void
_webdav_props_init (HallwayDaemonWebdav *self)
{
  self->sidecars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_key_file_unref);
}

/* Live properties */

typedef enum
{
  LIVE_DISPLAYNAME,
  LIVE_RESOURCETYPE,
  LIVE_GETCONTENTLENGTH,
  LIVE_GETLASTMODIFIED,
  LIVE_CREATIONDATE,
  LIVE_GETETAG,
  LIVE_GETCONTENTTYPE,
  LIVE_SUPPORTEDLOCK,
  LIVE_LOCKDISCOVERY,
  LIVE_QUOTA_AVAILABLE,
  LIVE_QUOTA_USED,
  N_LIVE,
} LiveProp;

static const char * const live_names[N_LIVE] = {
  "displayname",
  "resourcetype",
  "getcontentlength",
  "getlastmodified",
  "creationdate",
  "getetag",
  "getcontenttype",
  "supportedlock",
  "lockdiscovery",
  "quota-available-bytes",
  "quota-used-bytes",
};

static int
live_prop_lookup (const char *ns,
                  const char *name)
{
  if (strcmp (ns, HALLWAY_WEBDAV_NS) != 0)
    return -1;
  for (int i = 0; i < N_LIVE; i++)
    if (strcmp (live_names[i], name) == 0)
      return i;
  return -1;
}

/* Whether allprop includes it (RFC 4331: quotas only when named). */
static gboolean
live_prop_in_allprop (LiveProp prop)
{
  return prop != LIVE_QUOTA_AVAILABLE && prop != LIVE_QUOTA_USED;
}

static gboolean
live_prop_applies (LiveProp          prop,
                   const WebdavStat *st)
{
  switch (prop)
    {
    case LIVE_GETCONTENTLENGTH:
    case LIVE_GETCONTENTTYPE:
      return !st->is_dir;
    case LIVE_QUOTA_AVAILABLE:
    case LIVE_QUOTA_USED:
      return st->is_dir;
    default:
      return TRUE;
    }
}

/* Dead property names in storage */

static char *
encode_name (const char *ns,
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

static gboolean
decode_name (const char  *encoded,
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

/* Returns (encoded name → value). Never NULL. */
static GHashTable *
dead_props_load (HallwayDaemonWebdav *self,
                 HallwayShare        *share,
                 int                  fd,
                 const WebdavStat    *st)
{
  GHashTable *props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *path = fd_path (fd);
  g_autofree char *names = NULL;
  ssize_t size;

  size = listxattr (path, NULL, 0);
  if (size < 0 && xattrs_unsupported (errno))
    {
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
  if (size <= 0)
    return props;

  names = g_malloc (size + 1);
  size = listxattr (path, names, size);
  if (size <= 0)
    return props;
  names[size] = '\0';

  for (const char *name = names; name < names + size; name += strlen (name) + 1)
    {
      char *value;
      ssize_t length;

      if (!g_str_has_prefix (name, XATTR_PREFIX))
        continue;
      length = getxattr (path, name, NULL, 0);
      if (length < 0 || length > DEAD_VALUE_MAX)
        continue;
      value = g_malloc (length + 1);
      length = getxattr (path, name, value, length);
      if (length < 0)
        {
          g_free (value);
          continue;
        }
      value[length] = '\0';
      g_hash_table_insert (props, g_strdup (name + strlen (XATTR_PREFIX)), value);
    }
  return props;
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
  g_autoptr(GHashTable) before = dead_props_load (self, share, fd, st);
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
  g_autoptr(GHashTable) props = dead_props_load (self, share, src_fd, src_st);
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

/* PROPFIND */

typedef struct
{
  HallwayDaemonWebdav   *self;
  HallwayWebdavPropfind *propfind;
  HallwayShare          *share;
  char                  *share_id;
  char                  *prefix;
  int                    root_fd;
  GStrv                  components;
  gboolean               allow_hidden;
  gboolean               need_dead;
  DIR                   *dir;          /* (nullable) children still to send */
  gboolean               started;
  gboolean               finished;

  /* First entry, sent in the first chunk. */
  int                    target_fd;
  WebdavStat             target_st;
} PropfindStream;

static void
propfind_stream_free (PropfindStream *stream)
{
  g_clear_object (&stream->self);
  g_clear_pointer (&stream->propfind, hallway_webdav_propfind_free);
  g_clear_object (&stream->share);
  g_free (stream->share_id);
  g_free (stream->prefix);
  g_strfreev (stream->components);
  if (stream->dir != NULL)
    closedir (stream->dir);
  if (stream->target_fd >= 0)
    close (stream->target_fd);
  if (stream->root_fd >= 0)
    close (stream->root_fd);
  g_free (stream);
}

static void
append_live_value (PropfindStream     *stream,
                   GString            *out,
                   LiveProp            prop,
                   int                 fd,
                   const WebdavStat   *st,
                   const char * const *components)
{
  const char *name = live_names[prop];
  guint n = g_strv_length ((GStrv) components);

  switch (prop)
    {
    case LIVE_DISPLAYNAME:
      hallway_webdav_xml_text_prop (out, HALLWAY_WEBDAV_NS, name,
                                    n == 0 ? hallway_share_get_name (stream->share)
                                           : components[n - 1]);
      break;

    case LIVE_RESOURCETYPE:
      if (st->is_dir)
        g_string_append (out, "<D:resourcetype><D:collection/></D:resourcetype>");
      else
        g_string_append (out, "<D:resourcetype/>");
      break;

    case LIVE_GETCONTENTLENGTH:
      g_string_append_printf (out, "<D:getcontentlength>%" G_GOFFSET_FORMAT "</D:getcontentlength>",
                              st->size);
      break;

    case LIVE_GETLASTMODIFIED:
      {
        g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (st->mtime);
        g_autofree char *text = soup_date_time_to_string (date, SOUP_DATE_HTTP);

        hallway_webdav_xml_text_prop (out, HALLWAY_WEBDAV_NS, name, text);
        break;
      }

    case LIVE_CREATIONDATE:
      {
        g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (st->btime != 0 ? st->btime
                                                                                  : st->mtime);
        g_autofree char *text = g_date_time_format (date, "%Y-%m-%dT%H:%M:%SZ");

        hallway_webdav_xml_text_prop (out, HALLWAY_WEBDAV_NS, name, text);
        break;
      }

    case LIVE_GETETAG:
      {
        g_autofree char *etag = _webdav_etag (st);

        hallway_webdav_xml_text_prop (out, HALLWAY_WEBDAV_NS, name, etag);
        break;
      }

    case LIVE_GETCONTENTTYPE:
      {
        g_autofree char *type = g_content_type_guess (n > 0 ? components[n - 1] : "", NULL, 0,
                                                      NULL);
        g_autofree char *mime = g_content_type_get_mime_type (type);

        hallway_webdav_xml_text_prop (out, HALLWAY_WEBDAV_NS, name,
                                      mime != NULL ? mime : "application/octet-stream");
        break;
      }

    case LIVE_SUPPORTEDLOCK:
      g_string_append (out,
                       "<D:supportedlock>"
                       "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope>"
                       "<D:locktype><D:write/></D:locktype></D:lockentry>"
                       "<D:lockentry><D:lockscope><D:shared/></D:lockscope>"
                       "<D:locktype><D:write/></D:locktype></D:lockentry>"
                       "</D:supportedlock>");
      break;

    case LIVE_LOCKDISCOVERY:
      {
        g_autofree char *path = _webdav_join_path (components);

        _webdav_append_lockdiscovery (stream->self, out, stream->share_id, path);
        break;
      }

    case LIVE_QUOTA_AVAILABLE:
    case LIVE_QUOTA_USED:
      {
        struct statvfs vfs;
        guint64 bytes = 0;

        if (fstatvfs (fd, &vfs) == 0)
          bytes = prop == LIVE_QUOTA_AVAILABLE
            ? (guint64) vfs.f_bavail * vfs.f_frsize
            : (guint64) (vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
        g_string_append_printf (out, "<D:%s>%" G_GUINT64_FORMAT "</D:%s>", name, bytes, name);
        break;
      }

    case N_LIVE:
    default:
      g_assert_not_reached ();
    }
}

static void
append_entry (PropfindStream     *stream,
              GString            *out,
              int                 fd,
              const WebdavStat   *st,
              const char * const *components)
{
  HallwayWebdavPropfind *propfind = stream->propfind;
  g_autofree char *href = hallway_path_join_href (stream->prefix, components, st->is_dir);
  g_autoptr(GHashTable) dead = stream->need_dead
    ? dead_props_load (stream->self, stream->share, fd, st) : NULL;
  g_autoptr(GPtrArray) missing = NULL;
  GHashTableIter iter;
  gpointer key, value;

  hallway_webdav_xml_begin_response (out, href);
  hallway_webdav_xml_begin_propstat (out);

  switch (propfind->type)
    {
    case HALLWAY_WEBDAV_PROPFIND_PROPNAME:
      for (int i = 0; i < N_LIVE; i++)
        if (live_prop_in_allprop (i) && live_prop_applies (i, st))
          hallway_webdav_xml_empty_prop (out, HALLWAY_WEBDAV_NS, live_names[i]);
      break;

    case HALLWAY_WEBDAV_PROPFIND_ALLPROP:
      for (int i = 0; i < N_LIVE; i++)
        {
          gboolean included = live_prop_in_allprop (i);

          for (guint j = 0; !included && j < propfind->props->len; j++)
            included = hallway_webdav_name_is (g_ptr_array_index (propfind->props, j),
                                               HALLWAY_WEBDAV_NS, live_names[i]);
          if (included && live_prop_applies (i, st))
            append_live_value (stream, out, i, fd, st, components);
        }
      break;

    case HALLWAY_WEBDAV_PROPFIND_PROP:
    default:
      for (guint j = 0; j < propfind->props->len; j++)
        {
          HallwayWebdavName *name = g_ptr_array_index (propfind->props, j);
          int live = live_prop_lookup (name->ns, name->name);
          g_autofree char *encoded = NULL;
          const char *dead_value;

          if (live >= 0 && live_prop_applies (live, st))
            {
              append_live_value (stream, out, live, fd, st, components);
              continue;
            }
          encoded = live < 0 ? encode_name (name->ns, name->name) : NULL;
          dead_value = encoded != NULL && dead != NULL ? g_hash_table_lookup (dead, encoded) : NULL;
          if (dead_value != NULL)
            hallway_webdav_xml_raw_prop (out, name->ns, name->name, dead_value);
          else
            {
              if (missing == NULL)
                missing = g_ptr_array_new ();
              g_ptr_array_add (missing, name);
            }
        }
      break;
    }

  if (dead != NULL && propfind->type != HALLWAY_WEBDAV_PROPFIND_PROP)
    {
      g_hash_table_iter_init (&iter, dead);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          g_autofree char *ns = NULL;
          g_autofree char *name = NULL;

          if (!decode_name (key, &ns, &name))
            continue;
          if (propfind->type == HALLWAY_WEBDAV_PROPFIND_PROPNAME)
            hallway_webdav_xml_empty_prop (out, ns, name);
          else
            hallway_webdav_xml_raw_prop (out, ns, name, value);
        }
    }

  hallway_webdav_xml_end_propstat (out, SOUP_STATUS_OK);

  if (missing != NULL)
    {
      hallway_webdav_xml_begin_propstat (out);
      for (guint i = 0; i < missing->len; i++)
        {
          HallwayWebdavName *name = g_ptr_array_index (missing, i);

          hallway_webdav_xml_empty_prop (out, name->ns, name->name);
        }
      hallway_webdav_xml_end_propstat (out, SOUP_STATUS_NOT_FOUND);
    }
  hallway_webdav_xml_end_response (out);
}

static gboolean
is_part_entry (const char *name)
{
  return name[0] == '.' && strstr (name, HALLWAY_WEBDAV_PART_INFIX) != NULL;
}

/* Opens and stats an entry of the folder being listed. */
static int
open_child (PropfindStream     *stream,
            const char * const *child,
            const char         *name,
            WebdavStat         *out)
{
  int fd = openat (dirfd (stream->dir), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  WebdavStat st;

  if (fd < 0)
    return -1;
  if (!_webdav_stat_fd (fd, &st))
    {
      close (fd);
      /* A symbolic link counts if it leads somewhere inside the share,
       * and not to what the share hides. */
      if (!hallway_path_check_hidden_links (stream->root_fd, child, stream->allow_hidden, NULL))
        return -1;
      fd = hallway_path_open (stream->root_fd, child, O_PATH, 0, NULL);
      if (fd < 0)
        return -1;
      if (!_webdav_stat_fd (fd, &st))
        {
          close (fd);
          return -1;
        }
    }
  *out = st;
  return fd;
}

static GBytes *
propfind_produce (gpointer data)
{
  PropfindStream *stream = data;
  GString *out;
  guint n = g_strv_length (stream->components);
  g_autofree const char **child = NULL;

  if (stream->finished)
    return NULL;

  out = g_string_sized_new (CHUNK_TARGET + 4096);
  if (!stream->started)
    {
      stream->started = TRUE;
      hallway_webdav_xml_begin_multistatus (out);
      append_entry (stream, out, stream->target_fd, &stream->target_st,
                    (const char * const *) stream->components);
      close (stream->target_fd);
      stream->target_fd = -1;
    }

  child = g_new0 (const char *, n + 2);
  for (guint i = 0; i < n; i++)
    child[i] = stream->components[i];

  while (stream->dir != NULL && out->len < CHUNK_TARGET)
    {
      struct dirent *dent = readdir (stream->dir);
      WebdavStat st;
      int fd;

      if (dent == NULL)
        {
          closedir (stream->dir);
          stream->dir = NULL;
          break;
        }
      if (strcmp (dent->d_name, ".") == 0 || strcmp (dent->d_name, "..") == 0 ||
          is_part_entry (dent->d_name) ||
          !hallway_path_component_is_valid (dent->d_name, stream->allow_hidden))
        continue;

      child[n] = dent->d_name;
      fd = open_child (stream, child, dent->d_name, &st);
      if (fd < 0)
        continue;
      append_entry (stream, out, fd, &st, child);
      close (fd);
    }

  if (stream->dir == NULL)
    {
      hallway_webdav_xml_end_multistatus (out);
      stream->finished = TRUE;
    }
  return g_string_free_to_bytes (out);
}

static guint
count_entries (DIR *dir)
{
  guint n = 0;

  while (readdir (dir) != NULL)
    n++;
  rewinddir (dir);
  return n >= 2 ? n - 2 : 0;
}

void
_webdav_handle_propfind (WebdavRequest *req)
{
  g_autoptr(GBytes) body = _webdav_request_body (req);
  g_autoptr(HallwayWebdavPropfind) propfind = NULL;
  g_autoptr(GError) error = NULL;
  const char *depth = soup_message_headers_get_one (req->request_headers, "Depth");
  PropfindStream *stream;
  gsize length;
  const char *data = g_bytes_get_data (body, &length);
  WebdavStat st;
  int fd;
  gboolean children;

  if (depth == NULL || g_ascii_strcasecmp (depth, "infinity") == 0)
    {
      _webdav_reply_xml_error (req->msg, SOUP_STATUS_FORBIDDEN, "propfind-finite-depth");
      return;
    }
  if (strcmp (depth, "0") != 0 && strcmp (depth, "1") != 0)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST, _("Depth must be 0 or 1"));
      return;
    }
  /* A drop box lists as an empty folder: what is in it is nobody's to see. */
  children = strcmp (depth, "1") == 0 &&
             hallway_share_get_access (req->share) != HALLWAY_SHARE_ACCESS_DROP_BOX;

  propfind = hallway_webdav_propfind_parse (data, length, &error);
  if (propfind == NULL)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return;
    }

  fd = _webdav_open_item (req, O_PATH, _("Only files and folders can be listed"), &st);
  if (fd < 0)
    return;

  stream = g_new0 (PropfindStream, 1);
  stream->self = g_object_ref (req->self);
  stream->propfind = g_steal_pointer (&propfind);
  stream->share = g_object_ref (req->share);
  stream->share_id = g_strdup (req->share_id);
  stream->prefix = g_strdup (req->prefix);
  stream->root_fd = fcntl (req->root_fd, F_DUPFD_CLOEXEC, 0);
  stream->components = g_strdupv (req->components);
  stream->allow_hidden = req->allow_hidden;
  stream->target_fd = fd;
  stream->target_st = st;
  stream->need_dead = stream->propfind->type != HALLWAY_WEBDAV_PROPFIND_PROP;
  for (guint i = 0; !stream->need_dead && i < stream->propfind->props->len; i++)
    {
      HallwayWebdavName *name = g_ptr_array_index (stream->propfind->props, i);

      stream->need_dead = live_prop_lookup (name->ns, name->name) < 0;
    }

  if (children && st.is_dir)
    {
      int dir_fd = hallway_path_open (req->root_fd, (const char * const *) req->components,
                                      O_RDONLY | O_DIRECTORY, 0, &error);

      stream->dir = dir_fd >= 0 ? fdopendir (dir_fd) : NULL;
      if (stream->dir == NULL)
        {
          if (dir_fd >= 0)
            close (dir_fd);
          propfind_stream_free (stream);
          _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN, _("Could not read the folder"));
          return;
        }
      if (count_entries (stream->dir) > req->self->max_entries)
        {
          propfind_stream_free (stream);
          _webdav_reply_error (req->msg, SOUP_STATUS_INSUFFICIENT_STORAGE,
                               _("This folder has too many items to list"));
          return;
        }
    }

  soup_server_message_set_status (req->msg, SOUP_STATUS_MULTI_STATUS, NULL);
  soup_message_headers_replace (req->response_headers, "Content-Type",
                                "application/xml; charset=utf-8");
  _webdav_stream_chunked (req->msg, propfind_produce, stream,
                          (GDestroyNotify) propfind_stream_free);
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

      if (live_prop_lookup (update->name.ns, update->name.name) >= 0)
        {
          statuses[i] = SOUP_STATUS_FORBIDDEN;
          failed = TRUE;
          continue;
        }
      encoded = encode_name (update->name.ns, update->name.name);
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
