/* hallway-daemon-transfers-download.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Downloads: copying files and whole folders from a neighbour's share.
 * Once listed (hallway-daemon-transfers-listing.c), the files with no
 * part file yet come in one folder stream (-folder-stream.c); the others
 * are fetched here one at a time over a kept-alive connection.
 *
 * Nothing half-written ever carries a final name. A file is written to
 * ".NAME.hallway-part" beside where it goes, fsync'ed, and renamed into
 * place without replacing anything (hallway_part_file_place()). The part
 * file's ETag is kept in the saved queue (and in a user.hallway.etag
 * extended attribute when the file system has them), so the next attempt
 * continues with Range + If-Range; a source that changed answers 200 and
 * the file starts over instead of splicing two versions.
 *
 * A downloaded file that was resumed (pieced together from more than one
 * answer) is checked end to end before it gets its name: the neighbour
 * computes the original's SHA-256 (GET …?digest=sha256, with its size and
 * ETag), the part file is hashed in a worker thread, and a mismatch (or an
 * original that changed meanwhile) empties the part file and fetches the
 * file again, at most twice in a row. Files copied in one answer are only
 * size-checked: TLS already guards each answer. The Transfer1 property
 * "Verified" counts the files checked this way.
 */
#include "config.h"

#include "hallway-daemon-transfers-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hallway-deadline.h"
#include "hallway-digest.h"
#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-part-file.h"
#include "hallway-path.h"

#define ETAG_XATTR "user.hallway.etag"
#define MAX_ETAG_BYTES 256
#define DIGEST_TIMEOUT_S 120

static void transfer_fetch_file (Transfer     *t,
                                 FileItem     *item);
static void body_read_cb        (GObject      *source,
                                 GAsyncResult *result,
                                 gpointer      user_data);

/* Fetching one file */

typedef struct
{
  Transfer      *t;            /* (owned) */
  guint          generation;
  FileItem      *item;         /* (unowned): t->files holds it */
  SoupMessage   *message;
  GInputStream  *body;
  GOutputStream *out;
  int            fd;
  gint64         offset;       /* where this answer's data starts in the file */
  gint64         written;      /* bytes of this answer written */
  gint64         expected;     /* bytes this answer carries, -1 unknown */
  gint64         file_total;
  guint8        *buffer;
  HallwayDeadline stall;
  GCancellable  *cancellable;
  char          *etag;         /* (nullable) the version a resume continued */
  gboolean       resumed;      /* pieced together from more than one answer */
  char          *sha256;       /* (nullable) what the neighbour says the file hashes to */
} Attempt;

static void
attempt_free (Attempt *a)
{
  hallway_deadline_disarm (&a->stall);
  g_clear_object (&a->body);
  g_clear_object (&a->out);
  if (a->fd >= 0)
    close (a->fd);
  g_clear_object (&a->message);
  g_clear_object (&a->cancellable);
  g_free (a->buffer);
  g_free (a->etag);
  g_free (a->sha256);
  _transfer_unref (a->t);
  g_free (a);
}

static gboolean
attempt_is_current (Attempt *a)
{
  return _transfer_is_current (a->t, a->generation);
}

/* A network error while fetching: decides between waiting and failing. */
static void
attempt_network_error (Attempt *a,
                       GError  *error)
{
  Transfer *t = a->t;

  if (hallway_deadline_expired (&a->stall))
    {
      g_autoptr(GError) stalled = _transfer_stall_error_new ();
      _transfer_network_error (t, stalled);
    }
  else
    _transfer_network_error (t, error);
  attempt_free (a);
}

/* A local write failed: the part file goes (a disk that filled up leaves
 * nothing corrupt or half-visible), and so does the transfer. */
