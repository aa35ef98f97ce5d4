/* test-send.c: the sending side of the drop protocol against a scripted
 * receiver, over real TLS on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real receiver is exercised end to end by the LAN tests; here the
 * receiver says exactly what each test needs, including what a real one
 * should never say, to check what the sender makes of it.
 */
#include "config.h"

#include "hallway-test-server.h"
#include "hallway-test-utils.h"

#include <glib/gstdio.h>

#include "hallway-constants.h"
#include "hallway-client.h"
#include "hallway-daemon-peers.h"
#include "hallway-daemon-server.h"
#include "hallway-daemon-transfers.h"
#include "hallway-dbus.h"
#include "hallway-error.h"
#include "hallway-identity.h"
#include "hallway-pins.h"

#define OFFER_ID "0123456789abcdef0123456789abcdef"
#define RECEIVER "Alice Martin on office-a"

typedef struct
{
  HallwayTestServer         t;             /* the receiver, t.client the sender */
  GDBusObjectManagerServer *manager;
  HallwayPins              *pins;          /* the sender's neighbours */
  HallwayDaemonPeers       *peers;
  HallwayDaemonTransfers   *transfers;
  char                     *peer_path;

  /* The script. */
  guint                     post_status;
  const char               *post_body;
  const char               *get_body;      /* answered to every GET */
  gint64                    head_received; /* for file 0; -1: all files complete */
  guint                     put_status;    /* 0: 201 */
  /* What arrived. */
  guint                     posts;
  guint                     gets;
  guint                     heads;
  guint                     puts;
  guint                     deletes;
  GPtrArray                *content_ranges;
  GByteArray               *received[2];
} Fixture;

static void
drops_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Fixture *f = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *body = NULL;
  guint status = SOUP_STATUS_OK;

  if (g_str_equal (method, "POST") && g_str_equal (path, "/api/v1/drops"))
    {
      f->posts++;
      status = f->post_status;
      body = f->post_body;
    }
  else if (g_str_equal (method, "GET") && g_str_equal (path, "/api/v1/drops/" OFFER_ID))
    {
      f->gets++;
      body = f->get_body;
    }
  else if (g_str_equal (method, "DELETE"))
    {
      f->deletes++;
      status = SOUP_STATUS_NO_CONTENT;
    }
  else if (g_str_has_prefix (path, "/api/v1/drops/" OFFER_ID "/files/"))
    {
      guint index = g_ascii_strtoull (path + strlen ("/api/v1/drops/" OFFER_ID "/files/"),
                                      NULL, 10);
      g_autofree char *received = NULL;

      g_assert_cmpuint (index, <, 2);
      if (g_str_equal (method, "HEAD"))
        {
          f->heads++;
          received = g_strdup_printf ("%" G_GINT64_FORMAT,
                                      index == 0 && f->head_received >= 0 ? f->head_received
                                                                          : (gint64) 0);
          soup_message_headers_replace (response, "Hallway-Received", received);
        }
      else
        {
          SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
          const char *range = soup_message_headers_get_one (request, "Content-Range");

          f->puts++;
          g_ptr_array_add (f->content_ranges, g_strdup (range != NULL ? range : ""));
          if (f->put_status != 0)
            status = f->put_status;
          else
            {
              g_byte_array_append (f->received[index], (const guint8 *) request_body->data,
                                   request_body->length);
              status = SOUP_STATUS_CREATED;
              body = "{\"received\": 1}";
            }
        }
    }
  else
    status = SOUP_STATUS_NOT_FOUND;

  soup_server_message_set_status (msg, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body,
                                      strlen (body));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *address = NULL;
  g_autofree char *pins_path = NULL;
  g_autofree char *state_path = NULL;

  hallway_test_server_set_up (&f->t, "send");
  hallway_test_server_set_info (&f->t, RECEIVER, "office-a");
  hallway_test_server_add_handler (&f->t, "/api/v1/drops", drops_cb, f);
  f->content_ranges = g_ptr_array_new_with_free_func (g_free);
  f->received[0] = g_byte_array_new ();
  f->received[1] = g_byte_array_new ();
  f->post_status = SOUP_STATUS_ACCEPTED;

  f->manager = g_dbus_object_manager_server_new (HALLWAY_DAEMON_OBJECT_PATH);
  pins_path = g_build_filename (f->t.dir, "sender-peers.ini", NULL);
  f->pins = hallway_pins_new (pins_path);
  f->peers = hallway_daemon_peers_new (f->manager, f->t.client, f->pins,
                                       hallway_identity_get_device_id (f->t.client_identity));
  address = g_strdup_printf ("127.0.0.1:%u", f->t.port);
  hallway_daemon_peers_add_by_address_async (f->peers, address, NULL, hallway_test_result_cb,
                                             &result);
  f->peer_path = hallway_daemon_peers_add_by_address_finish (f->peers,
                                                             hallway_test_wait_result (&result),
                                                             &error);
  g_assert_no_error (error);

  state_path = g_build_filename (f->t.dir, "transfers.json", NULL);
  f->transfers = hallway_daemon_transfers_new (f->manager, f->t.client, f->peers, state_path);
  g_assert_true (hallway_daemon_transfers_load (f->transfers, &error));
  hallway_daemon_transfers_start (f->transfers);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* A save of the queue under way in a worker thread holds the engine:
   * let it end before the folder it writes into goes. */
  g_object_add_weak_pointer (G_OBJECT (f->transfers), (gpointer *) &f->transfers);
  g_object_unref (f->transfers);
  while (f->transfers != NULL)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&f->peers);
  g_clear_object (&f->pins);
  g_clear_object (&f->manager);
  hallway_test_server_tear_down (&f->t);
  g_clear_pointer (&f->content_ranges, g_ptr_array_unref);
  g_clear_pointer (&f->received[0], g_byte_array_unref);
  g_clear_pointer (&f->received[1], g_byte_array_unref);
  g_free (f->peer_path);
}

