/* hallway-txt.c: the `_hallway._tcp` TXT record, built and parsed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-txt.h"

#include "hallway-error.h"
#include "hallway-identity.h"

#include <string.h>

#include <glib/gi18n-lib.h>

/* A DNS character-string has a one-byte length; anything longer did not come
 * off the wire and means the caller is confused or we are being probed. */
#define MAX_STRING_LEN 255

/* How much of a hostile value an error message may quote. */
#define MAX_QUOTED_BYTES 32

#define MAX_VERSION 999

typedef enum
{
  KEY_VERSION,
  KEY_ID,
  KEY_FP,
  KEY_HOST,
  KEY_SHARES,
  KEY_PRINTERS,
  KEY_DROP,
  N_KEYS
} Key;

static const char * const key_names[N_KEYS] = {
  [KEY_VERSION] = "v",
  [KEY_ID] = "id",
  [KEY_FP] = "fp",
  [KEY_HOST] = "host",
  [KEY_SHARES] = "shares",
  [KEY_PRINTERS] = "printers",
  [KEY_DROP] = "drop",
};

typedef struct
{
  gboolean      present;
  gboolean      has_value;   /* FALSE for a bare "key" (RFC 6763 §6.4) */
  const guint8 *value;       /* (unowned) not NUL-terminated */
  gsize         value_len;
} Attribute;

/**
 * hallway_txt_clear:
 * @txt: a TXT record
 *
 * Frees the strings in @txt and resets every field to zero.
 */
void
hallway_txt_clear (HallwayTxt *txt)
{
  g_return_if_fail (txt != NULL);

  g_free (txt->device_id);
  g_free (txt->fingerprint);
  g_free (txt->host);
  memset (txt, 0, sizeof *txt);
}

/**
 * hallway_txt_free:
 * @txt: (nullable) (transfer full): a record from [func@Hallway.txt_parse]
 *
 * Frees @txt and its strings.
 */
void
hallway_txt_free (HallwayTxt *txt)
{
  if (txt == NULL)
    return;

  hallway_txt_clear (txt);
  g_free (txt);
}

/* Helpers */

static gboolean
is_forbidden_in_host (gunichar c)
{
  /* The host name is shown in the window next to other text. Control
   * characters, line breaks and the bidirectional overrides and isolates
   * could garble or visually reorder what surrounds it. */
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return TRUE;
    default:
      break;
    }

  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

static gboolean
host_is_valid (const char *host,
               gsize       len)
{
  const char *p;

  if (!g_utf8_validate_len (host, len, NULL))
    return FALSE;

  for (p = host; p < host + len; p = g_utf8_next_char (p))
    {
      if (is_forbidden_in_host (g_utf8_get_char (p)))
        return FALSE;
    }

  return TRUE;
}

/* Quotes at most MAX_QUOTED_BYTES of untrusted bytes for an error message,
 * printable ASCII as is and everything else as \xNN, so a message can never
 * carry terminal escapes, invalid UTF-8 or a megabyte of junk into a log. */
static char *
dup_quoted (const guint8 *data,
            gsize         len)
{
  GString *out = g_string_sized_new (MAX_QUOTED_BYTES + 8);
  gsize i;

  for (i = 0; i < len && i < MAX_QUOTED_BYTES; i++)
    {
      if (data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\\')
        g_string_append_c (out, (char) data[i]);
      else
        g_string_append_printf (out, "\\x%02x", data[i]);
    }
  if (i < len)
    g_string_append (out, "…");

  return g_string_free (out, FALSE);
}

static void
set_invalid_value_error (GError          **error,
                         Key               key,
                         const Attribute  *attr)
{
  g_autofree char *quoted = NULL;

  if (!attr->has_value)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   /* Translators: %s is a TXT record key such as “id”, not translatable. */
                   _("Announced “%s” has no value"),
                   key_names[key]);
      return;
    }

  quoted = dup_quoted (attr->value, attr->value_len);
  g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
               /* Translators: the first %s is a TXT record key such as “id”, not
                * translatable; the second is the value a neighbour sent, escaped. */
               _("Announced “%s” has an invalid value ‘%s’"),
               key_names[key], quoted);
}

