/* hallway-daemon-webdav-locks.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WebDAV write locks (RFC 4918 §6, §7, §9.10, §9.11) and the If header
 * (§10.4). Locks live in memory only: they protect an editing session of a
 * client that is connected now, and a daemon restart ends those anyway.
 * They are keyed by token and name a share and a path inside it, so they
 * follow the URL space that clients see, as the RFC defines them.
 *
 * Every lock is kept in memory and shown, owner and all, in the
 * lockdiscovery of every item it covers, so a client with write access
 * could fill memory and swell listings with them. What a LOCK may add is
 * bounded: its owner (413), the locks of one client (its certificate, or
 * its address), of one share and of all shares (507, no room for more),
 * and the locks one item's lockdiscovery lists (423, as a conflict).
 */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* statx, renameat2, copy_file_range, O_PATH */
#endif
#include "config.h"

#include "hallway-daemon-webdav-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hallway-error.h"
#include "hallway-path.h"

#define TOKEN_SCHEME "opaquelocktoken:"

struct _WebdavLock
{
  char     *token;
  char     *holder;        /* the client's device id, or "address " and its address */
  char     *share_id;
  char     *path;          /* components joined by '/'; "" = share root */
  char     *root_href;
  char     *owner;         /* (nullable) self-contained XML */
  gboolean  shared;
  gboolean  infinite;
  guint     timeout;       /* seconds */
  gint64    expires;       /* monotonic µs */
};

static void
webdav_lock_free (WebdavLock *lock)
{
  g_free (lock->token);
  g_free (lock->holder);
  g_free (lock->share_id);
  g_free (lock->path);
  g_free (lock->root_href);
  g_free (lock->owner);
  g_free (lock);
}

void
_webdav_locks_init (HallwayDaemonWebdav *self)
{
  self->locks = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) webdav_lock_free);
}

char *
_webdav_join_path (const char * const *components)
{
  return g_strjoinv ("/", (GStrv) components);
}

/* Whether @path is strictly below @ancestor. */
static gboolean
is_below (const char *path,
          const char *ancestor)
{
  gsize len = strlen (ancestor);

  if (len == 0)
    return *path != '\0';
  return strncmp (path, ancestor, len) == 0 && path[len] == '/';
}

static char *
parent_path (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash != NULL ? g_strndup (path, slash - path) : g_strdup ("");
}

static void
expire_locks (HallwayDaemonWebdav *self)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  WebdavLock *lock;

  g_hash_table_iter_init (&iter, self->locks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lock))
    if (lock->expires <= now)
      g_hash_table_iter_remove (&iter);
}

static gboolean
lock_covers (const WebdavLock *lock,
             const char       *share_id,
             const char       *path)
{
  return strcmp (lock->share_id, share_id) == 0 &&
         (strcmp (lock->path, path) == 0 || (lock->infinite && is_below (path, lock->path)));
}

/* The If header */

typedef struct
{
  gboolean  not;
  gboolean  is_etag;
  char     *value;        /* token (without <>) or entity-tag (with quotes) */
} IfCondition;

typedef struct
{
  char      *resource;    /* (nullable) tag; NULL = the request URI */
  GPtrArray *conditions;  /* (element-type IfCondition) */
} IfList;

static void
if_condition_free (IfCondition *condition)
{
  g_free (condition->value);
  g_free (condition);
}

static void
if_list_free (IfList *list)
{
  g_free (list->resource);
  g_ptr_array_unref (list->conditions);
  g_free (list);
}

static void
skip_space (const char **p)
{
  while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
    (*p)++;
}

static char *
read_delimited (const char **p,
                char         open,
                char         close)
{
  const char *start;
  const char *end;

  if (**p != open)
    return NULL;
  start = *p + 1;
  end = strchr (start, close);
  if (end == NULL || end == start)
    return NULL;
  *p = end + 1;
  return g_strndup (start, end - start);
}

