/* hallway-webdav-xml.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WebDAV bodies arrive from anyone on the network, so they are parsed with
 * GMarkup, which has no DTD processing and never expands entities other than
 * the five predefined ones: billion-laughs and external-entity attacks have
 * nothing to work with. A body that declares a DOCTYPE or an entity anyway is
 * refused outright rather than skipped, and size, depth and element count
 * are capped. GMarkup knows nothing of namespaces, so elements are resolved
 * here against the xmlns declarations in scope.
 *
 * Dead property values (and lock owners) are kept as XML that declares every
 * namespace it uses, so they can be stored and later sent back inside any
 * response without depending on the prefixes of the request they came in.
 */
#include "config.h"

#include "hallway-webdav-xml.h"

#include <string.h>

#include <libsoup/soup.h>

#include "hallway-error.h"
#include "hallway-unicode.h"

#define XML_NAMESPACE "http://www.w3.org/XML/1998/namespace"

/* How much of a parser's message about hostile input is passed on. */
#define MAX_MESSAGE_BYTES 200

typedef struct _XmlNode XmlNode;

struct _XmlNode
{
  XmlNode   *parent;
  char      *ns;          /* resolved; NULL for a text node */
  char      *name;        /* local name; NULL for a text node */
  char      *text;        /* text node content */
  GPtrArray *decls;       /* (prefix, uri) pairs declared here; prefix "" = default */
  GPtrArray *attrs;       /* (ns, name, value) triples, xmlns ones left out */
  GPtrArray *children;    /* (element-type XmlNode) */
};

static void
xml_node_free (XmlNode *node)
{
  g_free (node->ns);
  g_free (node->name);
  g_free (node->text);
  g_clear_pointer (&node->decls, g_ptr_array_unref);
  g_clear_pointer (&node->attrs, g_ptr_array_unref);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XmlNode, xml_node_free)

static XmlNode *
xml_node_new (XmlNode *parent)
{
  XmlNode *node = g_new0 (XmlNode, 1);

  node->parent = parent;
  node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) xml_node_free);
  if (parent != NULL)
    g_ptr_array_add (parent->children, node);
  return node;
}

typedef struct
{
  XmlNode *root;
  XmlNode *current;
  guint    depth;
  guint    n_elements;
} ParseState;

/* Looks @prefix up in the declarations in scope at @node. */
static const char *
resolve_prefix (XmlNode    *node,
                const char *prefix)
{
  if (g_strcmp0 (prefix, "xml") == 0)
    return XML_NAMESPACE;

  for (; node != NULL; node = node->parent)
    {
      if (node->decls == NULL)
        continue;
      for (guint i = 0; i + 1 < node->decls->len; i += 2)
        if (strcmp (g_ptr_array_index (node->decls, i), prefix) == 0)
          return g_ptr_array_index (node->decls, i + 1);
    }

  /* No default namespace in scope means no namespace; an undeclared
   * prefix is an error. */
  return *prefix == '\0' ? "" : NULL;
}

static gboolean
split_qname (const char  *qname,
             char       **out_prefix,
             const char **out_local)
{
  const char *colon = strchr (qname, ':');

  if (colon == NULL)
    {
      *out_prefix = g_strdup ("");
      *out_local = qname;
      return TRUE;
    }
  if (colon == qname || colon[1] == '\0' || strchr (colon + 1, ':') != NULL)
    return FALSE;
  *out_prefix = g_strndup (qname, colon - qname);
  *out_local = colon + 1;
  return TRUE;
}

