/* test-range.c: HTTP byte ranges and validators
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "hallway-range.h"

#define NONE  HALLWAY_RANGE_NONE
#define SAT   HALLWAY_RANGE_SATISFIABLE
#define UNSAT HALLWAY_RANGE_UNSATISFIABLE

/* The example date of RFC 7231. */
#define RFC_DATE      "Sun, 06 Nov 1994 08:49:37 GMT"
#define RFC_DATE_UNIX G_GINT64_CONSTANT (784111777)

typedef struct
{
  const char         *header;
  goffset             size;
  HallwayRangeResult  result;
  goffset             start;
  goffset             end;
} RangeCase;

static const RangeCase range_cases[] = {
  /* The three forms */
  { "bytes=0-499", 1000, SAT, 0, 499 },
  { "bytes=500-999", 1000, SAT, 500, 999 },
  { "bytes=500-", 1000, SAT, 500, 999 },
  { "bytes=-500", 1000, SAT, 500, 999 },
  { "bytes=0-0", 1000, SAT, 0, 0 },
  { "bytes=999-999", 1000, SAT, 999, 999 },
  { "bytes=-1", 1000, SAT, 999, 999 },
  /* Clamping */
  { "bytes=0-99999", 1000, SAT, 0, 999 },
  { "bytes=-1000", 1000, SAT, 0, 999 },
  { "bytes=-5000", 1000, SAT, 0, 999 },
  { "bytes=-999999999999999999", 1000, SAT, 0, 999 },
  /* Unsatisfiable */
  { "bytes=1000-", 1000, UNSAT, 0, 0 },
  { "bytes=1000-2000", 1000, UNSAT, 0, 0 },
  { "bytes=-0", 1000, UNSAT, 0, 0 },
  { "bytes=999999999999999999-", 1000, UNSAT, 0, 0 },
  /* Spelling */
  { "BYTES=0-1", 1000, SAT, 0, 1 },
  { "Bytes=0-1", 1000, SAT, 0, 1 },
  { "bytes = 0 - 1", 1000, SAT, 0, 1 },
  { " \tbytes=0-1 \t", 1000, SAT, 0, 1 },
  { "bytes=\t-10", 1000, SAT, 990, 999 },
  { "bytes=0-1,", 1000, SAT, 0, 1 },
  { "bytes=, 0-1 ,,", 1000, SAT, 0, 1 },
  { "bytes=000000000000000001-", 1000, SAT, 1, 999 },
  /* Ignored: more than one range */
  { "bytes=0-1,5-6", 1000, NONE, 0, 0 },
  { "bytes=0-1, 0-1", 1000, NONE, 0, 0 },
  { "bytes=-1,0-", 1000, NONE, 0, 0 },
  /* Ignored: malformed */
  { NULL, 1000, NONE, 0, 0 },
  { "", 1000, NONE, 0, 0 },
  { "bytes", 1000, NONE, 0, 0 },
  { "bytes=", 1000, NONE, 0, 0 },
  { "bytes=,", 1000, NONE, 0, 0 },
  { "bytes=-", 1000, NONE, 0, 0 },
  { "bytes=5-4", 1000, NONE, 0, 0 },
  { "bytes=a-b", 1000, NONE, 0, 0 },
  { "bytes=1-2x", 1000, NONE, 0, 0 },
  { "bytes=1-2;", 1000, NONE, 0, 0 },
  { "bytes=+1-2", 1000, NONE, 0, 0 },
  { "bytes=--1", 1000, NONE, 0, 0 },
  { "bytes=-+1", 1000, NONE, 0, 0 },
  { "bytes=1--2", 1000, NONE, 0, 0 },
  { "bytes=0x10-", 1000, NONE, 0, 0 },
  { "bytes=1e3-", 1000, NONE, 0, 0 },
  { "bytes=1.5-", 1000, NONE, 0, 0 },
  { "bytes=0-1\n", 1000, NONE, 0, 0 },
  { "bytes 0-1", 1000, NONE, 0, 0 },
  { "bytes:0-1", 1000, NONE, 0, 0 },
  { "items=0-1", 1000, NONE, 0, 0 },
  { "bytesx=0-1", 1000, NONE, 0, 0 },
  { "xbytes=0-1", 1000, NONE, 0, 0 },
  /* Ignored: numbers too long to be real */
  { "bytes=1000000000000000000-", 1000, NONE, 0, 0 },
  { "bytes=0000000000000000001-", 1000, NONE, 0, 0 },
  { "bytes=9223372036854775807-", 1000, NONE, 0, 0 },
  { "bytes=9223372036854775808-", 1000, NONE, 0, 0 },
  { "bytes=0-9223372036854775808", 1000, NONE, 0, 0 },
  { "bytes=-18446744073709551617", 1000, NONE, 0, 0 },
  { "bytes=99999999999999999999999999999999999999-", 1000, NONE, 0, 0 },
  /* An empty file has no satisfiable range. */
  { "bytes=0-", 0, UNSAT, 0, 0 },
  { "bytes=0-0", 0, UNSAT, 0, 0 },
  { "bytes=-1", 0, UNSAT, 0, 0 },
  { "bytes=-0", 0, UNSAT, 0, 0 },
  { "bytes=garbage", 0, NONE, 0, 0 },
  { "bytes=0-1,2-3", 0, NONE, 0, 0 },
  /* One byte */
  { "bytes=0-", 1, SAT, 0, 0 },
  { "bytes=-1", 1, SAT, 0, 0 },
  { "bytes=-2", 1, SAT, 0, 0 },
  { "bytes=0-5", 1, SAT, 0, 0 },
  { "bytes=1-", 1, UNSAT, 0, 0 },
  /* The largest file */
  { "bytes=-1", G_MAXINT64, SAT, G_MAXINT64 - 1, G_MAXINT64 - 1 },
  { "bytes=999999999999999999-", G_MAXINT64, SAT, 999999999999999999, G_MAXINT64 - 1 },
  { "bytes=0-999999999999999999", G_MAXINT64, SAT, 0, 999999999999999999 },
};

