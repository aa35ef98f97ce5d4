/* hallway-daemon-liveness.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Whether a neighbour is up. mDNS says where a neighbour is and when it
 * leaves cleanly (a goodbye), but a crashed or unplugged computer's records
 * stay cached for up to 75 minutes, so a neighbour shown online is asked
 * (GET /api/v1/info, which also refreshes what it shares) often enough to
 * notice within 15 s that it vanished without a word. What it costs:
 *
 * - One kept-alive connection per neighbour: a probe is one request, not a
 *   handshake (share/hallway-client.c keeps the connections).
 * - Once per interval per pair of computers, not per direction: a request
 *   a neighbour makes to us shows it is up just as well as its answer
 *   would, so our own probe is put off (_hallway_liveness_contacted()). We
 *   still fetch its own answer every refresh_ms, so a neighbour we can no
 *   longer reach is not kept online by its requests alone.
 * - Doubt is cheap to settle: a failed probe on an online neighbour is
 *   retried at once (over a new connection) and only a second failure
 *   shows it offline, so one slow answer on a busy machine does not flip it.
 * - A neighbour that does not answer is asked less and less often (back-off
 *   with jitter), and not at all once it said goodbye; a new announcement
 *   or a request from it brings it back at once.
 * - First contacts (a TLS handshake each) are limited to a few at a time
 *   and queued, so an office whose computers all start at 9 a.m. converges
 *   without a storm of handshakes timing each other out.
 */
#include "config.h"

#include "hallway-daemon-peers-private.h"

#include "hallway-error.h"

static void probe_now (Peer *peer);

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

/* @ms, or up to @jitter earlier, at random: probes of a whole office
 * spread out instead of going out in lockstep. */
static guint
jittered (guint ms,
          guint jitter)
{
  jitter = MIN (jitter, ms);
  return jitter > 0 ? ms - (guint) g_random_int_range (0, (gint32) jitter + 1) : ms;
}

static guint
backoff_ms (Peer *peer)
{
  const HallwayLivenessTiming *t = &peer->owner->timing;
  guint steps = peer->failures > 0 ? MIN (peer->failures - 1, 16) : 0;
  guint64 ms = (guint64) t->backoff_min_ms << steps;

  if (g_strcmp0 (hallway_dbus_peer1_get_problem (peer->iface), "") != 0)
    ms = t->backoff_max_ms;
  ms = MIN (ms, t->backoff_max_ms);
  /* ±25 %, so neighbours that failed together do not retry together. */
  return (guint) (ms * 3 / 4) + (guint) g_random_int_range (0, (gint32) (ms / 2) + 1);
}

/* One timer for every neighbour: the main loop walks each of its sources at
 * every wake-up, so a timer per neighbour would cost an office of 40 all
 * the time; and probes due within COALESCE_MS go out in one wake-up. */
#define COALESCE_MS 50

static gboolean scheduler_cb (gpointer user_data);

static void
scheduler_arm (HallwayDaemonPeers *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 first = G_MAXINT64;

  g_clear_handle_id (&self->scheduler_id, g_source_remove);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Peer *peer = value;

      if (peer->due != 0)
        first = MIN (first, peer->due);
    }
  if (first == G_MAXINT64)
    return;
  self->scheduler_due = first;
  self->scheduler_id = g_timeout_add ((guint) CLAMP ((first - now_us ()) / 1000, 0, G_MAXUINT),
                                      scheduler_cb, self);
}

static gboolean
scheduler_cb (gpointer user_data)
{
  HallwayDaemonPeers *self = user_data;
  g_autoptr(GPtrArray) due = g_ptr_array_new ();
  gint64 horizon = now_us () + COALESCE_MS * 1000;
  GHashTableIter iter;
  gpointer value;

  self->scheduler_id = 0;
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Peer *peer = value;

      if (peer->due != 0 && peer->due <= horizon)
        {
          peer->due = 0;
          g_ptr_array_add (due, peer);
        }
    }
  for (guint i = 0; i < due->len; i++)
    probe_now (g_ptr_array_index (due, i));
  scheduler_arm (self);
  return G_SOURCE_REMOVE;
}

