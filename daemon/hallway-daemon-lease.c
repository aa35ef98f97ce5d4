/* hallway-daemon-lease.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libsoup 3.2 leaks every kept-alive connection its client closes while
 * idle (~25 kB each: the TLS session, the connection and a message; fixed
 * in libsoup 3.3 by "server: do not leak idle connections closed by the
 * client"): the message it reads into never starts, so nothing ever
 * disconnects it. Anyone on the network could grow hallwayd by 50 MB with
 * 2,000 curl runs.
 *
 * So libsoup never holds an idle connection here. HallwayDaemonListener
 * owns each TLS connection and waits for the next request itself; when the
 * first bytes of one arrive it lends the connection to libsoup as a
 * HallwayDaemonLease, with those bytes put back in front. A SoupServer
 * without listening sockets of its own closes each connection it was
 * given once the answer is written; closing a lease only hands the
 * connection back, and the listener waits for the next request again.
 *
 * A lease is a GTlsConnection so libsoup treats the request as HTTPS, and
 * it forwards the TLS properties (the peer's certificate…) of the
 * connection it stands for. Its streams read and write the real ones and
 * note when the connection ended, so the listener knows whether to keep it.
 *
 * A client may pipeline: send its next requests before the answer to the
 * first (lftp mirror asks HEAD of every file of a folder at once). libsoup
 * reads headers in blocks, so it would read the next request ahead and
 * lose it when it lets the lease go. So the lease gives libsoup nothing
 * past the end of the request's headers (libsoup reads a body by its
 * length, never beyond); what it read from the connection past that is
 * handed back with the connection, as the start of the next request.
 * (A chunked body is read in lines, and a request pipelined after one may
 * still be lost; the client then asks again on a new connection.)
 */
#include "config.h"

#include "hallway-daemon-lease.h"

typedef struct
{
  GInputStream  *input;    /* (owned) (nullable) the connection's, until revoked */
  GOutputStream *output;   /* (owned) (nullable) */
  GBytes        *pending;  /* (owned) (nullable) read before the lease, served first */
  gsize          offset;
  guint          matched;  /* bytes of "\r\n\r\n" just seen */
  gboolean       headers_read;  /* all of them given to libsoup */
  gboolean       revoked;
  gboolean       broken;
} Shared;

static void
shared_clear (gpointer data)
{
  Shared *shared = data;

  g_clear_object (&shared->input);
  g_clear_object (&shared->output);
  g_clear_pointer (&shared->pending, g_bytes_unref);
}

static void
shared_revoke (Shared *shared)
{
  shared->revoked = TRUE;
  shared_clear (shared);
}

static gboolean
set_revoked_error (Shared  *shared,
                   GError **error)
{
  if (!shared->revoked)
    return FALSE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                       "The connection was handed back after the request");
  return TRUE;
}

/* Anything but "try again later" or a cancellation means the connection is
 * over: end of stream, a reset, a TLS alert. */
static void
note_result (Shared  *shared,
             gssize   result,
             GError  *error)
{
  if (result == 0 ||
      (result < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) &&
       !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    shared->broken = TRUE;
}

/* A source for one of the lease's streams: ready when @inner (transfer
 * full), the real stream's, is; with no @inner, ready at once. */
static GSource *
lease_source_new (gpointer      stream,
                  GSource      *inner,
                  GCancellable *cancellable)
{
  g_autoptr(GSource) child = inner != NULL ? inner : g_timeout_source_new (0);

  return g_pollable_source_new_full (stream, child, cancellable);
}

/* The input side */

#define LEASE_TYPE_INPUT (lease_input_get_type ())
G_DECLARE_FINAL_TYPE (LeaseInput, lease_input, LEASE, INPUT, GInputStream)

struct _LeaseInput
{
  GInputStream  parent_instance;

  Shared       *shared;   /* (owned) rc box */
};

static void lease_input_pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LeaseInput, lease_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      lease_input_pollable_iface_init))

/* Of the @length bytes just read into @buffer, returns how many libsoup
 * gets: none past the blank line that ends the request's headers. The
 * rest is kept to be read next: it was taken from @shared's pending bytes
 * (moved back), or from the connection (@fresh: becomes the pending). */
