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
 * Content-Range from what a HEAD says arrived.
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
#include "hallway-daemon-transfers-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hallway-dbus.h"
#include "hallway-deadline.h"
#include "hallway-error.h"
#include "hallway-json.h"
#include "hallway-path.h"

/* How long one long-poll waits for the colleague (the protocol allows 60). */
#define OFFER_WAIT_S        25
/* Beyond that, how long an answer may take. */
#define REQUEST_TIMEOUT_S   20
/* Answers are small JSON documents: bound what is read. */
#define MAX_ANSWER_BYTES    (64 * 1024)
/* The protocol's limits on an offer. */
#define MAX_OFFER_FILES     100000
#define MAX_OFFER_BYTES     (16 * 1024 * 1024)
#define MAX_RECEIVED_DIGITS 19

typedef struct _SendJob SendJob;
typedef void (*AnswerFunc) (SendJob *job,
                            guint    status,
                            GBytes  *body);

/* One run of a send, from its start (or restart) until it waits, fails or
 * is done. Callbacks of an older run find themselves stale and stop. */
struct _SendJob
{
  Transfer              *t;            /* (owned) */
  HallwayTransferRecord *record;       /* (unowned) t's */
  guint                  generation;
  GCancellable          *cancellable;  /* (owned) the run's */
  SoupMessage           *message;      /* the request in flight */
  AnswerFunc             answered;
  HallwayDeadline        deadline;     /* the request in flight's */
  guint8                *buffer;
  gboolean               head_needed;  /* ask how much of the next file arrived */
  guint                  retries_416;
  guint                  conflicts;    /* 409s this run: "accepted" yet refused */
  /* The file being delivered. */
  guint                  index;
  gint64                 offset;
  gint64                 length;
  gint64                 sent;
  int                    fd;
  gboolean               changed;      /* the file changed on disk while being sent */
  guint64                done_bytes;
  GHashTable            *done;         /* indexes delivered, + 1 */
  guint                  position;     /* in record->accepted: those before are delivered */
  gint64                 poll_started;
  guint                  delay_id;
};

static void send_next_file (SendJob  *job);
static void send_offer     (SendJob  *job);
static void send_poll      (SendJob  *job,
                            guint     wait);
static void send_cancel    (Transfer *t);

static HallwayClient *
get_client (Transfer *t)
{
  return t->owner != NULL ? t->owner->client : NULL;
}

/* What the progress shows: bytes of files delivered, and of the one
 * being sent. */
static void
set_bytes (Transfer *t,
           guint64   done_bytes,
           guint64   current_bytes)
{
  t->done_bytes = done_bytes;
  t->current_bytes = current_bytes;
}

static void
job_free (SendJob *job)
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

static gboolean
job_is_current (SendJob *job)
{
  return _transfer_is_active (job->t, job->generation);
}

static const char *
peer_name (SendJob *job)
{
  return job->record->peer_name != NULL && *job->record->peer_name != '\0'
           ? job->record->peer_name : _("The colleague");
}

/* Ends the run with a failure in plain words. */
static void
job_fail (SendJob    *job,
          const char *message)
{
  _transfer_finish (job->t, "failed", message);
  job_free (job);
}

/* Ends the run: the colleague can't be reached now; the engine retries. */
static void
job_wait (SendJob      *job,
          const GError *error)
{
  _transfer_network_error (job->t, error);
  job_free (job);
}

static void
job_wait_literal (SendJob    *job,
                  const char *why)
{
  g_autoptr(GError) error = g_error_new_literal (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE, why);

  job_wait (job, error);
}

/* The colleague's own words from an error answer, if it gave any. */
static char *
dup_answer_message (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  if (length > 0 &&
      json_parser_load_from_data (parser, data, length, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));
      const char *text = hallway_json_get_string (object, "message");

      if (text != NULL && g_utf8_validate (text, -1, NULL) && strlen (text) < 1024)
        return g_strdup (text);
    }
  return NULL;
}

/* Requests: one at a time per run, with a bounded answer. */

static void job_fail_changed (SendJob                   *job,
                              const HallwayTransferItem *item);

