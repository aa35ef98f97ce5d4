/* hallway-daemon-drops-receive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The HTTP side of receiving (DESIGN §4.3), at /api/v1/drops: POST an
 * offer, GET its state (long-polled), HEAD how much of a file arrived,
 * PUT a file (with Content-Range to continue), DELETE to cancel. Only a
 * neighbour with Hallway (a client certificate) whose identity is not in
 * doubt may send, and it only ever sees its own offers. A PUT's body is
 * streamed to the file's part file through a HallwayPartWriter, as the
 * WebDAV PUT does; an interrupted body is kept as far as it came, to be
 * continued.
 */
#include "config.h"

#include "hallway-daemon-drops-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hallway-daemon-server.h"
#include "hallway-drop.h"
#include "hallway-error.h"
#include "hallway-range.h"

static void
waiter_answer (Waiter *waiter)
{
  Offer *offer = waiter->offer;
  g_autofree char *json = NULL;
  gsize length;

  offer->waiters = g_list_remove (offer->waiters, waiter);
  g_clear_handle_id (&waiter->timeout_id, g_source_remove);
  g_clear_signal_handler (&waiter->finished_id, waiter->msg);

  json = hallway_drop_status_to_json (offer->id, _drops_state_names[offer->state], offer->accepted,
                                      offer->expires, offer->message, &length);
  soup_server_message_set_status (waiter->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (waiter->msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&json), length);
  soup_server_message_unpause (waiter->msg);
  g_object_unref (waiter->msg);
  g_free (waiter);
}

void
_drops_answer_waiters (Offer *offer)
{
  while (offer->waiters != NULL)
    waiter_answer (offer->waiters->data);
}

static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *code,
             const char        *message)
{
  hallway_daemon_server_reply_error (msg, status, code, message);
}

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            char              *json,
            gsize              length)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, json, length);
}

static void
reply_status (SoupServerMessage *msg,
              guint              status,
              Offer             *offer)
{
  gsize length;
  char *json = hallway_drop_status_to_json (offer->id, _drops_state_names[offer->state],
                                            offer->accepted, offer->expires, offer->message,
                                            &length);

  reply_json (msg, status, json, length);
}

static void
set_received_header (SoupServerMessage *msg,
                     guint64            received)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, received);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Hallway-Received", text);
}

/* The sender, from its certificate. A neighbour whose identity is in
 * doubt (it changed since it was pinned) may not send anything. */
static char *
dup_sender (HallwayDaemonDrops *self,
            SoupServerMessage  *msg)
{
  g_autofree char *client_id = hallway_daemon_access_dup_client_id (msg);
  const char *problem;

  if (client_id == NULL)
    {
      reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                   _("Sending files needs Hallway on the sending computer"));
      return NULL;
    }
  problem = self->problem_func != NULL ? self->problem_func (client_id, self->problem_data) : NULL;
  if (problem != NULL && *problem != '\0')
    {
      reply_error (msg, SOUP_STATUS_FORBIDDEN, "refused",
                   _("This computer’s identity has changed; files from it are refused"));
      return NULL;
    }
  return g_steal_pointer (&client_id);
}

/* Splits "<id>[/files/<n>]" after the prefix. */
static gboolean
parse_path (const char *path,
            char      **out_id,
            gboolean   *out_has_file,
            guint      *out_index)
{
  g_auto(GStrv) parts = NULL;
  guint64 index;

  *out_id = NULL;
  *out_has_file = FALSE;
  if (!g_str_has_prefix (path, HALLWAY_DROPS_API_PREFIX "/"))
    return FALSE;
  parts = g_strsplit (path + strlen (HALLWAY_DROPS_API_PREFIX "/"), "/", 4);
  if (parts[0] == NULL || !hallway_drop_id_is_valid (parts[0]))
    return FALSE;
  if (parts[1] == NULL)
    {
      *out_id = g_strdup (parts[0]);
      return TRUE;
    }
  if (!g_str_equal (parts[1], "files") || parts[2] == NULL || parts[3] != NULL ||
      !g_ascii_string_to_unsigned (parts[2], 10, 0, HALLWAY_DROP_MAX_FILES - 1, &index, NULL))
    return FALSE;
  *out_id = g_strdup (parts[0]);
  *out_has_file = TRUE;
  *out_index = index;
  return TRUE;
}

