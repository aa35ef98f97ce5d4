/* hallwayctl-printers.c: printers, printer share|unshare|default, print
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Printing on a colleague's printer goes through this computer's own CUPS,
 * exactly like `lp -d`: CUPS finds the printer's DNS-SD announcement and
 * makes a temporary driverless queue for it, which needs no administrator.
 * hallwayd does that (Printer1.Print); hallwayctl only asks it.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hallwayctl.h"

#define WAIT_POLL_MS 500
/* Finding a neighbour's printer may take CUPS a while of browsing. */
#define PRINT_TIMEOUT_MS (120 * 1000)

static HallwayDBusPeer1 *
lookup_peer (GPtrArray  *peers,
             const char *id)
{
  for (guint i = 0; i < peers->len; i++)
    if (g_strcmp0 (hallway_dbus_peer1_get_id (g_ptr_array_index (peers, i)), id) == 0)
      return g_ptr_array_index (peers, i);
  return NULL;
}

static int
compare_printers (gconstpointer a,
                  gconstpointer b)
{
  HallwayDBusPrinter1 *x = *(HallwayDBusPrinter1 **) a;
  HallwayDBusPrinter1 *y = *(HallwayDBusPrinter1 **) b;

  /* Mine first, then each neighbour's. */
  if (hallway_dbus_printer1_get_local (x) != hallway_dbus_printer1_get_local (y))
    return hallway_dbus_printer1_get_local (x) ? -1 : 1;
  return g_strcmp0 (hallway_dbus_printer1_get_id (x), hallway_dbus_printer1_get_id (y));
}

int
ctl_cmd_printers (Ctl           *ctl,
                  const CtlArgs *args)
{
  g_autoptr(GPtrArray) printers = ctl_dup_printers (ctl);
  g_autoptr(GPtrArray) peers = ctl_dup_peers (ctl);

  g_ptr_array_sort (printers, compare_printers);

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < printers->len; i++)
        {
          HallwayDBusPrinter1 *printer = g_ptr_array_index (printers, i);
          HallwayDBusPeer1 *peer = lookup_peer (peers, hallway_dbus_printer1_get_peer (printer));
          const struct { const char *key; const char *value; } strings[] = {
            { "id", hallway_dbus_printer1_get_id (printer) },
            { "name", hallway_dbus_printer1_get_name (printer) },
            { "description", hallway_dbus_printer1_get_description (printer) },
            { "location", hallway_dbus_printer1_get_location (printer) },
            { "make_and_model", hallway_dbus_printer1_get_make_and_model (printer) },
            { "peer", hallway_dbus_printer1_get_peer (printer) },
            { "peer_name", peer != NULL ? hallway_dbus_peer1_get_name (peer) : "" },
            { "state", hallway_dbus_printer1_get_state (printer) },
            { "uri", hallway_dbus_printer1_get_uri (printer) },
            { "uuid", hallway_dbus_printer1_get_uuid (printer) },
          };

          json_builder_begin_object (builder);
          for (gsize s = 0; s < G_N_ELEMENTS (strings); s++)
            {
              hallway_json_add_string (builder, strings[s].key,
                                       strings[s].value != NULL ? strings[s].value : "");
            }
          hallway_json_add_bool (builder, "local", hallway_dbus_printer1_get_local (printer));
          hallway_json_add_bool (builder, "shared", hallway_dbus_printer1_get_shared (printer));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      ctl_print_json (builder);
      return EXIT_SUCCESS;
    }

  if (printers->len == 0)
    {
      g_print (_("No printers: this computer has none in CUPS, and no neighbour shares one.\n"));
      return EXIT_SUCCESS;
    }
  g_print ("%-20s %-28s %-24s %-11s %s\n", _("NAME"), _("DESCRIPTION"), _("OWNER"), _("STATE"),
           _("SHARED"));
  for (guint i = 0; i < printers->len; i++)
    {
      HallwayDBusPrinter1 *printer = g_ptr_array_index (printers, i);
      HallwayDBusPeer1 *peer = lookup_peer (peers, hallway_dbus_printer1_get_peer (printer));
      gboolean local = hallway_dbus_printer1_get_local (printer);

      ctl_print_column (hallway_dbus_printer1_get_name (printer), 21);
      ctl_print_column (hallway_dbus_printer1_get_description (printer), 29);
      ctl_print_column (local ? _("this computer") :
                        peer != NULL ? hallway_dbus_peer1_get_name (peer) : _("a neighbour"), 25);
      ctl_print_column (hallway_dbus_printer1_get_state (printer), 12);
      if (!local)
        g_print ("-\n");
      else
        g_print ("%s\n", hallway_dbus_printer1_get_shared (printer) ? _("yes") : _("no"));
    }
  return EXIT_SUCCESS;
}

