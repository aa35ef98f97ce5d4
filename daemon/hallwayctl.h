/* hallwayctl.h: what the command files of hallwayctl share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hallwayctl is one program split by topic: hallwayctl.c parses the
 * command line and holds the connection to hallwayd and the helpers
 * below; each topic's commands live in their own hallwayctl-*.c.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hallway-dbus.h"

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

gboolean ctl_connect (Ctl     *ctl,
                      GError **error);

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

/* One member of the JSON object being built. */
void ctl_json_string (JsonBuilder *builder,
                      const char  *member,
                      const char  *value);
void ctl_json_int    (JsonBuilder *builder,
                      const char  *member,
                      gint64       value);
void ctl_json_bool   (JsonBuilder *builder,
                      const char  *member,
                      gboolean     value);
void ctl_json_double (JsonBuilder *builder,
                      const char  *member,
                      double       value);

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

char *ctl_default_download_dir (void);

/* @args as absolute paths, NULL-terminated; NULL (with a message printed)
 * when one does not exist. */
GPtrArray *ctl_dup_local_paths (const char * const *args,
                                guint               n_args);

/* Prints the short id of the new transfer at @object_path and keeps the
 * path in @paths, for ctl_follow_transfers(). */
void ctl_take_transfer (GPtrArray  *paths,
                        const char *object_path);

/* hallwayctl-drops.c */
int ctl_cmd_send    (Ctl                *ctl,
                     const char         *peer_query,
                     const char * const *files,
                     gboolean            wait);
int ctl_cmd_offers  (Ctl                *ctl,
                     gboolean            json);
int ctl_cmd_accept  (Ctl                *ctl,
                     const char         *id,
                     const char         *to);
int ctl_cmd_decline (Ctl                *ctl,
                     const char         *id);

/* hallwayctl-printers.c */
int ctl_cmd_printers      (Ctl        *ctl,
                           gboolean    json);
int ctl_cmd_printer_share (Ctl        *ctl,
                           const char *queue,
                           gboolean    share);
void ctl_add_shared_printers_json (Ctl         *ctl,
                                   JsonBuilder *builder);
void ctl_print_shared_printers    (Ctl         *ctl);
int ctl_cmd_printer_default (Ctl        *ctl,
                             const char *target);
int ctl_cmd_print         (Ctl        *ctl,
                           const char *target,
                           const char *file,
                           gboolean    wait);

/* hallwayctl-complete.c: "hallwayctl __complete KIND [WORD]" for the
 * shell's completion. */
int ctl_complete (int                 argc,
                  const char * const *argv);

/* hallwayctl-network.c */
int ctl_cmd_doctor      (Ctl        *ctl,
                         const char *target,
                         gboolean    json);
int ctl_cmd_dns_records (Ctl        *ctl,
                         const char *domain,
                         const char *format);

G_END_DECLS
