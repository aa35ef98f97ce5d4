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
 * another is someone else's, and is left out (see _hallway_peer_checked()),
 * never held against the neighbour, whose name, too, comes only from its
 * own answers.
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
endpoint_free (gpointer data)
{
  Endpoint *endpoint = data;

  g_free (endpoint->name);
  g_free (endpoint->address);
  g_free (endpoint);
}

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

/* Best first: IPv4, then routable IPv6, then link-local IPv6, then addresses
 * added by hand. */
static int
endpoint_rank (const Endpoint *endpoint)
{
  if (!endpoint->ipv6 && strchr (endpoint->address, ':') == NULL)
    return 0;
  return endpoint->link_local ? 2 : 1;
}

static int
compare_endpoints (gconstpointer a,
                   gconstpointer b)
{
  const Endpoint *ea = *(const Endpoint **) a;
  const Endpoint *eb = *(const Endpoint **) b;
  int ra = endpoint_rank (ea), rb = endpoint_rank (eb);

  if (ra != rb)
    return ra - rb;
  return g_strcmp0 (ea->address, eb->address);
}

GPtrArray *
_hallway_peer_dup_candidates (Peer *peer)
{
  GPtrArray *candidates = g_ptr_array_new_with_free_func (endpoint_free);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, peer->endpoints);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (sorted, value);
  g_ptr_array_sort (sorted, compare_endpoints);

  for (guint i = 0; i < sorted->len; i++)
    {
      const Endpoint *e = g_ptr_array_index (sorted, i);
      Endpoint *copy;
      gboolean seen = FALSE;

      for (guint j = 0; j < candidates->len && !seen; j++)
        {
          const Endpoint *c = g_ptr_array_index (candidates, j);

          seen = g_strcmp0 (c->address, e->address) == 0 && c->port == e->port;
        }
      if (seen)
        continue;

      copy = g_new0 (Endpoint, 1);
      copy->address = g_strdup (e->address);
      copy->port = e->port;
      copy->ipv6 = e->ipv6;
      copy->link_local = e->link_local;
      g_ptr_array_add (candidates, copy);
    }

  for (guint i = 0; i < peer->manual->len; i++)
    {
      Endpoint *copy = g_new0 (Endpoint, 1);

      if (!hallway_parse_address (g_ptr_array_index (peer->manual, i), HALLWAY_DEFAULT_PORT,
                                  &copy->address, &copy->port, NULL))
        {
          endpoint_free (copy);
          continue;
        }
      g_ptr_array_add (candidates, copy);
    }

  /* An address that answered with another certificate belongs to someone
   * else: it is left out, and the neighbour is reached where it proved who
   * it is, so an impostor announcing its id never comes first. */
  for (guint i = 0; i < candidates->len;)
    {
      Endpoint *e = g_ptr_array_index (candidates, i);
      g_autofree char *key = _hallway_endpoint_key (e);
      AddressCheck check = _hallway_peer_get_check (peer, key);

      if (check == ADDRESS_IMPOSTOR)
        {
          g_ptr_array_remove_index (candidates, i);
          continue;
        }
      e->verified = check == ADDRESS_VERIFIED;
      i++;
    }
  for (guint i = 0, first_unverified = 0; i < candidates->len; i++)
    {
      Endpoint *e = g_ptr_array_index (candidates, i);

      if (!e->verified)
        continue;
      /* Move it before the first unverified one, keeping the order. */
      memmove (&candidates->pdata[first_unverified + 1], &candidates->pdata[first_unverified],
               (i - first_unverified) * sizeof (gpointer));
      candidates->pdata[first_unverified++] = e;
    }

  /* A link-local IPv6 address is the least sure: an mDNS reflector passes
   * on the link-local addresses of computers on another link, where they
   * mean nothing. Use one only when there is nothing else. */
  for (guint i = 0; i < candidates->len && candidates->len > 1;)
    {
      const Endpoint *e = g_ptr_array_index (candidates, i);

      if (e->link_local)
        g_ptr_array_remove_index (candidates, i);
      else
        i++;
    }

  return candidates;
}

char *
_hallway_endpoint_key (const Endpoint *endpoint)
{
  return g_strdup_printf ("%s %u", endpoint->address, endpoint->port);
}

static void
address_state_free (gpointer data)
{
  g_free (data);
}

AddressCheck
_hallway_peer_get_check (Peer       *peer,
                         const char *key)
{
  AddressState *state = g_hash_table_lookup (peer->checks, key);

  if (state == NULL)
    return ADDRESS_UNCHECKED;
  /* Its time out is over: it is asked again, once. */
  if (state->check == ADDRESS_IMPOSTOR && state->until <= g_get_monotonic_time ())
    {
      g_hash_table_remove (peer->checks, key);
      return ADDRESS_UNCHECKED;
    }
  return state->check;
}

/* The address part of a key "address port". */
static char *
key_dup_address (const char *key)
{
  const char *space = strrchr (key, ' ');

  return space != NULL ? g_strndup (key, space - key) : g_strdup (key);
}

