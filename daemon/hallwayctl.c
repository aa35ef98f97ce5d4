/* hallwayctl.c: Hallway from a terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A thin client of hallwayd's D-Bus API. Scripts and tests depend on its
 * commands, options, JSON shapes and exit statuses: 0 ok, 1 failure (a
 * plain-words message on stderr), 2 usage error.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "hallwayctl.h"
#include "hallway-error.h"

#define BUS_NAME    "io.github.hallwaylan.Hallway.Daemon"
#define OBJECT_PATH "/io/github/hallwaylan/Hallway"

void
ctl_clear (Ctl *ctl)
{
  g_clear_object (&ctl->manager);
  g_clear_object (&ctl->daemon);
  g_clear_object (&ctl->connection);
}

int
ctl_usage_error (const char *format,
                 ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("hallwayctl: %s\n", message);
  g_printerr ("%s\n", _("Try “hallwayctl --help”."));
  return CTL_EXIT_USAGE;
}

int
ctl_failure (const char *format,
             ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("hallwayctl: %s\n", message);
  return EXIT_FAILURE;
}

/* printf's widths count bytes; columns of names need characters. */
void
ctl_print_column (const char *text,
                  int         width)
{
  long length = g_utf8_strlen (text, -1);

  g_print ("%s%*s", text, length < width ? (int) (width - length) : 1, "");
}

const char *
ctl_plain_error_message (GError *error)
{
  /* Drop the "GDBus.Error:io.github…: " prefix a remote error carries. */
  if (g_dbus_error_is_remote_error (error))
    g_dbus_error_strip_remote_error (error);
  return error->message;
}

gboolean
ctl_connect (Ctl     *ctl,
             GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *owner = NULL;

  ctl->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  if (ctl->connection == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("There is no session bus, so hallwayd can't be reached (%s)"),
                   local_error->message);
      return FALSE;
    }

  /* Asking the manager for its objects starts hallwayd by D-Bus activation
   * when it is installed and not yet running. */
  ctl->manager = hallway_dbus_object_manager_client_new_sync (ctl->connection,
                                                              G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                              BUS_NAME, OBJECT_PATH, NULL,
                                                              &local_error);
  if (ctl->manager == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("Could not talk to hallwayd: %s"), local_error->message);
      return FALSE;
    }

  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (ctl->manager));
  if (owner == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                           _("Hallway's service (hallwayd) is not running. Start it with "
                             "“systemctl --user start hallwayd” or open the Hallway app."));
      return FALSE;
    }

  ctl->daemon = hallway_dbus_daemon1_proxy_new_sync (ctl->connection,
                                                     G_DBUS_PROXY_FLAGS_NONE,
                                                     BUS_NAME, OBJECT_PATH, NULL, &local_error);
  if (ctl->daemon == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("Could not talk to hallwayd: %s"), local_error->message);
      return FALSE;
    }
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (ctl->daemon), 30000);
  return TRUE;
}

GPtrArray *
ctl_dup_interfaces (Ctl        *ctl,
                    const char *interface_name)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (g_object_unref);
  GList *objects = g_dbus_object_manager_get_objects (ctl->manager);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      GDBusInterface *iface = g_dbus_object_get_interface (l->data, interface_name);

      if (iface != NULL)
        g_ptr_array_add (found, iface);
    }
  g_list_free_full (objects, g_object_unref);
  return found;
}

static int
compare_peers (gconstpointer a,
               gconstpointer b)
{
  HallwayDBusPeer1 *pa = *(HallwayDBusPeer1 **) a;
  HallwayDBusPeer1 *pb = *(HallwayDBusPeer1 **) b;
  g_autofree char *ka = g_utf8_collate_key (hallway_dbus_peer1_get_name (pa), -1);
  g_autofree char *kb = g_utf8_collate_key (hallway_dbus_peer1_get_name (pb), -1);
  int cmp = strcmp (ka, kb);

  return cmp != 0 ? cmp : g_strcmp0 (hallway_dbus_peer1_get_id (pa), hallway_dbus_peer1_get_id (pb));
}

static gboolean
peer_is_usable (HallwayDBusPeer1 *peer)
{
  return hallway_dbus_peer1_get_online (peer) &&
         g_strcmp0 (hallway_dbus_peer1_get_problem (peer), "") == 0;
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
  ctl_json_string (builder, "id", hallway_dbus_peer1_get_id (peer));
  ctl_json_string (builder, "name", hallway_dbus_peer1_get_name (peer));
  ctl_json_string (builder, "host", hallway_dbus_peer1_get_host (peer));
  ctl_json_string (builder, "verification_code", hallway_dbus_peer1_get_verification_code (peer));
  ctl_json_bool (builder, "online", hallway_dbus_peer1_get_online (peer));
  json_builder_set_member_name (builder, "addresses");
  json_builder_begin_array (builder);
  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    json_builder_add_string_value (builder, addresses[i]);
  json_builder_end_array (builder);
  ctl_json_int (builder, "port", hallway_dbus_peer1_get_port (peer));
  ctl_json_bool (builder, "trusted", hallway_dbus_peer1_get_trusted (peer));
  ctl_json_string (builder, "problem", hallway_dbus_peer1_get_problem (peer));
  ctl_json_string (builder, "problem_message", hallway_dbus_peer1_get_problem_message (peer));
  ctl_json_int (builder, "shares", hallway_dbus_peer1_get_shares (peer));
  ctl_json_int (builder, "printers", hallway_dbus_peer1_get_printers (peer));
  json_builder_set_member_name (builder, "shared_folders");
  json_builder_begin_array (builder);
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
            ctl_json_string (builder, "id", id);
            ctl_json_string (builder, "name", name);
            ctl_json_string (builder, "access", access);
            ctl_json_string (builder, "audience", audience);
            json_builder_end_object (builder);
          }
      }
  }
  json_builder_end_array (builder);
  ctl_json_bool (builder, "accepts_drops", hallway_dbus_peer1_get_accepts_drops (peer));
  ctl_json_string (builder, "source", hallway_dbus_peer1_get_source (peer));
  ctl_json_int (builder, "last_seen", hallway_dbus_peer1_get_last_seen (peer));
  json_builder_end_object (builder);
}

