/* hallwayctl.c: Hallway from a terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A thin client of hallwayd's D-Bus API. Scripts and tests depend on its
 * commands, options, JSON shapes and exit statuses: 0 ok, 1 failure (a
 * plain-words message on stderr), 2 usage error.
 *
 * Every command is one row of the table below: its name, its arguments,
 * the options it takes, what it does and what runs it. The program's
 * help, "hallwayctl COMMAND --help", "hallwayctl help COMMAND" and the
 * list "hallwayctl help --commands" (for shell completion) are all made
 * from it, so a command is written down once.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "hallwayctl.h"

static const CtlCommand commands[] = {
  { "status", "", 0, 0, CTL_OPTION_JSON,
    N_("this computer: name, verification code, port, Avahi"), NULL, ctl_cmd_status },
  { "peers", "", 0, 0, CTL_OPTION_JSON | CTL_OPTION_WAIT_COUNT | CTL_OPTION_TIMEOUT,
    N_("neighbours; --wait blocks until N are online"), NULL, ctl_cmd_peers },
  { "info", "PEER", 1, 1, CTL_OPTION_JSON,
    N_("one neighbour (a name, device-id prefix or host name)"), NULL, ctl_cmd_info },
  { "add-peer", "ADDRESS[:PORT]", 1, 1, 0,
    N_("reach a computer that mDNS cannot see"), NULL, ctl_cmd_add_peer },
  { "learn-neighbours", "[on|off]", 0, 1, 0,
    N_("learn of colleagues mDNS can't see from the ones who see them"), NULL,
    ctl_cmd_learn_neighbours },
  { "trust", "PEER", 1, 1, 0,
    N_("trust a colleague, after comparing verification codes"), NULL, ctl_cmd_trust },
  { "untrust", "PEER", 1, 1, 0,
    N_("no longer trust a colleague"), NULL, ctl_cmd_untrust },
  { "ls", "PEER[/SHARE[/PATH]]", 1, 1, CTL_OPTION_JSON,
    N_("a neighbour's shares, or a folder in one"), NULL, ctl_cmd_ls },
  { "share add", "PATH", 1, 1,
    CTL_OPTION_NAME | CTL_OPTION_ACCESS | CTL_OPTION_AUDIENCE | CTL_OPTION_PASSWORD_FILE,
    N_("share a folder with colleagues"), ctl_check_share_add, ctl_cmd_share_add },
  { "share list", "", 0, 0, CTL_OPTION_JSON,
    N_("the folders I share"), NULL, ctl_cmd_share_list },
  { "share remove", "NAME", 1, 1, 0,
    N_("stop sharing a folder; the folder itself is untouched"), NULL, ctl_cmd_share_remove },
  { "share enable", "NAME", 1, 1, 0,
    N_("switch sharing a folder on again, with its settings"), NULL, ctl_cmd_share_enable },
  { "share disable", "NAME", 1, 1, 0,
    N_("switch sharing a folder off, keeping its settings"), NULL, ctl_cmd_share_disable },
  { "get", "PEER/SHARE/PATH...", 1, -1, CTL_OPTION_TO | CTL_OPTION_WAIT,
    N_("copy files or folders here (default: Downloads)"), NULL, ctl_cmd_get },
  { "put", "FILE... PEER/SHARE[/PATH]", 2, -1, CTL_OPTION_WAIT,
    N_("copy files or folders into a colleague's share"), NULL, ctl_cmd_put },
  { "send", "PEER FILE...", 2, -1, CTL_OPTION_WAIT,
    N_("offer files or folders to a colleague"), NULL, ctl_cmd_send },
  { "offers", "", 0, 0, CTL_OPTION_JSON,
    N_("files colleagues want to send me"), NULL, ctl_cmd_offers },
  { "accept", "ID", 1, 1, CTL_OPTION_TO,
    N_("accept an offer (default: Downloads)"), NULL, ctl_cmd_accept },
  { "decline", "ID", 1, 1, 0,
    N_("decline an offer"), NULL, ctl_cmd_decline },
  { "transfers", "", 0, 0, CTL_OPTION_JSON | CTL_OPTION_WATCH,
    N_("copies in progress and finished"), NULL, ctl_cmd_transfers },
  { "cancel", "ID", 1, 1, 0,
    N_("stop a copy; nothing half-copied is left"), NULL, ctl_cmd_cancel },
  { "printers", "", 0, 0, CTL_OPTION_JSON,
    N_("my printers (shared or not) and the neighbours'"), NULL, ctl_cmd_printers },
  { "printer share", "QUEUE", 1, 1, 0,
    N_("let colleagues print on one of my CUPS printers"), NULL, ctl_cmd_printer_share },
  { "printer unshare", "QUEUE", 1, 1, 0,
    N_("stop sharing one of my printers"), NULL, ctl_cmd_printer_unshare },
  { "printer default", "PEER/PRINTER", 1, 1, 0,
    N_("make a colleague's printer my default"), NULL, ctl_cmd_printer_default },
  { "print", "PEER/PRINTER FILE", 2, 2, CTL_OPTION_WAIT,
    N_("print a file on a colleague's printer"), ctl_check_print, ctl_cmd_print },
  { "doctor", "[PEER|ADDRESS]", 0, 1, CTL_OPTION_JSON,
    N_("why a colleague can't be seen or reached"), NULL, ctl_cmd_doctor },
  { "dns-records", "", 0, 0, CTL_OPTION_DOMAIN | CTL_OPTION_FORMAT,
    N_("this computer's DNS-SD records, for a DNS server"), NULL, ctl_cmd_dns_records },
  /* main() answers "help" itself: it needs the program's option context. */
  { "help", "[COMMAND]", 0, 2, 0,
    N_("this list, or how to use one command"), NULL, NULL },
  /* Hidden, so never shown: its summary is not for translators. */
  { "__complete", "KIND [WORD]", 1, 2, 0,
    "the names the shell's completion offers", NULL, ctl_cmd_complete, CTL_COMMAND_HIDDEN },
};

