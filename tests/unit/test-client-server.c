/* test-client-server.c: hallwayd's HTTPS side and the pinned client, over
 * real TLS on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-test-server.h"
#include "hallway-test-utils.h"

#include <glib/gstdio.h>

#include "hallway-client.h"
#include "hallway-daemon-access.h"
#include "hallway-daemon-server.h"
#include "hallway-error.h"
#include "hallway-identity.h"
#include "hallway-pins.h"

typedef struct
{
  HallwayTestServer t;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  hallway_test_server_set_up (&f->t, "client-server");
  hallway_test_server_set_info (&f->t, "Alice Martin on office-a", "office-a");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hallway_test_server_tear_down (&f->t);
}

static HallwayInfo *
get_info (Fixture     *f,
          const char  *address,
          guint16      port,
          const char  *expected_id,
          char       **presented,
          GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hallway_client_get_info_async (f->t.client, address, port, expected_id, 5, NULL,
                                 hallway_test_result_cb, &result);
  return hallway_client_get_info_finish (f->t.client, hallway_test_wait_result (&result),
                                         presented, error);
}

static void
test_info_pinned (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayInfo) info = NULL;
  g_autofree char *presented = NULL;
  const char *server_id = hallway_identity_get_device_id (f->t.server_identity);

  g_test_summary ("A client expecting the server's device id gets its description");

  info = get_info (f, "127.0.0.1", f->t.port, server_id, &presented, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_cmpstr (info->device_id, ==, server_id);
  g_assert_cmpstr (info->name, ==, "Alice Martin on office-a");
  g_assert_cmpstr (info->host, ==, "office-a");
  g_assert_cmpuint (info->port, ==, f->t.port);
  g_assert_cmpstr (presented, ==, server_id);
}

static HallwayInfo *
info_seeing_client_cb (SoupServerMessage *msg,
                       gpointer           user_data)
{
  char **seen = user_data;
  HallwayInfo *info = g_new0 (HallwayInfo, 1);

  g_free (*seen);
  *seen = hallway_daemon_access_dup_client_id (msg);
  /* The answer itself does not matter here. */
  info->device_id = g_strnfill (64, '0');
  info->name = g_strdup ("x");
  return info;
}

static void
test_info_sees_client (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayInfo) info = NULL;
  g_autofree char *seen = NULL;

  g_test_summary ("The server learns the device id of the client's certificate");

  hallway_daemon_server_set_info_func (f->t.server, info_seeing_client_cb, &seen);
  info = get_info (f, "127.0.0.1", f->t.port, NULL, NULL, &error);
  g_assert_cmpstr (seen, ==, hallway_identity_get_device_id (f->t.client_identity));
}

static void
test_info_tofu (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayInfo) info = NULL;
  g_autofree char *presented = NULL;

  g_test_summary ("With no expectation (add by address) the client learns the id presented");

  info = get_info (f, "127.0.0.1", f->t.port, NULL, &presented, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (presented, ==, hallway_identity_get_device_id (f->t.server_identity));
}

static void
test_info_mismatch (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayInfo) info = NULL;
  g_autofree char *presented = NULL;

  g_test_summary ("A server presenting another certificate than announced is refused");

  /* The client's own id stands in for "the id the neighbour announced". */
  info = get_info (f, "127.0.0.1", f->t.port, hallway_identity_get_device_id (f->t.client_identity),
                   &presented, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH);
  g_assert_null (info);
  g_assert_cmpstr (presented, ==, hallway_identity_get_device_id (f->t.server_identity));
}

static void
test_info_mismatch_after_keepalive (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayInfo) first = NULL;
  g_autoptr(HallwayInfo) second = NULL;

  g_test_summary ("A kept-alive connection is still checked against the expected id");

  first = get_info (f, "127.0.0.1", f->t.port,
                    hallway_identity_get_device_id (f->t.server_identity),
                    NULL, &error);
  g_assert_no_error (error);
  second = get_info (f, "127.0.0.1", f->t.port,
                     hallway_identity_get_device_id (f->t.client_identity),
                     NULL, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH);
  g_assert_null (second);
}

static void
test_info_unreachable (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayInfo) info = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  guint16 closed_port;

  g_test_summary ("Nothing listening: a plain PeerGone error");

  /* Bind but never listen: connecting is refused at once. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  closed_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  info = get_info (f, "127.0.0.1", closed_port, NULL, NULL, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE);
  g_assert_null (info);
}

/* Accepts connections and keeps them, never saying a word. */
static gboolean
silent_accept_cb (GSocketService    *service,
                  GSocketConnection *connection,
                  GObject           *source,
                  gpointer           user_data)
{
  g_ptr_array_add (user_data, g_object_ref (connection));
  return TRUE;
}

static void
test_info_silent (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayInfo) info = NULL;
  gint64 start;
  guint16 port;

  g_test_summary ("A computer that takes the connection and never answers: given up on "
                  "after the timeout, as a neighbour that is gone");

  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (silent_accept_cb), kept);
  g_socket_service_start (service);

  start = g_get_monotonic_time ();
  hallway_client_get_info_async (f->t.client, "127.0.0.1", port, NULL, 1, NULL,
                                 hallway_test_result_cb, &result);
  info = hallway_client_get_info_finish (f->t.client, hallway_test_wait_result (&result),
                                         NULL, &error);
  g_assert_null (info);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE);
  g_assert_nonnull (strstr (error->message, "No answer within 1 seconds"));
  /* Not before its time (how late depends on the machine's load). */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (kept->len, ==, 1);
  g_socket_service_stop (service);
}

