/* hallway-bulk.c: a whole folder in one stream of (header, bytes) records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Copying a folder of 10,000 small files one GET at a time costs a
 * round-trip per file; "GET /shares/<id>/<folder>/?bulk=1" answers with the
 * whole folder in one streamed response of this format instead
 * (Content-Type application/x-hallway-bulk). All integers are big-endian.
 *
 *   stream = magic *record end
 *   magic  = "HWBULK1\n"                                      8 bytes
 *   record = header name etag [data]
 *   header = type:1 flags:1 name-length:2 etag-length:1 reserved:3 size:8
 *
 *   type 'D': a folder; size, etag-length and flags are 0.
 *   type 'F': a file; size bytes of data follow the ETag. The ETag (at most
 *             255 printable ASCII bytes, may be empty) names the version
 *             sent, so a copy cut off mid-file can continue with Range and
 *             If-Range like any other download.
 *   type 'E': the end; name-length and etag-length are 0, size counts the
 *             records before it. A stream that stops before it is
 *             incomplete, and nothing may follow it.
 *
 * Flags and reserved bytes are 0. A name is the item's path below the
 * folder asked for, its names joined by '/': 1 to 4096 bytes, at most 64
 * names, each one a name hallway_path_component_is_valid() accepts (no
 * "." or "..", no slash, backslash or control characters, valid UTF-8).
 * Records come in "bulk order" (hallway_bulk_name_compare()), strictly
 * increasing: a folder's record before what it holds, names compared byte
 * by byte. So there are no duplicates, and a copy that was cut off can ask
 * for the rest with "&from=<name>".
 *
 * A sender that cannot keep a record's promise (the file shrank or grew
 * while it was read) must not make up bytes: it ends the stream without
 * the end record, and the receiver discards the file it was in.
 *
 * The decoder takes hostile input: it never buffers more than one header,
 * name and ETag (a little over 4 KiB), and hands file data back in place.
 */
#include "config.h"

#include "hallway-bulk.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "hallway-error.h"
#include "hallway-path.h"

typedef enum
{
  STATE_MAGIC,
  STATE_HEADER,
  STATE_NAME,
  STATE_DATA,
  STATE_DONE,
  STATE_FAILED,
} DecoderState;

struct _HallwayBulkDecoder
{
  DecoderState  state;
  guint8        header[HALLWAY_BULK_HEADER_LEN];
  GByteArray   *pending;      /* bytes of the part being gathered */
  gsize         wanted;       /* how many it needs */
  HallwayBulkType type;
  gsize         name_len;
  gsize         etag_len;
  char         *name;
  char         *previous;     /* the last record's name, for the order */
  char         *etag;
  guint64       size;
  guint64       remaining;    /* of the current file's data */
  guint64       records;
};