/* How each option shows in a command's usage, and what it does. */
static const struct
{
  CtlOptions  option;
  const char *usage;
  const char *help;
} option_help[] = {
  { CTL_OPTION_JSON, "[--json]", N_("print JSON") },
  { CTL_OPTION_WAIT_COUNT, "[--wait N]", N_("wait until N neighbours are online") },
  { CTL_OPTION_TIMEOUT, "[--timeout S]", N_("how long --wait waits, in seconds (default 30)") },
  { CTL_OPTION_NAME, "[--name NAME]", N_("the name colleagues see (default: the folder's)") },
  { CTL_OPTION_ACCESS, "[--access read-only|read-write|drop-box]",
    N_("what colleagues may do (default: read-only)") },
  { CTL_OPTION_AUDIENCE, "[--audience everyone|trusted|password]",
    N_("who may (default: trusted colleagues)") },
  { CTL_OPTION_PASSWORD_FILE, "[--password-file FILE]",
    N_("read the password from FILE, - for stdin") },
  { CTL_OPTION_TO, "[--to DIR]", N_("the folder to copy into (default: Downloads)") },
  { CTL_OPTION_WATCH, "[--watch]", N_("follow them until all have ended") },
  { CTL_OPTION_WAIT, "[--wait]", N_("return when it ends, with its outcome as the exit status") },
  { CTL_OPTION_DOMAIN, "[--domain DOMAIN]",
    N_("the site's DNS domain (default: the first search domain)") },
  { CTL_OPTION_FORMAT, "[--format zone|dnsmasq]",
    N_("a zone file's lines or dnsmasq's options (default: zone)") },
};

/* Options that take a value, to tell a command's words from values. */
static const char * const options_with_value[] = {
  "--timeout", "--name", "--access", "--audience", "--password-file", "--to", "--domain",
  "--format", NULL
};

/* How many words of @name (1 or 2). */
static guint
name_words (const char *name)
{
  return strchr (name, ' ') != NULL ? 2 : 1;
}

static gboolean
is_hidden (const CtlCommand *command)
{
  return (command->flags & CTL_COMMAND_HIDDEN) != 0;
}

/* The command named by the first words of @words, if any; hidden
 * commands are only found by find_hidden_command(). */
static const CtlCommand *
find_command (const char * const *words,
              guint               n_words)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const CtlCommand *command = &commands[i];
      g_auto(GStrv) name = g_strsplit (command->name, " ", 2);

      if (is_hidden (command))
        continue;
      if (n_words >= 1 && g_str_equal (name[0], words[0]) &&
          (name[1] == NULL || (n_words >= 2 && g_str_equal (name[1], words[1]))))
        return command;
    }
  return NULL;
}

