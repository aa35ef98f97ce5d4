#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# How smooth Hallway's window stays with a big office: the real window, in a
# private X display and session bus (tests/gui/run-headless.sh), against a
# stand-in daemon whose PEERS neighbours appear at once, change CHANGES times
# a second for SECONDS seconds, and leave at once. Prints, per phase, how
# long the window's main loop was busy per frame; at 60 frames a second a
# frame over 16 ms is a visible stutter.
#
# Usage: bench/frames.sh [--peers N] [--changes N] [--seconds S]   (default 100 40 5)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
BUILD_DIR=${HALLWAY_BUILD_DIR:-$top/build}
program=$BUILD_DIR/bench/hallway-bench-frames
[ -x "$program" ] || { echo "bench/frames.sh: no $program (meson compile -C build)"; exit 1; }

exec "$top/tests/gui/run-headless.sh" -- env GSETTINGS_BACKEND=memory \
  GSETTINGS_SCHEMA_DIR="$BUILD_DIR/data" GSK_RENDERER=cairo GTK_A11Y=none NO_AT_BRIDGE=1 \
  "$program" "$@"
