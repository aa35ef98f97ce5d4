/* test-listener.c: the HTTPS listener's limits, from raw connections
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The clients run in a thread of the test while the main thread runs the
 * server, since they block.
 */
#include "config.h"

#include "hallway-test-server.h"
#include "hallway-test-utils.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "hallway-daemon-listener.h"

typedef struct
{
  HallwayTestServer      t;
  HallwayDaemonListener *listener;
} Fixture;

typedef struct
{
  guint16   port;
  char     *request;    /* an OPTIONS request on the share */
  char     *result;     /* (out) what the client saw, for the assertion */
  gboolean  done;
} Client;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  hallway_test_server_set_up (&f->t, "listener");
  f->listener = hallway_daemon_server_get_listener (f->t.server);
  hallway_test_server_add_share (&f->t, HALLWAY_SHARE_ACCESS_READ_ONLY,
                                 HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hallway_test_server_tear_down (&f->t);
}

static void
set_limits (Fixture *f,
            guint    per_address,
            guint    total,
            guint    reserved)
{
  HallwayDaemonLimits limits = { per_address, total, reserved };

  hallway_daemon_listener_set_limits (f->listener, &limits);
}

static void
client_init (Client  *client,
             Fixture *f)
{
  client->port = f->t.port;
  client->request = g_strdup_printf ("OPTIONS /shares/%s/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                                     f->t.share_id);
}

static void
client_finish (Client *client)
{
  g_atomic_int_set (&client->done, TRUE);
  g_main_context_wakeup (NULL);
}

static void
client_clear (Client *client)
{
  g_free (client->request);
  g_free (client->result);
}

/* Sends @request and returns the status line of the answer. */
static char *
ask (GIOStream  *stream,
     const char *request)
{
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), request,
                                  strlen (request), NULL, NULL, &error))
    return g_strdup (error->message);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  return g_strchomp (g_data_input_stream_read_line (in, NULL, NULL, NULL));
}

static GSocket *
tcp_connect (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  return g_object_ref (g_socket_connection_get_socket (connection));
}

/* Whether the server ended the connection within @timeout_s, writing
 * @drip (if any) every second meanwhile, as a slow attacker would. */
static gboolean
closed_by_server (GSocket    *socket,
                  GIOStream  *stream,
                  const char *drip,
                  guint       timeout_s)
{
  gint64 end = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      g_autoptr(GError) error = NULL;
      char buffer[256];
      gssize n;

      if (drip != NULL &&
          !g_output_stream_write_all (g_io_stream_get_output_stream (stream), drip,
                                      strlen (drip), NULL, NULL, NULL))
        return TRUE;
      if (!g_socket_condition_timed_wait (socket, G_IO_IN, G_USEC_PER_SEC, NULL, NULL))
        continue;
      if (stream != NULL)
        n = g_pollable_input_stream_read_nonblocking (
          G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream)), buffer,
          sizeof buffer, NULL, &error);
      else
        n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      if (n <= 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return TRUE;
      if (n > 0)
        return FALSE;   /* an answer: the server served it */
    }
  return FALSE;
}

static gpointer
per_address_thread (gpointer data)
{
  Client *client = data;
  g_autoptr(GIOStream) first = hallway_test_server_raw_connect (client->port);
  g_autoptr(GIOStream) second = hallway_test_server_raw_connect (client->port);
  g_autoptr(GIOStream) third = NULL;
  g_autoptr(GIOStream) later = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status1 = ask (first, client->request);
  g_autofree char *status2 = ask (second, client->request);
  g_autofree char *status3 = NULL;
  g_autofree char *status4 = NULL;
  gint64 end;

  third = hallway_test_server_try_raw_connect (client->port, &error);
  status3 = g_strdup (third == NULL ? "refused" : "accepted");

  /* Closing one gives its place back: poll for the server to see it. */
  g_io_stream_close (first, NULL, NULL);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (later == NULL && g_get_monotonic_time () < end)
    {
      g_clear_error (&error);
      later = hallway_test_server_try_raw_connect (client->port, &error);
    }
  status4 = later != NULL ? ask (later, client->request) : g_strdup ("refused");
  client->result = g_strdup_printf ("%s|%s|%s|%s", status1, status2, status3, status4);
  client_finish (client);
  return NULL;
}