static void
start_element_cb (GMarkupParseContext  *context,
                  const char           *element_name,
                  const char          **attribute_names,
                  const char          **attribute_values,
                  gpointer              user_data,
                  GError              **error)
{
  ParseState *state = user_data;
  XmlNode *node;
  g_autofree char *prefix = NULL;
  const char *local;
  const char *ns;

  if (++state->n_elements > HALLWAY_WEBDAV_XML_MAX_ELEMENTS)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "Too many XML elements");
      return;
    }
  if (state->depth >= HALLWAY_WEBDAV_XML_MAX_DEPTH)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "XML nested too deeply");
      return;
    }
  /* GMarkup lets a second element follow the root; a tree has one. */
  if (state->root != NULL && state->current == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "The XML body has more than one root element");
      return;
    }

  node = xml_node_new (state->current);
  if (state->root == NULL)
    state->root = node;
  state->current = node;
  state->depth++;

  /* Declarations first: they apply to the element's own name too. */
  for (guint i = 0; attribute_names[i] != NULL; i++)
    {
      const char *attr = attribute_names[i];
      const char *declared = NULL;

      if (strcmp (attr, "xmlns") == 0)
        declared = "";
      else if (g_str_has_prefix (attr, "xmlns:"))
        {
          declared = attr + strlen ("xmlns:");
          /* Namespaces in XML 1.0: a prefix cannot be bound to "", and
           * "xmlns" cannot be declared. */
          if (*declared == '\0' || *attribute_values[i] == '\0' ||
              strcmp (declared, "xmlns") == 0 || strchr (declared, ':') != NULL)
            {
              g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "Invalid namespace declaration “%s”", attr);
              return;
            }
        }
      if (declared == NULL)
        continue;
      if (node->decls == NULL)
        node->decls = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (node->decls, g_strdup (declared));
      g_ptr_array_add (node->decls, g_strdup (attribute_values[i]));
    }

  if (!split_qname (element_name, &prefix, &local) ||
      (ns = resolve_prefix (node, prefix)) == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                   "Undeclared namespace prefix in “%s”", element_name);
      return;
    }
  node->ns = g_strdup (ns);
  node->name = g_strdup (local);

  for (guint i = 0; attribute_names[i] != NULL; i++)
    {
      const char *attr = attribute_names[i];
      g_autofree char *attr_prefix = NULL;
      const char *attr_local;
      const char *attr_ns;

      if (strcmp (attr, "xmlns") == 0 || g_str_has_prefix (attr, "xmlns:"))
        continue;
      if (!split_qname (attr, &attr_prefix, &attr_local))
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                       "Invalid attribute name “%s”", attr);
          return;
        }
      /* Unprefixed attributes are in no namespace, whatever the default. */
      attr_ns = *attr_prefix == '\0' ? "" : resolve_prefix (node, attr_prefix);
      if (attr_ns == NULL)
        {
          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                       "Undeclared namespace prefix in “%s”", attr);
          return;
        }
      if (node->attrs == NULL)
        node->attrs = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (node->attrs, g_strdup (attr_ns));
      g_ptr_array_add (node->attrs, g_strdup (attr_local));
      g_ptr_array_add (node->attrs, g_strdup (attribute_values[i]));
    }
}

static void
end_element_cb (GMarkupParseContext  *context,
                const char           *element_name,
                gpointer              user_data,
                GError              **error)
{
  ParseState *state = user_data;

  state->current = state->current->parent;
  state->depth--;
}

static void
text_cb (GMarkupParseContext  *context,
         const char           *text,
         gsize                 text_len,
         gpointer              user_data,
         GError              **error)
{
  ParseState *state = user_data;
  XmlNode *node;
  XmlNode *last;

  /* Text outside the root element is only whitespace (GMarkup checks). */
  if (state->current == NULL || text_len == 0)
    return;

  last = state->current->children->len > 0
    ? g_ptr_array_index (state->current->children, state->current->children->len - 1)
    : NULL;
  if (last != NULL && last->name == NULL)
    {
      /* CDATA and plain text arrive separately; keep them as one node. */
      gsize old_len = strlen (last->text);

      last->text = g_realloc (last->text, old_len + text_len + 1);
      memcpy (last->text + old_len, text, text_len);
      last->text[old_len + text_len] = '\0';
      return;
    }

  node = xml_node_new (state->current);
  node->text = g_strndup (text, text_len);
}

