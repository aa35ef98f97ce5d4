/* hallway-webdav-xml.h: WebDAV request bodies in, multistatus out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Request bodies are hostile input; these bound what is parsed. */
#define HALLWAY_WEBDAV_XML_MAX_BODY     (1024 * 1024)   /* bytes */
#define HALLWAY_WEBDAV_XML_MAX_DEPTH    32              /* nested elements */
#define HALLWAY_WEBDAV_XML_MAX_ELEMENTS 10000           /* elements in one body */

#define HALLWAY_WEBDAV_NS "DAV:"

/**
 * HallwayWebdavName:
 * @ns: the namespace URI; "" for no namespace
 * @name: the local name
 *
 * A property name, as (namespace, local name).
 */
typedef struct
{
  char *ns;
  char *name;
} HallwayWebdavName;

HallwayWebdavName *hallway_webdav_name_new  (const char        *ns,
                                             const char        *name);
void               hallway_webdav_name_free (HallwayWebdavName *self);
gboolean           hallway_webdav_name_is   (const HallwayWebdavName *self,
                                             const char        *ns,
                                             const char        *name);

typedef enum
{
  HALLWAY_WEBDAV_PROPFIND_ALLPROP,
  HALLWAY_WEBDAV_PROPFIND_PROPNAME,
  HALLWAY_WEBDAV_PROPFIND_PROP,
} HallwayWebdavPropfindType;

/**
 * HallwayWebdavPropfind:
 * @type: what the client asked for
 * @props: (element-type HallwayWebdavName): the properties asked for
 *   (%HALLWAY_WEBDAV_PROPFIND_PROP), or those named in `<include>` (allprop)
 */
typedef struct
{
  HallwayWebdavPropfindType  type;
  GPtrArray                 *props;
} HallwayWebdavPropfind;

/**
 * HallwayWebdavPropUpdate:
 * @name: the property
 * @remove: whether it is removed rather than set
 * @value: (nullable): for a set, the value as XML that declares every
 *   namespace it uses, so it can be stored and sent back as is
 */
typedef struct
{
  HallwayWebdavName  name;
  gboolean           remove;
  char              *value;
} HallwayWebdavPropUpdate;

/**
 * HallwayWebdavProppatch:
 * @updates: (element-type HallwayWebdavPropUpdate): in document order
 */
typedef struct
{
  GPtrArray *updates;
} HallwayWebdavProppatch;

/**
 * HallwayWebdavLockinfo:
 * @shared: whether a shared (rather than exclusive) lock is asked for
 * @owner: (nullable): the content of `<owner>`, as self-contained XML
 */
typedef struct
{
  gboolean  shared;
  char     *owner;
} HallwayWebdavLockinfo;

G_GNUC_WARN_UNUSED_RESULT
HallwayWebdavPropfind  *hallway_webdav_propfind_parse   (const char             *body,
                                                         gsize                   length,
                                                         GError                **error);
void                    hallway_webdav_propfind_free    (HallwayWebdavPropfind  *self);

G_GNUC_WARN_UNUSED_RESULT
HallwayWebdavProppatch *hallway_webdav_proppatch_parse  (const char             *body,
                                                         gsize                   length,
                                                         GError                **error);
void                    hallway_webdav_proppatch_free   (HallwayWebdavProppatch *self);

G_GNUC_WARN_UNUSED_RESULT
HallwayWebdavLockinfo  *hallway_webdav_lockinfo_parse   (const char             *body,
                                                         gsize                   length,
                                                         GError                **error);
void                    hallway_webdav_lockinfo_free    (HallwayWebdavLockinfo  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayWebdavName, hallway_webdav_name_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayWebdavPropfind, hallway_webdav_propfind_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayWebdavProppatch, hallway_webdav_proppatch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayWebdavLockinfo, hallway_webdav_lockinfo_free)

/* Writing: every function appends to @out, so a caller can hand the string
 * over in chunks as it grows. The DAV: namespace is always prefix "D". */
void hallway_webdav_xml_append_escaped    (GString    *out,
                                           const char *text);
void hallway_webdav_xml_begin_multistatus (GString    *out);
void hallway_webdav_xml_end_multistatus   (GString    *out);
void hallway_webdav_xml_begin_response    (GString    *out,
                                           const char *href);
void hallway_webdav_xml_end_response      (GString    *out);
void hallway_webdav_xml_status_response   (GString    *out,
                                           const char *href,
                                           guint       status);
void hallway_webdav_xml_begin_propstat    (GString    *out);
void hallway_webdav_xml_end_propstat      (GString    *out,
                                           guint       status);
void hallway_webdav_xml_append_status     (GString    *out,
                                           guint       status);
void hallway_webdav_xml_begin_prop        (GString    *out,
                                           const char *ns,
                                           const char *name);
void hallway_webdav_xml_end_prop          (GString    *out,
                                           const char *ns,
                                           const char *name);
void hallway_webdav_xml_empty_prop        (GString    *out,
                                           const char *ns,
                                           const char *name);
void hallway_webdav_xml_text_prop         (GString    *out,
                                           const char *ns,
                                           const char *name,
                                           const char *text);
void hallway_webdav_xml_raw_prop          (GString    *out,
                                           const char *ns,
                                           const char *name,
                                           const char *raw_xml);

G_GNUC_WARN_UNUSED_RESULT
char *hallway_webdav_xml_error_body (const char *precondition);

G_END_DECLS
