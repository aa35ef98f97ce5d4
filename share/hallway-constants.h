/* hallway-constants.h: names and sizes every program of Hallway agrees on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

/* Where hallwayd is on the session bus (DESIGN §1): its well-known name and
 * the root of its objects (the ObjectManager and Daemon1). */
#define HALLWAY_DAEMON_BUS_NAME    "io.github.hallwaylan.Hallway.Daemon"
#define HALLWAY_DAEMON_OBJECT_PATH "/io/github/hallwaylan/Hallway"

/* File data is read, written, hashed and sent in blocks this large
 * (notes/perf-baselines.md): smaller ones cost throughput on every path,
 * from TLS records to disk writes. */
#define HALLWAY_BLOCK_SIZE (256 * 1024)
