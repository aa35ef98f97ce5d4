/* hallway-daemon-transfers-send.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sending files to a colleague: transfers of kind "send" (DESIGN §4.3,
 * the drop protocol). The local files and folders are walked once, in a
 * worker thread, and offered with POST /api/v1/drops; the transfer is
 * "offered" while it long-polls GET /api/v1/drops/<id> for the colleague's
 * answer. Once they accept (all or some of the files), it goes back in the
 * queue for a slot like any other transfer and delivers each accepted file
 * with PUT, streamed from disk in large blocks, continuing with
 * Content-Range from what a HEAD says arrived (that half is in
 * hallway-daemon-transfers-send-deliver.c).
 *
 * Everything needed to continue is in the saved queue: the files offered
 * (with the size and time each had), the offer's id, the accepted indexes
 * and the files delivered. A restarted sender asks for the offer's state
 * and HEADs the first unfinished file. A receiver that no longer knows the
 * offer (it restarted before anyone answered) gets it again. A file whose
 * size or time differs from what was offered fails the send with a plain
 * message, and the colleague is told to drop what arrived, rather than
 * receiving a mix of two versions.
 */
#include "config.h"

#include "hallway-daemon-transfers.h"
#include "hallway-daemon-transfers-send-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hallway-dbus.h"
#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-path.h"

/* How long one long-poll waits for the colleague (the protocol allows 60). */
#define OFFER_WAIT_S        25
/* Answers are small JSON documents: bound what is read. */
#define MAX_ANSWER_BYTES    (64 * 1024)
/* The protocol's limits on an offer. */
#define MAX_OFFER_FILES     100000
#define MAX_OFFER_BYTES     (16 * 1024 * 1024)

static void send_offer (SendJob *job);

static HallwayClient *
get_client (Transfer *t)
{
  return t->owner != NULL ? t->owner->client : NULL;
}

/* What the progress shows: bytes of files delivered, and of the one
 * being sent. */
void
_send_set_bytes (Transfer *t,
                 guint64   done_bytes,
                 guint64   current_bytes)
{
  t->done_bytes = done_bytes;
  t->current_bytes = current_bytes;
}

void
_send_job_free (SendJob *job)
{
  hallway_deadline_disarm (&job->deadline);
  g_clear_handle_id (&job->delay_id, g_source_remove);
  if (job->message != NULL)
    g_signal_handlers_disconnect_by_data (job->message, job);
  g_clear_object (&job->message);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->done, g_hash_table_unref);
  g_free (job->buffer);
  if (job->fd >= 0)
    close (job->fd);
  _transfer_unref (job->t);
  g_free (job);
}

gboolean
_send_job_is_current (SendJob *job)
{
  return _transfer_is_active (job->t, job->generation);
}

const char *
_send_peer_name (SendJob *job)
{
  return job->record->peer_name != NULL && *job->record->peer_name != '\0'
           ? job->record->peer_name : _("The colleague");
}

/* Ends the run with a failure in plain words. */
void
_send_job_fail (SendJob    *job,
                const char *message)
{
  _transfer_finish (job->t, "failed", message);
  _send_job_free (job);
}

/* Ends the run: the colleague can't be reached now; the engine retries. */
static void
job_wait (SendJob      *job,
          const GError *error)
{
  _transfer_network_error (job->t, error);
  _send_job_free (job);
}

void
_send_job_wait_literal (SendJob    *job,
                        const char *why)
{
  g_autoptr(GError) error = g_error_new_literal (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE, why);

  job_wait (job, error);
}

/* Requests: one at a time per run, with a bounded answer. */

