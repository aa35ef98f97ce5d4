#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# An office of N computers, each a simulated computer of tests/lan/office-lan.sh with its
# own avahi-daemon and one hallwayd sharing one folder (root only). For each N:
#   - 9 a.m.: every hallwayd starts at once; how long until every computer lists every
#     other one online;
#   - once settled: one more computer starts; how long until each of the others lists it;
#   - idle for IDLE seconds: hallwayd's CPU and memory (median and max over the office,
#     and how much the memory grew per minute), new TCP connections accepted per second
#     per computer, and online -> offline flips anywhere;
#   - hallwayd killed (-9) on three computers: how long until the others show them offline;
#     restarted: how long until they show them online again;
#   - on the first N only: CHURN short-lived TLS connections (each closed by the client
#     after one request, as a port scanner or a script would) against one hallwayd, and
#     how its memory moved.
# Times come from the hallwayd logs (each records when a neighbour goes online or offline),
# so watching costs the office nothing. Prints one table for all N.
#
# Usage: bench/office.sh [N...]        default: 3 12 24 40
#   IDLE=60      seconds of idle measured (600 shows whether memory stays flat)
#   CHURN=5000   short connections (0 skips)
#   SETTLE=15    seconds between convergence and measuring
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(3 12 24 40)
for n in "${SIZES[@]}"; do
  [[ $n =~ ^[0-9]+$ ]] && ((n >= 4 || n == 3)) && ((n <= 150)) ||
    { echo "bench/office.sh: office sizes are 3..150 computers, not ‘$n’" >&2; exit 2; }
done
IDLE=${IDLE:-60}
CHURN=${CHURN:-5000}
SETTLE=${SETTLE:-15}

BUILD_DIR=${HALLWAY_BUILD_DIR:-$top/build}
L=$top/tests/lan/office-lan.sh
hallwayd=$BUILD_DIR/daemon/hallwayd
# A LAN of our own, so that another test's or benchmark's never collides.
export HWLAN_PREFIX=hwboffice HWLAN_SUBNET=10.86.0 GSETTINGS_BACKEND=memory

if [ "$(id -u)" -ne 0 ]; then
  echo "bench/office.sh needs root (simulated computers)"; exit 77
fi
for t in python3 awk ip nsenter avahi-daemon dbus-daemon; do
  command -v "$t" >/dev/null || { echo "bench/office.sh: $t is missing"; exit 77; }
done
[ -x "$hallwayd" ] || { echo "bench/office.sh: no $hallwayd (meson compile -C build)"; exit 1; }

W=$(mktemp -d /tmp/hallway-bench-office.XXXXXX)
declare -A PID=()
cleanup() {
  local h
  for h in "${!PID[@]}"; do kill "${PID[$h]}" 2>/dev/null || :; done
  wait 2>/dev/null || :
  "$L" down >/dev/null 2>&1 || :
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '# %s\n' "$*" >&2; }

# Milliseconds since midnight, the clock hallwayd's log lines are stamped with.
clock_ms() { date +%H:%M:%S.%3N | awk -F'[:.]' '{print (($1 * 60 + $2) * 60 + $3) * 1000 + $4}'; }

# stats: "median max" of the numbers on stdin ("- -" when there are none).
stats() {
  sort -g | awk '{v[NR] = $1} END {
    if (NR == 0) { print "- -"; exit }
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    print m, v[NR] }'
}

name_of() { echo "desk-$1"; }

# seen: the delays that were seen (not "-").
seen() { grep -vx -- - || :; }

start_daemon() {  # HOST
  local h=$1
  "$L" exec "$h" -- env HALLWAY_NAME="$(name_of "$h")" G_MESSAGES_DEBUG=hallwayd \
    "$hallwayd" >>"$W/$h.log" 2>&1 </dev/null &
  PID[$h]=$!
}

# One shared folder per computer, written before hallwayd starts so that the office
# announces itself fully at once.
prepare_share() {  # HOST
  local h=$1 xdg
  xdg=$("$L" xdg "$h")
  mkdir -p "$xdg/config/hallway" "$W/share-$h"
  echo "hello from $h" >"$W/share-$h/readme.txt"
  printf '[share docs%s]\nname=Documents\npath=%s\naccess=read-only\naudience=everyone\n' \
    "$h" "$W/share-$h" >"$xdg/config/hallway/shares.ini"
}

# events HOST [FROM_MS]: "time_ms state name" for each online/offline line of HOST's log.
events() {
  LC_ALL=C awk -v from="${2:-0}" '
    /is now (online|offline)/ {
      split($3, t, /[:.]/); ms = ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4]
      if (ms < from) next
      match($0, /‘[^’]*’/); name = substr($0, RSTART + 3, RLENGTH - 6)
      print ms, ($NF == "online" ? "online" : "offline"), name
    }' "$W/$1.log"
}

