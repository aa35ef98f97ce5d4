#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sending files to a colleague: b (and c) offer files to a with
# hallwayctl send; a sees the offer and accepts, declines, accepts some, or
# lets it expire. A folder of awkward names arrives with its structure,
# byte-identical; a declined or expired offer writes nothing; two senders
# at once both arrive; an offer larger than a's disk is refused in plain
# words; a trusted colleague's files arrive unasked while an untrusted one
# is still asked; a restart of either side while an offer waits loses
# nothing. Resuming mid-file after a SIGKILL is test-drops-resume.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/drops-lib.sh"

lan_up 3
RECV="$WORK/received"
mkdir -p "$RECV"
set_receiver a "receive-folder='$RECV'" "offer-timeout=uint32 60"
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile || exit 1
start_daemon b "Bruno Costa" || exit 1
start_daemon c "Chloé Dubois" || exit 1
check "b sees a" ctl b peers --wait 1 --timeout 20
check "c sees a" ctl c peers --wait 1 --timeout 20
check "a sees b and c" ctl a peers --wait 2 --timeout 20

# What b sends: unicode, spaces, an empty file, nesting, an empty folder.
TREE="$WORK/Ünïcødé — dossier"
mkdir -p "$TREE/with spaces/deeper" "$TREE/empty folder"
printf 'héllo wörld\n' >"$TREE/naïve café.txt"
printf 'spaced out\n' >"$TREE/with spaces/a file with spaces.txt"
printf 'bottom\n' >"$TREE/with spaces/deeper/bottom.txt"
: >"$TREE/empty.txt"
head -c 3M /dev/urandom >"$TREE/report.pdf"
head -c 1M /dev/urandom >"$WORK/single.bin"

# 1. Accept: the offer waits for a, then the folder and a file arrive.
id=$(ctl b send "Alice Martin" "$TREE" "$WORK/single.bin"); rc=$?
check "b offers a folder and a file (send exits 0)" test "$rc" = 0
check "b's transfer is a send" transfer_is b "$id" kind send
check "it waits for a's answer (offered)" wait_until 20 transfer_is b "$id" state offered
check "a is asked" wait_until 20 has_pending_offer a "Bruno Costa"
offer=$(pending_offer a "Bruno Costa")
note "a's offer: $(ctl a offers --json | jq -c --arg i "$offer" '.[] | select(.id == $i)')"
total=$(( $(find "$TREE" "$WORK/single.bin" -type f -printf '%s+') 0 ))
check "a sees the size offered ($total bytes)" offer_is a "$offer" total "$total"
check "nothing is written before a accepts" test -z "$(ls -A "$RECV")"
check "a accepts" ctl a accept "$offer"
check "b's send ends done" wait_until 60 transfer_is b "$id" state done
note "b: $(ctl b transfers | tail -n 1)"
if diff -r "$TREE" "$RECV/$(basename "$TREE")" -x 'empty folder' >"$WORK/diff.log" 2>&1; then
  ok "the folder arrived with its structure, byte-identical (unicode, spaces, empty file)"
else
  not_ok "the folder arrived with its structure, byte-identical: $(head -c 400 "$WORK/diff.log")"
fi
check "the single file arrived byte-identical" cmp "$WORK/single.bin" "$RECV/single.bin"
check "no part file is left" no_part_files "$RECV"
check "b counts every file" \
  transfer_is b "$id" files "$(find "$TREE" "$WORK/single.bin" -type f | wc -l)"
check "a's offer is done" wait_until 10 offer_is a "$offer" state done

