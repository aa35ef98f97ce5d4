/* hallway-ipp.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The printer gateway forwards colleagues' IPP requests to the local cupsd.
 * Every connection from the gateway is a loopback one, so cupsd trusts
 * whatever user name it is told and builds every URI from "localhost".
 * These functions make that safe: an operation whitelist, user names
 * replaced by the peer's identity, job ownership enforced by the caller
 * through the job ids they return, and responses that speak of the printer
 * as the colleague sees it. See notes/printers.md §9 and §10.
 */
#include "config.h"

#include "hallway-ipp.h"

#include <string.h>
#include <cups/http.h>

static const ipp_op_t allowed_operations[] = {
  IPP_OP_PRINT_JOB,
  IPP_OP_VALIDATE_JOB,
  IPP_OP_CREATE_JOB,
  IPP_OP_SEND_DOCUMENT,
  IPP_OP_CANCEL_JOB,
  IPP_OP_GET_JOB_ATTRIBUTES,
  IPP_OP_GET_JOBS,
  IPP_OP_GET_PRINTER_ATTRIBUTES,
  IPP_OP_CLOSE_JOB,
};

/* What a colleague's computer can print, among what the queue accepts,
 * in the order clients prefer them. */
static const char * const txt_formats[] = {
  "application/pdf",
  "image/urf",
  "image/pwg-raster",
  "image/jpeg",
  "image/png",
  "application/postscript",
};

/**
 * hallway_ipp_operation_is_allowed:
 * @operation: an IPP operation
 *
 * Returns: whether colleagues may ask the gateway for @operation
 */
gboolean
hallway_ipp_operation_is_allowed (ipp_op_t operation)
{
  for (gsize i = 0; i < G_N_ELEMENTS (allowed_operations); i++)
    if (allowed_operations[i] == operation)
      return TRUE;
  return FALSE;
}

/* Attributes by which a client names itself: cupsd believes them, so only
 * the gateway may set them. */
static gboolean
is_identity_attribute (const char *name)
{
  return g_str_has_prefix (name, "requesting-user-") ||
         g_str_has_prefix (name, "job-originating-");
}

static int
job_id_from_uri (const char *uri)
{
  const char *slash;
  guint64 value;

  if (uri == NULL || (slash = strrchr (uri, '/')) == NULL || slash - uri < 5 ||
      strncmp (slash - 5, "/jobs", 5) != 0)
    return 0;
  if (!g_ascii_string_to_unsigned (slash + 1, 10, 1, G_MAXINT, &value, NULL))
    return 0;
  return (int) value;
}

static gboolean
fail_request (ipp_status_t  status,
              const char   *message,
              ipp_status_t *out_status,
              const char  **out_message)
{
  *out_status = status;
  *out_message = message;
  return FALSE;
}

/**
 * hallway_ipp_rewrite_request:
 * @request: a colleague's request, attributes only
 * @queue: the local queue it is for
 * @user_name: the name the colleague is known by
 * @out_info: (out): what the request asks for
 * @out_status: (out): why it is refused, when it is
 * @out_message: (out): the same in words, for status-message
 *
 * Builds the request the gateway forwards to cupsd: printer-uri points at
 * @queue on localhost, requesting-user-name is @user_name, and whatever the
 * client said about its own identity is gone. A job named by job-uri is
 * named by printer-uri and job-id instead.
 *
 * Returns: (transfer full) (nullable): the request to forward, or %NULL when
 *   it must be refused with @out_status
 */