static void
passthrough_cb (GMarkupParseContext  *context,
                const char           *text,
                gsize                 text_len,
                gpointer              user_data,
                GError              **error)
{
  /* Comments and processing instructions (the XML declaration) are fine;
   * anything else starting with "<!" is a DTD construct. */
  if (text_len >= 2 && text[0] == '<' && text[1] == '!' &&
      !(text_len >= 4 && memcmp (text, "<!--", 4) == 0))
    g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                         "Document type declarations are not accepted");
}

static const GMarkupParser markup_parser = {
  start_element_cb,
  end_element_cb,
  text_cb,
  passthrough_cb,
  NULL,
};

static gboolean
contains_nocase (const char *body,
                 gsize       length,
                 const char *needle)
{
  gsize needle_len = strlen (needle);

  for (gsize i = 0; i + needle_len <= length; i++)
    if (g_ascii_strncasecmp (body + i, needle, needle_len) == 0)
      return TRUE;
  return FALSE;
}

static XmlNode *
parse_tree (const char  *body,
            gsize        length,
            GError     **error)
{
  g_autoptr(GMarkupParseContext) context = NULL;
  ParseState state = { 0 };
  gboolean ok;

  if (length > HALLWAY_WEBDAV_XML_MAX_BODY)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "The XML body is too large");
      return NULL;
    }
  /* Refused before parsing so no DTD construct is ever looked at. */
  if (contains_nocase (body, length, "<!DOCTYPE") || contains_nocase (body, length, "<!ENTITY"))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "Document type declarations are not accepted");
      return NULL;
    }
  /* XML 1.0 (§2.2) has no other control characters than these three (NUL
   * least of all), but GMarkup lets them through in attributes; a lock
   * owner keeping one would make every lockdiscovery with it malformed. */
  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) body[i];

      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        {
          g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                               "The XML body contains a control character");
          return NULL;
        }
    }
  /* WebDAV bodies are UTF-8. GMarkup checks too, but on some invalid
   * bytes (in a processing instruction) it sets its error twice, which
   * GLib reports as a bug in a warning any client could repeat. */
  if (!g_utf8_validate_len (body, length, NULL))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "The XML body is not valid UTF-8");
      return NULL;
    }

  context = g_markup_parse_context_new (&markup_parser,
                                        G_MARKUP_TREAT_CDATA_AS_TEXT |
                                        G_MARKUP_PREFIX_ERROR_POSITION,
                                        &state, NULL);
  ok = g_markup_parse_context_parse (context, body, length, error) &&
       g_markup_parse_context_end_parse (context, error);
  if (!ok)
    {
      if (state.root != NULL)
        xml_node_free (state.root);
      if (error != NULL && *error != NULL && (*error)->domain != HALLWAY_ERROR)
        {
          /* GMarkup quotes the bytes it choked on, which may be anything:
           * the message goes back to the client and into logs. */
          g_autofree char *printable = hallway_utf8_make_printable ((*error)->message, -1,
                                                                    MAX_MESSAGE_BYTES);
          GError *wrapped = g_error_new (HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                                         "Malformed XML: %s", printable);

          g_clear_error (error);
          g_propagate_error (error, wrapped);
        }
      return NULL;
    }
  if (state.root == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "The XML body has no element");
      return NULL;
    }
  return state.root;
}

static gboolean
node_is (const XmlNode *node,
         const char    *ns,
         const char    *name)
{
  return node->name != NULL && strcmp (node->ns, ns) == 0 && strcmp (node->name, name) == 0;
}

static gboolean
node_is_dav (const XmlNode *node,
             const char    *name)
{
  return node_is (node, HALLWAY_WEBDAV_NS, name);
}

/* Element children only; text between them is layout. */
#define FOREACH_ELEMENT(parent, child, index)                                  \
  for (guint index = 0; index < (parent)->children->len; index++)              \
    if (((child) = g_ptr_array_index ((parent)->children, index))->name != NULL)

