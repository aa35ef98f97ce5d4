/* hallway-daemon-acceptor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What every hallwayd listener (HTTPS in hallway-daemon-listener.c, the
 * printer gateway in hallway-daemon-ipp.c) owes the network before it
 * reads a byte of a connection:
 *
 * - Limits. So many connections from one address, so many in all, counted
 *   from accept to close, whatever happens in between (a failed handshake,
 *   a client that never speaks). A connection over a limit is closed at
 *   once, before any TLS or HTTP work is spent on it.
 * - Room for colleagues. The last part of the total (limits->reserved) is
 *   only for addresses that proved a known certificate recently, so a
 *   crowd of strangers can fill the rest without cutting them off.
 * - A listener that survives. When accept() fails for want of descriptors
 *   or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), the sockets are left
 *   alone for a moment and tried again, with a growing pause; the waiting
 *   connections stay in the kernel's queue meanwhile.
 * - Deadlines. Each connection may carry one (its handshake, its request
 *   headers, its idle time); one sweep a second closes those past it.
 *
 * Everything here runs on the main thread, except
 * hallway_daemon_prove_address() and _address_is_proven(), which lock.
 */
#include "config.h"

#include "hallway-daemon-acceptor.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* Accepted per wake-up, so one busy listener does not starve the others. */
#define ACCEPTS_PER_WAKE 64
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS   2000
#define SWEEP_S          1
/* Addresses remembered as proven; the oldest goes first beyond it. */
#define MAX_PROVEN       1024

struct _HallwayDaemonSlot
{
  HallwayDaemonAcceptor    *acceptor;   /* (owned) */
  GInetAddress             *address;    /* (owned) */
  char                     *text;       /* (owned) the address, as counted */
  gboolean                  proven;     /* counted against the whole total */
  gint64                    deadline;   /* monotonic µs; 0: none */
  HallwayDaemonExpiredFunc  expired;
  gpointer                  expired_data;
};

struct _HallwayDaemonAcceptor
{
  GObject                    parent_instance;

  HallwayDaemonLimits        limits;
  HallwayDaemonIncomingFunc  incoming;
  gpointer                   incoming_data;
  HallwayDaemonAcceptFunc    accept;
  HallwayDaemonDiscardFunc   discard;
  GPtrArray                 *sockets;      /* (owned) GSocket, listening */
  GPtrArray                 *sources;      /* (owned) GSource, while accepting */
  GHashTable                *per_address;  /* (owned) address text → count */
  GHashTable                *slots;        /* (owned) HallwayDaemonSlot set */
  guint                      backoff_ms;
  guint                      backoff_id;
  guint                      sweep_id;
  guint64                    n_accepted;
  guint64                    n_refused;
  gboolean                   stopped;
};

G_DEFINE_FINAL_TYPE (HallwayDaemonAcceptor, hallway_daemon_acceptor, G_TYPE_OBJECT)

/* Proven addresses */

static GMutex proven_lock;
static GHashTable *proven_table;  /* address text → gint64 (monotonic µs of the last proof) */

/* An IPv4 client of a dual-stack socket appears as ::ffff:a.b.c.d; it is
 * counted, and proven, as a.b.c.d. */
static GInetAddress *
dup_plain_address (GInetAddress *address)
{
  static const guint8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  const guint8 *bytes = g_inet_address_to_bytes (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 &&
      memcmp (bytes, v4_mapped, sizeof v4_mapped) == 0)
    return g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
  return g_object_ref (address);
}

static char *
dup_address_text (GInetAddress *address)
{
  g_autoptr(GInetAddress) plain = dup_plain_address (address);

  return g_inet_address_to_string (plain);
}

/**
 * hallway_daemon_prove_address:
 * @address: where a client that presented a known certificate connected from
 *
 * Gives @address a place in every listener's reserved capacity for
 * %HALLWAY_ACCEPTOR_PROVEN_S. Thread-safe.
 */