static void
unschedule (Peer *peer)
{
  peer->due = 0;
}

static void
schedule (Peer  *peer,
          gint64 delay_ms)
{
  HallwayDaemonPeers *self = peer->owner;

  peer->due = now_us () + MAX (delay_ms, 0) * 1000;
  if (self->scheduler_id == 0 || peer->due < self->scheduler_due)
    scheduler_arm (self);
}

/* When to ask next, from what we know now. */
static void
schedule_next (Peer *peer)
{
  const HallwayLivenessTiming *t = &peer->owner->timing;
  gint64 now = now_us ();
  gint64 next;

  switch (peer->state)
    {
    case LIVENESS_UP:
      next = MIN (peer->last_contact + (gint64) jittered (t->interval_ms, t->jitter_ms) * 1000,
                  peer->last_answer + (gint64) t->refresh_ms * 1000);
      schedule (peer, (next - now) / 1000);
      break;
    case LIVENESS_DOUBT:
      schedule (peer, t->retry_ms);
      break;
    case LIVENESS_UNKNOWN:
    case LIVENESS_DOWN:
      schedule (peer, backoff_ms (peer));
      break;
    case LIVENESS_GONE:
    default:
      unschedule (peer);
      break;
    }
}

static void
dequeue (Peer *peer)
{
  if (peer->waiting == NULL)
    return;
  g_queue_delete_link (&peer->owner->first_contacts, peer->waiting);
  peer->waiting = NULL;
}

/* A first contact ended: let the next one waiting go. */
static void
release_slot (Peer *peer)
{
  HallwayDaemonPeers *self = peer->owner;

  if (!peer->first_contact)
    return;
  peer->first_contact = FALSE;
  self->n_first_contacts--;
  while (self->n_first_contacts < self->timing.max_first_contacts &&
         !g_queue_is_empty (&self->first_contacts))
    {
      Peer *next = g_queue_pop_head (&self->first_contacts);

      next->waiting = NULL;
      probe_now (next);
    }
}

/* Drops the probe in flight, if any, and any planned one. */
static void
cancel_probes (Peer *peer)
{
  g_cancellable_cancel (peer->cancellable);
  g_clear_object (&peer->cancellable);
  peer->cancellable = g_cancellable_new ();
  peer->probing = FALSE;
  peer->probe_again = FALSE;
  unschedule (peer);
  dequeue (peer);
  release_slot (peer);
}

static void
go_offline (Peer          *peer,
            LivenessState  state)
{
  peer->state = state;
  _hallway_peer_set_online (peer, FALSE);
  _hallway_peer_schedule_forget (peer);
}

