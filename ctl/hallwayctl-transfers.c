/* hallwayctl-transfers.c: copying to and from neighbours' shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   hallwayctl get PEER/SHARE/PATH... [--to DIR] [--wait]
 *   hallwayctl put FILE... PEER/SHARE[/PATH] [--wait]
 *   hallwayctl transfers [--json] [--watch] | cancel ID
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "hallwayctl.h"
#include "hallway-settings.h"

/* Transfers */

static int
compare_transfers (gconstpointer a,
                   gconstpointer b)
{
  HallwayDBusTransfer1 *ta = *(HallwayDBusTransfer1 **) a;
  HallwayDBusTransfer1 *tb = *(HallwayDBusTransfer1 **) b;
  guint64 ia = g_ascii_strtoull (hallway_dbus_transfer1_get_id (ta), NULL, 10);
  guint64 ib = g_ascii_strtoull (hallway_dbus_transfer1_get_id (tb), NULL, 10);

  return ia < ib ? -1 : ia > ib;
}

static void
add_transfer_json (JsonBuilder          *builder,
                   HallwayDBusTransfer1 *transfer)
{
  json_builder_begin_object (builder);
  hallway_json_add_string (builder, "id", hallway_dbus_transfer1_get_id (transfer));
  hallway_json_add_string (builder, "kind", hallway_dbus_transfer1_get_kind (transfer));
  hallway_json_add_string (builder, "state", hallway_dbus_transfer1_get_state (transfer));
  hallway_json_add_int (builder, "bytes", hallway_dbus_transfer1_get_bytes (transfer));
  hallway_json_add_int (builder, "total", hallway_dbus_transfer1_get_total (transfer));
  hallway_json_add_string (builder, "peer", hallway_dbus_transfer1_get_peer (transfer));
  hallway_json_add_string (builder, "peer_name", hallway_dbus_transfer1_get_peer_name (transfer));
  hallway_json_add_string (builder, "path", hallway_dbus_transfer1_get_path (transfer));
  hallway_json_add_string (builder, "destination",
                           hallway_dbus_transfer1_get_destination (transfer));
  hallway_json_add_string (builder, "error", hallway_dbus_transfer1_get_error (transfer));
  hallway_json_add_double (builder, "rate", hallway_dbus_transfer1_get_rate (transfer));
  hallway_json_add_int (builder, "eta", hallway_dbus_transfer1_get_eta (transfer));
  hallway_json_add_int (builder, "files", hallway_dbus_transfer1_get_files (transfer));
  hallway_json_add_int (builder, "files_done", hallway_dbus_transfer1_get_files_done (transfer));
  hallway_json_add_int (builder, "verified", hallway_dbus_transfer1_get_verified (transfer));
  json_builder_end_object (builder);
}

int
ctl_cmd_get (Ctl           *ctl,
             const CtlArgs *args)
{
  const char * const *targets = args->argv;
  const char *to = args->to;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *destination = NULL;

  destination = to != NULL ? g_canonicalize_filename (to, NULL) : hallway_dup_downloads_folder ();
  if (g_mkdir_with_parents (destination, 0755) != 0)
    return ctl_failure (_("Could not create the folder “%s”: %s"), destination, g_strerror (errno));

  for (guint i = 0; targets[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) parts = g_strsplit (targets[i], "/", 3);
      g_autoptr(HallwayDBusPeer1) peer = NULL;
      g_auto(GStrv) created = NULL;
      const char *path_list[2];

      if (g_strv_length (parts) < 2 || *parts[0] == '\0' || *parts[1] == '\0')
        return ctl_usage_error (_("“%s” does not say what to copy: use PEER/SHARE/PATH"),
                                targets[i]);

      peer = ctl_find_peer (ctl, parts[0], &error);
      if (peer == NULL)
        return ctl_failure ("%s", error->message);

      path_list[0] = parts[2] != NULL ? parts[2] : "";
      path_list[1] = NULL;
      if (!hallway_dbus_daemon1_call_download_sync (ctl->daemon,
                                                    hallway_dbus_peer1_get_id (peer), parts[1],
                                                    path_list, destination, &created, NULL,
                                                    &error))
        return ctl_failure (_("Could not copy “%s”: %s"), targets[i],
                            ctl_plain_error_message (error));

      for (guint j = 0; created[j] != NULL; j++)
        ctl_take_transfer (paths, created[j], args->wait);
    }

  if (!args->wait)
    return EXIT_SUCCESS;
  return ctl_follow_transfers (ctl, paths);
}

