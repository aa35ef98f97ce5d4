/* fuzz-webdav-xml.c: libFuzzer target for WebDAV request bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a PROPFIND, PROPPATCH or LOCK body; all three parsers get
 * it. Each either gives a result or an error with a readable message. A
 * lock's owner is sent back to every client in lockdiscovery, so it must
 * be well-formed XML on its own: wrapped in a new LOCK body it parses
 * again, to the same owner.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "hallway-webdav-xml.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_error (gboolean      parsed,
             const GError *error)
{
  g_assert (parsed == (error == NULL));
  if (error != NULL)
    g_assert (g_utf8_validate (error->message, -1, NULL));
}

static void
check_owner (const char *owner)
{
  g_autoptr(GString) body = g_string_new ("<D:lockinfo xmlns:D=\"DAV:\">"
                                          "<D:lockscope><D:shared/></D:lockscope>"
                                          "<D:locktype><D:write/></D:locktype><D:owner>");
  g_autoptr(HallwayWebdavLockinfo) again = NULL;
  g_autoptr(GError) error = NULL;

  g_string_append (body, owner);
  g_string_append (body, "</D:owner></D:lockinfo>");
  again = hallway_webdav_lockinfo_parse (body->str, body->len, &error);
  g_assert (again != NULL);
  g_assert (again->owner != NULL);
  g_assert (strcmp (again->owner, owner) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized = FALSE;
  const char *body = (const char *) data;
  g_autoptr(HallwayWebdavPropfind) propfind = NULL;
  g_autoptr(HallwayWebdavProppatch) proppatch = NULL;
  g_autoptr(HallwayWebdavLockinfo) lockinfo = NULL;
  g_autoptr(GError) propfind_error = NULL;
  g_autoptr(GError) proppatch_error = NULL;
  g_autoptr(GError) lockinfo_error = NULL;

  if (!initialized)
    {
      /* A critical (a failed precondition) is a bug the fuzzer should
       * report, not a line on stderr. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      initialized = TRUE;
    }

  propfind = hallway_webdav_propfind_parse (body, size, &propfind_error);
  check_error (propfind != NULL, propfind_error);
  if (propfind != NULL)
    g_assert (propfind->props != NULL);

  proppatch = hallway_webdav_proppatch_parse (body, size, &proppatch_error);
  check_error (proppatch != NULL, proppatch_error);
  if (proppatch != NULL)
    {
      for (guint i = 0; i < proppatch->updates->len; i++)
        {
          HallwayWebdavPropUpdate *update = g_ptr_array_index (proppatch->updates, i);

          g_assert (update->name.name != NULL && update->name.ns != NULL);
          g_assert (update->remove || update->value != NULL);
          g_assert (update->value == NULL || g_utf8_validate (update->value, -1, NULL));
        }
    }

  lockinfo = hallway_webdav_lockinfo_parse (body, size, &lockinfo_error);
  check_error (lockinfo != NULL, lockinfo_error);
  if (lockinfo != NULL && lockinfo->owner != NULL)
    check_owner (lockinfo->owner);

  return 0;
}
