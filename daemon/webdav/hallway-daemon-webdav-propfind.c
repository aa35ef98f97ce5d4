/* hallway-daemon-webdav-propfind.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PROPFIND (RFC 4918 §9.1): the live properties, and the answer.
 *
 * A listing answers with only the properties asked for and is sent as it is
 * built, a chunk of about 64 KiB at a time, so a folder of 10,000 items
 * neither waits for nor holds a multi-megabyte document. Its entries are
 * looked at (statx(), xattrs) a batch ahead in a worker thread, so the file
 * system's time overlaps with building and sending the chunk before.
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
#include <unistd.h>

#include <glib/gi18n.h>

#include "hallway-path.h"

#define CHUNK_TARGET     (64 * 1024)

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

gboolean
_webdav_is_live_prop (const char *ns,
                      const char *name)
{
  return live_prop_lookup (ns, name) >= 0;
}

/* PROPFIND */

#define BATCH_ENTRIES 256   /* entries of a folder looked at together */

/* The folder of a Depth 1 answer, shared with the workers that look at its
 * entries. Its names are read at once (a bounded number of them), so the
 * folder is read once and counted before the answer starts. */
typedef struct
{
  gatomicrefcount  ref_count;
  int              root_fd;
  int              dir_fd;
  GStrv            components;
  gboolean         allow_hidden;
  gboolean         need_dead;
  GPtrArray       *names;
} PropfindFolder;

/* What a worker found out about an entry. */
typedef struct
{
  gboolean    listed;   /* a file or folder, or a link to one inside the share */
  int         fd;       /* O_PATH, of a link followed; else -1 */
  WebdavStat  st;
  GHashTable *dead;     /* (nullable) dead properties from xattrs, when asked for */
} EntryInfo;

/* The entries of one chunk: looked at (statx(), xattrs) in a worker while
 * the chunk before is built and written, so the file system's time and
 * the network's overlap. */
typedef struct
{
  gatomicrefcount  ref_count;
  PropfindFolder  *folder;
  guint            start;
  guint            end;
  EntryInfo       *infos;   /* end - start */
  GMutex           lock;
  GCond            cond;
  gint             claimed;  /* (atomic) a thread is on it, or was */
  gboolean         done;
} PropfindBatch;

typedef struct
{
  HallwayDaemonWebdav   *self;
  HallwayWebdavPropfind *propfind;
  HallwayShare          *share;
  char                  *share_id;
  char                  *prefix;
  gboolean               need_dead;
  gboolean               finished;

  /* The target, sent first. */
  int                    target_fd;
  WebdavStat             target_st;
  GStrv                  components;

  /* Its entries, when Depth is 1. */
  PropfindFolder        *folder;      /* (nullable) */
  PropfindBatch         *batch;       /* (nullable) the one being sent */
  guint                  next;        /* its next entry to send */
  PropfindBatch         *ahead;       /* (nullable) the one after, being looked at */
  char                  *folder_href; /* the target's href, ending in '/' */
} PropfindStream;

/* An item of the answer: the target, or an entry of its folder. */
typedef struct
{
  int                 fd;           /* O_PATH; -1 until needed, for an entry */
  int                 dir_fd;       /* the folder, for an entry; else -1 */
  const char         *name;         /* the entry's name; NULL for the target */
  const char * const *components;
  WebdavStat          st;
} PropfindItem;

static PropfindFolder *
propfind_folder_ref (PropfindFolder *folder)
{
  g_atomic_ref_count_inc (&folder->ref_count);
  return folder;
}

static void
propfind_folder_unref (PropfindFolder *folder)
{
  if (!g_atomic_ref_count_dec (&folder->ref_count))
    return;
  if (folder->dir_fd >= 0)
    close (folder->dir_fd);
  if (folder->root_fd >= 0)
    close (folder->root_fd);
  g_strfreev (folder->components);
  g_clear_pointer (&folder->names, g_ptr_array_unref);
  g_free (folder);
}

static PropfindBatch *
propfind_batch_ref (PropfindBatch *batch)
{
  g_atomic_ref_count_inc (&batch->ref_count);
  return batch;
}

