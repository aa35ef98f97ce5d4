/* hallway-identity.c: this computer's key, certificate and device id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hallway-identity.h"

#include "hallway-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define KEY_FILE_NAME  "identity-key.pem"
#define CERT_FILE_NAME "identity-cert.pem"

#define DIGEST_LEN 32
#define VERIFICATION_CODE_CHARS 8

/* Our own files are a few hundred bytes; anything this large is not ours, and
 * reading it whole would only waste memory. */
#define MAX_PEM_FILE_SIZE (64 * 1024)

/* Twenty years, leap days included. */
#define CERT_VALIDITY_DAYS (20 * 365 + 5)
#define SECONDS_PER_DAY (24 * 60 * 60)
#define CERT_COMMON_NAME "Hallway device"

/* Crockford's base32 leaves out I, L, O and U so that a code read aloud or
 * typed by hand cannot be confused with 1, 0 or a rude word. */
static const char crockford_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct _HallwayIdentity
{
  GObject          parent_instance;

  GTlsCertificate *certificate;        /* (owned) with private key */
  char            *device_id;          /* (owned) */
  char            *fingerprint;        /* (owned) */
  char            *verification_code;  /* (owned) */
  gboolean         was_created;
};

G_DEFINE_FINAL_TYPE (HallwayIdentity, hallway_identity, G_TYPE_OBJECT)

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)

/* gnutls_datum_t owns its data with gnutls_free(), which is not g_free(). */
static void
clear_datum (gnutls_datum_t *datum)
{
  gnutls_free (datum->data);
  datum->data = NULL;
  datum->size = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (gnutls_datum_t, clear_datum)

/* PEM text of the private key: wiped before it is freed, so the key does not
 * linger in freed heap memory. gnutls_memset() is a memset() the compiler
 * may not drop as a dead store. */
typedef char SecretString;

static void
secure_free (char *secret)
{
  if (secret != NULL)
    {
      gnutls_memset (secret, 0, strlen (secret));
      g_free (secret);
    }
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretString, secure_free)

static void
hallway_identity_dispose (GObject *object)
{
  HallwayIdentity *self = HALLWAY_IDENTITY (object);

  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (hallway_identity_parent_class)->dispose (object);
}

static void
hallway_identity_finalize (GObject *object)
{
  HallwayIdentity *self = HALLWAY_IDENTITY (object);

  g_clear_pointer (&self->device_id, g_free);
  g_clear_pointer (&self->fingerprint, g_free);
  g_clear_pointer (&self->verification_code, g_free);

  G_OBJECT_CLASS (hallway_identity_parent_class)->finalize (object);
}

static void
hallway_identity_class_init (HallwayIdentityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hallway_identity_dispose;
  object_class->finalize = hallway_identity_finalize;
}

static void
hallway_identity_init (HallwayIdentity *self)
{
}

/* Digests and their encodings */

static gboolean
certificate_digest (GTlsCertificate *certificate,
                    guint8           digest[DIGEST_LEN])
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  gsize digest_len = DIGEST_LEN;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL || der->len == 0)
    return FALSE;

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  g_assert (digest_len == DIGEST_LEN);

  return TRUE;
}

static char *
digest_to_hex (const guint8 digest[DIGEST_LEN])
{
  static const char hex[] = "0123456789abcdef";
  char *out = g_malloc (HALLWAY_DEVICE_ID_LEN + 1);

  for (gsize i = 0; i < DIGEST_LEN; i++)
    {
      out[2 * i] = hex[digest[i] >> 4];
      out[2 * i + 1] = hex[digest[i] & 0x0f];
    }
  out[HALLWAY_DEVICE_ID_LEN] = '\0';

  return out;
}

static char *
digest_to_base64url (const guint8 digest[DIGEST_LEN])
{
  char *out = g_base64_encode (digest, DIGEST_LEN);
  char *p;

  /* RFC 4648 §5: the URL- and DNS-safe alphabet, without padding. */
  for (p = out; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }
  g_assert (strlen (out) == HALLWAY_FINGERPRINT_LEN);

  return out;
}

static int
base64url_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Decodes only the canonical form: 43 characters whose last one carries two
 * zero padding bits. Accepting the three other spellings of the same digest
 * would let two different fp= strings name one certificate, and code that
 * compares fingerprints as strings would then disagree with code that
 * compares digests. */