static void
job_transport_error (SendJob *job,
                     GError  *error)
{
  const char *presented = job->message != NULL ? hallway_client_get_presented_id (job->message)
                                               : NULL;
  g_autoptr(GError) plain = NULL;

  if (job->changed)
    {
      job_fail_changed (job, g_ptr_array_index (job->record->items, job->index));
      return;
    }
  if (presented != NULL && g_strcmp0 (presented, job->record->peer_id) != 0)
    {
      job_fail (job, _("The other computer presents a different identity than the one it "
                       "announced; nothing was sent to it"));
      return;
    }
  if (hallway_deadline_expired (&job->deadline))
    plain = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         job->fd >= 0 ? _("no data for %u seconds")
                                      : _("no answer within %u seconds"),
                         job->fd >= 0 ? HALLWAY_TRANSFER_STALL_S : REQUEST_TIMEOUT_S);
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
      if (!job_is_current (job))
        job_free (job);
      else
        job_transport_error (job, error);
      return;
    }
  if (!job_is_current (job))
    {
      job_free (job);
      return;
    }
  hallway_deadline_disarm (&job->deadline);
  if (n_read > MAX_ANSWER_BYTES)
    {
      job_wait_literal (job, _("its answer was too large"));
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
  if (!job_is_current (job))
    {
      job_free (job);
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
      job_fail (job, error->message);
      return;
    }
  if (job->fd >= 0)
    {
      /* The body went out; now only the answer is awaited. */
      close (job->fd);
      job->fd = -1;
      hallway_deadline_arm (&job->deadline, job->cancellable, REQUEST_TIMEOUT_S);
    }
  g_free (job->buffer);
  job->buffer = g_malloc (MAX_ANSWER_BYTES + 1);
  g_input_stream_read_all_async (stream, job->buffer, MAX_ANSWER_BYTES + 1, G_PRIORITY_DEFAULT,
                                 job->cancellable, job_read_cb, job);
}

static SoupMessage *
job_new_message (SendJob    *job,
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
      job_fail (job, error->message);
      return NULL;
    }
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept",
                                "application/json");
  return message;
}

/* Sends @message (taken over); @answered gets its status and body. */
static void
job_request (SendJob     *job,
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

static char *
drop_path (SendJob    *job,
           const char *suffix)
{
  return g_strconcat ("/api/v1/drops/", job->record->offer_id, suffix, NULL);
}

/* Answers every step shares: the offer is gone, the colleague has no
 * room, the network or the other computer is in trouble. Returns TRUE
 * when it dealt with the answer (and the job). */
static gboolean
job_common_answer (SendJob *job,
                   guint    status,
                   GBytes  *body)
{
  g_autofree char *theirs = dup_answer_message (body);
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
      message = g_strdup_printf (_("%s cancelled."), peer_name (job));
      job_fail (job, message);
      return TRUE;

    case SOUP_STATUS_INSUFFICIENT_STORAGE:
      /* Translators: %s is a colleague's name. */
      message = g_strdup_printf (_("%s's computer does not have room for these files."),
                                 peer_name (job));
      job_fail (job, message);
      return TRUE;

    case SOUP_STATUS_FORBIDDEN:
      /* Translators: %s is a colleague's name. */
      message = g_strdup_printf (_("%s does not accept files."), peer_name (job));
      job_fail (job, message);
      return TRUE;

    case SOUP_STATUS_UNAUTHORIZED:
      job_fail (job, theirs != NULL ? theirs
                                    : _("The other computer did not recognise this one"));
      return TRUE;

    case 429:   /* Too Many Requests */
      job_wait_literal (job, _("it is busy with other offers"));
      return TRUE;

    default:
      if (status >= 500 && status != SOUP_STATUS_NOT_IMPLEMENTED)
        {
          /* Translators: %u is an HTTP status code, %s its reason. */
          message = g_strdup_printf (_("it answered “%u %s”"), status,
                                     soup_message_get_reason_phrase (job->message));
          job_wait_literal (job, message);
          return TRUE;
        }
      return FALSE;
    }
}

static void
job_unexpected_answer (SendJob *job,
                       guint    status,
                       GBytes  *body)
{
  g_autofree char *theirs = dup_answer_message (body);
  g_autofree char *message = NULL;

  if (theirs != NULL)
    /* Translators: %1$s is a colleague's name, %2$s their computer's reason. */
    message = g_strdup_printf (_("%1$s's computer refused the files: %2$s"), peer_name (job),
                               theirs);
  else
    /* Translators: %1$s is a colleague's name, %2$u an HTTP status, %3$s its reason. */
    message = g_strdup_printf (_("%1$s's computer refused the files (%2$u %3$s)"),
                               peer_name (job), status,
                               soup_message_get_reason_phrase (job->message));
  job_fail (job, message);
}

/* The offer's state */

