/* hallwayctl-drops.c: sending files to a colleague, and answering offers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   hallwayctl send PEER FILE... [--wait]
 *   hallwayctl offers [--json]
 *   hallwayctl accept ID [--to DIR]
 *   hallwayctl decline ID
 */
#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "hallwayctl.h"

#define ctl_dup_offers(ctl) ctl_dup_interfaces (ctl, "io.github.hallwaylan.Hallway.Offer1")

int
ctl_cmd_send (Ctl           *ctl,
              const CtlArgs *args)
{
  const char *peer_query = args->argv[0];
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDBusPeer1) peer = NULL;
  g_autoptr(GPtrArray) locals = ctl_dup_local_paths (args->argv + 1, args->argc - 1);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *transfer = NULL;

  if (locals == NULL)
    return EXIT_FAILURE;

  peer = ctl_find_peer (ctl, peer_query, &error);
  if (peer == NULL)
    return ctl_failure ("%s", error->message);

  if (!hallway_dbus_daemon1_call_send_sync (ctl->daemon, hallway_dbus_peer1_get_id (peer),
                                            (const char * const *) locals->pdata, &transfer,
                                            NULL, &error))
    return ctl_failure (_("Could not send to %s: %s"), hallway_dbus_peer1_get_name (peer),
                        ctl_plain_error_message (error));

  ctl_take_transfer (paths, transfer, args->wait);
  if (!args->wait)
    return EXIT_SUCCESS;
  return ctl_follow_transfers (ctl, paths);
}

static int
compare_offers (gconstpointer a,
                gconstpointer b)
{
  const char *ia = hallway_dbus_offer1_get_id (*(HallwayDBusOffer1 **) a);
  const char *ib = hallway_dbus_offer1_get_id (*(HallwayDBusOffer1 **) b);
  guint64 na = g_ascii_strtoull (ia != NULL ? ia : "0", NULL, 10);
  guint64 nb = g_ascii_strtoull (ib != NULL ? ib : "0", NULL, 10);

  return na < nb ? -1 : na > nb;
}

static void
print_offers_json (GPtrArray *offers)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < offers->len; i++)
    {
      HallwayDBusOffer1 *offer = g_ptr_array_index (offers, i);
      GVariant *files = hallway_dbus_offer1_get_files (offer);
      GVariantIter iter;
      const char *name;
      guint64 size;

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "id", hallway_dbus_offer1_get_id (offer));
      hallway_json_add_string (builder, "peer", hallway_dbus_offer1_get_peer (offer));
      hallway_json_add_string (builder, "peer_name", hallway_dbus_offer1_get_peer_name (offer));
      hallway_json_add_bool (builder, "trusted", hallway_dbus_offer1_get_trusted (offer));
      hallway_json_begin_array_member (builder, "files");
      if (files != NULL)
        {
          g_variant_iter_init (&iter, files);
          while (g_variant_iter_next (&iter, "(&st)", &name, &size))
            {
              json_builder_begin_object (builder);
              hallway_json_add_string (builder, "name", name);
              hallway_json_add_int (builder, "size", size);
              json_builder_end_object (builder);
            }
        }
      json_builder_end_array (builder);
      hallway_json_add_int (builder, "total", hallway_dbus_offer1_get_total (offer));
      hallway_json_add_string (builder, "state", hallway_dbus_offer1_get_state (offer));
      hallway_json_add_int (builder, "expires", hallway_dbus_offer1_get_expires (offer));
      hallway_json_add_string (builder, "folder", hallway_dbus_offer1_get_folder (offer));
      hallway_json_add_int (builder, "bytes", hallway_dbus_offer1_get_bytes (offer));
      hallway_json_add_string (builder, "error", hallway_dbus_offer1_get_error (offer));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  ctl_print_json (builder);
}

int
ctl_cmd_offers (Ctl           *ctl,
                const CtlArgs *args)
{
  g_autoptr(GPtrArray) offers = ctl_dup_offers (ctl);

  g_ptr_array_sort (offers, compare_offers);
  if (args->json)
    {
      print_offers_json (offers);
      return EXIT_SUCCESS;
    }

  if (offers->len == 0)
    {
      g_print ("%s\n", _("No offers"));
      return EXIT_SUCCESS;
    }
  for (guint i = 0; i < offers->len; i++)
    {
      HallwayDBusOffer1 *offer = g_ptr_array_index (offers, i);
      GVariant *files = hallway_dbus_offer1_get_files (offer);
      guint n_files = files != NULL ? g_variant_n_children (files) : 0;
      g_autofree char *size = g_format_size (hallway_dbus_offer1_get_total (offer));
      g_autofree char *what = NULL;
      const char *error = hallway_dbus_offer1_get_error (offer);

      /* Translators: %u is a number of files, %s their size ("12.0 MB"). */
      what = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file, %s", "%u files, %s", n_files),
                              n_files, size);
      ctl_print_column (hallway_dbus_offer1_get_id (offer), 5);
      ctl_print_column (hallway_dbus_offer1_get_state (offer), 10);
      ctl_print_column (hallway_dbus_offer1_get_peer_name (offer), 24);
      g_print ("%s", what);
      if (!hallway_dbus_offer1_get_trusted (offer))
        g_print (" — %s", _("not verified: not a trusted colleague, whatever the name"));
      if (error != NULL && *error != '\0')
        g_print (" — %s", error);
      g_print ("\n");
    }
  return EXIT_SUCCESS;
}

static HallwayDBusOffer1 *
find_offer (Ctl        *ctl,
            const char *id)
{
  g_autoptr(GPtrArray) offers = ctl_dup_offers (ctl);

  for (guint i = 0; i < offers->len; i++)
    {
      HallwayDBusOffer1 *offer = g_ptr_array_index (offers, i);

      if (g_strcmp0 (hallway_dbus_offer1_get_id (offer), id) == 0)
        return g_object_ref (offer);
    }
  return NULL;
}

int
ctl_cmd_accept (Ctl           *ctl,
                const CtlArgs *args)
{
  const char *id = args->argv[0];
  const char *to = args->to;
  g_autoptr(HallwayDBusOffer1) offer = find_offer (ctl, id);
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  guint32 none[1] = { 0 };
  GVariant *files;

  if (offer == NULL)
    return ctl_failure (_("No offer “%s”; “hallwayctl offers” lists them"), id);
  folder = to != NULL ? g_canonicalize_filename (to, NULL) : g_strdup ("");
  files = g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, none, 0, sizeof (guint32));
  if (!hallway_dbus_offer1_call_accept_sync (offer, files, folder, NULL, &error))
    return ctl_failure (_("Could not accept offer %s: %s"), id, ctl_plain_error_message (error));
  return EXIT_SUCCESS;
}

int
ctl_cmd_decline (Ctl           *ctl,
                 const CtlArgs *args)
{
  const char *id = args->argv[0];
  g_autoptr(HallwayDBusOffer1) offer = find_offer (ctl, id);
  g_autoptr(GError) error = NULL;

  if (offer == NULL)
    return ctl_failure (_("No offer “%s”; “hallwayctl offers” lists them"), id);
  if (!hallway_dbus_offer1_call_decline_sync (offer, NULL, &error))
    return ctl_failure (_("Could not decline offer %s: %s"), id, ctl_plain_error_message (error));
  return EXIT_SUCCESS;
}
