#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Hallway's WebDAV server beside the servers people use today, in one run on
# one machine (root only): the server on simulated computer a, curl on b,
# over the veth link of tests/lan/office-lan.sh.
#   - listing a 10,000-entry folder (files of 0-4 KiB): Hallway PROPFIND
#     Depth 1 vs Apache 2.4 mod_dav (plain HTTP) and vs nginx's JSON
#     autoindex over HTTPS: wall ms (median), response bytes, server CPU ms;
#   - one 1 GiB file GET, to /dev/null and to a file on tmpfs: Hallway vs
#     nginx over HTTPS (TLS 1.3, AES-GCM): MB/s (median), server and client
#     CPU seconds per GiB.
# The tools take turns (interleaved, the order rotating each round) so that
# machine noise hits all of them alike; compare the ratios, not the absolute
# numbers, with other machines or runs.
#
# Usage: bench/webdav.sh [--save] [--runs N] [--big-runs N]
#   --save        also write the tables to bench/results/webdav-DATE.md
#   --runs N      rounds of listings (default 10)
#   --big-runs N  rounds of 1 GiB downloads (default 5; 0 skips them)
set -euo pipefail
BENCH=bench/webdav.sh
DIE_LOGS=(hallway.log apache/error.log nginx/error.log)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

RUNS=10
BIG_RUNS=5
SAVE=0
while [ $# -gt 0 ]; do
  case $1 in
    --save) SAVE=1 ;;
    --runs) RUNS=$2; shift ;;
    --big-runs) BIG_RUNS=$2; shift ;;
    -h | --help) sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/webdav.sh: unknown argument ‘$1’ (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $BIG_RUNS =~ ^[0-9]+$ ]] ||
  { echo "bench/webdav.sh: --runs takes a number ≥ 1, --big-runs ≥ 0" >&2; exit 2; }

# A LAN of our own, so that another test's or benchmark's never collides.
export HWLAN_PREFIX=hwbdav HWLAN_SUBNET=10.84.0 HWLAN_IPV6=0 GSETTINGS_BACKEND=memory

need_root
need_tools 'apt-get install %s' apache2:apache2 nginx:nginx openssl:openssl curl:curl jq:jq \
  python3:python3 ip:iproute2 nsenter:util-linux
for m in dav dav_fs mpm_event authz_core; do
  [ -f "/usr/lib/apache2/modules/mod_$m.so" ] ||
    { echo "bench/webdav.sh: Apache's mod_$m is missing (apt-get install apache2)"; exit 77; }
done
need_hallway

make_work webdav

# --- Data: 10,000 files of 0-4 KiB and one 1 GiB file ---------------------------
log "making the data (10,000 small files, 1 GiB file)…"
mkdir -p "$work/data"
python3 - "$work/data/small" <<'EOF'
import os, random, sys
d = sys.argv[1]
os.makedirs(d)
rnd = random.Random(4096)
for i in range(10000):
    with open(os.path.join(d, f"file-{i:05d}.dat"), "wb") as f:
        f.write(os.urandom(rnd.randint(0, 4096)))
EOF
BIG_SIZE=$((1024 * 1024 * 1024))
if [ "$BIG_RUNS" -gt 0 ]; then
  head -c "$BIG_SIZE" /dev/urandom >"$work/data/big.bin"
fi

# --- The LAN and the servers on a -------------------------------------------------
lan_up

log "starting hallwayd…"
start_hallwayd a hallway Bench
"$L" exec a -- "$ctl" share add "$work/data" --name Bench --access read-only --audience everyone \
  >/dev/null || die "hallwayctl share add failed"
share_id=$("$L" exec a -- "$ctl" share list --json | jq -r '.[] | select(.name == "Bench") | .id')
HALLWAY=https://$A:${HALLWAY_PORT:-53535}/shares/$share_id

log "starting Apache (mod_dav, HTTP)…"
mkdir -p "$work/apache/lock"
chown nobody:nogroup "$work/apache/lock"
mods=/usr/lib/apache2/modules
cat >"$work/apache/apache2.conf" <<EOF
ServerRoot "$work/apache"
ServerName bench-a
Listen $A:8080
PidFile "$work/apache/apache2.pid"
ErrorLog "$work/apache/error.log"
LogLevel warn
Mutex file:$work/apache default
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule dav_module $mods/mod_dav.so
LoadModule dav_fs_module $mods/mod_dav_fs.so
User nobody
Group nogroup
KeepAlive On
EnableSendfile On
DocumentRoot "$work/data"
DavLockDB "$work/apache/lock/davlock"
<Directory "$work/data">
  Dav On
  Require all granted
