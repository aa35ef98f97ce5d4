/* hallway-daemon-doctor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "The other computer doesn't show up" has a handful of causes, and the
 * person who hits one can tell none of them apart. The doctor runs the
 * checks a network person would, as far as the person's own session may,
 * and names the cause and the fix in plain words:
 *
 * - this computer: is avahi-daemon running; does its own announcement go
 *   out and come back (an mDNS query on the wire, hallway-mdns-probe.c);
 *   what its firewall says, where readable (hallway-daemon-firewall.c); do
 *   the neighbours that see it reach it (their probes arrive here);
 * - a colleague or an address: is it a neighbour Hallway knows and does it
 *   hold the identity it announced; is it on this computer's network or
 *   behind a router; does a VPN take the route to it; does its Hallway
 *   port answer, and if not, did its network card answer at all (ARP:
 *   client isolation) or does it just drop the connection (its firewall).
 *
 * A finding says "problem" when it is certain (read from the system) and
 * "likely" when it is the probable reading of what was observed.
 */
#include "config.h"

#include "hallway-daemon-doctor.h"

#include <glib/gi18n.h>

#include "hallway-daemon-firewall.h"
#include "hallway-dbus.h"
#include "hallway-error.h"
#include "hallway-identity.h"
#include "hallway-mdns-probe.h"
#include "hallway-netinfo.h"

#define HALLWAY_SERVICE_TYPE   "_hallway._tcp"
#define MDNS_LISTEN_MS         1500
#define CONNECT_TIMEOUT_S      4
#define INFO_TIMEOUT_S         5
/* Neighbours ask every few seconds whether this computer is up; one that
 * has not asked for this long can't reach it. */
#define INBOUND_WINDOW_S       15
#define MAX_REQUESTERS         1024

struct _HallwayDaemonDoctor
{
  GObject             parent_instance;

  GDBusObjectManager *manager;
  HallwayDnssd       *dnssd;
  char               *presence_key;
  HallwayClient      *client;
  char               *own_id;
  guint16             port;
  gint64              started;       /* monotonic, µs */
  GHashTable         *requests;      /* device id → monotonic µs of its last request */
  GCancellable       *cancellable;
};

G_DEFINE_FINAL_TYPE (HallwayDaemonDoctor, hallway_daemon_doctor, G_TYPE_OBJECT)

typedef struct
{
  GVariantBuilder         findings;
  char                   *target;
  /* this computer */
  HallwayMdnsProbeResult *probe;
  HallwayFirewallReport  *firewall;
  guint                   pending;
  /* the target */
  HallwayDBusPeer1       *peer;        /* (nullable) */
  char                   *address;     /* numeric, IPv6 possibly with %zone */
  guint16                 port;
  GInetAddress           *inet;
  int                     scope_id;
  gboolean                on_link;
} Diagnosis;

static void
diagnosis_free (gpointer data)
{
  Diagnosis *d = data;

  g_variant_builder_clear (&d->findings);
  g_free (d->target);
  g_clear_pointer (&d->probe, hallway_mdns_probe_result_free);
  g_clear_pointer (&d->firewall, hallway_firewall_report_free);
  g_clear_object (&d->peer);
  g_free (d->address);
  g_clear_object (&d->inet);
  g_free (d);
}

static void
add (Diagnosis  *d,
     const char *check,
     const char *verdict,
     const char *message,
     const char *fix)
{
  g_variant_builder_add (&d->findings, "(ssss)", check, verdict, message, fix != NULL ? fix : "");
}

/* Takes @task: every step below owns the task it is given. */
static void
finish (GTask *task)
{
  Diagnosis *d = g_task_get_task_data (task);

  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&d->findings)),
                         (GDestroyNotify) g_variant_unref);
  g_object_unref (task);
}

/* hallwayd is stopping: what the doctor uses is going away. */
static gboolean
stopping (GTask *task)
{
  HallwayDaemonDoctor *self = g_task_get_source_object (task);

  if (!g_cancellable_is_cancelled (self->cancellable))
    return FALSE;
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Hallway is stopping");
  return TRUE;
}

