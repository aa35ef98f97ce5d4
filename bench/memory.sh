#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What hallwayd weighs, in one run on one machine (root only): hallwayd on
# simulated computers a and b of tests/lan/office-lan.sh, each the other's
# one neighbour, a sharing a folder with b.
#   - idle: private memory (USS: Private_Clean + Private_Dirty of
#     /proc/PID/smaps_rollup, what the system gets back if the process
#     ends) and RSS of both, once they have seen each other and settled;
#   - then three loads, one after the other: b copies 10,000 files of 4 KiB
#     from a (hallwayctl get --wait), b copies one 1 GiB file from a, and
#     a burst of 200 TLS connections from b to a, all open at once
#     (tests/lan/churn.py --at-once);
#   - for each load: the peak USS of each side while it ran (sampled every
#     0.1 s), the level --after seconds after it ended, and how soon each
#     side was back within 1 MiB of its idle level.
# Each computer runs its own copy of hallwayd, as real ones do: its code is
# then private to it (counted in USS) instead of shared between a and b.
# Copies land on a tmpfs on b; its pages belong to the file system, not to
# hallwayd.
#
# Usage: bench/memory.sh [--save] [--settle S] [--after S]
#   --save      also write the tables to bench/results/memory-DATE.md
#   --settle S  seconds idle after both see each other, before measuring (10)
#   --after S   seconds watched after each load (30)
# HALLWAY_BUILD_DIR: where hallwayd and hallwayctl are built (default build/).
set -euo pipefail
BENCH=bench/memory.sh
DIE_LOGS=('*.log')
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SETTLE=10
AFTER=30
SAVE=0
while [ $# -gt 0 ]; do
  case $1 in
    --save) SAVE=1 ;;
    --settle) SETTLE=${2:-}; shift ;;
    --after) AFTER=${2:-}; shift ;;
    -h | --help) sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/memory.sh: unknown argument ‘$1’ (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $SETTLE =~ ^[0-9]+$ && $AFTER =~ ^[1-9][0-9]*$ ]] ||
  { echo "bench/memory.sh: --settle takes a number ≥ 0, --after ≥ 1" >&2; exit 2; }

# A LAN of our own, so that another test's or benchmark's never collides.
export HWLAN_PREFIX=hwbmem HWLAN_SUBNET=10.87.0 HWLAN_IPV6=0 GSETTINGS_BACKEND=memory

need_root
need_tools 'apt-get install %s' python3:python3 jq:jq ip:iproute2 nsenter:util-linux
need_hallway

make_work memory

# --- Data: 10,000 files of 4 KiB and one 1 GiB file ---------------------------------
NSMALL=10000
BIG_SIZE=$((1024 * 1024 * 1024))
log "making the data (10,000 × 4 KiB files, 1 GiB file)…"
make_small_files "$work/data/small" "$NSMALL"
head -c "$BIG_SIZE" /dev/urandom >"$work/data/big.bin"

# --- Two computers, each the other's neighbour ---------------------------------------
lan_up
log "starting hallwayd on a and b…"
built=$hallwayd
for side in a b; do
  mkdir -p "$work/bin-$side"
  cp "$built" "$work/bin-$side/hallwayd"
  hallwayd=$work/bin-$side/hallwayd
  start_hallwayd "$side" "hallway-$side" "$([ "$side" = a ] && echo Server || echo Client)"
done
"$L" exec a -- "$ctl" share add "$work/data" --name Bench --access read-only --audience everyone \
  >/dev/null || die "hallwayctl share add failed"
DEST=/run/bench-mem
"$L" exec b -- sh -c "mkdir -p $DEST && mount -t tmpfs -o size=1200m hwbench-mem $DEST" ||
  die "cannot mount a tmpfs on b"
"$L" exec a -- "$ctl" peers --wait 1 --timeout 30 >/dev/null || die "a does not see b's hallwayd"
"$L" exec b -- "$ctl" peers --wait 1 --timeout 30 >/dev/null || die "b does not see a's hallwayd"

# --- Measuring -------------------------------------------------------------------------

# rss PID: kB, like uss_kb (tests/lib.sh).
rss() {
  local key value
  while read -r key value _; do
    [ "$key" = VmRSS: ] && { echo "$value"; return; }
  done <"/proc/$1/status"
}
SIDES=(a b)

log "idle for $SETTLE s…"
sleep "$SETTLE"
servers_alive
declare -A IDLE=() IDLE_RSS=()
for side in "${SIDES[@]}"; do
  IDLE[$side]=$(uss_kb "${PID[hallway-$side]}")
  IDLE_RSS[$side]=$(rss "${PID[hallway-$side]}")
done