void
ctl_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

void
ctl_json_string (JsonBuilder *builder,
                 const char  *member,
                 const char  *value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

void
ctl_json_int (JsonBuilder *builder,
              const char  *member,
              gint64       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

void
ctl_json_bool (JsonBuilder *builder,
               const char  *member,
               gboolean     value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_boolean_value (builder, value);
}

void
ctl_json_double (JsonBuilder *builder,
                 const char  *member,
                 double       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_double_value (builder, value);
}

/* Finds a neighbour by display name, device-id prefix or host name. */
HallwayDBusPeer1 *
ctl_find_peer (Ctl         *ctl,
               const char  *query,
               GError     **error)
{
  g_autoptr(GPtrArray) peers = ctl_dup_peers (ctl);
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();
  g_autofree char *folded = g_utf8_casefold (query, -1);
  g_autofree char *id_prefix = g_ascii_strdown (query, -1);
  gboolean by_id = strlen (query) >= 4 && strspn (id_prefix, "0123456789abcdef") == strlen (query);

  /* Exact names win over prefixes and host names, so "Alice" does not
   * collide with "Alice #2". */
  for (guint i = 0; i < peers->len; i++)
    {
      HallwayDBusPeer1 *peer = g_ptr_array_index (peers, i);
      g_autofree char *name = g_utf8_casefold (hallway_dbus_peer1_get_name (peer), -1);

      if (g_str_equal (name, folded))
        g_ptr_array_add (matches, peer);
    }

  if (matches->len == 0)
    for (guint i = 0; i < peers->len; i++)
      {
        HallwayDBusPeer1 *peer = g_ptr_array_index (peers, i);
        const char *host = hallway_dbus_peer1_get_host (peer);
        g_autofree char *host_local = g_strconcat (host, ".local", NULL);

        if ((by_id && g_str_has_prefix (hallway_dbus_peer1_get_id (peer), id_prefix)) ||
            g_ascii_strcasecmp (host, query) == 0 ||
            g_ascii_strcasecmp (host_local, query) == 0)
          g_ptr_array_add (matches, peer);
      }

  if (matches->len == 1)
    return g_object_ref (g_ptr_array_index (matches, 0));

  if (matches->len == 0)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                   _("No neighbour called “%s”; “hallwayctl peers” lists them"), query);
      return NULL;
    }

  {
    g_autoptr(GString) names = g_string_new (NULL);

    for (guint i = 0; i < matches->len; i++)
      {
        HallwayDBusPeer1 *peer = g_ptr_array_index (matches, i);

        g_string_append_printf (names, "%s“%s” (%s, %.8s)", i > 0 ? ", " : "",
                                hallway_dbus_peer1_get_name (peer),
                                hallway_dbus_peer1_get_host (peer),
                                hallway_dbus_peer1_get_id (peer));
      }
    g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_AMBIGUOUS,
                 _("“%s” could be several neighbours: %s. Use a longer part of the id."),
                 query, names->str);
    return NULL;
  }
}

static void
add_shares_json (Ctl         *ctl,
                 JsonBuilder *builder)
{
  g_autoptr(GPtrArray) shares = ctl_dup_shares (ctl);

  json_builder_begin_array (builder);
  for (guint i = 0; i < shares->len; i++)
    {
      HallwayDBusShare1 *share = g_ptr_array_index (shares, i);

      json_builder_begin_object (builder);
      ctl_json_string (builder, "id", hallway_dbus_share1_get_id (share));
      ctl_json_string (builder, "name", hallway_dbus_share1_get_name (share));
      ctl_json_string (builder, "path", hallway_dbus_share1_get_path (share));
      ctl_json_string (builder, "access", hallway_dbus_share1_get_access (share));
      ctl_json_string (builder, "audience", hallway_dbus_share1_get_audience (share));
      ctl_json_bool (builder, "available", hallway_dbus_share1_get_available (share));
      ctl_json_bool (builder, "enabled", hallway_dbus_share1_get_enabled (share));
      ctl_json_string (builder, "url", hallway_dbus_share1_get_url (share));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static int
cmd_status (Ctl      *ctl,
            gboolean  json)
{
  HallwayDBusDaemon1 *d = ctl->daemon;

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      ctl_json_string (builder, "name", hallway_dbus_daemon1_get_name (d));
      ctl_json_string (builder, "host", hallway_dbus_daemon1_get_host (d));
      ctl_json_string (builder, "id", hallway_dbus_daemon1_get_device_id (d));
      ctl_json_string (builder, "fingerprint", hallway_dbus_daemon1_get_fingerprint (d));
      ctl_json_string (builder, "verification_code", hallway_dbus_daemon1_get_verification_code (d));
      ctl_json_int (builder, "port", hallway_dbus_daemon1_get_port (d));
      ctl_json_string (builder, "avahi", hallway_dbus_daemon1_get_avahi_state (d));
      ctl_json_string (builder, "avahi_message", hallway_dbus_daemon1_get_avahi_message (d));
      ctl_json_string (builder, "version", hallway_dbus_daemon1_get_version (d));
      json_builder_set_member_name (builder, "shares");
      add_shares_json (ctl, builder);
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

static int
cmd_share_list (Ctl      *ctl,
                gboolean  json)
{
  g_autoptr(GPtrArray) shares = ctl_dup_shares (ctl);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      add_shares_json (ctl, builder);
      ctl_print_json (builder);
      return EXIT_SUCCESS;
    }

  if (shares->len == 0)
    {
      g_print (_("You don't share any folder. Share one with “hallwayctl share add PATH”.\n"));
      return EXIT_SUCCESS;
    }
  g_print ("%-24s %-11s %-9s %-10s %s\n", _("NAME"), _("ACCESS"), _("AUDIENCE"), _("STATE"),
           _("FOLDER"));
  for (guint i = 0; i < shares->len; i++)
    {
      HallwayDBusShare1 *share = g_ptr_array_index (shares, i);

      ctl_print_column (hallway_dbus_share1_get_name (share), 25);
      g_print ("%-11s %-9s %-10s %s\n",
               hallway_dbus_share1_get_access (share), hallway_dbus_share1_get_audience (share),
               !hallway_dbus_share1_get_enabled (share) ? _("off")
               : hallway_dbus_share1_get_available (share) ? _("shared") : _("missing"),
               hallway_dbus_share1_get_path (share));
    }
  return EXIT_SUCCESS;
}

static char *
read_password_file (const char  *path,
                    GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  char *newline;

  if (g_str_equal (path, "-"))
    {
      char buffer[1025];
      gsize n = fread (buffer, 1, sizeof buffer - 1, stdin);

      buffer[n] = '\0';
      contents = g_strdup (buffer);
      explicit_bzero (buffer, sizeof buffer);
      length = n;
    }
  else if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  /* The first line is the password; a trailing newline is not part of it. */
  newline = strpbrk (contents, "\r\n");
  if (newline != NULL)
    *newline = '\0';
  else if (strlen (contents) != length)
    length = 0;   /* a NUL byte inside: not a password file */
  if (*contents == '\0' || length == 0 || length > 1024)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                           _("The password file is empty or too long"));
      return NULL;
    }
  return g_steal_pointer (&contents);
}

