/* fake-notifications.c: a notification server for the LAN tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns org.freedesktop.Notifications on the session bus of a simulated
 * computer and prints each notification it is asked to show as one JSON
 * line: {"id", "app", "summary", "body", "actions": ["key", "label", …]}.
 * With --press LABEL it then presses the button of that label, as a person
 * would, by emitting ActionInvoked. It prints "ready" once it owns the name.
 * With --name NAME it owns NAME instead, e.g. to stand in for the window.
 */
#include "config.h"

#include <stdio.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

static const char introspection_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "  </interface>"
  "</node>";

static char *press_label;
static char *bus_name;
static guint next_id = 1;

static void
print_notification (guint32             id,
                    const char         *app,
                    const char         *summary,
                    const char         *body,
                    const char * const *actions)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, id);
  json_builder_set_member_name (builder, "app");
  json_builder_add_string_value (builder, app);
  json_builder_set_member_name (builder, "summary");
  json_builder_add_string_value (builder, summary);
  json_builder_set_member_name (builder, "body");
  json_builder_add_string_value (builder, body);
  json_builder_set_member_name (builder, "actions");
  json_builder_begin_array (builder);
  for (guint i = 0; actions[i] != NULL; i++)
    json_builder_add_string_value (builder, actions[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  line = json_generator_to_data (generator, NULL);
  printf ("%s\n", line);
  fflush (stdout);
}

static void
method_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  if (g_str_equal (method_name, "Notify"))
    {
      const char *app, *icon, *summary, *body;
      g_autofree const char **actions = NULL;
      g_autoptr(GVariant) actions_v = NULL;
      g_autoptr(GVariant) hints = NULL;
      guint32 replaces;
      gint32 timeout;
      guint32 id;

      g_variant_get (parameters, "(&su&s&s&s@as@a{sv}i)", &app, &replaces, &icon, &summary,
                     &body, &actions_v, &hints, &timeout);
      actions = g_variant_get_strv (actions_v, NULL);
      id = replaces != 0 ? replaces : next_id++;
      print_notification (id, app, summary, body, actions);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", id));

      /* Actions come as key, label pairs. */
      for (guint i = 0; press_label != NULL && actions[i] != NULL && actions[i + 1] != NULL; i += 2)
        if (g_str_equal (actions[i + 1], press_label))
          g_dbus_connection_emit_signal (connection, NULL, "/org/freedesktop/Notifications",
                                         "org.freedesktop.Notifications", "ActionInvoked",
                                         g_variant_new ("(us)", id, actions[i]), NULL);
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *caps[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_str_equal (method_name, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "fake", "hallway", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  printf ("ready\n");
  fflush (stdout);
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  g_printerr ("fake-notifications: could not own %s\n", name);
  g_main_loop_quit (user_data);
}

int
main (int   argc,
      char *argv[])
{
  static const GDBusInterfaceVTable vtable = { method_call_cb, NULL, NULL, { 0 } };
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "press", 0, 0, G_OPTION_ARG_STRING, &press_label, "Press the button LABEL", "LABEL" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &bus_name, "Own NAME instead", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("fake-notifications: %s\n", error->message);
      return 2;
    }

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (connection == NULL)
    {
      g_printerr ("fake-notifications: %s\n", error->message);
      return 1;
    }
  info = g_dbus_node_info_new_for_xml (introspection_xml, NULL);
  g_dbus_connection_register_object (connection, "/org/freedesktop/Notifications",
                                     info->interfaces[0], &vtable, NULL, NULL, NULL);
  g_bus_own_name_on_connection (connection,
                                bus_name != NULL ? bus_name : "org.freedesktop.Notifications",
                                G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, name_acquired_cb,
                                name_lost_cb, g_main_loop_ref (loop),
                                (GDestroyNotify) g_main_loop_unref);
  g_main_loop_run (loop);
  return 1;
}