static void
job_transport_error (SendJob *job,
                     GError  *error)
{
  const char *presented = job->message != NULL ? hallway_client_get_presented_id (job->message)
                                               : NULL;
  g_autoptr(GError) plain = NULL;

  if (job->changed)
    {
      _send_job_fail_changed (job, g_ptr_array_index (job->record->items, job->index));
      return;
    }
  if (presented != NULL && g_strcmp0 (presented, job->record->peer_id) != 0)
    {
      _send_job_fail (job, _("The other computer presents a different identity than the one it "
                             "announced; nothing was sent to it"));
      return;
    }
  if (hallway_deadline_expired (&job->deadline))
    plain = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         job->fd >= 0 ? _("no data for %u seconds")
                                      : _("no answer within %u seconds"),
                         job->fd >= 0 ? HALLWAY_TRANSFER_STALL_S : SEND_REQUEST_TIMEOUT_S);
  job_wait (job, plain != NULL ? plain : error);
}

static void
job_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SendJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize n_read = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n_read, &error))
    {
      if (!_send_job_is_current (job))
        _send_job_free (job);
      else
        job_transport_error (job, error);
      return;
    }
  if (!_send_job_is_current (job))
    {
      _send_job_free (job);
      return;
    }
  hallway_deadline_disarm (&job->deadline);
  if (n_read > MAX_ANSWER_BYTES)
    {
      _send_job_wait_literal (job, _("its answer was too large"));
      return;
    }
  body = g_bytes_new_take (g_steal_pointer (&job->buffer), n_read);
  job->answered (job, soup_message_get_status (job->message), body);
}

static void
job_sent_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SendJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = NULL;

  stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (!_send_job_is_current (job))
    {
      _send_job_free (job);
      return;
    }
  if (stream == NULL)
    {
      job_transport_error (job, error);
      return;
    }
  /* A kept-alive connection does not handshake again: check who answered. */
  if (!hallway_client_check_message (job->message, &error))
    {
      _send_job_fail (job, error->message);
      return;
    }
  if (job->fd >= 0)
    {
      /* The body went out; now only the answer is awaited. */
      close (job->fd);
      job->fd = -1;
      hallway_deadline_arm (&job->deadline, job->cancellable, SEND_REQUEST_TIMEOUT_S);
    }
  g_free (job->buffer);
  job->buffer = g_malloc (MAX_ANSWER_BYTES + 1);
  g_input_stream_read_all_async (stream, job->buffer, MAX_ANSWER_BYTES + 1, G_PRIORITY_DEFAULT,
                                 job->cancellable, job_read_cb, job);
}

SoupMessage *
_send_job_new_message (SendJob    *job,
                       const char *method,
                       const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  HallwayClient *client = get_client (job->t);
  guint16 port = 0;
  SoupMessage *message;

  if (client == NULL ||
      !_transfer_find_endpoint (job->t, &address, &port, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                     _("It is not on the network"));
      job_wait (job, error);
      return NULL;
    }
  message = hallway_client_new_message (client, method, address, port, path,
                                        job->record->peer_id, &error);
  if (message == NULL)
    {
      _send_job_fail (job, error->message);
      return NULL;
    }
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept",
                                "application/json");
  return message;
}

/* Sends @message (taken over); @answered gets its status and body. */
void
_send_job_request (SendJob     *job,
                   SoupMessage *message,
                   guint        timeout_s,
                   AnswerFunc   answered)
{
  HallwayClient *client = get_client (job->t);

  if (job->message != NULL)
    g_signal_handlers_disconnect_by_data (job->message, job);
  g_clear_object (&job->message);
  job->message = message;
  job->answered = answered;
  hallway_deadline_arm (&job->deadline, job->cancellable, timeout_s);
  soup_session_send_async (hallway_client_get_session (client), message, G_PRIORITY_DEFAULT,
                           job->cancellable, job_sent_cb, job);
}

char *
_send_drop_path (SendJob    *job,
                 const char *suffix)
{
  return g_strconcat ("/api/v1/drops/", job->record->offer_id, suffix, NULL);
}

/* Answers every step shares: the offer is gone, the colleague has no
 * room, the network or the other computer is in trouble. Returns TRUE
 * when it dealt with the answer (and the job). */