static int
cmd_share_add (Ctl        *ctl,
               const char *path,
               const char *name,
               const char *access,
               const char *audience,
               const char *password_file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *object_path = NULL;
  g_autofree char *password = NULL;
  g_autoptr(GVariantDict) options = g_variant_dict_new (NULL);
  g_autoptr(GDBusObject) object = NULL;
  g_autoptr(HallwayDBusShare1) share = NULL;

  if (password_file != NULL)
    {
      password = read_password_file (password_file, &error);
      if (password == NULL)
        return ctl_failure (_("Could not read the password: %s"), error->message);
    }
  if (g_strcmp0 (audience, "password") == 0 && password == NULL)
    return ctl_usage_error ("%s", _("--audience password needs --password-file FILE (or - for stdin)"));

  absolute = g_canonicalize_filename (path, NULL);
  if (name != NULL)
    g_variant_dict_insert (options, "name", "s", name);
  if (access != NULL)
    g_variant_dict_insert (options, "access", "s", access);
  if (audience != NULL)
    g_variant_dict_insert (options, "audience", "s", audience);
  if (password != NULL)
    g_variant_dict_insert (options, "password", "s", password);

  if (!hallway_dbus_daemon1_call_add_share_sync (ctl->daemon, absolute,
                                                  g_variant_dict_end (options),
                                                  &object_path, NULL, &error))
    {
      if (password != NULL)
        explicit_bzero (password, strlen (password));
      return ctl_failure (_("Could not share %s: %s"), absolute, ctl_plain_error_message (error));
    }
  if (password != NULL)
    explicit_bzero (password, strlen (password));

  while (g_main_context_iteration (NULL, FALSE))
    ;
  object = g_dbus_object_manager_get_object (ctl->manager, object_path);
  if (object != NULL)
    share = hallway_dbus_object_get_share1 (HALLWAY_DBUS_OBJECT (object));
  if (share != NULL)
    g_print (_("Sharing “%s” (%s, %s) at %s\n"), hallway_dbus_share1_get_name (share),
             hallway_dbus_share1_get_access (share), hallway_dbus_share1_get_audience (share),
             hallway_dbus_share1_get_url (share));
  return EXIT_SUCCESS;
}

static int
cmd_share_remove (Ctl        *ctl,
                  const char *name)
{
  g_autoptr(GError) error = NULL;

  if (!hallway_dbus_daemon1_call_remove_share_sync (ctl->daemon, name, NULL, &error))
    return ctl_failure ("%s", ctl_plain_error_message (error));
  g_print (_("No longer sharing “%s”; the folder itself is untouched.\n"), name);
  return EXIT_SUCCESS;
}

/* share enable NAME | share disable NAME */
static int
cmd_share_enable (Ctl        *ctl,
                  const char *name,
                  gboolean    enabled)
{
  g_autoptr(GPtrArray) shares = ctl_dup_shares (ctl);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < shares->len; i++)
    {
      HallwayDBusShare1 *share = g_ptr_array_index (shares, i);

      if (!g_str_equal (hallway_dbus_share1_get_name (share), name) &&
          !g_str_equal (hallway_dbus_share1_get_id (share), name))
        continue;
      if (!hallway_dbus_share1_call_set_enabled_sync (share, enabled, NULL, &error))
        return ctl_failure ("%s", ctl_plain_error_message (error));
      if (enabled)
        g_print (_("Sharing “%s” again.\n"), name);
      else
        g_print (_("“%s” is switched off: colleagues no longer see it. "
                   "“hallwayctl share enable %s” shares it again.\n"), name, name);
      return EXIT_SUCCESS;
    }
  return ctl_failure (_("You don't share a folder called “%s”"), name);
}

