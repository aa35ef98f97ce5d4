#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Identities can't be borrowed. An impostor (computer c, its own hallwayd
# and certificate) announces Bruno's device id and fingerprint from its own
# address: Alice's computer reports that address as an impostor attempt,
# and Bruno stays trusted, online and named Bruno; his files and sends go
# through. Then, with Bruno off, c takes his display name under its own
# identity: Alice's computer flags it, and sending to "Bruno Costa" is
# refused until she says which one she means.
. "$(dirname "$0")/lib.sh"
. "$LAN_DIR/drops-lib.sh"

lan_up 3
RECV=$WORK/received
mkdir -p "$RECV" "$WORK/team" "$WORK/got"
printf 'minutes of the meeting\n' >"$WORK/team/minutes.txt"
set_receiver a "receive-folder='$RECV'" "accept-policy='trusted'" "offer-timeout=uint32 60"
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile || exit 1
start_daemon b "Bruno Costa" || exit 1
start_daemon c "Mallory" || exit 1
check "a sees b and c" ctl a peers --wait 2 --timeout 30
ctl a share add "$WORK/team" --name Team --access read-only --audience trusted >/dev/null ||
  not_ok "a shares Team with trusted colleagues"
check "a trusts Bruno after comparing codes" ctl a trust "Bruno Costa"
b_id=$(own_id b)
b_fp=$(ctl b status --json | jq -r .fingerprint)
c_ip=$("$L" ip c)
check "b sees Team" wait_until 20 bash -c "ctl b ls 'Alice Martin' | grep -q Team"

# 1. c announces Bruno's id and fingerprint, under another name,
# pointing at its own hallwayd.
announce_as c "Mallory posing" "$b_id" "$b_fp"
check_within 30 "a reports c's address as an impostor attempt" peer_has_impostor a "$b_id"
check "the impostor's address is c's" \
  bash -c "peer_field_by_id a '$b_id' impostor_addresses | jq -e --arg ip '$c_ip' 'index(\$ip)'"
note "a sees Bruno as: $(ctl a peers --json | jq -c --arg i "$b_id" \
  '.[] | select(.id == $i) | {name, online, trusted, problem, addresses, verified_addresses}')"
check "Bruno is still trusted" peer_id_is a "$b_id" trusted true
check "Bruno is still online" peer_id_is a "$b_id" online true
check "Bruno is still named Bruno Costa" peer_id_is a "$b_id" name "Bruno Costa"
check "Bruno has no identity problem" peer_id_is a "$b_id" problem ""
check "c's address is not one of Bruno's" \
  bash -c "! peer_field_by_id a '$b_id' addresses | jq -e --arg ip '$c_ip' 'index(\$ip)'"
check "c's address is never counted as Bruno (printer gateway)" \
  bash -c "! peer_field_by_id a '$b_id' verified_addresses | jq -e --arg ip '$c_ip' 'index(\$ip)'"
out=$(ctl a doctor "${b_id:0:12}" 2>&1)
check "the doctor tells of the impostor attempt" grep -q "$c_ip" <<<"$out"
check "a's log tells of it" grep -q "impostor attempt" "$WORK/hallwayd-a.log"

# Bruno is served as a trusted colleague, and his sends arrive, while the
# impostor keeps announcing.
check "Bruno gets a file from the trusted share" \
  ctl b get "Alice Martin/Team/minutes.txt" --to "$WORK/got" --wait
check "byte-identical" cmp "$WORK/team/minutes.txt" "$WORK/got/minutes.txt"
head -c 200K /dev/urandom >"$WORK/report.bin"
id=$(ctl b send "Alice Martin" "$WORK/report.bin")
check "Bruno's send arrives (a trusted colleague's, unasked)" \
  wait_until 30 transfer_is b "$id" state done
check "byte-identical" cmp "$WORK/report.bin" "$RECV/report.bin"
# Watched over several rounds of probes (one every ~6.5 s): nothing is
# ever taken from Bruno.
stayed=yes
for _ in $(seq 15); do
  if ! peer_id_is a "$b_id" online true || ! peer_id_is a "$b_id" trusted true ||
    ! peer_id_is a "$b_id" name "Bruno Costa"; then
    stayed=no
  fi
  sleep 1   # watching over time, not waiting for an event
done
check "watched for 15 s more, Bruno stays online, trusted and named Bruno" test "$stayed" = yes
kill "$IMPOSTOR"; wait "$IMPOSTOR" 2>/dev/null

# 2. Bruno goes home; c comes back as "Bruno Costa" under its own identity;
# then Bruno returns, and mDNS renames him.
stop_daemon b TERM
stop_daemon c TERM
check "a shows Bruno offline" wait_until 20 peer_id_is a "$b_id" online false
start_daemon c "Bruno Costa" || exit 1
c_id=$(own_id c)
check "a sees c as “Bruno Costa”" wait_until 30 peer_id_is a "$c_id" name "Bruno Costa"
start_daemon b "Bruno Costa" || exit 1
check "the real Bruno comes back online" wait_until 30 peer_id_is a "$b_id" online true
note "names a sees: $(ctl a peers --json | jq -c '[.[] | {name, trusted, name_held_by}]')"
check "c is flagged: its name is a trusted colleague's" peer_id_is a "$c_id" name_held_by "$b_id"
check "c is not trusted" peer_id_is a "$c_id" trusted false
check "Bruno is not flagged" peer_id_is a "$b_id" name_held_by ""
out=$(ctl a peers)
check "hallwayctl peers shows who is trusted" grep -q "trusted" <<<"$out"
check "…and flags c" grep -q "not them" <<<"$out"
note "$out"
printf 'salary review\n' >"$WORK/salary.txt"
if out=$(ctl a send "Bruno Costa" "$WORK/salary.txt" 2>&1); then
  not_ok "send to the name “Bruno Costa” is refused"
else
  ok "send to the name “Bruno Costa” is refused"
fi
note "$out"
check "…saying why, in plain words" grep -q "trusted colleague" <<<"$out"
check "c was offered nothing" test "$(ctl c offers --json | jq length)" = 0
check "info by that name is refused too" bash -c "! ctl a info 'Bruno Costa'"
check "the id prefix still reaches the real Bruno" ctl a info "${b_id:0:12}"
id=$(ctl a send "${b_id:0:12}" "$WORK/salary.txt")
check "sending by id prefix offers the file to the real Bruno" \
  wait_until 20 has_pending_offer b "Alice Martin"
