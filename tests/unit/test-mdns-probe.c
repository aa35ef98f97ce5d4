/* test-mdns-probe.c: the doctor's mDNS query and the answers it reads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-error.h"
#include "hallway-mdns-probe.h"

static const guint8 expected_query[] = {
  0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
  8, '_', 'h', 'a', 'l', 'l', 'w', 'a', 'y', 4, '_', 't', 'c', 'p', 5, 'l', 'o', 'c', 'a', 'l', 0,
  0, 12, 0, 1,
};

static void
test_query (void)
{
  g_autoptr(GBytes) query = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data;

  g_test_summary ("One PTR question for the type in .local, with the id given");

  query = hallway_mdns_probe_build_query (0x1234, "_hallway._tcp", &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (query, &length);
  g_assert_cmpmem (data, length, expected_query, sizeof expected_query);

  g_assert_null (hallway_mdns_probe_build_query (1, "_hallway.._tcp", &error));
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_ARGUMENT);
}

static void
test_answers (void)
{
  guint8 answer[64] = { 0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0 };
  const char instance[] = "\x0c" "Alice Martin";
  gboolean has_instance;

  g_test_summary ("Answers are told by their header; the instance is found as a label");

  memcpy (answer + 20, instance, strlen (instance));
  g_assert_true (hallway_mdns_probe_parse_answer (answer, sizeof answer, 0x1234,
                                                  "Alice Martin", &has_instance));
  g_assert_true (has_instance);
  g_assert_true (hallway_mdns_probe_parse_answer (answer, sizeof answer, 0x1234, "Alice",
                                                  &has_instance));
  g_assert_false (has_instance);

  /* Another id, a query rather than an answer, an error, no records. */
  g_assert_false (hallway_mdns_probe_parse_answer (answer, sizeof answer, 0x1235, NULL, NULL));
  answer[2] = 0x04;
  g_assert_false (hallway_mdns_probe_parse_answer (answer, sizeof answer, 0x1234, NULL, NULL));
  answer[2] = 0x84;
  answer[3] = 0x03;
  g_assert_false (hallway_mdns_probe_parse_answer (answer, sizeof answer, 0x1234, NULL, NULL));
  answer[3] = 0;
  answer[7] = 0;
  g_assert_false (hallway_mdns_probe_parse_answer (answer, sizeof answer, 0x1234, NULL, NULL));
  answer[7] = 1;
  /* Too short for a header. */
  g_assert_false (hallway_mdns_probe_parse_answer (answer, 11, 0x1234, NULL, NULL));
  g_assert_true (hallway_mdns_probe_parse_answer (answer, 12, 0x1234, NULL, NULL));
  /* The label may not run past the end. */
  g_assert_true (hallway_mdns_probe_parse_answer (answer, 20 + 12, 0x1234, "Alice Martin",
                                                  &has_instance));
  g_assert_false (has_instance);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/mdns-probe/query", test_query);
  g_test_add_func ("/share/mdns-probe/answers", test_answers);

  return g_test_run ();
}
