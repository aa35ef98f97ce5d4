/* test-dns-records.c: unicast DNS-SD records for a site's DNS server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-dns-records.h"
#include "hallway-error.h"

static GPtrArray *
sample_services (const char *name)
{
  GPtrArray *services =
    g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_dns_records_service_free);
  HallwayDnsRecordsService *s = g_new0 (HallwayDnsRecordsService, 1);
  const char *txt[] = { "v=1", "id=abc", "note=say \"hi\" \\ bye", "ty=Imprimante é", NULL };
  const char *subtypes[] = { "_print._sub._ipp._tcp", NULL };

  s->name = g_strdup (name);
  s->type = g_strdup ("_hallway._tcp");
  s->port = 53535;
  s->txt = g_strdupv ((char **) txt);
  g_ptr_array_add (services, s);

  s = g_new0 (HallwayDnsRecordsService, 1);
  s->name = g_strdup ("Office printer");
  s->type = g_strdup ("_ipp._tcp");
  s->port = 53536;
  s->subtypes = g_strdupv ((char **) subtypes);
  g_ptr_array_add (services, s);
  return services;
}

static void
test_zone (void)
{
  g_autoptr(GPtrArray) services = sample_services ("Alice Martin");
  const char *addresses[] = { "10.0.0.5", "fd00::5", "not an address", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *zone = NULL;

  g_test_summary ("A master file holds every record, escaped as RFC 1035 says");

  zone = hallway_dns_records_build ("office.example", "reception", addresses, services,
                                    HALLWAY_DNS_RECORDS_ZONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (zone, "b._dns-sd._udp.office.example.\t120\tIN PTR\t"
                                  "office.example.\n"));
  g_assert_nonnull (strstr (zone, "lb._dns-sd._udp.office.example.\t120\tIN PTR\t"
                                  "office.example.\n"));
  g_assert_nonnull (strstr (zone, "_services._dns-sd._udp.office.example.\t120\tIN PTR\t"
                                  "_hallway._tcp.office.example.\n"));
  g_assert_nonnull (strstr (zone, "_hallway._tcp.office.example.\t120\tIN PTR\t"
                                  "Alice\\032Martin._hallway._tcp.office.example.\n"));
  g_assert_nonnull (strstr (zone, "Alice\\032Martin._hallway._tcp.office.example.\t120\tIN SRV\t"
                                  "0 0 53535 reception.office.example.\n"));
  g_assert_nonnull (strstr (zone, "\tIN TXT\t\"v=1\" \"id=abc\" \"note=say \\\"hi\\\" \\\\ bye\" "
                                  "\"ty=Imprimante \\195\\169\"\n"));
  /* A subtype, and a service without TXT (an empty string, as RFC 6763 asks). */
  g_assert_nonnull (strstr (zone, "_print._sub._ipp._tcp.office.example.\t120\tIN PTR\t"
                                  "Office\\032printer._ipp._tcp.office.example.\n"));
  g_assert_nonnull (strstr (zone, "Office\\032printer._ipp._tcp.office.example.\t120\t"
                                  "IN TXT\t\"\"\n"));
  g_assert_nonnull (strstr (zone, "reception.office.example.\t120\tIN A\t10.0.0.5\n"));
  g_assert_nonnull (strstr (zone, "reception.office.example.\t120\tIN AAAA\tfd00::5\n"));
  g_assert_null (strstr (zone, "not an address"));
}

