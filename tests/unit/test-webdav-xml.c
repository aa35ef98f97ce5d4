/* test-webdav-xml.c: WebDAV request parsing and multistatus writing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hallway-error.h"
#include "hallway-webdav-xml.h"

static HallwayWebdavPropfind *
propfind (const char  *body,
          GError     **error)
{
  return hallway_webdav_propfind_parse (body, strlen (body), error);
}

static void
assert_refused (const char *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayWebdavPropfind) result = propfind (body, &error);

  g_assert_null (result);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
}

static void
test_propfind_prop (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayWebdavPropfind) result = NULL;
  HallwayWebdavName *name;

  g_test_summary ("PROPFIND with a prop list gives (namespace, name) pairs, whatever the prefixes");

  result = propfind ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                     "<A:propfind xmlns:A=\"DAV:\" xmlns:z=\"http://example.com/z\">"
                     "<A:prop><A:getetag/><z:color/><plain xmlns=\"\"/>"
                     "<dflt xmlns=\"urn:default\"/></A:prop></A:propfind>",
                     &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpint (result->type, ==, HALLWAY_WEBDAV_PROPFIND_PROP);
  g_assert_cmpuint (result->props->len, ==, 4);
  name = g_ptr_array_index (result->props, 0);
  g_assert_true (hallway_webdav_name_is (name, "DAV:", "getetag"));
  name = g_ptr_array_index (result->props, 1);
  g_assert_true (hallway_webdav_name_is (name, "http://example.com/z", "color"));
  name = g_ptr_array_index (result->props, 2);
  g_assert_true (hallway_webdav_name_is (name, "", "plain"));
  name = g_ptr_array_index (result->props, 3);
  g_assert_true (hallway_webdav_name_is (name, "urn:default", "dflt"));
}

static void
test_propfind_default_namespace (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayWebdavPropfind) result = NULL;

  g_test_summary ("A default namespace declaration applies to unprefixed elements");

  result = propfind ("<propfind xmlns=\"DAV:\"><propname/></propfind>", &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->type, ==, HALLWAY_WEBDAV_PROPFIND_PROPNAME);
  g_clear_pointer (&result, hallway_webdav_propfind_free);

  result = propfind ("<propfind xmlns=\"DAV:\"><allprop/>"
                     "<include><quota-used-bytes/></include></propfind>", &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->type, ==, HALLWAY_WEBDAV_PROPFIND_ALLPROP);
  g_assert_cmpuint (result->props->len, ==, 1);

  /* Without a namespace it is not DAV:propfind. */
  assert_refused ("<propfind><allprop/></propfind>");
}

static void
test_propfind_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayWebdavPropfind) result = hallway_webdav_propfind_parse (NULL, 0, &error);

  g_test_summary ("An empty PROPFIND body means allprop (RFC 4918 §9.1)");

  g_assert_no_error (error);
  g_assert_cmpint (result->type, ==, HALLWAY_WEBDAV_PROPFIND_ALLPROP);
  g_assert_cmpuint (result->props->len, ==, 0);
}

static void
test_refused_dtd (void)
{
  g_test_summary ("DOCTYPE and ENTITY declarations are refused before parsing");

  assert_refused ("<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY x \"y\">]>"
                  "<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>");
  assert_refused ("<!doctype foo SYSTEM \"file:///etc/passwd\">"
                  "<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>");
  assert_refused ("<D:propfind xmlns:D=\"DAV:\"><!ENTITY a \"b\"><D:allprop/></D:propfind>");
  /* An undefined entity is an error, never expanded. */
  assert_refused ("<D:propfind xmlns:D=\"DAV:\"><D:prop><D:x>&xxe;</D:x></D:prop></D:propfind>");
}

static void
test_refused_billion_laughs (void)
{
  g_autoptr(GString) body = g_string_new ("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
                                          "<!ENTITY lol \"lol\">\n");

  g_test_summary ("The billion laughs document is refused");

  for (int i = 1; i < 10; i++)
    {
      g_string_append_printf (body, "<!ENTITY lol%d \"", i);
      for (int j = 0; j < 10; j++)
        {
          if (i == 1)
            g_string_append (body, "&lol;");
          else
            g_string_append_printf (body, "&lol%d;", i - 1);
        }
      g_string_append (body, "\">\n");
    }
  g_string_append (body, "]>\n<D:propfind xmlns:D=\"DAV:\"><D:prop><D:x>&lol9;</D:x>"
                         "</D:prop></D:propfind>");
  assert_refused (body->str);
}

