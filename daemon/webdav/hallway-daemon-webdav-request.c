/* hallway-daemon-webdav-request.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What every WebDAV handler needs of a request: it is accepted in one
 * order (the share exists and is on, the client may use it, the folder is
 * there, the path is acceptable), and then acts only through descriptors
 * opened beneath the share root. Also here: how items are stat'ed and
 * named in answers (ETag, href), the conditional headers, and the
 * Destination of a COPY or MOVE.
 */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* statx, renameat2, copy_file_range, O_PATH */
#endif
#include "config.h"

#include "hallway-daemon-webdav-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hallway-error.h"
#include "hallway-path.h"
#include "hallway-range.h"

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

/* The request's query parameters, or NULL when it has none. */
GHashTable *
_webdav_dup_query (WebdavRequest *req)
{
  GUri *uri = soup_server_message_get_uri (req->msg);
  const char *query = uri != NULL ? g_uri_get_query (uri) : NULL;

  if (query == NULL)
    return NULL;
  return g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
}

/* Opens the request's item with @flags and reads what it is. When it
 * cannot, answers the request (403 with @refusal for what is neither a
 * file nor a folder) and returns -1. */
int
_webdav_open_item (WebdavRequest *req,
                   int            flags,
                   const char    *refusal,
                   WebdavStat    *out)
{
  g_autoptr(GError) error = NULL;
  int fd;

  fd = hallway_path_open (req->root_fd, (const char * const *) req->components, flags, 0,
                          &error);
  if (fd < 0)
    {
      _webdav_reply_gerror (req->msg, error);
      return -1;
    }
  if (!_webdav_stat_fd (fd, out))
    {
      close (fd);
      _webdav_reply_error (req->msg, SOUP_STATUS_FORBIDDEN, refusal);
      return -1;
    }
  return fd;
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

gboolean
_webdav_is_part_name (const char *name)
{
  return name[0] == '.' && strstr (name, HALLWAY_WEBDAV_PART_INFIX) != NULL;
}

/* Whether an entry of a folder is shown: not hidden (unless the share says
 * so), not one of our part files, and a name a request could ask back for. */
gboolean
_webdav_name_is_listed (WebdavRequest *req,
                        const char    *name)
{
  return !_webdav_is_part_name (name) && hallway_path_component_is_valid (name, req->allow_hidden);
}

GBytes *
_webdav_request_body (WebdavRequest *req)
{
  return soup_message_body_flatten (soup_server_message_get_request_body (req->msg));
}

/* Writes @value as @width decimal digits. */
static char *
put_digits (char *p,
            guint value,
            int   width)
{
  for (int i = width - 1; i >= 0; i--, value /= 10)
    p[i] = '0' + value % 10;
  return p + width;
}

/* A listing formats a date per entry: by hand, in the C locale's words,
 * as RFC 9110 §5.6.7 (IMF-fixdate) asks, without a GDateTime each. Dates
 * before 1970 or after 9999 are clamped. Returns the length written. */
gsize
_webdav_format_http_date (gint64  seconds,
                          char    out[WEBDAV_DATE_SIZE])
{
  static const char days[] = "ThuFriSatSunMonTueWed";   /* 1970-01-01 was a Thursday */
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  struct tm tm;
  time_t t = (time_t) CLAMP (seconds, 0, G_GINT64_CONSTANT (253402300799));
  char *p = out;

  gmtime_r (&t, &tm);
  memcpy (p, days + 3 * ((t / 86400) % 7), 3);
  p += 3;
  *p++ = ',';
  *p++ = ' ';
  p = put_digits (p, tm.tm_mday, 2);
  *p++ = ' ';
  memcpy (p, months + 3 * tm.tm_mon, 3);
  p += 3;
  *p++ = ' ';
  p = put_digits (p, tm.tm_year + 1900, 4);
  *p++ = ' ';
  p = put_digits (p, tm.tm_hour, 2);
  *p++ = ':';
  p = put_digits (p, tm.tm_min, 2);
  *p++ = ':';
  p = put_digits (p, tm.tm_sec, 2);
  memcpy (p, " GMT", 5);
  return p + 4 - out;
}

/* RFC 3339 in UTC, as DAV:creationdate has it: 2026-12-06T00:13:09Z. */
gsize
_webdav_format_iso_date (gint64  seconds,
                         char    out[WEBDAV_DATE_SIZE])
{
  struct tm tm;
  time_t t = (time_t) CLAMP (seconds, 0, G_GINT64_CONSTANT (253402300799));
  char *p = out;

  gmtime_r (&t, &tm);
  p = put_digits (p, tm.tm_year + 1900, 4);
  *p++ = '-';
  p = put_digits (p, tm.tm_mon + 1, 2);
  *p++ = '-';
  p = put_digits (p, tm.tm_mday, 2);
  *p++ = 'T';
  p = put_digits (p, tm.tm_hour, 2);
  *p++ = ':';
  p = put_digits (p, tm.tm_min, 2);
  *p++ = ':';
  p = put_digits (p, tm.tm_sec, 2);
  memcpy (p, "Z", 2);
  return p + 1 - out;
}

char *
_webdav_http_date (gint64 seconds)
{
  char text[WEBDAV_DATE_SIZE];

  _webdav_format_http_date (seconds, text);
  return g_strdup (text);
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
              _webdav_reply_empty (req->msg, SOUP_STATUS_NOT_MODIFIED);
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
      _webdav_reply_empty (req->msg, SOUP_STATUS_NOT_MODIFIED);
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
      if (g_str_has_prefix (path, HALLWAY_WEBDAV_SHARES_PREFIX))
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
  if (components != NULL &&
      !hallway_path_check_hidden_links (req->root_fd, (const char * const *) components,
                                        req->allow_hidden, &error))
    g_clear_pointer (&components, g_strfreev);
  if (components == NULL)
    {
      *out_status = g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT)
        ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_FORBIDDEN;
      *out_message = g_strdup (error->message);
      return NULL;
    }
  for (guint i = 0; components[i] != NULL; i++)
    if (_webdav_is_part_name (components[i]))
      {
        g_strfreev (components);
        *out_status = SOUP_STATUS_FORBIDDEN;
        *out_message = g_strdup (_("This name is reserved"));
        return NULL;
      }
  return components;
}

