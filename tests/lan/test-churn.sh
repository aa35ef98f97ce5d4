#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Anyone on the network can open connections to hallwayd: thousands of
# short-lived TLS connections (each closed by the client after one request,
# while idle, as a script or a port scanner would) must leave its memory
# where it was, and it must still answer afterwards. libsoup 3.2 on its own
# kept ~25 kB for each of them.
. "$(dirname "$0")/lib.sh"

COUNT=${HALLWAY_CHURN:-2000}
LIMIT_KB=2048

lan_up 2
start_daemon a "Alice Martin" || exit 1
A=$("$L" ip a)

rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/${DAEMON_PID[a]}/status"
}

# A first round lets the allocator and the TLS library reach their working
# size; what is measured is what the next connections add to it.
check "200 connections to warm up" "$L" exec b -- python3 "$LAN_DIR/churn.py" "$A" 53535 200
before=$(rss_kb)
if "$L" exec b -- python3 "$LAN_DIR/churn.py" "$A" 53535 "$COUNT" >/dev/null; then
  ok "$COUNT short connections, one request each, closed by the client"
else
  not_ok "$COUNT short connections, one request each, closed by the client"
fi
after=$(rss_kb)
note "hallwayd RSS: $before kB before, $after kB after"
if [ $((after - before)) -le "$LIMIT_KB" ]; then
  ok "they leave hallwayd within 2 MB of where it was (+$((after - before)) kB)"
else
  not_ok "they leave hallwayd within 2 MB of where it was (+$((after - before)) kB)"
fi
check "hallwayd still answers" "$L" exec b -- curl -sfk -o /dev/null "https://$A:53535/api/v1/info"
check "and holds no connection from them" \
  test "$("$L" exec a -- ss -Htn state established '( sport = :53535 )' | wc -l)" -eq 0
