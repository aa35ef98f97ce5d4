/* hallway-multipart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A browser's upload form arrives as multipart/form-data (RFC 7578): parts
 * separated by "--boundary" lines, each with a few headers and a body.
 * The body of a part can be gigabytes, so nothing here waits for it: the
 * parser is fed the request body piece by piece as the network delivers
 * it and hands each part's bytes on at once, keeping only the few bytes
 * that might be the start of the next delimiter. What it does keep is
 * bounded (a part's headers, the number of parts, blanks after a
 * delimiter), so a hostile body costs at most a few KiB of memory.
 */
#include "config.h"

#include "hallway-multipart.h"

#include <string.h>

#include <glib/gi18n.h>

#include "hallway-error.h"

typedef enum
{
  STATE_PREAMBLE,       /* before the first delimiter */
  STATE_AFTER_DELIMITER,
  STATE_HEADERS,
  STATE_BODY,
  STATE_EPILOGUE,       /* after the close delimiter: ignored */
  STATE_FAILED,
} State;

struct _HallwayMultipart
{
  HallwayMultipartCallbacks callbacks;
  gpointer                  user_data;
  char                     *delimiter;   /* "\r\n--" boundary */
  gsize                     delimiter_length;
  GByteArray               *pending;     /* bytes not yet consumed */
  GString                  *headers;
  State                     state;
  guint                     n_parts;
  guint                     padding;
};

/**
 * hallway_multipart_boundary_is_valid:
 * @boundary: the boundary parameter of a multipart Content-Type
 *
 * Returns: whether @boundary is 1 to 70 characters of those RFC 2046
 *   allows, not ending in a space
 */
gboolean
hallway_multipart_boundary_is_valid (const char *boundary)
{
  static const char extra[] = "'()+_,-./:=? ";
  gsize length;

  if (boundary == NULL)
    return FALSE;
  length = strlen (boundary);
  if (length == 0 || length > HALLWAY_MULTIPART_MAX_BOUNDARY || boundary[length - 1] == ' ')
    return FALSE;
  for (const char *p = boundary; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (extra, *p) == NULL)
      return FALSE;
  return TRUE;
}

/**
 * hallway_multipart_new:
 * @boundary: a valid boundary (see hallway_multipart_boundary_is_valid())
 * @callbacks: what to call for each part; copied
 * @user_data: passed to the callbacks
 *
 * Returns: (transfer full): a parser waiting for the body's first bytes
 */
HallwayMultipart *
hallway_multipart_new (const char                      *boundary,
                       const HallwayMultipartCallbacks *callbacks,
                       gpointer                         user_data)
{
  HallwayMultipart *self;

  g_return_val_if_fail (hallway_multipart_boundary_is_valid (boundary), NULL);
  g_return_val_if_fail (callbacks != NULL, NULL);

  self = g_new0 (HallwayMultipart, 1);
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->delimiter = g_strconcat ("\r\n--", boundary, NULL);
  self->delimiter_length = strlen (self->delimiter);
  self->pending = g_byte_array_new ();
  self->headers = g_string_new (NULL);
  self->state = STATE_PREAMBLE;
  /* The first delimiter may start the body: as if a line ended before it. */
  g_byte_array_append (self->pending, (const guint8 *) "\r\n", 2);
  return self;
}

void
hallway_multipart_free (HallwayMultipart *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->pending);
  g_string_free (self->headers, TRUE);
  g_free (self->delimiter);
  g_free (self);
}

guint
hallway_multipart_get_n_parts (HallwayMultipart *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_parts;
}

static gboolean
fail (HallwayMultipart *self,
      GError          **error,
      const char       *message)
{
  self->state = STATE_FAILED;
  g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA, message);
  return FALSE;
}

/* Headers */

