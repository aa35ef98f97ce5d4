/* test-peers.c: neighbours found through a fake DNS-SD feed, probed over
 * real TLS against servers on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libsoup/soup.h>

#include "hallway-client.h"
#include "hallway-daemon-peers.h"
#include "hallway-daemon-peers-private.h"
#include "hallway-daemon-server.h"
#include "hallway-dnssd.h"
#include "hallway-identity.h"
#include "hallway-pins.h"
#include "hallway-test-utils.h"
#include "hallway-txt.h"

/* Fast, so the tests take seconds: probes every 250-300 ms, give up after
 * 1 s, back off from 100 ms to 800 ms. */
static const HallwayLivenessTiming fast_timing = {
  .interval_ms = 300,
  .jitter_ms = 50,
  .refresh_ms = 1500,
  .timeout_s = 1,
  .first_timeout_s = 1,
  .retry_ms = 100,
  .confirmations = 2,
  .backoff_min_ms = 100,
  .backoff_max_ms = 800,
  .max_first_contacts = 6,
};

typedef struct
{
  HallwayIdentity     *identity;
  HallwayDaemonServer *server;    /* (nullable) while it is down */
  guint16              port;
  GSocketService      *black_hole;
  GPtrArray           *swallowed;
} Neighbour;

typedef struct
{
  char                     *dir;
  HallwayIdentity          *identity;
  HallwayClient            *client;
  HallwayPins              *pins;
  GDBusObjectManagerServer *manager;
  HallwayDaemonPeers       *peers;
  Neighbour                 neighbours[5];
} Fixture;

static void
neighbour_start (Fixture   *f,
                 Neighbour *n,
                 guint16    port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;
  HallwayInfo info = { 0 };

  n->server = hallway_daemon_server_new (n->identity);
  g_assert_true (hallway_daemon_server_listen (n->server, loopback, port, &error));
  g_assert_no_error (error);
  n->port = hallway_daemon_server_get_port (n->server);
  g_assert_true (port == 0 || n->port == port);

  info.device_id = (char *) hallway_identity_get_device_id (n->identity);
  info.name = (char *) "Bruno Costa on office-b";
  info.host = (char *) "office-b";
  info.version = (char *) PACKAGE_VERSION;
  info.port = n->port;
  info.n_shares = 2;
  hallway_daemon_server_set_info (n->server, &info);
}

static gboolean
swallow_cb (GSocketService    *service,
            GSocketConnection *connection,
            GObject           *source,
            gpointer           user_data)
{
  Neighbour *n = user_data;

  /* Accept and never answer: a computer that vanished mid-conversation. */
  g_ptr_array_add (n->swallowed, g_object_ref (connection));
  return TRUE;
}

/* The neighbour's computer stops answering without a word. */
static void
neighbour_vanish (Neighbour *n)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, n->port);
  g_autoptr(GError) error = NULL;

  g_clear_object (&n->server);
  n->black_hole = g_socket_service_new ();
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (n->black_hole), address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, NULL, &error));
  g_assert_no_error (error);
  g_signal_connect (n->black_hole, "incoming", G_CALLBACK (swallow_cb), n);
  g_socket_service_start (n->black_hole);
}

/* @n's announcement; with @claimed, it announces that identity instead of
 * its own. */
static HallwayDnssdService *
make_service (Neighbour       *n,
              const char      *name,
              HallwayIdentity *claimed,
              guint            n_shares)
{
  HallwayIdentity *announced = claimed != NULL ? claimed : n->identity;
  HallwayDnssdService *service = g_new0 (HallwayDnssdService, 1);
  HallwayTxt txt = {
    .version = 1,
    .device_id = (char *) hallway_identity_get_device_id (announced),
    .fingerprint = (char *) hallway_identity_get_fingerprint (announced),
    .host = (char *) "office-b",
    .n_shares = n_shares,
    .accepts_drops = TRUE,
  };
  g_auto(GStrv) strings = hallway_txt_build (&txt);

  service->type = g_strdup ("_hallway._tcp");
  service->name = g_strdup (name);
  service->domain = g_strdup ("local");
  service->host_name = g_strdup ("office-b.local");
  service->address = g_strdup ("127.0.0.1");
  service->ifindex = 1;
  service->port = n->port;
  service->txt = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; strings[i] != NULL; i++)
    g_ptr_array_add (service->txt, g_bytes_new (strings[i], strlen (strings[i])));
  return service;
}

static void
announce (Fixture   *f,
          Neighbour *n,
          guint      n_shares)
{
  g_autoptr(HallwayDnssdService) service = make_service (n, "Bruno Costa", NULL, n_shares);

  hallway_daemon_peers_service_resolved (f->peers, service);
}

