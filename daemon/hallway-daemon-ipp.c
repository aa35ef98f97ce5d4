/* hallway-daemon-ipp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The printer gateway: a plain-HTTP listener (DESIGN §4) that serves IPP
 * only, for the printers this person shares, at /ipp/print/<id>. Each
 * request is checked and rewritten (share/hallway-ipp.c) and forwarded to
 * the local cupsd with "Host: localhost", which is the only Host cupsd
 * accepts from a loopback peer.
 *
 * Who is asking: the listener is plain HTTP, so there is no certificate to
 * tell. A connection is identified by its source address: an address a
 * known neighbour was seen at stands for that neighbour (its jobs carry its
 * display name), any other allowed address is a guest keyed by the address
 * itself ("guest-10.0.0.7"). Job ownership is kept here, per key, for the
 * jobs created through the gateway: a colleague sees, and may cancel, only
 * those. Sources outside the local network (not private, link-local or
 * loopback) are refused.
 *
 * cupsd is never waited for on the main loop: each request is served in a
 * bounded pool of worker threads, each with its own connection to cupsd.
 * Workers share only the locked tables in Shared.
 *
 * A worker is only given a connection whose request headers have all
 * arrived: connections are accepted by HallwayDaemonAcceptor, within its
 * limits per address and in all (the same rules as the HTTPS listener),
 * and wait on the main loop, without a thread, for the blank line that
 * ends the headers (peeked at, so libcups still reads them from the
 * socket), within HALLWAY_IPP_HEADERS_TIMEOUT_S. Between two requests a
 * kept-alive connection waits there again, KEEP_ALIVE_S at most. So slow
 * or silent connections never hold a worker, and the gateway stays
 * reachable while they wait to be closed.
 */
#include "config.h"

#include "hallway-daemon-ipp.h"
#include "hallwayd-resources.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <glib-unix.h>
#include <cups/cups.h>

#include "hallway-constants.h"
#include "hallway-daemon-acceptor.h"
#include "hallway-error.h"
#include "hallway-ipp.h"
#include "hallway-netinfo.h"

#define RESOURCE_PREFIX "/ipp/print/"
#define PRINTER_ICON_RESOURCE "/io/github/hallwaylan/Hallway/daemon/printer-icon.png"
/* Refused requests' document data is read and dropped up to this much, so
 * the client gets the answer; beyond it the connection is closed. */
#define MAX_DRAIN_BYTES (1024 * 1024)
#define MAX_REQUESTS_PER_CONNECTION 1000
/* How long an idle kept-alive connection is kept. */
#define KEEP_ALIVE_S 5
/* Request headers longer than this are refused. */
#define MAX_HEADER_BYTES 16384

typedef struct
{
  GMutex      lock;
  GHashTable *printers;   /* id → queue */
  GHashTable *jobs;       /* peer key → GHashTable (job id → the user name the client gave) */
  GHashTable *rates;      /* peer key → RateWindow */
  guint64     max_document;
} Shared;

typedef struct
{
  gint64 start;   /* monotonic µs */
  guint  count;
} RateWindow;

typedef struct
{
  Shared            *shared;
  HallwayDaemonIpp  *gateway;   /* (unowned) only used while its acceptor runs */
  HallwayDaemonSlot *slot;      /* (owned) */
  http_t            *http;
  char              *key;
  char              *user;
  char              *address;
  const char        *only_user; /* (nullable) Get-Jobs my-jobs: the client's user name */
  guint              watch_id;  /* waiting for a request on the main loop */
  gsize              peeked;    /* bytes of it seen so far */
  guint              n_served;
  gboolean           keep;      /* the last request left the connection usable */
} Conn;

struct _HallwayDaemonIpp
{
  GObject                       parent_instance;

  Shared                       *shared;    /* (owned) */
  GSocket                      *socket;    /* (owned) (nullable) */
  HallwayDaemonAcceptor        *acceptor;  /* (owned) */
  GThreadPool                  *pool;
  guint16                       port;
  HallwayDaemonIppIdentifyFunc  identify;
  gpointer                      identify_data;
};

G_DEFINE_FINAL_TYPE (HallwayDaemonIpp, hallway_daemon_ipp, G_TYPE_OBJECT)

static void
shared_clear (gpointer data)
{
  Shared *shared = data;

  g_mutex_clear (&shared->lock);
  g_hash_table_unref (shared->printers);
  g_hash_table_unref (shared->jobs);
  g_hash_table_unref (shared->rates);
}

static Shared *
shared_new (void)
{
  Shared *shared = g_atomic_rc_box_new0 (Shared);

  g_mutex_init (&shared->lock);
  shared->printers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  shared->jobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_hash_table_unref);
  shared->rates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  shared->max_document = HALLWAY_IPP_MAX_DOCUMENT_BYTES;
  return shared;
}

