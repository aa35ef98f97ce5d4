/* hallway-daemon-gossip.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Where multicast does not reach (another subnet, a firewall dropping UDP
 * 5353, Wi-Fi client isolation of mDNS), computers learn of each other
 * from each other:
 *
 * - Every request this computer makes carries where it listens
 *   (Hallway-Port). A computer it asks, mTLS-verified as any request is,
 *   learns it from that first contact: one "hallwayctl add-peer" on either
 *   side makes both list each other.
 * - GET /api/v1/neighbours lists the computers one knows and reaches, to
 *   the neighbours it knows. Requests and answers carry a revision of that
 *   list (Hallway-Neighbours, "neighbours" in /api/v1/info), so a list is
 *   fetched only when it changed, from any contact in either direction:
 *   one add-by-address joins two groups for everyone within a few probe
 *   intervals.
 *
 * A learned computer is a hint until it proves it: it is asked at the
 * address given, only if that address is on a local network, and listed
 * only when its certificate is the id (and fingerprint) it was given under.
 * Everything is bounded: entries per list, computers waiting to be checked
 * and checked at once, refusals remembered.
 *
 * The same headers make changes reach neighbours at once: what this
 * computer shares has a revision (Hallway-Revision, "revision" in
 * /api/v1/info); when it changes, every neighbour online is asked now,
 * over the connection kept alive for probes, and the question itself
 * tells it to ask back.
 */
#include "config.h"

#include "hallway-daemon-gossip.h"

#include <net/if.h>

#include "hallway-daemon-listener.h"
#include "hallway-daemon-server.h"
#include "hallway-error.h"
#include "hallway-identity.h"
#include "hallway-neighbours.h"
#include "hallway-netinfo.h"

/* What a neighbour last said about itself. */
typedef struct
{
  char   *revision;          /* (nullable) in its last answer */
  char   *neighbours;        /* (nullable) of the list last fetched */
  char   *asked_revision;    /* (nullable) the one a refresh was asked for */
  char   *wanted_neighbours; /* (nullable) the newest one heard of */
  gint64  list_fetched_at;   /* monotonic µs */
  gboolean fetching;
} Seen;

typedef struct
{
  HallwayDaemonGossip *owner;      /* (unowned) */
  char                *id;
  GStrv                addresses;  /* local ones only */
  guint                next;       /* the address tried next */
  guint16              port;
  gboolean             probing;
  guint                grace_id;   /* waiting for mDNS to show it first */
} Candidate;

struct _HallwayDaemonGossip
{
  GObject             parent_instance;

  HallwayDaemonPeers *peers;
  HallwayClient      *client;
  guint16             port;
  gboolean            enabled;
  gboolean            allow_loopback;
  char               *boot;          /* random, so a restart is a change too */
  guint64             serial;
  char               *revision;
  GHashTable         *seen;          /* id → Seen */
  GHashTable         *candidates;    /* id → Candidate */
  GQueue              waiting;       /* Candidate */
  guint               n_probing;
  GHashTable         *refused;       /* id → monotonic µs until when */
  GCancellable       *cancellable;
  guint               push_id;
  gint64              last_push;
};

G_DEFINE_FINAL_TYPE (HallwayDaemonGossip, hallway_daemon_gossip, G_TYPE_OBJECT)

static void start_probes (HallwayDaemonGossip *self);

static void
seen_free (gpointer data)
{
  Seen *seen = data;

  g_free (seen->revision);
  g_free (seen->neighbours);
  g_free (seen->asked_revision);
  g_free (seen->wanted_neighbours);
  g_free (seen);
}

static void
candidate_free (gpointer data)
{
  Candidate *c = data;

  g_clear_handle_id (&c->grace_id, g_source_remove);
  g_free (c->id);
  g_strfreev (c->addresses);
  g_free (c);
}

static Seen *
seen_for (HallwayDaemonGossip *self,
          const char          *id)
{
  Seen *seen = g_hash_table_lookup (self->seen, id);

  if (seen == NULL)
    {
      /* Forgotten neighbours leave their entry behind; start afresh when
       * there are more than there can be neighbours. */
      if (g_hash_table_size (self->seen) >= HALLWAY_MAX_PEERS)
        g_hash_table_remove_all (self->seen);
      seen = g_new0 (Seen, 1);
      g_hash_table_insert (self->seen, g_strdup (id), seen);
    }
  return seen;
}

