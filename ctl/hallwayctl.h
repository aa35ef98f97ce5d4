/* hallwayctl.h: what the command files of hallwayctl share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallwayctl is one program split by topic: hallwayctl.c has main() and
 * the table of commands, hallwayctl-common.c the connection to hallwayd
 * and the helpers below, and each topic's commands live in their own
 * hallwayctl-*.c.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hallway-dbus.h"
#include "hallway-json.h"

G_BEGIN_DECLS

#define CTL_EXIT_USAGE 2

typedef struct
{
  GDBusConnection    *connection;
  HallwayDBusDaemon1 *daemon;
  GDBusObjectManager *manager;
} Ctl;

void ctl_clear (Ctl *ctl);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Ctl, ctl_clear)

/* The options, and the command's own arguments (after its name). */
typedef struct
{
  const char * const *argv;
  int                 argc;
  gboolean            json;
  int                 wait_count;       /* peers --wait N */
  int                 timeout_seconds;
  const char         *name;
  const char         *access;
  const char         *audience;
  const char         *password_file;
  const char         *to;
  gboolean            watch;
  gboolean            wait;             /* a transfer's --wait: until it ends */
  const char         *domain;
  const char         *format;
} CtlArgs;

/* What runs a command, and what checks its arguments before hallwayd is
 * asked: both return the exit status. */
typedef int CtlRunFunc   (Ctl           *ctl,
                          const CtlArgs *args);
typedef int CtlCheckFunc (const CtlArgs *args);

/* The options a command takes, for its usage. */
typedef enum
{
  CTL_OPTION_JSON          = 1 << 0,
  CTL_OPTION_WAIT_COUNT    = 1 << 1,
  CTL_OPTION_TIMEOUT       = 1 << 2,
  CTL_OPTION_NAME          = 1 << 3,
  CTL_OPTION_ACCESS        = 1 << 4,
  CTL_OPTION_AUDIENCE      = 1 << 5,
  CTL_OPTION_PASSWORD_FILE = 1 << 6,
  CTL_OPTION_TO            = 1 << 7,
  CTL_OPTION_WATCH         = 1 << 8,
  CTL_OPTION_WAIT          = 1 << 9,
  CTL_OPTION_DOMAIN        = 1 << 10,
  CTL_OPTION_FORMAT        = 1 << 11,
} CtlOptions;

/* How a command is run. */
typedef enum
{
  /* Left out of every help and of "help --commands", and run with the
   * words that follow its name exactly as given, before any option is
   * parsed and before hallwayd is reached: the command connects by
   * itself, if at all ("__complete", which the shell's completion runs). */
  CTL_COMMAND_HIDDEN = 1 << 0,
} CtlCommandFlags;

/**
 * CtlCommand:
 * @name: what is typed: "status", "share add"
 * @args: its arguments as the usage shows them: "PEER FILE..."
 * @min_args: how many it needs
 * @max_args: how many it takes, -1 for any number
 * @options: the options it takes
 * @summary: what it does, in a few words (N_())
 * @check: (nullable): checks the arguments before hallwayd is asked;
 *   returns an exit status
 * @run: (nullable): does it; returns the exit status. NULL only for "help",
 *   which needs what main() has
 * @flags: how it is run; 0 for most
 *
 * One command of hallwayctl. The table of them in hallwayctl.c is the
 * only place command names and usages are written: the help, the
 * per-command --help, the man page and the shell completion come from it.
 */
typedef struct
{
  const char      *name;
  const char      *args;
  int              min_args;
  int              max_args;
  CtlOptions       options;
  const char      *summary;
  CtlCheckFunc    *check;
  CtlRunFunc      *run;
  CtlCommandFlags  flags;
} CtlCommand;

/* Connects to hallwayd, starting it by D-Bus activation when @start is
 * TRUE and it is not running yet. */
gboolean ctl_connect (Ctl      *ctl,
                      gboolean  start,
                      GError  **error);

/* Both print "hallwayctl: MESSAGE" on stderr and return the exit status:
 * 2 for a usage error (with a pointer to --help), 1 for a failure. */
int ctl_usage_error (const char *format,
                     ...) G_GNUC_PRINTF (1, 2);
int ctl_failure (const char *format,
                 ...) G_GNUC_PRINTF (1, 2);

/* A remote D-Bus error's message without the "GDBus.Error:…" prefix. */
const char *ctl_plain_error_message (GError *error);

