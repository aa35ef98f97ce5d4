/* test-identity.c: this computer's key, certificate and device id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hallway-error.h"
#include "hallway-identity.h"

/* SHA-256 of "alice", worked out independently (Python's hashlib, base64 and
 * a hand-written Crockford encoder). */
#define ALICE_ID   "2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90"
#define ALICE_FP   "K9gGyX8OAK8aH8Myj6djqSaXI8jbj6xPk69x2xhtbpA"
#define ALICE_CODE "5FC0-DJBZ"
#define BOB_ID     "81b637d8fcd2c6da6359e6963113a1170de795e4b725b84d1e0b4cfd9ec58ce9"
#define BOB_FP     "gbY32PzSxtpjWeaWMROhFw3nleS3JbhNHgtM_Z7FjOk"
#define BOB_CODE   "G6V3-FP7W"

#define CODE_PATTERN "^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"

typedef struct
{
  char *tmp;         /* the directory g_dir_make_tmp() made */
  char *dir;         /* the identity directory inside it, not created yet */
  char *key_path;
  char *cert_path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->tmp = g_dir_make_tmp ("hallway-test-identity-XXXXXX", &error);
  g_assert_no_error (error);

  /* Two levels, so that load_or_create() has to make parents too. */
  fixture->dir = g_build_filename (fixture->tmp, "data", "hallway", NULL);
  fixture->key_path = g_build_filename (fixture->dir, "identity-key.pem", NULL);
  fixture->cert_path = g_build_filename (fixture->dir, "identity-cert.pem", NULL);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_assert_cmpint (g_unlink (child), ==, 0);
        }
      g_dir_close (dir);
    }

  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  remove_tree (fixture->tmp);
  g_assert_false (g_file_test (fixture->tmp, G_FILE_TEST_EXISTS));

  g_free (fixture->tmp);
  g_free (fixture->dir);
  g_free (fixture->key_path);
  g_free (fixture->cert_path);
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static void
write_file (const char *path,
            const char *contents,
            int         mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode, &error);
  g_assert_no_error (error);
}

static HallwayIdentity *
load_or_create (const Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  HallwayIdentity *identity = hallway_identity_load_or_create (fixture->dir, &error);

  g_assert_no_error (error);
  g_assert_true (HALLWAY_IS_IDENTITY (identity));
  return identity;
}

static void
assert_code_format (const char *code)
{
  g_assert_true (g_regex_match_simple (CODE_PATTERN, code, 0, 0));
}

/* Helpers for ids and fingerprints */

static void
test_device_id_valid (void)
{
  g_test_summary ("A device id is exactly 64 lowercase hex digits");

  g_assert_true (hallway_device_id_is_valid (ALICE_ID));
  g_assert_false (hallway_device_id_is_valid (NULL));
  g_assert_false (hallway_device_id_is_valid (""));
  g_assert_false (hallway_device_id_is_valid (
    "2BD806C97F0E00AF1A1FC3328FA763A9269723C8DB8FAC4F93AF71DB186D6E90"));
  g_assert_false (hallway_device_id_is_valid (ALICE_ID "0"));
  g_assert_false (hallway_device_id_is_valid (
    "2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e9"));
  g_assert_false (hallway_device_id_is_valid (
    " bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90"));
}

static void
test_fingerprint_valid (void)
{
  g_test_summary ("A fingerprint is the canonical unpadded base64url of 32 bytes");

  g_assert_true (hallway_fingerprint_is_valid (ALICE_FP));
  g_assert_true (hallway_fingerprint_is_valid (BOB_FP));
  g_assert_false (hallway_fingerprint_is_valid (NULL));
  g_assert_false (hallway_fingerprint_is_valid (""));
  /* The last character of 43 carries two padding bits, which must be zero. */
  g_assert_false (hallway_fingerprint_is_valid ("K9gGyX8OAK8aH8Myj6djqSaXI8jbj6xPk69x2xhtbpB"));
  g_assert_false (hallway_fingerprint_is_valid ("K9gGyX8OAK8aH8Myj6djqSaXI8jbj6xPk69x2xhtbpD"));
  g_assert_false (hallway_fingerprint_is_valid (ALICE_FP "="));
  g_assert_false (hallway_fingerprint_is_valid (ALICE_FP "A"));
  g_assert_false (hallway_fingerprint_is_valid ("gbY32PzSxtpjWeaWMROhFw3nleS3JbhNHgtM/Z7FjOk"));
  g_assert_false (hallway_fingerprint_is_valid ("K9gGyX8OAK8aH8Myj6djqSaXI8jbj6xPk69x2xhtbp"));
}

