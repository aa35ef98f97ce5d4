/* hallway-deadline.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-deadline.h"

static gboolean
deadline_expired_cb (gpointer user_data)
{
  HallwayDeadline *deadline = user_data;

  deadline->id = 0;
  deadline->expired = TRUE;
  g_cancellable_cancel (deadline->cancellable);
  return G_SOURCE_REMOVE;
}

/**
 * hallway_deadline_arm:
 * @deadline: a #HallwayDeadline
 * @cancellable: what to cancel when it expires; it must outlive the
 *   deadline's next disarm
 * @seconds: from now
 *
 * (Re)starts the countdown. A deadline that expired stays expired: the
 * exchange it watched is over.
 */
void
hallway_deadline_arm (HallwayDeadline *deadline,
                      GCancellable    *cancellable,
                      guint            seconds)
{
  g_return_if_fail (deadline != NULL);
  g_return_if_fail (G_IS_CANCELLABLE (cancellable));

  g_clear_handle_id (&deadline->id, g_source_remove);
  if (deadline->expired)
    return;
  deadline->cancellable = cancellable;
  /* Not g_timeout_add_seconds(): it may fire up to a second late, and a
   * probe's deadline is part of how fast a vanished neighbour shows. */
  deadline->id = g_timeout_add (seconds * 1000, deadline_expired_cb, deadline);
}

void
hallway_deadline_disarm (HallwayDeadline *deadline)
{
  g_return_if_fail (deadline != NULL);

  g_clear_handle_id (&deadline->id, g_source_remove);
}

/* Returns: whether it expired, and so cancelled what it watched */
gboolean
hallway_deadline_expired (const HallwayDeadline *deadline)
{
  g_return_val_if_fail (deadline != NULL, FALSE);

  return deadline->expired;
}
