/* hallway-daemon.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallwayd owns every network concern of one person's session: it announces
 * this computer, serves it over HTTPS, finds the neighbours and keeps track
 * of whether they are up. The window and hallwayctl are views over its
 * D-Bus API, whose methods are in hallway-daemon-dbus.c. It keeps running
 * when avahi-daemon is missing or restarts.
 */
#include "config.h"

#include "hallway-daemon-private.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <unistd.h>

#include "hallway-daemon-listener.h"
#include "hallway-daemon-memory.h"
#include "hallway-error.h"
#include "hallway-pinning-database.h"
#include "hallway-settings.h"
#include "hallway-txt.h"

#define HALLWAY_SERVICE_TYPE   "_hallway._tcp"
#define WEBDAVS_SERVICE_TYPE   "_webdavs._tcp"
#define PRESENCE_KEY           "presence"
#define WEBDAV_KEY_PREFIX      "webdav:"
#define MAX_INSTANCE_NAME      63
/* How often to check that shared folders are still there. */
#define AVAILABILITY_INTERVAL_S 5

G_DEFINE_FINAL_TYPE (HallwayDaemon, hallway_daemon, G_TYPE_APPLICATION)

static char *
dup_display_name (const char *host)
{
  const char *name = g_getenv ("HALLWAY_NAME");
  g_autofree char *from_settings = NULL;
  g_autofree char *composed = NULL;
  g_autoptr(GSettings) settings = NULL;
  const char *real_name;

  if ((name == NULL || *name == '\0') && (settings = hallway_dup_settings ()) != NULL)
    {
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

static void
apply_settings (HallwayDaemon *self)
{
  g_autoptr(GSettings) settings = hallway_dup_settings ();

  if (settings == NULL)
    return;
  hallway_daemon_webdav_set_max_body (self->webdav,
                                      g_settings_get_uint64 (settings, "max-upload-size"));
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
  guint n_shares = self->shares != NULL ? hallway_daemon_shares_get_count (self->shares) : 0;
  HallwayTxt txt = {
    .version = 1,
    .device_id = (char *) hallway_identity_get_device_id (self->identity),
    .fingerprint = (char *) hallway_identity_get_fingerprint (self->identity),
    .host = self->host,
    .n_shares = n_shares,
    .n_printers = self->printers != NULL ?
                  hallway_daemon_printers_get_shared_count (self->printers) : 0,
    .accepts_drops = self->drops != NULL && hallway_daemon_drops_get_accepts (self->drops),
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
    .accepts_drops = self->drops != NULL && hallway_daemon_drops_get_accepts (self->drops),
  };

  hallway_daemon_server_set_info (self->server, &info);
}

static HallwayInfo *
info_for_request_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  HallwayDaemon *self = user_data;
  g_autoptr(GPtrArray) shares = hallway_daemon_shares_dup_all (self->shares);
  gboolean trusted = hallway_daemon_access_is_trusted (self->access, msg);
  HallwayInfo *info = g_new0 (HallwayInfo, 1);
  g_autofree char *requester = hallway_daemon_access_dup_client_id (msg);

  /* A neighbour asking is proof that its connections get in here. */
  if (requester != NULL && self->doctor != NULL)
    hallway_daemon_doctor_note_request (self->doctor, requester);

  info->device_id = g_strdup (hallway_identity_get_device_id (self->identity));
  info->name = g_strdup (hallway_dbus_daemon1_get_name (self->iface));
  info->host = g_strdup (self->host);
  info->version = g_strdup (PACKAGE_VERSION);
  info->port = hallway_daemon_server_get_port (self->server);
  info->accepts_drops = self->drops != NULL && hallway_daemon_drops_get_accepts (self->drops);

  /* List what the asking computer could open: a share for trusted colleagues
   * is not even named to others. */
  for (guint i = 0; i < shares->len; i++)
    {
      HallwayShare *share = g_ptr_array_index (shares, i);
      HallwayShareAudience audience = hallway_share_get_audience (share);

      if ((audience == HALLWAY_SHARE_AUDIENCE_TRUSTED && !trusted) ||
          !hallway_share_get_enabled (share))
        continue;
      hallway_info_add_share (info, hallway_share_get_id (share), hallway_share_get_name (share),
                              hallway_share_access_to_string (hallway_share_get_access (share)),
                              hallway_share_audience_to_string (audience));
    }
  if (self->printers != NULL)
    hallway_daemon_printers_add_to_info (self->printers, info);
  if (self->gossip != NULL)
    hallway_daemon_gossip_add_to_info (self->gossip, info);
  return info;
}

static const char *
peer_problem_cb (const char *device_id,
                 gpointer    user_data)
{
  HallwayDaemon *self = user_data;

  return self->peers != NULL ? hallway_daemon_peers_get_problem (self->peers, device_id) : NULL;
}

/* What neighbours see of this computer changed: tell those online now,
 * not at their next probe (see hallway-daemon-gossip.c). */
static void
tell_neighbours (HallwayDaemon *self)
{
  if (self->gossip != NULL)
    hallway_daemon_gossip_changed (self->gossip);
}

static void
drops_accepts_changed_cb (HallwayDaemonDrops *drops,
                          GParamSpec         *pspec,
                          HallwayDaemon      *self)
{
  g_auto(GStrv) txt = build_txt (self);

  /* Neighbours see at once whether files can be sent here. */
  update_server_info (self);
  tell_neighbours (self);
  if (self->dnssd != NULL)
    hallway_dnssd_update_txt (self->dnssd, PRESENCE_KEY, (const char * const *) txt);
}

static char *
share_url (HallwayDaemon *self,
           HallwayShare  *share)
{
  return g_strdup_printf ("https://%s.local:%u/shares/%s/", self->host,
                          hallway_daemon_server_get_port (self->server),
                          hallway_share_get_id (share));
}

/* A colleague this person trusts: its connections may use the capacity
 * every listener keeps for colleagues. */
static gboolean
listener_knows_cb (const char *device_id,
                   gpointer    user_data)
{
  HallwayDaemon *self = user_data;

  return self->pins != NULL && hallway_pins_get_trusted (self->pins, device_id);
}

static void
update_share_availability (HallwayDaemon *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->share_objects);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      HallwayShare *share = hallway_daemon_shares_lookup (self->shares, key);
      g_autoptr(HallwayDBusShare1) iface =
        hallway_dbus_object_get_share1 (HALLWAY_DBUS_OBJECT (value));
      g_autoptr(GError) error = NULL;
      gboolean available;

      if (share == NULL || iface == NULL)
        continue;
      available = hallway_share_check_available (share, &error);
      /* Only a folder that is not there is missing: out of descriptors
       * (EMFILE) or another passing failure says nothing about it. */
      if (!available && !g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND))
        {
          g_debug ("Could not check shared folder ‘%s’: %s", hallway_share_get_name (share),
                   error->message);
          continue;
        }
      if (available != hallway_dbus_share1_get_available (iface))
        {
          g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                            "HALLWAY_SHARE", hallway_share_get_name (share),
                            "MESSAGE", "Shared folder ‘%s’ is %s", hallway_share_get_name (share),
                            available ? "available again" : "not available (folder missing)");
          hallway_dbus_share1_set_available (iface, available);
        }
    }
}

