#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An office of 12 computers (HALLWAY_OFFICE_SIZE) stays calm: everyone lists
# everyone, nobody flips offline in a minute of idling, three hallwayd
# killed are shown offline by all the others, and online again once they
# restart. How fast all this goes is measured by bench/office.sh, not here.
. "$(dirname "$0")/lib.sh"

N=${HALLWAY_OFFICE_SIZE:-12}
IDLE_S=${HALLWAY_OFFICE_IDLE:-60}

lan_up "$N"
mapfile -t HOSTS < <("$L" hosts)
for h in "${HOSTS[@]}"; do
  start_daemon "$h" "Desk $h" || exit 1
done

# online_count HOST: how many neighbours HOST lists online.
online_count() {
  ctl "$1" peers --json | jq '[.[] | select(.online)] | length'
}

# lists_online HOST COUNT: HOST lists exactly COUNT neighbours online.
lists_online() {
  [ "$(online_count "$1")" = "$2" ]
}

# shows HOST NAME STATE: HOST shows neighbour NAME as STATE (true/false).
shows() {
  peer_is "$1" "$2" online "$3"
}

# offline_lines HOST: how many times HOST's hallwayd saw a neighbour go offline.
offline_lines() {
  grep -c "is now offline" "$WORK/hallwayd-$1.log" || :
}

start=$EPOCHREALTIME
everyone=1
for h in "${HOSTS[@]}"; do
  if ! wait_until 120 lists_online "$h" $((N - 1)); then
    everyone=0
    note "$h lists $(online_count "$h")"
  fi
done
if [ "$everyone" = 1 ]; then
  ok "every one of $N computers lists the $((N - 1)) others online ($(ms_since "$start") ms)"
else
  not_ok "every one of $N computers lists the $((N - 1)) others online"
fi

# A minute of nothing: the office must not flap. The idling is what is
# tested; nothing is waited for.
declare -A before=()
for h in "${HOSTS[@]}"; do before[$h]=$(offline_lines "$h"); done
sleep "$IDLE_S"
flips=0
for h in "${HOSTS[@]}"; do
  flips=$((flips + $(offline_lines "$h") - ${before[$h]}))
done
if [ "$flips" = 0 ]; then
  ok "no neighbour went offline anywhere in $IDLE_S s of idling"
else
  not_ok "no neighbour went offline anywhere in $IDLE_S s of idling ($flips did)"
fi
still=1
for h in "${HOSTS[@]}"; do
  lists_online "$h" $((N - 1)) || still=0
done
check "after idling, every computer still lists everyone online" test "$still" = 1

# all_show STATE TIMEOUT_S: every one of OTHERS shows every one of KILLED as STATE.
all_show() {
  local state=$1 timeout=$2 h k all=0
  for h in "${OTHERS[@]}"; do
    for k in "${KILLED[@]}"; do
      wait_until "$timeout" shows "$h" "Desk $k" "$state" ||
        { all=1; note "$h does not show Desk $k with online=$state"; }
    done
  done
  return $all
}

# hallwayd killed on three computers: no goodbye from hallwayd itself.
KILLED=("${HOSTS[@]:1:3}")
OTHERS=("${HOSTS[0]}" "${HOSTS[@]:4}")
for h in "${KILLED[@]}"; do stop_daemon "$h" KILL; done
start=$EPOCHREALTIME
if all_show false 15; then
  ok "the other $((N - 3)) show the three killed offline within 15 s ($(ms_since "$start") ms)"
else
  not_ok "the other $((N - 3)) show the three killed offline within 15 s"
fi

for h in "${KILLED[@]}"; do start_daemon "$h" "Desk $h" || exit 1; done
start=$EPOCHREALTIME
if all_show true 20; then
  ok "once restarted, all others show them online again ($(ms_since "$start") ms)"
else
  not_ok "once restarted, all others show them online again"
fi
for k in "${KILLED[@]}"; do
  check "restarted $k lists everyone online" wait_until 30 lists_online "$k" $((N - 1))
done
