/* test-drops-http.c: the receiving side of the drop protocol (offers,
 * long-poll, accept over D-Bus, PUT with Content-Range, HEAD, DELETE,
 * limits and refusals), over real TLS on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sender is the fixture's client computer; a third computer (the
 * server's own identity, presented as a client certificate) checks that
 * offers stay private to whoever made them. The person's answer arrives
 * as it does from the window: over D-Bus, on a private bus.
 */
#include "config.h"

#include "hallway-test-server.h"
#include "hallway-test-utils.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hallway-constants.h"
#include "hallway-daemon-drops.h"
#include "hallway-dbus.h"
#include "hallway-drop.h"
#include "hallway-transfer.h"

#define OFFERS_PATH "/api/v1/drops"
#define ONE_FILE    "{\"name\": \"Bruno\", \"files\": [{\"path\": \"a.txt\", \"size\": 3}]," \
                    " \"total\": 3}"

typedef struct
{
  HallwayTestServer         t;
  GDBusConnection          *bus;
  GDBusObjectManagerServer *manager;
  HallwayDaemonDrops       *drops;
  GSettings                *settings;
  char                     *inbox;     /* the receive folder */
  const char               *problem;   /* what the problem function says */
} Fixture;

static const char *
problem_cb (const char *device_id,
            gpointer    user_data)
{
  Fixture *f = user_data;

  return f->problem;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state_path = NULL;

  hallway_test_server_set_up (&f->t, "drops");
  f->inbox = g_build_filename (f->t.dir, "Inbox", NULL);
  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "receive-folder", f->inbox);

  f->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  f->manager = g_dbus_object_manager_server_new (HALLWAY_DAEMON_OBJECT_PATH);
  g_dbus_object_manager_server_set_connection (f->manager, f->bus);

  state_path = g_build_filename (f->t.dir, "offers.json", NULL);
  f->drops = hallway_daemon_drops_new (NULL, f->manager, f->t.pins, state_path);
  g_assert_true (hallway_daemon_drops_load (f->drops, &error));
  g_assert_no_error (error);
  hallway_daemon_drops_set_problem_func (f->drops, problem_cb, f);
  hallway_daemon_drops_attach (f->drops, hallway_daemon_server_get_soup_server (f->t.server));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* A save of the offers under way in a worker thread holds the object:
   * let it end before the folder it writes into goes. */
  g_object_add_weak_pointer (G_OBJECT (f->drops), (gpointer *) &f->drops);
  g_object_unref (f->drops);
  while (f->drops != NULL)
    g_main_context_iteration (NULL, TRUE);
  g_dbus_object_manager_server_set_connection (f->manager, NULL);
  g_clear_object (&f->manager);
  g_clear_object (&f->bus);
  g_settings_reset (f->settings, "receive-folder");
  g_settings_reset (f->settings, "accept-policy");
  g_settings_reset (f->settings, "offer-timeout");
  g_clear_object (&f->settings);
  hallway_test_server_tear_down (&f->t);
  g_free (f->inbox);
}

static GTlsCertificate *
sender (Fixture *f)
{
  return hallway_identity_get_tls_certificate (f->t.client_identity);
}

static GTlsCertificate *
stranger (Fixture *f)
{
  return hallway_identity_get_tls_certificate (f->t.server_identity);
}