static gboolean
availability_cb (gpointer user_data)
{
  update_share_availability (user_data);
  return G_SOURCE_CONTINUE;
}

static void
announce_shares (HallwayDaemon *self)
{
  g_autoptr(GPtrArray) shares = hallway_daemon_shares_dup_all (self->shares);

  for (guint i = 0; i < self->webdav_keys->len; i++)
    hallway_dnssd_unpublish (self->dnssd, g_ptr_array_index (self->webdav_keys, i));
  g_ptr_array_set_size (self->webdav_keys, 0);

  /* Each folder anyone may open is also a plain _webdavs._tcp service, so
   * GNOME Files lists it under Other Locations. gvfs insists on a u= key. */
  for (guint i = 0; i < shares->len; i++)
    {
      HallwayShare *share = g_ptr_array_index (shares, i);
      HallwayShareAudience audience = hallway_share_get_audience (share);
      g_autofree char *key = NULL;
      g_autofree char *instance = NULL;
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;
      const char *txt[3];

      if (audience == HALLWAY_SHARE_AUDIENCE_TRUSTED || !hallway_share_get_enabled (share))
        continue;

      key = g_strconcat (WEBDAV_KEY_PREFIX, hallway_share_get_id (share), NULL);
      /* Translators: the name of a shared folder on the network, as seen in
       * file managers: "Projects on Alice Martin". %1$s is the folder's name,
       * %2$s the person's display name. */
      instance = g_strdup_printf (_("%1$s on %2$s"), hallway_share_get_name (share),
                                  hallway_dbus_daemon1_get_name (self->iface));
      name = hallway_utf8_truncate (instance, MAX_INSTANCE_NAME);
      path = g_strdup_printf ("path=/shares/%s/", hallway_share_get_id (share));
      txt[0] = audience == HALLWAY_SHARE_AUDIENCE_PASSWORD ? "u=hallway" : "u=";
      txt[1] = path;
      txt[2] = NULL;
      hallway_dnssd_publish (self->dnssd, key, name, WEBDAVS_SERVICE_TYPE,
                             hallway_daemon_server_get_port (self->server), txt, NULL);
      g_ptr_array_add (self->webdav_keys, g_steal_pointer (&key));
    }
}