/* Copies a value into a NUL-terminated string, refusing embedded NULs so
 * that C string functions see the whole value. */
static char *
dup_value (const Attribute *attr)
{
  if (!attr->has_value || memchr (attr->value, '\0', attr->value_len) != NULL)
    return NULL;

  return g_strndup ((const char *) attr->value, attr->value_len);
}

/* Strict unsigned decimal: digits only, no sign, no spaces, no leading
 * zeros. g_ascii_string_to_unsigned() already refuses signs, spaces and
 * overflow, but accepts "007", and we want one spelling per number. */
static gboolean
parse_number (const Attribute *attr,
              guint            min,
              guint            max,
              guint           *out)
{
  g_autofree char *str = dup_value (attr);
  guint64 value;

  if (str == NULL || str[0] == '\0')
    return FALSE;
  if (str[0] == '0' && str[1] != '\0')
    return FALSE;
  if (!g_ascii_string_to_unsigned (str, 10, min, max, &value, NULL))
    return FALSE;

  *out = (guint) value;
  return TRUE;
}

static gboolean
key_equal (const guint8 *key,
           gsize         key_len,
           const char   *name)
{
  gsize name_len = strlen (name);

  if (key_len != name_len)
    return FALSE;

  for (gsize i = 0; i < key_len; i++)
    {
      if (g_ascii_tolower (key[i]) != name[i])
        return FALSE;
    }

  return TRUE;
}

/* Copies @host, dropping what the parser would refuse, so that what we
 * build always parses. */
