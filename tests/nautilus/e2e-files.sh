#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# e2e-files.sh BUILD_DIR MODULE EXTENSION_DIR: "Send to Colleague" in the real
# GNOME Files, driven through AT-SPI: select a file, open its menu, choose
# Bruno; the offer must reach Bruno's computer and Files must say so in a
# notification. Run as
#   run-headless.sh -- with-daemons.sh BUILD_DIR -- e2e-files.sh BUILD_DIR MODULE EXTENSION_DIR
#
# Files loads extensions from one directory fixed when it was built; the
# test mounts a directory holding only the built module over it, in a mount
# namespace of its own (so it needs root), leaving the system untouched.
set -u
build=$1 module=$2 extension_dir=$3
out=${HALLWAY_ARTIFACTS:-$build/artifacts}
mkdir -p "$out"

if [ "$(id -u)" != 0 ]; then
  echo "1..0 # SKIP needs root, to show Files the built extension in a mount namespace"
  exit 77
fi
if [ "${GDK_BACKEND:-x11}" != x11 ] || [ -z "${DISPLAY:-}" ]; then
  # GTK 4.8 opens a context menu at the pointer, which only X11 can move here.
  echo "1..0 # SKIP the context menu needs X11"
  exit 77
fi
for tool in nautilus unshare; do
  command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is not installed"; exit 77; }
done
if [ ! -d "$extension_dir" ]; then
  echo "1..0 # SKIP there is no $extension_dir"
  exit 77
fi
if ! /usr/bin/python3 -c 'import dogtail, pyatspi' 2>/dev/null; then
  echo "1..0 # SKIP dogtail is not installed for /usr/bin/python3 (apt-get install python3-dogtail)"
  exit 77
fi

ctl=$build/ctl/hallwayctl
"$ctl" add-peer "$HALLWAY_TEST_PEER_ADDRESS" >/dev/null || exit 1
"$ctl" peers --wait 1 --timeout 30 >/dev/null || exit 1

# Alice's Documents, in a home of her own.
home=$HALLWAY_TEST_WORK/alice-home
documents=$home/Documents
extensions=$HALLWAY_TEST_WORK/extensions
mkdir -p "$documents/Photos" "$extensions"
printf 'quarterly numbers\n' >"$documents/Report.txt"
printf 'budget\n' >"$documents/Budget 2026.ods"
printf 'beach\n' >"$documents/Photos/beach.jpg"
cp "$module" "$extensions/"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
}
trap cleanup EXIT

# Files says what happened in a notification: a notification server that
# writes them down.
"$build/tests/fake-notifications" >"$HALLWAY_TEST_WORK/notifications.log" 2>&1 &
pids+=($!)

# AT-SPI on, and no fatal warnings: asking for coordinates makes GTK 4.8
# warn (gui-testing.md §3).
HOME=$home unshare --mount --propagation private sh -c '
  mount --bind "$1" "$2" || exit 1
  shift 2
  exec env -u GTK_A11Y G_DEBUG=gc-friendly G_MESSAGES_DEBUG=hallway-nautilus nautilus "$@"
' sh "$extensions" "$extension_dir" --new-window "$documents" >"$out/e2e-files-nautilus.log" 2>&1 &
pids+=($!)

HALLWAY_CTL=$ctl /usr/bin/python3 "$(dirname "$0")/e2e-files.py" "$out"
