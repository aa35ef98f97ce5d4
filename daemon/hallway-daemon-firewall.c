/* hallway-daemon-firewall.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A firewall that drops mDNS or Hallway's port is the most common reason a
 * colleague "doesn't show up", and the hardest to see. hallwayd runs as the
 * person, so it reads what a person may: firewalld answers anyone on the
 * system bus (its zone's services and ports), ufw's switch and default
 * policy are world-readable files (its rules are not), and nftables' rules
 * can only be listed with CAP_NET_ADMIN, i.e. when hallwayd runs as root
 * (containers, the tests). What is read here is certain; what can't be
 * read is left to the doctor's observations (answers that never come back).
 */
#include "config.h"

#include "hallway-daemon-firewall.h"

#include <unistd.h>

#define MDNS_PORT           5353
#define NFT_TIMEOUT_S       3
#define FIREWALLD_BUS_NAME  "org.fedoraproject.FirewallD1"
#define FIREWALLD_PATH      "/org/fedoraproject/FirewallD1"
#define UFW_CONF            "/etc/ufw/ufw.conf"
#define UFW_DEFAULTS        "/etc/default/ufw"
#define UFW_USER_RULES      "/etc/ufw/user.rules"

void
hallway_firewall_report_free (HallwayFirewallReport *report)
{
  if (report == NULL)
    return;
  g_free (report->tool);
  g_free (report->evidence);
  g_free (report);
}

/* Whether @port is in a port list as nft or iptables writes it: "5353",
 * "5000-6000", "{ 53535, 5353 }", "53535:53545,5353". */
static gboolean
port_list_has (const char *list,
               guint16     port)
{
  g_auto(GStrv) items = g_strsplit_set (list, "{}, ", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *item = items[i];
      const char *dash = strpbrk (item, "-:");
      guint64 low, high;

      if (*item == '\0')
        continue;
      if (dash != NULL)
        {
          g_autofree char *first = g_strndup (item, dash - item);

          if (g_ascii_string_to_unsigned (first, 10, 0, G_MAXUINT16, &low, NULL) &&
              g_ascii_string_to_unsigned (dash + 1, 10, 0, G_MAXUINT16, &high, NULL) &&
              low <= port && port <= high)
            return TRUE;
        }
      else if (g_ascii_string_to_unsigned (item, 10, 0, G_MAXUINT16, &low, NULL) && low == port)
        return TRUE;
    }
  return FALSE;
}