static void
test_server_port_fallback (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(HallwayDaemonServer) second = hallway_daemon_server_new (f->t.client_identity);

  g_test_summary ("A second daemon on a taken port listens on the next free one");

  g_assert_true (hallway_daemon_server_listen (second, loopback, f->t.port, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hallway_daemon_server_get_port (second), >, f->t.port);
}

static void
test_parse_address (void)
{
  static const struct {
    const char *text;
    const char *host;
    guint16     port;
  } good[] = {
    { "10.0.0.5", "10.0.0.5", 53535 },
    { "10.0.0.5:8443", "10.0.0.5", 8443 },
    { "office-a.local", "office-a.local", 53535 },
    { "office-a:1", "office-a", 1 },
    { "[fe80::1%eth0]:53536", "fe80::1%eth0", 53536 },
    { "[::1]", "::1", 53535 },
    { "fe80::1%eth0", "fe80::1%eth0", 53535 },
  };
  static const char *bad[] = {
    "", ":53535", "10.0.0.5:", "10.0.0.5:0", "10.0.0.5:65536", "10.0.0.5:-1", "a b",
    "[::1", "[::1]x", "host/path", "user@host", "10.0.0.5:53535x",
  };

  g_test_summary ("Addresses typed by a person are parsed or refused");

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *host = NULL;
      g_autoptr(GError) error = NULL;
      guint16 port = 0;

      g_assert_true (hallway_parse_address (good[i].text, 53535, &host, &port, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (host, ==, good[i].host);
      g_assert_cmpuint (port, ==, good[i].port);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *host = NULL;
      g_autoptr(GError) error = NULL;
      guint16 port = 0;

      g_assert_false (hallway_parse_address (bad[i], 53535, &host, &port, &error));
      g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_build_uri (void)
{
  g_autofree char *v4 = hallway_client_build_uri ("10.0.0.5", 53535, "/api/v1/info");
  g_autofree char *v6 = hallway_client_build_uri ("fe80::1%eth0", 53535, "/api/v1/info");
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("URIs carry IPv6 zone ids as %25 (RFC 6874)");

  g_assert_cmpstr (v4, ==, "https://10.0.0.5:53535/api/v1/info");
  g_assert_cmpstr (v6, ==, "https://[fe80::1%25eth0]:53535/api/v1/info");
  parsed = g_uri_parse (v6, G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_host (parsed), ==, "fe80::1%eth0");
}

static void
test_pins (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hallway-pins-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "sub", "peers.ini", NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(HallwayPins) pins = hallway_pins_new (path);
  g_autoptr(HallwayPins) again = hallway_pins_new (path);
  const char *id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  g_auto(GStrv) ids = NULL;
  g_auto(GStrv) addresses = NULL;
  g_autofree char *name = NULL;
  GStatBuf st;

  g_test_summary ("The pin store remembers neighbours, trust and addresses, privately");

  g_assert_true (hallway_pins_load (pins, &error));   /* missing file: empty */
  g_assert_no_error (error);
  hallway_pins_remember (pins, id, "Alice");
  hallway_pins_set_trusted (pins, id, TRUE);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *address = g_strdup_printf ("10.0.0.%u:53535", i);

      hallway_pins_add_address (pins, id, address);
    }
  hallway_pins_add_address (pins, id, "10.0.0.3:53535");
  g_assert_true (hallway_pins_save (pins, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_true (hallway_pins_load (again, &error));
  ids = hallway_pins_dup_ids (again);
  g_assert_cmpuint (g_strv_length (ids), ==, 1);
  g_assert_cmpstr (ids[0], ==, id);
  g_assert_true (hallway_pins_get_trusted (again, id));
  name = hallway_pins_dup_name (again, id);
  g_assert_cmpstr (name, ==, "Alice");
  addresses = hallway_pins_dup_addresses (again, id);
  g_assert_cmpuint (g_strv_length (addresses), ==, 8);
  g_assert_cmpstr (addresses[0], ==, "10.0.0.3:53535");

  /* A hand-edited group with a bogus id is dropped, not trusted. */
  g_assert_true (g_file_set_contents (path, "[peer nothex]\ntrusted=true\n", -1, NULL));
  g_assert_true (hallway_pins_load (again, &error));
  g_clear_pointer (&ids, g_strfreev);
  ids = hallway_pins_dup_ids (again);
  g_assert_cmpuint (g_strv_length (ids), ==, 0);

  g_unlink (path);
  g_rmdir (parent);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/daemon/server/info/pinned", Fixture, NULL,
              fixture_set_up, test_info_pinned, fixture_tear_down);
  g_test_add ("/daemon/server/info/tofu", Fixture, NULL,
              fixture_set_up, test_info_tofu, fixture_tear_down);
  g_test_add ("/daemon/server/info/sees-client", Fixture, NULL,
              fixture_set_up, test_info_sees_client, fixture_tear_down);
  g_test_add ("/daemon/server/info/mismatch", Fixture, NULL,
              fixture_set_up, test_info_mismatch, fixture_tear_down);
  g_test_add ("/daemon/server/info/mismatch-after-keepalive", Fixture, NULL,
              fixture_set_up, test_info_mismatch_after_keepalive, fixture_tear_down);
  g_test_add ("/daemon/server/info/unreachable", Fixture, NULL,
              fixture_set_up, test_info_unreachable, fixture_tear_down);
  g_test_add ("/daemon/server/info/silent", Fixture, NULL,
              fixture_set_up, test_info_silent, fixture_tear_down);
  g_test_add ("/daemon/server/port-fallback", Fixture, NULL,
              fixture_set_up, test_server_port_fallback, fixture_tear_down);
  g_test_add_func ("/share/client/parse-address", test_parse_address);
  g_test_add_func ("/share/client/build-uri", test_build_uri);
  g_test_add_func ("/share/pins/round-trip", test_pins);

  return g_test_run ();
}
