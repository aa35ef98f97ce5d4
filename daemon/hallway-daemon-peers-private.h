/* hallway-daemon-peers-private.h: what the neighbours' registry, their
 * addresses and their liveness share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hallway-daemon-peers.h"
#include "hallway-dbus.h"

G_BEGIN_DECLS

/* When and how hard neighbours are asked whether they are up. The defaults
 * (HALLWAY_LIVENESS_TIMING_DEFAULT) show a neighbour that vanishes without
 * a word offline within 13 s (15 s promised): its last sign of life is at
 * most interval_ms old when the next probe goes out, which waits timeout_s,
 * and one more try after retry_ms waits timeout_s again. First contacts get
 * longer (first_timeout_s) and fewer at once: when a whole office starts
 * together, handshakes given up on are work thrown away. */
typedef struct
{
  guint interval_ms;        /* a neighbour that answered is asked again after at most this */
  guint jitter_ms;          /* …and at least this much earlier, at random */
  guint refresh_ms;         /* its own answer is fetched at least this often */
  guint timeout_s;          /* a probe gives up after this */
  guint first_timeout_s;    /* a first contact (a handshake) after this */
  guint retry_ms;           /* a neighbour in doubt is asked again after this */
  guint confirmations;      /* failures in a row that show it offline */
  guint backoff_min_ms;     /* one that does not answer is asked again after this… */
  guint backoff_max_ms;     /* …doubling up to this */
  guint max_first_contacts; /* probes over new connections at once */
} HallwayLivenessTiming;

#define HALLWAY_LIVENESS_TIMING_DEFAULT \
  { 6500, 500, 30000, 3, 8, 250, 2, 1000, 15000, 4 }

typedef struct
{
  char     *name;       /* instance name */
  char     *address;
  guint16   port;
  gboolean  ipv6;
  gboolean  link_local;
  gboolean  verified;   /* in candidates: it proved the neighbour's certificate */
} Endpoint;

/* What probing one address (and port) of a neighbour showed. */
typedef enum
{
  ADDRESS_UNCHECKED,    /* not asked yet: the next probe goes there */
  ADDRESS_VERIFIED,     /* answered with the neighbour's certificate */
  ADDRESS_FAILED,       /* asked, no answer: not asked first again */
  ADDRESS_IMPOSTOR,     /* answered with another certificate */
} AddressCheck;

typedef struct
{
  AddressCheck  check;
  gint64        until;    /* monotonic µs: an impostor's address is left out until then */
} AddressState;

/* How long an address that presented another identity is left out before
 * it is asked again, and how many such addresses a neighbour keeps. */
#define HALLWAY_IMPOSTOR_QUARANTINE_S 600
#define HALLWAY_IMPOSTOR_ADDRESSES_MAX 16

typedef enum
{
  LIVENESS_UNKNOWN,     /* never answered since it was found */
  LIVENESS_UP,          /* answered, or asked us something, recently */
  LIVENESS_DOUBT,       /* online, but its last probe failed */
  LIVENESS_DOWN,        /* offline, still announced or remembered */
  LIVENESS_GONE,        /* said goodbye, nothing to ask */
} LivenessState;

typedef struct _Peer Peer;

struct _Peer
{
  HallwayDaemonPeers        *owner;       /* (unowned) */
  char                      *id;
  HallwayDBusObjectSkeleton *object;
  HallwayDBusPeer1          *iface;
  GHashTable                *endpoints;   /* "ifindex/ipv6/name" → Endpoint */
  GPtrArray                 *manual;      /* "host:port" strings */
  char                      *mdns_name;
  char                      *info_name;
  char                      *txt_summary;   /* what its TXT record said last */
  gint64                     answered_at;   /* real time µs of its last answer */
  guint                      forget_id;
  guint                      next_candidate;
  GHashTable                *checks;        /* "address port" → AddressState */

  /* Liveness (hallway-daemon-liveness.c) */
  LivenessState              state;
  GCancellable              *cancellable;
  gint64                     due;             /* monotonic µs of the next probe, 0: none */
  guint                      failures;
  gint64                     last_contact;    /* monotonic µs: any sign of life */
  gint64                     last_answer;     /* monotonic µs: its own answer to a probe */
  gint64                     last_probe;      /* monotonic µs: when the last probe went out */
  gboolean                   probing;
  gboolean                   probe_again;
  gboolean                   first_contact;   /* the probe in flight holds a slot */
  char                      *probe_key;       /* "address port" the probe went to */
  gboolean                   probe_check;     /* it checks an address never asked */
  GList                     *waiting;         /* (nullable) link in owner->first_contacts */
};

struct _HallwayDaemonPeers
{
  GObject                   parent_instance;

  GDBusObjectManagerServer *manager;
  HallwayClient            *client;
  HallwayPins              *pins;
  char                     *own_id;
  GHashTable               *peers;   /* id → Peer */
  HallwayLivenessTiming     timing;
  GQueue                    first_contacts;   /* Peer waiting for a slot */
  guint                     n_first_contacts; /* in flight */
  guint64                   n_probes;
  guint                     scheduler_id;     /* the one timer of all probes */
  gint64                    scheduler_due;
};

/* hallway-daemon-peers.c */
void       _hallway_peer_set_online     (Peer              *peer,
                                         gboolean           online);
void       _hallway_peer_apply_info     (Peer              *peer,
                                         const HallwayInfo *info);
void       _hallway_peer_set_problem    (Peer              *peer,
                                         const char        *problem,
                                         const char        *message);
void       _hallway_peer_schedule_forget (Peer             *peer);

Peer      *_hallway_peer_new            (HallwayDaemonPeers *self,
                                         const char         *id,
                                         const char         *source);

/* hallway-daemon-peers-addresses.c */
void       _hallway_endpoint_free       (gpointer           data);
void       _hallway_address_state_free  (gpointer           data);
GPtrArray *_hallway_peer_dup_candidates (Peer              *peer);
char      *_hallway_endpoint_key        (const Endpoint    *endpoint);
AddressCheck _hallway_peer_get_check    (Peer              *peer,
                                         const char        *key);
void       _hallway_peer_checked        (Peer              *peer,
                                         const char        *key,
                                         AddressCheck       check);
void       _hallway_peer_update_addresses (Peer             *peer);

/* hallway-daemon-peers-learned.c: where a learned neighbour was reached is
 * an endpoint under this key prefix. */
#define HALLWAY_PEER_LEARNED_KEY_PREFIX "learned/"

void       _hallway_peer_announced      (Peer              *peer,
                                         const char        *source);

/* hallway-daemon-liveness.c */
void       _hallway_liveness_start      (Peer              *peer);
void       _hallway_liveness_announced  (Peer              *peer,
                                         gboolean           news);
void       _hallway_liveness_withdrawn  (Peer              *peer);
void       _hallway_liveness_answered   (Peer              *peer);
void       _hallway_liveness_contacted  (Peer              *peer);
void       _hallway_liveness_stop       (Peer              *peer);

/* For tests */
void       _hallway_daemon_peers_set_timing (HallwayDaemonPeers         *self,
                                             const HallwayLivenessTiming *timing);
guint64    _hallway_daemon_peers_get_n_probes (HallwayDaemonPeers       *self);

G_END_DECLS