static void
test_fingerprint_device_id (void)
{
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *invalid = NULL;

  g_test_summary ("A fingerprint converts to the device id of the same digest");

  alice = hallway_fingerprint_dup_device_id (ALICE_FP);
  bob = hallway_fingerprint_dup_device_id (BOB_FP);
  invalid = hallway_fingerprint_dup_device_id ("K9gGyX8OAK8aH8Myj6djqSaXI8jbj6xPk69x2xhtbpB");

  g_assert_cmpstr (alice, ==, ALICE_ID);
  g_assert_cmpstr (bob, ==, BOB_ID);
  g_assert_null (invalid);
  g_assert_null (hallway_fingerprint_dup_device_id (NULL));
}

static void
test_verification_code_known (void)
{
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *again = NULL;

  g_test_summary ("The verification code is the first 40 bits in Crockford base32");

  alice = hallway_device_id_dup_verification_code (ALICE_ID);
  bob = hallway_device_id_dup_verification_code (BOB_ID);
  again = hallway_device_id_dup_verification_code (ALICE_ID);

  g_assert_cmpstr (alice, ==, ALICE_CODE);
  g_assert_cmpstr (bob, ==, BOB_CODE);
  g_assert_cmpstr (again, ==, alice);
  assert_code_format (alice);
  assert_code_format (bob);
}

/* Creating and loading */

