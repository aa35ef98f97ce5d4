/* hallway-daemon-webdav.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WebDAV (RFC 4918) with byte ranges (RFC 7233) for the shared folders, at
 * /shares/<share-id>/<path>. Every request is checked in the same order:
 * the share exists, the client may use it (hallway_daemon_access_check),
 * the folder is there, the path is acceptable (hallway_path_split), the
 * share's access mode allows the method. Then the request acts only through
 * descriptors opened beneath the share root (hallway_path_open*) and *at()
 * system calls on them, so no path string is ever resolved outside the
 * share, whatever symbolic links or renames happen meanwhile.
 *
 * Bodies are streamed in both directions in blocks of 256 KiB, with one block
 * in memory at a time: a download appends the next block when libsoup has
 * written the previous one; an upload goes to a hidden part file in the
 * target folder and is renamed into place only once all of it arrived.
 * Shared files are read with pread(), never mapped, so a file truncated
 * while it is sent ends the response instead of the daemon (SIGBUS).
 *
 * This file has the dispatch, GET/HEAD, listings, OPTIONS and PUT;
 * properties, locks and tree operations live in the -props, -locks and
 * -tree files.
 */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* statx, renameat2, copy_file_range, O_PATH */
#endif
#include "config.h"

#include "hallway-daemon-webdav.h"
#include "hallway-daemon-webdav-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hallway-daemon-server.h"
#include "hallway-error.h"
#include "hallway-path.h"
#include "hallway-range.h"

#define SHARES_PREFIX "/shares/"

G_DEFINE_FINAL_TYPE (HallwayDaemonWebdav, hallway_daemon_webdav, G_TYPE_OBJECT)

typedef enum
{
  METHOD_OTHER,
  METHOD_OPTIONS,
  METHOD_GET,
  METHOD_HEAD,
  METHOD_PUT,
  METHOD_DELETE,
  METHOD_MKCOL,
  METHOD_COPY,
  METHOD_MOVE,
  METHOD_PROPFIND,
  METHOD_PROPPATCH,
  METHOD_LOCK,
  METHOD_UNLOCK,
} Method;

static const struct
{
  const char *name;
  Method      method;
} methods[] = {
  { "OPTIONS", METHOD_OPTIONS },
  { "GET", METHOD_GET },
  { "HEAD", METHOD_HEAD },
  { "PUT", METHOD_PUT },
  { "DELETE", METHOD_DELETE },
  { "MKCOL", METHOD_MKCOL },
  { "COPY", METHOD_COPY },
  { "MOVE", METHOD_MOVE },
  { "PROPFIND", METHOD_PROPFIND },
  { "PROPPATCH", METHOD_PROPPATCH },
  { "LOCK", METHOD_LOCK },
  { "UNLOCK", METHOD_UNLOCK },
};

#define ALLOW_READ_ONLY  "OPTIONS, GET, HEAD, PROPFIND"
#define ALLOW_READ_WRITE "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, COPY, MOVE, " \
                         "PROPFIND, PROPPATCH, LOCK, UNLOCK"
#define ALLOW_DROP_BOX   "OPTIONS, PUT, MKCOL, PROPFIND"

static Method
method_from_string (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_strcmp0 (name, methods[i].name) == 0)
      return methods[i].method;
  return METHOD_OTHER;
}

static const char *
allow_for_access (HallwayShareAccess access)
{
  switch (access)
    {
    case HALLWAY_SHARE_ACCESS_READ_WRITE:
      return ALLOW_READ_WRITE;
    case HALLWAY_SHARE_ACCESS_DROP_BOX:
      return ALLOW_DROP_BOX;
    case HALLWAY_SHARE_ACCESS_READ_ONLY:
    default:
      return ALLOW_READ_ONLY;
    }
}

/* Errors */

static const char *
error_code_for_status (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_BAD_REQUEST: return "bad-request";
    case SOUP_STATUS_FORBIDDEN: return "forbidden";
    case SOUP_STATUS_NOT_FOUND: return "not-found";
    case SOUP_STATUS_METHOD_NOT_ALLOWED: return "method-not-allowed";
    case SOUP_STATUS_CONFLICT: return "conflict";
    case SOUP_STATUS_PRECONDITION_FAILED: return "precondition-failed";
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE: return "too-large";
    case SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE: return "unsupported-media-type";
    case SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE: return "range-not-satisfiable";
    case SOUP_STATUS_LOCKED: return "locked";
    case SOUP_STATUS_NOT_IMPLEMENTED: return "not-implemented";
    case SOUP_STATUS_BAD_GATEWAY: return "bad-gateway";
    case SOUP_STATUS_SERVICE_UNAVAILABLE: return "unavailable";
    case SOUP_STATUS_INSUFFICIENT_STORAGE: return "insufficient-storage";
    default: return "failed";
    }
}

void
_webdav_reply_error (SoupServerMessage *msg,
                     guint              status,
                     const char        *message)
{
  hallway_daemon_server_reply_error (msg, status, error_code_for_status (status), message);
}

void
_webdav_reply_gerror (SoupServerMessage *msg,
                      const GError      *error)
{
  guint status = SOUP_STATUS_INTERNAL_SERVER_ERROR;

  if (error->domain == HALLWAY_ERROR)
    switch (error->code)
      {
      case HALLWAY_ERROR_NOT_FOUND:
        status = SOUP_STATUS_NOT_FOUND;
        break;
      case HALLWAY_ERROR_ACCESS_DENIED:
        status = SOUP_STATUS_FORBIDDEN;
        break;
      case HALLWAY_ERROR_INVALID_ARGUMENT:
      case HALLWAY_ERROR_INVALID_DATA:
        status = SOUP_STATUS_BAD_REQUEST;
        break;
      default:
        break;
      }
  _webdav_reply_error (msg, status, error->message);
}

void
_webdav_reply_errno (SoupServerMessage *msg,
                     int                errsv,
                     const char        *what)
{
  guint status;
  g_autofree char *message = NULL;

  switch (errsv)
    {
    case ENOENT:
    case ENOTDIR:
      status = SOUP_STATUS_CONFLICT;
      break;
    case EEXIST:
    case ENOTEMPTY:
      status = SOUP_STATUS_PRECONDITION_FAILED;
      break;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      status = SOUP_STATUS_INSUFFICIENT_STORAGE;
      break;
    case EACCES:
    case EPERM:
    case EROFS:
    case ELOOP:
    case EXDEV:
      status = SOUP_STATUS_FORBIDDEN;
      break;
    case ENAMETOOLONG:
    case EINVAL:
      status = SOUP_STATUS_BAD_REQUEST;
      break;
    default:
      status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
      break;
    }

  if (status == SOUP_STATUS_INSUFFICIENT_STORAGE)
    message = g_strdup (_("There is not enough free space on the sharing computer"));
  else
    /* Translators: %s says what failed, e.g. "Could not create the folder"; then the cause. */
    message = g_strdup_printf ("%s: %s", what, g_strerror (errsv));
  _webdav_reply_error (msg, status, message);
}

void
_webdav_reply_xml_error (SoupServerMessage *msg,
                         guint              status,
                         const char        *precondition)
{
  char *body = hallway_webdav_xml_error_body (precondition);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/xml; charset=utf-8",
                                    SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
reply_empty (SoupServerMessage *msg,
             guint              status)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg), 0);
}

static void
reply_forbidden_method (WebdavRequest *req)
{
  soup_message_headers_replace (req->response_headers, "Allow",
                                allow_for_access (hallway_share_get_access (req->share)));
  switch (hallway_share_get_access (req->share))
    {
    case HALLWAY_SHARE_ACCESS_DROP_BOX:
      _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN,
                           _("This shared folder is a drop box: you can put files in it, "
                             "but not see or change what is there"));
      break;
    case HALLWAY_SHARE_ACCESS_READ_ONLY:
      _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN,
                           _("This shared folder is read-only"));
      break;
    case HALLWAY_SHARE_ACCESS_READ_WRITE:
    default:
      _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN,
                           _("This cannot be done in a shared folder"));
      break;
    }
}

/* Small helpers shared with the other files */