static gboolean
fingerprint_decode (const char *fingerprint,
                    guint8      digest[DIGEST_LEN])
{
  guint32 bits = 0;
  guint n_bits = 0;
  gsize n_bytes = 0;
  gsize i;

  for (i = 0; i < HALLWAY_FINGERPRINT_LEN; i++)
    {
      int value = base64url_value (fingerprint[i]);

      if (value < 0)
        return FALSE;

      bits = (bits << 6) | (guint32) value;
      n_bits += 6;
      if (n_bits >= 8)
        {
          n_bits -= 8;
          digest[n_bytes++] = (guint8) (bits >> n_bits);
          bits &= (1u << n_bits) - 1;
        }
    }

  return fingerprint[i] == '\0' && n_bytes == DIGEST_LEN && bits == 0;
}

/**
 * hallway_device_id_is_valid:
 * @device_id: (nullable): a string to check
 *
 * Checks that @device_id looks like a device id: exactly
 * [const@Hallway.DEVICE_ID_LEN] lowercase hexadecimal digits.
 *
 * Returns: `TRUE` if @device_id is well-formed
 */
gboolean
hallway_device_id_is_valid (const char *device_id)
{
  gsize i;

  if (device_id == NULL)
    return FALSE;

  for (i = 0; i < HALLWAY_DEVICE_ID_LEN; i++)
    {
      if (hex_value (device_id[i]) < 0)
        return FALSE;
    }

  return device_id[i] == '\0';
}

/**
 * hallway_fingerprint_is_valid:
 * @fingerprint: (nullable): a string to check
 *
 * Checks that @fingerprint is the canonical unpadded base64url encoding of a
 * SHA-256 digest: exactly [const@Hallway.FINGERPRINT_LEN] characters that decode to
 * 32 bytes.
 *
 * Returns: `TRUE` if @fingerprint is well-formed
 */
gboolean
hallway_fingerprint_is_valid (const char *fingerprint)
{
  guint8 digest[DIGEST_LEN];

  if (fingerprint == NULL)
    return FALSE;

  return fingerprint_decode (fingerprint, digest);
}

/**
 * hallway_fingerprint_dup_device_id:
 * @fingerprint: (nullable): a fingerprint, as announced in `fp=`
 *
 * Converts a fingerprint into the device id of the same certificate.
 *
 * Returns: (transfer full) (nullable): the device id, or `NULL` if
 *   @fingerprint is not valid
 */
char *
hallway_fingerprint_dup_device_id (const char *fingerprint)
{
  guint8 digest[DIGEST_LEN];

  if (fingerprint == NULL || !fingerprint_decode (fingerprint, digest))
    return NULL;

  return digest_to_hex (digest);
}

/**
 * hallway_device_id_dup_fingerprint:
 * @device_id: (nullable): a device id
 *
 * Converts a device id into the fingerprint of the same certificate, as
 * announced in `fp=`.
 *
 * Returns: (transfer full) (nullable): the fingerprint, or `NULL` if
 *   @device_id is not valid
 */
char *
hallway_device_id_dup_fingerprint (const char *device_id)
{
  guint8 digest[DIGEST_LEN];

  if (!hallway_device_id_is_valid (device_id))
    return NULL;
  for (gsize i = 0; i < DIGEST_LEN; i++)
    digest[i] = (guint8) (hex_value (device_id[2 * i]) << 4 | hex_value (device_id[2 * i + 1]));
  return digest_to_base64url (digest);
}

/**
 * hallway_device_id_dup_verification_code:
 * @device_id: a valid device id
 *
 * Computes the short code that people compare to make sure they are talking
 * to the right computer: the first 40 bits of the device id as eight
 * Crockford base32 characters, written `XXXX-XXXX`.
 *
 * Returns: (transfer full): the verification code
 */
char *
hallway_device_id_dup_verification_code (const char *device_id)
{
  guint64 bits = 0;
  char *code;
  gsize out = 0;

  g_return_val_if_fail (hallway_device_id_is_valid (device_id), NULL);

  /* Ten hex digits are the first five bytes of the digest. */
  for (gsize i = 0; i < 10; i++)
    bits = (bits << 4) | (guint64) hex_value (device_id[i]);

  code = g_malloc (VERIFICATION_CODE_CHARS + 2);
  for (int i = VERIFICATION_CODE_CHARS - 1; i >= 0; i--)
    {
      code[out++] = crockford_alphabet[(bits >> (5 * i)) & 0x1f];
      if (out == VERIFICATION_CODE_CHARS / 2)
        code[out++] = '-';
    }
  code[out] = '\0';

  return code;
}