# 2. Decline: the sender is told, nothing is written.
before=$(find "$RECV" | wc -l)
id=$(ctl b send "Alice Martin" "$WORK/single.bin")
check "a is asked again" wait_until 20 has_pending_offer a "Bruno Costa"
offer=$(pending_offer a "Bruno Costa")
check "a declines" ctl a decline "$offer"
check "b's send fails" wait_until 30 transfer_is b "$id" state failed
note "declined: $(transfer_field b "$id" error)"
check "saying “Alice Martin declined.”" transfer_is b "$id" error "Alice Martin declined."
check "nothing was written for a declined offer" test "$(find "$RECV" | wc -l)" = "$before"
ctl b send "Alice Martin" "$WORK/single.bin" --wait >"$WORK/wait.out" 2>&1 & waiter=$!
check "a is asked once more" wait_until 20 has_pending_offer a "Bruno Costa"
ctl a decline "$(pending_offer a "Bruno Costa")" >/dev/null
wait "$waiter"; rc=$?
note "send --wait when declined: $(tail -n 1 "$WORK/wait.out")"
check "send --wait exits 1 when declined" test "$rc" = 1
check "and says so" grep -q "declined" "$WORK/wait.out"

# 3. Partial accept: only the chosen files arrive.
PART="$WORK/partial"
mkdir -p "$PART"
for n in one two three; do head -c 200K /dev/urandom >"$PART/$n.bin"; done
id=$(ctl b send "Alice Martin" "$PART/one.bin" "$PART/two.bin" "$PART/three.bin")
check "a is asked about three files" wait_until 20 has_pending_offer a "Bruno Costa"
offer=$(pending_offer a "Bruno Costa")
check "a accepts the first and the third" accept_some a "$offer" 0 2
check "b's send ends done" wait_until 30 transfer_is b "$id" state done
check "the first arrived" cmp "$PART/one.bin" "$RECV/one.bin"
check "the third arrived" cmp "$PART/three.bin" "$RECV/three.bin"
check "the second did not" test ! -e "$RECV/two.bin"
check "b counts only the accepted files" transfer_is b "$id" files 2
check "and their bytes" transfer_is b "$id" total $((2 * 200 * 1024))

# 4. Two senders at once.
head -c 2M /dev/urandom >"$WORK/from-b.bin"
head -c 2M /dev/urandom >"$WORK/from-c.bin"
id_b=$(ctl b send "Alice Martin" "$WORK/from-b.bin")
id_c=$(ctl c send "Alice Martin" "$WORK/from-c.bin")
check "a is asked by b" wait_until 20 has_pending_offer a "Bruno Costa"
check "a is asked by c" wait_until 20 has_pending_offer a "Chloé Dubois"
check "a accepts c's" ctl a accept "$(pending_offer a "Chloé Dubois")"
check "a accepts b's" ctl a accept "$(pending_offer a "Bruno Costa")"
check "b's send ends done" wait_until 30 transfer_is b "$id_b" state done
check "c's send ends done" wait_until 30 transfer_is c "$id_c" state done
check "b's file arrived" cmp "$WORK/from-b.bin" "$RECV/from-b.bin"
check "c's file arrived" cmp "$WORK/from-c.bin" "$RECV/from-c.bin"

# 5. The sender cancels while a is still asked: a's offer goes away.
id=$(ctl b send "Alice Martin" "$WORK/single.bin")
check "a is asked" wait_until 20 has_pending_offer a "Bruno Costa"
offer=$(pending_offer a "Bruno Costa")
check "b cancels" ctl b cancel "$id"
check "b's send is cancelled" wait_until 10 transfer_is b "$id" state cancelled
check "a's offer is cancelled too" wait_until 10 offer_is a "$offer" state cancelled

# 6. The sender restarts while its offer waits: it still waits for the
# same answer, and delivers once a accepts.
head -c 300K /dev/urandom >"$WORK/patient.bin"
id=$(ctl b send "Alice Martin" "$WORK/patient.bin")
check "a is asked" wait_until 20 has_pending_offer a "Bruno Costa"
offer=$(pending_offer a "Bruno Costa")
stop_daemon b KILL
start_daemon b "Bruno Costa" || exit 1
check "the restarted sender waits for the answer again" \
  wait_until 30 transfer_is b "$id" state offered
check "a was asked only once" \
  test "$(ctl a offers --json | jq '[.[] | select(.state == "pending")] | length')" = 1
check "a accepts" ctl a accept "$offer"
check "b's send ends done" wait_until 30 transfer_is b "$id" state done
check "the file arrived" cmp "$WORK/patient.bin" "$RECV/patient.bin"

