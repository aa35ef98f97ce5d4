/* frames.c: how smooth Hallway's window stays while a big office comes and goes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallway-bench-frames opens the real window against a stand-in daemon (the
 * same program with --fake-daemon, on the same session bus) that exports
 * PEERS neighbours at once, then changes some of them (online state,
 * renames that move them in the list, host names) CHANGES times a second
 * for SECONDS seconds, then withdraws them all at once. The window draws a
 * frame every 16.7 ms throughout; for each frame it reports how long the
 * main loop was busy since the previous one (time not spent waiting in
 * poll()): a frame over 16 ms is one a person can see stutter. On a busy
 * machine that time also counts the moments other programs had the CPU,
 * so each frame's CPU time (the window's main thread only) is reported too:
 * the work the window itself did, which is what this code can change.
 *
 * Run it in a display with a session bus: bench/frames.sh does.
 */
#include "config.h"

#include <adwaita.h>
#include <time.h>

#include "hallway-constants.h"
#include "hallway-dbus.h"
#include "hallway-window.h"

#define BENCH_INTERFACE "io.github.hallwaylan.Hallway.Bench"
#define PEERS_PATH      HALLWAY_DAEMON_OBJECT_PATH "/peers"

static const char bench_xml[] =
  "<node>"
  "  <interface name='" BENCH_INTERFACE "'>"
  "    <method name='Start'/>"
  "    <signal name='Phase'><arg name='name' type='s'/></signal>"
  "  </interface>"
  "</node>";

static guint opt_peers = 100;
static guint opt_changes = 40;
static guint opt_seconds = 5;
static gboolean opt_fake;

/* The stand-in daemon */

typedef struct
{
  GDBusConnection          *bus;
  GDBusObjectManagerServer *manager;
  GPtrArray                *peers;     /* HallwayDBusObjectSkeleton */
  GMainLoop                *loop;
  guint                     tick;
  gboolean                  started;
} Fake;

static void
fake_phase (Fake       *fake,
            const char *name)
{
  g_dbus_connection_emit_signal (fake->bus, NULL, HALLWAY_DAEMON_OBJECT_PATH, BENCH_INTERFACE,
                                 "Phase", g_variant_new ("(s)", name), NULL);
  g_dbus_connection_flush_sync (fake->bus, NULL, NULL);
}

static const char * const first_names[] = {
  "Alice", "Bruno", "Chloé", "Daniel", "Emma", "Farid", "Giulia", "Hugo", "Inès", "Jonas",
  "Katarzyna", "Liam", "Maëlle", "Nils", "Olga", "Pablo", "Quentin", "Rosa", "Samir", "Tove",
};

static void
fake_add_peers (Fake *fake)
{
  for (guint i = 0; i < opt_peers; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/peer%04u", PEERS_PATH, i);
      g_autofree char *name = g_strdup_printf ("%s %u", first_names[g_random_int_range (0, 20)], i);
      g_autofree char *host = g_strdup_printf ("desk-%u", i);
      g_autofree char *id = g_strdup_printf ("%064u", i);
      g_autoptr(HallwayDBusObjectSkeleton) object = hallway_dbus_object_skeleton_new (path);
      g_autoptr(HallwayDBusPeer1) iface = hallway_dbus_peer1_skeleton_new ();

      hallway_dbus_peer1_set_id (iface, id);
      hallway_dbus_peer1_set_name (iface, name);
      hallway_dbus_peer1_set_host (iface, host);
      hallway_dbus_peer1_set_online (iface, TRUE);
      hallway_dbus_peer1_set_problem (iface, "");
      hallway_dbus_peer1_set_problem_message (iface, "");
      hallway_dbus_peer1_set_source (iface, "mdns");
      hallway_dbus_peer1_set_verification_code (iface, "7KQ2-MX9A");
      hallway_dbus_peer1_set_shared_folders (iface, g_variant_new_array (G_VARIANT_TYPE ("(ssss)"),
                                                                         NULL, 0));
      hallway_dbus_object_skeleton_set_peer1 (object, iface);
      g_dbus_object_manager_server_export (fake->manager, G_DBUS_OBJECT_SKELETON (object));
      g_ptr_array_add (fake->peers, g_steal_pointer (&object));
    }
}

