/* hallway-nautilus.c: "Send to Colleague" in GNOME Files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A menu provider for Nautilus 43+ (libnautilus-extension-4). On selected
 * files and folders of this computer it adds a "Send to Colleague" submenu
 * with the neighbours who are online and take files; choosing one offers
 * them the selection through hallwayd's Daemon1.Send, the same offer as
 * dropping the files on that neighbour in Hallway's window: they are asked
 * whether they want them, and the transfer shows in Hallway.
 *
 * It runs inside Files, so it does no network work and never blocks: it
 * follows hallwayd's objects over the session bus (ObjectManager), and the
 * menu is built from what is already known. It never starts hallwayd; when
 * hallwayd is not running there is no menu. It uses GDBus's generic proxies
 * rather than Hallway's generated ones, because a module must not register
 * static types (Files could unload it).
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <gmodule.h>
#include <nautilus-extension.h>

#include "hallway-constants.h"

#define DAEMON_INTERFACE   "io.github.hallwaylan.Hallway.Daemon1"
#define PEER_INTERFACE     "io.github.hallwaylan.Hallway.Peer1"

#define HALLWAY_TYPE_NAUTILUS_PROVIDER (hallway_nautilus_provider_get_type ())
G_DECLARE_FINAL_TYPE (HallwayNautilusProvider, hallway_nautilus_provider,
                      HALLWAY, NAUTILUS_PROVIDER, GObject)

struct _HallwayNautilusProvider
{
  GObject             parent_instance;

  GCancellable       *cancellable;   /* (owned) cancelled in dispose */
  GDBusObjectManager *manager;       /* (owned) (nullable) until connected */
};

static void menu_provider_iface_init (NautilusMenuProviderInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (HallwayNautilusProvider, hallway_nautilus_provider,
                                G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (NAUTILUS_TYPE_MENU_PROVIDER,
                                                               menu_provider_iface_init))

/* Neighbours */

static char *
dup_string_property (GDBusProxy *proxy,
                     const char *name)
{
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, name);

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_strdup ("");
  return g_variant_dup_string (value, NULL);
}

static gboolean
get_boolean_property (GDBusProxy *proxy,
                      const char *name)
{
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, name);

  return value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) &&
         g_variant_get_boolean (value);
}

/* Whom files can be offered to right now: as in the window, a neighbour
 * who is online, takes files, and whose identity is not in doubt. */
static gboolean
can_receive (GDBusProxy *peer)
{
  g_autofree char *problem = dup_string_property (peer, "Problem");

  return get_boolean_property (peer, "Online") && get_boolean_property (peer, "AcceptsDrops") &&
         *problem == '\0';
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  g_autofree char *name_a = dup_string_property (*(GDBusProxy **) a, "Name");
  g_autofree char *name_b = dup_string_property (*(GDBusProxy **) b, "Name");

  return g_utf8_collate (name_a, name_b);
}

/* (element-type GDBusProxy): the neighbours files can go to, by name. */
static GPtrArray *
dup_recipients (HallwayNautilusProvider *self)
{
  GPtrArray *peers = g_ptr_array_new_with_free_func (g_object_unref);
  GList *objects = g_dbus_object_manager_get_objects (self->manager);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      GDBusInterface *peer = g_dbus_object_get_interface (l->data, PEER_INTERFACE);

      if (peer != NULL && can_receive (G_DBUS_PROXY (peer)))
        g_ptr_array_add (peers, peer);
      else
        g_clear_object (&peer);
    }
  g_list_free_full (objects, g_object_unref);
  g_ptr_array_sort (peers, compare_names);
  return peers;
}

/* Sending */

typedef struct
{
  GDBusConnection *connection;   /* (owned) */
  char            *peer_path;    /* the neighbour's object path */
  char            *peer_name;
  GStrv            paths;        /* local files and folders */
} SendRequest;