gboolean
_send_job_common_answer (SendJob *job,
                         guint    status,
                         GBytes  *body)
{
  g_autofree char *theirs = hallway_json_dup_message (body);
  g_autofree char *message = NULL;

  switch (status)
    {
    case SOUP_STATUS_NOT_FOUND:
      /* It no longer knows the offer (it restarted before anyone
       * answered): offer again. */
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "HALLWAY_PEER", job->record->peer_name,
                        "MESSAGE",
                        "Transfer %s: ‘%s’ no longer knows the offer; offering again",
                        job->record->id, job->record->peer_name);
      g_clear_pointer (&job->record->offer_id, g_free);
      g_array_set_size (job->record->accepted, 0);
      g_ptr_array_set_size (job->record->done, 0);
      job->record->files_done = 0;
      hallway_dbus_transfer1_set_destination (job->t->iface, "");
      _transfers_save (job->t->owner);
      send_offer (job);
      return TRUE;

    case SOUP_STATUS_GONE:
      /* Translators: %s is a colleague's name. */
      message = g_strdup_printf (_("%s cancelled."), _send_peer_name (job));
      _send_job_fail (job, message);
      return TRUE;

    case SOUP_STATUS_INSUFFICIENT_STORAGE:
      /* Translators: %s is a colleague's name. */
      message = g_strdup_printf (_("%s's computer does not have room for these files."),
                                 _send_peer_name (job));
      _send_job_fail (job, message);
      return TRUE;

    case SOUP_STATUS_FORBIDDEN:
      /* Translators: %s is a colleague's name. */
      message = g_strdup_printf (_("%s does not accept files."), _send_peer_name (job));
      _send_job_fail (job, message);
      return TRUE;

    case SOUP_STATUS_UNAUTHORIZED:
      _send_job_fail (job, theirs != NULL ? theirs
                                          : _("The other computer did not recognise this one"));
      return TRUE;

    case 429:   /* Too Many Requests */
      _send_job_wait_literal (job, _("it is busy with other offers"));
      return TRUE;

    default:
      if (status >= 500 && status != SOUP_STATUS_NOT_IMPLEMENTED)
        {
          /* Translators: %u is an HTTP status code, %s its reason. */
          message = g_strdup_printf (_("it answered “%u %s”"), status,
                                     soup_message_get_reason_phrase (job->message));
          _send_job_wait_literal (job, message);
          return TRUE;
        }
      return FALSE;
    }
}

void
_send_job_unexpected_answer (SendJob *job,
                             guint    status,
                             GBytes  *body)
{
  g_autofree char *theirs = hallway_json_dup_message (body);
  g_autofree char *message = NULL;

  if (theirs != NULL)
    /* Translators: %1$s is a colleague's name, %2$s their computer's reason. */
    message = g_strdup_printf (_("%1$s's computer refused the files: %2$s"), _send_peer_name (job),
                               theirs);
  else
    /* Translators: %1$s is a colleague's name, %2$u an HTTP status, %3$s its reason. */
    message = g_strdup_printf (_("%1$s's computer refused the files (%2$u %3$s)"),
                               _send_peer_name (job), status,
                               soup_message_get_reason_phrase (job->message));
  _send_job_fail (job, message);
}

/* The offer's state */

/* A set, not a scan of record->done: a folder may hold 100,000 files. */
gboolean
_send_is_done (SendJob *job,
               guint    index)
{
  return g_hash_table_contains (job->done, GUINT_TO_POINTER (index + 1));
}

static void
job_read_done (SendJob *job)
{
  g_hash_table_remove_all (job->done);
  for (guint i = 0; i < job->record->done->len; i++)
    {
      guint64 index;

      if (g_ascii_string_to_unsigned (g_ptr_array_index (job->record->done, i), 10, 0,
                                      G_MAXUINT - 1, &index, NULL))
        g_hash_table_add (job->done, GUINT_TO_POINTER ((guint) index + 1));
    }
}