/* The offer @id, if @sender made it; answers 404 otherwise, so another
 * computer can't even tell that it exists. */
static Offer *
find_offer (HallwayDaemonDrops *self,
            SoupServerMessage  *msg,
            const char         *id,
            const char         *sender)
{
  Offer *offer = g_hash_table_lookup (self->offers, id);

  if (offer == NULL || !g_str_equal (offer->peer_id, sender))
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found",
                   _("There is no such offer; offer the files again"));
      return NULL;
    }
  return offer;
}

static void
handle_post (HallwayDaemonDrops *self,
             SoupServerMessage  *msg,
             const char         *sender)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDropOffer) parsed = NULL;
  g_autofree char *policy = _drops_dup_policy (self);
  g_autofree char *folder = NULL;
  g_autofree char *id = NULL;
  g_autofree char *peer_name = NULL;
  gboolean trusted;
  guint64 available;
  Offer *offer;

  if (g_str_equal (policy, "refuse"))
    {
      reply_error (msg, SOUP_STATUS_FORBIDDEN, "refused",
                   _("This person does not accept files"));
      return;
    }
  /* Limits per identity, and in all; part of the room is kept for trusted
   * colleagues, whoever else floods this computer with offers. */
  trusted = hallway_pins_get_trusted (self->pins, sender);
  if (_drops_count_pending (self, sender, FALSE) >= HALLWAY_DROPS_MAX_PENDING_PEER ||
      _drops_count_pending (self, NULL, FALSE) >= HALLWAY_DROPS_MAX_PENDING ||
      (!trusted &&
       _drops_count_pending (self, NULL, TRUE) >= HALLWAY_DROPS_MAX_PENDING_UNTRUSTED))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "30");
      reply_error (msg, 429, "busy",
                   _("Too many offers are waiting for an answer; try again later"));
      return;
    }

  bytes = soup_message_body_flatten (body);
  parsed = hallway_drop_offer_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                     &error);
  if (parsed == NULL)
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid", error->message);
      return;
    }

  folder = _drops_dup_receive_folder (self);
  {
    g_autofree char *probe = g_strdup (folder);

    /* The receive folder may not exist yet: ask about the nearest folder
     * that does, on the same file system. */
    while (!g_file_test (probe, G_FILE_TEST_IS_DIR) && strchr (probe + 1, '/') != NULL)
      *strrchr (probe, '/') = '\0';
    if (_drops_free_space (probe, &available) && available < parsed->total)
      {
        g_autofree char *message = _drops_no_space_message (folder, parsed->total, available);

        g_debug ("Refused an offer: %s", message);
        reply_error (msg, SOUP_STATUS_INSUFFICIENT_STORAGE, "no-space",
                     _("This computer does not have room for these files"));
        return;
      }
  }

  /* A name the person gave this colleague wins over the one it sends. */
  peer_name = hallway_pins_dup_name (self->pins, sender);
  if (peer_name == NULL || *peer_name == '\0')
    {
      g_free (peer_name);
      peer_name = g_strdup (parsed->name);
    }

  id = _drops_new_offer_id ();
  offer = _drops_offer_add (self, id, sender, peer_name, trusted);
  for (guint i = 0; i < parsed->files->len; i++)
    {
      HallwayDropFile *offered = g_ptr_array_index (parsed->files, i);
      DropFile *file = g_new0 (DropFile, 1);

      file->path = g_steal_pointer (&offered->path);
      file->size = offered->size;
      g_ptr_array_add (offer->files, file);
    }
  offer->total = parsed->total;
  _drops_offer_publish (offer);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "HALLWAY_PEER", offer->peer_name,
                    "MESSAGE", "Offer %s from ‘%s’: %u files, %" G_GUINT64_FORMAT " bytes",
                    offer->short_id, offer->peer_name, offer->files->len, offer->total);

  if (g_str_equal (policy, "trusted") && trusted)
    {
      g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (guint));

      for (guint i = 0; i < offer->files->len; i++)
        g_array_append_val (all, i);
      if (!_drops_offer_accept (offer, all, folder, &error))
        g_warning ("Could not accept offer %s by itself: %s", offer->short_id, error->message);
    }
  else
    _drops_maybe_notify (offer);

  reply_status (msg, SOUP_STATUS_ACCEPTED, offer);
}