static gboolean
stat_from_statx (const struct statx *stx,
                 WebdavStat         *out)
{
  memset (out, 0, sizeof *out);
  out->is_dir = S_ISDIR (stx->stx_mode);
  if (!out->is_dir && !S_ISREG (stx->stx_mode))
    return FALSE;
  out->size = out->is_dir ? 0 : (goffset) stx->stx_size;
  out->dev = makedev (stx->stx_dev_major, stx->stx_dev_minor);
  out->ino = stx->stx_ino;
  out->mtime = stx->stx_mtime.tv_sec;
  out->mtime_nsec = (gint64) stx->stx_mtime.tv_sec * G_GINT64_CONSTANT (1000000000) +
                    stx->stx_mtime.tv_nsec;
  out->btime = (stx->stx_mask & STATX_BTIME) ? stx->stx_btime.tv_sec : 0;
  return TRUE;
}

/* Returns FALSE with errno set, or EINVAL for what is neither a file nor a
 * folder (devices, sockets and FIFOs are never served). */
gboolean
_webdav_stat_fd (int         fd,
                 WebdavStat *out)
{
  struct statx stx;

  if (statx (fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT,
             STATX_BASIC_STATS | STATX_BTIME, &stx) < 0)
    return FALSE;
  if (!stat_from_statx (&stx, out))
    {
      errno = EINVAL;
      return FALSE;
    }
  return TRUE;
}

/* Does not follow a symbolic link at @name: it fails with ELOOP there. */
gboolean
_webdav_stat_at (int         dirfd,
                 const char *name,
                 WebdavStat *out)
{
  struct statx stx;

  if (statx (dirfd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT,
             STATX_BASIC_STATS | STATX_BTIME, &stx) < 0)
    return FALSE;
  if (S_ISLNK (stx.stx_mode))
    {
      errno = ELOOP;
      return FALSE;
    }
  if (!stat_from_statx (&stx, out))
    {
      errno = EINVAL;
      return FALSE;
    }
  return TRUE;
}

char *
_webdav_etag (const WebdavStat *st)
{
  return hallway_etag_new (st->dev, st->ino, st->size, st->mtime_nsec);
}

char *
_webdav_href (WebdavRequest      *req,
              const char * const *components,
              gboolean            is_folder)
{
  return hallway_path_join_href (req->prefix, components, is_folder);
}

static gboolean
is_part_name (const char *name)
{
  return name[0] == '.' && strstr (name, HALLWAY_WEBDAV_PART_INFIX) != NULL;
}

/* Whether an entry of a folder is shown: not hidden (unless the share says
 * so), not one of our part files, and a name a request could ask back for. */
gboolean
_webdav_name_is_listed (WebdavRequest *req,
                        const char    *name)
{
  return !is_part_name (name) && hallway_path_component_is_valid (name, req->allow_hidden);
}

GBytes *
_webdav_request_body (WebdavRequest *req)
{
  return soup_message_body_flatten (soup_server_message_get_request_body (req->msg));
}

static char *
http_date (gint64 seconds)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (seconds);

  return soup_date_time_to_string (date, SOUP_DATE_HTTP);
}

static gboolean
modified_since (const char *header,
                gint64      mtime,
                gboolean   *out_valid)
{
  g_autoptr(GDateTime) date = soup_date_time_new_from_http_string (header);

  *out_valid = date != NULL;
  return date == NULL || mtime > g_date_time_to_unix (date);
}

/**
 * _webdav_check_validators:
 * @req: the request
 * @st: (nullable): the target, or %NULL when it does not exist
 *
 * Applies If-Match, If-Unmodified-Since, If-None-Match and
 * If-Modified-Since in the order of RFC 7232 §6, answering 412 or 304.
 *
 * Returns: whether to go on with the request
 */
gboolean
_webdav_check_validators (WebdavRequest    *req,
                          const WebdavStat *st)
{
  g_autofree char *etag = st != NULL ? _webdav_etag (st) : NULL;
  const char *if_match = soup_message_headers_get_one (req->request_headers, "If-Match");
  const char *if_none_match = soup_message_headers_get_one (req->request_headers, "If-None-Match");
  const char *if_unmodified = soup_message_headers_get_one (req->request_headers,
                                                            "If-Unmodified-Since");
  const char *if_modified = soup_message_headers_get_one (req->request_headers,
                                                          "If-Modified-Since");
  gboolean is_read = strcmp (req->method, "GET") == 0 || strcmp (req->method, "HEAD") == 0;
  gboolean valid;

  if (if_match != NULL)
    {
      if (!hallway_etag_list_matches (if_match, etag, FALSE))
        {
          _webdav_reply_error (req->msg, SOUP_STATUS_PRECONDITION_FAILED,
                               _("The file has changed since you last saw it"));
          return FALSE;
        }
    }
  else if (if_unmodified != NULL && st != NULL &&
           modified_since (if_unmodified, st->mtime, &valid) && valid)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_PRECONDITION_FAILED,
                           _("The file has changed since you last saw it"));
      return FALSE;
    }

  if (if_none_match != NULL)
    {
      if (hallway_etag_list_matches (if_none_match, etag, TRUE))
        {
          if (is_read)
            {
              soup_message_headers_replace (req->response_headers, "ETag", etag);
              reply_empty (req->msg, SOUP_STATUS_NOT_MODIFIED);
            }
          else
            _webdav_reply_error (req->msg, SOUP_STATUS_PRECONDITION_FAILED,
                                 _("The file already exists"));
          return FALSE;
        }
    }
  else if (if_modified != NULL && is_read && st != NULL &&
           !modified_since (if_modified, st->mtime, &valid) && valid)
    {
      soup_message_headers_replace (req->response_headers, "ETag", etag);
      reply_empty (req->msg, SOUP_STATUS_NOT_MODIFIED);
      return FALSE;
    }

  return TRUE;
}

/**
 * _webdav_parse_destination:
 * @req: a COPY or MOVE
 * @header: (nullable): its Destination header
 * @out_status: (out): the status to answer with, on failure
 * @out_message: (out): why, on failure
 *
 * Only the path after the authority is compared: the client may know this
 * computer by any name or address.
 *
 * Returns: (transfer full) (nullable): the destination inside the share
 */
GStrv
_webdav_parse_destination (WebdavRequest  *req,
                           const char     *header,
                           guint          *out_status,
                           char          **out_message)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *share_prefix = g_strconcat (req->prefix, "/", NULL);
  const char *path;
  GStrv components;

  *out_status = SOUP_STATUS_BAD_REQUEST;
  if (header == NULL || *header == '\0')
    {
      *out_message = g_strdup (_("The Destination header is missing"));
      return NULL;
    }

  if (header[0] == '/')
    uri = g_uri_parse_relative (soup_server_message_get_uri (req->msg), header,
                                SOUP_HTTP_URI_FLAGS, &error);
  else
    uri = g_uri_parse (header, SOUP_HTTP_URI_FLAGS, &error);
  if (uri == NULL)
    {
      *out_message = g_strdup (_("The Destination header is not a valid address"));
      return NULL;
    }

  path = g_uri_get_path (uri);
  if (strcmp (path, req->prefix) != 0 && !g_str_has_prefix (path, share_prefix))
    {
      if (g_str_has_prefix (path, SHARES_PREFIX))
        {
          *out_status = SOUP_STATUS_FORBIDDEN;
          *out_message = g_strdup (_("Items can only be copied or moved within one shared folder"));
        }
      else
        {
          *out_status = SOUP_STATUS_BAD_GATEWAY;
          *out_message = g_strdup (_("The destination is not in this shared folder"));
        }
      return NULL;
    }

  path += strlen (req->prefix);
  if (*path == '/')
    path++;
  components = hallway_path_split (path, req->allow_hidden, &error);
  if (components == NULL)
    {
      *out_status = g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT)
        ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_FORBIDDEN;
      *out_message = g_strdup (error->message);
      return NULL;
    }
  for (guint i = 0; components[i] != NULL; i++)
    if (is_part_name (components[i]))
      {
        g_strfreev (components);
        *out_status = SOUP_STATUS_FORBIDDEN;
        *out_message = g_strdup (_("This name is reserved"));
        return NULL;
      }
  return components;
}

/* Chunked responses built as they are sent (PROPFIND) */

typedef struct
{
  GBytes         *(*produce) (gpointer data);
  gpointer         data;
  GDestroyNotify   destroy;
} ChunkedStream;