static gboolean
fake_leave_cb (gpointer user_data)
{
  Fake *fake = user_data;

  fake_phase (fake, "leave");
  for (guint i = 0; i < fake->peers->len; i++)
    {
      GDBusObject *object = g_ptr_array_index (fake->peers, i);

      g_dbus_object_manager_server_unexport (fake->manager, g_dbus_object_get_object_path (object));
    }
  g_ptr_array_set_size (fake->peers, 0);
  g_timeout_add_once (2000, (GSourceOnceFunc) g_main_loop_quit, fake->loop);
  return G_SOURCE_REMOVE;
}

/* Every 50 ms, CHANGES / 20 neighbours change: their online state, their
 * name (which moves them in the list) or their computer's name. */
static gboolean
fake_change_cb (gpointer user_data)
{
  Fake *fake = user_data;
  guint per_tick = MAX (1, opt_changes / 20);

  if (fake->tick++ == opt_seconds * 20)
    {
      fake_leave_cb (fake);
      return G_SOURCE_REMOVE;
    }
  for (guint i = 0; i < per_tick; i++)
    {
      HallwayDBusObject *object = g_ptr_array_index (fake->peers,
                                                     g_random_int_range (0, fake->peers->len));
      g_autoptr(HallwayDBusPeer1) iface = hallway_dbus_object_get_peer1 (object);
      g_autofree char *name = NULL;

      switch (g_random_int_range (0, 3))
        {
        case 0:
          hallway_dbus_peer1_set_online (iface, !hallway_dbus_peer1_get_online (iface));
          break;
        case 1:
          name = g_strdup_printf ("%s %u", first_names[g_random_int_range (0, 20)], fake->tick);
          hallway_dbus_peer1_set_name (iface, name);
          break;
        default:
          name = g_strdup_printf ("desk-%u-%u", g_random_int_range (0, 1000), fake->tick);
          hallway_dbus_peer1_set_host (iface, name);
          break;
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
fake_appeared_cb (gpointer user_data)
{
  Fake *fake = user_data;

  fake_phase (fake, "change");
  g_timeout_add (50, fake_change_cb, fake);
  return G_SOURCE_REMOVE;
}

static void
fake_method_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  Fake *fake = user_data;

  g_dbus_method_invocation_return_value (invocation, NULL);
  if (fake->started)
    return;
  fake->started = TRUE;
  /* All of them at once: the worst case for the list. */
  fake_phase (fake, "appear");
  fake_add_peers (fake);
  g_timeout_add_seconds (1, fake_appeared_cb, fake);
}

static int
run_fake_daemon (void)
{
  static const GDBusInterfaceVTable vtable = { fake_method_cb, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (bench_xml, NULL);
  g_autoptr(HallwayDBusDaemon1) daemon = hallway_dbus_daemon1_skeleton_new ();
  g_autoptr(GError) error = NULL;
  Fake fake = { 0 };
  GVariant *owned;

  fake.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (fake.bus == NULL)
    {
      g_printerr ("hallway-bench-frames: no session bus: %s\n", error->message);
      return 1;
    }
  fake.loop = g_main_loop_new (NULL, FALSE);
  fake.peers = g_ptr_array_new_with_free_func (g_object_unref);
  fake.manager = g_dbus_object_manager_server_new (HALLWAY_DAEMON_OBJECT_PATH);

  hallway_dbus_daemon1_set_name (daemon, "Bench on bench-pc");
  hallway_dbus_daemon1_set_host (daemon, "bench-pc");
  hallway_dbus_daemon1_set_avahi_state (daemon, "running");
  hallway_dbus_daemon1_set_avahi_message (daemon, "");
  hallway_dbus_daemon1_set_verification_code (daemon, "BNCH-0001");
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (daemon), fake.bus,
                                         HALLWAY_DAEMON_OBJECT_PATH, &error) ||
      g_dbus_connection_register_object (fake.bus, HALLWAY_DAEMON_OBJECT_PATH, node->interfaces[0],
                                         &vtable, &fake, NULL, &error) == 0)
    {
      g_printerr ("hallway-bench-frames: %s\n", error->message);
      return 1;
    }
  g_dbus_object_manager_server_set_connection (fake.manager, fake.bus);

  owned = g_dbus_connection_call_sync (fake.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", HALLWAY_DAEMON_BUS_NAME, 4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  if (owned == NULL)
    {
      g_printerr ("hallway-bench-frames: could not own %s: %s\n", HALLWAY_DAEMON_BUS_NAME,
                  error->message);
      return 1;
    }
  g_variant_unref (owned);

  g_main_loop_run (fake.loop);

  g_dbus_object_manager_server_set_connection (fake.manager, NULL);
  g_clear_object (&fake.manager);
  g_ptr_array_unref (fake.peers);
  g_main_loop_unref (fake.loop);
  g_object_unref (fake.bus);
  return 0;
}

/* The window */

typedef struct
{
  char    *phase;
  GArray  *busy;       /* gint64 µs per frame */
  GArray  *cpu;        /* gint64 µs of the main thread's CPU time per frame */
  gint64   longest_gap;
} Phase;

typedef struct
{
  AdwApplication *app;
  GtkWidget      *window;
  GSubprocess    *fake;
  GPtrArray      *phases;   /* Phase */
  Phase          *current;  /* (unowned) (nullable) */
  gint64          last_tick;
  gint64          last_cpu;
  int             status;
} Gui;

static GPollFunc default_poll;
static gint64 idle_us;

/* Time spent waiting is time not spent working: what is left of a frame's
 * interval is how long the main loop was busy. */
static gint
measuring_poll (GPollFD *fds,
                guint    n_fds,
                gint     timeout)
{
  gint64 start = g_get_monotonic_time ();
  gint result = default_poll (fds, n_fds, timeout);

  idle_us += g_get_monotonic_time () - start;
  return result;
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
phase_free (gpointer data)
{
  Phase *phase = data;

  g_free (phase->phase);
  g_array_unref (phase->busy);
  g_array_unref (phase->cpu);
  g_free (phase);
}

static gboolean
frame_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  Gui *gui = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu_now = thread_cpu_us ();

  if (gui->current != NULL && gui->last_tick != 0)
    {
      gint64 busy = MAX (0, now - gui->last_tick - idle_us);
      gint64 cpu = cpu_now - gui->last_cpu;

      g_array_append_val (gui->current->busy, busy);
      g_array_append_val (gui->current->cpu, cpu);
      gui->current->longest_gap = MAX (gui->current->longest_gap, now - gui->last_tick);
    }
  gui->last_tick = now;
  gui->last_cpu = cpu_now;
  idle_us = 0;
  return G_SOURCE_CONTINUE;
}

static void
phase_signal_cb (GDBusConnection *connection,
                 const char      *sender,
                 const char      *object_path,
                 const char      *interface_name,
                 const char      *signal_name,
                 GVariant        *parameters,
                 gpointer         user_data)
{
  Gui *gui = user_data;
  Phase *phase = g_new0 (Phase, 1);

  g_variant_get (parameters, "(s)", &phase->phase);
  phase->busy = g_array_new (FALSE, FALSE, sizeof (gint64));
  phase->cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_ptr_array_add (gui->phases, phase);
  gui->current = phase;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static guint
count_over (GArray *sorted,
            gint64  limit)
{
  guint over = 0;

  for (guint j = 0; j < sorted->len; j++)
    over += g_array_index (sorted, gint64, j) > limit;
  return over;
}

static void
report (Gui *gui)
{
  g_print ("| phase | frames | median ms | 99th percentile ms | longest ms | frames over 16 ms "
           "| longest gap between frames ms | longest frame, CPU ms | frames over 16 ms, CPU |\n");
  g_print ("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (guint i = 0; i < gui->phases->len; i++)
    {
      Phase *phase = g_ptr_array_index (gui->phases, i);
      GArray *busy = phase->busy;
      GArray *cpu = phase->cpu;

      if (busy->len == 0)
        continue;
      g_array_sort (busy, compare_gint64);
      g_array_sort (cpu, compare_gint64);
      g_print ("| %s | %u | %.1f | %.1f | %.1f | %u | %.1f | %.1f | %u |\n", phase->phase,
               busy->len, g_array_index (busy, gint64, busy->len / 2) / 1000.0,
               g_array_index (busy, gint64, MIN (busy->len - 1, busy->len * 99 / 100)) / 1000.0,
               g_array_index (busy, gint64, busy->len - 1) / 1000.0, count_over (busy, 16000),
               phase->longest_gap / 1000.0, g_array_index (cpu, gint64, cpu->len - 1) / 1000.0,
               count_over (cpu, 16000));
    }
}

static void
fake_exited_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Gui *gui = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  report (gui);
  g_application_quit (G_APPLICATION (gui->app));
}

static void
start_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_printerr ("hallway-bench-frames: the stand-in daemon did not start: %s\n", error->message);
}

static void
name_appeared_cb (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  Gui *gui = user_data;
  static gboolean opened;

  if (opened)
    return;
  opened = TRUE;
  gui->window = GTK_WIDGET (hallway_window_new (gui->app, connection));
  gtk_window_present (GTK_WINDOW (gui->window));
  gtk_widget_add_tick_callback (gui->window, frame_tick_cb, gui, NULL);
  g_dbus_connection_signal_subscribe (connection, owner, BENCH_INTERFACE, "Phase",
                                      HALLWAY_DAEMON_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                      phase_signal_cb, gui, NULL);
  g_dbus_connection_call (connection, HALLWAY_DAEMON_BUS_NAME, HALLWAY_DAEMON_OBJECT_PATH,
                          BENCH_INTERFACE, "Start", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          start_cb, gui);
}

static void
activate_cb (GApplication *app,
             Gui          *gui)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *peers = g_strdup_printf ("%u", opt_peers);
  g_autofree char *changes = g_strdup_printf ("%u", opt_changes);
  g_autofree char *seconds = g_strdup_printf ("%u", opt_seconds);

  g_application_hold (app);
  gui->fake = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_path, "--fake-daemon",
                                "--peers", peers, "--changes", changes, "--seconds", seconds,
                                NULL);
  if (gui->fake == NULL)
    {
      g_printerr ("hallway-bench-frames: %s\n", error->message);
      gui->status = 1;
      g_application_quit (app);
      return;
    }
  g_subprocess_wait_async (gui->fake, NULL, fake_exited_cb, gui);
  g_bus_watch_name (G_BUS_TYPE_SESSION, HALLWAY_DAEMON_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                    name_appeared_cb, NULL, gui, NULL);
}

