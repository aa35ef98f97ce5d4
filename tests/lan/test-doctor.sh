#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# "I can't see my colleague": each usual cause is set up for real on the
# simulated office, and hallwayctl doctor (Daemon1.Diagnose, which the
# window's "Can't find someone?" page shows too) must name it, with a fix:
# - avahi-daemon stopped;
# - a firewall rule on this computer dropping mDNS (its own announcement
#   does not come back);
# - a firewall rule on this computer dropping Hallway's port (neighbours
#   see it but can't reach it), and the same on a colleague's computer
#   (its announcement is seen, its port does not answer);
# - a colleague on another subnet, behind a router;
# - client isolation (bridge port isolation, as Wi-Fi access points do);
# - a VPN taking the route to a colleague;
# - a computer answering with another identity than the one announced;
# - an address where Hallway does not run.
# a, b and c share 10.77.0.0/24; d is on 10.77.1.0/24 behind the router.
. "$(dirname "$0")/lib.sh"

export HWLAN_FAR=1
lan_up 4
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
start_daemon d "Dana Weiss" || exit 1
check "a and b see each other" bash -c "ctl a peers --wait 1 --timeout 20 && ctl b peers --wait 1"
a_ip=$("$L" ip a)
b_ip=$("$L" ip b)
d_ip=$("$L" ip d)

# doctor_says HOST [TARGET] CHECK VERDICT REGEX: the doctor on HOST reports
# a finding of CHECK with VERDICT whose message matches REGEX, and a fix.
doctor_says() {
  local host=$1 target=$2 check=$3 verdict=$4 regex=$5 out
  out=$(ctl "$host" doctor ${target:+"$target"} --json 2>/dev/null)
  printf '%s\n' "$out" >"$WORK/doctor-last.json"
  jq -e --arg c "$check" --arg v "$verdict" --arg r "$regex" \
    'any(.[]; .check == $c and .verdict == $v and (.message | test($r)) and
               (.verdict == "ok" or .verdict == "info" or .fix != ""))' <<<"$out" >/dev/null
}
show_doctor() {
  jq -r '.[] | "#   \(.verdict): \(.message)"' "$WORK/doctor-last.json" 2>/dev/null
}
expect() {   # DESCRIPTION HOST TARGET CHECK VERDICT REGEX
  local what=$1
  shift
  if doctor_says "$@"; then
    ok "$what"
  else
    not_ok "$what"
    show_doctor
  fi
}
# nft HOST TABLE RULES...: a table of this test's own inside HOST.
nft_rules() {
  local host=$1 table=${HWLAN_PREFIX}_$2
  shift 2
  printf 'table inet %s\ndelete table inet %s\ntable inet %s {\n%s\n}\n' \
    "$table" "$table" "$table" "$*" | "$L" exec "$host" -- nft -f -
}
nft_drop() {
  "$L" exec "$1" -- nft delete table inet "${HWLAN_PREFIX}_$2"
}

# 0. All is well.
out=$(ctl a doctor "Bruno Costa"); rc=$?
note "$(tr '\n' '|' <<<"$out")"
check "all well: doctor exits 0" test "$rc" = 0
check "and says no problem was found" grep -q "No problem found" <<<"$out"
expect "all well: the announcement comes back" a "" announcement ok "comes back"
expect "all well: Hallway answers at b's address" a "Bruno Costa" hallway ok "$b_ip"

# 1. avahi-daemon stopped.
"$L" avahi a stop
check "a's Hallway notices" \
  wait_until 10 bash -c "ctl a status --json | jq -e '.avahi != \"running\"'"
expect "Avahi stopped: named, with how to start it" a "" avahi problem "avahi-daemon is not running"
ctl a doctor >/dev/null 2>&1; rc=$?
check "doctor exits 1 when it finds a problem" test "$rc" = 1
"$L" avahi a start
check "a's Hallway is back on Avahi" \
  wait_until 15 bash -c "ctl a status --json | jq -e '.avahi == \"running\"'"

# 2. A firewall on a drops mDNS: its own announcement does not come back.
"$L" block-mdns a
expect "mDNS dropped here: the announcement does not come back" a "" announcement problem \
  "refuses to send mDNS|does not come back"
expect "and the nftables rule is named" a "" firewall problem "nftables.*5353"
"$L" unblock-mdns a
expect "mDNS allowed again: the announcement comes back" a "" announcement ok "comes back"

# 3. A firewall on b drops Hallway's port: b's mDNS is seen, its port is silent.
nft_rules b hallway 'chain input { type filter hook input priority -10; policy accept;
  tcp dport 53535 drop; }'
expect "b's port dropped: a's doctor says b's firewall blocks it" a "Bruno Costa" firewall \
  likely "drops connections to Hallway's port"
expect "b's own doctor names its rule" b "" firewall problem "drops connections to Hallway's port"
if wait_until 25 doctor_says b "" inbound problem "can't connect to it"; then
  ok "b's doctor: neighbours see b but can't connect"
else
  not_ok "b's doctor: neighbours see b but can't connect"
  show_doctor
fi
nft_drop b hallway
check "b is reachable again" wait_until 20 peer_is a "Bruno Costa" online true

# 4. Another subnet: d is behind the router (no reflector).
expect "d's address is on another subnet, with add-peer and the reflector as fixes" a "$d_ip" \
  subnet likely "another network"
check "the fix names add-peer and the reflector" \
  jq -e '.[] | select(.check == "subnet") | .fix | test("add-peer") and test("reflector")' \
  "$WORK/doctor-last.json"
expect "and Hallway does answer there" a "$d_ip" hallway ok "Dana Weiss"

# 5. Client isolation: b's announcement is still seen by a, but the network
# keeps them apart. a has never spoken to b directly (its neighbour table
# starts empty, without the entries office-lan.sh gives every host), as on a
# Wi-Fi with client isolation.
"$L" link a port-isolated on
"$L" link b port-isolated on
"$L" exec a -- ip neigh flush dev eth0 nud all
expect "isolated ports: a's doctor names client isolation" a "Bruno Costa" isolation likely \
  "client isolation"
"$L" link a port-isolated off
"$L" link b port-isolated off
check "b is reachable again" wait_until 20 peer_is a "Bruno Costa" online true

# 6. A VPN on b takes the route to a.
"$L" exec b -- sh -c "ip tuntap add dev tun0 mode tun && ip addr add 10.99.0.2/24 dev tun0 &&
  ip link set tun0 up && ip route add $a_ip/32 dev tun0"
expect "a VPN route on b: named, with the interface" b "Alice Martin" vpn problem \
  "goes through tun0, a VPN"
"$L" exec b -- ip tuntap del dev tun0 mode tun

# 7. Another identity: c announces a's device id, pointing at c's own
# hallwayd (whose certificate is not a's).
start_daemon c "Chloé Dubois" || exit 1
a_id=$(own_id a)
a_fp=$(ctl a status --json | jq -r .fingerprint)
stop_daemon a TERM
announce_as c "Alice Martin (impostor)" "$a_id" "$a_fp"
check "b reports the impostor's address" wait_until 20 peer_has_impostor b "$a_id"
expect "another identity: named, with what to do" b "${a_id:0:12}" identity problem \
  "does not hold the identity|another identity"
kill "$IMPOSTOR"; wait "$IMPOSTOR" 2>/dev/null

# 8. An address where Hallway does not run (a stopped above).
expect "Hallway not running at an address: named" b "$a_ip" connect problem \
  "refuses connections"
expect "an unknown name: named" b "nobody-here" address problem "No neighbour is called"
