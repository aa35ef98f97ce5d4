#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# How quickly neighbours appear and disappear, on two simulated computers
# with real avahi-daemons (root only):
#   - discovery: hallwayd starts on A → A listed online by `hallwayctl peers`
#     on B (median of RUNS);
#   - offline detection: hallwayd and avahi-daemon SIGKILLed on A (a crashed
#     computer, whose records B's avahi keeps for 75 minutes) → A shown
#     offline on B (median of RUNS), and back online once A restarts;
#   - a change on A → seen on B: a folder shared, then switched off, on A →
#     listed, then gone, in `hallwayctl info A` on B (median of RUNS each),
#     with mDNS, then with mDNS blocked on both (no TXT record to react to);
#   - hallwayd's idle RSS after a minute with one neighbour.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
RUNS=${RUNS:-10}
BUILD_DIR=${HALLWAY_BUILD_DIR:-$top/build}
L=$top/tests/lan/office-lan.sh
ctl=$BUILD_DIR/ctl/hallwayctl
hallwayd=$BUILD_DIR/daemon/hallwayd
export HWLAN_PREFIX=hwbench HWLAN_SUBNET=10.79.0 GSETTINGS_BACKEND=memory

if [ "$(id -u)" -ne 0 ]; then
  echo "bench/discovery.sh needs root (simulated computers)"; exit 77
fi

logs=$(mktemp -d /tmp/hallway-bench.XXXXXX)
a_pid=""
b_pid=""
cleanup() {
  [ -n "$a_pid" ] && kill "$a_pid" 2>/dev/null
  [ -n "$b_pid" ] && kill "$b_pid" 2>/dev/null
  wait 2>/dev/null
  "$L" down >/dev/null 2>&1
  rm -rf "$logs"
}
trap cleanup EXIT

now_us() { echo "${EPOCHREALTIME/./}"; }

a_state() {
  "$L" exec b -- "$ctl" peers --json 2>/dev/null |
    jq -r '.[] | select(.name == "Alice") | if .online then "online" else "offline" end'
}

wait_for() {   # FUNCTION STATE TIMEOUT_S: polls FUNCTION until it prints STATE
  local deadline=$(( $(now_us) + $3 * 1000000 ))
  until [ "$("$1")" = "$2" ]; do
    [ "$(now_us)" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

wait_state() { wait_for a_state "$@"; }   # STATE TIMEOUT_S

start_a() {
  "$L" exec a -- env HALLWAY_NAME=Alice "$hallwayd" >>"$logs/a.log" 2>&1 </dev/null &
  a_pid=$!
}

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

"$L" up 2 >/dev/null
"$L" exec b -- env HALLWAY_NAME=Bruno "$hallwayd" >"$logs/b.log" 2>&1 </dev/null &
b_pid=$!
start_a
wait_state online 30
kill "$a_pid"; wait "$a_pid" 2>/dev/null || true; a_pid=""
wait_state offline 10

discovery=()
offline=()
back=()
for i in $(seq 1 "$RUNS"); do
  # A computer turned on: its announcement is new to B.
  t0=$(now_us)
  start_a
  wait_state online 30
  discovery+=($(( ($(now_us) - t0) / 1000 )))

  # It crashes (hallwayd and avahi-daemon killed, no goodbye): B keeps its
  # records cached, so only Hallway's probing notices.
  t0=$(now_us)
  "$L" avahi a kill
  kill -KILL "$a_pid"; wait "$a_pid" 2>/dev/null || true; a_pid=""
  wait_state offline 30
  offline+=($(( ($(now_us) - t0) / 1000 )))

  # It comes back (same records as before the crash).
  "$L" avahi a start
  t0=$(now_us)
  start_a
  wait_state online 30
  back+=($(( ($(now_us) - t0) / 1000 )))

  # A clean stop before the next round, so the next start is news to B.
  kill "$a_pid"; wait "$a_pid" 2>/dev/null || true; a_pid=""
  wait_state offline 10
done

# What A shares, as B sees it: "on" when the folder is listed, else "off".
share_state() {
  "$L" exec b -- "$ctl" info Alice --json 2>/dev/null |
    jq -r 'if (.shared_folders | map(.name) | index("Bench")) != null then "on" else "off" end'
}

wait_share() { wait_for share_state "$@"; }   # STATE TIMEOUT_S

measure_changes() {   # ON_ARRAY OFF_ARRAY
  local -n on_ms=$1 off_ms=$2
  for i in $(seq 1 "$RUNS"); do
    t0=$(now_us)
    "$L" exec a -- "$ctl" share enable Bench >/dev/null
    wait_share on 10
    on_ms+=($(( ($(now_us) - t0) / 1000 )))
    t0=$(now_us)
    "$L" exec a -- "$ctl" share disable Bench >/dev/null
    wait_share off 10
    off_ms+=($(( ($(now_us) - t0) / 1000 )))
  done
}

start_a
wait_state online 30
mkdir -p "$logs/bench-share"
"$L" exec a -- "$ctl" share add "$logs/bench-share" --name Bench --audience everyone >/dev/null
wait_share on 30
"$L" exec a -- "$ctl" share disable Bench >/dev/null
wait_share off 30
shared_mdns=()
unshared_mdns=()
measure_changes shared_mdns unshared_mdns
"$L" block-mdns a
"$L" block-mdns b
shared_blocked=()
unshared_blocked=()
measure_changes shared_blocked unshared_blocked
"$L" unblock-mdns a
"$L" unblock-mdns b
sleep 60   # idle: the point is to measure memory after a minute of nothing
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$a_pid/status")

echo "discovery (start on A -> online on B), ms: ${discovery[*]}"
echo "offline detection after SIGKILL (hallwayd + avahi-daemon), ms: ${offline[*]}"
echo "back online after a crash and restart, ms: ${back[*]}"
echo "share switched on (mDNS / blocked), ms: ${shared_mdns[*]} / ${shared_blocked[*]}"
echo "share switched off (mDNS / blocked), ms: ${unshared_mdns[*]} / ${unshared_blocked[*]}"
printf '%-48s %8s\n' "measure" "median"
printf '%-48s %6s ms\n' "discovery: hallwayd start on A -> listed on B" \
  "$(printf '%s\n' "${discovery[@]}" | median)"
printf '%-48s %6s ms\n' "offline detection after a crash" \
  "$(printf '%s\n' "${offline[@]}" | median)"
printf '%-48s %6s ms\n' "back online after the crashed computer restarts" \
  "$(printf '%s\n' "${back[@]}" | median)"
printf '%-48s %6s ms\n' "a share switched on on A -> listed on B" \
  "$(printf '%s\n' "${shared_mdns[@]}" | median)"
printf '%-48s %6s ms\n' "a share switched off on A -> gone on B" \
  "$(printf '%s\n' "${unshared_mdns[@]}" | median)"
printf '%-48s %6s ms\n' "  the same, mDNS blocked: switched on" \
  "$(printf '%s\n' "${shared_blocked[@]}" | median)"
printf '%-48s %6s ms\n' "  the same, mDNS blocked: switched off" \
  "$(printf '%s\n' "${unshared_blocked[@]}" | median)"
printf '%-48s %6s KiB\n' "hallwayd idle RSS (one neighbour, 60 s)" "$rss_kb"