static void
send_request_free (gpointer  data,
                   GClosure *closure)
{
  SendRequest *request = data;

  g_object_unref (request->connection);
  g_free (request->peer_path);
  g_free (request->peer_name);
  g_strfreev (request->paths);
  g_free (request);
}

/* Files shows nothing when a menu item has done its work, so a
 * notification says what happened, in the words of the window's toast.
 * Outside Files (tests) there is no application to say it with. */
static void
notify (const char *message)
{
  GApplication *app = g_application_get_default ();
  g_autoptr(GNotification) notification = NULL;

  g_debug ("%s", message);
  if (app == NULL || !g_application_get_is_registered (app))
    return;
  notification = g_notification_new (message);
  g_application_send_notification (app, NULL, notification);
}

typedef struct
{
  char  *peer_name;
  guint  n_files;
} SendReply;

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SendReply *sent = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *message = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      if (g_dbus_error_is_remote_error (error))
        g_dbus_error_strip_remote_error (error);
      message = g_strdup_printf (_("Could not send to %s: %s"), sent->peer_name, error->message);
    }
  else
    {
      /* Translators: "Offered 3 files to Bruno Costa". */
      message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Offered %u item to %s",
                                              "Offered %u items to %s", sent->n_files),
                                 sent->n_files, sent->peer_name);
    }
  notify (message);
  g_free (sent->peer_name);
  g_free (sent);
}

static void
send_activated_cb (NautilusMenuItem *item,
                   SendRequest      *request)
{
  SendReply *sent = g_new0 (SendReply, 1);

  sent->peer_name = g_strdup (request->peer_name);
  sent->n_files = g_strv_length (request->paths);
  g_dbus_connection_call (request->connection, HALLWAY_DAEMON_BUS_NAME,
                          HALLWAY_DAEMON_OBJECT_PATH, DAEMON_INTERFACE, "Send",
                          g_variant_new ("(s^as)", request->peer_path, request->paths),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL,
                          sent_cb, sent);
}

/* The menu */

/* Paths of the selected files, or NULL when one is not on this computer
 * (trash, a remote folder): only local files can be offered. */
static GStrv
dup_local_paths (GList *files)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (GList *l = files; l != NULL; l = l->next)
    {
      g_autoptr(GFile) location = nautilus_file_info_get_location (l->data);
      g_autofree char *path = location != NULL ? g_file_get_path (location) : NULL;

      if (path == NULL || nautilus_file_info_is_gone (l->data))
        return NULL;
      g_strv_builder_add (builder, path);
    }
  return g_strv_builder_end (builder);
}

/* Menu labels take "_" as a mnemonic mark; a name shows as it is. */
static char *
escape_mnemonic (const char *label)
{
  g_auto(GStrv) parts = g_strsplit (label, "_", -1);

  return g_strjoinv ("__", parts);
}

static NautilusMenuItem *
new_send_item (GDBusConnection *connection,
               GDBusProxy      *peer,
               GStrv            paths)
{
  g_autofree char *id = dup_string_property (peer, "Id");
  g_autofree char *name = dup_string_property (peer, "Name");
  g_autofree char *item_name = g_strconcat ("HallwayNautilus::send-", id, NULL);
  g_autofree char *label = escape_mnemonic (name);
  /* Translators: %s is a colleague's name; a menu item's tooltip. */
  g_autofree char *tip = g_strdup_printf (_("Offer the selection to %s"), name);
  NautilusMenuItem *item = nautilus_menu_item_new (item_name, label, tip, NULL);
  SendRequest *request = g_new0 (SendRequest, 1);

  request->connection = g_object_ref (connection);
  request->peer_path = g_strdup (g_dbus_proxy_get_object_path (peer));
  request->peer_name = g_steal_pointer (&name);
  request->paths = g_strdupv (paths);
  g_signal_connect_data (item, "activate", G_CALLBACK (send_activated_cb), request,
                         send_request_free, 0);
  return item;
}

