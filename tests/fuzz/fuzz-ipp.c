/* fuzz-ipp.c: libFuzzer target for the printer gateway's IPP rewriting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is an IPP message as a colleague could send it (or as cupsd
 * could answer). Whatever it holds, the request forwarded to cupsd names
 * only the gateway's user and queue, and no answer sent back mentions a
 * localhost URI, a device URI or a job the caller does not own.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "hallway-ipp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

typedef struct
{
  const uint8_t *data;
  size_t         size;
  size_t         offset;
} Reader;

static ssize_t
read_cb (void        *user_data,
         ipp_uchar_t *buffer,
         size_t       length)
{
  Reader *reader = user_data;
  size_t n = MIN (length, reader->size - reader->offset);

  memcpy (buffer, reader->data + reader->offset, n);
  reader->offset += n;
  return n;
}

static gboolean
owns_odd_cb (int      job_id,
             gpointer user_data)
{
  return job_id % 2 == 1;
}

static void
check_request (ipp_t *request)
{
  g_autoptr(ipp_t) forward = NULL;
  HallwayIppRequestInfo info;
  ipp_status_t status;
  const char *message;
  int users = 0;

  forward = hallway_ipp_rewrite_request (request, "office", "guest-10.0.0.7", &info, &status,
                                         &message);
  if (forward == NULL)
    {
      g_assert (status != IPP_STATUS_OK && message != NULL);
      return;
    }
  g_assert (hallway_ipp_operation_is_allowed (info.operation));
  g_assert (!info.job_operation || info.job_id > 0);

  for (ipp_attribute_t *attr = ippFirstAttribute (forward); attr != NULL;
       attr = ippNextAttribute (forward))
    {
      const char *name = ippGetName (attr);

      if (name == NULL)
        continue;
      g_assert (!g_str_has_prefix (name, "job-originating-"));
      if (g_str_equal (name, "requesting-user-name"))
        {
          users++;
          g_assert_cmpstr (ippGetString (attr, 0, NULL), ==, "guest-10.0.0.7");
        }
      if (g_str_equal (name, "printer-uri"))
        g_assert_cmpstr (ippGetString (attr, 0, NULL), ==, "ipp://localhost/printers/office");
    }
  g_assert_cmpint (users, ==, 1);
}

static void
check_response (ipp_t *response)
{
  const HallwayIppView view = {
    "office",
    "ipp://office-a.local:53536/ipp/print/office",
    "http://office-a.local:53536/",
  };
  g_autoptr(ipp_t) out = hallway_ipp_rewrite_response (response, &view, owns_odd_cb, NULL);
  g_auto(GStrv) txt = NULL;

  for (ipp_attribute_t *attr = ippFirstAttribute (out); attr != NULL;
       attr = ippNextAttribute (out))
    {
      const char *name = ippGetName (attr);

      if (name == NULL)
        continue;
      g_assert (!g_str_equal (name, "device-uri"));
      if (g_str_equal (name, "job-id") && ippGetGroupTag (attr) == IPP_TAG_JOB &&
          ippGetValueTag (attr) == IPP_TAG_INTEGER)
        g_assert (ippGetInteger (attr, 0) % 2 == 1);
      if (ippGetValueTag (attr) == IPP_TAG_URI)
        for (int i = 0; i < ippGetCount (attr); i++)
          {
            const char *uri = ippGetString (attr, i, NULL);

            g_assert (uri == NULL || !g_str_has_prefix (uri, "ipp://localhost/"));
          }
    }

  txt = hallway_ipp_build_txt (response, "ipp/print/office", view.web_uri, NULL);
  for (guint i = 0; txt[i] != NULL; i++)
    {
      g_assert (strlen (txt[i]) <= HALLWAY_IPP_TXT_MAX);
      g_assert (g_utf8_validate (txt[i], -1, NULL));
      g_assert (!g_str_has_prefix (txt[i], "printer-type="));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Reader reader = { data, size, 0 };
  g_autoptr(ipp_t) message = ippNew ();
  ipp_state_t state;

  if (size > HALLWAY_IPP_MAX_ATTRIBUTE_BYTES)
    return 0;
  while ((state = ippReadIO (&reader, read_cb, 1, NULL, message)) != IPP_STATE_DATA)
    if (state == IPP_STATE_ERROR)
      return 0;

  check_request (message);
  check_response (message);
  return 0;
}