static void
append_attr_escaped (GString    *out,
                     const char *text)
{
  for (; *text != '\0'; text++)
    switch (*text)
      {
      case '&': g_string_append (out, "&amp;"); break;
      case '<': g_string_append (out, "&lt;"); break;
      case '>': g_string_append (out, "&gt;"); break;
      case '"': g_string_append (out, "&quot;"); break;
      case '\r': g_string_append (out, "&#13;"); break;
      case '\n': g_string_append (out, "&#10;"); break;
      case '\t': g_string_append (out, "&#9;"); break;
      default: g_string_append_c (out, *text); break;
      }
}

/* Writes @node with a default-namespace declaration on every element, so
 * the result means the same wherever it is pasted. */
static void
serialize_node (GString       *out,
                const XmlNode *node)
{
  const XmlNode *child;

  if (node->name == NULL)
    {
      hallway_webdav_xml_append_escaped (out, node->text);
      return;
    }

  g_string_append_printf (out, "<%s xmlns=\"", node->name);
  append_attr_escaped (out, node->ns);
  g_string_append_c (out, '"');
  if (node->attrs != NULL)
    for (guint i = 0; i + 2 < node->attrs->len; i += 3)
      {
        const char *attr_ns = g_ptr_array_index (node->attrs, i);
        const char *attr_name = g_ptr_array_index (node->attrs, i + 1);
        const char *value = g_ptr_array_index (node->attrs, i + 2);

        if (*attr_ns == '\0')
          g_string_append_printf (out, " %s=\"", attr_name);
        else if (strcmp (attr_ns, XML_NAMESPACE) == 0)
          g_string_append_printf (out, " xml:%s=\"", attr_name);
        else
          {
            g_string_append_printf (out, " xmlns:a%u=\"", i / 3);
            append_attr_escaped (out, attr_ns);
            g_string_append_printf (out, "\" a%u:%s=\"", i / 3, attr_name);
          }
        append_attr_escaped (out, value);
        g_string_append_c (out, '"');
      }

  if (node->children->len == 0)
    {
      g_string_append (out, "/>");
      return;
    }
  g_string_append_c (out, '>');
  for (guint i = 0; i < node->children->len; i++)
    {
      child = g_ptr_array_index (node->children, i);
      serialize_node (out, child);
    }
  g_string_append_printf (out, "</%s>", node->name);
}

static char *
serialize_children (const XmlNode *node)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < node->children->len; i++)
    serialize_node (out, g_ptr_array_index (node->children, i));
  return g_string_free (out, FALSE);
}

HallwayWebdavName *
hallway_webdav_name_new (const char *ns,
                         const char *name)
{
  HallwayWebdavName *self = g_new0 (HallwayWebdavName, 1);

  self->ns = g_strdup (ns != NULL ? ns : "");
  self->name = g_strdup (name);
  return self;
}

void
hallway_webdav_name_free (HallwayWebdavName *self)
{
  if (self == NULL)
    return;
  g_free (self->ns);
  g_free (self->name);
  g_free (self);
}

gboolean
hallway_webdav_name_is (const HallwayWebdavName *self,
                        const char              *ns,
                        const char              *name)
{
  return strcmp (self->ns, ns) == 0 && strcmp (self->name, name) == 0;
}

static GPtrArray *
names_of_children (const XmlNode *node)
{
  GPtrArray *names = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_webdav_name_free);
  XmlNode *child;

  FOREACH_ELEMENT (node, child, i)
    g_ptr_array_add (names, hallway_webdav_name_new (child->ns, child->name));
  return names;
}

/**
 * hallway_webdav_propfind_parse:
 * @body: the request body
 * @length: its length; 0 means allprop (RFC 4918 §9.1)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): what was asked for
 */