static char *
fix_for_firewall (const char *tool,
                  gboolean    mdns,
                  guint16     port)
{
  if (g_strcmp0 (tool, "firewalld") == 0)
    return g_strdup (mdns ? "sudo firewall-cmd --permanent --add-service=mdns && "
                            "sudo firewall-cmd --reload"
                          : "sudo firewall-cmd --permanent --add-service=hallway && "
                            "sudo firewall-cmd --reload");
  if (g_strcmp0 (tool, "ufw") == 0)
    return g_strdup (mdns ? "sudo ufw allow 5353/udp" : "sudo ufw allow Hallway");
  return g_strdup_printf (mdns ? _("Let UDP port 5353 (mDNS) in and out in this computer's "
                                   "firewall rules (for nftables: udp dport 5353 accept).")
                               /* Translators: %u is a TCP port number. */
                               : _("Let TCP port %u in through this computer's firewall rules "
                                   "(for nftables: tcp dport %u accept)."),
                          port, port);
}

/* --- This computer ------------------------------------------------------ */

static void
check_avahi (HallwayDaemonDoctor *self,
             Diagnosis           *d)
{
  const char *message = hallway_dnssd_get_message (self->dnssd);

  switch (hallway_dnssd_get_state (self->dnssd))
    {
    case HALLWAY_DNSSD_STATE_RUNNING:
      add (d, "avahi", "ok", _("Avahi (mDNS) is running."), NULL);
      break;
    case HALLWAY_DNSSD_STATE_STARTING:
      add (d, "avahi", "info", _("Hallway is still connecting to Avahi (mDNS)."), NULL);
      break;
    case HALLWAY_DNSSD_STATE_NOT_RUNNING:
      add (d, "avahi", "problem",
           _("avahi-daemon is not running: colleagues can't find this computer by "
             "themselves, and it can't find them."),
           _("Start it: sudo systemctl enable --now avahi-daemon. Meanwhile, colleagues can "
             "be added by address: hallwayctl add-peer ADDRESS."));
      break;
    case HALLWAY_DNSSD_STATE_FAILED:
    default:
      {
        /* Translators: %s is Avahi's own explanation. */
        g_autofree char *text = g_strdup_printf (_("Avahi refused to announce this computer: "
                                                   "%s."), message != NULL ? message : "");

        add (d, "avahi", "problem", text, _("Restart it: sudo systemctl restart avahi-daemon."));
        break;
      }
    }
}

static void
check_announcement (HallwayDaemonDoctor *self,
                    Diagnosis           *d)
{
  const HallwayMdnsProbeResult *probe = d->probe;
  gboolean certain = d->firewall != NULL && d->firewall->mdns_blocked;
  g_autofree char *fix = fix_for_firewall (d->firewall != NULL ? d->firewall->tool : NULL,
                                           TRUE, self->port);

  if (probe == NULL)
    return;
  if (probe->send_refused)
    add (d, "announcement", "problem",
         _("This computer refuses to send mDNS (UDP port 5353): a firewall rule on it drops "
           "mDNS, so colleagues can't see this computer and it can't see them."), fix);
  else if (!probe->sent)
    add (d, "announcement", "problem",
         _("This computer is on no network it could announce itself on (no network "
           "connection is up)."), _("Connect to the office network."));
  else if (probe->own_announced)
    add (d, "announcement", "ok",
         _("This computer's announcement goes out on the network and comes back."), NULL);
  else if (probe->own_answered)
    add (d, "announcement", "likely",
         _("Avahi answers on the network, but without this computer's Hallway "
           "announcement: it may still be starting, or publishing is turned off."),
         _("Wait a few seconds and check again; if it stays, make sure disable-publishing is "
           "not set in /etc/avahi/avahi-daemon.conf, and restart Hallway."));
  else if (hallway_dnssd_get_state (self->dnssd) != HALLWAY_DNSSD_STATE_RUNNING)
    ;   /* Said already: Avahi is not running. */
  else if (probe->others->len > 0)
    add (d, "announcement", "likely",
         _("Other computers answered on the network, but this computer's own Avahi did not: "
           "it may be told to ignore this network (allow-interfaces or deny-interfaces in "
           "/etc/avahi/avahi-daemon.conf)."),
         _("Check those settings, then restart it: sudo systemctl restart avahi-daemon."));
  else
    add (d, "announcement", certain ? "problem" : "likely",
         certain ? _("This computer's own announcement does not come back: its firewall drops "
                     "mDNS (UDP port 5353).")
                 : _("No mDNS answer came back, not even from this computer's own Avahi: a "
                     "firewall on this computer probably drops mDNS (UDP port 5353)."),
         fix);
}

