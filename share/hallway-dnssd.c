/* hallway-dnssd.c: announcing and finding services with Avahi
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Avahi is a real dependency with real failure modes: avahi-daemon may be
 * missing when we start, may be restarted under us, or may crash. The client
 * is created with AVAHI_CLIENT_NO_FAIL so it waits for the daemon, and is
 * re-created when the daemon goes away; every entry group and browser is
 * rebuilt whenever the client reaches RUNNING again. Only this file includes
 * Avahi headers.
 */
#include "config.h"

#include "hallway-dnssd.h"

#include <net/if.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/domain.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-glib/glib-malloc.h>
#include <avahi-glib/glib-watch.h>

/* How often to retry when Avahi can't be reached at all. */
#define RETRY_INTERVAL_S 5
/* Browse domains beyond "local" (unicast DNS-SD) are looked into up to this
 * many: they come from the network (DHCP, DNS), so they are bounded. */
#define MAX_BROWSE_DOMAINS 8
/* Avahi gives up on a browser whose DNS server does not answer (a laptop
 * up before the network, the server restarting): ask again after this
 * long, doubling up to the maximum. */
#define BROWSE_RETRY_FIRST_S 4
#define BROWSE_RETRY_MAX_S   300

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

typedef struct
{
  HallwayDnssd          *dnssd;  /* (unowned) */
  AvahiServiceResolver  *resolver;
  char                  *type;
  char                  *name;
  char                  *domain;
  int                    ifindex;
  gboolean               ipv6;
  gboolean               local;
} Resolving;

/* A service browser, and the domain it looks in (NULL: the default, "local"). */
typedef struct
{
  HallwayDnssd        *dnssd;    /* (unowned) */
  AvahiServiceBrowser *browser;  /* (nullable) while waiting to retry */
  char                *type;
  char                *domain;
  guint                retry_id;
  guint                retry_s;
} Browser;

/* A domain browser: finds the browse domains @domain lists in
 * b._dns-sd._udp (NULL: "local", plus those of the configuration). */
typedef struct
{
  HallwayDnssd        *dnssd;    /* (unowned) */
  AvahiDomainBrowser  *browser;  /* (nullable) while waiting to retry */
  char                *domain;
  guint                retry_id;
  guint                retry_s;
} DomainBrowser;

/* A browse domain beyond "local", as reported by Avahi's domain browsers. */
typedef struct
{
  DomainBrowser *browser;
  guint          seen;      /* how many reports (interface, protocol) list it */
} BrowseDomain;

struct _HallwayDnssd
{
  GObject            parent_instance;

  AvahiGLibPoll     *poll;
  AvahiClient       *client;      /* (owned) (nullable) */
  HallwayDnssdState  state;
  char              *message;
  guint              reconnect_id;

  GHashTable        *entries;     /* key → Entry */
  GPtrArray         *browse_types;
  GPtrArray         *browsers;    /* Browser */
  DomainBrowser     *domain_browser;  /* (nullable) the default domain's */
  GHashTable        *domains;     /* browse domain → BrowseDomain */
  GHashTable        *resolving;   /* "if/proto/domain/type/name" → Resolving */
};

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

static void
browser_free (gpointer data)
{
  Browser *b = data;

  g_clear_handle_id (&b->retry_id, g_source_remove);
  g_clear_pointer (&b->browser, avahi_service_browser_free);
  g_free (b->type);
  g_free (b->domain);
  g_free (b);
}

static void
domain_browser_free (DomainBrowser *b)
{
  g_clear_handle_id (&b->retry_id, g_source_remove);
  g_clear_pointer (&b->browser, avahi_domain_browser_free);
  g_free (b->domain);
  g_free (b);
}

static void
browse_domain_free (gpointer data)
{
  BrowseDomain *d = data;

  g_clear_pointer (&d->browser, domain_browser_free);
  g_free (d);
}

