/* test-gossip.c: the neighbours list as hostile input, and computers
 * learned from it checked over real TLS against servers on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-client.h"
#include "hallway-daemon-gossip.h"
#include "hallway-daemon-peers.h"
#include "hallway-daemon-server.h"
#include "hallway-error.h"
#include "hallway-identity.h"
#include "hallway-neighbours.h"
#include "hallway-pins.h"
#include "hallway-test-utils.h"

typedef struct
{
  char                     *dir;
  HallwayIdentity          *identity;
  HallwayClient            *client;
  HallwayPins              *pins;
  GDBusObjectManagerServer *manager;
  HallwayDaemonPeers       *peers;
  HallwayDaemonGossip      *gossip;
  HallwayIdentity          *bruno;     /* serves on @port */
  HallwayIdentity          *chloe;     /* serves nowhere */
  HallwayDaemonServer      *server;
  guint16                   port;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;
  g_autofree char *pins_path = NULL;
  HallwayInfo info = { 0 };

  f->dir = g_dir_make_tmp ("hallway-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->identity = hallway_test_make_identity (f->dir, "self");
  f->bruno = hallway_test_make_identity (f->dir, "bruno");
  f->chloe = hallway_test_make_identity (f->dir, "chloe");
  f->client = hallway_client_new (hallway_identity_get_tls_certificate (f->identity));
  pins_path = g_build_filename (f->dir, "peers.ini", NULL);
  f->pins = hallway_pins_new (pins_path);
  f->manager = g_dbus_object_manager_server_new ("/io/github/hallwaylan/Hallway");
  f->peers = hallway_daemon_peers_new (f->manager, f->client, f->pins,
                                       hallway_identity_get_device_id (f->identity));
  f->gossip = hallway_daemon_gossip_new (f->peers, f->client, 53535);
  /* The neighbours of the tests all live on this computer. */
  _hallway_daemon_gossip_set_allow_loopback (f->gossip, TRUE);

  f->server = hallway_daemon_server_new (f->bruno);
  g_assert_true (hallway_daemon_server_listen (f->server, loopback, 0, &error));
  g_assert_no_error (error);
  f->port = hallway_daemon_server_get_port (f->server);
  info.device_id = (char *) hallway_identity_get_device_id (f->bruno);
  info.name = (char *) "Bruno Costa";
  info.host = (char *) "office-b";
  info.version = (char *) PACKAGE_VERSION;
  info.port = f->port;
  hallway_daemon_server_set_info (f->server, &info);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_finalize_object (f->gossip);
  g_clear_object (&f->peers);
  g_clear_object (&f->manager);
  g_clear_object (&f->pins);
  g_clear_object (&f->client);
  g_clear_object (&f->server);
  g_clear_object (&f->bruno);
  g_clear_object (&f->chloe);
  g_clear_object (&f->identity);
  hallway_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
is_listed (Fixture         *f,
           HallwayIdentity *identity)
{
  return hallway_daemon_peers_lookup (f->peers, hallway_identity_get_device_id (identity),
                                      NULL, NULL, NULL);
}

static gboolean
bruno_listed_cb (gpointer user_data)
{
  return is_listed (user_data, ((Fixture *) user_data)->bruno);
}

static gboolean
nothing_pending_cb (gpointer user_data)
{
  Fixture *f = user_data;

  return _hallway_daemon_gossip_get_n_candidates (f->gossip) == 0;
}

static void
test_learned_when_verified (Fixture       *f,
                            gconstpointer  data)
{
  const char *addresses[] = { "127.0.0.1", NULL };
  g_autofree char *name = NULL;
  gboolean online = FALSE;

  g_test_summary ("A computer named in a neighbour's list is listed once its certificate "
                  "is the id it was named with");

  _hallway_daemon_gossip_consider (f->gossip, hallway_identity_get_device_id (f->bruno),
                                   addresses, f->port);
  g_assert_true (hallway_test_wait_until (bruno_listed_cb, f, 10));
  g_assert_true (hallway_daemon_peers_lookup (f->peers, hallway_identity_get_device_id (f->bruno),
                                              NULL, &name, &online));
  g_assert_cmpstr (name, ==, "Bruno Costa");
  g_assert_true (online);
  g_assert_cmpuint (_hallway_daemon_gossip_get_n_refused (f->gossip), ==, 0);
}

static void
test_certificate_mismatch (Fixture       *f,
                           gconstpointer  data)
{
  const char *addresses[] = { "127.0.0.1", NULL };

  g_test_summary ("A computer named in a list whose certificate is not the one named is "
                  "never listed, and not asked again");

  /* Chloé's id, at Bruno's address: a stale list, or a lie. */
  _hallway_daemon_gossip_consider (f->gossip, hallway_identity_get_device_id (f->chloe),
                                   addresses, f->port);
  g_assert_cmpuint (_hallway_daemon_gossip_get_n_candidates (f->gossip), ==, 1);
  g_assert_true (hallway_test_wait_until (nothing_pending_cb, f, 10));
  g_assert_cmpuint (_hallway_daemon_gossip_get_n_refused (f->gossip), ==, 1);
  g_assert_false (is_listed (f, f->chloe));
  g_assert_false (is_listed (f, f->bruno));

  /* Named again, it is not asked again. */
  _hallway_daemon_gossip_consider (f->gossip, hallway_identity_get_device_id (f->chloe),
                                   addresses, f->port);
  g_assert_cmpuint (_hallway_daemon_gossip_get_n_candidates (f->gossip), ==, 0);
}

static void
test_only_local_addresses (Fixture       *f,
                           gconstpointer  data)
{
  const char *loopback[] = { "127.0.0.1", NULL };
  const char *public[] = { "198.51.100.7", "2001:db8::7", "0.0.0.0", "224.0.0.251", NULL };
  const char *private[] = { "10.1.2.3", NULL };

  g_test_summary ("Only addresses on a local network are asked, never this computer's "
                  "loopback, never this computer itself, and nothing at all when learning is "
                  "switched off");

  _hallway_daemon_gossip_set_allow_loopback (f->gossip, FALSE);
  _hallway_daemon_gossip_consider (f->gossip, hallway_identity_get_device_id (f->bruno),
                                   loopback, f->port);
  g_assert_cmpuint (_hallway_daemon_gossip_get_n_candidates (f->gossip), ==, 0);
  _hallway_daemon_gossip_consider (f->gossip, hallway_identity_get_device_id (f->bruno),
                                   public, f->port);
  g_assert_cmpuint (_hallway_daemon_gossip_get_n_candidates (f->gossip), ==, 0);

  hallway_daemon_gossip_set_enabled (f->gossip, FALSE);
  _hallway_daemon_gossip_consider (f->gossip, hallway_identity_get_device_id (f->bruno),
                                   private, f->port);
  g_assert_cmpuint (_hallway_daemon_gossip_get_n_candidates (f->gossip), ==, 0);

  hallway_daemon_gossip_set_enabled (f->gossip, TRUE);
  /* Neighbours' lists name this computer too: it never asks itself. */
  _hallway_daemon_gossip_consider (f->gossip, hallway_daemon_peers_get_own_id (f->peers),
                                   private, f->port);
  g_assert_cmpuint (_hallway_daemon_gossip_get_n_candidates (f->gossip), ==, 0);
  _hallway_daemon_gossip_consider (f->gossip, hallway_identity_get_device_id (f->bruno),
                                   private, f->port);
  g_assert_cmpuint (_hallway_daemon_gossip_get_n_candidates (f->gossip), ==, 1);
  /* Switched off while it is being asked: dropped, never listed. */
  hallway_daemon_gossip_set_enabled (f->gossip, FALSE);
  g_assert_cmpuint (_hallway_daemon_gossip_get_n_candidates (f->gossip), ==, 0);
  g_assert_false (is_listed (f, f->bruno));
}

static char *
entry (const char *id,
       const char *fp,
       const char *addresses,
       int         port)
{
  return g_strdup_printf ("{\"id\":\"%s\",\"fp\":\"%s\",\"name\":\"N\",\"port\":%d,"
                          "\"addresses\":%s}", id, fp, port, addresses);
}

static void
test_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hallway-test-XXXXXX", &error);
  g_autoptr(HallwayIdentity) a = hallway_test_make_identity (dir, "a");
  g_autoptr(HallwayIdentity) b = hallway_test_make_identity (dir, "b");
  const char *id = hallway_identity_get_device_id (a);
  const char *fp = hallway_identity_get_fingerprint (a);
  const char *other_fp = hallway_identity_get_fingerprint (b);
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(GPtrArray) built = g_ptr_array_new_with_free_func (
    (GDestroyNotify) hallway_neighbour_free);
  g_autoptr(GString) many = g_string_new ("{\"neighbours\":[");
  g_autofree char *json = NULL;
  g_autofree char *derived = hallway_device_id_dup_fingerprint (id);
  g_autofree char *rev1 = NULL;
  g_autofree char *rev2 = NULL;
  const char *round_trip[] = { "10.0.0.5", "fe80::1%eth0", NULL };
  const char *kept[] = { "10.0.0.6", "10.0.0.5", NULL };
  HallwayNeighbour *n;
  char *entries[8];

  g_test_summary ("The neighbours list round-trips, and hostile entries are dropped");
  g_assert_no_error (error);
  g_assert_cmpstr (derived, ==, fp);

  n = g_new0 (HallwayNeighbour, 1);
  n->id = g_strdup (id);
  n->fingerprint = g_strdup (fp);
  n->name = g_strdup ("Alice Martin");
  n->addresses = g_strsplit ("10.0.0.5 fe80::1%eth0", " ", -1);
  n->port = 53535;
  g_ptr_array_add (built, n);
  json = hallway_neighbours_to_json (built);
  parsed = hallway_neighbours_parse (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->len, ==, 1);
  n = g_ptr_array_index (parsed, 0);
  g_assert_cmpstr (n->id, ==, id);
  g_assert_cmpstr (n->fingerprint, ==, fp);
  g_assert_cmpstr (n->name, ==, "Alice Martin");
  g_assert_cmpstrv (n->addresses, round_trip);
  g_assert_cmpuint (n->port, ==, 53535);
  rev1 = hallway_neighbours_dup_revision (built);
  rev2 = hallway_neighbours_dup_revision (parsed);
  g_assert_cmpstr (rev1, ==, rev2);
  g_clear_pointer (&parsed, g_ptr_array_unref);

  /* Each of these is dropped; the last one alone is kept. */
  entries[0] = entry (id, other_fp, "[\"10.0.0.5\"]", 53535);       /* fp of another */
  entries[1] = entry ("not-an-id", fp, "[\"10.0.0.5\"]", 53535);
  entries[2] = entry (id, fp, "[\"evil.example.com\"]", 53535);    /* a host name */
  entries[3] = entry (id, fp, "[]", 53535);
  entries[4] = entry (id, fp, "[\"10.0.0.5\"]", 0);
  entries[5] = entry (id, fp, "[\"10.0.0.5\"]", 70000);
  entries[6] = entry (id, fp, "[\"10.0.0.5%eth0\"]", 53535);       /* scope on IPv4 */
  entries[7] = entry (id, fp, "[\"10.0.0.6\", 7, \"10.0.0.5\"]", 1);
  g_free (json);
  json = g_strdup_printf ("{\"neighbours\":[%s,%s,%s,%s,%s,%s,%s,%s,\"x\"]}", entries[0],
                          entries[1], entries[2], entries[3], entries[4], entries[5], entries[6],
                          entries[7]);
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    g_free (entries[i]);
  parsed = hallway_neighbours_parse (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->len, ==, 1);
  n = g_ptr_array_index (parsed, 0);
  g_assert_cmpstrv (n->addresses, kept);
  g_clear_pointer (&parsed, g_ptr_array_unref);

  /* Bounded: no more entries than the limit are kept. */
  for (guint i = 0; i < HALLWAY_NEIGHBOURS_MAX_ENTRIES + 10; i++)
    {
      g_autofree char *e = entry (id, fp, "[\"10.0.0.5\"]", 53535);

      g_string_append_printf (many, "%s%s", i > 0 ? "," : "", e);
    }
  g_string_append (many, "]}");
  parsed = hallway_neighbours_parse (many->str, many->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->len, ==, HALLWAY_NEIGHBOURS_MAX_ENTRIES);
  g_clear_pointer (&parsed, g_ptr_array_unref);

  /* Not a list at all. */
  parsed = hallway_neighbours_parse ("{\"neighbours\":{}}", 17, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
  g_assert_null (parsed);
  g_clear_error (&error);
  parsed = hallway_neighbours_parse ("[", 1, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
  g_clear_error (&error);

  hallway_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gossip/parse", test_parse);
  g_test_add ("/gossip/learned-when-verified", Fixture, NULL, fixture_set_up,
              test_learned_when_verified, fixture_tear_down);
  g_test_add ("/gossip/certificate-mismatch", Fixture, NULL, fixture_set_up,
              test_certificate_mismatch, fixture_tear_down);
  g_test_add ("/gossip/only-local-addresses", Fixture, NULL, fixture_set_up,
              test_only_local_addresses, fixture_tear_down);

  return g_test_run ();
}