static void
check_firewall (HallwayDaemonDoctor *self,
                Diagnosis           *d)
{
  const HallwayFirewallReport *fw = d->firewall;
  g_autofree char *text = NULL;
  g_autofree char *fix = NULL;

  if (fw == NULL || fw->tool == NULL)
    return;
  if (fw->mdns_blocked)
    {
      /* Translators: %1$s is a firewall ("nftables"), %2$s the rule or zone that blocks. */
      text = g_strdup_printf (_("This computer's firewall (%1$s) drops mDNS (UDP port 5353): "
                                "%2$s"), fw->tool, fw->evidence != NULL ? fw->evidence : "");
      fix = fix_for_firewall (fw->tool, TRUE, self->port);
      add (d, "firewall", "problem", text, fix);
      g_clear_pointer (&text, g_free);
      g_clear_pointer (&fix, g_free);
    }
  if (fw->port_blocked)
    {
      /* Translators: %1$s is a firewall, %2$u a port, %3$s the rule or setting. */
      text = g_strdup_printf (_("This computer's firewall (%1$s) drops connections to "
                                "Hallway's port %2$u: %3$s"), fw->tool, self->port,
                              fw->evidence != NULL ? fw->evidence : "");
      fix = fix_for_firewall (fw->tool, FALSE, self->port);
      add (d, "firewall", "problem", text, fix);
    }
  else if (!fw->readable)
    {
      /* Translators: %1$s is a firewall ("ufw"), %2$u a port. */
      text = g_strdup_printf (_("%1$s is on and drops incoming connections unless told "
                                "otherwise; its rules can't be read without administrator "
                                "rights, so whether port %2$u is open is not known."),
                              fw->tool, self->port);
      fix = fix_for_firewall (fw->tool, FALSE, self->port);
      add (d, "firewall", "likely", text, fix);
    }
  else if (!fw->mdns_blocked)
    {
      /* Translators: %1$s is a firewall, %2$u a port. */
      text = g_strdup_printf (_("This computer's firewall (%1$s) lets mDNS and Hallway's port "
                                "%2$u in."), fw->tool, self->port);
      add (d, "firewall", "ok", text, NULL);
    }
}

static GPtrArray *
dup_peers (HallwayDaemonDoctor *self)
{
  GPtrArray *peers = g_ptr_array_new_with_free_func (g_object_unref);
  GList *objects = g_dbus_object_manager_get_objects (self->manager);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      HallwayDBusPeer1 *peer = HALLWAY_DBUS_IS_OBJECT (l->data) ?
                               hallway_dbus_object_get_peer1 (HALLWAY_DBUS_OBJECT (l->data)) :
                               NULL;

      if (peer != NULL)
        g_ptr_array_add (peers, peer);
    }
  g_list_free_full (objects, g_object_unref);
  return peers;
}

/* Neighbours that see this computer over mDNS ask it every few seconds
 * whether it is up; if none of those this computer sees has asked
 * lately, their connections don't get in. */
static void
check_inbound (HallwayDaemonDoctor *self,
               Diagnosis           *d)
{
  g_autoptr(GPtrArray) peers = dup_peers (self);
  gint64 now = g_get_monotonic_time ();
  guint seeing = 0, reached = 0, online = 0;
  g_autofree char *text = NULL;
  gboolean certain = d->firewall != NULL && d->firewall->port_blocked;

  for (guint i = 0; i < peers->len; i++)
    {
      HallwayDBusPeer1 *peer = g_ptr_array_index (peers, i);
      gpointer last;

      if (!hallway_dbus_peer1_get_online (peer))
        continue;
      online++;
      if (g_strcmp0 (hallway_dbus_peer1_get_source (peer), "mdns") != 0)
        continue;
      seeing++;
      last = g_hash_table_lookup (self->requests, hallway_dbus_peer1_get_id (peer));
      if (last != NULL && now - *(gint64 *) last < INBOUND_WINDOW_S * G_USEC_PER_SEC)
        reached++;
    }

  /* Translators: %1$u and %2$u are numbers of computers. */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Hallway knows %1$u neighbour; %2$u online.",
                                       "Hallway knows %1$u neighbours; %2$u online.",
                                       peers->len),
                          peers->len, online);
  add (d, "neighbours", "info", text, NULL);
  g_clear_pointer (&text, g_free);

  /* Too early to tell, or nobody to tell by. */
  if (seeing == 0 || now - self->started < INBOUND_WINDOW_S * G_USEC_PER_SEC)
    return;
  if (reached > 0)
    {
      /* Translators: %1$u and %2$u are numbers of computers. */
      text = g_strdup_printf (_("Neighbours reach this computer (%1$u of the %2$u that see it "
                                "in the last 15 seconds)."), reached, seeing);
      add (d, "inbound", "ok", text, NULL);
    }
  else
    {
      g_autofree char *fix = fix_for_firewall (d->firewall != NULL ? d->firewall->tool : NULL,
                                               FALSE, self->port);

      /* Translators: %u is a TCP port number. */
      text = g_strdup_printf (certain ? _("Neighbours see this computer but can't connect to "
                                          "it: its firewall drops Hallway's port %u (TCP).")
                                      : _("Neighbours see this computer, but none has reached "
                                          "it lately: a firewall on this computer probably "
                                          "drops Hallway's port %u (TCP)."), self->port);
      add (d, "inbound", certain ? "problem" : "likely", text, fix);
    }
}