static char *
dup_sanitized_host (const char *host)
{
  g_autofree char *valid = g_utf8_make_valid (host, -1);
  GString *out = g_string_sized_new (strlen (valid));
  const char *p;

  for (p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!is_forbidden_in_host (c))
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

/* Building */

/**
 * hallway_txt_build:
 * @txt: the values to announce; `device_id` and `fingerprint` must be valid
 *
 * Builds the TXT record strings for `_hallway._tcp`, in the order `v`, `id`,
 * `fp`, `host`, `shares`, `printers`, `drop`. A `version` of 0 stands for the
 * current version, 1. The host is cleaned of characters the parser refuses
 * and cut to [const@Hallway.TXT_MAX_HOST] bytes (omitted if empty), and counts are
 * capped at [const@Hallway.TXT_MAX_COUNT], so that the result always parses.
 *
 * Returns: (transfer full) (array zero-terminated=1): the `key=value`
 *   strings
 */
GStrv
hallway_txt_build (const HallwayTxt *txt)
{
  g_autoptr(GPtrArray) strv = NULL;
  guint version;

  g_return_val_if_fail (txt != NULL, NULL);
  g_return_val_if_fail (hallway_device_id_is_valid (txt->device_id), NULL);
  g_return_val_if_fail (hallway_fingerprint_is_valid (txt->fingerprint), NULL);
  g_return_val_if_fail (txt->version <= MAX_VERSION, NULL);

  version = txt->version != 0 ? txt->version : 1;
  strv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (strv, g_strdup_printf ("v=%u", version));
  g_ptr_array_add (strv, g_strconcat ("id=", txt->device_id, NULL));
  g_ptr_array_add (strv, g_strconcat ("fp=", txt->fingerprint, NULL));

  if (txt->host != NULL)
    {
      g_autofree char *sanitized = dup_sanitized_host (txt->host);
      g_autofree char *host = hallway_utf8_truncate (sanitized, HALLWAY_TXT_MAX_HOST);

      if (host[0] != '\0')
        g_ptr_array_add (strv, g_strconcat ("host=", host, NULL));
    }

  /* Capped rather than refused: the parser refuses larger counts, and the
   * rest of the record is still worth announcing. */
  g_ptr_array_add (strv, g_strdup_printf ("shares=%u",
                                          MIN (txt->n_shares, HALLWAY_TXT_MAX_COUNT)));
  g_ptr_array_add (strv, g_strdup_printf ("printers=%u",
                                          MIN (txt->n_printers, HALLWAY_TXT_MAX_COUNT)));
  g_ptr_array_add (strv, g_strdup (txt->accepts_drops ? "drop=1" : "drop=0"));
  g_ptr_array_add (strv, NULL);

  return (GStrv) g_ptr_array_free (g_steal_pointer (&strv), FALSE);
}

/* Parsing */

/**
 * hallway_txt_parse:
 * @strings: (array length=n_strings): the raw TXT character-strings
 * @n_strings: the number of @strings
 * @error: return location for an error
 *
 * Parses a `_hallway._tcp` TXT record received from the network.
 *
 * Each string is `key=value` or a bare `key`; empty strings and strings
 * starting with `=` are skipped. Keys are case-insensitive, the first
 * occurrence of a key wins and unknown keys are ignored (RFC 6763 §6.4).
 * `v`, `id` and `fp` are required, and `fp` must be the same digest as `id`.
 * A bare `drop` means `drop=1`.
 *
 * Returns: (transfer full): the parsed record, or `NULL` with @error set
 *   to [error@Hallway.Error.INVALID_DATA]
 */
HallwayTxt *
hallway_txt_parse (const GBytes * const  *strings,
                   gsize                  n_strings,
                   GError               **error)
{
  g_autoptr(HallwayTxt) txt = NULL;
  g_autofree char *fp_device_id = NULL;
  Attribute attrs[N_KEYS] = { { 0, }, };
  gsize total = 0;
  guint value;

  g_return_val_if_fail (strings != NULL || n_strings == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_strings > HALLWAY_TXT_MAX_STRINGS)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   /* Translators: %u is a number of strings, larger than allowed. */
                   _("Announcement has too many entries (%u)"),
                   (guint) MIN (n_strings, G_MAXUINT));
      return NULL;
    }

  /* Check every size before looking at any content, so the limits hold
   * whatever the order of the strings. */
  for (gsize i = 0; i < n_strings; i++)
    {
      gsize size;

      g_return_val_if_fail (strings[i] != NULL, NULL);

      size = g_bytes_get_size ((GBytes *) strings[i]);
      if (size > MAX_STRING_LEN)
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                       /* Translators: %u is a size in bytes. */
                       _("Announcement has an entry that is too long (%u bytes)"),
                       (guint) MIN (size, G_MAXUINT));
          return NULL;
        }

      total += size;
      if (total > HALLWAY_TXT_MAX_TOTAL)
        {
          g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                               _("Announcement is too long"));
          return NULL;
        }
    }

  for (gsize i = 0; i < n_strings; i++)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data ((GBytes *) strings[i], &size);
      const guint8 *equals;
      gsize key_len;

      if (size == 0 || data[0] == '=')
        continue;

      equals = memchr (data, '=', size);
      key_len = equals != NULL ? (gsize) (equals - data) : size;

      for (int k = 0; k < N_KEYS; k++)
        {
          if (!key_equal (data, key_len, key_names[k]))
            continue;

          if (!attrs[k].present)
            {
              attrs[k].present = TRUE;
              attrs[k].has_value = equals != NULL;
              attrs[k].value = equals != NULL ? equals + 1 : NULL;
              attrs[k].value_len = equals != NULL ? size - key_len - 1 : 0;
            }
          break;
        }
    }

  for (int k = KEY_VERSION; k <= KEY_FP; k++)
    {
      if (!attrs[k].present)
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                       /* Translators: %s is a TXT record key such as “id”, not translatable. */
                       _("Announcement has no “%s”"),
                       key_names[k]);
          return NULL;
        }
    }

  txt = g_new0 (HallwayTxt, 1);

  /* Any major version is accepted: a newer neighbour is still reachable as
   * long as the keys we rely on mean what they mean today. */
  if (!parse_number (&attrs[KEY_VERSION], 1, MAX_VERSION, &txt->version))
    {
      set_invalid_value_error (error, KEY_VERSION, &attrs[KEY_VERSION]);
      return NULL;
    }

  txt->device_id = dup_value (&attrs[KEY_ID]);
  if (!hallway_device_id_is_valid (txt->device_id))
    {
      set_invalid_value_error (error, KEY_ID, &attrs[KEY_ID]);
      return NULL;
    }

  txt->fingerprint = dup_value (&attrs[KEY_FP]);
  if (!hallway_fingerprint_is_valid (txt->fingerprint))
    {
      set_invalid_value_error (error, KEY_FP, &attrs[KEY_FP]);
      return NULL;
    }

  /* Both are announced so that old and new code can each use the form it
   * likes, but they must name the same certificate, or a neighbour could
   * show one identity and present another. */
  fp_device_id = hallway_fingerprint_dup_device_id (txt->fingerprint);
  if (g_strcmp0 (fp_device_id, txt->device_id) != 0)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           _("Announced id and fingerprint disagree"));
      return NULL;
    }

  /* An empty or bare host is the same as none: it is only a label. */
  if (attrs[KEY_HOST].present && attrs[KEY_HOST].value_len > 0)
    {
      const Attribute *attr = &attrs[KEY_HOST];

      if (attr->value_len > HALLWAY_TXT_MAX_HOST ||
          memchr (attr->value, '\0', attr->value_len) != NULL ||
          !host_is_valid ((const char *) attr->value, attr->value_len))
        {
          set_invalid_value_error (error, KEY_HOST, attr);
          return NULL;
        }

      txt->host = g_strndup ((const char *) attr->value, attr->value_len);
    }

  if (attrs[KEY_SHARES].present)
    {
      if (!parse_number (&attrs[KEY_SHARES], 0, HALLWAY_TXT_MAX_COUNT, &value))
        {
          set_invalid_value_error (error, KEY_SHARES, &attrs[KEY_SHARES]);
          return NULL;
        }
      txt->n_shares = value;
    }

  if (attrs[KEY_PRINTERS].present)
    {
      if (!parse_number (&attrs[KEY_PRINTERS], 0, HALLWAY_TXT_MAX_COUNT, &value))
        {
          set_invalid_value_error (error, KEY_PRINTERS, &attrs[KEY_PRINTERS]);
          return NULL;
        }
      txt->n_printers = value;
    }

  if (attrs[KEY_DROP].present)
    {
      const Attribute *attr = &attrs[KEY_DROP];

      /* RFC 6763 §6.4: a key without '=' is a boolean attribute that is true. */
      if (!attr->has_value)
        txt->accepts_drops = TRUE;
      else if (attr->value_len == 1 && attr->value[0] == '1')
        txt->accepts_drops = TRUE;
      else if (attr->value_len == 1 && attr->value[0] == '0')
        txt->accepts_drops = FALSE;
      else
        {
          set_invalid_value_error (error, KEY_DROP, attr);
          return NULL;
        }
    }

  return g_steal_pointer (&txt);
}