static gsize
stop_after_headers (Shared  *shared,
                    guint8  *buffer,
                    gsize    length,
                    gboolean fresh)
{
  static const char end[] = "\r\n\r\n";

  if (shared->headers_read)
    return length;
  for (gsize i = 0; i < length; i++)
    {
      if (buffer[i] == (guint8) end[shared->matched])
        shared->matched++;
      else
        shared->matched = buffer[i] == '\r' ? 1 : 0;
      if (shared->matched < 4)
        continue;

      shared->headers_read = TRUE;
      if (i + 1 < length)
        {
          if (fresh)
            {
              shared->pending = g_bytes_new (buffer + i + 1, length - i - 1);
              shared->offset = 0;
            }
          else
            shared->offset -= length - i - 1;
        }
      return i + 1;
    }
  return length;
}

static gssize
lease_input_read_internal (LeaseInput    *self,
                           void          *buffer,
                           gsize          count,
                           gboolean       blocking,
                           GCancellable  *cancellable,
                           GError       **error)
{
  Shared *shared = self->shared;
  g_autoptr(GError) local_error = NULL;
  gssize result;

  if (set_revoked_error (shared, error))
    return -1;

  if (shared->pending != NULL)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (shared->pending, &size);
      gsize n = MIN (count, size - shared->offset);

      memcpy (buffer, data + shared->offset, n);
      shared->offset += n;
      n = stop_after_headers (shared, (guint8 *) buffer, n, FALSE);
      if (shared->offset == size)
        g_clear_pointer (&shared->pending, g_bytes_unref);
      return n;
    }

  result = g_pollable_stream_read (shared->input, buffer, count, blocking, cancellable,
                                   &local_error);
  note_result (shared, result, local_error);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  if (result > 0)
    result = stop_after_headers (shared, (guint8 *) buffer, result, TRUE);
  return result;
}

static gssize
lease_input_read (GInputStream  *stream,
                  void          *buffer,
                  gsize          count,
                  GCancellable  *cancellable,
                  GError       **error)
{
  return lease_input_read_internal (LEASE_INPUT (stream), buffer, count, TRUE, cancellable,
                                    error);
}

static gboolean
lease_input_close (GInputStream  *stream,
                   GCancellable  *cancellable,
                   GError       **error)
{
  /* The connection outlives the request: the lease decides. */
  return TRUE;
}

static gboolean
lease_input_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
lease_input_is_readable (GPollableInputStream *stream)
{
  Shared *shared = LEASE_INPUT (stream)->shared;

  return shared->revoked || shared->pending != NULL ||
         g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (shared->input));
}

static GSource *
lease_input_create_source (GPollableInputStream *stream,
                           GCancellable         *cancellable)
{
  Shared *shared = LEASE_INPUT (stream)->shared;
  GPollableInputStream *input = G_POLLABLE_INPUT_STREAM (shared->input);

  if (shared->revoked || shared->pending != NULL)
    return lease_source_new (stream, NULL, cancellable);
  return lease_source_new (stream, g_pollable_input_stream_create_source (input, NULL),
                           cancellable);
}

static gssize
lease_input_read_nonblocking (GPollableInputStream  *stream,
                              void                  *buffer,
                              gsize                  count,
                              GError               **error)
{
  return lease_input_read_internal (LEASE_INPUT (stream), buffer, count, FALSE, NULL, error);
}

static void
lease_input_finalize (GObject *object)
{
  LeaseInput *self = LEASE_INPUT (object);

  g_atomic_rc_box_release_full (self->shared, shared_clear);

  G_OBJECT_CLASS (lease_input_parent_class)->finalize (object);
}

static void
lease_input_class_init (LeaseInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lease_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = lease_input_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = lease_input_close;
}

static void
lease_input_pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = lease_input_can_poll;
  iface->is_readable = lease_input_is_readable;
  iface->create_source = lease_input_create_source;
  iface->read_nonblocking = lease_input_read_nonblocking;
}

static void
lease_input_init (LeaseInput *self)
{
}

/* The output side */

#define LEASE_TYPE_OUTPUT (lease_output_get_type ())
G_DECLARE_FINAL_TYPE (LeaseOutput, lease_output, LEASE, OUTPUT, GOutputStream)

struct _LeaseOutput
{
  GOutputStream  parent_instance;

  Shared        *shared;   /* (owned) rc box */
};

static void lease_output_pollable_iface_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LeaseOutput, lease_output, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      lease_output_pollable_iface_init))