/* The totals shown: what was offered until they answer, then what they took. */
static void
job_count (SendJob *job)
{
  HallwayTransferRecord *r = job->record;
  guint64 total = 0;
  guint files_done = 0;

  job_read_done (job);
  job->position = 0;
  job->done_bytes = 0;
  if (r->accepted->len == 0)
    {
      for (guint i = 0; i < r->items->len; i++)
        total += ((HallwayTransferItem *) g_ptr_array_index (r->items, i))->size;
      r->files = r->items->len;
    }
  else
    {
      for (guint i = 0; i < r->accepted->len; i++)
        {
          guint index = g_array_index (r->accepted, guint, i);
          const HallwayTransferItem *item = g_ptr_array_index (r->items, index);

          total += item->size;
          if (_send_is_done (job, index))
            {
              files_done++;
              job->done_bytes += item->size;
            }
        }
      r->files = r->accepted->len;
    }
  r->total = total;
  r->files_done = files_done;
  _send_set_bytes (job->t, job->done_bytes, 0);
}

/* Reads {"id", "state", "accepted", "expires", "message"}. */
static gboolean
parse_status (SendJob  *job,
              GBytes   *body,
              char    **out_id,
              char    **out_state,
              GArray  **out_accepted,
              char    **out_message)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GArray) accepted = g_array_new (FALSE, FALSE, sizeof (guint));
  JsonObject *object;
  JsonNode *node;
  const char *state;
  gsize length = 0;
  const char *data = g_bytes_get_data (body, &length);

  if (length == 0 || !json_parser_load_from_data (parser, data, length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;
  object = json_node_get_object (json_parser_get_root (parser));
  state = hallway_json_get_string (object, "state");
  if (state == NULL)
    return FALSE;

  /* Each file once, in the order they were offered. */
  node = json_object_get_member (object, "accepted");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) &&
      !hallway_json_get_indexes (node, job->record->items->len, accepted))
    return FALSE;

  if (out_id != NULL)
    *out_id = g_strdup (hallway_json_get_string (object, "id"));
  *out_state = g_strdup (state);
  *out_accepted = g_steal_pointer (&accepted);
  *out_message = g_strdup (hallway_json_get_string (object, "message"));
  return TRUE;
}

static int
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

static gboolean
poll_delayed_cb (gpointer user_data)
{
  SendJob *job = user_data;

  job->delay_id = 0;
  if (!_send_job_is_current (job))
    {
      _send_job_free (job);
      return G_SOURCE_REMOVE;
    }
  _send_poll (job, OFFER_WAIT_S);
  return G_SOURCE_REMOVE;
}

/* What to do with the offer's state, whoever told it. */
static void
job_handle_state (SendJob    *job,
                  const char *state,
                  GArray     *accepted,
                  const char *their_message)
{
  Transfer *t = job->t;
  g_autofree char *message = NULL;

  if (g_str_equal (state, "pending"))
    {
      if (!g_str_equal (t->state, "offered"))
        {
          _transfer_set_state (t, "offered", NULL);
          _transfers_save (t->owner);
        }
      /* A long-poll that came back at once (a short wait, or a receiver
       * that does not wait) is not repeated at once. */
      if (job->poll_started != 0 &&
          g_get_monotonic_time () - job->poll_started < G_USEC_PER_SEC)
        job->delay_id = g_timeout_add_seconds (1, poll_delayed_cb, job);
      else
        _send_poll (job, OFFER_WAIT_S);
      return;
    }
  if (g_str_equal (state, "accepted"))
    {
      if (accepted->len == 0)
        {
          _send_job_wait_literal (job, _("its answer could not be used to continue"));
          return;
        }
      g_array_sort (accepted, compare_uint);
      if (job->record->accepted->len != accepted->len ||
          memcmp (job->record->accepted->data, accepted->data,
                  accepted->len * sizeof (guint)) != 0)
        {
          g_array_set_size (job->record->accepted, 0);
          g_array_append_vals (job->record->accepted, accepted->data, accepted->len);
          _transfers_save (t->owner);
        }
      hallway_dbus_transfer1_set_destination (t->iface, job->record->peer_name);
      job_count (job);
      if (g_str_equal (t->state, "offered"))
        {
          /* Delivering takes a slot like any transfer: queue for one. */
          _transfer_requeue (t);
          _send_job_free (job);
          return;
        }
      _send_next_file (job);
      return;
    }
  if (g_str_equal (state, "done"))
    {
      job_count (job);
      job->record->files_done = job->record->files;
      _send_set_bytes (t, job->record->total, 0);
      _transfer_finish (t, "done", NULL);
      _send_job_free (job);
      return;
    }

  if (g_str_equal (state, "declined"))
    /* Translators: %s is a colleague's name. */
    message = g_strdup_printf (_("%s declined."), _send_peer_name (job));
  else if (g_str_equal (state, "expired"))
    /* Translators: %s is a colleague's name. */
    message = g_strdup_printf (_("%s did not answer in time."), _send_peer_name (job));
  else if (g_str_equal (state, "cancelled"))
    /* Translators: %s is a colleague's name. */
    message = g_strdup_printf (_("%s cancelled."), _send_peer_name (job));
  else if (g_str_equal (state, "failed") && their_message != NULL && *their_message != '\0' &&
           g_utf8_validate (their_message, -1, NULL) && strlen (their_message) < 1024)
    /* Translators: %1$s is a colleague's name, %2$s their computer's reason. */
    message = g_strdup_printf (_("Sending to %1$s failed: %2$s"), _send_peer_name (job),
                               their_message);
  else
    /* Translators: %s is a colleague's name. */
    message = g_strdup_printf (_("Sending to %s failed."), _send_peer_name (job));
  _send_job_fail (job, message);
}

