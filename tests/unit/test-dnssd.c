/* test-dnssd.c: announcing and finding services through a real
 * avahi-daemon: TXT records and their updates, collision renames, printers'
 * subtypes, goodbyes, and following avahi-daemon when it goes away
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Several HallwayDnssd in this process stand for several programs on one
 * computer. The test gives itself a network of its own (a namespace with
 * only lo, multicast on) and a mount namespace, in which a private system
 * bus and an avahi-daemon of the machine's run; nothing reaches the real
 * network or the machine's own avahi-daemon. Making namespaces needs root,
 * so without root the test is skipped. Between computers, the same code is
 * exercised by the LAN suite (tests/lan).
 */
#include "config.h"

#include "hallway-test-utils.h"

#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hallway-dnssd.h"

#define TYPE "_hallway-test._tcp"

static char        *work;         /* the bus's and avahi-daemon's files */
static GSubprocess *bus_daemon;
static GSubprocess *avahi;

/* What one HallwayDnssd saw. */
typedef struct
{
  HallwayDnssd *dnssd;
  GPtrArray    *resolved;   /* HallwayDnssdService, in order */
  GPtrArray    *removed;    /* names */
  GHashTable   *published;  /* key → name */
} Seen;

typedef struct
{
  Seen a;
  Seen b;
  Seen c;
} Fixture;

/* The private network, bus and avahi-daemon */

static gboolean
bus_answers (gpointer user_data)
{
  GDBusConnectionFlags flags = G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                               G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION;
  g_autoptr(GDBusConnection) connection = NULL;

  connection = g_dbus_connection_new_for_address_sync (user_data, flags, NULL, NULL, NULL);
  return connection != NULL;
}

static void
start_avahi (void)
{
  g_autofree char *conf = g_build_filename (work, "avahi-daemon.conf", NULL);
  g_autofree char *log = g_build_filename (work, "avahi-daemon.log", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (avahi);
  avahi = hallway_test_spawn_daemon (log, &error, "avahi-daemon", "-f", conf, "--no-drop-root",
                                     "--no-chroot", "--no-rlimits", NULL);
  g_assert_no_error (error);
}

static void
stop_avahi (void)
{
  hallway_test_stop_daemon (&avahi);
}

/* Returns NULL when the network, the bus and avahi-daemon run, or why not. */
static char *
set_up_network (void)
{
  static const char bus_conf[] =
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>system</type>\n"
    "  <listen>unix:path=%s/system_bus_socket</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow user=\"*\"/>\n"
    "    <allow own=\"*\"/>\n"
    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
    "    <allow receive_sender=\"*\"/>\n"
    "  </policy>\n"
    "</busconfig>\n";
  static const char avahi_conf[] =
    "[server]\nallow-interfaces=lo\nuse-ipv4=yes\nuse-ipv6=no\nenable-dbus=yes\n"
    "ratelimit-interval-usec=1000000\nratelimit-burst=1000\n"
    "[wide-area]\nenable-wide-area=no\n"
    "[publish]\npublish-hinfo=no\npublish-workstation=no\n";
  g_autofree char *bus_path = NULL;
  g_autofree char *bus_log = NULL;
  g_autofree char *avahi_path = NULL;
  g_autofree char *address = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  const char *tools[] = { "ip", "dbus-daemon", "avahi-daemon" };

  if (getuid () != 0)
    return g_strdup ("needs root: it makes a network and a mount namespace of its own");
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *path = g_find_program_in_path (tools[i]);

      if (path == NULL)
        return g_strdup_printf ("%s is missing (build-aux/install-deps.sh)", tools[i]);
    }

  /* Before any thread starts: a process with threads can't change its
   * mount namespace. */
  if (unshare (CLONE_NEWNET | CLONE_NEWNS) != 0)
    return g_strdup_printf ("cannot make namespaces: %s", g_strerror (errno));
  g_assert_cmpint (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), ==, 0);
  g_assert_true (hallway_test_run (NULL, "ip", "link", "set", "lo", "up", NULL));
  g_assert_true (hallway_test_run (NULL, "ip", "link", "set", "lo", "multicast", "on", NULL));
  /* avahi-daemon keeps its pid file and socket there, whatever it is told. */
  g_assert_cmpint (g_mkdir_with_parents ("/run/avahi-daemon", 0755), ==, 0);
  g_assert_cmpint (mount ("tmpfs", "/run/avahi-daemon", "tmpfs", 0, "mode=0755"), ==, 0);

  work = g_dir_make_tmp ("hallway-dnssd-XXXXXX", &error);
  g_assert_no_error (error);
  text = g_strdup_printf (bus_conf, work);
  bus_path = g_build_filename (work, "bus.conf", NULL);
  g_assert_true (g_file_set_contents (bus_path, text, -1, NULL));
  avahi_path = g_build_filename (work, "avahi-daemon.conf", NULL);
  g_assert_true (g_file_set_contents (avahi_path, avahi_conf, -1, NULL));

  bus_log = g_build_filename (work, "dbus-daemon.log", NULL);
  bus_daemon = hallway_test_spawn_daemon (bus_log, &error, "dbus-daemon", "--config-file", bus_path,
                                          "--nofork", "--nopidfile", NULL);
  g_assert_no_error (error);
  address = g_strdup_printf ("unix:path=%s/system_bus_socket", work);
  g_assert_true (hallway_test_wait_until (bus_answers, address, 20));
  /* Where avahi-daemon and Avahi's clients find the system bus. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
  return NULL;
}

static void
tear_down_network (void)
{
  hallway_test_stop_daemon (&avahi);
  hallway_test_stop_daemon (&bus_daemon);
  if (work != NULL)
    hallway_test_remove_tree (work);
  g_clear_pointer (&work, g_free);
}

/* What each HallwayDnssd sees */

