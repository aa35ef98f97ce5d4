/* hallway-mdns-probe.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Is mDNS getting through?" can't be answered by Avahi's D-Bus API: it
 * lists this computer's own services from its own tables, whatever the
 * firewall does. So the question is asked on the wire, the way any
 * program may without privileges: one "legacy unicast" query (RFC 6762
 * §6.7: from an ordinary port, answered by unicast to that port) for the
 * service type, sent to the mDNS group on each interface. Every mDNS
 * responder on the link answers with what it announces, this computer's
 * own avahi-daemon included, its query having looped back. An answer from
 * this computer's own address that names its own instance means its
 * announcement goes out and comes back through its network stack; no
 * answer at all, from anyone, means something here drops UDP port 5353.
 *
 * Answers are untrusted: only their header is read, and the instance name
 * is looked for as bytes, never parsed.
 */
#include "config.h"

#include "hallway-mdns-probe.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "hallway-error.h"
#include "hallway-netinfo.h"

#define MDNS_PORT         5353
#define MDNS_GROUP_IPV4   "224.0.0.251"
#define MDNS_GROUP_IPV6   "ff02::fb"
#define MAX_ANSWER_BYTES  9000
#define MAX_ANSWERS       256
#define DNS_TYPE_PTR      12
#define DNS_CLASS_IN      1

void
hallway_mdns_probe_result_free (HallwayMdnsProbeResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->others, g_ptr_array_unref);
  g_free (result);
}

/**
 * hallway_mdns_probe_build_query:
 * @id: the query id (answers to a legacy unicast query repeat it)
 * @service_type: e.g. "_hallway._tcp"
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): a DNS query for the PTR records of
 *   @service_type in "local"
 */
GBytes *
hallway_mdns_probe_build_query (guint16      id,
                                const char  *service_type,
                                GError     **error)
{
  g_autoptr(GByteArray) packet = g_byte_array_new ();
  g_autofree char *name = NULL;
  g_auto(GStrv) labels = NULL;
  const guint8 header[12] = { id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
  const guint8 question[4] = { 0, DNS_TYPE_PTR, 0, DNS_CLASS_IN };

  g_return_val_if_fail (service_type != NULL, NULL);

  g_byte_array_append (packet, header, sizeof header);
  name = g_strconcat (service_type, ".local", NULL);
  labels = g_strsplit (name, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    {
      gsize length = strlen (labels[i]);
      guint8 prefix = length;

      if (length == 0 || length > 63)
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                       "“%s” is not a service type", service_type);
          return NULL;
        }
      g_byte_array_append (packet, &prefix, 1);
      g_byte_array_append (packet, (const guint8 *) labels[i], length);
    }
  g_byte_array_append (packet, (const guint8 *) "", 1);
  g_byte_array_append (packet, question, sizeof question);
  return g_byte_array_free_to_bytes (g_steal_pointer (&packet));
}

/**
 * hallway_mdns_probe_parse_answer:
 * @data: a datagram, untrusted
 * @length: its length
 * @id: the id of the query sent
 * @instance: (nullable): an instance name to look for
 * @out_has_instance: (out) (optional): whether @instance is named in it
 *
 * Returns: whether @data is a successful answer to the query @id, with at
 *   least one record
 */
gboolean
hallway_mdns_probe_parse_answer (const guint8 *data,
                                 gsize         length,
                                 guint16       id,
                                 const char   *instance,
                                 gboolean     *out_has_instance)
{
  gsize instance_length = instance != NULL ? strlen (instance) : 0;
  gboolean has_instance = FALSE;

  if (out_has_instance != NULL)
    *out_has_instance = FALSE;
  if (data == NULL || length < 12 || length > MAX_ANSWER_BYTES)
    return FALSE;
  /* The id; QR set (an answer), opcode 0 (a query's), rcode 0; answers. */
  if (((data[0] << 8) | data[1]) != id || (data[2] & 0x80) == 0 || (data[2] & 0x78) != 0 ||
      (data[3] & 0x0f) != 0 || ((data[6] << 8) | data[7]) == 0)
    return FALSE;

  /* The instance appears at least once as a plain label: a length byte,
   * then its bytes (compression only points at earlier names). */
  if (instance_length > 0 && instance_length <= 63)
    for (gsize i = 12; i + 1 + instance_length <= length && !has_instance; i++)
      has_instance = data[i] == instance_length &&
                     memcmp (data + i + 1, instance, instance_length) == 0;
  if (out_has_instance != NULL)
    *out_has_instance = has_instance;
  return TRUE;
}