static JsonObject *
parse_object (JsonParser          *parser,
              HallwayTestResponse *response)
{
  g_autofree char *text = hallway_test_response_dup_text (response);
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

/* Checks the shape every refusal has, and returns its code. */
static char *
error_code (HallwayTestResponse *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object = parse_object (parser, response);

  g_assert_nonnull (json_object_get_string_member (object, "message"));
  return g_strdup (json_object_get_string_member (object, "error"));
}

#define assert_refused(response, status_, code) \
  G_STMT_START { \
    g_autofree char *code_ = NULL; \
    g_assert_cmpuint ((response)->status, ==, (status_)); \
    code_ = error_code (response); \
    g_assert_cmpstr (code_, ==, (code)); \
  } G_STMT_END

static HallwayTestResponse *
post_offer (Fixture         *f,
            GTlsCertificate *certificate,
            const char      *json)
{
  return hallway_test_server_request (&f->t, "POST", OFFERS_PATH, certificate, json, -1,
                                      "Content-Type", "application/json", NULL);
}

/* Offers two files: "notes.txt" (11 bytes) and "Photos/beach.jpg" (@size).
 * Returns the offer id. */
static char *
offer_two (Fixture *f,
           gsize    size)
{
  g_autofree char *json = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  json = g_strdup_printf ("{\"name\": \"Bruno Costa\", \"files\": ["
                          "{\"path\": \"notes.txt\", \"size\": 11},"
                          "{\"path\": \"Photos/beach.jpg\", \"size\": %" G_GSIZE_FORMAT "}],"
                          " \"total\": %" G_GSIZE_FORMAT "}", size, size + 11);
  response = post_offer (f, sender (f), json);
  g_assert_cmpuint (response->status, ==, 202);
  object = parse_object (parser, response);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "pending");
  g_assert_true (hallway_drop_id_is_valid (json_object_get_string_member (object, "id")));
  return g_strdup (json_object_get_string_member (object, "id"));
}

static char *
offer_state (Fixture             *f,
             HallwayTestResponse *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_cmpuint (response->status, ==, 200);
  return g_strdup (json_object_get_string_member (parse_object (parser, response), "state"));
}

static char *
get_state (Fixture    *f,
           const char *id)
{
  g_autofree char *path = g_strdup_printf (OFFERS_PATH "/%s", id);
  g_autoptr(HallwayTestResponse) response = NULL;

  response = hallway_test_server_request (&f->t, "GET", path, sender (f), NULL, 0, NULL);
  return offer_state (f, response);
}

/* The sender's long-poll: GET …?wait=60. */
static void
poll_start (Fixture            *f,
            HallwayTestRequest *poll,
            const char         *id)
{
  g_autofree char *path = g_strdup_printf (OFFERS_PATH "/%s?wait=60", id);

  poll->msg = hallway_test_server_new_message (&f->t, "GET", path);
  poll->certificate = sender (f);
  hallway_test_request_send (&f->t, poll);
}

/* Its answer, which must come within @timeout_s: long before the wait it
 * asked for ends, since an event ends it. */
