/* hallway-daemon-peers-learned.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The neighbours' registry as hallway-daemon-gossip.c sees it: the
 * neighbours this computer vouches for to others, and those it learned of
 * from others and checked itself. A learned neighbour is reached at the
 * address it was checked at, until its own announcement shows up.
 */
#include "config.h"

#include "hallway-daemon-peers-private.h"

#include "hallway-identity.h"
#include "hallway-neighbours.h"

/**
 * _hallway_peer_announced:
 * @peer: a neighbour whose announcement was just resolved
 * @source: "mdns" or "dns"
 *
 * A neighbour learned from its first request, or from another computer,
 * before its announcement arrived is on this network after all: it is
 * listed as found there, and its goodbye is to end it as for any other
 * announced neighbour, so the address it was learned at is dropped.
 */
void
_hallway_peer_announced (Peer       *peer,
                         const char *source)
{
  GHashTableIter iter;
  gpointer key;

  if (g_strcmp0 (hallway_dbus_peer1_get_source (peer->iface), "learned") != 0)
    return;
  hallway_dbus_peer1_set_source (peer->iface, source);
  g_hash_table_iter_init (&iter, peer->endpoints);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (g_str_has_prefix (key, HALLWAY_PEER_LEARNED_KEY_PREFIX))
      g_hash_table_iter_remove (&iter);
}

/**
 * hallway_daemon_peers_dup_neighbours:
 * @self: a #HallwayDaemonPeers
 *
 * The neighbours this computer can vouch for: online, having answered with
 * the certificate they are known by, and with no identity problem.
 *
 * Returns: (transfer full) (element-type HallwayNeighbour): them
 */
GPtrArray *
hallway_daemon_peers_dup_neighbours (HallwayDaemonPeers *self)
{
  GPtrArray *neighbours = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_neighbour_free);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (HALLWAY_IS_DAEMON_PEERS (self), neighbours);

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Peer *peer = value;
      g_autoptr(GPtrArray) candidates = NULL;
      g_autoptr(GStrvBuilder) addresses = NULL;
      HallwayNeighbour *n;

      if (!hallway_dbus_peer1_get_online (peer->iface) ||
          g_strcmp0 (hallway_dbus_peer1_get_problem (peer->iface), "") != 0)
        continue;
      candidates = _hallway_peer_dup_candidates (peer);
      if (candidates->len == 0)
        continue;
      addresses = g_strv_builder_new ();
      for (guint i = 0; i < candidates->len && i < HALLWAY_NEIGHBOURS_MAX_ADDRESSES; i++)
        {
          const Endpoint *e = g_ptr_array_index (candidates, i);

          /* One port for all: the first address's. */
          if (e->port == ((const Endpoint *) g_ptr_array_index (candidates, 0))->port)
            g_strv_builder_add (addresses, e->address);
        }
      n = g_new0 (HallwayNeighbour, 1);
      n->id = g_strdup (peer->id);
      n->fingerprint = hallway_device_id_dup_fingerprint (peer->id);
      n->name = g_strdup (hallway_dbus_peer1_get_name (peer->iface));
      n->addresses = g_strv_builder_end (addresses);
      n->port = ((const Endpoint *) g_ptr_array_index (candidates, 0))->port;
      g_ptr_array_add (neighbours, n);
    }
  return neighbours;
}

/**
 * hallway_daemon_peers_learned:
 * @self: a #HallwayDaemonPeers
 * @info: what a computer answered at @address, over a connection whose
 *   certificate is @info's device id
 * @address: where it answered
 * @port: its port there
 *
 * Lists a computer that mDNS does not show but that proved who it is at
 * an address learned from another computer. It is forgotten like one
 * found over mDNS: not remembered across restarts.
 */
void
hallway_daemon_peers_learned (HallwayDaemonPeers *self,
                              const HallwayInfo  *info,
                              const char         *address,
                              guint16             port)
{
  Endpoint *endpoint;
  Peer *peer;

  g_return_if_fail (HALLWAY_IS_DAEMON_PEERS (self));
  g_return_if_fail (info != NULL && address != NULL);

  if (g_strcmp0 (info->device_id, self->own_id) == 0)
    return;
  peer = g_hash_table_lookup (self->peers, info->device_id);
  /* Found meanwhile, over mDNS or by hand, while it was being checked:
   * where it was learned adds nothing, and would keep it listed after its
   * goodbye. */
  if (peer != NULL && g_strcmp0 (hallway_dbus_peer1_get_source (peer->iface), "learned") != 0)
    return;
  if (peer == NULL)
    {
      if (g_hash_table_size (self->peers) >= HALLWAY_MAX_PEERS)
        return;
      peer = _hallway_peer_new (self, info->device_id, "learned");
    }

  endpoint = g_new0 (Endpoint, 1);
  endpoint->address = g_strdup (address);
  endpoint->port = port;
  endpoint->ipv6 = strchr (address, ':') != NULL;
  endpoint->link_local = g_str_has_prefix (address, "fe80:");
  g_hash_table_replace (peer->endpoints,
                        g_strdup_printf (HALLWAY_PEER_LEARNED_KEY_PREFIX "%s/%u", address, port),
                        endpoint);
  _hallway_peer_update_addresses (peer);

  g_clear_handle_id (&peer->forget_id, g_source_remove);
  _hallway_peer_apply_info (peer, info);
  _hallway_peer_set_online (peer, TRUE);
  _hallway_liveness_answered (peer);
}

/**
 * hallway_daemon_peers_refresh:
 * @self: a #HallwayDaemonPeers
 * @id: (nullable): a neighbour's device id; %NULL for every neighbour online
 *
 * Asks now rather than at the next probe: the neighbour said it changed,
 * or this computer did and the question tells them so.
 */
void
hallway_daemon_peers_refresh (HallwayDaemonPeers *self,
                              const char         *id)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (HALLWAY_IS_DAEMON_PEERS (self));

  if (id != NULL)
    {
      Peer *peer = g_hash_table_lookup (self->peers, id);

      if (peer != NULL)
        _hallway_liveness_announced (peer, TRUE);
      return;
    }
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Peer *peer = value;

      if (hallway_dbus_peer1_get_online (peer->iface))
        _hallway_liveness_announced (peer, TRUE);
    }
}