static void
resolving_free (gpointer data)
{
  Resolving *r = data;

  g_clear_pointer (&r->resolver, avahi_service_resolver_free);
  g_free (r->type);
  g_free (r->name);
  g_free (r->domain);
  g_free (r);
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

static char *
resolving_key (int         ifindex,
               gboolean    ipv6,
               const char *domain,
               const char *type,
               const char *name)
{
  return g_strdup_printf ("%d/%d/%s/%s/%s", ifindex, ipv6, domain, type, name);
}

static void
service_resolved_cb (AvahiServiceResolver   *resolver,
                     AvahiIfIndex            ifindex,
                     AvahiProtocol           protocol,
                     AvahiResolverEvent      event,
                     const char             *name,
                     const char             *type,
                     const char             *domain,
                     const char             *host_name,
                     const AvahiAddress     *address,
                     uint16_t                port,
                     AvahiStringList        *txt,
                     AvahiLookupResultFlags  flags,
                     void                   *user_data)
{
  Resolving *r = user_data;
  HallwayDnssd *self = r->dnssd;
  g_autoptr(HallwayDnssdService) service = NULL;
  char addr[AVAHI_ADDRESS_STR_MAX];

  if (r->resolver == NULL)
    r->resolver = resolver;

  if (event != AVAHI_RESOLVER_FOUND)
    {
      /* The record is in the cache but its owner does not answer: leave
       * liveness to the caller, which probes the service itself. */
      g_debug ("Could not resolve ‘%s’ (%s): %s", name, type,
               avahi_strerror (avahi_client_errno (self->client)));
      return;
    }

  avahi_address_snprint (addr, sizeof addr, address);

  service = g_new0 (HallwayDnssdService, 1);
  service->type = g_strdup (type);
  service->name = g_strdup (name);
  service->domain = g_strdup (domain);
  service->host_name = g_strdup (host_name);
  service->ifindex = ifindex;
  service->ipv6 = protocol == AVAHI_PROTO_INET6;
  service->port = port;
  service->local = (flags & AVAHI_LOOKUP_RESULT_LOCAL) != 0;

  /* A link-local IPv6 address is only usable together with its interface. */
  if (address->proto == AVAHI_PROTO_INET6 &&
      address->data.ipv6.address[0] == 0xfe &&
      (address->data.ipv6.address[1] & 0xc0) == 0x80)
    {
      char ifname[IF_NAMESIZE + 1] = { 0 };

      if (if_indextoname (ifindex, ifname) != NULL)
        service->address = g_strdup_printf ("%s%%%s", addr, ifname);
      else
        service->address = g_strdup_printf ("%s%%%d", addr, ifindex);
    }
  else
    service->address = g_strdup (addr);

  service->txt = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (AvahiStringList *l = txt; l != NULL; l = avahi_string_list_get_next (l))
    g_ptr_array_add (service->txt,
                     g_bytes_new (avahi_string_list_get_text (l), avahi_string_list_get_size (l)));
  /* Avahi keeps TXT strings in reverse order of the wire. */
  for (guint i = 0; i < service->txt->len / 2; i++)
    {
      gpointer tmp = service->txt->pdata[i];

      service->txt->pdata[i] = service->txt->pdata[service->txt->len - 1 - i];
      service->txt->pdata[service->txt->len - 1 - i] = tmp;
    }

  g_signal_emit (self, signals[SIGNAL_SERVICE_RESOLVED], 0, service);
}

static void
emit_removed (HallwayDnssd *self,
              int           ifindex,
              gboolean      ipv6,
              const char   *domain,
              const char   *type,
              const char   *name)
{
  g_autoptr(HallwayDnssdService) service = g_new0 (HallwayDnssdService, 1);

  service->type = g_strdup (type);
  service->name = g_strdup (name);
  service->domain = g_strdup (domain);
  service->ifindex = ifindex;
  service->ipv6 = ipv6;
  g_signal_emit (self, signals[SIGNAL_SERVICE_REMOVED], 0, service);
}

static void browser_schedule_retry (Browser *b);

static void
service_browsed_cb (AvahiServiceBrowser    *browser,
                    AvahiIfIndex            ifindex,
                    AvahiProtocol           protocol,
                    AvahiBrowserEvent       event,
                    const char             *name,
                    const char             *type,
                    const char             *domain,
                    AvahiLookupResultFlags  flags,
                    void                   *user_data)
{
  Browser *b = user_data;
  HallwayDnssd *self = b->dnssd;
  g_autofree char *key = NULL;
  gboolean ipv6 = protocol == AVAHI_PROTO_INET6;

  switch (event)
    {
    case AVAHI_BROWSER_NEW:
      {
        Resolving *r;

        b->retry_s = BROWSE_RETRY_FIRST_S;
        if (flags & AVAHI_LOOKUP_RESULT_OUR_OWN)
          return;

        key = resolving_key (ifindex, ipv6, domain, type, name);
        if (g_hash_table_contains (self->resolving, key))
          return;

        r = g_new0 (Resolving, 1);
        r->dnssd = self;
        r->type = g_strdup (type);
        r->name = g_strdup (name);
        r->domain = g_strdup (domain);
        r->ifindex = ifindex;
        r->ipv6 = ipv6;
        r->local = (flags & AVAHI_LOOKUP_RESULT_LOCAL) != 0;
        g_hash_table_insert (self->resolving, g_steal_pointer (&key), r);

        /* Ask for an address of the protocol we browsed on: an IPv4 browse
         * otherwise often resolves to an IPv6 link-local address. The
         * resolver stays alive and reports TXT changes as they happen. */
        r->resolver = avahi_service_resolver_new (self->client, ifindex, protocol,
                                                  name, type, domain, protocol, 0,
                                                  service_resolved_cb, r);
        if (r->resolver == NULL)
          g_debug ("Could not resolve ‘%s’: %s", name,
                   avahi_strerror (avahi_client_errno (self->client)));
        break;
      }

    case AVAHI_BROWSER_REMOVE:
      {
        key = resolving_key (ifindex, ipv6, domain, type, name);
        if (!g_hash_table_remove (self->resolving, key))
          return;

        emit_removed (self, ifindex, ipv6, domain, type, name);
        break;
      }

    case AVAHI_BROWSER_FAILURE:
      g_debug ("Browsing %s in %s failed: %s; trying again in %u s", b->type,
               b->domain != NULL ? b->domain : "local",
               avahi_strerror (avahi_client_errno (self->client)), b->retry_s);
      browser_schedule_retry (b);
      break;

    case AVAHI_BROWSER_ALL_FOR_NOW:
    case AVAHI_BROWSER_CACHE_EXHAUSTED:
    default:
      break;
    }
}

static gboolean
browser_retry_cb (gpointer user_data)
{
  Browser *b = user_data;
  HallwayDnssd *self = b->dnssd;

  b->retry_id = 0;
  g_clear_pointer (&b->browser, avahi_service_browser_free);
  b->browser = avahi_service_browser_new (self->client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                          b->type, b->domain, 0, service_browsed_cb, b);
  if (b->browser == NULL)
    {
      g_debug ("Could not browse %s in %s: %s", b->type, b->domain != NULL ? b->domain : "local",
               avahi_strerror (avahi_client_errno (self->client)));
      browser_schedule_retry (b);
    }
  return G_SOURCE_REMOVE;
}

/* The browser is replaced from the main loop, not from its own callback. */
static void
browser_schedule_retry (Browser *b)
{
  if (b->retry_id != 0)
    return;
  b->retry_id = g_timeout_add_seconds (b->retry_s, browser_retry_cb, b);
  b->retry_s = MIN (b->retry_s * 2, BROWSE_RETRY_MAX_S);
}

/* @domain: %NULL for the default domain ("local") */
static void
start_browser (HallwayDnssd *self,
               const char   *type,
               const char   *domain)
{
  Browser *browser = g_new0 (Browser, 1);

  browser->dnssd = self;
  browser->type = g_strdup (type);
  browser->domain = g_strdup (domain);
  browser->retry_s = BROWSE_RETRY_FIRST_S;
  g_ptr_array_add (self->browsers, browser);
  browser_retry_cb (browser);
}

static void domain_browsed_cb (AvahiDomainBrowser     *browser,
                               AvahiIfIndex            ifindex,
                               AvahiProtocol           protocol,
                               AvahiBrowserEvent       event,
                               const char             *domain,
                               AvahiLookupResultFlags  flags,
                               void                   *user_data);

static void domain_browser_schedule_retry (DomainBrowser *b);

static gboolean
domain_browser_retry_cb (gpointer user_data)
{
  DomainBrowser *b = user_data;
  HallwayDnssd *self = b->dnssd;

  b->retry_id = 0;
  g_clear_pointer (&b->browser, avahi_domain_browser_free);
  b->browser = avahi_domain_browser_new (self->client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                         b->domain, AVAHI_DOMAIN_BROWSER_BROWSE, 0,
                                         domain_browsed_cb, b);
  if (b->browser == NULL)
    {
      g_debug ("Could not look for browse domains in %s: %s",
               b->domain != NULL ? b->domain : "local",
               avahi_strerror (avahi_client_errno (self->client)));
      domain_browser_schedule_retry (b);
    }
  return G_SOURCE_REMOVE;
}

static void
domain_browser_schedule_retry (DomainBrowser *b)
{
  if (b->retry_id != 0)
    return;
  b->retry_id = g_timeout_add_seconds (b->retry_s, domain_browser_retry_cb, b);
  b->retry_s = MIN (b->retry_s * 2, BROWSE_RETRY_MAX_S);
}

/* Looks for the browse domains Avahi knows of: those of its configuration
 * (browse-domains), the search domains of resolv.conf (from DHCP), and
 * those @domain lists in b._dns-sd._udp (%NULL: "local", over mDNS). */
static DomainBrowser *
new_domain_browser (HallwayDnssd *self,
                    const char   *domain)
{
  DomainBrowser *b = g_new0 (DomainBrowser, 1);

  b->dnssd = self;
  b->domain = g_strdup (domain);
  b->retry_s = BROWSE_RETRY_FIRST_S;
  domain_browser_retry_cb (b);
  return b;
}

/* A unicast DNS-SD domain: every browsed type is looked for in it too. */
static void
add_browse_domain (HallwayDnssd *self,
                   const char   *domain)
{
  BrowseDomain *d = g_hash_table_lookup (self->domains, domain);

  if (d != NULL)
    {
      d->seen++;
      return;
    }
  if (g_hash_table_size (self->domains) >= MAX_BROWSE_DOMAINS)
    {
      g_debug ("Too many browse domains; ignoring %s", domain);
      return;
    }

  g_debug ("Browsing domain %s", domain);
  d = g_new0 (BrowseDomain, 1);
  d->seen = 1;
  g_hash_table_insert (self->domains, g_strdup (domain), d);
  for (guint i = 0; i < self->browse_types->len; i++)
    start_browser (self, g_ptr_array_index (self->browse_types, i), domain);
  d->browser = new_domain_browser (self, domain);
}

/* A domain no longer listed: its browsers stop, and what was found only
 * there is gone. */
static void
remove_browse_domain (HallwayDnssd *self,
                      const char   *domain)
{
  BrowseDomain *d = g_hash_table_lookup (self->domains, domain);
  GHashTableIter iter;
  gpointer key, value;

  if (d == NULL || --d->seen > 0)
    return;

  g_debug ("No longer browsing domain %s", domain);
  for (guint i = 0; i < self->browsers->len;)
    {
      Browser *b = g_ptr_array_index (self->browsers, i);

      if (b->domain != NULL && avahi_domain_equal (b->domain, domain))
        g_ptr_array_remove_index (self->browsers, i);
      else
        i++;
    }

  g_hash_table_iter_init (&iter, self->resolving);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Resolving *r = value;

      if (avahi_domain_equal (r->domain, domain))
        {
          emit_removed (self, r->ifindex, r->ipv6, r->domain, r->type, r->name);
          g_hash_table_iter_remove (&iter);
        }
    }
  g_hash_table_remove (self->domains, domain);
}