static gboolean
handle_set_enabled_cb (HallwayDBusShare1     *iface,
                       GDBusMethodInvocation *invocation,
                       gboolean               enabled,
                       HallwayDaemon         *self)
{
  g_autoptr(GError) error = NULL;

  if (!hallway_daemon_shares_set_enabled (self->shares, hallway_dbus_share1_get_id (iface),
                                          enabled, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "HALLWAY_SHARE", hallway_dbus_share1_get_name (iface),
                    "MESSAGE", "Shared folder ‘%s’ switched %s",
                    hallway_dbus_share1_get_name (iface), enabled ? "on" : "off");
  hallway_dbus_share1_complete_set_enabled (iface, invocation);
  return TRUE;
}

static void
export_shares (HallwayDaemon *self)
{
  g_autoptr(GPtrArray) shares = hallway_daemon_shares_dup_all (self->shares);
  GHashTableIter iter;
  gpointer key, value;

  /* Withdraw objects of shares that are gone. */
  g_hash_table_iter_init (&iter, self->share_objects);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (hallway_daemon_shares_lookup (self->shares, key) == NULL)
      {
        g_dbus_object_manager_server_unexport (self->manager,
                                               g_dbus_object_get_object_path (value));
        g_hash_table_iter_remove (&iter);
      }

  for (guint i = 0; i < shares->len; i++)
    {
      HallwayShare *share = g_ptr_array_index (shares, i);
      const char *id = hallway_share_get_id (share);
      g_autofree char *path = NULL;
      g_autofree char *url = NULL;
      g_autoptr(HallwayDBusObjectSkeleton) object = NULL;
      g_autoptr(HallwayDBusShare1) iface = NULL;

      object = g_hash_table_lookup (self->share_objects, id);
      if (object != NULL)
        {
          iface = hallway_dbus_object_get_share1 (HALLWAY_DBUS_OBJECT (object));
          hallway_dbus_share1_set_enabled (iface, hallway_share_get_enabled (share));
          object = NULL;
          continue;
        }

      path = g_strdup_printf ("%s/%s", SHARES_OBJECT_PATH, id);
      url = share_url (self, share);
      object = hallway_dbus_object_skeleton_new (path);
      iface = hallway_dbus_share1_skeleton_new ();
      hallway_dbus_share1_set_id (iface, id);
      hallway_dbus_share1_set_name (iface, hallway_share_get_name (share));
      hallway_dbus_share1_set_path (iface, hallway_share_get_path (share));
      hallway_dbus_share1_set_access (
        iface, hallway_share_access_to_string (hallway_share_get_access (share)));
      hallway_dbus_share1_set_audience (
        iface, hallway_share_audience_to_string (hallway_share_get_audience (share)));
      hallway_dbus_share1_set_available (iface, hallway_share_check_available (share, NULL));
      hallway_dbus_share1_set_enabled (iface, hallway_share_get_enabled (share));
      hallway_dbus_share1_set_url (iface, url);
      g_signal_connect_object (iface, "handle-set-enabled", G_CALLBACK (handle_set_enabled_cb),
                               self, 0);
      hallway_dbus_object_skeleton_set_share1 (object, iface);
      g_dbus_object_manager_server_export (self->manager, G_DBUS_OBJECT_SKELETON (object));
      g_hash_table_insert (self->share_objects, g_strdup (id), g_steal_pointer (&object));
    }
}

static void
shares_changed_cb (HallwayDaemonShares *shares,
                   HallwayDaemon       *self)
{
  g_auto(GStrv) txt = NULL;

  export_shares (self);
  tell_neighbours (self);
  if (self->dnssd == NULL)
    return;

  txt = build_txt (self);
  hallway_dnssd_update_txt (self->dnssd, PRESENCE_KEY, (const char * const *) txt);
  announce_shares (self);
}

static void
printers_changed_cb (HallwayDaemonPrinters *printers,
                     HallwayDaemon         *self)
{
  g_auto(GStrv) txt = NULL;

  tell_neighbours (self);
  if (self->dnssd == NULL)
    return;
  txt = build_txt (self);
  hallway_dnssd_update_txt (self->dnssd, PRESENCE_KEY, (const char * const *) txt);
}

static void
peer_info_cb (HallwayDaemonPeers *peers,
              const char         *id,
              gpointer            info,
              HallwayDaemon      *self)
{
  g_autofree char *address = NULL;
  guint16 port;

  if (self->printers == NULL)
    return;
  hallway_daemon_peers_get_endpoint (peers, id, &address, &port, NULL);
  hallway_daemon_printers_set_peer_printers (self->printers, id, address, info);
}

/* Any request a neighbour makes shows it is up (see hallway-daemon-liveness.c). */
static void
request_finished_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     HallwayDaemon     *self)
{
  const char *id = hallway_daemon_listener_get_peer_id (msg);

  if (id != NULL && self->peers != NULL)
    hallway_daemon_peers_contacted (self->peers, id);
  if (id != NULL && self->gossip != NULL)
    hallway_daemon_gossip_contacted (self->gossip, msg, id);
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
  if (g_strcmp0 (name, hallway_dbus_daemon1_get_name (self->iface)) == 0)
    return;
  hallway_dbus_daemon1_set_name (self->iface, name);
  update_server_info (self);
  /* Neighbours that learned this computer before it was announced know
   * it by the name it had. */
  tell_neighbours (self);
}