static void
test_create (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(HallwayIdentity) identity = NULL;
  g_autofree char *cert_device_id = NULL;
  g_autofree char *cert_fingerprint = NULL;
  g_autofree char *fp_device_id = NULL;
  g_autofree char *code = NULL;
  GTlsCertificate *certificate;

  g_test_summary ("A first start creates 0600 files in a 0700 folder");

  identity = load_or_create (fixture);
  g_assert_true (hallway_identity_was_created (identity));

  g_assert_true (g_file_test (fixture->key_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (fixture->cert_path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmphex (file_mode (fixture->key_path), ==, 0600);
  g_assert_cmphex (file_mode (fixture->cert_path), ==, 0600);
  g_assert_cmphex (file_mode (fixture->dir), ==, 0700);

  certificate = hallway_identity_get_tls_certificate (identity);
  g_assert_true (G_IS_TLS_CERTIFICATE (certificate));

  g_assert_true (hallway_device_id_is_valid (hallway_identity_get_device_id (identity)));
  cert_device_id = hallway_certificate_dup_device_id (certificate);
  g_assert_cmpstr (cert_device_id, ==, hallway_identity_get_device_id (identity));

  g_assert_true (hallway_fingerprint_is_valid (hallway_identity_get_fingerprint (identity)));
  g_assert_cmpuint (strlen (hallway_identity_get_fingerprint (identity)), ==,
                    HALLWAY_FINGERPRINT_LEN);
  cert_fingerprint = hallway_certificate_dup_fingerprint (certificate);
  g_assert_cmpstr (cert_fingerprint, ==, hallway_identity_get_fingerprint (identity));
  fp_device_id = hallway_fingerprint_dup_device_id (hallway_identity_get_fingerprint (identity));
  g_assert_cmpstr (fp_device_id, ==, hallway_identity_get_device_id (identity));

  assert_code_format (hallway_identity_get_verification_code (identity));
  code = hallway_device_id_dup_verification_code (hallway_identity_get_device_id (identity));
  g_assert_cmpstr (code, ==, hallway_identity_get_verification_code (identity));

  g_assert_finalize_object (g_steal_pointer (&identity));
}

static void
test_certificate_fields (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(HallwayIdentity) identity = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GDateTime) not_before = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *subject = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t datum;
  unsigned int bits = 0;
  unsigned int key_usage = 0;
  unsigned int critical = 0;
  unsigned int ca = 1;
  int pathlen = 0;
  guint8 serial[64];
  size_t serial_size = sizeof serial;
  char oid[128];
  size_t oid_size;
  gboolean server_auth = FALSE;
  gboolean client_auth = FALSE;

  g_test_summary ("The certificate is v3, ECDSA P-256, SHA-256, not a CA, for TLS both ways");

  identity = load_or_create (fixture);
  g_object_get (hallway_identity_get_tls_certificate (identity),
                "certificate", &der,
                "subject-name", &subject,
                "not-valid-before", &not_before,
                "not-valid-after", &not_after,
                NULL);

  g_assert_nonnull (strstr (subject, "CN=Hallway device"));
  g_assert_cmpint (g_date_time_compare (not_before, now), <, 0);
  g_assert_cmpint (g_date_time_difference (now, not_before), >=, 23 * G_TIME_SPAN_HOUR);
  g_assert_cmpint (g_date_time_difference (not_after, now), >=, 20 * 365 * G_TIME_SPAN_DAY);

  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  datum.data = der->data;
  datum.size = der->len;
  g_assert_cmpint (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_DER), ==, 0);

  g_assert_cmpint (gnutls_x509_crt_get_version (crt), ==, 3);
  g_assert_cmpint (gnutls_x509_crt_get_pk_algorithm (crt, &bits), ==, GNUTLS_PK_ECDSA);
  g_assert_cmpuint (bits, ==, 256);
  g_assert_cmpint (gnutls_x509_crt_get_signature_algorithm (crt), ==, GNUTLS_SIGN_ECDSA_SHA256);

  g_assert_cmpint (gnutls_x509_crt_get_serial (crt, serial, &serial_size), ==, 0);
  g_assert_cmpuint (serial_size, ==, 16);
  g_assert_cmphex (serial[0] & 0x80, ==, 0);

  g_assert_cmpint (gnutls_x509_crt_get_key_usage (crt, &key_usage, &critical), >=, 0);
  g_assert_cmphex (key_usage, ==, GNUTLS_KEY_DIGITAL_SIGNATURE);

  g_assert_cmpint (gnutls_x509_crt_get_basic_constraints (crt, &critical, &ca, &pathlen), >=, 0);
  g_assert_cmpuint (ca, ==, 0);

  for (unsigned int i = 0; ; i++)
    {
      oid_size = sizeof oid;
      if (gnutls_x509_crt_get_key_purpose_oid (crt, i, oid, &oid_size, NULL) < 0)
        break;
      if (g_str_equal (oid, GNUTLS_KP_TLS_WWW_SERVER))
        server_auth = TRUE;
      else if (g_str_equal (oid, GNUTLS_KP_TLS_WWW_CLIENT))
        client_auth = TRUE;
    }
  g_assert_true (server_auth);
  g_assert_true (client_auth);

  /* Self-signed: it verifies against itself. */
  {
    unsigned int status = 0;

    g_assert_cmpint (gnutls_x509_crt_verify (crt, &crt, 1, 0, &status), ==, 0);
    g_assert_cmphex (status, ==, 0);
  }

  gnutls_x509_crt_deinit (crt);
}

static void
test_reload (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(HallwayIdentity) first = NULL;
  g_autoptr(HallwayIdentity) second = NULL;
  g_autofree char *key_before = NULL;
  g_autofree char *key_after = NULL;

  g_test_summary ("A second start loads the same identity without writing");

  first = load_or_create (fixture);
  key_before = read_file (fixture->key_path);

  second = load_or_create (fixture);
  key_after = read_file (fixture->key_path);

  g_assert_false (hallway_identity_was_created (second));
  g_assert_cmpstr (hallway_identity_get_device_id (second), ==,
                   hallway_identity_get_device_id (first));
  g_assert_cmpstr (hallway_identity_get_fingerprint (second), ==,
                   hallway_identity_get_fingerprint (first));
  g_assert_cmpstr (hallway_identity_get_verification_code (second), ==,
                   hallway_identity_get_verification_code (first));
  g_assert_cmpstr (key_after, ==, key_before);

  g_assert_finalize_object (g_steal_pointer (&first));
  g_assert_finalize_object (g_steal_pointer (&second));
}

static void
test_two_identities_differ (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("hallway-test-identity-XXXXXX", &error);
  g_autofree char *dir_a = g_build_filename (tmp, "a", NULL);
  g_autofree char *dir_b = g_build_filename (tmp, "b", NULL);
  g_autoptr(HallwayIdentity) a = NULL;
  g_autoptr(HallwayIdentity) b = NULL;

  g_test_summary ("Two computers get two different identities");

  g_assert_no_error (error);
  a = hallway_identity_load_or_create (dir_a, &error);
  g_assert_no_error (error);
  b = hallway_identity_load_or_create (dir_b, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (hallway_identity_get_device_id (a), !=, hallway_identity_get_device_id (b));

  g_clear_object (&a);
  g_clear_object (&b);
  remove_tree (tmp);
}

static void
test_key_mode_tightened (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(HallwayIdentity) first = NULL;
  g_autoptr(HallwayIdentity) second = NULL;

  g_test_summary ("A key file readable by others is narrowed to 0600 on load");

  first = load_or_create (fixture);
  g_assert_cmpint (g_chmod (fixture->key_path, 0644), ==, 0);
  g_assert_cmphex (file_mode (fixture->key_path), ==, 0644);

  second = load_or_create (fixture);
  g_assert_cmphex (file_mode (fixture->key_path), ==, 0600);
  g_assert_false (hallway_identity_was_created (second));
  g_assert_cmpstr (hallway_identity_get_device_id (second), ==,
                   hallway_identity_get_device_id (first));
}

static void
assert_load_fails_untouched (Fixture    *fixture,
                             const char *key_pem,
                             const char *cert_pem)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HallwayIdentity) identity = NULL;
  g_autofree char *key_after = NULL;
  g_autofree char *cert_after = NULL;

  identity = hallway_identity_load_or_create (fixture->dir, &error);
  g_assert_null (identity);
  g_assert_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY);
  g_test_message ("Error: %s", error->message);

  /* Plain words, and no key material. */
  g_assert_null (strstr (error->message, "-----"));
  g_assert_null (strstr (error->message, "PRIVATE"));
  g_assert_null (strstr (error->message, fixture->tmp));

  /* Replacing damaged files would change this computer's identity behind
   * everyone's back; they must be left for a person to look at. */
  key_after = read_file (fixture->key_path);
  cert_after = read_file (fixture->cert_path);
  g_assert_cmpstr (key_after, ==, key_pem);
  g_assert_cmpstr (cert_after, ==, cert_pem);
}