static void
attempt_write_error (Attempt *a,
                     GError  *error)
{
  Transfer *t = a->t;
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    /* Translators: %1$s is a folder, %2$s a file name. */
    message = g_strdup_printf (_("Not enough space in %1$s to finish “%2$s”"),
                               a->item->local_dir, a->item->name);
  else
    /* Translators: %1$s is a file name, %2$s the system's reason. */
    message = g_strdup_printf (_("Could not write “%1$s”: %2$s"), a->item->name,
                               error->message);
  _transfer_fail (t, message);
  attempt_free (a);
}

typedef struct
{
  int    fd;
  char  *part_path;
  char  *dir;
  char  *name;
  gint64 size;
  char  *sha256;      /* (nullable) checked before the file is placed */
} PlaceData;

static void
place_data_free (gpointer data)
{
  PlaceData *d = data;

  if (d->fd >= 0)
    close (d->fd);
  g_free (d->part_path);
  g_free (d->dir);
  g_free (d->name);
  g_free (d->sha256);
  g_free (d);
}

/* In a worker thread: flush the part file to disk and rename it into place
 * without ever replacing anything. */
static void
place_file_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  PlaceData *d = task_data;
  g_autofree char *final_name = NULL;
  struct stat st;
  int dir_fd;
  int errsv;

  if (fstat (d->fd, &st) != 0 || st.st_size != d->size)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                               _("The copy of “%s” has the wrong size"), d->name);
      return;
    }
  if (d->sha256 != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *sha256 = hallway_digest_sha256_fd (d->fd, NULL, NULL, &error);

      if (sha256 == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (g_ascii_strcasecmp (sha256, d->sha256) != 0)
        {
          /* Start the file over: nothing of this copy can be trusted. */
          if (ftruncate (d->fd, 0) != 0)
            g_debug ("Could not empty a part file: %s", g_strerror (errno));
          fremovexattr (d->fd, ETAG_XATTR);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   _("The copy of “%s” does not match the original"), d->name);
          return;
        }
    }
  fremovexattr (d->fd, ETAG_XATTR);
  if (fsync (d->fd) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "%s", g_strerror (saved_errno));
      return;
    }
  close (d->fd);
  d->fd = -1;

  dir_fd = open (d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    errsv = errno;
  else
    {
      g_autofree char *part_name = g_path_get_basename (d->part_path);

      errsv = hallway_part_file_place (dir_fd, part_name, d->name, &final_name);
      if (errsv == 0)
        fsync (dir_fd);
      close (dir_fd);
    }
  if (errsv == EEXIST)
    g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                             _("Too many items called “%s” in “%s”"), d->name, d->dir);
  else if (errsv != 0)
    g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errsv),
                             "%s", g_strerror (errsv));
  else
    g_task_return_pointer (task, g_build_filename (d->dir, final_name, NULL), g_free);
}

static void
file_placed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Attempt *a = user_data;
  Transfer *t = a->t;
  g_autoptr(GError) error = NULL;
  g_autofree char *final_path = g_task_propagate_pointer (G_TASK (result), &error);

  if (t->owner == NULL || t->generation != a->generation)
    {
      attempt_free (a);
      return;
    }
  if (final_path == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    {
      FileItem *item = a->item;

      /* The resumed copy differs from the original: redo the file. */
      _transfer_log (t, G_LOG_LEVEL_MESSAGE, error->message);
      attempt_free (a);
      g_clear_pointer (&t->record->current_etag, g_free);
      if (++t->mismatches > 2)
        {
          _transfer_fail (t, error->message);
          return;
        }
      t->current_bytes = 0;
      _transfers_save (t->owner);
      if (g_str_equal (t->state, "running"))
        transfer_fetch_file (t, item);
      return;
    }
  if (final_path == NULL)
    {
      attempt_write_error (a, error);
      return;
    }
  if (a->sha256 != NULL)
    {
      t->verified++;
      hallway_dbus_transfer1_set_verified (t->iface, t->verified);
      _transfer_log (t, G_LOG_LEVEL_DEBUG, "a resumed file matches the original's SHA-256");
    }
  t->mismatches = 0;

  g_hash_table_add (t->done, g_strdup (a->item->rel));
  g_ptr_array_add (t->record->done, g_strdup (a->item->rel));
  t->record->files_done++;
  /* The listing's size may be older than the file: count what arrived. */
  t->record->total = t->record->total - a->item->size + a->file_total;
  t->done_bytes += a->file_total;
  _transfer_set_part_path (t, NULL);
  t->current_bytes = 0;
  g_clear_pointer (&t->record->current, g_free);
  g_clear_pointer (&t->record->current_etag, g_free);
  _transfer_update_progress (t);
  _transfers_save_soon (t->owner);

  attempt_free (a);
  if (g_str_equal (t->state, "running"))
    _transfer_next_file (t);
}

