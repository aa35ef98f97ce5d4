/* hallway-error.h: typed errors shared by hallwayd, hallwayctl and the app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * HallwayError:
 * @HALLWAY_ERROR_FAILED: something went wrong; the message says what
 * @HALLWAY_ERROR_INVALID_DATA: a neighbour sent data that could not be understood
 * @HALLWAY_ERROR_PEER_GONE: the neighbour is not reachable
 * @HALLWAY_ERROR_NOT_FOUND: no such neighbour, share or item
 * @HALLWAY_ERROR_ACCESS_DENIED: the neighbour or this computer refused access
 * @HALLWAY_ERROR_IDENTITY_MISMATCH: a neighbour's certificate does not match what it announced
 * @HALLWAY_ERROR_IDENTITY: this computer's identity could not be created or loaded
 * @HALLWAY_ERROR_AMBIGUOUS: a name matches more than one neighbour
 * @HALLWAY_ERROR_AVAHI: Avahi (mDNS) is not available
 * @HALLWAY_ERROR_INVALID_ARGUMENT: a request was malformed
 * @HALLWAY_ERROR_NO_SPACE: there is not enough free space for the files
 *
 * Error codes in the %HALLWAY_ERROR domain. Each maps onto a D-Bus error
 * named `io.github.hallwaylan.Hallway.Error.<Name>`.
 */
typedef enum
{
  HALLWAY_ERROR_FAILED,
  HALLWAY_ERROR_INVALID_DATA,
  HALLWAY_ERROR_PEER_GONE,
  HALLWAY_ERROR_NOT_FOUND,
  HALLWAY_ERROR_ACCESS_DENIED,
  HALLWAY_ERROR_IDENTITY_MISMATCH,
  HALLWAY_ERROR_IDENTITY,
  HALLWAY_ERROR_AMBIGUOUS,
  HALLWAY_ERROR_AVAHI,
  HALLWAY_ERROR_INVALID_ARGUMENT,
  HALLWAY_ERROR_NO_SPACE,
} HallwayError;

#define HALLWAY_ERROR (hallway_error_quark ())

GQuark hallway_error_quark (void);

G_END_DECLS