/* --- A colleague or an address ------------------------------------------ */

static void start_connect (GTask *task);

static gboolean
peer_matches (HallwayDBusPeer1 *peer,
              const char       *query)
{
  g_autofree char *folded_query = g_utf8_casefold (query, -1);
  g_autofree char *folded_name = g_utf8_casefold (hallway_dbus_peer1_get_name (peer), -1);
  const char *id = hallway_dbus_peer1_get_id (peer);
  const char *host = hallway_dbus_peer1_get_host (peer);

  return g_str_equal (folded_name, folded_query) ||
         (strlen (query) >= 4 && g_str_has_prefix (id, query)) ||
         (*host != '\0' && g_ascii_strcasecmp (host, query) == 0);
}

static HallwayDBusPeer1 *
find_peer (HallwayDaemonDoctor  *self,
           const char           *query,
           const char           *address,
           GError              **error)
{
  g_autoptr(GPtrArray) peers = dup_peers (self);
  HallwayDBusPeer1 *found = NULL;

  for (guint i = 0; i < peers->len; i++)
    {
      HallwayDBusPeer1 *peer = g_ptr_array_index (peers, i);
      const char * const *addresses = hallway_dbus_peer1_get_addresses (peer);
      gboolean matches = address != NULL ? addresses != NULL &&
                                           g_strv_contains (addresses, address)
                                         : peer_matches (peer, query);

      if (!matches)
        continue;
      if (found != NULL && found != peer)
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_AMBIGUOUS,
                       _("“%s” matches several neighbours; use more of the device id"), query);
          return NULL;
        }
      found = peer;
    }
  return found != NULL ? g_object_ref (found) : NULL;
}

static void
check_peer (Diagnosis *d)
{
  const char *name = hallway_dbus_peer1_get_name (d->peer);
  const char *problem = hallway_dbus_peer1_get_problem (d->peer);
  const char *source = hallway_dbus_peer1_get_source (d->peer);
  const char * const *impostors = hallway_dbus_peer1_get_impostor_addresses (d->peer);
  const char *held_by = hallway_dbus_peer1_get_name_held_by (d->peer);
  g_autofree char *text = NULL;

  if (impostors != NULL && impostors[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) impostors);

      /* Translators: the first %s is a colleague's display name, the
       * second one or more network addresses. */
      text = g_strdup_printf (_("Another computer announces itself as “%s” but does not hold "
                                "the identity it announced (at %s): an impostor attempt, or "
                                "two computers share an address. It is ignored; “%s” itself "
                                "is not affected."), name, list, name);
      add (d, "identity", "problem", text,
           _("Send nothing to that address. Tell whoever looks after the office network."));
      g_clear_pointer (&text, g_free);
    }
  if (held_by != NULL && *held_by != '\0')
    {
      /* Translators: %s is a display name. */
      text = g_strdup_printf (_("“%s” is the name of a trusted colleague, but this computer "
                                "is not them: it has another identity."), name);
      add (d, "identity", "problem", text,
           _("Compare verification codes with your colleague in person before sending them "
             "anything; address them by the beginning of their device id."));
      g_clear_pointer (&text, g_free);
    }
  if (g_strcmp0 (problem, "identity-changed") == 0)
    add (d, "identity", "problem", hallway_dbus_peer1_get_problem_message (d->peer),
         _("Compare verification codes with its owner, then trust it again: hallwayctl trust "
           "NAME."));

  /* Translators: %s is a colleague's display name. */
  if (g_strcmp0 (source, "mdns") == 0)
    text = g_strdup_printf (_("“%s” announces itself on this network (mDNS)."), name);
  else if (g_strcmp0 (source, "dns") == 0)
    text = g_strdup_printf (_("“%s” is found in the office's DNS server (unicast DNS-SD)."),
                            name);
  else if (g_strcmp0 (source, "learned") == 0)
    text = g_strdup_printf (_("“%s” was learned from a colleague who knows it; its "
                              "announcement is not seen here."), name);
  else
    text = g_strdup_printf (_("“%s” was added by address; its announcement is not seen "
                              "here."), name);
  add (d, "mdns",
       g_strcmp0 (source, "manual") == 0 || g_strcmp0 (source, "learned") == 0 ? "info" : "ok",
       text, NULL);
}