static void
attempt_place (Attempt *a)
{
  Transfer *t = a->t;
  g_autoptr(GTask) task = NULL;
  PlaceData *d;

  d = g_new0 (PlaceData, 1);
  d->sha256 = g_strdup (a->sha256);
  d->fd = a->fd;
  a->fd = -1;
  d->part_path = g_strdup (t->part_path);
  d->dir = g_strdup (a->item->local_dir);
  d->name = g_strdup (a->item->name);
  d->size = a->file_total;

  task = g_task_new (NULL, NULL, file_placed_cb, a);
  g_task_set_source_tag (task, attempt_place);
  g_task_set_task_data (task, d, place_data_free);
  g_task_run_in_thread (task, place_file_thread);
}

static void
digest_fetched_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Attempt *a = user_data;
  Transfer *t = a->t;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object = NULL;
  const char *sha256 = NULL;
  const char *etag = NULL;
  gint64 size = -1;

  body = hallway_client_fetch_finish (HALLWAY_CLIENT (source), result, NULL, &error);
  if (!attempt_is_current (a))
    {
      attempt_free (a);
      return;
    }
  if (body == NULL)
    {
      if (error->domain == HALLWAY_ERROR && error->code != HALLWAY_ERROR_PEER_GONE)
        {
          /* An older neighbour that computes no digest: sizes were checked. */
          _transfer_log (t, G_LOG_LEVEL_DEBUG, "no digest to verify a resumed file with");
          attempt_place (a);
        }
      else
        attempt_network_error (a, error);
      return;
    }

  if (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                  NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      object = json_node_get_object (json_parser_get_root (parser));
      sha256 = hallway_json_get_string (object, "sha256");
      etag = hallway_json_get_string (object, "etag");
      if (json_object_has_member (object, "size") &&
          JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "size")))
        size = json_object_get_int_member (object, "size");
    }
  if (sha256 == NULL || strlen (sha256) != 64)
    {
      _transfer_log (t, G_LOG_LEVEL_DEBUG, "no digest to verify a resumed file with");
      attempt_place (a);
      return;
    }
  if (size != a->file_total || (a->etag != NULL && g_strcmp0 (etag, a->etag) != 0))
    /* The original changed since: this copy is of neither version. */
    a->sha256 = g_strdup ("changed");
  else
    a->sha256 = g_strdup (sha256);
  attempt_place (a);
}

/* A file pieced together from several answers is checked against the
 * neighbour's SHA-256 of the original before it gets its name. */
static void
attempt_complete (Attempt *a)
{
  Transfer *t = a->t;
  g_autofree char *address = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *href = NULL;
  g_autofree char *uri = NULL;
  guint16 port = 0;

  hallway_deadline_disarm (&a->stall);
  g_clear_object (&a->out);
  g_clear_object (&a->body);

  if (!a->resumed || a->file_total <= 0)
    {
      attempt_place (a);
      return;
    }
  if (!_transfer_get_endpoint (t, &address, &port))
    {
      attempt_free (a);
      return;
    }
  prefix = g_strdup_printf ("/shares/%s", t->record->share_id);
  href = hallway_path_join_href (prefix, (const char * const *) a->item->remote, FALSE);
  uri = g_strconcat (href, "?digest=sha256", NULL);
  hallway_client_fetch_async (t->owner->client, address, port, uri, t->record->peer_id,
                              4096, DIGEST_TIMEOUT_S, a->cancellable, digest_fetched_cb, a);
}

