/* hallwayctl-complete.c: names for the shell's tab completion
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   hallwayctl __complete KIND [WORD]
 *
 * Prints the candidates for one kind of argument, one per line, for
 * data/completions/hallwayctl: the names people type come from the running
 * hallwayd, which a shell script cannot ask without heavy tools. It never
 * starts hallwayd (pressing Tab must not start a service), never prints an
 * error (the terminal belongs to the person typing), and a daemon that is
 * not running simply gives no candidates. Not listed in --help.
 */
#include "config.h"

#include <stdlib.h>

#include "hallwayctl.h"

/* Listing a colleague's folder goes over the network; the person is
 * waiting at the prompt. */
#define LIST_TIMEOUT_MS 3000

/* A neighbour's name as it can be typed before a "/": a name holding a
 * slash could never be parsed back, so those are left out. */
static gboolean
is_typable (const char *name)
{
  return name != NULL && *name != '\0' && strchr (name, '/') == NULL;
}

static void
print_peers (Ctl        *ctl,
             const char *suffix)
{
  g_autoptr(GPtrArray) peers = ctl_dup_peers (ctl);

  for (guint i = 0; i < peers->len; i++)
    {
      const char *name = hallway_dbus_peer1_get_name (g_ptr_array_index (peers, i));

      if (is_typable (name))
        g_print ("%s%s\n", name, suffix);
    }
}

/* PEER/SHARE/PATH: the neighbours, then their shares, then the folders
 * in a share, one level at a time as the word grows. */
static void
print_remote (Ctl        *ctl,
              const char *word)
{
  const char *slash = strchr (word, '/');
  g_autofree char *peer_query = NULL;
  g_autoptr(HallwayDBusPeer1) peer = NULL;
  const char *rest;
  const char *next;

  if (slash == NULL)
    {
      print_peers (ctl, "/");
      return;
    }

  peer_query = g_strndup (word, slash - word);
  peer = ctl_find_peer (ctl, peer_query, NULL);
  if (peer == NULL)
    return;
  rest = slash + 1;
  next = strchr (rest, '/');

  if (next == NULL)
    {
      GVariant *folders = hallway_dbus_peer1_get_shared_folders (peer);
      GVariantIter iter;
      const char *name;

      if (folders == NULL)
        return;
      g_variant_iter_init (&iter, folders);
      while (g_variant_iter_next (&iter, "(&s&s&s&s)", NULL, &name, NULL, NULL))
        if (is_typable (name))
          g_print ("%s/%s/\n", peer_query, name);
      return;
    }

  {
    g_autofree char *share = g_strndup (rest, next - rest);
    const char *path = next + 1;
    const char *last = strrchr (path, '/');
    g_autofree char *folder = last != NULL ? g_strndup (path, last - path) : g_strdup ("");
    g_autofree char *prefix = g_strndup (word, (last != NULL ? last + 1 : path) - word);
    g_autoptr(GVariant) entries = NULL;
    GVariantIter iter;
    const char *name, *type;

    g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (peer), LIST_TIMEOUT_MS);
    if (!hallway_dbus_peer1_call_list_folder_sync (peer, share, folder, &entries, NULL, NULL))
      return;
    g_variant_iter_init (&iter, entries);
    while (g_variant_iter_next (&iter, "(&s&sxx)", &name, &type, NULL, NULL))
      g_print ("%s%s%s\n", prefix, name, g_str_equal (type, "folder") ? "/" : "");
  }
}

/* A colleague's printers as PEER/PRINTER, and this computer's queues. */
static void
print_printers (Ctl      *ctl,
                gboolean  local)
{
  g_autoptr(GPtrArray) printers = ctl_dup_printers (ctl);
  g_autoptr(GPtrArray) peers = ctl_dup_peers (ctl);

  for (guint i = 0; i < printers->len; i++)
    {
      HallwayDBusPrinter1 *printer = g_ptr_array_index (printers, i);
      const char *name = hallway_dbus_printer1_get_name (printer);

      if (hallway_dbus_printer1_get_local (printer) != local)
        continue;
      if (local)
        {
          g_print ("%s\n", name);
          continue;
        }
      for (guint j = 0; j < peers->len; j++)
        {
          HallwayDBusPeer1 *peer = g_ptr_array_index (peers, j);

          if (g_strcmp0 (hallway_dbus_peer1_get_id (peer),
                         hallway_dbus_printer1_get_peer (printer)) == 0 &&
              is_typable (hallway_dbus_peer1_get_name (peer)))
            g_print ("%s/%s\n", hallway_dbus_peer1_get_name (peer), name);
        }
    }
}

int
ctl_cmd_complete (Ctl           *ctl,
                  const CtlArgs *args)
{
  const char *kind = args->argv[0];
  const char *word = args->argc > 1 ? args->argv[1] : "";

  if (!ctl_connect (ctl, FALSE, NULL))
    return EXIT_SUCCESS;

  if (g_str_equal (kind, "peers"))
    print_peers (ctl, "");
  else if (g_str_equal (kind, "remote"))
    print_remote (ctl, word);
  else if (g_str_equal (kind, "printers"))
    print_printers (ctl, FALSE);
  else if (g_str_equal (kind, "queues"))
    print_printers (ctl, TRUE);
  else if (g_str_equal (kind, "shares"))
    {
      g_autoptr(GPtrArray) shares = ctl_dup_shares (ctl);

      for (guint i = 0; i < shares->len; i++)
        g_print ("%s\n", hallway_dbus_share1_get_name (g_ptr_array_index (shares, i)));
    }
  else if (g_str_equal (kind, "offers"))
    {
      g_autoptr(GPtrArray) offers = ctl_dup_interfaces (ctl,
                                                        "io.github.hallwaylan.Hallway.Offer1");

      for (guint i = 0; i < offers->len; i++)
        {
          HallwayDBusOffer1 *offer = g_ptr_array_index (offers, i);

          if (g_strcmp0 (hallway_dbus_offer1_get_state (offer), "pending") == 0)
            g_print ("%s\n", hallway_dbus_offer1_get_id (offer));
        }
    }
  else if (g_str_equal (kind, "transfers"))
    {
      g_autoptr(GPtrArray) transfers = ctl_dup_transfers (ctl);

      for (guint i = 0; i < transfers->len; i++)
        g_print ("%s\n", hallway_dbus_transfer1_get_id (g_ptr_array_index (transfers, i)));
    }
  else
    return CTL_EXIT_USAGE;
  return EXIT_SUCCESS;
}
