/* hallway-dns-records.h: this computer's DNS-SD records, for a site's DNS server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  HALLWAY_DNS_RECORDS_ZONE,
  HALLWAY_DNS_RECORDS_DNSMASQ,
} HallwayDnsRecordsFormat;

/**
 * HallwayDnsRecordsService:
 * @name: instance name (UTF-8), e.g. "Alice Martin"
 * @type: service type, e.g. "_hallway._tcp"
 * @port: TCP port
 * @txt: (nullable): TXT strings
 * @subtypes: (nullable): full subtype names, e.g. "_print._sub._ipp._tcp"
 *
 * One service as announced over mDNS.
 */
typedef struct
{
  char     *name;
  char     *type;
  guint16   port;
  GStrv     txt;
  GStrv     subtypes;
} HallwayDnsRecordsService;

void     hallway_dns_records_service_free     (HallwayDnsRecordsService  *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayDnsRecordsService, hallway_dns_records_service_free)

gboolean hallway_dns_records_format_from_string (const char               *text,
                                                 HallwayDnsRecordsFormat  *out_format);
gboolean hallway_dns_records_domain_is_valid  (const char                *domain);

G_GNUC_WARN_UNUSED_RESULT
char    *hallway_dns_records_build            (const char                *domain,
                                               const char                *host,
                                               const char * const        *addresses,
                                               GPtrArray                 *services,
                                               HallwayDnsRecordsFormat    format,
                                               GError                   **error);

G_END_DECLS