static const char *
skip_blanks (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* Reads a parameter value at *@p (a quoted string or a token) and moves
 * past it. Browsers write '"', CR and LF of a file name as %22, %0D and
 * %0A (HTML's form encoding) and some other clients escape with a
 * backslash: both are undone here, nothing else is. */
static char *
read_value (const char **p)
{
  GString *value = g_string_new (NULL);
  const char *s = *p;

  if (*s == '"')
    {
      for (s++; *s != '\0' && *s != '"'; s++)
        {
          if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
            s++;
          else if (*s == '%' && s[1] == '2' && s[2] == '2')
            {
              g_string_append_c (value, '"');
              s += 2;
              continue;
            }
          else if (*s == '%' && s[1] == '0' && (s[2] == 'A' || s[2] == 'a' ||
                                                s[2] == 'D' || s[2] == 'd'))
            {
              g_string_append_c (value, g_ascii_toupper (s[2]) == 'A' ? '\n' : '\r');
              s += 2;
              continue;
            }
          g_string_append_c (value, *s);
        }
      if (*s == '"')
        s++;
    }
  else
    for (; *s != '\0' && *s != ';' && *s != ' ' && *s != '\t'; s++)
      g_string_append_c (value, *s);

  *p = s;
  return g_string_free (value, FALSE);
}

/* Parses 'form-data; name="field"; filename="a.txt"'. */
static gboolean
parse_disposition (const char  *value,
                   char       **out_field,
                   char       **out_filename)
{
  g_autofree char *field = NULL;
  g_autofree char *filename = NULL;
  const char *p = skip_blanks (value);

  if (g_ascii_strncasecmp (p, "form-data", 9) != 0)
    return FALSE;
  p += 9;
  for (;;)
    {
      g_autofree char *key = NULL;
      const char *start;
      char *parsed;

      p = skip_blanks (p);
      if (*p == '\0')
        break;
      if (*p != ';')
        return FALSE;
      p = skip_blanks (p + 1);
      start = p;
      while (*p != '\0' && *p != '=' && *p != ';' && *p != ' ' && *p != '\t')
        p++;
      key = g_ascii_strdown (start, p - start);
      p = skip_blanks (p);
      if (*p != '=')
        continue;
      p = skip_blanks (p + 1);
      parsed = read_value (&p);
      if (strcmp (key, "name") == 0 && field == NULL)
        field = parsed;
      else if (strcmp (key, "filename") == 0 && filename == NULL)
        filename = parsed;
      else
        g_free (parsed);
    }
  if (field == NULL)
    return FALSE;
  *out_field = g_steal_pointer (&field);
  *out_filename = g_steal_pointer (&filename);
  return TRUE;
}

static gboolean
begin_part (HallwayMultipart *self,
            GError          **error)
{
  g_auto(GStrv) lines = g_strsplit (self->headers->str, "\r\n", -1);
  g_autofree char *field = NULL;
  g_autofree char *filename = NULL;
  gboolean found = FALSE;

  if (memchr (self->headers->str, '\0', self->headers->len) != NULL)
    return fail (self, error, _("The upload form’s data is malformed"));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');

      if (colon == NULL)
        continue;
      if (colon - lines[i] == 19 &&
          g_ascii_strncasecmp (lines[i], "Content-Disposition", 19) == 0)
        {
          if (found || !parse_disposition (colon + 1, &field, &filename))
            return fail (self, error, _("The upload form’s data is malformed"));
          found = TRUE;
        }
    }
  if (!found)
    return fail (self, error, _("The upload form’s data is malformed"));

  self->state = STATE_BODY;
  if (!self->callbacks.begin (field, filename, self->user_data, error))
    {
      self->state = STATE_FAILED;
      return FALSE;
    }
  return TRUE;
}

/* Parsing */

/* Consumes what it can of pending[*pos…]; returns FALSE on an error, and
 * sets *@more to FALSE when it needs more bytes to go on. */
static gboolean
step (HallwayMultipart *self,
      gsize            *pos,
      gboolean         *more,
      GError          **error)
{
  const guint8 *buf = self->pending->data;
  gsize n = self->pending->len;

  switch (self->state)
    {
    case STATE_PREAMBLE:
    case STATE_BODY:
      {
        const guint8 *found = memmem (buf + *pos, n - *pos, self->delimiter,
                                      self->delimiter_length);
        gsize end = found != NULL ? (gsize) (found - buf)
                                  : MAX (*pos, n - MIN (n, self->delimiter_length - 1));

        if (self->state == STATE_BODY && end > *pos &&
            !self->callbacks.data (buf + *pos, end - *pos, self->user_data, error))
          {
            self->state = STATE_FAILED;
            return FALSE;
          }
        if (found == NULL)
          {
            /* Keep what may be the start of a delimiter cut in two. */
            *pos = end;
            *more = FALSE;
            return TRUE;
          }
        if (self->state == STATE_BODY && !self->callbacks.end (self->user_data, error))
          {
            self->state = STATE_FAILED;
            return FALSE;
          }
        *pos = end + self->delimiter_length;
        self->state = STATE_AFTER_DELIMITER;
        self->padding = 0;
        return TRUE;
      }

    case STATE_AFTER_DELIMITER:
      while (*pos < n && (buf[*pos] == ' ' || buf[*pos] == '\t'))
        {
          if (++self->padding > HALLWAY_MULTIPART_MAX_PADDING)
            return fail (self, error, _("The upload form’s data is malformed"));
          (*pos)++;
        }
      if (n - *pos < 2)
        {
          *more = FALSE;
          return TRUE;
        }
      if (buf[*pos] == '-' && buf[*pos + 1] == '-')
        {
          self->state = STATE_EPILOGUE;
          *pos = n;
          return TRUE;
        }
      if (buf[*pos] != '\r' || buf[*pos + 1] != '\n')
        return fail (self, error, _("The upload form’s data is malformed"));
      if (self->n_parts >= HALLWAY_MULTIPART_MAX_PARTS)
        return fail (self, error, _("The upload has too many files"));
      self->n_parts++;
      *pos += 2;
      g_string_truncate (self->headers, 0);
      self->state = STATE_HEADERS;
      return TRUE;

    case STATE_HEADERS:
      while (*pos < n)
        {
          gsize len;

          g_string_append_c (self->headers, buf[(*pos)++]);
          len = self->headers->len;

          if ((len == 2 && memcmp (self->headers->str, "\r\n", 2) == 0) ||
              (len >= 4 && memcmp (self->headers->str + len - 4, "\r\n\r\n", 4) == 0))
            return begin_part (self, error);
          if (self->headers->len > HALLWAY_MULTIPART_MAX_HEADERS)
            return fail (self, error, _("The upload form’s data is malformed"));
        }
      *more = FALSE;
      return TRUE;

    case STATE_EPILOGUE:
      *pos = n;
      *more = FALSE;
      return TRUE;

    case STATE_FAILED:
    default:
      return fail (self, error, _("The upload form’s data is malformed"));
    }
}

/**
 * hallway_multipart_feed:
 * @self: a #HallwayMultipart
 * @data: the next bytes of the body
 * @length: how many
 * @error: return location for a #GError
 *
 * Reads @data, calling the callbacks for what it completes.
 *
 * Returns: %FALSE when the body is malformed or a callback refused it;
 *   nothing more may be fed then
 */
gboolean
hallway_multipart_feed (HallwayMultipart *self,
                        const guint8     *data,
                        gsize             length,
                        GError          **error)
{
  gboolean more = TRUE;
  gsize pos = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (self->state == STATE_FAILED)
    return fail (self, error, _("The upload form’s data is malformed"));
  if (self->state == STATE_EPILOGUE)
    return TRUE;

  g_byte_array_append (self->pending, data, length);
  while (more)
    if (!step (self, &pos, &more, error))
      return FALSE;
  g_byte_array_remove_range (self->pending, 0, pos);
  return TRUE;
}

/**
 * hallway_multipart_finish:
 * @self: a #HallwayMultipart
 * @error: return location for a #GError
 *
 * Returns: whether the body ended with its close delimiter; %FALSE means
 *   it was cut off (the part being read is incomplete)
 */
gboolean
hallway_multipart_finish (HallwayMultipart *self,
                          GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->state == STATE_EPILOGUE)
    return TRUE;
  if (self->state == STATE_FAILED)
    return fail (self, error, _("The upload form’s data is malformed"));
  return fail (self, error, _("The upload was cut off before its end"));
}