static void
chunked_stream_free (ChunkedStream *stream)
{
  if (stream->destroy != NULL)
    stream->destroy (stream->data);
  g_free (stream);
}

static void
chunked_stream_push (SoupServerMessage *msg,
                     ChunkedStream     *stream)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autoptr(GBytes) chunk = NULL;

  if (stream->produce == NULL)
    return;
  chunk = stream->produce (stream->data);
  if (chunk == NULL)
    {
      stream->produce = NULL;
      soup_message_body_complete (body);
      return;
    }
  soup_message_body_append_bytes (body, chunk);
}

static void
chunked_wrote_chunk_cb (SoupServerMessage *msg,
                        gpointer           user_data)
{
  chunked_stream_push (msg, user_data);
}

/* Sends what @produce returns, one chunk at a time, each once the previous
 * one is written; @produce returns NULL at the end. */
void
_webdav_stream_chunked (SoupServerMessage  *msg,
                        GBytes           *(*produce) (gpointer data),
                        gpointer            data,
                        GDestroyNotify      destroy)
{
  ChunkedStream *stream = g_new0 (ChunkedStream, 1);

  stream->produce = produce;
  stream->data = data;
  stream->destroy = destroy;
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                     SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_object_set_data_full (G_OBJECT (msg), "hallway-webdav-chunked", stream,
                          (GDestroyNotify) chunked_stream_free);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (chunked_wrote_chunk_cb), stream);
  chunked_stream_push (msg, stream);
}

/* Requests */

static void
webdav_request_clear (WebdavRequest *req)
{
  g_clear_object (&req->share);
  g_clear_pointer (&req->prefix, g_free);
  g_clear_pointer (&req->components, g_strfreev);
  g_clear_pointer (&req->path, g_free);
  if (req->root_fd >= 0)
    close (req->root_fd);
  req->root_fd = -1;
}

/* Looks the share up, checks the client and the path. On failure the
 * answer is already set. */
static gboolean
webdav_request_init (HallwayDaemonWebdav *self,
                     SoupServerMessage   *msg,
                     const char          *path,
                     WebdavRequest       *req)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *share_id = NULL;
  g_autofree char *refusal = NULL;
  const char *rest;
  const char *slash;
  HallwayShare *share;
  HallwayAccessDecision decision;
  guint retry_after = 0;

  memset (req, 0, sizeof *req);
  req->root_fd = -1;
  req->self = self;
  req->msg = msg;
  req->method = soup_server_message_get_method (msg);
  req->request_headers = soup_server_message_get_request_headers (msg);
  req->response_headers = soup_server_message_get_response_headers (msg);

  /* A '#' cannot appear in a request-target (RFC 7230 §5.3); acting on
   * the part before it could delete something other than what was named. */
  if (g_uri_get_fragment (soup_server_message_get_uri (msg)) != NULL)
    {
      _webdav_reply_error (msg, SOUP_STATUS_BAD_REQUEST, _("The address contains a ‘#’"));
      return FALSE;
    }
  if (!g_str_has_prefix (path, SHARES_PREFIX))
    {
      _webdav_reply_error (msg, SOUP_STATUS_NOT_FOUND, _("There is nothing here"));
      return FALSE;
    }
  rest = path + strlen (SHARES_PREFIX);
  slash = strchr (rest, '/');
  share_id = slash != NULL ? g_strndup (rest, slash - rest) : g_strdup (rest);
  share = hallway_share_id_is_valid (share_id)
    ? hallway_daemon_shares_lookup (self->shares, share_id) : NULL;
  /* A folder switched off is not there for colleagues. */
  if (share == NULL || !hallway_share_get_enabled (share))
    {
      _webdav_reply_error (msg, SOUP_STATUS_NOT_FOUND, _("There is no such shared folder"));
      return FALSE;
    }
  req->share = g_object_ref (share);
  req->share_id = hallway_share_get_id (share);
  req->prefix = g_strconcat (SHARES_PREFIX, req->share_id, NULL);
  req->allow_hidden = hallway_share_get_show_hidden (share);

  decision = hallway_daemon_access_check (self->access, msg, share, &refusal, &retry_after);
  if (decision != HALLWAY_ACCESS_ALLOWED)
    {
      hallway_daemon_access_reply (msg, share, decision, refusal, retry_after);
      return FALSE;
    }

  req->root_fd = hallway_share_open_root (share, &error);
  if (req->root_fd < 0)
    {
      g_debug ("Share ‘%s’ is not available: %s", hallway_share_get_name (share), error->message);
      _webdav_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                           _("The shared folder is not available right now"));
      return FALSE;
    }

  req->components = hallway_path_split (slash != NULL ? slash + 1 : "", req->allow_hidden,
                                        &error);
  if (req->components == NULL)
    {
      _webdav_reply_gerror (msg, error);
      return FALSE;
    }
  for (guint i = 0; req->components[i] != NULL; i++)
    if (is_part_name (req->components[i]))
      {
        _webdav_reply_error (msg, SOUP_STATUS_NOT_FOUND, _("No such file or folder"));
        return FALSE;
      }
  req->path = _webdav_join_path ((const char * const *) req->components);
  return TRUE;
}

static gboolean
is_share_root (WebdavRequest *req)
{
  return req->components[0] == NULL;
}

/* OPTIONS */

static void
handle_options (WebdavRequest *req)
{
  soup_message_headers_replace (req->response_headers, "DAV", "1, 2");
  soup_message_headers_replace (req->response_headers, "MS-Author-Via", "DAV");
  soup_message_headers_replace (req->response_headers, "Allow",
                                allow_for_access (hallway_share_get_access (req->share)));
  soup_message_headers_replace (req->response_headers, "Accept-Ranges", "bytes");
  reply_empty (req->msg, SOUP_STATUS_OK);
}

/* GET and HEAD of a file */

typedef struct
{
  SoupServerMessage *msg;          /* (unowned) owns this */
  int                fd;
  goffset            offset;
  goffset            remaining;
  gboolean           aborted;
} FileStream;

static void
file_stream_free (FileStream *stream)
{
  if (stream->fd >= 0)
    close (stream->fd);
  g_free (stream);
}

