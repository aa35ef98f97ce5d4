/* hallway-dnssd.c: following avahi-daemon, and announcing services
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Avahi is a real dependency with real failure modes: avahi-daemon may be
 * missing when we start, may be restarted under us, or may crash. The client
 * is created with AVAHI_CLIENT_NO_FAIL so it waits for the daemon, and is
 * re-created when the daemon goes away; every entry group and browser is
 * rebuilt whenever the client reaches RUNNING again. This file follows the
 * client and announces; browsing and resolving are in
 * hallway-dnssd-browse.c. Only these two files include Avahi headers.
 */
#include "config.h"

#include "hallway-dnssd-private.h"

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-glib/glib-malloc.h>
#include <avahi-glib/glib-watch.h>

/* How often to retry when Avahi can't be reached at all. */
#define RETRY_INTERVAL_S 5

typedef struct
{
  HallwayDnssd     *dnssd;     /* (unowned) */
  char             *key;
  char             *base_name;
  char             *name;      /* current name, after collision renames */
  char             *type;
  guint16           port;
  GStrv             txt;
  GStrv             subtypes;
  char             *reserved_type; /* (nullable) announced on port 0, same name */
  AvahiEntryGroup  *group;     /* (owned) (nullable) */
  gboolean          established;
} Entry;

