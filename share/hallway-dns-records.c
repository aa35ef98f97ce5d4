/* hallway-dns-records.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * mDNS stops at the router. A site with a DNS server can carry the same
 * DNS-SD records in unicast DNS (RFC 6763): a PTR from the service type to
 * the instance, SRV (port and host) and TXT for the instance, A/AAAA for
 * the host, and in the zone's apex the records that make it a browse domain
 * (b._dns-sd._udp). Avahi on the other subnets then finds this computer by
 * browsing that domain. This file writes those records as a person pastes
 * them: a master (zone) file for BIND, Knot or NSD, or dnsmasq options.
 *
 * The output is configuration for another program, so everything that goes
 * in is checked: the domain and host are plain DNS labels, and names and
 * TXT strings are escaped, or refused where the format cannot hold them.
 */
#include "config.h"

#include "hallway-dns-records.h"

#include <glib/gi18n.h>

#include "hallway-error.h"

#define RECORD_TTL 120

void
hallway_dns_records_service_free (HallwayDnsRecordsService *service)
{
  if (service == NULL)
    return;
  g_free (service->name);
  g_free (service->type);
  g_strfreev (service->txt);
  g_strfreev (service->subtypes);
  g_free (service);
}

/**
 * hallway_dns_records_format_from_string:
 * @text: "zone" or "dnsmasq"
 * @out_format: (out): the format
 *
 * Returns: whether @text names a format
 */
gboolean
hallway_dns_records_format_from_string (const char              *text,
                                        HallwayDnsRecordsFormat *out_format)
{
  if (g_strcmp0 (text, "zone") == 0)
    *out_format = HALLWAY_DNS_RECORDS_ZONE;
  else if (g_strcmp0 (text, "dnsmasq") == 0)
    *out_format = HALLWAY_DNS_RECORDS_DNSMASQ;
  else
    return FALSE;
  return TRUE;
}

static gboolean
label_is_valid (const char *label,
                gsize       length)
{
  if (length == 0 || length > 63 || label[0] == '-' || label[length - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (label[i]) && label[i] != '-')
      return FALSE;
  return TRUE;
}

/**
 * hallway_dns_records_domain_is_valid:
 * @domain: a DNS domain, e.g. "office.example", without the final dot
 *
 * Returns: whether @domain is made of host-name labels (letters, digits,
 *   hyphens), at most 253 bytes
 */
gboolean
hallway_dns_records_domain_is_valid (const char *domain)
{
  const char *start;

  if (domain == NULL || *domain == '\0' || strlen (domain) > 253)
    return FALSE;

  start = domain;
  for (const char *p = domain;; p++)
    {
      if (*p == '.' || *p == '\0')
        {
          if (!label_is_valid (start, p - start))
            return FALSE;
          if (*p == '\0')
            return TRUE;
          start = p + 1;
        }
    }
}

/* A label of a master file: RFC 1035 §5.1, \DDD for anything that is not a
 * letter, digit, hyphen or underscore (spaces and UTF-8 bytes included). */
static void
append_zone_label (GString    *out,
                   const char *label)
{
  for (const guchar *p = (const guchar *) label; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '_')
        g_string_append_c (out, *p);
      else
        g_string_append_printf (out, "\\%03u", *p);
    }
}