/**
 * hallway_certificate_dup_device_id:
 * @certificate: a certificate, ours or a neighbour's
 *
 * Computes the device id of @certificate: the lowercase hexadecimal SHA-256
 * digest of its DER encoding.
 *
 * Returns: (transfer full) (nullable): the device id, or `NULL` if the
 *   certificate has no DER data
 */
char *
hallway_certificate_dup_device_id (GTlsCertificate *certificate)
{
  guint8 digest[DIGEST_LEN];

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  if (!certificate_digest (certificate, digest))
    return NULL;

  return digest_to_hex (digest);
}

/**
 * hallway_certificate_dup_fingerprint:
 * @certificate: a certificate, ours or a neighbour's
 *
 * Computes the fingerprint of @certificate as announced in `fp=`: the
 * unpadded base64url SHA-256 digest of its DER encoding.
 *
 * Returns: (transfer full) (nullable): the fingerprint, or `NULL` if the
 *   certificate has no DER data
 */
char *
hallway_certificate_dup_fingerprint (GTlsCertificate *certificate)
{
  guint8 digest[DIGEST_LEN];

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  if (!certificate_digest (certificate, digest))
    return NULL;

  return digest_to_base64url (digest);
}

/* Creating a new identity */

static gboolean
set_identity_error (GError     **error,
                    const char  *what,
                    int          gnutls_result)
{
  /* gnutls_strerror() only describes the failure; it never quotes key
   * material, so it is safe to pass on. */
  g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
               /* Translators: the first %s says what failed (in English, from the
                * code), the second is a technical reason from GnuTLS. */
               _("Could not create this computer’s identity (%s: %s)"),
               what, gnutls_strerror (gnutls_result));
  return FALSE;
}

static gboolean
generate_identity (char   **key_pem_out,
                   char   **cert_pem_out,
                   GError **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_datum_t) key_pem = { NULL, 0 };
  g_auto(gnutls_datum_t) cert_pem = { NULL, 0 };
  guint8 serial[16];
  guint8 key_id[64];
  size_t key_id_size = sizeof key_id;
  time_t now = time (NULL);
  time_t not_before = now - SECONDS_PER_DAY;
  time_t not_after = now + (time_t) CERT_VALIDITY_DAYS * SECONDS_PER_DAY;
  int ret;

  ret = gnutls_x509_privkey_init (&key);
  if (ret < 0)
    return set_identity_error (error, "key init", ret);

  ret = gnutls_x509_privkey_generate2 (key, GNUTLS_PK_ECDSA,
                                       GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                       0, NULL, 0);
  if (ret < 0)
    return set_identity_error (error, "key generation", ret);

  ret = gnutls_x509_crt_init (&crt);
  if (ret < 0)
    return set_identity_error (error, "certificate init", ret);

  /* A random serial keeps two certificates made in the same second from ever
   * looking alike to a client that caches by issuer and serial. Clearing the
   * top bit keeps the DER INTEGER positive; setting the next one keeps it
   * exactly 16 bytes long. */
  ret = gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  if (ret < 0)
    return set_identity_error (error, "random serial", ret);
  serial[0] = (serial[0] & 0x7f) | 0x40;

  /* The day of slack tolerates neighbours whose clocks run a little behind;
   * the long lifetime is because the certificate *is* the identity, and
   * peers pin it. */
  if ((ret = gnutls_x509_crt_set_version (crt, 3)) < 0 ||
      (ret = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0 ||
      (ret = gnutls_x509_crt_set_activation_time (crt, not_before)) < 0 ||
      (ret = gnutls_x509_crt_set_expiration_time (crt, not_after)) < 0 ||
      (ret = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                            CERT_COMMON_NAME, strlen (CERT_COMMON_NAME))) < 0 ||
      (ret = gnutls_x509_crt_set_key (crt, key)) < 0 ||
      (ret = gnutls_x509_crt_set_basic_constraints (crt, 0, -1)) < 0 ||
      (ret = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
      (ret = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
      (ret = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0)
    return set_identity_error (error, "certificate fields", ret);

  ret = gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA1, key_id, &key_id_size);
  if (ret >= 0)
    ret = gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_size);
  if (ret < 0)
    return set_identity_error (error, "subject key id", ret);

  ret = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0);
  if (ret < 0)
    return set_identity_error (error, "signing", ret);

  /* Unencrypted PKCS#8 is what every consumer of the key understands,
   * including GLib's own PEM parser in g_tls_certificate_new_from_pem(). The
   * file mode protects it, as for an SSH key. */
  ret = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                           GNUTLS_PKCS_PLAIN, &key_pem);
  if (ret < 0)
    return set_identity_error (error, "key export", ret);

  ret = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &cert_pem);
  if (ret < 0)
    return set_identity_error (error, "certificate export", ret);

  *key_pem_out = g_strndup ((const char *) key_pem.data, key_pem.size);
  *cert_pem_out = g_strndup ((const char *) cert_pem.data, cert_pem.size);

  /* The exported PEM is a copy of the secret key; don't leave it in freed
   * heap memory. */
  gnutls_memset (key_pem.data, 0, key_pem.size);

  return TRUE;
}