static gssize
lease_output_write_internal (LeaseOutput   *self,
                             const void    *buffer,
                             gsize          count,
                             gboolean       blocking,
                             GCancellable  *cancellable,
                             GError       **error)
{
  Shared *shared = self->shared;
  g_autoptr(GError) local_error = NULL;
  gssize result;

  if (set_revoked_error (shared, error))
    return -1;

  result = g_pollable_stream_write (shared->output, buffer, count, blocking, cancellable,
                                    &local_error);
  if (result < 0)
    note_result (shared, result, local_error);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return result;
}

static gssize
lease_output_write (GOutputStream  *stream,
                    const void     *buffer,
                    gsize           count,
                    GCancellable   *cancellable,
                    GError        **error)
{
  return lease_output_write_internal (LEASE_OUTPUT (stream), buffer, count, TRUE, cancellable,
                                      error);
}

static gboolean
lease_output_flush (GOutputStream  *stream,
                    GCancellable   *cancellable,
                    GError        **error)
{
  Shared *shared = LEASE_OUTPUT (stream)->shared;

  if (set_revoked_error (shared, error))
    return FALSE;
  return g_output_stream_flush (shared->output, cancellable, error);
}

static gboolean
lease_output_close (GOutputStream  *stream,
                    GCancellable   *cancellable,
                    GError        **error)
{
  return TRUE;
}

static gboolean
lease_output_can_poll (GPollableOutputStream *stream)
{
  return TRUE;
}

static gboolean
lease_output_is_writable (GPollableOutputStream *stream)
{
  Shared *shared = LEASE_OUTPUT (stream)->shared;

  return shared->revoked ||
         g_pollable_output_stream_is_writable (G_POLLABLE_OUTPUT_STREAM (shared->output));
}

static GSource *
lease_output_create_source (GPollableOutputStream *stream,
                            GCancellable          *cancellable)
{
  Shared *shared = LEASE_OUTPUT (stream)->shared;
  GPollableOutputStream *output = G_POLLABLE_OUTPUT_STREAM (shared->output);

  if (shared->revoked)
    return lease_source_new (stream, NULL, cancellable);
  return lease_source_new (stream, g_pollable_output_stream_create_source (output, NULL),
                           cancellable);
}

static gssize
lease_output_write_nonblocking (GPollableOutputStream  *stream,
                                const void             *buffer,
                                gsize                   count,
                                GError                **error)
{
  return lease_output_write_internal (LEASE_OUTPUT (stream), buffer, count, FALSE, NULL, error);
}

static void
lease_output_finalize (GObject *object)
{
  LeaseOutput *self = LEASE_OUTPUT (object);

  g_atomic_rc_box_release_full (self->shared, shared_clear);

  G_OBJECT_CLASS (lease_output_parent_class)->finalize (object);
}

static void
lease_output_class_init (LeaseOutputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lease_output_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = lease_output_write;
  G_OUTPUT_STREAM_CLASS (klass)->flush = lease_output_flush;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = lease_output_close;
}

static void
lease_output_pollable_iface_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = lease_output_can_poll;
  iface->is_writable = lease_output_is_writable;
  iface->create_source = lease_output_create_source;
  iface->write_nonblocking = lease_output_write_nonblocking;
}

static void
lease_output_init (LeaseOutput *self)
{
}

/* The lease */

struct _HallwayDaemonLease
{
  GTlsConnection                parent_instance;

  GTlsConnection               *connection;   /* (owned) (nullable) until revoked */
  Shared                       *shared;       /* (owned) rc box */
  LeaseInput                   *input;        /* (owned) */
  LeaseOutput                  *output;       /* (owned) */
  HallwayDaemonLeaseReturnFunc  func;
  gpointer                      user_data;
};

G_DEFINE_FINAL_TYPE (HallwayDaemonLease, hallway_daemon_lease, G_TYPE_TLS_CONNECTION)

/* Every property GTlsConnection declares; read from the real connection. */
enum
{
  PROP_0,
  PROP_BASE_IO_STREAM,
  PROP_REQUIRE_CLOSE_NOTIFY,
  PROP_REHANDSHAKE_MODE,
  PROP_USE_SYSTEM_CERTDB,
  PROP_DATABASE,
  PROP_INTERACTION,
  PROP_CERTIFICATE,
  PROP_PEER_CERTIFICATE,
  PROP_PEER_CERTIFICATE_ERRORS,
  PROP_ADVERTISED_PROTOCOLS,
  PROP_NEGOTIATED_PROTOCOL,
  PROP_PROTOCOL_VERSION,
  PROP_CIPHERSUITE_NAME,
};

