/* hallway-ipp.h: what the printer gateway changes in IPP messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions over libcups' ipp_t, with no I/O, so that they can be
 * tested and fuzzed on their own.
 */
#pragma once

#include <glib.h>
#include <cups/ipp.h>

G_BEGIN_DECLS

/* A colleague's request is hostile input: its attributes (everything before
 * the document) may not exceed this. */
#define HALLWAY_IPP_MAX_ATTRIBUTE_BYTES (256 * 1024)
/* TXT strings are at most 255 bytes (RFC 6763 §6.1). */
#define HALLWAY_IPP_TXT_MAX 255

/**
 * HallwayIppRequestInfo:
 * @operation: the operation asked for
 * @job_id: the job it is about, or 0
 * @job_operation: whether it acts on one existing job (whose owner must be
 *   checked before it is forwarded)
 * @has_document: whether document data follows the attributes
 * @creates_job: whether it creates a job on success
 * @my_jobs: whether a Get-Jobs asks for the requesting user's jobs only
 * @client_user: the requesting-user-name the client sent (not forwarded:
 *   cupsd gets the colleague's name), cut to fit; "" when none
 */
typedef struct
{
  ipp_op_t  operation;
  int       job_id;
  gboolean  job_operation;
  gboolean  has_document;
  gboolean  creates_job;
  gboolean  my_jobs;
  char      client_user[256];
} HallwayIppRequestInfo;

/* The printer's icon, under its printer-uri's path: http://…/ipp/print/ID/icon.png */
#define HALLWAY_IPP_ICON_NAME "icon.png"
/* The largest icon relayed from cupsd. */
#define HALLWAY_IPP_MAX_ICON_BYTES (1024 * 1024)

/**
 * HallwayIppView:
 * @queue: the local CUPS queue
 * @printer_uri: the printer as the colleague addressed it,
 *   "ipp://office-a.local:53536/ipp/print/office"
 * @web_uri: the gateway's status page, "http://office-a.local:53536/"
 *
 * How one shared printer looks from the network.
 */
typedef struct
{
  const char *queue;
  const char *printer_uri;
  const char *web_uri;
} HallwayIppView;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ipp_t, ippDelete)

typedef gboolean (*HallwayIppJobFilter) (int      job_id,
                                         gpointer user_data);

gboolean  hallway_ipp_operation_is_allowed (ipp_op_t operation);

G_GNUC_WARN_UNUSED_RESULT
ipp_t    *hallway_ipp_rewrite_request  (ipp_t                  *request,
                                        const char             *queue,
                                        const char             *user_name,
                                        HallwayIppRequestInfo  *out_info,
                                        ipp_status_t           *out_status,
                                        const char            **out_message);

G_GNUC_WARN_UNUSED_RESULT
ipp_t    *hallway_ipp_rewrite_response (ipp_t                  *response,
                                        const HallwayIppView   *view,
                                        HallwayIppJobFilter     owned,
                                        gpointer                user_data);

int       hallway_ipp_get_job_id       (ipp_t                  *response);

G_GNUC_WARN_UNUSED_RESULT
ipp_t    *hallway_ipp_new_error        (ipp_t                  *request,
                                        ipp_status_t            status,
                                        const char             *message);

G_GNUC_WARN_UNUSED_RESULT
GStrv     hallway_ipp_build_txt        (ipp_t                  *printer,
                                        const char             *resource_path,
                                        const char             *admin_url,
                                        gboolean               *out_universal);

char     *hallway_ipp_dup_string       (ipp_t                  *printer,
                                        const char             *name);

G_END_DECLS