static gboolean
abort_connection_cb (gpointer user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  g_autoptr(GIOStream) connection = soup_server_message_steal_connection (msg);

  if (connection != NULL)
    g_io_stream_close (connection, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static void
file_stream_push (FileStream *stream)
{
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  gsize want;
  gsize got = 0;
  char *block;

  if (stream->aborted)
    return;
  if (stream->remaining == 0)
    {
      soup_message_body_complete (body);
      return;
    }

  want = (gsize) MIN (stream->remaining, HALLWAY_WEBDAV_BLOCK_SIZE);
  block = g_malloc (want);
  while (got < want)
    {
      ssize_t n = pread (stream->fd, block + got, want - got, stream->offset + got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += n;
    }

  if (got < want)
    {
      /* The file shrank (or became unreadable) since its length was sent:
       * the promised length cannot be kept, so the connection is closed to
       * tell the client the body is incomplete. */
      g_debug ("A shared file changed while it was sent; closing the connection");
      g_free (block);
      stream->aborted = TRUE;
      g_idle_add (abort_connection_cb, g_object_ref (stream->msg));
      return;
    }

  stream->offset += want;
  stream->remaining -= want;
  soup_message_body_append_take (body, (guchar *) block, want);
}

static void
file_wrote_chunk_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  file_stream_push (user_data);
}

static char *
content_type_for_name (const char *name)
{
  g_autofree char *type = g_content_type_guess (name, NULL, 0, NULL);
  char *mime = g_content_type_get_mime_type (type);

  return mime != NULL ? mime : g_strdup ("application/octet-stream");
}

static void
send_file (WebdavRequest    *req,
           int               fd,
           const WebdavStat *st,
           gboolean          head)
{
  g_autofree char *etag = _webdav_etag (st);
  g_autofree char *last_modified = http_date (st->mtime);
  g_autofree char *mime = NULL;
  const char *name = is_share_root (req) ? "" : req->components[g_strv_length (req->components) - 1];
  const char *range = soup_message_headers_get_one (req->request_headers, "Range");
  const char *if_range = soup_message_headers_get_one (req->request_headers, "If-Range");
  goffset start = 0;
  goffset end = st->size - 1;
  guint status = SOUP_STATUS_OK;
  FileStream *stream;

  soup_message_headers_replace (req->response_headers, "ETag", etag);
  soup_message_headers_replace (req->response_headers, "Last-Modified", last_modified);
  soup_message_headers_replace (req->response_headers, "Accept-Ranges", "bytes");

  if (!_webdav_check_validators (req, st))
    {
      close (fd);
      return;
    }

  if (range != NULL && !head &&
      (if_range == NULL || hallway_if_range_matches (if_range, etag, st->mtime)))
    {
      switch (hallway_range_parse (range, st->size, &start, &end))
        {
        case HALLWAY_RANGE_SATISFIABLE:
          {
            g_autofree char *content_range =
              g_strdup_printf ("bytes %" G_GOFFSET_FORMAT "-%" G_GOFFSET_FORMAT "/%" G_GOFFSET_FORMAT,
                               start, end, st->size);

            soup_message_headers_replace (req->response_headers, "Content-Range", content_range);
            status = SOUP_STATUS_PARTIAL_CONTENT;
            break;
          }

        case HALLWAY_RANGE_UNSATISFIABLE:
          {
            g_autofree char *content_range = g_strdup_printf ("bytes */%" G_GOFFSET_FORMAT,
                                                              st->size);

            close (fd);
            soup_message_headers_replace (req->response_headers, "Content-Range", content_range);
            _webdav_reply_error (req->msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
                                 _("The requested range is past the end of the file"));
            return;
          }

        case HALLWAY_RANGE_NONE:
        default:
          start = 0;
          end = st->size - 1;
          break;
        }
    }

  mime = content_type_for_name (name);
  soup_message_headers_set_content_type (req->response_headers, mime, NULL);
  soup_message_headers_set_content_length (req->response_headers, end - start + 1);
  soup_server_message_set_status (req->msg, status, NULL);

  if (head || end < start)
    {
      close (fd);
      return;
    }

  stream = g_new0 (FileStream, 1);
  stream->msg = req->msg;
  stream->fd = fd;
  stream->offset = start;
  stream->remaining = end - start + 1;
  soup_message_body_set_accumulate (soup_server_message_get_response_body (req->msg), FALSE);
  g_object_set_data_full (G_OBJECT (req->msg), "hallway-webdav-file", stream,
                          (GDestroyNotify) file_stream_free);
  g_signal_connect (req->msg, "wrote-chunk", G_CALLBACK (file_wrote_chunk_cb), stream);
  file_stream_push (stream);
}

/* Folder listings for browsers (HTML) and programs (JSON) */

typedef struct
{
  char       *name;
  char       *collate_key;
  WebdavStat  st;
} ListEntry;

static void
list_entry_free (ListEntry *entry)
{
  g_free (entry->name);
  g_free (entry->collate_key);
  g_free (entry);
}

static int
list_entry_compare (gconstpointer a,
                    gconstpointer b)
{
  const ListEntry *x = *(const ListEntry * const *) a;
  const ListEntry *y = *(const ListEntry * const *) b;

  if (x->st.is_dir != y->st.is_dir)
    return x->st.is_dir ? -1 : 1;
  return strcmp (x->collate_key, y->collate_key);
}

/* Stats an entry of a folder; a symbolic link counts only if it leads to
 * something inside the share. */
static gboolean
stat_child (WebdavRequest *req,
            int            dirfd,
            const char    *name,
            WebdavStat    *out)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) child = NULL;
  int fd;
  gboolean ok;

  if (_webdav_stat_at (dirfd, name, out))
    return TRUE;
  if (errno != ELOOP)
    return FALSE;

  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) req->components);
  g_strv_builder_add (builder, name);
  child = g_strv_builder_end (builder);
  fd = hallway_path_open (req->root_fd, (const char * const *) child, O_PATH, 0, NULL);
  if (fd < 0)
    return FALSE;
  ok = _webdav_stat_fd (fd, out);
  close (fd);
  return ok;
}

/* Reads the entries of the folder @fd (consumed) that a client may see.
 * Returns NULL with errno = E2BIG when there are more than allowed. */
static GPtrArray *
read_folder (WebdavRequest *req,
             int            fd)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) list_entry_free);
  DIR *dir = fdopendir (fd);
  struct dirent *dent;

  if (dir == NULL)
    {
      int errsv = errno;

      close (fd);
      errno = errsv;
      return NULL;
    }

  while ((dent = readdir (dir)) != NULL)
    {
      ListEntry *entry;
      WebdavStat st;

      if (strcmp (dent->d_name, ".") == 0 || strcmp (dent->d_name, "..") == 0)
        continue;
      if (!_webdav_name_is_listed (req, dent->d_name))
        continue;
      if (!stat_child (req, dirfd (dir), dent->d_name, &st))
        continue;
      if (entries->len >= req->self->max_entries)
        {
          closedir (dir);
          errno = E2BIG;
          return NULL;
        }
      entry = g_new0 (ListEntry, 1);
      entry->name = g_strdup (dent->d_name);
      entry->collate_key = g_utf8_collate_key_for_filename (dent->d_name, -1);
      entry->st = st;
      g_ptr_array_add (entries, entry);
    }
  closedir (dir);

  g_ptr_array_sort (entries, list_entry_compare);
  return g_steal_pointer (&entries);
}

static gboolean
accepts_html (WebdavRequest *req)
{
  const char *accept = soup_message_headers_get_list (req->request_headers, "Accept");

  return accept != NULL && (strstr (accept, "text/html") != NULL ||
                            strstr (accept, "application/xhtml+xml") != NULL);
}

static char *
entry_href (WebdavRequest   *req,
            const ListEntry *entry)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) child = NULL;

  g_strv_builder_addv (builder, (const char **) req->components);
  g_strv_builder_add (builder, entry->name);
  child = g_strv_builder_end (builder);
  return _webdav_href (req, (const char * const *) child, entry->st.is_dir);
}

static char *
format_local_time (gint64      seconds,
                   const char *format)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (seconds);
  g_autoptr(GDateTime) local = g_date_time_to_local (utc);

  return g_date_time_format (local, format);
}

static char *
build_html_listing (WebdavRequest *req,
                    GPtrArray     *entries)
{
  GString *html = g_string_new (NULL);
  guint n = g_strv_length (req->components);
  g_autofree char *folder = g_markup_escape_text (n == 0 ? hallway_share_get_name (req->share)
                                                         : req->components[n - 1], -1);
  g_autofree char *share_name = g_markup_escape_text (hallway_share_get_name (req->share), -1);

  g_string_append_printf (html,
                          "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
                          "<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                          "<title>%s — %s</title>\n"
                          "<style>body{font-family:sans-serif;margin:1.5em;line-height:1.4}"
                          "table{border-collapse:collapse}caption{text-align:left;font-weight:bold;"
                          "padding:.4em 0}th,td{padding:.35em .8em;text-align:left;"
                          "border-bottom:1px solid #ccc}td.size{text-align:right}</style>\n"
                          "</head>\n<body>\n<main>\n<h1>%s</h1>\n",
                          /* Translators: the HTML language code of this translation. */
                          _("en"), folder, share_name, folder);

  if (n > 0)
    {
      g_autofree char *parent = NULL;
      char *last = req->components[n - 1];

      req->components[n - 1] = NULL;
      parent = _webdav_href (req, (const char * const *) req->components, TRUE);
      req->components[n - 1] = last;
      g_string_append_printf (html, "<p><a href=\"%s\">%s</a></p>\n",
                              parent, _("Parent folder"));
    }

  g_string_append_printf (html,
                          "<table>\n<caption>%s</caption>\n<thead><tr>"
                          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                          "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                          "</tr></thead>\n<tbody>\n",
                          folder, _("Name"), _("Size"), _("Modified"), _("Download"));

  for (guint i = 0; i < entries->len; i++)
    {
      ListEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *href = entry_href (req, entry);
      g_autofree char *name = g_markup_escape_text (entry->name, -1);
      g_autofree char *iso = format_local_time (entry->st.mtime, "%Y-%m-%dT%H:%M:%S%z");
      g_autofree char *shown = format_local_time (entry->st.mtime, "%Y-%m-%d %H:%M");

      if (entry->st.is_dir)
        g_string_append_printf (html,
                                "<tr><th scope=\"row\"><a href=\"%s\">%s/</a></th>"
                                "<td class=\"size\">%s</td><td><time datetime=\"%s\">%s</time></td>"
                                "<td></td></tr>\n",
                                href, name, _("Folder"), iso, shown);
      else
        {
          g_autofree char *size = g_format_size (entry->st.size);
          /* Translators: %s is a file name; the accessible name of its download link. */
          g_autofree char *label = g_strdup_printf (_("Download %s"), entry->name);
          g_autofree char *label_escaped = g_markup_escape_text (label, -1);

          g_string_append_printf (html,
                                  "<tr><th scope=\"row\"><a href=\"%s\">%s</a></th>"
                                  "<td class=\"size\">%s</td><td><time datetime=\"%s\">%s</time></td>"
                                  "<td><a href=\"%s\" download aria-label=\"%s\">%s</a></td></tr>\n",
                                  href, name, size, iso, shown, href, label_escaped,
                                  _("Download"));
        }
    }
  if (entries->len == 0)
    g_string_append_printf (html, "<tr><td colspan=\"4\">%s</td></tr>\n", _("This folder is empty"));

  g_string_append (html, "</tbody>\n</table>\n</main>\n</body>\n</html>\n");
  return g_string_free (html, FALSE);
}