static void
update_revision (HallwayDaemonGossip *self)
{
  g_free (self->revision);
  self->revision = g_strdup_printf ("%s-%" G_GUINT64_FORMAT, self->boot, self->serial);
}

static char *
dup_neighbours_revision (HallwayDaemonGossip *self)
{
  g_autoptr(GPtrArray) neighbours = hallway_daemon_peers_dup_neighbours (self->peers);

  return hallway_neighbours_dup_revision (neighbours);
}

static void
add_headers_cb (SoupMessageHeaders *headers,
                gpointer            user_data)
{
  HallwayDaemonGossip *self = user_data;
  char port[8];

  g_snprintf (port, sizeof port, "%u", self->port);
  soup_message_headers_replace (headers, HALLWAY_GOSSIP_PORT_HEADER, port);
  soup_message_headers_replace (headers, HALLWAY_GOSSIP_REVISION_HEADER, self->revision);
  if (self->enabled)
    {
      g_autofree char *neighbours = dup_neighbours_revision (self);

      soup_message_headers_replace (headers, HALLWAY_GOSSIP_NEIGHBOURS_HEADER, neighbours);
    }
}

/* Whether a computer at @text may be asked: only on a local network, and
 * never this computer's loopback, where other people's services listen. */
static gboolean
address_is_local (HallwayDaemonGossip *self,
                  const char          *text)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GPtrArray) own = NULL;
  int scope_id = 0;

  if (!hallway_netinfo_parse_address (text, &address, &scope_id))
    return FALSE;
  if (g_inet_address_get_is_loopback (address))
    return self->allow_loopback;
  if (g_inet_address_get_is_any (address) || g_inet_address_get_is_multicast (address))
    return FALSE;
  if (hallway_inet_address_is_private (address))
    return TRUE;
  /* A public address on a network this computer is on is local too. */
  own = hallway_netinfo_dup_addresses ();
  return own != NULL && hallway_netinfo_find_on_link (own, address, scope_id) != NULL;
}

static gboolean
is_refused (HallwayDaemonGossip *self,
            const char          *id)
{
  gpointer until;

  if (!g_hash_table_lookup_extended (self->refused, id, NULL, &until))
    return FALSE;
  if (g_get_monotonic_time () < *(gint64 *) until)
    return TRUE;
  g_hash_table_remove (self->refused, id);
  return FALSE;
}

static void
refuse (HallwayDaemonGossip *self,
        const char          *id,
        guint                seconds)
{
  gint64 *until = g_new (gint64, 1);

  if (g_hash_table_size (self->refused) >= HALLWAY_GOSSIP_MAX_REFUSED)
    {
      GHashTableIter iter;
      gpointer value;
      gint64 now = g_get_monotonic_time ();

      g_hash_table_iter_init (&iter, self->refused);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (*(gint64 *) value <= now)
          g_hash_table_iter_remove (&iter);
    }
  *until = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  if (g_hash_table_size (self->refused) < HALLWAY_GOSSIP_MAX_REFUSED)
    g_hash_table_replace (self->refused, g_strdup (id), until);
  else
    g_free (until);
}

static void
candidate_done (Candidate *c)
{
  HallwayDaemonGossip *self = c->owner;

  if (c->probing)
    self->n_probing--;
  g_hash_table_remove (self->candidates, c->id);
  start_probes (self);
}

static void probe_candidate (Candidate *c);

static void
candidate_answered_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Candidate *c = user_data;
  HallwayDaemonGossip *self;
  g_autoptr(HallwayInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *presented = NULL;
  const char *address;

  info = hallway_client_get_info_finish (HALLWAY_CLIENT (source), result, &presented, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* disposed, and @c with it */

  self = c->owner;
  address = c->addresses[c->next];
  if (info != NULL && g_strcmp0 (info->device_id, c->id) == 0)
    {
      if (!hallway_daemon_peers_lookup (self->peers, c->id, NULL, NULL, NULL))
        g_debug ("Learned neighbour ‘%s’ at %s, port %u", info->name, address, c->port);
      hallway_daemon_peers_learned (self->peers, info, address, c->port);
      candidate_done (c);
      return;
    }
  if (info != NULL || g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH))
    {
      /* Someone else answers there: a stale list, or a lie. Either way it
       * is never shown under that id. */
      g_message ("A computer at %s is not the neighbour it was said to be; ignoring it",
                 address);
      refuse (self, c->id, HALLWAY_GOSSIP_REFUSE_S);
      candidate_done (c);
      return;
    }

  g_debug ("Could not reach a learned neighbour at %s: %s", address, error->message);
  c->next++;
  if (c->addresses[c->next] == NULL)
    {
      refuse (self, c->id, HALLWAY_GOSSIP_RETRY_S);
      candidate_done (c);
      return;
    }
  probe_candidate (c);
}

