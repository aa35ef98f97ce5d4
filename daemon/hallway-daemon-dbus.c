/* hallway-daemon-dbus.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Daemon1 methods: what the window and hallwayctl ask hallwayd to do
 * (share a folder, add a neighbour by address, start a transfer, write DNS
 * records, run the doctor). Each handler checks its arguments and hands the
 * work to the subsystem that owns it; hallway-daemon.c builds those
 * subsystems and keeps what the daemon announces in step with them.
 */
#include "config.h"

#include "hallway-daemon-private.h"

#include <glib/gi18n.h>

#include "hallway-dns-records.h"
#include "hallway-error.h"
#include "hallway-netinfo.h"

/* A method that needs a subsystem hallwayd has not set up yet (or could
 * not, and is quitting) fails with one plain answer. */
static gboolean
still_starting (gpointer               subsystem,
                GDBusMethodInvocation *invocation)
{
  if (subsystem != NULL)
    return FALSE;
  g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                                         "Hallway is still starting");
  return TRUE;
}

static gboolean
handle_add_share_cb (HallwayDBusDaemon1    *iface,
                     GDBusMethodInvocation *invocation,
                     const char            *path,
                     GVariant              *options,
                     HallwayDaemon         *self)
{
  g_autoptr(GError) error = NULL;
  const char *name = NULL;
  const char *access_text = "read-only";
  const char *audience_text = "trusted";
  const char *password = NULL;
  HallwayShareAccess access;
  HallwayShareAudience audience;
  HallwayShare *share;
  g_autofree char *object_path = NULL;

  if (still_starting (self->shares, invocation))
    return TRUE;

  g_variant_lookup (options, "name", "&s", &name);
  g_variant_lookup (options, "access", "&s", &access_text);
  g_variant_lookup (options, "audience", "&s", &audience_text);
  g_variant_lookup (options, "password", "&s", &password);

  if (!hallway_share_access_from_string (access_text, &access))
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR,
                                             HALLWAY_ERROR_INVALID_ARGUMENT,
                                             _("“%s” is not an access mode; use read-only, "
                                               "read-write or drop-box"), access_text);
      return TRUE;
    }
  if (!hallway_share_audience_from_string (audience_text, &audience))
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR,
                                             HALLWAY_ERROR_INVALID_ARGUMENT,
                                             _("“%s” is not an audience; use everyone, trusted "
                                               "or password"), audience_text);
      return TRUE;
    }

  share = hallway_daemon_shares_add (self->shares, path, name, access, audience, password, &error);
  if (share == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "HALLWAY_SHARE", hallway_share_get_name (share),
                    "MESSAGE", "Sharing ‘%s’ (%s, %s)", hallway_share_get_name (share),
                    access_text, audience_text);
  object_path = g_strdup_printf ("%s/%s", SHARES_OBJECT_PATH, hallway_share_get_id (share));
  hallway_dbus_daemon1_complete_add_share (iface, invocation, object_path);
  return TRUE;
}

static gboolean
handle_remove_share_cb (HallwayDBusDaemon1    *iface,
                        GDBusMethodInvocation *invocation,
                        const char            *name,
                        HallwayDaemon         *self)
{
  g_autoptr(GError) error = NULL;

  if (still_starting (self->shares, invocation))
    return TRUE;
  if (!hallway_daemon_shares_remove (self->shares, name, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  hallway_dbus_daemon1_complete_remove_share (iface, invocation);
  return TRUE;
}

static gboolean
handle_set_learn_neighbours_cb (HallwayDBusDaemon1    *iface,
                                GDBusMethodInvocation *invocation,
                                gboolean               enabled,
                                HallwayDaemon         *self)
{
  if (still_starting (self->gossip, invocation))
    return TRUE;
  /* Settings notify this daemon in turn; without them (no schema
   * installed) the switch holds until the next start. */
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "learn-neighbours", enabled);
  hallway_daemon_gossip_set_enabled (self->gossip, enabled);
  hallway_dbus_daemon1_set_learn_neighbours (self->iface, enabled);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "MESSAGE", "Learning of neighbours from neighbours: %s",
                    enabled ? "on" : "off");
  hallway_dbus_daemon1_complete_set_learn_neighbours (iface, invocation);
  return TRUE;
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
  if (still_starting (self->peers, invocation))
    return TRUE;

  hallway_daemon_peers_add_by_address_async (self->peers, address, NULL, add_peer_done_cb,
                                             g_object_ref (invocation));
  return TRUE;
}

static gboolean
handle_download_cb (HallwayDBusDaemon1    *iface,
                    GDBusMethodInvocation *invocation,
                    const char            *peer,
                    const char            *share,
                    const char * const    *paths,
                    const char            *destination,
                    HallwayDaemon         *self)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) transfers = NULL;

  if (still_starting (self->transfers, invocation))
    return TRUE;

  transfers = hallway_daemon_transfers_download (self->transfers, peer, share, paths,
                                                 destination, &error);
  if (transfers == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  hallway_dbus_daemon1_complete_download (iface, invocation, (const char * const *) transfers);
  return TRUE;
}

