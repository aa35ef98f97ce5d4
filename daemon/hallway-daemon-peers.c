/* hallway-daemon-peers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A neighbour is keyed by the device id it announces, however many
 * interfaces, address families or service instances it is seen through.
 * Each one is exported as an object under HALLWAY_PEERS_OBJECT_PATH.
 *
 * mDNS tells us where a neighbour is, not whether it is up: that is
 * hallway-daemon-liveness.c's business, which asks each neighbour
 * (GET /api/v1/info) as often as needed. The answer also checks that the
 * certificate presented is the one announced: an address that presents
 * another is someone else's, and is left out (see _hallway_peer_checked()
 * in hallway-daemon-peers-addresses.c), never held against the neighbour,
 * whose name, too, comes only from its own answers.
 */
#include "config.h"

#include "hallway-daemon-peers.h"
#include "hallway-daemon-peers-private.h"

#include <glib/gi18n.h>

#include "hallway-dbus.h"
#include "hallway-error.h"
#include "hallway-identity.h"
#include "hallway-listing.h"
#include "hallway-path.h"
#include "hallway-txt.h"
#include "hallway-unicode.h"

G_DEFINE_FINAL_TYPE (HallwayDaemonPeers, hallway_daemon_peers, G_TYPE_OBJECT)

enum
{
  SIGNAL_PEER_ONLINE,
  SIGNAL_PEER_INFO,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
peer_free (gpointer data)
{
  Peer *peer = data;

  _hallway_liveness_stop (peer);
  g_clear_object (&peer->cancellable);
  g_clear_handle_id (&peer->forget_id, g_source_remove);
  if (peer->owner->manager != NULL)
    g_dbus_object_manager_server_unexport (
      peer->owner->manager, g_dbus_object_get_object_path (G_DBUS_OBJECT (peer->object)));
  g_clear_object (&peer->iface);
  g_clear_object (&peer->object);
  g_clear_pointer (&peer->endpoints, g_hash_table_unref);
  g_clear_pointer (&peer->manual, g_ptr_array_unref);
  g_clear_pointer (&peer->checks, g_hash_table_unref);
  g_free (peer->probe_key);
  g_free (peer->mdns_name);
  g_free (peer->info_name);
  g_free (peer->txt_summary);
  g_free (peer->id);
  g_free (peer);
}

static gboolean
peer_is_remembered (Peer *peer)
{
  return peer->manual->len > 0 || hallway_pins_get_trusted (peer->owner->pins, peer->id);
}

/* "Bruno Costa #2" → "Bruno Costa": how mDNS renames the second computer
 * announcing a name. */
static char *
name_dup_unnumbered (const char *name)
{
  const char *hash = strrchr (name, '#');

  if (hash != NULL && hash > name + 1 && hash[-1] == ' ' && hash[1] != '\0' &&
      strspn (hash + 1, "0123456789") == strlen (hash + 1))
    return g_strndup (name, hash - 1 - name);
  return g_strdup (name);
}

/* A name is taken from the neighbour's own answer, which came over TLS
 * with its certificate; what anyone may announce in its name over mDNS is
 * shown only until it answered (or was remembered). */
static void
peer_update_name (Peer *peer)
{
  HallwayPins *pins = peer->owner->pins;
  g_autofree char *pinned = NULL;
  g_autofree char *unnumbered = NULL;
  g_autofree char *holder = NULL;
  const char *name = peer->info_name;

  if (name == NULL)
    name = pinned = hallway_pins_dup_name (pins, peer->id);
  if (name == NULL)
    name = peer->mdns_name;
  if (name == NULL)
    name = "";

  hallway_dbus_peer1_set_name (peer->iface, name);

  /* The name of a trusted colleague on another identity is flagged, never
   * silently taken for them. */
  unnumbered = name_dup_unnumbered (name);
  if (!hallway_pins_get_trusted (pins, peer->id))
    {
      holder = hallway_pins_dup_trusted_id_for_name (pins, name, peer->id);
      if (holder == NULL)
        holder = hallway_pins_dup_trusted_id_for_name (pins, unnumbered, peer->id);
    }
  hallway_dbus_peer1_set_name_held_by (peer->iface, holder != NULL ? holder : "");
}

/* Trust changed: which names are borrowed changes with it. */
static void
peers_update_names (HallwayDaemonPeers *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    peer_update_name (value);
}

void
_hallway_peer_set_online (Peer     *peer,
                          gboolean  online)
{
  if (hallway_dbus_peer1_get_online (peer->iface) == online)
    return;

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    "HALLWAY_PEER", hallway_dbus_peer1_get_name (peer->iface),
                    "MESSAGE", "Neighbour ‘%s’ is now %s",
                    hallway_dbus_peer1_get_name (peer->iface), online ? "online" : "offline");
  hallway_dbus_peer1_set_online (peer->iface, online);
  if (!online && peer->answered_at != 0)
    hallway_dbus_peer1_set_last_seen (peer->iface, peer->answered_at);
  if (online)
    g_signal_emit (peer->owner, signals[SIGNAL_PEER_ONLINE], 0, peer->id);
}