static void
probe_candidate (Candidate *c)
{
  HallwayDaemonGossip *self = c->owner;

  hallway_client_get_info_async (self->client, c->addresses[c->next], c->port, c->id, 8,
                                 self->cancellable, candidate_answered_cb, c);
}

static void
start_probes (HallwayDaemonGossip *self)
{
  while (self->n_probing < HALLWAY_GOSSIP_MAX_PROBING && !g_queue_is_empty (&self->waiting))
    {
      Candidate *c = g_queue_pop_head (&self->waiting);

      c->probing = TRUE;
      self->n_probing++;
      probe_candidate (c);
    }
}

/* Its grace is over: unless mDNS (or anything else) showed it meanwhile,
 * it waits for its turn to be asked. */
static gboolean
grace_over_cb (gpointer user_data)
{
  Candidate *c = user_data;
  HallwayDaemonGossip *self = c->owner;

  c->grace_id = 0;
  if (hallway_daemon_peers_lookup (self->peers, c->id, NULL, NULL, NULL))
    {
      candidate_done (c);
      return G_SOURCE_REMOVE;
    }
  g_queue_push_tail (&self->waiting, c);
  start_probes (self);
  return G_SOURCE_REMOVE;
}

/* Someone says computer @id listens at @addresses, @port: check it. */
static void
consider (HallwayDaemonGossip *self,
          const char          *id,
          const char * const  *addresses,
          guint16              port)
{
  g_autoptr(GStrvBuilder) local = g_strv_builder_new ();
  g_auto(GStrv) usable = NULL;
  Candidate *c;

  /* Neighbours list this computer too: it never asks itself. */
  if (!self->enabled || !hallway_device_id_is_valid (id) || port == 0 ||
      g_strcmp0 (id, hallway_daemon_peers_get_own_id (self->peers)) == 0 ||
      hallway_daemon_peers_lookup (self->peers, id, NULL, NULL, NULL) ||
      g_hash_table_contains (self->candidates, id) || is_refused (self, id) ||
      g_hash_table_size (self->candidates) >= HALLWAY_GOSSIP_MAX_CANDIDATES)
    return;

  for (guint i = 0; addresses[i] != NULL && i < HALLWAY_NEIGHBOURS_MAX_ADDRESSES; i++)
    if (address_is_local (self, addresses[i]))
      g_strv_builder_add (local, addresses[i]);
  usable = g_strv_builder_end (local);
  if (usable[0] == NULL)
    {
      g_debug ("Not asking a learned neighbour outside the local network");
      return;
    }

  c = g_new0 (Candidate, 1);
  c->owner = self;
  c->id = g_strdup (id);
  c->addresses = g_steal_pointer (&usable);
  c->port = port;
  g_hash_table_insert (self->candidates, c->id, c);
  /* A computer on this network asks its neighbours as soon as it hears of
   * them, often before they have resolved its own announcement: mDNS gets
   * a moment to show it first, with the name it ends up announced under. */
  c->grace_id = g_timeout_add (HALLWAY_GOSSIP_GRACE_MS, grace_over_cb, c);
}

typedef struct
{
  HallwayDaemonGossip *self;   /* (owned) */
  char                *id;
  char                *revision;
} ListFetch;

static void
list_fetch_free (ListFetch *f)
{
  g_object_unref (f->self);
  g_free (f->id);
  g_free (f->revision);
  g_free (f);
}

static void
list_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ListFetch *f = user_data;
  HallwayDaemonGossip *self = f->self;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) neighbours = NULL;
  g_autoptr(GError) error = NULL;
  Seen *seen;

  body = hallway_client_fetch_finish (HALLWAY_CLIENT (source), result, NULL, &error);
  if (body != NULL)
    neighbours = hallway_neighbours_parse (g_bytes_get_data (body, NULL),
                                           g_bytes_get_size (body), &error);
  seen = g_hash_table_lookup (self->seen, f->id);
  if (seen != NULL)
    seen->fetching = FALSE;
  if (neighbours == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not learn a neighbour's neighbours: %s", error->message);
      list_fetch_free (f);
      return;
    }

  if (seen != NULL)
    {
      g_free (seen->neighbours);
      seen->neighbours = g_strdup (f->revision);
    }
  for (guint i = 0; i < neighbours->len; i++)
    {
      const HallwayNeighbour *n = g_ptr_array_index (neighbours, i);

      consider (self, n->id, (const char * const *) n->addresses, n->port);
    }
  list_fetch_free (f);
}