/* Requests */

void
_webdav_request_clear (WebdavRequest *req)
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
 * answer is already set, or the request paused while its password is
 * checked: _webdav_password_checked_cb() runs it again then. */
gboolean
_webdav_request_init (HallwayDaemonWebdav *self,
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
  if (!g_str_has_prefix (path, HALLWAY_WEBDAV_SHARES_PREFIX))
    {
      _webdav_reply_error (msg, SOUP_STATUS_NOT_FOUND, _("There is nothing here"));
      return FALSE;
    }
  rest = path + strlen (HALLWAY_WEBDAV_SHARES_PREFIX);
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
  req->prefix = g_strconcat (HALLWAY_WEBDAV_SHARES_PREFIX, req->share_id, NULL);
  req->allow_hidden = hallway_share_get_show_hidden (share);

  decision = hallway_daemon_access_check (self->access, msg, share, _webdav_password_checked_cb,
                                          g_object_ref (self), g_object_unref,
                                          &refusal, &retry_after);
  if (decision == HALLWAY_ACCESS_PENDING)
    return FALSE;  /* paused until _webdav_password_checked_cb() */
  if (decision != HALLWAY_ACCESS_ALLOWED)
    {
      hallway_daemon_access_reply (msg, share, decision, refusal, retry_after);
      return FALSE;
    }

  req->root_fd = hallway_share_open_root (share, &error);
  if (req->root_fd < 0)
    {
      g_debug ("Share ‘%s’ is not available: %s", hallway_share_get_name (share), error->message);
      if (g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND))
        {
          _webdav_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                               _("The shared folder is not available right now"));
          return FALSE;
        }
      /* Out of descriptors, most likely: the folder is there. */
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "5");
      _webdav_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                           _("This computer is too busy right now; try again in a moment"));
      return FALSE;
    }

  req->components = hallway_path_split (slash != NULL ? slash + 1 : "", req->allow_hidden,
                                        &error);
  if (req->components == NULL ||
      !hallway_path_check_hidden_links (req->root_fd, (const char * const *) req->components,
                                        req->allow_hidden, &error))
    {
      _webdav_reply_gerror (msg, error);
      return FALSE;
    }
  for (guint i = 0; req->components[i] != NULL; i++)
    if (_webdav_is_part_name (req->components[i]))
      {
        _webdav_reply_error (msg, SOUP_STATUS_NOT_FOUND, _("No such file or folder"));
        return FALSE;
      }
  req->path = _webdav_join_path ((const char * const *) req->components);
  return TRUE;
}

gboolean
_webdav_is_share_root (WebdavRequest *req)
{
  return req->components[0] == NULL;
}