static void
polled_cb (SendJob *job,
           guint    status,
           GBytes  *body)
{
  g_autofree char *state = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GArray) accepted = NULL;

  if (status != SOUP_STATUS_OK)
    {
      if (!_send_job_common_answer (job, status, body))
        _send_job_unexpected_answer (job, status, body);
      return;
    }
  if (!parse_status (job, body, NULL, &state, &accepted, &message))
    {
      _send_job_wait_literal (job, _("its answer could not be used to continue"));
      return;
    }
  job->t->failures = 0;
  job_handle_state (job, state, accepted, message);
}

/* Asks for the offer's state; @wait > 0 waits that long for a change. */
void
_send_poll (SendJob *job,
            guint    wait)
{
  g_autofree char *suffix = g_strdup_printf ("?wait=%u", wait);
  g_autofree char *path = _send_drop_path (job, suffix);
  SoupMessage *message;

  job->poll_started = wait > 0 ? g_get_monotonic_time () : 0;
  /* On failure this frees the job: don't touch it after. */
  message = _send_job_new_message (job, SOUP_METHOD_GET, path);
  if (message != NULL)
    _send_job_request (job, message, wait + SEND_REQUEST_TIMEOUT_S, polled_cb);
}

static void
offered_cb (SendJob *job,
            guint    status,
            GBytes  *body)
{
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GArray) accepted = NULL;

  if (status != SOUP_STATUS_ACCEPTED)
    {
      if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_METHOD_NOT_ALLOWED)
        {
          /* Translators: %s is a colleague's name. */
          message = g_strdup_printf (_("%s's Hallway cannot receive files; it may be too old"),
                                     _send_peer_name (job));
          _send_job_fail (job, message);
        }
      else if (!_send_job_common_answer (job, status, body))
        _send_job_unexpected_answer (job, status, body);
      return;
    }
  if (!parse_status (job, body, &id, &state, &accepted, &message) ||
      !hallway_transfer_offer_id_is_valid (id))
    {
      _send_job_wait_literal (job, _("its answer could not be used to continue"));
      return;
    }

  job->record->offer_id = g_steal_pointer (&id);
  g_array_set_size (job->record->accepted, 0);
  g_ptr_array_set_size (job->record->done, 0);
  job->t->failures = 0;
  _transfers_save (job->t->owner);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "HALLWAY_PEER", job->record->peer_name,
                    "MESSAGE", "Transfer %s: offered to ‘%s’, %s", job->record->id,
                    job->record->peer_name, state);
  job_handle_state (job, state, accepted, message);
}

