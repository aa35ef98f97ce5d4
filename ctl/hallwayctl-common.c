/* hallwayctl-common.c: what the commands of hallwayctl share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The connection to hallwayd, errors in plain words with the exit status
 * scripts rely on (1 a failure, 2 a usage error), finding a neighbour by
 * what a person types, and following transfers to their end.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hallwayctl.h"
#include "hallway-constants.h"
#include "hallway-error.h"
#include "hallway-identity.h"

void
ctl_clear (Ctl *ctl)
{
  g_clear_object (&ctl->manager);
  g_clear_object (&ctl->daemon);
  g_clear_object (&ctl->connection);
}

static void G_GNUC_PRINTF (1, 0)
print_error (const char *format,
             va_list     args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  g_printerr ("hallwayctl: %s\n", message);
}

int
ctl_usage_error (const char *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  print_error (format, args);
  va_end (args);
  g_printerr ("%s\n", _("Try “hallwayctl --help”."));
  return CTL_EXIT_USAGE;
}

int
ctl_failure (const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  print_error (format, args);
  va_end (args);
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
ctl_connect (Ctl      *ctl,
             gboolean  start,
             GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *owner = NULL;
  GDBusObjectManagerClientFlags manager_flags = G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE;
  GDBusProxyFlags proxy_flags = G_DBUS_PROXY_FLAGS_NONE;

  if (!start)
    {
      manager_flags = G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START;
      proxy_flags = G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START;
    }

  ctl->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  if (ctl->connection == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED,
                   _("There is no session bus, so hallwayd can't be reached (%s)"),
                   local_error->message);
      return FALSE;
    }

  /* Asking the manager for its objects starts hallwayd by D-Bus activation
   * when it is installed and not yet running, unless @start says not to. */
  ctl->manager =
    hallway_dbus_object_manager_client_new_sync (ctl->connection, manager_flags,
                                                 HALLWAY_DAEMON_BUS_NAME,
                                                 HALLWAY_DAEMON_OBJECT_PATH, NULL, &local_error);
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

  ctl->daemon = hallway_dbus_daemon1_proxy_new_sync (ctl->connection, proxy_flags,
                                                     HALLWAY_DAEMON_BUS_NAME,
                                                     HALLWAY_DAEMON_OBJECT_PATH, NULL,
                                                     &local_error);
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

void
ctl_print_json (JsonBuilder *builder)
{
  g_autofree char *text = hallway_json_to_data (builder, TRUE, NULL);

  g_print ("%s\n", text);
}

/* Finds a neighbour by display name, device-id prefix, host name or the
 * start of a display name, in that order. */
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

  /* Then the start of a name: "Alice" finds "Alice Martin". */
  if (matches->len == 0)
    for (guint i = 0; i < peers->len; i++)
      {
        HallwayDBusPeer1 *peer = g_ptr_array_index (peers, i);
        g_autofree char *name = g_utf8_casefold (hallway_dbus_peer1_get_name (peer), -1);

        if (*folded != '\0' && g_str_has_prefix (name, folded))
          g_ptr_array_add (matches, peer);
      }

  /* A name is a label anyone can announce: one a trusted colleague had,
   * now on another identity, is never taken for them. The id prefix still
   * picks that computer on purpose. */
  for (guint i = 0; i < matches->len; i++)
    {
      HallwayDBusPeer1 *peer = g_ptr_array_index (matches, i);
      const char *held_by = hallway_dbus_peer1_get_name_held_by (peer);

      if (held_by != NULL && *held_by != '\0' &&
          !(by_id && g_str_has_prefix (hallway_dbus_peer1_get_id (peer), id_prefix)))
        {
          g_autofree char *code = hallway_device_id_dup_verification_code (held_by);

          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_AMBIGUOUS,
                       _("“%s” is the name of a trusted colleague (verification code %s), but "
                         "the computer announcing it now has another identity (%.8s, not "
                         "verified). Use the beginning of the device id "
                         "of the one you mean (“hallwayctl peers” lists them)."),
                       query, code, hallway_dbus_peer1_get_id (peer));
          return NULL;
        }
    }

  if (matches->len == 1)
    return g_object_ref (g_ptr_array_index (matches, 0));

  if (matches->len == 0)
    {
      /* A name with the query inside it is likely the one meant. */
      for (guint i = 0; i < peers->len; i++)
        {
          HallwayDBusPeer1 *peer = g_ptr_array_index (peers, i);
          g_autofree char *name = g_utf8_casefold (hallway_dbus_peer1_get_name (peer), -1);

          if (*folded != '\0' && strstr (name, folded) != NULL)
            {
              g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_NOT_FOUND,
                           _("No neighbour called “%s”. Did you mean “%s”?"), query,
                           hallway_dbus_peer1_get_name (peer));
              return NULL;
            }
        }
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

gboolean
ctl_transfer_is_finished (HallwayDBusTransfer1 *transfer)
{
  const char *state = hallway_dbus_transfer1_get_state (transfer);

  return g_strcmp0 (state, "done") == 0 || g_strcmp0 (state, "failed") == 0 ||
         g_strcmp0 (state, "cancelled") == 0;
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

/* Nothing to show yet: no size known, nothing done, nobody waited for
 * (a wait has a reason worth showing). */
static gboolean
nothing_moved (GPtrArray *transfers)
{
  for (guint i = 0; i < transfers->len; i++)
    {
      HallwayDBusTransfer1 *t = g_ptr_array_index (transfers, i);
      const char *state = hallway_dbus_transfer1_get_state (t);

      if (hallway_dbus_transfer1_get_total (t) > 0 || g_strcmp0 (state, "done") == 0 ||
          g_strcmp0 (state, "waiting") == 0)
        return FALSE;
    }
  return TRUE;
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
      else if (ctl_transfer_is_finished (t))
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

gboolean
ctl_tick_cb (gpointer user_data)
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

  tick_id = g_timeout_add (tty ? 200 : 1000, ctl_tick_cb, &ticked);
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
        all_finished = all_finished && ctl_transfer_is_finished (g_ptr_array_index (transfers, i));

      /* A copy that has not started has no progress to show ("0 bytes of
       * 0 bytes"); one that failed before it did shows only why, below. */
      if (!nothing_moved (transfers))
        text = describe_progress (transfers);
      if (text != NULL && tty)
        g_printerr ("\r\033[K%s", text);
      else if (text != NULL && g_strcmp0 (text, last_text) != 0 &&
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
    g_printerr (nothing_moved (transfers) ? "\r\033[K" : "\n");

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
                   const char *object_path,
                   gboolean    wait)
{
  const char *id = strrchr (object_path, '/');

  /* The id is for a script to follow the copy with; one that waits is
   * told how it went instead. */
  if (!wait)
    g_print ("%s\n", id != NULL ? id + 1 : object_path);
  g_ptr_array_add (paths, g_strdup (object_path));
}