static void
append_zone_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20 || *p >= 0x7f)
        g_string_append_printf (out, "\\%03u", *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* dnsmasq reads names as host names: plain ASCII, no dots or escapes in a
 * label (and it lowers their case). Spaces are fine inside quotes. */
static gboolean
dnsmasq_can_hold_label (const char *label)
{
  for (const guchar *p = (const guchar *) label; *p != '\0'; p++)
    if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' || *p == '.' || *p == ',')
      return FALSE;
  return TRUE;
}

static void
append_dnsmasq_string (GString    *out,
                       const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

typedef struct
{
  GString                 *out;
  HallwayDnsRecordsFormat  format;
  const char              *domain;
} Writer;

/* OWNER.DOMAIN PTR [INSTANCE.]TARGET.DOMAIN, or the domain itself when
 * @target is %NULL. @owner and @target are plain DNS names (service types). */
static void
write_ptr (Writer     *w,
           const char *owner,
           const char *instance,
           const char *target)
{
  g_autofree char *suffix = target != NULL ? g_strdup_printf ("%s.%s", target, w->domain)
                                           : g_strdup (w->domain);

  if (w->format == HALLWAY_DNS_RECORDS_ZONE)
    {
      g_string_append_printf (w->out, "%s.%s.\t%d\tIN PTR\t", owner, w->domain, RECORD_TTL);
      if (instance != NULL)
        {
          append_zone_label (w->out, instance);
          g_string_append_c (w->out, '.');
        }
      g_string_append_printf (w->out, "%s.\n", suffix);
    }
  else
    {
      g_string_append_printf (w->out, "ptr-record=%s.%s,", owner, w->domain);
      if (instance != NULL)
        {
          g_autofree char *full = g_strdup_printf ("%s.%s", instance, suffix);

          append_dnsmasq_string (w->out, full);
        }
      else
        g_string_append (w->out, suffix);
      g_string_append_c (w->out, '\n');
    }
}

static void
write_instance_name (Writer                         *w,
                     const HallwayDnsRecordsService *service)
{
  if (w->format == HALLWAY_DNS_RECORDS_ZONE)
    {
      append_zone_label (w->out, service->name);
      g_string_append_printf (w->out, ".%s.%s.", service->type, w->domain);
    }
  else
    {
      g_autofree char *name = g_strdup_printf ("%s.%s.%s", service->name, service->type,
                                               w->domain);

      append_dnsmasq_string (w->out, name);
    }
}

static void
write_service (Writer                         *w,
               const HallwayDnsRecordsService *service,
               const char                     *host)
{
  write_ptr (w, service->type, service->name, service->type);
  for (guint i = 0; service->subtypes != NULL && service->subtypes[i] != NULL; i++)
    write_ptr (w, service->subtypes[i], service->name, service->type);

  if (w->format == HALLWAY_DNS_RECORDS_ZONE)
    {
      write_instance_name (w, service);
      g_string_append_printf (w->out, "\t%d\tIN SRV\t0 0 %u %s.%s.\n", RECORD_TTL, service->port,
                              host, w->domain);
      write_instance_name (w, service);
      g_string_append_printf (w->out, "\t%d\tIN TXT\t", RECORD_TTL);
      if (service->txt == NULL || service->txt[0] == NULL)
        g_string_append (w->out, "\"\"");
      for (guint i = 0; service->txt != NULL && service->txt[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (w->out, ' ');
          append_zone_string (w->out, service->txt[i]);
        }
      g_string_append_c (w->out, '\n');
    }
  else
    {
      g_string_append (w->out, "srv-host=");
      write_instance_name (w, service);
      g_string_append_printf (w->out, ",%s.%s,%u,0,0\n", host, w->domain, service->port);
      g_string_append (w->out, "txt-record=");
      write_instance_name (w, service);
      for (guint i = 0; service->txt != NULL && service->txt[i] != NULL; i++)
        {
          g_string_append_c (w->out, ',');
          append_dnsmasq_string (w->out, service->txt[i]);
        }
      g_string_append_c (w->out, '\n');
    }
}

/* "_hallway._tcp", "_print._sub._ipp._tcp": labels with a leading "_". */
static gboolean
service_type_is_valid (const char *type)
{
  g_auto(GStrv) labels = NULL;

  if (type == NULL || strlen (type) > 200)
    return FALSE;
  labels = g_strsplit (type, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    if (labels[i][0] != '_' || !label_is_valid (labels[i] + 1, strlen (labels[i] + 1)))
      return FALSE;
  return g_strv_length (labels) >= 2;
}

static gboolean
check_service (const HallwayDnsRecordsService  *service,
               HallwayDnsRecordsFormat          format,
               GError                         **error)
{
  gboolean valid = service->name != NULL && *service->name != '\0' &&
                   strlen (service->name) <= 63 && g_utf8_validate (service->name, -1, NULL) &&
                   service_type_is_valid (service->type);

  for (guint i = 0; valid && service->subtypes != NULL && service->subtypes[i] != NULL; i++)
    valid = service_type_is_valid (service->subtypes[i]);
  for (guint i = 0; valid && service->txt != NULL && service->txt[i] != NULL; i++)
    valid = strlen (service->txt[i]) <= 255;
  if (!valid)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("“%s” can't be written as a DNS name"), service->name);
      return FALSE;
    }
  if (format == HALLWAY_DNS_RECORDS_DNSMASQ && !dnsmasq_can_hold_label (service->name))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("dnsmasq can't hold the name “%s” (only plain ASCII letters, digits and "
                     "spaces); print a zone file instead (for BIND, Knot or NSD)"),
                   service->name);
      return FALSE;
    }
  return TRUE;
}