static void
test_corrupt_cert (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(HallwayIdentity) first = NULL;
  g_autofree char *key_pem = NULL;
  const char *garbage =
    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";

  g_test_summary ("A damaged certificate is reported, and nothing is overwritten");

  first = load_or_create (fixture);
  key_pem = read_file (fixture->key_path);

  write_file (fixture->cert_path, garbage, 0600);
  assert_load_fails_untouched (fixture, key_pem, garbage);

  write_file (fixture->cert_path, "", 0600);
  assert_load_fails_untouched (fixture, key_pem, "");
}

static void
test_corrupt_key (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(HallwayIdentity) first = NULL;
  g_autofree char *cert_pem = NULL;
  g_autofree char *truncated = NULL;

  g_test_summary ("A damaged key is reported, and nothing is overwritten");

  first = load_or_create (fixture);
  cert_pem = read_file (fixture->cert_path);
  truncated = read_file (fixture->key_path);
  truncated[strlen (truncated) / 2] = '\0';

  write_file (fixture->key_path, truncated, 0600);
  assert_load_fails_untouched (fixture, truncated, cert_pem);
}

static void
test_mismatched_pair (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(HallwayIdentity) first = NULL;
  g_autoptr(HallwayIdentity) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *other_dir = g_build_filename (fixture->tmp, "other", NULL);
  g_autofree char *other_cert_path = g_build_filename (other_dir, "identity-cert.pem", NULL);
  g_autofree char *key_pem = NULL;
  g_autofree char *other_cert = NULL;

  g_test_summary ("A key and a certificate of different identities are refused");

  first = load_or_create (fixture);
  other = hallway_identity_load_or_create (other_dir, &error);
  g_assert_no_error (error);

  key_pem = read_file (fixture->key_path);
  other_cert = read_file (other_cert_path);
  write_file (fixture->cert_path, other_cert, 0600);

  assert_load_fails_untouched (fixture, key_pem, other_cert);
}