static char *
offer_to_json (HallwayTransferRecord *record,
               gsize                 *out_length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint64 total = 0;

  json_builder_begin_object (builder);
  hallway_json_add_string (builder, "name", record->own_name != NULL ? record->own_name : "");
  hallway_json_begin_array_member (builder, "files");
  for (guint i = 0; i < record->items->len; i++)
    {
      const HallwayTransferItem *item = g_ptr_array_index (record->items, i);

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "path", item->path);
      hallway_json_add_int (builder, "size", item->size);
      json_builder_end_object (builder);
      total += item->size;
    }
  json_builder_end_array (builder);
  hallway_json_add_int (builder, "total", total);
  json_builder_end_object (builder);

  return hallway_json_to_data (builder, FALSE, out_length);
}

static void
send_offer (SendJob *job)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  SoupMessage *message;
  g_autoptr(GBytes) body = NULL;

  text = offer_to_json (job->record, &length);
  if (length > MAX_OFFER_BYTES)
    {
      _send_job_fail (job, _("Too many files to offer at once; send fewer, or a folder at a time"));
      return;
    }
  job_count (job);
  message = _send_job_new_message (job, SOUP_METHOD_POST, "/api/v1/drops");
  if (message == NULL)
    return;
  body = g_bytes_new_take (g_steal_pointer (&text), length);
  soup_message_set_request_body_from_bytes (message, "application/json", body);
  _send_job_request (job, message, SEND_REQUEST_TIMEOUT_S, offered_cb);
}

/* Walking the local files */

static void
walk_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GPtrArray *sources = task_data;
  g_autoptr(GPtrArray) items = NULL;

  items = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_transfer_item_free);

  for (guint i = 0; i < sources->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) walked = _transfer_walk (g_ptr_array_index (sources, i), &error);

      if (walked == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      for (guint j = 0; j < walked->len; j++)
        {
          const FileItem *w = g_ptr_array_index (walked, j);
          struct stat st;

          if (w->size < 0)
            continue;   /* folders: their files carry their paths */
          if (lstat (w->local_dir, &st) != 0 || !S_ISREG (st.st_mode))
            continue;   /* gone or replaced since the walk */
          if (items->len >= MAX_OFFER_FILES)
            {
              g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                                       _("Too many files to offer at once (at most %u); send "
                                         "fewer, or a folder at a time"), MAX_OFFER_FILES);
              return;
            }
          g_ptr_array_add (items,
                           hallway_transfer_item_new (w->rel, w->local_dir, st.st_size,
                                                      (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC +
                                                      st.st_mtim.tv_nsec / 1000));
        }
    }
  g_task_return_pointer (task, g_steal_pointer (&items), (GDestroyNotify) g_ptr_array_unref);
}

static void
walked_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SendJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_task_propagate_pointer (G_TASK (result), &error);

  if (!_send_job_is_current (job))
    {
      _send_job_free (job);
      return;
    }
  if (items == NULL)
    {
      _send_job_fail (job, error->message);
      return;
    }
  if (items->len == 0)
    {
      _send_job_fail (job, _("There is nothing to send: the folders are empty"));
      return;
    }
  g_ptr_array_extend_and_steal (job->record->items, g_steal_pointer (&items));
  _transfers_save (job->t->owner);
  send_offer (job);
}

/* The send kind */

/* Takes a send just set running where it is: walks and offers it, asks
 * for the answer, or delivers what was accepted. */
static void
send_run (Transfer *t)
{
  HallwayTransferRecord *record = t->record;
  SendJob *job = g_new0 (SendJob, 1);

  job->t = _transfer_ref (t);
  job->record = record;
  job->generation = t->generation;
  job->cancellable = g_object_ref (t->cancellable);
  job->fd = -1;
  job->done = g_hash_table_new (NULL, NULL);
  /* After a restart or an interruption, the first unfinished file may
   * have partly (or wholly) arrived. */
  job->head_needed = TRUE;

  if (record->items->len == 0)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, walked_cb, job);
      GPtrArray *sources = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < record->sources->len; i++)
        g_ptr_array_add (sources, g_strdup (g_ptr_array_index (record->sources, i)));
      g_task_set_source_tag (task, send_run);
      g_task_set_task_data (task, sources, (GDestroyNotify) g_ptr_array_unref);
      g_task_run_in_thread (task, walk_thread);
      return;
    }
  job_count (job);
  if (record->offer_id == NULL)
    send_offer (job);
  else
    _send_poll (job, 0);
}