# 7. Expiry and free space: a's receive folder on a small disk, a short
# offer-timeout. An offer still waiting when a restarts is forgotten
# there, so b offers it again.
head -c 300K /dev/urandom >"$WORK/forgotten.bin"
id=$(ctl b send "Alice Martin" "$WORK/forgotten.bin")
check "a is asked" wait_until 20 has_pending_offer a "Bruno Costa"
SMALL="$WORK/small"
mkdir -p "$SMALL"
"$L" exec a -- mount -t tmpfs -o size=8m tmpfs "$SMALL" || not_ok "mount a small disk on a"
stop_daemon a TERM
set_receiver a "receive-folder='$SMALL'" "offer-timeout=uint32 5"
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile || exit 1
check "b sees a again" wait_until 30 peer_is b "Alice Martin" online true
check "the restarted a is asked again about the forgotten offer" \
  wait_until 30 has_pending_offer a "Bruno Costa"
check "a accepts it" ctl a accept "$(pending_offer a "Bruno Costa")"
check "b's send ends done" wait_until 30 transfer_is b "$id" state done
check "the file arrived" "$L" exec a -- cmp "$WORK/forgotten.bin" "$SMALL/forgotten.bin"
"$L" exec a -- rm -f "$SMALL/forgotten.bin"
head -c 20M /dev/urandom >"$WORK/big.bin"
out=$(ctl b send "Alice Martin" "$WORK/big.bin" --wait 2>&1); rc=$?
note "too big: $(tail -n 1 <<<"$out")"
check "an offer larger than a's free space fails" test "$rc" = 1
id=$(ctl b transfers --json | jq -r 'map(select(.kind == "send")) | last | .id')
check "saying a's computer has no room" \
  transfer_is b "$id" error "Alice Martin's computer does not have room for these files."
check "nothing was written on the small disk" test -z "$("$L" exec a -- ls -A "$SMALL")"

start=$EPOCHREALTIME
id=$(ctl b send "Alice Martin" "$WORK/single.bin")
check "a is asked" wait_until 20 has_pending_offer a "Bruno Costa"
check "nobody answers: b's send fails" wait_until 40 transfer_is b "$id" state failed
note "expired after $(ms_since "$start") ms: $(transfer_field b "$id" error)"
check "saying “Alice Martin did not answer in time.”" \
  transfer_is b "$id" error "Alice Martin did not answer in time."
check "nothing was written for an expired offer" test -z "$("$L" exec a -- ls -A "$SMALL")"

# 8. Auto-accept: a accepts by itself from trusted colleagues only.
stop_daemon a TERM
"$L" exec a -- umount "$SMALL"
set_receiver a "receive-folder='$RECV'" "accept-policy='trusted'" "offer-timeout=uint32 60"
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile || exit 1
check "a sees b and c again" ctl a peers --wait 2 --timeout 20
check "a trusts b after comparing codes" ctl a trust "Bruno Costa"
head -c 500K /dev/urandom >"$WORK/trusted.bin"
head -c 500K /dev/urandom >"$WORK/untrusted.bin"
id=$(ctl b send "Alice Martin" "$WORK/trusted.bin")
check "b's files arrive without a being asked" wait_until 30 transfer_is b "$id" state done
check "byte-identical" cmp "$WORK/trusted.bin" "$RECV/trusted.bin"
check "a was never asked about them" test -z "$(pending_offer a "Bruno Costa")"
id=$(ctl c send "Alice Martin" "$WORK/untrusted.bin")
check "c, not trusted, still waits for an answer" wait_until 20 transfer_is c "$id" state offered
check "a is asked about c's files" wait_until 20 has_pending_offer a "Chloé Dubois"
check "nothing of c's arrived unasked" test ! -e "$RECV/untrusted.bin"
check "a declines c's" ctl a decline "$(pending_offer a "Chloé Dubois")"
check "c is told" wait_until 30 transfer_is c "$id" error "Alice Martin declined."

check "b's saved queue holds no finished send" \
  jq -e '.transfers | length == 0' "$("$L" xdg b)/state/hallway/transfers.json"