/**
 * hallway_dns_records_build:
 * @domain: the site's DNS domain, e.g. "office.example"
 * @host: this computer's host name (one label)
 * @addresses: its addresses other computers can reach, numeric
 * @services: (element-type HallwayDnsRecordsService): what it announces
 * @format: a master file or dnsmasq options
 * @error: return location for a #GError
 *
 * Writes the unicast DNS-SD records of @services, ready to paste into the
 * zone of @domain or into dnsmasq's configuration, with a comment saying
 * what they are. The records that make @domain a browse domain come first;
 * a zone needs them once, whatever the number of computers in it.
 *
 * Returns: (transfer full) (nullable): the text, or %NULL when something
 *   can't be written in @format
 */
char *
hallway_dns_records_build (const char              *domain,
                           const char              *host,
                           const char * const      *addresses,
                           GPtrArray               *services,
                           HallwayDnsRecordsFormat  format,
                           GError                 **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GHashTable) types = g_hash_table_new (g_str_hash, g_str_equal);
  Writer w = { out, format, domain };
  const char *comment = format == HALLWAY_DNS_RECORDS_ZONE ? ";" : "#";

  g_return_val_if_fail (services != NULL, NULL);

  if (!hallway_dns_records_domain_is_valid (domain))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a DNS domain (like office.example)"), domain != NULL ? domain
                                                                          : "");
      return NULL;
    }
  if (host == NULL || strchr (host, '.') != NULL || !label_is_valid (host, strlen (host)))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("This computer's name “%s” can't be used in DNS (letters, digits and "
                     "hyphens only)"), host != NULL ? host : "");
      return NULL;
    }
  for (guint i = 0; i < services->len; i++)
    if (!check_service (g_ptr_array_index (services, i), format, error))
      return NULL;

  /* Translators: a comment at the top of DNS records for a DNS server. */
  g_string_append_printf (out, "%s %s\n", comment,
                          _("Hallway: the DNS-SD records of this computer"));
  g_string_append_printf (out, "%s %s.%s\n", comment, host, domain);
  if (format == HALLWAY_DNS_RECORDS_DNSMASQ)
    g_string_append_printf (out, "# %s\n",
                            _("(dnsmasq answers these with a TTL of 0 unless local-ttl is set)"));
  g_string_append_printf (out, "%s %s\n", comment,
                          _("Once per zone: the domain is a browse domain"));
  write_ptr (&w, "b._dns-sd._udp", NULL, NULL);
  write_ptr (&w, "lb._dns-sd._udp", NULL, NULL);

  for (guint i = 0; i < services->len; i++)
    {
      const HallwayDnsRecordsService *service = g_ptr_array_index (services, i);

      if (g_hash_table_add (types, service->type))
        write_ptr (&w, "_services._dns-sd._udp", NULL, service->type);
    }

  g_string_append_printf (out, "%s %s\n", comment, _("This computer's services"));
  for (guint i = 0; i < services->len; i++)
    write_service (&w, g_ptr_array_index (services, i), host);

  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (addresses[i]);
      g_autofree char *text = NULL;
      gboolean ipv6;

      if (address == NULL)
        continue;
      text = g_inet_address_to_string (address);
      ipv6 = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
      if (format == HALLWAY_DNS_RECORDS_ZONE)
        g_string_append_printf (out, "%s.%s.\t%d\tIN %s\t%s\n", host, domain, RECORD_TTL,
                                ipv6 ? "AAAA" : "A", text);
      else
        g_string_append_printf (out, "host-record=%s.%s,%s\n", host, domain, text);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
