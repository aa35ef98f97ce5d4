#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A neighbour that lies in its list of neighbours: it names Chloé's
# computer (c) at the address of Dmitri's (d). With mDNS blocked, a learns
# d, named truthfully in the same list, but the computer at d's address is
# not c, so a never lists c.
. "$(dirname "$0")/lib.sh"

lan_up 4
for host in a b c d; do
  "$L" block-mdns "$host"
done
start_daemon a "Alice Martin" || exit 1
start_daemon c "Chloé Dubois" || exit 1
start_daemon d "Dmitri Ivanov" || exit 1

c_id=$(own_id c)
c_fp=$(ctl c status --json | jq -r .fingerprint)
d_id=$(own_id d)
d_fp=$(ctl d status --json | jq -r .fingerprint)
d_ip=$("$L" ip d)
jq -n --arg ci "$c_id" --arg cf "$c_fp" --arg di "$d_id" --arg df "$d_fp" --arg ip "$d_ip" \
  '{neighbours: [
     {id: $ci, fp: $cf, name: "Chloé Dubois", port: 53535, addresses: [$ip]},
     {id: $di, fp: $df, name: "Dmitri Ivanov", port: 53535, addresses: [$ip]}]}' \
  >"$WORK/lies.json"

# Mallory's computer, b: a TLS server answering as hallwayd does.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj /CN=mallory -keyout "$WORK/mallory.key" -out "$WORK/mallory.crt" 2>/dev/null
"$L" exec b -- python3 "$LAN_DIR/gossip-liar.py" "$WORK/mallory.crt" "$WORK/mallory.key" 53535 \
  "$WORK/lies.json" >"$WORK/liar.log" 2>&1 </dev/null &
DAEMON_PID[liar]=$!
check_within 10 "Mallory's computer listens" grep -q listening "$WORK/liar.log"

check "a adds Mallory's computer by address" ctl a add-peer "$("$L" ip b)"
check_within 10 "a asks Mallory for its neighbours" \
  grep -q "GET /api/v1/neighbours" "$WORK/liar.log"
check_within 30 "a lists d, named truthfully" peer_is a "Dmitri Ivanov" online true
check "…under d's own id" peer_id_is a "$d_id" name "Dmitri Ivanov"
check_within 30 "a finds that the computer at d's address is not c" \
  grep -q "is not the neighbour it was said to be" "$WORK/hallwayd-a.log"
check "a never lists c" \
  bash -c "! ctl a peers --json | jq -e --arg i '$c_id' 'map(.id) | index(\$i) != null'"
check "a lists no one called Chloé" bash -c "! ctl a peers --json | grep -q Chloé"