static void
shared_unref (Shared *shared)
{
  g_atomic_rc_box_release_full (shared, shared_clear);
}

/* Main thread only: it gives the connection's place in the limits back. */
static void
conn_close (Conn *conn)
{
  g_clear_handle_id (&conn->watch_id, g_source_remove);
  hallway_daemon_slot_release (conn->slot);
  httpClose (conn->http);
  shared_unref (conn->shared);
  g_free (conn->key);
  g_free (conn->user);
  g_free (conn->address);
  g_free (conn);
}

static gboolean
job_is_owned_cb (int      job_id,
                 gpointer user_data)
{
  Conn *conn = user_data;
  GHashTable *jobs;
  gboolean owned;

  const char *user;

  g_mutex_lock (&conn->shared->lock);
  jobs = g_hash_table_lookup (conn->shared->jobs, conn->key);
  owned = jobs != NULL &&
          g_hash_table_lookup_extended (jobs, GINT_TO_POINTER (job_id), NULL, (gpointer *) &user);
  /* my-jobs: of this computer's jobs, those its user sent (RFC 8011 §4.2.6). */
  if (owned && conn->only_user != NULL)
    owned = g_str_equal (user, conn->only_user);
  g_mutex_unlock (&conn->shared->lock);
  return owned;
}

static void
remember_job (Conn       *conn,
              int         job_id,
              const char *client_user)
{
  GHashTable *jobs;

  g_mutex_lock (&conn->shared->lock);
  jobs = g_hash_table_lookup (conn->shared->jobs, conn->key);
  if (jobs == NULL)
    {
      jobs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      g_hash_table_insert (conn->shared->jobs, g_strdup (conn->key), jobs);
    }
  /* Bounded: the oldest (smallest) job id is forgotten first. */
  if (g_hash_table_size (jobs) >= HALLWAY_IPP_MAX_JOBS_REMEMBERED)
    {
      GHashTableIter iter;
      gpointer key;
      int oldest = G_MAXINT;

      g_hash_table_iter_init (&iter, jobs);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        oldest = MIN (oldest, GPOINTER_TO_INT (key));
      g_hash_table_remove (jobs, GINT_TO_POINTER (oldest));
    }
  g_hash_table_insert (jobs, GINT_TO_POINTER (job_id), g_strdup (client_user));
  g_mutex_unlock (&conn->shared->lock);
}

/* Whether the peer may create one more job now. */
static gboolean
take_job_slot (Conn *conn)
{
  gint64 now = g_get_monotonic_time ();
  RateWindow *window;
  gboolean allowed;

  g_mutex_lock (&conn->shared->lock);
  window = g_hash_table_lookup (conn->shared->rates, conn->key);
  if (window == NULL)
    {
      window = g_new0 (RateWindow, 1);
      g_hash_table_insert (conn->shared->rates, g_strdup (conn->key), window);
    }
  if (now - window->start > 60 * G_USEC_PER_SEC)
    {
      window->start = now;
      window->count = 0;
    }
  allowed = window->count < HALLWAY_IPP_MAX_JOBS_PER_MINUTE;
  if (allowed)
    window->count++;
  g_mutex_unlock (&conn->shared->lock);
  return allowed;
}

static char *
dup_queue (Shared     *shared,
           const char *id)
{
  char *queue;

  g_mutex_lock (&shared->lock);
  queue = g_strdup (g_hash_table_lookup (shared->printers, id));
  g_mutex_unlock (&shared->lock);
  return queue;
}

static guint64
get_max_document (Shared *shared)
{
  guint64 max;

  g_mutex_lock (&shared->lock);
  max = shared->max_document;
  g_mutex_unlock (&shared->lock);
  return max;
}

static int
timeout_cb (http_t *http,
            void   *user_data)
{
  /* Give up on a silent peer or cupsd rather than hold a worker. */
  return 0;
}

static const char *
no_password_cb (const char *prompt,
                http_t     *http,
                const char *method,
                const char *resource,
                void       *user_data)
{
  /* Never authenticate on a colleague's behalf. */
  return NULL;
}

static gboolean
send_http (http_t        *http,
           http_status_t  status,
           const char    *type,
           const char    *body)
{
  gsize length = body != NULL ? strlen (body) : 0;

  httpClearFields (http);
  if (type != NULL)
    httpSetField (http, HTTP_FIELD_CONTENT_TYPE, type);
  httpSetLength (http, length);
  if (httpWriteResponse (http, status) < 0)
    return FALSE;
  if (length > 0 && httpWrite2 (http, body, length) < 0)
    return FALSE;
  httpFlushWrite (http);
  return TRUE;
}

