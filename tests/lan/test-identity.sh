#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Names and identities: two people with the same display name both appear
# (one renamed), and a computer announcing an identity it can't prove is
# reported as an impostor attempt, and takes nothing from the computer whose
# id it announced.
. "$(dirname "$0")/lib.sh"

lan_up 3
start_daemon a "Sam Taylor" || exit 1
start_daemon b "Sam Taylor" || exit 1
start_daemon c "Chloé Dubois" || exit 1

check "c sees both computers" ctl c peers --wait 2 --timeout 20
names=$(ctl c peers --json | jq -r '.[].name' | sort)
note "c sees: $(tr '\n' '|' <<<"$names")"
check "one keeps the name ‘Sam Taylor’" grep -qx "Sam Taylor" <<<"$names"
check "the other is renamed ‘Sam Taylor #2’" grep -qx "Sam Taylor #2" <<<"$names"
renamed=$(for h in a b; do ctl "$h" status --json | jq -r .name; done | sort | tr '\n' '|')
check "the renamed computer knows its new name" test "$renamed" = "Sam Taylor|Sam Taylor #2|"

# An impostor on c announces a's device id and fingerprint, pointing at c's
# own hallwayd, whose certificate is not a's.
a_id=$(own_id a)
a_fp=$(ctl a status --json | jq -r .fingerprint)
a_name=$(ctl a status --json | jq -r .name)
stop_daemon a TERM
announce_as c "Sam Taylor (real)" "$a_id" "$a_fp"
c_ip=$("$L" ip c)
check_within 15 "b reports c's address as an impostor attempt" peer_has_impostor b "$a_id"
check "it is c's address" \
  bash -c "peer_field_by_id b '$a_id' impostor_addresses | jq -e --arg ip '$c_ip' 'index(\$ip)'"
check "b shows a offline (a stopped; the impostor does not bring it back)" \
  wait_until 15 peer_id_is b "$a_id" online false
check "b does not trust it" peer_id_is b "$a_id" trusted false
check "a keeps its own name, not the impostor's" peer_id_is b "$a_id" name "$a_name"
out=$(ctl b info "${a_id:0:12}")
check "info explains the problem in plain words" grep -qi "impostor" <<<"$out"
check "the impostor does not count as a neighbour for --wait" \
  test "$(ctl b peers --json | jq '[.[] | select(.online and .problem == "")] | length')" = 1
kill "$IMPOSTOR"; wait "$IMPOSTOR" 2>/dev/null