ipp_t *
hallway_ipp_rewrite_request (ipp_t                  *request,
                             const char             *queue,
                             const char             *user_name,
                             HallwayIppRequestInfo  *out_info,
                             ipp_status_t           *out_status,
                             const char            **out_message)
{
  g_autofree char *printer_uri = NULL;
  ipp_t *forward;
  ipp_attribute_t *attr;
  gboolean pending_separator = FALSE;
  gboolean has_target = FALSE;
  int major, minor;
  ipp_op_t op;

  g_return_val_if_fail (request != NULL && queue != NULL && user_name != NULL, NULL);

  memset (out_info, 0, sizeof *out_info);
  *out_status = IPP_STATUS_OK;
  *out_message = NULL;

  op = ippGetOperation (request);
  out_info->operation = op;
  major = ippGetVersion (request, &minor);
  if (major < 1 || major > 2)
    {
      fail_request (IPP_STATUS_ERROR_VERSION_NOT_SUPPORTED, "This IPP version is not supported",
                    out_status, out_message);
      return NULL;
    }
  if (!hallway_ipp_operation_is_allowed (op))
    {
      /* A known operation is refused; an unknown one is simply not there. */
      if (g_str_has_prefix (ippOpString (op), "0x"))
        fail_request (IPP_STATUS_ERROR_OPERATION_NOT_SUPPORTED,
                      "This operation is not supported", out_status, out_message);
      else
        fail_request (IPP_STATUS_ERROR_FORBIDDEN,
                      "This operation is not allowed on a shared printer", out_status,
                      out_message);
      return NULL;
    }

  out_info->job_operation = op == IPP_OP_SEND_DOCUMENT || op == IPP_OP_CLOSE_JOB ||
                            op == IPP_OP_CANCEL_JOB || op == IPP_OP_GET_JOB_ATTRIBUTES;
  out_info->has_document = op == IPP_OP_PRINT_JOB || op == IPP_OP_SEND_DOCUMENT;
  out_info->creates_job = op == IPP_OP_PRINT_JOB || op == IPP_OP_CREATE_JOB;

  attr = ippFirstAttribute (request);
  if (attr == NULL || ippGetGroupTag (attr) != IPP_TAG_OPERATION)
    {
      fail_request (IPP_STATUS_ERROR_BAD_REQUEST, "The request has no operation attributes",
                    out_status, out_message);
      return NULL;
    }

  forward = ippNew ();
  ippSetOperation (forward, op);
  ippSetRequestId (forward, ippGetRequestId (request));
  ippSetVersion (forward, major, minor);

  /* The operation attributes first, in their order (cupsd wants the charset
   * and language first), then the gateway's own. */
  for (attr = ippFirstAttribute (request); attr != NULL; attr = ippNextAttribute (request))
    {
      const char *name = ippGetName (attr);

      if (ippGetGroupTag (attr) != IPP_TAG_OPERATION || name == NULL)
        continue;
      if (g_str_equal (name, "requesting-user-name") && ippGetCount (attr) == 1 &&
          ippGetString (attr, 0, NULL) != NULL)
        g_strlcpy (out_info->client_user, ippGetString (attr, 0, NULL),
                   sizeof out_info->client_user);
      if (g_str_equal (name, "my-jobs") && ippGetValueTag (attr) == IPP_TAG_BOOLEAN)
        out_info->my_jobs = ippGetBoolean (attr, 0);
      if (g_str_equal (name, "printer-uri"))
        has_target = TRUE;
      if (is_identity_attribute (name) || g_str_equal (name, "printer-uri"))
        continue;
      if (g_str_equal (name, "job-uri"))
        {
          has_target = TRUE;
          if (ippGetValueTag (attr) == IPP_TAG_URI && ippGetCount (attr) == 1 &&
              out_info->job_id == 0)
            out_info->job_id = job_id_from_uri (ippGetString (attr, 0, NULL));
          continue;
        }
      if (g_str_equal (name, "job-id"))
        {
          if (ippGetValueTag (attr) == IPP_TAG_INTEGER && ippGetCount (attr) == 1 &&
              ippGetInteger (attr, 0) > 0)
            out_info->job_id = ippGetInteger (attr, 0);
          else
            out_info->job_id = -1;
          continue;
        }
      ippCopyAttribute (forward, attr, 0);
    }

  /* RFC 8011 §4.1.5: every request names its target (cupsd's own answer
   * would be about whichever printer the gateway chose). */
  if (!has_target)
    {
      ippDelete (forward);
      fail_request (IPP_STATUS_ERROR_BAD_REQUEST, "The request has no printer-uri",
                    out_status, out_message);
      return NULL;
    }
  if (out_info->job_id < 0)
    {
      ippDelete (forward);
      fail_request (IPP_STATUS_ERROR_BAD_REQUEST, "job-id must be one positive integer",
                    out_status, out_message);
      return NULL;
    }
  /* Without a job id cupsd would cancel "the current job", whoever's. */
  if (out_info->job_operation && out_info->job_id == 0)
    {
      ippDelete (forward);
      fail_request (IPP_STATUS_ERROR_BAD_REQUEST, "This operation needs a job-id",
                    out_status, out_message);
      return NULL;
    }
  if (!out_info->job_operation && op != IPP_OP_GET_JOBS)
    out_info->job_id = 0;

  printer_uri = g_strdup_printf ("ipp://localhost/printers/%s", queue);
  ippAddString (forward, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, printer_uri);
  if (out_info->job_operation)
    ippAddInteger (forward, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", out_info->job_id);
  ippAddString (forward, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL,
                user_name);

  /* Then the job and document groups, keeping their separators. */
  for (attr = ippFirstAttribute (request); attr != NULL; attr = ippNextAttribute (request))
    {
      const char *name = ippGetName (attr);

      if (ippGetGroupTag (attr) == IPP_TAG_OPERATION)
        continue;
      if (name == NULL)
        {
          pending_separator = TRUE;
          continue;
        }
      /* Only the operation group may name the printer or a job, and only
       * as rewritten above: cupsd takes the first it finds anywhere. */
      if (is_identity_attribute (name) || g_str_equal (name, "printer-uri") ||
          g_str_equal (name, "job-uri") || g_str_equal (name, "job-id"))
        continue;
      if (pending_separator)
        ippAddSeparator (forward);
      pending_separator = FALSE;
      ippCopyAttribute (forward, attr, 0);
    }

  return forward;
}

static gboolean
is_loopback_host (const char *host)
{
  return g_ascii_strcasecmp (host, "localhost") == 0 ||
         g_ascii_strcasecmp (host, "localhost.") == 0 ||
         g_str_has_prefix (host, "127.") ||
         g_str_equal (host, "[::1]") || g_str_equal (host, "::1") ||
         g_str_equal (host, "[v1.::1]");
}

/* cupsd names the printer and its jobs on localhost; the colleague must
 * see the gateway's address and paths instead. */
static char *
rewrite_uri (const char           *uri,
             const HallwayIppView *view)
{
  char scheme[32], userpass[256], host[256], resource[1024];
  g_autofree char *printer_prefix = NULL;
  gsize prefix_len;
  int port;
  int job_id;

  /* A URI that can't be understood is not passed on as it is: it might
   * name this computer. */
  if (httpSeparateURI (HTTP_URI_CODING_ALL, uri, scheme, sizeof scheme, userpass,
                       sizeof userpass, host, sizeof host, &port, resource,
                       sizeof resource) < HTTP_URI_STATUS_OK)
    return g_strdup (view->web_uri);
  if (!is_loopback_host (host))
    return g_strdup (uri);

  /* The printer's picture (printer-icons, http or https on cupsd): the
   * gateway serves it too. */
  if (g_str_has_prefix (resource, "/icons/") && g_str_has_prefix (view->printer_uri, "ipp://"))
    return g_strdup_printf ("http://%s/" HALLWAY_IPP_ICON_NAME,
                            view->printer_uri + strlen ("ipp://"));

  if (!g_str_has_prefix (scheme, "ipp"))
    return g_strdup (view->web_uri);

  printer_prefix = g_strdup_printf ("/printers/%s", view->queue);
  prefix_len = strlen (printer_prefix);
  if (strncmp (resource, printer_prefix, prefix_len) == 0 &&
      (resource[prefix_len] == '\0' || resource[prefix_len] == '/' ||
       resource[prefix_len] == '?'))
    return g_strdup (view->printer_uri);

  if (g_str_has_prefix (resource, "/jobs/") && (job_id = job_id_from_uri (resource)) > 0)
    return g_strdup_printf ("%s/jobs/%d", view->printer_uri, job_id);


  return g_strdup (view->web_uri);
}

/* What a colleague never needs to know about the owner's computer. */
static gboolean
is_private_attribute (const char *name)
{
  return g_str_equal (name, "device-uri") ||
         g_str_equal (name, "printer-uri-supported") ||
         g_str_equal (name, "uri-security-supported") ||
         g_str_equal (name, "uri-authentication-supported") ||
         g_str_equal (name, "job-originating-host-name");
}

static void
copy_group (ipp_t                *out,
            GPtrArray            *group,
            ipp_tag_t             group_tag,
            ipp_tag_t            *last_group_tag,
            const HallwayIppView *view,
            HallwayIppJobFilter   owned,
            gpointer              user_data)
{
  gboolean had_uri_supported = FALSE;

  if (group->len == 0)
    return;

  if (group_tag == IPP_TAG_JOB)
    {
      gboolean has_id = FALSE;

      /* Each colleague sees only the jobs it sent itself: a group is kept
       * when every job id in it is one of those. */
      for (guint i = 0; i < group->len; i++)
        {
          ipp_attribute_t *attr = g_ptr_array_index (group, i);

          if (g_strcmp0 (ippGetName (attr), "job-id") != 0)
            continue;
          if (ippGetValueTag (attr) != IPP_TAG_INTEGER)
            return;
          for (int v = 0; v < ippGetCount (attr); v++)
            if (owned == NULL || ippGetInteger (attr, v) <= 0 ||
                !owned (ippGetInteger (attr, v), user_data))
              return;
          has_id = TRUE;
        }
      if (!has_id)
        return;
    }

  if (*last_group_tag == group_tag)
    ippAddSeparator (out);
  *last_group_tag = group_tag;

  for (guint i = 0; i < group->len; i++)
    {
      ipp_attribute_t *attr = g_ptr_array_index (group, i);
      const char *name = ippGetName (attr);
      ipp_attribute_t *copy;

      if (g_str_equal (name, "printer-uri-supported"))
        had_uri_supported = TRUE;
      if (is_private_attribute (name))
        continue;

      copy = ippCopyAttribute (out, attr, 0);
      if (copy != NULL && ippGetValueTag (copy) == IPP_TAG_URI)
        for (int v = 0; v < ippGetCount (copy); v++)
          {
            g_autofree char *rewritten = rewrite_uri (ippGetString (copy, v, NULL), view);

            ippSetString (out, &copy, v, rewritten);
          }
    }

  /* The gateway serves plain IPP without authentication, whatever cupsd
   * offers on loopback. */
  if (had_uri_supported)
    {
      ippAddString (out, group_tag, IPP_TAG_URI, "printer-uri-supported", NULL,
                    view->printer_uri);
      ippAddString (out, group_tag, IPP_TAG_KEYWORD, "uri-security-supported", NULL, "none");
      ippAddString (out, group_tag, IPP_TAG_KEYWORD, "uri-authentication-supported", NULL,
                    "none");
    }
}

/**
 * hallway_ipp_rewrite_response:
 * @response: cupsd's answer
 * @view: the printer as the colleague sees it
 * @owned: (nullable): says which jobs the colleague may see
 * @user_data: data for @owned
 *
 * Builds the answer to relay: URIs on localhost become the gateway's,
 * private attributes are dropped, and job groups of others' jobs are left
 * out (Get-Jobs lists only the colleague's own).
 *
 * Returns: (transfer full): the response to send
 */
ipp_t *
hallway_ipp_rewrite_response (ipp_t                *response,
                              const HallwayIppView *view,
                              HallwayIppJobFilter   owned,
                              gpointer              user_data)
{
  g_autoptr(GPtrArray) group = g_ptr_array_new ();
  ipp_tag_t group_tag = IPP_TAG_ZERO;
  ipp_tag_t last_group_tag = IPP_TAG_ZERO;
  ipp_t *out;
  int major, minor;

  g_return_val_if_fail (response != NULL && view != NULL, NULL);

  out = ippNew ();
  major = ippGetVersion (response, &minor);
  ippSetVersion (out, major, minor);
  ippSetStatusCode (out, ippGetStatusCode (response));
  ippSetRequestId (out, ippGetRequestId (response));

  for (ipp_attribute_t *attr = ippFirstAttribute (response); attr != NULL;
       attr = ippNextAttribute (response))
    {
      if (ippGetName (attr) == NULL || ippGetGroupTag (attr) != group_tag)
        {
          copy_group (out, group, group_tag, &last_group_tag, view, owned, user_data);
          g_ptr_array_set_size (group, 0);
          group_tag = ippGetGroupTag (attr);
          if (ippGetName (attr) == NULL)
            continue;
        }
      g_ptr_array_add (group, attr);
    }
  copy_group (out, group, group_tag, &last_group_tag, view, owned, user_data);

  return out;
}

/**
 * hallway_ipp_get_job_id:
 * @response: the answer to Print-Job or Create-Job
 *
 * Returns: the id of the job it created, or 0
 */
int
hallway_ipp_get_job_id (ipp_t *response)
{
  ipp_attribute_t *attr;

  if (ippGetStatusCode (response) > IPP_STATUS_OK_EVENTS_COMPLETE)
    return 0;
  attr = ippFindAttribute (response, "job-id", IPP_TAG_INTEGER);
  if (attr == NULL || ippGetGroupTag (attr) != IPP_TAG_JOB || ippGetInteger (attr, 0) <= 0)
    return 0;
  return ippGetInteger (attr, 0);
}

/**
 * hallway_ipp_new_error:
 * @request: (nullable): the request refused
 * @status: why
 * @message: the same in words
 *
 * Returns: (transfer full): an IPP answer carrying @status
 */
ipp_t *
hallway_ipp_new_error (ipp_t        *request,
                       ipp_status_t  status,
                       const char   *message)
{
  ipp_t *response;

  if (request != NULL)
    response = ippNewResponse (request);
  else
    {
      response = ippNew ();
      ippSetVersion (response, 2, 0);
      ippAddString (response, IPP_TAG_OPERATION, IPP_TAG_CHARSET, "attributes-charset", NULL,
                    "utf-8");
      ippAddString (response, IPP_TAG_OPERATION, IPP_TAG_LANGUAGE,
                    "attributes-natural-language", NULL, "en");
    }
  ippSetStatusCode (response, status);
  if (message != NULL)
    ippAddString (response, IPP_TAG_OPERATION, IPP_TAG_TEXT, "status-message", NULL, message);
  return response;
}

/**
 * hallway_ipp_dup_string:
 * @printer: printer attributes
 * @name: an attribute's name
 *
 * Returns: (transfer full) (nullable): its first value, as text
 */
char *
hallway_ipp_dup_string (ipp_t      *printer,
                        const char *name)
{
  ipp_attribute_t *attr = ippFindAttribute (printer, name, IPP_TAG_ZERO);
  char buffer[1024];

  if (attr == NULL || ippGetCount (attr) < 1)
    return NULL;
  switch (ippGetValueTag (attr))
    {
    case IPP_TAG_INTEGER:
    case IPP_TAG_ENUM:
      return g_strdup_printf ("%d", ippGetInteger (attr, 0));
    case IPP_TAG_BOOLEAN:
      return g_strdup (ippGetBoolean (attr, 0) ? "true" : "false");
    default:
      if (ippGetString (attr, 0, NULL) != NULL)
        return g_strdup (ippGetString (attr, 0, NULL));
      ippAttributeString (attr, buffer, sizeof buffer);
      return g_strdup (buffer);
    }
}

static gboolean
has_value (ipp_t      *printer,
           const char *name,
           const char *prefix)
{
  ipp_attribute_t *attr = ippFindAttribute (printer, name, IPP_TAG_ZERO);

  for (int i = 0; attr != NULL && i < ippGetCount (attr); i++)
    {
      const char *value = ippGetString (attr, i, NULL);

      if (value != NULL && g_str_has_prefix (value, prefix))
        return TRUE;
    }
  return FALSE;
}

static char *
join_values (ipp_t      *printer,
             const char *name)
{
  ipp_attribute_t *attr = ippFindAttribute (printer, name, IPP_TAG_ZERO);
  GString *joined;

  if (attr == NULL)
    return NULL;
  joined = g_string_new (NULL);
  for (int i = 0; i < ippGetCount (attr); i++)
    {
      const char *value = ippGetString (attr, i, NULL);

      if (value == NULL)
        continue;
      if (joined->len > 0)
        g_string_append_c (joined, ',');
      g_string_append (joined, value);
    }
  return g_string_free (joined, FALSE);
}

/* Adds "key=value", cut to the TXT string limit on a UTF-8 boundary and
 * without control characters. */
static void
add_txt (GPtrArray  *strv,
         const char *key,
         const char *value)
{
  GString *entry;

  if (value == NULL)
    return;
  entry = g_string_new (key);
  g_string_append_c (entry, '=');
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      char utf8[6];
      int n;

      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;
      n = g_unichar_to_utf8 (g_unichar_iscntrl (c) ? ' ' : c, utf8);
      if (entry->len + n > HALLWAY_IPP_TXT_MAX)
        break;
      g_string_append_len (entry, utf8, n);
    }
  g_ptr_array_add (strv, g_string_free (entry, FALSE));
}