/* Instance names */

/**
 * hallway_utf8_truncate:
 * @name: a name, possibly invalid UTF-8
 * @max_bytes: the most bytes the result may have
 *
 * Makes @name valid UTF-8 (replacing invalid bytes with U+FFFD) and cuts it
 * to at most @max_bytes bytes without splitting a character. When a cut is
 * needed, trailing spaces it exposes are removed too, unless nothing would be
 * left. DNS-SD instance names are limited to 63 bytes.
 *
 * Returns: (transfer full): the shortened name
 */
char *
hallway_utf8_truncate (const char *name,
                       gsize       max_bytes)
{
  g_autofree char *valid = NULL;
  gsize len;
  gsize cut;

  g_return_val_if_fail (name != NULL, NULL);

  valid = g_utf8_make_valid (name, -1);
  len = strlen (valid);
  if (len <= max_bytes)
    return g_steal_pointer (&valid);

  /* valid[max_bytes] exists because len > max_bytes. If it is a continuation
   * byte, the character it belongs to straddles the limit: back up to that
   * character's first byte and cut before it. */
  cut = max_bytes;
  while (cut > 0 && ((guchar) valid[cut] & 0xc0) == 0x80)
    cut--;

  /* "Alice Martin on reception-pc" cut after "on" should not end in a
   * space, which would look like a mistake in the list of neighbours. */
  while (cut > 0 && g_ascii_isspace (valid[cut - 1]))
    cut--;
  if (cut == 0)
    {
      cut = max_bytes;
      while (cut > 0 && ((guchar) valid[cut] & 0xc0) == 0x80)
        cut--;
    }

  valid[cut] = '\0';

  return g_steal_pointer (&valid);
}
