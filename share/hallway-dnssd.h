/* hallway-dnssd.h: announcing and finding services with Avahi (mDNS/DNS-SD)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hallway-dns-records.h"

G_BEGIN_DECLS

typedef enum
{
  HALLWAY_DNSSD_STATE_STARTING,
  HALLWAY_DNSSD_STATE_RUNNING,
  HALLWAY_DNSSD_STATE_NOT_RUNNING,
  HALLWAY_DNSSD_STATE_FAILED,
} HallwayDnssdState;

/**
 * HallwayDnssdService:
 * @type: service type, e.g. "_hallway._tcp"
 * @name: instance name (UTF-8, as announced)
 * @domain: browse domain, usually "local"
 * @host_name: the host's mDNS name, e.g. "office-a.local"
 * @address: numeric address; IPv6 link-local ones carry "%ifname"
 * @ifindex: interface it was seen on
 * @ipv6: whether it was browsed over IPv6
 * @port: TCP port
 * @txt: (element-type GBytes): raw TXT strings, untrusted
 * @local: published on this very computer (maybe by another user)
 *
 * One resolved instance of a service, as seen on one interface and protocol.
 */
typedef struct
{
  char      *type;
  char      *name;
  char      *domain;
  char      *host_name;
  char      *address;
  int        ifindex;
  gboolean   ipv6;
  guint16    port;
  GPtrArray *txt;
  gboolean   local;
} HallwayDnssdService;

#define HALLWAY_TYPE_DNSSD_SERVICE (hallway_dnssd_service_get_type ())
GType                hallway_dnssd_service_get_type (void) G_GNUC_CONST;
HallwayDnssdService *hallway_dnssd_service_copy     (const HallwayDnssdService *service);
void                 hallway_dnssd_service_free     (HallwayDnssdService       *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayDnssdService, hallway_dnssd_service_free)

#define HALLWAY_TYPE_DNSSD (hallway_dnssd_get_type ())
G_DECLARE_FINAL_TYPE (HallwayDnssd, hallway_dnssd, HALLWAY, DNSSD, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayDnssd      *hallway_dnssd_new             (void);
void               hallway_dnssd_start           (HallwayDnssd        *self);
HallwayDnssdState  hallway_dnssd_get_state       (HallwayDnssd        *self);
const char        *hallway_dnssd_get_message     (HallwayDnssd        *self);
const char        *hallway_dnssd_state_to_string (HallwayDnssdState    state);

void               hallway_dnssd_publish         (HallwayDnssd        *self,
                                                  const char          *key,
                                                  const char          *name,
                                                  const char          *type,
                                                  guint16              port,
                                                  const char * const  *txt,
                                                  const char * const  *subtypes);
void               hallway_dnssd_publish_printer (HallwayDnssd        *self,
                                                  const char          *key,
                                                  const char          *name,
                                                  guint16              port,
                                                  const char * const  *txt,
                                                  gboolean             universal);
void               hallway_dnssd_update_txt      (HallwayDnssd        *self,
                                                  const char          *key,
                                                  const char * const  *txt);
void               hallway_dnssd_unpublish       (HallwayDnssd        *self,
                                                  const char          *key);
const char        *hallway_dnssd_get_published_name (HallwayDnssd     *self,
                                                     const char       *key);

void               hallway_dnssd_browse          (HallwayDnssd        *self,
                                                  const char          *type);

G_GNUC_WARN_UNUSED_RESULT
GPtrArray         *hallway_dnssd_dup_published   (HallwayDnssd        *self);

G_END_DECLS
