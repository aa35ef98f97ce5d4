#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sending files to a colleague survives a SIGKILL of either side: b sends
# a large file to a (who accepts b's files by itself), the link is slowed
# so the delivery can be caught mid-file, and hallwayd is killed on the
# sending side, then on the receiving side. Each time the send continues
# from what had arrived (not from the start), ends byte-identical, and no
# partial file is ever visible under its real name. A file edited while it
# is being sent stops the send rather than arriving as a mix.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/drops-lib.sh"

lan_up 2
RECV="$WORK/received"
mkdir -p "$RECV"
set_receiver a "receive-folder='$RECV'" "accept-policy='trusted'"
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile || exit 1
start_daemon b "Bruno Costa" || exit 1
check "b sees a" ctl b peers --wait 1 --timeout 20
check "a sees b" ctl a peers --wait 1 --timeout 20
check "a trusts b after comparing codes" ctl a trust "Bruno Costa"

head -c 100M /dev/urandom >"$WORK/first.bin"
head -c 100M /dev/urandom >"$WORK/second.bin"
SIZE=$(stat -c %s "$WORK/first.bin")

# Slow the link towards a, so a delivery can be caught mid-file.
"$L" exec switch -- tc qdisc add dev veth-a root tbf rate 80mbit burst 256k latency 50ms ||
  not_ok "throttle the link with tc"

watch_final() {   # DIR NAME SIZE
  while :; do
    if [ -e "$1/$2" ] && [ "$(stat -c %s "$1/$2" 2>/dev/null)" != "$3" ]; then
      echo "$1/$2 visible at $(stat -c %s "$1/$2" 2>/dev/null) bytes" >>"$WORK/violations"
    fi
    sleep 0.05
  done
}
resumed_count() {
  grep -c "continuing file 0 from byte [1-9]" "$WORK/hallwayd-b.log"
}
part_has_data() {   # NAME
  test -s "$RECV/.$1.hallway-part"
}
export RECV
export -f part_has_data

# 1. SIGKILL of the sending hallwayd mid-file.
watch_final "$RECV" first.bin "$SIZE" & WATCHER=$!
id=$(ctl b send "Alice Martin" "$WORK/first.bin")
check "the send is accepted by itself and gets going" wait_until 60 transfer_mid_file b "$id"
check "a part file holds what arrived" wait_until 20 part_has_data first.bin
stop_daemon b KILL
check "no file under its final name yet" test ! -e "$RECV/first.bin"
start_daemon b "Bruno Costa" || exit 1
check "the restarted sender has the send again" wait_until 20 transfer_is b "$id" kind send
check "and finishes it" wait_until 120 transfer_is b "$id" state done
check "the file is byte-identical after b's SIGKILL" cmp "$WORK/first.bin" "$RECV/first.bin"
check "it continued from what had arrived rather than starting over" \
  test "$(resumed_count)" -ge 1
note "$(grep -o "continuing file 0 from byte [0-9]*" "$WORK/hallwayd-b.log" | tail -n 1)"
check "it was not stored twice" test ! -e "$RECV/first (2).bin"
check "no part file is left" no_part_files "$RECV"
kill "$WATCHER" 2>/dev/null; wait "$WATCHER" 2>/dev/null

# 2. SIGKILL of the receiving hallwayd mid-file.
before=$(resumed_count)
watch_final "$RECV" second.bin "$SIZE" & WATCHER=$!
id=$(ctl b send "Alice Martin" "$WORK/second.bin")
check "the second send gets going" wait_until 60 transfer_mid_file b "$id"
check "a part file holds what arrived" wait_until 20 part_has_data second.bin
stop_daemon a KILL
check "no file under its final name yet" test ! -e "$RECV/second.bin"
check "the send waits for a" wait_until 30 transfer_is b "$id" state waiting
note "while waiting: $(transfer_field b "$id" error)"
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile || exit 1
check "it finishes once a is back" wait_until 120 transfer_is b "$id" state done
check "the file is byte-identical after a's SIGKILL" cmp "$WORK/second.bin" "$RECV/second.bin"
check "it continued from what a had kept" test "$(resumed_count)" -gt "$before"
check "it was not stored twice" test ! -e "$RECV/second (2).bin"
check "no part file is left" no_part_files "$RECV"
kill "$WATCHER" 2>/dev/null; wait "$WATCHER" 2>/dev/null

# 3. The file changes on disk mid-send: the send stops with a plain
# message instead of delivering a mix of two versions, and a drops what
# arrived.
head -c 100M /dev/urandom >"$WORK/changing.bin"
id=$(ctl b send "Alice Martin" "$WORK/changing.bin")
check "the third send gets going" wait_until 60 transfer_mid_file b "$id"
printf 'a late edit\n' >>"$WORK/changing.bin"
check "the send fails" wait_until 30 transfer_is b "$id" state failed
note "changed: $(transfer_field b "$id" error)"
check "saying the file changed" bash -c "transfer_field b '$id' error | grep -q 'changed'"
check "nothing of it is kept on a" \
  wait_until 10 bash -c "test ! -e '$RECV/changing.bin' && no_part_files '$RECV'"

# 4. The sender cancels mid-file: a is told and keeps nothing of it.
id=$(ctl b send "Alice Martin" "$WORK/first.bin")
check "a fourth send gets going" wait_until 60 transfer_mid_file b "$id"
check "a part file holds what arrived" wait_until 20 part_has_data first.bin
check "b cancels" ctl b cancel "$id"
check "b's send is cancelled" wait_until 10 transfer_is b "$id" state cancelled
check "a removes what arrived" wait_until 20 no_part_files "$RECV"
check "and shows the offer cancelled" \
  wait_until 10 bash -c "ctl a offers --json | jq -e 'last | .state == \"cancelled\"'"
check "the earlier copy is untouched" cmp "$WORK/first.bin" "$RECV/first.bin"
check "no second copy was made" test ! -e "$RECV/first (2).bin"
"$L" exec switch -- tc qdisc del dev veth-a root 2>/dev/null

if [ -s "$WORK/violations" ]; then
  not_ok "no partial file was ever visible under its final name: $(head -n 3 "$WORK/violations")"
else
  ok "no partial file was ever visible under its final name"
fi
check "b's saved queue holds no finished send" \
  jq -e '.transfers | length == 0' "$("$L" xdg b)/state/hallway/transfers.json"
