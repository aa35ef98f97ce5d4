#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# No multicast at all: with mDNS blocked on every computer, one add-peer
# makes both computers list each other, and one add-peer between two
# groups makes everyone list everyone, each learned computer checked
# against its certificate. A change of what one shares reaches the others
# at once. A computer with learning switched off learns nobody.
. "$(dirname "$0")/lib.sh"

lan_up 5
for host in a b c d e; do
  "$L" block-mdns "$host"
done
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
start_daemon c "Chloé Dubois" || exit 1
start_daemon d "Dmitri Ivanov" || exit 1

# One add-peer: both sides list each other.
out=$(ctl b add-peer "$("$L" ip a)" 2>&1)
check "b adds a by address" test $? = 0
note "$out"
check_within 10 "a lists b, learned from b's first contact" lists_online a "Bruno Costa"
check "b is listed on a as learned" peer_is a "Bruno Costa" source learned
check "b lists a as added by hand" peer_is b "Alice Martin" source manual

# A second group, c and d, that knows nothing of a and b.
check "d adds c by address" ctl d add-peer "$("$L" ip c)"
check_within 10 "c lists d" lists_online c "Dmitri Ivanov"
check "a does not list c or d yet" \
  bash -c '[ "$(ctl a peers --json | jq length)" = 1 ]'

# One add-peer joins the two groups for everyone.
start=$EPOCHREALTIME
check "b adds c by address" ctl b add-peer "$("$L" ip c)"
check_within 30 "a lists c and d" lists_online a "Chloé Dubois" "Dmitri Ivanov"
check_within 30 "b lists d" lists_online b "Dmitri Ivanov"
check_within 30 "c lists a" lists_online c "Alice Martin"
check_within 30 "d lists a and b" lists_online d "Alice Martin" "Bruno Costa"
note "everyone listed everyone $(ms_since "$start") ms after one add-peer"
check "a computer learned through a neighbour is listed as learned" \
  peer_is a "Dmitri Ivanov" source learned
check "its identity was checked: its device id is its own" \
  peer_id_is a "$(own_id d)" name "Dmitri Ivanov"

# A change reaches a computer that only learned of this one, at once.
dir=$WORK/Reports
mkdir -p "$dir"
has_share() {
  ctl "$1" info "$2" --json | jq -e --arg s "$3" '.shared_folders | map(.name) | index($s)'
}
export -f has_share
ctl a share add "$dir" --name Reports --audience everyone >/dev/null
check_within 3 "a new share of a's appears on d within 3 s" has_share d "Alice Martin" Reports
ctl a share disable Reports >/dev/null
check_within 3 "a share switched off disappears from d within 3 s" \
  bash -c '! has_share d "Alice Martin" Reports'

# Learning switched off: e learns nobody from d, and d tells nobody of e…
start_daemon e "Eve Moreau" || exit 1
check "learning of neighbours is on by default" \
  bash -c '[ "$(ctl e status --json | jq .learn_neighbours)" = true ]'
out=$(ctl e learn-neighbours off 2>&1)
check "hallwayctl learn-neighbours off switches it off" \
  bash -c '[ "$(ctl e learn-neighbours)" = off ]'
note "$out"
out=$(ctl e learn-neighbours maybe 2>&1); rc=$?
check "learn-neighbours with a wrong word is a usage error" test "$rc" = 2
check "e adds d by address" ctl e add-peer "$("$L" ip d)"
# …but d, with learning on, learns e from that contact and tells the others.
check_within 30 "a learns e through d" lists_online a "Eve Moreau"
check "e, learning switched off, lists only d" \
  bash -c '[ "$(ctl e peers --json | jq -r "map(.name) | join(\",\")")" = "Dmitri Ivanov" ]'
ctl e learn-neighbours on >/dev/null
check_within 30 "switched on again, e learns the others" \
  lists_online e "Alice Martin" "Chloé Dubois"