static int
cmd_trust (Ctl        *ctl,
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

static int
cmd_peers (Ctl      *ctl,
           gboolean  json,
           int       wait_count,
           int       timeout_seconds)
{
  g_autoptr(GPtrArray) peers = NULL;

  if (wait_count > 0 && !wait_for_peers (ctl, wait_count, timeout_seconds))
    return ctl_failure (g_dngettext (GETTEXT_PACKAGE,
                                     "Only %u of the %d neighbour asked for appeared within %d s",
                                     "Only %u of the %d neighbours asked for appeared within %d s",
                                     wait_count),
                        count_usable (ctl), wait_count, timeout_seconds);

  peers = ctl_dup_peers (ctl);
  g_ptr_array_sort (peers, compare_peers);

  if (json)
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
        g_print (_("No neighbours yet. %s\n"), hallway_dbus_daemon1_get_avahi_message (ctl->daemon));
      else
        g_print (_("No neighbours yet. Computers running Hallway on this network appear here "
                   "as they start.\n"));
      return EXIT_SUCCESS;
    }

  ctl_print_column (_("NAME"), 33);
  ctl_print_column (_("COMPUTER"), 21);
  ctl_print_column (_("STATE"), 17);
  ctl_print_column (_("CODE"), 11);
  g_print ("%s\n", _("ADDRESS"));
  for (guint i = 0; i < peers->len; i++)
    {
      HallwayDBusPeer1 *peer = g_ptr_array_index (peers, i);
      const char * const *addresses = hallway_dbus_peer1_get_addresses (peer);

      ctl_print_column (hallway_dbus_peer1_get_name (peer), 33);
      ctl_print_column (hallway_dbus_peer1_get_host (peer), 21);
      ctl_print_column (peer_state (peer), 17);
      ctl_print_column (hallway_dbus_peer1_get_verification_code (peer), 11);
      g_print ("%s\n", addresses != NULL && addresses[0] != NULL ? addresses[0] : "");
    }
  return EXIT_SUCCESS;
}

static int
cmd_info (Ctl        *ctl,
          const char *query,
          gboolean    json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayDBusPeer1) peer = ctl_find_peer (ctl, query, &error);
  const char * const *addresses;

  if (peer == NULL)
    return ctl_failure ("%s", error->message);

  if (json)
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
  g_print (_("Trusted:           %s\n"), hallway_dbus_peer1_get_trusted (peer) ? _("yes") : _("no"));
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