/* put FILE... PEER/SHARE[/PATH]: the last argument says where. */
int
ctl_cmd_put (Ctl           *ctl,
             const CtlArgs *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) locals = NULL;
  g_autoptr(HallwayDBusPeer1) peer = NULL;
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) created = NULL;
  guint n = args->argc;
  const char *target = args->argv[n - 1];

  parts = g_strsplit (target, "/", 3);
  if (g_strv_length (parts) < 2 || *parts[0] == '\0' || *parts[1] == '\0')
    return ctl_usage_error (_("“%s” does not say where to copy to: use PEER/SHARE[/PATH]"), target);

  locals = ctl_dup_local_paths (args->argv, n - 1);
  if (locals == NULL)
    return EXIT_FAILURE;

  peer = ctl_find_peer (ctl, parts[0], &error);
  if (peer == NULL)
    return ctl_failure ("%s", error->message);
  if (!hallway_dbus_daemon1_call_upload_sync (ctl->daemon, hallway_dbus_peer1_get_id (peer),
                                              parts[1], parts[2] != NULL ? parts[2] : "",
                                              (const char * const *) locals->pdata, &created,
                                              NULL, &error))
    return ctl_failure (_("Could not copy to “%s”: %s"), target, ctl_plain_error_message (error));

  for (guint j = 0; created[j] != NULL; j++)
    ctl_take_transfer (paths, created[j], args->wait);

  if (!args->wait)
    return EXIT_SUCCESS;
  return ctl_follow_transfers (ctl, paths);
}

static void
print_transfers (GPtrArray *transfers,
                 gboolean   json,
                 gboolean   compact)
{
  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree char *text = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < transfers->len; i++)
        add_transfer_json (builder, g_ptr_array_index (transfers, i));
      json_builder_end_array (builder);
      text = hallway_json_to_data (builder, !compact, NULL);
      g_print ("%s\n", text);
      return;
    }

  if (transfers->len == 0)
    {
      g_print ("%s\n", _("No transfers."));
      return;
    }
  g_print ("%-5s %-10s %-24s %-20s %s\n", _("ID"), _("STATE"), _("PROGRESS"), _("COLLEAGUE"),
           _("WHAT"));
  for (guint i = 0; i < transfers->len; i++)
    {
      HallwayDBusTransfer1 *t = g_ptr_array_index (transfers, i);
      g_autofree char *bytes = g_format_size (hallway_dbus_transfer1_get_bytes (t));
      g_autofree char *total = g_format_size (hallway_dbus_transfer1_get_total (t));
      g_autofree char *progress = g_strdup_printf ("%s / %s", bytes, total);
      const char *error = hallway_dbus_transfer1_get_error (t);
      const char *kind = hallway_dbus_transfer1_get_kind (t);
      /* Which way it goes: an upload or a sent offer goes to the colleague. */
      gboolean outgoing = g_strcmp0 (kind, "upload") == 0 || g_strcmp0 (kind, "send") == 0;
      /* Translators: "to Alice Martin" / "from Alice Martin" in the transfers table. */
      g_autofree char *colleague = g_strdup_printf (outgoing ? _("to %s") : _("from %s"),
                                                    hallway_dbus_transfer1_get_peer_name (t));

      g_print ("%-5s %-10s %-24s %-20s %s\n", hallway_dbus_transfer1_get_id (t),
               hallway_dbus_transfer1_get_state (t), progress, colleague,
               hallway_dbus_transfer1_get_path (t));
      if (error != NULL && *error != '\0')
        g_print ("      %s\n", error);
    }
}

int
ctl_cmd_transfers (Ctl           *ctl,
                   const CtlArgs *args)
{
  gboolean json = args->json;
  gboolean ticked = FALSE;
  guint tick_id;

  if (!args->watch)
    {
      g_autoptr(GPtrArray) transfers = ctl_dup_transfers (ctl);

      g_ptr_array_sort (transfers, compare_transfers);
      print_transfers (transfers, json, FALSE);
      return EXIT_SUCCESS;
    }

  /* Until nothing is left to wait for; with --json, one line per update. */
  tick_id = g_timeout_add (1000, ctl_tick_cb, &ticked);
  for (;;)
    {
      g_autoptr(GPtrArray) transfers = ctl_dup_transfers (ctl);
      gboolean active = FALSE;

      g_ptr_array_sort (transfers, compare_transfers);
      for (guint i = 0; i < transfers->len; i++)
        active = active || !ctl_transfer_is_finished (g_ptr_array_index (transfers, i));
      print_transfers (transfers, json, TRUE);
      if (!active)
        break;
      if (!json)
        g_print ("\n");
      ticked = FALSE;
      while (!ticked)
        g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick_id);
  return EXIT_SUCCESS;
}

int
ctl_cmd_cancel (Ctl           *ctl,
                const CtlArgs *args)
{
  const char *id = args->argv[0];
  g_autoptr(GPtrArray) transfers = ctl_dup_transfers (ctl);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < transfers->len; i++)
    {
      HallwayDBusTransfer1 *t = g_ptr_array_index (transfers, i);

      if (g_strcmp0 (hallway_dbus_transfer1_get_id (t), id) != 0)
        continue;
      if (!hallway_dbus_transfer1_call_cancel_sync (t, NULL, &error))
        return ctl_failure (_("Could not cancel transfer %s: %s"), id,
                            ctl_plain_error_message (error));
      return EXIT_SUCCESS;
    }
  return ctl_failure (_("No transfer “%s”; “hallwayctl transfers” lists them"), id);
}
