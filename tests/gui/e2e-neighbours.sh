#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# e2e-neighbours.sh BUILD_DIR: the real `hallway` binary, driven through
# AT-SPI. Run as run-headless.sh -- with-daemons.sh BUILD_DIR -- e2e-neighbours.sh BUILD_DIR.
set -u
build=$1
out=${HALLWAY_ARTIFACTS:-$build/artifacts}
mkdir -p "$out"

if ! /usr/bin/python3 -c 'import dogtail, pyatspi' 2>/dev/null; then
  echo "1..0 # SKIP dogtail is not installed for /usr/bin/python3 (apt-get install python3-dogtail)"
  exit 77
fi

# Bruno becomes a neighbour of this computer (there is no Avahi here).
"$build/ctl/hallwayctl" add-peer "$HALLWAY_TEST_PEER_ADDRESS" >/dev/null || exit 1

# AT-SPI on, and no fatal warnings: AT-SPI clients may ask for screen
# coordinates, which GTK 4.8 warns about (gui-testing.md §3).
env -u GTK_A11Y G_DEBUG=gc-friendly "$build/gui/hallway" >"$out/e2e-hallway.log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null; wait $app 2>/dev/null' EXIT

# The driver imports Gdk 3, which complains without an X display (Wayland).
G_DEBUG= /usr/bin/python3 "$(dirname "$0")/e2e-neighbours.py"
rc=$?
if command -v gui-screenshot >/dev/null; then
  gui-screenshot "$out/e2e-neighbour.png" 2>/dev/null
fi
exit $rc
