/* hallway-print.h: printing a file on a colleague's printer through CUPS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cups/cups.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* How long to look for a printer on the network: CUPS may have to browse. */
#define HALLWAY_PRINT_FIND_TIMEOUT_MS 20000

char     *hallway_print_find_destination (const char          *uuid,
                                          const char          *instance,
                                          int                  timeout_ms);
http_t   *hallway_print_connect          (GError             **error);
int       hallway_print_file             (http_t              *http,
                                          const char          *destination,
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
