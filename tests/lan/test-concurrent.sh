#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Many copies at once: a, c and d each share a folder of seven files; b asks
# for twenty of them at the same moment. All arrive byte-identical, and no
# more than HALLWAY_TRANSFERS_MAX_RUNNING (4) move data at any time.
. "$(dirname "$0")/lib.sh"

lan_up 4
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
start_daemon c "Chloé Dubois" || exit 1
start_daemon d "Dmitri Ivanov" || exit 1
check "b sees a, c and d" ctl b peers --wait 3 --timeout 30

declare -A NAME=([a]="Alice Martin" [c]="Chloé Dubois" [d]="Dmitri Ivanov")
for h in a c d; do
  mkdir -p "$WORK/src-$h"
  for i in 1 2 3 4 5 6 7; do
    head -c $((6 * 1024 * 1024 + i * 4096)) /dev/urandom >"$WORK/src-$h/file $i.bin"
  done
  ctl "$h" share add "$WORK/src-$h" --name "Folder $h" --audience everyone >/dev/null ||
    not_ok "$h shares a folder"
done
for h in a c d; do
  check "b sees ${NAME[$h]}'s share" \
    wait_until 20 bash -c "ctl b info '${NAME[$h]}' --json | jq -e '.shared_folders | length == 1'"
done

# Slow enough that the copies overlap.
"$L" exec switch -- tc qdisc add dev veth-b root tbf rate 300mbit burst 256k latency 50ms ||
  not_ok "throttle the link with tc"

# Snapshots of what runs, until told to stop.
( while [ ! -e "$WORK/stop" ]; do
    ctl b transfers --json 2>/dev/null |
      jq -c '[.[] | select(.state == "running")] | length' >>"$WORK/running.log"
    sleep 0.1
  done ) & SNAPSHOTS=$!

# Twenty gets at once: seven from a, seven from c, six from d.
mkdir -p "$WORK/dl"
pids=()
n=0
for h in a c d; do
  for i in 1 2 3 4 5 6 7; do
    [ "$n" -ge 20 ] && break
    ctl b get "${NAME[$h]}/Folder $h/file $i.bin" --to "$WORK/dl/$h" --wait \
      >"$WORK/get-$h-$i.log" 2>&1 & pids+=($!)
    n=$((n + 1))
  done
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
touch "$WORK/stop"; wait "$SNAPSHOTS" 2>/dev/null
"$L" exec switch -- tc qdisc del dev veth-b root 2>/dev/null

check "all twenty gets finish (get --wait exits 0)" test "$failed" = 0
check "twenty transfers are listed" bash -c "ctl b transfers --json | jq -e 'length == 20'"
check "all twenty are done" \
  bash -c "ctl b transfers --json | jq -e '[.[] | select(.state == \"done\")] | length == 20'"
identical=0
for h in a c d; do
  for f in "$WORK/dl/$h"/*; do
    cmp -s "$f" "$WORK/src-$h/$(basename "$f")" && identical=$((identical + 1))
  done
done
check "twenty files arrived byte-identical ($identical)" test "$identical" = 20
check "no part file is left" test -z "$(find "$WORK/dl" -name '*.hallway-part')"
max=$(sort -n "$WORK/running.log" | tail -n 1)
note "snapshots: $(wc -l <"$WORK/running.log"), most running at once: ${max:-?}"
check "some ran side by side" test "${max:-0}" -ge 2
check "never more than 4 ran at once" test "${max:-99}" -le 4