static void
test_refused_limits (void)
{
  g_autoptr(GString) deep = g_string_new ("<D:propfind xmlns:D=\"DAV:\"><D:prop>");
  g_autoptr(GString) wide = g_string_new ("<D:propfind xmlns:D=\"DAV:\"><D:prop>");
  g_autoptr(GString) big = g_string_new ("<D:propfind xmlns:D=\"DAV:\"><D:allprop/>");
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayWebdavPropfind) result = NULL;

  g_test_summary ("Bodies too large, too deep or with too many elements are refused");

  for (int i = 0; i < HALLWAY_WEBDAV_XML_MAX_DEPTH; i++)
    g_string_append (deep, "<a>");
  for (int i = 0; i < HALLWAY_WEBDAV_XML_MAX_DEPTH; i++)
    g_string_append (deep, "</a>");
  g_string_append (deep, "</D:prop></D:propfind>");
  assert_refused (deep->str);

  for (int i = 0; i < HALLWAY_WEBDAV_XML_MAX_ELEMENTS; i++)
    g_string_append (wide, "<a/>");
  g_string_append (wide, "</D:prop></D:propfind>");
  assert_refused (wide->str);

  while (big->len <= HALLWAY_WEBDAV_XML_MAX_BODY)
    g_string_append (big, "<!-- padding padding padding padding padding padding -->");
  g_string_append (big, "</D:propfind>");
  assert_refused (big->str);

  /* Just under the depth limit is fine. */
  result = propfind ("<D:propfind xmlns:D=\"DAV:\"><D:prop><a><b/></a></D:prop></D:propfind>",
                     &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
}

static void
test_refused_malformed (void)
{
  g_test_summary ("Malformed XML and bad namespaces are refused");

  assert_refused ("<D:propfind xmlns:D=\"DAV:\"><D:allprop></D:propfind>");
  assert_refused ("<D:propfind xmlns:D=\"DAV:\"><D:allprop/>");
  assert_refused ("<X:propfind xmlns:D=\"DAV:\"><D:allprop/></X:propfind>");
  assert_refused (
    "<D:propfind xmlns:D=\"DAV:\"><D:prop><bar:foo xmlns:bar=\"\"/></D:prop></D:propfind>");
  assert_refused ("<D:propfind xmlns:D=\"DAV:\"><D:allprop/><D:propname/></D:propfind>");
  assert_refused ("<D:propfind xmlns:D=\"DAV:\"></D:propfind>");
  assert_refused ("<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>\xff");
  assert_refused ("<D:lockinfo xmlns:D=\"DAV:\"/>");
  /* Controls XML does not allow, which would come back in lockdiscovery. */
  assert_refused ("<D:propfind xmlns:D=\"DAV:\" xmlns:x=\"\v\"><D:allprop/></D:propfind>");
  /* A second root would be parsed and lost (leaked) otherwise. */
  assert_refused ("<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind><D:propfind/>");
  /* Invalid UTF-8 anywhere, and a parser's message never quotes it. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(HallwayWebdavPropfind) result =
      propfind ("<?x v\x92\xc2?><D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>", &error);

    g_assert_null (result);
    g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
  }
  {
    g_autoptr(GError) error = NULL;
    const char body[] = "<D:propfind xmlns:D=\"DAV:\">\0<D:allprop/></D:propfind>";
    g_autoptr(HallwayWebdavPropfind) result = hallway_webdav_propfind_parse (body, sizeof body - 1,
                                                                             &error);

    g_assert_null (result);
    g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
  }
}

static void
test_proppatch (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayWebdavProppatch) result = NULL;
  const char *body =
    "<?xml version=\"1.0\"?>"
    "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"http://example.com/z\">"
    "<D:set><D:prop><Z:author>Ann &amp; <Z:b lang=\"en\">Bob</Z:b></Z:author>"
    "<Z:empty/></D:prop></D:set>"
    "<D:remove><D:prop><Z:old/></D:prop></D:remove>"
    "<D:set><D:prop><Z:author><![CDATA[<raw>]]></Z:author></D:prop></D:set>"
    "</D:propertyupdate>";
  HallwayWebdavPropUpdate *update;

  g_test_summary ("PROPPATCH gives ordered updates with self-contained XML values");

  result = hallway_webdav_proppatch_parse (body, strlen (body), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->updates->len, ==, 4);

  update = g_ptr_array_index (result->updates, 0);
  g_assert_cmpstr (update->name.ns, ==, "http://example.com/z");
  g_assert_cmpstr (update->name.name, ==, "author");
  g_assert_false (update->remove);
  g_assert_cmpstr (update->value, ==,
                   "Ann &amp; <b xmlns=\"http://example.com/z\" lang=\"en\">Bob</b>");

  update = g_ptr_array_index (result->updates, 1);
  g_assert_cmpstr (update->value, ==, "");

  update = g_ptr_array_index (result->updates, 2);
  g_assert_true (update->remove);
  g_assert_cmpstr (update->name.name, ==, "old");
  g_assert_null (update->value);

  update = g_ptr_array_index (result->updates, 3);
  g_assert_cmpstr (update->value, ==, "&lt;raw&gt;");

  g_clear_error (&error);
  g_assert_null (
    hallway_webdav_proppatch_parse ("<D:propertyupdate xmlns:D=\"DAV:\"/>", 34, &error));
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
}

static void
test_lockinfo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayWebdavLockinfo) info = NULL;
  const char *exclusive =
    "<?xml version=\"1.0\" encoding=\"utf-8\" ?>"
    "<D:lockinfo xmlns:D='DAV:'><D:lockscope><D:exclusive/></D:lockscope>"
    "<D:locktype><D:write/></D:locktype>"
    "<D:owner><D:href>http://example.org/~ann/</D:href></D:owner></D:lockinfo>";
  const char *shared =
    "<lockinfo xmlns='DAV:'><lockscope><shared/></lockscope>"
    "<locktype><write/></locktype></lockinfo>";
  const char *no_type =
    "<lockinfo xmlns='DAV:'><lockscope><shared/></lockscope></lockinfo>";

  g_test_summary ("LOCK bodies give the scope and the owner as XML");

  info = hallway_webdav_lockinfo_parse (exclusive, strlen (exclusive), &error);
  g_assert_no_error (error);
  g_assert_false (info->shared);
  g_assert_cmpstr (info->owner, ==, "<href xmlns=\"DAV:\">http://example.org/~ann/</href>");
  g_clear_pointer (&info, hallway_webdav_lockinfo_free);

  info = hallway_webdav_lockinfo_parse (shared, strlen (shared), &error);
  g_assert_no_error (error);
  g_assert_true (info->shared);
  g_assert_null (info->owner);
  g_clear_pointer (&info, hallway_webdav_lockinfo_free);

  info = hallway_webdav_lockinfo_parse (no_type, strlen (no_type), &error);
  g_assert_null (info);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
}

static void
test_multistatus (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  GMarkupParseContext *context;
  static const GMarkupParser no_callbacks = { 0 };

  g_test_summary ("Multistatus output escapes text and hrefs and uses D: for DAV:");

  hallway_webdav_xml_begin_multistatus (out);
  hallway_webdav_xml_begin_response (out, "/shares/abcd/a%20%26%20b/");
  hallway_webdav_xml_begin_propstat (out);
  hallway_webdav_xml_text_prop (out, "DAV:", "displayname", "Tom & Jerry <\"'>");
  hallway_webdav_xml_raw_prop (out, "http://example.com/z", "author",
                               "<b xmlns=\"http://example.com/z\">x</b>");
  hallway_webdav_xml_empty_prop (out, "", "plain");
  hallway_webdav_xml_end_propstat (out, 200);
  hallway_webdav_xml_begin_propstat (out);
  hallway_webdav_xml_empty_prop (out, "urn:a\"b", "missing");
  hallway_webdav_xml_end_propstat (out, 404);
  hallway_webdav_xml_end_response (out);
  hallway_webdav_xml_status_response (out, "/shares/abcd/<x>", 423);
  hallway_webdav_xml_end_multistatus (out);

  g_assert_nonnull (strstr (out->str, "<D:multistatus xmlns:D=\"DAV:\">"));
  g_assert_nonnull (strstr (out->str,
                            "<D:displayname>Tom &amp; Jerry &lt;\"'&gt;</D:displayname>"));
  g_assert_nonnull (strstr (out->str, "<R:author xmlns:R=\"http://example.com/z\"><b "));
  g_assert_nonnull (strstr (out->str, "<plain/>"));
  g_assert_nonnull (strstr (out->str, "<R:missing xmlns:R=\"urn:a&quot;b\"/>"));
  g_assert_nonnull (strstr (out->str, "<D:status>HTTP/1.1 404 Not Found</D:status>"));
  g_assert_nonnull (strstr (out->str, "<D:href>/shares/abcd/&lt;x&gt;</D:href>"));
  g_assert_nonnull (strstr (out->str, "HTTP/1.1 423 Locked"));

  /* And it is well-formed. */
  context = g_markup_parse_context_new (&no_callbacks, 0, NULL, NULL);
  g_assert_true (g_markup_parse_context_parse (context, out->str, out->len, &error));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (context);
}