/* Answers with a bare HTTP status and ends the connection. */
static gboolean
fail_http (http_t        *http,
           http_status_t  status)
{
  send_http (http, status, NULL, NULL);
  return FALSE;
}

static gboolean
send_ipp (http_t *http,
          ipp_t  *response)
{
  ipp_state_t state;

  httpClearFields (http);
  httpSetField (http, HTTP_FIELD_CONTENT_TYPE, "application/ipp");
  httpSetLength (http, ippLength (response));
  if (httpWriteResponse (http, HTTP_STATUS_OK) < 0)
    return FALSE;
  ippSetState (response, IPP_STATE_IDLE);
  while ((state = ippWrite (http, response)) != IPP_STATE_DATA)
    if (state == IPP_STATE_ERROR)
      return FALSE;
  httpFlushWrite (http);
  return TRUE;
}

/* Reads what is left of a request body, so the answer can be read; FALSE
 * when there is too much (the connection must then be closed). */
static gboolean
drain (http_t *http,
       char   *buffer)
{
  gsize total = 0;
  ssize_t n;

  while ((n = httpRead2 (http, buffer, HALLWAY_BLOCK_SIZE)) > 0)
    {
      total += n;
      if (total > MAX_DRAIN_BYTES)
        return FALSE;
    }
  return n == 0;
}

static gboolean
refuse (http_t       *http,
        ipp_t        *request,
        ipp_status_t  status,
        const char   *message,
        char         *buffer)
{
  g_autoptr(ipp_t) response = hallway_ipp_new_error (request, status, message);

  return drain (http, buffer) && send_ipp (http, response);
}

typedef struct
{
  http_t *http;
  gsize   count;
} LimitedReader;

static ssize_t
limited_read_cb (void        *data,
                 ipp_uchar_t *buffer,
                 size_t       length)
{
  LimitedReader *reader = data;
  ssize_t n;

  if (reader->count + length > HALLWAY_IPP_MAX_ATTRIBUTE_BYTES)
    return -1;
  n = httpRead2 (reader->http, (char *) buffer, length);
  if (n > 0)
    reader->count += n;
  return n;
}

/* The Host the colleague used, for the URIs in answers, when it is a
 * plausible host[:port]; else the address it reached us at. */