static int
cmd_add_peer (Ctl        *ctl,
              const char *address)
{
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

static int
cmd_ls (Ctl        *ctl,
        const char *target,
        gboolean    json)
{
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
                  ctl_json_string (builder, "name", name);
                  ctl_json_string (builder, "type", "share");
                  ctl_json_string (builder, "id", id);
                  ctl_json_string (builder, "access", access);
                  ctl_json_string (builder, "audience", audience);
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
          ctl_json_string (builder, "name", name);
          ctl_json_string (builder, "type", type);
          ctl_json_int (builder, "size", size);
          ctl_json_string (builder, "modified", iso != NULL ? iso : "");
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

static gboolean
transfer_is_finished (HallwayDBusTransfer1 *transfer)
{
  const char *state = hallway_dbus_transfer1_get_state (transfer);

  return g_strcmp0 (state, "done") == 0 || g_strcmp0 (state, "failed") == 0 ||
         g_strcmp0 (state, "cancelled") == 0;
}

static void
add_transfer_json (JsonBuilder          *builder,
                   HallwayDBusTransfer1 *transfer)
{
  json_builder_begin_object (builder);
  ctl_json_string (builder, "id", hallway_dbus_transfer1_get_id (transfer));
  ctl_json_string (builder, "kind", hallway_dbus_transfer1_get_kind (transfer));
  ctl_json_string (builder, "state", hallway_dbus_transfer1_get_state (transfer));
  ctl_json_int (builder, "bytes", hallway_dbus_transfer1_get_bytes (transfer));
  ctl_json_int (builder, "total", hallway_dbus_transfer1_get_total (transfer));
  ctl_json_string (builder, "peer", hallway_dbus_transfer1_get_peer (transfer));
  ctl_json_string (builder, "peer_name", hallway_dbus_transfer1_get_peer_name (transfer));
  ctl_json_string (builder, "path", hallway_dbus_transfer1_get_path (transfer));
  ctl_json_string (builder, "destination", hallway_dbus_transfer1_get_destination (transfer));
  ctl_json_string (builder, "error", hallway_dbus_transfer1_get_error (transfer));
  ctl_json_double (builder, "rate", hallway_dbus_transfer1_get_rate (transfer));
  ctl_json_int (builder, "eta", hallway_dbus_transfer1_get_eta (transfer));
  ctl_json_int (builder, "files", hallway_dbus_transfer1_get_files (transfer));
  ctl_json_int (builder, "files_done", hallway_dbus_transfer1_get_files_done (transfer));
  ctl_json_int (builder, "verified", hallway_dbus_transfer1_get_verified (transfer));
  json_builder_end_object (builder);
}

static char *
format_eta (gint64 seconds)
{
  if (seconds < 0)
    return g_strdup ("");
  if (seconds < 60)
    /* Translators: time left, in seconds. */
    return g_strdup_printf (_("%d s left"), (int) seconds);
  if (seconds < 3600)
    /* Translators: time left, minutes and seconds. */
    return g_strdup_printf (_("%d min %02d s left"), (int) (seconds / 60), (int) (seconds % 60));
  /* Translators: time left, hours and minutes. */
  return g_strdup_printf (_("%d h %02d min left"), (int) (seconds / 3600),
                          (int) ((seconds % 3600) / 60));
}

static char *
describe_progress (GPtrArray *transfers)
{
  guint64 bytes = 0, total = 0;
  double rate = 0;
  gint64 eta = -1;
  guint running = 0, waiting = 0, finished = 0;
  const char *why = NULL;
  g_autofree char *bytes_text = NULL;
  g_autofree char *total_text = NULL;
  g_autofree char *rate_text = NULL;
  g_autofree char *eta_text = NULL;
  GString *line = g_string_new (NULL);

  for (guint i = 0; i < transfers->len; i++)
    {
      HallwayDBusTransfer1 *t = g_ptr_array_index (transfers, i);
      const char *state = hallway_dbus_transfer1_get_state (t);

      bytes += hallway_dbus_transfer1_get_bytes (t);
      total += hallway_dbus_transfer1_get_total (t);
      rate += hallway_dbus_transfer1_get_rate (t);
      eta = MAX (eta, hallway_dbus_transfer1_get_eta (t));
      if (g_strcmp0 (state, "running") == 0)
        running++;
      else if (g_strcmp0 (state, "waiting") == 0)
        {
          waiting++;
          why = hallway_dbus_transfer1_get_error (t);
        }
      else if (transfer_is_finished (t))
        finished++;
    }

  bytes_text = g_format_size (bytes);
  total_text = g_format_size (total);
  rate_text = g_format_size ((guint64) rate);
  eta_text = format_eta (eta);

  if (total > 0)
    g_string_append_printf (line, "%3d%% ", (int) (bytes * 100 / total));
  /* Translators: "12.3 MB of 300.0 MB". */
  g_string_append_printf (line, _("%s of %s"), bytes_text, total_text);
  if (running > 0)
    {
      /* Translators: a speed, "12.3 MB/s". */
      g_string_append (line, ", ");
      g_string_append_printf (line, _("%s/s"), rate_text);
      if (*eta_text != '\0')
        g_string_append_printf (line, ", %s", eta_text);
    }
  if (waiting > 0 && why != NULL)
    g_string_append_printf (line, " — %s", why);
  else if (running == 0 && finished < transfers->len)
    g_string_append_printf (line, " — %s", _("queued"));
  return g_string_free (line, FALSE);
}

static gboolean
tick_cb (gpointer user_data)
{
  gboolean *ticked = user_data;

  *ticked = TRUE;
  return G_SOURCE_CONTINUE;
}

static void
state_changed_cb (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  gboolean *ticked = user_data;

  *ticked = TRUE;
}

/* Follows transfers until they all end, with progress on stderr: one
 * line rewritten in place on a terminal, plain lines otherwise. */
int
ctl_follow_transfers (Ctl       *ctl,
                      GPtrArray *paths)
{
  g_autoptr(GPtrArray) transfers = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean tty = isatty (STDERR_FILENO);
  gboolean ticked = FALSE;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gint64 last_line = 0;
  g_autofree char *last_text = NULL;
  guint tick_id;
  int status = EXIT_SUCCESS;

  /* The objects were announced before the reply; wait until they are seen. */
  for (guint i = 0; i < paths->len; i++)
    {
      HallwayDBusTransfer1 *transfer = NULL;

      while (transfer == NULL)
        {
          g_autoptr(GDBusObject) object =
            g_dbus_object_manager_get_object (ctl->manager, g_ptr_array_index (paths, i));

          if (object != NULL)
            transfer = hallway_dbus_object_get_transfer1 (HALLWAY_DBUS_OBJECT (object));
          if (transfer == NULL)
            {
              if (g_get_monotonic_time () > deadline)
                return ctl_failure ("%s", _("hallwayd did not show the new transfer"));
              g_main_context_iteration (NULL, TRUE);
            }
        }
      g_ptr_array_add (transfers, transfer);
    }

  tick_id = g_timeout_add (tty ? 200 : 1000, tick_cb, &ticked);
  /* A copy that ends is seen at once, not at the next tick: scripts (and
   * the benchmark) wait on --wait. */
  for (guint i = 0; i < transfers->len; i++)
    g_signal_connect (g_ptr_array_index (transfers, i), "notify::state",
                      G_CALLBACK (state_changed_cb), &ticked);
  for (;;)
    {
      gboolean all_finished = TRUE;
      g_autofree char *text = NULL;

      for (guint i = 0; i < transfers->len; i++)
        all_finished = all_finished && transfer_is_finished (g_ptr_array_index (transfers, i));

      text = describe_progress (transfers);
      if (tty)
        g_printerr ("\r\033[K%s", text);
      else if (g_strcmp0 (text, last_text) != 0 &&
               (all_finished || g_get_monotonic_time () - last_line >= G_USEC_PER_SEC))
        {
          g_printerr ("%s\n", text);
          last_line = g_get_monotonic_time ();
          g_free (last_text);
          last_text = g_strdup (text);
        }
      if (all_finished)
        break;

      ticked = FALSE;
      while (!ticked)
        g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick_id);
  for (guint i = 0; i < transfers->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (transfers, i), state_changed_cb,
                                          &ticked);
  if (tty)
    g_printerr ("\n");

  for (guint i = 0; i < transfers->len; i++)
    {
      HallwayDBusTransfer1 *t = g_ptr_array_index (transfers, i);
      const char *state = hallway_dbus_transfer1_get_state (t);

      if (g_strcmp0 (state, "done") == 0)
        continue;
      status = EXIT_FAILURE;
      if (g_strcmp0 (state, "cancelled") == 0)
        g_printerr (_("hallwayctl: Copying “%s” was cancelled\n"),
                    hallway_dbus_transfer1_get_path (t));
      else if (g_strcmp0 (hallway_dbus_transfer1_get_kind (t), "send") == 0)
        /* Translators: %1$s is a file or folder, %2$s why (“Alice declined.”). */
        g_printerr (_("hallwayctl: Could not send “%1$s”: %2$s\n"),
                    hallway_dbus_transfer1_get_path (t), hallway_dbus_transfer1_get_error (t));
      else
        g_printerr (_("hallwayctl: Could not copy “%s”: %s\n"),
                    hallway_dbus_transfer1_get_path (t), hallway_dbus_transfer1_get_error (t));
    }
  return status;
}

char *
ctl_default_download_dir (void)
{
  const char *dir = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);

  if (dir != NULL)
    return g_strdup (dir);
  return g_build_filename (g_get_home_dir (), "Downloads", NULL);
}

static int
cmd_get (Ctl                *ctl,
         const char * const *targets,
         const char         *to,
         gboolean            wait)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *destination = NULL;

  destination = to != NULL ? g_canonicalize_filename (to, NULL) : ctl_default_download_dir ();
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
        return ctl_usage_error (_("“%s” does not say what to copy: use PEER/SHARE/PATH"), targets[i]);

      peer = ctl_find_peer (ctl, parts[0], &error);
      if (peer == NULL)
        return ctl_failure ("%s", error->message);

      path_list[0] = parts[2] != NULL ? parts[2] : "";
      path_list[1] = NULL;
      if (!hallway_dbus_daemon1_call_download_sync (ctl->daemon,
                                                    hallway_dbus_peer1_get_id (peer), parts[1],
                                                    path_list, destination, &created, NULL,
                                                    &error))
        return ctl_failure (_("Could not copy “%s”: %s"), targets[i], ctl_plain_error_message (error));

      for (guint j = 0; created[j] != NULL; j++)
        ctl_take_transfer (paths, created[j]);
    }

  if (!wait)
    return EXIT_SUCCESS;
  return ctl_follow_transfers (ctl, paths);
}

