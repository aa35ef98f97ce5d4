/* hallway-daemon.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallwayd owns every network concern of one person's session: it announces
 * this computer, serves it over HTTPS, finds the neighbours and keeps track
 * of whether they are up. The window and hallwayctl are views over its
 * D-Bus API. It keeps running when avahi-daemon is missing or restarts.
 */
#include "config.h"

#include "hallway-daemon.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "hallway-client.h"
#include "hallway-daemon-peers.h"
#include "hallway-daemon-server.h"
#include "hallway-dbus.h"
#include "hallway-dnssd.h"
#include "hallway-error.h"
#include "hallway-identity.h"
#include "hallway-pins.h"
#include "hallway-txt.h"

#define HALLWAY_SERVICE_TYPE   "_hallway._tcp"
#define PRESENCE_KEY           "presence"
#define MAX_INSTANCE_NAME      63

struct _HallwayDaemon
{
  GApplication              parent_instance;

  int                       status;
  GDBusObjectManagerServer *manager;
  HallwayDBusDaemon1       *iface;
  gboolean                  iface_exported;

  HallwayIdentity          *identity;
  HallwayDaemonServer      *server;
  HallwayClient            *client;
  HallwayPins              *pins;
  HallwayDaemonPeers       *peers;
  HallwayDnssd             *dnssd;
  char                     *name;
  char                     *host;
  guint                     sigterm_id;
  guint                     sigint_id;
};

G_DEFINE_FINAL_TYPE (HallwayDaemon, hallway_daemon, G_TYPE_APPLICATION)

static char *
dup_display_name (const char *host)
{
  const char *name = g_getenv ("HALLWAY_NAME");
  g_autofree char *from_settings = NULL;
  g_autofree char *composed = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  const char *real_name;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);

  if ((name == NULL || *name == '\0') && schema != NULL)
    {
      g_autoptr(GSettings) settings = g_settings_new (APP_ID);

      from_settings = g_settings_get_string (settings, "display-name");
      name = from_settings;
    }

  if (name == NULL || *name == '\0')
    {
      real_name = g_get_real_name ();
      if (real_name == NULL || *real_name == '\0' || g_str_equal (real_name, "Unknown"))
        real_name = g_get_user_name ();
      /* Translators: the name a computer is announced under by default:
       * "Alice Martin on reception-pc". %1$s is the person's name, %2$s the
       * computer's host name. */
      composed = g_strdup_printf (_("%1$s on %2$s"), real_name, host);
      name = composed;
    }

  return hallway_utf8_truncate (name, MAX_INSTANCE_NAME);
}

static guint16
get_port (void)
{
  const char *text = g_getenv ("HALLWAY_PORT");
  guint64 port = HALLWAY_DEFAULT_PORT;

  if (text != NULL && !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT16, &port, NULL))
    {
      g_warning ("HALLWAY_PORT=‘%s’ is not a port number; using %u", text,
                 HALLWAY_DEFAULT_PORT);
      port = HALLWAY_DEFAULT_PORT;
    }
  return port;
}

static GStrv
build_txt (HallwayDaemon *self)
{
  HallwayTxt txt = {
    .version = 1,
    .device_id = (char *) hallway_identity_get_device_id (self->identity),
    .fingerprint = (char *) hallway_identity_get_fingerprint (self->identity),
    .host = self->host,
    .n_shares = 0,
    .n_printers = 0,
    .accepts_drops = FALSE,
  };

  return hallway_txt_build (&txt);
}

static void
update_server_info (HallwayDaemon *self)
{
  HallwayInfo info = {
    .device_id = (char *) hallway_identity_get_device_id (self->identity),
    .name = (char *) hallway_dbus_daemon1_get_name (self->iface),
    .host = self->host,
    .version = (char *) PACKAGE_VERSION,
    .port = hallway_daemon_server_get_port (self->server),
  };

  hallway_daemon_server_set_info (self->server, &info);
}

static void
avahi_state_changed_cb (HallwayDnssd  *dnssd,
                        GParamSpec    *pspec,
                        HallwayDaemon *self)
{
  HallwayDnssdState state = hallway_dnssd_get_state (dnssd);
  const char *message = hallway_dnssd_get_message (dnssd);

  hallway_dbus_daemon1_set_avahi_state (self->iface, hallway_dnssd_state_to_string (state));
  hallway_dbus_daemon1_set_avahi_message (self->iface, message != NULL ? message : "");

  if (state == HALLWAY_DNSSD_STATE_NOT_RUNNING || state == HALLWAY_DNSSD_STATE_FAILED)
    g_message ("%s", message != NULL ? message : "Avahi is not available");
  else if (state == HALLWAY_DNSSD_STATE_RUNNING)
    g_message ("Avahi is running; announcing this computer");
}

static void
published_cb (HallwayDnssd  *dnssd,
              const char    *key,
              const char    *name,
              HallwayDaemon *self)
{
  if (!g_str_equal (key, PRESENCE_KEY))
    return;

  if (g_strcmp0 (name, self->name) != 0)
    g_message ("The name ‘%s’ is taken on this network; announcing as ‘%s’", self->name, name);
  hallway_dbus_daemon1_set_name (self->iface, name);
  update_server_info (self);
}