static void
attempt_read (Attempt *a)
{
  g_input_stream_read_all_async (a->body, a->buffer, HALLWAY_BLOCK_SIZE,
                                 G_PRIORITY_DEFAULT, a->cancellable, body_read_cb, a);
}

static void
block_written_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Attempt *a = user_data;
  g_autoptr(GError) error = NULL;
  gsize n_written = 0;
  gboolean ok;

  ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &n_written, &error);
  if (!attempt_is_current (a))
    {
      attempt_free (a);
      return;
    }
  if (!ok)
    {
      if (hallway_deadline_expired (&a->stall))
        attempt_network_error (a, error);
      else
        attempt_write_error (a, error);
      return;
    }

  a->written += n_written;
  a->t->current_bytes = a->offset + a->written;
  a->t->failures = 0;
  if (a->expected >= 0 && a->written >= a->expected)
    {
      attempt_complete (a);
      return;
    }
  attempt_read (a);
}

static void
body_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Attempt *a = user_data;
  g_autoptr(GError) error = NULL;
  gsize n_read = 0;
  gboolean ok;

  ok = g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n_read, &error);
  if (!attempt_is_current (a))
    {
      attempt_free (a);
      return;
    }
  if (!ok)
    {
      attempt_network_error (a, error);
      return;
    }
  hallway_deadline_arm (&a->stall, a->cancellable, HALLWAY_TRANSFER_STALL_S);

  if (a->expected >= 0 && a->written + (gint64) n_read > a->expected)
    {
      g_autoptr(GError) long_error =
        g_error_new_literal (HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                             _("The other computer sent more than it announced"));
      attempt_network_error (a, long_error);
      return;
    }

  if (n_read == 0)
    {
      if (a->expected >= 0 && a->written < a->expected)
        {
          g_autoptr(GError) short_error =
            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                 _("the connection ended before the whole file arrived"));
          attempt_network_error (a, short_error);
          return;
        }
      attempt_complete (a);
      return;
    }

  g_output_stream_write_all_async (a->out, a->buffer, n_read, G_PRIORITY_DEFAULT,
                                   a->cancellable, block_written_cb, a);
}

static char *
dup_etag (SoupMessage *message)
{
  const char *etag = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                   "ETag");

  if (etag == NULL || strlen (etag) > MAX_ETAG_BYTES || !g_str_is_ascii (etag))
    return NULL;
  return g_strdup (etag);
}

static void
remember_etag (Attempt    *a,
               const char *etag)
{
  Transfer *t = a->t;

  g_free (t->record->current);
  t->record->current = g_strdup (a->item->rel);
  g_free (t->record->current_etag);
  t->record->current_etag = g_strdup (etag);
  if (etag != NULL)
    fsetxattr (a->fd, ETAG_XATTR, etag, strlen (etag), 0);
  else
    fremovexattr (a->fd, ETAG_XATTR);
  _transfers_save (t->owner);
}

