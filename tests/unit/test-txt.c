/* test-txt.c: building and parsing the `_hallway._tcp` TXT record
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "hallway-error.h"
#include "hallway-identity.h"
#include "hallway-txt.h"

/* SHA-256 of "alice" and of "bob", worked out independently (Python's
 * hashlib and base64.urlsafe_b64encode), so the tests don't only check the
 * code against itself. Bob's fingerprint contains a '_'. */
#define ALICE_ID "2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90"
#define ALICE_FP "K9gGyX8OAK8aH8Myj6djqSaXI8jbj6xPk69x2xhtbpA"
#define BOB_ID   "81b637d8fcd2c6da6359e6963113a1170de795e4b725b84d1e0b4cfd9ec58ce9"
#define BOB_FP   "gbY32PzSxtpjWeaWMROhFw3nleS3JbhNHgtM_Z7FjOk"

/* A TXT string given as bytes and length, so tests can put NULs inside. */
typedef struct
{
  const char *data;
  gssize      len;   /* -1: up to the first NUL */
} Raw;

static HallwayTxt *
parse_raw (const Raw  *raw,
           gsize       n_raw,
           GError    **error)
{
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (gsize i = 0; i < n_raw; i++)
    {
      gsize len = raw[i].len < 0 ? strlen (raw[i].data) : (gsize) raw[i].len;

      g_ptr_array_add (strings, g_bytes_new (raw[i].data, len));
    }

  return hallway_txt_parse ((const GBytes * const *) strings->pdata, strings->len, error);
}

/* Parses NULL-terminated C strings. */
static HallwayTxt *
parse_strv (const char * const *strv,
            GError            **error)
{
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (gsize i = 0; strv[i] != NULL; i++)
    g_ptr_array_add (strings, g_bytes_new (strv[i], strlen (strv[i])));

  return hallway_txt_parse ((const GBytes * const *) strings->pdata, strings->len, error);
}

/* Parses the minimal valid record plus @extra (NULL-terminated), which comes
 * after v, id and fp. */
static HallwayTxt *
parse_with (const char * const *extra,
            GError            **error)
{
  g_autoptr(GPtrArray) strv = g_ptr_array_new ();

  g_ptr_array_add (strv, (gpointer) "v=1");
  g_ptr_array_add (strv, (gpointer) "id=" ALICE_ID);
  g_ptr_array_add (strv, (gpointer) "fp=" ALICE_FP);
  for (gsize i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (strv, (gpointer) extra[i]);
  g_ptr_array_add (strv, NULL);

  return parse_strv ((const char * const *) strv->pdata, error);
}

static void
assert_invalid_mentions (HallwayTxt *txt,
                         GError     *error,
                         const char *fragment)
{
  g_assert_null (txt);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_INVALID_DATA);
  if (fragment != NULL)
    g_assert_nonnull (strstr (error->message, fragment));
}

/* Building */

static void
test_build_order (void)
{
  HallwayTxt txt = {
    .version = 1,
    .device_id = (char *) ALICE_ID,
    .fingerprint = (char *) ALICE_FP,
    .host = (char *) "reception-pc",
    .n_shares = 3,
    .n_printers = 1,
    .accepts_drops = TRUE,
  };
  const char * const expected[] = {
    "v=1",
    "id=" ALICE_ID,
    "fp=" ALICE_FP,
    "host=reception-pc",
    "shares=3",
    "printers=1",
    "drop=1",
    NULL
  };
  g_auto(GStrv) strv = NULL;
  gsize total = 0;

  g_test_summary ("Build emits v, id, fp, host, shares, printers, drop in that order");

  strv = hallway_txt_build (&txt);
  g_assert_cmpstrv (strv, expected);

  for (gsize i = 0; strv[i] != NULL; i++)
    total += strlen (strv[i]) + 1;
  g_assert_cmpuint (total, <, 400);
}