static char *
build_json_listing (GPtrArray *entries,
                    gsize     *out_length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      ListEntry *entry = g_ptr_array_index (entries, i);
      g_autoptr(GDateTime) modified = g_date_time_new_from_unix_utc (entry->st.mtime);
      g_autofree char *iso = g_date_time_format_iso8601 (modified);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, entry->name);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, entry->st.is_dir ? "folder" : "file");
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, entry->st.size);
      json_builder_set_member_name (builder, "modified");
      json_builder_add_string_value (builder, iso);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, out_length);
}

static void
send_folder (WebdavRequest *req,
             int            fd,
             gboolean       head)
{
  g_autoptr(GPtrArray) entries = read_folder (req, fd);
  char *body;
  gsize length;

  if (entries == NULL)
    {
      if (errno == E2BIG)
        _webdav_reply_error (req->msg, SOUP_STATUS_INSUFFICIENT_STORAGE,
                             _("This folder has too many items to list"));
      else
        _webdav_reply_errno (req->msg, errno, _("Could not read the folder"));
      return;
    }

  soup_message_headers_replace (req->response_headers, "Cache-Control", "no-store");
  if (accepts_html (req))
    {
      body = build_html_listing (req, entries);
      length = strlen (body);
      soup_message_headers_replace (req->response_headers, "Content-Security-Policy",
                                    "default-src 'none'; style-src 'unsafe-inline'");
      soup_message_headers_replace (req->response_headers, "X-Content-Type-Options", "nosniff");
      soup_message_headers_replace (req->response_headers, "Referrer-Policy", "no-referrer");
      soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (req->msg, "text/html; charset=utf-8",
                                        SOUP_MEMORY_TAKE, body, length);
    }
  else
    {
      body = build_json_listing (entries, &length);
      soup_message_headers_replace (req->response_headers, "X-Content-Type-Options", "nosniff");
      soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (req->msg, "application/json",
                                        SOUP_MEMORY_TAKE, body, length);
    }
}

/* GET …?digest=sha256: the SHA-256 of a file, so that a client that
 * resumed a download can check what it pieced together, end to end. The
 * file is read in a worker thread in large blocks, a few at a time; the
 * request waits, paused, meanwhile. A file that changes while it is read
 * is answered with 503, to be asked again. */

#define DIGEST_MAX_RUNNING 2
#define DIGEST_BLOCK_SIZE  (256 * 1024)

typedef struct
{
  SoupServerMessage *msg;     /* (owned) */
  int                fd;
  WebdavStat         st;      /* when the request came */
  gint               gone;    /* (atomic) the client went away meanwhile */
} DigestJob;

typedef struct
{
  char       *hex;
  WebdavStat  st;             /* after reading */
  gboolean    changed;
} DigestResult;

static guint  digests_running;
static GQueue digests_waiting = G_QUEUE_INIT;

static void digest_start (DigestJob *job);

static void
digest_job_free (DigestJob *job)
{
  g_signal_handlers_disconnect_by_data (job->msg, job);
  g_clear_object (&job->msg);
  if (job->fd >= 0)
    close (job->fd);
  g_free (job);
}

static void
digest_result_free (DigestResult *result)
{
  g_free (result->hex);
  g_free (result);
}

static void
digest_msg_gone_cb (SoupServerMessage *msg,
                    DigestJob         *job)
{
  g_atomic_int_set (&job->gone, TRUE);
}

static void
digest_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DigestJob *job = task_data;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (DIGEST_BLOCK_SIZE);
  DigestResult *result = g_new0 (DigestResult, 1);
  off_t offset = 0;

  for (;;)
    {
      ssize_t n = pread (job->fd, buffer, DIGEST_BLOCK_SIZE, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          digest_result_free (result);
          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                                   "%s", g_strerror (saved_errno));
          return;
        }
      if (n == 0 || g_atomic_int_get (&job->gone))
        break;
      g_checksum_update (checksum, buffer, n);
      offset += n;
    }

  result->hex = g_strdup (g_checksum_get_string (checksum));
  result->changed = !_webdav_stat_fd (job->fd, &result->st) ||
                    result->st.size != job->st.size || result->st.size != offset ||
                    result->st.mtime_nsec != job->st.mtime_nsec;
  g_task_return_pointer (task, result, (GDestroyNotify) digest_result_free);
}

static void
digest_done_cb (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  DigestJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  DigestResult *result = g_task_propagate_pointer (G_TASK (res), &error);

  digests_running--;
  if (!g_atomic_int_get (&job->gone))
    {
      if (result == NULL)
        _webdav_reply_error (job->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                             _("Could not read the file"));
      else if (result->changed)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (job->msg),
                                        "Retry-After", "1");
          _webdav_reply_error (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                               _("The file changed while it was read"));
        }
      else
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();
          g_autoptr(JsonGenerator) generator = json_generator_new ();
          g_autoptr(JsonNode) root = NULL;
          g_autofree char *etag = _webdav_etag (&result->st);
          char *body;
          gsize length;

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "sha256");
          json_builder_add_string_value (builder, result->hex);
          json_builder_set_member_name (builder, "size");
          json_builder_add_int_value (builder, result->st.size);
          json_builder_set_member_name (builder, "etag");
          json_builder_add_string_value (builder, etag);
          json_builder_end_object (builder);
          root = json_builder_get_root (builder);
          json_generator_set_root (generator, root);
          body = json_generator_to_data (generator, &length);
          soup_message_headers_replace (soup_server_message_get_response_headers (job->msg),
                                        "Cache-Control", "no-store");
          soup_server_message_set_status (job->msg, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (job->msg, "application/json", SOUP_MEMORY_TAKE,
                                            body, length);
        }
      soup_server_message_unpause (job->msg);
    }
  g_clear_pointer (&result, digest_result_free);

  job = g_queue_pop_head (&digests_waiting);
  if (job != NULL)
    digest_start (job);
}

static void
digest_start (DigestJob *job)
{
  g_autoptr(GTask) task = NULL;

  if (g_atomic_int_get (&job->gone))
    {
      digest_job_free (job);
      job = g_queue_pop_head (&digests_waiting);
      if (job == NULL)
        return;
      digest_start (job);
      return;
    }
  digests_running++;
  task = g_task_new (NULL, NULL, digest_done_cb, NULL);
  g_task_set_source_tag (task, digest_start);
  g_task_set_task_data (task, job, (GDestroyNotify) digest_job_free);
  g_task_run_in_thread (task, digest_thread);
}

static gboolean
wants_digest (WebdavRequest *req)
{
  GUri *uri = soup_server_message_get_uri (req->msg);
  const char *query = uri != NULL ? g_uri_get_query (uri) : NULL;
  g_autoptr(GHashTable) params = NULL;

  if (query == NULL)
    return FALSE;
  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  return params != NULL && g_strcmp0 (g_hash_table_lookup (params, "digest"), "sha256") == 0;
}