static void
test_per_address (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GThread) thread = NULL;
  Client client = { 0 };

  g_test_summary ("Connections beyond the per-address limit are refused before TLS, "
                  "and closing one makes room");

  set_limits (f, 2, 512, 0);
  client_init (&client, f);
  thread = g_thread_new ("client", per_address_thread, &client);
  g_assert_true (hallway_test_wait_flag (&client.done, 30));
  g_thread_join (g_steal_pointer (&thread));

  g_assert_cmpstr (client.result, ==, "HTTP/1.1 200 OK|HTTP/1.1 200 OK|refused|HTTP/1.1 200 OK");
  client_clear (&client);
}

static gboolean
fail_certificate_cb (GTlsConnection       *connection,
                     GTlsCertificate      *certificate,
                     GTlsCertificateFlags  errors,
                     gpointer              user_data)
{
  return FALSE;
}

static gpointer
failed_handshakes_thread (gpointer data)
{
  Client *client = data;

  for (guint i = 0; i < 30; i++)
    {
      g_autoptr(GSocket) socket = tcp_connect (client->port);

      g_socket_close (socket, NULL);
    }
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GSocket) socket = tcp_connect (client->port);
      static const char plain[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

      g_socket_send (socket, plain, sizeof plain - 1, NULL, NULL);
      g_socket_close (socket, NULL);
    }
  /* What curl or a browser does with a certificate it does not trust. */
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
      g_autoptr(GSocketConnection) tcp = NULL;
      g_autoptr(GIOStream) tls = NULL;
      g_autoptr(GError) error = NULL;

      tcp = g_socket_client_connect_to_host (socket_client, "127.0.0.1", client->port, NULL,
                                             &error);
      g_assert_no_error (error);
      tls = g_tls_client_connection_new (G_IO_STREAM (tcp), NULL, &error);
      g_assert_no_error (error);
      g_signal_connect (tls, "accept-certificate", G_CALLBACK (fail_certificate_cb), NULL);
      g_assert_false (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error));
      g_io_stream_close (G_IO_STREAM (tcp), NULL, NULL);
    }
  client_finish (client);
  return NULL;
}

static gboolean
nothing_open (gpointer user_data)
{
  Fixture *f = user_data;

  return hallway_daemon_listener_get_n_open (f->listener) == 0;
}

static void
test_failed_handshakes (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GThread) thread = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autofree char *path = hallway_test_server_share_path (&f->t, "");
  Client client = { 0 };

  g_test_summary ("Connections that never finish a handshake give their place back");

  set_limits (f, 4, 512, 0);
  client_init (&client, f);
  thread = g_thread_new ("client", failed_handshakes_thread, &client);
  g_assert_true (hallway_test_wait_flag (&client.done, 60));
  g_thread_join (g_steal_pointer (&thread));

  g_assert_true (hallway_test_wait_until (nothing_open, f, 10));
  response = hallway_test_server_request (&f->t, "OPTIONS", path, NULL, NULL, 0, NULL);
  g_assert_cmpuint (response->status, ==, 200);
  client_clear (&client);
}

static gpointer
silent_thread (gpointer data)
{
  Client *client = data;
  g_autoptr(GSocket) socket = tcp_connect (client->port);

  client->result = g_strdup (closed_by_server (socket, NULL, NULL,
                                               HALLWAY_LISTENER_HANDSHAKE_TIMEOUT_S + 10)
                             ? "closed" : "open");
  client_finish (client);
  return NULL;
}

