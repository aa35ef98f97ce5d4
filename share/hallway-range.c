/* hallway-range.c: HTTP byte ranges (RFC 7233) and validators (RFC 7232)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every header here comes from the network. The parsers read at most
 * HALLWAY_RANGE_MAX_DIGITS digits per number, so no arithmetic can
 * overflow, and anything they do not fully understand is treated as absent
 * or as not matching, whichever is the safe side for the caller.
 */
#include "config.h"

#include "hallway-range.h"

#include <string.h>

#include <libsoup/soup.h>

/* Helpers */

static const char *
skip_ows (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;

  return p;
}

/* Reads 1 to HALLWAY_RANGE_MAX_DIGITS decimal digits at *@p. */
static gboolean
parse_number (const char **p,
              goffset     *out)
{
  goffset value = 0;
  int n = 0;

  while (g_ascii_isdigit ((*p)[n]))
    {
      if (n == HALLWAY_RANGE_MAX_DIGITS)
        return FALSE;
      value = value * 10 + ((*p)[n] - '0');
      n++;
    }

  if (n == 0)
    return FALSE;

  *p += n;
  *out = value;
  return TRUE;
}

static gboolean
has_prefix_ascii_case (const char *p,
                       const char *prefix)
{
  return g_ascii_strncasecmp (p, prefix, strlen (prefix)) == 0;
}

/* RFC 7232 §2.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, where
 * etagc = %x21 / %x23-7E / obs-text. On success *@p is past the tag and
 * @out_opaque/@out_len give the opaque tag, quotes included. */
static gboolean
parse_entity_tag (const char  **p,
                  gboolean     *out_weak,
                  const char  **out_opaque,
                  gsize        *out_len)
{
  const char *q = *p;
  const char *opaque;
  gboolean weak = FALSE;

  if (q[0] == 'W' && q[1] == '/')
    {
      weak = TRUE;
      q += 2;
    }

  if (*q != '"')
    return FALSE;
  opaque = q++;

  while (*q == 0x21 || ((guchar) *q >= 0x23 && (guchar) *q != 0x7f))
    q++;

  if (*q != '"')
    return FALSE;
  q++;

  *out_weak = weak;
  *out_opaque = opaque;
  *out_len = (gsize) (q - opaque);
  *p = q;
  return TRUE;
}

/* Parses a whole string as one entity-tag, with optional whitespace
 * around. */
static gboolean
parse_entity_tag_only (const char  *str,
                       gboolean    *out_weak,
                       const char **out_opaque,
                       gsize       *out_len)
{
  const char *p = skip_ows (str);

  if (!parse_entity_tag (&p, out_weak, out_opaque, out_len))
    return FALSE;

  return *skip_ows (p) == '\0';
}

/* Ranges */

/**
 * hallway_range_parse:
 * @header: (nullable): the Range request header
 * @size: the length of the file
 * @out_start: (out): the first byte to send, when satisfiable
 * @out_end: (out): the last byte to send (inclusive), when satisfiable
 *
 * Parses a Range header for a file of @size bytes.
 *
 * One range is understood: `bytes=a-b`, `bytes=a-` and the suffix
 * `bytes=-n` (the last n bytes, all of them when n is at least @size). The
 * unit is case-insensitive, whitespace is allowed around `=`, `-` and `,`,
 * and empty list elements are ignored (RFC 7230 §7). Anything else,
 * including more than one range, a range with its end before its start,
 * and numbers of more than %HALLWAY_RANGE_MAX_DIGITS digits, gives
 * %HALLWAY_RANGE_NONE: the header is ignored and the whole file is sent,
 * which RFC 7233 allows.
 *
 * A range starting at or past @size, and `bytes=-0`, are unsatisfiable;
 * so is every range of an empty file. An end past the file is cut to
 * `size - 1`.
 *
 * @out_start and @out_end are only set for %HALLWAY_RANGE_SATISFIABLE, and
 * then `0 <= start <= end < size`.
 *
 * Returns: what to send
 */
