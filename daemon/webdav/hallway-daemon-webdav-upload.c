/* hallway-daemon-webdav-upload.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Upload from a browser: the page of a read-write share, and of a drop
 * box, has a plain form (POST multipart/form-data to the folder's own
 * address) that works without JavaScript; where JavaScript runs, the same
 * form shows progress. A colleague with only a phone or a Windows PC can
 * then give files, and a whole folder (webkitdirectory), to someone.
 *
 * The rules are those of every write: the body is read as it arrives
 * (HallwayMultipart), each file goes to a hidden part file and is placed
 * only once complete, never over anything (a taken name gets a number,
 * as for a drop), names are made safe with the rules of a colleague's
 * drop (hallway_drop_sanitize_path), and the body is bounded by the
 * share's upload limit and the free space. A failure keeps the files that
 * were complete and removes the one being written.
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
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hallway-drop.h"
#include "hallway-error.h"
#include "hallway-multipart.h"
#include "hallway-part-file.h"
#include "hallway-path.h"

#define UPLOAD_DATA_KEY "hallway-webdav-upload"

/* A form's plain fields (not files) are read and dropped: bound them. */
#define UPLOAD_MAX_FIELD 4096

/* Progress where JavaScript runs: the same form, sent with XMLHttpRequest
 * so its upload events can move a progress bar; the answer replaces the
 * page as it would without JavaScript. */
const char _webdav_upload_script[] =
  "for(const f of document.querySelectorAll('form.upload')){"
  "f.addEventListener('submit',e=>{"
  "e.preventDefault();"
  "const p=f.querySelector('progress'),s=f.querySelector('.status'),x=new XMLHttpRequest();"
  "x.open('POST',f.action);"
  "x.setRequestHeader('Accept','text/html');"
  "x.upload.onprogress=v=>{if(v.lengthComputable){p.max=v.total;p.value=v.loaded;}};"
  "x.onload=()=>{const d=new DOMParser().parseFromString(x.responseText,'text/html');"
  "document.title=d.title;document.body.replaceWith(document.adoptNode(d.body));};"
  "x.onerror=()=>{p.hidden=true;s.textContent=f.dataset.failed;};"
  "p.removeAttribute('value');p.hidden=false;s.textContent=f.dataset.sending;"
  "f.querySelector('button').disabled=true;"
  "x.send(new FormData(f));});}";

/* What a listing asks for: JSON only for a client that names it. Browsers,
 * wget, lftp and curl send Accept: text/html or * / *, and get HTML. */
gboolean
_webdav_wants_json (WebdavRequest *req)
{
  const char *accept = soup_message_headers_get_list (req->request_headers, "Accept");

  return accept != NULL && strstr (accept, "application/json") != NULL &&
         strstr (accept, "text/html") == NULL;
}

/* The form */

void
_webdav_upload_append_form (WebdavRequest *req,
                            GString       *html)
{
  g_autofree char *action = _webdav_href (req, (const char * const *) req->components, TRUE);
  g_autofree char *sending = g_markup_escape_text (_("Uploading…"), -1);
  g_autofree char *failed = g_markup_escape_text (_("The upload failed: the connection to the "
                                                    "sharing computer was lost."), -1);

  g_string_append_printf (html,
                          "<form class=\"upload\" method=\"post\" action=\"%s\" "
                          "enctype=\"multipart/form-data\" "
                          "data-sending=\"%s\" data-failed=\"%s\">\n"
                          "<h2>%s</h2>\n"
                          "<p><label>%s <input type=\"file\" name=\"file\" multiple></label></p>\n"
                          "<p><label>%s <input type=\"file\" name=\"folder\" "
                          "webkitdirectory multiple></label></p>\n"
                          "<p><button type=\"submit\">%s</button> "
                          "<progress hidden></progress> "
                          "<span class=\"status\" role=\"status\"></span></p>\n"
                          "<p>%s</p>\n"
                          "</form>\n",
                          action, sending, failed, _("Add files"), _("Files:"),
                          _("Or a folder:"), _("Upload"),
                          _("Nothing here is replaced: a file whose name is taken gets a "
                            "number, as in “report (2).pdf”."));
}

/* A drop box's own page: only the form, since nobody may see inside. */
void
_webdav_send_drop_box_page (WebdavRequest *req,
                            gboolean       head)
{
  GString *html = g_string_new (NULL);
  const char *name = hallway_share_get_name (req->share);

  _webdav_html_begin (html, name, name);
  g_string_append_printf (html, "<p>%s</p>\n",
                          _("This is a drop box: you can give files here, but not see what is "
                            "in it."));
  _webdav_upload_append_form (req, html);
  _webdav_reply_html (req, SOUP_STATUS_OK, html, _webdav_upload_script);
}

