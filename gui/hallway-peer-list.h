/* hallway-peer-list.h: the neighbours, sorted by name, for the sidebar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Time spent per frame on putting neighbours into the list (sorting them
 * in, and the rows a list view builds for those in sight); the rest waits
 * for the next frame. */
#define HALLWAY_PEER_LIST_FRAME_BUDGET_US 3000
/* At most this many neighbours go in per frame, whatever the budget says:
 * the list's layout, after the frame's changes, costs per row too. */
#define HALLWAY_PEER_LIST_MAX_BATCH 16
/* At most this many rows are taken out per frame. */
#define HALLWAY_PEER_LIST_MAX_REMOVALS 40

#define HALLWAY_TYPE_PEER_LIST (hallway_peer_list_get_type ())
G_DECLARE_FINAL_TYPE (HallwayPeerList, hallway_peer_list, HALLWAY, PEER_LIST, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayPeerList *hallway_peer_list_new         (GtkWidget          *pacer);
void             hallway_peer_list_set_manager (HallwayPeerList    *self,
                                                GDBusObjectManager *manager);
guint            hallway_peer_list_get_n_pending (HallwayPeerList  *self);

G_END_DECLS