static void
probe_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(HallwayInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  gboolean online;

  info = hallway_client_get_info_finish (HALLWAY_CLIENT (source), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the peer is gone, and so may be @peer */

  peer->probing = FALSE;
  release_slot (peer);
  online = hallway_dbus_peer1_get_online (peer->iface);
  key = g_steal_pointer (&peer->probe_key);

  if (info != NULL)
    {
      peer->failures = 0;
      peer->state = LIVENESS_UP;
      peer->last_contact = peer->last_answer = now_us ();
      g_clear_handle_id (&peer->forget_id, g_source_remove);
      if (key != NULL && _hallway_peer_get_check (peer, key) != ADDRESS_VERIFIED)
        _hallway_peer_checked (peer, key, ADDRESS_VERIFIED);
      _hallway_peer_apply_info (peer, info);
      _hallway_peer_set_online (peer, TRUE);
    }
  else if (g_error_matches (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY_MISMATCH) &&
           key != NULL)
    {
      g_autofree char *address = g_strdup (key);
      g_autoptr(GPtrArray) candidates = NULL;

      /* Someone else answers there: that address is left out, and the
       * neighbour keeps its state, name and trust. */
      *strrchr (address, ' ') = '\0';
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                        "HALLWAY_PEER", hallway_dbus_peer1_get_name (peer->iface),
                        "HALLWAY_IMPOSTOR_ADDRESS", address,
                        "MESSAGE", "The computer at %s announces itself as ‘%s’ but presents "
                        "another identity: an impostor attempt; ignoring that address",
                        address, hallway_dbus_peer1_get_name (peer->iface));
      _hallway_peer_checked (peer, key, ADDRESS_IMPOSTOR);
      candidates = _hallway_peer_dup_candidates (peer);
      if (candidates->len > 0 && peer->state != LIVENESS_GONE)
        peer->probe_again = TRUE;
    }
  else if (peer->probe_check && (peer->state == LIVENESS_UP || peer->state == LIVENESS_DOUBT))
    {
      /* A new address that does not answer says nothing about the
       * neighbour, which answers elsewhere. */
      g_debug ("Neighbour ‘%s’ does not answer at a new address (%s): %s",
               hallway_dbus_peer1_get_name (peer->iface), key, error->message);
      _hallway_peer_checked (peer, key, ADDRESS_FAILED);
    }
  else
    {
      g_debug ("Probing neighbour ‘%s’ failed: %s",
               hallway_dbus_peer1_get_name (peer->iface), error->message);
      if (key != NULL && _hallway_peer_get_check (peer, key) == ADDRESS_UNCHECKED)
        _hallway_peer_checked (peer, key, ADDRESS_FAILED);
      peer->failures++;
      /* Try the next address next time: the first may be the stale one. */
      peer->next_candidate++;
      if (online && peer->failures < peer->owner->timing.confirmations)
        peer->state = LIVENESS_DOUBT;
      else if (online)
        go_offline (peer, LIVENESS_DOWN);
    }

  if (peer->probe_again)
    {
      peer->probe_again = FALSE;
      probe_now (peer);
    }
  else
    schedule_next (peer);
}

static void
probe_now (Peer *peer)
{
  HallwayDaemonPeers *self = peer->owner;
  g_autoptr(GPtrArray) candidates = NULL;
  const Endpoint *target;
  gboolean first;

  if (peer->probing)
    {
      peer->probe_again = TRUE;
      return;
    }
  unschedule (peer);
  if (peer->waiting != NULL)
    return;

  candidates = _hallway_peer_dup_candidates (peer);
  if (candidates->len == 0)
    {
      /* Nowhere left to ask (every address it is announced at is an
       * impostor's): it can't be shown online. */
      if (peer->state == LIVENESS_UP || peer->state == LIVENESS_DOUBT)
        go_offline (peer, LIVENESS_DOWN);
      return;
    }

  /* Only a neighbour we are in touch with has a connection to reuse; any
   * other probe is a handshake, and waits for a slot. */
  first = peer->state != LIVENESS_UP && peer->state != LIVENESS_DOUBT;
  if (first)
    {
      if (self->n_first_contacts >= self->timing.max_first_contacts)
        {
          g_queue_push_tail (&self->first_contacts, peer);
          peer->waiting = self->first_contacts.tail;
          return;
        }
      peer->first_contact = TRUE;
      self->n_first_contacts++;
    }

  /* An address never asked is asked first, once: so each proves the
   * neighbour's certificate, or is found to be someone else's, before it
   * counts (hallway-daemon-peers.c sorts those that proved it first). */
  target = NULL;
  peer->probe_check = FALSE;
  for (guint i = 0; i < candidates->len && target == NULL; i++)
    {
      const Endpoint *e = g_ptr_array_index (candidates, i);
      g_autofree char *key = _hallway_endpoint_key (e);

      if (_hallway_peer_get_check (peer, key) == ADDRESS_UNCHECKED)
        {
          target = e;
          peer->probe_check = TRUE;
        }
    }
  if (target == NULL)
    target = g_ptr_array_index (candidates, peer->next_candidate % candidates->len);
  g_free (peer->probe_key);
  peer->probe_key = _hallway_endpoint_key (target);
  peer->probing = TRUE;
  peer->last_probe = now_us ();
  self->n_probes++;
  hallway_client_get_info_async (self->client, target->address, target->port, peer->id,
                                 first ? self->timing.first_timeout_s : self->timing.timeout_s,
                                 peer->cancellable, probe_done_cb, peer);
}

