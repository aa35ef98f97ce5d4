/* hallway-pinning-database.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hallway knows a neighbour by the SHA-256 of its self-signed certificate
 * (its device id), never by a certificate authority, so TLS here runs
 * without the system CA store: this database trusts no authority at all.
 *
 * Why: glib-networking 2.74 builds a fresh GnuTLS trust list from the
 * whole system bundle (~140 certificates) for every connection that uses
 * the default database, client or server: 5 to 10 ms of CPU per handshake
 * and ~4 MB of heap for as long as the connection lives. An office of 40
 * computers keeping a connection to each neighbour paid that 39 times.
 *
 * Security review: nothing that relied on the CA store is weakened.
 * - Client (share/hallway-client.c): every certificate a neighbour presents
 *   is self-signed, so validation against the CA store always failed with
 *   G_TLS_CERTIFICATE_UNKNOWN_CA and was ignored; the decision was, and is,
 *   made only by comparing the certificate's device id with the id the
 *   neighbour announced (at the handshake, and again on the answer, since a
 *   kept-alive connection does not handshake again). A CA-signed certificate
 *   with the wrong id was refused before and is refused now; the right id
 *   was accepted before and is now. Without a database GLib still reports
 *   expiry and identity flags, which were never part of the decision
 *   either (the certificate is pinned, not named).
 * - Server (daemon/hallway-daemon-listener.c): client certificates are
 *   requested, accepted at the handshake whatever their issuer, and each
 *   request is authorised from the device id of the certificate presented.
 *   libsoup already ran its server without a database; this is now said
 *   explicitly rather than left to a default.
 * - Nothing else in hallwayd speaks TLS through GIO: printing goes through
 *   CUPS (its own TLS, plain IPP here), Avahi has none. Should hallwayd ever
 *   fetch something from the public web, that request must bring its own
 *   database (g_tls_backend_get_default_database() is this one).
 * - The window and hallwayctl never install it; they do not speak TLS.
 */
#include "config.h"

#include "hallway-pinning-database.h"

struct _HallwayPinningDatabase
{
  GTlsDatabase parent_instance;
};

G_DEFINE_FINAL_TYPE (HallwayPinningDatabase, hallway_pinning_database, G_TYPE_TLS_DATABASE)

static GTlsCertificateFlags
hallway_pinning_database_verify_chain (GTlsDatabase             *database,
                                       GTlsCertificate          *chain,
                                       const char               *purpose,
                                       GSocketConnectable       *identity,
                                       GTlsInteraction          *interaction,
                                       GTlsDatabaseVerifyFlags   flags,
                                       GCancellable             *cancellable,
                                       GError                  **error)
{
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return G_TLS_CERTIFICATE_GENERIC_ERROR;

  /* No authority vouches for anyone: the caller checks the pin. */
  return G_TLS_CERTIFICATE_UNKNOWN_CA;
}

static char *
hallway_pinning_database_create_certificate_handle (GTlsDatabase    *database,
                                                    GTlsCertificate *certificate)
{
  return NULL;
}

static GTlsCertificate *
hallway_pinning_database_lookup_certificate_for_handle (GTlsDatabase             *database,
                                                        const char               *handle,
                                                        GTlsInteraction          *interaction,
                                                        GTlsDatabaseLookupFlags   flags,
                                                        GCancellable             *cancellable,
                                                        GError                  **error)
{
  return NULL;
}

static GTlsCertificate *
hallway_pinning_database_lookup_certificate_issuer (GTlsDatabase             *database,
                                                    GTlsCertificate          *certificate,
                                                    GTlsInteraction          *interaction,
                                                    GTlsDatabaseLookupFlags   flags,
                                                    GCancellable             *cancellable,
                                                    GError                  **error)
{
  return NULL;
}

static GList *
hallway_pinning_database_lookup_certificates_issued_by (GTlsDatabase             *database,
                                                        GByteArray               *issuer,
                                                        GTlsInteraction          *interaction,
                                                        GTlsDatabaseLookupFlags   flags,
                                                        GCancellable             *cancellable,
                                                        GError                  **error)
{
  return NULL;
}

static void
hallway_pinning_database_class_init (HallwayPinningDatabaseClass *klass)
{
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  database_class->verify_chain = hallway_pinning_database_verify_chain;
  database_class->create_certificate_handle = hallway_pinning_database_create_certificate_handle;
  database_class->lookup_certificate_for_handle =
    hallway_pinning_database_lookup_certificate_for_handle;
  database_class->lookup_certificate_issuer = hallway_pinning_database_lookup_certificate_issuer;
  database_class->lookup_certificates_issued_by =
    hallway_pinning_database_lookup_certificates_issued_by;
}

static void
hallway_pinning_database_init (HallwayPinningDatabase *self)
{
}

/**
 * hallway_pinning_database_get_default:
 *
 * Returns: (transfer none): the one database of this process that trusts
 *   no certificate authority
 */
GTlsDatabase *
hallway_pinning_database_get_default (void)
{
  static GTlsDatabase *database;

  if (g_once_init_enter (&database))
    g_once_init_leave (&database, g_object_new (HALLWAY_TYPE_PINNING_DATABASE, NULL));
  return database;
}

/**
 * hallway_pinning_database_install:
 *
 * Makes the pinning database the default of every TLS connection this
 * process creates. Setting a database on a connection after it was made
 * is not enough: glib-networking loads the default one while constructing
 * the connection, and libsoup sets its own only afterwards.
 */
void
hallway_pinning_database_install (void)
{
  g_tls_backend_set_default_database (g_tls_backend_get_default (),
                                      hallway_pinning_database_get_default ());
}