/* The hidden command named @word: only ever the first word of the
 * command line. */
static const CtlCommand *
find_hidden_command (const char *word)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (is_hidden (&commands[i]) && g_str_equal (commands[i].name, word))
      return &commands[i];
  return NULL;
}

/* Whether @command is one of the two-word commands @group starts
 * ("share add" in "share"). */
static gboolean
in_group (const CtlCommand *command,
          const char       *group)
{
  return name_words (command->name) == 2 && g_str_has_prefix (command->name, group) &&
         command->name[strlen (group)] == ' ';
}

/* Whether @word starts commands of two words ("share", "printer"). */
static gboolean
is_group (const char *word)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (in_group (&commands[i], word))
      return TRUE;
  return FALSE;
}

/* "share add PATH [--name NAME] …": the command, its arguments and its
 * options, as words. */
static GPtrArray *
dup_usage_words (const CtlCommand *command)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (words, g_strdup (command->name));
  if (*command->args != '\0')
    g_ptr_array_add (words, g_strdup (command->args));
  for (guint i = 0; i < G_N_ELEMENTS (option_help); i++)
    if (command->options & option_help[i].option)
      g_ptr_array_add (words, g_strdup (option_help[i].usage));
  return words;
}

/* Appends @words separated by spaces after @indent spaces, going on on
 * a new line under the second word before one that would pass @width
 * characters. */
static void
append_wrapped (GString   *out,
                GPtrArray *words,
                guint      indent,
                guint      width)
{
  guint column = indent;
  guint hanging = indent + g_utf8_strlen (g_ptr_array_index (words, 0), -1) + 1;

  g_string_append_printf (out, "%*s", (int) indent, "");
  for (guint i = 0; i < words->len; i++)
    {
      const char *word = g_ptr_array_index (words, i);
      guint length = g_utf8_strlen (word, -1);

      if (i > 1 && column + 1 + length > width)
        {
          g_string_append_printf (out, "\n%*s", (int) hanging, "");
          column = hanging;
        }
      else if (i > 0)
        {
          g_string_append_c (out, ' ');
          column++;
        }
      g_string_append (out, word);
      column += length;
    }
}

/* The list of commands under the program's --help and "help". */
static char *
dup_commands_description (void)
{
  GString *out = g_string_new (_("Commands:"));

  g_string_append_c (out, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr(GPtrArray) words = NULL;
      gsize start = out->len;
      guint length;

      if (is_hidden (&commands[i]))
        continue;
      words = dup_usage_words (&commands[i]);
      append_wrapped (out, words, 2, 78);
      length = g_utf8_strlen (out->str + start, -1);
      /* The summary beside a short usage, else under it. */
      if (strchr (out->str + start, '\n') == NULL && length < 36)
        g_string_append_printf (out, "%*s%s\n", (int) (36 - length), "",
                                _(commands[i].summary));
      else
        g_string_append_printf (out, "\n%36s%s\n", "", _(commands[i].summary));
    }
  return g_string_free (out, FALSE);
}

static void
print_command_help (const CtlCommand *command)
{
  g_autoptr(GPtrArray) words = dup_usage_words (command);
  g_autoptr(GString) out = g_string_new (_("Usage:"));
  g_autofree char *summary = g_strdup (_(command->summary));

  g_ptr_array_insert (words, 0, g_strdup ("hallwayctl"));
  g_string_append_c (out, '\n');
  append_wrapped (out, words, 2, 78);
  /* The summary as a sentence. */
  if (*summary != '\0')
    {
      g_autofree char *rest = g_strdup (g_utf8_next_char (summary));
      g_autofree char *first = g_utf8_strup (summary, g_utf8_next_char (summary) - summary);

      g_string_append_printf (out, "\n\n%s%s.\n", first, rest);
    }
  if (command->options != 0)
    {
      g_string_append_printf (out, "\n%s\n", _("Options:"));
      for (guint i = 0; i < G_N_ELEMENTS (option_help); i++)
        {
          g_autofree char *usage = NULL;
          guint length;

          if (!(command->options & option_help[i].option))
            continue;
          /* "[--to DIR]" without its brackets. */
          usage = g_strndup (option_help[i].usage + 1, strlen (option_help[i].usage) - 2);
          length = g_utf8_strlen (usage, -1);
          if (length < 28)
            g_string_append_printf (out, "  %s%*s%s\n", usage, (int) (30 - length), "",
                                    _(option_help[i].help));
          else
            g_string_append_printf (out, "  %s\n%32s%s\n", usage, "", _(option_help[i].help));
        }
    }
  g_print ("%s", out->str);
}

