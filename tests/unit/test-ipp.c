/* test-ipp.c: what the printer gateway changes in IPP requests and answers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hallway-ipp.h"

#define PRINTER_URI "ipp://office-a.local:53536/ipp/print/office"
#define WEB_URI     "http://office-a.local:53536/"

static const HallwayIppView view = { "office", PRINTER_URI, WEB_URI };

static ipp_t *
new_request (ipp_op_t op)
{
  ipp_t *request = ippNewRequest (op);

  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL,
                "ipp://office-a.local:53536/ipp/print/office");
  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, "root");
  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-originating-user-name", NULL,
                "root");
  return request;
}

static const char *
get_string (ipp_t      *ipp,
            const char *name)
{
  ipp_attribute_t *attr = ippFindAttribute (ipp, name, IPP_TAG_ZERO);

  return attr != NULL ? ippGetString (attr, 0, NULL) : NULL;
}

static int
count_named (ipp_t      *ipp,
             const char *name)
{
  int count = 0;

  for (ipp_attribute_t *attr = ippFirstAttribute (ipp); attr != NULL; attr = ippNextAttribute (ipp))
    if (g_strcmp0 (ippGetName (attr), name) == 0)
      count++;
  return count;
}

static void
test_whitelist (void)
{
  const ipp_op_t allowed[] = {
    IPP_OP_PRINT_JOB, IPP_OP_VALIDATE_JOB, IPP_OP_CREATE_JOB, IPP_OP_GET_JOBS,
    IPP_OP_GET_PRINTER_ATTRIBUTES,
  };
  const ipp_op_t refused[] = {
    IPP_OP_CUPS_GET_DOCUMENT, IPP_OP_CUPS_ADD_MODIFY_PRINTER, IPP_OP_PAUSE_PRINTER,
    IPP_OP_PURGE_JOBS, IPP_OP_CUPS_DELETE_PRINTER, IPP_OP_HOLD_JOB, IPP_OP_SET_JOB_ATTRIBUTES,
    IPP_OP_CUPS_MOVE_JOB, IPP_OP_PRINT_URI, IPP_OP_CUPS_CREATE_LOCAL_PRINTER,
  };

  g_test_summary ("Only the operations a colleague needs to print pass");

  for (gsize i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autoptr(ipp_t) request = new_request (allowed[i]);
      HallwayIppRequestInfo info;
      ipp_status_t status;
      const char *message;
      g_autoptr(ipp_t) forward = hallway_ipp_rewrite_request (request, "office", "Bruno", &info,
                                                              &status, &message);

      g_assert_nonnull (forward);
      g_assert_cmpint (status, ==, IPP_STATUS_OK);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(ipp_t) request = new_request (refused[i]);
      HallwayIppRequestInfo info;
      ipp_status_t status;
      const char *message;
      g_autoptr(ipp_t) forward = hallway_ipp_rewrite_request (request, "office", "Bruno", &info,
                                                              &status, &message);

      g_assert_null (forward);
      g_assert_cmpint (status, ==, IPP_STATUS_ERROR_FORBIDDEN);
      g_assert_nonnull (message);
    }

  {
    g_autoptr(ipp_t) request = new_request ((ipp_op_t) 0x7777);
    HallwayIppRequestInfo info;
    ipp_status_t status;
    const char *message;
    g_autoptr(ipp_t) forward = hallway_ipp_rewrite_request (request, "office", "Bruno", &info,
                                                            &status, &message);

    g_assert_null (forward);
    g_assert_cmpint (status, ==, IPP_STATUS_ERROR_OPERATION_NOT_SUPPORTED);
  }
}

static void
test_identity (void)
{
  g_autoptr(ipp_t) request = new_request (IPP_OP_PRINT_JOB);
  g_autoptr(ipp_t) forward = NULL;
  HallwayIppRequestInfo info;
  ipp_status_t status;
  const char *message;
  ipp_attribute_t *attr;

  g_test_summary ("The caller's claims about itself are replaced by the gateway's");

  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, "report");
  ippAddString (request, IPP_TAG_JOB, IPP_TAG_NAME, "job-originating-host-name", NULL, "evil");
  ippAddString (request, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL, "two-sided-long-edge");
  ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_URI, "requesting-user-uri", NULL,
                "mailto:root@localhost");

  forward = hallway_ipp_rewrite_request (request, "office", "Bruno Costa", &info, &status,
                                         &message);
  g_assert_nonnull (forward);
  g_assert_true (info.has_document);
  g_assert_true (info.creates_job);
  g_assert_false (info.job_operation);

  /* Charset and language stay first, as cupsd requires. */
  attr = ippFirstAttribute (forward);
  g_assert_cmpstr (ippGetName (attr), ==, "attributes-charset");
  attr = ippNextAttribute (forward);
  g_assert_cmpstr (ippGetName (attr), ==, "attributes-natural-language");

  g_assert_cmpstr (get_string (forward, "printer-uri"), ==, "ipp://localhost/printers/office");
  g_assert_cmpint (count_named (forward, "requesting-user-name"), ==, 1);
  g_assert_cmpstr (get_string (forward, "requesting-user-name"), ==, "Bruno Costa");
  g_assert_cmpint (count_named (forward, "job-originating-user-name"), ==, 0);
  g_assert_cmpint (count_named (forward, "job-originating-host-name"), ==, 0);
  g_assert_cmpint (count_named (forward, "requesting-user-uri"), ==, 0);
  g_assert_cmpstr (get_string (forward, "job-name"), ==, "report");
  g_assert_cmpstr (get_string (forward, "sides"), ==, "two-sided-long-edge");

  /* The operation group comes first, whole, before the job group. */
  for (attr = ippFirstAttribute (forward); attr != NULL; attr = ippNextAttribute (forward))
    if (ippGetGroupTag (attr) == IPP_TAG_JOB)
      break;
  for (; attr != NULL; attr = ippNextAttribute (forward))
    g_assert_cmpint (ippGetGroupTag (attr), !=, IPP_TAG_OPERATION);
}

