#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# hallwayd idles most of the day and works in bursts: after a copy of a
# folder of many files, and after a crowd of connections at once, it gives
# back what the burst took, within 30 seconds, to within 1 MiB of its idle
# private memory (USS: Private_Clean + Private_Dirty of smaps_rollup). A
# daemon that kept GLib's slice caches, the finished transfer's list of
# files or a worker's malloc arena held megabytes more for good.
. "$(dirname "$0")/lib.sh"

# AddressSanitizer keeps what is freed in a quarantine of its own, and
# malloc_trim() does nothing there: memory levels say nothing about hallwayd.
if ldd "$HALLWAYD" 2>/dev/null | grep -q libasan; then
  echo "1..0 # SKIP memory levels mean nothing under AddressSanitizer"
  exit 77
fi

NFILES=${HALLWAY_MEMORY_FILES:-10000}
SLACK_KB=1024

lan_up 2
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
check "b sees a" ctl b peers --wait 1 --timeout 20
check "a sees b" ctl a peers --wait 1 --timeout 20
A=$("$L" ip a)

# uss HOST: its hallwayd's private memory in kB (uss_kb, tests/lib.sh).
uss() {
  uss_kb "${DAEMON_PID[$1]}"
}
# back_to_idle HOST IDLE_KB: within the slack of its idle level.
back_to_idle() {
  [ $(($(uss "$1") - $2)) -le "$SLACK_KB" ]
}

# The idle level: once both know each other and have served one small
# copy and one connection (the libraries' one-time set-up is part of it).
mkdir -p "$WORK/warm"
printf 'hello\n' >"$WORK/warm/hello.txt"
ctl a share add "$WORK/warm" --name Warm --audience everyone >/dev/null || not_ok "a shares Warm"
check "b sees a's share" \
  wait_until 20 bash -c "ctl b info 'Alice Martin' --json | jq -e '.shared_folders | length == 1'"
check "a first file arrives" ctl b get "Alice Martin/Warm/hello.txt" --to "$WORK/got" --wait
check "a first connection is answered" "$L" exec b -- python3 "$LAN_DIR/churn.py" "$A" 53535 1
idle_a=$(uss a)
idle_b=$(uss b)
note "idle USS: a $idle_a kB, b $idle_b kB"

make_small_files "$WORK/many" "$NFILES"
ctl a share add "$WORK/many" --name Many --audience everyone >/dev/null || not_ok "a shares Many"
check "b sees it" \
  wait_until 20 bash -c "ctl b info 'Alice Martin' --json | jq -e '.shared_folders | length == 2'"

# 1. A folder of many small files.
out=$(ctl b get "Alice Martin/Many" --to "$WORK/dl" --wait 2>&1) || note "get: $out"
check "$NFILES files arrive" test "$(find "$WORK/dl/Many" -type f | wc -l)" -eq "$NFILES"
note "after the copy: a $(uss a) kB, b $(uss b) kB"
check "within 30 s the receiving hallwayd is back within 1 MiB of idle" \
  wait_until 30 back_to_idle b "$idle_b"
check "so is the sending one" wait_until 30 back_to_idle a "$idle_a"
note "then: a $(uss a) kB, b $(uss b) kB"

# 2. 200 connections open at once, from eight addresses of b's (each address
# may hold 32 at once: hallway-daemon-acceptor.c).
B=$("$L" ip b)
sources=$B
for i in $(seq 1 7); do
  "$L" exec b -- ip addr add "${B%.*}.$((200 + i))/24" dev eth0
  sources+=",${B%.*}.$((200 + i))"
done
check "200 connections at once are answered" \
  "$L" exec b -- python3 "$LAN_DIR/churn.py" "$A" 53535 200 --at-once --from "$sources"
note "after the burst: a $(uss a) kB"
check "within 30 s hallwayd is back within 1 MiB of idle" \
  wait_until 30 back_to_idle a "$idle_a"
check "hallwayd still answers" "$L" exec b -- curl -sfk -o /dev/null "https://$A:53535/api/v1/info"