int
main (int   argc,
      char *argv[])
{
  static const GOptionEntry entries[] = {
    { "peers", 0, 0, G_OPTION_ARG_INT, &opt_peers, "Neighbours (100)", "N" },
    { "changes", 0, 0, G_OPTION_ARG_INT, &opt_changes, "Changes per second (40)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds, "Seconds of changes (5)", "S" },
    { "fake-daemon", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &opt_fake, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Hallway's window with a big office");
  g_autoptr(GError) error = NULL;
  Gui gui = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hallway-bench-frames: %s\n", error->message);
      return 2;
    }
  if (opt_peers == 0 || opt_peers > 5000)
    {
      g_printerr ("hallway-bench-frames: --peers takes 1 to 5000\n");
      return 2;
    }
  if (opt_fake)
    return run_fake_daemon ();

  default_poll = g_main_context_get_poll_func (NULL);
  g_main_context_set_poll_func (NULL, measuring_poll);

  gui.phases = g_ptr_array_new_with_free_func (phase_free);
  gui.app = adw_application_new ("io.github.hallwaylan.Hallway.BenchFrames",
                                  G_APPLICATION_NON_UNIQUE);
  g_signal_connect (gui.app, "activate", G_CALLBACK (activate_cb), &gui);
  g_application_run (G_APPLICATION (gui.app), 0, NULL);

  g_clear_object (&gui.fake);
  g_clear_object (&gui.app);
  g_ptr_array_unref (gui.phases);
  return gui.status;
}
