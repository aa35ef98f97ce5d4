/* hallway-dnssd-browse.c: finding services with Avahi
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The finding half of HallwayDnssd: a service browser and resolvers for
 * each type asked for, in "local" over mDNS and in every unicast DNS-SD
 * browse domain Avahi reports (its configuration, the search domains from
 * DHCP, b._dns-sd._udp), each browser retried with a growing delay when its
 * DNS server does not answer. Announcing, and following avahi-daemon as it
 * comes and goes, is hallway-dnssd.c's: it calls
 * _hallway_dnssd_browse_start() when the client reaches RUNNING and
 * _hallway_dnssd_browse_forget() when the connection is lost.
 */
#include "config.h"

#include "hallway-dnssd-private.h"

#include <net/if.h>

#include <avahi-client/lookup.h>
#include <avahi-common/domain.h>
#include <avahi-common/error.h>

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
struct _DomainBrowser
{
  HallwayDnssd        *dnssd;    /* (unowned) */
  AvahiDomainBrowser  *browser;  /* (nullable) while waiting to retry */
  char                *domain;
  guint                retry_id;
  guint                retry_s;
};

/* A browse domain beyond "local", as reported by Avahi's domain browsers. */
typedef struct
{
  DomainBrowser *browser;
  guint          seen;      /* how many reports (interface, protocol) list it */
} BrowseDomain;

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

  g_signal_emit_by_name (self, "service-resolved", service);
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
  g_signal_emit_by_name (self, "service-removed", service);
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

/* Starts the browsers not running yet: when the client reaches RUNNING,
 * first or after avahi-daemon restarted. */
void
_hallway_dnssd_browse_start (HallwayDnssd *self)
{
  if (self->browsers->len == 0)
    for (guint i = 0; i < self->browse_types->len; i++)
      start_browser (self, g_ptr_array_index (self->browse_types, i), NULL);
  if (self->domain_browser == NULL && self->browse_types->len > 0)
    self->domain_browser = new_domain_browser (self, NULL);
}

/* Drops the browsers and resolvers of the current client connection; the
 * types to browse for stay, and are browsed for again on the next one. */
void
_hallway_dnssd_browse_forget (HallwayDnssd *self)
{
  g_hash_table_remove_all (self->resolving);
  g_ptr_array_set_size (self->browsers, 0);
  g_clear_pointer (&self->domain_browser, domain_browser_free);
  g_hash_table_remove_all (self->domains);
}

void
_hallway_dnssd_browse_init (HallwayDnssd *self)
{
  self->browse_types = g_ptr_array_new_with_free_func (g_free);
  self->browsers = g_ptr_array_new_with_free_func (browser_free);
  self->resolving = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, resolving_free);
  self->domains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, browse_domain_free);
}

void
_hallway_dnssd_browse_finalize (HallwayDnssd *self)
{
  g_clear_pointer (&self->resolving, g_hash_table_unref);
  g_clear_pointer (&self->browsers, g_ptr_array_unref);
  g_clear_pointer (&self->domains, g_hash_table_unref);
  g_clear_pointer (&self->browse_types, g_ptr_array_unref);
}