/* Loading an existing identity */

static char *
read_pem_file (const char  *path,
               gboolean     is_key,
               GError     **error)
{
  g_autofree char *contents = NULL;
  GStatBuf st;
  gsize length = 0;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_PEM_FILE_SIZE ||
      !g_file_get_contents (path, &contents, &length, NULL) ||
      memchr (contents, '\0', length) != NULL)
    {
      if (is_key)
        g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                             _("This computer’s identity key file could not be read"));
      else
        g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                             _("This computer’s identity certificate file could not be read"));
      return NULL;
    }

  return g_steal_pointer (&contents);
}

/* The key file must only be readable by its owner. If someone widened its
 * mode (a copy from a backup, a careless chmod), narrow it again rather than
 * refusing to start: the key may already have been seen, but refusing would
 * not undo that, and failing to start would leave the person with no way
 * forward but to lose their identity. */
static gboolean
tighten_key_file_mode (const char  *key_path,
                       GError     **error)
{
  GStatBuf st;

  if (g_stat (key_path, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                   /* Translators: %s is a system error message. */
                   _("This computer’s identity key could not be checked: %s"),
                   g_strerror (saved_errno));
      return FALSE;
    }

  if ((st.st_mode & 0077) == 0)
    return TRUE;

  g_debug ("Identity key file had mode %04o, tightening it to 0600",
           (unsigned) (st.st_mode & 07777));

  if (g_chmod (key_path, 0600) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                   /* Translators: %s is a system error message. */
                   _("This computer’s identity key is readable by others and could not be "
                     "protected: %s"),
                   g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* Parses both files, checks that they belong together and returns a
 * normalized PKCS#8 PEM of the key, so that a key saved in another format
 * (SEC1 "EC PRIVATE KEY", for example, if someone supplied their own) still
 * works with GTlsCertificate. */
static char *
check_identity (const char  *key_pem,
                const char  *cert_pem,
                GError     **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_auto(gnutls_datum_t) normalized = { NULL, 0 };
  gnutls_datum_t datum;
  guint8 key_id[64];
  guint8 crt_id[64];
  size_t key_id_size = sizeof key_id;
  size_t crt_id_size = sizeof crt_id;
  char *result;
  int ret;

  if (gnutls_x509_privkey_init (&key) < 0 || gnutls_x509_crt_init (&crt) < 0)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                           _("Out of memory while reading this computer’s identity"));
      return NULL;
    }

  datum.data = (unsigned char *) key_pem;
  datum.size = strlen (key_pem);
  ret = gnutls_x509_privkey_import2 (key, &datum, GNUTLS_X509_FMT_PEM, NULL,
                                     GNUTLS_PKCS_PLAIN);
  if (ret < 0)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                   /* Translators: %s is a technical reason from GnuTLS. */
                   _("This computer’s identity key is damaged (%s)"),
                   gnutls_strerror (ret));
      return NULL;
    }

  datum.data = (unsigned char *) cert_pem;
  datum.size = strlen (cert_pem);
  ret = gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM);
  if (ret < 0)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                   /* Translators: %s is a technical reason from GnuTLS. */
                   _("This computer’s identity certificate is damaged (%s)"),
                   gnutls_strerror (ret));
      return NULL;
    }

  if (gnutls_x509_privkey_get_key_id (key, GNUTLS_KEYID_USE_SHA256, key_id, &key_id_size) < 0 ||
      gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA256, crt_id, &crt_id_size) < 0 ||
      key_id_size != crt_id_size ||
      memcmp (key_id, crt_id, key_id_size) != 0)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                           _("This computer’s identity key and certificate do not "
                             "belong together"));
      return NULL;
    }

  ret = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                           GNUTLS_PKCS_PLAIN, &normalized);
  if (ret < 0)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                   /* Translators: %s is a technical reason from GnuTLS. */
                   _("This computer’s identity key could not be used (%s)"),
                   gnutls_strerror (ret));
      return NULL;
    }

  result = g_strndup ((const char *) normalized.data, normalized.size);
  gnutls_memset (normalized.data, 0, normalized.size);

  return result;
}