void
hallway_daemon_prove_address (GInetAddress *address)
{
  g_autofree char *text = dup_address_text (address);
  gint64 now = g_get_monotonic_time ();
  gint64 *when;

  g_mutex_lock (&proven_lock);
  if (proven_table == NULL)
    proven_table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!g_hash_table_contains (proven_table, text) &&
      g_hash_table_size (proven_table) >= MAX_PROVEN)
    {
      GHashTableIter iter;
      gpointer key, value;
      const char *oldest = NULL;
      gint64 oldest_time = G_MAXINT64;

      g_hash_table_iter_init (&iter, proven_table);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (*(gint64 *) value < oldest_time)
          {
            oldest = key;
            oldest_time = *(gint64 *) value;
          }
      g_hash_table_remove (proven_table, oldest);
    }
  when = g_new (gint64, 1);
  *when = now;
  g_hash_table_replace (proven_table, g_steal_pointer (&text), when);
  g_mutex_unlock (&proven_lock);
}

static gboolean
text_is_proven (const char *text)
{
  gint64 *when;
  gboolean result;

  g_mutex_lock (&proven_lock);
  when = proven_table != NULL ? g_hash_table_lookup (proven_table, text) : NULL;
  result = when != NULL &&
           g_get_monotonic_time () - *when < (gint64) HALLWAY_ACCEPTOR_PROVEN_S * G_USEC_PER_SEC;
  g_mutex_unlock (&proven_lock);
  return result;
}

/**
 * hallway_daemon_address_is_proven:
 * @address: an address
 *
 * Returns: whether a client at @address presented a known certificate
 *   lately. Thread-safe.
 */
gboolean
hallway_daemon_address_is_proven (GInetAddress *address)
{
  g_autofree char *text = dup_address_text (address);

  return text_is_proven (text);
}

/**
 * hallway_daemon_raise_fd_limit:
 *
 * Raises the soft limit on open descriptors to the hard one: every
 * connection, every file being sent, costs one, and the default soft
 * limit (1024) is far under what the system allows a user.
 */
void
hallway_daemon_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
    return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_debug ("Could not raise the limit on open files: %s", g_strerror (errno));
}

/**
 * hallway_daemon_has_whole_headers:
 * @data: the start of an HTTP request
 * @length: its length
 *
 * Returns: whether @data holds the request's whole header, up to the
 *   blank line that ends it (CRLF or bare LF)
 */
gboolean
hallway_daemon_has_whole_headers (const char *data,
                                  gsize       length)
{
  for (gsize i = 1; i < length; i++)
    if (data[i] == '\n' &&
        (data[i - 1] == '\n' || (i >= 2 && data[i - 1] == '\r' && data[i - 2] == '\n')))
      return TRUE;
  return FALSE;
}

/* Slots */

static void
slot_free (HallwayDaemonSlot *slot)
{
  g_object_unref (slot->acceptor);
  g_object_unref (slot->address);
  g_free (slot->text);
  g_free (slot);
}

GInetAddress *
hallway_daemon_slot_get_address (HallwayDaemonSlot *slot)
{
  return slot->address;
}

const char *
hallway_daemon_slot_get_address_string (HallwayDaemonSlot *slot)
{
  return slot->text;
}

/**
 * hallway_daemon_slot_is_accepting:
 * @slot: a connection's slot
 *
 * Returns: whether the acceptor that took the connection still runs (the
 *   server it belongs to was not stopped)
 */
gboolean
hallway_daemon_slot_is_accepting (HallwayDaemonSlot *slot)
{
  return !slot->acceptor->stopped;
}

/**
 * hallway_daemon_slot_is_proven:
 * @slot: a connection's slot
 *
 * Returns: whether the connection came from an address that had proved a
 *   known certificate when it was accepted
 */
gboolean
hallway_daemon_slot_is_proven (HallwayDaemonSlot *slot)
{
  return slot->proven;
}

static gboolean sweep_cb (gpointer user_data);

/**
 * hallway_daemon_slot_set_deadline:
 * @slot: a connection's slot
 * @seconds: from now; 0 for none
 * @expired: (nullable): called once the deadline passed, on the main thread
 * @user_data: for @expired
 *
 * @expired is also called when the acceptor stops.
 */
void
hallway_daemon_slot_set_deadline (HallwayDaemonSlot        *slot,
                                  guint                     seconds,
                                  HallwayDaemonExpiredFunc  expired,
                                  gpointer                  user_data)
{
  HallwayDaemonAcceptor *self = slot->acceptor;

  slot->deadline = seconds > 0 ? g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC
                                : 0;
  slot->expired = expired;
  slot->expired_data = user_data;
  if (seconds > 0 && self->sweep_id == 0)
    self->sweep_id = g_timeout_add_seconds (SWEEP_S, sweep_cb, self);
}