static void
test_range_cases (void)
{
  g_test_summary ("Range headers: single ranges, clamping, 416 cases, and what is ignored");

  g_assert_cmpuint (G_N_ELEMENTS (range_cases), >=, 30);

  for (gsize i = 0; i < G_N_ELEMENTS (range_cases); i++)
    {
      const RangeCase *c = &range_cases[i];
      g_autofree char *escaped = c->header != NULL ? g_strescape (c->header, NULL) : NULL;
      goffset start = -42;
      goffset end = -42;
      HallwayRangeResult result;

      g_test_message ("Range: %s, size %" G_GOFFSET_FORMAT,
                      escaped != NULL ? escaped : "(none)", c->size);
      result = hallway_range_parse (c->header, c->size, &start, &end);
      g_assert_cmpint (result, ==, c->result);

      if (result == HALLWAY_RANGE_SATISFIABLE)
        {
          g_assert_cmpint (start, ==, c->start);
          g_assert_cmpint (end, ==, c->end);
          g_assert_cmpint (0, <=, start);
          g_assert_cmpint (start, <=, end);
          g_assert_cmpint (end, <, c->size);
        }
      else
        {
          /* Left alone unless satisfiable. */
          g_assert_cmpint (start, ==, -42);
          g_assert_cmpint (end, ==, -42);
        }
    }
}

static void
test_range_huge_header (void)
{
  g_autoptr(GString) header = g_string_new ("bytes=");
  goffset start = 0;
  goffset end = 0;

  g_test_summary ("A megabyte of empty list elements or digits is ignored quickly");

  for (int i = 0; i < 1024 * 1024; i++)
    g_string_append_c (header, ',');
  g_string_append (header, "0-1");
  g_assert_cmpint (hallway_range_parse (header->str, 10, &start, &end), ==, SAT);

  g_string_truncate (header, strlen ("bytes="));
  for (int i = 0; i < 1024 * 1024; i++)
    g_string_append_c (header, '7');
  g_string_append_c (header, '-');
  g_assert_cmpint (hallway_range_parse (header->str, 10, &start, &end), ==, NONE);
}