GPtrArray *
ctl_dup_local_paths (const char * const *args,
                     guint               n_args)
{
  g_autoptr(GPtrArray) locals = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n_args; i++)
    {
      g_autofree char *local = g_canonicalize_filename (args[i], NULL);

      if (!g_file_test (local, G_FILE_TEST_EXISTS))
        {
          ctl_failure (_("“%s” does not exist"), args[i]);
          return NULL;
        }
      g_ptr_array_add (locals, g_steal_pointer (&local));
    }
  g_ptr_array_add (locals, NULL);
  return g_steal_pointer (&locals);
}

void
ctl_take_transfer (GPtrArray  *paths,
                   const char *object_path)
{
  const char *id = strrchr (object_path, '/');

  g_print ("%s\n", id != NULL ? id + 1 : object_path);
  g_ptr_array_add (paths, g_strdup (object_path));
}

/* put FILE... PEER/SHARE[/PATH]: the last argument says where. */
static int
cmd_put (Ctl                *ctl,
         const char * const *args,
         gboolean            wait)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) locals = NULL;
  g_autoptr(HallwayDBusPeer1) peer = NULL;
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) created = NULL;
  guint n = g_strv_length ((GStrv) args);
  const char *target;

  if (n < 2)
    return ctl_usage_error ("%s", _("“put” takes FILE… PEER/SHARE[/PATH]"));
  target = args[n - 1];
  parts = g_strsplit (target, "/", 3);
  if (g_strv_length (parts) < 2 || *parts[0] == '\0' || *parts[1] == '\0')
    return ctl_usage_error (_("“%s” does not say where to copy to: use PEER/SHARE[/PATH]"), target);

  locals = ctl_dup_local_paths (args, n - 1);
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
    ctl_take_transfer (paths, created[j]);

  if (!wait)
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
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < transfers->len; i++)
        add_transfer_json (builder, g_ptr_array_index (transfers, i));
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, !compact);
      text = json_generator_to_data (generator, NULL);
      g_print ("%s\n", text);
      return;
    }

  if (transfers->len == 0)
    {
      g_print ("%s\n", _("No transfers."));
      return;
    }
  g_print ("%-5s %-10s %-24s %-12s %s\n", _("ID"), _("STATE"), _("PROGRESS"), _("FROM"), _("WHAT"));
  for (guint i = 0; i < transfers->len; i++)
    {
      HallwayDBusTransfer1 *t = g_ptr_array_index (transfers, i);
      g_autofree char *bytes = g_format_size (hallway_dbus_transfer1_get_bytes (t));
      g_autofree char *total = g_format_size (hallway_dbus_transfer1_get_total (t));
      g_autofree char *progress = g_strdup_printf ("%s / %s", bytes, total);
      const char *error = hallway_dbus_transfer1_get_error (t);

      g_print ("%-5s %-10s %-24s %-12s %s\n", hallway_dbus_transfer1_get_id (t),
               hallway_dbus_transfer1_get_state (t), progress,
               hallway_dbus_transfer1_get_peer_name (t), hallway_dbus_transfer1_get_path (t));
      if (error != NULL && *error != '\0')
        g_print ("      %s\n", error);
    }
}

