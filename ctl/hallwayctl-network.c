/* hallwayctl-network.c: "doctor" and "dns-records"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both ask hallwayd, which owns every network concern: the checks the
 * window's "Can't find someone?" page shows are the ones printed here.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "hallwayctl.h"

/* The checks can listen for answers and try connections for a few seconds
 * each; D-Bus's default 25 s is enough, but say so explicitly. */
#define DIAGNOSE_TIMEOUT_MS 60000

static const char *
verdict_mark (const char *verdict)
{
  if (g_str_equal (verdict, "ok"))
    return "✔";
  if (g_str_equal (verdict, "problem"))
    return "✘";
  if (g_str_equal (verdict, "likely"))
    return "✘?";
  return "•";
}

int
ctl_cmd_doctor (Ctl           *ctl,
                const CtlArgs *args)
{
  const char *target = args->argc > 0 ? args->argv[0] : NULL;
  gboolean json = args->json;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) findings = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  GVariantIter iter;
  const char *check, *verdict, *message, *fix;
  gboolean trouble = FALSE;

  if (!json)
    {
      if (target != NULL)
        g_print (_("Checking this computer and “%s” (this takes a few seconds)…\n"), target);
      else
        g_print ("%s\n", _("Checking this computer (this takes a few seconds)…"));
    }

  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (ctl->daemon), DIAGNOSE_TIMEOUT_MS);
  if (!hallway_dbus_daemon1_call_diagnose_sync (ctl->daemon, target != NULL ? target : "",
                                                &findings, NULL, &error))
    return ctl_failure (_("Could not run the checks: %s"), ctl_plain_error_message (error));

  if (json)
    {
      builder = json_builder_new ();
      json_builder_begin_array (builder);
    }

  g_variant_iter_init (&iter, findings);
  while (g_variant_iter_next (&iter, "(&s&s&s&s)", &check, &verdict, &message, &fix))
    {
      if (g_str_equal (verdict, "problem") || g_str_equal (verdict, "likely"))
        trouble = TRUE;
      if (json)
        {
          json_builder_begin_object (builder);
          hallway_json_add_string (builder, "check", check);
          hallway_json_add_string (builder, "verdict", verdict);
          hallway_json_add_string (builder, "message", message);
          hallway_json_add_string (builder, "fix", fix);
          json_builder_end_object (builder);
          continue;
        }
      g_print ("%-3s %s\n", verdict_mark (verdict), message);
      if (*fix != '\0')
        /* Translators: what to do about a problem the checks found. */
        g_print ("    %s %s\n", _("What to do:"), fix);
    }

  if (json)
    {
      json_builder_end_array (builder);
      ctl_print_json (builder);
    }
  else if (!trouble)
    g_print ("%s\n", _("No problem found."));
  return trouble ? EXIT_FAILURE : EXIT_SUCCESS;
}

int
ctl_cmd_dns_records (Ctl           *ctl,
                     const CtlArgs *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *records = NULL;

  if (!hallway_dbus_daemon1_call_dns_records_sync (ctl->daemon,
                                                   args->domain != NULL ? args->domain : "",
                                                   args->format != NULL ? args->format : "zone",
                                                   &records, NULL, &error))
    return ctl_failure ("%s", ctl_plain_error_message (error));
  g_print ("%s", records);
  return EXIT_SUCCESS;
}