/* Returns NULL for a malformed header. */
static GPtrArray *
parse_if_header (const char *header)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func ((GDestroyNotify) if_list_free);
  g_autofree char *resource = NULL;
  gboolean tagged = FALSE;
  const char *p = header;

  skip_space (&p);
  while (*p != '\0')
    {
      IfList *list;

      if (*p == '<')
        {
          g_free (resource);
          resource = read_delimited (&p, '<', '>');
          if (resource == NULL || (lists->len > 0 && !tagged))
            return NULL;
          tagged = TRUE;
          skip_space (&p);
          if (*p != '(')
            return NULL;
          continue;
        }
      if (*p != '(' || (tagged && resource == NULL))
        return NULL;
      p++;

      list = g_new0 (IfList, 1);
      list->resource = g_strdup (resource);
      list->conditions = g_ptr_array_new_with_free_func ((GDestroyNotify) if_condition_free);
      g_ptr_array_add (lists, list);

      skip_space (&p);
      while (*p != ')')
        {
          IfCondition *condition = g_new0 (IfCondition, 1);

          g_ptr_array_add (list->conditions, condition);
          if (g_ascii_strncasecmp (p, "Not", 3) == 0)
            {
              condition->not = TRUE;
              p += 3;
              skip_space (&p);
            }
          if (*p == '<')
            condition->value = read_delimited (&p, '<', '>');
          else if (*p == '[')
            {
              condition->is_etag = TRUE;
              condition->value = read_delimited (&p, '[', ']');
            }
          if (condition->value == NULL)
            return NULL;
          skip_space (&p);
          if (*p == '\0')
            return NULL;
        }
      if (list->conditions->len == 0)
        return NULL;
      p++;
      skip_space (&p);
    }

  if (lists->len == 0)
    return NULL;
  return g_steal_pointer (&lists);
}

/* Maps a tagged resource to a path in the request's share, or NULL. */
static char *
resource_path (WebdavRequest *req,
               const char    *resource)
{
  g_auto(GStrv) components = NULL;
  g_autofree char *message = NULL;
  guint status;

  if (resource == NULL)
    return g_strdup (req->path);
  components = _webdav_parse_destination (req, resource, &status, &message);
  if (components == NULL)
    return NULL;
  return _webdav_join_path ((const char * const *) components);
}

static char *
etag_of_path (WebdavRequest *req,
              const char    *path)
{
  g_auto(GStrv) components = *path != '\0' ? g_strsplit (path, "/", -1) : g_new0 (char *, 1);
  WebdavStat st;
  int fd;
  gboolean ok;

  fd = hallway_path_open (req->root_fd, (const char * const *) components, O_PATH, 0, NULL);
  if (fd < 0)
    return NULL;
  ok = _webdav_stat_fd (fd, &st);
  close (fd);
  return ok ? _webdav_etag (&st) : NULL;
}

static gboolean
etags_equal (const char *a,
             const char *b)
{
  if (g_str_has_prefix (a, "W/"))
    a += 2;
  if (g_str_has_prefix (b, "W/"))
    b += 2;
  return strcmp (a, b) == 0;
}

static gboolean
list_is_true (WebdavRequest *req,
              IfList        *list)
{
  g_autofree char *path = resource_path (req, list->resource);
  g_autofree char *etag = NULL;
  gboolean etag_known = FALSE;

  if (path == NULL)
    return FALSE;

  for (guint i = 0; i < list->conditions->len; i++)
    {
      IfCondition *condition = g_ptr_array_index (list->conditions, i);
      gboolean matches;

      if (condition->is_etag)
        {
          if (!etag_known)
            etag = etag_of_path (req, path);
          etag_known = TRUE;
          matches = etag != NULL && etags_equal (etag, condition->value);
        }
      else
        {
          WebdavLock *lock = g_hash_table_lookup (req->self->locks, condition->value);

          matches = lock != NULL && lock_covers (lock, req->share_id, path);
        }

      if (matches == condition->not)
        return FALSE;
    }
  return TRUE;
}

/* Every lock token named anywhere in the If header counts as submitted
 * (RFC 4918 §10.4.1). */
static GPtrArray *
submitted_tokens (WebdavRequest *req)
{
  const char *header = soup_message_headers_get_list (req->request_headers, "If");
  g_autoptr(GPtrArray) lists = header != NULL ? parse_if_header (header) : NULL;
  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lists != NULL && i < lists->len; i++)
    {
      IfList *list = g_ptr_array_index (lists, i);

      for (guint j = 0; j < list->conditions->len; j++)
        {
          IfCondition *condition = g_ptr_array_index (list->conditions, j);

          if (!condition->is_etag && g_str_has_prefix (condition->value, TOKEN_SCHEME))
            g_ptr_array_add (tokens, g_strdup (condition->value));
        }
    }
  return tokens;
}