G_DEFINE_FINAL_TYPE (HallwayDnssd, hallway_dnssd, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (HallwayDnssdService, hallway_dnssd_service,
                     hallway_dnssd_service_copy, hallway_dnssd_service_free)

enum {
  PROP_0,
  PROP_STATE,
  PROP_MESSAGE,
  N_PROPS
};

enum {
  SIGNAL_SERVICE_RESOLVED,
  SIGNAL_SERVICE_REMOVED,
  SIGNAL_PUBLISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void client_state_changed_cb (AvahiClient      *client,
                                     AvahiClientState  state,
                                     void             *user_data);

HallwayDnssdService *
hallway_dnssd_service_copy (const HallwayDnssdService *service)
{
  HallwayDnssdService *copy = g_new0 (HallwayDnssdService, 1);

  copy->type = g_strdup (service->type);
  copy->name = g_strdup (service->name);
  copy->domain = g_strdup (service->domain);
  copy->host_name = g_strdup (service->host_name);
  copy->address = g_strdup (service->address);
  copy->ifindex = service->ifindex;
  copy->ipv6 = service->ipv6;
  copy->port = service->port;
  copy->local = service->local;
  if (service->txt != NULL)
    copy->txt = g_ptr_array_ref (service->txt);
  return copy;
}

void
hallway_dnssd_service_free (HallwayDnssdService *service)
{
  if (service == NULL)
    return;
  g_free (service->type);
  g_free (service->name);
  g_free (service->domain);
  g_free (service->host_name);
  g_free (service->address);
  g_clear_pointer (&service->txt, g_ptr_array_unref);
  g_free (service);
}

const char *
hallway_dnssd_state_to_string (HallwayDnssdState state)
{
  switch (state)
    {
    case HALLWAY_DNSSD_STATE_STARTING:
      return "starting";
    case HALLWAY_DNSSD_STATE_RUNNING:
      return "running";
    case HALLWAY_DNSSD_STATE_NOT_RUNNING:
      return "not-running";
    case HALLWAY_DNSSD_STATE_FAILED:
      return "failed";
    default:
      g_assert_not_reached ();
    }
}

static void
set_state (HallwayDnssd      *self,
           HallwayDnssdState  state,
           const char        *message)
{
  gboolean changed_message = g_strcmp0 (self->message, message) != 0;

  if (changed_message)
    {
      g_free (self->message);
      self->message = g_strdup (message);
    }

  if (self->state != state)
    {
      self->state = state;
      g_debug ("Avahi state is now %s", hallway_dnssd_state_to_string (state));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (changed_message)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

static AvahiStringList *
strv_to_string_list (const char * const *strv)
{
  AvahiStringList *list = NULL;

  /* avahi_string_list_add prepends, so walk backwards to keep the order. */
  for (gssize i = strv != NULL ? (gssize) g_strv_length ((char **) strv) - 1 : -1; i >= 0; i--)
    list = avahi_string_list_add (list, strv[i]);
  return list;
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_pointer (&entry->group, avahi_entry_group_free);
  g_free (entry->key);
  g_free (entry->base_name);
  g_free (entry->name);
  g_free (entry->type);
  g_strfreev (entry->txt);
  g_strfreev (entry->subtypes);
  g_free (entry->reserved_type);
  g_free (entry);
}

static void entry_register (Entry *entry);

static void
entry_rename (Entry *entry)
{
  char *alternative = avahi_alternative_service_name (entry->name);

  g_debug ("Service name ‘%s’ is taken, trying ‘%s’", entry->name, alternative);
  g_free (entry->name);
  entry->name = g_strdup (alternative);
  avahi_free (alternative);
}

static void
entry_group_state_changed_cb (AvahiEntryGroup      *group,
                              AvahiEntryGroupState  state,
                              void                 *user_data)
{
  Entry *entry = user_data;
  HallwayDnssd *self = entry->dnssd;

  /* avahi_entry_group_new() may call us before it returns. */
  if (entry->group == NULL)
    entry->group = group;

  switch (state)
    {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
      entry->established = TRUE;
      g_debug ("Published ‘%s’ as %s", entry->name, entry->type);
      g_signal_emit (self, signals[SIGNAL_PUBLISHED], 0, entry->key, entry->name);
      break;

    case AVAHI_ENTRY_GROUP_COLLISION:
      /* Someone on the network already uses this name: pick the next one. */
      entry->established = FALSE;
      entry_rename (entry);
      avahi_entry_group_reset (group);
      entry_register (entry);
      break;

    case AVAHI_ENTRY_GROUP_FAILURE:
      entry->established = FALSE;
      g_debug ("Publishing ‘%s’ failed: %s", entry->name,
               avahi_strerror (avahi_client_errno (avahi_entry_group_get_client (group))));
      break;

    case AVAHI_ENTRY_GROUP_UNCOMMITED:
    case AVAHI_ENTRY_GROUP_REGISTERING:
    default:
      break;
    }
}

static void
entry_register (Entry *entry)
{
  HallwayDnssd *self = entry->dnssd;
  AvahiStringList *txt;
  int ret = AVAHI_OK;

  if (self->client == NULL ||
      avahi_client_get_state (self->client) != AVAHI_CLIENT_S_RUNNING)
    return;

  if (entry->group == NULL)
    {
      entry->group = avahi_entry_group_new (self->client, entry_group_state_changed_cb, entry);
      if (entry->group == NULL)
        {
          g_debug ("Could not create an entry group: %s",
                   avahi_strerror (avahi_client_errno (self->client)));
          return;
        }
    }

  if (!avahi_entry_group_is_empty (entry->group))
    return;

  txt = strv_to_string_list ((const char * const *) entry->txt);

  /* A name taken by a service of this very computer is reported here, not
   * through the group's COLLISION state; rename until one is free. */
  for (guint tries = 0; tries < 100; tries++)
    {
      if (!avahi_entry_group_is_empty (entry->group))
        avahi_entry_group_reset (entry->group);
      ret = avahi_entry_group_add_service_strlst (entry->group,
                                                  AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
                                                  entry->name, entry->type,
                                                  NULL, NULL, entry->port, txt);
      /* Port 0 says "no such service here" and defends the name (printers
       * reserve _printer._tcp, the LPD type, this way). */
      if (ret == AVAHI_OK && entry->reserved_type != NULL)
        ret = avahi_entry_group_add_service (entry->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                             0, entry->name, entry->reserved_type, NULL, NULL,
                                             0, NULL);
      if (ret != AVAHI_ERR_COLLISION)
        break;
      entry_rename (entry);
    }
  avahi_string_list_free (txt);

  if (ret < 0)
    {
      g_debug ("Could not add service ‘%s’: %s", entry->name, avahi_strerror (ret));
      return;
    }

  for (guint i = 0; entry->subtypes != NULL && entry->subtypes[i] != NULL; i++)
    {
      ret = avahi_entry_group_add_service_subtype (entry->group,
                                                   AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
                                                   entry->name, entry->type, NULL,
                                                   entry->subtypes[i]);
      if (ret < 0)
        g_debug ("Could not add subtype %s: %s", entry->subtypes[i], avahi_strerror (ret));
    }

  ret = avahi_entry_group_commit (entry->group);
  if (ret < 0)
    g_debug ("Could not commit service ‘%s’: %s", entry->name, avahi_strerror (ret));
}

/* Drop everything that belongs to the current client connection. Entries
 * stay, without their groups, and are registered again on the next one. */
static void
forget_client_objects (HallwayDnssd *self)
{
  GHashTableIter iter;
  gpointer value;

  _hallway_dnssd_browse_forget (self);

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      g_clear_pointer (&entry->group, avahi_entry_group_free);
      entry->established = FALSE;
    }
}

static gboolean
reconnect_cb (gpointer user_data)
{
  HallwayDnssd *self = user_data;
  int error = 0;

  self->reconnect_id = 0;

  forget_client_objects (self);
  g_clear_pointer (&self->client, avahi_client_free);

  self->client = avahi_client_new (avahi_glib_poll_get (self->poll), AVAHI_CLIENT_NO_FAIL,
                                   client_state_changed_cb, self, &error);
  if (self->client == NULL)
    {
      /* NO_FAIL covers a missing avahi-daemon, not a missing system bus:
       * keep trying, the bus may come up later (a container starting). */
      set_state (self, HALLWAY_DNSSD_STATE_NOT_RUNNING,
                 "Avahi can't be reached (no system bus?): neighbours can't find this "
                 "computer automatically. Add neighbours by address meanwhile.");
      g_debug ("Could not create an Avahi client: %s", avahi_strerror (error));
      self->reconnect_id = g_timeout_add_seconds (RETRY_INTERVAL_S, reconnect_cb, self);
    }

  return G_SOURCE_REMOVE;
}

static void
client_state_changed_cb (AvahiClient      *client,
                         AvahiClientState  state,
                         void             *user_data)
{
  HallwayDnssd *self = user_data;

  /* avahi_client_new() calls us before it returns. */
  if (self->client == NULL)
    self->client = client;

  switch (state)
    {
    case AVAHI_CLIENT_S_RUNNING:
      {
        GHashTableIter iter;
        gpointer value;

        set_state (self, HALLWAY_DNSSD_STATE_RUNNING, NULL);

        _hallway_dnssd_browse_start (self);

        g_hash_table_iter_init (&iter, self->entries);
        while (g_hash_table_iter_next (&iter, NULL, &value))
          entry_register (value);
        break;
      }

    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
      {
        GHashTableIter iter;
        gpointer value;

        /* The host name changes or is being probed: withdraw our services and
         * register them again once the server is RUNNING. */
        g_hash_table_iter_init (&iter, self->entries);
        while (g_hash_table_iter_next (&iter, NULL, &value))
          {
            Entry *entry = value;

            if (entry->group != NULL)
              avahi_entry_group_reset (entry->group);
            entry->established = FALSE;
          }
        break;
      }

    case AVAHI_CLIENT_CONNECTING:
      set_state (self, HALLWAY_DNSSD_STATE_NOT_RUNNING,
                 "avahi-daemon is not running: neighbours can't find this computer "
                 "automatically. Start avahi-daemon, or add neighbours by address.");
      break;

    case AVAHI_CLIENT_FAILURE:
      if (avahi_client_errno (client) == AVAHI_ERR_DISCONNECTED)
        {
          /* The daemon went away. A fresh NO_FAIL client waits for it to come
           * back; don't free the client from inside its own callback. */
          set_state (self, HALLWAY_DNSSD_STATE_NOT_RUNNING,
                     "avahi-daemon stopped: neighbours can't find this computer "
                     "automatically until it is running again.");
          if (self->reconnect_id == 0)
            self->reconnect_id = g_idle_add (reconnect_cb, self);
        }
      else
        set_state (self, HALLWAY_DNSSD_STATE_FAILED,
                   avahi_strerror (avahi_client_errno (client)));
      break;

    default:
      break;
    }
}

/**
 * hallway_dnssd_new:
 *
 * Returns: (transfer full): a new DNS-SD helper; call hallway_dnssd_start()
 */
HallwayDnssd *
hallway_dnssd_new (void)
{
  return g_object_new (HALLWAY_TYPE_DNSSD, NULL);
}

/**
 * hallway_dnssd_start:
 * @self: a #HallwayDnssd
 *
 * Connects to avahi-daemon, or waits for it when it is not running.
 */
void
hallway_dnssd_start (HallwayDnssd *self)
{
  g_return_if_fail (HALLWAY_IS_DNSSD (self));
  g_return_if_fail (self->client == NULL);

  reconnect_cb (self);
}

HallwayDnssdState
hallway_dnssd_get_state (HallwayDnssd *self)
{
  g_return_val_if_fail (HALLWAY_IS_DNSSD (self), HALLWAY_DNSSD_STATE_FAILED);

  return self->state;
}

/**
 * hallway_dnssd_get_message:
 * @self: a #HallwayDnssd
 *
 * Returns: (nullable): what is wrong with Avahi, in plain words
 */
const char *
hallway_dnssd_get_message (HallwayDnssd *self)
{
  g_return_val_if_fail (HALLWAY_IS_DNSSD (self), NULL);

  return self->message;
}

/**
 * hallway_dnssd_publish:
 * @self: a #HallwayDnssd
 * @key: the caller's name for this registration
 * @name: instance name (at most 63 bytes of UTF-8)
 * @type: service type
 * @port: TCP port
 * @txt: (nullable): TXT strings
 * @subtypes: (nullable): full subtype names, e.g. "_print._sub._ipp._tcp"
 *
 * Announces a service, now or as soon as avahi-daemon runs, and keeps it
 * announced across daemon restarts. A name already taken on the network is
 * replaced by the next alternative ("Alice #2"), reported by ::published.
 * Publishing an existing @key replaces it.
 */
static Entry *
add_entry (HallwayDnssd       *self,
           const char         *key,
           const char         *name,
           const char         *type,
           guint16             port,
           const char * const *txt,
           const char * const *subtypes)
{
  Entry *entry;

  g_hash_table_remove (self->entries, key);

  entry = g_new0 (Entry, 1);
  entry->dnssd = self;
  entry->key = g_strdup (key);
  entry->base_name = g_strdup (name);
  entry->name = g_strdup (name);
  entry->type = g_strdup (type);
  entry->port = port;
  entry->txt = g_strdupv ((char **) txt);
  entry->subtypes = g_strdupv ((char **) subtypes);
  g_hash_table_insert (self->entries, entry->key, entry);
  return entry;
}

void
hallway_dnssd_publish (HallwayDnssd       *self,
                       const char         *key,
                       const char         *name,
                       const char         *type,
                       guint16             port,
                       const char * const *txt,
                       const char * const *subtypes)
{
  g_return_if_fail (HALLWAY_IS_DNSSD (self));
  g_return_if_fail (key != NULL && name != NULL && type != NULL);

  entry_register (add_entry (self, key, name, type, port, txt, subtypes));
}

/**
 * hallway_dnssd_publish_printer:
 * @self: a #HallwayDnssd
 * @key: the caller's name for this registration
 * @name: instance name (at most 63 bytes of UTF-8), "Office printer @ Alice"
 * @port: the printer gateway's TCP port
 * @txt: TXT strings per the Bonjour Printing specification
 * @universal: whether the printer takes Apple raster (URF)
 *
 * Announces a shared printer as a plain IPP Everywhere printer: `_ipp._tcp`
 * with the subtypes `_print` (IPP Everywhere), `_universal` (AirPrint, only
 * with @universal) and `_hallway` (so Hallway can tell its own), plus
 * `_printer._tcp` on port 0 to hold the name, all in one entry group.
 * Like hallway_dnssd_publish(), it survives avahi-daemon restarts and
 * renames on collisions; hallway_dnssd_update_txt() and
 * hallway_dnssd_unpublish() work on @key.
 */
void
hallway_dnssd_publish_printer (HallwayDnssd       *self,
                               const char         *key,
                               const char         *name,
                               guint16             port,
                               const char * const *txt,
                               gboolean            universal)
{
  const char *subtypes[4] = { "_print._sub._ipp._tcp", "_hallway._sub._ipp._tcp", NULL, NULL };
  Entry *entry;

  g_return_if_fail (HALLWAY_IS_DNSSD (self));
  g_return_if_fail (key != NULL && name != NULL);

  if (universal)
    subtypes[2] = "_universal._sub._ipp._tcp";
  entry = add_entry (self, key, name, "_ipp._tcp", port, txt, subtypes);
  entry->reserved_type = g_strdup ("_printer._tcp");
  entry_register (entry);
}

/**
 * hallway_dnssd_update_txt:
 * @self: a #HallwayDnssd
 * @key: a key given to hallway_dnssd_publish()
 * @txt: (nullable): the new TXT strings
 *
 * Changes a published service's TXT record in place, without probing again.
 */
void
hallway_dnssd_update_txt (HallwayDnssd       *self,
                          const char         *key,
                          const char * const *txt)
{
  Entry *entry;

  g_return_if_fail (HALLWAY_IS_DNSSD (self));

  entry = g_hash_table_lookup (self->entries, key);
  g_return_if_fail (entry != NULL);

  g_strfreev (entry->txt);
  entry->txt = g_strdupv ((char **) txt);

  if (entry->group != NULL && !avahi_entry_group_is_empty (entry->group))
    {
      AvahiStringList *list = strv_to_string_list (txt);
      int ret;

      ret = avahi_entry_group_update_service_txt_strlst (entry->group,
                                                         AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0,
                                                         entry->name, entry->type, NULL, list);
      avahi_string_list_free (list);
      if (ret < 0)
        g_debug ("Could not update TXT of ‘%s’: %s", entry->name, avahi_strerror (ret));
    }
}

/**
 * hallway_dnssd_unpublish:
 * @self: a #HallwayDnssd
 * @key: a key given to hallway_dnssd_publish()
 *
 * Withdraws a service; neighbours are told it is gone.
 */
void
hallway_dnssd_unpublish (HallwayDnssd *self,
                         const char   *key)
{
  g_return_if_fail (HALLWAY_IS_DNSSD (self));

  g_hash_table_remove (self->entries, key);
}

/**
 * hallway_dnssd_get_published_name:
 * @self: a #HallwayDnssd
 * @key: a key given to hallway_dnssd_publish()
 *
 * Returns: (nullable): the name the service is announced under, which differs
 *   from the requested one after a collision
 */
const char *
hallway_dnssd_get_published_name (HallwayDnssd *self,
                                  const char   *key)
{
  Entry *entry;

  g_return_val_if_fail (HALLWAY_IS_DNSSD (self), NULL);

  entry = g_hash_table_lookup (self->entries, key);
  return entry != NULL ? entry->name : NULL;
}

static int
compare_services (gconstpointer a,
                  gconstpointer b)
{
  const HallwayDnsRecordsService *sa = *(HallwayDnsRecordsService **) a;
  const HallwayDnsRecordsService *sb = *(HallwayDnsRecordsService **) b;
  int by_type = g_strcmp0 (sa->type, sb->type);

  return by_type != 0 ? by_type : g_strcmp0 (sa->name, sb->name);
}

/**
 * hallway_dnssd_dup_published:
 * @self: a #HallwayDnssd
 *
 * What this computer announces, under the names it got (after collision
 * renames), sorted by type and name; for writing the same records into a
 * site's DNS server.
 *
 * Returns: (transfer full) (element-type HallwayDnsRecordsService): the services
 */
GPtrArray *
hallway_dnssd_dup_published (HallwayDnssd *self)
{
  GPtrArray *services;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (HALLWAY_IS_DNSSD (self), NULL);

  services = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_dns_records_service_free);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const Entry *entry = value;
      HallwayDnsRecordsService *service = g_new0 (HallwayDnsRecordsService, 1);

      service->name = g_strdup (entry->name);
      service->type = g_strdup (entry->type);
      service->port = entry->port;
      service->txt = g_strdupv (entry->txt);
      service->subtypes = g_strdupv (entry->subtypes);
      g_ptr_array_add (services, service);
    }
  g_ptr_array_sort (services, compare_services);
  return services;
}

static void
hallway_dnssd_dispose (GObject *object)
{
  HallwayDnssd *self = HALLWAY_DNSSD (object);

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  if (self->entries != NULL)
    forget_client_objects (self);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->client, avahi_client_free);

  G_OBJECT_CLASS (hallway_dnssd_parent_class)->dispose (object);
}