HallwayWebdavPropfind *
hallway_webdav_propfind_parse (const char  *body,
                               gsize        length,
                               GError     **error)
{
  g_autoptr(XmlNode) root = NULL;
  g_autoptr(HallwayWebdavPropfind) self = g_new0 (HallwayWebdavPropfind, 1);
  XmlNode *child;
  gboolean have_type = FALSE;

  self->type = HALLWAY_WEBDAV_PROPFIND_ALLPROP;
  if (length == 0 || body == NULL)
    {
      self->props = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_webdav_name_free);
      return g_steal_pointer (&self);
    }

  root = parse_tree (body, length, error);
  if (root == NULL)
    return NULL;
  if (!node_is_dav (root, "propfind"))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "Expected a DAV:propfind element");
      return NULL;
    }

  FOREACH_ELEMENT (root, child, i)
    {
      if (node_is_dav (child, "allprop") || node_is_dav (child, "propname") ||
          node_is_dav (child, "prop"))
        {
          if (have_type)
            {
              g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                                   "DAV:propfind asks for more than one thing");
              return NULL;
            }
          have_type = TRUE;
          if (node_is_dav (child, "allprop"))
            self->type = HALLWAY_WEBDAV_PROPFIND_ALLPROP;
          else if (node_is_dav (child, "propname"))
            self->type = HALLWAY_WEBDAV_PROPFIND_PROPNAME;
          else
            {
              self->type = HALLWAY_WEBDAV_PROPFIND_PROP;
              self->props = names_of_children (child);
            }
        }
      else if (node_is_dav (child, "include"))
        {
          g_clear_pointer (&self->props, g_ptr_array_unref);
          self->props = names_of_children (child);
        }
      /* Unknown elements are ignored (RFC 4918 §17). */
    }

  if (!have_type)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "DAV:propfind names no properties");
      return NULL;
    }
  if (self->props == NULL)
    self->props = g_ptr_array_new_with_free_func ((GDestroyNotify) hallway_webdav_name_free);
  return g_steal_pointer (&self);
}

void
hallway_webdav_propfind_free (HallwayWebdavPropfind *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->props, g_ptr_array_unref);
  g_free (self);
}

static void
prop_update_free (HallwayWebdavPropUpdate *update)
{
  g_free (update->name.ns);
  g_free (update->name.name);
  g_free (update->value);
  g_free (update);
}

/**
 * hallway_webdav_proppatch_parse:
 * @body: the request body
 * @length: its length
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the changes, in order
 */
HallwayWebdavProppatch *
hallway_webdav_proppatch_parse (const char  *body,
                                gsize        length,
                                GError     **error)
{
  g_autoptr(XmlNode) root = NULL;
  g_autoptr(HallwayWebdavProppatch) self = NULL;
  XmlNode *action;

  if (length == 0 || body == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "PROPPATCH needs a body");
      return NULL;
    }
  root = parse_tree (body, length, error);
  if (root == NULL)
    return NULL;
  if (!node_is_dav (root, "propertyupdate"))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "Expected a DAV:propertyupdate element");
      return NULL;
    }

  self = g_new0 (HallwayWebdavProppatch, 1);
  self->updates = g_ptr_array_new_with_free_func ((GDestroyNotify) prop_update_free);

  FOREACH_ELEMENT (root, action, i)
    {
      gboolean remove;
      XmlNode *prop;

      if (node_is_dav (action, "set"))
        remove = FALSE;
      else if (node_is_dav (action, "remove"))
        remove = TRUE;
      else
        continue;

      FOREACH_ELEMENT (action, prop, j)
        {
          XmlNode *property;

          if (!node_is_dav (prop, "prop"))
            continue;
          FOREACH_ELEMENT (prop, property, k)
            {
              HallwayWebdavPropUpdate *update = g_new0 (HallwayWebdavPropUpdate, 1);

              update->name.ns = g_strdup (property->ns);
              update->name.name = g_strdup (property->name);
              update->remove = remove;
              if (!remove)
                update->value = serialize_children (property);
              g_ptr_array_add (self->updates, update);
            }
        }
    }

  if (self->updates->len == 0)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "DAV:propertyupdate changes nothing");
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
hallway_webdav_proppatch_free (HallwayWebdavProppatch *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->updates, g_ptr_array_unref);
  g_free (self);
}