static void
test_build_defaults (void)
{
  HallwayTxt txt = {
    .device_id = (char *) BOB_ID,
    .fingerprint = (char *) BOB_FP,
    .n_shares = 123456,
  };
  const char * const expected[] = {
    "v=1",
    "id=" BOB_ID,
    "fp=" BOB_FP,
    "shares=10000",
    "printers=0",
    "drop=0",
    NULL
  };
  g_auto(GStrv) strv = NULL;

  g_test_summary ("Version 0 means 1, no host means no host=, counts are capped");

  strv = hallway_txt_build (&txt);
  g_assert_cmpstrv (strv, expected);
}

static void
test_build_host (void)
{
  HallwayTxt txt = {
    .version = 1,
    .device_id = (char *) ALICE_ID,
    .fingerprint = (char *) ALICE_FP,
  };
  g_autofree char *long_host = g_strnfill (70, 'a');
  g_auto(GStrv) strv = NULL;

  g_test_summary ("The host is cleaned of control characters and cut to 63 bytes");

  txt.host = long_host;
  strv = hallway_txt_build (&txt);
  g_assert_cmpuint (strlen (strv[3]), ==, strlen ("host=") + HALLWAY_TXT_MAX_HOST);
  g_clear_pointer (&strv, g_strfreev);

  txt.host = (char *) "front\tdesk\n\u202Eevil";
  strv = hallway_txt_build (&txt);
  g_assert_cmpstr (strv[3], ==, "host=frontdeskevil");
  g_clear_pointer (&strv, g_strfreev);

  txt.host = (char *) "\x01\x02";
  strv = hallway_txt_build (&txt);
  g_assert_cmpstr (strv[3], ==, "shares=0");
}

static void
test_build_invalid_id (void)
{
  g_test_summary ("Building with an invalid device id is a programmer error");

  if (g_test_subprocess ())
    {
      HallwayTxt txt = {
        .version = 1,
        .device_id = (char *) "2BD806C97F0E00AF1A1FC3328FA763A9269723C8DB8FAC4F93AF71DB186D6E90",
        .fingerprint = (char *) ALICE_FP,
      };
      g_auto(GStrv) strv = hallway_txt_build (&txt);

      g_assert_null (strv);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*hallway_device_id_is_valid*");
}

static void
test_round_trip (void)
{
  HallwayTxt txt = {
    .version = 1,
    .device_id = (char *) BOB_ID,
    .fingerprint = (char *) BOB_FP,
    .host = (char *) "Bürorechner-2",
    .n_shares = 10000,
    .n_printers = 0,
    .accepts_drops = TRUE,
  };
  g_auto(GStrv) strv = NULL;
  g_autoptr(HallwayTxt) parsed = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("What we build parses back to the same values");

  strv = hallway_txt_build (&txt);
  parsed = parse_strv ((const char * const *) strv, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);

  g_assert_cmpuint (parsed->version, ==, 1);
  g_assert_cmpstr (parsed->device_id, ==, BOB_ID);
  g_assert_cmpstr (parsed->fingerprint, ==, BOB_FP);
  g_assert_cmpstr (parsed->host, ==, "Bürorechner-2");
  g_assert_cmpuint (parsed->n_shares, ==, 10000);
  g_assert_cmpuint (parsed->n_printers, ==, 0);
  g_assert_true (parsed->accepts_drops);

  hallway_txt_clear (parsed);
  g_assert_null (parsed->device_id);
  g_assert_cmpuint (parsed->version, ==, 0);
}

/* Parsing */

static void
test_parse_minimal (void)
{
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("v, id and fp are enough; the rest defaults to none");

  txt = parse_with (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txt->version, ==, 1);
  g_assert_cmpstr (txt->device_id, ==, ALICE_ID);
  g_assert_cmpstr (txt->fingerprint, ==, ALICE_FP);
  g_assert_null (txt->host);
  g_assert_cmpuint (txt->n_shares, ==, 0);
  g_assert_cmpuint (txt->n_printers, ==, 0);
  g_assert_false (txt->accepts_drops);
}

static void
test_parse_missing_required (void)
{
  const char * const no_v[] = { "id=" ALICE_ID, "fp=" ALICE_FP, NULL };
  const char * const no_id[] = { "v=1", "fp=" ALICE_FP, NULL };
  const char * const no_fp[] = { "v=1", "id=" ALICE_ID, NULL };
  const char * const none[] = { NULL };
  struct {
    const char * const *strv;
    const char         *key;
  } cases[] = {
    { no_v, "“v”" },
    { no_id, "“id”" },
    { no_fp, "“fp”" },
    { none, "“v”" },
  };

  g_test_summary ("A record without v, id or fp is refused, naming the key");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HallwayTxt) txt = parse_strv (cases[i].strv, &error);

      assert_invalid_mentions (txt, error, cases[i].key);
    }
}