static void
test_error_body (void)
{
  g_autofree char *body = hallway_webdav_xml_error_body ("propfind-finite-depth");

  g_test_summary ("Precondition bodies follow RFC 4918 §16");

  g_assert_nonnull (
    strstr (body, "<D:error xmlns:D=\"DAV:\"><D:propfind-finite-depth/></D:error>"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/webdav/xml/propfind/prop", test_propfind_prop);
  g_test_add_func ("/webdav/xml/propfind/default-namespace", test_propfind_default_namespace);
  g_test_add_func ("/webdav/xml/propfind/empty", test_propfind_empty);
  g_test_add_func ("/webdav/xml/refused/dtd", test_refused_dtd);
  g_test_add_func ("/webdav/xml/refused/billion-laughs", test_refused_billion_laughs);
  g_test_add_func ("/webdav/xml/refused/limits", test_refused_limits);
  g_test_add_func ("/webdav/xml/refused/malformed", test_refused_malformed);
  g_test_add_func ("/webdav/xml/proppatch", test_proppatch);
  g_test_add_func ("/webdav/xml/lockinfo", test_lockinfo);
  g_test_add_func ("/webdav/xml/multistatus", test_multistatus);
  g_test_add_func ("/webdav/xml/error-body", test_error_body);

  return g_test_run ();
}