static gboolean
token_submitted (GPtrArray  *tokens,
                 const char *token)
{
  for (guint i = 0; i < tokens->len; i++)
    if (strcmp (g_ptr_array_index (tokens, i), token) == 0)
      return TRUE;
  return FALSE;
}

/**
 * _webdav_if_header_passes:
 * @req: the request
 *
 * Evaluates the If header; answers 400 or 412 when it fails.
 *
 * Returns: whether to go on
 */
gboolean
_webdav_if_header_passes (WebdavRequest *req)
{
  const char *header = soup_message_headers_get_list (req->request_headers, "If");
  g_autoptr(GPtrArray) lists = NULL;

  if (header == NULL)
    return TRUE;

  expire_locks (req->self);
  lists = parse_if_header (header);
  if (lists == NULL)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST, _("The If header is not valid"));
      return FALSE;
    }

  for (guint i = 0; i < lists->len; i++)
    if (list_is_true (req, g_ptr_array_index (lists, i)))
      return TRUE;

  _webdav_reply_error (req->msg, SOUP_STATUS_PRECONDITION_FAILED,
                       _("The item has changed or its lock has expired"));
  return FALSE;
}

static void
reply_locked (WebdavRequest    *req,
              const WebdavLock *lock)
{
  GString *body = g_string_new ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                "<D:error xmlns:D=\"DAV:\"><D:lock-token-submitted><D:href>");

  hallway_webdav_xml_append_escaped (body, lock->root_href);
  g_string_append (body, "</D:href></D:lock-token-submitted></D:error>\n");
  soup_server_message_set_status (req->msg, SOUP_STATUS_LOCKED, NULL);
  soup_server_message_set_response (req->msg, "application/xml; charset=utf-8",
                                    SOUP_MEMORY_TAKE, body->str, body->len);
  g_string_free (body, FALSE);
}

/**
 * _webdav_check_locks:
 * @req: a request that changes something
 * @path: what it changes
 * @membership: whether it adds or removes @path in its folder, which the
 *   folder's locks protect too
 * @descendants: whether it changes everything below @path as well
 *
 * Answers 423 when a lock protects what the request changes and its token
 * was not submitted.
 *
 * Returns: whether to go on
 */
gboolean
_webdav_check_locks (WebdavRequest *req,
                     const char    *path,
                     gboolean       membership,
                     gboolean       descendants)
{
  g_autoptr(GPtrArray) tokens = NULL;
  g_autofree char *parent = *path != '\0' ? parent_path (path) : NULL;
  GHashTableIter iter;
  WebdavLock *lock;

  expire_locks (req->self);
  if (g_hash_table_size (req->self->locks) == 0)
    return TRUE;

  tokens = submitted_tokens (req);
  g_hash_table_iter_init (&iter, req->self->locks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lock))
    {
      gboolean protects;

      if (strcmp (lock->share_id, req->share_id) != 0)
        continue;
      protects = lock_covers (lock, req->share_id, path) ||
                 (membership && parent != NULL && lock_covers (lock, req->share_id, parent)) ||
                 (descendants && is_below (lock->path, path));
      if (!protects || token_submitted (tokens, lock->token))
        continue;

      /* Holders of shared locks on the same item may all write. */
      if (lock->shared)
        {
          GHashTableIter other_iter;
          WebdavLock *other;
          gboolean sibling_submitted = FALSE;

          g_hash_table_iter_init (&other_iter, req->self->locks);
          while (g_hash_table_iter_next (&other_iter, NULL, (gpointer *) &other))
            if (other->shared && strcmp (other->share_id, lock->share_id) == 0 &&
                strcmp (other->path, lock->path) == 0 && token_submitted (tokens, other->token))
              sibling_submitted = TRUE;
          if (sibling_submitted)
            continue;
        }

      reply_locked (req, lock);
      return FALSE;
    }
  return TRUE;
}

