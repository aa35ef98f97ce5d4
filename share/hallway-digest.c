/* hallway-digest.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A resumed download is checked end to end: the sharing computer hashes
 * the original (GET …?digest=sha256), the receiving one what it pieced
 * together, both with this. It blocks: call it in a worker thread.
 */
#include "config.h"

#include "hallway-digest.h"

#include <errno.h>
#include <unistd.h>

#include "hallway-constants.h"

/**
 * hallway_digest_sha256_fd:
 * @fd: a file open for reading; read with pread(), from its first byte,
 *   so its position does not matter and does not change
 * @out_length: (out) (optional): how many bytes were hashed
 * @stop: (nullable): a flag another thread may set (atomically) to give up
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the lowercase hex SHA-256, or %NULL
 *   with %G_IO_ERROR_CANCELLED when @stop was set, or the read error
 */
char *
hallway_digest_sha256_fd (int         fd,
                          goffset    *out_length,
                          const int  *stop,
                          GError    **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (HALLWAY_BLOCK_SIZE);
  goffset offset = 0;

  for (;;)
    {
      ssize_t n;

      if (stop != NULL && g_atomic_int_get (stop))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Stopped");
          return NULL;
        }
      n = pread (fd, buffer, HALLWAY_BLOCK_SIZE, offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                               g_strerror (errsv));
          return NULL;
        }
      if (n == 0)
        break;
      g_checksum_update (checksum, buffer, n);
      offset += n;
    }

  if (out_length != NULL)
    *out_length = offset;
  return g_strdup (g_checksum_get_string (checksum));
}
