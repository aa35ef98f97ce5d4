/* hallway-info.h: GET /api/v1/info, built and parsed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A neighbour's answer is hostile input: bound what is read. */
#define HALLWAY_INFO_MAX_BYTES (256 * 1024)
#define HALLWAY_INFO_MAX_NAME  256

#define HALLWAY_INFO_MAX_SHARES 256
#define HALLWAY_INFO_MAX_PRINTERS 64
#define HALLWAY_INFO_MAX_REVISION 64

typedef struct
{
  char *id;
  char *name;
  char *access;     /* "read-only", "read-write", "drop-box" */
  char *audience;   /* "everyone", "trusted", "password" */
} HallwayInfoShare;

/* A printer the neighbour shares, served by its printer gateway on @port at
 * /ipp/print/<id>. */
typedef struct
{
  char  *id;
  char  *name;            /* the CUPS queue */
  char  *description;
  char  *location;
  char  *make_and_model;
  char  *state;           /* "idle", "processing", "stopped" */
  char  *uuid;
  guint  port;
} HallwayInfoPrinter;

typedef struct
{
  char     *device_id;
  char     *name;
  char     *host;
  char     *version;
  guint     port;
  guint     n_shares;
  guint     n_printers;
  gboolean  accepts_drops;
  GPtrArray *shares;   /* (element-type HallwayInfoShare) (nullable) */
  GPtrArray *printers; /* (element-type HallwayInfoPrinter) (nullable) */
  char     *revision;   /* (nullable) changes whenever what it shares changes */
  char     *neighbours; /* (nullable) revision of its /api/v1/neighbours list */
} HallwayInfo;

void         hallway_info_free   (HallwayInfo   *info);
void         hallway_info_share_free (HallwayInfoShare *share);
void         hallway_info_add_share  (HallwayInfo  *info,
                                      const char   *id,
                                      const char   *name,
                                      const char   *access,
                                      const char   *audience);

void         hallway_info_printer_free (HallwayInfoPrinter *printer);
void         hallway_info_add_printer  (HallwayInfo        *info,
                                        const HallwayInfoPrinter *printer);
gboolean     hallway_info_printer_id_is_valid (const char *id);

G_GNUC_WARN_UNUSED_RESULT
char        *hallway_info_to_json (const HallwayInfo *info);

G_GNUC_WARN_UNUSED_RESULT
HallwayInfo *hallway_info_parse  (const char    *data,
                                  gsize          length,
                                  GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayInfo, hallway_info_free)

G_END_DECLS