static guint64
read_be64 (const guint8 *p)
{
  guint64 v = 0;

  for (guint i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

static void
append_be64 (GByteArray *out,
             guint64     v)
{
  guint8 bytes[8];

  for (guint i = 0; i < 8; i++)
    bytes[i] = (guint8) (v >> (56 - 8 * i));
  g_byte_array_append (out, bytes, 8);
}

/**
 * hallway_bulk_name_is_valid:
 * @name: (nullable): a record's name
 *
 * Returns: whether @name is a relative path of valid names, as the format
 *   requires
 */
gboolean
hallway_bulk_name_is_valid (const char *name)
{
  const char *start;
  guint depth = 0;

  if (name == NULL || *name == '\0' || strlen (name) > HALLWAY_BULK_MAX_NAME)
    return FALSE;

  start = name;
  for (;;)
    {
      const char *slash = strchr (start, '/');
      g_autofree char *component = slash != NULL ? g_strndup (start, slash - start)
                                                 : g_strdup (start);

      if (++depth > HALLWAY_PATH_MAX_DEPTH)
        return FALSE;
      if (!hallway_path_component_is_valid (component, TRUE))
        return FALSE;
      if (slash == NULL)
        return TRUE;
      start = slash + 1;
    }
}

/* A byte of a name in bulk order: the separator sorts before any byte a
 * name may hold, and the end of the name before the separator, so a folder
 * comes right before what it holds. */
static int
order_byte (const char *p)
{
  if (*p == '\0')
    return -1;
  if (*p == '/')
    return 0;
  return (guchar) *p;
}

/**
 * hallway_bulk_name_compare:
 * @a: a name
 * @b: another name
 *
 * Compares two names in bulk order: name by name, each byte by byte, a
 * folder before everything in it. Walking a tree with each folder's entries
 * sorted with strcmp() gives this order.
 *
 * Returns: less than, equal to or greater than 0, like strcmp()
 */
int
hallway_bulk_name_compare (const char *a,
                           const char *b)
{
  for (;; a++, b++)
    {
      int x = order_byte (a);
      int y = order_byte (b);

      if (x != y)
        return x < y ? -1 : 1;
      if (x < 0)
        return 0;
    }
}

/**
 * hallway_bulk_name_is_ancestor:
 * @folder: a folder's name
 * @name: another name
 *
 * Returns: whether @name is inside @folder, at any depth
 */
gboolean
hallway_bulk_name_is_ancestor (const char *folder,
                               const char *name)
{
  gsize len = strlen (folder);

  return strncmp (folder, name, len) == 0 && name[len] == '/';
}

/**
 * hallway_bulk_same_version:
 * @before: a file's state before its bytes were read for a stream
 * @after: its state after
 *
 * A sender checks this (and that no byte follows the last one) before it
 * lets a file's record stand: a file rewritten meanwhile would arrive as
 * neither version.
 *
 * Returns: whether the file is still the same version
 */
gboolean
hallway_bulk_same_version (const struct stat *before,
                           const struct stat *after)
{
  return before->st_size == after->st_size &&
         before->st_mtim.tv_sec == after->st_mtim.tv_sec &&
         before->st_mtim.tv_nsec == after->st_mtim.tv_nsec && before->st_ino == after->st_ino;
}

/* Encoding */

void
hallway_bulk_append_magic (GByteArray *out)
{
  g_byte_array_append (out, (const guint8 *) HALLWAY_BULK_MAGIC, HALLWAY_BULK_MAGIC_LEN);
}

static gboolean
etag_is_valid (const char *etag,
               gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) etag[i] < 0x20 || (guchar) etag[i] > 0x7e)
      return FALSE;
  return TRUE;
}

/**
 * hallway_bulk_append_header:
 * @out: where the record goes
 * @type: %HALLWAY_BULK_TYPE_FOLDER or %HALLWAY_BULK_TYPE_FILE
 * @name: the item's path below the folder sent
 * @etag: (nullable): a file's ETag
 * @size: a file's size; its bytes are for the caller to append
 * @error: return location for a #GError
 *
 * Returns: whether the record could be written (a valid name and ETag)
 */
gboolean
hallway_bulk_append_header (GByteArray       *out,
                            HallwayBulkType   type,
                            const char       *name,
                            const char       *etag,
                            guint64           size,
                            GError          **error)
{
  gsize name_len;
  gsize etag_len = etag != NULL ? strlen (etag) : 0;
  guint8 header[8] = { 0 };

  g_return_val_if_fail (type == HALLWAY_BULK_TYPE_FOLDER || type == HALLWAY_BULK_TYPE_FILE,
                        FALSE);

  if (!hallway_bulk_name_is_valid (name))
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("“%s” cannot be sent in a folder stream"), name);
      return FALSE;
    }
  if (type == HALLWAY_BULK_TYPE_FOLDER)
    {
      etag_len = 0;
      size = 0;
    }
  if (etag_len > HALLWAY_BULK_MAX_ETAG || !etag_is_valid (etag, etag_len) ||
      size > G_MAXINT64)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT,
                   _("“%s” cannot be sent in a folder stream"), name);
      return FALSE;
    }

  name_len = strlen (name);
  header[0] = type;
  header[2] = (guint8) (name_len >> 8);
  header[3] = (guint8) name_len;
  header[4] = (guint8) etag_len;
  g_byte_array_append (out, header, 8);
  append_be64 (out, size);
  g_byte_array_append (out, (const guint8 *) name, name_len);
  if (etag_len > 0)
    g_byte_array_append (out, (const guint8 *) etag, etag_len);
  return TRUE;
}

/**
 * hallway_bulk_append_end:
 * @out: where the record goes
 * @records: how many records came before
 */
void
hallway_bulk_append_end (GByteArray *out,
                         guint64     records)
{
  guint8 header[8] = { HALLWAY_BULK_TYPE_END, 0 };

  g_byte_array_append (out, header, 8);
  append_be64 (out, records);
}

/* Decoding */