static void
resolved_cb (HallwayDnssd        *dnssd,
             HallwayDnssdService *service,
             Seen                *seen)
{
  g_ptr_array_add (seen->resolved, hallway_dnssd_service_copy (service));
}

static void
removed_cb (HallwayDnssd        *dnssd,
            HallwayDnssdService *service,
            Seen                *seen)
{
  g_ptr_array_add (seen->removed, g_strdup (service->name));
}

static void
published_cb (HallwayDnssd *dnssd,
              const char   *key,
              const char   *name,
              Seen         *seen)
{
  g_hash_table_insert (seen->published, g_strdup (key), g_strdup (name));
}

static void
seen_init (Seen *seen)
{
  seen->dnssd = hallway_dnssd_new ();
  seen->resolved = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_dnssd_service_free);
  seen->removed = g_ptr_array_new_with_free_func (g_free);
  seen->published = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_signal_connect (seen->dnssd, "service-resolved", G_CALLBACK (resolved_cb), seen);
  g_signal_connect (seen->dnssd, "service-removed", G_CALLBACK (removed_cb), seen);
  g_signal_connect (seen->dnssd, "published", G_CALLBACK (published_cb), seen);
}

static void
seen_clear (Seen *seen)
{
  if (seen->dnssd != NULL)
    g_assert_finalize_object (seen->dnssd);
  g_clear_pointer (&seen->resolved, g_ptr_array_unref);
  g_clear_pointer (&seen->removed, g_ptr_array_unref);
  g_clear_pointer (&seen->published, g_hash_table_unref);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  if (avahi == NULL)
    start_avahi ();
  seen_init (&f->a);
  seen_init (&f->b);
  seen_init (&f->c);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  seen_clear (&f->a);
  seen_clear (&f->b);
  seen_clear (&f->c);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

typedef struct
{
  HallwayDnssd      *dnssd;
  HallwayDnssdState  state;
} StateWait;

static gboolean
state_is (gpointer user_data)
{
  StateWait *wait = user_data;

  return hallway_dnssd_get_state (wait->dnssd) == wait->state;
}

static gboolean
wait_state (HallwayDnssd      *dnssd,
            HallwayDnssdState  state)
{
  StateWait wait = { dnssd, state };

  return hallway_test_wait_until (state_is, &wait, 20);
}

/* The TXT strings of a service, joined with spaces. */
static char *
txt_text (const HallwayDnssdService *service)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; service->txt != NULL && i < service->txt->len; i++)
    {
      gsize size;
      const char *data = g_bytes_get_data (g_ptr_array_index (service->txt, i), &size);

      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append_len (text, data, size);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

typedef struct
{
  Seen       *seen;
  const char *name;
  const char *txt;     /* (nullable) wanted TXT, as txt_text() writes it */
} Lookup;

/* The last time @name was resolved, with @txt if given. */
static const HallwayDnssdService *
find_resolved (Seen       *seen,
               const char *name,
               const char *txt)
{
  for (guint i = seen->resolved->len; i > 0; i--)
    {
      const HallwayDnssdService *service = g_ptr_array_index (seen->resolved, i - 1);
      g_autofree char *text = NULL;

      if (g_strcmp0 (service->name, name) != 0)
        continue;
      text = txt_text (service);
      if (txt == NULL || g_str_equal (text, txt))
        return service;
      return NULL;
    }
  return NULL;
}

static gboolean
is_resolved (gpointer user_data)
{
  Lookup *lookup = user_data;

  return find_resolved (lookup->seen, lookup->name, lookup->txt) != NULL;
}

static gboolean
wait_resolved (Seen       *seen,
               const char *name,
               const char *txt)
{
  Lookup lookup = { seen, name, txt };

  return hallway_test_wait_until (is_resolved, &lookup, 20);
}

static gboolean
is_removed (gpointer user_data)
{
  Lookup *lookup = user_data;

  for (guint i = 0; i < lookup->seen->removed->len; i++)
    if (g_str_equal (g_ptr_array_index (lookup->seen->removed, i), lookup->name))
      return TRUE;
  return FALSE;
}

static gboolean
is_published (gpointer user_data)
{
  Lookup *lookup = user_data;

  return g_hash_table_contains (lookup->seen->published, lookup->name);
}

static const char *
wait_published (Seen       *seen,
                const char *key)
{
  Lookup lookup = { seen, key, NULL };

  if (!hallway_test_wait_until (is_published, &lookup, 20))
    return NULL;
  return g_hash_table_lookup (seen->published, key);
}

/* a announces Alice's folders; b looks for them. */
static void
announce_alice (Fixture            *f,
                const char * const *txt)
{
  hallway_dnssd_start (f->a.dnssd);
  hallway_dnssd_start (f->b.dnssd);
  hallway_dnssd_browse (f->b.dnssd, TYPE);
  hallway_dnssd_publish (f->a.dnssd, "folders", "Alice Martin", TYPE, 53535, txt, NULL);
}

/* Tests */

static void
test_announce (Fixture       *f,
               gconstpointer  data)
{
  const char *txt[] = { "id=0123abcd", "name=Alice Martin", "shares=2", NULL };
  const char *changed[] = { "id=0123abcd", "name=Alice Martin", "shares=3", NULL };
  const HallwayDnssdService *service;
  Lookup gone = { &f->b, "Alice Martin", NULL };

  g_test_summary ("A service is found with its port, address and TXT in order, follows "
                  "TXT changes in place, and says goodbye when withdrawn");

  announce_alice (f, txt);

  g_assert_true (wait_state (f->a.dnssd, HALLWAY_DNSSD_STATE_RUNNING));
  g_assert_cmpstr (wait_published (&f->a, "folders"), ==, "Alice Martin");
  g_assert_cmpstr (hallway_dnssd_get_published_name (f->a.dnssd, "folders"), ==, "Alice Martin");
  g_assert_true (wait_resolved (&f->b, "Alice Martin", NULL));
  service = find_resolved (&f->b, "Alice Martin", NULL);
  g_assert_cmpstr (service->type, ==, TYPE);
  g_assert_cmpuint (service->port, ==, 53535);
  g_assert_cmpstr (service->address, ==, "127.0.0.1");
  g_assert_false (service->ipv6);
  g_assert_true (service->local);
  {
    g_autofree char *text = txt_text (service);

    g_assert_cmpstr (text, ==, "id=0123abcd name=Alice Martin shares=2");
  }

  hallway_dnssd_update_txt (f->a.dnssd, "folders", changed);
  g_assert_true (wait_resolved (&f->b, "Alice Martin", "id=0123abcd name=Alice Martin shares=3"));
  /* Updated in place: the name stays, nothing was withdrawn. */
  g_assert_cmpuint (f->b.removed->len, ==, 0);

  hallway_dnssd_unpublish (f->a.dnssd, "folders");
  g_assert_true (hallway_test_wait_until (is_removed, &gone, 20));
  g_assert_null (hallway_dnssd_get_published_name (f->a.dnssd, "folders"));
}

static void
test_collision (Fixture       *f,
                gconstpointer  data)
{
  const char *txt[] = { "id=0123abcd", NULL };
  const char *other_txt[] = { "id=4567cdef", NULL };

  g_test_summary ("Two programs announcing the same name: the second is renamed "
                  "“Alice Martin #2”, both are found, and neither finds itself");

  hallway_dnssd_start (f->a.dnssd);
  hallway_dnssd_start (f->b.dnssd);
  hallway_dnssd_start (f->c.dnssd);
  hallway_dnssd_browse (f->a.dnssd, TYPE);
  hallway_dnssd_browse (f->b.dnssd, TYPE);
  hallway_dnssd_publish (f->a.dnssd, "folders", "Alice Martin", TYPE, 53535, txt, NULL);
  g_assert_cmpstr (wait_published (&f->a, "folders"), ==, "Alice Martin");
  hallway_dnssd_publish (f->c.dnssd, "folders", "Alice Martin", TYPE, 53536, other_txt, NULL);
  g_assert_cmpstr (wait_published (&f->c, "folders"), ==, "Alice Martin #2");

  g_assert_true (wait_resolved (&f->b, "Alice Martin", "id=0123abcd"));
  g_assert_true (wait_resolved (&f->b, "Alice Martin #2", "id=4567cdef"));
  g_assert_cmpuint (find_resolved (&f->b, "Alice Martin #2", NULL)->port, ==, 53536);
  /* a finds c's, never its own. */
  g_assert_true (wait_resolved (&f->a, "Alice Martin #2", NULL));
  g_assert_null (find_resolved (&f->a, "Alice Martin", NULL));
}

static gboolean
has_reservation (gpointer user_data)
{
  Seen *seen = user_data;

  for (guint i = 0; i < seen->resolved->len; i++)
    {
      const HallwayDnssdService *s = g_ptr_array_index (seen->resolved, i);

      if (g_str_equal (s->type, "_printer._tcp") && s->port == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_printer (Fixture       *f,
              gconstpointer  data)
{
  const char *txt[] = { "txtvers=1", "rp=ipp/print/office", "ty=Office printer", NULL };
  const HallwayDnssdService *service;

  g_test_summary ("A shared printer is found as a Hallway printer (_hallway subtype of "
                  "_ipp._tcp), and holds its name as _printer._tcp on port 0");

  hallway_dnssd_start (f->a.dnssd);
  hallway_dnssd_start (f->b.dnssd);
  hallway_dnssd_browse (f->b.dnssd, "_hallway._sub._ipp._tcp");
  hallway_dnssd_browse (f->b.dnssd, "_printer._tcp");
  hallway_dnssd_publish_printer (f->a.dnssd, "printer:office", "Office printer @ Alice Martin",
                                 8631, txt, FALSE);
  g_assert_cmpstr (wait_published (&f->a, "printer:office"), ==, "Office printer @ Alice Martin");

  g_assert_true (wait_resolved (&f->b, "Office printer @ Alice Martin",
                                "txtvers=1 rp=ipp/print/office ty=Office printer"));
  service = find_resolved (&f->b, "Office printer @ Alice Martin",
                           "txtvers=1 rp=ipp/print/office ty=Office printer");
  g_assert_cmpuint (service->port, ==, 8631);
  g_assert_true (hallway_test_wait_until (has_reservation, &f->b, 20));
}

static void
test_avahi_restart (Fixture       *f,
                    gconstpointer  data)
{
  const char *txt[] = { "id=0123abcd", NULL };

  g_test_summary ("When avahi-daemon goes away the person is told, and when it is back "
                  "the service is announced again and found again");

  announce_alice (f, txt);
  g_assert_true (wait_resolved (&f->b, "Alice Martin", NULL));

  stop_avahi ();
  g_assert_true (wait_state (f->a.dnssd, HALLWAY_DNSSD_STATE_NOT_RUNNING));
  g_assert_nonnull (strstr (hallway_dnssd_get_message (f->a.dnssd), "avahi-daemon"));
  g_ptr_array_set_size (f->b.resolved, 0);
  g_hash_table_remove_all (f->a.published);

  start_avahi ();
  g_assert_true (wait_state (f->a.dnssd, HALLWAY_DNSSD_STATE_RUNNING));
  g_assert_true (wait_state (f->b.dnssd, HALLWAY_DNSSD_STATE_RUNNING));
  g_assert_null (hallway_dnssd_get_message (f->a.dnssd));
  g_assert_cmpstr (wait_published (&f->a, "folders"), ==, "Alice Martin");
  g_assert_true (wait_resolved (&f->b, "Alice Martin", "id=0123abcd"));
}

static void
test_avahi_missing (Fixture       *f,
                    gconstpointer  data)
{
  const char *txt[] = { "id=0123abcd", NULL };

  g_test_summary ("Started before avahi-daemon, it says so plainly, waits for it, "
                  "then announces what it was asked to");

  stop_avahi ();
  announce_alice (f, txt);
  g_assert_true (wait_state (f->a.dnssd, HALLWAY_DNSSD_STATE_NOT_RUNNING));
  g_assert_nonnull (strstr (hallway_dnssd_get_message (f->a.dnssd), "avahi-daemon"));
  g_assert_cmpuint (g_hash_table_size (f->a.published), ==, 0);

  start_avahi ();
  g_assert_true (wait_state (f->a.dnssd, HALLWAY_DNSSD_STATE_RUNNING));
  g_assert_cmpstr (wait_published (&f->a, "folders"), ==, "Alice Martin");
  g_assert_true (wait_resolved (&f->b, "Alice Martin", "id=0123abcd"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *why_not = NULL;
  int status;

  /* First of all: namespaces are made before any thread exists. */
  why_not = set_up_network ();
  g_test_init (&argc, &argv, NULL);
  if (why_not != NULL)
    return hallway_test_skip_all (why_not);

#define add(name, func) \
  g_test_add ("/dnssd/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  add ("announce", test_announce);
  add ("collision", test_collision);
  add ("printer", test_printer);
  add ("avahi-restart", test_avahi_restart);
  add ("avahi-missing", test_avahi_missing);
#undef add

  status = g_test_run ();
  tear_down_network ();
  return status;
}
