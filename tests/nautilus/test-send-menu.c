/* test-send-menu.c: "Send to Colleague", loaded as GNOME Files loads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loads the built extension module the way Nautilus 43 does (a GTypeModule
 * that opens it and calls nautilus_module_initialize), asks its menu
 * provider for the items of selected files, and chooses a colleague. Runs
 * inside tests/gui/with-daemons.sh: "Alice Martin" (this computer) on the
 * session bus, "Bruno Costa" on another bus, as another computer. The offer
 * must arrive at Bruno's.
 */
#include "config.h"

#include <signal.h>

#include <gmodule.h>
#include <json-glib/json-glib.h>
#include <nautilus-extension.h>

#include "hallway-constants.h"
#include "hallway-test-utils.h"

/* A selected file, as Files hands it to extensions. */

#define TEST_TYPE_FILE (test_file_get_type ())
G_DECLARE_FINAL_TYPE (TestFile, test_file, TEST, FILE, GObject)

struct _TestFile
{
  GObject  parent_instance;
  GFile   *location;
};

static void file_info_iface_init (NautilusFileInfoInterface *iface);

G_DEFINE_TYPE_WITH_CODE (TestFile, test_file, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NAUTILUS_TYPE_FILE_INFO, file_info_iface_init))

static GFile *
test_file_get_location (NautilusFileInfo *info)
{
  return g_object_ref (TEST_FILE (info)->location);
}

static char *
test_file_get_uri (NautilusFileInfo *info)
{
  return g_file_get_uri (TEST_FILE (info)->location);
}

static char *
test_file_get_name (NautilusFileInfo *info)
{
  return g_file_get_basename (TEST_FILE (info)->location);
}

static gboolean
test_file_is_gone (NautilusFileInfo *info)
{
  return FALSE;
}

static void
file_info_iface_init (NautilusFileInfoInterface *iface)
{
  iface->get_location = test_file_get_location;
  iface->get_uri = test_file_get_uri;
  iface->get_name = test_file_get_name;
  iface->is_gone = test_file_is_gone;
}

static void
test_file_finalize (GObject *object)
{
  g_clear_object (&TEST_FILE (object)->location);
  G_OBJECT_CLASS (test_file_parent_class)->finalize (object);
}

static void
test_file_class_init (TestFileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_file_finalize;
}

static void
test_file_init (TestFile *self)
{
}

static GList *
files_new (const char *first_uri,
           ...)
{
  GList *files = NULL;
  va_list args;

  va_start (args, first_uri);
  for (const char *uri = first_uri; uri != NULL; uri = va_arg (args, const char *))
    {
      TestFile *file = g_object_new (TEST_TYPE_FILE, NULL);

      file->location = g_file_new_for_commandline_arg (uri);
      files = g_list_append (files, file);
    }
  va_end (args);
  return files;
}

/* The module, loaded like Nautilus's own NautilusModule does. */

#define TEST_TYPE_MODULE (test_module_get_type ())
G_DECLARE_FINAL_TYPE (TestModule, test_module, TEST, MODULE, GTypeModule)

struct _TestModule
{
  GTypeModule  parent_instance;
  char        *path;
  GModule     *library;
  void       (*list_types) (const GType **types,
                            int          *n_types);
};

G_DEFINE_TYPE (TestModule, test_module, G_TYPE_TYPE_MODULE)

