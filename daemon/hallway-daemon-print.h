/* hallway-daemon-print.h: printing a file through this computer's CUPS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long to look for a printer on the network: CUPS may have to browse. */
#define HALLWAY_DAEMON_PRINT_FIND_TIMEOUT_MS 20000

/* A printer to print on: one of this computer's CUPS queues, or a
 * neighbour's printer as it is announced. */
typedef struct
{
  const char *queue;      /* (nullable) a local queue */
  const char *uuid;       /* (nullable) a neighbour's: its printer-uuid … */
  const char *instance;   /* (nullable) … and announced name, "Office printer @ Alice" */
} HallwayDaemonPrintTarget;

void     hallway_daemon_print_file_async           (const HallwayDaemonPrintTarget *target,
                                                    const char                     *path,
                                                    const char                     *title,
                                                    GAsyncReadyCallback             callback,
                                                    gpointer                        user_data);
guint    hallway_daemon_print_file_finish          (GAsyncResult                   *result,
                                                    GError                        **error);
void     hallway_daemon_print_set_default_async    (const HallwayDaemonPrintTarget *target,
                                                    GAsyncReadyCallback             callback,
                                                    gpointer                        user_data);
gboolean hallway_daemon_print_set_default_finish   (GAsyncResult                   *result,
                                                    GError                        **error);
void     hallway_daemon_print_get_job_state_async  (guint                           job_id,
                                                    GAsyncReadyCallback             callback,
                                                    gpointer                        user_data);
G_GNUC_WARN_UNUSED_RESULT
char    *hallway_daemon_print_get_job_state_finish (GAsyncResult                   *result,
                                                    GError                        **error);

G_END_DECLS