static void
file_sent_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Attempt *a = user_data;
  Transfer *t = a->t;
  g_autoptr(GError) error = NULL;
  g_autofree char *etag = NULL;
  SoupMessageHeaders *headers;
  HallwayTransferReply reply;
  gint64 content_length;
  gint64 total = -1;
  guint status;

  a->body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (!attempt_is_current (a))
    {
      attempt_free (a);
      return;
    }
  if (a->body == NULL)
    {
      const char *presented = hallway_client_get_presented_id (a->message);

      if (presented != NULL && g_strcmp0 (presented, t->record->peer_id) != 0)
        {
          g_clear_error (&error);
          g_set_error_literal (&error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH,
                               _("The other computer presents a different identity than "
                                 "the one it announced; nothing was copied from it"));
        }
      attempt_network_error (a, error);
      return;
    }
  if (!hallway_client_check_message (a->message, &error))
    {
      _transfer_fail (t, error->message);
      attempt_free (a);
      return;
    }
  hallway_deadline_arm (&a->stall, a->cancellable, HALLWAY_TRANSFER_STALL_S);

  status = soup_message_get_status (a->message);
  headers = soup_message_get_response_headers (a->message);
  etag = dup_etag (a->message);
  content_length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                     ? soup_message_headers_get_content_length (headers) : -1;
  reply = hallway_transfer_classify_reply (status, a->offset,
                                           soup_message_headers_get_one (headers, "Content-Range"),
                                           content_length, &total);

  if (status != 200 && status != 206 && status != 416)
    {
      g_autofree char *message = NULL;
      g_autoptr(GError) http_error = NULL;

      switch (status)
        {
        case SOUP_STATUS_NOT_FOUND:
          message = g_strdup_printf (_("“%s” is no longer there"), a->item->rel);
          _transfer_fail (t, message);
          break;
        case SOUP_STATUS_UNAUTHORIZED:
        case SOUP_STATUS_FORBIDDEN:
          message = g_strdup_printf (_("The other computer no longer lets this computer "
                                       "read “%s”"), a->item->rel);
          _transfer_fail (t, message);
          break;
        default:
          if (status >= 500 || status == 429 || status == 408)
            {
              /* Translators: %u is an HTTP status code, %s its reason. */
              http_error = g_error_new (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                        _("it answered “%u %s”"), status,
                                        soup_message_get_reason_phrase (a->message));
              _transfer_network_error (t, http_error);
            }
          else
            {
              message = g_strdup_printf (_("The other computer refused to send “%s” (%u %s)"),
                                         a->item->rel, status,
                                         soup_message_get_reason_phrase (a->message));
              _transfer_fail (t, message);
            }
          break;
        }
      attempt_free (a);
      return;
    }

  switch (reply)
    {
    case HALLWAY_TRANSFER_REPLY_APPEND:
      if (lseek (a->fd, a->offset, SEEK_SET) < 0 || ftruncate (a->fd, a->offset) != 0)
        {
          g_autoptr(GError) seek_error = g_error_new_literal (G_IO_ERROR,
                                                              g_io_error_from_errno (errno),
                                                              g_strerror (errno));
          attempt_write_error (a, seek_error);
          return;
        }
      a->expected = total - a->offset;
      a->file_total = total;
      a->resumed = a->offset > 0;
      break;

    case HALLWAY_TRANSFER_REPLY_RESTART:
      /* The whole file: the source changed, or there was nothing to resume. */
      if (lseek (a->fd, 0, SEEK_SET) < 0 || ftruncate (a->fd, 0) != 0)
        {
          g_autoptr(GError) seek_error = g_error_new_literal (G_IO_ERROR,
                                                              g_io_error_from_errno (errno),
                                                              g_strerror (errno));
          attempt_write_error (a, seek_error);
          return;
        }
      if (a->offset > 0)
        _transfer_log (t, G_LOG_LEVEL_DEBUG, "the source changed; starting the file over");
      a->offset = 0;
      a->expected = total;
      a->file_total = total;
      remember_etag (a, etag);
      break;

    case HALLWAY_TRANSFER_REPLY_COMPLETE:
      a->expected = 0;
      a->file_total = total;
      a->resumed = a->offset > 0;
      attempt_complete (a);
      return;

    case HALLWAY_TRANSFER_REPLY_INVALID:
    default:
      {
        g_autoptr(GError) invalid = NULL;

        /* Start this file over on the next try. */
        if (ftruncate (a->fd, 0) == 0)
          remember_etag (a, NULL);
        invalid = g_error_new_literal (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                       _("its answer could not be used to continue"));
        attempt_network_error (a, invalid);
        return;
      }
    }

  t->current_bytes = a->offset;
  if (a->expected == 0)
    {
      attempt_complete (a);
      return;
    }
  a->buffer = g_malloc (HALLWAY_BLOCK_SIZE);
  a->out = g_unix_output_stream_new (a->fd, FALSE);
  attempt_read (a);
}

