/* hallway-part-file.h: writing a file under a hidden name, then placing it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HallwayPartWriter HallwayPartWriter;

G_GNUC_WARN_UNUSED_RESULT
HallwayPartWriter *hallway_part_writer_new          (int                fd,
                                                     guint64            size);
void               hallway_part_writer_free         (HallwayPartWriter *self);
int                hallway_part_writer_append       (HallwayPartWriter *self,
                                                     const void        *data,
                                                     gsize              length);
int                hallway_part_writer_flush        (HallwayPartWriter *self);
guint64            hallway_part_writer_get_size     (HallwayPartWriter *self);
gsize              hallway_part_writer_get_buffered (HallwayPartWriter *self);
int                hallway_part_writer_truncate     (HallwayPartWriter *self,
                                                     guint64            size);
int                hallway_part_writer_finish       (HallwayPartWriter *self);
void               hallway_part_writer_close        (HallwayPartWriter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayPartWriter, hallway_part_writer_free)

int                hallway_write_all                (int                fd,
                                                     const void        *data,
                                                     gsize              length,
                                                     gsize             *out_written);
int                hallway_syncfs_once              (int                dir_fd,
                                                     GArray            *synced);
int                hallway_part_file_place          (int                dir_fd,
                                                     const char        *part_name,
                                                     const char        *name,
                                                     char             **out_name);

G_END_DECLS
