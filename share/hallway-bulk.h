/* hallway-bulk.h: a whole folder in one stream of (header, bytes) records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sys/stat.h>

G_BEGIN_DECLS

#define HALLWAY_BULK_CONTENT_TYPE "application/x-hallway-bulk"
#define HALLWAY_BULK_MAGIC        "HWBULK1\n"
#define HALLWAY_BULK_MAGIC_LEN    8
/* type, flags, name length (2 bytes), ETag length, 3 reserved, size (8) */
#define HALLWAY_BULK_HEADER_LEN   16
#define HALLWAY_BULK_MAX_NAME     4096
#define HALLWAY_BULK_MAX_ETAG     255

typedef enum
{
  HALLWAY_BULK_TYPE_FOLDER = 'D',
  HALLWAY_BULK_TYPE_FILE   = 'F',
  HALLWAY_BULK_TYPE_END    = 'E',
} HallwayBulkType;

/**
 * HallwayBulkEvent:
 * @HALLWAY_BULK_EVENT_NEED_MORE: all the input was taken; feed more
 * @HALLWAY_BULK_EVENT_FOLDER: a folder record: see the name
 * @HALLWAY_BULK_EVENT_FILE: a file record's header: see the name, size and
 *   ETag; its bytes follow as DATA events, then FILE_END
 * @HALLWAY_BULK_EVENT_DATA: the bytes taken are the current file's
 * @HALLWAY_BULK_EVENT_FILE_END: the current file's bytes are all there
 * @HALLWAY_BULK_EVENT_END: the end record: the stream is complete
 * @HALLWAY_BULK_EVENT_ERROR: the stream is not valid; nothing more is taken
 */
typedef enum
{
  HALLWAY_BULK_EVENT_NEED_MORE,
  HALLWAY_BULK_EVENT_FOLDER,
  HALLWAY_BULK_EVENT_FILE,
  HALLWAY_BULK_EVENT_DATA,
  HALLWAY_BULK_EVENT_FILE_END,
  HALLWAY_BULK_EVENT_END,
  HALLWAY_BULK_EVENT_ERROR,
} HallwayBulkEvent;

typedef struct _HallwayBulkDecoder HallwayBulkDecoder;

G_GNUC_WARN_UNUSED_RESULT
HallwayBulkDecoder *hallway_bulk_decoder_new       (void);
void                hallway_bulk_decoder_free      (HallwayBulkDecoder  *self);
HallwayBulkEvent    hallway_bulk_decoder_feed      (HallwayBulkDecoder  *self,
                                                    const guint8        *data,
                                                    gsize                length,
                                                    gsize               *out_consumed,
                                                    GError             **error);
gboolean            hallway_bulk_decoder_finish    (HallwayBulkDecoder  *self,
                                                    GError             **error);
const char         *hallway_bulk_decoder_get_name  (HallwayBulkDecoder  *self);
const char         *hallway_bulk_decoder_get_etag  (HallwayBulkDecoder  *self);
guint64             hallway_bulk_decoder_get_size  (HallwayBulkDecoder  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayBulkDecoder, hallway_bulk_decoder_free)

gboolean  hallway_bulk_name_is_valid   (const char      *name);
int       hallway_bulk_name_compare    (const char      *a,
                                        const char      *b);
gboolean  hallway_bulk_name_is_ancestor (const char     *folder,
                                         const char     *name);

gboolean  hallway_bulk_same_version    (const struct stat *before,
                                        const struct stat *after);

void      hallway_bulk_append_magic    (GByteArray      *out);
gboolean  hallway_bulk_append_header   (GByteArray      *out,
                                        HallwayBulkType  type,
                                        const char      *name,
                                        const char      *etag,
                                        guint64          size,
                                        GError         **error);
void      hallway_bulk_append_end      (GByteArray      *out,
                                        guint64          records);

G_END_DECLS