static gboolean
forget_cb (gpointer user_data)
{
  Peer *peer = user_data;

  peer->forget_id = 0;
  if (!hallway_dbus_peer1_get_online (peer->iface) && !peer_is_remembered (peer))
    g_hash_table_remove (peer->owner->peers, peer->id);
  return G_SOURCE_REMOVE;
}

void
_hallway_peer_schedule_forget (Peer *peer)
{
  if (peer->forget_id == 0 && !peer_is_remembered (peer))
    peer->forget_id = g_timeout_add_seconds (HALLWAY_PEER_FORGET_AFTER_S, forget_cb, peer);
}

void
_hallway_peer_set_problem (Peer       *peer,
                           const char *problem,
                           const char *message)
{
  hallway_dbus_peer1_set_problem (peer->iface, problem);
  hallway_dbus_peer1_set_problem_message (peer->iface, message);
}

void
_hallway_peer_apply_info (Peer              *peer,
                          const HallwayInfo *info)
{
  HallwayPins *pins = peer->owner->pins;
  g_autoptr(GVariantBuilder) folders = g_variant_builder_new (G_VARIANT_TYPE ("a(ssss)"));
  g_autofree char *trusted_id = NULL;
  g_autofree char *pinned_host = NULL;

  for (guint i = 0; info->shares != NULL && i < info->shares->len; i++)
    {
      const HallwayInfoShare *share = g_ptr_array_index (info->shares, i);

      g_variant_builder_add (folders, "(ssss)", share->id, share->name, share->access,
                             share->audience);
    }

  g_free (peer->info_name);
  peer->info_name = g_strdup (info->name);
  peer_update_name (peer);
  if (info->host != NULL)
    hallway_dbus_peer1_set_host (peer->iface, info->host);
  hallway_dbus_peer1_set_shares (peer->iface, info->n_shares);
  hallway_dbus_peer1_set_shared_folders (peer->iface, g_variant_builder_end (folders));
  hallway_dbus_peer1_set_printers (peer->iface, info->n_printers);
  hallway_dbus_peer1_set_accepts_drops (peer->iface, info->accepts_drops);
  /* Each change of a property is a D-Bus signal to every window and script
   * watching, and a neighbour answers every few seconds: while it keeps
   * answering, a minute's precision will do. */
  peer->answered_at = g_get_real_time ();
  if (peer->answered_at - hallway_dbus_peer1_get_last_seen (peer->iface) >= G_USEC_PER_SEC * 60)
    hallway_dbus_peer1_set_last_seen (peer->iface, peer->answered_at);
  g_signal_emit (peer->owner, signals[SIGNAL_PEER_INFO], 0, peer->id, info);

  /* A computer that now answers with another identity under the host name
   * of a trusted colleague: a reinstall, or someone taking its place. Only a
   * person comparing verification codes can tell. */
  trusted_id = hallway_pins_dup_trusted_id_for_host (pins, info->host);
  if (trusted_id != NULL && g_strcmp0 (trusted_id, peer->id) != 0)
    _hallway_peer_set_problem (peer, "identity-changed",
                      _("This computer's identity has changed since you trusted it. Compare "
                        "verification codes with its owner before trusting it again."));
  else
    _hallway_peer_set_problem (peer, "", "");

  /* Remember every neighbour that proved its identity (trust on first use),
   * with the host name it had, to notice such changes later. */
  if (!hallway_pins_contains (pins, peer->id) ||
      (info->host != NULL &&
       g_strcmp0 (info->host, pinned_host = hallway_pins_dup_host (pins, peer->id)) != 0 &&
       trusted_id == NULL))
    {
      g_autoptr(GError) save_error = NULL;

      hallway_pins_remember (pins, peer->id, info->name);
      if (info->host != NULL)
        hallway_pins_set_host (pins, peer->id, info->host);
      if (!hallway_pins_save (pins, &save_error))
        g_warning ("Could not remember a neighbour, continuing: %s", save_error->message);
    }
}

