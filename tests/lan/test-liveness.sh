#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A neighbour that stops cleanly is seen as gone within 3 s. One whose
# hallwayd is killed, or whose whole computer dies (avahi-daemon too, so its
# records stay cached elsewhere for 75 minutes), is shown offline within
# 15 s by Hallway's own liveness checks, and online again when it is back.
. "$(dirname "$0")/lib.sh"

lan_up 2
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
check "b sees a" ctl b peers --wait 1 --timeout 20

# Clean stop: goodbye packets.
start=$EPOCHREALTIME
stop_daemon a TERM
if wait_until 3 peer_is b "Alice Martin" online false; then
  ok "a clean stop is seen within 3 s ($(ms_since "$start") ms)"
else
  not_ok "a clean stop is seen within 3 s"
fi

start_daemon a "Alice Martin" || exit 1
check "a is back after a restart" wait_until 20 peer_is b "Alice Martin" online true

# hallwayd killed: no goodbye from hallwayd itself.
start=$EPOCHREALTIME
stop_daemon a KILL
if wait_until 15 peer_is b "Alice Martin" online false; then
  ok "a killed hallwayd is shown offline within 15 s ($(ms_since "$start") ms)"
else
  not_ok "a killed hallwayd is shown offline within 15 s"
fi

start_daemon a "Alice Martin" || exit 1
start=$EPOCHREALTIME
if wait_until 20 peer_is b "Alice Martin" online true; then
  ok "a restarted hallwayd is online again ($(ms_since "$start") ms)"
else
  not_ok "a restarted hallwayd is online again"
fi

# The whole computer dies: avahi-daemon is killed too, so b keeps a's mDNS
# records; only Hallway's own probing can tell.
start=$EPOCHREALTIME
"$L" avahi a kill
stop_daemon a KILL
if wait_until 15 peer_is b "Alice Martin" online false; then
  ok "a crashed computer is shown offline within 15 s ($(ms_since "$start") ms)"
else
  not_ok "a crashed computer is shown offline within 15 s"
fi
check "b still has a's cached announcement (so probing, not mDNS, decided)" \
  "$L" exec b -- sh -c 'avahi-browse -pt _hallway._tcp | grep -q "Alice.032Martin"'

"$L" avahi a start
start_daemon a "Alice Martin" || exit 1
start=$EPOCHREALTIME
if wait_until 20 peer_is b "Alice Martin" online true; then
  ok "the crashed computer is online again once it is back ($(ms_since "$start") ms)"
else
  not_ok "the crashed computer is online again once it is back"
fi

# A silently cut link (frames dropped, carrier up): probes time out.
start=$EPOCHREALTIME
"$L" link a isolate
if wait_until 15 peer_is b "Alice Martin" online false; then
  ok "a computer cut off the network is shown offline within 15 s ($(ms_since "$start") ms)"
else
  not_ok "a computer cut off the network is shown offline within 15 s"
fi
"$L" link a join
check "it is online again when the link is back" wait_until 25 peer_is b "Alice Martin" online true