/**
 * _hallway_liveness_start:
 * @peer: a neighbour remembered or just added, with an address
 *
 * Starts asking it whether it is up, soon but not all at once with the
 * others remembered.
 */
void
_hallway_liveness_start (Peer *peer)
{
  if (peer->state == LIVENESS_GONE)
    peer->state = LIVENESS_UNKNOWN;
  if (!peer->probing && peer->waiting == NULL)
    schedule (peer, jittered (peer->owner->timing.retry_ms, peer->owner->timing.retry_ms));
}

/**
 * _hallway_liveness_announced:
 * @peer: a neighbour mDNS just told us about
 * @news: whether the announcement says something new (an address, a
 *   changed TXT record)
 *
 * A neighbour not known to be up is asked at once; one that is up only
 * when its announcement changed (what it shares, where it is).
 */
void
_hallway_liveness_announced (Peer     *peer,
                             gboolean  news)
{
  if (peer->state == LIVENESS_GONE)
    peer->state = LIVENESS_UNKNOWN;
  if (news || (peer->state != LIVENESS_UP && peer->state != LIVENESS_DOUBT))
    probe_now (peer);
}

/**
 * _hallway_liveness_withdrawn:
 * @peer: a neighbour whose every announcement said goodbye
 *
 * A clean stop: offline at once, and nothing more to ask, unless it can be
 * reached at an address added by hand.
 */
void
_hallway_liveness_withdrawn (Peer *peer)
{
  gboolean manual = peer->manual->len > 0;

  cancel_probes (peer);
  peer->failures = peer->owner->timing.confirmations;
  go_offline (peer, manual ? LIVENESS_DOWN : LIVENESS_GONE);
  if (manual)
    probe_now (peer);
}

/**
 * _hallway_liveness_answered:
 * @peer: a neighbour that just answered a request made elsewhere (added
 *   by address)
 */
void
_hallway_liveness_answered (Peer *peer)
{
  peer->failures = 0;
  peer->state = LIVENESS_UP;
  peer->last_contact = peer->last_answer = now_us ();
  if (!peer->probing && peer->waiting == NULL)
    schedule_next (peer);
}

/**
 * _hallway_liveness_contacted:
 * @peer: a neighbour that just made a request to us over TLS, with its
 *   certificate
 *
 * It is up: our own probe can wait. One we thought down is asked now.
 */
void
_hallway_liveness_contacted (Peer *peer)
{
  const HallwayLivenessTiming *t = &peer->owner->timing;
  gint64 now = now_us ();

  peer->last_contact = now;
  switch (peer->state)
    {
    case LIVENESS_UP:
      if (!peer->probing)
        schedule_next (peer);
      break;
    case LIVENESS_DOUBT:
      break;   /* its retry is due soon anyway */
    case LIVENESS_UNKNOWN:
    case LIVENESS_DOWN:
      /* Back, or never gone: but only its own answer shows it online. At
       * most one probe per retry_ms however much it asks. */
      if (!peer->probing && peer->waiting == NULL &&
          now - peer->last_probe > (gint64) t->retry_ms * 1000)
        schedule (peer, 0);
      break;
    case LIVENESS_GONE:
    default:
      break;
    }
}

/**
 * _hallway_liveness_stop:
 * @peer: a neighbour about to be forgotten
 */
void
_hallway_liveness_stop (Peer *peer)
{
  cancel_probes (peer);
  peer->state = LIVENESS_GONE;
}
