/* hallway-identity.h: this computer's key, certificate and device id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HALLWAY_TYPE_IDENTITY (hallway_identity_get_type ())

G_DECLARE_FINAL_TYPE (HallwayIdentity, hallway_identity, HALLWAY, IDENTITY, GObject)

/* Length of a device id: lowercase hex of a SHA-256 digest. */
#define HALLWAY_DEVICE_ID_LEN 64
/* Length of a fingerprint: unpadded base64url of a SHA-256 digest. */
#define HALLWAY_FINGERPRINT_LEN 43

G_GNUC_WARN_UNUSED_RESULT
HallwayIdentity *hallway_identity_load_or_create    (const char       *dir,
                                                     GError          **error);
const char      *hallway_identity_get_device_id     (HallwayIdentity  *self);
const char      *hallway_identity_get_fingerprint   (HallwayIdentity  *self);
const char      *hallway_identity_get_verification_code (HallwayIdentity *self);
GTlsCertificate *hallway_identity_get_tls_certificate (HallwayIdentity *self);
gboolean         hallway_identity_was_created       (HallwayIdentity  *self);

/* Digests of any certificate (a peer's), from its DER bytes. */
G_GNUC_WARN_UNUSED_RESULT
char            *hallway_certificate_dup_device_id  (GTlsCertificate  *certificate);
G_GNUC_WARN_UNUSED_RESULT
char            *hallway_certificate_dup_fingerprint (GTlsCertificate *certificate);
G_GNUC_WARN_UNUSED_RESULT
char            *hallway_device_id_dup_verification_code (const char  *device_id);
gboolean         hallway_device_id_is_valid         (const char       *device_id);
gboolean         hallway_fingerprint_is_valid       (const char       *fingerprint);
G_GNUC_WARN_UNUSED_RESULT
char            *hallway_fingerprint_dup_device_id  (const char       *fingerprint);
G_GNUC_WARN_UNUSED_RESULT
char            *hallway_device_id_dup_fingerprint  (const char       *device_id);

G_END_DECLS
