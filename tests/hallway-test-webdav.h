/* hallway-test-webdav.h: an in-process WebDAV server and its client, for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "hallway-daemon-access.h"
#include "hallway-daemon-server.h"
#include "hallway-daemon-shares.h"
#include "hallway-daemon-webdav.h"
#include "hallway-identity.h"
#include "hallway-pins.h"

G_BEGIN_DECLS

/* A server with one share folder, "shared", and a client with its own
 * certificate (presented only when a test asks). */
typedef struct
{
  char                *dir;
  char                *shared;
  HallwayIdentity     *server_identity;
  HallwayIdentity     *client_identity;
  HallwayDaemonServer *server;
  HallwayPins         *pins;
  HallwayDaemonAccess *access;
  HallwayDaemonShares *shares;
  HallwayDaemonWebdav *webdav;
  SoupSession         *session;
  guint16              port;
  char                *share_id;
} Fixture;

typedef struct
{
  guint               status;
  GBytes             *body;
  SoupMessageHeaders *headers;
} Response;

/* A request sent and not yet answered. */
typedef struct
{
  SoupSession  *session;
  SoupMessage  *msg;
  GAsyncResult *result;                   /* set once answered */
} Sent;

void          response_free     (Response             *response);
Sent         *sent_new          (SoupSession          *session,
                                 SoupMessage          *msg);
Response     *sent_wait         (Sent                 *sent);
Sent         *send_on           (Fixture              *f,
                                 SoupSession          *session,
                                 const char           *method,
                                 const char           *path,
                                 const char           *first_header,
                                 ...);
Response     *request_full      (Fixture              *f,
                                 const char           *method,
                                 const char           *path,
                                 GTlsCertificate      *client_certificate,
                                 const char           *body,
                                 gssize                body_length,
                                 const char           *first_header,
                                 ...);
const char   *body_text         (Response             *response);
gboolean      accept_certificate_cb (SoupMessage          *msg,
                                     GTlsCertificate      *certificate,
                                     GTlsCertificateFlags  errors,
                                     gpointer              user_data);
/* Keeps the result of an async call in *(GAsyncResult **) user_data. */
void          result_cb         (GObject              *source,
                                 GAsyncResult         *result,
                                 gpointer              user_data);
void          assert_json_error (Response             *response);

void          fixture_set_up    (Fixture              *f,
                                 gconstpointer         data);
void          fixture_tear_down (Fixture              *f,
                                 gconstpointer         data);
HallwayShare *add_share         (Fixture              *f,
                                 HallwayShareAccess    access,
                                 HallwayShareAudience  audience,
                                 const char           *password);
char         *share_path        (Fixture              *f,
                                 const char           *rest);
guint         status_of         (Fixture              *f,
                                 const char           *method,
                                 const char           *rest);
guint         put               (Fixture              *f,
                                 const char           *rest,
                                 const char           *contents);

void          write_file        (Fixture              *f,
                                 const char           *relative,
                                 const char           *contents,
                                 gssize                length);
gboolean      file_exists       (Fixture              *f,
                                 const char           *relative);
char         *read_file         (Fixture              *f,
                                 const char           *relative);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

/* request (f, METHOD, PATH, ["Header", "value", ...]): without a body or certificate. */
#define request(f, method, path, ...) \
  request_full (f, method, path, NULL, NULL, 0, ##__VA_ARGS__, NULL)

G_END_DECLS