static gboolean
test_module_load (GTypeModule *module)
{
  TestModule *self = TEST_MODULE (module);
  void (*initialize) (GTypeModule *module);
  gpointer shutdown;

  self->library = g_module_open (self->path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  g_assert_nonnull (self->library);
  g_assert_true (g_module_symbol (self->library, "nautilus_module_initialize",
                                  (gpointer *) &initialize));
  g_assert_true (g_module_symbol (self->library, "nautilus_module_shutdown", &shutdown));
  g_assert_true (g_module_symbol (self->library, "nautilus_module_list_types",
                                  (gpointer *) &self->list_types));
  initialize (module);
  return TRUE;
}

static void
test_module_unload (GTypeModule *module)
{
  g_module_close (TEST_MODULE (module)->library);
}

static void
test_module_class_init (TestModuleClass *klass)
{
  G_TYPE_MODULE_CLASS (klass)->load = test_module_load;
  G_TYPE_MODULE_CLASS (klass)->unload = test_module_unload;
}

static void
test_module_init (TestModule *self)
{
}

static NautilusMenuProvider *provider;
static char *work_dir;

/* Waiting for hallwayd */

/* The labels of the "Send to Colleague" submenu for @files, "-" before
 * the insensitive ones; NULL when the extension offers no menu. */
static GStrv
dup_menu (GList *files)
{
  GList *items = nautilus_menu_provider_get_file_items (provider, files);
  g_autoptr(GStrvBuilder) labels = g_strv_builder_new ();
  g_autoptr(NautilusMenu) submenu = NULL;
  g_autofree char *label = NULL;
  GList *children;

  if (items == NULL)
    return NULL;
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_object_get (items->data, "label", &label, "menu", &submenu, NULL);
  g_assert_cmpstr (label, ==, "Send to Colleague");
  g_assert_nonnull (submenu);
  children = nautilus_menu_get_items (submenu);
  for (GList *l = children; l != NULL; l = l->next)
    {
      g_autofree char *child_label = NULL;
      g_autofree char *shown = NULL;
      gboolean sensitive;

      g_object_get (l->data, "label", &child_label, "sensitive", &sensitive, NULL);
      shown = g_strconcat (sensitive ? "" : "-", child_label, NULL);
      g_strv_builder_add (labels, shown);
    }
  nautilus_menu_item_list_free (children);
  nautilus_menu_item_list_free (items);
  return g_strv_builder_end (labels);
}

static GList *
selection_new (void)
{
  g_autofree char *file = g_build_filename (work_dir, "report.txt", NULL);
  g_autofree char *folder = g_build_filename (work_dir, "photos", NULL);

  return files_new (file, folder, NULL);
}

static gboolean
menu_is (gpointer data)
{
  const char * const *expected = data;
  g_autolist(GObject) files = selection_new ();
  g_auto(GStrv) labels = dup_menu (files);

  return labels != NULL && g_strv_equal ((const char * const *) labels, expected);
}

static void
assert_menu_becomes (const char * const *expected,
                     int                 seconds)
{
  if (!hallway_test_wait_until (menu_is, (gpointer) expected, seconds))
    {
      g_autolist(GObject) files = selection_new ();
      g_auto(GStrv) labels = dup_menu (files);
      g_autofree char *got = labels != NULL ? g_strjoinv (" | ", labels) : g_strdup ("(no menu)");
      g_autofree char *wanted = g_strjoinv (" | ", (GStrv) expected);

      g_error ("the menu is “%s”, not “%s”", got, wanted);
    }
}

static char *
run_ctl (const char *bus,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status;
  va_list args;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("HALLWAY_BUILD_DIR"), "ctl",
                                           "hallwayctl", NULL));
  va_start (args, bus);
  for (const char *arg = va_arg (args, const char *); arg != NULL;
       arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  if (bus != NULL)
    envp = g_environ_setenv (envp, "DBUS_SESSION_BUS_ADDRESS", bus, TRUE);
  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&out);
}

/* The tests, in order: they follow one neighbour's life. */

static void
test_module_types (void)
{
  g_test_summary ("The module registers one menu provider, as Files expects");
  g_assert_true (NAUTILUS_IS_MENU_PROVIDER (provider));
  g_assert_true (G_TYPE_IS_FINAL (G_OBJECT_TYPE (provider)));
}

static void
test_nobody_online (void)
{
  const char * const nobody[] = { "-No Colleagues Online", NULL };

  g_test_summary ("With hallwayd running and no neighbour, the submenu says so");
  assert_menu_becomes (nobody, 20);
}

static void
test_not_local (void)
{
  g_autolist(GObject) remote = files_new ("sftp://example.com/report.txt", NULL);
  g_autofree char *local = g_build_filename (work_dir, "report.txt", NULL);
  g_autolist(GObject) mixed = files_new (local, "trash:///report.txt", NULL);
  g_auto(GStrv) remote_menu = dup_menu (remote);
  g_auto(GStrv) mixed_menu = dup_menu (mixed);

  g_test_summary ("Only files on this computer can be offered: no menu for others");
  g_assert_null (remote_menu);
  g_assert_null (mixed_menu);
  g_assert_null (nautilus_menu_provider_get_file_items (provider, NULL));
}

static void
test_neighbour_online (void)
{
  const char * const bruno[] = { "Bruno Costa", NULL };

  g_test_summary ("A neighbour who comes online appears in the submenu");
  /* What hallwayctl prints is not needed, only that the neighbour is added. */
  g_free (run_ctl (NULL, "add-peer", g_getenv ("HALLWAY_TEST_PEER_ADDRESS"), NULL));
  assert_menu_becomes (bruno, 30);
}

typedef struct
{
  const char *bus;
  JsonNode   *offer;   /* (owned) (nullable) */
} OfferWait;

static gboolean
offer_arrived (gpointer data)
{
  OfferWait *wait = data;
  g_autofree char *out = run_ctl (wait->bus, "offers", "--json", NULL);
  g_autoptr(JsonNode) root = json_from_string (out, NULL);
  JsonArray *offers = root != NULL && JSON_NODE_HOLDS_ARRAY (root) ? json_node_get_array (root)
                                                                   : NULL;

  if (offers == NULL || json_array_get_length (offers) == 0)
    return FALSE;
  wait->offer = json_node_copy (json_array_get_element (offers, 0));
  return TRUE;
}