static gboolean
set_trusted (Peer                  *peer,
             GDBusMethodInvocation *invocation,
             gboolean               trusted)
{
  HallwayDaemonPeers *self = peer->owner;
  const char *problem = hallway_dbus_peer1_get_problem (peer->iface);
  g_autoptr(GError) error = NULL;

  /* Trusting a computer whose identity changed is the person confirming the
   * new identity: the old one is no longer trusted. */
  if (trusted && g_strcmp0 (problem, "identity-changed") == 0)
    {
      g_autofree char *old_id =
        hallway_pins_dup_trusted_id_for_host (self->pins,
                                              hallway_dbus_peer1_get_host (peer->iface));
      Peer *old_peer = old_id != NULL ? g_hash_table_lookup (self->peers, old_id) : NULL;

      if (old_id != NULL)
        hallway_pins_set_trusted (self->pins, old_id, FALSE);
      if (old_peer != NULL)
        hallway_dbus_peer1_set_trusted (old_peer->iface, FALSE);
      _hallway_peer_set_problem (peer, "", "");
    }

  hallway_pins_set_trusted (self->pins, peer->id, trusted);
  /* The name the person trusted, to notice another computer taking it. */
  if (trusted && *hallway_dbus_peer1_get_name (peer->iface) != '\0')
    {
      g_autofree char *name = name_dup_unnumbered (hallway_dbus_peer1_get_name (peer->iface));

      hallway_pins_remember (self->pins, peer->id, name);
    }
  if (*hallway_dbus_peer1_get_host (peer->iface) != '\0')
    hallway_pins_set_host (self->pins, peer->id, hallway_dbus_peer1_get_host (peer->iface));
  if (!hallway_pins_save (self->pins, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }

  hallway_dbus_peer1_set_trusted (peer->iface, trusted);
  peers_update_names (self);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (peer->iface));
  g_dbus_method_invocation_return_value (invocation, NULL);
  return TRUE;
}

static gboolean
handle_trust_cb (HallwayDBusPeer1      *iface,
                 GDBusMethodInvocation *invocation,
                 Peer                  *peer)
{
  return set_trusted (peer, invocation, TRUE);
}

static gboolean
handle_untrust_cb (HallwayDBusPeer1      *iface,
                   GDBusMethodInvocation *invocation,
                   Peer                  *peer)
{
  return set_trusted (peer, invocation, FALSE);
}

static void
list_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE ("a(ssxx)"));
  const char *data;
  gsize length;

  body = hallway_client_fetch_finish (HALLWAY_CLIENT (source), result, NULL, &error);
  if (body != NULL)
    {
      data = g_bytes_get_data (body, &length);
      entries = hallway_listing_parse (data, length, &error);
    }
  if (entries == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }

  for (guint i = 0; i < entries->len; i++)
    {
      const HallwayListingEntry *entry = g_ptr_array_index (entries, i);

      g_variant_builder_add (builder, "(ssxx)", entry->name,
                             entry->is_folder ? "folder" : "file", entry->size, entry->modified);
    }
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(a(ssxx))", builder));
}