static gboolean
write_private_file (const char  *path,
                    const char  *contents,
                    gboolean     is_key,
                    GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  /* g_file_set_contents_full() creates its temporary file in the same
   * directory with @mode from the start (mkstemp), fsyncs it and renames it
   * over @path, so the file never exists half-written or with a wider mode. */
  if (!g_file_set_contents_full (path, contents, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      if (is_key)
        g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                     /* Translators: %s is a system error message. */
                     _("Could not save this computer’s identity key: %s"),
                     local_error->message);
      else
        g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                     /* Translators: %s is a system error message. */
                     _("Could not save this computer’s identity certificate: %s"),
                     local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* Makes the rename of a file in @dir durable before the next one, so that
 * after a power cut the certificate can never be on disk without the key it
 * was written after. Best effort: some file systems refuse to sync a
 * directory, and the worst outcome then is a lone file, which we handle. */
static void
sync_directory (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return;
  if (fsync (fd) != 0)
    g_debug ("Could not sync the identity folder: %s", g_strerror (errno));
  close (fd);
}

/**
 * hallway_identity_load_or_create:
 * @dir: the directory holding the identity, usually `$XDG_DATA_HOME/hallway`
 * @error: return location for an error
 *
 * Loads this computer's identity (`identity-key.pem` and
 * `identity-cert.pem` in @dir), or creates a new one if there is none yet.
 *
 * A new identity is an ECDSA P-256 key and a self-signed certificate valid
 * for twenty years. Both files are written atomically with mode 0600, the key
 * first; an identity counts as existing only when both files are there, so a
 * lone file left by an interrupted first start is replaced. A key file that
 * others can read is narrowed to 0600.
 *
 * Files that exist but cannot be parsed, or that do not belong together, are
 * left alone and reported with [error@Hallway.Error.IDENTITY]: replacing them would
 * silently change this computer's identity for every colleague who pinned it.
 *
 * Returns: (transfer full): the identity, or `NULL` with @error set
 */
HallwayIdentity *
hallway_identity_load_or_create (const char  *dir,
                                 GError     **error)
{
  g_autoptr(HallwayIdentity) self = NULL;
  g_autoptr(SecretString) key_pem = NULL;
  g_autoptr(SecretString) normalized_key_pem = NULL;
  g_autoptr(SecretString) combined_pem = NULL;
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *cert_path = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  gboolean have_key;
  gboolean have_cert;
  gboolean created = FALSE;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  key_path = g_build_filename (dir, KEY_FILE_NAME, NULL);
  cert_path = g_build_filename (dir, CERT_FILE_NAME, NULL);

  have_key = g_file_test (key_path, G_FILE_TEST_EXISTS);
  have_cert = g_file_test (cert_path, G_FILE_TEST_EXISTS);

  if (have_key && have_cert)
    {
      if (!tighten_key_file_mode (key_path, error))
        return NULL;

      key_pem = read_pem_file (key_path, TRUE, error);
      if (key_pem == NULL)
        return NULL;

      cert_pem = read_pem_file (cert_path, FALSE, error);
      if (cert_pem == NULL)
        return NULL;
    }
  else
    {
      /* A lone key is what an interrupted first start leaves behind (the key
       * is written first); a lone certificate is useless without its key.
       * Neither was ever a complete identity that a neighbour could have
       * pinned, so start over. Removing the stray file first means a crash
       * during the writes below can only leave a lone key again, never a
       * mismatched pair. */
      if (have_key || have_cert)
        {
          g_debug ("Found only half of an identity, creating a new one");
          g_unlink (have_key ? key_path : cert_path);
        }

      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                       /* Translators: %s is a system error message. */
                       _("Could not create the folder for this computer’s identity: %s"),
                       g_strerror (saved_errno));
          return NULL;
        }

      if (!generate_identity (&key_pem, &cert_pem, error))
        return NULL;

      if (!write_private_file (key_path, key_pem, TRUE, error))
        return NULL;
      sync_directory (dir);

      if (!write_private_file (cert_path, cert_pem, FALSE, error))
        return NULL;
      sync_directory (dir);

      created = TRUE;
    }

  normalized_key_pem = check_identity (key_pem, cert_pem, error);
  if (normalized_key_pem == NULL)
    return NULL;

  combined_pem = g_strconcat (cert_pem, "\n", normalized_key_pem, NULL);
  certificate = g_tls_certificate_new_from_pem (combined_pem, -1, &local_error);
  if (certificate == NULL)
    {
      g_set_error (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                   /* Translators: %s is a technical reason. */
                   _("This computer’s identity could not be loaded: %s"),
                   local_error->message);
      return NULL;
    }

  self = g_object_new (HALLWAY_TYPE_IDENTITY, NULL);
  self->certificate = g_steal_pointer (&certificate);
  self->device_id = hallway_certificate_dup_device_id (self->certificate);
  self->fingerprint = hallway_certificate_dup_fingerprint (self->certificate);
  if (self->device_id == NULL || self->fingerprint == NULL)
    {
      g_set_error_literal (error, HALLWAY_ERROR, HALLWAY_ERROR_IDENTITY,
                           _("This computer’s identity certificate is empty"));
      return NULL;
    }
  self->verification_code = hallway_device_id_dup_verification_code (self->device_id);
  self->was_created = created;

  return g_steal_pointer (&self);
}