void
_webdav_locks_forget (HallwayDaemonWebdav *self,
                      const char          *share_id,
                      const char          *path)
{
  GHashTableIter iter;
  WebdavLock *lock;

  g_hash_table_iter_init (&iter, self->locks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lock))
    if (strcmp (lock->share_id, share_id) == 0 &&
        (strcmp (lock->path, path) == 0 || is_below (lock->path, path)))
      g_hash_table_iter_remove (&iter);
}

static void
append_activelock (GString          *out,
                   const WebdavLock *lock)
{
  /* Rounded up, so a fresh lock shows the timeout it was given. */
  gint64 left = (lock->expires - g_get_monotonic_time () + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;

  g_string_append_printf (out,
                          "<D:activelock><D:locktype><D:write/></D:locktype>"
                          "<D:lockscope><D:%s/></D:lockscope><D:depth>%s</D:depth>",
                          lock->shared ? "shared" : "exclusive",
                          lock->infinite ? "infinity" : "0");
  if (lock->owner != NULL)
    g_string_append_printf (out, "<D:owner>%s</D:owner>", lock->owner);
  g_string_append_printf (out, "<D:timeout>Second-%" G_GINT64_FORMAT "</D:timeout>"
                               "<D:locktoken><D:href>",
                          MAX (left, 0));
  hallway_webdav_xml_append_escaped (out, lock->token);
  g_string_append (out, "</D:href></D:locktoken><D:lockroot><D:href>");
  hallway_webdav_xml_append_escaped (out, lock->root_href);
  g_string_append (out, "</D:href></D:lockroot></D:activelock>");
}

/* Appends the DAV:lockdiscovery property of @path. */
void
_webdav_append_lockdiscovery (HallwayDaemonWebdav *self,
                              GString             *out,
                              const char          *share_id,
                              const char          *path)
{
  GHashTableIter iter;
  WebdavLock *lock;
  gboolean any = FALSE;

  expire_locks (self);
  g_hash_table_iter_init (&iter, self->locks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lock))
    {
      if (!lock_covers (lock, share_id, path))
        continue;
      if (!any)
        g_string_append (out, "<D:lockdiscovery>");
      any = TRUE;
      append_activelock (out, lock);
    }
  g_string_append (out, any ? "</D:lockdiscovery>" : "<D:lockdiscovery/>");
}

static guint
parse_timeout (const char *header)
{
  g_auto(GStrv) items = NULL;

  if (header == NULL)
    return HALLWAY_WEBDAV_MAX_LOCK_SECONDS;

  items = g_strsplit (header, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *item = g_strstrip (items[i]);
      guint64 seconds;

      if (g_ascii_strcasecmp (item, "Infinite") == 0)
        return HALLWAY_WEBDAV_MAX_LOCK_SECONDS;
      if (g_ascii_strncasecmp (item, "Second-", 7) == 0 &&
          g_ascii_string_to_unsigned (item + 7, 10, 0, G_MAXUINT64, &seconds, NULL))
        return (guint) CLAMP (seconds, 1, HALLWAY_WEBDAV_MAX_LOCK_SECONDS);
    }
  return HALLWAY_WEBDAV_MAX_LOCK_SECONDS;
}

static void
reply_lock (WebdavRequest    *req,
            const WebdavLock *lock,
            guint             status)
{
  GString *body = g_string_new ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                "<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>");
  g_autofree char *header = g_strdup_printf ("<%s>", lock->token);

  append_activelock (body, lock);
  g_string_append (body, "</D:lockdiscovery></D:prop>\n");
  soup_message_headers_replace (req->response_headers, "Lock-Token", header);
  soup_server_message_set_status (req->msg, status, NULL);
  soup_server_message_set_response (req->msg, "application/xml; charset=utf-8",
                                    SOUP_MEMORY_TAKE, body->str, body->len);
  g_string_free (body, FALSE);
}

static void
refresh_lock (WebdavRequest *req,
              guint          timeout)
{
  g_autoptr(GPtrArray) tokens = submitted_tokens (req);

  for (guint i = 0; i < tokens->len; i++)
    {
      WebdavLock *lock = g_hash_table_lookup (req->self->locks, g_ptr_array_index (tokens, i));

      /* A lock may be refreshed through any item it covers. */
      if (lock != NULL && lock_covers (lock, req->share_id, req->path))
        {
          lock->timeout = timeout;
          lock->expires = g_get_monotonic_time () + (gint64) timeout * G_USEC_PER_SEC;
          reply_lock (req, lock, SOUP_STATUS_OK);
          return;
        }
    }

  _webdav_reply_xml_error (req->msg, SOUP_STATUS_PRECONDITION_FAILED,
                           "lock-token-matches-request-uri");
}