/* A new display name is announced at once: neighbours key this computer
 * by its device id, so for them it is the same colleague, renamed. */
static void
display_name_changed_cb (GSettings     *settings,
                         const char    *key,
                         HallwayDaemon *self)
{
  g_autofree char *name = dup_display_name (self->host);
  g_auto(GStrv) txt = NULL;

  if (g_strcmp0 (name, self->name) == 0)
    return;
  g_free (self->name);
  self->name = g_steal_pointer (&name);
  g_message ("Announcing this computer as ‘%s’ from now on", self->name);
  hallway_dbus_daemon1_set_name (self->iface, self->name);
  update_server_info (self);
  tell_neighbours (self);

  if (self->dnssd == NULL)
    return;
  txt = build_txt (self);
  hallway_dnssd_publish (self->dnssd, PRESENCE_KEY, self->name, HALLWAY_SERVICE_TYPE,
                         hallway_daemon_server_get_port (self->server),
                         (const char * const *) txt, NULL);
  announce_shares (self);
}

static void
learn_neighbours_changed_cb (GSettings     *settings,
                             const char    *key,
                             HallwayDaemon *self)
{
  gboolean enabled = settings == NULL || g_settings_get_boolean (settings, "learn-neighbours");

  hallway_daemon_gossip_set_enabled (self->gossip, enabled);
  hallway_dbus_daemon1_set_learn_neighbours (self->iface, enabled);
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
  g_autofree char *shares_path = NULL;
  g_autofree char *transfers_path = NULL;
  g_autofree char *offers_path = NULL;
  g_autofree char *printers_path = NULL;
  g_auto(GStrv) txt = NULL;

  G_APPLICATION_CLASS (hallway_daemon_parent_class)->startup (application);

  /* A service: stay up until told to stop, not until idle. */
  g_application_hold (application);

  self->sigterm_id = g_unix_signal_add (SIGTERM, quit_signal_cb, self);
  self->memory_id = hallway_daemon_memory_watch ();
  self->sigint_id = g_unix_signal_add (SIGINT, quit_signal_cb, self);

  /* A notice, not a warning: root is normal in containers and CI, where
   * warnings are made fatal. */
  if (geteuid () == 0)
    g_message ("Warning: running as root; fine in a container, but on a desktop hallwayd "
               "should run as the person whose folders it shares");

  /* Every TLS peer of hallwayd is verified by its pinned certificate; no
   * connection needs the system CA store (hallway-pinning-database.c). */
  hallway_pinning_database_install ();

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
  hallway_dbus_daemon1_set_verification_code (
    self->iface, hallway_identity_get_verification_code (self->identity));
  hallway_dbus_daemon1_set_port (self->iface, hallway_daemon_server_get_port (self->server));
  update_server_info (self);

  pins_path = g_build_filename (identity_dir, "peers.ini", NULL);
  self->pins = hallway_pins_new (pins_path);
  if (!hallway_pins_load (self->pins, &error))
    {
      g_warning ("%s; starting with no known neighbours", error->message);
      g_clear_error (&error);
    }
  hallway_daemon_listener_set_known_func (hallway_daemon_server_get_listener (self->server),
                                          listener_knows_cb, self);

  self->client = hallway_client_new (hallway_identity_get_tls_certificate (self->identity));
  self->peers = hallway_daemon_peers_new (self->manager, self->client, self->pins,
                                          hallway_identity_get_device_id (self->identity));
  hallway_daemon_peers_load_remembered (self->peers);
  self->gossip = hallway_daemon_gossip_new (self->peers, self->client,
                                            hallway_daemon_server_get_port (self->server));
  hallway_daemon_gossip_attach (self->gossip,
                                hallway_daemon_server_get_soup_server (self->server));
  g_signal_connect (hallway_daemon_server_get_soup_server (self->server), "request-finished",
                    G_CALLBACK (request_finished_cb), self);

  shares_path = g_build_filename (g_get_user_config_dir (), "hallway", "shares.ini", NULL);
  self->shares = hallway_daemon_shares_new (shares_path, identity_dir);
  if (!hallway_daemon_shares_load (self->shares, &error))
    {
      /* Don't overwrite a list we could not read: stop, and say why. */
      fail (self, "Could not read the shared folders", error);
      return;
    }
  export_shares (self);
  g_signal_connect (self->shares, "changed", G_CALLBACK (shares_changed_cb), self);
  self->availability_id = g_timeout_add_seconds (AVAILABILITY_INTERVAL_S, availability_cb, self);

  self->access = hallway_daemon_access_new (self->pins);
  hallway_daemon_access_set_problem_func (self->access, peer_problem_cb, self);
  hallway_daemon_server_set_info_func (self->server, info_for_request_cb, self);
  self->webdav = hallway_daemon_webdav_new (self->shares, self->access);
  apply_settings (self);
  hallway_daemon_webdav_attach (self->webdav,
                                hallway_daemon_server_get_soup_server (self->server));

  transfers_path = g_build_filename (g_get_user_state_dir (), "hallway", "transfers.json", NULL);
  self->transfers = hallway_daemon_transfers_new (self->manager, self->client, self->peers,
                                                  transfers_path);
  if (!hallway_daemon_transfers_load (self->transfers, &error))
    {
      /* Don't overwrite a queue we could not read: stop, and say why. */
      fail (self, "Could not read the list of transfers", error);
      return;
    }
  hallway_daemon_transfers_start (self->transfers);

  offers_path = g_build_filename (g_get_user_state_dir (), "hallway", "offers.json", NULL);
  self->drops = hallway_daemon_drops_new (application, self->manager, self->pins, offers_path);
  hallway_daemon_drops_set_problem_func (self->drops, peer_problem_cb, self);
  if (!hallway_daemon_drops_load (self->drops, &error))
    {
      /* Don't overwrite offers we could not read: stop, and say why. */
      fail (self, "Could not read the list of offers being received", error);
      return;
    }
  hallway_daemon_drops_attach (self->drops, hallway_daemon_server_get_soup_server (self->server));
  g_signal_connect (self->drops, "notify::accepts", G_CALLBACK (drops_accepts_changed_cb), self);
  update_server_info (self);
  /* The printer gateway: plain HTTP next to the HTTPS port. Without it
   * Hallway still works, only without printer sharing. */
  self->ipp = hallway_daemon_ipp_new ();
  if (!hallway_daemon_ipp_listen (self->ipp, hallway_daemon_server_get_port (self->server) + 1,
                                  &error))
    {
      g_warning ("%s; printers can't be shared", error->message);
      g_clear_error (&error);
    }
  {
    g_autoptr(GSettings) settings = hallway_dup_settings ();

    if (settings != NULL)
      hallway_daemon_ipp_set_max_document_size (self->ipp,
                                                g_settings_get_uint64 (settings, "max-print-size"));
  }
  printers_path = g_build_filename (g_get_user_config_dir (), "hallway", "printers.ini", NULL);
  self->printers = hallway_daemon_printers_new (self->manager, self->ipp, printers_path);
  if (!hallway_daemon_printers_load (self->printers, &error))
    {
      /* Don't overwrite a list we could not read: stop, and say why. */
      fail (self, "Could not read the shared printers", error);
      return;
    }
  g_signal_connect (self->printers, "changed", G_CALLBACK (printers_changed_cb), self);
  g_signal_connect (self->peers, "peer-info", G_CALLBACK (peer_info_cb), self);

  self->dnssd = hallway_dnssd_new ();
  g_signal_connect (self->dnssd, "notify::state", G_CALLBACK (avahi_state_changed_cb), self);
  g_signal_connect (self->dnssd, "published", G_CALLBACK (published_cb), self);
  g_signal_connect (self->dnssd, "service-resolved", G_CALLBACK (service_resolved_cb), self);
  g_signal_connect (self->dnssd, "service-removed", G_CALLBACK (service_removed_cb), self);

  txt = build_txt (self);
  hallway_dnssd_publish (self->dnssd, PRESENCE_KEY, self->name, HALLWAY_SERVICE_TYPE,
                         hallway_daemon_server_get_port (self->server),
                         (const char * const *) txt, NULL);
  announce_shares (self);
  hallway_dnssd_browse (self->dnssd, HALLWAY_SERVICE_TYPE);
  hallway_dnssd_start (self->dnssd);
  self->doctor = hallway_daemon_doctor_new (G_DBUS_OBJECT_MANAGER (self->manager), self->dnssd,
                                            PRESENCE_KEY, self->client,
                                            hallway_identity_get_device_id (self->identity),
                                            hallway_daemon_server_get_port (self->server));
  self->settings = hallway_dup_settings ();
  if (self->settings != NULL)
    {
      g_signal_connect (self->settings, "changed::display-name",
                        G_CALLBACK (display_name_changed_cb), self);
      g_signal_connect (self->settings, "changed::learn-neighbours",
                        G_CALLBACK (learn_neighbours_changed_cb), self);
    }
  learn_neighbours_changed_cb (self->settings, NULL, self);
  avahi_state_changed_cb (self->dnssd, NULL, self);
  hallway_daemon_printers_start (self->printers, self->dnssd, self->name, self->host);

  g_message ("Serving ‘%s’ on port %u", self->name,
             hallway_daemon_server_get_port (self->server));
}