static void
service_resolved_cb (HallwayDnssd              *dnssd,
                     const HallwayDnssdService *service,
                     HallwayDaemon             *self)
{
  if (g_str_equal (service->type, HALLWAY_SERVICE_TYPE))
    hallway_daemon_peers_service_resolved (self->peers, service);
}

static void
service_removed_cb (HallwayDnssd              *dnssd,
                    const HallwayDnssdService *service,
                    HallwayDaemon             *self)
{
  if (g_str_equal (service->type, HALLWAY_SERVICE_TYPE))
    hallway_daemon_peers_service_removed (self->peers, service);
}

static void
add_peer_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  path = hallway_daemon_peers_add_by_address_finish (HALLWAY_DAEMON_PEERS (source), result,
                                                     &error);
  if (path == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  hallway_dbus_daemon1_complete_add_peer (NULL, g_steal_pointer (&invocation), path);
}

static gboolean
handle_add_peer_cb (HallwayDBusDaemon1    *iface,
                    GDBusMethodInvocation *invocation,
                    const char            *address,
                    HallwayDaemon         *self)
{
  if (self->peers == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                                             "Hallway is still starting");
      return TRUE;
    }

  hallway_daemon_peers_add_by_address_async (self->peers, address, NULL, add_peer_done_cb,
                                             g_object_ref (invocation));
  return TRUE;
}

static gboolean
quit_signal_cb (gpointer user_data)
{
  HallwayDaemon *self = user_data;

  g_message ("Stopping");
  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_CONTINUE;
}

static gboolean
hallway_daemon_dbus_register (GApplication     *application,
                              GDBusConnection  *connection,
                              const char       *object_path,
                              GError          **error)
{
  HallwayDaemon *self = HALLWAY_DAEMON (application);

  if (!G_APPLICATION_CLASS (hallway_daemon_parent_class)->dbus_register (application, connection,
                                                                          object_path, error))
    return FALSE;

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->iface), connection,
                                         HALLWAY_DAEMON_OBJECT_PATH, error))
    return FALSE;
  self->iface_exported = TRUE;

  g_dbus_object_manager_server_set_connection (self->manager, connection);
  return TRUE;
}

static void
hallway_daemon_dbus_unregister (GApplication    *application,
                                GDBusConnection *connection,
                                const char      *object_path)
{
  HallwayDaemon *self = HALLWAY_DAEMON (application);

  if (self->iface_exported)
    {
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->iface));
      self->iface_exported = FALSE;
    }
  g_dbus_object_manager_server_set_connection (self->manager, NULL);

  G_APPLICATION_CLASS (hallway_daemon_parent_class)->dbus_unregister (application, connection,
                                                                      object_path);
}

static void
fail (HallwayDaemon *self,
      const char    *what,
      GError        *error)
{
  g_printerr ("hallwayd: %s: %s\n", what, error->message);
  self->status = 1;
  g_application_quit (G_APPLICATION (self));
}

static void
hallway_daemon_startup (GApplication *application)
{
  HallwayDaemon *self = HALLWAY_DAEMON (application);
  g_autoptr(GError) error = NULL;
  g_autofree char *identity_dir = NULL;
  g_autofree char *pins_path = NULL;
  g_auto(GStrv) txt = NULL;

  G_APPLICATION_CLASS (hallway_daemon_parent_class)->startup (application);

  /* A service: stay up until told to stop, not until idle. */
  g_application_hold (application);

  self->sigterm_id = g_unix_signal_add (SIGTERM, quit_signal_cb, self);
  self->sigint_id = g_unix_signal_add (SIGINT, quit_signal_cb, self);

  /* A notice, not a warning: root is normal in containers and CI, where
   * warnings are made fatal. */
  if (geteuid () == 0)
    g_message ("Warning: running as root; fine in a container, but on a desktop hallwayd "
               "should run as the person whose folders it shares");

  identity_dir = g_build_filename (g_get_user_data_dir (), "hallway", NULL);
  self->identity = hallway_identity_load_or_create (identity_dir, &error);
  if (self->identity == NULL)
    {
      fail (self, "Could not set up this computer's identity", error);
      return;
    }
  if (hallway_identity_was_created (self->identity))
    g_message ("Created this computer's identity, verification code %s",
               hallway_identity_get_verification_code (self->identity));

  self->host = g_strdup (g_get_host_name ());
  self->name = dup_display_name (self->host);

  self->server = hallway_daemon_server_new (self->identity);
  if (!hallway_daemon_server_listen (self->server, NULL, get_port (), &error))
    {
      fail (self, "Could not start serving", error);
      return;
    }

  hallway_dbus_daemon1_set_version (self->iface, PACKAGE_VERSION);
  hallway_dbus_daemon1_set_name (self->iface, self->name);
  hallway_dbus_daemon1_set_host (self->iface, self->host);
  hallway_dbus_daemon1_set_device_id (self->iface,
                                      hallway_identity_get_device_id (self->identity));
  hallway_dbus_daemon1_set_fingerprint (self->iface,
                                        hallway_identity_get_fingerprint (self->identity));
  hallway_dbus_daemon1_set_verification_code (self->iface,
                                              hallway_identity_get_verification_code (self->identity));
  hallway_dbus_daemon1_set_port (self->iface, hallway_daemon_server_get_port (self->server));
  update_server_info (self);

  pins_path = g_build_filename (identity_dir, "peers.ini", NULL);
  self->pins = hallway_pins_new (pins_path);
  if (!hallway_pins_load (self->pins, &error))
    {
      g_warning ("%s; starting with no known neighbours", error->message);
      g_clear_error (&error);
    }

  self->client = hallway_client_new (hallway_identity_get_tls_certificate (self->identity));
  self->peers = hallway_daemon_peers_new (self->manager, self->client, self->pins,
                                          hallway_identity_get_device_id (self->identity));
  hallway_daemon_peers_load_remembered (self->peers);

  self->dnssd = hallway_dnssd_new ();
  g_signal_connect (self->dnssd, "notify::state", G_CALLBACK (avahi_state_changed_cb), self);
  g_signal_connect (self->dnssd, "published", G_CALLBACK (published_cb), self);
  g_signal_connect (self->dnssd, "service-resolved", G_CALLBACK (service_resolved_cb), self);
  g_signal_connect (self->dnssd, "service-removed", G_CALLBACK (service_removed_cb), self);

  txt = build_txt (self);
  hallway_dnssd_publish (self->dnssd, PRESENCE_KEY, self->name, HALLWAY_SERVICE_TYPE,
                         hallway_daemon_server_get_port (self->server),
                         (const char * const *) txt, NULL);
  hallway_dnssd_browse (self->dnssd, HALLWAY_SERVICE_TYPE);
  hallway_dnssd_start (self->dnssd);
  avahi_state_changed_cb (self->dnssd, NULL, self);

  g_message ("Serving ‘%s’ on port %u", self->name,
             hallway_daemon_server_get_port (self->server));
}