/* Opens the part file: the one an earlier attempt left (with the ETag of
 * the version it holds), or a new one, created exclusively. */
static int
open_part (Transfer  *t,
           FileItem  *item,
           char     **out_etag,
           gint64    *out_size,
           GError   **error)
{
  g_autofree char *part_name = hallway_transfer_part_name (item->name);
  g_autofree char *path = g_build_filename (item->local_dir, part_name, NULL);
  struct stat st;
  int fd;

  *out_etag = NULL;
  *out_size = -1;

  if (g_strcmp0 (t->part_path, path) != 0 && g_hash_table_contains (t->owner->parts, path))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                   _("another transfer is copying “%s” into %s"), item->name, item->local_dir);
      return -1;
    }

  fd = open (path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0)
    {
      char buffer[MAX_ETAG_BYTES + 1];
      ssize_t len;

      if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
        {
          close (fd);
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                       _("“%s” is in the way in %s"), part_name, item->local_dir);
          return -1;
        }
      *out_size = st.st_size;
      if (g_strcmp0 (t->record->current, item->rel) == 0 && t->record->current_etag != NULL)
        *out_etag = g_strdup (t->record->current_etag);
      else if ((len = fgetxattr (fd, ETAG_XATTR, buffer, MAX_ETAG_BYTES)) > 0)
        {
          buffer[len] = '\0';
          if (g_str_is_ascii (buffer))
            *out_etag = g_strdup (buffer);
        }
    }
  else if (errno == ENOENT)
    fd = open (path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   /* Translators: %1$s is a folder, %2$s the system's reason. */
                   _("Could not write into %1$s: %2$s"), item->local_dir,
                   g_strerror (saved_errno));
      return -1;
    }

  _transfer_set_part_path (t, path);
  return fd;
}

static void
transfer_fetch_file (Transfer *t,
                     FileItem *item)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *href = NULL;
  g_autofree char *etag = NULL;
  gint64 part_size = -1;
  guint16 port = 0;
  Attempt *a;
  int fd;

  if (!_transfer_get_endpoint (t, &address, &port))
    return;

  fd = open_part (t, item, &etag, &part_size, &error);
  if (fd < 0)
    {
      _transfer_network_error (t, error);
      return;
    }

  a = g_new0 (Attempt, 1);
  a->t = _transfer_ref (t);
  a->generation = t->generation;
  a->item = item;
  a->fd = fd;
  a->expected = -1;
  a->offset = hallway_transfer_resume_offset (part_size, etag);
  a->etag = g_strdup (etag);
  a->cancellable = g_object_ref (t->cancellable);
  t->current_bytes = a->offset;

  prefix = g_strdup_printf ("/shares/%s", t->record->share_id);
  href = hallway_path_join_href (prefix, (const char * const *) item->remote, FALSE);
  a->message = hallway_client_new_message (t->owner->client, SOUP_METHOD_GET, address, port,
                                           href, t->record->peer_id, &error);
  if (a->message == NULL)
    {
      _transfer_fail (t, error->message);
      attempt_free (a);
      return;
    }
  if (a->offset > 0)
    {
      SoupMessageHeaders *headers = soup_message_get_request_headers (a->message);
      g_autofree char *range = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", a->offset);

      soup_message_headers_replace (headers, "Range", range);
      soup_message_headers_replace (headers, "If-Range", etag);
      _transfer_log (t, G_LOG_LEVEL_DEBUG, "resuming a file from its part file");
    }

  hallway_deadline_arm (&a->stall, a->cancellable, HALLWAY_TRANSFER_STALL_S);
  soup_session_send_async (hallway_client_get_session (t->owner->client), a->message,
                           G_PRIORITY_DEFAULT, a->cancellable, file_sent_cb, a);
}

