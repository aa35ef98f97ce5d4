#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Two subnets joined by a router (DESIGN §8): a on 10.77.0.0/24, b on
# 10.77.1.0/24. mDNS stops at the router, until its avahi-daemon reflects
# it (enable-reflector=yes, what OpenWrt, pfSense and UniFi routers offer).
# Then each side lists, opens, copies from, sends to and prints on the
# other; a clean stop and a crash across the router are seen as on one
# subnet; shares added on one side reach the other; IPv6 (unique local
# addresses, routed) works across too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/drops-lib.sh"
. "$(dirname "$0")/printers-lib.sh"

export HWLAN_FAR=1
lan_up 2
RECV_A=$WORK/received-a
RECV_B=$WORK/received-b
mkdir -p "$RECV_A" "$RECV_B" "$WORK/docs-a" "$WORK/files-b" "$WORK/got-a" "$WORK/got-b"
set_receiver a "receive-folder='$RECV_A'"
b_xdg=$("$L" xdg b)
mkdir -p "$b_xdg/config/glib-2.0/settings"
printf '[io/github/hallwaylan/Hallway]\nreceive-folder=%s\n' "'$RECV_B'" \
  >"$b_xdg/config/glib-2.0/settings/keyfile"
head -c 2M /dev/urandom >"$WORK/docs-a/plan.bin"
head -c 3M /dev/urandom >"$WORK/files-b/report.bin"
head -c 300K /dev/urandom >"$WORK/to-b.bin"
head -c 300K /dev/urandom >"$WORK/to-a.bin"

start_cupsd a || exit 1
start_cupsd b || exit 1
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile CUPS_SERVER="$WORK/cups-a/cups.sock" ||
  exit 1
start_daemon b "Bruno Costa" GSETTINGS_BACKEND=keyfile CUPS_SERVER="$WORK/cups-b/cups.sock" ||
  exit 1
ctl a share add "$WORK/docs-a" --name Docs --access read-only --audience everyone >/dev/null
ctl b share add "$WORK/files-b" --name Files --access read-only --audience everyone >/dev/null

# 1. Without the reflector, the router stops mDNS.
check "without a reflector, a does not see b on the other subnet" \
  bash -c "! ctl a peers --wait 1 --timeout 4"

# 2. The router reflects mDNS: both sides see each other.
"$L" reflector on
check_within 20 "with the reflector, a sees b" ctl a peers --wait 1 --timeout 1
check "and b sees a" ctl b peers --wait 1 --timeout 20
addresses=$(peer_field a "Bruno Costa" addresses | jq -r '.[]' | tr '\n' ' ')
note "a reaches b at: $addresses"
on_b_subnet() {
  ctl a peers --json | jq -e '.[] | select(.name == "Bruno Costa") |
    (.addresses | length > 0) and all(.addresses[]; test("^(10\\.77\\.1\\.|fd77:4c53:0:1:)"))'
}
check "a knows b by b's own subnet's addresses (10.77.1.x, fd77:4c53:0:1::x)" on_b_subnet
check "none of b's addresses is a link-local one reflected from the other link" \
  bash -c "! ctl a peers --json | jq -e '.[] | .addresses[] | select(startswith(\"fe80\"))'"

# 3. Open: each side lists the other's shared folder.
check "a lists b's folder" bash -c "ctl a ls 'Bruno Costa/Files' | grep -q report.bin"
check "b lists a's folder" bash -c "ctl b ls 'Alice Martin/Docs' | grep -q plan.bin"

# 4. Copy from: each side copies a file from the other.
check "a copies from b" ctl a get "Bruno Costa/Files/report.bin" --to "$WORK/got-a" --wait
check "identical" cmp "$WORK/files-b/report.bin" "$WORK/got-a/report.bin"
check "b copies from a" ctl b get "Alice Martin/Docs/plan.bin" --to "$WORK/got-b" --wait
check "identical" cmp "$WORK/docs-a/plan.bin" "$WORK/got-b/plan.bin"

# 5. Send to: each side offers a file, the other accepts it.
send_across() {   # FROM TO_HOST TO_NAME FROM_NAME FILE RECEIVED_DIR
  local id offer
  id=$(ctl "$1" send "$3" "$5")
  if ! wait_until 20 has_pending_offer "$2" "$4"; then
    not_ok "$2 is asked to accept what $1 sends"
    return
  fi
  offer=$(pending_offer "$2" "$4")
  ctl "$2" accept "$offer" >/dev/null
  check "$1's send to $2 is done" wait_until 30 transfer_is "$1" "$id" state done
  check "and arrived identical" cmp "$5" "$6/$(basename "$5")"
}
send_across a b "Bruno Costa" "Alice Martin" "$WORK/to-b.bin" "$RECV_B"
send_across b a "Alice Martin" "Bruno Costa" "$WORK/to-a.bin" "$RECV_A"

# 6. Print on: each side shares a CUPS queue; the other prints on it
# through its own CUPS, which finds the printer over the reflected DNS-SD.
make_test_page "$WORK"
for h in a b; do
  add_file_queue "$h" office "$WORK/cups-$h/out/office.out" >/dev/null 2>&1
  wait_until 20 bash -c \
    "ctl $h printers --json | jq -e '.[] | select(.name == \"office\" and .local)'"
  check "$h shares its printer" ctl "$h" printer share office
done
print_across() {   # FROM OWNER_HOST OWNER_NAME
  if wait_until 30 bash -c "ctl $1 printers --json |
       jq -e '.[] | select(.local == false and .peer_name == \"$3\" and .name == \"office\")'"; then
    ok "$1 lists $3's printer"
  else
    not_ok "$1 lists $3's printer"
    return
  fi
  check "$1 prints on $3's printer (print --wait)" \
    on "$1" "$HALLWAYCTL" print "$3/office" "$WORK/page.pdf" --wait
  check "the job comes out of $2's queue" \
    wait_until 60 grep -q '%PDF' "$WORK/cups-$2/out/office.out"
}
print_across a b "Bruno Costa"
print_across b a "Alice Martin"

# 7. What changes on one side reaches the other: a new shared folder.
mkdir -p "$WORK/more-b"
ctl b share add "$WORK/more-b" --name More --access read-only --audience everyone >/dev/null
check "a sees b's new shared folder" wait_until 10 peer_is a "Bruno Costa" shares 2

# 8. Liveness across the router.
stop_daemon b TERM
check_within 3 "a clean stop across the router is seen within 3 s" \
  peer_is a "Bruno Costa" online false
start_daemon b "Bruno Costa" GSETTINGS_BACKEND=keyfile CUPS_SERVER="$WORK/cups-b/cups.sock" ||
  exit 1
check "b is online again for a" wait_until 20 peer_is a "Bruno Costa" online true
stop_daemon b KILL
check_within 15 "a crashed hallwayd across the router is shown offline within 15 s" \
  peer_is a "Bruno Costa" online false
start_daemon b "Bruno Costa" GSETTINGS_BACKEND=keyfile || exit 1

# 9. IPv6 across the router: a reaches b by its routed unique local address.
b6=$("$L" ip b -ula)
out=$(ctl a add-peer "[$b6]:53535" 2>&1); rc=$?
note "$out"
check "a adds b by its IPv6 address across the router" test "$rc" = 0
check "and names it" grep -q "Bruno Costa" <<<"$out"