static GPtrArray *
dup_shared_printers (Ctl *ctl)
{
  g_autoptr(GPtrArray) printers = ctl_dup_printers (ctl);
  GPtrArray *shared = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_sort (printers, compare_printers);
  for (guint i = 0; i < printers->len; i++)
    {
      HallwayDBusPrinter1 *printer = g_ptr_array_index (printers, i);

      if (hallway_dbus_printer1_get_local (printer) && hallway_dbus_printer1_get_shared (printer))
        g_ptr_array_add (shared, g_object_ref (printer));
    }
  return shared;
}

/* For "status --json": the names of the printers this computer shares. */
void
ctl_add_shared_printers_json (Ctl         *ctl,
                              JsonBuilder *builder)
{
  g_autoptr(GPtrArray) shared = dup_shared_printers (ctl);

  json_builder_begin_array (builder);
  for (guint i = 0; i < shared->len; i++)
    json_builder_add_string_value (builder,
                                   hallway_dbus_printer1_get_name (g_ptr_array_index (shared, i)));
  json_builder_end_array (builder);
}

void
ctl_print_shared_printers (Ctl *ctl)
{
  g_autoptr(GPtrArray) shared = dup_shared_printers (ctl);

  if (shared->len == 0)
    g_print (_("Shared printers:   none\n"));
  for (guint i = 0; i < shared->len; i++)
    {
      HallwayDBusPrinter1 *printer = g_ptr_array_index (shared, i);

      g_print ("%s“%s” (%s)\n", i == 0 ? _("Shared printers:   ") : "                   ",
               hallway_dbus_printer1_get_name (printer), hallway_dbus_printer1_get_uri (printer));
    }
}

/* The printer's address as the daemon has it now: the proxy's copy is
 * updated only after the call that shared it returned. */
static char *
dup_current_uri (HallwayDBusPrinter1 *printer)
{
  GDBusProxy *proxy = G_DBUS_PROXY (printer);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (g_dbus_proxy_get_connection (proxy),
                                       g_dbus_proxy_get_name (proxy),
                                       g_dbus_proxy_get_object_path (proxy),
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)",
                                                      g_dbus_proxy_get_interface_name (proxy),
                                                      "Uri"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, NULL);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(v)", &value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return NULL;
  return g_variant_dup_string (value, NULL);
}

static int
set_shared (Ctl        *ctl,
            const char *queue,
            gboolean    share)
{
  g_autoptr(GPtrArray) printers = ctl_dup_printers (ctl);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < printers->len; i++)
    {
      HallwayDBusPrinter1 *printer = g_ptr_array_index (printers, i);
      gboolean ok;

      if (!hallway_dbus_printer1_get_local (printer) ||
          g_strcmp0 (hallway_dbus_printer1_get_name (printer), queue) != 0)
        continue;
      if (share)
        ok = hallway_dbus_printer1_call_share_sync (printer, NULL, &error);
      else
        ok = hallway_dbus_printer1_call_unshare_sync (printer, NULL, &error);
      if (!ok)
        return ctl_failure (share ? _("Could not share printer “%s”: %s")
                                  : _("Could not stop sharing printer “%s”: %s"),
                            queue, ctl_plain_error_message (error));
      if (share)
        {
          g_autofree char *uri = dup_current_uri (printer);

          if (uri != NULL && *uri != '\0')
            g_print (_("Printer “%s” is shared: colleagues can print on it at %s\n"), queue, uri);
          else
            g_print (_("Printer “%s” is shared; “hallwayctl printers” shows its address once "
                       "it is announced\n"), queue);
        }
      else
        g_print (_("Printer “%s” is no longer shared\n"), queue);
      return EXIT_SUCCESS;
    }
  return ctl_failure (_("No printer “%s” on this computer; “hallwayctl printers” lists them"),
                      queue);
}

int
ctl_cmd_printer_share (Ctl           *ctl,
                       const CtlArgs *args)
{
  return set_shared (ctl, args->argv[0], TRUE);
}

int
ctl_cmd_printer_unshare (Ctl           *ctl,
                         const CtlArgs *args)
{
  return set_shared (ctl, args->argv[0], FALSE);
}