/* A set, not a scan of record->done: a folder may hold 100,000 files. */
static gboolean
is_done (SendJob *job,
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
          if (is_done (job, index))
            {
              files_done++;
              job->done_bytes += item->size;
            }
        }
      r->files = r->accepted->len;
    }
  r->total = total;
  r->files_done = files_done;
  set_bytes (job->t, job->done_bytes, 0);
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
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
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

  node = json_object_get_member (object, "accepted");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          gint64 index;
          guint value;

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_INT64)
            return FALSE;
          index = json_node_get_int (element);
          if (index < 0 || index >= job->record->items->len)
            return FALSE;
          value = index;
          /* Each file once, in the order they were offered. */
          if (g_hash_table_add (seen, GUINT_TO_POINTER (value + 1)))
            g_array_append_val (accepted, value);
        }
    }

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
  if (!job_is_current (job))
    {
      job_free (job);
      return G_SOURCE_REMOVE;
    }
  send_poll (job, OFFER_WAIT_S);
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
        send_poll (job, OFFER_WAIT_S);
      return;
    }
  if (g_str_equal (state, "accepted"))
    {
      if (accepted->len == 0)
        {
          job_wait_literal (job, _("its answer could not be used to continue"));
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
          job_free (job);
          return;
        }
      send_next_file (job);
      return;
    }
  if (g_str_equal (state, "done"))
    {
      job_count (job);
      job->record->files_done = job->record->files;
      set_bytes (t, job->record->total, 0);
      _transfer_finish (t, "done", NULL);
      job_free (job);
      return;
    }

  if (g_str_equal (state, "declined"))
    /* Translators: %s is a colleague's name. */
    message = g_strdup_printf (_("%s declined."), peer_name (job));
  else if (g_str_equal (state, "expired"))
    /* Translators: %s is a colleague's name. */
    message = g_strdup_printf (_("%s did not answer in time."), peer_name (job));
  else if (g_str_equal (state, "cancelled"))
    /* Translators: %s is a colleague's name. */
    message = g_strdup_printf (_("%s cancelled."), peer_name (job));
  else if (g_str_equal (state, "failed") && their_message != NULL && *their_message != '\0' &&
           g_utf8_validate (their_message, -1, NULL) && strlen (their_message) < 1024)
    /* Translators: %1$s is a colleague's name, %2$s their computer's reason. */
    message = g_strdup_printf (_("Sending to %1$s failed: %2$s"), peer_name (job),
                               their_message);
  else
    /* Translators: %s is a colleague's name. */
    message = g_strdup_printf (_("Sending to %s failed."), peer_name (job));
  job_fail (job, message);
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
      if (!job_common_answer (job, status, body))
        job_unexpected_answer (job, status, body);
      return;
    }
  if (!parse_status (job, body, NULL, &state, &accepted, &message))
    {
      job_wait_literal (job, _("its answer could not be used to continue"));
      return;
    }
  job->t->failures = 0;
  job_handle_state (job, state, accepted, message);
}

/* Asks for the offer's state; @wait > 0 waits that long for a change. */
static void
send_poll (SendJob *job,
           guint    wait)
{
  g_autofree char *suffix = g_strdup_printf ("?wait=%u", wait);
  g_autofree char *path = drop_path (job, suffix);
  SoupMessage *message;

  job->poll_started = wait > 0 ? g_get_monotonic_time () : 0;
  /* On failure this frees the job: don't touch it after. */
  message = job_new_message (job, SOUP_METHOD_GET, path);
  if (message != NULL)
    job_request (job, message, wait + REQUEST_TIMEOUT_S, polled_cb);
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
                                     peer_name (job));
          job_fail (job, message);
        }
      else if (!job_common_answer (job, status, body))
        job_unexpected_answer (job, status, body);
      return;
    }
  if (!parse_status (job, body, &id, &state, &accepted, &message) ||
      !hallway_transfer_offer_id_is_valid (id))
    {
      job_wait_literal (job, _("its answer could not be used to continue"));
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
      job_fail (job, _("Too many files to offer at once; send fewer, or a folder at a time"));
      return;
    }
  job_count (job);
  message = job_new_message (job, SOUP_METHOD_POST, "/api/v1/drops");
  if (message == NULL)
    return;
  body = g_bytes_new_take (g_steal_pointer (&text), length);
  soup_message_set_request_body_from_bytes (message, "application/json", body);
  job_request (job, message, REQUEST_TIMEOUT_S, offered_cb);
}

/* Delivering the accepted files */

/* A 409 means the file is not (or no longer) accepted: ask for the
 * offer's state. A receiver that says "accepted" yet keeps refusing is
 * not asked in a loop. */
