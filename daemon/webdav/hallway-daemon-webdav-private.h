/* hallway-daemon-webdav-private.h: what the WebDAV files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sys/types.h>

#include "hallway-constants.h"
#include "hallway-daemon-webdav.h"
#include "hallway-webdav-xml.h"

G_BEGIN_DECLS

#define HALLWAY_WEBDAV_PART_INFIX ".hallway-part-"

/* Locks live in memory and go into every lockdiscovery answer: what one
 * client, one share, and all of them may hold is bounded, and so is what
 * one item's lockdiscovery lists. */
#define HALLWAY_WEBDAV_MAX_LOCKS            1024
#define HALLWAY_WEBDAV_MAX_LOCKS_PER_SHARE  256
#define HALLWAY_WEBDAV_MAX_LOCKS_PER_CLIENT 64
#define HALLWAY_WEBDAV_MAX_LOCKS_PER_ITEM   4     /* shared locks covering one item */
#define HALLWAY_WEBDAV_MAX_LOCK_OWNER       512   /* bytes of <owner> XML */
#define HALLWAY_WEBDAV_LOCK_MAX_BODY        (16 * 1024)

typedef struct _WebdavLock WebdavLock;

struct _HallwayDaemonWebdav
{
  GObject              parent_instance;

  HallwayDaemonShares *shares;
  HallwayDaemonAccess *access;
  SoupServer          *server;            /* (owned) (nullable) */

  GHashTable          *locks;             /* token → WebdavLock */
  char                *props_dir;         /* sidecar store for dead properties */
  GHashTable          *sidecars;          /* share id → GKeyFile, loaded on use */

  guint64              max_body;
  guint                max_entries;
};

/* One request, once the share, the client and the path were accepted. */
typedef struct
{
  HallwayDaemonWebdav *self;
  SoupServerMessage   *msg;
  const char          *method;
  SoupMessageHeaders  *request_headers;
  SoupMessageHeaders  *response_headers;
  HallwayShare        *share;             /* (owned) */
  const char          *share_id;
  char                *prefix;            /* "/shares/<id>" */
  int                  root_fd;
  GStrv                components;
  char                *path;              /* components joined by '/'; "" = root */
  gboolean             allow_hidden;
} WebdavRequest;

/* What a PROPFIND or listing needs to know of an item. */
typedef struct
{
  gboolean is_dir;
  goffset  size;
  guint64  dev;
  guint64  ino;
  gint64   mtime;                         /* seconds */
  gint64   mtime_nsec;                    /* nanoseconds since the epoch */
  gint64   btime;                         /* seconds; 0 when unknown */
} WebdavStat;

/* Every share's URLs start with this, then its id. */
#define HALLWAY_WEBDAV_SHARES_PREFIX "/shares/"

/* The methods each access mode allows (the Allow header). */
#define HALLWAY_WEBDAV_ALLOW_READ_ONLY  "OPTIONS, GET, HEAD, PROPFIND"
#define HALLWAY_WEBDAV_ALLOW_READ_WRITE "OPTIONS, GET, HEAD, PUT, POST, DELETE, MKCOL, COPY, " \
                                        "MOVE, PROPFIND, PROPPATCH, LOCK, UNLOCK"
#define HALLWAY_WEBDAV_ALLOW_DROP_BOX   "OPTIONS, PUT, POST, MKCOL, PROPFIND"

/* hallway-daemon-webdav-reply.c: how every handler answers */
const char *_webdav_allow_for_access (HallwayShareAccess  access);
void      _webdav_reply_error     (SoupServerMessage  *msg,
                                   guint               status,
                                   const char         *message);
void      _webdav_reply_gerror    (SoupServerMessage  *msg,
                                   const GError       *error);
void      _webdav_reply_errno     (SoupServerMessage  *msg,
                                   int                 errsv,
                                   const char         *what);
guint     _webdav_status_for_errno (int                errsv,
                                    const char        *what,
                                    char             **out_message);
void      _webdav_reply_xml_error (SoupServerMessage  *msg,
                                   guint               status,
                                   const char         *precondition);
void      _webdav_reply_empty     (SoupServerMessage  *msg,
                                   guint               status);
