/* hallway-deadline.h: a timeout that cancels a cancellable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * HallwayDeadline:
 *
 * Bounds how long an exchange with a neighbour may go without progress:
 * when it expires it cancels the exchange's cancellable, and says so
 * afterwards, so the error that follows is told apart from a cancel. Kept
 * inside the owner's struct, zero-initialised; armed again whenever data
 * moves, disarmed before the owner goes.
 */
typedef struct
{
  /*< private >*/
  guint         id;
  gboolean      expired;
  GCancellable *cancellable;   /* (unowned) the exchange's */
} HallwayDeadline;

void     hallway_deadline_arm     (HallwayDeadline       *deadline,
                                   GCancellable          *cancellable,
                                   guint                  seconds);
void     hallway_deadline_disarm  (HallwayDeadline       *deadline);
gboolean hallway_deadline_expired (const HallwayDeadline *deadline);

G_END_DECLS
