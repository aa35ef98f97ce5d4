/* test-multipart.c: the streaming multipart/form-data parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "hallway-error.h"
#include "hallway-multipart.h"

#define BOUNDARY "----WebKitFormBoundaryx7Qp2"

/* What the callbacks saw, as text: "[field|filename]body;" per part. */
typedef struct
{
  GString *seen;
  gboolean in_part;
  gboolean refuse_begin;
} Seen;

static gboolean
seen_begin (const char *field,
            const char *filename,
            gpointer    user_data,
            GError    **error)
{
  Seen *seen = user_data;

  g_assert_false (seen->in_part);
  if (seen->refuse_begin)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED, "refused");
      return FALSE;
    }
  seen->in_part = TRUE;
  g_string_append_printf (seen->seen, "[%s|%s]", field, filename ? filename : "(none)");
  return TRUE;
}

static gboolean
seen_data (const guint8 *data,
           gsize         length,
           gpointer      user_data,
           GError      **error)
{
  Seen *seen = user_data;

  g_assert_true (seen->in_part);
  g_assert_cmpuint (length, >, 0);
  g_string_append_len (seen->seen, (const char *) data, length);
  return TRUE;
}

static gboolean
seen_end (gpointer user_data,
          GError **error)
{
  Seen *seen = user_data;

  g_assert_true (seen->in_part);
  seen->in_part = FALSE;
  g_string_append_c (seen->seen, ';');
  return TRUE;
}

static const HallwayMultipartCallbacks callbacks = { seen_begin, seen_data, seen_end };

/* Feeds @body @step bytes at a time; returns what was seen, or NULL with
 * @error set. */
static char *
parse (const char *body,
       gsize       length,
       gsize       step,
       GError    **error)
{
  Seen seen = { g_string_new (NULL), FALSE, FALSE };
  g_autoptr(HallwayMultipart) parser = hallway_multipart_new (BOUNDARY, &callbacks, &seen);

  for (gsize pos = 0; pos < length; pos += step)
    if (!hallway_multipart_feed (parser, (const guint8 *) body + pos, MIN (step, length - pos),
                                 error))
      {
        g_string_free (seen.seen, TRUE);
        return NULL;
      }
  if (!hallway_multipart_finish (parser, error))
    {
      g_string_free (seen.seen, TRUE);
      return NULL;
    }
  return g_string_free (seen.seen, FALSE);
}

/* A body as Chromium sends it: a file, a folder's file, an empty file
 * input, a plain field; one body holds a line that nearly is a delimiter. */
static const char browser_body[] =
  "--" BOUNDARY "\r\n"
  "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
  "Content-Type: text/plain\r\n"
  "\r\n"
  "hello\r\n--" "----WebKitFormBoundaryx7Q is not the end\r\n--" "----WebKit\r\n"
  "\r\n--" BOUNDARY "\r\n"
  "Content-Disposition: form-data; name=\"folder\"; filename=\"Trip/day 1/b.bin\"\r\n"
  "Content-Type: application/octet-stream\r\n"
  "\r\n"
  "\r\n\r\n--\r\n"
  "\r\n--" BOUNDARY "\r\n"
  "Content-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
  "Content-Type: application/octet-stream\r\n"
  "\r\n"
  "\r\n--" BOUNDARY "\r\n"
  "content-disposition: form-data; name=note\r\n"
  "\r\n"
  "hi"
  "\r\n--" BOUNDARY "--\r\n"
  "epilogue, ignored\r\n--" BOUNDARY "\r\n";

