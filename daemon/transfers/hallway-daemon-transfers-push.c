/* hallway-daemon-transfers-push.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Upload streams: an upload sends its whole tree in one request, "PUT
 * /shares/<id>/<folder>/?push=<push-id>" with a folder stream for body
 * (daemon/webdav/hallway-daemon-webdav-push.c receives it), rather than a
 * MKCOL or PUT per item. The push id (32 hex digits, saved with the
 * upload) stays the same across attempts: before each one, "GET
 * <folder>/?push=<push-id>" says whether the neighbour takes upload
 * streams at all (Hallway-Push: 1) and the last file an earlier attempt
 * placed there (Hallway-Push-Placed). Files up to that name in bulk
 * order are done; the stream carries the rest, from the first file that
 * had not arrived. The files are read in a worker thread in large blocks
 * (share/hallway-bulk-source.c).
 *
 * A neighbour without upload streams, or a tree with a name a stream
 * cannot carry, goes one request per item (hallway-daemon-transfers-
 * upload.c). A file that changes while it is read ends the stream without
 * its end record (the neighbour drops that file): the upload walks the
 * tree again and continues.
 */
#include "config.h"

#include "hallway-daemon-transfers-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hallway-bulk.h"
#include "hallway-bulk-source.h"
#include "hallway-deadline.h"
#include "hallway-error.h"
#include "hallway-path.h"

#define PUSH_MAX_CHANGES  3     /* walks again in a row, for files that keep changing */

typedef struct
{
  Transfer          *t;            /* (owned) */
  guint              generation;
  SoupMessage       *message;
  GCancellable      *cancellable;
  HallwayDeadline    stall;
  HallwayBulkSource *source;       /* (nullable) the stream's body */
  GPtrArray         *items;        /* (unowned) FileItem: the files in the stream */
  guint64            size;         /* of the stream */
  guint64            sent;
} Push;

static void
push_free (Push *push)
{
  hallway_deadline_disarm (&push->stall);
  if (push->message != NULL)
    g_signal_handlers_disconnect_by_data (push->message, push);
  g_clear_object (&push->message);
  g_clear_object (&push->cancellable);
  g_clear_object (&push->source);
  g_clear_pointer (&push->items, g_ptr_array_unref);
  _transfer_unref (push->t);
  g_free (push);
}

/* The folder the upload goes into, with the upload's push id. */
static char *
push_uri (Transfer *t)
{
  g_auto(GStrv) remote = _transfer_split_path (t->record->path);
  g_autofree char *prefix = g_strdup_printf ("/shares/%s", t->record->share_id);
  g_autofree char *href = hallway_path_join_href (prefix, (const char * const *) remote, TRUE);

  return g_strconcat (href, "?push=", t->record->offer_id, NULL);
}

/* The folder the upload goes into, asked about or pushed to. */
static SoupMessage *
push_message (Push       *push,
              const char *method)
{
  Transfer *t = push->t;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *uri = push_uri (t);
  SoupMessage *message;
  guint16 port = 0;

  if (!_transfer_get_endpoint (t, &address, &port))
    return NULL;
  message = hallway_client_new_message (t->owner->client, method, address, port, uri,
                                        t->record->peer_id, &error);
  if (message == NULL)
    _transfer_fail (t, error->message);
  return message;
}

/* Common to both answers: FALSE when the attempt ended here. */
static gboolean
push_check_answer (Push          *push,
                   GBytes        *body,
                   GError        *error)
{
  Transfer *t = push->t;
  g_autoptr(GError) check_error = NULL;

  if (body == NULL)
    {
      g_autoptr(GError) stalled = NULL;

      if (hallway_deadline_expired (&push->stall))
        stalled = _transfer_stall_error_new ();
      _transfer_network_error (t, stalled != NULL ? stalled : error);
      return FALSE;
    }
  if (!hallway_client_check_message (push->message, &check_error))
    {
      _transfer_fail (t, check_error->message);
      return FALSE;
    }
  return TRUE;
}

/* The neighbour's refusal of the whole upload, in its words. */
static void
push_refused (Push   *push,
              GBytes *body)
{
  guint status = soup_message_get_status (push->message);

  if (status >= 500 && status != SOUP_STATUS_INSUFFICIENT_STORAGE &&
      status != SOUP_STATUS_NOT_IMPLEMENTED)
    {
      g_autoptr(GError) error = g_error_new (HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                             _("it answered “%u %s”"), status,
                                             soup_message_get_reason_phrase (push->message));
      _transfer_network_error (push->t, error);
    }
  else
    {
      g_autofree char *why = _transfer_dup_refusal (push->message, body);

      _transfer_fail (push->t, why);
    }
}

static void
wrote_body_data_cb (SoupMessage *message,
                    guint        chunk_size,
                    Push        *push)
{
  if (!_transfer_is_current (push->t, push->generation))
    return;
  push->sent += chunk_size;
  /* Headers and names are a little of it: close enough for progress. */
  push->t->current_bytes = MIN (push->sent, push->size);
  push->t->failures = 0;
  hallway_deadline_arm (&push->stall, push->cancellable, HALLWAY_TRANSFER_STALL_S);
}