static void
propfind_batch_unref (PropfindBatch *batch)
{
  if (!g_atomic_ref_count_dec (&batch->ref_count))
    return;
  for (guint i = 0; i < batch->end - batch->start; i++)
    {
      if (batch->infos[i].fd >= 0)
        close (batch->infos[i].fd);
      g_clear_pointer (&batch->infos[i].dead, g_hash_table_unref);
    }
  g_free (batch->infos);
  propfind_folder_unref (batch->folder);
  g_mutex_clear (&batch->lock);
  g_cond_clear (&batch->cond);
  g_free (batch);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PropfindBatch, propfind_batch_unref)

/* Worker: stats an entry through its folder, one statx() and no
 * descriptor for what is no symbolic link. A symbolic link counts if it
 * leads somewhere inside the share, and not to what the share hides; it is
 * then opened. */
static void
look_at_entry (PropfindFolder *folder,
               const char    **child,
               guint           n,
               const char     *name,
               EntryInfo      *info)
{
  g_autofree char *path = NULL;

  info->fd = -1;
  child[n] = name;
  if (!_webdav_stat_at (folder->dir_fd, name, &info->st))
    {
      if (errno != ELOOP ||
          !hallway_path_check_hidden_links (folder->root_fd, child, folder->allow_hidden, NULL))
        return;
      info->fd = hallway_path_open (folder->root_fd, child, O_PATH, 0, NULL);
      if (info->fd < 0 || !_webdav_stat_fd (info->fd, &info->st))
        return;
    }
  info->listed = TRUE;
  if (!folder->need_dead)
    return;
  /* An entry that is no link is reached through its folder without opening
   * it, and not followed if it became a link since. */
  path = info->fd >= 0 ? g_strdup_printf ("/proc/self/fd/%d", info->fd)
                       : g_strdup_printf ("/proc/self/fd/%d/%s", folder->dir_fd, name);
  info->dead = _webdav_dead_props_from_xattrs (path, info->fd >= 0);
}

/* Looks at the batch's entries, unless another thread already does. */
static void
propfind_batch_run (PropfindBatch *batch)
{
  PropfindFolder *folder = batch->folder;
  guint n = g_strv_length (folder->components);
  g_autofree const char **child = NULL;

  if (!g_atomic_int_compare_and_exchange (&batch->claimed, 0, 1))
    return;
  child = g_new0 (const char *, n + 2);
  for (guint i = 0; i < n; i++)
    child[i] = folder->components[i];
  for (guint i = batch->start; i < batch->end; i++)
    look_at_entry (folder, child, n, g_ptr_array_index (folder->names, i),
                   &batch->infos[i - batch->start]);

  g_mutex_lock (&batch->lock);
  batch->done = TRUE;
  g_cond_signal (&batch->cond);
  g_mutex_unlock (&batch->lock);
}

static void
propfind_batch_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  propfind_batch_run (task_data);
}

/* Starts looking at the entries from @start on. */
static PropfindBatch *
propfind_batch_start (PropfindFolder *folder,
                      guint           start)
{
  PropfindBatch *batch = g_new0 (PropfindBatch, 1);
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  g_atomic_ref_count_init (&batch->ref_count);
  batch->folder = propfind_folder_ref (folder);
  batch->start = start;
  batch->end = MIN (start + BATCH_ENTRIES, folder->names->len);
  batch->infos = g_new0 (EntryInfo, batch->end - start);
  g_mutex_init (&batch->lock);
  g_cond_init (&batch->cond);
  g_task_set_task_data (task, propfind_batch_ref (batch), (GDestroyNotify) propfind_batch_unref);
  g_task_run_in_thread (task, propfind_batch_thread);
  return batch;
}

/* Main thread. A batch still queued (GIO's worker threads may all be busy
 * with long copies) is done here and now, as it was before workers: the
 * main loop never waits for a thread that has not started. */
static void
propfind_batch_wait (PropfindBatch *batch)
{
  propfind_batch_run (batch);
  g_mutex_lock (&batch->lock);
  while (!batch->done)
    g_cond_wait (&batch->cond, &batch->lock);
  g_mutex_unlock (&batch->lock);
}