void
_transfer_next_file (Transfer *t)
{
  if (_transfer_try_folder_stream (t))
    return;

  while (t->next_file < t->files->len)
    {
      FileItem *item = g_ptr_array_index (t->files, t->next_file);

      if (!g_hash_table_contains (t->done, item->rel))
        {
          transfer_fetch_file (t, item);
          return;
        }
      t->next_file++;
    }

  _transfer_finish (t, "done", NULL);
}

/* The download kind */

static void
download_run (Transfer *t)
{
  if (!t->listed)
    _transfer_list_start (t);
  else
    {
      t->next_file = 0;
      _transfer_next_file (t);
    }
}

/* "Projects/report.pdf" from the share, to a local folder. */
static void
download_describe (Transfer  *t,
                   char     **out_path,
                   char     **out_destination)
{
  const HallwayTransferRecord *record = t->record;

  *out_path = *record->path != '\0' ? g_strconcat (record->share_name, "/", record->path, NULL)
                                    : g_strdup (record->share_name);
  *out_destination = g_strdup (record->destination);
}

const TransferKind _transfer_kind_download = {
  .name = "download",
  .identity_in_doubt = N_("This computer's identity is in doubt; nothing is copied from it "
                          "until that is settled"),
  .run = download_run,
  .cancel = NULL,
  .describe = download_describe,
};

/**
 * hallway_daemon_transfers_download:
 * @self: a #HallwayDaemonTransfers
 * @peer: a neighbour's device id or object path
 * @share: the name or id of one of its shared folders
 * @paths: items in that share, "" for the whole share
 * @destination: an existing local folder (absolute)
 * @error: return location for a #GError
 *
 * Queues one download per path.
 *
 * Returns: (transfer full): the object paths of the new transfers
 */
GStrv
hallway_daemon_transfers_download (HallwayDaemonTransfers  *self,
                                   const char              *peer,
                                   const char              *share,
                                   const char * const      *paths,
                                   const char              *destination,
                                   GError                 **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) normalized = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *peer_id = NULL;
  g_autofree char *peer_name = NULL;
  g_autofree char *share_id = NULL;
  g_autofree char *share_name = NULL;
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_TRANSFERS (self), NULL);

  if (!_transfers_resolve_target (self, peer, share, &_transfer_kind_download, &peer_id,
                                  &peer_name, &share_id, &share_name, error))
    return NULL;
  if (destination == NULL || !g_path_is_absolute (destination) ||
      !g_file_test (destination, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a folder on this computer"), destination);
      return NULL;
    }
  canonical = g_canonicalize_filename (destination, NULL);
  if (paths == NULL || paths[0] == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("Nothing to copy was given"));
      return NULL;
    }

  /* Check every path before queueing any. */
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_auto(GStrv) components = _transfer_split_path (paths[i]);

      for (guint j = 0; components[j] != NULL; j++)
        if (!hallway_path_component_is_valid (components[j], TRUE))
          {
            g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                         _("“%s” is not a valid name"), components[j]);
            return NULL;
          }
      g_ptr_array_add (normalized, g_strjoinv ("/", components));
    }

  for (guint i = 0; i < normalized->len; i++)
    {
      HallwayTransferRecord *record = hallway_transfer_record_new ();

      record->kind = g_strdup (_transfer_kind_download.name);
      record->peer_id = g_strdup (peer_id);
      record->peer_name = g_strdup (peer_name);
      record->share_id = g_strdup (share_id);
      record->share_name = g_strdup (share_name);
      record->path = g_strdup (g_ptr_array_index (normalized, i));
      record->destination = g_strdup (canonical);
      g_strv_builder_add (builder, _transfers_add (self, record));
    }

  _transfers_save (self);
  _transfers_schedule (self);
  return g_strv_builder_end (builder);
}
