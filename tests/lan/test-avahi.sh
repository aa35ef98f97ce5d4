#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# hallwayd keeps running when avahi-daemon is missing, stops or restarts,
# says so, and announces itself again by itself when Avahi is back.
. "$(dirname "$0")/lib.sh"

avahi_is() {
  [ "$(ctl "$1" status --json | jq -r .avahi)" = "$2" ]
}

lan_up 3

# Started without avahi-daemon.
"$L" avahi a stop
start_daemon a "Alice Martin" || exit 1
check "hallwayd on a runs without avahi-daemon" kill -0 "${DAEMON_PID[a]}"
check "it says Avahi is not running" avahi_is a not-running
out=$(ctl a status)
check "status explains it in plain words" grep -q "can't find this computer" <<<"$out"
out=$(ctl a peers)
check "peers explains why the list is empty" grep -q "avahi-daemon" <<<"$out"

start_daemon b "Bruno Costa" || exit 1
"$L" avahi a start
check "a notices avahi-daemon started" wait_until 10 avahi_is a running
check "b then finds a" ctl b peers --wait 1 --timeout 20

# avahi-daemon killed and restarted under a running hallwayd.
"$L" avahi a kill
check "a notices avahi-daemon died" wait_until 10 avahi_is a not-running
check "hallwayd on a survives it" kill -0 "${DAEMON_PID[a]}"
"$L" avahi a start
check "a notices avahi-daemon is back" wait_until 10 avahi_is a running

# c's avahi starts with an empty cache, so c can only find a if a
# announced itself again after the restart.
"$L" avahi c restart
start_daemon c "Chloé Dubois" || exit 1
if ctl c peers --wait 2 --timeout 20; then
  ok "a computer that starts later finds a (a re-announced itself)"
else
  not_ok "a computer that starts later finds a (a re-announced itself)"
fi
check "b still has a online" peer_is b "Alice Martin" online true

# avahi-daemon restarted on the side that browses: b finds its neighbours again.
"$L" avahi b restart
check "b's hallwayd follows its avahi-daemon's restart" wait_until 10 avahi_is b running
check "b still lists a and c" ctl b peers --wait 2 --timeout 20