/* Tells the colleague the send is cancelled (DELETE), so it stops asking
 * and drops what arrived. Best effort: an unreachable colleague's offer
 * expires, or fails the next time the sender is heard of. */
void
_send_cancel (Transfer *t)
{
  HallwayTransferRecord *record = t->record;
  HallwayClient *client = get_client (t);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *path = NULL;
  guint16 port = 0;
  SoupMessage *message;

  if (record->offer_id == NULL || client == NULL ||
      !_transfer_find_endpoint (t, &address, &port, &error))
    return;
  path = g_strconcat ("/api/v1/drops/", record->offer_id, NULL);
  message = hallway_client_new_message (client, SOUP_METHOD_DELETE, address, port, path,
                                        record->peer_id, NULL);
  if (message == NULL)
    return;
  _transfers_send_best_effort (t->owner, message, "that an offer was cancelled");
}

/* Local files, to a colleague: who receives them is only settled once
 * they accept. */
static void
send_describe (Transfer  *t,
               char     **out_path,
               char     **out_destination)
{
  const HallwayTransferRecord *record = t->record;

  *out_path = g_strdup (record->destination);
  *out_destination = g_strdup (record->accepted->len > 0 ? record->peer_name : "");
}

const TransferKind _transfer_kind_send = {
  .name = "send",
  .identity_in_doubt = N_("This computer's identity is in doubt; nothing is sent to it until "
                          "that is settled"),
  .run = send_run,
  .cancel = _send_cancel,
  .describe = send_describe,
};

/**
 * hallway_daemon_transfers_send:
 * @self: a #HallwayDaemonTransfers
 * @peer: a neighbour's device id or object path
 * @local_paths: local files or folders (absolute)
 * @own_name: the name this computer offers them under
 * @error: return location for a #GError
 *
 * Queues one send of all of @local_paths.
 *
 * Returns: (transfer full): the object path of the new transfer
 */
char *
hallway_daemon_transfers_send (HallwayDaemonTransfers  *self,
                               const char              *peer,
                               const char * const      *local_paths,
                               const char              *own_name,
                               GError                 **error)
{
  g_autoptr(HallwayTransferRecord) record = NULL;
  g_autoptr(GPtrArray) sources = NULL;
  g_autofree char *peer_id = NULL;
  g_autofree char *name = NULL;
  const char *path;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_TRANSFERS (self), NULL);

  if (!_transfers_find_peer (self, peer, &_transfer_kind_send, &peer_id, &name, error))
    return NULL;
  if (local_paths == NULL || local_paths[0] == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("Nothing to send was given"));
      return NULL;
    }
  /* Check every path before queueing anything. */
  sources = _transfers_check_local_paths (local_paths, error);
  if (sources == NULL)
    return NULL;

  record = hallway_transfer_record_new ();
  g_ptr_array_extend_and_steal (record->sources, g_steal_pointer (&sources));
  record->kind = g_strdup (_transfer_kind_send.name);
  record->peer_id = g_steal_pointer (&peer_id);
  record->peer_name = g_steal_pointer (&name);
  record->share_id = g_strdup ("");
  record->share_name = g_strdup ("");
  record->path = g_strdup ("");
  record->destination = g_strdup (g_ptr_array_index (record->sources, 0));
  record->own_name = g_strdup (own_name != NULL ? own_name : "");
  path = _transfers_add (self, g_steal_pointer (&record));
  _transfers_save (self);
  _transfers_schedule (self);
  return g_strdup (path);
}