static int
cmd_transfers (Ctl      *ctl,
               gboolean  json,
               gboolean  watch)
{
  gboolean ticked = FALSE;
  guint tick_id;

  if (!watch)
    {
      g_autoptr(GPtrArray) transfers = ctl_dup_transfers (ctl);

      g_ptr_array_sort (transfers, compare_transfers);
      print_transfers (transfers, json, FALSE);
      return EXIT_SUCCESS;
    }

  /* Until nothing is left to wait for; with --json, one line per update. */
  tick_id = g_timeout_add (1000, tick_cb, &ticked);
  for (;;)
    {
      g_autoptr(GPtrArray) transfers = ctl_dup_transfers (ctl);
      gboolean active = FALSE;

      g_ptr_array_sort (transfers, compare_transfers);
      for (guint i = 0; i < transfers->len; i++)
        active = active || !transfer_is_finished (g_ptr_array_index (transfers, i));
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

static int
cmd_cancel (Ctl        *ctl,
            const char *id)
{
  g_autoptr(GPtrArray) transfers = ctl_dup_transfers (ctl);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < transfers->len; i++)
    {
      HallwayDBusTransfer1 *t = g_ptr_array_index (transfers, i);

      if (g_strcmp0 (hallway_dbus_transfer1_get_id (t), id) != 0)
        continue;
      if (!hallway_dbus_transfer1_call_cancel_sync (t, NULL, &error))
        return ctl_failure (_("Could not cancel transfer %s: %s"), id, ctl_plain_error_message (error));
      return EXIT_SUCCESS;
    }
  return ctl_failure (_("No transfer “%s”; “hallwayctl transfers” lists them"), id);
}

static const char *help_text =
  N_("Commands:\n"
     "  status [--json]                 this computer: name, verification code, port, Avahi\n"
     "  peers [--json] [--wait N] [--timeout S]\n"
     "                                  neighbours; --wait blocks until N are online\n"
     "  info PEER [--json]              one neighbour (a name, device-id prefix or host name)\n"
     "  add-peer ADDRESS[:PORT]         reach a computer that mDNS cannot see\n"
     "  trust PEER | untrust PEER       after comparing verification codes\n"
     "  ls PEER[/SHARE[/PATH]] [--json] a neighbour's shares, or a folder in one\n"
     "  share add PATH [--name NAME] [--access read-only|read-write|drop-box]\n"
     "            [--audience everyone|trusted|password] [--password-file FILE]\n"
     "  share list [--json] | share remove NAME\n"
     "  share enable NAME | share disable NAME\n"
     "                                  switch sharing on or off, keeping its settings\n"
     "  get PEER/SHARE/PATH... [--to DIR] [--wait]\n"
     "                                  copy files or folders here (default: Downloads)\n"
     "  put FILE... PEER/SHARE[/PATH] [--wait]\n"
     "                                  copy files or folders into a colleague's share\n"
     "  send PEER FILE... [--wait]      offer files or folders to a colleague\n"
     "  offers [--json]                 files colleagues want to send you\n"
     "  accept ID [--to DIR]            accept an offer (default: Downloads)\n"
     "  decline ID                      decline an offer\n"
     "  transfers [--json] [--watch]    copies in progress and finished\n"
     "  cancel ID                       stop a copy; nothing half-copied is left\n"
     "  printers [--json]               my printers (shared or not) and the neighbours'\n"
     "  printer share QUEUE | printer unshare QUEUE\n"
     "                                  let colleagues print on one of my CUPS printers\n"
     "  printer default PEER/PRINTER    make a colleague's printer my default\n"
     "  print PEER/PRINTER FILE [--wait] print on a colleague's printer\n"
     "  doctor [PEER|ADDRESS] [--json]  why a colleague can't be seen or reached\n"
     "  dns-records [--domain DOMAIN] [--format zone|dnsmasq]\n"
     "                                  this computer's DNS-SD records, for a DNS server\n");

static gboolean
is_transfer_command (const char *command)
{
  return g_str_equal (command, "get") || g_str_equal (command, "put") ||
         g_str_equal (command, "send") || g_str_equal (command, "print");
}

/* "--wait" counts neighbours for "peers" but is a flag for commands that
 * start a transfer ("get … --wait"): there it becomes --wait-done. The
 * command is the first argument that is neither an option nor an option's
 * value. */
static void
rewrite_wait_flag (int    argc,
                   char **argv)
{
  static const char * const with_value[] = {
    "--timeout", "--name", "--access", "--audience", "--password-file", "--to", "--domain",
    "--format", NULL
  };
  const char *command = NULL;

  for (int i = 1; i < argc && command == NULL; i++)
    {
      if (g_str_equal (argv[i], "--"))
        command = i + 1 < argc ? argv[i + 1] : NULL;
      else if (argv[i][0] != '-')
        command = argv[i];
      else if (g_strv_contains (with_value, argv[i]))
        i++;
      else if (g_str_equal (argv[i], "--wait"))
        return;   /* "--wait N" before the command: a count */
    }
  if (command == NULL || !is_transfer_command (command))
    return;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], "--wait"))
        argv[i] = (char *) "--wait-done";
    }
}