/* Receiving */

typedef struct
{
  HallwayDaemonWebdav *self;
  WebdavRequest        req;
  HallwayMultipart    *parser;
  int                  folder_fd;     /* the folder the form was sent to */
  guint64              received;

  /* The file being written; dir_fd is folder_fd or a folder under it. */
  int                  dir_fd;
  HallwayPartWriter   *part;
  char                *part_name;
  char                *name;
  char                *folders;       /* "a/b/" or "" */
  gboolean             in_field;      /* a plain field, or no file chosen */
  gsize                field_bytes;

  GPtrArray           *saved;         /* paths as placed, "a/b/name (2).txt" */
  int                  errsv;         /* why a file failed, 0 when the body was bad */
  gboolean             done;          /* answered */
} Upload;

static void
upload_discard_file (Upload *up)
{
  g_clear_pointer (&up->part, hallway_part_writer_free);
  if (up->part_name != NULL && up->dir_fd >= 0)
    unlinkat (up->dir_fd, up->part_name, 0);
  g_clear_pointer (&up->part_name, g_free);
  if (up->dir_fd >= 0 && up->dir_fd != up->folder_fd)
    close (up->dir_fd);
  up->dir_fd = -1;
  g_clear_pointer (&up->name, g_free);
  g_clear_pointer (&up->folders, g_free);
}

static void
upload_free (Upload *up)
{
  upload_discard_file (up);
  g_clear_pointer (&up->parser, hallway_multipart_free);
  if (up->folder_fd >= 0)
    close (up->folder_fd);
  g_ptr_array_unref (up->saved);
  _webdav_request_clear (&up->req);
  g_free (up);
}

static void
append_saved_list (Upload  *up,
                   GString *html)
{
  if (up->saved->len == 0)
    return;
  g_string_append (html, "<ul>\n");
  for (guint i = 0; i < up->saved->len; i++)
    {
      g_autofree char *escaped = g_markup_escape_text (g_ptr_array_index (up->saved, i), -1);

      g_string_append_printf (html, "<li>%s</li>\n", escaped);
    }
  g_string_append (html, "</ul>\n");
}

/* Answers with a page saying what happened, and a way back to the form. */
static void
upload_reply (Upload     *up,
              guint       status,
              const char *failure)
{
  WebdavRequest *req = &up->req;
  GString *html = g_string_new (NULL);
  g_autofree char *back = _webdav_href (req, (const char * const *) req->components, TRUE);
  const char *heading;

  if (up->done)
    {
      g_string_free (html, TRUE);
      return;
    }
  up->done = TRUE;

  if (failure != NULL)
    heading = _("The upload failed");
  else
    heading = _("Uploaded");
  _webdav_html_begin (html, heading, heading);
  if (failure != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (failure, -1);

      g_string_append_printf (html, "<p role=\"alert\">%s</p>\n", escaped);
      if (up->saved->len > 0)
        g_string_append_printf (html, "<p>%s</p>\n",
                                _("These files arrived complete and were kept:"));
    }
  else
    g_string_append_printf (html, "<p>%s</p>\n",
                            g_dngettext (GETTEXT_PACKAGE, "This file was saved:",
                                         "These files were saved:", up->saved->len));
  append_saved_list (up, html);
  g_string_append_printf (html, "<p><a href=\"%s\">%s</a></p>\n", back, _("Upload more files"));
  if (failure != NULL)
    /* The rest of the body is not read: the connection can't carry more. */
    soup_message_headers_replace (req->response_headers, "Connection", "close");
  _webdav_reply_html (req, status, html, NULL);
}

static void
upload_fail_errno (Upload     *up,
                   int         errsv,
                   const char *what)
{
  g_autofree char *message = NULL;
  guint status;

  if (errsv == EFBIG)
    {
      status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
      message = g_strdup (_("The upload is larger than this share accepts"));
    }
  else
    status = _webdav_status_for_errno (errsv, what, &message);
  upload_discard_file (up);
  upload_reply (up, status, message);
}

