#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A simulated office on this one machine: three computers, each in its own
# network namespace with its own avahi-daemon, session bus and hallwayd,
# plugged into one virtual switch. Shows each computer's list of neighbours
# as they find each other. On a terminal it keeps running until Ctrl-C;
# otherwise it shows the office once and tears it down. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

L=$top/tests/lan/office-lan.sh
ctl=$top/build/ctl/hallwayctl
export HWLAN_PREFIX=hwdemo HWLAN_SUBNET=10.78.0
export GSETTINGS_BACKEND=memory

declare -A NAME=([a]="Alice Martin" [b]="Bruno Costa" [c]="Chloé Dubois")
pids=()

teardown() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$L" down >/dev/null 2>&1 || true
  echo "The simulated office is gone."
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "Building the office: computers office-a, office-b and office-c…"
"$L" up 3
logs=$(mktemp -d /tmp/hallway-demo.XXXXXX)
start=$EPOCHREALTIME
for h in a b c; do
  "$L" exec "$h" -- env HALLWAY_NAME="${NAME[$h]}" "$top/build/daemon/hallwayd" \
    >"$logs/hallwayd-$h.log" 2>&1 </dev/null &
  pids+=($!)
done
echo "Started Hallway on each computer (logs in $logs)."

for h in a b c; do
  # Each hallwayd is ready once it answers on its computer's session bus.
  for _ in $(seq 1 100); do
    "$L" exec "$h" -- "$ctl" status >/dev/null 2>&1 && break
    sleep 0.1
  done
done
for h in a b c; do
  if "$L" exec "$h" -- "$ctl" peers --wait 2 --timeout 30 >/dev/null; then
    printf 'office-%s (%s) found both neighbours after %d ms\n' "$h" "${NAME[$h]}" \
      $(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 ))
  else
    echo "office-$h did not find its neighbours; see $logs/hallwayd-$h.log"
  fi
done

# Alice shares a folder with everyone in the office, so there is something
# to open.
projects="$logs/Projects"
mkdir -p "$projects/Invoices 2026"
printf 'Agenda for Monday\n' >"$projects/Agenda.txt"
printf 'Menu du café\n' >"$projects/Café menu.txt"
printf 'INV-0042\n' >"$projects/Invoices 2026/INV-0042.txt"
"$L" exec a -- "$ctl" share add "$projects" --access read-write --audience everyone

show() {
  for h in a b c; do
    echo
    echo "── What ${NAME[$h]} sees on office-$h ──"
    "$L" exec "$h" -- "$ctl" peers
  done
  echo
  echo "── Bruno opens Alice's shared folder (hallwayctl ls 'Alice Martin/Projects') ──"
  for _ in $(seq 1 50); do
    "$L" exec b -- "$ctl" ls "Alice Martin/Projects" >/dev/null 2>&1 && break
    sleep 0.2   # Bruno's computer learns of the new share at its next check
  done
  "$L" exec b -- "$ctl" ls "Alice Martin/Projects"
}

show

# The window: as Bruno's computer, on this display. A host reaches an X
# server through /tmp/.X11-unix; a Wayland socket lives in a private /run.
echo
if [ -n "${DISPLAY:-}" ] && [ -x "$top/build/gui/hallway" ]; then
  "$L" exec b -- env DISPLAY="$DISPLAY" ${XAUTHORITY:+XAUTHORITY="$XAUTHORITY"} \
    GSETTINGS_SCHEMA_DIR="$top/build/data" NO_AT_BRIDGE=1 GTK_A11Y=none \
    "$top/build/gui/hallway" >"$logs/hallway-b.log" 2>&1 </dev/null &
  pids+=($!)
  echo "Opened the Hallway window of Bruno Costa (office-b) on display $DISPLAY."
elif [ -n "${WAYLAND_DISPLAY:-}" ]; then
  echo "The simulated computers can't reach a Wayland display; showing the office in this terminal."
  echo "(Run from an X11 session, or with Xwayland's DISPLAY set, to see the window.)"
else
  echo "No display here, so no window: this terminal shows the office instead."
fi

if [ -t 0 ] && [ -t 1 ]; then
  echo
  echo "Try it yourself in another terminal, for example:"
  echo "  sudo HWLAN_PREFIX=hwdemo $L exec b -- $ctl info 'Alice Martin'"
  echo "  sudo HWLAN_PREFIX=hwdemo $L link a isolate  # pull office-a's cable: it goes offline"
  echo "Press Enter to refresh, Ctrl-C to stop the office."
  while read -r _; do show; done
fi
