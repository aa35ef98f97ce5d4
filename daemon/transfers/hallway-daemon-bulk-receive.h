/* hallway-daemon-bulk-receive.h: receiving a folder stream into part files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A file of the stream that is wanted, and where it goes. */
typedef struct
{
  char   *rel;          /* the transfer's name for it */
  char   *local_dir;    /* exists */
  char   *name;
  gint64  listed_size;
} HallwayBulkTarget;

/* A file now under its final name. */
typedef struct
{
  char   *rel;
  gint64  listed_size;
  gint64  size;
} HallwayBulkPlaced;

typedef struct _HallwayBulkReceive HallwayBulkReceive;

/* Called on the main context when files were placed or a big file was
 * started: the caller takes them with the getters below. */
typedef void (*HallwayBulkNotify) (gpointer user_data);

void                hallway_bulk_target_free        (HallwayBulkTarget   *target);

G_GNUC_WARN_UNUSED_RESULT
HallwayBulkReceive *hallway_bulk_receive_new        (SoupSession         *session,
                                                     SoupMessage         *message,
                                                     const char          *expected_id,
                                                     const char          *what,
                                                     GHashTable          *targets,
                                                     HallwayBulkNotify    notify,
                                                     gpointer             user_data,
                                                     GDestroyNotify       destroy);
HallwayBulkReceive *hallway_bulk_receive_ref        (HallwayBulkReceive  *self);
void                hallway_bulk_receive_unref      (HallwayBulkReceive  *self);
void                hallway_bulk_receive_run_async  (HallwayBulkReceive  *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean            hallway_bulk_receive_run_finish (HallwayBulkReceive  *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
GPtrArray          *hallway_bulk_receive_take_placed (HallwayBulkReceive *self);
gboolean            hallway_bulk_receive_take_current (HallwayBulkReceive *self,
                                                       char              **out_rel,
                                                       char              **out_part_path,
                                                       char              **out_etag);
guint64             hallway_bulk_receive_get_pending (HallwayBulkReceive *self);
guint64             hallway_bulk_receive_get_received (HallwayBulkReceive *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayBulkReceive, hallway_bulk_receive_unref)

G_END_DECLS