/**
 * hallway_daemon_slot_release:
 * @slot: (transfer full): the slot of a connection that is closing
 *
 * Gives the connection's place in the limits back. Main thread only.
 */
void
hallway_daemon_slot_release (HallwayDaemonSlot *slot)
{
  HallwayDaemonAcceptor *self = slot->acceptor;
  guint count;

  g_hash_table_remove (self->slots, slot);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, slot->text));
  if (count <= 1)
    g_hash_table_remove (self->per_address, slot->text);
  else
    g_hash_table_insert (self->per_address, g_strdup (slot->text),
                         GUINT_TO_POINTER (count - 1));
  slot_free (slot);
}

static gboolean
sweep_cb (gpointer user_data)
{
  HallwayDaemonAcceptor *self = user_data;
  g_autoptr(GPtrArray) expired = g_ptr_array_new ();
  gint64 now = g_get_monotonic_time ();
  gboolean any_deadline = FALSE;
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      HallwayDaemonSlot *slot = key;

      if (slot->deadline != 0 && slot->deadline <= now && slot->expired != NULL)
        g_ptr_array_add (expired, slot);
      else if (slot->deadline != 0)
        any_deadline = TRUE;
    }
  /* Each callback closes its connection, which may release other slots. */
  for (guint i = 0; i < expired->len; i++)
    {
      HallwayDaemonSlot *slot = g_ptr_array_index (expired, i);
      HallwayDaemonExpiredFunc func;

      if (!g_hash_table_contains (self->slots, slot) || slot->deadline == 0 ||
          slot->deadline > now)
        continue;
      func = slot->expired;
      slot->deadline = 0;
      func (slot->expired_data);
    }
  if (any_deadline)
    return G_SOURCE_CONTINUE;
  self->sweep_id = 0;
  return G_SOURCE_REMOVE;
}

/* Accepting */