static void
test_half_pair (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(HallwayIdentity) first = NULL;
  g_autoptr(HallwayIdentity) second = NULL;
  g_autoptr(HallwayIdentity) third = NULL;

  g_test_summary ("A lone key or lone certificate is replaced by a new pair");

  first = load_or_create (fixture);

  /* What a crash between the two writes of a first start leaves. */
  g_assert_cmpint (g_unlink (fixture->cert_path), ==, 0);
  second = load_or_create (fixture);
  g_assert_true (hallway_identity_was_created (second));
  g_assert_cmpstr (hallway_identity_get_device_id (second), !=,
                   hallway_identity_get_device_id (first));
  g_assert_cmphex (file_mode (fixture->key_path), ==, 0600);
  g_assert_cmphex (file_mode (fixture->cert_path), ==, 0600);

  g_assert_cmpint (g_unlink (fixture->key_path), ==, 0);
  third = load_or_create (fixture);
  g_assert_true (hallway_identity_was_created (third));
  g_assert_cmpstr (hallway_identity_get_device_id (third), !=,
                   hallway_identity_get_device_id (second));

  /* And the new pair loads as a pair. */
  g_clear_object (&third);
  third = load_or_create (fixture);
  g_assert_false (hallway_identity_was_created (third));
}

static void
test_private_key (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(HallwayIdentity) identity = NULL;
  g_autofree char *private_key_pem = NULL;
  g_autofree char *key_file = NULL;

  g_test_summary ("The GTlsCertificate carries the private key, saved as PKCS#8");

  identity = load_or_create (fixture);
  g_object_get (hallway_identity_get_tls_certificate (identity),
                "private-key-pem", &private_key_pem,
                NULL);
  g_assert_nonnull (private_key_pem);

  key_file = read_file (fixture->key_path);
  g_assert_true (g_str_has_prefix (key_file, "-----BEGIN PRIVATE KEY-----"));
}

/* A real mutual TLS handshake between two identities, over a socket pair. */

typedef struct
{
  int n_pending;
  GError *server_error;
  GError *client_error;
} Handshakes;

static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *peer_certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  /* Self-signed certificates are trusted by pinning, which is another
   * file's job; here any certificate will do. */
  return TRUE;
}

static void
server_handshake_done_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  Handshakes *handshakes = user_data;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result,
                                     &handshakes->server_error);
  handshakes->n_pending--;
  g_main_context_wakeup (NULL);
}

static void
client_handshake_done_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  Handshakes *handshakes = user_data;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result,
                                     &handshakes->client_error);
  handshakes->n_pending--;
  g_main_context_wakeup (NULL);
}

static GIOStream *
stream_for_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  g_assert_no_error (error);
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