</Directory>
EOF
bg_on a apache apache2 -f "$work/apache/apache2.conf" -DFOREGROUND

start_nginx '    location /small/ { autoindex on; autoindex_format json; }'

# Everything answers from b before measuring anything.
answers() { # URL [curl args]: any HTTP status
  local code
  code=$("$L" exec b -- curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "$@") || true
  [ -n "$code" ] && [ "$code" != 000 ]
}
wait_until 20 answers "$HALLWAY/" ||
  { cat "$work/hallway.log" >&2; die "Hallway does not answer on $A"; }
wait_until 20 answers "http://$A:8080/" ||
  { cat "$work/apache.log" "$work/apache/error.log" >&2; die "Apache does not answer"; }
wait_until 20 answers "https://$A:8443/" ||
  { cat "$work/nginx.log" "$work/nginx/error.log" >&2; die "nginx does not answer"; }
servers_alive

tls_of() { # HOST:PORT: negotiated protocol and cipher, as b sees them
  "$L" exec b -- openssl s_client -connect "$1" -brief </dev/null 2>&1 |
    awk -F': *' '/^Protocol version/ {p = $2} /^Ciphersuite/ {c = $2}
                 /^Signature type/ {s = $2} END {printf "%s %s (%s)", p, c, s}'
}
TLS_HALLWAY=$(tls_of "$A:${HALLWAY_PORT:-53535}")
TLS_NGINX=$(tls_of "$A:8443")

# --- Measuring ------------------------------------------------------------------------