static char *
write_file (Fixture    *f,
            const char *name,
            const char *contents)
{
  char *path = g_build_filename (f->t.dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

typedef struct
{
  HallwayDBusTransfer1 *transfer;
  const char           *state;
} StateWait;

static gboolean
state_reached (gpointer user_data)
{
  StateWait *wait = user_data;

  return g_strcmp0 (hallway_dbus_transfer1_get_state (wait->transfer), wait->state) == 0;
}

/* Runs until @transfer reaches @state, or fails the test after @timeout_s. */
static void
assert_state_reached (HallwayDBusTransfer1 *transfer,
                      const char           *state,
                      guint                 timeout_s)
{
  StateWait wait = { transfer, state };

  hallway_test_wait_until (state_reached, &wait, timeout_s);
  g_test_message ("state %s, error “%s”", hallway_dbus_transfer1_get_state (transfer),
                  hallway_dbus_transfer1_get_error (transfer));
  g_assert_cmpstr (hallway_dbus_transfer1_get_state (transfer), ==, state);
}

/* Sends @paths and runs until the transfer reaches @state (or fails the
 * test after 15 s); returns its Transfer1. */
static HallwayDBusTransfer1 *
send_until (Fixture            *f,
            const char * const *paths,
            const char         *state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *object_path = NULL;
  g_autoptr(GDBusObject) object = NULL;
  HallwayDBusTransfer1 *transfer;

  object_path = hallway_daemon_transfers_send (f->transfers, f->peer_path, paths, "Bruno Costa",
                                               &error);
  g_assert_no_error (error);
  object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (f->manager), object_path);
  transfer = HALLWAY_DBUS_TRANSFER1 (
    g_dbus_object_get_interface (object, "io.github.hallwaylan.Hallway.Transfer1"));
  g_assert_cmpstr (hallway_dbus_transfer1_get_kind (transfer), ==, "send");

  assert_state_reached (transfer, state, 15);
  return transfer;
}

static void
test_declined (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *file = write_file (f, "a.txt", "hello");
  const char *paths[] = { file, NULL };
  g_autoptr(HallwayDBusTransfer1) transfer = NULL;

  g_test_summary ("A declined offer fails the send with the colleague's answer, plainly");

  f->post_body = "{\"id\": \"" OFFER_ID "\", \"state\": \"pending\", \"accepted\": [],"
                 " \"expires\": 1}";
  f->get_body = "{\"id\": \"" OFFER_ID "\", \"state\": \"declined\", \"accepted\": [],"
                " \"expires\": 1}";
  transfer = send_until (f, paths, "failed");
  g_assert_cmpstr (hallway_dbus_transfer1_get_error (transfer), ==, RECEIVER " declined.");
  g_assert_cmpuint (f->posts, ==, 1);
  g_assert_cmpuint (f->puts, ==, 0);
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *file = write_file (f, "a.txt", "hello");
  const char *paths[] = { file, NULL };
  g_autoptr(HallwayDBusTransfer1) refused = NULL;
  g_autoptr(HallwayDBusTransfer1) full = NULL;

  g_test_summary ("403 and 507 to an offer are told in the protocol's plain words");

  f->post_status = SOUP_STATUS_FORBIDDEN;
  f->post_body = "{\"error\": \"refused\", \"message\": \"no\"}";
  refused = send_until (f, paths, "failed");
  g_assert_cmpstr (hallway_dbus_transfer1_get_error (refused), ==,
                   RECEIVER " does not accept files.");

  f->post_status = SOUP_STATUS_INSUFFICIENT_STORAGE;
  f->post_body = "{\"error\": \"no-space\", \"message\": \"full\"}";
  full = send_until (f, paths, "failed");
  g_assert_cmpstr (hallway_dbus_transfer1_get_error (full), ==,
                   RECEIVER "'s computer does not have room for these files.");
}

static void
test_resume (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *first = write_file (f, "first.txt", "0123456789");
  g_autofree char *second = write_file (f, "second.txt", "abcdef");
  const char *paths[] = { first, second, NULL };
  g_autoptr(HallwayDBusTransfer1) transfer = NULL;

  g_test_summary ("Delivery asks how much arrived once, then continues with Content-Range");

  f->post_body = "{\"id\": \"" OFFER_ID "\", \"state\": \"accepted\", \"accepted\": [1, 0, 1],"
                 " \"expires\": 1}";
  f->head_received = 4;
  transfer = send_until (f, paths, "done");
  /* One HEAD for the first unfinished file; the next one was never started. */
  g_assert_cmpuint (f->heads, ==, 1);
  g_assert_cmpuint (f->puts, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->content_ranges, 0), ==, "bytes 4-9/10");
  g_assert_cmpstr (g_ptr_array_index (f->content_ranges, 1), ==, "");
  g_assert_cmpmem (f->received[0]->data, f->received[0]->len, "456789", 6);
  g_assert_cmpmem (f->received[1]->data, f->received[1]->len, "abcdef", 6);
  g_assert_cmpuint (hallway_dbus_transfer1_get_files (transfer), ==, 2);
  g_assert_cmpuint (hallway_dbus_transfer1_get_files_done (transfer), ==, 2);
  g_assert_cmpuint (hallway_dbus_transfer1_get_total (transfer), ==, 16);
  g_assert_cmpuint (hallway_dbus_transfer1_get_bytes (transfer), ==, 16);
  g_assert_cmpstr (hallway_dbus_transfer1_get_destination (transfer), ==, RECEIVER);
}