HallwayBulkDecoder *
hallway_bulk_decoder_new (void)
{
  HallwayBulkDecoder *self = g_new0 (HallwayBulkDecoder, 1);

  self->state = STATE_MAGIC;
  self->pending = g_byte_array_new ();
  self->wanted = HALLWAY_BULK_MAGIC_LEN;
  return self;
}

void
hallway_bulk_decoder_free (HallwayBulkDecoder *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->pending);
  g_free (self->name);
  g_free (self->previous);
  g_free (self->etag);
  g_free (self);
}

static HallwayBulkEvent
fail (HallwayBulkDecoder  *self,
      GError             **error,
      const char          *why)
{
  self->state = STATE_FAILED;
  g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
               /* Translators: %s says what is wrong with it. */
               _("The other computer sent a folder stream that can’t be used: %s"), why);
  return HALLWAY_BULK_EVENT_ERROR;
}

/* Takes bytes into self->pending until it holds self->wanted of them. */
static gboolean
gather (HallwayBulkDecoder *self,
        const guint8       *data,
        gsize               length,
        gsize              *consumed)
{
  gsize take = MIN (length, self->wanted - self->pending->len);

  g_byte_array_append (self->pending, data, take);
  *consumed += take;
  return self->pending->len == self->wanted;
}

static HallwayBulkEvent
parse_header (HallwayBulkDecoder  *self,
              GError             **error)
{
  const guint8 *h = self->pending->data;

  self->type = h[0];
  self->name_len = ((gsize) h[2] << 8) | h[3];
  self->etag_len = h[4];
  self->size = read_be64 (h + 8);
  if (h[1] != 0 || h[5] != 0 || h[6] != 0 || h[7] != 0)
    return fail (self, error, _("unknown flags"));
  g_byte_array_set_size (self->pending, 0);

  switch (self->type)
    {
    case HALLWAY_BULK_TYPE_END:
      if (self->name_len != 0 || self->etag_len != 0)
        return fail (self, error, _("a malformed end"));
      if (self->size != self->records)
        return fail (self, error, _("records are missing"));
      self->state = STATE_DONE;
      return HALLWAY_BULK_EVENT_END;

    case HALLWAY_BULK_TYPE_FOLDER:
      if (self->etag_len != 0 || self->size != 0)
        return fail (self, error, _("a malformed folder"));
      break;

    case HALLWAY_BULK_TYPE_FILE:
      if (self->size > G_MAXINT64)
        return fail (self, error, _("an impossible size"));
      break;

    default:
      return fail (self, error, _("an unknown record"));
    }

  if (self->name_len == 0 || self->name_len > HALLWAY_BULK_MAX_NAME)
    return fail (self, error, _("a name of impossible length"));
  self->state = STATE_NAME;
  self->wanted = self->name_len + self->etag_len;
  return HALLWAY_BULK_EVENT_NEED_MORE;
}

static HallwayBulkEvent
parse_name (HallwayBulkDecoder  *self,
            GError             **error)
{
  const char *bytes = (const char *) self->pending->data;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->etag, g_free);
  self->name = g_strndup (bytes, self->name_len);
  if (strlen (self->name) != self->name_len || !hallway_bulk_name_is_valid (self->name))
    return fail (self, error, _("a name that is not allowed"));
  if (!etag_is_valid (bytes + self->name_len, self->etag_len))
    return fail (self, error, _("a malformed version tag"));
  self->etag = g_strndup (bytes + self->name_len, self->etag_len);
  if (self->previous != NULL && hallway_bulk_name_compare (self->previous, self->name) >= 0)
    return fail (self, error, _("names out of order"));
  g_free (self->previous);
  self->previous = g_strdup (self->name);
  g_byte_array_set_size (self->pending, 0);
  self->records++;

  if (self->type == HALLWAY_BULK_TYPE_FOLDER)
    {
      self->state = STATE_HEADER;
      self->wanted = HALLWAY_BULK_HEADER_LEN;
      return HALLWAY_BULK_EVENT_FOLDER;
    }
  self->state = STATE_DATA;
  self->remaining = self->size;
  return HALLWAY_BULK_EVENT_FILE;
}

/* The loop of hallway_bulk_decoder_feed(): how many bytes it took goes to
 * @consumed, which stays right whichever way it returns. */