/* Whether a new lock on @path conflicts with one already there. */
static WebdavLock *
find_conflict (WebdavRequest *req,
               gboolean       shared,
               gboolean       infinite)
{
  GHashTableIter iter;
  WebdavLock *lock;

  g_hash_table_iter_init (&iter, req->self->locks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lock))
    {
      gboolean overlaps = lock_covers (lock, req->share_id, req->path) ||
                          (infinite && strcmp (lock->share_id, req->share_id) == 0 &&
                           is_below (lock->path, req->path));

      if (overlaps && (!shared || !lock->shared))
        return lock;
    }
  return NULL;
}

/* Who a lock is counted against: the computer by its certificate when it
 * gave one, else its address. */
static char *
dup_holder (WebdavRequest *req)
{
  g_autofree char *client_id = hallway_daemon_access_dup_client_id (req->msg);
  const char *address = soup_server_message_get_remote_host (req->msg);

  if (client_id != NULL)
    return g_steal_pointer (&client_id);
  return g_strconcat ("address ", address != NULL ? address : "", NULL);
}

/* Whether a new lock fits within the limits; answers when it does not. */
static gboolean
lock_fits (WebdavRequest *req,
           const char    *holder,
           const char    *owner,
           gboolean       infinite)
{
  GHashTableIter iter;
  WebdavLock *lock;
  guint in_share = 0;
  guint of_holder = 0;
  guint on_item = 0;

  if (owner != NULL && strlen (owner) > HALLWAY_WEBDAV_MAX_LOCK_OWNER)
    {
      g_autofree char *message =
        /* Translators: %d is a number of bytes. */
        g_strdup_printf (_("The lock’s owner description is too long (at most %d bytes)"),
                         HALLWAY_WEBDAV_MAX_LOCK_OWNER);

      _webdav_reply_error (req->msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, message);
      return FALSE;
    }

  g_hash_table_iter_init (&iter, req->self->locks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lock))
    {
      gboolean same_share = strcmp (lock->share_id, req->share_id) == 0;

      in_share += same_share;
      of_holder += strcmp (lock->holder, holder) == 0;
      /* What the new lock's items would list: the locks on its item and
       * above it, and with depth infinity those below it too (all of them
       * at most, on one item). */
      on_item += lock_covers (lock, req->share_id, req->path) ||
                 (infinite && same_share && is_below (lock->path, req->path));
    }

  if (g_hash_table_size (req->self->locks) >= HALLWAY_WEBDAV_MAX_LOCKS)
    _webdav_reply_error (req->msg, SOUP_STATUS_INSUFFICIENT_STORAGE,
                         _("The sharing computer holds as many locks as it can; try again "
                           "once some are released"));
  else if (in_share >= HALLWAY_WEBDAV_MAX_LOCKS_PER_SHARE)
    _webdav_reply_error (req->msg, SOUP_STATUS_INSUFFICIENT_STORAGE,
                         _("This shared folder holds as many locks as it can; try again once "
                           "some are released"));
  else if (of_holder >= HALLWAY_WEBDAV_MAX_LOCKS_PER_CLIENT)
    _webdav_reply_error (req->msg, SOUP_STATUS_INSUFFICIENT_STORAGE,
                         _("Your computer holds too many locks here; unlock some files first"));
  else if (on_item >= HALLWAY_WEBDAV_MAX_LOCKS_PER_ITEM)
    _webdav_reply_xml_error (req->msg, SOUP_STATUS_LOCKED, "no-conflicting-lock");
  else
    return TRUE;
  return FALSE;
}