typedef struct
{
  guint16                 id;
  char                   *own_instance;
  GPtrArray              *own_addresses;   /* HallwayNetAddress */
  GSocket                *sockets[2];
  GSource                *sources[2];
  guint                   timeout_id;
  guint                   answers;
  HallwayMdnsProbeResult *result;
} ProbeData;

static void
stop_listening (ProbeData *d)
{
  for (guint i = 0; i < G_N_ELEMENTS (d->sockets); i++)
    {
      if (d->sources[i] != NULL)
        g_source_destroy (d->sources[i]);
      g_clear_pointer (&d->sources[i], g_source_unref);
      g_clear_object (&d->sockets[i]);
    }
}

static void
probe_data_free (gpointer data)
{
  ProbeData *d = data;

  g_clear_handle_id (&d->timeout_id, g_source_remove);
  stop_listening (d);
  g_clear_pointer (&d->own_addresses, g_ptr_array_unref);
  g_clear_pointer (&d->result, hallway_mdns_probe_result_free);
  g_free (d->own_instance);
  g_free (d);
}

static gboolean
is_own_address (ProbeData    *d,
                GInetAddress *address)
{
  for (guint i = 0; i < d->own_addresses->len; i++)
    {
      const HallwayNetAddress *own = g_ptr_array_index (d->own_addresses, i);

      if (g_inet_address_equal (own->address, address))
        return TRUE;
    }
  return FALSE;
}

static void
note_answer (ProbeData      *d,
             GSocketAddress *from,
             const guint8   *data,
             gsize           length)
{
  GInetAddress *address;
  g_autofree char *text = NULL;
  gboolean has_instance;

  if (!G_IS_INET_SOCKET_ADDRESS (from) ||
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)) != MDNS_PORT ||
      !hallway_mdns_probe_parse_answer (data, length, d->id, d->own_instance, &has_instance))
    return;

  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from));
  if (is_own_address (d, address))
    {
      d->result->own_answered = TRUE;
      d->result->own_announced |= has_instance;
      return;
    }
  text = g_inet_address_to_string (address);
  for (guint i = 0; i < d->result->others->len; i++)
    if (g_str_equal (g_ptr_array_index (d->result->others, i), text))
      return;
  g_ptr_array_add (d->result->others, g_steal_pointer (&text));
}

static gboolean
socket_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  GTask *task = user_data;
  ProbeData *d = g_task_get_task_data (task);
  guint8 buffer[MAX_ANSWER_BYTES];

  /* Bounded: a flood of datagrams can't keep the probe reading. */
  while (d->answers < MAX_ANSWERS)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GError) error = NULL;
      gssize n;

      n = g_socket_receive_from (socket, &from, (char *) buffer, sizeof buffer, NULL, &error);
      if (n < 0)
        break;
      d->answers++;
      note_answer (d, from, buffer, n);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  ProbeData *d = g_task_get_task_data (task);

  d->timeout_id = 0;
  stop_listening (d);
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_pointer (task, g_steal_pointer (&d->result),
                           (GDestroyNotify) hallway_mdns_probe_result_free);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static GSocket *
open_socket (GSocketFamily   family,
             GError        **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) any = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  any = g_inet_address_new_any (family);
  local = g_inet_socket_address_new (any, 0);
  if (!g_socket_bind (socket, local, FALSE, error))
    return NULL;
  if (family == G_SOCKET_FAMILY_IPV4)
    {
      g_socket_set_multicast_ttl (socket, 255);
      g_socket_set_multicast_loopback (socket, TRUE);
    }
  else
    {
      g_socket_set_option (socket, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255, NULL);
      g_socket_set_multicast_loopback (socket, TRUE);
    }
  return g_steal_pointer (&socket);
}