static void
send_digest (WebdavRequest    *req,
             int               fd,
             const WebdavStat *st)
{
  DigestJob *job = g_new0 (DigestJob, 1);

  job->msg = g_object_ref (req->msg);
  job->fd = fd;
  job->st = *st;
  g_signal_connect (job->msg, "finished", G_CALLBACK (digest_msg_gone_cb), job);
  g_signal_connect (job->msg, "disconnected", G_CALLBACK (digest_msg_gone_cb), job);
  soup_server_message_pause (job->msg);
  if (digests_running < DIGEST_MAX_RUNNING)
    digest_start (job);
  else
    g_queue_push_tail (&digests_waiting, job);
}

static void
handle_get (WebdavRequest *req,
            gboolean       head)
{
  g_autoptr(GError) error = NULL;
  WebdavStat st;
  char *from = NULL;
  int fd;

  if (!head && _webdav_wants_bulk (req, &from))
    {
      /* The worker opens what was asked for itself. */
      _webdav_send_bulk (req, from);
      return;
    }

  /* O_NONBLOCK: opening a FIFO someone put in the share must not hang. */
  fd = hallway_path_open (req->root_fd, (const char * const *) req->components,
                          O_RDONLY | O_NOCTTY | O_NONBLOCK, 0, &error);
  if (fd < 0)
    {
      _webdav_reply_gerror (req->msg, error);
      return;
    }
  if (!_webdav_stat_fd (fd, &st))
    {
      close (fd);
      _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN,
                           _("Only files and folders can be opened"));
      return;
    }

  if (st.is_dir)
    send_folder (req, fd, head);
  else if (!head && wants_digest (req))
    send_digest (req, fd, &st);
  else
    send_file (req, fd, &st, head);
}

/* PUT: the early handler opens a part file, "got-chunk" fills it, the
 * handler renames it into place. */

typedef struct
{
  HallwayDaemonWebdav *self;
  WebdavRequest        req;
  int                  parent_fd;
  int                  fd;
  char                *name;
  char                *part_name;
  GByteArray          *buffer;
  guint64              received;
  gboolean             existed;
  gboolean             create_only;   /* If-None-Match: * */
  gboolean             done;          /* renamed into place, or removed */
} PutState;

static void
put_discard (PutState *put)
{
  if (put->fd >= 0)
    close (put->fd);
  put->fd = -1;
  if (!put->done && put->part_name != NULL && put->parent_fd >= 0)
    unlinkat (put->parent_fd, put->part_name, 0);
  put->done = TRUE;
}

static void
put_state_free (PutState *put)
{
  put_discard (put);
  if (put->parent_fd >= 0)
    close (put->parent_fd);
  g_free (put->name);
  g_free (put->part_name);
  g_clear_pointer (&put->buffer, g_byte_array_unref);
  webdav_request_clear (&put->req);
  g_free (put);
}

static gboolean
write_all (int         fd,
           const void *data,
           gsize       length)
{
  const char *p = data;

  while (length > 0)
    {
      ssize_t n = write (fd, p, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      p += n;
      length -= n;
    }
  return TRUE;
}

static void
put_fail (PutState *put,
          int       errsv)
{
  SoupServerMessage *msg = put->req.msg;

  put_discard (put);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  if (errsv == EFBIG)
    _webdav_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, _("The file is too large"));
  else
    _webdav_reply_errno (msg, errsv, _("Could not save the file"));
}

static gboolean
put_flush (PutState *put)
{
  if (put->buffer->len == 0)
    return TRUE;
  if (!write_all (put->fd, put->buffer->data, put->buffer->len))
    {
      put_fail (put, errno);
      return FALSE;
    }
  g_byte_array_set_size (put->buffer, 0);
  return TRUE;
}

static void
put_got_chunk_cb (SoupServerMessage *msg,
                  GBytes            *chunk,
                  gpointer           user_data)
{
  PutState *put = user_data;
  gsize size;
  gconstpointer data = g_bytes_get_data (chunk, &size);

  if (put->done)
    return;

  put->received += size;
  if (put->received > put->self->max_body)
    {
      put_fail (put, EFBIG);
      return;
    }

  /* libsoup hands over 8 KiB at a time; write in larger blocks. */
  g_byte_array_append (put->buffer, data, size);
  if (put->buffer->len >= HALLWAY_WEBDAV_BLOCK_SIZE)
    put_flush (put);
}

static void
put_finished_cb (SoupServerMessage *msg,
                 gpointer           user_data)
{
  /* Interrupted or answered early: nothing half-sent is kept. */
  put_discard (user_data);
}

static char *
part_name_new (const char *name)
{
  g_autofree char *stem = g_strndup (name, 200);
  g_autofree char *suffix = g_uuid_string_random ();

  suffix[8] = '\0';
  return g_strdup_printf (".%s" HALLWAY_WEBDAV_PART_INFIX "%s", stem, suffix);
}

static void
put_prepare (HallwayDaemonWebdav *self,
             SoupServerMessage   *msg,
             const char          *path)
{
  g_autoptr(GError) error = NULL;
  PutState *put = g_new0 (PutState, 1);
  WebdavRequest *req = &put->req;
  HallwayShareAccess access;
  const char *name = NULL;
  WebdavStat st;
  goffset length;

  put->self = self;
  put->parent_fd = -1;
  put->fd = -1;

  if (!webdav_request_init (self, msg, path, req))
    {
      put_state_free (put);
      return;
    }

  access = hallway_share_get_access (req->share);
  if (access == HALLWAY_SHARE_ACCESS_READ_ONLY)
    {
      reply_forbidden_method (req);
      put_state_free (put);
      return;
    }
  if (is_share_root (req))
    {
      soup_message_headers_replace (req->response_headers, "Allow", ALLOW_READ_ONLY);
      _webdav_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                           _("The shared folder itself cannot be replaced"));
      put_state_free (put);
      return;
    }
  if (soup_message_headers_get_one (req->request_headers, "Content-Range") != NULL)
    {
      /* RFC 7231 §4.3.4: a partial PUT must be refused. */
      _webdav_reply_error (msg, SOUP_STATUS_BAD_REQUEST,
                           _("Partial uploads (Content-Range) are not supported"));
      put_state_free (put);
      return;
    }
  length = soup_message_headers_get_encoding (req->request_headers) == SOUP_ENCODING_CONTENT_LENGTH
    ? soup_message_headers_get_content_length (req->request_headers) : 0;
  if ((guint64) length > self->max_body)
    {
      soup_message_headers_replace (req->response_headers, "Connection", "close");
      _webdav_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, _("The file is too large"));
      put_state_free (put);
      return;
    }

  put->parent_fd = hallway_path_open_parent (req->root_fd, (const char * const *) req->components,
                                             &name, &error);
  if (put->parent_fd < 0)
    {
      if (g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND))
        _webdav_reply_error (msg, SOUP_STATUS_CONFLICT,
                             _("The folder to put the file in does not exist"));
      else
        _webdav_reply_gerror (msg, error);
      put_state_free (put);
      return;
    }
  put->name = g_strdup (name);

  if (access == HALLWAY_SHARE_ACCESS_READ_WRITE)
    {
      gboolean exists = _webdav_stat_at (put->parent_fd, name, &st);
      int errsv = errno;

      if (!exists && errsv != ENOENT && errsv != ELOOP)
        {
          _webdav_reply_errno (msg, errsv, _("Could not save the file"));
          put_state_free (put);
          return;
        }
      if (exists && st.is_dir)
        {
          soup_message_headers_replace (req->response_headers, "Allow", ALLOW_READ_WRITE);
          _webdav_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                               _("A folder cannot be replaced by a file"));
          put_state_free (put);
          return;
        }
      put->existed = exists || errsv == ELOOP;
      put->create_only = g_strcmp0 (soup_message_headers_get_one (req->request_headers,
                                                                  "If-None-Match"), "*") == 0;
      if (!_webdav_check_validators (req, exists ? &st : NULL) ||
          !_webdav_if_header_passes (req) ||
          !_webdav_check_locks (req, req->path, !put->existed, FALSE))
        {
          put_state_free (put);
          return;
        }
    }

  for (guint tries = 0; put->fd < 0 && tries < 8; tries++)
    {
      g_free (put->part_name);
      put->part_name = part_name_new (name);
      put->fd = openat (put->parent_fd, put->part_name,
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
      if (put->fd < 0 && errno != EEXIST)
        break;
    }
  if (put->fd < 0)
    {
      int errsv = errno;

      g_clear_pointer (&put->part_name, g_free);
      _webdav_reply_errno (msg, errsv, _("Could not save the file"));
      put_state_free (put);
      return;
    }

  put->buffer = g_byte_array_sized_new (HALLWAY_WEBDAV_BLOCK_SIZE + 8192);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_object_set_data_full (G_OBJECT (msg), "hallway-webdav-put", put,
                          (GDestroyNotify) put_state_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (put_got_chunk_cb), put);
  g_signal_connect (msg, "finished", G_CALLBACK (put_finished_cb), put);
}