/* Opens (making them) the folders of @folders under the form's folder. */
static int
open_folders (Upload      *up,
              char       **names,
              guint        n)
{
  int fd = up->folder_fd;

  for (guint i = 0; i < n; i++)
    {
      int next;

      if (mkdirat (fd, names[i], 0777) < 0 && errno != EEXIST)
        next = -1;
      else
        next = openat (fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        {
          int errsv = errno == ELOOP ? ENOTDIR : errno;

          if (fd != up->folder_fd)
            close (fd);
          errno = errsv;
          return -1;
        }
      if (fd != up->folder_fd)
        close (fd);
      fd = next;
    }
  return fd;
}

static gboolean
part_begin_cb (const char *field,
               const char *filename,
               gpointer    user_data,
               GError    **error)
{
  Upload *up = user_data;
  g_autofree char *safe = NULL;
  g_auto(GStrv) names = NULL;
  guint n;
  int fd;

  up->in_field = filename == NULL || *filename == '\0';
  up->field_bytes = 0;
  if (up->in_field)
    return TRUE;

  safe = hallway_drop_sanitize_path (filename);
  names = g_strsplit (safe, "/", -1);
  n = g_strv_length (names);
  if (g_strv_length (up->req.components) + n > HALLWAY_PATH_MAX_DEPTH)
    {
      up->errsv = ENAMETOOLONG;
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("A folder in the upload is nested too deeply"));
      return FALSE;
    }

  up->dir_fd = open_folders (up, names, n - 1);
  if (up->dir_fd < 0)
    {
      up->errsv = errno;
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                           _("Could not create a folder of the upload"));
      return FALSE;
    }
  fd = _webdav_open_part_file (up->dir_fd, names[n - 1], &up->part_name);
  if (fd < 0)
    {
      up->errsv = errno;
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                           _("Could not save the file"));
      return FALSE;
    }
  up->part = hallway_part_writer_new (fd, 0);
  up->name = g_strdup (names[n - 1]);
  g_free (names[n - 1]);
  names[n - 1] = g_strdup ("");
  up->folders = g_strjoinv ("/", names);
  return TRUE;
}

static gboolean
part_data_cb (const guint8 *data,
              gsize         length,
              gpointer      user_data,
              GError      **error)
{
  Upload *up = user_data;
  int errsv;

  if (up->in_field)
    {
      up->field_bytes += length;
      if (up->field_bytes <= UPLOAD_MAX_FIELD)
        return TRUE;
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           _("The upload form’s data is malformed"));
      return FALSE;
    }

  errsv = hallway_part_writer_append (up->part, data, length);
  if (errsv == 0)
    return TRUE;
  up->errsv = errsv;
  g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED, _("Could not save the file"));
  return FALSE;
}

static gboolean
part_end_cb (gpointer user_data,
             GError **error)
{
  Upload *up = user_data;
  g_autofree char *placed = NULL;
  int errsv;

  if (up->in_field)
    return TRUE;

  errsv = hallway_part_writer_finish (up->part);
  if (errsv == 0)
    errsv = hallway_part_file_place (up->dir_fd, up->part_name, up->name, &placed);
  if (errsv != 0)
    {
      up->errsv = errsv;
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                           _("Could not save the file"));
      return FALSE;
    }
  g_clear_pointer (&up->part, hallway_part_writer_free);
  g_clear_pointer (&up->part_name, g_free);
  g_ptr_array_add (up->saved, g_strconcat (up->folders, placed, NULL));
  upload_discard_file (up);
  return TRUE;
}

static const HallwayMultipartCallbacks upload_callbacks = {
  part_begin_cb, part_data_cb, part_end_cb,
};

static void
upload_fail_gerror (Upload       *up,
                    const GError *error)
{
  if (up->errsv != 0)
    upload_fail_errno (up, up->errsv, error->message);
  else
    {
      upload_discard_file (up);
      upload_reply (up, SOUP_STATUS_BAD_REQUEST, error->message);
    }
}

static void
upload_got_chunk_cb (SoupServerMessage *msg,
                     GBytes            *chunk,
                     gpointer           user_data)
{
  g_autoptr(GError) error = NULL;
  Upload *up = user_data;
  gsize size;
  gconstpointer data = g_bytes_get_data (chunk, &size);

  if (up->done)
    return;
  up->received += size;
  if (up->received > up->self->max_body)
    {
      upload_fail_errno (up, EFBIG, NULL);
      return;
    }
  if (!hallway_multipart_feed (up->parser, data, size, &error))
    upload_fail_gerror (up, error);
}

static void
upload_finished_cb (SoupServerMessage *msg,
                    gpointer           user_data)
{
  /* Interrupted or answered early: the file being written goes. */
  upload_discard_file (user_data);
}

/* The page that sent the form is one of ours: a page elsewhere must not
 * make a visitor's browser (holding a share's password) upload for it. */