static void
propfind_stream_free (PropfindStream *stream)
{
  g_clear_object (&stream->self);
  g_clear_pointer (&stream->propfind, hallway_webdav_propfind_free);
  g_clear_object (&stream->share);
  g_free (stream->share_id);
  g_free (stream->prefix);
  g_strfreev (stream->components);
  g_clear_pointer (&stream->batch, propfind_batch_unref);
  g_clear_pointer (&stream->ahead, propfind_batch_unref);
  g_clear_pointer (&stream->folder, propfind_folder_unref);
  g_free (stream->folder_href);
  if (stream->target_fd >= 0)
    close (stream->target_fd);
  g_free (stream);
}

/* The item's descriptor, opened when a property needs one: most listings
 * need only what statx() said. */
static int
item_fd (PropfindItem *item)
{
  if (item->fd < 0)
    item->fd = openat (item->dir_fd, item->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  return item->fd;
}

static void
append_uint (GString *out,
             guint64  value)
{
  char digits[24];
  char *p = digits + sizeof digits;

  do
    *--p = '0' + value % 10;
  while ((value /= 10) != 0);
  g_string_append_len (out, p, digits + sizeof digits - p);
}

static void
append_live_value (PropfindStream *stream,
                   GString        *out,
                   LiveProp        prop,
                   PropfindItem   *item)
{
  const char *name = live_names[prop];
  const char * const *components = item->components;
  const WebdavStat *st = &item->st;
  guint n = g_strv_length ((GStrv) components);
  char date[WEBDAV_DATE_SIZE];

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
      g_string_append (out, "<D:getcontentlength>");
      append_uint (out, st->size);
      g_string_append (out, "</D:getcontentlength>");
      break;

    case LIVE_GETLASTMODIFIED:
      _webdav_format_http_date (st->mtime, date);
      hallway_webdav_xml_text_prop (out, HALLWAY_WEBDAV_NS, name, date);
      break;

    case LIVE_CREATIONDATE:
      _webdav_format_iso_date (st->btime != 0 ? st->btime : st->mtime, date);
      hallway_webdav_xml_text_prop (out, HALLWAY_WEBDAV_NS, name, date);
      break;

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
        int fd = item_fd (item);

        if (fd >= 0 && fstatvfs (fd, &vfs) == 0)
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

/* @dead: (nullable): the item's dead properties, when asked for */
static void
append_entry (PropfindStream *stream,
              GString        *out,
              PropfindItem   *item,
              GHashTable     *dead)
{
  HallwayWebdavPropfind *propfind = stream->propfind;
  const WebdavStat *st = &item->st;
  g_autoptr(GPtrArray) missing = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (item->name != NULL)
    {
      /* The folder's href was escaped once; only the name is added. */
      g_autoptr(GString) href = g_string_new (stream->folder_href);

      hallway_path_append_href_name (href, item->name);
      if (st->is_dir)
        g_string_append_c (href, '/');
      hallway_webdav_xml_begin_response (out, href->str);
    }
  else
    {
      g_autofree char *href = hallway_path_join_href (stream->prefix, item->components,
                                                      st->is_dir);

      hallway_webdav_xml_begin_response (out, href);
    }
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
            append_live_value (stream, out, i, item);
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
              append_live_value (stream, out, live, item);
              continue;
            }
          encoded = live < 0 ? _webdav_dead_prop_encode (name->ns, name->name) : NULL;
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

          if (!_webdav_dead_prop_decode (key, &ns, &name))
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

static GBytes *
propfind_produce (gpointer data)
{
  PropfindStream *stream = data;
  PropfindBatch *batch = stream->batch;
  GString *out;

  if (stream->finished)
    return NULL;

  out = g_string_sized_new (CHUNK_TARGET + 4096);
  if (stream->target_fd >= 0)
    {
      PropfindItem target = {
        .fd = stream->target_fd, .dir_fd = -1, .name = NULL,
        .components = (const char * const *) stream->components, .st = stream->target_st,
      };
      g_autoptr(GHashTable) dead = stream->need_dead
        ? _webdav_dead_props_load (stream->self, stream->share, target.fd, &target.st) : NULL;

      hallway_webdav_xml_begin_multistatus (out);
      append_entry (stream, out, &target, dead);
      close (stream->target_fd);
      stream->target_fd = -1;
    }

  if (batch != NULL)
    {
      PropfindFolder *folder = stream->folder;
      guint n = g_strv_length (folder->components);
      g_autofree const char **child = g_new0 (const char *, n + 2);

      propfind_batch_wait (batch);
      if (stream->ahead == NULL && stream->next == batch->start &&
          batch->end < folder->names->len)
        stream->ahead = propfind_batch_start (folder, batch->end);

      for (guint i = 0; i < n; i++)
        child[i] = folder->components[i];
      /* A chunk ends at about CHUNK_TARGET, mid-batch if need be: dead
       * properties may make an entry up to megabytes long. */
      for (; stream->next < batch->end && out->len < CHUNK_TARGET; stream->next++)
        {
          EntryInfo *info = &batch->infos[stream->next - batch->start];
          PropfindItem item = {
            .fd = info->fd, .dir_fd = folder->dir_fd,
            .name = g_ptr_array_index (folder->names, stream->next), .components = child,
            .st = info->st,
          };
          g_autoptr(GHashTable) sidecar = NULL;

          if (!info->listed)
            continue;
          child[n] = item.name;
          if (stream->need_dead && info->dead == NULL)
            sidecar = _webdav_dead_props_from_sidecar (stream->self, stream->share, &info->st);
          append_entry (stream, out, &item, sidecar != NULL ? sidecar : info->dead);
          /* Opened here for a property: closed here. */
          if (item.fd != info->fd)
            close (item.fd);
        }
      if (stream->next == batch->end)
        {
          g_clear_pointer (&stream->batch, propfind_batch_unref);
          stream->batch = g_steal_pointer (&stream->ahead);
        }
    }

  if (stream->batch == NULL)
    {
      hallway_webdav_xml_end_multistatus (out);
      stream->finished = TRUE;
    }
  return g_string_free_to_bytes (out);
}

/* The names of @dir_fd's entries a client may see, or NULL with errno set:
 * E2BIG when there are more than @max. */
static GPtrArray *
read_names (int      dir_fd,
            gboolean allow_hidden,
            guint    max)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  int fd = fcntl (dir_fd, F_DUPFD_CLOEXEC, 0);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *dent;

  if (dir == NULL)
    {
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  while ((dent = readdir (dir)) != NULL)
    {
      if (strcmp (dent->d_name, ".") == 0 || strcmp (dent->d_name, "..") == 0 ||
          _webdav_is_part_name (dent->d_name) ||
          !hallway_path_component_is_valid (dent->d_name, allow_hidden))
        continue;
      if (names->len >= max)
        {
          closedir (dir);
          errno = E2BIG;
          return NULL;
        }
      g_ptr_array_add (names, g_strdup (dent->d_name));
    }
  closedir (dir);
  return g_steal_pointer (&names);
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
  stream->components = g_strdupv (req->components);
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
      PropfindFolder *folder = g_new0 (PropfindFolder, 1);

      g_atomic_ref_count_init (&folder->ref_count);
      folder->root_fd = fcntl (req->root_fd, F_DUPFD_CLOEXEC, 0);
      folder->components = g_strdupv (req->components);
      folder->allow_hidden = req->allow_hidden;
      folder->need_dead = stream->need_dead;
      stream->folder = folder;
      folder->dir_fd = hallway_path_open (req->root_fd, (const char * const *) req->components,
                                          O_RDONLY | O_DIRECTORY, 0, &error);
      folder->names = folder->dir_fd >= 0
        ? read_names (folder->dir_fd, folder->allow_hidden, req->self->max_entries) : NULL;
      if (folder->names == NULL)
        {
          gboolean too_many = folder->dir_fd >= 0 && errno == E2BIG;

          propfind_stream_free (stream);
          if (too_many)
            _webdav_reply_error (req->msg, SOUP_STATUS_INSUFFICIENT_STORAGE,
                                 _("This folder has too many items to list"));
          else
            _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN,
                                 _("Could not read the folder"));
          return;
        }
      stream->folder_href = hallway_path_join_href (req->prefix,
                                                    (const char * const *) req->components, TRUE);
      if (folder->names->len > 0)
        stream->batch = propfind_batch_start (folder, 0);
    }

  soup_server_message_set_status (req->msg, SOUP_STATUS_MULTI_STATUS, NULL);
  soup_message_headers_replace (req->response_headers, "Content-Type",
                                "application/xml; charset=utf-8");
  _webdav_stream_chunked (req->msg, propfind_produce, stream,
                          (GDestroyNotify) propfind_stream_free);
}