static void
domain_browsed_cb (AvahiDomainBrowser     *browser,
                   AvahiIfIndex            ifindex,
                   AvahiProtocol           protocol,
                   AvahiBrowserEvent       event,
                   const char             *domain,
                   AvahiLookupResultFlags  flags,
                   void                   *user_data)
{
  DomainBrowser *b = user_data;
  HallwayDnssd *self = b->dnssd;

  switch (event)
    {
    case AVAHI_BROWSER_NEW:
      b->retry_s = BROWSE_RETRY_FIRST_S;
      /* "local" is browsed already (over mDNS); the others are unicast. */
      if (domain != NULL && !avahi_domain_equal (domain, "local"))
        add_browse_domain (self, domain);
      break;

    case AVAHI_BROWSER_REMOVE:
      if (domain != NULL && !avahi_domain_equal (domain, "local"))
        remove_browse_domain (self, domain);
      break;

    case AVAHI_BROWSER_FAILURE:
      g_debug ("Looking for browse domains in %s failed: %s; trying again in %u s",
               b->domain != NULL ? b->domain : "local",
               avahi_strerror (avahi_client_errno (self->client)), b->retry_s);
      domain_browser_schedule_retry (b);
      break;

    case AVAHI_BROWSER_ALL_FOR_NOW:
    case AVAHI_BROWSER_CACHE_EXHAUSTED:
    default:
      break;
    }
}