static HallwayBulkEvent
decode (HallwayBulkDecoder  *self,
        const guint8        *data,
        gsize                length,
        gsize               *consumed,
        GError             **error)
{
  HallwayBulkEvent event = HALLWAY_BULK_EVENT_NEED_MORE;

  while (event == HALLWAY_BULK_EVENT_NEED_MORE)
    {
      switch (self->state)
        {
        case STATE_MAGIC:
          if (!gather (self, data + *consumed, length - *consumed, consumed))
            return HALLWAY_BULK_EVENT_NEED_MORE;
          if (memcmp (self->pending->data, HALLWAY_BULK_MAGIC, HALLWAY_BULK_MAGIC_LEN) != 0)
            return fail (self, error, _("it does not start as one"));
          g_byte_array_set_size (self->pending, 0);
          self->state = STATE_HEADER;
          self->wanted = HALLWAY_BULK_HEADER_LEN;
          break;

        case STATE_HEADER:
          if (!gather (self, data + *consumed, length - *consumed, consumed))
            return HALLWAY_BULK_EVENT_NEED_MORE;
          event = parse_header (self, error);
          break;

        case STATE_NAME:
          if (!gather (self, data + *consumed, length - *consumed, consumed))
            return HALLWAY_BULK_EVENT_NEED_MORE;
          event = parse_name (self, error);
          break;

        case STATE_DATA:
          if (self->remaining == 0)
            {
              self->state = STATE_HEADER;
              self->wanted = HALLWAY_BULK_HEADER_LEN;
              return HALLWAY_BULK_EVENT_FILE_END;
            }
          if (length == 0)
            return HALLWAY_BULK_EVENT_NEED_MORE;
          /* Data is handed back in place, on its own: a file's header
           * always ends a call, so nothing was taken before it here. */
          g_assert (*consumed == 0);
          *consumed = (gsize) MIN ((guint64) length, self->remaining);
          self->remaining -= *consumed;
          return HALLWAY_BULK_EVENT_DATA;

        case STATE_DONE:
          if (length > *consumed)
            return fail (self, error, _("something follows its end"));
          return HALLWAY_BULK_EVENT_NEED_MORE;

        case STATE_FAILED:
        default:
          return fail (self, error, _("it was not valid earlier"));
        }
    }
  return event;
}

/**
 * hallway_bulk_decoder_feed:
 * @self: a #HallwayBulkDecoder
 * @data: (array length=length): the next bytes of the stream
 * @length: how many
 * @out_consumed: (out): how many of @data were taken
 * @error: return location for a #GError
 *
 * Takes bytes of the stream up to the next event and says what it was.
 * Call it again with the rest of @data (even when none is left: a file's
 * end and empty files need no bytes) until it asks for more. For
 * %HALLWAY_BULK_EVENT_DATA, the @out_consumed bytes at @data are the
 * current file's.
 *
 * Returns: the event
 */
HallwayBulkEvent
hallway_bulk_decoder_feed (HallwayBulkDecoder  *self,
                           const guint8        *data,
                           gsize                length,
                           gsize               *out_consumed,
                           GError             **error)
{
  g_return_val_if_fail (self != NULL, HALLWAY_BULK_EVENT_ERROR);
  g_return_val_if_fail (data != NULL || length == 0, HALLWAY_BULK_EVENT_ERROR);
  g_return_val_if_fail (out_consumed != NULL, HALLWAY_BULK_EVENT_ERROR);

  *out_consumed = 0;
  return decode (self, data, length, out_consumed, error);
}

/**
 * hallway_bulk_decoder_finish:
 * @self: a #HallwayBulkDecoder
 * @error: return location for a #GError
 *
 * Call it when the stream has ended.
 *
 * Returns: whether the stream was complete
 */
gboolean
hallway_bulk_decoder_finish (HallwayBulkDecoder  *self,
                             GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->state == STATE_DONE)
    return TRUE;
  if (self->state != STATE_FAILED)
    self->state = STATE_FAILED;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                       _("the connection ended before the whole folder arrived"));
  return FALSE;
}

const char *
hallway_bulk_decoder_get_name (HallwayBulkDecoder *self)
{
  return self->name;
}

const char *
hallway_bulk_decoder_get_etag (HallwayBulkDecoder *self)
{
  return self->etag != NULL && *self->etag != '\0' ? self->etag : NULL;
}

guint64
hallway_bulk_decoder_get_size (HallwayBulkDecoder *self)
{
  return self->size;
}