/* Where is the address: here, behind a router, or through a VPN? */
static void
check_route (HallwayDaemonDoctor *self,
             Diagnosis           *d)
{
  g_autoptr(GPtrArray) addresses = hallway_netinfo_dup_addresses ();
  g_autoptr(GError) error = NULL;
  g_autofree char *route = hallway_netinfo_dup_route_interface (d->inet, d->scope_id, &error);
  const HallwayNetAddress *on_link = hallway_netinfo_find_on_link (addresses, d->inet,
                                                                  d->scope_id);
  g_autofree char *text = NULL;
  g_autofree char *fix = NULL;

  d->on_link = on_link != NULL;
  if (g_inet_address_get_is_loopback (d->inet))
    {
      /* Translators: %s is an address. */
      text = g_strdup_printf (_("%s is this computer itself."), d->address);
      add (d, "subnet", "info", text, NULL);
      d->on_link = TRUE;
      return;
    }
  if (route != NULL && hallway_netinfo_interface_is_vpn (route) &&
      (on_link == NULL || !g_str_equal (on_link->ifname, route)))
    {
      /* Translators: %1$s is an address, %2$s a network interface ("wg0"). */
      text = g_strdup_printf (_("The route to %1$s goes through %2$s, a VPN, instead of the "
                                "office network: what Hallway sends there never reaches it."),
                              d->address, route);
      add (d, "vpn", "problem", text,
           _("Disconnect the VPN while in the office, or ask whoever set it up to leave the "
             "office network out of it (split tunnelling)."));
      d->on_link = FALSE;
      return;
    }

  if (on_link != NULL)
    {
      /* Translators: %1$s is an address, %2$s a network interface ("eth0"). */
      text = g_strdup_printf (_("%1$s is on this computer's network (%2$s)."), d->address,
                              on_link->ifname);
      add (d, "subnet", "ok", text, NULL);
      return;
    }

  /* Translators: %s is an address. */
  text = g_strdup_printf (_("%s is on another network than this computer's, behind a router: "
                            "mDNS announcements do not cross routers, so neither computer "
                            "finds the other by itself."), d->address);
  /* Translators: %s is an address. */
  fix = g_strdup_printf (_("Add it by address, and Hallway remembers it: hallwayctl add-peer "
                           "%s. For every computer at once, turn on the mDNS reflector of the "
                           "router (enable-reflector=yes in its avahi-daemon), or put the "
                           "computers' records in the office DNS server (hallwayctl "
                           "dns-records)."), d->address);
  /* Known anyway (added by address, or in DNS): worth knowing, not a fault. */
  add (d, "subnet", d->peer != NULL && hallway_dbus_peer1_get_online (d->peer) ? "info"
                                                                               : "likely",
       text, fix);
}

static void
info_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HallwayDaemonDoctor *self = g_task_get_source_object (task);
  Diagnosis *d = g_task_get_task_data (task);
  g_autoptr(HallwayInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  info = hallway_client_get_info_finish (HALLWAY_CLIENT (source), result, NULL, &error);
  if (stopping (task))
    return;
  if (info != NULL && g_strcmp0 (info->device_id, self->own_id) == 0)
    add (d, "hallway", "info", _("That address is this very computer."), NULL);
  else if (info != NULL)
    {
      g_autofree char *code = hallway_device_id_dup_verification_code (info->device_id);

      /* Translators: %1$s is an address, %2$s a display name, %3$s a
       * verification code ("7KQ2-MX9A"). */
      text = g_strdup_printf (_("Hallway answers at %1$s as “%2$s” (verification code %3$s)."),
                              d->address, info->name, code);
      add (d, "hallway", "ok", text, NULL);
    }
  else if (g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH))
    {
      /* Translators: %s is an address. */
      text = g_strdup_printf (_("The computer at %s answers with another identity than the "
                                "one announced: it may be an impostor, or two computers share "
                                "the address."), d->address);
      add (d, "identity", "problem", text,
           _("Send it nothing. Compare verification codes with your colleague in person."));
    }
  else
    {
      /* Translators: %1$s is an address, %2$u a port, %3$s what went wrong. */
      text = g_strdup_printf (_("Something answers at %1$s on port %2$u, but not Hallway: "
                                "%3$s"), d->address, d->port, error->message);
      add (d, "hallway", "problem", text,
           _("Check the address and port: on that computer, hallwayctl status shows them."));
    }
  finish (g_steal_pointer (&task));
}

