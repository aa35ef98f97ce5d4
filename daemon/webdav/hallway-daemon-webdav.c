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
 * This file has the object, OPTIONS and the dispatch. The methods live in
 * their own files (-get, -listing, -bulk, -put, -props, -locks, -tree),
 * which answer through -reply and accept requests through -request. The
 * limits on connections are the listener's (hallway-daemon-listener.c).
 */
#include "config.h"

#include "hallway-daemon-webdav.h"
#include "hallway-daemon-webdav-private.h"

#include <glib/gi18n.h>

#include "hallway-daemon-server.h"

G_DEFINE_FINAL_TYPE (HallwayDaemonWebdav, hallway_daemon_webdav, G_TYPE_OBJECT)

typedef enum
{
  METHOD_OTHER,
  METHOD_OPTIONS,
  METHOD_GET,
  METHOD_HEAD,
  METHOD_PUT,
  METHOD_POST,
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
  { "POST", METHOD_POST },
  { "DELETE", METHOD_DELETE },
  { "MKCOL", METHOD_MKCOL },
  { "COPY", METHOD_COPY },
  { "MOVE", METHOD_MOVE },
  { "PROPFIND", METHOD_PROPFIND },
  { "PROPPATCH", METHOD_PROPPATCH },
  { "LOCK", METHOD_LOCK },
  { "UNLOCK", METHOD_UNLOCK },
};

static Method
method_from_string (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_strcmp0 (name, methods[i].name) == 0)
      return methods[i].method;
  return METHOD_OTHER;
}

/* OPTIONS */

static void
handle_options (WebdavRequest *req)
{
  soup_message_headers_replace (req->response_headers, "DAV", "1, 2");
  soup_message_headers_replace (req->response_headers, "MS-Author-Via", "DAV");
  soup_message_headers_replace (req->response_headers, "Allow",
                                _webdav_allow_for_access (hallway_share_get_access (req->share)));
  soup_message_headers_replace (req->response_headers, "Accept-Ranges", "bytes");
  _webdav_reply_empty (req->msg, SOUP_STATUS_OK);
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
      g_autofree char *push_id = _webdav_push_id (msg);

      if (push_id != NULL)
        _webdav_push_prepare (self, msg, path, push_id);
      else
        _webdav_put_prepare (self, msg, path);
      if (soup_server_message_get_status (msg) != 0)
        soup_message_body_set_accumulate (body, FALSE);
      return;
    }

  if (g_strcmp0 (method, "POST") == 0)
    {
      _webdav_upload_prepare (self, msg, path);
      if (soup_server_message_get_status (msg) != 0)
        soup_message_body_set_accumulate (body, FALSE);
      return;
    }

  if (body_is_xml_method (method))
    {
      /* A LOCK body is a few hundred bytes: its owner is bounded too. */
      hallway_daemon_server_limit_body (msg, method_from_string (method) == METHOD_LOCK
                                        ? HALLWAY_WEBDAV_LOCK_MAX_BODY
                                        : HALLWAY_WEBDAV_XML_MAX_BODY,
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
          _webdav_reply_forbidden_method (req);
          return;
        }
      break;

    case HALLWAY_SHARE_ACCESS_DROP_BOX:
      if ((method == METHOD_GET || method == METHOD_HEAD) && _webdav_is_share_root (req) &&
          !_webdav_wants_json (req) &&
          g_uri_get_query (soup_server_message_get_uri (req->msg)) == NULL)
        {
          /* A browser gets a page to give files with, and nothing else
           * (neither a listing nor a folder stream, ?bulk=1). */
          _webdav_send_drop_box_page (req, method == METHOD_HEAD);
          return;
        }
      if (method == METHOD_PROPFIND && !_webdav_is_share_root (req))
        {
          /* A drop box is mounted (GNOME Files, any WebDAV client) as an
           * empty folder one can write to: its root lists no items, and
           * whatever is asked for in it is not there, whether it is or not.
           * A client then puts a file (a taken name gets a number). */
          _webdav_reply_error (req->msg, SOUP_STATUS_NOT_FOUND,
                               _("Nothing in a drop box can be seen"));
          return;
        }
      if (method != METHOD_OPTIONS && method != METHOD_PUT && method != METHOD_POST &&
          method != METHOD_MKCOL && method != METHOD_PROPFIND && method != METHOD_OTHER)
        {
          _webdav_reply_forbidden_method (req);
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
      _webdav_handle_get (req, FALSE);
      break;
    case METHOD_HEAD:
      _webdav_handle_get (req, TRUE);
      break;
    case METHOD_PUT:
      if (_webdav_push_get_request (req->msg) == req)
        _webdav_push_commit (req);
      else
        _webdav_put_commit (req);
      break;
    case METHOD_POST:
      _webdav_upload_commit (req);
      break;
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
      soup_message_headers_replace (req->response_headers, "Allow",
                                    _webdav_allow_for_access (access));
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
  WebdavRequest req;

  if (method == METHOD_PUT || method == METHOD_POST)
    {
      /* Already checked by the early handler, which holds the request. */
      WebdavRequest *held = NULL;

      if (method == METHOD_PUT)
        {
          held = _webdav_push_get_request (msg);
          if (held == NULL)
            held = _webdav_put_get_request (msg);
        }
      else
        held = _webdav_upload_get_request (msg);
      if (held == NULL)
        {
          /* The early handler answered already (refused, or a bad body). */
          if (soup_server_message_get_status (msg) == 0)
            _webdav_reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                 _("The upload could not be received"));
          return;
        }
      dispatch (held, method);
      return;
    }

  if (!_webdav_request_init (self, msg, path, &req))
    {
      _webdav_request_clear (&req);
      return;
    }
  if (method == METHOD_GET)
    {
      g_autofree char *push_id = _webdav_push_id (msg);

      /* Where an upload stream stopped: asked in drop boxes too. */
      if (push_id != NULL)
        {
          _webdav_push_status (&req, push_id);
          _webdav_request_clear (&req);
          return;
        }
    }
  dispatch (&req, method);
  _webdav_request_clear (&req);
}

/* A request's password was checked in a worker thread while it waited:
 * it runs again from where it was checked, the early handler for PUT and
 * POST and
 * the handler for the rest. */
void
_webdav_password_checked_cb (SoupServerMessage *msg,
                             gpointer           user_data)
{
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  Method method = method_from_string (soup_server_message_get_method (msg));

  if (method == METHOD_PUT || method == METHOD_POST)
    early_handler (NULL, msg, path, NULL, user_data);
  else
    webdav_handler (NULL, msg, path, NULL, user_data);
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
}

/**
 * hallway_daemon_webdav_set_max_body:
 * @self: a #HallwayDaemonWebdav
 * @max_body: the largest file a PUT may bring, in bytes
 */
void
hallway_daemon_webdav_set_max_body (HallwayDaemonWebdav *self,
                                    guint64              max_body)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_WEBDAV (self));

  self->max_body = max_body;
}

void
_hallway_daemon_webdav_set_limits (HallwayDaemonWebdav *self,
                                   guint64              max_body,
                                   guint                max_entries)
{
  self->max_body = max_body;
  self->max_entries = max_entries;
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
    soup_server_remove_handler (self->server, "/shares");
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
  self->props_dir = g_build_filename (g_get_user_state_dir (), "hallway", "props", NULL);
  _webdav_locks_init (self);
  _webdav_props_init (self);
}