/* Sends the query to the mDNS group through one interface. */
static gboolean
send_on (GSocket                 *socket,
         const HallwayNetAddress *via,
         GBytes                  *query,
         GError                 **error)
{
  GSocketFamily family = g_inet_address_get_family (via->address);
  g_autoptr(GInetAddress) group = NULL;
  g_autoptr(GSocketAddress) destination = NULL;
  int fd = g_socket_get_fd (socket);
  gsize length;
  const char *data = g_bytes_get_data (query, &length);

  if (family == G_SOCKET_FAMILY_IPV4)
    {
      struct ip_mreqn request = { 0 };

      request.imr_ifindex = via->ifindex;
      memcpy (&request.imr_address, g_inet_address_to_bytes (via->address), 4);
      if (setsockopt (fd, IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof request) != 0)
        {
          int saved = errno;

          g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved),
                               g_strerror (saved));
          return FALSE;
        }
      group = g_inet_address_new_from_string (MDNS_GROUP_IPV4);
      destination = g_inet_socket_address_new (group, MDNS_PORT);
    }
  else
    {
      if (!g_socket_set_option (socket, IPPROTO_IPV6, IPV6_MULTICAST_IF, via->ifindex, error))
        return FALSE;
      group = g_inet_address_new_from_string (MDNS_GROUP_IPV6);
      destination = g_object_new (G_TYPE_INET_SOCKET_ADDRESS, "address", group,
                                  "port", MDNS_PORT, "scope-id", via->ifindex, NULL);
    }
  return g_socket_send_to (socket, destination, data, length, NULL, error) == (gssize) length;
}

/**
 * hallway_mdns_probe_async:
 * @service_type: e.g. "_hallway._tcp"
 * @own_instance: (nullable): this computer's instance of it
 * @timeout_ms: how long to listen for answers
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Asks every mDNS responder on this computer's networks (VPNs excepted) who
 * announces @service_type, and listens for @timeout_ms.
 */
void
hallway_mdns_probe_async (const char          *service_type,
                          const char          *own_instance,
                          guint                timeout_ms,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GBytes) query = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *done_v6 = NULL;
  ProbeData *d;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hallway_mdns_probe_async);

  d = g_new0 (ProbeData, 1);
  g_task_set_task_data (task, d, probe_data_free);
  d->id = g_random_int_range (1, G_MAXUINT16);
  d->own_instance = g_strdup (own_instance);
  d->own_addresses = hallway_netinfo_dup_addresses ();
  d->result = g_new0 (HallwayMdnsProbeResult, 1);
  d->result->others = g_ptr_array_new_with_free_func (g_free);

  query = hallway_mdns_probe_build_query (d->id, service_type, &error);
  if (query == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  done_v6 = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < d->own_addresses->len; i++)
    {
      const HallwayNetAddress *a = g_ptr_array_index (d->own_addresses, i);
      GSocketFamily family = g_inet_address_get_family (a->address);
      guint slot = family == G_SOCKET_FAMILY_IPV4 ? 0 : 1;

      /* mDNS over IPv6 is link-local: once per interface. */
      if (a->vpn || (slot == 1 && (!g_inet_address_get_is_link_local (a->address) ||
                                   !g_hash_table_add (done_v6, GINT_TO_POINTER (a->ifindex)))))
        continue;
      if (d->sockets[slot] == NULL)
        {
          g_autoptr(GError) socket_error = NULL;

          d->sockets[slot] = open_socket (family, &socket_error);
          if (d->sockets[slot] == NULL)
            {
              g_debug ("No socket to ask for mDNS answers: %s", socket_error->message);
              continue;
            }
          d->sources[slot] = g_socket_create_source (d->sockets[slot], G_IO_IN, NULL);
          g_source_set_callback (d->sources[slot], G_SOURCE_FUNC (socket_readable_cb), task, NULL);
          g_source_attach (d->sources[slot], g_main_context_get_thread_default ());
        }
      {
        g_autoptr(GError) send_error = NULL;

        if (send_on (d->sockets[slot], a, query, &send_error))
          d->result->sent = TRUE;
        else if (g_error_matches (send_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
          d->result->send_refused = TRUE;
        else
          g_debug ("Could not ask %s for mDNS answers: %s", a->ifname, send_error->message);
      }
    }
  g_hash_table_unref (done_v6);

  /* The task holds itself until the timeout, which decides (a cancelled
   * probe returns then too: it never takes longer than @timeout_ms). */
  d->timeout_id = g_timeout_add (timeout_ms, timeout_cb, g_object_ref (task));
}

/**
 * hallway_mdns_probe_finish:
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): what came back
 */
HallwayMdnsProbeResult *
hallway_mdns_probe_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