/* Sends the request; @callback gets it back. */
static void
push_send (Push                *push,
           GAsyncReadyCallback  callback)
{
  hallway_deadline_arm (&push->stall, push->cancellable, HALLWAY_TRANSFER_STALL_S);
  soup_session_send_and_read_async (hallway_client_get_session (push->t->owner->client),
                                    push->message, G_PRIORITY_DEFAULT, push->cancellable,
                                    callback, push);
}

/* The answer to push_send(); FALSE (and @push freed) when the attempt it
 * belongs to is over. */
static gboolean
push_received (Push          *push,
               GAsyncResult  *result,
               GBytes       **out_body,
               GError       **error)
{
  *out_body = soup_session_send_and_read_finish (hallway_client_get_session (
                                                   push->t->owner->client),
                                                 result, error);
  hallway_deadline_disarm (&push->stall);
  if (!_transfer_is_current (push->t, push->generation))
    {
      push_free (push);
      return FALSE;
    }
  return TRUE;
}

static void
pushed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Push *push = user_data;
  Transfer *t = push->t;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  const char *changed;

  if (!push_received (push, result, &body, &error))
    return;
  t->current_bytes = 0;

  changed = hallway_bulk_source_get_changed (push->source);
  if (body == NULL && changed != NULL && !g_cancellable_is_cancelled (push->cancellable))
    {
      /* The stream stopped before the file that changed: walk again. */
      if (++t->push_changes > PUSH_MAX_CHANGES)
        {
          /* Translators: %s is a file. */
          g_autofree char *message = g_strdup_printf (_("“%s” keeps changing while it is "
                                                        "sent; send it when it is finished"),
                                                      changed);
          _transfer_fail (t, message);
        }
      else
        {
          _transfer_log (t, G_LOG_LEVEL_DEBUG, error->message);
          _transfer_requeue (t);
        }
      push_free (push);
      return;
    }
  if (!push_check_answer (push, body, error))
    {
      push_free (push);
      return;
    }
  if (soup_message_get_status (push->message) != SOUP_STATUS_CREATED)
    {
      push_refused (push, body);
      push_free (push);
      return;
    }

  for (guint i = 0; i < push->items->len; i++)
    {
      FileItem *item = g_ptr_array_index (push->items, i);

      _transfer_upload_mark_done (t, item, item->size);
    }
  t->push_changes = 0;
  _transfers_save (t->owner);
  g_clear_pointer (&t->record->current, g_free);
  _transfer_finish (t, "done", NULL);
  push_free (push);
}

static int
compare_items (gconstpointer a,
               gconstpointer b)
{
  const FileItem *x = *(const FileItem * const *) a;
  const FileItem *y = *(const FileItem * const *) b;

  return hallway_bulk_name_compare (x->rel, y->rel);
}

/* Sends everything after @placed (nullable) in one stream. */
static void
push_stream (Push       *push,
             const char *placed)
{
  Transfer *t = push->t;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) ordered = NULL;
  g_autofree char *bytes_text = NULL;
  guint64 bytes = 0;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_bulk_source_item_free);
  push->items = g_ptr_array_new ();
  /* A stream's records come in bulk order, whatever order the walk gave. */
  ordered = g_ptr_array_sized_new (t->files->len);
  for (guint i = 0; i < t->files->len; i++)
    g_ptr_array_add (ordered, g_ptr_array_index (t->files, i));
  g_ptr_array_sort (ordered, compare_items);
  for (guint i = 0; i < ordered->len; i++)
    {
      FileItem *item = g_ptr_array_index (ordered, i);
      HallwayBulkSourceItem *record;

      if (placed != NULL && hallway_bulk_name_compare (item->rel, placed) <= 0)
        {
          /* An earlier attempt placed it. */
          if (item->size >= 0 && !g_hash_table_contains (t->done, item->rel))
            _transfer_upload_mark_done (t, item, item->size);
          continue;
        }
      if (item->size >= 0 && g_hash_table_contains (t->done, item->rel))
        continue;
      record = g_new0 (HallwayBulkSourceItem, 1);
      record->name = g_strdup (item->rel);
      record->path = g_strdup (item->local_dir);
      record->size = item->size;
      g_ptr_array_add (records, record);
      if (item->size >= 0)
        {
          g_ptr_array_add (push->items, item);
          bytes += item->size;
        }
    }
  if (placed != NULL)
    _transfers_save (t->owner);
  if (push->items->len == 0)
    {
      /* Every file is there (folders too: they come before their files). */
      g_clear_pointer (&t->record->current, g_free);
      _transfer_finish (t, "done", NULL);
      push_free (push);
      return;
    }

  g_clear_object (&push->message);
  push->message = push_message (push, SOUP_METHOD_PUT);
  if (push->message == NULL)
    {
      push_free (push);
      return;
    }
  push->source = hallway_bulk_source_new (g_steal_pointer (&records));
  push->size = hallway_bulk_source_get_length (push->source);
  push->sent = 0;
  bytes_text = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
  soup_message_headers_replace (soup_message_get_request_headers (push->message),
                                "Hallway-Push-Bytes", bytes_text);
  soup_message_set_request_body (push->message, HALLWAY_BULK_CONTENT_TYPE,
                                 G_INPUT_STREAM (push->source), push->size);
  g_signal_connect (push->message, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), push);
  {
    g_autofree char *text = g_strdup_printf ("%u files in one upload stream", push->items->len);

    _transfer_log (t, G_LOG_LEVEL_DEBUG, text);
  }

  push_send (push, pushed_cb);
}

