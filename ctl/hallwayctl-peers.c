/* hallwayctl-peers.c: this computer and its neighbours
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   hallwayctl status [--json]
 *   hallwayctl peers [--json] [--wait N] [--timeout S]
 *   hallwayctl info PEER [--json]
 *   hallwayctl add-peer ADDRESS[:PORT]
 *   hallwayctl trust PEER | untrust PEER
 *   hallwayctl ls PEER[/SHARE[/PATH]] [--json]
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hallwayctl.h"
#include "hallway-identity.h"

static int
compare_peers (gconstpointer a,
               gconstpointer b)
{
  HallwayDBusPeer1 *pa = *(HallwayDBusPeer1 **) a;
  HallwayDBusPeer1 *pb = *(HallwayDBusPeer1 **) b;
  g_autofree char *ka = g_utf8_collate_key (hallway_dbus_peer1_get_name (pa), -1);
  g_autofree char *kb = g_utf8_collate_key (hallway_dbus_peer1_get_name (pb), -1);
  int cmp = strcmp (ka, kb);

  return cmp != 0 ? cmp
                  : g_strcmp0 (hallway_dbus_peer1_get_id (pa), hallway_dbus_peer1_get_id (pb));
}

static gboolean
peer_is_usable (HallwayDBusPeer1 *peer)
{
  return hallway_dbus_peer1_get_online (peer) &&
         g_strcmp0 (hallway_dbus_peer1_get_problem (peer), "") == 0;
}

/* Who it is, as far as this computer knows: trust is a person's choice
 * after comparing codes; a name is only a label. */
static const char *
peer_trust (HallwayDBusPeer1 *peer)
{
  const char *held_by = hallway_dbus_peer1_get_name_held_by (peer);

  if (held_by != NULL && *held_by != '\0')
    return _("not them!");
  return hallway_dbus_peer1_get_trusted (peer) ? _("trusted") : _("not verified");
}

static const char *
peer_state (HallwayDBusPeer1 *peer)
{
  if (g_strcmp0 (hallway_dbus_peer1_get_problem (peer), "") != 0)
    return _("identity problem");
  return hallway_dbus_peer1_get_online (peer) ? _("online") : _("offline");
}

static void
add_peer_json (JsonBuilder      *builder,
               HallwayDBusPeer1 *peer)
{
  const char * const *addresses = hallway_dbus_peer1_get_addresses (peer);

  json_builder_begin_object (builder);
  hallway_json_add_string (builder, "id", hallway_dbus_peer1_get_id (peer));
  hallway_json_add_string (builder, "name", hallway_dbus_peer1_get_name (peer));
  hallway_json_add_string (builder, "host", hallway_dbus_peer1_get_host (peer));
  hallway_json_add_string (builder, "verification_code",
                           hallway_dbus_peer1_get_verification_code (peer));
  hallway_json_add_bool (builder, "online", hallway_dbus_peer1_get_online (peer));
  hallway_json_begin_array_member (builder, "addresses");
  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    json_builder_add_string_value (builder, addresses[i]);
  json_builder_end_array (builder);
  hallway_json_add_int (builder, "port", hallway_dbus_peer1_get_port (peer));
  hallway_json_add_bool (builder, "trusted", hallway_dbus_peer1_get_trusted (peer));
  hallway_json_add_string (builder, "name_held_by", hallway_dbus_peer1_get_name_held_by (peer));
  hallway_json_begin_array_member (builder, "verified_addresses");
  for (const char * const *a = hallway_dbus_peer1_get_verified_addresses (peer);
       a != NULL && *a != NULL; a++)
    json_builder_add_string_value (builder, *a);
  json_builder_end_array (builder);
  hallway_json_begin_array_member (builder, "impostor_addresses");
  for (const char * const *a = hallway_dbus_peer1_get_impostor_addresses (peer);
       a != NULL && *a != NULL; a++)
    json_builder_add_string_value (builder, *a);
  json_builder_end_array (builder);
  hallway_json_add_string (builder, "problem", hallway_dbus_peer1_get_problem (peer));
  hallway_json_add_string (builder, "problem_message",
                           hallway_dbus_peer1_get_problem_message (peer));
  hallway_json_add_int (builder, "shares", hallway_dbus_peer1_get_shares (peer));
  hallway_json_add_int (builder, "printers", hallway_dbus_peer1_get_printers (peer));
  hallway_json_begin_array_member (builder, "shared_folders");
  {
    GVariant *folders = hallway_dbus_peer1_get_shared_folders (peer);
    GVariantIter iter;
    const char *id, *name, *access, *audience;

    if (folders != NULL)
      {
        g_variant_iter_init (&iter, folders);
        while (g_variant_iter_next (&iter, "(&s&s&s&s)", &id, &name, &access, &audience))
          {
            json_builder_begin_object (builder);
            hallway_json_add_string (builder, "id", id);
            hallway_json_add_string (builder, "name", name);
            hallway_json_add_string (builder, "access", access);
            hallway_json_add_string (builder, "audience", audience);
            json_builder_end_object (builder);
          }
      }
  }
  json_builder_end_array (builder);
  hallway_json_add_bool (builder, "accepts_drops", hallway_dbus_peer1_get_accepts_drops (peer));
  hallway_json_add_string (builder, "source", hallway_dbus_peer1_get_source (peer));
  hallway_json_add_int (builder, "last_seen", hallway_dbus_peer1_get_last_seen (peer));
  json_builder_end_object (builder);
}

