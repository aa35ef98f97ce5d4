/* hallway-digest.h: the SHA-256 of a file's contents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

G_GNUC_WARN_UNUSED_RESULT
char *hallway_digest_sha256_fd (int        fd,
                                goffset   *out_length,
                                const int *stop,
                                GError   **error);

G_END_DECLS