/* Hands the connection back: no more I/O through this lease. */
static void
lease_return (HallwayDaemonLease *self)
{
  HallwayDaemonLeaseReturnFunc func = self->func;
  Shared *shared = self->shared;
  gboolean broken = shared->broken;
  g_autoptr(GBytes) unread = NULL;

  /* The start of a pipelined request, read from the connection already. */
  if (shared->pending != NULL)
    unread = g_bytes_new_from_bytes (shared->pending, shared->offset,
                                     g_bytes_get_size (shared->pending) - shared->offset);

  self->func = NULL;
  shared_revoke (shared);
  g_clear_object (&self->connection);
  if (func != NULL)
    func (self->user_data, broken, unread);
}

static gboolean
hallway_daemon_lease_close (GIOStream     *stream,
                            GCancellable  *cancellable,
                            GError       **error)
{
  lease_return (HALLWAY_DAEMON_LEASE (stream));
  return TRUE;
}

/* GIOStream would close in a thread by default; returning the lease is
 * quick and belongs to the main thread. */
static void
hallway_daemon_lease_close_async (GIOStream           *stream,
                                  int                  io_priority,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, hallway_daemon_lease_close_async);
  lease_return (HALLWAY_DAEMON_LEASE (stream));
  g_task_return_boolean (task, TRUE);
}