static GList *
get_file_items (NautilusMenuProvider *provider,
                GList                *files)
{
  HallwayNautilusProvider *self = HALLWAY_NAUTILUS_PROVIDER (provider);
  GDBusObjectManagerClient *client;
  g_autofree char *owner = NULL;
  g_auto(GStrv) paths = NULL;
  g_autoptr(GPtrArray) peers = NULL;
  g_autoptr(NautilusMenu) submenu = NULL;
  NautilusMenuItem *item;

  if (self->manager == NULL || files == NULL)
    return NULL;
  client = G_DBUS_OBJECT_MANAGER_CLIENT (self->manager);
  owner = g_dbus_object_manager_client_get_name_owner (client);
  if (owner == NULL)
    return NULL;
  paths = dup_local_paths (files);
  if (paths == NULL)
    return NULL;

  submenu = nautilus_menu_new ();
  peers = dup_recipients (self);
  for (guint i = 0; i < peers->len; i++)
    {
      item = new_send_item (g_dbus_object_manager_client_get_connection (client),
                            g_ptr_array_index (peers, i), paths);
      nautilus_menu_append_item (submenu, item);
      g_object_unref (item);
    }
  if (peers->len == 0)
    {
      item = nautilus_menu_item_new ("HallwayNautilus::nobody", _("No Colleagues Online"),
                                     NULL, NULL);
      g_object_set (item, "sensitive", FALSE, NULL);
      nautilus_menu_append_item (submenu, item);
      g_object_unref (item);
    }

  item = nautilus_menu_item_new ("HallwayNautilus::send", _("Send to Colleague"),
                                 _("Offer the selection to a colleague on this network"), NULL);
  nautilus_menu_item_set_submenu (item, submenu);
  return g_list_append (NULL, item);
}

static void
menu_provider_iface_init (NautilusMenuProviderInterface *iface)
{
  iface->get_file_items = get_file_items;
}

/* Following hallwayd */

static void
manager_ready_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(HallwayNautilusProvider) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager = g_dbus_object_manager_client_new_for_bus_finish (result, &error);

  if (manager == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("No “Send to Colleague” in Files: %s", error->message);
      return;
    }
  /* Nothing to watch: the menu is built when Files shows it, from what
   * the manager knows then. */
  self->manager = manager;
}

static void
hallway_nautilus_provider_dispose (GObject *object)
{
  HallwayNautilusProvider *self = HALLWAY_NAUTILUS_PROVIDER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (hallway_nautilus_provider_parent_class)->dispose (object);
}

static void
hallway_nautilus_provider_class_init (HallwayNautilusProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hallway_nautilus_provider_dispose;
}

static void
hallway_nautilus_provider_class_finalize (HallwayNautilusProviderClass *klass)
{
}

static void
hallway_nautilus_provider_init (HallwayNautilusProvider *self)
{
  self->cancellable = g_cancellable_new ();
  /* The manager follows hallwayd as it starts and stops. */
  g_dbus_object_manager_client_new_for_bus (G_BUS_TYPE_SESSION,
                                            G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                            HALLWAY_DAEMON_BUS_NAME, HALLWAY_DAEMON_OBJECT_PATH,
                                            NULL, NULL, NULL, self->cancellable,
                                            manager_ready_cb, g_object_ref (self));
}

/* The module */

static GType provider_types[1];

G_MODULE_EXPORT void
nautilus_module_initialize (GTypeModule *module)
{
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  hallway_nautilus_provider_register_type (module);
  provider_types[0] = HALLWAY_TYPE_NAUTILUS_PROVIDER;
}

G_MODULE_EXPORT void
nautilus_module_shutdown (void)
{
}

G_MODULE_EXPORT void
nautilus_module_list_types (const GType **types,
                            int          *n_types)
{
  *types = provider_types;
  *n_types = G_N_ELEMENTS (provider_types);
}