/* Finds one of the neighbour's shares by name (any case) or id. */
static gboolean
peer_find_share (Peer        *peer,
                 const char  *query,
                 char       **out_id,
                 char       **out_name)
{
  GVariant *folders = hallway_dbus_peer1_get_shared_folders (peer->iface);
  g_autofree char *folded = g_utf8_casefold (query, -1);
  GVariantIter iter;
  const char *id, *name, *access, *audience;

  if (folders == NULL)
    return FALSE;
  g_variant_iter_init (&iter, folders);
  while (g_variant_iter_next (&iter, "(&s&s&s&s)", &id, &name, &access, &audience))
    {
      g_autofree char *folded_name = g_utf8_casefold (name, -1);

      if (g_str_equal (folded_name, folded) || g_str_equal (id, query))
        {
          *out_id = g_strdup (id);
          if (out_name != NULL)
            *out_name = g_strdup (name);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
handle_list_folder_cb (HallwayDBusPeer1      *iface,
                       GDBusMethodInvocation *invocation,
                       const char            *share,
                       const char            *path,
                       Peer                  *peer)
{
  g_autoptr(GPtrArray) candidates = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) components = NULL;
  g_autofree char *share_id = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *href = NULL;
  const Endpoint *target;

  if (g_strcmp0 (hallway_dbus_peer1_get_problem (iface), "") != 0)
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR,
                                             HALLWAY_ERROR_ACCESS_DENIED, "%s",
                                             hallway_dbus_peer1_get_problem_message (iface));
      return TRUE;
    }
  if (!peer_find_share (peer, share, &share_id, NULL))
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                                             _("“%s” shares no folder called “%s” with this "
                                               "computer"),
                                             hallway_dbus_peer1_get_name (iface), share);
      return TRUE;
    }

  /* The path is split and checked here too, so nothing odd is ever sent. */
  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0')
        continue;
      if (!hallway_path_component_is_valid (parts[i], TRUE))
        {
          g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR,
                                                 HALLWAY_ERROR_INVALID_ARGUMENT,
                                                 _("“%s” is not a valid folder name"), parts[i]);
          return TRUE;
        }
      g_strv_builder_add (builder, parts[i]);
    }
  components = g_strv_builder_end (builder);

  candidates = _hallway_peer_dup_candidates (peer);
  if (candidates->len == 0 || !hallway_dbus_peer1_get_online (iface))
    {
      g_dbus_method_invocation_return_error (invocation, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                                             _("“%s” is not online"),
                                             hallway_dbus_peer1_get_name (iface));
      return TRUE;
    }
  target = g_ptr_array_index (candidates, peer->next_candidate % candidates->len);

  prefix = g_strdup_printf ("/shares/%s", share_id);
  href = hallway_path_join_href (prefix, (const char * const *) components, TRUE);
  hallway_client_fetch_async (peer->owner->client, target->address, target->port, href,
                              peer->id, HALLWAY_LISTING_MAX_BYTES, 30, peer->cancellable,
                              list_fetched_cb, g_object_ref (invocation));
  return TRUE;
}

static Peer *
peer_new (HallwayDaemonPeers *self,
          const char         *id,
          const char         *source)
{
  g_autofree char *path = g_strdup_printf ("%s/%s", HALLWAY_PEERS_OBJECT_PATH, id);
  g_autofree char *code = hallway_device_id_dup_verification_code (id);
  Peer *peer = g_new0 (Peer, 1);

  peer->owner = self;
  peer->id = g_strdup (id);
  peer->endpoints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           _hallway_endpoint_free);
  peer->manual = g_ptr_array_new_with_free_func (g_free);
  peer->checks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         _hallway_address_state_free);
  peer->cancellable = g_cancellable_new ();
  peer->state = LIVENESS_UNKNOWN;

  peer->object = hallway_dbus_object_skeleton_new (path);
  peer->iface = hallway_dbus_peer1_skeleton_new ();
  hallway_dbus_peer1_set_id (peer->iface, id);
  hallway_dbus_peer1_set_verification_code (peer->iface, code);
  hallway_dbus_peer1_set_source (peer->iface, source);
  hallway_dbus_peer1_set_trusted (peer->iface, hallway_pins_get_trusted (self->pins, id));
  hallway_dbus_peer1_set_problem (peer->iface, "");
  hallway_dbus_peer1_set_problem_message (peer->iface, "");
  hallway_dbus_peer1_set_host (peer->iface, "");
  hallway_dbus_peer1_set_shared_folders (peer->iface,
                                         g_variant_new_array (G_VARIANT_TYPE ("(ssss)"), NULL, 0));
  hallway_dbus_object_skeleton_set_peer1 (peer->object, peer->iface);
  g_signal_connect (peer->iface, "handle-trust", G_CALLBACK (handle_trust_cb), peer);
  g_signal_connect (peer->iface, "handle-untrust", G_CALLBACK (handle_untrust_cb), peer);
  g_signal_connect (peer->iface, "handle-list-folder", G_CALLBACK (handle_list_folder_cb), peer);
  peer_update_name (peer);

  g_hash_table_insert (self->peers, peer->id, peer);
  g_dbus_object_manager_server_export (self->manager, G_DBUS_OBJECT_SKELETON (peer->object));
  return peer;
}

/* The same name may be announced in "local" and in a unicast DNS-SD domain. */
static char *
endpoint_key (const HallwayDnssdService *service)
{
  return g_strdup_printf ("%d/%d/%s/%s", service->ifindex, service->ipv6, service->domain,
                          service->name);
}

/**
 * hallway_daemon_peers_service_resolved:
 * @self: a #HallwayDaemonPeers
 * @service: a `_hallway._tcp` service as resolved by Avahi (untrusted)
 *
 * Adds or updates the neighbour announcing @service. Services with a
 * malformed TXT record are ignored, and so are our own.
 */