/* "hallwayctl share --help": the usage of each command of the group. */
static void
print_group_help (const char *group)
{
  g_autoptr(GString) out = g_string_new (_("Usage:"));

  g_string_append_c (out, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr(GPtrArray) words = NULL;

      if (!in_group (&commands[i], group))
        continue;
      words = dup_usage_words (&commands[i]);
      g_ptr_array_insert (words, 0, g_strdup ("hallwayctl"));
      append_wrapped (out, words, 2, 78);
      g_string_append_printf (out, "\n%6s%s\n", "", _(commands[i].summary));
    }
  g_string_append_c (out, '\n');
  /* Translators: %s is a command's first word, "share". */
  g_string_append_printf (out, _("“hallwayctl help %s COMMAND” tells more about one."), group);
  g_string_append_c (out, '\n');
  g_print ("%s", out->str);
}

/* "Use “share add PATH”, “share list” … " for a group's word alone. */
static int
group_usage_error (const char *group)
{
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const CtlCommand *command = &commands[i];

      if (!in_group (command, group))
        continue;
      if (list->len > 0)
        g_string_append (list, ", ");
      /* Translators: a command in quotes, “share add PATH”. */
      g_string_append_printf (list, _("“%s%s%s”"), command->name,
                              *command->args != '\0' ? " " : "", command->args);
    }
  /* Translators: %s is a list of commands. */
  return ctl_usage_error (_("Use %s"), list->str);
}

static int
arguments_usage_error (const CtlCommand *command)
{
  if (command->max_args == 0)
    return ctl_usage_error (_("“%s” takes no arguments"), command->name);
  if (command->min_args == 1 && command->max_args == 1)
    return ctl_usage_error (_("“%s” takes exactly one argument"), command->name);
  if (command->min_args == 0 && command->max_args == 1)
    return ctl_usage_error (_("“%s” takes at most one argument"), command->name);
  /* Translators: %1$s is a command, %2$s its arguments ("PEER FILE..."). */
  return ctl_usage_error (_("“%1$s” takes %2$s"), command->name, command->args);
}

/* "hallwayctl help [COMMAND]" and "hallwayctl help --commands". */
static int
run_help (GOptionContext     *context,
          const char * const *words,
          guint               n_words)
{
  static const char * const help[] = { "help" };
  const CtlCommand *command;

  if (n_words == 0)
    {
      g_autofree char *text = g_option_context_get_help (context, TRUE, NULL);

      g_print ("%s", text);
      return EXIT_SUCCESS;
    }
  /* "help --help": how to use help itself. */
  if (n_words == 1 && (g_str_equal (words[0], "--help") || g_str_equal (words[0], "-h")))
    words = help;
  if (n_words == 1 && g_str_equal (words[0], "--commands"))
    {
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        if (!is_hidden (&commands[i]))
          g_print ("%s\n", commands[i].name);
      return EXIT_SUCCESS;
    }
  command = find_command (words, n_words);
  if (command != NULL)
    print_command_help (command);
  else if (is_group (words[0]))
    print_group_help (words[0]);
  else
    return ctl_usage_error (_("Unknown command “%s”"), words[0]);
  return EXIT_SUCCESS;
}

/* The words of the command line that are neither options nor an
 * option's value, up to "--" and after it. */
static GPtrArray *
dup_command_words (int    argc,
                   char **argv)
{
  GPtrArray *words = g_ptr_array_new ();

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        {
          for (i++; i < argc; i++)
            g_ptr_array_add (words, argv[i]);
          break;
        }
      if (argv[i][0] != '-')
        g_ptr_array_add (words, argv[i]);
      else if (g_strv_contains (options_with_value, argv[i]))
        i++;
    }
  return words;
}

/* Whether "--help" or "-h" is asked for before "--". */
static gboolean
wants_help (int    argc,
            char **argv)
{
  for (int i = 1; i < argc && !g_str_equal (argv[i], "--"); i++)
    if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
      return TRUE;
  return FALSE;
}

/* "--wait" counts neighbours for "peers" but is a flag for commands that
 * start a transfer ("get … --wait"): there it becomes --wait-done. */