static void
send_poll_after_conflict (SendJob *job)
{
  if (job->conflicts++ >= 2)
    {
      job_wait_literal (job, _("it does not take the files it accepted"));
      return;
    }
  send_poll (job, 0);
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

static void
job_fail_changed (SendJob                   *job,
                  const HallwayTransferItem *item)
{
  g_autofree char *message = NULL;

  /* What arrived of it is of an older version: have the colleague drop it. */
  send_cancel (job->t);
  /* Translators: %s is a file. */
  message = g_strdup_printf (_("“%s” changed or was removed since it was offered; send it "
                               "again"), item->path);
  job_fail (job, message);
}

static void
mark_done (SendJob *job)
{
  const HallwayTransferItem *item = g_ptr_array_index (job->record->items, job->index);

  g_ptr_array_add (job->record->done, g_strdup_printf ("%u", job->index));
  g_hash_table_add (job->done, GUINT_TO_POINTER (job->index + 1));
  job->record->files_done++;
  job->done_bytes += item->size;
  set_bytes (job->t, job->done_bytes, 0);
  _transfers_save_soon (job->t->owner);
}

static void
wrote_body_data_cb (SoupMessage *message,
                    guint        chunk_size,
                    SendJob     *job)
{
  const HallwayTransferItem *item;

  if (!job_is_current (job) || job->fd < 0)
    return;
  item = g_ptr_array_index (job->record->items, job->index);
  job->sent += chunk_size;
  set_bytes (job->t, job->done_bytes,
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
      send_next_file (job);
      return;

    case SOUP_STATUS_OK:
      /* The body ended short of the file: ask where to go on. */
      job->head_needed = TRUE;
      job_wait_literal (job, _("the file arrived only in part"));
      return;

    case SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE:
      /* It holds a different amount than asked about: go on from there. */
      if (job->retries_416++ < 2 && parse_received (job->message, item->size, &received))
        {
          job->offset = received;
          send_put (job);
        }
      else
        job_wait_literal (job, _("its answer could not be used to continue"));
      return;

    case SOUP_STATUS_CONFLICT:
      /* Not accepted (any more): the offer's state says what happened. */
      send_poll_after_conflict (job);
      return;

    default:
      if (!job_common_answer (job, status, body))
        job_unexpected_answer (job, status, body);
      return;
    }
}

/* PUTs the rest of the current file from job->offset. */
static void
send_put (SendJob *job)
{
  const HallwayTransferItem *item = g_ptr_array_index (job->record->items, job->index);
  g_autofree char *suffix = g_strdup_printf ("/files/%u", job->index);
  g_autofree char *path = drop_path (job, suffix);
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
          job_fail_changed (job, item);
          return;
        }
      /* Translators: %1$s is a file, %2$s the system's reason. */
      text = g_strdup_printf (_("Could not read “%1$s”: %2$s"), item->local,
                              g_strerror (saved_errno));
      job_fail (job, text);
      return;
    }
  if (!file_is_unchanged (fd, item))
    {
      close (fd);
      job_fail_changed (job, item);
      return;
    }
  if (job->offset > 0 && lseek (fd, job->offset, SEEK_SET) != job->offset)
    {
      close (fd);
      job_fail_changed (job, item);
      return;
    }

  message = job_new_message (job, SOUP_METHOD_PUT, path);
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
  set_bytes (job->t, job->done_bytes, job->offset);
  job_request (job, message, HALLWAY_TRANSFER_STALL_S, put_answered_cb);
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
      if (!job_common_answer (job, status, body))
        job_unexpected_answer (job, status, body);
      return;
    }
  if (!parse_received (job->message, item->size, &received))
    {
      job_wait_literal (job, _("its answer could not be used to continue"));
      return;
    }
  if ((guint64) received == item->size)
    {
      /* It had arrived whole before the interruption. */
      mark_done (job);
      send_next_file (job);
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

static void
send_next_file (SendJob *job)
{
  HallwayTransferRecord *r = job->record;

  for (; job->position < r->accepted->len; job->position++)
    {
      guint index = g_array_index (r->accepted, guint, job->position);
      g_autofree char *suffix = NULL;
      g_autofree char *path = NULL;
      SoupMessage *message;

      if (is_done (job, index))
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
      path = drop_path (job, suffix);
      message = job_new_message (job, SOUP_METHOD_HEAD, path);
      if (message != NULL)
        job_request (job, message, REQUEST_TIMEOUT_S, head_answered_cb);
      return;
    }

  /* Every accepted file is there; the colleague's side says "done". */
  set_bytes (job->t, job->done_bytes, 0);
  _transfer_finish (job->t, "done", NULL);
  job_free (job);
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

  if (!job_is_current (job))
    {
      job_free (job);
      return;
    }
  if (items == NULL)
    {
      job_fail (job, error->message);
      return;
    }
  if (items->len == 0)
    {
      job_fail (job, _("There is nothing to send: the folders are empty"));
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
    send_poll (job, 0);
}

static void
deleted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SoupMessage) message = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);

  if (body == NULL)
    g_debug ("Could not tell a colleague that an offer was cancelled: %s", error->message);
  else
    g_debug ("Cancelled an offer: %u", soup_message_get_status (message));
}

/* Tells the colleague the send is cancelled (DELETE), so it stops asking
 * and drops what arrived. Best effort: an unreachable colleague's offer
 * expires, or fails the next time the sender is heard of. */
static void
send_cancel (Transfer *t)
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
  soup_session_send_and_read_async (hallway_client_get_session (client), message,
                                    G_PRIORITY_DEFAULT, NULL, deleted_cb, message);
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
  .cancel = send_cancel,
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
