#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Three office computers start Hallway and each lists the other two, with
# their names, device ids, host names and addresses.
. "$(dirname "$0")/lib.sh"

lan_up 3
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
start_daemon c "Chloé Dubois" || exit 1

declare -A NAME=([a]="Alice Martin" [b]="Bruno Costa" [c]="Chloé Dubois")
declare -A ID
for h in a b c; do
  ID[$h]=$(own_id "$h")
done

for h in a b c; do
  check "$h lists two neighbours" ctl "$h" peers --wait 2 --timeout 20
done

for h in a b c; do
  json=$(ctl "$h" peers --json)
  for other in a b c; do
    [ "$other" = "$h" ] && continue
    entry=$(jq -c --arg i "${ID[$other]}" '.[] | select(.id == $i)' <<<"$json")
    check "$h sees $other by its device id" test -n "$entry"
    check "$h shows $other as ‘${NAME[$other]}’" \
      test "$(jq -r .name <<<"$entry")" = "${NAME[$other]}"
    check "$h shows $other's computer as office-$other" \
      test "$(jq -r .host <<<"$entry")" = "office-$other"
    check "$h has $other online" test "$(jq -r .online <<<"$entry")" = true
    check "$h reaches $other at $("$L" ip "$other")" \
      jq -e --arg ip "$("$L" ip "$other")" '.addresses | index($ip) != null' <<<"$entry"
    check "$h lists $other once though it is seen over IPv4 and IPv6" \
      test "$(jq --arg i "${ID[$other]}" '[.[] | select(.id == $i)] | length' <<<"$json")" = 1
  done
  check "$h does not list itself" \
    test "$(jq --arg i "${ID[$h]}" '[.[] | select(.id == $i)] | length' <<<"$json")" = 0
done

# info PEER accepts a name, a device-id prefix and a host name.
check "info by name" ctl a info "Bruno Costa"
check "info by id prefix" ctl a info "${ID[b]:0:8}"
check "info by host name" ctl a info office-b
out=$(ctl a info "Nobody Here" 2>&1); rc=$?
check "info of an unknown neighbour fails with a plain message" \
  test "$rc" = 1 -a -n "$(grep -F 'No neighbour called' <<<"$out")"
ctl a frobnicate >/dev/null 2>&1; rc=$?
check "an unknown command is a usage error (2)" test "$rc" = 2

# A new display name (GSettings display-name, as the Preferences window
# sets it) is announced at once; neighbours see the same colleague renamed.
XB=$("$L" xdg b)
settings_file="$XB/config/glib-2.0/settings/keyfile"
mkdir -p "$(dirname "$settings_file")"
printf "[io/github/hallwaylan/Hallway]\ndisplay-name='Bruno C.'\n" >"$settings_file"
stop_daemon b TERM
start_daemon b "" GSETTINGS_BACKEND=keyfile || exit 1
check "b announces the name from its settings" \
  wait_until 15 bash -c "ctl a peers --json |
    jq -e --arg i '${ID[b]}' '.[] | select(.id == \$i) | .name == \"Bruno C.\"'"
printf "[io/github/hallwaylan/Hallway]\ndisplay-name='Bruno Costa (Sales)'\n" >"$settings_file"
check "b takes a new name without a restart" \
  wait_until 10 bash -c "ctl b status --json | jq -e '.name == \"Bruno Costa (Sales)\"'"
check "a sees b renamed, still one neighbour with b's id" \
  wait_until 15 bash -c "ctl a peers --json | jq -e --arg i '${ID[b]}' '[.[] | select(.id == \$i)] |
    (length == 1 and .[0].name == \"Bruno Costa (Sales)\")'"