void
hallway_daemon_peers_service_resolved (HallwayDaemonPeers        *self,
                                       const HallwayDnssdService *service)
{
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *summary = NULL;
  const Endpoint *known;
  Endpoint *endpoint;
  gboolean news;
  Peer *peer;

  g_return_if_fail (HALLWAY_IS_DAEMON_PEERS (self));

  txt = hallway_txt_parse ((const GBytes * const *) service->txt->pdata, service->txt->len,
                           &error);
  if (txt == NULL)
    {
      g_debug ("Ignoring the announcement of ‘%s’: %s", service->name, error->message);
      return;
    }
  if (g_strcmp0 (txt->device_id, self->own_id) == 0)
    return;

  peer = g_hash_table_lookup (self->peers, txt->device_id);
  if (peer == NULL)
    {
      if (g_hash_table_size (self->peers) >= HALLWAY_MAX_PEERS)
        {
          g_debug ("Too many neighbours; ignoring ‘%s’", service->name);
          return;
        }
      /* Found over mDNS, or in a site's DNS server (unicast DNS-SD). */
      peer = peer_new (self, txt->device_id,
                       g_strcmp0 (service->domain, "local") == 0 ? "mdns" : "dns");
    }
  else
    _hallway_peer_announced (peer, g_strcmp0 (service->domain, "local") == 0 ? "mdns" : "dns");

  /* Avahi reports a service again whenever one of its records changes: a
   * new address or what it shares is news, the same announcement is not. */
  key = endpoint_key (service);
  known = g_hash_table_lookup (peer->endpoints, key);
  summary = g_strdup_printf ("%s|%s|%u|%u|%d", service->name, txt->host != NULL ? txt->host : "",
                             txt->n_shares, txt->n_printers, txt->accepts_drops);
  news = known == NULL || g_strcmp0 (known->address, service->address) != 0 ||
         known->port != service->port || g_strcmp0 (peer->txt_summary, summary) != 0;
  g_free (peer->txt_summary);
  peer->txt_summary = g_steal_pointer (&summary);

  endpoint = g_new0 (Endpoint, 1);
  endpoint->name = g_strdup (service->name);
  endpoint->address = g_strdup (service->address);
  endpoint->port = service->port;
  endpoint->ipv6 = service->ipv6;
  endpoint->link_local = g_str_has_prefix (service->address, "fe80:");
  g_hash_table_replace (peer->endpoints, g_steal_pointer (&key), endpoint);

  g_free (peer->mdns_name);
  /* Shown until it answers: without the bidi controls and other invisible
   * characters a name could hide behind (its answer's name is cleaned the
   * same way, in hallway-info.c). */
  peer->mdns_name = hallway_utf8_strip_invisible (service->name);
  peer_update_name (peer);
  /* The TXT record is a hint for everyone; once the neighbour answered us,
   * what it told us (which shares we may see) is more precise. */
  if (hallway_dbus_peer1_get_last_seen (peer->iface) == 0)
    {
      if (txt->host != NULL)
        hallway_dbus_peer1_set_host (peer->iface, txt->host);
      hallway_dbus_peer1_set_shares (peer->iface, txt->n_shares);
      hallway_dbus_peer1_set_printers (peer->iface, txt->n_printers);
      hallway_dbus_peer1_set_accepts_drops (peer->iface, txt->accepts_drops);
    }
  _hallway_peer_update_addresses (peer);

  _hallway_liveness_announced (peer, news);
}

/**
 * hallway_daemon_peers_service_removed:
 * @self: a #HallwayDaemonPeers
 * @service: the service that said goodbye
 *
 * A neighbour whose every announcement is withdrawn is offline at once (a
 * clean stop); one still reachable by a hand-added address is asked again.
 */
void
hallway_daemon_peers_service_removed (HallwayDaemonPeers        *self,
                                      const HallwayDnssdService *service)
{
  g_autofree char *key = NULL;
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (HALLWAY_IS_DAEMON_PEERS (self));

  key = endpoint_key (service);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Peer *peer = value;

      if (!g_hash_table_remove (peer->endpoints, key))
        continue;

      _hallway_peer_update_addresses (peer);
      if (g_hash_table_size (peer->endpoints) == 0)
        {
          g_clear_pointer (&peer->mdns_name, g_free);
          g_clear_pointer (&peer->txt_summary, g_free);
        }
      /* What an impostor still announces in its name does not keep a
       * neighbour that said goodbye up. */
      {
        g_autoptr(GPtrArray) candidates = _hallway_peer_dup_candidates (peer);

        if (candidates->len == 0)
          _hallway_liveness_withdrawn (peer);
      }
      break;
    }
}