static gboolean
waiter_timeout_cb (gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->timeout_id = 0;
  waiter_answer (waiter);
  return G_SOURCE_REMOVE;
}

static void
waiter_finished_cb (SoupServerMessage *msg,
                    gpointer           user_data)
{
  Waiter *waiter = user_data;

  /* The sender went away while waiting. */
  waiter->offer->waiters = g_list_remove (waiter->offer->waiters, waiter);
  g_clear_handle_id (&waiter->timeout_id, g_source_remove);
  g_clear_signal_handler (&waiter->finished_id, waiter->msg);
  g_object_unref (waiter->msg);
  g_free (waiter);
}

static void
handle_get (HallwayDaemonDrops *self,
            SoupServerMessage  *msg,
            Offer              *offer,
            GHashTable         *query)
{
  const char *wait_text = query != NULL ? g_hash_table_lookup (query, "wait") : NULL;
  guint64 wait = 0;
  Waiter *waiter;

  if (wait_text != NULL &&
      !g_ascii_string_to_unsigned (wait_text, 10, 0, HALLWAY_DROPS_MAX_WAIT_S, &wait, NULL))
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid",
                   _("wait= takes a number of seconds from 0 to 60"));
      return;
    }
  if (offer->state != STATE_PENDING || wait == 0)
    {
      reply_status (msg, SOUP_STATUS_OK, offer);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->offer = offer;
  waiter->msg = g_object_ref (msg);
  waiter->timeout_id = g_timeout_add_seconds (wait, waiter_timeout_cb, waiter);
  waiter->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (waiter_finished_cb),
                                          waiter);
  offer->waiters = g_list_prepend (offer->waiters, waiter);
  soup_server_message_pause (msg);
}

/* Checks that file @index of @offer may receive bytes now; answers and
 * returns NULL when not. */
static DropFile *
check_file (SoupServerMessage *msg,
            Offer             *offer,
            guint              index)
{
  DropFile *file;

  if (index >= offer->files->len)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found",
                   _("There is no such file in this offer"));
      return NULL;
    }
  file = g_ptr_array_index (offer->files, index);
  switch (offer->state)
    {
    case STATE_PENDING:
      reply_error (msg, SOUP_STATUS_CONFLICT, "not-accepted",
                   _("The offer has not been accepted yet"));
      return NULL;
    case STATE_DECLINED:
    case STATE_EXPIRED:
    case STATE_CANCELLED:
      reply_error (msg, SOUP_STATUS_GONE, "gone",
                   offer->state == STATE_DECLINED ? _("The offer was declined")
                   : offer->state == STATE_EXPIRED ? _("The offer expired")
                   : _("The offer was cancelled"));
      return NULL;
    case STATE_FAILED:
      reply_error (msg, SOUP_STATUS_GONE, "gone",
                   offer->message != NULL ? offer->message : _("The offer failed"));
      return NULL;
    case STATE_ACCEPTED:
    case STATE_DONE:
    default:
      break;
    }
  if (!file->accepted)
    {
      reply_error (msg, SOUP_STATUS_CONFLICT, "not-accepted",
                   _("This file was not among the accepted ones"));
      return NULL;
    }
  return file;
}