static void
hallway_daemon_shutdown (GApplication *application)
{
  HallwayDaemon *self = HALLWAY_DAEMON (application);

  /* A diagnosis under way ends now, and lets go of what it uses. */
  if (self->doctor != NULL)
    g_object_run_dispose (G_OBJECT (self->doctor));
  g_clear_object (&self->doctor);
  /* Withdraw the announcements first, so neighbours see us leave at once. */
  if (self->dnssd != NULL)
    g_signal_handlers_disconnect_by_data (self->dnssd, self);
  g_clear_object (&self->dnssd);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_handle_id (&self->availability_id, g_source_remove);
  if (self->shares != NULL)
    g_signal_handlers_disconnect_by_data (self->shares, self);
  if (self->printers != NULL)
    g_signal_handlers_disconnect_by_data (self->printers, self);
  if (self->peers != NULL)
    g_signal_handlers_disconnect_by_data (self->peers, self);
  g_clear_object (&self->printers);
  g_clear_object (&self->ipp);
  if (self->transfers != NULL)
    {
      g_autoptr(GError) error = NULL;

      /* Unfinished transfers continue at the next start. */
      if (!hallway_daemon_transfers_save_now (self->transfers, &error))
        g_warning ("Could not save the list of transfers: %s", error->message);
    }
  g_clear_object (&self->transfers);
  if (self->drops != NULL)
    {
      g_autoptr(GError) error = NULL;

      /* Accepted offers continue at the next start. */
      g_signal_handlers_disconnect_by_data (self->drops, self);
      if (!hallway_daemon_drops_save_now (self->drops, &error))
        g_warning ("Could not save the offers being received: %s", error->message);
    }
  g_clear_object (&self->drops);
  g_clear_object (&self->webdav);
  if (self->server != NULL && hallway_daemon_server_get_soup_server (self->server) != NULL)
    {
      g_signal_handlers_disconnect_by_data (hallway_daemon_server_get_soup_server (self->server),
                                            self);
      soup_server_remove_handler (hallway_daemon_server_get_soup_server (self->server),
                                  HALLWAY_NEIGHBOURS_PATH);
    }
  g_clear_object (&self->gossip);
  g_clear_object (&self->peers);
  g_clear_object (&self->server);
  g_clear_object (&self->client);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->memory_id, g_source_remove);
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

  g_clear_object (&self->doctor);
  g_clear_object (&self->dnssd);
  g_clear_object (&self->printers);
  g_clear_object (&self->ipp);
  g_clear_object (&self->transfers);
  g_clear_object (&self->drops);
  g_clear_object (&self->webdav);
  g_clear_object (&self->gossip);
  g_clear_object (&self->peers);
  g_clear_object (&self->server);
  g_clear_object (&self->client);
  g_clear_object (&self->access);
  g_clear_object (&self->shares);
  g_clear_pointer (&self->share_objects, g_hash_table_unref);
  g_clear_pointer (&self->webdav_keys, g_ptr_array_unref);
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
  _hallway_daemon_dbus_init (self);
  self->share_objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->webdav_keys = g_ptr_array_new_with_free_func (g_free);
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