/* Fetches a neighbour's list when it changed since the last time, at most
 * every HALLWAY_GOSSIP_LIST_INTERVAL_MS. */
static void
maybe_fetch_list (HallwayDaemonGossip *self,
                  const char          *id,
                  Seen                *seen)
{
  g_autofree char *address = NULL;
  ListFetch *f;
  guint16 port;
  gint64 now = g_get_monotonic_time ();

  if (!self->enabled || seen->fetching || seen->wanted_neighbours == NULL ||
      g_strcmp0 (seen->wanted_neighbours, seen->neighbours) == 0 ||
      now - seen->list_fetched_at < HALLWAY_GOSSIP_LIST_INTERVAL_MS * 1000 ||
      !hallway_daemon_peers_get_endpoint (self->peers, id, &address, &port, NULL))
    return;

  seen->fetching = TRUE;
  seen->list_fetched_at = now;
  f = g_new0 (ListFetch, 1);
  f->self = g_object_ref (self);
  f->id = g_strdup (id);
  f->revision = g_strdup (seen->wanted_neighbours);
  hallway_client_fetch_async (self->client, address, port, HALLWAY_NEIGHBOURS_PATH, id,
                              HALLWAY_NEIGHBOURS_MAX_BYTES, 10, self->cancellable,
                              list_fetched_cb, f);
}

static void
peer_info_cb (HallwayDaemonPeers  *peers,
              const char          *id,
              gpointer             data,
              HallwayDaemonGossip *self)
{
  const HallwayInfo *info = data;
  Seen *seen = seen_for (self, id);

  g_free (seen->revision);
  seen->revision = g_strdup (info->revision);
  if (info->neighbours != NULL && g_strcmp0 (info->neighbours, seen->neighbours) != 0)
    {
      g_free (seen->wanted_neighbours);
      seen->wanted_neighbours = g_strdup (info->neighbours);
    }
  maybe_fetch_list (self, id, seen);
}

/* The client's address as a neighbour would dial it back. */
static char *
dup_remote_address (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  g_autoptr(GInetAddress) v4 = NULL;
  GInetAddress *inet;
  g_autofree char *text = NULL;
  char ifname[IF_NAMESIZE];
  guint32 scope_id;

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return NULL;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    {
      static const guint8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
      const guint8 *bytes = g_inet_address_to_bytes (inet);

      if (memcmp (bytes, v4_mapped, sizeof v4_mapped) == 0)
        inet = v4 = g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
    }
  text = g_inet_address_to_string (inet);
  if (v4 != NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6 ||
      !g_inet_address_get_is_link_local (inet))
    return g_steal_pointer (&text);
  /* A link-local address means something only with its interface. */
  scope_id = g_inet_socket_address_get_scope_id (G_INET_SOCKET_ADDRESS (remote));
  if (scope_id == 0 || if_indextoname (scope_id, ifname) == NULL)
    return NULL;
  return g_strdup_printf ("%s%%%s", text, ifname);
}

/**
 * hallway_daemon_gossip_contacted:
 * @self: a #HallwayDaemonGossip
 * @msg: a request a neighbour just made
 * @device_id: the id of the certificate it presented
 *
 * A computer not known yet is asked back where it says it listens; a
 * known one that says it changed is asked at once.
 */