static void
explain_no_answer (HallwayDaemonDoctor *self,
                   Diagnosis           *d,
                   GError              *error)
{
  g_autofree char *text = NULL;
  g_autofree char *arp = NULL;
  HallwayArpState state = HALLWAY_ARP_UNKNOWN;
  const char *firewall_fix = _("On that computer, let Hallway in: sudo firewall-cmd "
                               "--permanent --add-service=hallway && sudo firewall-cmd "
                               "--reload (firewalld), or sudo ufw allow Hallway (ufw).");
  gboolean seen = d->peer != NULL &&
                  g_strcmp0 (hallway_dbus_peer1_get_source (d->peer), "mdns") == 0;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      /* Translators: %1$s is an address, %2$u a port. */
      text = g_strdup_printf (_("%1$s refuses connections on port %2$u: Hallway is not running "
                                "there, listens on another port, or a firewall there rejects "
                                "them."), d->address, d->port);
      add (d, "connect", "problem", text,
           _("Start Hallway on that computer; hallwayctl status there shows its port."));
      return;
    }

  if (d->on_link && g_inet_address_get_family (d->inet) == G_SOCKET_FAMILY_IPV4 &&
      g_file_get_contents ("/proc/net/arp", &arp, NULL, NULL))
    state = hallway_netinfo_parse_arp (arp, d->address);

  if (state == HALLWAY_ARP_INCOMPLETE ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    {
      /* Translators: %s is an address. */
      text = g_strdup_printf (seen ? _("Nothing at %s answers on the network at all (its "
                                       "network card did not answer either), although its "
                                       "announcement is seen: the network keeps the two "
                                       "computers apart (client isolation on a Wi-Fi or guest "
                                       "network), or it just went away.")
                                   : _("Nothing at %s answers on the network at all (its "
                                       "network card did not answer either): it is off, or "
                                       "the network keeps the two computers apart (client "
                                       "isolation on a Wi-Fi or guest network)."),
                              d->address);
      add (d, "isolation", "likely", text,
           _("Put both computers on the same office network (not a guest Wi-Fi), or ask "
             "whoever runs the Wi-Fi to turn off client isolation for it."));
    }
  else if (state == HALLWAY_ARP_COMPLETE)
    {
      /* Translators: %1$s is an address, %2$u a port. */
      text = g_strdup_printf (_("%1$s is on the network, but drops connections to Hallway's "
                                "port %2$u: a firewall on that computer probably blocks it."),
                              d->address, d->port);
      add (d, "firewall", "likely", text, firewall_fix);
    }
  else
    {
      /* Translators: %1$s is an address, %2$u a port. */
      text = g_strdup_printf (d->on_link ? _("No answer from %1$s on port %2$u: a firewall on "
                                             "that computer probably drops it.")
                                         : _("No answer from %1$s on port %2$u: a firewall on "
                                             "that computer, or on the router, probably drops "
                                             "it."), d->address, d->port);
      add (d, "connect", "likely", text, firewall_fix);
    }
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HallwayDaemonDoctor *self = g_task_get_source_object (task);
  Diagnosis *d = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (stopping (task))
    return;
  if (connection == NULL)
    {
      explain_no_answer (self, d, error);
      finish (g_steal_pointer (&task));
      return;
    }
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  hallway_client_get_info_async (self->client, d->address, d->port,
                                 d->peer != NULL ? hallway_dbus_peer1_get_id (d->peer) : NULL,
                                 INFO_TIMEOUT_S, self->cancellable, info_done_cb,
                                 g_steal_pointer (&task));
}

static void
start_connect (GTask *task)
{
  HallwayDaemonDoctor *self = g_task_get_source_object (task);
  Diagnosis *d = g_task_get_task_data (task);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = NULL;

  check_route (self, d);
  address = g_object_new (G_TYPE_INET_SOCKET_ADDRESS, "address", d->inet, "port", d->port,
                          "scope-id", d->scope_id, NULL);
  g_socket_client_set_timeout (client, CONNECT_TIMEOUT_S);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address), self->cancellable,
                                 connected_cb, task);
}

/* The address to check: the one the neighbour is reached by, or the one
 * typed. */
static gboolean
set_address (Diagnosis  *d,
             const char *address,
             guint16     port)
{
  g_clear_object (&d->inet);
  if (!hallway_netinfo_parse_address (address, &d->inet, &d->scope_id))
    return FALSE;
  g_free (d->address);
  d->address = g_strdup (address);
  d->port = port;
  return TRUE;
}