# converged_at HOST WANT: when HOST first listed WANT neighbours online at once ("" if never).
converged_at() {
  events "$1" | awk -v want="$2" '
    { if ($2 == "online") up[$3] = 1; else delete up[$3]
      n = 0; for (k in up) n++
      if (n >= want) { print $1; exit } }'
}

# first_event HOST STATE NAME FROM_MS: when HOST first saw NAME go STATE after FROM_MS.
first_event() {
  events "$1" "$4" | awk -v s="$2" -v n="$3" '$2 == s && $3 == n {print $1; exit}'
}

# wait_all TIMEOUT_S CMD...: until CMD succeeds, polling every 200 ms.
wait_all() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

all_converged() {
  local h
  for h in "${OFFICE[@]}"; do
    [ -n "$(converged_at "$h" $((${#OFFICE[@]} - 1)))" ] || return 1
  done
}

# delays STATE FROM_MS OBSERVERS... -- NAMES...: one line per (observer, name): how long
# after FROM_MS the observer saw the name go STATE, or "-" if it has not yet.
delays() {
  local state=$1 from=$2 h n t
  shift 2
  local -a observers=()
  while [ "$1" != -- ]; do observers+=("$1"); shift; done
  shift
  for h in "${observers[@]}"; do
    for n in "$@"; do
      t=$(first_event "$h" "$state" "$n" "$from")
      if [ -n "$t" ]; then echo $((t - from)); else echo -; fi
    done
  done
}

# all_saw STATE FROM_MS OBSERVERS... -- NAMES...: every observer saw every name go STATE.
all_saw() {
  local pairs
  pairs=$(delays "$@")
  ! grep -qx -- - <<<"$pairs"
}

# sample HOSTS...: "host cpu_ticks rss_kb passive_opens" for each running hallwayd.
sample() {
  local h pid
  for h in "$@"; do
    pid=${PID[$h]}
    awk -v h="$h" '
      FILENAME ~ /stat$/ { split($0, a, ") "); split(a[2], f, " "); ticks = f[12] + f[13] }
      FILENAME ~ /status$/ && /^VmRSS:/ { rss = $2 }
      FILENAME ~ /snmp$/ && /^Tcp:/ { if (hdr) { for (i = 2; i <= NF; i++) v[names[i]] = $i }
                                     else { for (i = 2; i <= NF; i++) names[i] = $i; hdr = 1 } }
      END { print h, ticks, rss, v["PassiveOpens"] }' \
      "/proc/$pid/stat" "/proc/$pid/status" "/proc/$pid/net/snmp"
  done
}

rss_of() { awk '/^VmRSS:/ {print $2}' "/proc/${PID[$1]}/status"; }

# churn HOST_FROM HOST_TO COUNT: short TLS connections, each closed by the client after
# one kept-alive request (the case libsoup 3.2 alone leaks).
churn() {
  "$L" exec "$1" -- python3 "$top/tests/lan/churn.py" "$("$L" ip "$2")" 53535 "$3" >/dev/null
}

declare -A R=()
clk=$(getconf CLK_TCK)

