#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A new, removed or switched-off shared folder, and a printer shared or
# unshared, shows on a neighbour at once (within 1 s; the checks allow 3 s
# on a loaded machine), not at its next probe. bench/discovery.sh measures
# the latency. With mDNS, the changed TXT record also tells; with mDNS
# blocked, only the changed computer telling its neighbours does, where
# the neighbour's next probe could be up to 30 s away.
. "$(dirname "$0")/lib.sh"
. "$LAN_DIR/printers-lib.sh"

lan_up 2
start_cupsd a || exit 1
start_daemon a "Alice Martin" CUPS_SERVER="$WORK/cups-a/cups.sock" || exit 1
start_daemon b "Bruno Costa" || exit 1
check "b sees a" ctl b peers --wait 1 --timeout 20

has_share() {
  ctl "$1" info "$2" --json | jq -e --arg s "$3" '.shared_folders | map(.name) | index($s) != null'
}
printers_of() {
  [ "$(ctl "$1" info "$2" --json | jq .printers)" = "$3" ]
}
export -f has_share printers_of

mkdir -p "$WORK/Reports" "$WORK/Photos"
ctl a share add "$WORK/Photos" --name Photos --audience everyone >/dev/null
check_within 20 "b lists a's first share" has_share b "Alice Martin" Photos
changes() {   # WHEN
  check "a shares a new folder ($1)" \
    ctl a share add "$WORK/Reports" --name Reports --audience everyone
  check_within 3 "the new share shows on b ($1)" has_share b "Alice Martin" Reports
  check "a switches it off ($1)" ctl a share disable Reports
  check_within 3 "the share switched off disappears from b ($1)" \
    bash -c '! has_share b "Alice Martin" Reports'
  check "a switches it on again ($1)" ctl a share enable Reports
  check_within 3 "it shows on b again ($1)" has_share b "Alice Martin" Reports
  check "a stops sharing it ($1)" ctl a share remove Reports
  check_within 3 "the removed share disappears from b ($1)" \
    bash -c '! has_share b "Alice Martin" Reports'
  check "the other share stayed ($1)" has_share b "Alice Martin" Photos
}
changes "with mDNS"

if ! add_file_queue a office "$WORK/cups-a/out/office.out" >"$WORK/lpadmin.log" 2>&1; then
  not_ok "a has a CUPS queue: $(cat "$WORK/lpadmin.log")"
  exit 1
fi
check "b sees no printer of a's" printers_of b "Alice Martin" 0
check_within 20 "a lists its queue" bash -c \
  "ctl a printers --json | jq -e '.[] | select(.name == \"office\")'"
check "a shares its printer" ctl a printer share office
check_within 3 "the shared printer shows on b" printers_of b "Alice Martin" 1
check "a unshares its printer" ctl a printer unshare office
check_within 3 "the unshared printer disappears from b" printers_of b "Alice Martin" 0

"$L" block-mdns a
"$L" block-mdns b
changes "mDNS blocked"
check "a share reached b over the kept-alive probe connection, a is still online" \
  peer_is b "Alice Martin" online true