static void
resolved_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Diagnosis *d = g_task_get_task_data (task);
  g_autolist(GInetAddress) addresses = NULL;
  g_autofree char *text = NULL;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, NULL);
  if (stopping (task))
    return;
  if (addresses == NULL)
    {
      /* Translators: %s is what the person typed. */
      text = g_strdup_printf (_("No neighbour is called “%s”, and it is not a name this "
                                "computer can look up."), d->target);
      add (d, "address", "problem", text,
           _("Check the name, or use the computer's address: on that computer, hallwayctl "
             "status shows its name, and ip address its address."));
      finish (g_steal_pointer (&task));
      return;
    }
  {
    g_autofree char *numeric = g_inet_address_to_string (addresses->data);

    g_clear_object (&d->inet);
    d->inet = g_object_ref (addresses->data);
    g_free (d->address);
    d->address = g_steal_pointer (&numeric);
  }
  start_connect (g_steal_pointer (&task));
}

static void
diagnose_target (HallwayDaemonDoctor *self,
                 GTask               *task)
{
  Diagnosis *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *text = NULL;
  guint16 port = self->port;

  d->peer = find_peer (self, d->target, NULL, &error);
  if (error != NULL)
    {
      add (d, "address", "problem", error->message, NULL);
      finish (task);
      return;
    }

  if (d->peer == NULL)
    {
      if (!hallway_parse_address (d->target, self->port, &host, &port, &error))
        {
          /* Translators: %s is what the person typed. */
          text = g_strdup_printf (_("“%s” is neither a neighbour Hallway knows nor an "
                                    "address."), d->target);
          add (d, "address", "problem", text,
               /* The % of an IPv6 zone ("%eth0") is no printf directive.
                  xgettext:no-c-format */
               _("Use a colleague's name as hallwayctl peers shows it, or an address like "
                 "192.168.1.20 or fe80::1%eth0."));
          finish (task);
          return;
        }
      if (set_address (d, host, port))
        d->peer = find_peer (self, d->target, d->address, NULL);
    }

  if (d->peer != NULL)
    {
      const char * const *addresses = hallway_dbus_peer1_get_addresses (d->peer);

      check_peer (d);
      if (d->address == NULL &&
          (addresses == NULL || addresses[0] == NULL ||
           !set_address (d, addresses[0], hallway_dbus_peer1_get_port (d->peer))))
        {
          add (d, "address", "problem",
               _("Hallway knows no address of this neighbour any more: it has not been seen "
                 "on the network lately."),
               _("Make sure the computer is on and Hallway runs there; if it is on another "
                 "network, add it by address: hallwayctl add-peer ADDRESS."));
          finish (task);
          return;
        }
      start_connect (task);
      return;
    }

  if (d->inet != NULL)
    {
      /* Translators: %s is an address. */
      text = g_strdup_printf (_("Hallway does not know the computer at %s as a neighbour: "
                                "nothing there is announced on this network."), d->address);
      add (d, "mdns", "info", text, NULL);
      start_connect (task);
      return;
    }

  g_free (d->address);
  d->address = g_steal_pointer (&host);
  d->port = port;
  g_resolver_lookup_by_name_async (g_resolver_get_default (), d->address, self->cancellable,
                                   resolved_cb, task);
}

static void
self_checks_done (GTask *task)
{
  HallwayDaemonDoctor *self = g_task_get_source_object (task);
  Diagnosis *d = g_task_get_task_data (task);

  if (stopping (task))
    {
      g_object_unref (task);
      return;
    }
  check_announcement (self, d);
  check_firewall (self, d);
  check_inbound (self, d);
  if (d->target == NULL)
    {
      finish (task);
      return;
    }
  diagnose_target (self, task);
}

/* The mDNS probe and the firewall run together, each with a reference to
 * @task; the last one to end goes on. */
static void
part_done (GTask *task)
{
  Diagnosis *d = g_task_get_task_data (task);

  if (--d->pending == 0)
    self_checks_done (task);
  else
    g_object_unref (task);
}

static void
probe_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Diagnosis *d = g_task_get_task_data (user_data);

  d->probe = hallway_mdns_probe_finish (result, NULL);
  part_done (user_data);
}

static void
firewall_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Diagnosis *d = g_task_get_task_data (user_data);

  d->firewall = hallway_firewall_inspect_finish (result, NULL);
  part_done (user_data);
}

