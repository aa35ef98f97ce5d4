/* hallway-daemon-peers-addresses.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Where to reach a neighbour, and what asking at each address showed. A
 * neighbour may be announced on several interfaces and address families,
 * added by hand, or learned from another computer; this file ranks those
 * addresses (IPv4 first, link-local IPv6 last), remembers which answered
 * with the neighbour's certificate and which with someone else's, and
 * keeps its Peer1 address properties in step. Kept apart from
 * hallway-daemon-peers.c, which owns the registry and the neighbours'
 * D-Bus objects, because it is the part that stands between an impostor
 * and a neighbour's connections.
 */
#include "config.h"

#include "hallway-daemon-peers-private.h"

#include "hallway-path.h"
void
_hallway_endpoint_free (gpointer data)
{
  Endpoint *endpoint = data;

  g_free (endpoint->name);
  g_free (endpoint->address);
  g_free (endpoint);
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
  GPtrArray *candidates = g_ptr_array_new_with_free_func (_hallway_endpoint_free);
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
          _hallway_endpoint_free (copy);
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

void
_hallway_address_state_free (gpointer data)
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
  _hallway_peer_update_addresses (peer);
}

void
_hallway_peer_update_addresses (Peer *peer)
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