void
hallway_daemon_gossip_contacted (HallwayDaemonGossip *self,
                                 SoupServerMessage   *msg,
                                 const char          *device_id)
{
  SoupMessageHeaders *headers;
  const char *revision;
  const char *neighbours;
  const char *port_text;
  guint64 port;
  Seen *seen;

  g_return_if_fail (HALLWAY_IS_DAEMON_GOSSIP (self));

  if (device_id == NULL)
    return;
  headers = soup_server_message_get_request_headers (msg);

  if (!hallway_daemon_peers_lookup (self->peers, device_id, NULL, NULL, NULL))
    {
      g_autofree char *address = NULL;
      const char *addresses[2] = { NULL, NULL };

      port_text = soup_message_headers_get_one (headers, HALLWAY_GOSSIP_PORT_HEADER);
      if (!self->enabled || port_text == NULL ||
          !g_ascii_string_to_unsigned (port_text, 10, 1, G_MAXUINT16, &port, NULL) ||
          (address = dup_remote_address (msg)) == NULL)
        return;
      addresses[0] = address;
      consider (self, device_id, addresses, (guint16) port);
      return;
    }

  seen = g_hash_table_lookup (self->seen, device_id);
  if (seen == NULL)
    return;   /* it never answered: its first answer is on its way */

  revision = soup_message_headers_get_one (headers, HALLWAY_GOSSIP_REVISION_HEADER);
  if (revision != NULL && strlen (revision) <= HALLWAY_INFO_MAX_REVISION &&
      g_strcmp0 (revision, seen->revision) != 0 &&
      g_strcmp0 (revision, seen->asked_revision) != 0)
    {
      /* Once per revision: a neighbour repeating itself is not asked again. */
      g_free (seen->asked_revision);
      seen->asked_revision = g_strdup (revision);
      hallway_daemon_peers_refresh (self->peers, device_id);
    }

  neighbours = soup_message_headers_get_one (headers, HALLWAY_GOSSIP_NEIGHBOURS_HEADER);
  if (neighbours != NULL && strlen (neighbours) <= HALLWAY_INFO_MAX_REVISION &&
      g_strcmp0 (neighbours, seen->wanted_neighbours) != 0)
    {
      g_free (seen->wanted_neighbours);
      seen->wanted_neighbours = g_strdup (neighbours);
    }
  maybe_fetch_list (self, device_id, seen);
}

static void
neighbours_handler (SoupServer        *server,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  HallwayDaemonGossip *self = user_data;
  const char *requester = hallway_daemon_listener_get_peer_id (msg);
  const char *method = soup_server_message_get_method (msg);
  const char *problem;
  g_autoptr(GPtrArray) neighbours = NULL;
  char *json;

  if (g_strcmp0 (path, HALLWAY_NEIGHBOURS_PATH) != 0)
    {
      hallway_daemon_server_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found",
                                         "There is nothing here");
      return;
    }
  if (method != SOUP_METHOD_GET)
    {
      hallway_daemon_server_reply_not_allowed (msg, "GET", "Only GET is allowed here");
      return;
    }
  /* Who is in the office is told only to computers of the office: ones
   * this computer knows, that proved who they are. */
  problem = requester != NULL ? hallway_daemon_peers_get_problem (self->peers, requester) : NULL;
  if (!self->enabled || problem == NULL || *problem != '\0')
    {
      hallway_daemon_server_reply_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                                         "This computer tells its neighbours only to "
                                         "neighbours it knows");
      return;
    }

  neighbours = hallway_daemon_peers_dup_neighbours (self->peers);
  json = hallway_neighbours_to_json (neighbours);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, json,
                                    strlen (json));
}

/**
 * hallway_daemon_gossip_attach:
 * @self: a #HallwayDaemonGossip
 * @server: where to serve /api/v1/neighbours
 */
void
hallway_daemon_gossip_attach (HallwayDaemonGossip *self,
                              SoupServer          *server)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_GOSSIP (self));

  soup_server_add_handler (server, HALLWAY_NEIGHBOURS_PATH, neighbours_handler, self, NULL);
}

/**
 * hallway_daemon_gossip_add_to_info:
 * @self: a #HallwayDaemonGossip
 * @info: the answer to GET /api/v1/info being built
 */
void
hallway_daemon_gossip_add_to_info (HallwayDaemonGossip *self,
                                   HallwayInfo         *info)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_GOSSIP (self));

  g_free (info->revision);
  info->revision = g_strdup (self->revision);
  g_clear_pointer (&info->neighbours, g_free);
  if (self->enabled)
    info->neighbours = dup_neighbours_revision (self);
}

static gboolean
push_cb (gpointer user_data)
{
  HallwayDaemonGossip *self = user_data;

  self->push_id = 0;
  self->last_push = g_get_monotonic_time ();
  hallway_daemon_peers_refresh (self->peers, NULL);
  return G_SOURCE_REMOVE;
}

/**
 * hallway_daemon_gossip_changed:
 * @self: a #HallwayDaemonGossip
 *
 * What this computer shares changed: neighbours online are told now, by
 * asking them something (changes close together are told once).
 */