typedef struct
{
  const char *header;
  gboolean    valid;
  goffset     start;
  goffset     end;
  goffset     total;
} ContentRangeCase;

static const ContentRangeCase content_range_cases[] = {
  { "bytes 0-99/1000", TRUE, 0, 99, 1000 },
  { "bytes 0-99/*", TRUE, 0, 99, -1 },
  { "bytes 900-999/1000", TRUE, 900, 999, 1000 },
  { "bytes 0-0/1", TRUE, 0, 0, 1 },
  { "BYTES 0-0/1", TRUE, 0, 0, 1 },
  { "bytes  5-9/10", TRUE, 5, 9, 10 },
  { " bytes 5-9/10 ", TRUE, 5, 9, 10 },
  { "bytes 999999999999999998-999999999999999998/999999999999999999", TRUE,
    999999999999999998, 999999999999999998, 999999999999999999 },
  { NULL, FALSE, 0, 0, 0 },
  { "", FALSE, 0, 0, 0 },
  { "bytes", FALSE, 0, 0, 0 },
  { "bytes ", FALSE, 0, 0, 0 },
  { "bytes 0-1000/1000", FALSE, 0, 0, 0 },
  { "bytes 10-9/100", FALSE, 0, 0, 0 },
  { "bytes */1000", FALSE, 0, 0, 0 },
  { "bytes 0-99", FALSE, 0, 0, 0 },
  { "bytes 0-99/", FALSE, 0, 0, 0 },
  { "bytes 0-/100", FALSE, 0, 0, 0 },
  { "bytes -5/100", FALSE, 0, 0, 0 },
  { "bytes 0-99/0", FALSE, 0, 0, 0 },
  { "bytes=0-99/1000", FALSE, 0, 0, 0 },
  { "bytes0-99/1000", FALSE, 0, 0, 0 },
  { "bytes 0 - 99/1000", FALSE, 0, 0, 0 },
  { "bytes 0-99 /1000", FALSE, 0, 0, 0 },
  { "bytes 0-99/1000 x", FALSE, 0, 0, 0 },
  { "bytes 0-99/1000,", FALSE, 0, 0, 0 },
  { "bytes +0-99/1000", FALSE, 0, 0, 0 },
  { "bytes 0-99/**", FALSE, 0, 0, 0 },
  { "items 0-99/1000", FALSE, 0, 0, 0 },
  { "bytes 0-1/1000000000000000000", FALSE, 0, 0, 0 },
  { "bytes 0-9223372036854775807/*", FALSE, 0, 0, 0 },
};

static void
test_content_range (void)
{
  g_test_summary ("Content-Range of uploads: bytes first-last/total or /*, nothing else");

  for (gsize i = 0; i < G_N_ELEMENTS (content_range_cases); i++)
    {
      const ContentRangeCase *c = &content_range_cases[i];
      goffset start = -42;
      goffset end = -42;
      goffset total = -42;
      gboolean valid;

      g_test_message ("Content-Range: %s", c->header != NULL ? c->header : "(none)");
      valid = hallway_content_range_parse (c->header, &start, &end, &total);
      g_assert_cmpint (valid, ==, c->valid);
      if (valid)
        {
          g_assert_cmpint (start, ==, c->start);
          g_assert_cmpint (end, ==, c->end);
          g_assert_cmpint (total, ==, c->total);
        }
      else
        {
          g_assert_cmpint (start, ==, -42);
          g_assert_cmpint (end, ==, -42);
          g_assert_cmpint (total, ==, -42);
        }
    }
}

/* Validators */

