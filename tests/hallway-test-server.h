/* hallway-test-server.h: one in-process hallwayd HTTPS side for the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two identities (a server and a client computer) in a folder of their own,
 * the HTTPS server listening on 127.0.0.1 with real TLS, the shares and the
 * WebDAV handler on it, a pinned client for the client computer and a plain
 * session for stock requests. Tests embed it in their fixture and add what
 * they need (handlers of their own, drops, printers) on top. Other
 * computers' stock clients come from other loopback addresses, 127.0.0.N
 * (hallway_test_server_new_session()).
 */
#pragma once

#include <libsoup/soup.h>

#include "hallway-client.h"
#include "hallway-daemon-access.h"
#include "hallway-daemon-server.h"
#include "hallway-daemon-shares.h"
#include "hallway-daemon-webdav.h"
#include "hallway-identity.h"
#include "hallway-pins.h"

G_BEGIN_DECLS

typedef struct
{
  char                *dir;              /* a temporary folder, removed at tear down */
  char                *shared;           /* dir/shared: an empty folder to share */
  HallwayIdentity     *server_identity;  /* dir/server */
  HallwayIdentity     *client_identity;  /* dir/client */
  HallwayDaemonServer *server;
  guint16              port;
  HallwayPins         *pins;             /* the server's neighbours (dir/peers.ini) */
  HallwayDaemonAccess *access;
  HallwayDaemonShares *shares;
  HallwayDaemonWebdav *webdav;           /* serves /shares/ on the server */
  HallwayClient       *client;           /* the client computer, pinning what it expects */
  SoupSession         *session;          /* a stock client; see hallway_test_request_start() */
  GHashTable          *sessions;         /* (nullable) a stock client per client certificate */
  char                *share_id;         /* (nullable) the share added last */
} HallwayTestServer;

void hallway_test_server_set_up        (HallwayTestServer *t,
                                        const char        *name);
void hallway_test_server_tear_down     (HallwayTestServer *t);
void hallway_test_server_set_info      (HallwayTestServer *t,
                                        const char        *name,
                                        const char        *host);
void hallway_test_server_add_handler   (HallwayTestServer *t,
                                        const char        *path,
                                        SoupServerCallback callback,
                                        gpointer           user_data);
HallwayShare *hallway_test_server_add_share (HallwayTestServer    *t,
                                             HallwayShareAccess    access,
                                             HallwayShareAudience  audience,
                                             const char           *password);
GIOStream *hallway_test_server_raw_connect (guint16 port);
GIOStream *hallway_test_server_try_raw_connect (guint16   port,
                                                GError  **error);
SoupSession *hallway_test_server_new_session (guint host);

/* The files of the shared folder, @t->shared, by their relative path. */
void     hallway_test_server_write_file  (HallwayTestServer *t,
                                          const char        *relative,
                                          const char        *contents,
                                          gssize             length);
gboolean hallway_test_server_file_exists (HallwayTestServer *t,
                                          const char        *relative);
char    *hallway_test_server_read_file   (HallwayTestServer *t,
                                          const char        *relative);

/* The share added last, over WebDAV: "/shares/<id>/@rest". */
char  *hallway_test_server_share_path (HallwayTestServer *t,
                                       const char        *rest);
guint  hallway_test_server_status_of  (HallwayTestServer *t,
                                       const char        *method,
                                       const char        *rest);
guint  hallway_test_server_put        (HallwayTestServer *t,
                                       const char        *rest,
                                       const char        *contents);

/* One request of the stock session, run on the main context. */
typedef struct
{
  SoupMessage     *msg;
  GTlsCertificate *certificate;  /* (nullable) (unowned) what the client presents */
  SoupSession     *session;      /* (nullable) (unowned) the client that sends it; by default
                                  * the stock session for @certificate */
  GBytes          *body;
  GError          *error;
  gboolean         done;
} HallwayTestRequest;

SoupMessage *hallway_test_server_new_message (HallwayTestServer *t,
                                              const char        *method,
                                              const char        *path);
void hallway_test_request_start (HallwayTestServer  *t,
                                 HallwayTestRequest *r,
                                 const char         *method,
                                 const char         *path);
void hallway_test_request_send  (HallwayTestServer  *t,
                                 HallwayTestRequest *r);
void hallway_test_request_wait  (HallwayTestRequest *r);
void hallway_test_request_clear (HallwayTestRequest *r);

typedef struct
{
  guint               status;
  GBytes             *body;
  SoupMessageHeaders *headers;
  char               *text;      /* (nullable) @body as a string, once asked for */
} HallwayTestResponse;

void                 hallway_test_response_free (HallwayTestResponse *response);
char                *hallway_test_response_dup_text (HallwayTestResponse *response);
const char          *hallway_test_response_get_text (HallwayTestResponse *response);
void                 hallway_test_response_assert_json_error (HallwayTestResponse *response);
void                 hallway_test_request_start_full (HallwayTestServer  *t,
                                                      HallwayTestRequest *r,
                                                      const char         *method,
                                                      const char         *path,
                                                      const char         *body,
                                                      gssize              body_length,
                                                      const char         *first_header,
                                                      ...);
HallwayTestResponse *hallway_test_request_finish (HallwayTestRequest *r);
HallwayTestResponse *hallway_test_server_request (HallwayTestServer *t,
                                                  const char        *method,
                                                  const char        *path,
                                                  GTlsCertificate   *client_certificate,
                                                  const char        *body,
                                                  gssize             body_length,
                                                  const char        *first_header,
                                                  ...);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayTestResponse, hallway_test_response_free)

G_END_DECLS