static void
handle_head (SoupServerMessage *msg,
             Offer             *offer,
             guint              index)
{
  DropFile *file = check_file (msg, offer, index);

  if (file == NULL)
    return;
  set_received_header (msg, file->received);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

static void
handle_delete (SoupServerMessage *msg,
               Offer             *offer)
{
  if (!_drops_state_has_ended (offer->state))
    _drops_offer_end (offer, STATE_CANCELLED, _("The sender cancelled"));
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* Writers: one PUT filling one file */

static void
writer_free (Writer *writer)
{
  g_clear_pointer (&writer->part, hallway_part_writer_free);
  g_free (writer->offer_id);
  g_free (writer);
}

static DropFile *
writer_file (Writer  *writer,
             Offer  **out_offer)
{
  Offer *offer;
  DropFile *file;

  if (writer->superseded)
    return NULL;
  offer = g_hash_table_lookup (writer->self->offers, writer->offer_id);
  if (offer == NULL || writer->index >= offer->files->len)
    return NULL;
  file = g_ptr_array_index (offer->files, writer->index);
  if (file->writer != writer)
    return NULL;
  if (out_offer != NULL)
    *out_offer = offer;
  return file;
}

static void
writer_fail (Writer     *writer,
             guint       status,
             const char *code,
             const char *message)
{
  if (writer->status != 0)
    return;
  writer->status = status;
  /* Answer at once and close: the rest of the body is not read. */
  soup_message_headers_replace (soup_server_message_get_response_headers (writer->msg),
                                "Connection", "close");
  reply_error (writer->msg, status, code, message);
}

static void
writer_no_space (Writer *writer)
{
  Offer *offer = NULL;
  DropFile *file = writer_file (writer, &offer);

  writer_fail (writer, SOUP_STATUS_INSUFFICIENT_STORAGE, "no-space",
               _("This computer ran out of space for these files"));
  hallway_part_writer_close (writer->part);
  if (file != NULL)
    {
      file->writer = NULL;
      _drops_offer_end (offer, STATE_FAILED, _("The computer ran out of space for these files"));
    }
}

/* After a write: what the file holds counts as received, also when the
 * disk filled up midway. */
static gboolean
writer_wrote (Writer *writer,
              int     errsv)
{
  Offer *offer = NULL;
  DropFile *file;

  if (errsv == ENOSPC || errsv == EDQUOT)
    writer_no_space (writer);
  else if (errsv != 0)
    writer_fail (writer, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                 _("Could not save the file"));
  file = writer_file (writer, &offer);
  if (file != NULL)
    {
      file->received = hallway_part_writer_get_size (writer->part);
      _drops_offer_update_bytes (offer, FALSE);
    }
  return errsv == 0;
}

static gboolean
writer_flush (Writer *writer)
{
  return writer_wrote (writer, hallway_part_writer_flush (writer->part));
}

static void
writer_got_chunk_cb (SoupServerMessage *msg,
                     GBytes            *chunk,
                     gpointer           user_data)
{
  Writer *writer = user_data;
  DropFile *file;
  gsize size;
  gconstpointer data = g_bytes_get_data (chunk, &size);

  if (writer->status != 0)
    return;
  file = writer_file (writer, NULL);
  if (file == NULL)
    {
      writer_fail (writer, SOUP_STATUS_GONE, "gone", _("The offer has ended"));
      return;
    }
  if (size > file->size - hallway_part_writer_get_size (writer->part) -
             hallway_part_writer_get_buffered (writer->part))
    {
      /* More than declared: nothing of this request is kept. */
      writer_fail (writer, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large",
                   _("More bytes than the offer said"));
      hallway_part_writer_truncate (writer->part, writer->start);
      file->received = hallway_part_writer_get_size (writer->part);
      return;
    }

  writer_wrote (writer, hallway_part_writer_append (writer->part, data, size));
}

static void
writer_finished_cb (SoupServerMessage *msg,
                    gpointer           user_data)
{
  Writer *writer = user_data;
  DropFile *file;

  /* An interrupted body is kept as far as it came, to be continued. */
  if (writer->status == 0 && hallway_part_writer_get_buffered (writer->part) > 0)
    writer_flush (writer);
  file = writer_file (writer, NULL);
  if (file != NULL)
    file->writer = NULL;
}

static void
put_prepare (HallwayDaemonDrops *self,
             SoupServerMessage  *msg,
             const char         *path)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autofree char *sender = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;
  const char *content_range;
  gboolean has_file;
  guint index = 0;
  guint64 start = 0;
  Offer *offer;
  DropFile *file;
  Writer *writer;
  int root_fd;
  int dir_fd;
  int fd;

  soup_message_body_set_accumulate (body, FALSE);
  sender = dup_sender (self, msg);
  if (sender == NULL)
    return;
  if (!parse_path (path, &id, &has_file, &index) || !has_file)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", _("There is nothing here"));
      return;
    }
  offer = find_offer (self, msg, id, sender);
  if (offer == NULL)
    return;
  file = check_file (msg, offer, index);
  if (file == NULL)
    return;

  content_range = soup_message_headers_get_one (headers, "Content-Range");
  if (content_range != NULL)
    {
      goffset range_start, range_end, range_total;

      if (!hallway_content_range_parse (content_range, &range_start, &range_end, &range_total) ||
          range_start < 0 || range_total != (goffset) file->size)
        {
          set_received_header (msg, file->received);
          reply_error (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "bad-range",
                       _("The range does not fit this file"));
          return;
        }
      start = range_start;
    }
  if (file->complete && start == file->size &&
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) == 0)
    {
      /* Nothing left to send (an empty file, made at accept): done. */
      g_autofree char *json = NULL;
      gsize length;

      json = hallway_drop_received_to_json (file->size, &length);
      reply_json (msg, SOUP_STATUS_CREATED, g_steal_pointer (&json), length);
      return;
    }
  if (file->complete || (content_range != NULL && start != file->received))
    {
      set_received_header (msg, file->received);
      reply_error (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "bad-range",
                   file->complete ? _("This file has already arrived")
                                  : _("Continue from what was received"));
      return;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) soup_message_headers_get_content_length (headers) > file->size - start)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large",
                   _("More bytes than the offer said"));
      return;
    }

  root_fd = open (offer->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    {
      reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                   _("The folder to save the files in is gone"));
      return;
    }
  dir_fd = _drops_open_file_dir (offer, file, root_fd, TRUE, &error);
  close (root_fd);
  if (dir_fd < 0)
    {
      g_debug ("Could not open the folder of file %u of offer %s: %s", index, offer->short_id,
               error->message);
      reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                   _("Could not create the folder for this file"));
      return;
    }
  /* A new writer takes over from one whose sender gave up on it. */
  if (file->writer != NULL)
    {
      file->writer->superseded = TRUE;
      file->writer = NULL;
    }
  fd = _drops_open_part (offer, file, dir_fd, &error);
  close (dir_fd);
  if (fd < 0 || ftruncate (fd, start) != 0 || lseek (fd, start, SEEK_SET) < 0)
    {
      if (fd >= 0)
        close (fd);
      reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed", _("Could not save the file"));
      return;
    }
  file->received = start;

  writer = g_new0 (Writer, 1);
  writer->self = self;
  writer->msg = msg;
  writer->offer_id = g_strdup (offer->id);
  writer->index = index;
  writer->part = hallway_part_writer_new (fd, start);
  writer->start = start;
  file->writer = writer;
  g_object_set_data_full (G_OBJECT (msg), "hallway-drop-writer", writer,
                          (GDestroyNotify) writer_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (writer_got_chunk_cb), writer);
  g_signal_connect (msg, "finished", G_CALLBACK (writer_finished_cb), writer);
}

