/* main.c: hallwayd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "hallway-daemon.h"
#include "hallway-daemon-acceptor.h"
#include "hallway-daemon-memory.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(HallwayDaemon) daemon = NULL;
  int status;

  hallway_daemon_memory_init (argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("hallwayd");
  hallway_daemon_raise_fd_limit ();

  daemon = hallway_daemon_new ();
  status = g_application_run (G_APPLICATION (daemon), argc, argv);
  return status != 0 ? status : hallway_daemon_get_status (daemon);
}