static void
test_etag_new (void)
{
  const gint64 mtime = G_GINT64_CONSTANT (1700000000123456789);
  g_autofree char *etag = hallway_etag_new (2049, 1234567, 1000, mtime);
  g_autofree char *same = hallway_etag_new (2049, 1234567, 1000, mtime);
  g_autofree char *resized = hallway_etag_new (2049, 1234567, 1001, mtime);
  g_autofree char *touched = hallway_etag_new (2049, 1234567, 1000, mtime + 1);
  g_autofree char *other_inode = hallway_etag_new (2049, 1234568, 1000, mtime);
  g_autofree char *other_device = hallway_etag_new (2050, 1234567, 1000, mtime);
  g_autofree char *odd = hallway_etag_new (G_MAXUINT64, 0, -1, G_MININT64);
  g_autofree char *inode_hex = g_strdup_printf ("%x", 1234567);

  g_test_summary ("ETags are quoted hex, stable, and change with size, time and inode");

  g_assert_true (g_regex_match_simple ("^\"[0-9a-f]{16}-3e8-[0-9a-f]+\"$", etag, 0, 0));
  g_assert_true (g_regex_match_simple ("^\"[0-9a-f]{16}-[0-9a-f]+-[0-9a-f]+\"$", odd, 0, 0));
  g_assert_cmpstr (etag, ==, same);
  g_assert_cmpstr (etag, !=, resized);
  g_assert_cmpstr (etag, !=, touched);
  g_assert_cmpstr (etag, !=, other_inode);
  g_assert_cmpstr (etag, !=, other_device);

  /* The inode number is not shown as such. */
  g_assert_null (strstr (etag, inode_hex));

  /* It is a valid strong entity-tag. */
  g_assert_true (hallway_etag_list_matches (etag, etag, FALSE));
  g_assert_true (hallway_if_range_matches (etag, etag, 0));
}