static gpointer
dripping_thread (gpointer data)
{
  Client *client = data;
  /* A GTcpWrapperConnection: its socket is the TCP one, its streams TLS. */
  g_autoptr(GIOStream) stream = hallway_test_server_raw_connect (client->port);
  static const char start[] = "GET / HTTP/1.1\r\n";

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), start, sizeof start - 1,
                             NULL, NULL, NULL);
  client->result = g_strdup (closed_by_server (g_socket_connection_get_socket (
                                                 G_SOCKET_CONNECTION (stream)),
                                               stream, "X-Slow: 1\r\n",
                                               HALLWAY_LISTENER_HEADERS_TIMEOUT_S + 10)
                             ? "closed" : "open");
  client_finish (client);
  return NULL;
}

static void
test_slow_clients (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GThread) silent = NULL;
  g_autoptr(GThread) dripping = NULL;
  Client silent_client = { 0 }, dripping_client = { 0 };

  g_test_summary ("A connection that never starts TLS, and one that sends its headers a line "
                  "a second, are closed at their deadlines");

  client_init (&silent_client, f);
  client_init (&dripping_client, f);
  silent = g_thread_new ("silent", silent_thread, &silent_client);
  dripping = g_thread_new ("dripping", dripping_thread, &dripping_client);
  g_assert_true (hallway_test_wait_flag (&silent_client.done, 40));
  g_assert_true (hallway_test_wait_flag (&dripping_client.done, 40));
  g_thread_join (g_steal_pointer (&silent));
  g_thread_join (g_steal_pointer (&dripping));

  g_assert_cmpstr (silent_client.result, ==, "closed");
  g_assert_cmpstr (dripping_client.result, ==, "closed");
  g_assert_true (hallway_test_wait_until (nothing_open, f, 10));
  client_clear (&silent_client);
  client_clear (&dripping_client);
}

static gboolean backed_off;

/* Notes the acceptor's message when it pauses, for test_out_of_descriptors. */
static GLogWriterOutput
log_writer_cb (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        g_str_has_prefix (fields[i].value, "Cannot accept connections for now"))
      g_atomic_int_set (&backed_off, TRUE);
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
one_accepted (gpointer user_data)
{
  Fixture *f = user_data;

  return hallway_daemon_listener_get_n_accepted (f->listener) == 1;
}

static void
test_out_of_descriptors (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GArray) fillers = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, f->t.port);
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autofree char *path = hallway_test_server_share_path (&f->t, "");
  struct rlimit saved, low;
  int fd;

  g_test_summary ("Out of descriptors, the listener pauses, and takes the waiting connection "
                  "once some are free again");

  /* The client's socket is made first: connecting takes no descriptor. */
  client = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         NULL);
  g_socket_set_blocking (client, FALSE);
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  fd = dup (0);
  low = saved;
  low.rlim_cur = fd + 32;
  close (fd);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  while ((fd = dup (0)) >= 0)
    g_array_append_val (fillers, fd);
  g_assert_cmpint (errno, ==, EMFILE);

  g_socket_connect (client, address, NULL, NULL);   /* completes in the kernel */
  g_assert_true (hallway_test_wait_flag (&backed_off, 10));
  g_assert_cmpuint (hallway_daemon_listener_get_n_accepted (f->listener), ==, 0);

  for (guint i = 0; i < fillers->len; i++)
    close (g_array_index (fillers, int, i));
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  g_assert_true (hallway_test_wait_until (one_accepted, f, 10));

  response = hallway_test_server_request (&f->t, "OPTIONS", path, NULL, NULL, 0, NULL);
  g_assert_cmpuint (response->status, ==, 200);
}

int
main (int   argc,
      char *argv[])
{
  g_log_set_writer_func (log_writer_cb, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/listener/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("per-address", test_per_address);
  ADD ("failed-handshakes", test_failed_handshakes);
  ADD ("slow-clients", test_slow_clients);
  ADD ("out-of-descriptors", test_out_of_descriptors);

#undef ADD

  return g_test_run ();
}