static void
peer_add_manual (Peer       *peer,
                 const char *address)
{
  for (guint i = 0; i < peer->manual->len; i++)
    if (g_strcmp0 (g_ptr_array_index (peer->manual, i), address) == 0)
      return;
  g_ptr_array_insert (peer->manual, 0, g_strdup (address));
  if (g_hash_table_size (peer->endpoints) == 0 ||
      g_strcmp0 (hallway_dbus_peer1_get_source (peer->iface), "learned") == 0)
    hallway_dbus_peer1_set_source (peer->iface, "manual");
  _hallway_peer_update_addresses (peer);
}

/**
 * hallway_daemon_peers_load_remembered:
 * @self: a #HallwayDaemonPeers
 *
 * Lists the neighbours added by hand and the trusted ones, and starts asking
 * those with an address whether they are up.
 */
void
hallway_daemon_peers_load_remembered (HallwayDaemonPeers *self)
{
  g_auto(GStrv) ids = NULL;

  g_return_if_fail (HALLWAY_IS_DAEMON_PEERS (self));

  ids = hallway_pins_dup_ids (self->pins);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_auto(GStrv) addresses = hallway_pins_dup_addresses (self->pins, ids[i]);
      Peer *peer;

      if (g_strcmp0 (ids[i], self->own_id) == 0 ||
          g_hash_table_contains (self->peers, ids[i]) ||
          (addresses[0] == NULL && !hallway_pins_get_trusted (self->pins, ids[i])))
        continue;

      peer = peer_new (self, ids[i], "manual");
      for (guint j = 0; addresses[j] != NULL; j++)
        g_ptr_array_add (peer->manual, g_strdup (addresses[j]));
      _hallway_peer_update_addresses (peer);
      _hallway_liveness_start (peer);
    }
}

typedef struct
{
  char    *host;
  guint16  port;
} AddData;

static void
add_data_free (gpointer data)
{
  AddData *d = data;

  g_free (d->host);
  g_free (d);
}

static void
add_probe_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HallwayDaemonPeers *self = g_task_get_source_object (task);
  AddData *d = g_task_get_task_data (task);
  g_autoptr(HallwayInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) save_error = NULL;
  g_autofree char *presented = NULL;
  g_autofree char *address = NULL;
  Peer *peer;

  info = hallway_client_get_info_finish (HALLWAY_CLIENT (source), result, &presented, &error);
  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_strcmp0 (info->device_id, self->own_id) == 0)
    {
      g_task_return_new_error (task, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                               "That address is this computer");
      return;
    }

  address = strchr (d->host, ':') != NULL ? g_strdup_printf ("[%s]:%u", d->host, d->port)
                                          : g_strdup_printf ("%s:%u", d->host, d->port);

  peer = g_hash_table_lookup (self->peers, info->device_id);
  if (peer == NULL)
    peer = peer_new (self, info->device_id, "manual");
  peer_add_manual (peer, address);

  hallway_pins_remember (self->pins, info->device_id, info->name);
  hallway_pins_add_address (self->pins, info->device_id, address);
  if (!hallway_pins_save (self->pins, &save_error))
    g_warning ("Could not remember neighbour ‘%s’; it will be forgotten at restart: %s",
               info->name, save_error->message);

  g_clear_handle_id (&peer->forget_id, g_source_remove);
  _hallway_peer_apply_info (peer, info);
  _hallway_peer_set_online (peer, TRUE);
  _hallway_liveness_answered (peer);

  /* Send the new properties before the reply, so the caller sees them. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (peer->iface));
  g_task_return_pointer (task,
                         g_strdup (g_dbus_object_get_object_path (G_DBUS_OBJECT (peer->object))),
                         g_free);
}

/**
 * hallway_daemon_peers_add_by_address_async:
 * @self: a #HallwayDaemonPeers
 * @address: what the person typed: "host", "host:port", "[v6]:port"
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Reaches a computer mDNS cannot see, and remembers it.
 */