void
hallway_daemon_gossip_changed (HallwayDaemonGossip *self)
{
  gint64 since_ms;

  g_return_if_fail (HALLWAY_IS_DAEMON_GOSSIP (self));

  self->serial++;
  update_revision (self);
  if (self->push_id != 0)
    return;
  since_ms = (g_get_monotonic_time () - self->last_push) / 1000;
  self->push_id = g_timeout_add (MAX (HALLWAY_GOSSIP_COALESCE_MS,
                                      HALLWAY_GOSSIP_MIN_PUSH_MS - since_ms),
                                 push_cb, self);
}

/**
 * hallway_daemon_gossip_set_enabled:
 * @self: a #HallwayDaemonGossip
 * @enabled: whether to learn of computers from others, and tell them ours
 */
void
hallway_daemon_gossip_set_enabled (HallwayDaemonGossip *self,
                                   gboolean             enabled)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_GOSSIP (self));

  self->enabled = enabled;
  if (enabled)
    return;
  /* Computers being checked are dropped, not shown later. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_queue_clear (&self->waiting);
  g_hash_table_remove_all (self->candidates);
  self->n_probing = 0;
}

gboolean
hallway_daemon_gossip_get_enabled (HallwayDaemonGossip *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_GOSSIP (self), FALSE);

  return self->enabled;
}

void
_hallway_daemon_gossip_set_allow_loopback (HallwayDaemonGossip *self,
                                           gboolean             allow)
{
  self->allow_loopback = allow;
}

void
_hallway_daemon_gossip_consider (HallwayDaemonGossip *self,
                                 const char          *id,
                                 const char * const  *addresses,
                                 guint16              port)
{
  consider (self, id, addresses, port);
}

guint
_hallway_daemon_gossip_get_n_refused (HallwayDaemonGossip *self)
{
  return g_hash_table_size (self->refused);
}

guint
_hallway_daemon_gossip_get_n_candidates (HallwayDaemonGossip *self)
{
  return g_hash_table_size (self->candidates);
}

/**
 * hallway_daemon_gossip_new:
 * @peers: the neighbours, where learned ones are listed
 * @client: how this computer asks; its requests carry the headers
 * @port: where this computer listens
 *
 * Returns: (transfer full): the gossip, on
 */
HallwayDaemonGossip *
hallway_daemon_gossip_new (HallwayDaemonPeers *peers,
                           HallwayClient      *client,
                           guint16             port)
{
  HallwayDaemonGossip *self = g_object_new (HALLWAY_TYPE_DAEMON_GOSSIP, NULL);

  self->peers = g_object_ref (peers);
  self->client = g_object_ref (client);
  self->port = port;
  hallway_client_set_headers_func (client, add_headers_cb, self);
  g_signal_connect (peers, "peer-info", G_CALLBACK (peer_info_cb), self);
  return self;
}

static void
hallway_daemon_gossip_dispose (GObject *object)
{
  HallwayDaemonGossip *self = HALLWAY_DAEMON_GOSSIP (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->push_id, g_source_remove);
  if (self->client != NULL)
    hallway_client_set_headers_func (self->client, NULL, NULL);
  if (self->peers != NULL)
    g_signal_handlers_disconnect_by_data (self->peers, self);
  g_queue_clear (&self->waiting);
  if (self->candidates != NULL)
    g_hash_table_remove_all (self->candidates);
  g_clear_object (&self->peers);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (hallway_daemon_gossip_parent_class)->dispose (object);
}

static void
hallway_daemon_gossip_finalize (GObject *object)
{
  HallwayDaemonGossip *self = HALLWAY_DAEMON_GOSSIP (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->seen, g_hash_table_unref);
  g_clear_pointer (&self->candidates, g_hash_table_unref);
  g_clear_pointer (&self->refused, g_hash_table_unref);
  g_free (self->boot);
  g_free (self->revision);

  G_OBJECT_CLASS (hallway_daemon_gossip_parent_class)->finalize (object);
}

static void
hallway_daemon_gossip_class_init (HallwayDaemonGossipClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_daemon_gossip_dispose;
  object_class->finalize = hallway_daemon_gossip_finalize;
}

static void
hallway_daemon_gossip_init (HallwayDaemonGossip *self)
{
  self->enabled = TRUE;
  self->boot = g_strdup_printf ("%08x", g_random_int ());
  update_revision (self);
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, seen_free);
  self->candidates = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, candidate_free);
  self->refused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->waiting);
}