static char *
dup_client_host (http_t *http)
{
  const char *host = httpGetField (http, HTTP_FIELD_HOST);
  struct sockaddr_storage storage;
  socklen_t length = sizeof storage;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *text = NULL;
  GInetAddress *inet;
  gboolean valid = host != NULL && *host != '\0' && strlen (host) <= 255;

  for (const char *p = host; valid && *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (".-:[]%_", *p) == NULL)
      valid = FALSE;
  if (valid)
    return g_strdup (host);

  if (getsockname (httpGetFd (http), (struct sockaddr *) &storage, &length) != 0 ||
      (address = g_socket_address_new_from_native (&storage, length)) == NULL ||
      !G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("localhost");
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  text = g_inet_address_to_string (inet);
  if (strchr (text, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", text,
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s:%u", text,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

/* Splits "/ipp/print/<id>[/jobs/<n>]" into the printer id. */
static char *
printer_id_from_resource (const char *resource)
{
  const char *start, *end;

  if (!g_str_has_prefix (resource, RESOURCE_PREFIX))
    return NULL;
  start = resource + strlen (RESOURCE_PREFIX);
  end = strchr (start, '/');
  if (end == NULL)
    end = start + strlen (start);
  else if (!g_str_has_prefix (end, "/jobs/"))
    return NULL;
  if (end == start || end - start > 128)
    return NULL;
  return g_strndup (start, end - start);
}

/* Forwards one checked request to cupsd, streaming the document, and
 * returns cupsd's answer, or NULL with @out_status saying what to answer. */
static ipp_t *
forward (Conn                        *conn,
         const char                  *queue,
         ipp_t                       *request,
         const HallwayIppRequestInfo *info,
         char                        *buffer,
         ipp_status_t                *out_status,
         const char                 **out_message)
{
  g_autofree char *resource = g_strdup_printf ("/printers/%s", queue);
  http_t *upstream;
  ipp_t *response = NULL;
  guint64 max_document = get_max_document (conn->shared);
  http_status_t status;
  ipp_state_t state;
  guint64 total = 0;
  ssize_t n;

  *out_status = IPP_STATUS_ERROR_SERVICE_UNAVAILABLE;
  *out_message = "The printer's computer can't reach its print service";

  upstream = httpConnect2 (cupsServer (), ippPort (), NULL, AF_UNSPEC,
                           HTTP_ENCRYPTION_IF_REQUESTED, 1, HALLWAY_IPP_TIMEOUT_S * 1000, NULL);
  if (upstream == NULL)
    return NULL;
  httpSetTimeout (upstream, HALLWAY_IPP_TIMEOUT_S, timeout_cb, NULL);

  httpClearFields (upstream);
  /* cupsd accepts nothing else from a loopback peer (client.c, valid_host). */
  httpSetField (upstream, HTTP_FIELD_HOST, "localhost");
  httpSetField (upstream, HTTP_FIELD_CONTENT_TYPE, "application/ipp");
  httpSetLength (upstream, info->has_document ? 0 : ippLength (request));
  if (httpPost (upstream, resource) != 0)
    {
      httpClose (upstream);
      return NULL;
    }

  ippSetState (request, IPP_STATE_IDLE);
  while ((state = ippWrite (upstream, request)) != IPP_STATE_DATA)
    if (state == IPP_STATE_ERROR)
      {
        httpClose (upstream);
        return NULL;
      }

  if (info->has_document)
    {
      /* Streamed as it arrives; never held whole in memory. */
      while ((n = httpRead2 (conn->http, buffer, HALLWAY_BLOCK_SIZE)) > 0)
        {
          total += n;
          if (total > max_document)
            {
              /* Closing mid-request makes cupsd abort the job. */
              httpClose (upstream);
              *out_status = IPP_STATUS_ERROR_REQUEST_ENTITY;
              *out_message = "The document is too large for a shared printer";
              return NULL;
            }
          if (httpWrite2 (upstream, buffer, n) < 0)
            {
              httpClose (upstream);
              return NULL;
            }
        }
      if (n < 0)
        {
          httpClose (upstream);
          *out_status = IPP_STATUS_ERROR_BAD_REQUEST;
          *out_message = "The document did not arrive whole";
          return NULL;
        }
      httpWrite2 (upstream, "", 0);
    }

  while ((status = httpUpdate (upstream)) == HTTP_STATUS_CONTINUE)
    ;

  if (status == HTTP_STATUS_OK)
    {
      response = ippNew ();
      while ((state = ippRead (upstream, response)) != IPP_STATE_DATA)
        if (state == IPP_STATE_ERROR)
          {
            g_clear_pointer (&response, ippDelete);
            break;
          }
    }
  else if (status == HTTP_STATUS_UNAUTHORIZED || status == HTTP_STATUS_FORBIDDEN)
    {
      /* cupsd wants a password: never offer that to the network. */
      *out_status = IPP_STATUS_ERROR_FORBIDDEN;
      *out_message = "Not allowed on a shared printer";
    }
  else
    {
      g_debug ("cupsd answered HTTP %d for %s", status, ippOpString (info->operation));
      *out_status = IPP_STATUS_ERROR_INTERNAL;
      *out_message = "The printer's computer could not handle the request";
    }
  httpClose (upstream);
  return response;
}

static gboolean
serve_ipp (Conn       *conn,
           const char *resource,
           char       *buffer)
{
  g_autofree char *id = printer_id_from_resource (resource);
  g_autofree char *queue = NULL;
  g_autofree char *host = NULL;
  g_autofree char *printer_uri = NULL;
  g_autofree char *web_uri = NULL;
  const char *type = httpGetField (conn->http, HTTP_FIELD_CONTENT_TYPE);
  const char *encoding = httpGetField (conn->http, HTTP_FIELD_CONTENT_ENCODING);
  HallwayIppRequestInfo info;
  LimitedReader reader = { conn->http, 0 };
  g_autoptr(ipp_t) request = NULL;
  g_autoptr(ipp_t) forwarded = NULL;
  g_autoptr(ipp_t) response = NULL;
  g_autoptr(ipp_t) answer = NULL;
  ipp_status_t status;
  const char *message;
  ipp_state_t state;
  HallwayIppView view;

  if (id != NULL)
    queue = dup_queue (conn->shared, id);
  if (queue == NULL)
    return fail_http (conn->http, HTTP_STATUS_NOT_FOUND);
  if (type == NULL || g_ascii_strncasecmp (type, "application/ipp", 15) != 0)
    return fail_http (conn->http, HTTP_STATUS_BAD_REQUEST);
  if (encoding != NULL && *encoding != '\0' && g_ascii_strcasecmp (encoding, "identity") != 0)
    return fail_http (conn->http, HTTP_STATUS_UNSUPPORTED_MEDIATYPE);

  /* A document announced as too large is refused before it is sent (the
   * client waits for "100 Continue" first); one sent in chunks is stopped
   * when it gets there, in forward(). */
  if (httpGetLength2 (conn->http) >
      (off_t) (get_max_document (conn->shared) + HALLWAY_IPP_MAX_ATTRIBUTE_BYTES))
    {
      answer = hallway_ipp_new_error (NULL, IPP_STATUS_ERROR_REQUEST_ENTITY,
                                      "The document is too large for a shared printer");
      send_ipp (conn->http, answer);
      return FALSE;
    }

  if (httpGetExpect (conn->http) == HTTP_STATUS_CONTINUE &&
      httpWriteResponse (conn->http, HTTP_STATUS_CONTINUE) < 0)
    return FALSE;

  request = ippNew ();
  while ((state = ippReadIO (&reader, limited_read_cb, 1, NULL, request)) != IPP_STATE_DATA)
    if (state == IPP_STATE_ERROR)
      return fail_http (conn->http, HTTP_STATUS_BAD_REQUEST);

  host = dup_client_host (conn->http);
  printer_uri = g_strdup_printf ("ipp://%s" RESOURCE_PREFIX "%s", host, id);
  web_uri = g_strdup_printf ("http://%s/", host);
  view.queue = queue;
  view.printer_uri = printer_uri;
  view.web_uri = web_uri;

  forwarded = hallway_ipp_rewrite_request (request, queue, conn->user, &info, &status, &message);
  if (forwarded == NULL)
    {
      g_debug ("Refused %s from %s: %s", ippOpString (ippGetOperation (request)), conn->address,
               message);
      return refuse (conn->http, request, status, message, buffer);
    }
  if (info.job_operation && !job_is_owned_cb (info.job_id, conn))
    return refuse (conn->http, request, IPP_STATUS_ERROR_FORBIDDEN,
                   "This job was not sent from your computer", buffer);
  if (info.creates_job && !take_job_slot (conn))
    return refuse (conn->http, request, IPP_STATUS_ERROR_BUSY,
                   "Too many jobs from your computer; try again in a minute", buffer);
  if (!info.has_document && !drain (conn->http, buffer))
    return FALSE;

  response = forward (conn, queue, forwarded, &info, buffer, &status, &message);
  if (response == NULL)
    {
      /* Whatever is left of a document can't be told from the next request. */
      answer = hallway_ipp_new_error (request, status, message);
      return send_ipp (conn->http, answer) && !info.has_document;
    }

  if (info.creates_job && hallway_ipp_get_job_id (response) > 0)
    {
      remember_job (conn, hallway_ipp_get_job_id (response), info.client_user);
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                        "HALLWAY_PEER", conn->user,
                        "MESSAGE", "Job %d on ‘%s’ from ‘%s’", hallway_ipp_get_job_id (response),
                        queue, conn->user);
    }
  if (info.operation == IPP_OP_GET_JOBS && info.my_jobs)
    conn->only_user = info.client_user;
  answer = hallway_ipp_rewrite_response (response, &view, job_is_owned_cb, conn);
  conn->only_user = NULL;
  return send_ipp (conn->http, answer);
}

static char *
status_page (Shared *shared)
{
  guint n;

  g_mutex_lock (&shared->lock);
  n = g_hash_table_size (shared->printers);
  g_mutex_unlock (&shared->lock);
  return g_strdup_printf ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                          "<title>Hallway printers</title></head><body><h1>Hallway printers</h1>"
                          "<p>This computer shares %u printer(s) with its colleagues. "
                          "Print to them from your print dialog.</p></body></html>\n", n);
}

/* The printer's icon (its printer-icons), as cupsd has it (a PNG of at
 * most HALLWAY_IPP_MAX_ICON_BYTES), else Hallway's. */
static gboolean
serve_icon (Conn       *conn,
            const char *resource,
            char       *buffer)
{
  g_autofree char *prefix = g_strndup (resource, strlen (resource) -
                                                 strlen ("/" HALLWAY_IPP_ICON_NAME));
  g_autofree char *id = printer_id_from_resource (prefix);
  g_autofree char *queue = id != NULL ? dup_queue (conn->shared, id) : NULL;
  g_autofree char *path = NULL;
  g_autoptr(GByteArray) icon = g_byte_array_new ();
  static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  http_t *upstream;
  http_status_t status;
  ssize_t n;

  if (queue == NULL || !drain (conn->http, buffer))
    return fail_http (conn->http, HTTP_STATUS_NOT_FOUND);

  upstream = httpConnect2 (cupsServer (), ippPort (), NULL, AF_UNSPEC,
                           HTTP_ENCRYPTION_IF_REQUESTED, 1, HALLWAY_IPP_TIMEOUT_S * 1000, NULL);
  if (upstream == NULL)
    return send_http (conn->http, HTTP_STATUS_NOT_FOUND, NULL, NULL);
  httpSetTimeout (upstream, HALLWAY_IPP_TIMEOUT_S, timeout_cb, NULL);
  httpClearFields (upstream);
  httpSetField (upstream, HTTP_FIELD_HOST, "localhost");
  path = g_strdup_printf ("/icons/%s.png", queue);
  if (httpGet (upstream, path) == 0)
    {
      while ((status = httpUpdate (upstream)) == HTTP_STATUS_CONTINUE)
        ;
      if (status == HTTP_STATUS_OK)
        while (icon->len <= HALLWAY_IPP_MAX_ICON_BYTES &&
               (n = httpRead2 (upstream, buffer, HALLWAY_BLOCK_SIZE)) > 0)
          g_byte_array_append (icon, (const guint8 *) buffer, n);
    }
  httpClose (upstream);

  if (icon->len < sizeof png_signature || icon->len > HALLWAY_IPP_MAX_ICON_BYTES ||
      memcmp (icon->data, png_signature, sizeof png_signature) != 0)
    {
      /* A queue without a picture of its own (cupsd has none to give):
       * Hallway's, so a print dialog still shows one. */
      g_autoptr(GBytes) fallback = g_resource_lookup_data (hallwayd_get_resource (),
                                                           PRINTER_ICON_RESOURCE,
                                                           G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      gsize size = 0;
      const guint8 *bytes = fallback != NULL ? g_bytes_get_data (fallback, &size) : NULL;

      if (bytes == NULL)
        return send_http (conn->http, HTTP_STATUS_NOT_FOUND, NULL, NULL);
      g_byte_array_set_size (icon, 0);
      g_byte_array_append (icon, bytes, size);
    }

  httpClearFields (conn->http);
  httpSetField (conn->http, HTTP_FIELD_CONTENT_TYPE, "image/png");
  httpSetLength (conn->http, icon->len);
  if (httpWriteResponse (conn->http, HTTP_STATUS_OK) < 0 ||
      httpWrite2 (conn->http, (const char *) icon->data, icon->len) < 0)
    return FALSE;
  httpFlushWrite (conn->http);
  return TRUE;
}

/* One request; FALSE when the connection must end. */
static gboolean
serve_request (Conn *conn,
               char *buffer)
{
  char resource[1024];
  http_state_t method;
  http_status_t status;

  method = httpReadRequest (conn->http, resource, sizeof resource);
  if (method == HTTP_STATE_WAITING || method == HTTP_STATE_ERROR)
    return FALSE;
  if (method == HTTP_STATE_UNKNOWN_METHOD || method == HTTP_STATE_UNKNOWN_VERSION)
    return fail_http (conn->http, HTTP_STATUS_BAD_REQUEST);

  while ((status = httpUpdate (conn->http)) == HTTP_STATUS_CONTINUE)
    ;
  if (status != HTTP_STATUS_OK)
    return fail_http (conn->http, HTTP_STATUS_BAD_REQUEST);

  if (method == HTTP_STATE_GET && g_str_equal (resource, "/"))
    {
      g_autofree char *page = status_page (conn->shared);

      return send_http (conn->http, HTTP_STATUS_OK, "text/html; charset=utf-8", page);
    }
  if (method == HTTP_STATE_GET && g_str_has_suffix (resource, "/" HALLWAY_IPP_ICON_NAME))
    return serve_icon (conn, resource, buffer);
  if (method != HTTP_STATE_POST)
    return fail_http (conn->http, HTTP_STATUS_FORBIDDEN);

  return serve_ipp (conn, resource, buffer);
}

static gboolean conn_returned_cb (gpointer data);

/* In a worker: the request whose headers arrived, and any the client
 * already sent after it, then back to the main loop. */
static void
serve_connection_cb (gpointer data,
                     gpointer user_data)
{
  Conn *conn = data;
  g_autofree char *buffer = g_malloc (HALLWAY_BLOCK_SIZE);

  /* libcups keeps these per thread. */
  cupsSetPasswordCB2 (no_password_cb, NULL);
  httpSetTimeout (conn->http, HALLWAY_IPP_TIMEOUT_S, timeout_cb, NULL);

  do
    conn->keep = serve_request (conn, buffer) && httpGetKeepAlive (conn->http) &&
                 ++conn->n_served < MAX_REQUESTS_PER_CONNECTION;
  while (conn->keep && httpGetReady (conn->http) > 0);

  g_main_context_invoke (NULL, conn_returned_cb, conn);
}

static void conn_wait_for_request (Conn *conn);

static gboolean
conn_returned_cb (gpointer data)
{
  Conn *conn = data;

  /* The gateway may be gone: its acceptor, which the slot holds, says. */
  if (conn->keep && hallway_daemon_slot_is_accepting (conn->slot))
    conn_wait_for_request (conn);
  else
    conn_close (conn);
  return G_SOURCE_REMOVE;
}

static void
conn_expired_cb (gpointer data)
{
  Conn *conn = data;

  if (conn->peeked > 0)
    g_debug ("A printing client from %s did not send its request in time; closing it",
             conn->address);
  conn_close (conn);
}

/* Poll says readable again only once more than @bytes are there, so a
 * request that is not whole yet does not wake the main loop in a spin. */
static void
set_low_water (int   fd,
               gsize bytes)
{
  int value = MAX (1, (int) bytes);

  setsockopt (fd, SOL_SOCKET, SO_RCVLOWAT, &value, sizeof value);
}

static gboolean
conn_readable_cb (int          fd,
                  GIOCondition condition,
                  gpointer     data)
{
  Conn *conn = data;
  char peek[MAX_HEADER_BYTES];
  gssize n;

  n = recv (fd, peek, sizeof peek, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;
  /* Closed between two requests; closed (or half-closed: readable with
   * nothing new) before the headers ended; headers that never end. */
  if (n <= 0 || (gsize) n <= conn->peeked ||
      (!hallway_daemon_has_whole_headers (peek, n) && (gsize) n >= sizeof peek))
    {
      conn->watch_id = 0;
      conn_close (conn);
      return G_SOURCE_REMOVE;
    }
  if (!hallway_daemon_has_whole_headers (peek, n))
    {
      /* The deadline for the headers runs from their first byte. */
      if (conn->peeked == 0)
        hallway_daemon_slot_set_deadline (conn->slot, HALLWAY_IPP_HEADERS_TIMEOUT_S,
                                          conn_expired_cb, conn);
      conn->peeked = n;
      set_low_water (fd, n + 1);
      return G_SOURCE_CONTINUE;
    }

  conn->watch_id = 0;
  set_low_water (fd, 1);
  /* In a worker, the connection is the worker's until it comes back. */
  hallway_daemon_slot_set_deadline (conn->slot, 0, NULL, NULL);
  g_thread_pool_push (conn->gateway->pool, conn, NULL);
  return G_SOURCE_REMOVE;
}

static void
conn_wait_for_request (Conn *conn)
{
  conn->peeked = 0;
  hallway_daemon_slot_set_deadline (conn->slot,
                                    conn->n_served == 0 ? HALLWAY_IPP_HEADERS_TIMEOUT_S
                                                        : KEEP_ALIVE_S,
                                    conn_expired_cb, conn);
  conn->watch_id = g_unix_fd_add (httpGetFd (conn->http), G_IO_IN, conn_readable_cb, conn);
}

/* libcups reads and writes through its own http_t, which only it can
 * make: it accepts the connections itself. */
static int
accept_http (GSocket  *listening,
             gpointer *out_handle,
             gpointer  user_data)
{
  http_t *http = httpAcceptConnection (g_socket_get_fd (listening), 1);

  if (http == NULL)
    return -1;
  *out_handle = http;
  return httpGetFd (http);
}

static void
discard_http (int      fd,
              gpointer handle,
              gpointer user_data)
{
  httpClose (handle);
}

static void
incoming_cb (HallwayDaemonSlot *slot,
             int                fd,
             gpointer           handle,
             gpointer           user_data)
{
  HallwayDaemonIpp *self = user_data;
  GInetAddress *address = hallway_daemon_slot_get_address (slot);
  Conn *conn;

  conn = g_new0 (Conn, 1);
  conn->shared = g_atomic_rc_box_acquire (self->shared);
  conn->gateway = self;
  conn->slot = slot;
  conn->http = handle;
  conn->address = g_strdup (hallway_daemon_slot_get_address_string (slot));
  if (!hallway_inet_address_is_private (address))
    {
      g_debug ("Refusing a printing connection from outside the local network");
      conn_close (conn);
      return;
    }

  if (self->identify != NULL)
    self->identify (address, &conn->key, &conn->user, self->identify_data);
  if (conn->key == NULL || conn->user == NULL)
    {
      g_free (conn->key);
      g_free (conn->user);
      conn->key = g_strconcat ("address:", conn->address, NULL);
      conn->user = g_strconcat ("guest-", conn->address, NULL);
    }
  conn_wait_for_request (conn);
}

static GSocket *
listen_on (GSocketFamily   family,
           guint16         port,
           GError        **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) any = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  /* One socket for both IPv4 and IPv6 colleagues. */
  if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 0, NULL);
  any = g_inet_address_new_any (family);
  address = g_inet_socket_address_new (any, port);
  if (!g_socket_bind (socket, address, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (socket, HALLWAY_ACCEPTOR_BACKLOG);
  if (!g_socket_listen (socket, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  return g_steal_pointer (&socket);
}

/**
 * hallway_daemon_ipp_listen:
 * @self: a #HallwayDaemonIpp
 * @first_port: the port to try first; the next ones are tried when it is taken
 * @error: return location for a #GError
 *
 * Returns: whether the gateway listens
 */
gboolean
hallway_daemon_ipp_listen (HallwayDaemonIpp  *self,
                           guint16            first_port,
                           GError           **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_IPP (self), FALSE);
  g_return_val_if_fail (self->socket == NULL, FALSE);

  for (guint i = 0; i < HALLWAY_IPP_PORT_TRIES && first_port + i <= G_MAXUINT16; i++)
    {
      guint16 port = first_port + i;

      g_clear_error (&local_error);
      self->socket = listen_on (G_SOCKET_FAMILY_IPV6, port, &local_error);
      /* A computer without IPv6. */
      if (self->socket == NULL &&
          !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          g_clear_error (&local_error);
          self->socket = listen_on (G_SOCKET_FAMILY_IPV4, port, &local_error);
        }
      if (self->socket != NULL)
        {
          self->port = port;
          break;
        }
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        break;
    }

  if (self->socket == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   "Could not listen for printing on port %u or the next ones: %s",
                   first_port, local_error->message);
      return FALSE;
    }

  hallway_daemon_acceptor_add_socket (self->acceptor, self->socket);
  return TRUE;
}

guint16
hallway_daemon_ipp_get_port (HallwayDaemonIpp *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_IPP (self), 0);
  return self->port;
}

void
hallway_daemon_ipp_set_identify_func (HallwayDaemonIpp             *self,
                                      HallwayDaemonIppIdentifyFunc  func,
                                      gpointer                      user_data)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_IPP (self));

  self->identify = func;
  self->identify_data = user_data;
}

/**
 * hallway_daemon_ipp_set_max_document_size:
 * @self: a #HallwayDaemonIpp
 * @max_bytes: the largest document a colleague may print
 */
void
hallway_daemon_ipp_set_max_document_size (HallwayDaemonIpp *self,
                                          guint64           max_bytes)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_IPP (self));

  g_mutex_lock (&self->shared->lock);
  self->shared->max_document = max_bytes;
  g_mutex_unlock (&self->shared->lock);
}