static void
hallway_daemon_shutdown (GApplication *application)
{
  HallwayDaemon *self = HALLWAY_DAEMON (application);

  /* Withdraw the announcements first, so neighbours see us leave at once. */
  if (self->dnssd != NULL)
    g_signal_handlers_disconnect_by_data (self->dnssd, self);
  g_clear_object (&self->dnssd);
  g_clear_object (&self->peers);
  g_clear_object (&self->server);
  g_clear_object (&self->client);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);

  G_APPLICATION_CLASS (hallway_daemon_parent_class)->shutdown (application);
}

static void
hallway_daemon_activate (GApplication *application)
{
  /* Nothing to show: hallwayd is a service. */
}

static void
hallway_daemon_dispose (GObject *object)
{
  HallwayDaemon *self = HALLWAY_DAEMON (object);

  g_clear_object (&self->dnssd);
  g_clear_object (&self->peers);
  g_clear_object (&self->server);
  g_clear_object (&self->client);
  g_clear_object (&self->pins);
  g_clear_object (&self->identity);
  g_clear_object (&self->manager);
  g_clear_object (&self->iface);

  G_OBJECT_CLASS (hallway_daemon_parent_class)->dispose (object);
}

static void
hallway_daemon_finalize (GObject *object)
{
  HallwayDaemon *self = HALLWAY_DAEMON (object);

  g_free (self->name);
  g_free (self->host);

  G_OBJECT_CLASS (hallway_daemon_parent_class)->finalize (object);
}

static void
hallway_daemon_class_init (HallwayDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = hallway_daemon_dispose;
  object_class->finalize = hallway_daemon_finalize;

  app_class->dbus_register = hallway_daemon_dbus_register;
  app_class->dbus_unregister = hallway_daemon_dbus_unregister;
  app_class->startup = hallway_daemon_startup;
  app_class->shutdown = hallway_daemon_shutdown;
  app_class->activate = hallway_daemon_activate;
}

static void
hallway_daemon_init (HallwayDaemon *self)
{
  self->manager = g_dbus_object_manager_server_new (HALLWAY_DAEMON_OBJECT_PATH);
  self->iface = hallway_dbus_daemon1_skeleton_new ();
  hallway_dbus_daemon1_set_avahi_state (self->iface, "starting");
  hallway_dbus_daemon1_set_avahi_message (self->iface, "");
  g_signal_connect (self->iface, "handle-add-peer", G_CALLBACK (handle_add_peer_cb), self);
}

/**
 * hallway_daemon_new:
 *
 * Returns: (transfer full): the daemon; run it with g_application_run()
 */
HallwayDaemon *
hallway_daemon_new (void)
{
  return g_object_new (HALLWAY_TYPE_DAEMON,
                       "application-id", HALLWAY_DAEMON_BUS_NAME,
                       "flags", G_APPLICATION_IS_SERVICE,
                       NULL);
}

/**
 * hallway_daemon_get_status:
 * @self: a #HallwayDaemon
 *
 * Returns: the exit status: 0, or 1 when it could not start
 */
int
hallway_daemon_get_status (HallwayDaemon *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON (self), 1);

  return self->status;
}