/* Drop everything that belongs to the current client connection. Entries
 * stay, without their groups, and are registered again on the next one. */
static void
forget_client_objects (HallwayDnssd *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_remove_all (self->resolving);
  g_ptr_array_set_size (self->browsers, 0);
  g_clear_pointer (&self->domain_browser, domain_browser_free);
  g_hash_table_remove_all (self->domains);

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

        if (self->browsers->len == 0)
          for (guint i = 0; i < self->browse_types->len; i++)
            start_browser (self, g_ptr_array_index (self->browse_types, i), NULL);
        if (self->domain_browser == NULL && self->browse_types->len > 0)
          self->domain_browser = new_domain_browser (self, NULL);

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

/**
 * hallway_dnssd_browse:
 * @self: a #HallwayDnssd
 * @type: service type to look for
 *
 * Starts looking for services of @type, now or when avahi-daemon runs.
 * Services of this very client are never reported.
 */
void
hallway_dnssd_browse (HallwayDnssd *self,
                      const char   *type)
{
  g_return_if_fail (HALLWAY_IS_DNSSD (self));

  g_ptr_array_add (self->browse_types, g_strdup (type));
  if (self->client != NULL && avahi_client_get_state (self->client) == AVAHI_CLIENT_S_RUNNING)
    {
      GHashTableIter iter;
      gpointer domain;

      start_browser (self, type, NULL);
      g_hash_table_iter_init (&iter, self->domains);
      while (g_hash_table_iter_next (&iter, &domain, NULL))
        start_browser (self, type, domain);
      if (self->domain_browser == NULL)
        self->domain_browser = new_domain_browser (self, NULL);
    }
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

  g_clear_pointer (&self->resolving, g_hash_table_unref);
  g_clear_pointer (&self->browsers, g_ptr_array_unref);
  g_clear_pointer (&self->domains, g_hash_table_unref);
  g_clear_pointer (&self->browse_types, g_ptr_array_unref);
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
  self->browse_types = g_ptr_array_new_with_free_func (g_free);
  self->browsers = g_ptr_array_new_with_free_func (browser_free);
  self->resolving = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, resolving_free);
  self->domains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, browse_domain_free);
}