static void
test_job_ids (void)
{
  HallwayIppRequestInfo info;
  ipp_status_t status;
  const char *message;

  g_test_summary ("A job is named by printer-uri and job-id; cupsd never picks one");

  {
    g_autoptr(ipp_t) request = ippNewRequest (IPP_OP_CANCEL_JOB);
    g_autoptr(ipp_t) forward = NULL;

    ippAddString (request, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", NULL,
                  PRINTER_URI "/jobs/42");
    forward = hallway_ipp_rewrite_request (request, "office", "Bruno", &info, &status, &message);
    g_assert_nonnull (forward);
    g_assert_true (info.job_operation);
    g_assert_cmpint (info.job_id, ==, 42);
    g_assert_cmpint (count_named (forward, "job-uri"), ==, 0);
    g_assert_cmpint (ippGetInteger (ippFindAttribute (forward, "job-id", IPP_TAG_INTEGER), 0),
                     ==, 42);
    g_assert_cmpstr (get_string (forward, "printer-uri"), ==, "ipp://localhost/printers/office");
  }

  {
    /* Without a job id cupsd would cancel the printer's current job. */
    g_autoptr(ipp_t) request = new_request (IPP_OP_CANCEL_JOB);
    g_autoptr(ipp_t) forward = hallway_ipp_rewrite_request (request, "office", "Bruno", &info,
                                                            &status, &message);

    g_assert_null (forward);
    g_assert_cmpint (status, ==, IPP_STATUS_ERROR_BAD_REQUEST);
  }

  {
    g_autoptr(ipp_t) request = new_request (IPP_OP_SEND_DOCUMENT);
    g_autoptr(ipp_t) forward = NULL;

    ippAddInteger (request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", -3);
    forward = hallway_ipp_rewrite_request (request, "office", "Bruno", &info, &status, &message);
    g_assert_null (forward);
    g_assert_cmpint (status, ==, IPP_STATUS_ERROR_BAD_REQUEST);
  }

  {
    g_autoptr(ipp_t) request = ippNewRequest (IPP_OP_PRINT_JOB);
    g_autoptr(ipp_t) forward = NULL;

    /* Attributes in a job group only: no operation group at all. */
    ippDeleteAttribute (request, ippFindAttribute (request, "attributes-charset", IPP_TAG_ZERO));
    ippDeleteAttribute (request, ippFindAttribute (request, "attributes-natural-language",
                                                   IPP_TAG_ZERO));
    ippAddString (request, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL, "one-sided");
    forward = hallway_ipp_rewrite_request (request, "office", "Bruno", &info, &status, &message);
    g_assert_null (forward);
    g_assert_cmpint (status, ==, IPP_STATUS_ERROR_BAD_REQUEST);
  }
}

static gboolean
owns_odd_jobs (int      job_id,
               gpointer user_data)
{
  return job_id % 2 == 1;
}

static void
add_job (ipp_t *response,
         int    id)
{
  g_autofree char *uri = g_strdup_printf ("ipp://localhost:631/jobs/%d", id);

  if (ippFindAttribute (response, "job-id", IPP_TAG_INTEGER) != NULL)
    ippAddSeparator (response);
  ippAddInteger (response, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", id);
  ippAddString (response, IPP_TAG_JOB, IPP_TAG_URI, "job-uri", NULL, uri);
  ippAddString (response, IPP_TAG_JOB, IPP_TAG_URI, "job-printer-uri", NULL,
                "ipp://localhost/printers/office");
}

static void
test_response (void)
{
  g_autoptr(ipp_t) request = new_request (IPP_OP_GET_JOBS);
  g_autoptr(ipp_t) response = ippNewResponse (request);
  g_autoptr(ipp_t) out = NULL;
  ipp_attribute_t *attr;
  g_autoptr(GString) ids = g_string_new (NULL);

  g_test_summary ("Answers speak of the gateway, and only of the caller's jobs");

  ippAddString (response, IPP_TAG_PRINTER, IPP_TAG_URI, "device-uri", NULL, "file:///secret");
  add_job (response, 1);
  add_job (response, 2);
  add_job (response, 3);
  add_job (response, 4);

  out = hallway_ipp_rewrite_response (response, &view, owns_odd_jobs, NULL);
  g_assert_cmpint (count_named (out, "device-uri"), ==, 0);
  for (attr = ippFirstAttribute (out); attr != NULL; attr = ippNextAttribute (out))
    {
      const char *name = ippGetName (attr);

      if (g_strcmp0 (name, "job-id") == 0)
        g_string_append_printf (ids, "%d,", ippGetInteger (attr, 0));
      if (g_strcmp0 (name, "job-uri") == 0)
        g_assert_true (g_str_has_prefix (ippGetString (attr, 0, NULL), PRINTER_URI "/jobs/"));
      if (g_strcmp0 (name, "job-printer-uri") == 0)
        g_assert_cmpstr (ippGetString (attr, 0, NULL), ==, PRINTER_URI);
    }
  g_assert_cmpstr (ids->str, ==, "1,3,");
  /* Two job groups, kept apart. */
  g_assert_cmpint (count_named (out, NULL), ==, 1);
}

static void
test_printer_attributes (void)
{
  g_autoptr(ipp_t) request = new_request (IPP_OP_GET_PRINTER_ATTRIBUTES);
  g_autoptr(ipp_t) response = ippNewResponse (request);
  g_autoptr(ipp_t) out = NULL;
  const char * const uris[] = {
    "ipp://localhost/printers/office", "ipps://localhost/printers/office"
  };
  const char * const security[] = { "none", "tls" };
  ipp_attribute_t *attr;

  g_test_summary ("The printer is described as reached through the gateway, without auth");

  ippAddStrings (response, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uri-supported", 2, NULL, uris);
  ippAddStrings (response, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "uri-security-supported", 2, NULL,
                 security);
  ippAddString (response, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "uri-authentication-supported",
                NULL, "basic");
  ippAddString (response, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-more-info", NULL,
                "http://localhost:631/printers/office");
  ippAddString (response, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-icons", NULL,
                "https://example.com/icon.png");
  ippAddString (response, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-supply-info-uri", NULL,
                "http://127.0.0.1:631/admin");

  out = hallway_ipp_rewrite_response (response, &view, NULL, NULL);
  attr = ippFindAttribute (out, "printer-uri-supported", IPP_TAG_URI);
  g_assert_cmpint (ippGetCount (attr), ==, 1);
  g_assert_cmpstr (ippGetString (attr, 0, NULL), ==, PRINTER_URI);
  g_assert_cmpstr (get_string (out, "uri-security-supported"), ==, "none");
  g_assert_cmpstr (get_string (out, "uri-authentication-supported"), ==, "none");
  g_assert_cmpint (count_named (out, "uri-authentication-supported"), ==, 1);
  g_assert_cmpstr (get_string (out, "printer-more-info"), ==, WEB_URI);
  g_assert_cmpstr (get_string (out, "printer-icons"), ==, "https://example.com/icon.png");
  g_assert_cmpstr (get_string (out, "printer-supply-info-uri"), ==, WEB_URI);

  /* cupsd's own icon (on loopback) becomes the gateway's PNG. */
  g_clear_pointer (&out, ippDelete);
  attr = ippFindAttribute (response, "printer-icons", IPP_TAG_URI);
  ippSetString (response, &attr, 0, "https://localhost:631/icons/office.png");
  out = hallway_ipp_rewrite_response (response, &view, NULL, NULL);
  g_assert_cmpstr (get_string (out, "printer-icons"), ==,
                   "http://office-a.local:53536/ipp/print/office/" HALLWAY_IPP_ICON_NAME);
}

static void
test_request_target (void)
{
  HallwayIppRequestInfo info;
  ipp_status_t status;
  const char *message;
  g_autoptr(ipp_t) request = ippNewRequest (IPP_OP_GET_PRINTER_ATTRIBUTES);
  g_autoptr(ipp_t) forward = NULL;
  g_autoptr(ipp_t) jobs = new_request (IPP_OP_GET_JOBS);

  g_test_summary ("A request without printer-uri is a bad request (RFC 8011 §4.1.5); "
                  "Get-Jobs keeps the client's user name and my-jobs for the filter");

  /* ippNewRequest adds only the charset and language. */
  forward = hallway_ipp_rewrite_request (request, "office", "Bruno", &info, &status, &message);
  g_assert_null (forward);
  g_assert_cmpint (status, ==, IPP_STATUS_ERROR_BAD_REQUEST);
  g_assert_cmpstr (message, ==, "The request has no printer-uri");

  ippAddBoolean (jobs, IPP_TAG_OPERATION, "my-jobs", 1);
  forward = hallway_ipp_rewrite_request (jobs, "office", "Bruno", &info, &status, &message);
  g_assert_nonnull (forward);
  g_assert_true (info.my_jobs);
  g_assert_cmpstr (info.client_user, ==, "root");
  /* cupsd is still told the colleague's name, not the client's. */
  g_assert_cmpstr (get_string (forward, "requesting-user-name"), ==, "Bruno");
}

static void
test_txt (void)
{
  g_autoptr(ipp_t) printer = ippNew ();
  g_autoptr(GString) long_location = g_string_new (NULL);
  const char * const formats[] = { "application/octet-stream", "application/pdf",
                                   "image/jpeg", "image/urf", "text/plain" };
  const char * const urf[] = { "V1.4", "CP1", "W8" };
  const char * const sides[] = { "one-sided", "two-sided-long-edge" };
  g_auto(GStrv) txt = NULL;
  g_autofree char *joined = NULL;
  gboolean universal = FALSE;

  g_test_summary ("The TXT record comes from the queue, per the Bonjour Printing spec");

  for (int i = 0; i < 100; i++)
    g_string_append (long_location, "étage ");
  ippAddString (printer, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-make-and-model", NULL,
                "Generic PDF Printer");
  ippAddString (printer, IPP_TAG_PRINTER, IPP_TAG_TEXT, "printer-location", NULL,
                long_location->str);
  ippAddString (printer, IPP_TAG_PRINTER, IPP_TAG_URI, "printer-uuid", NULL,
                "urn:uuid:0b1c5a6e-1111-4222-8333-444455556666");
  ippAddStrings (printer, IPP_TAG_PRINTER, IPP_TAG_MIMETYPE, "document-format-supported",
                 G_N_ELEMENTS (formats), NULL, formats);
  ippAddStrings (printer, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "urf-supported", G_N_ELEMENTS (urf),
                 NULL, urf);
  ippAddStrings (printer, IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "sides-supported",
                 G_N_ELEMENTS (sides), NULL, sides);
  ippAddBoolean (printer, IPP_TAG_PRINTER, "color-supported", 1);
  ippAddInteger (printer, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-state", IPP_PSTATE_IDLE);
  ippAddInteger (printer, IPP_TAG_PRINTER, IPP_TAG_ENUM, "printer-type", 0x801046);

  txt = hallway_ipp_build_txt (printer, "ipp/print/office", WEB_URI, &universal);
  joined = g_strjoinv ("|", txt);
  g_test_message ("TXT: %s", joined);

  g_assert_cmpstr (txt[0], ==, "txtvers=1");
  g_assert_true (g_strv_contains ((const char * const *) txt, "rp=ipp/print/office"));
  g_assert_true (g_strv_contains ((const char * const *) txt, "ty=Generic PDF Printer"));
  g_assert_true (g_strv_contains ((const char * const *) txt, "product=(Generic PDF Printer)"));
  g_assert_true (g_strv_contains ((const char * const *) txt,
                                 "pdl=application/pdf,image/urf,image/jpeg"));
  g_assert_true (g_strv_contains ((const char * const *) txt, "URF=V1.4,CP1,W8"));
  g_assert_true (g_strv_contains ((const char * const *) txt,
                                 "UUID=0b1c5a6e-1111-4222-8333-444455556666"));
  g_assert_true (g_strv_contains ((const char * const *) txt, "Color=T"));
  g_assert_true (g_strv_contains ((const char * const *) txt, "Duplex=T"));
  g_assert_true (g_strv_contains ((const char * const *) txt, "adminurl=" WEB_URI));
  g_assert_true (g_strv_contains ((const char * const *) txt, "printer-state=3"));
  g_assert_true (universal);
  g_assert_null (strstr (joined, "printer-type"));
  g_assert_null (strstr (joined, "TLS="));
  for (guint i = 0; txt[i] != NULL; i++)
    {
      g_assert_cmpuint (strlen (txt[i]), <=, 255);
      g_assert_true (g_utf8_validate (txt[i], -1, NULL));
    }

  /* Without URF there is no _universal. */
  ippDeleteAttribute (printer, ippFindAttribute (printer, "urf-supported", IPP_TAG_ZERO));
  g_strfreev (txt);
  txt = hallway_ipp_build_txt (printer, "ipp/print/office", WEB_URI, &universal);
  g_assert_false (universal);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/ipp/whitelist", test_whitelist);
  g_test_add_func ("/share/ipp/identity", test_identity);
  g_test_add_func ("/share/ipp/job-ids", test_job_ids);
  g_test_add_func ("/share/ipp/response-jobs", test_response);
  g_test_add_func ("/share/ipp/printer-attributes", test_printer_attributes);
  g_test_add_func ("/share/ipp/txt", test_txt);
  g_test_add_func ("/share/ipp/request-target", test_request_target);

  return g_test_run ();
}