int
main (int   argc,
      char *argv[])
{
  g_auto(Ctl) ctl = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE;
  int wait_count = 0;
  int timeout_seconds = 30;
  g_autofree char *name = NULL;
  g_autofree char *access = NULL;
  g_autofree char *audience = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *to = NULL;
  gboolean watch = FALSE;
  gboolean wait_done = FALSE;
  g_autofree char *domain = NULL;
  g_autofree char *format = NULL;
  const char *command;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "wait", 0, 0, G_OPTION_ARG_INT, &wait_count, N_("peers: wait until N neighbours are online"), "N" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_seconds, N_("How long --wait waits (default 30)"), "S" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("share add: the name colleagues see"), "NAME" },
    { "access", 0, 0, G_OPTION_ARG_STRING, &access, N_("share add: read-only, read-write or drop-box"), "MODE" },
    { "audience", 0, 0, G_OPTION_ARG_STRING, &audience, N_("share add: everyone, trusted or password"), "WHO" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, N_("share add: read the password from FILE (- for stdin)"), "FILE" },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to, N_("get, accept: the folder to copy into"), "DIR" },
    { "watch", 0, 0, G_OPTION_ARG_NONE, &watch, N_("transfers: follow until all have ended"), NULL },
    { "wait-done", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &wait_done, NULL, NULL },
    { "domain", 0, 0, G_OPTION_ARG_STRING, &domain, N_("dns-records: the site's DNS domain"),
      "DOMAIN" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("dns-records: zone or dnsmasq"), "FORMAT" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("hallwayctl");
  if (argc > 1 && g_str_equal (argv[1], "__complete"))
    return ctl_complete (argc - 2, (const char * const *) argv + 2);

  context = g_option_context_new (_("COMMAND [ARGUMENTS…] — share folders and printers with the "
                                    "people down the hall"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context, _(help_text));
  rewrite_wait_flag (argc, argv);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return ctl_usage_error ("%s", error->message);

  if (argc < 2)
    return ctl_usage_error ("%s", _("No command given"));
  command = argv[1];
  if (wait_count < 0 || timeout_seconds <= 0)
    return ctl_usage_error ("%s", _("--wait and --timeout take positive numbers"));

  if (g_str_equal (command, "status") || g_str_equal (command, "peers"))
    {
      if (argc != 2)
        return ctl_usage_error (_("“%s” takes no arguments"), command);
    }
  else if (g_str_equal (command, "info") || g_str_equal (command, "add-peer") ||
           g_str_equal (command, "trust") || g_str_equal (command, "untrust") ||
           g_str_equal (command, "ls"))
    {
      if (argc != 3)
        return ctl_usage_error (_("“%s” takes exactly one argument"), command);
    }
  else if (g_str_equal (command, "get"))
    {
      if (argc < 3)
        return ctl_usage_error ("%s", _("“get” takes PEER/SHARE/PATH, one or more"));
    }
  else if (g_str_equal (command, "put"))
    {
      if (argc < 4)
        return ctl_usage_error ("%s", _("“put” takes FILE… PEER/SHARE[/PATH]"));
    }
  else if (g_str_equal (command, "printers"))
    {
      if (argc != 2)
        return ctl_usage_error (_("“%s” takes no arguments"), command);
    }
  else if (g_str_equal (command, "printer"))
    {
      const char *sub = argc > 2 ? argv[2] : "";

      if (!g_str_equal (sub, "share") && !g_str_equal (sub, "unshare") &&
          !g_str_equal (sub, "default"))
        return ctl_usage_error ("%s", _("Use “printer share QUEUE”, “printer unshare QUEUE” or "
                                        "“printer default PEER/PRINTER”"));
      if (argc != 4)
        return ctl_usage_error (_("“printer %s” takes exactly one argument"), sub);
    }
  else if (g_str_equal (command, "print"))
    {
      if (argc != 4)
        return ctl_usage_error ("%s", _("“print” takes PEER/PRINTER FILE"));
      if (strchr (argv[2], '/') == NULL)
        return ctl_usage_error (_("“%s” does not say which printer: use PEER/PRINTER"), argv[2]);
    }
  else if (g_str_equal (command, "transfers") || g_str_equal (command, "offers"))
    {
      if (argc != 2)
        return ctl_usage_error (_("“%s” takes no arguments"), command);
    }
  else if (g_str_equal (command, "send"))
    {
      if (argc < 4)
        return ctl_usage_error ("%s", _("“send” takes PEER FILE…"));
    }
  else if (g_str_equal (command, "accept") || g_str_equal (command, "decline"))
    {
      if (argc != 3)
        return ctl_usage_error (_("“%s” takes exactly one argument"), command);
    }
  else if (g_str_equal (command, "dns-records"))
    {
      if (argc != 2)
        return ctl_usage_error (_("“%s” takes no arguments"), command);
    }
  else if (g_str_equal (command, "doctor"))
    {
      if (argc > 3)
        return ctl_usage_error (_("“%s” takes at most one argument"), command);
    }
  else if (g_str_equal (command, "cancel"))
    {
      if (argc != 3)
        return ctl_usage_error (_("“%s” takes exactly one argument"), command);
    }
  else if (g_str_equal (command, "share"))
    {
      const char *sub = argc > 2 ? argv[2] : "";

      if (g_str_equal (sub, "list"))
        {
          if (argc != 3)
            return ctl_usage_error ("%s", _("“share list” takes no arguments"));
        }
      else if (g_str_equal (sub, "add") || g_str_equal (sub, "remove") ||
               g_str_equal (sub, "enable") || g_str_equal (sub, "disable"))
        {
          if (argc != 4)
            return ctl_usage_error (_("“share %s” takes exactly one argument"), sub);
        }
      else
        return ctl_usage_error ("%s", _("Use “share add PATH”, “share list”, “share remove NAME”, "
                                        "“share enable NAME” or “share disable NAME”"));
    }
  else
    return ctl_usage_error (_("Unknown command “%s”"), command);

  if ((access != NULL && !g_str_equal (access, "read-only") && !g_str_equal (access, "read-write") &&
       !g_str_equal (access, "drop-box")) ||
      (audience != NULL && !g_str_equal (audience, "everyone") &&
       !g_str_equal (audience, "trusted") && !g_str_equal (audience, "password")))
    return ctl_usage_error ("%s", _("--access takes read-only, read-write or drop-box; --audience "
                                "takes everyone, trusted or password"));

  if (!ctl_connect (&ctl, &error))
    return ctl_failure ("%s", error->message);

  if (g_str_equal (command, "status"))
    return cmd_status (&ctl, json);
  if (g_str_equal (command, "peers"))
    return cmd_peers (&ctl, json, wait_count, timeout_seconds);
  if (g_str_equal (command, "info"))
    return cmd_info (&ctl, argv[2], json);
  if (g_str_equal (command, "get"))
    return cmd_get (&ctl, (const char * const *) argv + 2, to, wait_done);
  if (g_str_equal (command, "put"))
    return cmd_put (&ctl, (const char * const *) argv + 2, wait_done);
  if (g_str_equal (command, "printers"))
    return ctl_cmd_printers (&ctl, json);
  if (g_str_equal (command, "printer") && g_str_equal (argv[2], "default"))
    return ctl_cmd_printer_default (&ctl, argv[3]);
  if (g_str_equal (command, "printer"))
    return ctl_cmd_printer_share (&ctl, argv[3], g_str_equal (argv[2], "share"));
  if (g_str_equal (command, "print"))
    return ctl_cmd_print (&ctl, argv[2], argv[3], wait_done);
  if (g_str_equal (command, "transfers"))
    return cmd_transfers (&ctl, json, watch);
  if (g_str_equal (command, "cancel"))
    return cmd_cancel (&ctl, argv[2]);
  if (g_str_equal (command, "send"))
    return ctl_cmd_send (&ctl, argv[2], (const char * const *) argv + 3, wait_done);
  if (g_str_equal (command, "offers"))
    return ctl_cmd_offers (&ctl, json);
  if (g_str_equal (command, "accept"))
    return ctl_cmd_accept (&ctl, argv[2], to);
  if (g_str_equal (command, "decline"))
    return ctl_cmd_decline (&ctl, argv[2]);
  if (g_str_equal (command, "ls"))
    return cmd_ls (&ctl, argv[2], json);
  if (g_str_equal (command, "doctor"))
    return ctl_cmd_doctor (&ctl, argc > 2 ? argv[2] : NULL, json);
  if (g_str_equal (command, "dns-records"))
    return ctl_cmd_dns_records (&ctl, domain, format);
  if (g_str_equal (command, "trust") || g_str_equal (command, "untrust"))
    return cmd_trust (&ctl, argv[2], g_str_equal (command, "trust"));
  if (g_str_equal (command, "share"))
    {
      if (g_str_equal (argv[2], "list"))
        return cmd_share_list (&ctl, json);
      if (g_str_equal (argv[2], "add"))
        return cmd_share_add (&ctl, argv[3], name, access, audience, password_file);
      if (g_str_equal (argv[2], "enable") || g_str_equal (argv[2], "disable"))
        return cmd_share_enable (&ctl, argv[3], g_str_equal (argv[2], "enable"));
      return cmd_share_remove (&ctl, argv[3]);
    }
  return cmd_add_peer (&ctl, argv[2]);
}