/* The ports after every "dport"/"sport" of an nft rule line. */
static gboolean
nft_rule_matches_port (const char *line,
                       guint16     port)
{
  for (const char *p = line; (p = strstr (p, "port ")) != NULL; p += 5)
    {
      g_autofree char *list = NULL;
      const char *start = p + 5;
      const char *end;

      if (p < line + 1 || (p[-1] != 'd' && p[-1] != 's'))
        continue;
      if (*start == '{')
        end = strchr (start, '}');
      else
        end = start + strcspn (start, " ");
      if (end == NULL)
        continue;
      list = g_strndup (start, end - start);
      if (port_list_has (list, port))
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_word (const char *line,
          const char *word)
{
  gsize length = strlen (word);

  for (const char *p = line; (p = strstr (p, word)) != NULL; p += length)
    if ((p == line || p[-1] == ' ') && (p[length] == '\0' || p[length] == ' '))
      return TRUE;
  return FALSE;
}

/**
 * hallway_firewall_scan_nft:
 * @ruleset: what `nft list ruleset` prints
 * @port: Hallway's port
 * @out_mdns_rule: (out) (transfer full) (nullable): a rule dropping mDNS
 * @out_port_rule: (out) (transfer full) (nullable): a rule dropping @port
 *
 * Finds rules that drop or reject mDNS (UDP 5353) or @port by number.
 *
 * Returns: whether one was found
 */
gboolean
hallway_firewall_scan_nft (const char  *ruleset,
                           guint16      port,
                           char       **out_mdns_rule,
                           char       **out_port_rule)
{
  g_auto(GStrv) lines = g_strsplit (ruleset, "\n", -1);

  *out_mdns_rule = NULL;
  *out_port_rule = NULL;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (!has_word (line, "drop") && !has_word (line, "reject"))
        continue;
      if (*out_mdns_rule == NULL && nft_rule_matches_port (line, MDNS_PORT))
        *out_mdns_rule = g_strdup (line);
      if (*out_port_rule == NULL && nft_rule_matches_port (line, port))
        *out_port_rule = g_strdup (line);
    }
  return *out_mdns_rule != NULL || *out_port_rule != NULL;
}

/**
 * hallway_firewall_scan_ufw:
 * @user_rules: (nullable): /etc/ufw/user.rules, when readable
 * @default_policy: /etc/default/ufw
 * @port: Hallway's port
 * @out_mdns_blocked: (out): whether mDNS is dropped
 * @out_port_blocked: (out): whether @port is dropped
 *
 * ufw lets mDNS in by itself (its before.rules); Hallway's port is dropped
 * when the default incoming policy drops and no rule of the person's
 * allows it.
 *
 * Returns: whether the answer is certain (the rules could be read, or the
 *   policy lets everything in)
 */
gboolean
hallway_firewall_scan_ufw (const char *user_rules,
                           const char *default_policy,
                           guint16     port,
                           gboolean   *out_mdns_blocked,
                           gboolean   *out_port_blocked)
{
  gboolean drops = strstr (default_policy, "DEFAULT_INPUT_POLICY=\"ACCEPT\"") == NULL;
  g_auto(GStrv) lines = NULL;

  *out_mdns_blocked = FALSE;
  *out_port_blocked = FALSE;
  if (!drops)
    return TRUE;
  if (user_rules == NULL)
    {
      *out_port_blocked = TRUE;
      return FALSE;
    }

  *out_port_blocked = TRUE;
  lines = g_strsplit (user_rules, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *ports;

      if (!g_str_has_prefix (line, "-A ufw-user-input") || strstr (line, "-j ACCEPT") == NULL)
        continue;
      /* A rule for any port lets everything in. */
      ports = strstr (line, "--dport ");
      if (ports == NULL)
        ports = strstr (line, "--dports ");
      if (ports == NULL)
        {
          if (strstr (line, " -s ") == NULL)
            *out_port_blocked = FALSE;
          continue;
        }
      ports = strchr (ports, ' ') + 1;
      {
        g_autofree char *list = g_strndup (ports, strcspn (ports, " "));

        if (port_list_has (list, port))
          *out_port_blocked = FALSE;
      }
    }
  return TRUE;
}

typedef struct
{
  guint16                port;
  HallwayFirewallReport *report;
  GDBusConnection       *system_bus;
  char                  *zone;
  GStrv                  services;
} InspectData;

static void
inspect_data_free (gpointer data)
{
  InspectData *d = data;

  g_clear_pointer (&d->report, hallway_firewall_report_free);
  g_clear_object (&d->system_bus);
  g_free (d->zone);
  g_strfreev (d->services);
  g_free (d);
}

/* Takes @task: every step below owns the task it is given. */
static void
finish (GTask *task)
{
  InspectData *d = g_task_get_task_data (task);

  g_task_return_pointer (task, g_steal_pointer (&d->report),
                         (GDestroyNotify) hallway_firewall_report_free);
  g_object_unref (task);
}

static void
nft_listed_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InspectData *d = g_task_get_task_data (task);
  g_autofree char *out = NULL;
  g_autofree char *mdns_rule = NULL;
  g_autofree char *port_rule = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &out, NULL, &error) ||
      !g_subprocess_get_successful (G_SUBPROCESS (source)) || out == NULL || *out == '\0')
    {
      finish (g_steal_pointer (&task));
      return;
    }

  g_free (d->report->tool);
  d->report->tool = g_strdup ("nftables");
  d->report->readable = TRUE;
  if (hallway_firewall_scan_nft (out, d->port, &mdns_rule, &port_rule))
    {
      d->report->mdns_blocked = mdns_rule != NULL;
      d->report->port_blocked = port_rule != NULL;
      g_free (d->report->evidence);
      d->report->evidence = g_strdup (mdns_rule != NULL ? mdns_rule : port_rule);
    }
  finish (g_steal_pointer (&task));
}

static gboolean
nft_timeout_cb (gpointer user_data)
{
  g_subprocess_force_exit (user_data);
  return G_SOURCE_REMOVE;
}

/* nftables holds the rules of every firewall (firewalld's and ufw's too);
 * listing them needs CAP_NET_ADMIN, i.e. root. */
static void
inspect_nft (GTask *task)
{
  g_autoptr(GSubprocess) nft = NULL;
  g_autofree char *path = g_find_program_in_path ("nft");

  if (geteuid () != 0 || path == NULL)
    {
      finish (task);
      return;
    }
  nft = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          NULL, path, "list", "ruleset", NULL);
  if (nft == NULL)
    {
      finish (task);
      return;
    }
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, NFT_TIMEOUT_S, nft_timeout_cb,
                              g_object_ref (nft), g_object_unref);
  g_subprocess_communicate_utf8_async (nft, NULL, g_task_get_cancellable (task), nft_listed_cb,
                                       task);
}

static gboolean
has_line (const char *text,
          const char *line)
{
  gsize length = strlen (line);

  for (const char *p = text; (p = strstr (p, line)) != NULL; p += length)
    if ((p == text || p[-1] == '\n') && (p[length] == '\0' || p[length] == '\n'))
      return TRUE;
  return FALSE;
}

