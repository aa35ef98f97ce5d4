/* hallway-txt.h: the `_hallway._tcp` TXT record, built and parsed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Incoming TXT records are hostile input; these bound what is accepted. */
#define HALLWAY_TXT_MAX_TOTAL     1300  /* bytes over all strings (a full mDNS packet) */
#define HALLWAY_TXT_MAX_STRINGS   32
#define HALLWAY_TXT_MAX_HOST      63    /* one DNS label */
#define HALLWAY_TXT_MAX_COUNT     10000 /* shares=, printers= */

typedef struct
{
  guint     version;        /* v= */
  char     *device_id;      /* id=, HALLWAY_DEVICE_ID_LEN lowercase hex */
  char     *fingerprint;    /* fp=, HALLWAY_FINGERPRINT_LEN base64url */
  char     *host;           /* host=, valid UTF-8, no control characters */
  guint     n_shares;       /* shares= */
  guint     n_printers;     /* printers= */
  gboolean  accepts_drops;  /* drop=1|0 */
} HallwayTxt;

void        hallway_txt_clear  (HallwayTxt   *txt);
void        hallway_txt_free   (HallwayTxt   *txt);

/* Build: returns a NULL-terminated array of "key=value" strings (< 400 bytes in all). */
G_GNUC_WARN_UNUSED_RESULT
GStrv       hallway_txt_build  (const HallwayTxt *txt);

/* Parse: @strings are the raw TXT character-strings (not NUL-terminated, may contain
 * anything). Keys are case-insensitive; the first occurrence of a key wins (RFC 6763
 * §6.4); unknown keys are ignored; a record with a newer major version is accepted
 * as long as the keys we need are valid. Fails with HALLWAY_ERROR_INVALID_DATA and a
 * message naming the offending key. */
G_GNUC_WARN_UNUSED_RESULT
HallwayTxt *hallway_txt_parse  (const GBytes * const *strings,
                                gsize         n_strings,
                                GError      **error);

/* Cut @name to at most @max_bytes bytes on a UTF-8 character boundary
 * (DNS-SD instance names are limited to 63 bytes). Invalid UTF-8 is replaced first. */
G_GNUC_WARN_UNUSED_RESULT
char       *hallway_utf8_truncate (const char *name,
                                   gsize       max_bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HallwayTxt, hallway_txt_free)

G_END_DECLS