# peaks FILE: until killed, writes the highest USS of a and b seen so far.
peaks() {
  local pa=0 pb=0 u
  while :; do
    u=$(uss_kb "${PID[hallway-a]}")
    ((u > pa)) && pa=$u
    u=$(uss_kb "${PID[hallway-b]}")
    ((u > pb)) && pb=$u
    echo "$pa $pb" >"$1.tmp" && mv "$1.tmp" "$1"
    sleep 0.1
  done
}

declare -A PEAK=() LEVEL=() BACK=() LABEL=()
LOADS=()
# load NAME LABEL CMD...: runs CMD (a load) while sampling, then watches the fall.
load() {
  local name=$1 sampler side t0 now elapsed u pa pb
  LABEL[$name]=$2
  shift 2
  LOADS+=("$name")
  log "${LABEL[$name]}…"
  peaks "$work/peak-$name" &
  sampler=$!
  if ! "$@" >"$work/$name.out" 2>&1; then
    kill "$sampler"
    cat "$work/$name.out" >&2
    die "${LABEL[$name]} failed"
  fi
  kill "$sampler"
  wait "$sampler" 2>/dev/null || true
  read -r pa pb <"$work/peak-$name"
  PEAK[$name,a]=$pa
  PEAK[$name,b]=$pb
  servers_alive
  # Once a second for AFTER seconds: when each side is first back within
  # 1 MiB of idle, and where it is at the end.
  t0=${EPOCHREALTIME/./}
  for side in "${SIDES[@]}"; do BACK[$name,$side]=; done
  while :; do
    now=${EPOCHREALTIME/./}
    elapsed=$(((now - t0) / 1000000))
    for side in "${SIDES[@]}"; do
      u=$(uss_kb "${PID[hallway-$side]}")
      LEVEL[$name,$side]=$u
      if [ -z "${BACK[$name,$side]}" ] && ((u - IDLE[$side] <= 1024)); then
        BACK[$name,$side]=$(awk -v us=$((now - t0)) 'BEGIN {printf "%.1f s", us / 1e6}')
      fi
    done
    ((elapsed >= AFTER)) && break
    sleep 1
  done
}

copy_small() {
  "$L" exec b -- "$ctl" get Server/Bench/small --to "$DEST" --wait &&
    [ "$("$L" exec b -- sh -c "find $DEST/small -type f -size 4096c | wc -l")" = "$NSMALL" ]
}
copy_big() {
  "$L" exec b -- rm -rf "$DEST/small" &&
    "$L" exec b -- "$ctl" get Server/Bench/big.bin --to "$DEST" --wait &&
    [ "$("$L" exec b -- stat -c %s "$DEST/big.bin")" = "$BIG_SIZE" ]
}
burst() {
  "$L" exec b -- python3 "$BENCH_TOP/tests/lan/churn.py" "$A" "${HALLWAY_PORT:-53535}" 200 \
    --at-once
}

load small "10,000-file copy (b gets from a)" copy_small
load big "1 GiB copy (b gets from a)" copy_big
load burst "200 connections at once (b to a)" burst

# --- Report ------------------------------------------------------------------------------
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
delta() { awk -v k="$1" -v i="$2" 'BEGIN {printf "%+.1f", (k - i) / 1024}'; }

report() {
  local name side
  report_head "Memory benchmark"
  echo "(worktree may hold uncommitted changes; binaries from $BUILD_DIR). hallwayd on simulated"
  echo "computers a (sharing) and b (copying), each the other's one neighbour; veth link"
  echo "(tests/lan/office-lan.sh). USS = Private_Clean + Private_Dirty of smaps_rollup."
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "## Idle, $SETTLE s after both see each other (MiB)"
  echo
  echo "| hallwayd | USS | RSS |"
  echo "|---|---:|---:|"
  for side in "${SIDES[@]}"; do
    echo "| $side | $(mib "${IDLE[$side]}") | $(mib "${IDLE_RSS[$side]}") |"
  done
  echo
  echo "## Under load and $AFTER s after (USS, MiB; change from idle in brackets)"
  echo
  echo "| load | hallwayd | peak | $AFTER s after | back within 1 MiB of idle after |"
  echo "|---|---|---:|---:|---:|"
  for name in "${LOADS[@]}"; do
    for side in "${SIDES[@]}"; do
      echo "| ${LABEL[$name]} | $side | $(mib "${PEAK[$name,$side]}")" \
        "($(delta "${PEAK[$name,$side]}" "${IDLE[$side]}")) |" \
        "$(mib "${LEVEL[$name,$side]}") ($(delta "${LEVEL[$name,$side]}" "${IDLE[$side]}")) |" \
        "${BACK[$name,$side]:-not within $AFTER s} |"
    done
  done
}

publish memory