static void
test_bad_id (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *file = write_file (f, "a.txt", "hello");
  const char *paths[] = { file, NULL };
  g_autoptr(HallwayDBusTransfer1) transfer = NULL;

  g_test_summary ("An offer id that would lead requests elsewhere is not used");

  f->post_body = "{\"id\": \"../../api/v1/info\", \"state\": \"accepted\", \"accepted\": [0],"
                 " \"expires\": 1}";
  transfer = send_until (f, paths, "waiting");
  g_assert_cmpuint (f->posts, ==, 1);
  g_assert_cmpuint (f->gets + f->heads + f->puts, ==, 0);
}

static void
test_conflict_loop (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *file = write_file (f, "a.txt", "hello");
  const char *paths[] = { file, NULL };
  g_autoptr(HallwayDBusTransfer1) transfer = NULL;

  g_test_summary ("“Accepted”, says the state; “not accepted”, says every PUT: no loop");

  f->post_body = "{\"id\": \"" OFFER_ID "\", \"state\": \"accepted\", \"accepted\": [0],"
                 " \"expires\": 1}";
  f->get_body = f->post_body;
  f->put_status = SOUP_STATUS_CONFLICT;
  transfer = send_until (f, paths, "waiting");
  g_assert_cmpuint (f->puts, ==, 3);
  g_assert_cmpuint (f->received[0]->len, ==, 0);
}

static void
test_changed_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *file = write_file (f, "a.txt", "hello");
  const char *paths[] = { file, NULL };
  g_autoptr(HallwayDBusTransfer1) transfer = NULL;

  g_test_summary ("A file changed between offer and delivery is not sent");

  f->post_body = "{\"id\": \"" OFFER_ID "\", \"state\": \"pending\", \"accepted\": [],"
                 " \"expires\": 1}";
  f->get_body = "{\"id\": \"" OFFER_ID "\", \"state\": \"pending\", \"accepted\": [],"
                " \"expires\": 1}";
  transfer = send_until (f, paths, "offered");
  g_assert_true (g_file_set_contents (file, "hello, longer now", -1, NULL));
  f->get_body = "{\"id\": \"" OFFER_ID "\", \"state\": \"accepted\", \"accepted\": [0],"
                " \"expires\": 1}";

  /* The long-poll answers within OFFER_WAIT_S; a GET ends it sooner. */
  assert_state_reached (transfer, "failed", 40);
  g_assert_nonnull (strstr (hallway_dbus_transfer1_get_error (transfer), "changed"));
  g_assert_cmpuint (f->puts, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/send/declined", Fixture, NULL, fixture_set_up, test_declined, fixture_tear_down);
  g_test_add ("/send/refusals", Fixture, NULL, fixture_set_up, test_refusals, fixture_tear_down);
  g_test_add ("/send/resume", Fixture, NULL, fixture_set_up, test_resume, fixture_tear_down);
  g_test_add ("/send/bad-id", Fixture, NULL, fixture_set_up, test_bad_id, fixture_tear_down);
  g_test_add ("/send/conflict-loop", Fixture, NULL, fixture_set_up, test_conflict_loop,
              fixture_tear_down);
  g_test_add ("/send/changed-file", Fixture, NULL, fixture_set_up, test_changed_file,
              fixture_tear_down);

  return g_test_run ();
}