static void
probed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Push *push = user_data;
  Transfer *t = push->t;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupMessageHeaders *headers;
  g_autofree char *placed = NULL;
  const char *escaped;
  guint status;

  if (!push_received (push, result, &body, &error))
    return;
  if (!push_check_answer (push, body, error))
    {
      push_free (push);
      return;
    }

  status = soup_message_get_status (push->message);
  headers = soup_message_get_response_headers (push->message);
  if (status == SOUP_STATUS_OK &&
      g_strcmp0 (soup_message_headers_get_one (headers, "Hallway-Push"), "1") == 0)
    {
      escaped = soup_message_headers_get_one (headers, "Hallway-Push-Placed");
      if (escaped != NULL)
        placed = g_uri_unescape_string (escaped, NULL);
      if (placed != NULL && !hallway_bulk_name_is_valid (placed))
        g_clear_pointer (&placed, g_free);
      push_stream (push, placed);
      return;
    }
  if (status == SOUP_STATUS_OK || status == SOUP_STATUS_METHOD_NOT_ALLOWED ||
      status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_NOT_IMPLEMENTED)
    {
      /* An older Hallway, or another server: one request per item. */
      _transfer_log (t, G_LOG_LEVEL_DEBUG, "no upload streams there; one file at a time");
      t->push_refused = TRUE;
      push_free (push);
      _transfer_upload_next (t);
      return;
    }
  push_refused (push, body);
  push_free (push);
}

/**
 * _transfer_push_cancel:
 * @t: an upload the person cancelled
 *
 * Tells the neighbour to forget where the upload's streams stopped
 * (Hallway-Push-End: cancel), so nothing of it stays there but the files
 * placed. Best effort: an empty PUT to the folder, which a server without
 * upload streams refuses (a folder cannot be replaced by a file).
 */
void
_transfer_push_cancel (Transfer *t)
{
  HallwayClient *client = t->owner != NULL ? t->owner->client : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *uri = NULL;
  SoupMessage *message;
  guint16 port = 0;

  if (t->push_refused || !hallway_transfer_offer_id_is_valid (t->record->offer_id) ||
      client == NULL || !_transfer_find_endpoint (t, &address, &port, &error))
    return;
  uri = push_uri (t);
  message = hallway_client_new_message (client, SOUP_METHOD_PUT, address, port, uri,
                                        t->record->peer_id, NULL);
  if (message == NULL)
    return;
  soup_message_headers_replace (soup_message_get_request_headers (message), "Hallway-Push-End",
                                "cancel");
  _transfers_send_best_effort (t->owner, message, "that an upload was cancelled");
}

/**
 * _transfer_try_push:
 * @t: an upload, walked
 *
 * Sends what is not there yet in one upload stream.
 *
 * Returns: FALSE when this upload goes one request per item instead
 */
gboolean
_transfer_try_push (Transfer *t)
{
  Push *push;

  if (t->owner == NULL || t->push_refused)
    return FALSE;
  for (guint i = 0; i < t->files->len; i++)
    {
      const FileItem *item = g_ptr_array_index (t->files, i);

      if (!hallway_bulk_name_is_valid (item->rel))
        return FALSE;   /* the neighbour says what is wrong with it, one by one */
    }

  if (!hallway_transfer_offer_id_is_valid (t->record->offer_id))
    {
      g_autofree char *uuid = g_uuid_string_random ();
      GString *id = g_string_new (NULL);

      for (const char *p = uuid; *p != '\0'; p++)
        if (*p != '-')
          g_string_append_c (id, g_ascii_tolower (*p));
      g_free (t->record->offer_id);
      t->record->offer_id = g_string_free (id, FALSE);
      _transfers_save (t->owner);
    }

  push = g_new0 (Push, 1);
  push->t = _transfer_ref (t);
  push->generation = t->generation;
  push->cancellable = g_object_ref (t->cancellable);
  push->message = push_message (push, SOUP_METHOD_GET);
  if (push->message == NULL)
    {
      push_free (push);
      return TRUE;
    }
  push_send (push, probed_cb);
  return TRUE;
}