/* Creates an empty file for a lock on an unmapped URL (RFC 4918 §7.3). */
static gboolean
create_locked_file (WebdavRequest *req)
{
  g_autoptr(GError) error = NULL;
  const char *name = NULL;
  int parent_fd;
  int fd;
  int errsv;

  parent_fd = hallway_path_open_parent (req->root_fd, (const char * const *) req->components,
                                        &name, &error);
  if (parent_fd < 0)
    {
      if (g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND))
        _webdav_reply_error (req->msg, SOUP_STATUS_CONFLICT, _("The folder does not exist"));
      else
        _webdav_reply_gerror (req->msg, error);
      return FALSE;
    }
  fd = openat (parent_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  errsv = errno;
  close (parent_fd);
  if (fd < 0)
    {
      _webdav_reply_errno (req->msg, errsv, _("Could not create the file"));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

void
_webdav_handle_lock (WebdavRequest *req)
{
  g_autoptr(GBytes) body = _webdav_request_body (req);
  g_autoptr(HallwayWebdavLockinfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const char *depth = soup_message_headers_get_one (req->request_headers, "Depth");
  guint timeout = parse_timeout (soup_message_headers_get_one (req->request_headers, "Timeout"));
  gboolean infinite;
  gboolean exists;
  gsize length;
  const char *data = g_bytes_get_data (body, &length);
  g_autofree char *holder = dup_holder (req);
  WebdavLock *lock;
  WebdavLock *conflict;
  int fd;

  expire_locks (req->self);

  if (length == 0)
    {
      refresh_lock (req, timeout);
      return;
    }

  info = hallway_webdav_lockinfo_parse (data, length, &error);
  if (info == NULL)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return;
    }
  if (depth == NULL || g_ascii_strcasecmp (depth, "infinity") == 0)
    infinite = TRUE;
  else if (strcmp (depth, "0") == 0)
    infinite = FALSE;
  else
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST,
                           _("A lock covers an item alone (Depth: 0) or with everything in it "
                             "(Depth: infinity)"));
      return;
    }

  fd = hallway_path_open (req->root_fd, (const char * const *) req->components, O_PATH, 0, NULL);
  exists = fd >= 0;
  if (fd >= 0)
    close (fd);

  if (!_webdav_if_header_passes (req))
    return;
  conflict = find_conflict (req, info->shared, infinite);
  if (conflict != NULL)
    {
      _webdav_reply_xml_error (req->msg, SOUP_STATUS_LOCKED, "no-conflicting-lock");
      return;
    }
  if (!lock_fits (req, holder, info->owner, infinite))
    return;
  if (!exists)
    {
      if (!_webdav_check_locks (req, req->path, TRUE, FALSE))
        return;
      if (!create_locked_file (req))
        return;
    }

  lock = g_new0 (WebdavLock, 1);
  {
    g_autofree char *uuid = g_uuid_string_random ();

    lock->token = g_strconcat (TOKEN_SCHEME, uuid, NULL);
  }
  lock->holder = g_steal_pointer (&holder);
  lock->share_id = g_strdup (req->share_id);
  lock->path = g_strdup (req->path);
  lock->root_href = _webdav_href (req, (const char * const *) req->components, FALSE);
  lock->owner = g_steal_pointer (&info->owner);
  lock->shared = info->shared;
  lock->infinite = infinite;
  lock->timeout = timeout;
  lock->expires = g_get_monotonic_time () + (gint64) timeout * G_USEC_PER_SEC;
  g_hash_table_insert (req->self->locks, lock->token, lock);

  reply_lock (req, lock, exists ? SOUP_STATUS_OK : SOUP_STATUS_CREATED);
}

void
_webdav_handle_unlock (WebdavRequest *req)
{
  const char *header = soup_message_headers_get_one (req->request_headers, "Lock-Token");
  g_autofree char *token = NULL;
  const char *p = header;
  WebdavLock *lock;

  expire_locks (req->self);
  if (p != NULL)
    {
      skip_space (&p);
      token = read_delimited (&p, '<', '>');
    }
  if (token == NULL)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_BAD_REQUEST,
                           _("The Lock-Token header is missing or not valid"));
      return;
    }

  lock = g_hash_table_lookup (req->self->locks, token);
  if (lock == NULL || !lock_covers (lock, req->share_id, req->path))
    {
      _webdav_reply_xml_error (req->msg, SOUP_STATUS_CONFLICT, "lock-token-matches-request-uri");
      return;
    }

  g_hash_table_remove (req->self->locks, token);
  soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
}