int
ctl_cmd_status (Ctl           *ctl,
                const CtlArgs *args)
{
  HallwayDBusDaemon1 *d = ctl->daemon;

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "name", hallway_dbus_daemon1_get_name (d));
      hallway_json_add_string (builder, "host", hallway_dbus_daemon1_get_host (d));
      hallway_json_add_string (builder, "id", hallway_dbus_daemon1_get_device_id (d));
      hallway_json_add_string (builder, "fingerprint", hallway_dbus_daemon1_get_fingerprint (d));
      hallway_json_add_string (builder, "verification_code",
                               hallway_dbus_daemon1_get_verification_code (d));
      hallway_json_add_int (builder, "port", hallway_dbus_daemon1_get_port (d));
      hallway_json_add_string (builder, "avahi", hallway_dbus_daemon1_get_avahi_state (d));
      hallway_json_add_string (builder, "avahi_message",
                               hallway_dbus_daemon1_get_avahi_message (d));
      hallway_json_add_string (builder, "version", hallway_dbus_daemon1_get_version (d));
      hallway_json_add_bool (builder, "learn_neighbours",
                             hallway_dbus_daemon1_get_learn_neighbours (d));
      json_builder_set_member_name (builder, "shares");
      ctl_add_shares_json (ctl, builder);
      json_builder_set_member_name (builder, "printers");
      ctl_add_shared_printers_json (ctl, builder);
      json_builder_end_object (builder);
      ctl_print_json (builder);
      return EXIT_SUCCESS;
    }

  g_print (_("This computer:     %s\n"), hallway_dbus_daemon1_get_name (d));
  g_print (_("Host:              %s\n"), hallway_dbus_daemon1_get_host (d));
  g_print (_("Verification code: %s\n"), hallway_dbus_daemon1_get_verification_code (d));
  g_print (_("Device id:         %s\n"), hallway_dbus_daemon1_get_device_id (d));
  g_print (_("Port:              %u\n"), hallway_dbus_daemon1_get_port (d));
  if (g_strcmp0 (hallway_dbus_daemon1_get_avahi_state (d), "running") == 0)
    g_print (_("Avahi (mDNS):      running\n"));
  else
    g_print (_("Avahi (mDNS):      %s — %s\n"), hallway_dbus_daemon1_get_avahi_state (d),
             hallway_dbus_daemon1_get_avahi_message (d));
  g_print ("%s\n", hallway_dbus_daemon1_get_learn_neighbours (d) ?
                    _("Learn neighbours:  on") : _("Learn neighbours:  off"));
  {
    g_autoptr(GPtrArray) shares = ctl_dup_shares (ctl);

    if (shares->len == 0)
      g_print (_("Shared folders:    none\n"));
    for (guint i = 0; i < shares->len; i++)
      {
        HallwayDBusShare1 *share = g_ptr_array_index (shares, i);

        g_print ("%s“%s” (%s, %s)%s\n", i == 0 ? _("Shared folders:    ") : "                   ",
                 hallway_dbus_share1_get_name (share), hallway_dbus_share1_get_access (share),
                 hallway_dbus_share1_get_audience (share),
                 hallway_dbus_share1_get_available (share) ? "" : _(" — not available"));
      }
  }
  ctl_print_shared_printers (ctl);
  return EXIT_SUCCESS;
}