static void
test_parse_no_strings (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayTxt) txt = hallway_txt_parse (NULL, 0, &error);

  g_test_summary ("No strings at all is an invalid record, not a crash");

  assert_invalid_mentions (txt, error, NULL);
}

static void
test_parse_key_case (void)
{
  const char * const strv[] = {
    "V=2", "Id=" ALICE_ID, "FP=" ALICE_FP, "HoSt=pc", "SHARES=4", "Printers=2", "DROP=1", NULL
  };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Keys are compared without regard to case (RFC 6763 §6.4)");

  txt = parse_strv (strv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txt->version, ==, 2);
  g_assert_cmpstr (txt->device_id, ==, ALICE_ID);
  g_assert_cmpstr (txt->host, ==, "pc");
  g_assert_cmpuint (txt->n_shares, ==, 4);
  g_assert_cmpuint (txt->n_printers, ==, 2);
  g_assert_true (txt->accepts_drops);
}

static void
test_parse_duplicate_key (void)
{
  const char * const extra[] = { "shares=3", "SHARES=5", "host=first", "host=second", NULL };
  const char * const bad_first[] = { "shares=x", "shares=2", NULL };
  const char * const good_first[] = { "shares=2", "shares=x", NULL };
  const char * const ids[] = {
    "v=1", "id=" BOB_ID, "id=" ALICE_ID, "fp=" BOB_FP, "fp=" ALICE_FP, "v=7", NULL
  };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("The first occurrence of a key wins; later ones are ignored");

  txt = parse_with (extra, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txt->n_shares, ==, 3);
  g_assert_cmpstr (txt->host, ==, "first");
  g_clear_pointer (&txt, hallway_txt_free);

  txt = parse_with (bad_first, &error);
  assert_invalid_mentions (txt, error, "“shares”");
  g_clear_error (&error);

  txt = parse_with (good_first, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txt->n_shares, ==, 2);
  g_clear_pointer (&txt, hallway_txt_free);

  txt = parse_strv (ids, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txt->version, ==, 1);
  g_assert_cmpstr (txt->device_id, ==, BOB_ID);
  g_assert_cmpstr (txt->fingerprint, ==, BOB_FP);
}