HallwayRangeResult
hallway_range_parse (const char *header,
                     goffset     size,
                     goffset    *out_start,
                     goffset    *out_end)
{
  const char *p;
  gboolean suffix = FALSE;
  gboolean has_last = FALSE;
  goffset first = 0;
  goffset last = 0;
  guint n_ranges = 0;

  g_return_val_if_fail (size >= 0, HALLWAY_RANGE_NONE);
  g_return_val_if_fail (out_start != NULL, HALLWAY_RANGE_NONE);
  g_return_val_if_fail (out_end != NULL, HALLWAY_RANGE_NONE);

  if (header == NULL)
    return HALLWAY_RANGE_NONE;

  p = skip_ows (header);
  if (!has_prefix_ascii_case (p, "bytes"))
    return HALLWAY_RANGE_NONE;
  p = skip_ows (p + strlen ("bytes"));
  if (*p != '=')
    return HALLWAY_RANGE_NONE;
  p++;

  for (;;)
    {
      p = skip_ows (p);
      if (*p == ',')
        {
          p++;
          continue;
        }
      if (*p == '\0')
        break;

      /* A second range: only single ranges are served. */
      if (n_ranges > 0)
        return HALLWAY_RANGE_NONE;

      if (*p == '-')
        {
          suffix = TRUE;
          p = skip_ows (p + 1);
          if (!parse_number (&p, &last))
            return HALLWAY_RANGE_NONE;
        }
      else
        {
          if (!parse_number (&p, &first))
            return HALLWAY_RANGE_NONE;
          p = skip_ows (p);
          if (*p != '-')
            return HALLWAY_RANGE_NONE;
          p = skip_ows (p + 1);
          if (g_ascii_isdigit (*p))
            {
              if (!parse_number (&p, &last) || last < first)
                return HALLWAY_RANGE_NONE;
              has_last = TRUE;
            }
        }
      n_ranges++;

      p = skip_ows (p);
      if (*p != ',' && *p != '\0')
        return HALLWAY_RANGE_NONE;
    }

  if (n_ranges == 0)
    return HALLWAY_RANGE_NONE;

  if (suffix)
    {
      /* Here "last" is the suffix length. */
      if (last == 0 || size == 0)
        return HALLWAY_RANGE_UNSATISFIABLE;

      *out_start = last >= size ? 0 : size - last;
      *out_end = size - 1;
      return HALLWAY_RANGE_SATISFIABLE;
    }

  if (first >= size)
    return HALLWAY_RANGE_UNSATISFIABLE;

  *out_start = first;
  *out_end = has_last ? MIN (last, size - 1) : size - 1;
  return HALLWAY_RANGE_SATISFIABLE;
}

/**
 * hallway_content_range_parse:
 * @header: (nullable): a Content-Range request header
 * @out_start: (out): the first byte of the part
 * @out_end: (out): the last byte of the part (inclusive)
 * @out_total: (out): the length of the whole file, or -1 for `*`
 *
 * Parses `bytes first-last/total`, or the same with an asterisk for an
 * unknown total, as sent with part of an upload. The unit is
 * case-insensitive, and whitespace is only allowed after it and around the
 * whole value. `last` must not be before `first` nor, when the total is
 * known, at or past it. The unsatisfied form, with an asterisk in place of
 * the range, only belongs in responses and is refused.
 *
 * The outputs are only set on success.
 *
 * Returns: whether @header is a valid byte range
 */
gboolean
hallway_content_range_parse (const char *header,
                             goffset    *out_start,
                             goffset    *out_end,
                             goffset    *out_total)
{
  const char *p;
  goffset first;
  goffset last;
  goffset total = -1;

  g_return_val_if_fail (out_start != NULL, FALSE);
  g_return_val_if_fail (out_end != NULL, FALSE);
  g_return_val_if_fail (out_total != NULL, FALSE);

  if (header == NULL)
    return FALSE;

  p = skip_ows (header);
  if (!has_prefix_ascii_case (p, "bytes"))
    return FALSE;
  p += strlen ("bytes");
  if (*p != ' ' && *p != '\t')
    return FALSE;
  p = skip_ows (p);

  if (!parse_number (&p, &first) || *p++ != '-')
    return FALSE;
  if (!parse_number (&p, &last) || *p++ != '/')
    return FALSE;
  if (*p == '*')
    p++;
  else if (!parse_number (&p, &total))
    return FALSE;

  if (*skip_ows (p) != '\0')
    return FALSE;
  if (last < first || (total >= 0 && last >= total))
    return FALSE;

  *out_start = first;
  *out_end = last;
  *out_total = total;
  return TRUE;
}

/* Validators */

/**
 * hallway_etag_new:
 * @dev: the file's `st_dev`
 * @ino: the file's `st_ino`
 * @size: the file's size
 * @mtime_nsec: the file's modification time, in nanoseconds since the epoch
 *
 * Makes a strong entity-tag for a file, such as
 * `"5c1f0e9a2b7d4c38-3e8-17a9b2c4d5e6f708"`: a digest of the device and
 * inode (so they are not shown to clients), then the size and the
 * modification time, all in hex. It stays the same while the file is
 * unchanged and changes when its size or modification time does.
 *
 * Returns: (transfer full): the entity-tag, with its quotes
 */