static gboolean
is_online (Fixture   *f,
           Neighbour *n)
{
  gboolean online = FALSE;

  hallway_daemon_peers_lookup (f->peers, hallway_identity_get_device_id (n->identity), NULL,
                               NULL, &online);
  return online;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @n's online state is @online, at most
 * @timeout_ms. Returns how long it took, or -1. */
static gint64
wait_online (Fixture   *f,
             Neighbour *n,
             gboolean   online,
             guint      timeout_ms)
{
  gboolean expired = FALSE;
  gint64 start = g_get_monotonic_time ();
  guint id = g_timeout_add (timeout_ms, timeout_cb, &expired);

  while (is_online (f, n) != online && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return expired ? -1 : (g_get_monotonic_time () - start) / 1000;
}

/* Runs the main loop for @ms. */
static void
run_for (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, timeout_cb, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

/* @n starts, announces itself and is seen online. */
static void
bring_online (Fixture   *f,
              Neighbour *n)
{
  neighbour_start (f, n, 0);
  announce (f, n, 2);
  g_assert_cmpint (wait_online (f, n, TRUE, 5000), >=, 0);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pins_path = NULL;

  f->dir = g_dir_make_tmp ("hallway-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->identity = hallway_test_make_identity (f->dir, "self");
  f->client = hallway_client_new (hallway_identity_get_tls_certificate (f->identity));
  pins_path = g_build_filename (f->dir, "peers.ini", NULL);
  f->pins = hallway_pins_new (pins_path);
  f->manager = g_dbus_object_manager_server_new ("/io/github/hallwaylan/Hallway");
  f->peers = hallway_daemon_peers_new (f->manager, f->client, f->pins,
                                       hallway_identity_get_device_id (f->identity));
  _hallway_daemon_peers_set_timing (f->peers, &fast_timing);

  for (guint i = 0; i < G_N_ELEMENTS (f->neighbours); i++)
    {
      g_autofree char *name = g_strdup_printf ("neighbour-%u", i);

      f->neighbours[i].identity = hallway_test_make_identity (f->dir, name);
      f->neighbours[i].swallowed = g_ptr_array_new_with_free_func (g_object_unref);
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->peers);
  g_clear_object (&f->manager);
  g_clear_object (&f->pins);
  g_clear_object (&f->client);
  for (guint i = 0; i < G_N_ELEMENTS (f->neighbours); i++)
    {
      Neighbour *n = &f->neighbours[i];

      g_clear_object (&n->server);
      /* Stopped, not closed: its accept in flight ends cancelled. */
      if (n->black_hole != NULL)
        g_socket_service_stop (n->black_hole);
      g_clear_object (&n->black_hole);
      g_clear_pointer (&n->swallowed, g_ptr_array_unref);
      g_clear_object (&n->identity);
    }
  g_clear_object (&f->identity);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  hallway_test_remove_tree (f->dir);
  g_free (f->dir);
}

static void
test_online_kept_connection (Fixture       *f,
                             gconstpointer  data)
{
  Neighbour *n = &f->neighbours[0];
  HallwayDaemonListener *listener;
  guint64 probes;

  g_test_summary ("An announced neighbour is online after one answer, and probing it again "
                  "and again reuses one connection: no handshake per probe");

  bring_online (f, n);
  listener = hallway_daemon_server_get_listener (n->server);

  probes = _hallway_daemon_peers_get_n_probes (f->peers);
  while (_hallway_daemon_peers_get_n_probes (f->peers) < probes + 6)
    g_main_context_iteration (NULL, TRUE);
  /* Let the last answer arrive. */
  run_for (100);

  g_assert_true (is_online (f, n));
  g_assert_cmpuint (hallway_daemon_listener_get_n_accepted (listener), ==, 1);
  g_assert_cmpuint (hallway_daemon_listener_get_n_open (listener), ==, 1);
}

static void
test_goodbye (Fixture       *f,
              gconstpointer  data)
{
  Neighbour *n = &f->neighbours[0];
  g_autoptr(HallwayDnssdService) service = NULL;
  guint64 probes;

  g_test_summary ("A neighbour that says goodbye is offline at once and no longer asked");

  bring_online (f, n);

  service = make_service (n, "Bruno Costa", NULL, 2);
  hallway_daemon_peers_service_removed (f->peers, service);
  g_assert_false (is_online (f, n));

  probes = _hallway_daemon_peers_get_n_probes (f->peers);
  run_for (1500);
  g_assert_cmpuint (_hallway_daemon_peers_get_n_probes (f->peers), ==, probes);
  g_assert_false (is_online (f, n));
}

static void
test_vanished (Fixture       *f,
               gconstpointer  data)
{
  Neighbour *n = &f->neighbours[0];
  gint64 took;

  g_test_summary ("A neighbour that stops answering without a word is offline after two "
                  "failed probes in a row, not after the first");

  bring_online (f, n);

  neighbour_vanish (n);
  took = wait_online (f, n, FALSE, 10000);
  g_test_message ("offline after %" G_GINT64_FORMAT " ms", took);
  g_assert_cmpint (took, >=, 0);
  /* Each of the two probes waited its whole timeout on the silent port. */
  g_assert_cmpint (took, >=, 2 * fast_timing.timeout_s * 1000 - 100);
  g_assert_cmpint (took, <=, fast_timing.interval_ms + 2 * fast_timing.timeout_s * 1000 +
                             fast_timing.retry_ms + 2000);
}

static void
test_backoff (Fixture       *f,
              gconstpointer  data)
{
  Neighbour *n = &f->neighbours[0];
  HallwayLivenessTiming timing = fast_timing;
  guint64 probes;
  guint16 port;

  g_test_summary ("A neighbour that does not answer is asked less and less often; a new "
                  "announcement has it asked at once");

  timing.backoff_max_ms = 2000;
  _hallway_daemon_peers_set_timing (f->peers, &timing);

  /* A port nobody listens on: connections are refused at once. */
  neighbour_start (f, n, 0);
  port = n->port;
  g_clear_object (&n->server);

  probes = _hallway_daemon_peers_get_n_probes (f->peers);
  announce (f, n, 2);
  run_for (3000);
  probes = _hallway_daemon_peers_get_n_probes (f->peers) - probes;
  g_test_message ("%" G_GUINT64_FORMAT " probes in 3 s", probes);
  /* Without back-off it would be ~30 (every retry_ms); with it 100, 200,
   * 400, 800, 1600 ms… (±25 %). */
  g_assert_cmpuint (probes, >=, 3);
  g_assert_cmpuint (probes, <=, 7);
  g_assert_false (is_online (f, n));

  /* It starts: its announcement changes (a new share), which is news. */
  neighbour_start (f, n, port);
  announce (f, n, 3);
  g_assert_cmpint (wait_online (f, n, TRUE, 1000), >=, 0);
}

static void
test_contacted (Fixture       *f,
                gconstpointer  data)
{
  Neighbour *n = &f->neighbours[0];
  const char *id = hallway_identity_get_device_id (n->identity);
  guint64 probes;

  g_test_summary ("A neighbour that keeps asking us something is not probed every interval, "
                  "only for a fresh answer of its own now and then");

  bring_online (f, n);

  probes = _hallway_daemon_peers_get_n_probes (f->peers);
  for (guint i = 0; i < 20; i++)
    {
      hallway_daemon_peers_contacted (f->peers, id);
      run_for (100);
    }
  probes = _hallway_daemon_peers_get_n_probes (f->peers) - probes;
  g_test_message ("%" G_GUINT64_FORMAT " probes in 2 s of requests from it", probes);
  /* Every 250-300 ms would be 7 or more; refresh_ms asks for one or two. */
  g_assert_cmpuint (probes, <=, 2);
  g_assert_true (is_online (f, n));

  /* Without its requests, probing resumes. */
  probes = _hallway_daemon_peers_get_n_probes (f->peers);
  run_for (1000);
  g_assert_cmpuint (_hallway_daemon_peers_get_n_probes (f->peers), >=, probes + 2);
}

static HallwayDBusPeer1 *
get_peer (Fixture    *f,
          const char *id)
{
  g_autofree char *path = g_strdup_printf ("%s/%s", HALLWAY_PEERS_OBJECT_PATH, id);
  g_autoptr(GDBusObject) object =
    g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (f->manager), path);

  g_assert_nonnull (object);
  return hallway_dbus_object_get_peer1 (HALLWAY_DBUS_OBJECT (object));
}

/* Runs the main loop until the neighbour @id lists an impostor's address,
 * at most @timeout_ms. */
static gboolean
wait_impostor (Fixture    *f,
               const char *id,
               guint       timeout_ms)
{
  g_autoptr(HallwayDBusPeer1) peer = get_peer (f, id);
  gboolean expired = FALSE;
  guint timeout_id = g_timeout_add (timeout_ms, timeout_cb, &expired);
  const char * const *impostors;

  while (((impostors = hallway_dbus_peer1_get_impostor_addresses (peer)) == NULL ||
          impostors[0] == NULL) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timeout_id);
  return !expired;
}

/* @impostor starts and announces @claimed's identity from its own server,
 * as "Mallory"; returns once that address is reported as an impostor's. */
static void
announce_impostor (Fixture         *f,
                   Neighbour       *impostor,
                   HallwayIdentity *claimed)
{
  g_autoptr(HallwayDnssdService) service = NULL;

  neighbour_start (f, impostor, 0);
  service = make_service (impostor, "Mallory", claimed, 5);
  hallway_daemon_peers_service_resolved (f->peers, service);
  g_assert_true (wait_impostor (f, hallway_identity_get_device_id (claimed), 3000));
}

static void
test_impostor (Fixture       *f,
               gconstpointer  data)
{
  Neighbour *n = &f->neighbours[0];
  Neighbour *other = &f->neighbours[1];
  const char *claimed = hallway_identity_get_device_id (other->identity);
  g_autoptr(HallwayDBusPeer1) peer = NULL;

  g_test_summary ("A computer answering with another certificate than the one announced "
                  "is an impostor's address: reported, never shown online");

  announce_impostor (f, n, other->identity);
  run_for (500);

  peer = get_peer (f, claimed);
  g_assert_false (is_online (f, other));
  g_assert_cmpstr (hallway_daemon_peers_get_problem (f->peers, claimed), ==, "");
  g_assert_cmpstr (hallway_dbus_peer1_get_impostor_addresses (peer)[0], ==, "127.0.0.1");
  g_assert_null (hallway_dbus_peer1_get_addresses (peer)[0]);
  g_assert_null (hallway_dbus_peer1_get_verified_addresses (peer)[0]);
}

static void
test_impostor_beside (Fixture       *f,
                      gconstpointer  data)
{
  Neighbour *bruno = &f->neighbours[0];
  Neighbour *mallory = &f->neighbours[1];
  const char *id = hallway_identity_get_device_id (bruno->identity);
  g_autoptr(HallwayDBusPeer1) peer = NULL;
  g_autofree char *endpoint = NULL;
  guint16 port = 0;

  g_test_summary ("An impostor announcing a neighbour's id beside it takes nothing from it: "
                  "it stays online under its own name, reached where it proved who it is");

  bring_online (f, bruno);
  peer = get_peer (f, id);
  g_assert_cmpstr (hallway_dbus_peer1_get_name (peer), ==, "Bruno Costa on office-b");

  announce_impostor (f, mallory, bruno->identity);
  /* Long enough for several probes: none may count it against Bruno. */
  run_for (1500);

  g_assert_true (is_online (f, bruno));
  g_assert_cmpstr (hallway_daemon_peers_get_problem (f->peers, id), ==, "");
  g_assert_cmpstr (hallway_dbus_peer1_get_name (peer), ==, "Bruno Costa on office-b");
  g_assert_cmpstr (hallway_dbus_peer1_get_verified_addresses (peer)[0], ==, "127.0.0.1");
  g_assert_true (hallway_daemon_peers_get_endpoint (f->peers, id, &endpoint, &port, NULL));
  g_assert_cmpuint (port, ==, bruno->port);
}

static void
test_impostor_while_away (Fixture       *f,
                          gconstpointer  data)
{
  Neighbour *bruno = &f->neighbours[0];
  Neighbour *mallory = &f->neighbours[1];
  g_autoptr(HallwayDnssdService) own = NULL;

  g_test_summary ("A neighbour that says goodbye while an impostor still announces its id "
                  "is shown offline all the same: the impostor's address never keeps it up");

  neighbour_start (f, bruno, 0);
  own = make_service (bruno, "Bruno Costa", NULL, 2);
  hallway_daemon_peers_service_resolved (f->peers, own);
  g_assert_cmpint (wait_online (f, bruno, TRUE, 5000), >=, 0);
  announce_impostor (f, mallory, bruno->identity);
  g_assert_true (is_online (f, bruno));

  /* Bruno stops cleanly; the impostor's announcement stays. */
  g_clear_object (&bruno->server);
  hallway_daemon_peers_service_removed (f->peers, own);
  g_assert_cmpint (wait_online (f, bruno, FALSE, 3000), >=, 0);
  run_for (1500);
  g_assert_false (is_online (f, bruno));
}

static void
test_invisible_name (Fixture       *f,
                     gconstpointer  data)
{
  Neighbour *n = &f->neighbours[0];
  g_autoptr(HallwayDnssdService) service = NULL;
  g_autoptr(HallwayDBusPeer1) peer = NULL;

  g_test_summary ("An announced name is shown without the bidi controls it could hide "
                  "behind");

  /* Never answers: the announced name is all there is. */
  neighbour_vanish (n);
  service = make_service (n, "Bruno \u202eatsoC", NULL, 1);
  hallway_daemon_peers_service_resolved (f->peers, service);
  peer = get_peer (f, hallway_identity_get_device_id (n->identity));
  g_assert_cmpstr (hallway_dbus_peer1_get_name (peer), ==, "Bruno atsoC");
}

static void
test_borrowed_name (Fixture       *f,
                    gconstpointer  data)
{
  Neighbour *bruno = &f->neighbours[0];
  Neighbour *mallory = &f->neighbours[1];
  const char *bruno_id = hallway_identity_get_device_id (bruno->identity);
  const char *mallory_id = hallway_identity_get_device_id (mallory->identity);
  g_autoptr(HallwayDnssdService) service = NULL;
  g_autoptr(HallwayDBusPeer1) peer = NULL;
  g_autoptr(HallwayDBusPeer1) impostor = NULL;

  g_test_summary ("Another identity answering under a trusted colleague's name is flagged "
                  "with whose name it is; the colleague itself is not");

  bring_online (f, bruno);
  peer = get_peer (f, bruno_id);
  /* Not exported on a bus: trusted through the pins, as Trust() does. */
  hallway_pins_set_trusted (f->pins, bruno_id, TRUE);
  hallway_pins_remember (f->pins, bruno_id, "Bruno Costa on office-b");

  neighbour_start (f, mallory, 0);
  service = make_service (mallory, "Bruno Costa on office-b #2", NULL, 1);
  hallway_daemon_peers_service_resolved (f->peers, service);
  g_assert_cmpint (wait_online (f, mallory, TRUE, 5000), >=, 0);

  impostor = get_peer (f, mallory_id);
  g_assert_cmpstr (hallway_dbus_peer1_get_name (impostor), ==, "Bruno Costa on office-b");
  g_assert_cmpstr (hallway_dbus_peer1_get_name_held_by (impostor), ==, bruno_id);
  g_assert_cmpstr (hallway_dbus_peer1_get_name_held_by (peer), ==, "");
}

static void
test_first_contacts (Fixture       *f,
                     gconstpointer  data)
{
  HallwayLivenessTiming timing = fast_timing;

  g_test_summary ("With one first contact at a time, every neighbour still comes online");

  timing.max_first_contacts = 1;
  _hallway_daemon_peers_set_timing (f->peers, &timing);

  for (guint i = 0; i < G_N_ELEMENTS (f->neighbours); i++)
    {
      g_autofree char *name = g_strdup_printf ("Neighbour %u", i);
      g_autoptr(HallwayDnssdService) service = NULL;

      neighbour_start (f, &f->neighbours[i], 0);
      service = make_service (&f->neighbours[i], name, NULL, 1);
      hallway_daemon_peers_service_resolved (f->peers, service);
    }
  for (guint i = 0; i < G_N_ELEMENTS (f->neighbours); i++)
    g_assert_cmpint (wait_online (f, &f->neighbours[i], TRUE, 5000), >=, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/peers/online-kept-connection", Fixture, NULL, fixture_set_up,
              test_online_kept_connection, fixture_tear_down);
  g_test_add ("/peers/goodbye", Fixture, NULL, fixture_set_up, test_goodbye,
              fixture_tear_down);
  g_test_add ("/peers/vanished", Fixture, NULL, fixture_set_up, test_vanished,
              fixture_tear_down);
  g_test_add ("/peers/backoff", Fixture, NULL, fixture_set_up, test_backoff,
              fixture_tear_down);
  g_test_add ("/peers/contacted", Fixture, NULL, fixture_set_up, test_contacted,
              fixture_tear_down);
  g_test_add ("/peers/impostor", Fixture, NULL, fixture_set_up, test_impostor,
              fixture_tear_down);
  g_test_add ("/peers/impostor-beside", Fixture, NULL, fixture_set_up, test_impostor_beside,
              fixture_tear_down);
  g_test_add ("/peers/impostor-while-away", Fixture, NULL, fixture_set_up,
              test_impostor_while_away, fixture_tear_down);
  g_test_add ("/peers/invisible-name", Fixture, NULL, fixture_set_up, test_invisible_name,
              fixture_tear_down);
  g_test_add ("/peers/borrowed-name", Fixture, NULL, fixture_set_up, test_borrowed_name,
              fixture_tear_down);
  g_test_add ("/peers/first-contacts", Fixture, NULL, fixture_set_up, test_first_contacts,
              fixture_tear_down);

  return g_test_run ();
}
