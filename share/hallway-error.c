/* hallway-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "hallway-error.h"

static const GDBusErrorEntry hallway_error_entries[] = {
  { HALLWAY_ERROR_FAILED, "io.github.hallwaylan.Hallway.Error.Failed" },
  { HALLWAY_ERROR_INVALID_DATA, "io.github.hallwaylan.Hallway.Error.InvalidData" },
  { HALLWAY_ERROR_PEER_GONE, "io.github.hallwaylan.Hallway.Error.PeerGone" },
  { HALLWAY_ERROR_NOT_FOUND, "io.github.hallwaylan.Hallway.Error.NotFound" },
  { HALLWAY_ERROR_ACCESS_DENIED, "io.github.hallwaylan.Hallway.Error.AccessDenied" },
  { HALLWAY_ERROR_IDENTITY_MISMATCH, "io.github.hallwaylan.Hallway.Error.IdentityMismatch" },
  { HALLWAY_ERROR_IDENTITY, "io.github.hallwaylan.Hallway.Error.Identity" },
  { HALLWAY_ERROR_AMBIGUOUS, "io.github.hallwaylan.Hallway.Error.Ambiguous" },
  { HALLWAY_ERROR_AVAHI, "io.github.hallwaylan.Hallway.Error.Avahi" },
  { HALLWAY_ERROR_INVALID_ARGUMENT, "io.github.hallwaylan.Hallway.Error.InvalidArgument" },
  { HALLWAY_ERROR_NO_SPACE, "io.github.hallwaylan.Hallway.Error.NoSpace" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (hallway_error_entries) == HALLWAY_ERROR_NO_SPACE + 1);

GQuark
hallway_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("hallway-error-quark",
                                      &quark,
                                      hallway_error_entries,
                                      G_N_ELEMENTS (hallway_error_entries));
  return (GQuark) quark;
}