void      _webdav_reply_forbidden_method (WebdavRequest *req);
void      _webdav_cut_reply_short (SoupServerMessage  *msg);
void      _webdav_stream_chunked  (SoupServerMessage  *msg,
                                   GBytes           *(*produce) (gpointer data),
                                   gpointer            data,
                                   GDestroyNotify      destroy);

/* hallway-daemon-webdav-request.c: accepting a request, items and names */
gboolean  _webdav_request_init    (HallwayDaemonWebdav *self,
                                   SoupServerMessage   *msg,
                                   const char          *path,
                                   WebdavRequest       *req);
void      _webdav_request_clear   (WebdavRequest      *req);
gboolean  _webdav_is_share_root   (WebdavRequest      *req);
gboolean  _webdav_is_part_name    (const char         *name);
gboolean  _webdav_stat_fd         (int                 fd,
                                   WebdavStat         *out);
gboolean  _webdav_stat_at         (int                 dirfd,
                                   const char         *name,
                                   WebdavStat         *out);
GHashTable *_webdav_dup_query      (WebdavRequest      *req);
int       _webdav_open_item       (WebdavRequest      *req,
                                   int                 flags,
                                   const char         *refusal,
                                   WebdavStat         *out);
char     *_webdav_etag            (const WebdavStat   *st);
char     *_webdav_http_date       (gint64              seconds);
/* "Sun, 06 Dec 2026 00:13:09 GMT" and "2026-12-06T00:13:09Z", NUL included */
#define WEBDAV_DATE_SIZE 32
gsize     _webdav_format_http_date (gint64             seconds,
                                    char               out[WEBDAV_DATE_SIZE]);
gsize     _webdav_format_iso_date  (gint64             seconds,
                                    char               out[WEBDAV_DATE_SIZE]);
char     *_webdav_href            (WebdavRequest      *req,
                                   const char * const *components,
                                   gboolean            is_folder);
gboolean  _webdav_name_is_listed  (WebdavRequest      *req,
                                   const char         *name);
GBytes   *_webdav_request_body    (WebdavRequest      *req);
GStrv     _webdav_parse_destination (WebdavRequest    *req,
                                     const char       *header,
                                     guint            *out_status,
                                     char            **out_message);
gboolean  _webdav_check_validators (WebdavRequest     *req,
                                    const WebdavStat  *st);

/* hallway-daemon-webdav.c: runs a request again once its password was
 * checked off the main loop (a HallwayAccessResumeFunc; @user_data is the
 * HallwayDaemonWebdav). */
void      _webdav_password_checked_cb (SoupServerMessage *msg,
                                       gpointer           user_data);

/* hallway-daemon-webdav-get.c and -listing.c */
void      _webdav_handle_get      (WebdavRequest      *req,
                                   gboolean            head);
void      _webdav_send_folder     (WebdavRequest      *req,
                                   int                 fd,
                                   gboolean            head);
void      _webdav_html_begin      (GString            *html,
                                   const char         *title,
                                   const char         *heading);
void      _webdav_reply_html      (WebdavRequest      *req,
                                   guint               status,
                                   GString            *html,
                                   const char         *script);

/* hallway-daemon-webdav-put.c */
void      _webdav_put_prepare     (HallwayDaemonWebdav *self,
                                   SoupServerMessage   *msg,
                                   const char          *path);
WebdavRequest *_webdav_put_get_request (SoupServerMessage *msg);
void      _webdav_put_commit      (WebdavRequest      *req);
int       _webdav_open_part_file  (int                 dir_fd,
                                   const char         *name,
                                   char              **out_part_name);

/* hallway-daemon-webdav-upload.c: files sent from a browser's form */
extern const char _webdav_upload_script[];
gboolean  _webdav_wants_json      (WebdavRequest      *req);
void      _webdav_upload_prepare  (HallwayDaemonWebdav *self,
                                   SoupServerMessage   *msg,
                                   const char          *path);
WebdavRequest *_webdav_upload_get_request (SoupServerMessage *msg);
void      _webdav_upload_commit   (WebdavRequest      *req);
void      _webdav_upload_append_form (WebdavRequest   *req,
                                      GString         *html);