void
hallway_daemon_peers_add_by_address_async (HallwayDaemonPeers  *self,
                                           const char          *address,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  AddData *d;

  g_return_if_fail (HALLWAY_IS_DAEMON_PEERS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hallway_daemon_peers_add_by_address_async);

  d = g_new0 (AddData, 1);
  g_task_set_task_data (task, d, add_data_free);
  if (!hallway_parse_address (address, HALLWAY_DEFAULT_PORT, &d->host, &d->port, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  hallway_client_get_info_async (self->client, d->host, d->port, NULL, 5, cancellable,
                                 add_probe_done_cb, g_steal_pointer (&task));
}

/**
 * hallway_daemon_peers_add_by_address_finish:
 * @self: a #HallwayDaemonPeers
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the object path of the neighbour
 */
char *
hallway_daemon_peers_add_by_address_finish (HallwayDaemonPeers  *self,
                                            GAsyncResult        *result,
                                            GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A neighbour by device id or by its object path. */
static Peer *
lookup_peer (HallwayDaemonPeers *self,
             const char         *id_or_path)
{
  const char *prefix = HALLWAY_PEERS_OBJECT_PATH "/";

  if (g_str_has_prefix (id_or_path, prefix))
    id_or_path += strlen (prefix);
  return g_hash_table_lookup (self->peers, id_or_path);
}

/**
 * hallway_daemon_peers_lookup:
 * @self: a #HallwayDaemonPeers
 * @id_or_path: a device id, or a neighbour's object path
 * @out_id: (out) (optional) (transfer full): its device id
 * @out_name: (out) (optional) (transfer full): its display name
 * @out_online: (out) (optional): whether it answered recently
 *
 * Returns: whether that neighbour is known
 */
gboolean
hallway_daemon_peers_lookup (HallwayDaemonPeers  *self,
                             const char          *id_or_path,
                             char               **out_id,
                             char               **out_name,
                             gboolean            *out_online)
{
  Peer *peer;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_PEERS (self), FALSE);
  g_return_val_if_fail (id_or_path != NULL, FALSE);

  peer = lookup_peer (self, id_or_path);
  if (peer == NULL)
    return FALSE;
  if (out_id != NULL)
    *out_id = g_strdup (peer->id);
  if (out_name != NULL)
    *out_name = g_strdup (hallway_dbus_peer1_get_name (peer->iface));
  if (out_online != NULL)
    *out_online = hallway_dbus_peer1_get_online (peer->iface);
  return TRUE;
}

/**
 * hallway_daemon_peers_find_share:
 * @self: a #HallwayDaemonPeers
 * @id: a neighbour's device id
 * @query: the name (any case) or id of one of its shared folders
 * @out_share_id: (out) (transfer full): the share's id
 * @out_share_name: (out) (optional) (transfer full): its name
 *
 * Returns: whether the neighbour shares such a folder with this computer
 */
gboolean
hallway_daemon_peers_find_share (HallwayDaemonPeers  *self,
                                 const char          *id,
                                 const char          *query,
                                 char               **out_share_id,
                                 char               **out_share_name)
{
  Peer *peer;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_PEERS (self), FALSE);

  peer = g_hash_table_lookup (self->peers, id);
  return peer != NULL && peer_find_share (peer, query, out_share_id, out_share_name);
}

/**
 * hallway_daemon_peers_get_endpoint:
 * @self: a #HallwayDaemonPeers
 * @id: a neighbour's device id
 * @out_address: (out) (transfer full): the address to reach it at
 * @out_port: (out): its port
 * @error: return location for a #GError
 *
 * Where to reach a neighbour now: its best address (the one probes last
 * got through on). Fails with %HALLWAY_ERROR_PEER_GONE when it has no
 * address, %HALLWAY_ERROR_ACCESS_DENIED when its identity is in doubt.
 *
 * Returns: whether there is somewhere to try
 */
gboolean
hallway_daemon_peers_get_endpoint (HallwayDaemonPeers  *self,
                                   const char          *id,
                                   char               **out_address,
                                   guint16             *out_port,
                                   GError             **error)
{
  g_autoptr(GPtrArray) candidates = NULL;
  const Endpoint *target;
  Peer *peer;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_PEERS (self), FALSE);

  peer = g_hash_table_lookup (self->peers, id);
  if (peer == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                           _("This computer has not been seen on the network since Hallway "
                             "started"));
      return FALSE;
    }
  if (g_strcmp0 (hallway_dbus_peer1_get_problem (peer->iface), "") != 0)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_ACCESS_DENIED, "%s",
                   hallway_dbus_peer1_get_problem_message (peer->iface));
      return FALSE;
    }
  candidates = _hallway_peer_dup_candidates (peer);
  if (candidates->len == 0)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_PEER_GONE,
                   _("“%s” has no known address"), hallway_dbus_peer1_get_name (peer->iface));
      return FALSE;
    }
  target = g_ptr_array_index (candidates, peer->next_candidate % candidates->len);
  *out_address = g_strdup (target->address);
  *out_port = target->port;
  return TRUE;
}

/**
 * hallway_daemon_peers_get_problem:
 * @self: a #HallwayDaemonPeers
 * @device_id: a device id
 *
 * Returns: (nullable): the identity problem known for that neighbour, if any
 */
