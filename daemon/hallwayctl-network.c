/* hallwayctl-network.c: "dns-records"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "hallwayctl.h"

int
ctl_cmd_dns_records (Ctl        *ctl,
                     const char *domain,
                     const char *format)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *records = NULL;

  if (!hallway_dbus_daemon1_call_dns_records_sync (ctl->daemon, domain != NULL ? domain : "",
                                                   format != NULL ? format : "zone",
                                                   &records, NULL, &error))
    return ctl_failure ("%s", ctl_plain_error_message (error));
  g_print ("%s", records);
  return EXIT_SUCCESS;
}
