/* hallway-daemon-private.h: the daemon's state, shared by hallway-daemon.c
 * (startup, announcements, shutdown) and hallway-daemon-dbus.c (the
 * Daemon1 method handlers)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hallway-daemon.h"

#include "hallway-client.h"
#include "hallway-daemon-access.h"
#include "hallway-daemon-doctor.h"
#include "hallway-daemon-drops.h"
#include "hallway-daemon-gossip.h"
#include "hallway-daemon-ipp.h"
#include "hallway-daemon-peers.h"
#include "hallway-daemon-printers.h"
#include "hallway-daemon-server.h"
#include "hallway-daemon-shares.h"
#include "hallway-daemon-transfers.h"
#include "hallway-daemon-webdav.h"
#include "hallway-dbus.h"
#include "hallway-dnssd.h"
#include "hallway-identity.h"
#include "hallway-pins.h"

G_BEGIN_DECLS

#define SHARES_OBJECT_PATH     "/io/github/hallwaylan/Hallway/shares"


struct _HallwayDaemon
{
  GApplication              parent_instance;

  int                       status;
  GDBusObjectManagerServer *manager;
  HallwayDBusDaemon1       *iface;
  gboolean                  iface_exported;

  HallwayIdentity          *identity;
  HallwayDaemonServer      *server;
  HallwayClient            *client;
  HallwayPins              *pins;
  HallwayDaemonPeers       *peers;
  HallwayDaemonGossip      *gossip;
  HallwayDaemonShares      *shares;
  HallwayDaemonTransfers   *transfers;
  HallwayDaemonAccess      *access;
  HallwayDaemonWebdav      *webdav;
  HallwayDaemonDrops       *drops;
  HallwayDaemonIpp         *ipp;
  HallwayDaemonPrinters    *printers;
  HallwayDaemonDoctor      *doctor;
  GHashTable               *share_objects;   /* id → HallwayDBusObjectSkeleton */
  GPtrArray                *webdav_keys;     /* announced _webdavs._tcp keys */
  guint                     availability_id;
  HallwayDnssd             *dnssd;
  char                     *name;
  char                     *host;
  GSettings                *settings;        /* (nullable) watched for a new display name */
  guint                     sigterm_id;
  guint                     memory_id;
  guint                     sigint_id;
};

/* hallway-daemon-dbus.c */
void _hallway_daemon_dbus_init (HallwayDaemon *self);

G_END_DECLS