static void
test_if_range (void)
{
  const char *etag = "\"abc-123\"";

  g_test_summary ("If-Range: strong entity-tags, or exactly the Last-Modified date");

  g_assert_true (hallway_if_range_matches ("\"abc-123\"", etag, 0));
  g_assert_true (hallway_if_range_matches ("  \"abc-123\"\t", etag, 0));
  g_assert_false (hallway_if_range_matches ("\"abc-124\"", etag, 0));
  g_assert_false (hallway_if_range_matches ("\"ABC-123\"", etag, 0));
  g_assert_false (hallway_if_range_matches ("W/\"abc-123\"", etag, 0));
  g_assert_false (hallway_if_range_matches ("\"abc-123\"", "W/\"abc-123\"", 0));
  g_assert_false (hallway_if_range_matches ("\"abc-123", etag, 0));
  g_assert_false (hallway_if_range_matches ("\"abc-123\" x", etag, 0));
  g_assert_false (hallway_if_range_matches ("\"abc-123\", \"abc-123\"", etag, 0));
  g_assert_false (hallway_if_range_matches ("\"abc-123\"", NULL, 0));
  g_assert_false (hallway_if_range_matches ("\"abc-123\"", "garbage", 0));
  g_assert_false (hallway_if_range_matches ("abc-123", etag, 0));
  g_assert_false (hallway_if_range_matches (NULL, etag, 0));
  g_assert_false (hallway_if_range_matches ("", etag, 0));

  /* Dates, in the three HTTP forms */
  g_assert_true (hallway_if_range_matches (RFC_DATE, etag, RFC_DATE_UNIX));
  g_assert_true (hallway_if_range_matches ("Sunday, 06-Nov-94 08:49:37 GMT", etag, RFC_DATE_UNIX));
  g_assert_true (hallway_if_range_matches ("Sun Nov  6 08:49:37 1994", etag, RFC_DATE_UNIX));
  g_assert_true (hallway_if_range_matches (" " RFC_DATE " ", NULL, RFC_DATE_UNIX));
  g_assert_false (hallway_if_range_matches (RFC_DATE, etag, RFC_DATE_UNIX + 1));
  g_assert_false (hallway_if_range_matches (RFC_DATE, etag, RFC_DATE_UNIX - 1));
  g_assert_false (hallway_if_range_matches ("Sun, 06 Nov 1994 08:49:38 GMT", etag, RFC_DATE_UNIX));
  g_assert_false (hallway_if_range_matches ("garbage", etag, RFC_DATE_UNIX));
  g_assert_false (hallway_if_range_matches ("784111777", etag, RFC_DATE_UNIX));
  g_assert_true (hallway_if_range_matches (RFC_DATE "                              "
                                           "                                          ",
                                           etag, RFC_DATE_UNIX));
  g_assert_false (hallway_if_range_matches (RFC_DATE " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                                            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                                            etag, RFC_DATE_UNIX));
}

static void
test_etag_list (void)
{
  const char *etag = "\"v2\"";
  const char *weak_etag = "W/\"v2\"";

  g_test_summary ("If-Match compares strongly, If-None-Match weakly; '*' and lists work");

  /* '*' matches any existing file, and nothing when there is none. */
  g_assert_true (hallway_etag_list_matches ("*", etag, FALSE));
  g_assert_true (hallway_etag_list_matches (" * ", etag, TRUE));
  g_assert_false (hallway_etag_list_matches ("*", NULL, FALSE));
  g_assert_false (hallway_etag_list_matches ("*", NULL, TRUE));
  g_assert_false (hallway_etag_list_matches ("*, \"v2\"", etag, FALSE));
  g_assert_false (hallway_etag_list_matches ("**", etag, FALSE));

  /* Lists */
  g_assert_true (hallway_etag_list_matches ("\"v2\"", etag, FALSE));
  g_assert_true (hallway_etag_list_matches ("\"v1\", \"v2\"", etag, FALSE));
  g_assert_true (hallway_etag_list_matches ("\"v1\",\"v2\",\"v3\"", etag, FALSE));
  g_assert_true (hallway_etag_list_matches (" , \"v1\" ,, \"v2\" , ", etag, FALSE));
  g_assert_false (hallway_etag_list_matches ("\"v1\", \"v3\"", etag, FALSE));
  g_assert_false (hallway_etag_list_matches ("\"V2\"", etag, FALSE));
  g_assert_false (hallway_etag_list_matches ("\"v2 \"", etag, FALSE));

  /* Strong and weak comparison (RFC 7232 §2.3.2) */
  g_assert_false (hallway_etag_list_matches ("W/\"v2\"", etag, FALSE));
  g_assert_true (hallway_etag_list_matches ("W/\"v2\"", etag, TRUE));
  g_assert_false (hallway_etag_list_matches ("\"v2\"", weak_etag, FALSE));
  g_assert_true (hallway_etag_list_matches ("\"v2\"", weak_etag, TRUE));
  g_assert_true (hallway_etag_list_matches ("W/\"v2\"", weak_etag, TRUE));
  g_assert_false (hallway_etag_list_matches ("w/\"v2\"", etag, TRUE));

  /* Malformed headers match nothing, even next to a match. */
  g_assert_false (hallway_etag_list_matches ("\"v2\", v3", etag, FALSE));
  g_assert_false (hallway_etag_list_matches ("v2", etag, TRUE));
  g_assert_false (hallway_etag_list_matches ("\"v2\"\"v3\"", etag, FALSE));
  g_assert_false (hallway_etag_list_matches ("\"v2", etag, FALSE));
  g_assert_false (hallway_etag_list_matches ("\"v\x01\", \"v2\"", etag, FALSE));
  g_assert_false (hallway_etag_list_matches ("", etag, FALSE));
  g_assert_false (hallway_etag_list_matches (",", etag, FALSE));
  g_assert_false (hallway_etag_list_matches (NULL, etag, FALSE));
  g_assert_false (hallway_etag_list_matches ("\"v2\"", "v2", FALSE));

  /* obs-text is allowed inside tags. */
  g_assert_true (hallway_etag_list_matches ("\"caf\xc3\xa9\"", "\"caf\xc3\xa9\"", FALSE));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/range/parse/cases", test_range_cases);
  g_test_add_func ("/share/range/parse/huge-header", test_range_huge_header);
  g_test_add_func ("/share/range/content-range", test_content_range);
  g_test_add_func ("/share/range/etag/new", test_etag_new);
  g_test_add_func ("/share/range/etag/if-range", test_if_range);
  g_test_add_func ("/share/range/etag/list", test_etag_list);

  return g_test_run ();
}