/**
 * hallway_identity_get_device_id:
 * @self: an identity
 *
 * Gets this computer's device id: the lowercase hexadecimal SHA-256 digest
 * of its certificate.
 *
 * Returns: (transfer none): the device id
 */
const char *
hallway_identity_get_device_id (HallwayIdentity *self)
{
  g_return_val_if_fail (HALLWAY_IS_IDENTITY (self), NULL);

  return self->device_id;
}

/**
 * hallway_identity_get_fingerprint:
 * @self: an identity
 *
 * Gets the fingerprint announced in `fp=`: the same digest as the device id,
 * as unpadded base64url.
 *
 * Returns: (transfer none): the fingerprint
 */
const char *
hallway_identity_get_fingerprint (HallwayIdentity *self)
{
  g_return_val_if_fail (HALLWAY_IS_IDENTITY (self), NULL);

  return self->fingerprint;
}

/**
 * hallway_identity_get_verification_code:
 * @self: an identity
 *
 * Gets the short code people compare to check they see this computer, such
 * as `7KQ2-MX9A`. See [func@Hallway.device_id_dup_verification_code].
 *
 * Returns: (transfer none): the verification code
 */
const char *
hallway_identity_get_verification_code (HallwayIdentity *self)
{
  g_return_val_if_fail (HALLWAY_IS_IDENTITY (self), NULL);

  return self->verification_code;
}

/**
 * hallway_identity_get_tls_certificate:
 * @self: an identity
 *
 * Gets the certificate, with its private key, for use as the server
 * certificate and as the client certificate.
 *
 * Returns: (transfer none): the certificate
 */
GTlsCertificate *
hallway_identity_get_tls_certificate (HallwayIdentity *self)
{
  g_return_val_if_fail (HALLWAY_IS_IDENTITY (self), NULL);

  return self->certificate;
}

/**
 * hallway_identity_was_created:
 * @self: an identity
 *
 * Tells whether [func@Hallway.Identity.load_or_create] generated this identity
 * rather than loading it, for example to greet a first start.
 *
 * Returns: `TRUE` if the identity is new
 */
gboolean
hallway_identity_was_created (HallwayIdentity *self)
{
  g_return_val_if_fail (HALLWAY_IS_IDENTITY (self), FALSE);

  return self->was_created;
}
