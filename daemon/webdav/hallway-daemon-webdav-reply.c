/* hallway-daemon-webdav-reply.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How the WebDAV server answers: errors as JSON {error, message} with the
 * status a client understands (or the XML precondition body RFC 4918
 * asks for), the Allow list of a share's access mode, and bodies built
 * while they are sent. Every handler answers through these; nothing here
 * calls back into a handler.
 */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* statx, renameat2, copy_file_range, O_PATH */
#endif
#include "config.h"

#include "hallway-daemon-webdav-private.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#include "hallway-daemon-server.h"
#include "hallway-error.h"

const char *
_webdav_allow_for_access (HallwayShareAccess access)
{
  switch (access)
    {
    case HALLWAY_SHARE_ACCESS_READ_WRITE:
      return HALLWAY_WEBDAV_ALLOW_READ_WRITE;
    case HALLWAY_SHARE_ACCESS_DROP_BOX:
      return HALLWAY_WEBDAV_ALLOW_DROP_BOX;
    case HALLWAY_SHARE_ACCESS_READ_ONLY:
    default:
      return HALLWAY_WEBDAV_ALLOW_READ_ONLY;
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

/* The status and plain words for a failed system call; @what says what
 * failed ("Could not save the file"). */
guint
_webdav_status_for_errno (int          errsv,
                          const char  *what,
                          char       **out_message)
{
  guint status;

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
    *out_message = g_strdup (_("There is not enough free space on the sharing computer"));
  else
    /* Translators: %s says what failed, e.g. "Could not create the folder"; then the cause. */
    *out_message = g_strdup_printf ("%s: %s", what, g_strerror (errsv));
  return status;
}

void
_webdav_reply_errno (SoupServerMessage *msg,
                     int                errsv,
                     const char        *what)
{
  g_autofree char *message = NULL;
  guint status = _webdav_status_for_errno (errsv, what, &message);

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

void
_webdav_reply_empty (SoupServerMessage *msg,
                     guint              status)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg), 0);
}

void
_webdav_reply_forbidden_method (WebdavRequest *req)
{
  soup_message_headers_replace (req->response_headers, "Allow",
                                _webdav_allow_for_access (hallway_share_get_access (req->share)));
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

static gboolean
close_connection_cb (gpointer user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  g_autoptr(GIOStream) connection = soup_server_message_steal_connection (msg);

  if (connection != NULL)
    g_io_stream_close (connection, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* Closes @msg's connection, from the main loop's next turn, so that the
 * client sees a body that promised more than it holds as incomplete. */
void
_webdav_cut_reply_short (SoupServerMessage *msg)
{
  g_idle_add (close_connection_cb, g_object_ref (msg));
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
