/* hallway-share.h: one shared folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * HallwayShareAccess:
 * @HALLWAY_SHARE_ACCESS_READ_ONLY: colleagues can list and copy
 * @HALLWAY_SHARE_ACCESS_READ_WRITE: colleagues can also add, change and delete
 * @HALLWAY_SHARE_ACCESS_DROP_BOX: colleagues can put files in, never see what is there
 */
typedef enum
{
  HALLWAY_SHARE_ACCESS_READ_ONLY,
  HALLWAY_SHARE_ACCESS_READ_WRITE,
  HALLWAY_SHARE_ACCESS_DROP_BOX,
} HallwayShareAccess;

/**
 * HallwayShareAudience:
 * @HALLWAY_SHARE_AUDIENCE_EVERYONE: anyone on the network
 * @HALLWAY_SHARE_AUDIENCE_TRUSTED: neighbours marked as trusted colleagues (by certificate)
 * @HALLWAY_SHARE_AUDIENCE_PASSWORD: whoever knows the password (HTTP Basic over TLS)
 */
typedef enum
{
  HALLWAY_SHARE_AUDIENCE_EVERYONE,
  HALLWAY_SHARE_AUDIENCE_TRUSTED,
  HALLWAY_SHARE_AUDIENCE_PASSWORD,
} HallwayShareAudience;

const char *hallway_share_access_to_string     (HallwayShareAccess    access);
gboolean    hallway_share_access_from_string   (const char           *text,
                                                HallwayShareAccess   *out_access);
const char *hallway_share_audience_to_string   (HallwayShareAudience  audience);
gboolean    hallway_share_audience_from_string (const char           *text,
                                                HallwayShareAudience *out_audience);

#define HALLWAY_TYPE_SHARE (hallway_share_get_type ())
G_DECLARE_FINAL_TYPE (HallwayShare, hallway_share, HALLWAY, SHARE, GObject)

/* Largest share name, in bytes of UTF-8. */
#define HALLWAY_SHARE_NAME_MAX 64

G_GNUC_WARN_UNUSED_RESULT
HallwayShare         *hallway_share_new               (const char           *id,
                                                       const char           *name,
                                                       const char           *path,
                                                       HallwayShareAccess    access,
                                                       HallwayShareAudience  audience);
G_GNUC_WARN_UNUSED_RESULT
char                 *hallway_share_id_new            (void);
gboolean              hallway_share_id_is_valid       (const char           *id);
gboolean              hallway_share_name_is_valid     (const char           *name,
                                                       GError              **error);

const char           *hallway_share_get_id            (HallwayShare         *self);
const char           *hallway_share_get_name          (HallwayShare         *self);
const char           *hallway_share_get_path          (HallwayShare         *self);
HallwayShareAccess    hallway_share_get_access        (HallwayShare         *self);
HallwayShareAudience  hallway_share_get_audience      (HallwayShare         *self);
const char           *hallway_share_get_password_hash (HallwayShare         *self);
void                  hallway_share_set_password_hash (HallwayShare         *self,
                                                       const char           *hash);
gboolean              hallway_share_get_show_hidden   (HallwayShare         *self);
void                  hallway_share_set_show_hidden   (HallwayShare         *self,
                                                       gboolean              show_hidden);
gboolean              hallway_share_get_enabled       (HallwayShare         *self);
void                  hallway_share_set_enabled       (HallwayShare         *self,
                                                       gboolean              enabled);

/* Whether the folder exists now (checked, not cached). */
gboolean              hallway_share_check_available   (HallwayShare         *self,
                                                       GError              **error);
/* An O_PATH|O_DIRECTORY descriptor of the folder, for hallway_path_open(). */
int                   hallway_share_open_root         (HallwayShare         *self,
                                                       GError              **error);

G_END_DECLS