/**
 * hallway_webdav_lockinfo_parse:
 * @body: the request body (a LOCK without body is a refresh; don't call this)
 * @length: its length
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the lock asked for
 */
HallwayWebdavLockinfo *
hallway_webdav_lockinfo_parse (const char  *body,
                               gsize        length,
                               GError     **error)
{
  g_autoptr(XmlNode) root = NULL;
  g_autoptr(HallwayWebdavLockinfo) self = g_new0 (HallwayWebdavLockinfo, 1);
  gboolean have_scope = FALSE;
  gboolean have_type = FALSE;
  XmlNode *child;

  root = parse_tree (body, length, error);
  if (root == NULL)
    return NULL;
  if (!node_is_dav (root, "lockinfo"))
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "Expected a DAV:lockinfo element");
      return NULL;
    }

  FOREACH_ELEMENT (root, child, i)
    {
      XmlNode *value;

      if (node_is_dav (child, "lockscope"))
        {
          FOREACH_ELEMENT (child, value, j)
            {
              if (node_is_dav (value, "exclusive"))
                self->shared = FALSE, have_scope = TRUE;
              else if (node_is_dav (value, "shared"))
                self->shared = TRUE, have_scope = TRUE;
            }
        }
      else if (node_is_dav (child, "locktype"))
        {
          FOREACH_ELEMENT (child, value, j)
            if (node_is_dav (value, "write"))
              have_type = TRUE;
        }
      else if (node_is_dav (child, "owner"))
        {
          g_free (self->owner);
          self->owner = serialize_children (child);
        }
    }

  if (!have_scope || !have_type)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA,
                           "Only exclusive or shared write locks are supported");
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
hallway_webdav_lockinfo_free (HallwayWebdavLockinfo *self)
{
  if (self == NULL)
    return;
  g_free (self->owner);
  g_free (self);
}

/**
 * hallway_webdav_xml_append_escaped:
 * @out: where to write
 * @text: UTF-8 text
 *
 * Appends @text as XML character data (also safe inside attribute values).
 */
/* Appends @text with each of the characters in @special (all ASCII)
 * replaced by its entity. */
static void
append_with_entities (GString    *out,
                      const char *text,
                      const char *special)
{
  for (;;)
    {
      gsize run = strcspn (text, special);
      const char *entity;

      g_string_append_len (out, text, run);
      text += run;
      switch (*text)
        {
        case '\0': return;
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&#39;"; break;
        case '\r': entity = "&#13;"; break;
        default: g_assert_not_reached ();
        }
      g_string_append (out, entity);
      text++;
    }
}

void
hallway_webdav_xml_append_escaped (GString    *out,
                                   const char *text)
{
  append_with_entities (out, text, "&<>\"'\r");
}

/* Character data outside attributes: quotes need no entity there, and
 * ETags are full of them. */
static void
append_text (GString    *out,
             const char *text)
{
  append_with_entities (out, text, "&<>\r");
}

void
hallway_webdav_xml_begin_multistatus (GString *out)
{
  g_string_append (out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                        "<D:multistatus xmlns:D=\"DAV:\">\n");
}

void
hallway_webdav_xml_end_multistatus (GString *out)
{
  g_string_append (out, "</D:multistatus>\n");
}

void
hallway_webdav_xml_begin_response (GString    *out,
                                   const char *href)
{
  g_string_append (out, "<D:response><D:href>");
  append_text (out, href);
  g_string_append (out, "</D:href>");
}

void
hallway_webdav_xml_end_response (GString *out)
{
  g_string_append (out, "</D:response>\n");
}