run_office() {  # N
  local n=$1 h t0 t1 t2 t3 start_ms i
  local -a hosts killed killed_names observers
  log "office of $n computers: building"
  "$L" up $((n + 1)) >"$W/lan.log" 2>&1 || { cat "$W/lan.log"; exit 1; }
  mapfile -t hosts < <("$L" hosts)
  OFFICE=("${hosts[@]:0:n}")
  EXTRA=${hosts[n]}
  for h in "${hosts[@]}"; do
    prepare_share "$h"
    : >"$W/$h.log"
  done

  log "9 a.m.: $n hallwayd start at once"
  t0=$(clock_ms)
  for h in "${OFFICE[@]}"; do start_daemon "$h"; done
  if wait_all $((120 + 4 * n)) all_converged; then
    local worst=0 c
    for h in "${OFFICE[@]}"; do
      c=$(converged_at "$h" $((n - 1)))
      ((c - t0 > worst)) && worst=$((c - t0))
    done
    R[$n,converge]=$(awk -v ms="$worst" 'BEGIN {printf "%.1f s", ms / 1000}')
  else
    R[$n,converge]="not within $((120 + 4 * n)) s"
  fi
  sleep "$SETTLE"

  log "one more computer starts"
  t1=$(clock_ms)
  start_daemon "$EXTRA"
  wait_all 60 all_saw online "$t1" "${OFFICE[@]}" -- "$(name_of "$EXTRA")" ||
    log "not every computer listed the new one within 60 s"
  read -r med max < <(delays online "$t1" "${OFFICE[@]}" -- "$(name_of "$EXTRA")" | seen | stats)
  R[$n,extra]="$med / $max ms"
  sleep "$SETTLE"

  log "idle for $IDLE s"
  sample "${hosts[@]}" >"$W/before"
  start_ms=$(clock_ms)
  t2=$SECONDS
  sleep "$IDLE"
  sample "${hosts[@]}" >"$W/after"
  local secs=$((SECONDS - t2))
  sort -o "$W/before" "$W/before"
  sort -o "$W/after" "$W/after"
  join "$W/before" "$W/after" | awk -v s="$secs" -v clk="$clk" '
    {printf "%.3f %.1f %.1f %.2f\n", ($5 - $2) / clk / s * 100, $6 / 1024,
            ($6 - $3) / 1024 / s * 60, ($7 - $4) / s}' >"$W/idle"
  read -r med max < <(awk '{print $1}' "$W/idle" | stats)
  R[$n,cpu]="$med / $max %"
  read -r med max < <(awk '{print $2}' "$W/idle" | stats)
  R[$n,rss]="$med / $max MB"
  read -r med max < <(awk '{print $3}' "$W/idle" | stats)
  R[$n,growth]="$med / $max MB/min"
  read -r med max < <(awk '{print $4}' "$W/idle" | stats)
  R[$n,conns]="$med / $max"
  local flips=0
  for h in "${hosts[@]}"; do
    flips=$((flips + $(events "$h" "$start_ms" | awk '$2 == "offline"' | wc -l)))
  done
  R[$n,flips]=$flips

  killed=("${OFFICE[@]:1:3}")
  killed_names=()
  for h in "${killed[@]}"; do killed_names+=("$(name_of "$h")"); done
  observers=("${OFFICE[0]}" "${OFFICE[@]:4}" "$EXTRA")
  log "kill -9 of hallwayd on ${killed[*]}"
  t3=$(clock_ms)
  for h in "${killed[@]}"; do
    kill -KILL "${PID[$h]}"
    wait "${PID[$h]}" 2>/dev/null || :
    unset "PID[$h]"
  done
  wait_all 60 all_saw offline "$t3" "${observers[@]}" -- "${killed_names[@]}" ||
    log "not every computer showed them offline within 60 s"
  read -r med max < <(delays offline "$t3" "${observers[@]}" -- "${killed_names[@]}" | seen | stats)
  R[$n,offline]="$med / $max ms"

  log "restarting them"
  t3=$(clock_ms)
  for h in "${killed[@]}"; do start_daemon "$h"; done
  wait_all 60 all_saw online "$t3" "${observers[@]}" -- "${killed_names[@]}" ||
    log "not every computer showed them online within 60 s"
  read -r med max < <(delays online "$t3" "${observers[@]}" -- "${killed_names[@]}" | seen | stats)
  R[$n,online]="$med / $max ms"

  if ((CHURN > 0)) && [ -z "${R[churn]-}" ]; then
    log "$CHURN short connections to ${OFFICE[0]}"
    local before after
    before=$(rss_of "${OFFICE[0]}")
    churn "$EXTRA" "${OFFICE[0]}" "$CHURN"
    sleep 2
    after=$(rss_of "${OFFICE[0]}")
    R[churn]=$(awk -v b="$before" -v a="$after" -v n="$CHURN" 'BEGIN {
      printf "%.1f -> %.1f MB (%+.1f MB) after %d connections", b / 1024, a / 1024,
             (a - b) / 1024, n }')
  fi

  for h in "${!PID[@]}"; do kill "${PID[$h]}" 2>/dev/null || :; done
  for h in "${!PID[@]}"; do wait "${PID[$h]}" 2>/dev/null || :; done
  PID=()
  "$L" down >/dev/null 2>&1
}

log "machine at start: $(uptime)"
for n in "${SIZES[@]}"; do run_office "$n"; done
log "machine at end: $(uptime)"

row() {  # LABEL KEY
  local n line="| $1 |"
  for n in "${SIZES[@]}"; do line+=" ${R[$n,$2]} |"; done
  echo "$line"
}
header="| (median / max over the office) |"
rule="|---|"
for n in "${SIZES[@]}"; do header+=" $n computers |"; rule+="---:|"; done
echo
echo "$header"
echo "$rule"
row "all start at once: every computer lists all others (slowest)" converge
row "one more computer starts: listed online by each other one" extra
row "hallwayd CPU, idle ($IDLE s)" cpu
row "hallwayd RSS, idle" rss
row "RSS growth while idle" growth
row "new TCP connections accepted per second, per computer" conns
row "online → offline flips while idle, whole office" flips
row "hallwayd killed (-9) on three: shown offline by the others" offline
row "…and online again once restarted" online
echo
[ -n "${R[churn]-}" ] && echo "Connection churn (one hallwayd, short TLS connections): ${R[churn]}"
