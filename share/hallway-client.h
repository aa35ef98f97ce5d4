/* hallway-client.h: talking HTTPS to a neighbour, with its identity pinned
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "hallway-info.h"

G_BEGIN_DECLS

/* A kept-alive connection is closed after this long unused; servers keep
 * theirs longer (HALLWAY_LISTENER_IDLE_TIMEOUT_S), so a request never races
 * the server closing the connection it was sent on. */
#define HALLWAY_CLIENT_IDLE_TIMEOUT_S      60
#define HALLWAY_CLIENT_MAX_CONNS           1024
#define HALLWAY_CLIENT_MAX_CONNS_PER_HOST  8

#define HALLWAY_TYPE_CLIENT (hallway_client_get_type ())
G_DECLARE_FINAL_TYPE (HallwayClient, hallway_client, HALLWAY, CLIENT, GObject)

G_GNUC_WARN_UNUSED_RESULT
HallwayClient *hallway_client_new             (GTlsCertificate      *certificate);
SoupSession   *hallway_client_get_session     (HallwayClient        *self);

/* Adds headers of this computer's own to every request it makes. */
typedef void (*HallwayClientHeadersFunc) (SoupMessageHeaders *headers,
                                          gpointer            user_data);
void           hallway_client_set_headers_func (HallwayClient           *self,
                                                HallwayClientHeadersFunc func,
                                                gpointer                 user_data);

G_GNUC_WARN_UNUSED_RESULT
char          *hallway_client_build_uri       (const char           *address,
                                               guint16               port,
                                               const char           *path);
G_GNUC_WARN_UNUSED_RESULT
SoupMessage   *hallway_client_new_message     (HallwayClient        *self,
                                               const char           *method,
                                               const char           *address,
                                               guint16               port,
                                               const char           *path,
                                               const char           *expected_id,
                                               GError              **error);
gboolean       hallway_client_check_message   (SoupMessage          *message,
                                               GError              **error);
const char    *hallway_client_get_presented_id (SoupMessage         *message);

gboolean       hallway_parse_address          (const char           *text,
                                               guint16               default_port,
                                               char                **out_host,
                                               guint16              *out_port,
                                               GError              **error);

void           hallway_client_fetch_async     (HallwayClient        *self,
                                               const char           *address,
                                               guint16               port,
                                               const char           *path,
                                               const char           *expected_id,
                                               gsize                 max_bytes,
                                               guint                 timeout_seconds,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
G_GNUC_WARN_UNUSED_RESULT
GBytes        *hallway_client_fetch_finish    (HallwayClient        *self,
                                               GAsyncResult         *result,
                                               char                **out_presented_id,
                                               GError              **error);

void           hallway_client_get_info_async  (HallwayClient        *self,
                                               const char           *address,
                                               guint16               port,
                                               const char           *expected_id,
                                               guint                 timeout_seconds,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
G_GNUC_WARN_UNUSED_RESULT
HallwayInfo   *hallway_client_get_info_finish (HallwayClient        *self,
                                               GAsyncResult         *result,
                                               char                **out_presented_id,
                                               GError              **error);

G_END_DECLS