static void
inspect_ufw (GTask *task)
{
  InspectData *d = g_task_get_task_data (task);
  g_autofree char *conf = NULL;
  g_autofree char *defaults = NULL;
  g_autofree char *rules = NULL;
  gboolean mdns_blocked, port_blocked;

  if (!g_file_get_contents (UFW_CONF, &conf, NULL, NULL) || !has_line (conf, "ENABLED=yes") ||
      !g_file_get_contents (UFW_DEFAULTS, &defaults, NULL, NULL))
    {
      inspect_nft (task);
      return;
    }
  /* The rules are root's alone; without them only the policy is known. */
  g_file_get_contents (UFW_USER_RULES, &rules, NULL, NULL);
  d->report->tool = g_strdup ("ufw");
  d->report->readable = hallway_firewall_scan_ufw (rules, defaults, d->port, &mdns_blocked,
                                                   &port_blocked);
  d->report->mdns_blocked = mdns_blocked && d->report->readable;
  d->report->port_blocked = port_blocked && d->report->readable;
  if (port_blocked)
    d->report->evidence = g_strdup ("DEFAULT_INPUT_POLICY=\"DROP\"");
  /* nftables, when readable, may know more. */
  if (!d->report->readable)
    inspect_nft (task);
  else
    finish (task);
}

/* Asks firewalld, and takes @task; without firewalld on the system bus (or
 * when it refuses), the callback gets an error. */
static void
ask_firewalld (GTask               *task,
               const char          *interface,
               const char          *method,
               GVariant            *parameters,
               const char          *reply_type,
               GAsyncReadyCallback  callback)
{
  InspectData *d = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_dbus_connection_call (d->system_bus, FIREWALLD_BUS_NAME, FIREWALLD_PATH, interface, method,
                          parameters, G_VARIANT_TYPE (reply_type),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000, cancellable, callback, task);
}

/* firewalld's answer; without one, @task goes on to ufw. */
static GVariant *
firewalld_reply (GObject       *source,
                 GAsyncResult  *result,
                 GTask        **task)
{
  GVariant *reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);

  if (reply == NULL)
    inspect_ufw (g_steal_pointer (task));
  return reply;
}

static void
firewalld_ports_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InspectData *d = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  g_auto(GStrv) pair = NULL;
  gboolean port_open = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
  if (reply != NULL)
    {
      g_variant_get (reply, "(aas)", &iter);
      while (!port_open && g_variant_iter_next (iter, "^as", &pair))
        {
          port_open = g_strv_length (pair) == 2 && g_str_equal (pair[1], "tcp") &&
                      port_list_has (pair[0], d->port);
          g_clear_pointer (&pair, g_strfreev);
        }
    }

  d->report->tool = g_strdup ("firewalld");
  d->report->readable = TRUE;
  /* The "trusted" zone lets everything in. */
  if (!g_str_equal (d->zone, "trusted"))
    {
      d->report->mdns_blocked = !g_strv_contains ((const char * const *) d->services, "mdns");
      d->report->port_blocked = !port_open &&
                                !g_strv_contains ((const char * const *) d->services, "hallway");
    }
  if (d->report->mdns_blocked || d->report->port_blocked)
    d->report->evidence = g_strdup_printf ("zone %s", d->zone);
  finish (g_steal_pointer (&task));
}

static void
firewalld_services_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InspectData *d = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = firewalld_reply (source, result, &task);

  if (reply == NULL)
    return;
  g_variant_get (reply, "(^as)", &d->services);
  ask_firewalld (g_steal_pointer (&task), FIREWALLD_BUS_NAME ".zone", "getPorts",
                 g_variant_new ("(s)", d->zone), "(aas)", firewalld_ports_cb);
}

static void
firewalld_zone_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InspectData *d = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = firewalld_reply (source, result, &task);

  if (reply == NULL)
    return;
  g_variant_get (reply, "(s)", &d->zone);
  ask_firewalld (g_steal_pointer (&task), FIREWALLD_BUS_NAME ".zone", "getServices",
                 g_variant_new ("(s)", d->zone), "(as)", firewalld_services_cb);
}

static void
system_bus_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InspectData *d = g_task_get_task_data (task);

  d->system_bus = g_bus_get_finish (result, NULL);
  if (d->system_bus == NULL)
    {
      inspect_ufw (g_steal_pointer (&task));
      return;
    }
  ask_firewalld (g_steal_pointer (&task), FIREWALLD_BUS_NAME, "getDefaultZone", NULL, "(s)",
                 firewalld_zone_cb);
}

/**
 * hallway_firewall_inspect_async:
 * @port: Hallway's port
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Reads what this computer's firewall (firewalld, else ufw, else
 * nftables when running as root) says about mDNS and @port. Never fails:
 * the report says what could be read.
 */
void
hallway_firewall_inspect_async (guint16              port,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  InspectData *d = g_new0 (InspectData, 1);

  g_task_set_source_tag (task, hallway_firewall_inspect_async);
  d->port = port;
  d->report = g_new0 (HallwayFirewallReport, 1);
  g_task_set_task_data (task, d, inspect_data_free);
  g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, system_bus_cb, g_steal_pointer (&task));
}

/**
 * hallway_firewall_inspect_finish:
 * @result: the result passed to the callback
 * @error: return location for a #GError (cancelled only)
 *
 * Returns: (transfer full): the report
 */
HallwayFirewallReport *
hallway_firewall_inspect_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