/* "report.pdf" → "report (2).pdf"; "archive.tar.gz" keeps ".tar.gz" whole
 * only as far as the last dot, like most file managers. */
static char *
numbered_name (const char *name,
               guint       n)
{
  const char *dot = strrchr (name, '.');

  if (dot == NULL || dot == name)
    return g_strdup_printf ("%s (%u)", name, n);
  return g_strdup_printf ("%.*s (%u)%s", (int) (dot - name), name, n, dot);
}

static void
put_commit (PutState *put)
{
  WebdavRequest *req = &put->req;
  SoupServerMessage *msg = req->msg;
  gboolean replaced = FALSE;

  if (put->done)
    return;
  if (!put_flush (put))
    return;
  if (fsync (put->fd) < 0)
    {
      put_fail (put, errno);
      return;
    }
  close (put->fd);
  put->fd = -1;

  if (hallway_share_get_access (req->share) == HALLWAY_SHARE_ACCESS_DROP_BOX)
    {
      /* Never overwrite, never tell: a taken name gets a number. */
      g_autofree char *target = g_strdup (put->name);

      for (guint n = 2;; n++)
        {
          if (renameat2 (put->parent_fd, put->part_name, put->parent_fd, target,
                         RENAME_NOREPLACE) == 0)
            break;
          if (errno != EEXIST || n > 9999)
            {
              put_fail (put, errno);
              return;
            }
          g_free (target);
          target = numbered_name (put->name, n);
          if (strlen (target) > 255)
            {
              put_fail (put, ENAMETOOLONG);
              return;
            }
        }
      put->done = TRUE;
      reply_empty (msg, SOUP_STATUS_CREATED);
      return;
    }

  if (put->create_only)
    {
      if (renameat2 (put->parent_fd, put->part_name, put->parent_fd, put->name,
                     RENAME_NOREPLACE) < 0)
        {
          int errsv = errno;

          put_discard (put);
          if (errsv == EEXIST)
            _webdav_reply_error (msg, SOUP_STATUS_PRECONDITION_FAILED, _("The file already exists"));
          else
            _webdav_reply_errno (msg, errsv, _("Could not save the file"));
          return;
        }
    }
  else
    {
      WebdavStat old_st;
      WebdavStat new_st;

      replaced = _webdav_stat_at (put->parent_fd, put->name, &old_st) || errno == ELOOP;
      if (replaced && !old_st.is_dir && _webdav_stat_at (put->parent_fd, put->part_name, &new_st))
        {
          /* A new body does not change the properties people set. */
          int old_fd = openat (put->parent_fd, put->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
          int new_fd = openat (put->parent_fd, put->part_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

          if (old_fd >= 0 && new_fd >= 0)
            _webdav_props_copy (req->self, req->share, old_fd, &old_st, new_fd, &new_st);
          if (old_fd >= 0)
            close (old_fd);
          if (new_fd >= 0)
            close (new_fd);
        }
      if (renameat (put->parent_fd, put->part_name, put->parent_fd, put->name) < 0)
        {
          int errsv = errno;

          put_discard (put);
          if (errsv == EISDIR)
            _webdav_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                 _("A folder cannot be replaced by a file"));
          else
            _webdav_reply_errno (msg, errsv, _("Could not save the file"));
          return;
        }
    }

  put->done = TRUE;
  reply_empty (msg, replaced ? SOUP_STATUS_NO_CONTENT : SOUP_STATUS_CREATED);
}

/* Handlers */

static gboolean
body_is_xml_method (const char *method)
{
  Method m = method_from_string (method);

  return m == METHOD_PROPFIND || m == METHOD_PROPPATCH || m == METHOD_LOCK;
}

static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  HallwayDaemonWebdav *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (g_strcmp0 (method, "PUT") == 0)
    {
      put_prepare (self, msg, path);
      if (soup_server_message_get_status (msg) != 0)
        soup_message_body_set_accumulate (body, FALSE);
      return;
    }

  if (body_is_xml_method (method))
    {
      hallway_daemon_server_limit_body (msg, HALLWAY_WEBDAV_XML_MAX_BODY,
                                        _("The request body is too large"));
      return;
    }

  /* Nothing else reads its body: don't keep it in memory. */
  soup_message_body_set_accumulate (body, FALSE);
}

static gboolean
has_request_body (WebdavRequest *req)
{
  switch (soup_message_headers_get_encoding (req->request_headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length (req->request_headers) > 0;
    case SOUP_ENCODING_CHUNKED:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
dispatch (WebdavRequest *req,
          Method         method)
{
  HallwayShareAccess access = hallway_share_get_access (req->share);

  switch (access)
    {
    case HALLWAY_SHARE_ACCESS_READ_ONLY:
      if (method != METHOD_OPTIONS && method != METHOD_GET && method != METHOD_HEAD &&
          method != METHOD_PROPFIND && method != METHOD_OTHER)
        {
          reply_forbidden_method (req);
          return;
        }
      break;

    case HALLWAY_SHARE_ACCESS_DROP_BOX:
      if (method == METHOD_PROPFIND)
        {
          /* Enough for a client to see it can connect, nothing more. */
          if (!is_share_root (req) ||
              g_strcmp0 (soup_message_headers_get_one (req->request_headers, "Depth"), "0") != 0)
            {
              reply_forbidden_method (req);
              return;
            }
        }
      else if (method != METHOD_OPTIONS && method != METHOD_PUT && method != METHOD_MKCOL &&
               method != METHOD_OTHER)
        {
          reply_forbidden_method (req);
          return;
        }
      break;

    case HALLWAY_SHARE_ACCESS_READ_WRITE:
    default:
      break;
    }

  switch (method)
    {
    case METHOD_OPTIONS:
      handle_options (req);
      break;
    case METHOD_GET:
      handle_get (req, FALSE);
      break;
    case METHOD_HEAD:
      handle_get (req, TRUE);
      break;
    case METHOD_PUT:
      {
        PutState *put = g_object_get_data (G_OBJECT (req->msg), "hallway-webdav-put");

        if (put != NULL)
          put_commit (put);
        else
          _webdav_reply_error (req->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                               _("The upload could not be received"));
        break;
      }
    case METHOD_DELETE:
      _webdav_handle_delete (req);
      break;
    case METHOD_MKCOL:
      if (has_request_body (req))
        _webdav_reply_error (req->msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                             _("MKCOL with a body is not supported"));
      else
        _webdav_handle_mkcol (req);
      break;
    case METHOD_COPY:
      _webdav_handle_copy_move (req, FALSE);
      break;
    case METHOD_MOVE:
      _webdav_handle_copy_move (req, TRUE);
      break;
    case METHOD_PROPFIND:
      _webdav_handle_propfind (req);
      break;
    case METHOD_PROPPATCH:
      _webdav_handle_proppatch (req);
      break;
    case METHOD_LOCK:
      _webdav_handle_lock (req);
      break;
    case METHOD_UNLOCK:
      _webdav_handle_unlock (req);
      break;
    case METHOD_OTHER:
    default:
      soup_message_headers_replace (req->response_headers, "Allow", allow_for_access (access));
      _webdav_reply_error (req->msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                           _("This method is not supported here"));
      break;
    }
}

static void
webdav_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  HallwayDaemonWebdav *self = user_data;
  Method method = method_from_string (soup_server_message_get_method (msg));
  PutState *put;
  WebdavRequest req;

  if (method == METHOD_PUT)
    {
      /* Already checked by the early handler, which holds the request. */
      put = g_object_get_data (G_OBJECT (msg), "hallway-webdav-put");
      if (put == NULL)
        {
          _webdav_reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                               _("The upload could not be received"));
          return;
        }
      dispatch (&put->req, method);
      return;
    }

  if (!webdav_request_init (self, msg, path, &req))
    {
      webdav_request_clear (&req);
      return;
    }
  dispatch (&req, method);
  webdav_request_clear (&req);
}

/* Connection limits
 *
 * libsoup 3.2 never closes a kept-alive connection that the client closed
 * while it was idle: the socket stays in CLOSE-WAIT, its descriptor open,
 * for the life of the daemon (fixed in libsoup 3.3). So connections are
 * tracked here, by socket, with the number of requests in flight on each;
 * an idle one whose peer has gone is closed on our side, which releases
 * the descriptor and its place in the limits below. */

typedef struct
{
  char  *address;
  guint  in_flight;
} Connection;

static void
connection_free (gpointer data)
{
  Connection *connection = data;

  g_free (connection->address);
  g_free (connection);
}

static gboolean
connection_is_dead (GSocket *socket)
{
  struct tcp_info info = { 0 };
  socklen_t length = sizeof info;

  if (g_socket_is_closed (socket))
    return TRUE;
  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
    return FALSE;
  return info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_LAST_ACK ||
         info.tcpi_state == TCP_CLOSE || info.tcpi_state == TCP_TIME_WAIT;
}

static void
prune_connections (HallwayDaemonWebdav *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Connection *connection = value;

      if (connection->in_flight > 0 || !connection_is_dead (key))
        continue;
      if (!g_socket_is_closed (key))
        g_socket_close (key, NULL);
      g_hash_table_iter_remove (&iter);
    }
}