static void
put_finish (HallwayDaemonDrops *self,
            SoupServerMessage  *msg)
{
  Writer *writer = g_object_get_data (G_OBJECT (msg), "hallway-drop-writer");
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  Offer *offer = NULL;
  DropFile *file;
  gsize length;

  if (soup_server_message_get_status (msg) != 0)
    return;   /* answered by the early handler or while receiving */
  if (writer == NULL)
    {
      reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                   _("The file could not be received"));
      return;
    }
  if (hallway_part_writer_get_buffered (writer->part) > 0 && !writer_flush (writer))
    return;
  file = writer_file (writer, &offer);
  if (file == NULL)
    {
      reply_error (msg, SOUP_STATUS_GONE, "gone", _("The offer has ended"));
      return;
    }

  file->received = hallway_part_writer_get_size (writer->part);
  if (file->received < file->size)
    {
      file->writer = NULL;
      _drops_offer_update_bytes (offer, TRUE);
      json = hallway_drop_received_to_json (file->received, &length);
      reply_json (msg, SOUP_STATUS_OK, g_steal_pointer (&json), length);
      return;
    }

  file->writer = NULL;
  if (!_drops_commit_file (offer, file, writer->part, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
        {
          _drops_offer_end (offer, STATE_FAILED,
                            _("The computer ran out of space for these files"));
          reply_error (msg, SOUP_STATUS_INSUFFICIENT_STORAGE, "no-space",
                       _("This computer ran out of space for these files"));
          return;
        }
      g_warning ("Could not save file %u of offer %s: %s", writer->index, offer->short_id,
                 error->message);
      reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed", _("Could not save the file"));
      return;
    }
  file->complete = TRUE;
  _drops_offer_update_bytes (offer, TRUE);
  json = hallway_drop_received_to_json (file->size, &length);
  reply_json (msg, SOUP_STATUS_CREATED, g_steal_pointer (&json), length);

  if (_drops_offer_all_complete (offer))
    _drops_offer_end (offer, STATE_DONE, NULL);
  else
    _drops_save (self);
}