static void
test_send (void)
{
  g_autolist(GObject) files = selection_new ();
  GList *items = nautilus_menu_provider_get_file_items (provider, files);
  g_autoptr(NautilusMenu) submenu = NULL;
  GList *children;
  OfferWait wait = { g_getenv ("HALLWAY_TEST_PEER_BUS"), NULL };
  JsonObject *offer;
  JsonArray *offered;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  g_test_summary ("Choosing a colleague offers them the selection, as a drop in the window");
  g_assert_nonnull (items);
  g_object_get (items->data, "menu", &submenu, NULL);
  children = nautilus_menu_get_items (submenu);
  g_assert_cmpuint (g_list_length (children), ==, 1);
  nautilus_menu_item_activate (children->data);
  nautilus_menu_item_list_free (children);
  nautilus_menu_item_list_free (items);

  g_assert_true (hallway_test_wait_until (offer_arrived, &wait, 30));
  offer = json_node_get_object (wait.offer);
  g_assert_cmpstr (json_object_get_string_member (offer, "peer_name"), ==, "Alice Martin");
  g_assert_cmpstr (json_object_get_string_member (offer, "state"), ==, "pending");
  offered = json_object_get_array_member (offer, "files");
  for (guint i = 0; i < json_array_get_length (offered); i++)
    g_ptr_array_add (names, (gpointer) json_object_get_string_member (
                       json_array_get_object_element (offered, i), "name"));
  g_ptr_array_add (names, NULL);
  g_assert_true (g_strv_contains ((const char * const *) names->pdata, "report.txt"));
  g_assert_true (g_strv_contains ((const char * const *) names->pdata, "photos/beach.jpg"));
  g_assert_cmpint (json_object_get_int_member (offer, "total"), ==, 10 + 5);
  json_node_unref (wait.offer);
}

static void
test_neighbour_offline (void)
{
  const char * const nobody[] = { "-No Colleagues Online", NULL };
  const char * const bruno[] = { "Bruno Costa", NULL };
  int pid = atoi (g_getenv ("HALLWAY_TEST_PEER_PID"));

  g_test_summary ("A neighbour whose computer stops answering leaves the submenu, and comes "
                  "back");
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  assert_menu_becomes (nobody, 45);
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  assert_menu_becomes (bruno, 45);
}

static gboolean
no_menu (gpointer data)
{
  g_autolist(GObject) files = selection_new ();
  g_auto(GStrv) labels = dup_menu (files);

  return labels == NULL;
}

static void
test_no_daemon (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  guint32 pid;

  g_test_summary ("When hallwayd stops, the menu goes away rather than offering what "
                  "cannot be done");
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", HALLWAY_DAEMON_BUS_NAME),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(u)", &pid);
  g_assert_cmpint (kill ((pid_t) pid, SIGTERM), ==, 0);
  g_assert_true (hallway_test_wait_until (no_menu, NULL, 20));
}

int
main (int   argc,
      char *argv[])
{
  const char *module_path = g_getenv ("HALLWAY_NAUTILUS_MODULE");
  TestModule *module;   /* never finalized, as a GTypeModule must not be */
  g_autofree char *photos = NULL;
  g_autofree char *report = NULL;
  g_autofree char *beach = NULL;
  const GType *types;
  int n_types;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (module_path == NULL || g_getenv ("HALLWAY_TEST_PEER_BUS") == NULL)
    {
      g_test_skip ("Run me through meson: HALLWAY_NAUTILUS_MODULE, and inside with-daemons.sh");
      return 77;
    }

  work_dir = g_strdup (g_getenv ("HALLWAY_TEST_WORK"));
  report = g_build_filename (work_dir, "report.txt", NULL);
  photos = g_build_filename (work_dir, "photos", NULL);
  beach = g_build_filename (photos, "beach.jpg", NULL);
  g_assert_true (g_file_set_contents (report, "0123456789", 10, NULL));
  g_assert_cmpint (g_mkdir_with_parents (photos, 0700), ==, 0);
  g_assert_true (g_file_set_contents (beach, "sandy", 5, NULL));

  module = g_object_new (TEST_TYPE_MODULE, NULL);
  module->path = g_strdup (module_path);
  g_assert_true (g_type_module_use (G_TYPE_MODULE (module)));
  module->list_types (&types, &n_types);
  g_assert_cmpint (n_types, ==, 1);
  provider = g_object_new (types[0], NULL);
  g_type_module_unuse (G_TYPE_MODULE (module));

  g_test_add_func ("/nautilus/module/types", test_module_types);
  g_test_add_func ("/nautilus/menu/nobody-online", test_nobody_online);
  g_test_add_func ("/nautilus/menu/not-local", test_not_local);
  g_test_add_func ("/nautilus/menu/neighbour-online", test_neighbour_online);
  g_test_add_func ("/nautilus/menu/send", test_send);
  g_test_add_func ("/nautilus/menu/neighbour-offline", test_neighbour_offline);
  g_test_add_func ("/nautilus/menu/no-daemon", test_no_daemon);
  status = g_test_run ();

  g_clear_object (&provider);
  g_free (work_dir);
  return status;
}