static int
default_accept (GSocket  *listening,
                gpointer *out_handle,
                gpointer  user_data)
{
  return accept4 (g_socket_get_fd (listening), NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

static void
default_discard (int      fd,
                 gpointer handle,
                 gpointer user_data)
{
  close (fd);
}

static GInetAddress *
dup_peer_address (int fd)
{
  struct sockaddr_storage storage;
  socklen_t length = sizeof storage;
  g_autoptr(GSocketAddress) address = NULL;

  if (getpeername (fd, (struct sockaddr *) &storage, &length) != 0 ||
      (address = g_socket_address_new_from_native (&storage, length)) == NULL ||
      !G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  return dup_plain_address (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static void
admit (HallwayDaemonAcceptor *self,
       int                    fd,
       gpointer               handle)
{
  g_autoptr(GInetAddress) address = dup_peer_address (fd);
  g_autofree char *text = NULL;
  HallwayDaemonSlot *slot;
  guint from_address;
  gboolean proven;
  guint room;

  if (address == NULL)
    {
      /* Gone before it could be looked at. */
      self->discard (fd, handle, self->incoming_data);
      return;
    }
  text = g_inet_address_to_string (address);
  proven = text_is_proven (text);
  from_address = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, text));
  room = proven ? self->limits.max_total
                : self->limits.max_total - MIN (self->limits.reserved, self->limits.max_total);
  if (from_address >= self->limits.max_per_address || g_hash_table_size (self->slots) >= room)
    {
      /* Logged at debug level only: an attack would flood the journal. */
      self->n_refused++;
      g_debug ("Refusing a connection from %s: %s", text,
               from_address >= self->limits.max_per_address
               ? "too many from that address" : "too many in all");
      self->discard (fd, handle, self->incoming_data);
      return;
    }

  slot = g_new0 (HallwayDaemonSlot, 1);
  slot->acceptor = g_object_ref (self);
  slot->address = g_steal_pointer (&address);
  slot->text = g_strdup (text);
  slot->proven = proven;
  g_hash_table_add (self->slots, slot);
  g_hash_table_insert (self->per_address, g_steal_pointer (&text),
                       GUINT_TO_POINTER (from_address + 1));
  self->n_accepted++;
  self->incoming (slot, fd, handle, self->incoming_data);
}

static void start_watching (HallwayDaemonAcceptor *self);

static gboolean
backoff_done_cb (gpointer user_data)
{
  HallwayDaemonAcceptor *self = user_data;

  self->backoff_id = 0;
  start_watching (self);
  return G_SOURCE_REMOVE;
}

static void
stop_watching (HallwayDaemonAcceptor *self)
{
  for (guint i = 0; i < self->sources->len; i++)
    g_source_destroy (g_ptr_array_index (self->sources, i));
  g_ptr_array_set_size (self->sources, 0);
}

/* Out of descriptors or memory: what is waiting stays in the kernel's
 * queue while connections close; try again in a moment. */
static void
back_off (HallwayDaemonAcceptor *self,
          int                    saved_errno)
{
  self->backoff_ms = self->backoff_ms == 0 ? BACKOFF_FIRST_MS
                                           : MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
  if (self->backoff_ms == BACKOFF_FIRST_MS)
    g_message ("Cannot accept connections for now (%s); trying again shortly",
               g_strerror (saved_errno));
  stop_watching (self);
  self->backoff_id = g_timeout_add (self->backoff_ms, backoff_done_cb, self);
}

static gboolean
listening_ready_cb (GSocket      *listening,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  HallwayDaemonAcceptor *self = user_data;
  g_autoptr(HallwayDaemonAcceptor) alive = g_object_ref (self);

  for (guint i = 0; i < ACCEPTS_PER_WAKE && !self->stopped; i++)
    {
      gpointer handle = NULL;
      int fd;

      errno = 0;
      fd = self->accept (listening, &handle, self->incoming_data);
      if (fd < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EMFILE || saved_errno == ENFILE || saved_errno == ENOBUFS ||
              saved_errno == ENOMEM)
            {
              back_off (self, saved_errno);
              return G_SOURCE_REMOVE;
            }
          if (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == 0)
            break;
          /* ECONNABORTED and the like: that one connection is gone. */
          g_debug ("Could not accept a connection: %s", g_strerror (saved_errno));
          continue;
        }
      if (self->backoff_ms != 0)
        g_message ("Accepting connections again");
      self->backoff_ms = 0;
      admit (self, fd, handle);
    }
  return G_SOURCE_CONTINUE;
}

static void
start_watching (HallwayDaemonAcceptor *self)
{
  stop_watching (self);
  if (self->stopped)
    return;
  for (guint i = 0; i < self->sockets->len; i++)
    {
      GSource *source = g_socket_create_source (g_ptr_array_index (self->sockets, i), G_IO_IN,
                                                NULL);

      g_source_set_callback (source, G_SOURCE_FUNC (listening_ready_cb), self, NULL);
      g_source_attach (source, NULL);
      g_ptr_array_add (self->sources, source);
    }
}

/**
 * hallway_daemon_acceptor_new:
 * @limits: how many connections to take
 * @incoming: called on the main thread for each connection within @limits
 * @user_data: for @incoming and the accept functions
 *
 * Returns: (transfer full): an acceptor without sockets yet
 */
HallwayDaemonAcceptor *
hallway_daemon_acceptor_new (const HallwayDaemonLimits *limits,
                             HallwayDaemonIncomingFunc  incoming,
                             gpointer                   user_data)
{
  HallwayDaemonAcceptor *self;

  g_return_val_if_fail (limits != NULL, NULL);
  g_return_val_if_fail (incoming != NULL, NULL);

  self = g_object_new (HALLWAY_TYPE_DAEMON_ACCEPTOR, NULL);
  self->limits = *limits;
  self->incoming = incoming;
  self->incoming_data = user_data;
  return self;
}

/**
 * hallway_daemon_acceptor_set_accept_func:
 * @self: a #HallwayDaemonAcceptor
 * @accept: takes a connection off a socket (the default: accept4())
 * @discard: ends a refused one (the default: close())
 *
 * For a protocol library that must accept its connections itself.
 */
void
hallway_daemon_acceptor_set_accept_func (HallwayDaemonAcceptor    *self,
                                         HallwayDaemonAcceptFunc   accept,
                                         HallwayDaemonDiscardFunc  discard)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_ACCEPTOR (self));

  self->accept = accept != NULL ? accept : default_accept;
  self->discard = discard != NULL ? discard : default_discard;
}

