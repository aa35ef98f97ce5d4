/* hallway-daemon-transfers-send-deliver.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Delivering what a colleague accepted: each accepted file with PUT,
 * streamed from disk in large blocks, continuing with Content-Range from
 * what a HEAD says arrived (after a restart or an interruption). A file
 * whose size or time differs from what was offered fails the send with a
 * plain message, and the colleague is told to drop what arrived, rather
 * than receiving a mix of two versions.
 */
#include "config.h"

#include "hallway-daemon-transfers-send-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hallway-error.h"

#define MAX_RECEIVED_DIGITS 19

/* A 409 means the file is not (or no longer) accepted: ask for the
 * offer's state. A receiver that says "accepted" yet keeps refusing is
 * not asked in a loop. */
static void
send_poll_after_conflict (SendJob *job)
{
  if (job->conflicts++ >= 2)
    {
      _send_job_wait_literal (job, _("it does not take the files it accepted"));
      return;
    }
  _send_poll (job, 0);
}

/* Whether the file is still the one offered (@fd open on it). */
static gboolean
file_is_unchanged (int                        fd,
                   const HallwayTransferItem *item)
{
  struct stat st;

  return fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && (guint64) st.st_size == item->size &&
         (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000 == item->mtime;
}

void
_send_job_fail_changed (SendJob                   *job,
                        const HallwayTransferItem *item)
{
  g_autofree char *message = NULL;

  /* What arrived of it is of an older version: have the colleague drop it. */
  _send_cancel (job->t);
  /* Translators: %s is a file. */
  message = g_strdup_printf (_("“%s” changed or was removed since it was offered; send it "
                               "again"), item->path);
  _send_job_fail (job, message);
}

static void
mark_done (SendJob *job)
{
  const HallwayTransferItem *item = g_ptr_array_index (job->record->items, job->index);

  g_ptr_array_add (job->record->done, g_strdup_printf ("%u", job->index));
  g_hash_table_add (job->done, GUINT_TO_POINTER (job->index + 1));
  job->record->files_done++;
  job->done_bytes += item->size;
  _send_set_bytes (job->t, job->done_bytes, 0);
  _transfers_save_soon (job->t->owner);
}

static void
wrote_body_data_cb (SoupMessage *message,
                    guint        chunk_size,
                    SendJob     *job)
{
  const HallwayTransferItem *item;

  if (!_send_job_is_current (job) || job->fd < 0)
    return;
  item = g_ptr_array_index (job->record->items, job->index);
  job->sent += chunk_size;
  _send_set_bytes (job->t, job->done_bytes,
                   job->offset + MIN (job->sent, job->length));
  job->t->failures = 0;
  hallway_deadline_arm (&job->deadline, job->cancellable, HALLWAY_TRANSFER_STALL_S);
  /* A file changed while it is read would arrive as a mix of two
   * versions: stop sending it at once. */
  if (!job->changed && !file_is_unchanged (job->fd, item))
    {
      job->changed = TRUE;
      g_cancellable_cancel (job->cancellable);
    }
}

static void send_put (SendJob *job);

static gboolean
parse_received (SoupMessage *message,
                guint64      size,
                gint64      *out_received)
{
  const char *text = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                   "Hallway-Received");
  guint64 value;

  if (text == NULL || strlen (text) > MAX_RECEIVED_DIGITS ||
      !g_ascii_string_to_unsigned (text, 10, 0, size, &value, NULL))
    return FALSE;
  *out_received = value;
  return TRUE;
}

static void
put_answered_cb (SendJob *job,
                 guint    status,
                 GBytes  *body)
{
  const HallwayTransferItem *item = g_ptr_array_index (job->record->items, job->index);
  gint64 received = 0;

  switch (status)
    {
    case SOUP_STATUS_CREATED:
      mark_done (job);
      job->retries_416 = 0;
      _send_next_file (job);
      return;

    case SOUP_STATUS_OK:
      /* The body ended short of the file: ask where to go on. */
      job->head_needed = TRUE;
      _send_job_wait_literal (job, _("the file arrived only in part"));
      return;

    case SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE:
      /* It holds a different amount than asked about: go on from there. */
      if (job->retries_416++ < 2 && parse_received (job->message, item->size, &received))
        {
          job->offset = received;
          send_put (job);
        }
      else
        _send_job_wait_literal (job, _("its answer could not be used to continue"));
      return;

    case SOUP_STATUS_CONFLICT:
      /* Not accepted (any more): the offer's state says what happened. */
      send_poll_after_conflict (job);
      return;

    default:
      if (!_send_job_common_answer (job, status, body))
        _send_job_unexpected_answer (job, status, body);
      return;
    }
}