static gboolean
prune_timeout_cb (gpointer user_data)
{
  prune_connections (user_data);
  return G_SOURCE_CONTINUE;
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  HallwayDaemonWebdav *self = user_data;
  GSocket *socket = hallway_daemon_listener_get_socket (msg);
  const char *address = soup_server_message_get_remote_host (msg);
  Connection *connection;
  GHashTableIter iter;
  gpointer value;
  guint from_address = 0;

  if (socket == NULL)
    return;
  if (address == NULL)
    address = "";

  connection = g_hash_table_lookup (self->connections, socket);
  if (connection != NULL)
    {
      connection->in_flight++;
      return;
    }

  prune_connections (self);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (strcmp (((Connection *) value)->address, address) == 0)
      from_address++;

  if (g_hash_table_size (self->connections) >= self->max_conns ||
      from_address >= self->max_conns_per_address)
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

      soup_message_headers_replace (headers, "Retry-After", "10");
      soup_message_headers_replace (headers, "Connection", "close");
      _webdav_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                           _("Too many connections; try again in a moment"));
      return;
    }

  connection = g_new0 (Connection, 1);
  connection->address = g_strdup (address);
  connection->in_flight = 1;
  g_hash_table_insert (self->connections, g_object_ref (socket), connection);
}

static void
request_done_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  HallwayDaemonWebdav *self = user_data;
  GSocket *socket = hallway_daemon_listener_get_socket (msg);
  Connection *connection = socket != NULL ? g_hash_table_lookup (self->connections, socket) : NULL;

  if (connection != NULL && connection->in_flight > 0)
    connection->in_flight--;
}

static void
forget_connections (HallwayDaemonWebdav *self)
{
  g_hash_table_remove_all (self->connections);
}

/* Object */

/**
 * hallway_daemon_webdav_new:
 * @shares: the shared folders
 * @access: who may use them
 *
 * Returns: (transfer full): a WebDAV server for the shares, not yet attached
 */
HallwayDaemonWebdav *
hallway_daemon_webdav_new (HallwayDaemonShares *shares,
                           HallwayDaemonAccess *access)
{
  HallwayDaemonWebdav *self;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_SHARES (shares), NULL);
  g_return_val_if_fail (HALLWAY_IS_DAEMON_ACCESS (access), NULL);

  self = g_object_new (HALLWAY_TYPE_DAEMON_WEBDAV, NULL);
  self->shares = g_object_ref (shares);
  self->access = g_object_ref (access);
  return self;
}

/**
 * hallway_daemon_webdav_attach:
 * @self: a #HallwayDaemonWebdav
 * @server: the HTTPS server
 *
 * Serves /shares/ on @server, which must have been created with
 * "raw-paths" set (it is construct-only), so an encoded slash, dot or
 * percent sign in a name reaches hallway_path_split() as it was sent
 * instead of being decoded once already by libsoup.
 */
void
hallway_daemon_webdav_attach (HallwayDaemonWebdav *self,
                              SoupServer          *server)
{
  gboolean raw_paths = FALSE;

  g_return_if_fail (HALLWAY_IS_DAEMON_WEBDAV (self));
  g_return_if_fail (SOUP_IS_SERVER (server));
  g_return_if_fail (self->server == NULL);

  g_object_get (server, "raw-paths", &raw_paths, NULL);
  if (!raw_paths)
    g_warning ("The HTTPS server decodes request paths (raw-paths is off); "
               "names containing ‘%%’ will not be found");

  self->server = g_object_ref (server);
  soup_server_add_early_handler (server, "/shares", early_handler, self, NULL);
  soup_server_add_handler (server, "/shares", webdav_handler, self, NULL);
  self->request_started_id = g_signal_connect (server, "request-started",
                                               G_CALLBACK (request_started_cb), self);
  self->request_finished_id = g_signal_connect (server, "request-finished",
                                                G_CALLBACK (request_done_cb), self);
  self->request_aborted_id = g_signal_connect (server, "request-aborted",
                                               G_CALLBACK (request_done_cb), self);
  self->prune_id = g_timeout_add_seconds (5, prune_timeout_cb, self);
}

void
_hallway_daemon_webdav_set_limits (HallwayDaemonWebdav *self,
                                   guint64              max_body,
                                   guint                max_entries,
                                   guint                max_conns_per_address,
                                   guint                max_conns)
{
  self->max_body = max_body;
  self->max_entries = max_entries;
  self->max_conns_per_address = max_conns_per_address;
  self->max_conns = max_conns;
}

void
_hallway_daemon_webdav_set_props_dir (HallwayDaemonWebdav *self,
                                      const char          *dir)
{
  g_free (self->props_dir);
  self->props_dir = g_strdup (dir);
}

static void
hallway_daemon_webdav_dispose (GObject *object)
{
  HallwayDaemonWebdav *self = HALLWAY_DAEMON_WEBDAV (object);

  if (self->server != NULL)
    {
      soup_server_remove_handler (self->server, "/shares");
      g_clear_signal_handler (&self->request_started_id, self->server);
      g_clear_signal_handler (&self->request_finished_id, self->server);
      g_clear_signal_handler (&self->request_aborted_id, self->server);
    }
  g_clear_handle_id (&self->prune_id, g_source_remove);
  g_clear_object (&self->server);
  g_clear_object (&self->shares);
  g_clear_object (&self->access);

  G_OBJECT_CLASS (hallway_daemon_webdav_parent_class)->dispose (object);
}

static void
hallway_daemon_webdav_finalize (GObject *object)
{
  HallwayDaemonWebdav *self = HALLWAY_DAEMON_WEBDAV (object);

  g_clear_pointer (&self->locks, g_hash_table_unref);
  if (self->connections != NULL)
    forget_connections (self);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->sidecars, g_hash_table_unref);
  g_free (self->props_dir);

  G_OBJECT_CLASS (hallway_daemon_webdav_parent_class)->finalize (object);
}

static void
hallway_daemon_webdav_class_init (HallwayDaemonWebdavClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_daemon_webdav_dispose;
  object_class->finalize = hallway_daemon_webdav_finalize;
}

static void
hallway_daemon_webdav_init (HallwayDaemonWebdav *self)
{
  self->max_body = HALLWAY_WEBDAV_MAX_BODY;
  self->max_entries = HALLWAY_WEBDAV_MAX_ENTRIES;
  self->max_conns_per_address = HALLWAY_WEBDAV_MAX_CONNS_PER_ADDRESS;
  self->max_conns = HALLWAY_WEBDAV_MAX_CONNS;
  self->connections = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref,
                                             connection_free);
  self->props_dir = g_build_filename (g_get_user_state_dir (), "hallway", "props", NULL);
  _webdav_locks_init (self);
  _webdav_props_init (self);
}