void
hallway_webdav_xml_append_status (GString *out,
                                  guint    status)
{
  /* HTTP status codes have three digits (RFC 9110 §15). */
  char code[] = { '0' + status / 100 % 10, '0' + status / 10 % 10, '0' + status % 10, ' ', '\0' };

  g_return_if_fail (status >= 100 && status <= 999);
  g_string_append (out, "<D:status>HTTP/1.1 ");
  g_string_append (out, code);
  g_string_append (out, soup_status_get_phrase (status));
  g_string_append (out, "</D:status>");
}

void
hallway_webdav_xml_status_response (GString    *out,
                                    const char *href,
                                    guint       status)
{
  hallway_webdav_xml_begin_response (out, href);
  hallway_webdav_xml_append_status (out, status);
  hallway_webdav_xml_end_response (out);
}

void
hallway_webdav_xml_begin_propstat (GString *out)
{
  g_string_append (out, "<D:propstat><D:prop>");
}

void
hallway_webdav_xml_end_propstat (GString *out,
                                 guint    status)
{
  g_string_append (out, "</D:prop>");
  hallway_webdav_xml_append_status (out, status);
  g_string_append (out, "</D:propstat>");
}

/* Properties outside DAV: get a prefix declared on the element itself;
 * those in no namespace get none, as the document has no default one. */
static void
append_open_tag (GString    *out,
                 const char *ns,
                 const char *name,
                 gboolean    empty)
{
  if (strcmp (ns, HALLWAY_WEBDAV_NS) == 0)
    g_string_append (out, "<D:");
  else if (*ns != '\0')
    g_string_append (out, "<R:");
  else
    g_string_append_c (out, '<');
  g_string_append (out, name);
  if (strcmp (ns, HALLWAY_WEBDAV_NS) != 0 && *ns != '\0')
    {
      g_string_append (out, " xmlns:R=\"");
      hallway_webdav_xml_append_escaped (out, ns);
      g_string_append_c (out, '"');
    }
  g_string_append (out, empty ? "/>" : ">");
}

void
hallway_webdav_xml_begin_prop (GString    *out,
                               const char *ns,
                               const char *name)
{
  append_open_tag (out, ns, name, FALSE);
}

void
hallway_webdav_xml_end_prop (GString    *out,
                             const char *ns,
                             const char *name)
{
  if (strcmp (ns, HALLWAY_WEBDAV_NS) == 0)
    g_string_append (out, "</D:");
  else if (*ns != '\0')
    g_string_append (out, "</R:");
  else
    g_string_append (out, "</");
  g_string_append (out, name);
  g_string_append_c (out, '>');
}

void
hallway_webdav_xml_empty_prop (GString    *out,
                               const char *ns,
                               const char *name)
{
  append_open_tag (out, ns, name, TRUE);
}

void
hallway_webdav_xml_text_prop (GString    *out,
                              const char *ns,
                              const char *name,
                              const char *text)
{
  if (text == NULL || *text == '\0')
    {
      hallway_webdav_xml_empty_prop (out, ns, name);
      return;
    }
  hallway_webdav_xml_begin_prop (out, ns, name);
  append_text (out, text);
  hallway_webdav_xml_end_prop (out, ns, name);
}

/* @raw_xml must come from this file's parsers (self-contained, well-formed). */
void
hallway_webdav_xml_raw_prop (GString    *out,
                             const char *ns,
                             const char *name,
                             const char *raw_xml)
{
  if (raw_xml == NULL || *raw_xml == '\0')
    {
      hallway_webdav_xml_empty_prop (out, ns, name);
      return;
    }
  hallway_webdav_xml_begin_prop (out, ns, name);
  g_string_append (out, raw_xml);
  hallway_webdav_xml_end_prop (out, ns, name);
}

/**
 * hallway_webdav_xml_error_body:
 * @precondition: a DAV: precondition name, e.g. "propfind-finite-depth"
 *
 * Returns: (transfer full): an RFC 4918 §16 error body
 */
char *
hallway_webdav_xml_error_body (const char *precondition)
{
  return g_strdup_printf ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                          "<D:error xmlns:D=\"DAV:\"><D:%s/></D:error>\n",
                          precondition);
}
