/* hallway-daemon-webdav-listing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A folder asked for with GET: a plain, accessible HTML page for
 * browsers and every other stock client (any phone or Windows PC can fetch
 * a file from it, wget -r and lftp mirror follow its links), JSON only for
 * a client that asks for it (Hallway's own reads it as its listing). The
 * page of a read-write share has an upload form too. Hidden files,
 * part files and names a request could not ask back for are left out,
 * and so is a symbolic link that leads out of the share.
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
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hallway-json.h"
#include "hallway-path.h"

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
  if (!hallway_path_check_hidden_links (req->root_fd, (const char * const *) child,
                                        req->allow_hidden, NULL))
    return FALSE;
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

/* The start of every page a browser gets from a share. */
void
_webdav_html_begin (GString    *html,
                    const char *title,
                    const char *heading)
{
  g_autofree char *title_escaped = g_markup_escape_text (title, -1);
  g_autofree char *heading_escaped = g_markup_escape_text (heading, -1);

  g_string_append_printf (html,
                          "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
                          "<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" "
                          "content=\"width=device-width, initial-scale=1\">\n"
                          "<title>%s</title>\n"
                          "<style>body{font-family:sans-serif;margin:1.5em;line-height:1.4}"
                          "table{border-collapse:collapse}caption{text-align:left;font-weight:bold;"
                          "padding:.4em 0}th,td{padding:.35em .8em;text-align:left;"
                          "border-bottom:1px solid #ccc}td.size{text-align:right}"
                          "form{margin-top:2em;padding:1em;border:1px solid #ccc;max-width:40em}"
                          "form h2{margin-top:0;font-size:1.2em}progress{width:12em}</style>\n"
                          "</head>\n<body>\n<main>\n<h1>%s</h1>\n",
                          /* Translators: the HTML language code of this translation. */
                          _("en"), title_escaped, heading_escaped);
}

/* Ends a page begun with _webdav_html_begin() and answers with it. The
 * page may run @script (nullable), and only that: the policy allows it by
 * its hash, so nothing a file name smuggles into the page can run. */
void
_webdav_reply_html (WebdavRequest *req,
                    guint          status,
                    GString       *html,
                    const char    *script)
{
  g_autofree char *policy = NULL;
  gsize length;
  char *body;

  if (script != NULL)
    {
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      guint8 digest[32];
      gsize digest_length = sizeof digest;
      g_autofree char *hash = NULL;

      g_checksum_update (checksum, (const guchar *) script, -1);
      g_checksum_get_digest (checksum, digest, &digest_length);
      hash = g_base64_encode (digest, digest_length);
      g_string_append_printf (html, "<script>%s</script>\n", script);
      policy = g_strdup_printf ("default-src 'none'; style-src 'unsafe-inline'; "
                                "script-src 'sha256-%s'; connect-src 'self'; "
                                "form-action 'self'", hash);
    }
  else
    policy = g_strdup ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  g_string_append (html, "</main>\n</body>\n</html>\n");

  length = html->len;
  body = g_string_free (html, FALSE);
  soup_message_headers_replace (req->response_headers, "Cache-Control", "no-store");
  soup_message_headers_replace (req->response_headers, "Content-Security-Policy", policy);
  soup_message_headers_replace (req->response_headers, "X-Content-Type-Options", "nosniff");
  /* Not "no-referrer": a form's POST would then say "Origin: null", and
   * the upload could not tell our own page from another site's. */
  soup_message_headers_replace (req->response_headers, "Referrer-Policy", "same-origin");
  soup_server_message_set_status (req->msg, status, NULL);
  soup_server_message_set_response (req->msg, "text/html; charset=utf-8",
                                    SOUP_MEMORY_TAKE, body, length);
}

static void
reply_html_listing (WebdavRequest *req,
                    GPtrArray     *entries)
{
  GString *html = g_string_new (NULL);
  guint n = g_strv_length (req->components);
  const char *share_name = hallway_share_get_name (req->share);
  const char *folder_name = n == 0 ? share_name : req->components[n - 1];
  g_autofree char *folder = g_markup_escape_text (folder_name, -1);
  g_autofree char *title = g_strdup_printf ("%s — %s", folder_name, share_name);
  gboolean writable = hallway_share_get_access (req->share) == HALLWAY_SHARE_ACCESS_READ_WRITE;

  _webdav_html_begin (html, title, folder_name);

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
                                "<td class=\"size\">%s</td>"
                                "<td><time datetime=\"%s\">%s</time></td>"
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
                                  "<td class=\"size\">%s</td>"
                                  "<td><time datetime=\"%s\">%s</time></td>"
                                  "<td><a href=\"%s\" download aria-label=\"%s\">%s</a>"
                                  "</td></tr>\n",
                                  href, name, size, iso, shown, href, label_escaped,
                                  _("Download"));
        }
    }
  if (entries->len == 0)
    g_string_append_printf (html, "<tr><td colspan=\"4\">%s</td></tr>\n",
                            _("This folder is empty"));

  g_string_append (html, "</tbody>\n</table>\n");
  if (writable)
    _webdav_upload_append_form (req, html);
  _webdav_reply_html (req, SOUP_STATUS_OK, html, writable ? _webdav_upload_script : NULL);
}

static char *
build_json_listing (GPtrArray *entries,
                    gsize     *out_length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      ListEntry *entry = g_ptr_array_index (entries, i);
      g_autoptr(GDateTime) modified = g_date_time_new_from_unix_utc (entry->st.mtime);
      g_autofree char *iso = g_date_time_format_iso8601 (modified);

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "name", entry->name);
      hallway_json_add_string (builder, "type", entry->st.is_dir ? "folder" : "file");
      hallway_json_add_int (builder, "size", entry->st.size);
      hallway_json_add_string (builder, "modified", iso);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  return hallway_json_to_data (builder, FALSE, out_length);
}

void
_webdav_send_folder (WebdavRequest *req,
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

  if (!_webdav_wants_json (req))
    {
      reply_html_listing (req, entries);
      return;
    }

  body = build_json_listing (entries, &length);
  soup_message_headers_replace (req->response_headers, "Cache-Control", "no-store");
  soup_message_headers_replace (req->response_headers, "X-Content-Type-Options", "nosniff");
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (req->msg, "application/json",
                                    SOUP_MEMORY_TAKE, body, length);
}