static gboolean
hallway_daemon_lease_close_finish (GIOStream     *stream,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static GInputStream *
hallway_daemon_lease_get_input_stream (GIOStream *stream)
{
  return G_INPUT_STREAM (HALLWAY_DAEMON_LEASE (stream)->input);
}

static GOutputStream *
hallway_daemon_lease_get_output_stream (GIOStream *stream)
{
  return G_OUTPUT_STREAM (HALLWAY_DAEMON_LEASE (stream)->output);
}

/* The handshake happened before the connection was lent. */
static gboolean
hallway_daemon_lease_handshake (GTlsConnection  *connection,
                                GCancellable    *cancellable,
                                GError         **error)
{
  return TRUE;
}

static void
hallway_daemon_lease_handshake_async (GTlsConnection      *connection,
                                      int                  io_priority,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (connection, cancellable, callback, user_data);

  g_task_set_source_tag (task, hallway_daemon_lease_handshake_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
hallway_daemon_lease_handshake_finish (GTlsConnection  *connection,
                                       GAsyncResult    *result,
                                       GError         **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
hallway_daemon_lease_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HallwayDaemonLease *self = HALLWAY_DAEMON_LEASE (object);

  if (prop_id == PROP_0 || prop_id > PROP_CIPHERSUITE_NAME)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  /* The base stream stays the listener's. */
  if (self->connection != NULL && prop_id != PROP_BASE_IO_STREAM)
    g_object_get_property (G_OBJECT (self->connection), pspec->name, value);
}

static void
hallway_daemon_lease_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  /* Construction sets defaults; the real connection is configured already. */
  if (prop_id == PROP_0 || prop_id > PROP_CIPHERSUITE_NAME)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
hallway_daemon_lease_dispose (GObject *object)
{
  HallwayDaemonLease *self = HALLWAY_DAEMON_LEASE (object);

  /* Dropped without being closed (a stolen stream let go): the request is
   * over all the same, and nobody knows where the stream stopped. */
  if (self->func != NULL)
    {
      self->shared->broken = TRUE;
      lease_return (self);
    }

  G_OBJECT_CLASS (hallway_daemon_lease_parent_class)->dispose (object);
}

static void
hallway_daemon_lease_finalize (GObject *object)
{
  HallwayDaemonLease *self = HALLWAY_DAEMON_LEASE (object);

  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_atomic_rc_box_release_full (self->shared, shared_clear);

  G_OBJECT_CLASS (hallway_daemon_lease_parent_class)->finalize (object);
}

static void
hallway_daemon_lease_class_init (HallwayDaemonLeaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);
  GTlsConnectionClass *tls_class = G_TLS_CONNECTION_CLASS (klass);

  object_class->get_property = hallway_daemon_lease_get_property;
  object_class->set_property = hallway_daemon_lease_set_property;
  object_class->dispose = hallway_daemon_lease_dispose;
  object_class->finalize = hallway_daemon_lease_finalize;

  stream_class->get_input_stream = hallway_daemon_lease_get_input_stream;
  stream_class->get_output_stream = hallway_daemon_lease_get_output_stream;
  stream_class->close_fn = hallway_daemon_lease_close;
  stream_class->close_async = hallway_daemon_lease_close_async;
  stream_class->close_finish = hallway_daemon_lease_close_finish;

  tls_class->handshake = hallway_daemon_lease_handshake;
  tls_class->handshake_async = hallway_daemon_lease_handshake_async;
  tls_class->handshake_finish = hallway_daemon_lease_handshake_finish;

  g_object_class_override_property (object_class, PROP_BASE_IO_STREAM, "base-io-stream");
  g_object_class_override_property (object_class, PROP_REQUIRE_CLOSE_NOTIFY,
                                    "require-close-notify");
  g_object_class_override_property (object_class, PROP_REHANDSHAKE_MODE, "rehandshake-mode");
  g_object_class_override_property (object_class, PROP_USE_SYSTEM_CERTDB, "use-system-certdb");
  g_object_class_override_property (object_class, PROP_DATABASE, "database");
  g_object_class_override_property (object_class, PROP_INTERACTION, "interaction");
  g_object_class_override_property (object_class, PROP_CERTIFICATE, "certificate");
  g_object_class_override_property (object_class, PROP_PEER_CERTIFICATE, "peer-certificate");
  g_object_class_override_property (object_class, PROP_PEER_CERTIFICATE_ERRORS,
                                    "peer-certificate-errors");
  g_object_class_override_property (object_class, PROP_ADVERTISED_PROTOCOLS,
                                    "advertised-protocols");
  g_object_class_override_property (object_class, PROP_NEGOTIATED_PROTOCOL,
                                    "negotiated-protocol");
  g_object_class_override_property (object_class, PROP_PROTOCOL_VERSION, "protocol-version");
  g_object_class_override_property (object_class, PROP_CIPHERSUITE_NAME, "ciphersuite-name");
}

static void
hallway_daemon_lease_init (HallwayDaemonLease *self)
{
  self->shared = g_atomic_rc_box_new0 (Shared);
  self->input = g_object_new (LEASE_TYPE_INPUT, NULL);
  self->input->shared = g_atomic_rc_box_acquire (self->shared);
  self->output = g_object_new (LEASE_TYPE_OUTPUT, NULL);
  self->output->shared = g_atomic_rc_box_acquire (self->shared);
}

/**
 * hallway_daemon_lease_new:
 * @connection: an established TLS connection, idle between two requests
 * @first_bytes: (nullable): what was already read of the next request
 * @func: called once when libsoup is done with the lease
 * @user_data: data for @func
 *
 * Returns: (transfer full): a stand-in for @connection, for one request
 */
HallwayDaemonLease *
hallway_daemon_lease_new (GTlsConnection               *connection,
                          GBytes                       *first_bytes,
                          HallwayDaemonLeaseReturnFunc  func,
                          gpointer                      user_data)
{
  HallwayDaemonLease *self;
  GIOStream *stream = G_IO_STREAM (connection);

  g_return_val_if_fail (G_IS_TLS_CONNECTION (connection), NULL);

  self = g_object_new (HALLWAY_TYPE_DAEMON_LEASE, NULL);
  self->connection = g_object_ref (connection);
  self->shared->input = g_object_ref (g_io_stream_get_input_stream (stream));
  self->shared->output = g_object_ref (g_io_stream_get_output_stream (stream));
  if (first_bytes != NULL && g_bytes_get_size (first_bytes) > 0)
    self->shared->pending = g_bytes_ref (first_bytes);
  self->func = func;
  self->user_data = user_data;
  return self;
}

/**
 * hallway_daemon_lease_revoke:
 * @self: a #HallwayDaemonLease
 *
 * Cuts the lease off from its connection without calling back: the owner
 * of the connection is going away.
 */
void
hallway_daemon_lease_revoke (HallwayDaemonLease *self)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_LEASE (self));

  self->func = NULL;
  shared_revoke (self->shared);
  g_clear_object (&self->connection);
}
