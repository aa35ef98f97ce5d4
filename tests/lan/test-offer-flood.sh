#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An offer flood under a borrowed name: computer c makes 10 throw-away
# certificates and, with each, offers Alice files as "Bruno Costa" as fast
# as it is allowed. Alice is told of them as one notification that says
# they are not verified, never one each as if from Bruno; the room kept for
# trusted colleagues lets the real Bruno's offer through at once.
. "$(dirname "$0")/lib.sh"
. "$LAN_DIR/drops-lib.sh"

[ -x "$FAKE" ] || { echo "Bail out! no $FAKE"; exit 1; }

lan_up 3
RECV="$WORK/recv"
IN="$WORK/in"
mkdir -p "$RECV" "$IN"
set_receiver a "receive-folder='$RECV'" "offer-timeout=uint32 120"

start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile || exit 1
check "a notification server runs on a" fake org.freedesktop.Notifications "$IN/notify.log"
start_daemon b "Bruno Costa" || exit 1
check "a sees Bruno" ctl a peers --wait 1 --timeout 30
check "a trusts Bruno after comparing codes" ctl a trust "Bruno Costa"
URL="https://$("$L" ip a):$(ctl a status --json | jq -r .port)/api/v1/drops"

jq -cn '{name: "Bruno Costa", total: 3000, files: [{path: "invoice.pdf", size: 3000}]}' \
  >"$IN/offer.json"
for i in $(seq 10); do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=throwaway-$i" -keyout "$IN/key$i.pem" -out "$IN/cert$i.pem" >/dev/null 2>&1 ||
    { echo "Bail out! openssl could not make a certificate"; exit 1; }
done

# 1. The flood: 10 identities × 5 offers each, all as fast as curl goes.
for i in $(seq 10); do
  for _ in $(seq 5); do
    "$L" exec c -- curl -sk --max-time 20 -o /dev/null -w '%{http_code}\n' \
      --cert "$IN/cert$i.pem" --key "$IN/key$i.pem" \
      -H 'Content-Type: application/json' --data-binary "@$IN/offer.json" "$URL"
  done
done >"$IN/codes"
accepted=$(grep -c '^202$' "$IN/codes")
refused=$(grep -c '^429$' "$IN/codes")
note "flood: $accepted offers taken, $refused refused as busy (of 50)"
check "each throw-away identity gets at most 4 offers in" test "$accepted" -le 40
check "computers that are not trusted share at most 16 pending offers" test "$accepted" -le 16
check "the rest are refused as busy (429), nothing else" test $((accepted + refused)) = 50
pending=$(ctl a offers --json | jq '[.[] | select(.state == "pending")] | length')
check "a lists the $accepted offers" test "$pending" = "$accepted"
check "every one of them is marked not trusted" \
  test "$(ctl a offers --json | jq '[.[] | select(.trusted)] | length')" = 0
out=$(ctl a offers)
check "hallwayctl offers says they are not verified" \
  test "$(grep -c 'not verified' <<<"$out")" = "$accepted"

check "a is told of the flood" wait_until 10 grep -q "not verified" "$IN/notify.log"
# Let the notifications of all offers arrive: the last one counts them all.
check "one notification counts them all" wait_until 10 bash -c \
  "grep '^{' '$IN/notify.log' | tail -n1 | jq -r .summary | grep -q '^$accepted offers'"
shown=$(grep '^{' "$IN/notify.log" | jq -r .id | sort -u | wc -l)
note "notifications: $(grep -c '^{' "$IN/notify.log") updates of $shown notifications"
note "last: $(grep '^{' "$IN/notify.log" | tail -n1)"
check "grouped: at most 2 notifications for $accepted offers" test "$shown" -le 2
check "no notification says Bruno Costa wants to send anything" \
  bash -c "! grep '^{' '$IN/notify.log' | jq -r .summary | grep -q '^Bruno Costa'"
check "the group says they are not verified and names them as they call themselves" \
  bash -c "grep '^{' '$IN/notify.log' | tail -n1 | jq -r .body |
    grep -q 'call themselves Bruno Costa'"

# 2. The real Bruno's offer still gets in, and is his.
head -c 100K /dev/urandom >"$WORK/minutes.bin"
id=$(ctl b send "Alice Martin" "$WORK/minutes.bin")
check "Bruno's offer is taken, not refused as busy" wait_until 20 transfer_is b "$id" state offered
bruno_offer=$(ctl a offers --json |
  jq -r '[.[] | select(.state == "pending" and .trusted)] | .[0].id // empty')
check "a lists it as from the trusted Bruno" test -n "$bruno_offer"
check "a is told of it on its own, as from Bruno" wait_until 10 bash -c \
  "grep '^{' '$IN/notify.log' | jq -r .summary | grep -q '^Bruno Costa wants to send you 1 file'"
check "a accepts it" ctl a accept "$bruno_offer"
check "Bruno's file arrives" wait_until 30 transfer_is b "$id" state done
check "byte-identical" cmp "$WORK/minutes.bin" "$RECV/minutes.bin"
unfake org.freedesktop.Notifications
