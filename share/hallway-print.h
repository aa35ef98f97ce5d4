/* hallway-print.h: printing a file on a colleague's printer through CUPS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char     *hallway_print_find_destination (const char          *uuid,
                                          const char          *instance,
                                          int                  timeout_ms);
int       hallway_print_file             (const char          *destination,
                                          const char          *path,
                                          GError             **error);
gboolean  hallway_print_set_default      (const char          *destination,
                                          GError             **error);

void      hallway_print_file_async       (const char          *uuid,
                                          const char          *instance,
                                          const char          *path,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
int       hallway_print_file_finish      (GAsyncResult        *result,
                                          GError             **error);

void      hallway_print_set_default_async  (const char          *uuid,
                                            const char          *instance,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean  hallway_print_set_default_finish (GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