/* Prints @text padded to @width characters (not bytes). */
void ctl_print_column (const char *text,
                       int         width);
void ctl_print_json (JsonBuilder *builder);

/* Every object of the daemon's that has @interface_name, as proxies. */
GPtrArray *ctl_dup_interfaces (Ctl        *ctl,
                               const char *interface_name);

#define ctl_dup_peers(ctl)     ctl_dup_interfaces (ctl, "io.github.hallwaylan.Hallway.Peer1")
#define ctl_dup_shares(ctl)    ctl_dup_interfaces (ctl, "io.github.hallwaylan.Hallway.Share1")
#define ctl_dup_transfers(ctl) ctl_dup_interfaces (ctl, "io.github.hallwaylan.Hallway.Transfer1")
#define ctl_dup_printers(ctl)  ctl_dup_interfaces (ctl, "io.github.hallwaylan.Hallway.Printer1")

/* A neighbour by display name, device-id prefix or host name; a plain
 * error when none or several match. */
HallwayDBusPeer1 *ctl_find_peer (Ctl         *ctl,
                                 const char  *query,
                                 GError     **error);

/* Follows the transfers at the object paths @paths until all end, with
 * progress on stderr; returns 0 when all are done. */
int ctl_follow_transfers (Ctl       *ctl,
                          GPtrArray *paths);
gboolean ctl_transfer_is_finished (HallwayDBusTransfer1 *transfer);
/* A timeout callback that sets the gboolean at @user_data. */
gboolean ctl_tick_cb (gpointer user_data);

/* @args as absolute paths, NULL-terminated; NULL (with a message printed)
 * when one does not exist. */
GPtrArray *ctl_dup_local_paths (const char * const *args,
                                guint               n_args);

/* Keeps the path of the new transfer at @object_path in @paths, for
 * ctl_follow_transfers(), and prints its short id unless the command
 * will @wait for it. */
void ctl_take_transfer (GPtrArray  *paths,
                        const char *object_path,
                        gboolean    wait);

/* The commands, by topic. */

/* hallwayctl-peers.c */
CtlRunFunc   ctl_cmd_status;
CtlRunFunc   ctl_cmd_peers;
CtlRunFunc   ctl_cmd_info;
CtlRunFunc   ctl_cmd_add_peer;
CtlRunFunc   ctl_cmd_learn_neighbours;
CtlRunFunc   ctl_cmd_trust;
CtlRunFunc   ctl_cmd_untrust;
CtlRunFunc   ctl_cmd_ls;

/* hallwayctl-shares.c */
CtlCheckFunc ctl_check_share_add;
CtlRunFunc   ctl_cmd_share_add;
CtlRunFunc   ctl_cmd_share_list;
CtlRunFunc   ctl_cmd_share_remove;
CtlRunFunc   ctl_cmd_share_enable;
CtlRunFunc   ctl_cmd_share_disable;
void ctl_add_shares_json (Ctl         *ctl,
                          JsonBuilder *builder);

/* hallwayctl-transfers.c */
CtlRunFunc   ctl_cmd_get;
CtlRunFunc   ctl_cmd_put;
CtlRunFunc   ctl_cmd_transfers;
CtlRunFunc   ctl_cmd_cancel;

/* hallwayctl-drops.c */
CtlRunFunc   ctl_cmd_send;
CtlRunFunc   ctl_cmd_offers;
CtlRunFunc   ctl_cmd_accept;
CtlRunFunc   ctl_cmd_decline;

/* hallwayctl-printers.c */
CtlCheckFunc ctl_check_print;
CtlRunFunc   ctl_cmd_printers;
CtlRunFunc   ctl_cmd_printer_share;
CtlRunFunc   ctl_cmd_printer_unshare;
CtlRunFunc   ctl_cmd_printer_default;
CtlRunFunc   ctl_cmd_print;
void ctl_add_shared_printers_json (Ctl         *ctl,
                                   JsonBuilder *builder);
void ctl_print_shared_printers    (Ctl         *ctl);

/* hallwayctl-network.c */
CtlRunFunc   ctl_cmd_doctor;
CtlRunFunc   ctl_cmd_dns_records;

/* hallwayctl-complete.c: "hallwayctl __complete KIND [WORD]", the names
 * the shell's completion offers. */
CtlRunFunc   ctl_cmd_complete;

G_END_DECLS