int
ctl_cmd_learn_neighbours (Ctl           *ctl,
                          const CtlArgs *args)
{
  g_autoptr(GError) error = NULL;
  const char *word = args->argc > 0 ? args->argv[0] : NULL;
  gboolean enabled;

  if (word == NULL)
    {
      g_print ("%s\n", hallway_dbus_daemon1_get_learn_neighbours (ctl->daemon) ? "on" : "off");
      return EXIT_SUCCESS;
    }
  if (g_str_equal (word, "on"))
    enabled = TRUE;
  else if (g_str_equal (word, "off"))
    enabled = FALSE;
  else
    return ctl_usage_error (_("“%s” is neither “on” nor “off”"), word);

  if (!hallway_dbus_daemon1_call_set_learn_neighbours_sync (ctl->daemon, enabled, NULL, &error))
    return ctl_failure ("%s", ctl_plain_error_message (error));
  g_print ("%s\n", enabled ?
           _("Learning of colleagues from colleagues is on.") :
           _("Learning of colleagues from colleagues is off: only computers found on the "
             "network or added by address are shown."));
  return EXIT_SUCCESS;
}

static int
set_trusted (Ctl        *ctl,
             const char *query,
             gboolean    trusted)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDBusPeer1) peer = ctl_find_peer (ctl, query, &error);
  gboolean ok;

  if (peer == NULL)
    return ctl_failure ("%s", error->message);

  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (peer), 30000);
  ok = trusted ? hallway_dbus_peer1_call_trust_sync (peer, NULL, &error)
               : hallway_dbus_peer1_call_untrust_sync (peer, NULL, &error);
  if (!ok)
    return ctl_failure ("%s", ctl_plain_error_message (error));

  if (trusted)
    g_print (_("“%s” is now a trusted colleague (verification code %s).\n"),
             hallway_dbus_peer1_get_name (peer), hallway_dbus_peer1_get_verification_code (peer));
  else
    g_print (_("“%s” is no longer a trusted colleague.\n"), hallway_dbus_peer1_get_name (peer));
  return EXIT_SUCCESS;
}

int
ctl_cmd_trust (Ctl           *ctl,
               const CtlArgs *args)
{
  return set_trusted (ctl, args->argv[0], TRUE);
}

int
ctl_cmd_untrust (Ctl           *ctl,
                 const CtlArgs *args)
{
  return set_trusted (ctl, args->argv[0], FALSE);
}

typedef struct
{
  Ctl       *ctl;
  GMainLoop *loop;
  guint      wanted;
  gboolean   reached;
} WaitData;

static guint
count_usable (Ctl *ctl)
{
  g_autoptr(GPtrArray) peers = ctl_dup_peers (ctl);
  guint n = 0;

  for (guint i = 0; i < peers->len; i++)
    if (peer_is_usable (g_ptr_array_index (peers, i)))
      n++;
  return n;
}

static void
peers_changed_cb (WaitData *wait)
{
  if (count_usable (wait->ctl) >= wait->wanted)
    {
      wait->reached = TRUE;
      g_main_loop_quit (wait->loop);
    }
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  WaitData *wait = user_data;

  g_main_loop_quit (wait->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_for_peers (Ctl   *ctl,
                guint  wanted,
                guint  timeout_seconds)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  WaitData wait = { ctl, loop, wanted, FALSE };
  guint timeout_id;

  if (count_usable (ctl) >= wanted)
    return TRUE;

  g_signal_connect_swapped (ctl->manager, "object-added", G_CALLBACK (peers_changed_cb), &wait);
  g_signal_connect_swapped (ctl->manager, "interface-proxy-properties-changed",
                            G_CALLBACK (peers_changed_cb), &wait);
  timeout_id = g_timeout_add_seconds (timeout_seconds, wait_timeout_cb, &wait);
  g_main_loop_run (loop);
  if (wait.reached)
    g_source_remove (timeout_id);
  g_signal_handlers_disconnect_by_data (ctl->manager, &wait);
  return wait.reached;
}

int
ctl_cmd_peers (Ctl           *ctl,
               const CtlArgs *args)
{
  g_autoptr(GPtrArray) peers = NULL;
  int wait_count = args->wait_count;
  int timeout_seconds = args->timeout_seconds;

  if (wait_count > 0 && !wait_for_peers (ctl, wait_count, timeout_seconds))
    return ctl_failure (g_dngettext (GETTEXT_PACKAGE,
                                     "Only %u of the %d neighbour asked for appeared within %d s",
                                     "Only %u of the %d neighbours asked for appeared within %d s",
                                     wait_count),
                        count_usable (ctl), wait_count, timeout_seconds);

  peers = ctl_dup_peers (ctl);
  g_ptr_array_sort (peers, compare_peers);

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < peers->len; i++)
        add_peer_json (builder, g_ptr_array_index (peers, i));
      json_builder_end_array (builder);
      ctl_print_json (builder);
      return EXIT_SUCCESS;
    }

  if (peers->len == 0)
    {
      if (g_strcmp0 (hallway_dbus_daemon1_get_avahi_state (ctl->daemon), "running") != 0)
        g_print (_("No neighbours yet. %s\n"),
                 hallway_dbus_daemon1_get_avahi_message (ctl->daemon));
      else
        g_print (_("No neighbours yet. Computers running Hallway on this network appear here "
                   "as they start.\n"));
      return EXIT_SUCCESS;
    }

  ctl_print_column (_("NAME"), 33);
  ctl_print_column (_("COMPUTER"), 21);
  ctl_print_column (_("STATE"), 17);
  ctl_print_column (_("TRUST"), 14);
  ctl_print_column (_("CODE"), 11);
  g_print ("%s\n", _("ADDRESS"));
  for (guint i = 0; i < peers->len; i++)
    {
      HallwayDBusPeer1 *peer = g_ptr_array_index (peers, i);
      const char * const *addresses = hallway_dbus_peer1_get_addresses (peer);

      ctl_print_column (hallway_dbus_peer1_get_name (peer), 33);
      ctl_print_column (hallway_dbus_peer1_get_host (peer), 21);
      ctl_print_column (peer_state (peer), 17);
      ctl_print_column (peer_trust (peer), 14);
      ctl_print_column (hallway_dbus_peer1_get_verification_code (peer), 11);
      g_print ("%s\n", addresses != NULL && addresses[0] != NULL ? addresses[0] : "");
    }
  return EXIT_SUCCESS;
}

