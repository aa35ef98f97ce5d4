/* hallwayctl-shares.c: the folders this computer shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   hallwayctl share add PATH [--name NAME] [--access …] [--audience …]
 *                             [--password-file FILE]
 *   hallwayctl share list [--json] | share remove NAME
 *   hallwayctl share enable NAME | share disable NAME
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "hallwayctl.h"
#include "hallway-error.h"

void
ctl_add_shares_json (Ctl         *ctl,
                     JsonBuilder *builder)
{
  g_autoptr(GPtrArray) shares = ctl_dup_shares (ctl);

  json_builder_begin_array (builder);
  for (guint i = 0; i < shares->len; i++)
    {
      HallwayDBusShare1 *share = g_ptr_array_index (shares, i);

      json_builder_begin_object (builder);
      hallway_json_add_string (builder, "id", hallway_dbus_share1_get_id (share));
      hallway_json_add_string (builder, "name", hallway_dbus_share1_get_name (share));
      hallway_json_add_string (builder, "path", hallway_dbus_share1_get_path (share));
      hallway_json_add_string (builder, "access", hallway_dbus_share1_get_access (share));
      hallway_json_add_string (builder, "audience", hallway_dbus_share1_get_audience (share));
      hallway_json_add_bool (builder, "available", hallway_dbus_share1_get_available (share));
      hallway_json_add_bool (builder, "enabled", hallway_dbus_share1_get_enabled (share));
      hallway_json_add_string (builder, "url", hallway_dbus_share1_get_url (share));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

int
ctl_cmd_share_list (Ctl           *ctl,
                    const CtlArgs *args)
{
  g_autoptr(GPtrArray) shares = ctl_dup_shares (ctl);

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      ctl_add_shares_json (ctl, builder);
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

int
ctl_cmd_share_add (Ctl           *ctl,
                   const CtlArgs *args)
{
  const char *path = args->argv[0];
  const char *name = args->name;
  const char *access = args->access;
  const char *audience = args->audience;
  const char *password_file = args->password_file;
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
    return ctl_usage_error ("%s",
                            _("--audience password needs --password-file FILE (or - for stdin)"));

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
  if (share == NULL)
    return EXIT_SUCCESS;
  g_print (_("Sharing “%s” (%s, %s) at %s\n"), hallway_dbus_share1_get_name (share),
           hallway_dbus_share1_get_access (share), hallway_dbus_share1_get_audience (share),
           hallway_dbus_share1_get_url (share));
  /* The address looks like one for a browser; for trusted colleagues it
   * is not (a browser has no certificate to show): say so. */
  if (g_strcmp0 (hallway_dbus_share1_get_audience (share), "trusted") == 0)
    g_print (_("Only trusted colleagues open it, in Hallway; a web browser at that address is "
               "refused. For colleagues without Hallway, share it with --audience everyone or "
               "--audience password.\n"));
  return EXIT_SUCCESS;
}

int
ctl_cmd_share_remove (Ctl           *ctl,
                      const CtlArgs *args)
{
  const char *name = args->argv[0];
  g_autoptr(GError) error = NULL;

  if (!hallway_dbus_daemon1_call_remove_share_sync (ctl->daemon, name, NULL, &error))
    return ctl_failure ("%s", ctl_plain_error_message (error));
  g_print (_("No longer sharing “%s”; the folder itself is untouched.\n"), name);
  return EXIT_SUCCESS;
}

/* share enable NAME | share disable NAME */
static int
set_enabled (Ctl        *ctl,
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

int
ctl_cmd_share_enable (Ctl           *ctl,
                      const CtlArgs *args)
{
  return set_enabled (ctl, args->argv[0], TRUE);
}

int
ctl_cmd_share_disable (Ctl           *ctl,
                       const CtlArgs *args)
{
  return set_enabled (ctl, args->argv[0], FALSE);
}

/* Before connecting: what --access and --audience take. */
int
ctl_check_share_add (const CtlArgs *args)
{
  static const char * const accesses[] = { "read-only", "read-write", "drop-box", NULL };
  static const char * const audiences[] = { "everyone", "trusted", "password", NULL };

  if ((args->access != NULL && !g_strv_contains (accesses, args->access)) ||
      (args->audience != NULL && !g_strv_contains (audiences, args->audience)))
    return ctl_usage_error ("%s", _("--access takes read-only, read-write or drop-box; "
                                    "--audience takes everyone, trusted or password"));
  return EXIT_SUCCESS;
}