/* Whether @key is an address the neighbour is announced or added at. */
static gboolean
peer_has_endpoint (Peer       *peer,
                   const char *key)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, peer->endpoints);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_autofree char *endpoint_key = _hallway_endpoint_key (value);

      if (g_str_equal (endpoint_key, key))
        return TRUE;
    }
  for (guint i = 0; i < peer->manual->len; i++)
    {
      Endpoint manual = { 0 };
      g_autofree char *manual_key = NULL;

      if (!hallway_parse_address (g_ptr_array_index (peer->manual, i), HALLWAY_DEFAULT_PORT,
                                  &manual.address, &manual.port, NULL))
        continue;
      manual_key = _hallway_endpoint_key (&manual);
      g_free (manual.address);
      if (g_str_equal (manual_key, key))
        return TRUE;
    }
  return FALSE;
}

/* Addresses (without ports) whose check is @check, each once. */
static GStrv
peer_dup_checked_addresses (Peer         *peer,
                            AddressCheck  check)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, peer->checks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const AddressState *state = value;
      char *address;

      if (state->check != check)
        continue;
      address = key_dup_address (key);
      if (g_hash_table_add (seen, address))
        g_strv_builder_add (builder, address);
    }
  return g_strv_builder_end (builder);
}

static void peer_update_addresses (Peer *peer);

/**
 * _hallway_peer_checked:
 * @peer: a neighbour
 * @key: one of its addresses, as _hallway_endpoint_key() gives it
 * @check: what asking there showed
 *
 * An address that presented another identity is that address's problem,
 * not the neighbour's: it is left out for HALLWAY_IMPOSTOR_QUARANTINE_S and
 * listed in ImpostorAddresses, and the neighbour stays as it was.
 */
void
_hallway_peer_checked (Peer         *peer,
                       const char   *key,
                       AddressCheck  check)
{
  AddressState *state;

  if (check == ADDRESS_IMPOSTOR && !g_hash_table_contains (peer->checks, key))
    {
      g_auto(GStrv) impostors = peer_dup_checked_addresses (peer, ADDRESS_IMPOSTOR);

      /* Bounded: whoever announces this id from ever more addresses pushes
       * out the oldest. */
      while (g_strv_length (impostors) >= HALLWAY_IMPOSTOR_ADDRESSES_MAX)
        {
          GHashTableIter iter;
          gpointer k, value;
          const char *oldest = NULL;
          gint64 oldest_until = G_MAXINT64;

          g_hash_table_iter_init (&iter, peer->checks);
          while (g_hash_table_iter_next (&iter, &k, &value))
            if (((AddressState *) value)->check == ADDRESS_IMPOSTOR &&
                ((AddressState *) value)->until < oldest_until)
              {
                oldest = k;
                oldest_until = ((AddressState *) value)->until;
              }
          g_hash_table_remove (peer->checks, oldest);
          g_strfreev (impostors);
          impostors = peer_dup_checked_addresses (peer, ADDRESS_IMPOSTOR);
        }
    }

  state = g_new0 (AddressState, 1);
  state->check = check;
  if (check == ADDRESS_IMPOSTOR)
    state->until = g_get_monotonic_time () + HALLWAY_IMPOSTOR_QUARANTINE_S * G_USEC_PER_SEC;
  g_hash_table_replace (peer->checks, g_strdup (key), state);
  peer_update_addresses (peer);
}

static void
peer_update_addresses (Peer *peer)
{
  g_autoptr(GPtrArray) candidates = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) addresses = NULL;
  g_auto(GStrv) verified = NULL;
  g_auto(GStrv) impostors = NULL;
  GHashTableIter iter;
  gpointer key, value;

  /* What was learnt about an address it is no longer at is forgotten; an
   * impostor's address is kept until its time out is over. */
  g_hash_table_iter_init (&iter, peer->checks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const AddressState *state = value;

      if ((state->check == ADDRESS_IMPOSTOR && state->until > g_get_monotonic_time ()) ||
          (state->check != ADDRESS_IMPOSTOR && peer_has_endpoint (peer, key)))
        continue;
      g_hash_table_iter_remove (&iter);
    }

  candidates = _hallway_peer_dup_candidates (peer);
  for (guint i = 0; i < candidates->len; i++)
    {
      const Endpoint *e = g_ptr_array_index (candidates, i);

      g_strv_builder_add (builder, e->address);
    }
  addresses = g_strv_builder_end (builder);
  hallway_dbus_peer1_set_addresses (peer->iface, (const char * const *) addresses);
  verified = peer_dup_checked_addresses (peer, ADDRESS_VERIFIED);
  hallway_dbus_peer1_set_verified_addresses (peer->iface, (const char * const *) verified);
  impostors = peer_dup_checked_addresses (peer, ADDRESS_IMPOSTOR);
  hallway_dbus_peer1_set_impostor_addresses (peer->iface, (const char * const *) impostors);
  if (candidates->len > 0)
    hallway_dbus_peer1_set_port (peer->iface,
                                 ((const Endpoint *) g_ptr_array_index (candidates, 0))->port);
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
  peer->endpoints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, endpoint_free);
  peer->manual = g_ptr_array_new_with_free_func (g_free);
  peer->checks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, address_state_free);
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
  peer_update_addresses (peer);

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

      peer_update_addresses (peer);
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
  peer_update_addresses (peer);
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
      peer_update_addresses (peer);
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
_hallway_peer_update_addresses (Peer *peer)
{
  peer_update_addresses (peer);
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