static gboolean
handle_upload_cb (HallwayDBusDaemon1    *iface,
                  GDBusMethodInvocation *invocation,
                  const char            *peer,
                  const char            *share,
                  const char            *remote_dir,
                  const char * const    *local_paths,
                  HallwayDaemon         *self)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) transfers = NULL;

  if (still_starting (self->transfers, invocation))
    return TRUE;

  transfers = hallway_daemon_transfers_upload (self->transfers, peer, share, remote_dir,
                                               local_paths, &error);
  if (transfers == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  hallway_dbus_daemon1_complete_upload (iface, invocation, (const char * const *) transfers);
  return TRUE;
}

static gboolean
handle_send_cb (HallwayDBusDaemon1    *iface,
                GDBusMethodInvocation *invocation,
                const char            *peer,
                const char * const    *local_paths,
                HallwayDaemon         *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *transfer = NULL;

  if (still_starting (self->transfers, invocation))
    return TRUE;

  transfer = hallway_daemon_transfers_send (self->transfers, peer, local_paths, self->name,
                                            &error);
  if (transfer == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  hallway_dbus_daemon1_complete_send (iface, invocation, transfer);
  return TRUE;
}

static gboolean
handle_dns_records_cb (HallwayDBusDaemon1    *iface,
                       GDBusMethodInvocation *invocation,
                       const char            *domain,
                       const char            *format_text,
                       HallwayDaemon         *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) services = NULL;
  g_autofree char *resolv_conf = NULL;
  g_autofree char *search_domain = NULL;
  g_autofree char *host = NULL;
  g_autofree char *records = NULL;
  g_auto(GStrv) addresses = NULL;
  HallwayDnsRecordsFormat format;

  if (still_starting (self->dnssd, invocation))
    return TRUE;
  if (!hallway_dns_records_format_from_string (*format_text != '\0' ? format_text : "zone",
                                               &format))
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR,
                                             HALLWAY_ERROR_INVALID_ARGUMENT,
                                             _("“%s” is not a format; use zone or dnsmasq"),
                                             format_text);
      return TRUE;
    }
  /* The site's domain is usually the search domain DHCP handed out. */
  if (*domain == '\0' && g_file_get_contents ("/etc/resolv.conf", &resolv_conf, NULL, NULL))
    domain = search_domain = hallway_netinfo_parse_search_domain (resolv_conf);
  if (domain == NULL || *domain == '\0')
    {
      g_dbus_method_invocation_return_error_literal (invocation, HALLWAY_ERROR,
                                                     HALLWAY_ERROR_INVALID_ARGUMENT,
                                                     _("This computer has no DNS search domain; "
                                                       "say which domain the records are for "
                                                       "(e.g. office.example)"));
      return TRUE;
    }

  host = g_strndup (self->host, strcspn (self->host, "."));
  services = hallway_dnssd_dup_published (self->dnssd);
  addresses = hallway_netinfo_dup_reachable_addresses ();
  records = hallway_dns_records_build (domain, host, (const char * const *) addresses, services,
                                       format, &error);
  if (records == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  hallway_dbus_daemon1_complete_dns_records (iface, invocation, records);
  return TRUE;
}

static void
diagnosed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GVariant) findings = NULL;
  g_autoptr(GError) error = NULL;

  findings = hallway_daemon_doctor_diagnose_finish (HALLWAY_DAEMON_DOCTOR (source), result,
                                                    &error);
  if (findings == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  hallway_dbus_daemon1_complete_diagnose (NULL, g_steal_pointer (&invocation), findings);
}

static gboolean
handle_diagnose_cb (HallwayDBusDaemon1    *iface,
                    GDBusMethodInvocation *invocation,
                    const char            *target,
                    HallwayDaemon         *self)
{
  if (still_starting (self->doctor, invocation))
    return TRUE;
  hallway_daemon_doctor_diagnose_async (self->doctor, target, NULL, diagnosed_cb,
                                        g_object_ref (invocation));
  return TRUE;
}

/* Connects the Daemon1 method handlers; called from hallway_daemon_init(). */
void
_hallway_daemon_dbus_init (HallwayDaemon *self)
{
  g_signal_connect (self->iface, "handle-add-peer", G_CALLBACK (handle_add_peer_cb), self);
  g_signal_connect (self->iface, "handle-set-learn-neighbours",
                    G_CALLBACK (handle_set_learn_neighbours_cb), self);
  g_signal_connect (self->iface, "handle-add-share", G_CALLBACK (handle_add_share_cb), self);
  g_signal_connect (self->iface, "handle-remove-share", G_CALLBACK (handle_remove_share_cb), self);
  g_signal_connect (self->iface, "handle-download", G_CALLBACK (handle_download_cb), self);
  g_signal_connect (self->iface, "handle-upload", G_CALLBACK (handle_upload_cb), self);
  g_signal_connect (self->iface, "handle-send", G_CALLBACK (handle_send_cb), self);
  g_signal_connect (self->iface, "handle-dns-records", G_CALLBACK (handle_dns_records_cb), self);
  g_signal_connect (self->iface, "handle-diagnose", G_CALLBACK (handle_diagnose_cb), self);
}
