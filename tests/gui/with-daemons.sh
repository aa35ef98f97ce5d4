#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# with-daemons.sh BUILD_DIR -- CMD [ARGS...]
#
# Run inside run-headless.sh. Starts two hallwayd, each as a different
# person with its own identity: "Alice Martin" on the session bus (the one
# the window talks to), "Bruno Costa" on a second private bus, as if on
# another computer. Both share a folder with a few files; the test makes Alice
# add Bruno by address (there is no Avahi here): a real neighbour.
# Then runs CMD with HALLWAY_TEST_* describing all that.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

build=$1
shift
[ "${1:-}" = -- ] && shift
hallwayd=$build/daemon/hallwayd
hallwayctl=$build/ctl/hallwayctl
for f in "$hallwayd" "$hallwayctl"; do
  [ -x "$f" ] || { echo "SKIP: $f is not built"; exit 77; }
done
[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || { echo "SKIP: run me inside run-headless.sh"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/hallway-gui-daemons.XXXXXX") || exit 1
pids=()
cleanup() {
  # -CONT first: a test may have stopped Bruno (SIGSTOP) and died before resuming him.
  for pid in "${pids[@]}"; do kill -CONT "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  if [ -n "${HALLWAY_ARTIFACTS:-}" ]; then
    mkdir -p "$HALLWAY_ARTIFACTS" && cp "$work"/*.log "$HALLWAY_ARTIFACTS/" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0));
print(s.getsockname()[1])'
}

# start_person NAME PORT BUS_ADDRESS HOME
start_person() {
  mkdir -p "$4/data" "$4/config" "$4/cache" "$4/state"
  env DBUS_SESSION_BUS_ADDRESS="$3" HALLWAY_NAME="$1" HALLWAY_PORT="$2" \
    XDG_DATA_HOME="$4/data" XDG_CONFIG_HOME="$4/config" XDG_CACHE_HOME="$4/cache" \
    XDG_STATE_HOME="$4/state" G_MESSAGES_DEBUG=hallwayd G_DEBUG= \
    "$hallwayd" >>"$work/hallwayd-$2.log" 2>&1 </dev/null &
  pids+=($!)
  if ! wait_until 20 env DBUS_SESSION_BUS_ADDRESS="$3" "$hallwayctl" status; then
    echo "hallwayd for $1 did not start:" >&2
    cat "$work/hallwayd-$2.log" >&2
    return 1
  fi
}

# The second computer's bus.
dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$work/bus2" \
  >"$work/bus2.log" 2>&1 &
pids+=($!)
wait_until 10 test -s "$work/bus2" || { echo "second bus did not start" >&2; exit 1; }
bus2=$(head -1 "$work/bus2")

port1=$(free_port)
port2=$(free_port)
while [ "$port2" = "$port1" ]; do port2=$(free_port); done

mkdir -p "$work/alice-files/Projects" "$work/bruno-files/Reports/2026"
echo "plan" >"$work/alice-files/Projects/plan.txt"
printf 'quarterly numbers\n%.0s' $(seq 1 200) >"$work/bruno-files/Reports/budget.ods"
echo "minutes" >"$work/bruno-files/Reports/minutes.txt"
echo "q1" >"$work/bruno-files/Reports/2026/q1.txt"

start_person "Bruno Costa" "$port2" "$bus2" "$work/bruno" || exit 1
bruno_pid=${pids[${#pids[@]}-1]}
start_person "Alice Martin" "$port1" "$DBUS_SESSION_BUS_ADDRESS" "$work/alice" || exit 1

DBUS_SESSION_BUS_ADDRESS=$bus2 "$hallwayctl" share add "$work/bruno-files/Reports" \
  --name Reports --audience everyone >/dev/null || exit 1
"$hallwayctl" share add "$work/alice-files/Projects" --name Projects --audience everyone \
  >/dev/null || exit 1
# The test adds Bruno itself (HALLWAY_TEST_PEER_ADDRESS), so it sees him arrive.

export HALLWAY_TEST_PEER="Bruno Costa" HALLWAY_TEST_PEER_SHARE=Reports
export HALLWAY_TEST_PEER_ADDRESS="127.0.0.1:$port2"
export HALLWAY_TEST_MY_SHARE=Projects HALLWAY_TEST_MY_NAME="Alice Martin"
export HALLWAY_TEST_SHARE_DIR="$work/alice-files"
export HALLWAY_TEST_PEER_SHARE_DIR="$work/bruno-files/Reports"
export HALLWAY_TEST_PEER_PID=$bruno_pid   # to make Bruno stall (SIGSTOP) mid-download
# To act as Bruno: DBUS_SESSION_BUS_ADDRESS=$HALLWAY_TEST_PEER_BUS hallwayctl …
export HALLWAY_TEST_PEER_BUS=$bus2
export HALLWAY_TEST_MY_ADDRESS="127.0.0.1:$port1"
export HALLWAY_TEST_WORK=$work
"$@"