static gboolean
origin_is_ours (WebdavRequest *req)
{
  const char *origin = soup_message_headers_get_one (req->request_headers, "Origin");
  const char *host = soup_message_headers_get_one (req->request_headers, "Host");
  g_autofree char *expected = NULL;

  if (origin == NULL)
    return TRUE;
  if (host == NULL)
    return FALSE;
  expected = g_strconcat ("https://", host, NULL);
  return g_ascii_strcasecmp (origin, expected) == 0;
}

static gboolean
check_upload (Upload  *up,
              char   **out_boundary)
{
  WebdavRequest *req = &up->req;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  HallwayShareAccess access = hallway_share_get_access (req->share);
  const char *type;
  const char *boundary;
  goffset length;
  struct statvfs vfs;

  if (access == HALLWAY_SHARE_ACCESS_READ_ONLY)
    {
      _webdav_reply_forbidden_method (req);
      return FALSE;
    }
  if (!origin_is_ours (req))
    {
      upload_reply (up, SOUP_STATUS_FORBIDDEN,
                    _("Uploads are accepted only from this share’s own page"));
      return FALSE;
    }
  type = soup_message_headers_get_content_type (req->request_headers, &params);
  boundary = params != NULL ? g_hash_table_lookup (params, "boundary") : NULL;
  if (g_strcmp0 (type, "multipart/form-data") != 0 ||
      !hallway_multipart_boundary_is_valid (boundary))
    {
      upload_reply (up, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                    _("Uploads are sent as a form (multipart/form-data)"));
      return FALSE;
    }

  up->folder_fd = hallway_path_open (req->root_fd, (const char * const *) req->components,
                                     O_RDONLY | O_DIRECTORY, 0, &error);
  if (up->folder_fd < 0)
    {
      if (g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND))
        upload_reply (up, SOUP_STATUS_NOT_FOUND,
                      _("The folder to put the files in does not exist"));
      else
        upload_reply (up, SOUP_STATUS_CONFLICT, _("Files can only be uploaded into a folder"));
      return FALSE;
    }

  length = soup_message_headers_get_encoding (req->request_headers) == SOUP_ENCODING_CONTENT_LENGTH
    ? soup_message_headers_get_content_length (req->request_headers) : 0;
  if ((guint64) length > up->self->max_body)
    {
      upload_fail_errno (up, EFBIG, NULL);
      return FALSE;
    }
  if (fstatvfs (up->folder_fd, &vfs) == 0 &&
      (guint64) length > (guint64) vfs.f_bavail * vfs.f_frsize)
    {
      upload_fail_errno (up, ENOSPC, NULL);
      return FALSE;
    }

  *out_boundary = g_strdup (boundary);
  return TRUE;
}

void
_webdav_upload_prepare (HallwayDaemonWebdav *self,
                        SoupServerMessage   *msg,
                        const char          *path)
{
  Upload *up = g_new0 (Upload, 1);
  g_autofree char *boundary = NULL;

  up->self = self;
  up->folder_fd = -1;
  up->dir_fd = -1;
  up->saved = g_ptr_array_new_with_free_func (g_free);

  if (!_webdav_request_init (self, msg, path, &up->req) || !check_upload (up, &boundary))
    {
      /* Refused: the body that may follow is not read. (When a password is
       * being checked, nothing was answered yet and this runs again.) */
      if (soup_server_message_get_status (msg) != 0)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Connection", "close");
      upload_free (up);
      return;
    }

  up->parser = hallway_multipart_new (boundary, &upload_callbacks, up);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_object_set_data_full (G_OBJECT (msg), UPLOAD_DATA_KEY, up, (GDestroyNotify) upload_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (upload_got_chunk_cb), up);
  g_signal_connect (msg, "finished", G_CALLBACK (upload_finished_cb), up);
}

/* The request an upload's early handler accepted, once its body is in. */
WebdavRequest *
_webdav_upload_get_request (SoupServerMessage *msg)
{
  Upload *up = g_object_get_data (G_OBJECT (msg), UPLOAD_DATA_KEY);

  return up != NULL ? &up->req : NULL;
}

void
_webdav_upload_commit (WebdavRequest *req)
{
  g_autoptr(GError) error = NULL;
  Upload *up = g_object_get_data (G_OBJECT (req->msg), UPLOAD_DATA_KEY);

  if (up == NULL)
    {
      _webdav_reply_error (req->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                           _("The upload could not be received"));
      return;
    }
  if (up->done)
    return;
  if (!hallway_multipart_finish (up->parser, &error))
    {
      upload_fail_gerror (up, error);
      return;
    }
  if (up->saved->len == 0)
    {
      upload_reply (up, SOUP_STATUS_BAD_REQUEST, _("No file was chosen"));
      return;
    }
  upload_reply (up, SOUP_STATUS_CREATED, NULL);
}
