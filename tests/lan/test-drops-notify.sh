#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# When no window is open, an offer is announced as a desktop notification
# ("Someone calling themselves Mallory — not verified — wants to send you 3
# files (12.0 MB)") whose Accept and Decline buttons act on hallwayd
# itself; while the window is open (it owns
# io.github.hallwaylan.Hallway) there is no notification, as the window
# asks. A fake notification server on a's session bus shows and presses
# the buttons; the offers come from curl with a certificate of its own.
. "$(dirname "$0")/lib.sh"
. "$LAN_DIR/drops-lib.sh"

[ -x "$FAKE" ] || { echo "Bail out! no $FAKE"; exit 1; }

lan_up 2
XA=$("$L" xdg a)
RECV="$WORK/recv"
IN="$WORK/in"
mkdir -p "$RECV" "$IN" "$XA/config/glib-2.0/settings"
printf 'XDG_DOWNLOAD_DIR="%s"\n' "$RECV" >"$XA/config/user-dirs.dirs"
printf '[io/github/hallwaylan/Hallway]\nreceive-folder=%s\n' "'$RECV'" \
  >"$XA/config/glib-2.0/settings/keyfile"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=mallory" -keyout "$IN/key.pem" -out "$IN/cert.pem" >/dev/null 2>&1 ||
  { echo "Bail out! openssl could not make a certificate"; exit 1; }


start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR="$BUILD_DIR/data" ||
  exit 1
URL="https://$("$L" ip a):$(ctl a status --json | jq -r .port)/api/v1/drops"

offer() {   # SENDER-NAME: offers 3 files, 12 MB in all; prints the offer id
  jq -cn --arg n "$1" '{name: $n, total: 12000000, files: [
    {path: "a.bin", size: 4000000}, {path: "b.bin", size: 4000000},
    {path: "c/d.bin", size: 4000000}]}' \
    >"$IN/offer.json"
  "$L" exec b -- curl -sk --max-time 20 --cert "$IN/cert.pem" --key "$IN/key.pem" \
    -H 'Content-Type: application/json' --data-binary "@$IN/offer.json" "$URL" | jq -r .id
}
state_of() {   # ID
  "$L" exec b -- curl -sk --max-time 20 --cert "$IN/cert.pem" --key "$IN/key.pem" "$URL/$1" |
    jq -r .state
}
export -f state_of
export L IN URL

# 1. The window is open: it asks, so no notification. Then it closes, and
# the next offer is notified; the bus answers hallwayd in order, so the
# first notification shown can only be for the second offer.
check "a notification server runs on a" fake org.freedesktop.Notifications "$IN/notify.log"
check "a window runs on a" fake io.github.hallwaylan.Hallway "$IN/window.log"
first=$(offer "Window Open")
unfake io.github.hallwaylan.Hallway
second=$(offer "Mallory")
check "both offers are pending" \
  test "$(state_of "$first")" = pending -a "$(state_of "$second")" = pending
check "a notification is shown" wait_until 10 grep -q '^{' "$IN/notify.log"
notification=$(grep -m1 '^{' "$IN/notify.log")
note "$notification"
check "it is for the offer made with no window open, saying the sender is not verified" \
  test "$(jq -r '.summary | gsub("\u00a0"; " ")' <<<"$notification")" = \
  "Someone calling themselves Mallory — not verified — wants to send you 3 files (12.0 MB)"
check "it says where the files go" grep -qF "$RECV" <<<"$(jq -r .body <<<"$notification")"
check "it has Accept and Decline buttons" \
  jq -e '[.actions[]] | index("Accept") != null and index("Decline") != null' <<<"$notification"
check "no notification for the offer made while the window was open" \
  test "$(grep -c '^{' "$IN/notify.log")" = 1
unfake org.freedesktop.Notifications
# Several offers from computers that are not trusted are told of as one
# (test-offer-flood.sh); here each step has one pending.
ctl a decline "$(ctl a offers --json | jq -r '.[] | select(.state == "pending") | .id' |
  head -n1)" >/dev/null
ctl a decline "$(ctl a offers --json | jq -r '.[] | select(.state == "pending") | .id' |
  head -n1)" >/dev/null
note "offers after declining: $(ctl a offers --json | jq -c '[.[] | {id, state, trusted}]')"
check "nothing is left pending" \
  test "$(ctl a offers --json | jq '[.[] | select(.state == "pending")] | length')" = 0

# 2. The person presses Accept: the offer is accepted into the receive folder.
check "a notification server that presses Accept" \
  fake org.freedesktop.Notifications "$IN/accept.log" --press Accept
pressed=$(offer "Mallory")
check "pressing Accept accepts the offer" \
  wait_until 10 bash -c "[ \"\$(state_of $pressed)\" = accepted ]"
check "into the receive folder" \
  bash -c "ctl a offers --json | jq -e --arg f '$RECV' 'map(select(.folder == \$f)) | length == 1'"
unfake org.freedesktop.Notifications

# 3. The person presses Decline.
check "a notification server that presses Decline" \
  fake org.freedesktop.Notifications "$IN/decline.log" --press Decline
declined=$(offer "Mallory")
check "pressing Decline declines the offer" \
  wait_until 10 bash -c "[ \"\$(state_of $declined)\" = declined ]"
unfake org.freedesktop.Notifications