static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  HallwayDaemonDrops *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (method == SOUP_METHOD_PUT)
    {
      put_prepare (self, msg, path);
      return;
    }
  if (method == SOUP_METHOD_POST && g_str_equal (path, HALLWAY_DROPS_API_PREFIX))
    {
      hallway_daemon_server_limit_body (msg, HALLWAY_DROP_MAX_BODY, _("The offer is too large"));
      return;
    }
  /* Nothing else reads its body: don't keep it in memory. */
  soup_message_body_set_accumulate (body, FALSE);
}

static void
drops_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  HallwayDaemonDrops *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *sender = NULL;
  g_autofree char *id = NULL;
  gboolean has_file = FALSE;
  guint index = 0;
  Offer *offer;

  if (method == SOUP_METHOD_PUT)
    {
      put_finish (self, msg);
      return;
    }
  if (soup_server_message_get_status (msg) != 0)
    return;   /* answered while the body arrived */

  sender = dup_sender (self, msg);
  if (sender == NULL)
    return;

  if (g_str_equal (path, HALLWAY_DROPS_API_PREFIX) ||
      g_str_equal (path, HALLWAY_DROPS_API_PREFIX "/"))
    {
      if (method != SOUP_METHOD_POST)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Allow", "POST");
          reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
                       _("Only POST is allowed here"));
          return;
        }
      handle_post (self, msg, sender);
      return;
    }

  if (!parse_path (path, &id, &has_file, &index))
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", _("There is nothing here"));
      return;
    }
  offer = find_offer (self, msg, id, sender);
  if (offer == NULL)
    return;

  if (!has_file && method == SOUP_METHOD_GET)
    handle_get (self, msg, offer, query);
  else if (!has_file && method == SOUP_METHOD_DELETE)
    handle_delete (msg, offer);
  else if (has_file && method == SOUP_METHOD_HEAD)
    handle_head (msg, offer, index);
  else
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", has_file ? "HEAD, PUT" : "GET, DELETE");
      reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
                   _("This method is not allowed here"));
    }
}

/**
 * hallway_daemon_drops_attach:
 * @self: a #HallwayDaemonDrops
 * @server: the HTTPS server
 *
 * Serves /api/v1/drops on @server.
 */
void
hallway_daemon_drops_attach (HallwayDaemonDrops *self,
                             SoupServer         *server)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_DROPS (self));
  g_return_if_fail (SOUP_IS_SERVER (server));
  g_return_if_fail (self->server == NULL);

  self->server = g_object_ref (server);
  soup_server_add_early_handler (server, HALLWAY_DROPS_API_PREFIX, early_handler, self, NULL);
  soup_server_add_handler (server, HALLWAY_DROPS_API_PREFIX, drops_handler, self, NULL);
}

void
_drops_receive_detach (HallwayDaemonDrops *self)
{
  if (self->server == NULL)
    return;
  soup_server_remove_handler (self->server, HALLWAY_DROPS_API_PREFIX);
  g_clear_object (&self->server);
}