static void
test_browser_body (void)
{
  const char *expected =
    "[file|a.txt]hello\r\n--" "----WebKitFormBoundaryx7Q is not the end\r\n--" "----WebKit\r\n;"
    "[folder|Trip/day 1/b.bin]\r\n\r\n--\r\n;"
    "[file|];"
    "[note|(none)]hi;";

  /* Every cut of the body into pieces gives the same parts. */
  for (gsize step = 1; step <= sizeof browser_body; step++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *seen = parse (browser_body, sizeof browser_body - 1, step, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (seen, ==, expected);
    }
}

static void
test_filename_escapes (void)
{
  const char body[] =
    "preamble\r\n--" BOUNDARY "\r\n"
    "Content-Disposition: form-data; name=\"f\"; filename=\"say %22hi%22%0D%0A\\\"x\\\\.txt\"\r\n"
    "\r\n"
    "x\r\n--" BOUNDARY "--";
  g_autoptr(GError) error = NULL;
  g_autofree char *seen = parse (body, sizeof body - 1, 5, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (seen, ==, "[f|say \"hi\"\r\n\"x\\.txt]x;");
}

static void
test_cut_off (void)
{
  const char body[] =
    "--" BOUNDARY "\r\n"
    "Content-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n"
    "\r\n"
    "half of it";
  g_autoptr(GError) error = NULL;
  g_autofree char *seen = parse (body, sizeof body - 1, 3, &error);

  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
  g_assert_null (seen);
}

static void
test_malformed (void)
{
  const char *bodies[] = {
    /* No Content-Disposition */
    "--" BOUNDARY "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" BOUNDARY "--",
    /* Not form-data */
    "--" BOUNDARY "\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--" BOUNDARY "--",
    /* No field name */
    "--" BOUNDARY "\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n--"
    BOUNDARY "--",
    /* Two dispositions */
    "--" BOUNDARY "\r\nContent-Disposition: form-data; name=a\r\n"
    "Content-Disposition: form-data; name=b\r\n\r\nx\r\n--" BOUNDARY "--",
    /* Garbage after a delimiter */
    "--" BOUNDARY "zz\r\n\r\n",
    /* No headers at all */
    "--" BOUNDARY "\r\n\r\nx\r\n--" BOUNDARY "--",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *seen = parse (bodies[i], strlen (bodies[i]), 4, &error);

      g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
      g_assert_null (seen);
    }
}

static void
test_limits (void)
{
  g_autoptr(GString) body = g_string_new ("--" BOUNDARY "\r\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *seen = NULL;

  /* Headers without end are refused once past the bound, not kept. */
  g_string_append (body, "Content-Disposition: form-data; name=\"a\"\r\nX-Pad: ");
  for (guint i = 0; i < HALLWAY_MULTIPART_MAX_HEADERS; i++)
    g_string_append_c (body, 'x');
  seen = parse (body->str, body->len, 1000, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
  g_assert_null (seen);
  g_clear_error (&error);

  /* Parts beyond the bound are refused. */
  g_string_assign (body, "");
  for (guint i = 0; i <= HALLWAY_MULTIPART_MAX_PARTS; i++)
    g_string_append (body, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n");
  g_string_append (body, "--" BOUNDARY "--");
  seen = parse (body->str, body->len, 65536, &error);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "too many"));
  g_assert_null (seen);
}

static void
test_callback_refuses (void)
{
  Seen seen = { g_string_new (NULL), FALSE, TRUE };
  g_autoptr(HallwayMultipart) parser = hallway_multipart_new (BOUNDARY, &callbacks, &seen);
  g_autoptr(GError) error = NULL;

  g_assert_false (hallway_multipart_feed (parser, (const guint8 *) browser_body,
                                          sizeof browser_body - 1, &error));
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_FAILED);
  g_clear_error (&error);
  /* Nothing more is read once a body was refused. */
  g_assert_false (hallway_multipart_feed (parser, (const guint8 *) "x", 1, &error));
  g_assert_nonnull (error);
  g_string_free (seen.seen, TRUE);
}

static void
test_boundary (void)
{
  g_assert_true (hallway_multipart_boundary_is_valid (BOUNDARY));
  g_assert_true (hallway_multipart_boundary_is_valid ("a'()+_,-./:=? b"));
  g_assert_false (hallway_multipart_boundary_is_valid (NULL));
  g_assert_false (hallway_multipart_boundary_is_valid (""));
  g_assert_false (hallway_multipart_boundary_is_valid ("ends in a space "));
  g_assert_false (hallway_multipart_boundary_is_valid ("new\r\nline"));
  g_assert_false (hallway_multipart_boundary_is_valid ("0123456789012345678901234567890123456789"
                                                       "0123456789012345678901234567890"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/multipart/browser-body", test_browser_body);
  g_test_add_func ("/multipart/filename-escapes", test_filename_escapes);
  g_test_add_func ("/multipart/cut-off", test_cut_off);
  g_test_add_func ("/multipart/malformed", test_malformed);
  g_test_add_func ("/multipart/limits", test_limits);
  g_test_add_func ("/multipart/callback-refuses", test_callback_refuses);
  g_test_add_func ("/multipart/boundary", test_boundary);

  return g_test_run ();
}