void      _webdav_send_drop_box_page (WebdavRequest   *req,
                                      gboolean         head);

/* hallway-daemon-webdav-bulk.c */
gboolean  _webdav_wants_bulk      (WebdavRequest      *req,
                                   char              **out_from);
void      _webdav_send_bulk       (WebdavRequest      *req,
                                   char               *from);

/* hallway-daemon-webdav-push.c */
char     *_webdav_push_id         (SoupServerMessage  *msg);
void      _webdav_push_prepare    (HallwayDaemonWebdav *self,
                                   SoupServerMessage   *msg,
                                   const char          *path,
                                   const char          *push_id);
WebdavRequest *_webdav_push_get_request (SoupServerMessage *msg);
void      _webdav_push_commit     (WebdavRequest      *req);
void      _webdav_push_status     (WebdavRequest      *req,
                                   const char         *push_id);

/* hallway-daemon-webdav-locks.c */
void      _webdav_locks_init      (HallwayDaemonWebdav *self);
gboolean  _webdav_if_header_passes (WebdavRequest    *req);
gboolean  _webdav_check_locks     (WebdavRequest      *req,
                                   const char         *path,
                                   gboolean            membership,
                                   gboolean            descendants);
void      _webdav_locks_forget    (HallwayDaemonWebdav *self,
                                   const char         *share_id,
                                   const char         *path);
void      _webdav_append_lockdiscovery (HallwayDaemonWebdav *self,
                                        GString             *out,
                                        const char          *share_id,
                                        const char          *path);
void      _webdav_handle_lock     (WebdavRequest      *req);
void      _webdav_handle_unlock   (WebdavRequest      *req);
char     *_webdav_join_path       (const char * const *components);

/* hallway-daemon-webdav-props.c: dead properties, PROPPATCH. Loading from
 * xattrs works in any thread, from the sidecar in the main thread only. */
void      _webdav_props_init      (HallwayDaemonWebdav *self);
char     *_webdav_dead_prop_encode (const char        *ns,
                                    const char        *name);
gboolean  _webdav_dead_prop_decode (const char        *encoded,
                                    char             **out_ns,
                                    char             **out_name);
GHashTable *_webdav_dead_props_from_xattrs  (const char          *path,
                                             gboolean             follow);
GHashTable *_webdav_dead_props_from_sidecar (HallwayDaemonWebdav *self,
                                             HallwayShare        *share,
                                             const WebdavStat    *st);
GHashTable *_webdav_dead_props_load         (HallwayDaemonWebdav *self,
                                             HallwayShare        *share,
                                             int                  fd,
                                             const WebdavStat    *st);

/* hallway-daemon-webdav-propfind.c */
gboolean  _webdav_is_live_prop    (const char         *ns,
                                   const char         *name);
void      _webdav_handle_propfind (WebdavRequest      *req);
void      _webdav_handle_proppatch (WebdavRequest     *req);
void      _webdav_props_copy      (HallwayDaemonWebdav *self,
                                   HallwayShare        *share,
                                   int                  src_fd,
                                   const WebdavStat    *src_st,
                                   int                  dst_fd,
                                   const WebdavStat    *dst_st);
void      _webdav_props_forget    (HallwayDaemonWebdav *self,
                                   HallwayShare        *share,
                                   const WebdavStat    *st);

/* hallway-daemon-webdav-tree.c */
void      _webdav_handle_delete   (WebdavRequest      *req);
void      _webdav_handle_mkcol    (WebdavRequest      *req);
void      _webdav_handle_copy_move (WebdavRequest     *req,
                                    gboolean           move);
gboolean  _webdav_remove_tree     (HallwayDaemonWebdav *self,
                                   HallwayShare        *share,
                                   int                  parent_fd,
                                   const char          *name,
                                   int                 *out_errno);

/* For tests: tighter limits than the defaults. */
void      _hallway_daemon_webdav_set_limits (HallwayDaemonWebdav *self,
                                             guint64              max_body,
                                             guint                max_entries);
void      _hallway_daemon_webdav_set_props_dir (HallwayDaemonWebdav *self,
                                                const char          *dir);

G_END_DECLS