/**
 * hallway_daemon_ipp_add_printer:
 * @self: a #HallwayDaemonIpp
 * @id: the printer's id in /ipp/print/<id>
 * @queue: the local CUPS queue behind it
 */
void
hallway_daemon_ipp_add_printer (HallwayDaemonIpp *self,
                                const char       *id,
                                const char       *queue)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_IPP (self));

  g_mutex_lock (&self->shared->lock);
  g_hash_table_insert (self->shared->printers, g_strdup (id), g_strdup (queue));
  g_mutex_unlock (&self->shared->lock);
}

void
hallway_daemon_ipp_remove_printer (HallwayDaemonIpp *self,
                                   const char       *id)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_IPP (self));

  g_mutex_lock (&self->shared->lock);
  g_hash_table_remove (self->shared->printers, id);
  g_mutex_unlock (&self->shared->lock);
}

HallwayDaemonIpp *
hallway_daemon_ipp_new (void)
{
  return g_object_new (HALLWAY_TYPE_DAEMON_IPP, NULL);
}

static void
hallway_daemon_ipp_dispose (GObject *object)
{
  HallwayDaemonIpp *self = HALLWAY_DAEMON_IPP (object);

  /* Closes the connections waiting for a request; those in a worker close
   * when it is done. */
  if (self->acceptor != NULL)
    hallway_daemon_acceptor_stop (self->acceptor);
  g_clear_object (&self->acceptor);
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);

  G_OBJECT_CLASS (hallway_daemon_ipp_parent_class)->dispose (object);
}