# run_curl SERVER CURL-ARGS...: one request from b. Prints "status seconds
# bytes client-cpu-ticks server-cpu-ticks". The client's CPU is read from
# the shell that waited for curl (its children's times).
run_curl() {
  local server=$1 c0 c1 out
  shift
  c0=$(tree_ticks "${PID[$server]}")
  out=$("$L" exec b -- bash -c 'curl -sk --max-time 120 \
      -w "%{http_code} %{time_total} %{size_download}" "$@"
    read -r l </proc/$$/stat; set -- ${l##*) }; echo " $((${14} + ${15}))"' _ "$@")
  c1=$(tree_ticks "${PID[$server]}")
  echo "$out $((c1 - c0))"
}

# Per-run samples, one file per (what, metric).
S=$work/samples
mkdir -p "$S"
record() { # KEY "status seconds bytes client-ticks server-ticks" EXPECTED-STATUS
  local key=$1 status secs bytes cticks sticks
  read -r status secs bytes cticks sticks <<<"$2"
  [ "$status" = "$3" ] || die "$key: HTTP status $status, expected $3"
  echo "$secs" >>"$S/$key.secs"
  echo "$bytes" >>"$S/$key.bytes"
  echo "$cticks" >>"$S/$key.cticks"
  echo "$sticks" >>"$S/$key.sticks"
}

# A lean request for the properties a file manager shows; an empty body asks
# for all properties (allprop), as some clients do.
cat >"$work/props.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:">
  <D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/></D:prop>
</D:propfind>
EOF

# The listings measured: which server, the expected status, curl's arguments.
LISTINGS=(hallway-allprop hallway-props apache-allprop apache-props nginx-json)
declare -A SERVER=([hallway-allprop]=hallway [hallway-props]=hallway [apache-allprop]=apache
  [apache-props]=apache [nginx-json]=nginx)
declare -A WANT=([hallway-allprop]=207 [hallway-props]=207 [apache-allprop]=207
  [apache-props]=207 [nginx-json]=200)
PROPS=(-H "Content-Type: application/xml" --data-binary "@$work/props.xml")
ARGS_hallway_allprop=(-X PROPFIND -H "Depth: 1" "$HALLWAY/small/")
ARGS_hallway_props=(-X PROPFIND -H "Depth: 1" "${PROPS[@]}" "$HALLWAY/small/")
ARGS_apache_allprop=(-X PROPFIND -H "Depth: 1" "http://$A:8080/small/")
ARGS_apache_props=(-X PROPFIND -H "Depth: 1" "${PROPS[@]}" "http://$A:8080/small/")
ARGS_nginx_json=("https://$A:8443/small/")

# Check each answer once: a listing of all 10,000 files.
count_entries() { # FILE KIND
  python3 - "$1" "$2" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
path, kind = sys.argv[1:]
if kind == "json":
    print(len(json.load(open(path))))
else:
    # Depth 1: the folder itself plus one response per entry.
    print(len(ET.parse(path).getroot().findall("{DAV:}response")) - 1)
PY
}
for key in "${LISTINGS[@]}"; do
  declare -n args=ARGS_${key//-/_}
  code=$("$L" exec b -- curl -sk -o "$work/$key.body" -w '%{http_code}' "${args[@]}") || true
  [ "$code" = "${WANT[$key]}" ] || die "$key: status $code, expected ${WANT[$key]}"
  kind=xml
  [ "${SERVER[$key]}" = nginx ] && kind=json
  n=$(count_entries "$work/$key.body" "$kind") || die "$key: the answer does not parse"
  [ "$n" = 10000 ] || die "$key: $n entries listed, expected 10000"
  unset -n args
done

log "listing a 10,000-entry folder, $RUNS rounds…"
for round in $(seq 1 "$RUNS"); do
  n=${#LISTINGS[@]}
  for i in $(seq 0 $((n - 1))); do
    key=${LISTINGS[$(((i + round) % n))]}
    declare -n args=ARGS_${key//-/_}
    record "$key" "$(run_curl "${SERVER[$key]}" -o /dev/null "${args[@]}")" "${WANT[$key]}"
    unset -n args
  done
done

if [ "$BIG_RUNS" -gt 0 ]; then
  # curl -o FILE writes to a tmpfs on b (page allocation included, like a
  # real download to a fast disk); removed before each run.
  "$L" exec b -- sh -c 'mkdir -p /run/bench && mount -t tmpfs -o size=1200m hwbench /run/bench' ||
    die "cannot mount a tmpfs on b"
  for server in hallway nginx; do   # warm-up: the page cache holds the file
    url=$HALLWAY/big.bin
    [ "$server" = nginx ] && url=https://$A:8443/big.bin
    record "warm-$server" "$(run_curl "$server" -o /dev/null "$url")" 200
  done
  log "1 GiB downloads, $BIG_RUNS rounds…"
  GETS=(hallway-null nginx-null hallway-file nginx-file)
  for round in $(seq 1 "$BIG_RUNS"); do
    n=${#GETS[@]}
    for i in $(seq 0 $((n - 1))); do
      key=${GETS[$(((i + round) % n))]}
      server=${key%-*}
      url=$HALLWAY/big.bin
      [ "$server" = nginx ] && url=https://$A:8443/big.bin
      out=/dev/null
      if [ "${key#*-}" = file ]; then
        out=/run/bench/big.bin
        "$L" exec b -- rm -f "$out"
      fi
      result=$(run_curl "$server" -o "$out" "$url")
      if [ "${result%% *}" != 200 ] && [ "$out" != /dev/null ]; then
        log "the answer was: $("$L" exec b -- head -c 300 "$out")"
      fi
      record "$key" "$result" 200
      [ "$(tail -n 1 "$S/$key.bytes")" = "$BIG_SIZE" ] || die "$key: short download"
    done
  done
fi

# --- Report -----------------------------------------------------------------------------
wall_ms() { awk '{print $1 * 1000}' "$S/$1.secs" | median; }
wall_range() { awk '{printf "%.0f\n", $1 * 1000}' "$S/$1.secs" | minmax; }
cpu_ms() { awk -v t="$TCK" '{print $1 * 1000 / t}' "$S/$1.sticks" | mean; }
bytes() { median <"$S/$1.bytes"; }
mbps() { awk -v s="$BIG_SIZE" '{print s / $1 / 1e6}' "$S/$1.secs" | median; }
mbps_range() { awk -v s="$BIG_SIZE" '{printf "%.0f\n", s / $1 / 1e6}' "$S/$1.secs" | minmax; }
# CPU seconds per GiB moved (each run moves exactly 1 GiB).
cpu_s() { awk -v t="$TCK" '{print $1 / t}' "$S/$1.$2" | median; }

report() {
  report_head "WebDAV benchmark"
  echo "(worktree may hold uncommitted changes). Server on simulated computer a, curl on b,"
  echo "veth link (tests/lan/office-lan.sh). Tools interleaved, order rotating each round."
  echo "Servers: $(apache2 -v | sed -n 's/^Server version: //p') (mpm_event, sendfile),"
  echo "$(nginx -v 2>&1 | sed 's/^nginx version: //') (1 worker, sendfile on), hallwayd."
  echo "TLS: Hallway $TLS_HALLWAY; nginx $TLS_NGINX. Apache: plain HTTP (no TLS)."
  echo
  echo "## Listing a 10,000-entry folder (files of 0-4 KiB), PROPFIND Depth: 1"
  echo
  echo "New connection per request (TLS handshake included where there is TLS)."
  echo "Wall ms: median (min-max) of $RUNS; server CPU ms: mean per request"
  echo "(/proc/PID/stat ticks of 1/$TCK s, too coarse for a median)."
  echo
  echo "| what | TLS | wall ms | min-max | server CPU ms | response bytes |"
  echo "|---|---|---:|---:|---:|---:|"
  local key what tls
  for key in "${LISTINGS[@]}"; do
    case $key in
      hallway-allprop) what="Hallway PROPFIND, no body (allprop)"; tls=yes ;;
      hallway-props) what="Hallway PROPFIND, 4 properties"; tls=yes ;;
      apache-allprop) what="Apache mod_dav PROPFIND, no body (allprop)"; tls=no ;;
      apache-props) what="Apache mod_dav PROPFIND, 4 properties"; tls=no ;;
      nginx-json) what="nginx autoindex JSON (GET)"; tls=yes ;;
    esac
    echo "| $what [$key] | $tls | $(fmt "$(wall_ms "$key")") | $(wall_range "$key") |" \
      "$(cpu_ms "$key") | $(bytes "$key") |"
  done
  echo
  echo "| ratio Hallway / other | wall | server CPU | bytes |"
  echo "|---|---:|---:|---:|"
  local pair h o
  for pair in hallway-allprop:apache-allprop hallway-props:apache-props \
    hallway-props:nginx-json hallway-allprop:nginx-json; do
    h=${pair%%:*} o=${pair#*:}
    echo "| $h / $o | $(ratio "$(wall_ms "$h")" "$(wall_ms "$o")") |" \
      "$(ratio "$(cpu_ms "$h")" "$(cpu_ms "$o")") | $(ratio "$(bytes "$h")" "$(bytes "$o")") |"
  done
  [ "$BIG_RUNS" -gt 0 ] || return 0
  echo
  echo "## One 1 GiB file, GET over HTTPS (curl -sk)"
  echo
  echo "MB/s = 10^6 bytes/s; medians of $BIG_RUNS. CPU: user+system seconds per GiB"
  echo "(server: the whole server process tree; client: curl)."
  echo
  echo "| what | MB/s | min-max | server CPU s/GiB | client CPU s/GiB |"
  echo "|---|---:|---:|---:|---:|"
  for key in "${GETS[@]}"; do
    case $key in
      hallway-null) what="Hallway -> curl -o /dev/null" ;;
      nginx-null) what="nginx -> curl -o /dev/null" ;;
      hallway-file) what="Hallway -> curl -o file on tmpfs" ;;
      nginx-file) what="nginx -> curl -o file on tmpfs" ;;
    esac
    echo "| $what [$key] | $(fmt "$(mbps "$key")") | $(mbps_range "$key") |" \
      "$(fmt "$(cpu_s "$key" sticks)" 2) | $(fmt "$(cpu_s "$key" cticks)" 2) |"
  done
  echo
  echo "| ratio Hallway / nginx | MB/s | server CPU s/GiB |"
  echo "|---|---:|---:|"
  for m in null file; do
    echo "| -o $([ $m = null ] && echo /dev/null || echo file) |" \
      "$(ratio "$(mbps hallway-$m)" "$(mbps nginx-$m)") |" \
      "$(ratio "$(cpu_s hallway-$m sticks)" "$(cpu_s nginx-$m sticks)") |"
  done
}

publish webdav