int
ctl_cmd_info (Ctl           *ctl,
              const CtlArgs *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDBusPeer1) peer = ctl_find_peer (ctl, args->argv[0], &error);
  const char * const *addresses;

  if (peer == NULL)
    return ctl_failure ("%s", error->message);

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      add_peer_json (builder, peer);
      ctl_print_json (builder);
      return EXIT_SUCCESS;
    }

  addresses = hallway_dbus_peer1_get_addresses (peer);
  g_print (_("Name:              %s\n"), hallway_dbus_peer1_get_name (peer));
  g_print (_("Computer:          %s\n"), hallway_dbus_peer1_get_host (peer));
  g_print (_("State:             %s\n"), peer_state (peer));
  if (g_strcmp0 (hallway_dbus_peer1_get_problem (peer), "") != 0)
    g_print (_("Problem:           %s\n"), hallway_dbus_peer1_get_problem_message (peer));
  g_print (_("Verification code: %s\n"), hallway_dbus_peer1_get_verification_code (peer));
  g_print (_("Device id:         %s\n"), hallway_dbus_peer1_get_id (peer));
  g_print (_("Trusted:           %s\n"),
           hallway_dbus_peer1_get_trusted (peer) ? _("yes") : _("no"));
  {
    const char *held_by = hallway_dbus_peer1_get_name_held_by (peer);
    const char * const *impostors = hallway_dbus_peer1_get_impostor_addresses (peer);

    if (held_by != NULL && *held_by != '\0')
      {
        g_autofree char *code = hallway_device_id_dup_verification_code (held_by);

        g_print (_("Warning:           a trusted colleague (code %s) had this name; this "
                   "computer is not them\n"), code);
      }
    for (guint i = 0; impostors != NULL && impostors[i] != NULL; i++)
      g_print ("%s%s\n", i == 0 ? _("Impostor attempts: ") : "                   ",
               impostors[i]);
  }
  g_print (_("Port:              %u\n"), hallway_dbus_peer1_get_port (peer));
  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    g_print ("%s%s\n", i == 0 ? _("Addresses:         ") : "                   ", addresses[i]);
  {
    GVariant *folders = hallway_dbus_peer1_get_shared_folders (peer);
    GVariantIter iter;
    const char *id, *name, *access, *audience;
    guint n = 0;

    if (folders != NULL)
      {
        g_variant_iter_init (&iter, folders);
        while (g_variant_iter_next (&iter, "(&s&s&s&s)", &id, &name, &access, &audience))
          g_print ("%s“%s” (%s, %s)\n", n++ == 0 ? _("Shared folders:    ") : "                   ",
                   name, access, audience);
      }
    if (n == 0)
      g_print (_("Shared folders:    %u\n"), hallway_dbus_peer1_get_shares (peer));
  }
  g_print (_("Shared printers:   %u\n"), hallway_dbus_peer1_get_printers (peer));
  return EXIT_SUCCESS;
}