/**
 * hallway_ipp_build_txt:
 * @printer: the local queue's attributes, from cupsd
 * @resource_path: the "rp" value, e.g. "ipp/print/office" (no leading slash)
 * @admin_url: where the status page is
 * @out_universal: (out) (optional): whether the queue takes Apple raster,
 *   so that the service may carry the _universal subtype
 *
 * Builds the TXT record of a shared printer per the Bonjour Printing
 * specification, from the queue's real attributes. It never has
 * printer-type (which makes clients treat it as a CUPS queue) nor TLS (the
 * gateway serves plain IPP).
 *
 * Returns: (transfer full): the TXT strings, txtvers first
 */
GStrv
hallway_ipp_build_txt (ipp_t      *printer,
                       const char *resource_path,
                       const char *admin_url,
                       gboolean   *out_universal)
{
  GPtrArray *strv = g_ptr_array_new ();
  g_autofree char *make = hallway_ipp_dup_string (printer, "printer-make-and-model");
  g_autofree char *product = NULL;
  g_autofree char *uuid = hallway_ipp_dup_string (printer, "printer-uuid");
  g_autofree char *location = hallway_ipp_dup_string (printer, "printer-location");
  g_autofree char *urf = join_values (printer, "urf-supported");
  g_autofree char *kind = join_values (printer, "printer-kind");
  g_autofree char *state = hallway_ipp_dup_string (printer, "printer-state");
  ipp_attribute_t *color = ippFindAttribute (printer, "color-supported", IPP_TAG_BOOLEAN);
  GString *pdl = g_string_new (NULL);

  if (make == NULL || *make == '\0')
    {
      g_free (make);
      make = g_strdup ("Unknown");
    }
  product = g_strdup_printf ("(%s)", make);

  for (gsize i = 0; i < G_N_ELEMENTS (txt_formats); i++)
    if (has_value (printer, "document-format-supported", txt_formats[i]) &&
        pdl->len + strlen (txt_formats[i]) + 5 < HALLWAY_IPP_TXT_MAX)
      {
        if (pdl->len > 0)
          g_string_append_c (pdl, ',');
        g_string_append (pdl, txt_formats[i]);
      }

  add_txt (strv, "txtvers", "1");
  add_txt (strv, "qtotal", "1");
  add_txt (strv, "rp", resource_path);
  add_txt (strv, "ty", make);
  add_txt (strv, "product", product);
  if (pdl->len > 0)
    add_txt (strv, "pdl", pdl->str);
  add_txt (strv, "note", location != NULL ? location : "");
  add_txt (strv, "adminurl", admin_url);
  if (uuid != NULL)
    add_txt (strv, "UUID", g_str_has_prefix (uuid, "urn:uuid:") ? uuid + 9 : uuid);
  add_txt (strv, "Color", color != NULL && ippGetBoolean (color, 0) ? "T" : "F");
  add_txt (strv, "Duplex", has_value (printer, "sides-supported", "two-sided") ? "T" : "F");
  if (urf != NULL && *urf != '\0')
    add_txt (strv, "URF", urf);
  add_txt (strv, "kind", kind != NULL && *kind != '\0' ? kind : "document");
  add_txt (strv, "priority", "0");
  if (state != NULL)
    add_txt (strv, "printer-state", state);
  g_ptr_array_add (strv, NULL);

  if (out_universal != NULL)
    *out_universal = urf != NULL && *urf != '\0';
  g_string_free (pdl, TRUE);
  return (GStrv) g_ptr_array_free (strv, FALSE);
}