static void
hallway_daemon_ipp_finalize (GObject *object)
{
  HallwayDaemonIpp *self = HALLWAY_DAEMON_IPP (object);

  /* Requests under way finish on their own; they hold the shared tables. */
  g_thread_pool_free (self->pool, FALSE, FALSE);
  shared_unref (self->shared);

  G_OBJECT_CLASS (hallway_daemon_ipp_parent_class)->finalize (object);
}

static void
hallway_daemon_ipp_class_init (HallwayDaemonIppClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_daemon_ipp_dispose;
  object_class->finalize = hallway_daemon_ipp_finalize;
}

static void
hallway_daemon_ipp_init (HallwayDaemonIpp *self)
{
  static const HallwayDaemonLimits limits = {
    .max_per_address = HALLWAY_IPP_MAX_CONNS_PER_PEER,
    .max_total = HALLWAY_IPP_MAX_CONNECTIONS,
    .reserved = HALLWAY_IPP_RESERVED_CONNECTIONS,
  };

  self->shared = shared_new ();
  self->acceptor = hallway_daemon_acceptor_new (&limits, incoming_cb, self);
  hallway_daemon_acceptor_set_accept_func (self->acceptor, accept_http, discard_http);
  self->pool = g_thread_pool_new (serve_connection_cb, NULL, HALLWAY_IPP_MAX_WORKERS, FALSE,
                                  NULL);
}