static void
test_tls_handshake (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(HallwayIdentity) server_identity = NULL;
  g_autoptr(HallwayIdentity) client_identity = NULL;
  g_autofree char *client_dir = g_build_filename (fixture->tmp, "client", NULL);
  g_autoptr(GIOStream) server_base = NULL;
  g_autoptr(GIOStream) client_base = NULL;
  g_autoptr(GIOStream) server = NULL;
  g_autoptr(GIOStream) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *seen_by_client = NULL;
  g_autofree char *seen_by_server = NULL;
  Handshakes handshakes = { 2, NULL, NULL };
  int fds[2];

  g_test_summary ("Two identities complete a mutual TLS handshake and see each other's ids");

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("No TLS backend (glib-networking) available");
      return;
    }

  server_identity = load_or_create (fixture);
  client_identity = hallway_identity_load_or_create (client_dir, &error);
  g_assert_no_error (error);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  server_base = stream_for_fd (fds[0]);
  client_base = stream_for_fd (fds[1]);

  server = g_tls_server_connection_new (server_base,
                                        hallway_identity_get_tls_certificate (server_identity),
                                        &error);
  g_assert_no_error (error);
  g_object_set (server, "authentication-mode", G_TLS_AUTHENTICATION_REQUIRED, NULL);
  g_signal_connect (server, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);

  client = g_tls_client_connection_new (client_base, NULL, &error);
  g_assert_no_error (error);
  g_tls_connection_set_certificate (G_TLS_CONNECTION (client),
                                    hallway_identity_get_tls_certificate (client_identity));
  g_signal_connect (client, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);

  g_tls_connection_handshake_async (G_TLS_CONNECTION (server), G_PRIORITY_DEFAULT, NULL,
                                    server_handshake_done_cb, &handshakes);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (client), G_PRIORITY_DEFAULT, NULL,
                                    client_handshake_done_cb, &handshakes);
  while (handshakes.n_pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (handshakes.server_error);
  g_assert_no_error (handshakes.client_error);

  seen_by_client = hallway_certificate_dup_device_id (
    g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (client)));
  seen_by_server = hallway_certificate_dup_device_id (
    g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (server)));
  g_assert_cmpstr (seen_by_client, ==, hallway_identity_get_device_id (server_identity));
  g_assert_cmpstr (seen_by_server, ==, hallway_identity_get_device_id (client_identity));

  g_io_stream_close (client, NULL, NULL);
  g_io_stream_close (server, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/share/identity/device-id/valid", test_device_id_valid);
  g_test_add_func ("/share/identity/fingerprint/valid", test_fingerprint_valid);
  g_test_add_func ("/share/identity/fingerprint/device-id", test_fingerprint_device_id);
  g_test_add_func ("/share/identity/verification-code/known", test_verification_code_known);
  g_test_add_func ("/share/identity/two-differ", test_two_identities_differ);

#define ADD_FIXTURE_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD_FIXTURE_TEST ("/share/identity/create", test_create);
  ADD_FIXTURE_TEST ("/share/identity/certificate-fields", test_certificate_fields);
  ADD_FIXTURE_TEST ("/share/identity/reload", test_reload);
  ADD_FIXTURE_TEST ("/share/identity/key-mode-tightened", test_key_mode_tightened);
  ADD_FIXTURE_TEST ("/share/identity/corrupt-cert", test_corrupt_cert);
  ADD_FIXTURE_TEST ("/share/identity/corrupt-key", test_corrupt_key);
  ADD_FIXTURE_TEST ("/share/identity/mismatched-pair", test_mismatched_pair);
  ADD_FIXTURE_TEST ("/share/identity/half-pair", test_half_pair);
  ADD_FIXTURE_TEST ("/share/identity/private-key", test_private_key);
  ADD_FIXTURE_TEST ("/share/identity/tls-handshake", test_tls_handshake);

#undef ADD_FIXTURE_TEST

  return g_test_run ();
}
