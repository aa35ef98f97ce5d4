#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Two groups that mDNS keeps apart: a and b on 10.77.0.0/24, c and d on
# 10.77.1.0/24 behind a router without a reflector. Each pair sees itself
# over mDNS; one add-peer from b to c makes all four list each other within
# 30 s, through the computers that know both sides.
. "$(dirname "$0")/lib.sh"

export HWLAN_FAR=2
lan_up 4
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
start_daemon c "Chloé Dubois" || exit 1
start_daemon d "Dmitri Ivanov" || exit 1

check_within 20 "a and b see each other over mDNS" \
  bash -c 'lists_online a "Bruno Costa" && lists_online b "Alice Martin"'
check_within 20 "c and d see each other over mDNS" \
  bash -c 'lists_online c "Dmitri Ivanov" && lists_online d "Chloé Dubois"'
check "a does not see the other subnet" bash -c '[ "$(ctl a peers --json | jq length)" = 1 ]'

start=$EPOCHREALTIME
check "b adds c, on the other subnet, by address" ctl b add-peer "$("$L" ip c)"
check_within 30 "a lists c and d" lists_online a "Chloé Dubois" "Dmitri Ivanov"
check_within 30 "b lists d" lists_online b "Dmitri Ivanov"
check_within 30 "c lists a and b" lists_online c "Alice Martin" "Bruno Costa"
check_within 30 "d lists a and b" lists_online d "Alice Martin" "Bruno Costa"
note "everyone listed everyone $(ms_since "$start") ms after one add-peer"
check "d was learned by a, not announced to it" peer_is a "Dmitri Ivanov" source learned
check "b is still found over mDNS by a" peer_is a "Bruno Costa" source mdns
check "a's address on d is a's own, across the router" \
  bash -c "[ \"\$(peer_field d 'Alice Martin' addresses | jq -r '.[0]')\" = \"$("$L" ip a)\" ]"