static void
test_parse_host_invalid_utf8 (void)
{
  const char * const hosts[] = {
    "host=caf\xe9",                 /* Latin-1 */
    "host=\xc3",                    /* truncated sequence */
    "host=\xc0\xaf",                /* overlong '/' */
    "host=\xed\xa0\x80",            /* surrogate */
    "host=\xf4\x90\x80\x80",        /* above U+10FFFF */
  };

  g_test_summary ("A host that is not valid UTF-8 is refused");

  for (gsize i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      const char * const extra[] = { hosts[i], NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(HallwayTxt) txt = parse_with (extra, &error);

      assert_invalid_mentions (txt, error, "“host”");
    }
}

static void
test_parse_host_control (void)
{
  const char * const hosts[] = {
    "host=a\tb",
    "host=a\nb",
    "host=\x1b[31mred",
    "host=del\x7f",
    "host=c1\xc2\x85",              /* U+0085 NEL */
    "host=ab\xe2\x80\xa8",          /* U+2028 LINE SEPARATOR */
    "host=\u202Ecp.exe",           /* U+202E RIGHT-TO-LEFT OVERRIDE */
    "host=\xe2\x81\xa6x",           /* U+2066 LEFT-TO-RIGHT ISOLATE */
  };
  const char * const fine[] = { "host=Bür o-PC ☕ 🖨", NULL };
  g_autoptr(HallwayTxt) ok = NULL;
  g_autoptr(GError) ok_error = NULL;

  g_test_summary ("A host with control or reordering characters is refused");

  for (gsize i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      const char * const extra[] = { hosts[i], NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(HallwayTxt) txt = parse_with (extra, &error);

      assert_invalid_mentions (txt, error, "“host”");
      /* The quoted value must not carry the escape through. */
      g_assert_null (strchr (error->message, '\x1b'));
      g_assert_null (strchr (error->message, '\n'));
    }

  ok = parse_with (fine, &ok_error);
  g_assert_no_error (ok_error);
  g_assert_cmpstr (ok->host, ==, "Bür o-PC ☕ 🖨");
}

static void
test_parse_host_length (void)
{
  g_autofree char *pad = g_strnfill (61, 'a');
  g_autofree char *host63 = NULL;
  g_autofree char *host64 = NULL;
  const char *extra[] = { NULL, NULL };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A host may have 63 bytes, not 64; an empty host is no host");

  host63 = g_strconcat ("host=", "é", pad, NULL);
  host64 = g_strconcat (host63, "b", NULL);
  g_assert_cmpuint (strlen (host63), ==, 5 + 63);

  extra[0] = host63;
  txt = parse_with (extra, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (txt->host), ==, 63);
  g_clear_pointer (&txt, hallway_txt_free);

  extra[0] = host64;
  txt = parse_with (extra, &error);
  assert_invalid_mentions (txt, error, "“host”");
  g_clear_error (&error);

  extra[0] = "host=";
  txt = parse_with (extra, &error);
  g_assert_no_error (error);
  g_assert_null (txt->host);
}

static void
test_parse_oversize_string (void)
{
  g_autofree char *s255 = g_strnfill (255, 'x');
  g_autofree char *s256 = g_strnfill (256, 'x');
  const char *extra[] = { NULL, NULL };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A string longer than DNS allows (255 bytes) is refused");

  extra[0] = s255;
  txt = parse_with (extra, &error);
  g_assert_no_error (error);
  g_clear_pointer (&txt, hallway_txt_free);

  extra[0] = s256;
  txt = parse_with (extra, &error);
  assert_invalid_mentions (txt, error, "256");
}

static void
test_parse_too_many_strings (void)
{
  g_autoptr(GPtrArray) extra = g_ptr_array_new ();
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("More than 32 strings are refused, even if each is fine");

  for (gsize i = 3; i < HALLWAY_TXT_MAX_STRINGS; i++)
    g_ptr_array_add (extra, (gpointer) "x=y");
  g_ptr_array_add (extra, NULL);

  txt = parse_with ((const char * const *) extra->pdata, &error);
  g_assert_no_error (error);
  g_clear_pointer (&txt, hallway_txt_free);

  g_ptr_array_insert (extra, 0, (gpointer) "");
  txt = parse_with ((const char * const *) extra->pdata, &error);
  assert_invalid_mentions (txt, error, "33");
}

static void
test_parse_total_too_large (void)
{
  g_autofree char *big = g_strnfill (250, 'x');
  const char * const ok[] = { big, big, big, big, NULL };
  const char * const too_much[] = { big, big, big, big, big, NULL };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("More than 1300 bytes in all are refused");

  txt = parse_with (ok, &error);
  g_assert_no_error (error);
  g_clear_pointer (&txt, hallway_txt_free);

  /* 3 + 67 + 46 + 5 × 250 = 1366 bytes. */
  txt = parse_with (too_much, &error);
  assert_invalid_mentions (txt, error, NULL);
}

static void
test_parse_bad_numbers (void)
{
  const char * const bad[] = {
    "-1", "+1", "01", "00", "99999999999999999999", "1 ", " 1", "", "0x10", "1.0", "1e3",
    "10001", "４",
  };
  const char * const keys[] = { "shares", "printers" };

  g_test_summary ("Counts are strict decimals from 0 to 10000");

  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      g_autofree char *zero = g_strconcat (keys[k], "=0", NULL);
      g_autofree char *max = g_strconcat (keys[k], "=10000", NULL);
      g_autofree char *quoted_key = g_strconcat ("“", keys[k], "”", NULL);
      const char *extra[] = { NULL, NULL };
      g_autoptr(HallwayTxt) txt = NULL;
      g_autoptr(GError) error = NULL;

      for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
        {
          g_autofree char *entry = g_strconcat (keys[k], "=", bad[i], NULL);

          extra[0] = entry;
          txt = parse_with (extra, &error);
          assert_invalid_mentions (txt, error, quoted_key);
          g_clear_error (&error);
        }

      /* A bare count has no number in it. */
      extra[0] = keys[k];
      txt = parse_with (extra, &error);
      assert_invalid_mentions (txt, error, quoted_key);
      g_clear_error (&error);

      extra[0] = zero;
      txt = parse_with (extra, &error);
      g_assert_no_error (error);
      g_clear_pointer (&txt, hallway_txt_free);

      extra[0] = max;
      txt = parse_with (extra, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (k == 0 ? txt->n_shares : txt->n_printers, ==, 10000);
    }
}

static void
test_parse_version (void)
{
  const char * const bad[] = { "v=0", "v=-1", "v=01", "v=1000", "v=", "v", "v=1.2", "v=x" };
  const char * const newer[] = { "v=7", "id=" ALICE_ID, "fp=" ALICE_FP, "future=yes", NULL };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("v is 1 to 999; a newer major version is still accepted");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char * const strv[] = { bad[i], "id=" ALICE_ID, "fp=" ALICE_FP, NULL };
      g_autoptr(GError) local_error = NULL;
      g_autoptr(HallwayTxt) bad_txt = parse_strv (strv, &local_error);

      assert_invalid_mentions (bad_txt, local_error, "“v”");
    }

  txt = parse_strv (newer, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txt->version, ==, 7);
}

static void
test_parse_id_fp_mismatch (void)
{
  const char * const strv[] = { "v=1", "id=" ALICE_ID, "fp=" BOB_FP, NULL };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("An id and a fingerprint of different certificates are refused");

  txt = parse_strv (strv, &error);
  assert_invalid_mentions (txt, error, "disagree");
}

static void
test_parse_id_invalid (void)
{
  const char * const ids[] = {
    "id=2BD806C97F0E00AF1A1FC3328FA763A9269723C8DB8FAC4F93AF71DB186D6E90",
    "id=2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e9",
    "id=2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e900",
    "id=2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e9g",
    "id=",
    "id",
  };

  g_test_summary ("The id must be exactly 64 lowercase hex digits");

  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      const char * const strv[] = { "v=1", ids[i], "fp=" ALICE_FP, NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(HallwayTxt) txt = parse_strv (strv, &error);

      assert_invalid_mentions (txt, error, "“id”");
    }
}

static void
test_parse_fp_invalid (void)
{
  const char * const fps[] = {
    "fp=K9gGyX8OAK8aH8Myj6djqSaXI8jbj6xPk69x2xhtbpB",    /* non-canonical last char */
    "fp=K9gGyX8OAK8aH8Myj6djqSaXI8jbj6xPk69x2xhtbpA=",   /* padded */
    "fp=K9gGyX8OAK8aH8Myj6djqSaXI8jbj6xPk69x2xhtbp",     /* short */
    "fp=K9gGyX8OAK8aH8Myj6djqSaXI8jbj6xPk69x2xhtb+A",    /* standard alphabet */
    "fp=",
  };

  g_test_summary ("The fingerprint must be canonical unpadded base64url of 32 bytes");

  for (gsize i = 0; i < G_N_ELEMENTS (fps); i++)
    {
      const char * const strv[] = { "v=1", "id=" ALICE_ID, fps[i], NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(HallwayTxt) txt = parse_strv (strv, &error);

      assert_invalid_mentions (txt, error, "“fp”");
    }
}

static void
test_parse_nul_in_value (void)
{
  static const char id_with_nul[] = "id=" ALICE_ID "\0";
  static const char host_with_nul[] = "host=pc\0evil";
  static const char shares_with_nul[] = "shares=1\0";
  static const char drop_with_nul[] = "drop=1\0";
  const char *base[] = { "v=1", "id=" ALICE_ID, "fp=" ALICE_FP };
  struct {
    Raw         raw;
    gsize       replaces;
    const char *key;
  } cases[] = {
    { { id_with_nul, sizeof id_with_nul - 1 }, 1, "“id”" },
    { { host_with_nul, sizeof host_with_nul - 1 }, 3, "“host”" },
    { { shares_with_nul, sizeof shares_with_nul - 1 }, 3, "“shares”" },
    { { drop_with_nul, sizeof drop_with_nul - 1 }, 3, "“drop”" },
  };

  g_test_summary ("A value with a NUL byte inside is refused");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Raw raw[4];
      gsize n_raw = 3;
      g_autoptr(GError) error = NULL;
      g_autoptr(HallwayTxt) txt = NULL;

      for (gsize j = 0; j < 3; j++)
        raw[j] = (Raw) { base[j], -1 };

      if (cases[i].replaces < 3)
        raw[cases[i].replaces] = cases[i].raw;
      else
        raw[n_raw++] = cases[i].raw;

      txt = parse_raw (raw, n_raw, &error);
      assert_invalid_mentions (txt, error, cases[i].key);
    }
}

static void
test_parse_nul_in_key (void)
{
  static const char shares_key_nul[] = "shares\0=5";
  Raw raw[] = {
    { "v=1", -1 },
    { "id=" ALICE_ID, -1 },
    { "fp=" ALICE_FP, -1 },
    { shares_key_nul, sizeof shares_key_nul - 1 },
  };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A key with a NUL byte is an unknown key, not a prefix match");

  txt = parse_raw (raw, G_N_ELEMENTS (raw), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txt->n_shares, ==, 0);
}

static void
test_parse_unknown_keys (void)
{
  const char * const extra[] = {
    "u=", "path=/shares/x/", "shares2=9", "share=9", "x", "\xff\xfe=\x01", "v2=3", NULL
  };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Unknown keys, even odd-looking ones, are ignored");

  txt = parse_with (extra, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txt->version, ==, 1);
  g_assert_cmpuint (txt->n_shares, ==, 0);
}

static void
test_parse_bare_keys (void)
{
  const char * const drop_bare[] = { "drop", NULL };
  const char * const drop_empty[] = { "drop=", NULL };
  const char * const drop_other[] = { "drop=yes", NULL };
  const char * const drop_zero[] = { "drop=0", "drop", NULL };
  const char * const host_bare[] = { "host", "host=later", NULL };
  const char * const fp_bare[] = { "v=1", "id=" ALICE_ID, "fp", "fp=" ALICE_FP, NULL };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A bare key is a boolean attribute (RFC 6763 §6.4)");

  txt = parse_with (drop_bare, &error);
  g_assert_no_error (error);
  g_assert_true (txt->accepts_drops);
  g_clear_pointer (&txt, hallway_txt_free);

  txt = parse_with (drop_zero, &error);
  g_assert_no_error (error);
  g_assert_false (txt->accepts_drops);
  g_clear_pointer (&txt, hallway_txt_free);

  txt = parse_with (drop_empty, &error);
  assert_invalid_mentions (txt, error, "“drop”");
  g_clear_error (&error);

  txt = parse_with (drop_other, &error);
  assert_invalid_mentions (txt, error, "“drop”");
  g_clear_error (&error);

  /* The bare key comes first, so it wins; a host without a value is none. */
  txt = parse_with (host_bare, &error);
  g_assert_no_error (error);
  g_assert_null (txt->host);
  g_clear_pointer (&txt, hallway_txt_free);

  txt = parse_strv (fp_bare, &error);
  assert_invalid_mentions (txt, error, "“fp”");
  g_assert_nonnull (strstr (error->message, "no value"));
}

static void
test_parse_empty_strings (void)
{
  const char * const strv[] = {
    "", "=", "=v=2", "v=1", "", "id=" ALICE_ID, "==", "fp=" ALICE_FP, "", NULL
  };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Empty strings and strings starting with '=' are skipped");

  txt = parse_strv (strv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txt->version, ==, 1);
}

static void
test_parse_error_quotes_little (void)
{
  g_autofree char *junk = g_strnfill (200, 'A');
  g_autofree char *entry = NULL;
  const char *extra[] = { NULL, NULL };
  g_autoptr(HallwayTxt) txt = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Errors quote at most a short, escaped part of the hostile value");

  entry = g_strconcat ("printers=\x1b]0;pwned\x07", junk, NULL);
  extra[0] = entry;
  txt = parse_with (extra, &error);
  assert_invalid_mentions (txt, error, "“printers”");
  g_assert_null (strchr (error->message, '\x1b'));
  g_assert_null (strchr (error->message, '\x07'));
  g_assert_nonnull (strstr (error->message, "\\x1b]0;pwned\\x07"));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_cmpuint (strlen (error->message), <, 140);
}

/* Truncation */

static void
assert_truncated (const char *input,
                  gsize       max_bytes,
                  const char *expected)
{
  g_autofree char *result = hallway_utf8_truncate (input, max_bytes);

  g_assert_cmpstr (result, ==, expected);
  g_assert_cmpuint (strlen (result), <=, max_bytes);
  g_assert_true (g_utf8_validate (result, -1, NULL));
}

static void
test_truncate_ascii (void)
{
  g_autofree char *s63 = g_strnfill (63, 'a');
  g_autofree char *s64 = g_strnfill (64, 'a');

  g_test_summary ("ASCII is cut at exactly the limit; short names are untouched");

  assert_truncated ("Alice Martin on reception-pc", 63, "Alice Martin on reception-pc");
  assert_truncated (s63, 63, s63);
  assert_truncated (s64, 63, s63);
  assert_truncated ("", 63, "");
  assert_truncated ("abc", 0, "");
}

static void
test_truncate_multibyte (void)
{
  struct {
    const char *unit;   /* one character */
    gsize       n_bytes;
  } units[] = {
    { "é", 2 },
    { "€", 3 },
    { "😀", 4 },
  };

  g_test_summary ("2-, 3- and 4-byte characters straddling the limit are dropped whole");

  for (gsize u = 0; u < G_N_ELEMENTS (units); u++)
    {
      /* Put the multi-byte character at every offset around byte 63. */
      for (gsize prefix = 63 - units[u].n_bytes - 1; prefix <= 63; prefix++)
        {
          g_autofree char *pad = g_strnfill (prefix, 'a');
          g_autofree char *input = g_strconcat (pad, units[u].unit, "zzz", NULL);
          g_autofree char *expected = NULL;

          if (prefix + units[u].n_bytes <= 63)
            expected = g_strndup (input, MIN (63, strlen (input)));
          else
            expected = g_strdup (pad);

          assert_truncated (input, 63, expected);
        }
    }

  /* A name made only of 4-byte characters: 15 fit in 63 bytes (60). */
  {
    GString *emoji = g_string_new (NULL);
    g_autofree char *input = NULL;
    g_autofree char *result = NULL;

    for (int i = 0; i < 20; i++)
      g_string_append (emoji, "😀");
    input = g_string_free (emoji, FALSE);
    result = hallway_utf8_truncate (input, 63);
    g_assert_cmpuint (strlen (result), ==, 60);
    g_assert_cmpuint (g_utf8_strlen (result, -1), ==, 15);
  }

  assert_truncated ("😀", 3, "");
}

static void
test_truncate_exact_length (void)
{
  g_autofree char *pad = g_strnfill (59, 'a');
  g_autofree char *exact = g_strconcat (pad, "😀", NULL);

  g_test_summary ("A name of exactly 63 bytes ending in a 4-byte character is kept");

  g_assert_cmpuint (strlen (exact), ==, 63);
  assert_truncated (exact, 63, exact);
}

static void
test_truncate_invalid_utf8 (void)
{
  g_autofree char *pad = g_strnfill (61, 'a');
  g_autofree char *input = g_strconcat (pad, "\xff", "tail", NULL);
  g_autofree char *result = NULL;

  g_test_summary ("Invalid UTF-8 is replaced first, then cut on a boundary");

  assert_truncated ("caf\xe9", 63, "caf\xef\xbf\xbd");
  assert_truncated ("\xc3", 63, "\xef\xbf\xbd");

  /* The 3-byte U+FFFD replacing \xff would end at byte 64, so it goes. */
  result = hallway_utf8_truncate (input, 63);
  g_assert_cmpstr (result, ==, pad);
}

static void
test_truncate_trailing_space (void)
{
  g_autofree char *pad = g_strnfill (61, 'a');
  g_autofree char *input = g_strconcat (pad, "  bc", NULL);
  g_autofree char *spaces = g_strnfill (70, ' ');
  g_autofree char *spaces63 = g_strnfill (63, ' ');

  g_test_summary ("A cut does not leave a trailing space, unless nothing else is left");

  assert_truncated ("Alice Martin on reception-pc", 15, "Alice Martin on");
  assert_truncated ("Alice Martin on reception-pc", 16, "Alice Martin on");
  assert_truncated (input, 63, pad);
  assert_truncated (spaces, 63, spaces63);
  /* Names that fit are left exactly as they are. */
  assert_truncated ("trailing ", 63, "trailing ");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/txt/build/order", test_build_order);
  g_test_add_func ("/share/txt/build/defaults", test_build_defaults);
  g_test_add_func ("/share/txt/build/host", test_build_host);
  g_test_add_func ("/share/txt/build/invalid-id", test_build_invalid_id);
  g_test_add_func ("/share/txt/round-trip", test_round_trip);
  g_test_add_func ("/share/txt/parse/minimal", test_parse_minimal);
  g_test_add_func ("/share/txt/parse/missing-required", test_parse_missing_required);
  g_test_add_func ("/share/txt/parse/no-strings", test_parse_no_strings);
  g_test_add_func ("/share/txt/parse/key-case", test_parse_key_case);
  g_test_add_func ("/share/txt/parse/duplicate-key", test_parse_duplicate_key);
  g_test_add_func ("/share/txt/parse/host-invalid-utf8", test_parse_host_invalid_utf8);
  g_test_add_func ("/share/txt/parse/host-control", test_parse_host_control);
  g_test_add_func ("/share/txt/parse/host-length", test_parse_host_length);
  g_test_add_func ("/share/txt/parse/oversize-string", test_parse_oversize_string);
  g_test_add_func ("/share/txt/parse/too-many-strings", test_parse_too_many_strings);
  g_test_add_func ("/share/txt/parse/total-too-large", test_parse_total_too_large);
  g_test_add_func ("/share/txt/parse/bad-numbers", test_parse_bad_numbers);
  g_test_add_func ("/share/txt/parse/version", test_parse_version);
  g_test_add_func ("/share/txt/parse/id-fp-mismatch", test_parse_id_fp_mismatch);
  g_test_add_func ("/share/txt/parse/id-invalid", test_parse_id_invalid);
  g_test_add_func ("/share/txt/parse/fp-invalid", test_parse_fp_invalid);
  g_test_add_func ("/share/txt/parse/nul-in-value", test_parse_nul_in_value);
  g_test_add_func ("/share/txt/parse/nul-in-key", test_parse_nul_in_key);
  g_test_add_func ("/share/txt/parse/unknown-keys", test_parse_unknown_keys);
  g_test_add_func ("/share/txt/parse/bare-keys", test_parse_bare_keys);
  g_test_add_func ("/share/txt/parse/empty-strings", test_parse_empty_strings);
  g_test_add_func ("/share/txt/parse/error-quotes-little", test_parse_error_quotes_little);
  g_test_add_func ("/share/txt/truncate/ascii", test_truncate_ascii);
  g_test_add_func ("/share/txt/truncate/multibyte", test_truncate_multibyte);
  g_test_add_func ("/share/txt/truncate/exact-length", test_truncate_exact_length);
  g_test_add_func ("/share/txt/truncate/invalid-utf8", test_truncate_invalid_utf8);
  g_test_add_func ("/share/txt/truncate/trailing-space", test_truncate_trailing_space);

  return g_test_run ();
}