static HallwayDBusPrinter1 *
find_remote_printer (Ctl         *ctl,
                     const char  *target,
                     GError     **error)
{
  g_autoptr(GPtrArray) printers = ctl_dup_printers (ctl);
  g_autoptr(HallwayDBusPeer1) peer = NULL;
  g_autofree char *peer_query = NULL;
  const char *slash = strchr (target, '/');
  const char *query;

  if (slash == NULL || slash == target || slash[1] == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” does not say which printer: use PEER/PRINTER"), target);
      return NULL;
    }
  peer_query = g_strndup (target, slash - target);
  query = slash + 1;
  peer = ctl_find_peer (ctl, peer_query, error);
  if (peer == NULL)
    return NULL;

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < printers->len; i++)
      {
        HallwayDBusPrinter1 *printer = g_ptr_array_index (printers, i);
        const char *name = hallway_dbus_printer1_get_name (printer);
        const char *description = hallway_dbus_printer1_get_description (printer);
        gboolean match;

        if (g_strcmp0 (hallway_dbus_printer1_get_peer (printer),
                       hallway_dbus_peer1_get_id (peer)) != 0)
          continue;
        /* Exact names first, then regardless of case. */
        if (pass == 0)
          match = g_strcmp0 (name, query) == 0 || g_strcmp0 (description, query) == 0;
        else
          match = (name != NULL && g_ascii_strcasecmp (name, query) == 0) ||
                  (description != NULL && g_utf8_collate (description, query) == 0);
        if (match)
          return g_object_ref (printer);
      }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
               _("%s shares no printer “%s”; “hallwayctl printers” lists them"),
               hallway_dbus_peer1_get_name (peer), query);
  return NULL;
}

static int
wait_for_job (HallwayDBusPrinter1 *printer,
              guint                job)
{
  /* CUPS' temporary queue keeps the job until the colleague's printer has
   * it, so its end is the job's end. */
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *state = NULL;

      if (!hallway_dbus_printer1_call_get_job_state_sync (printer, job, &state, NULL, &error))
        return ctl_failure (_("Lost track of job %u: %s"), job, ctl_plain_error_message (error));
      if (g_str_equal (state, "completed"))
        {
          g_print (_("Job %u printed\n"), job);
          return EXIT_SUCCESS;
        }
      if (g_str_equal (state, "cancelled"))
        return ctl_failure (_("Job %u was cancelled"), job);
      if (g_str_equal (state, "aborted"))
        return ctl_failure (_("Job %u was stopped by an error"), job);
      g_usleep (WAIT_POLL_MS * 1000);
    }
}

/* printer default PEER/PRINTER: the person's own default, no administrator. */
int
ctl_cmd_printer_default (Ctl           *ctl,
                         const CtlArgs *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDBusPrinter1) printer = find_remote_printer (ctl, args->argv[0], &error);

  if (printer == NULL)
    return ctl_failure ("%s", ctl_plain_error_message (error));
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (printer), PRINT_TIMEOUT_MS);
  if (!hallway_dbus_printer1_call_set_default_sync (printer, NULL, &error))
    return ctl_failure (_("Could not make “%s” your default printer: %s"),
                        hallway_dbus_printer1_get_description (printer),
                        ctl_plain_error_message (error));
  g_print (_("“%s” is now your default printer\n"),
           hallway_dbus_printer1_get_description (printer));
  return EXIT_SUCCESS;
}

int
ctl_cmd_print (Ctl           *ctl,
               const CtlArgs *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDBusPrinter1) printer = NULL;
  g_autofree char *file = g_canonicalize_filename (args->argv[1], NULL);
  guint job = 0;

  printer = find_remote_printer (ctl, args->argv[0], &error);
  if (printer == NULL)
    return ctl_failure ("%s", ctl_plain_error_message (error));
  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    return ctl_failure (_("Could not read “%s”: it is not a file"), args->argv[1]);

  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (printer), PRINT_TIMEOUT_MS);
  if (!hallway_dbus_printer1_call_print_sync (printer, file, "", &job, NULL, &error))
    return ctl_failure (_("Could not print on “%s”: %s"),
                        hallway_dbus_printer1_get_description (printer),
                        ctl_plain_error_message (error));

  g_print (_("Job %u sent to “%s”\n"), job, hallway_dbus_printer1_get_description (printer));
  return args->wait ? wait_for_job (printer, job) : EXIT_SUCCESS;
}

/* Before connecting: the printer is named with its owner. */
int
ctl_check_print (const CtlArgs *args)
{
  if (strchr (args->argv[0], '/') == NULL)
    return ctl_usage_error (_("“%s” does not say which printer: use PEER/PRINTER"),
                            args->argv[0]);
  return EXIT_SUCCESS;
}
