/* hallway-dnssd-private.h: what announcing (hallway-dnssd.c) and finding
 * (hallway-dnssd-browse.c) services with Avahi share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hallway-dnssd.h"

#include <avahi-client/client.h>
#include <avahi-glib/glib-watch.h>

G_BEGIN_DECLS

/* Defined in hallway-dnssd-browse.c, which alone looks inside. */
typedef struct _DomainBrowser DomainBrowser;

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
/* hallway-dnssd-browse.c */
void _hallway_dnssd_browse_init     (HallwayDnssd *self);
void _hallway_dnssd_browse_start    (HallwayDnssd *self);
void _hallway_dnssd_browse_forget   (HallwayDnssd *self);
void _hallway_dnssd_browse_finalize (HallwayDnssd *self);

G_END_DECLS