/**
 * hallway_daemon_doctor_diagnose_async:
 * @self: a #HallwayDaemonDoctor
 * @target: (nullable): a neighbour's name, device-id prefix or host name,
 *   or an address; %NULL or "" for this computer only
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Runs the checks; takes a few seconds.
 */
void
hallway_daemon_doctor_diagnose_async (HallwayDaemonDoctor *self,
                                      const char          *target,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Diagnosis *d;

  g_return_if_fail (HALLWAY_IS_DAEMON_DOCTOR (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hallway_daemon_doctor_diagnose_async);
  d = g_new0 (Diagnosis, 1);
  g_variant_builder_init (&d->findings, G_VARIANT_TYPE ("a(ssss)"));
  if (target != NULL && *target != '\0')
    d->target = g_strndup (target, 256);
  g_task_set_task_data (task, d, diagnosis_free);

  check_avahi (self, d);
  d->pending = 2;
  hallway_mdns_probe_async (HALLWAY_SERVICE_TYPE,
                            hallway_dnssd_get_published_name (self->dnssd, self->presence_key),
                            MDNS_LISTEN_MS, self->cancellable, probe_done_cb,
                            g_object_ref (task));
  hallway_firewall_inspect_async (self->port, self->cancellable, firewall_done_cb,
                                  g_steal_pointer (&task));
}

/**
 * hallway_daemon_doctor_diagnose_finish:
 * @self: a #HallwayDaemonDoctor
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the findings, a(ssss): check, verdict, message, fix
 */
GVariant *
hallway_daemon_doctor_diagnose_finish (HallwayDaemonDoctor  *self,
                                       GAsyncResult         *result,
                                       GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * hallway_daemon_doctor_note_request:
 * @self: a #HallwayDaemonDoctor
 * @device_id: the device id of a neighbour whose request just arrived
 *
 * Neighbours' requests getting in is what tells this computer's incoming
 * connections work.
 */
void
hallway_daemon_doctor_note_request (HallwayDaemonDoctor *self,
                                    const char          *device_id)
{
  gint64 *when;

  g_return_if_fail (HALLWAY_IS_DAEMON_DOCTOR (self));

  if (device_id == NULL)
    return;
  when = g_hash_table_lookup (self->requests, device_id);
  if (when == NULL)
    {
      if (g_hash_table_size (self->requests) >= MAX_REQUESTERS)
        g_hash_table_remove_all (self->requests);
      when = g_new (gint64, 1);
      g_hash_table_insert (self->requests, g_strdup (device_id), when);
    }
  *when = g_get_monotonic_time ();
}

/**
 * hallway_daemon_doctor_new:
 * @manager: where the neighbours are exported
 * @dnssd: this computer's DNS-SD
 * @presence_key: the key this computer's _hallway._tcp is published under
 * @client: how to reach neighbours
 * @own_id: this computer's device id
 * @port: this computer's HTTPS port
 *
 * Returns: (transfer full): a doctor
 */
HallwayDaemonDoctor *
hallway_daemon_doctor_new (GDBusObjectManager *manager,
                           HallwayDnssd       *dnssd,
                           const char         *presence_key,
                           HallwayClient      *client,
                           const char         *own_id,
                           guint16             port)
{
  HallwayDaemonDoctor *self = g_object_new (HALLWAY_TYPE_DAEMON_DOCTOR, NULL);

  self->manager = g_object_ref (manager);
  self->dnssd = g_object_ref (dnssd);
  self->presence_key = g_strdup (presence_key);
  self->client = g_object_ref (client);
  self->own_id = g_strdup (own_id);
  self->port = port;
  return self;
}

static void
hallway_daemon_doctor_dispose (GObject *object)
{
  HallwayDaemonDoctor *self = HALLWAY_DAEMON_DOCTOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->manager);
  g_clear_object (&self->dnssd);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (hallway_daemon_doctor_parent_class)->dispose (object);
}

static void
hallway_daemon_doctor_finalize (GObject *object)
{
  HallwayDaemonDoctor *self = HALLWAY_DAEMON_DOCTOR (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->requests, g_hash_table_unref);
  g_free (self->presence_key);
  g_free (self->own_id);

  G_OBJECT_CLASS (hallway_daemon_doctor_parent_class)->finalize (object);
}

static void
hallway_daemon_doctor_class_init (HallwayDaemonDoctorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_daemon_doctor_dispose;
  object_class->finalize = hallway_daemon_doctor_finalize;
}

static void
hallway_daemon_doctor_init (HallwayDaemonDoctor *self)
{
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();
  self->started = g_get_monotonic_time ();
}