static void
test_dnsmasq (void)
{
  g_autoptr(GPtrArray) services = sample_services ("Bruno Costa");
  const char *addresses[] = { "10.0.0.6", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = NULL;

  g_test_summary ("dnsmasq options quote names with spaces and TXT strings");

  conf = hallway_dns_records_build ("office.example", "desk-2", addresses, services,
                                    HALLWAY_DNS_RECORDS_DNSMASQ, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (conf, "ptr-record=b._dns-sd._udp.office.example,office.example\n"));
  g_assert_nonnull (strstr (conf, "ptr-record=_hallway._tcp.office.example,"
                                  "\"Bruno Costa._hallway._tcp.office.example\"\n"));
  g_assert_nonnull (strstr (conf, "srv-host=\"Bruno Costa._hallway._tcp.office.example\","
                                  "desk-2.office.example,53535,0,0\n"));
  g_assert_nonnull (strstr (conf, "txt-record=\"Bruno Costa._hallway._tcp.office.example\","
                                  "\"v=1\",\"id=abc\",\"note=say \\\"hi\\\" \\\\ bye\""));
  g_assert_nonnull (strstr (conf, "host-record=desk-2.office.example,10.0.0.6\n"));
  /* Every line is an option or a comment: nothing can start another one. */
  {
    g_auto(GStrv) lines = g_strsplit (conf, "\n", -1);

    for (guint i = 0; lines[i] != NULL; i++)
      g_assert_true (*lines[i] == '\0' || *lines[i] == '#' ||
                     g_str_has_prefix (lines[i], "ptr-record=") ||
                     g_str_has_prefix (lines[i], "srv-host=") ||
                     g_str_has_prefix (lines[i], "txt-record=") ||
                     g_str_has_prefix (lines[i], "host-record="));
  }
}

static void
test_refusals (void)
{
  const char *bad_domains[] = {
    "", "office", "-office.example", "office..example", "office.example.", "office example",
    "office.example\nport=0", "office.example,evil", "a/b.example", "bücher.example",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.example",
  };
  const char *bad_dnsmasq_names[] = { "Chloé", "a \"quoted\" name", "back\\slash", "dot.ted",
                                      "comma, here", "tab\there" };
  g_autoptr(GPtrArray) services = sample_services ("Alice Martin");

  g_test_summary ("Domains, host names and names a format can't hold are refused");

  for (guint i = 0; i < G_N_ELEMENTS (bad_domains); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;

      /* "office" alone is a valid single-label domain; all others are not. */
      if (g_str_equal (bad_domains[i], "office"))
        continue;
      g_assert_false (hallway_dns_records_domain_is_valid (bad_domains[i]));
      out = hallway_dns_records_build (bad_domains[i], "pc", NULL, services,
                                       HALLWAY_DNS_RECORDS_ZONE, &error);
      g_assert_null (out);
      g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
    }
  g_assert_true (hallway_dns_records_domain_is_valid ("office"));
  g_assert_true (hallway_dns_records_domain_is_valid ("floor-2.office.example"));

  for (guint i = 0; i < 3; i++)
    {
      const char *hosts[] = { "pc.office", "-pc", "p c" };
      g_autoptr(GError) error = NULL;
      g_autofree char *out = hallway_dns_records_build ("office.example", hosts[i], NULL,
                                                        services, HALLWAY_DNS_RECORDS_ZONE,
                                                        &error);

      g_assert_null (out);
      g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_dnsmasq_names); i++)
    {
      g_autoptr(GPtrArray) named = sample_services (bad_dnsmasq_names[i]);
      g_autoptr(GError) error = NULL;
      g_autofree char *out = hallway_dns_records_build ("office.example", "pc", NULL, named,
                                                        HALLWAY_DNS_RECORDS_DNSMASQ, &error);
      g_autofree char *zone = NULL;

      g_assert_null (out);
      g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      /* A zone file holds them all. */
      zone = hallway_dns_records_build ("office.example", "pc", NULL, named,
                                        HALLWAY_DNS_RECORDS_ZONE, &error);
      g_assert_no_error (error);
      g_assert_nonnull (zone);
    }

  {
    g_autoptr(GPtrArray) bad_type = sample_services ("Alice");
    HallwayDnsRecordsService *s = g_ptr_array_index (bad_type, 0);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;

    g_free (s->type);
    s->type = g_strdup ("_hallway._tcp\nevil");
    out = hallway_dns_records_build ("office.example", "pc", NULL, bad_type,
                                     HALLWAY_DNS_RECORDS_ZONE, &error);
    g_assert_null (out);
    g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_format_names (void)
{
  HallwayDnsRecordsFormat format;

  g_test_summary ("The two format names, and nothing else");

  g_assert_true (hallway_dns_records_format_from_string ("zone", &format));
  g_assert_cmpint (format, ==, HALLWAY_DNS_RECORDS_ZONE);
  g_assert_true (hallway_dns_records_format_from_string ("dnsmasq", &format));
  g_assert_cmpint (format, ==, HALLWAY_DNS_RECORDS_DNSMASQ);
  g_assert_false (hallway_dns_records_format_from_string ("bind", &format));
  g_assert_false (hallway_dns_records_format_from_string (NULL, &format));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/dns-records/zone", test_zone);
  g_test_add_func ("/share/dns-records/dnsmasq", test_dnsmasq);
  g_test_add_func ("/share/dns-records/refusals", test_refusals);
  g_test_add_func ("/share/dns-records/format-names", test_format_names);

  return g_test_run ();
}