/* Applies to the connections accepted from now on. */
void
hallway_daemon_acceptor_set_limits (HallwayDaemonAcceptor     *self,
                                    const HallwayDaemonLimits *limits)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_ACCEPTOR (self));

  self->limits = *limits;
}

/**
 * hallway_daemon_acceptor_add_socket:
 * @self: a #HallwayDaemonAcceptor
 * @listening: a listening socket; it is made non-blocking
 */
void
hallway_daemon_acceptor_add_socket (HallwayDaemonAcceptor *self,
                                    GSocket               *listening)
{
  g_return_if_fail (HALLWAY_IS_DAEMON_ACCEPTOR (self));
  g_return_if_fail (!self->stopped);

  g_socket_set_blocking (listening, FALSE);
  g_ptr_array_add (self->sockets, g_object_ref (listening));
  if (self->backoff_id == 0)
    start_watching (self);
}

/**
 * hallway_daemon_acceptor_stop:
 * @self: a #HallwayDaemonAcceptor
 *
 * Stops accepting, and expires every connection that waits (those with a
 * deadline callback); the others close as they finish.
 */
void
hallway_daemon_acceptor_stop (HallwayDaemonAcceptor *self)
{
  g_autoptr(GPtrArray) waiting = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (HALLWAY_IS_DAEMON_ACCEPTOR (self));

  self->stopped = TRUE;
  stop_watching (self);
  g_clear_handle_id (&self->backoff_id, g_source_remove);
  g_ptr_array_set_size (self->sockets, 0);

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (((HallwayDaemonSlot *) key)->expired != NULL)
      g_ptr_array_add (waiting, key);
  for (guint i = 0; i < waiting->len; i++)
    {
      HallwayDaemonSlot *slot = g_ptr_array_index (waiting, i);

      if (g_hash_table_contains (self->slots, slot) && slot->expired != NULL)
        slot->expired (slot->expired_data);
    }
}

gboolean
hallway_daemon_acceptor_is_stopped (HallwayDaemonAcceptor *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_ACCEPTOR (self), TRUE);

  return self->stopped;
}

/**
 * hallway_daemon_acceptor_get_n_open:
 * @self: a #HallwayDaemonAcceptor
 *
 * Returns: how many accepted connections hold their slot now
 */
guint
hallway_daemon_acceptor_get_n_open (HallwayDaemonAcceptor *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_ACCEPTOR (self), 0);

  return g_hash_table_size (self->slots);
}

guint64
hallway_daemon_acceptor_get_n_accepted (HallwayDaemonAcceptor *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_ACCEPTOR (self), 0);

  return self->n_accepted;
}

guint64
hallway_daemon_acceptor_get_n_refused (HallwayDaemonAcceptor *self)
{
  g_return_val_if_fail (HALLWAY_IS_DAEMON_ACCEPTOR (self), 0);

  return self->n_refused;
}

static void
hallway_daemon_acceptor_dispose (GObject *object)
{
  HallwayDaemonAcceptor *self = HALLWAY_DAEMON_ACCEPTOR (object);

  /* Slots hold a reference: no connection is open by now. */
  self->stopped = TRUE;
  if (self->sources != NULL)
    stop_watching (self);
  g_clear_handle_id (&self->backoff_id, g_source_remove);
  g_clear_handle_id (&self->sweep_id, g_source_remove);

  G_OBJECT_CLASS (hallway_daemon_acceptor_parent_class)->dispose (object);
}

static void
hallway_daemon_acceptor_finalize (GObject *object)
{
  HallwayDaemonAcceptor *self = HALLWAY_DAEMON_ACCEPTOR (object);

  g_clear_pointer (&self->sources, g_ptr_array_unref);
  g_clear_pointer (&self->sockets, g_ptr_array_unref);
  g_clear_pointer (&self->per_address, g_hash_table_unref);
  g_clear_pointer (&self->slots, g_hash_table_unref);

  G_OBJECT_CLASS (hallway_daemon_acceptor_parent_class)->finalize (object);
}

static void
hallway_daemon_acceptor_class_init (HallwayDaemonAcceptorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_daemon_acceptor_dispose;
  object_class->finalize = hallway_daemon_acceptor_finalize;
}

static void
hallway_daemon_acceptor_init (HallwayDaemonAcceptor *self)
{
  self->accept = default_accept;
  self->discard = default_discard;
  self->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  self->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->slots = g_hash_table_new (NULL, NULL);
}
