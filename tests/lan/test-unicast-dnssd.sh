#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Unicast DNS-SD (DESIGN §8), for sites with a DNS server: a on
# 10.77.0.0/24 and b on 10.77.1.0/24, with a router and no mDNS reflector.
# The router runs dnsmasq for the site's domain, office.example, which the
# computers get as their search domain (as DHCP hands it out).
# - hallwayctl dns-records prints b's PTR, SRV, TXT and A/AAAA records, as
#   a zone file or as dnsmasq options, and refuses what a format can't hold;
# - once they are in dnsmasq, a finds b by browsing office.example (the
#   browse domain Avahi reports), sees it online, and copies from it. a's
#   hallwayd started before the DNS server: Avahi gave up on the domain
#   then, and Hallway asks again.
. "$(dirname "$0")/lib.sh"

if ! command -v dnsmasq >/dev/null; then
  echo "Bail out! dnsmasq is missing; run build-aux/install-deps.sh"
  exit 1
fi

export HWLAN_FAR=1 HWLAN_DOMAIN=office.example
lan_up 2
mkdir -p "$WORK/files-b" "$WORK/got"
head -c 1M /dev/urandom >"$WORK/files-b/minutes.bin"
start_daemon a "Chloé Dubois" || exit 1
start_daemon b "Bruno Costa" || exit 1
ctl b share add "$WORK/files-b" --name Files --access read-only --audience everyone >/dev/null

check "mDNS does not cross the router: a does not see b" \
  bash -c "! ctl a peers --wait 1 --timeout 4"

# 1. The records, as a zone file: the domain is the search domain.
zone=$(ctl b dns-records); rc=$?
note "b's zone records: $(grep -c IN <<<"$zone") lines"
check "dns-records exits 0" test "$rc" = 0
b_id=$(own_id b)
b_ip=$("$L" ip b)
instance='Bruno\032Costa._hallway._tcp.office.example.'
check "PTR from _hallway._tcp to the instance" \
  grep -qF "_hallway._tcp.office.example."$'\t120\tIN PTR\t'"$instance" <<<"$zone"
check "SRV with the port and host" \
  grep -qF "$instance"$'\t120\tIN SRV\t0 0 53535 office-b.office.example.' <<<"$zone"
check "TXT with the device id" grep -qF "\"id=$b_id\"" <<<"$zone"
check "A record of b's address" grep -qF $'office-b.office.example.\t120\tIN A\t'"$b_ip" <<<"$zone"
check "the domain is a browse domain" \
  grep -qF $'b._dns-sd._udp.office.example.\t120\tIN PTR\toffice.example.' <<<"$zone"
check "the shared folder is there too (_webdavs._tcp)" \
  grep -qF 'Files\032on\032Bruno\032Costa._webdavs._tcp.office.example.' <<<"$zone"
zone_a=$(ctl a dns-records --domain office.example)
check "a name with accents is escaped in a zone file" \
  grep -qF 'Chlo\195\169\032Dubois._hallway._tcp' <<<"$zone_a"
out=$(ctl a dns-records --format dnsmasq 2>&1); rc=$?
note "$out"
check "dnsmasq can't hold it: a plain failure" test "$rc" = 1
check "which says what to do instead" grep -q "zone file" <<<"$out"
out=$(ctl b dns-records --domain 'office.example,evil' 2>&1); rc=$?
check "a malformed domain is refused" test "$rc" = 1
check "in plain words" grep -q "is not a DNS domain" <<<"$out"
out=$(ctl b dns-records --format yaml 2>&1); rc=$?
check "an unknown format is refused" test "$rc" = 1

# 2. The records in the site's DNS server: a finds b.
ctl b dns-records --format dnsmasq >"$WORK/b.conf"
echo "local-ttl=120" >>"$WORK/b.conf"
if ! "$L" dns start "$WORK/b.conf" >"$WORK/dns.log" 2>&1; then
  not_ok "dnsmasq starts on the router with b's records: $(cat "$WORK/dns.log")"
  exit 1
fi
check_within 45 "a finds b through the site's DNS and sees it online" \
  peer_id_is a "$b_id" online true
check "as found in DNS (source dns)" peer_id_is a "$b_id" source dns
check "at its address on the other subnet" bash -c \
  "ctl a peers --json |
    jq -e --arg i '$b_id' '.[] | select(.id == \$i) | .addresses | index(\"$b_ip\")'"
check "a copies from b" ctl a get "${b_id:0:12}/Files/minutes.bin" --to "$WORK/got" --wait
check "identical" cmp "$WORK/files-b/minutes.bin" "$WORK/got/minutes.bin"