int
ctl_cmd_add_peer (Ctl           *ctl,
                  const CtlArgs *args)
{
  const char *address = args->argv[0];
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GDBusObject) object = NULL;
  g_autoptr(HallwayDBusPeer1) peer = NULL;

  if (!hallway_dbus_daemon1_call_add_peer_sync (ctl->daemon, address, &path, NULL, &error))
    return ctl_failure (_("Could not add “%s”: %s"), address, ctl_plain_error_message (error));

  /* The new object was announced before the reply; let the manager see it. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  object = g_dbus_object_manager_get_object (ctl->manager, path);
  if (object != NULL)
    peer = hallway_dbus_object_get_peer1 (HALLWAY_DBUS_OBJECT (object));
  if (peer != NULL)
    g_print (_("Added “%s” (%s). Verification code: %s\n"), hallway_dbus_peer1_get_name (peer),
             hallway_dbus_peer1_get_host (peer), hallway_dbus_peer1_get_verification_code (peer));
  else
    g_print (_("Added %s\n"), address);
  return EXIT_SUCCESS;
}

int
ctl_cmd_ls (Ctl           *ctl,
            const CtlArgs *args)
{
  const char *target = args->argv[0];
  gboolean json = args->json;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer_name = NULL;
  g_autofree char *share = NULL;
  const char *path = "";
  const char *slash = strchr (target, '/');
  g_autoptr(HallwayDBusPeer1) peer = NULL;
  g_autoptr(GVariant) entries = NULL;
  GVariantIter iter;
  const char *name, *type;
  gint64 size, modified;

  peer_name = slash != NULL ? g_strndup (target, slash - target) : g_strdup (target);
  peer = ctl_find_peer (ctl, peer_name, &error);
  if (peer == NULL)
    return ctl_failure ("%s", error->message);

  if (slash == NULL || slash[1] == '\0')
    {
      GVariant *folders = hallway_dbus_peer1_get_shared_folders (peer);
      const char *id, *access, *audience;
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      guint n = 0;

      json_builder_begin_array (builder);
      if (folders != NULL)
        {
          g_variant_iter_init (&iter, folders);
          while (g_variant_iter_next (&iter, "(&s&s&s&s)", &id, &name, &access, &audience))
            {
              if (json)
                {
                  json_builder_begin_object (builder);
                  hallway_json_add_string (builder, "name", name);
                  hallway_json_add_string (builder, "type", "share");
                  hallway_json_add_string (builder, "id", id);
                  hallway_json_add_string (builder, "access", access);
                  hallway_json_add_string (builder, "audience", audience);
                  json_builder_end_object (builder);
                }
              else
                {
                  ctl_print_column (name, 33);
                  g_print ("%-11s %s\n", access, audience);
                }
              n++;
            }
        }
      json_builder_end_array (builder);
      if (json)
        ctl_print_json (builder);
      else if (n == 0)
        g_print (_("“%s” shares no folder with this computer.\n"),
                 hallway_dbus_peer1_get_name (peer));
      return EXIT_SUCCESS;
    }

  {
    const char *rest = slash + 1;
    const char *next = strchr (rest, '/');

    share = next != NULL ? g_strndup (rest, next - rest) : g_strdup (rest);
    if (next != NULL)
      path = next + 1;
  }

  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (peer), 60000);
  if (!hallway_dbus_peer1_call_list_folder_sync (peer, share, path, &entries, NULL, &error))
    return ctl_failure (_("Could not list “%s”: %s"), target, ctl_plain_error_message (error));

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      g_variant_iter_init (&iter, entries);
      while (g_variant_iter_next (&iter, "(&s&sxx)", &name, &type, &size, &modified))
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (modified);
          g_autofree char *iso = when != NULL ? g_date_time_format_iso8601 (when) : NULL;

          json_builder_begin_object (builder);
          hallway_json_add_string (builder, "name", name);
          hallway_json_add_string (builder, "type", type);
          hallway_json_add_int (builder, "size", size);
          hallway_json_add_string (builder, "modified", iso != NULL ? iso : "");
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      ctl_print_json (builder);
      return EXIT_SUCCESS;
    }

  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(&s&sxx)", &name, &type, &size, &modified))
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (modified);
      g_autofree char *date = when != NULL ? g_date_time_format (when, "%Y-%m-%d %H:%M") : NULL;
      g_autofree char *human = g_format_size (size);

      if (g_str_equal (type, "folder"))
        g_print ("%-10s %-16s %s/\n", _("folder"), date != NULL ? date : "", name);
      else
        g_print ("%-10s %-16s %s\n", human, date != NULL ? date : "", name);
    }
  return EXIT_SUCCESS;
}