const char *
hallway_daemon_peers_get_problem (HallwayDaemonPeers *self,
                                  const char         *device_id)
{
  Peer *peer;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_PEERS (self), NULL);

  peer = g_hash_table_lookup (self->peers, device_id);
  return peer != NULL ? hallway_dbus_peer1_get_problem (peer->iface) : NULL;
}

/**
 * hallway_daemon_peers_contacted:
 * @self: a #HallwayDaemonPeers
 * @device_id: the device id of the certificate a client presented on a
 *   request it just made to this computer
 *
 * A neighbour that asks us something is up; its own probe can wait.
 */
void
hallway_daemon_peers_contacted (HallwayDaemonPeers *self,
                                const char         *device_id)
{
  Peer *peer;

  g_return_if_fail (HALLWAY_IS_DAEMON_PEERS (self));

  peer = device_id != NULL ? g_hash_table_lookup (self->peers, device_id) : NULL;
  if (peer != NULL)
    _hallway_liveness_contacted (peer);
}

/* For hallway-daemon-peers-learned.c */
Peer *
_hallway_peer_new (HallwayDaemonPeers *self,
                   const char         *id,
                   const char         *source)
{
  return peer_new (self, id, source);
}

void
_hallway_daemon_peers_set_timing (HallwayDaemonPeers          *self,
                                  const HallwayLivenessTiming *timing)
{
  self->timing = *timing;
}

guint64
_hallway_daemon_peers_get_n_probes (HallwayDaemonPeers *self)
{
  return self->n_probes;
}

/**
 * hallway_daemon_peers_new:
 * @manager: where to export neighbours
 * @client: how to reach them
 * @pins: the neighbours remembered
 * @own_id: this computer's device id, to ignore our own announcements
 *
 * Returns: (transfer full): a registry of neighbours
 */
HallwayDaemonPeers *
hallway_daemon_peers_new (GDBusObjectManagerServer *manager,
                          HallwayClient            *client,
                          HallwayPins              *pins,
                          const char               *own_id)
{
  HallwayDaemonPeers *self = g_object_new (HALLWAY_TYPE_DAEMON_PEERS, NULL);

  self->manager = g_object_ref (manager);
  self->client = g_object_ref (client);
  self->pins = g_object_ref (pins);
  self->own_id = g_strdup (own_id);
  return self;
}

/**
 * hallway_daemon_peers_get_own_id:
 * @self: a #HallwayDaemonPeers
 *
 * Returns: this computer's device id, never a neighbour's
 */
const char *
hallway_daemon_peers_get_own_id (HallwayDaemonPeers *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_PEERS (self), NULL);

  return self->own_id;
}

static void
hallway_daemon_peers_dispose (GObject *object)
{
  HallwayDaemonPeers *self = HALLWAY_DAEMON_PEERS (object);

  if (self->peers != NULL)
    g_hash_table_remove_all (self->peers);
  g_clear_handle_id (&self->scheduler_id, g_source_remove);
  g_clear_object (&self->manager);
  g_clear_object (&self->client);
  g_clear_object (&self->pins);

  G_OBJECT_CLASS (hallway_daemon_peers_parent_class)->dispose (object);
}

static void
hallway_daemon_peers_finalize (GObject *object)
{
  HallwayDaemonPeers *self = HALLWAY_DAEMON_PEERS (object);

  g_clear_pointer (&self->peers, g_hash_table_unref);
  g_free (self->own_id);

  G_OBJECT_CLASS (hallway_daemon_peers_parent_class)->finalize (object);
}

static void
hallway_daemon_peers_class_init (HallwayDaemonPeersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_daemon_peers_dispose;
  object_class->finalize = hallway_daemon_peers_finalize;

  /**
   * HallwayDaemonPeers::peer-online:
   * @self: the registry
   * @id: the device id of a neighbour that just came online
   */
  signals[SIGNAL_PEER_ONLINE] =
    g_signal_new ("peer-online", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * HallwayDaemonPeers::peer-info:
   * @self: the registry
   * @id: the device id of a neighbour
   * @info: (type gpointer): the HallwayInfo it just answered with
   */
  signals[SIGNAL_PEER_INFO] =
    g_signal_new ("peer-info", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
}

static void
hallway_daemon_peers_init (HallwayDaemonPeers *self)
{
  static const HallwayLivenessTiming timing = HALLWAY_LIVENESS_TIMING_DEFAULT;

  self->timing = timing;
  g_queue_init (&self->first_contacts);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, peer_free);
}