static void
rewrite_wait_flag (const CtlCommand  *command,
                   int                argc,
                   char             **argv)
{
  if (command == NULL || !(command->options & CTL_OPTION_WAIT))
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
  g_autoptr(GPtrArray) words = NULL;
  g_autofree char *description = NULL;
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
  const CtlCommand *command;
  CtlArgs args = { 0 };
  guint skip;
  int status;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "wait", 0, 0, G_OPTION_ARG_INT, &wait_count,
      N_("peers: wait until N neighbours are online; get, put, send, print: until it ends"),
      "N" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_seconds,
      N_("How long --wait waits (default 30)"), "S" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("share add: the name colleagues see"),
      "NAME" },
    { "access", 0, 0, G_OPTION_ARG_STRING, &access,
      N_("share add: read-only, read-write or drop-box"), "MODE" },
    { "audience", 0, 0, G_OPTION_ARG_STRING, &audience,
      N_("share add: everyone, trusted or password"), "WHO" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      N_("share add: read the password from FILE (- for stdin)"), "FILE" },
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to, N_("get, accept: the folder to copy into"),
      "DIR" },
    { "watch", 0, 0, G_OPTION_ARG_NONE, &watch, N_("transfers: follow until all have ended"),
      NULL },
    { "wait-done", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &wait_done, NULL, NULL },
    { "domain", 0, 0, G_OPTION_ARG_STRING, &domain, N_("dns-records: the site's DNS domain"),
      "DOMAIN" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("dns-records: zone or dnsmasq"),
      "FORMAT" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("hallwayctl");

  /* A hidden command takes the words after it as they are. */
  if (argc >= 2 && (command = find_hidden_command (argv[1])) != NULL)
    {
      args.argv = (const char * const *) argv + 2;
      args.argc = argc - 2;
      if (args.argc < command->min_args ||
          (command->max_args >= 0 && args.argc > command->max_args))
        return CTL_EXIT_USAGE;
      return command->run (&ctl, &args);
    }

  context = g_option_context_new (_("COMMAND [ARGUMENTS…] — share folders and printers with the "
                                    "people down the hall"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  description = dup_commands_description ();
  g_option_context_set_description (context, description);

  /* Before the options are parsed: "help …", and "COMMAND --help". */
  if (argc >= 2 && g_str_equal (argv[1], "help"))
    return run_help (context, (const char * const *) argv + 2, argc - 2);
  words = dup_command_words (argc, argv);
  command = find_command ((const char * const *) words->pdata, words->len);
  if (words->len > 0 && wants_help (argc, argv))
    {
      const char *word = g_ptr_array_index (words, 0);

      if (command != NULL)
        print_command_help (command);
      else if (is_group (word))
        print_group_help (word);
      else
        return ctl_usage_error (_("Unknown command “%s”"), word);
      return EXIT_SUCCESS;
    }
  rewrite_wait_flag (command, argc, argv);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return ctl_usage_error ("%s", error->message);
  if (argc < 2)
    return ctl_usage_error ("%s", _("No command given"));
  command = find_command ((const char * const *) argv + 1, argc - 1);
  if (command == NULL)
    return is_group (argv[1]) ? group_usage_error (argv[1])
                              : ctl_usage_error (_("Unknown command “%s”"), argv[1]);
  if (wait_count < 0 || timeout_seconds <= 0)
    return ctl_usage_error ("%s", _("--wait and --timeout take positive numbers"));

  skip = 1 + name_words (command->name);
  args.argv = (const char * const *) argv + skip;
  args.argc = argc - skip;
  if (args.argc < command->min_args ||
      (command->max_args >= 0 && args.argc > command->max_args))
    return arguments_usage_error (command);
  args.json = json;
  args.wait_count = wait_count;
  args.timeout_seconds = timeout_seconds;
  args.name = name;
  args.access = access;
  args.audience = audience;
  args.password_file = password_file;
  args.to = to;
  args.watch = watch;
  args.wait = wait_done;
  args.domain = domain;
  args.format = format;
  if (command->check != NULL && (status = command->check (&args)) != EXIT_SUCCESS)
    return status;
  if (command->run == NULL)
    return run_help (context, args.argv, args.argc);

  if (!ctl_connect (&ctl, TRUE, &error))
    return ctl_failure ("%s", error->message);
  return command->run (&ctl, &args);
}
