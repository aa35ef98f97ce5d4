/* test-pipelining.c: requests a client sends before the previous answers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-server.h"
#include "hallway-test-utils.h"

#include <string.h>

typedef struct
{
  HallwayTestServer t;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  hallway_test_server_set_up (&f->t, "pipelining");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hallway_test_server_tear_down (&f->t);
}

/* A raw TLS client in a thread, while the main thread runs the server. */
typedef struct
{
  guint16   port;
  char     *requests;    /* sent in one write */
  GString  *answers;     /* (out) everything read until the server closed */
  gboolean  done;
} Pipeline;

static gpointer
pipeline_thread (gpointer data)
{
  Pipeline *p = data;
  g_autoptr(GIOStream) stream = hallway_test_server_raw_connect (p->port);
  g_autoptr(GError) error = NULL;
  GInputStream *in = g_io_stream_get_input_stream (stream);
  char buffer[4096];
  gssize n;

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), p->requests,
                             strlen (p->requests), NULL, NULL, &error);
  g_assert_no_error (error);
  /* The last request asks to close: the server's end of stream ends this.
   * A lost request would leave this waiting; the test's wait bounds it. */
  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (p->answers, buffer, n);
  g_io_stream_close (stream, NULL, NULL);
  g_atomic_int_set (&p->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_pipelined (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GThread) thread = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *put = NULL;
  Pipeline p = { 0 };

  g_test_summary ("Requests pipelined on one connection (lftp mirror) are all answered, "
                  "in order, a body's bytes never taken for the next request");

  hallway_test_server_add_share (&f->t, HALLWAY_SHARE_ACCESS_READ_WRITE,
                                 HALLWAY_SHARE_AUDIENCE_EVERYONE, NULL);
  hallway_test_server_write_file (&f->t, "a.txt", "first file", -1);
  hallway_test_server_write_file (&f->t, "b.txt", "second file", -1);
  prefix = g_strdup_printf ("/shares/%s/", f->t.share_id);
  p.port = f->t.port;
  p.answers = g_string_new (NULL);
  p.requests = g_strdup_printf ("HEAD %sa.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                                "PUT %sc.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"
                                "HEAD / HTTP"
                                "HEAD %sb.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET %sa.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                prefix, prefix, prefix, prefix);
  thread = g_thread_new ("pipeline", pipeline_thread, &p);
  g_assert_true (hallway_test_wait_flag (&p.done, 30));
  g_thread_join (g_steal_pointer (&thread));

  g_assert_cmpuint (hallway_test_count_matches (p.answers->str, "HTTP/1.1 200 OK"), ==, 3);
  g_assert_cmpuint (hallway_test_count_matches (p.answers->str, "HTTP/1.1 201 Created"), ==, 1);
  g_assert_true (g_str_has_suffix (p.answers->str, "first file"));
  put = hallway_test_server_read_file (&f->t, "c.txt");
  g_assert_cmpstr (put, ==, "HEAD / HTTP");
  g_string_free (p.answers, TRUE);
  g_free (p.requests);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/listener/pipelined", Fixture, NULL, fixture_set_up, test_pipelined,
              fixture_tear_down);

  return g_test_run ();
}
