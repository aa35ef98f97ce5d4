#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# e2e-dnd.sh BUILD_DIR: the real `hallway` window and another X client
# (tests/gui/dnd-peer.py, standing in for a file manager) exchanging files
# by drag-and-drop over real XDND, plus an incoming offer answered in the
# window. Run as run-headless.sh -- with-daemons.sh BUILD_DIR -- e2e-dnd.sh BUILD_DIR.
set -u
build=$1
out=${HALLWAY_ARTIFACTS:-$build/artifacts}
mkdir -p "$out"

if [ "${GDK_BACKEND:-x11}" != x11 ] || [ -z "${DISPLAY:-}" ]; then
  echo "1..0 # SKIP drag-and-drop is synthesized with xdotool, which needs X11"
  exit 77
fi
for tool in xdotool; do
  command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is not installed"; exit 77; }
done
if ! /usr/bin/python3 -c 'import dogtail, pyatspi, gi; gi.require_version("Gtk", "3.0")' \
     2>/dev/null; then
  echo "1..0 # SKIP dogtail or GTK 3 introspection is missing for /usr/bin/python3"
  exit 77
fi

ctl=$build/ctl/hallwayctl
# Each computer knows the other (there is no Avahi here).
"$ctl" add-peer "$HALLWAY_TEST_PEER_ADDRESS" >/dev/null || exit 1
DBUS_SESSION_BUS_ADDRESS=$HALLWAY_TEST_PEER_BUS "$ctl" add-peer "$HALLWAY_TEST_MY_ADDRESS" \
  >/dev/null || exit 1

# Alice's window gets a home of its own, so "Downloads" is inside the test.
export HALLWAY_TEST_HOME=$HALLWAY_TEST_WORK/alice-home
mkdir -p "$HALLWAY_TEST_HOME"

# AT-SPI on, and no fatal warnings: asking for coordinates makes GTK 4.8
# warn (gui-testing.md §3).
env -u GTK_A11Y G_DEBUG=gc-friendly HOME="$HALLWAY_TEST_HOME" \
  "$build/gui/hallway" >"$out/e2e-dnd-hallway.log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null; wait $app 2>/dev/null' EXIT

HALLWAY_CTL=$ctl /usr/bin/python3 "$(dirname "$0")/e2e-dnd.py" "$out"
rc=$?
gui-screenshot "$out/e2e-dnd.png" 2>/dev/null
exit $rc
