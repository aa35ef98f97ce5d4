#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A computer whose mDNS is blocked can't be found automatically, but can be
# added by address; it is then remembered across restarts.
. "$(dirname "$0")/lib.sh"

lan_up 2
"$L" block-mdns a
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1

ctl b peers --wait 1 --timeout 4 >/dev/null 2>&1; rc=$?
check "b can't find a through mDNS" test "$rc" = 1
out=$(ctl b peers --wait 1 --timeout 1 2>&1)
check "--wait says in plain words what it did not find" grep -q "appeared within" <<<"$out"

a_ip=$("$L" ip a)
out=$(ctl b add-peer "$a_ip" 2>&1); rc=$?
note "$out"
check "add-peer $a_ip succeeds" test "$rc" = 0
check "it reports the neighbour's name and verification code" \
  grep -q "Alice Martin.*$(ctl a status --json | jq -r .verification_code)" <<<"$out"
check "a is listed and online" peer_is b "Alice Martin" online true
check "a is listed as added by hand" peer_is b "Alice Martin" source manual

out=$(ctl b add-peer "$a_ip:1" 2>&1); rc=$?
check "add-peer to a closed port fails with a plain message" \
  test "$rc" = 1 -a -n "$(grep -F 'Could not add' <<<"$out")"
out=$(ctl b add-peer "not an address" 2>&1); rc=$?
check "add-peer of garbage fails" test "$rc" = 1
out=$(ctl b add-peer "$("$L" ip b)" 2>&1); rc=$?
check "add-peer of this very computer is refused" grep -q "this computer" <<<"$out"

stop_daemon b TERM
start_daemon b "Bruno Costa" || exit 1
if wait_until 15 peer_is b "Alice Martin" online true; then
  ok "after a restart b still knows a and reaches it"
else
  not_ok "after a restart b still knows a and reaches it"
fi

stop_daemon a KILL
check "a hand-added neighbour that dies is shown offline within 15 s" \
  wait_until 15 peer_is b "Alice Martin" online false