/* PUTs the rest of the current file from job->offset. */
static void
send_put (SendJob *job)
{
  const HallwayTransferItem *item = g_ptr_array_index (job->record->items, job->index);
  g_autofree char *suffix = g_strdup_printf ("/files/%u", job->index);
  g_autofree char *path = _send_drop_path (job, suffix);
  g_autoptr(GInputStream) raw = NULL;
  g_autoptr(GInputStream) buffered = NULL;
  SoupMessage *message;
  int fd;

  if (job->fd >= 0)
    close (job->fd);
  job->fd = -1;
  fd = open (item->local, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_autofree char *text = NULL;

      if (saved_errno == ENOENT || saved_errno == ELOOP)
        {
          _send_job_fail_changed (job, item);
          return;
        }
      /* Translators: %1$s is a file, %2$s the system's reason. */
      text = g_strdup_printf (_("Could not read “%1$s”: %2$s"), item->local,
                              g_strerror (saved_errno));
      _send_job_fail (job, text);
      return;
    }
  if (!file_is_unchanged (fd, item))
    {
      close (fd);
      _send_job_fail_changed (job, item);
      return;
    }
  if (job->offset > 0 && lseek (fd, job->offset, SEEK_SET) != job->offset)
    {
      close (fd);
      _send_job_fail_changed (job, item);
      return;
    }

  message = _send_job_new_message (job, SOUP_METHOD_PUT, path);
  if (message == NULL)
    {
      close (fd);
      return;
    }
  job->fd = fd;
  job->length = item->size - job->offset;
  job->sent = 0;
  job->changed = FALSE;
  if (job->offset > 0)
    {
      g_autofree char *range = g_strdup_printf ("bytes %" G_GINT64_FORMAT "-%" G_GUINT64_FORMAT
                                                "/%" G_GUINT64_FORMAT,
                                                job->offset, item->size - 1, item->size);

      soup_message_headers_replace (soup_message_get_request_headers (message), "Content-Range",
                                    range);
    }
  /* Read from disk in large blocks, whatever size libsoup writes in; the
   * descriptor stays ours, to check the file as it goes. */
  raw = g_unix_input_stream_new (fd, FALSE);
  buffered = g_buffered_input_stream_new_sized (raw, HALLWAY_BLOCK_SIZE);
  soup_message_set_request_body (message, "application/octet-stream", buffered, job->length);
  g_signal_connect (message, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), job);
  _send_set_bytes (job->t, job->done_bytes, job->offset);
  _send_job_request (job, message, HALLWAY_TRANSFER_STALL_S, put_answered_cb);
}

static void
head_answered_cb (SendJob *job,
                  guint    status,
                  GBytes  *body)
{
  const HallwayTransferItem *item = g_ptr_array_index (job->record->items, job->index);
  gint64 received = 0;

  if (status == SOUP_STATUS_CONFLICT)
    {
      send_poll_after_conflict (job);
      return;
    }
  if (status != SOUP_STATUS_OK)
    {
      if (!_send_job_common_answer (job, status, body))
        _send_job_unexpected_answer (job, status, body);
      return;
    }
  if (!parse_received (job->message, item->size, &received))
    {
      _send_job_wait_literal (job, _("its answer could not be used to continue"));
      return;
    }
  if ((guint64) received == item->size)
    {
      /* It had arrived whole before the interruption. */
      mark_done (job);
      _send_next_file (job);
      return;
    }
  /* Files after this one were never started. */
  job->head_needed = FALSE;
  job->offset = received;
  if (received > 0)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "HALLWAY_PEER", job->record->peer_name,
                      "MESSAGE", "Transfer %s: continuing file %u from byte %" G_GINT64_FORMAT,
                      job->record->id, job->index, received);
  send_put (job);
}

void
_send_next_file (SendJob *job)
{
  HallwayTransferRecord *r = job->record;

  for (; job->position < r->accepted->len; job->position++)
    {
      guint index = g_array_index (r->accepted, guint, job->position);
      g_autofree char *suffix = NULL;
      g_autofree char *path = NULL;
      SoupMessage *message;

      if (_send_is_done (job, index))
        continue;

      job->index = index;
      job->offset = 0;
      job->retries_416 = 0;
      if (!job->head_needed)
        {
          send_put (job);
          return;
        }
      suffix = g_strdup_printf ("/files/%u", index);
      path = _send_drop_path (job, suffix);
      message = _send_job_new_message (job, SOUP_METHOD_HEAD, path);
      if (message != NULL)
        _send_job_request (job, message, SEND_REQUEST_TIMEOUT_S, head_answered_cb);
      return;
    }

  /* Every accepted file is there; the colleague's side says "done". */
  _send_set_bytes (job->t, job->done_bytes, 0);
  _transfer_finish (job->t, "done", NULL);
  _send_job_free (job);
}