static void
hallway_dnssd_finalize (GObject *object)
{
  HallwayDnssd *self = HALLWAY_DNSSD (object);

  _hallway_dnssd_browse_finalize (self);
  g_clear_pointer (&self->poll, avahi_glib_poll_free);
  g_free (self->message);

  G_OBJECT_CLASS (hallway_dnssd_parent_class)->finalize (object);
}

static void
hallway_dnssd_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HallwayDnssd *self = HALLWAY_DNSSD (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hallway_dnssd_class_init (HallwayDnssdClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_dnssd_dispose;
  object_class->finalize = hallway_dnssd_finalize;
  object_class->get_property = hallway_dnssd_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      HALLWAY_DNSSD_STATE_STARTING, HALLWAY_DNSSD_STATE_FAILED,
                      HALLWAY_DNSSD_STATE_STARTING,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HallwayDnssd::service-resolved:
   * @service: a #HallwayDnssdService
   *
   * A service was found, or one found before changed (TXT, address).
   */
  signals[SIGNAL_SERVICE_RESOLVED] =
    g_signal_new ("service-resolved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                  HALLWAY_TYPE_DNSSD_SERVICE | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * HallwayDnssd::service-removed:
   * @service: a #HallwayDnssdService with only type, name, domain, ifindex and ipv6
   *
   * A service said goodbye (or its records expired) on one interface/protocol.
   */
  signals[SIGNAL_SERVICE_REMOVED] =
    g_signal_new ("service-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                  HALLWAY_TYPE_DNSSD_SERVICE | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * HallwayDnssd::published:
   * @key: the key given to hallway_dnssd_publish()
   * @name: the name it is announced under
   */
  signals[SIGNAL_PUBLISHED] =
    g_signal_new ("published", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
hallway_dnssd_init (HallwayDnssd *self)
{
  avahi_set_allocator (avahi_glib_allocator ());
  self->poll = avahi_glib_poll_new (NULL, G_PRIORITY_DEFAULT);
  self->state = HALLWAY_DNSSD_STATE_STARTING;
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  _hallway_dnssd_browse_init (self);
}
