/* hallway-transfer.h: the pure parts of copying files from a neighbour
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest file name most file systems take, in bytes (NAME_MAX). */
#define HALLWAY_TRANSFER_NAME_MAX    255
#define HALLWAY_TRANSFER_PART_SUFFIX ".hallway-part"
/* Most numbered names tried when a name is taken: "report (9999).pdf". */
#define HALLWAY_TRANSFER_MAX_NAMES   9999

/* The saved queue is ours, but it may be damaged: bound what is read. */
#define HALLWAY_TRANSFER_QUEUE_MAX_BYTES (64 * 1024 * 1024)

G_GNUC_WARN_UNUSED_RESULT
char     *hallway_transfer_collision_name (const char *name,
                                           guint       n);
G_GNUC_WARN_UNUSED_RESULT
char     *hallway_transfer_part_name      (const char *name);

gint64    hallway_transfer_resume_offset  (gint64      part_size,
                                           const char *etag);

/**
 * HallwayTransferReply:
 * @HALLWAY_TRANSFER_REPLY_APPEND: a 206 continuing exactly where the part
 *   file ends: append
 * @HALLWAY_TRANSFER_REPLY_RESTART: the whole file (200; the source changed
 *   or the request had no range): truncate the part file and write it all
 * @HALLWAY_TRANSFER_REPLY_COMPLETE: a 416 saying the file is exactly as long
 *   as the part file: nothing left to fetch
 * @HALLWAY_TRANSFER_REPLY_INVALID: an answer that can't be used to continue
 *   (a range elsewhere, an unexpected status): start the file over
 *
 * What to do with a neighbour's answer to a (possibly ranged) GET.
 */
typedef enum
{
  HALLWAY_TRANSFER_REPLY_APPEND,
  HALLWAY_TRANSFER_REPLY_RESTART,
  HALLWAY_TRANSFER_REPLY_COMPLETE,
  HALLWAY_TRANSFER_REPLY_INVALID,
} HallwayTransferReply;

HallwayTransferReply hallway_transfer_classify_reply (guint       status,
                                                      gint64      offset,
                                                      const char *content_range,
                                                      gint64      content_length,
                                                      gint64     *out_total);

/* A drop offer's id: 32 lowercase hex digits. */
#define HALLWAY_TRANSFER_OFFER_ID_LENGTH 32

/**
 * HallwayTransferItem:
 * @path: its path in the offer, relative, "/" between folders
 * @local: the file on this computer (absolute)
 * @size: its size when it was offered
 * @mtime: its modification time then, in microseconds since the epoch
 *
 * One file of a send: what was offered, and where it is read from. The
 * size and time tell a file changed since from one that did not.
 */
typedef struct
{
  char    *path;
  char    *local;
  guint64  size;
  gint64   mtime;
} HallwayTransferItem;

G_GNUC_WARN_UNUSED_RESULT
HallwayTransferItem *hallway_transfer_item_new  (const char *path,
                                                 const char *local,
                                                 guint64     size,
                                                 gint64      mtime);
void                 hallway_transfer_item_free (HallwayTransferItem *item);

gboolean  hallway_transfer_offer_id_is_valid (const char *id);

/**
 * HallwayTransferRecord:
 * @id: the transfer's id ("1", "2", …)
 * @kind: "download", "upload" or "send"
 * @state: "queued", "offered", "running" or "waiting" (the others are not
 *   saved)
 * @peer_id: the neighbour's device id
 * @peer_name: its display name when the transfer was asked for
 * @share_id: the id of the neighbour's shared folder
 * @share_name: its name
 * @path: the item in the share, "Reports/2026" ("" for the whole share);
 *   for an upload, the folder in the share it is copied into
 * @destination: the local folder it is copied into; for an upload, the
 *   local file or folder that is copied
 * @bytes: bytes copied so far
 * @total: bytes in all
 * @files: files in all
 * @files_done: files copied
 * @current: (nullable): the file being copied, relative to the transfer
 *   (its part file may hold the start of it)
 * @current_etag: (nullable): the ETag the neighbour gave for @current
 * @done: (element-type utf8): files already copied, relative to the transfer;
 *   for a send, the indexes (in decimal) of the items delivered
 * @own_name: (nullable): a send's: the name this computer offers under
 * @offer_id: (nullable): a send's: the id the colleague gave the offer; an upload's:
 *   the id of its upload streams
 * @sources: (element-type utf8): a send's: the local files and folders
 * @items: (element-type HallwayTransferItem): a send's: the files offered
 *   (empty until the sources have been walked)
 * @accepted: (element-type guint): a send's: the indexes into @items the
 *   colleague accepted
 *
 * What is saved of a transfer, so that it survives a restart. For a send,
 * @destination is the first local file or folder, @share_id, @share_name
 * and @path are empty.
 */
typedef struct
{
  char      *id;
  char      *kind;
  char      *state;
  char      *peer_id;
  char      *peer_name;
  char      *share_id;
  char      *share_name;
  char      *path;
  char      *destination;
  guint64    bytes;
  guint64    total;
  guint      files;
  guint      files_done;
  char      *current;
  char      *current_etag;
  GPtrArray *done;
  char      *own_name;
  char      *offer_id;
  GPtrArray *sources;
  GPtrArray *items;
  GArray    *accepted;
} HallwayTransferRecord;

G_GNUC_WARN_UNUSED_RESULT
HallwayTransferRecord *hallway_transfer_record_new  (void);
void                   hallway_transfer_record_free (HallwayTransferRecord *record);

G_GNUC_WARN_UNUSED_RESULT
char      *hallway_transfer_records_to_json (GPtrArray   *records,
                                             gsize       *out_length);
G_GNUC_WARN_UNUSED_RESULT
GPtrArray *hallway_transfer_records_parse   (const char  *data,
                                             gsize        length,
                                             guint       *out_n_damaged,
                                             GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayTransferRecord, hallway_transfer_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayTransferItem, hallway_transfer_item_free)

G_END_DECLS