static JsonObject *
poll_finish (HallwayTestRequest *poll,
             JsonParser         *parser,
             guint               timeout_s)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hallway_test_wait_flag (&poll->done, timeout_s));
  hallway_test_request_wait (poll);
  g_assert_cmpuint (soup_message_get_status (poll->msg), ==, 200);
  json_parser_load_from_data (parser, g_bytes_get_data (poll->body, NULL),
                              g_bytes_get_size (poll->body), &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

/* The person's side: offer @short_id as the window sees it. */
static HallwayDBusOffer1 *
offer_proxy (Fixture    *f,
             const char *short_id)
{
  g_autofree char *path = g_strdup_printf (HALLWAY_DROPS_OBJECT_PATH "/%s", short_id);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HallwayDBusOffer1 *proxy;

  hallway_dbus_offer1_proxy_new (f->bus, G_DBUS_PROXY_FLAGS_NONE,
                                 g_dbus_connection_get_unique_name (f->bus), path, NULL,
                                 hallway_test_result_cb, &result);
  proxy = hallway_dbus_offer1_proxy_new_finish (hallway_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (proxy);
  return proxy;
}

static gboolean
accept_offer (Fixture     *f,
              const char  *short_id,
              GVariant    *indexes,
              const char  *folder,
              GError     **error)
{
  g_autoptr(HallwayDBusOffer1) proxy = offer_proxy (f, short_id);
  g_autoptr(GAsyncResult) result = NULL;

  hallway_dbus_offer1_call_accept (proxy, indexes, folder, NULL, hallway_test_result_cb, &result);
  return hallway_dbus_offer1_call_accept_finish (proxy, hallway_test_wait_result (&result), error);
}

static void
decline_offer (Fixture    *f,
               const char *short_id)
{
  g_autoptr(HallwayDBusOffer1) proxy = offer_proxy (f, short_id);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  hallway_dbus_offer1_call_decline (proxy, NULL, hallway_test_result_cb, &result);
  hallway_dbus_offer1_call_decline_finish (proxy, hallway_test_wait_result (&result), &error);
  g_assert_no_error (error);
}

static GVariant *
all_files (void)
{
  return g_variant_new_array (G_VARIANT_TYPE_UINT32, NULL, 0);
}

/* PUT bytes [@start, @start + @length) of file @index, as a resumed send
 * does when @range; the whole file in one request otherwise. */
static HallwayTestResponse *
put_file (Fixture     *f,
          const char  *id,
          guint        index,
          const char  *data,
          gsize        start,
          gsize        length,
          gsize        total,
          gboolean     range)
{
  g_autofree char *path = g_strdup_printf (OFFERS_PATH "/%s/files/%u", id, index);
  g_autofree char *content_range = NULL;

  if (!range)
    return hallway_test_server_request (&f->t, "PUT", path, sender (f), data + start, length,
                                        NULL);
  content_range = length > 0
    ? g_strdup_printf ("bytes %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT,
                       start, start + length - 1, total)
    : g_strdup_printf ("bytes */%" G_GSIZE_FORMAT, total);
  return hallway_test_server_request (&f->t, "PUT", path, sender (f), data + start, length,
                                      "Content-Range", content_range, NULL);
}

static guint64
received_of (HallwayTestResponse *response)
{
  const char *text = soup_message_headers_get_one (response->headers, "Hallway-Received");

  g_assert_nonnull (text);
  return g_ascii_strtoull (text, NULL, 10);
}

static guint64
head_received (Fixture    *f,
               const char *id,
               guint       index)
{
  g_autofree char *path = g_strdup_printf (OFFERS_PATH "/%s/files/%u", id, index);
  g_autoptr(HallwayTestResponse) response = NULL;

  response = hallway_test_server_request (&f->t, "HEAD", path, sender (f), NULL, 0, NULL);
  g_assert_cmpuint (response->status, ==, 200);
  return received_of (response);
}

static HallwayDBusOffer1 *
exported_offer (Fixture    *f,
                const char *short_id)
{
  g_autofree char *path = g_strdup_printf (HALLWAY_DROPS_OBJECT_PATH "/%s", short_id);
  g_autoptr(GDBusObject) object = NULL;

  object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (f->manager), path);
  g_assert_nonnull (object);
  return HALLWAY_DBUS_OFFER1 (g_dbus_object_get_interface (object,
                                                           "io.github.hallwaylan.Hallway.Offer1"));
}

static char *
random_bytes (gsize size)
{
  char *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (char) g_test_rand_int ();
  return data;
}

static void
test_deliver (Fixture       *f,
              gconstpointer  data)
{
  const gsize size = 700 * 1024 + 3;   /* a few blocks and a bit */
  const gsize half = 300 * 1024;
  g_autofree char *photo = random_bytes (size);
  g_autofree char *id = NULL;
  g_autofree char *state = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *arrived = NULL;
  g_autofree char *photo_path = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autoptr(HallwayDBusOffer1) offer = NULL;
  g_autoptr(GError) error = NULL;
  HallwayTestRequest poll = { 0 };
  JsonObject *answer;
  JsonArray *accepted;
  gsize arrived_size;

  g_test_summary ("An offer is asked, accepted over D-Bus while the sender long-polls, "
                  "then arrives in pieces, resumed where it stopped, whole");

  id = offer_two (f, size);
  offer = exported_offer (f, "1");
  g_assert_cmpstr (hallway_dbus_offer1_get_state (offer), ==, "pending");
  g_assert_cmpstr (hallway_dbus_offer1_get_peer (offer), ==,
                   hallway_identity_get_device_id (f->t.client_identity));
  g_assert_cmpstr (hallway_dbus_offer1_get_peer_name (offer), ==, "Bruno Costa");
  g_assert_cmpuint (hallway_dbus_offer1_get_total (offer), ==, size + 11);
  state = get_state (f, id);
  g_assert_cmpstr (state, ==, "pending");

  /* Nothing may arrive before the person says yes. */
  response = put_file (f, id, 0, "hello world", 0, 11, 11, FALSE);
  assert_refused (response, 409, "not-accepted");
  g_clear_pointer (&response, hallway_test_response_free);

  /* The sender waits; the answer ends its wait. */
  poll_start (f, &poll, id);
  g_assert_true (accept_offer (f, "1", all_files (), "", &error));
  g_assert_no_error (error);
  answer = poll_finish (&poll, parser, 20);
  g_assert_cmpstr (json_object_get_string_member (answer, "state"), ==, "accepted");
  accepted = json_object_get_array_member (answer, "accepted");
  g_assert_cmpuint (json_array_get_length (accepted), ==, 2);
  hallway_test_request_clear (&poll);
  g_assert_cmpstr (hallway_dbus_offer1_get_folder (offer), ==, f->inbox);

  /* A file in one go. */
  response = put_file (f, id, 0, "hello world", 0, 11, 11, FALSE);
  g_assert_cmpuint (response->status, ==, 201);
  g_clear_pointer (&response, hallway_test_response_free);
  g_assert_cmpuint (head_received (f, id, 0), ==, 11);
  /* Once there, it is not taken again. */
  response = put_file (f, id, 0, "hello world", 0, 11, 11, TRUE);
  g_assert_cmpuint (response->status, ==, 416);
  g_assert_cmpuint (received_of (response), ==, 11);
  g_clear_pointer (&response, hallway_test_response_free);

  /* The other in two pieces: the first stops half-way... */
  response = put_file (f, id, 1, photo, 0, half, size, TRUE);
  g_assert_cmpuint (response->status, ==, 200);
  g_clear_pointer (&response, hallway_test_response_free);
  g_assert_cmpuint (head_received (f, id, 1), ==, half);
  g_free (state);
  state = get_state (f, id);
  g_assert_cmpstr (state, ==, "accepted");
  /* ... a piece that does not follow what arrived is refused, with where
   * to go on from ... */
  response = put_file (f, id, 1, photo, half + 10, size - half - 10, size, TRUE);
  g_assert_cmpuint (response->status, ==, 416);
  g_assert_cmpuint (received_of (response), ==, half);
  g_clear_pointer (&response, hallway_test_response_free);
  /* ... and so is one that says another size. */
  response = put_file (f, id, 1, photo, half, size - half, size + 1, TRUE);
  g_assert_cmpuint (response->status, ==, 416);
  g_clear_pointer (&response, hallway_test_response_free);
  /* The rest completes it. */
  response = put_file (f, id, 1, photo, half, size - half, size, TRUE);
  g_assert_cmpuint (response->status, ==, 201);
  g_clear_pointer (&response, hallway_test_response_free);

  g_free (state);
  state = get_state (f, id);
  g_assert_cmpstr (state, ==, "done");
  g_assert_cmpstr (hallway_dbus_offer1_get_state (offer), ==, "done");
  g_assert_cmpuint (hallway_dbus_offer1_get_bytes (offer), ==, size + 11);
  listing = hallway_test_dup_tree (f->inbox);
  g_assert_cmpstr (listing, ==, "Photos/\nPhotos/beach.jpg 716803\nnotes.txt 11\n");
  photo_path = g_build_filename (f->inbox, "Photos", "beach.jpg", NULL);
  g_assert_true (g_file_get_contents (photo_path, &arrived, &arrived_size, NULL));
  g_assert_cmpmem (arrived, arrived_size, photo, size);
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *state = NULL;
  g_autofree char *listing = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Who may not send, what may not be sent, and answers that end an offer, "
                  "each refused in the protocol's words, nothing saved");

  /* A browser or curl: no Hallway identity. */
  response = post_offer (f, NULL, ONE_FILE);
  assert_refused (response, 401, "unauthorized");
  g_clear_pointer (&response, hallway_test_response_free);

  /* A neighbour whose identity changed since it was pinned. */
  f->problem = "identity-changed";
  response = post_offer (f, sender (f), ONE_FILE);
  assert_refused (response, 403, "refused");
  g_clear_pointer (&response, hallway_test_response_free);
  f->problem = NULL;

  /* A person who accepts nothing. */
  g_settings_set_string (f->settings, "accept-policy", "refuse");
  g_assert_false (hallway_daemon_drops_get_accepts (f->drops));
  response = post_offer (f, sender (f), ONE_FILE);
  assert_refused (response, 403, "refused");
  g_clear_pointer (&response, hallway_test_response_free);
  g_settings_reset (f->settings, "accept-policy");
  g_assert_true (hallway_daemon_drops_get_accepts (f->drops));

  /* Offers that are not what the protocol says. */
  response = post_offer (f, sender (f), "{\"name\": \"Bruno\", \"files\": [");
  assert_refused (response, 400, "invalid");
  g_clear_pointer (&response, hallway_test_response_free);
  response = post_offer (f, sender (f),
                         "{\"name\": \"Bruno\", \"files\": [{\"path\": \"../../.bashrc\","
                         " \"size\": 3}], \"total\": 4}");
  assert_refused (response, 400, "invalid");
  g_clear_pointer (&response, hallway_test_response_free);
  response = hallway_test_server_request (&f->t, "GET", OFFERS_PATH, sender (f), NULL, 0, NULL);
  assert_refused (response, 405, "method-not-allowed");
  g_assert_cmpstr (soup_message_headers_get_one (response->headers, "Allow"), ==, "POST");
  g_clear_pointer (&response, hallway_test_response_free);

  /* An offer is only its sender's business. */
  response = post_offer (f, sender (f), ONE_FILE);
  g_assert_cmpuint (response->status, ==, 202);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();

    id = g_strdup (json_object_get_string_member (parse_object (parser, response), "id"));
  }
  g_clear_pointer (&response, hallway_test_response_free);
  path = g_strdup_printf (OFFERS_PATH "/%s", id);
  response = hallway_test_server_request (&f->t, "GET", path, stranger (f), NULL, 0, NULL);
  assert_refused (response, 404, "not-found");
  g_clear_pointer (&response, hallway_test_response_free);
  response = hallway_test_server_request (&f->t, "DELETE", path, stranger (f), NULL, 0, NULL);
  assert_refused (response, 404, "not-found");
  g_clear_pointer (&response, hallway_test_response_free);
  response = hallway_test_server_request (&f->t, "GET",
                                          OFFERS_PATH "/0123456789abcdef0123456789abcdef",
                                          sender (f), NULL, 0, NULL);
  assert_refused (response, 404, "not-found");
  g_clear_pointer (&response, hallway_test_response_free);
  g_free (path);
  path = g_strdup_printf (OFFERS_PATH "/%s?wait=61", id);
  response = hallway_test_server_request (&f->t, "GET", path, sender (f), NULL, 0, NULL);
  assert_refused (response, 400, "invalid");
  g_clear_pointer (&response, hallway_test_response_free);

  /* A file that is not in the offer; a folder that is not absolute. */
  g_assert_false (accept_offer (f, "1", g_variant_new_parsed ("[@u 3]"), "", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (accept_offer (f, "1", all_files (), "relative/folder", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Declined: the sender is told, and nothing more arrives. */
  decline_offer (f, "1");
  state = get_state (f, id);
  g_assert_cmpstr (state, ==, "declined");
  response = put_file (f, id, 0, "abc", 0, 3, 3, FALSE);
  assert_refused (response, 410, "gone");
  g_clear_pointer (&response, hallway_test_response_free);
  listing = hallway_test_dup_tree (f->inbox);
  g_assert_cmpstr (listing, ==, "");
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  const gsize size = 600 * 1024;
  g_autofree char *photo = random_bytes (size);
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *state = NULL;
  g_autofree char *listing = NULL;
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autofree char *part = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(HallwayDBusOffer1) offer = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A sender's DELETE cancels its offer and removes what had arrived");

  id = offer_two (f, size);
  g_assert_true (accept_offer (f, "1", g_variant_new_parsed ("[@u 1]"), f->inbox, &error));
  g_assert_no_error (error);
  /* Only the file asked for may come. */
  response = put_file (f, id, 0, "hello world", 0, 11, 11, FALSE);
  assert_refused (response, 409, "not-accepted");
  g_clear_pointer (&response, hallway_test_response_free);
  response = put_file (f, id, 1, photo, 0, size / 2, size, TRUE);
  g_assert_cmpuint (response->status, ==, 200);
  g_clear_pointer (&response, hallway_test_response_free);
  listing = hallway_test_dup_tree (f->inbox);
  part = hallway_transfer_part_name ("beach.jpg");
  expected = g_strdup_printf ("Photos/\nPhotos/%s %" G_GSIZE_FORMAT "\n", part, size / 2);
  g_assert_cmpstr (listing, ==, expected);

  path = g_strdup_printf (OFFERS_PATH "/%s", id);
  response = hallway_test_server_request (&f->t, "DELETE", path, sender (f), NULL, 0, NULL);
  g_assert_cmpuint (response->status, ==, 204);
  g_clear_pointer (&response, hallway_test_response_free);
  state = get_state (f, id);
  g_assert_cmpstr (state, ==, "cancelled");
  offer = exported_offer (f, "1");
  g_assert_cmpstr (hallway_dbus_offer1_get_state (offer), ==, "cancelled");
  g_free (listing);
  listing = hallway_test_dup_tree (f->inbox);
  /* Nothing of the file is left (the folder made for it stays, empty). */
  g_assert_cmpstr (listing, ==, "Photos/\n");
  response = put_file (f, id, 1, photo, size / 2, size - size / 2, size, TRUE);
  assert_refused (response, 410, "gone");
}

static void
test_limits (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autoptr(GString) huge = g_string_new ("{\"name\": \"Bruno\", \"files\": [");
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Too many waiting offers get 429, an offer too large for the disk 507, "
                  "an offer body or a file bigger than announced 413");

  for (guint i = 0; i < HALLWAY_DROPS_MAX_PENDING_PEER; i++)
    {
      response = post_offer (f, sender (f), ONE_FILE);
      g_assert_cmpuint (response->status, ==, 202);
      g_clear_pointer (&response, hallway_test_response_free);
    }
  response = post_offer (f, sender (f), ONE_FILE);
  assert_refused (response, 429, "busy");
  g_assert_nonnull (soup_message_headers_get_one (response->headers, "Retry-After"));
  g_clear_pointer (&response, hallway_test_response_free);
  /* Another computer is not held up by this one. */
  response = post_offer (f, stranger (f), ONE_FILE);
  g_assert_cmpuint (response->status, ==, 202);
  g_clear_pointer (&response, hallway_test_response_free);
  /* An answer makes room. */
  decline_offer (f, "1");
  response = post_offer (f, sender (f), ONE_FILE);
  g_assert_cmpuint (response->status, ==, 202);
  g_clear_pointer (&response, hallway_test_response_free);

  /* More than any disk holds. */
  response = post_offer (f, stranger (f),
                         "{\"name\": \"Bruno\", \"files\": [{\"path\": \"big.iso\","
                         " \"size\": 4000000000000000000}], \"total\": 4000000000000000000}");
  assert_refused (response, 507, "no-space");
  g_clear_pointer (&response, hallway_test_response_free);

  /* An offer body over the limit is not even read to its end. */
  while (huge->len <= HALLWAY_DROP_MAX_BODY)
    g_string_append (huge, "{\"path\": \"a-rather-long-file-name.txt\", \"size\": 1},");
  g_string_append (huge, "{\"path\": \"z\", \"size\": 1}], \"total\": 1}");
  response = hallway_test_server_request (&f->t, "POST", OFFERS_PATH, stranger (f), huge->str,
                                          huge->len, NULL);
  g_assert_cmpuint (response->status, ==, 413);
  g_clear_pointer (&response, hallway_test_response_free);

  /* A file bigger than the offer said (offer 7: the refused ones got no
   * number). */
  decline_offer (f, "2");
  id = offer_two (f, 5);
  g_assert_true (accept_offer (f, "7", all_files (), "", &error));
  g_assert_no_error (error);
  response = put_file (f, id, 0, "hello world, and more", 0, 21, 11, FALSE);
  assert_refused (response, 413, "too-large");
  g_clear_pointer (&response, hallway_test_response_free);
  g_assert_cmpuint (head_received (f, id, 0), ==, 0);
}

static void
test_expire (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *id = NULL;
  HallwayTestRequest poll = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *answer;

  g_test_summary ("An offer nobody answers expires after offer-timeout, ending the long-poll");

  g_settings_set_uint (f->settings, "offer-timeout", 5);
  id = offer_two (f, 5);
  poll_start (f, &poll, id);
  /* Ended by the expiry (5 s). */
  answer = poll_finish (&poll, parser, 30);
  g_assert_cmpstr (json_object_get_string_member (answer, "state"), ==, "expired");
  hallway_test_request_clear (&poll);
  g_assert_false (accept_offer (f, "1", all_files (), "", &error));
  g_assert_nonnull (error);
}

static void
test_trusted (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(HallwayTestResponse) response = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *id = NULL;
  const char *client_id = hallway_identity_get_device_id (f->t.client_identity);
  JsonObject *object;

  g_test_summary ("With accept-policy “trusted”, a trusted colleague's files are taken "
                  "without asking; anyone else still waits for an answer");

  g_settings_set_string (f->settings, "accept-policy", "trusted");
  hallway_pins_remember (f->t.pins, client_id, "Bruno Costa (Sales)");
  hallway_pins_set_trusted (f->t.pins, client_id, TRUE);

  response = post_offer (f, sender (f), "{\"name\": \"Bruno\", \"files\": [{\"path\": \"a.txt\","
                                        " \"size\": 3}], \"total\": 3}");
  g_assert_cmpuint (response->status, ==, 202);
  object = parse_object (parser, response);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "accepted");
  id = g_strdup (json_object_get_string_member (object, "id"));
  g_clear_pointer (&response, hallway_test_response_free);
  {
    g_autoptr(HallwayDBusOffer1) offer = exported_offer (f, "1");

    /* The name the person gave the colleague wins over the one sent. */
    g_assert_cmpstr (hallway_dbus_offer1_get_peer_name (offer), ==, "Bruno Costa (Sales)");
    g_assert_true (hallway_dbus_offer1_get_trusted (offer));
  }
  response = put_file (f, id, 0, "abc", 0, 3, 3, FALSE);
  g_assert_cmpuint (response->status, ==, 201);
  g_clear_pointer (&response, hallway_test_response_free);

  response = post_offer (f, stranger (f), "{\"name\": \"Eve\", \"files\": [{\"path\": \"b.txt\","
                                          " \"size\": 3}], \"total\": 3}");
  g_assert_cmpuint (response->status, ==, 202);
  g_clear_object (&parser);
  parser = json_parser_new ();
  object = parse_object (parser, response);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "pending");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define add(name, func) \
  g_test_add ("/drops/http/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  add ("deliver", test_deliver);
  add ("refusals", test_refusals);
  add ("cancel", test_cancel);
  add ("limits", test_limits);
  add ("expire", test_expire);
  add ("trusted", test_trusted);
#undef add

  return hallway_test_run_with_session_bus ();
}