char *
hallway_etag_new (guint64 dev,
                  guint64 ino,
                  gint64  size,
                  gint64  mtime_nsec)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  guint64 id = 0;
  guint64 be;

  be = GUINT64_TO_BE (dev);
  g_checksum_update (checksum, (const guchar *) &be, sizeof be);
  be = GUINT64_TO_BE (ino);
  g_checksum_update (checksum, (const guchar *) &be, sizeof be);
  g_checksum_get_digest (checksum, digest, &digest_len);

  for (int i = 0; i < 8; i++)
    id = (id << 8) | digest[i];

  return g_strdup_printf ("\"%016" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x-%"
                          G_GINT64_MODIFIER "x\"",
                          id, (guint64) size, (guint64) mtime_nsec);
}

/**
 * hallway_if_range_matches:
 * @if_range: (nullable): the If-Range request header
 * @etag: (nullable): the file's entity-tag from [func@Hallway.etag_new]
 * @mtime_seconds: the file's modification time as sent in Last-Modified,
 *   in seconds since the epoch
 *
 * Decides whether a Range request may be answered with a part, as RFC 7233
 * §3.2 asks: an entity-tag matches only by strong comparison (a weak one
 * `W/"…"` never does), and an HTTP-date only when it is exactly
 * @mtime_seconds. A value that is neither does not match.
 *
 * Dates have a one second resolution, so a client that saw the file during
 * the second it last changed could get a part of the newer file: send
 * Last-Modified only with the ETag, which clients prefer.
 *
 * Returns: whether to honour the Range header; %FALSE means send the whole
 *   file
 */
gboolean
hallway_if_range_matches (const char *if_range,
                          const char *etag,
                          gint64      mtime_seconds)
{
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *trimmed = NULL;
  const char *opaque;
  const char *etag_opaque;
  gsize len;
  gsize etag_len;
  gboolean weak;
  gboolean etag_weak;
  const char *p;

  if (if_range == NULL)
    return FALSE;

  p = skip_ows (if_range);

  /* RFC 7233 §3.2: the first two characters tell an entity-tag from a date. */
  if (p[0] == '"' || (p[0] == 'W' && p[1] == '/'))
    {
      if (etag == NULL ||
          !parse_entity_tag_only (p, &weak, &opaque, &len) ||
          !parse_entity_tag_only (etag, &etag_weak, &etag_opaque, &etag_len))
        return FALSE;

      return !weak && !etag_weak && len == etag_len && memcmp (opaque, etag_opaque, len) == 0;
    }

  len = strlen (p);
  while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
    len--;

  /* A real date is about 30 characters; do not hand megabytes to libsoup. */
  if (len > 64)
    return FALSE;

  trimmed = g_strndup (p, len);
  date = soup_date_time_new_from_http_string (trimmed);
  if (date == NULL)
    return FALSE;

  return g_date_time_to_unix (date) == mtime_seconds;
}

/**
 * hallway_etag_list_matches:
 * @header: (nullable): an If-Match or If-None-Match request header
 * @etag: (nullable): the current entity-tag, or `NULL` when there is no
 *   file
 * @weak: %FALSE for strong comparison (If-Match), %TRUE for weak
 *   comparison (If-None-Match)
 *
 * Checks @etag against a list of entity-tags, or `*`, which matches any
 * existing file (RFC 7232 §3.1, §3.2). Strong comparison needs both tags
 * strong and the same; weak comparison ignores the `W/`. Empty list
 * elements are ignored. A malformed header matches nothing.
 *
 * Returns: whether the header matches @etag
 */
gboolean
hallway_etag_list_matches (const char *header,
                           const char *etag,
                           gboolean    weak)
{
  const char *etag_opaque;
  gsize etag_len;
  gboolean etag_weak;
  gboolean matched = FALSE;
  guint n_tags = 0;
  const char *p;

  if (header == NULL || etag == NULL)
    return FALSE;

  if (!parse_entity_tag_only (etag, &etag_weak, &etag_opaque, &etag_len))
    return FALSE;

  p = skip_ows (header);
  if (*p == '*')
    return *skip_ows (p + 1) == '\0';

  for (;;)
    {
      const char *opaque;
      gsize len;
      gboolean tag_weak;

      p = skip_ows (p);
      if (*p == ',')
        {
          p++;
          continue;
        }
      if (*p == '\0')
        break;

      if (!parse_entity_tag (&p, &tag_weak, &opaque, &len))
        return FALSE;
      n_tags++;

      if (len == etag_len && memcmp (opaque, etag_opaque, len) == 0 &&
          (weak || (!tag_weak && !etag_weak)))
        matched = TRUE;

      p = skip_ows (p);
      if (*p != ',' && *p != '\0')
        return FALSE;
    }

  return n_tags > 0 && matched;
}
