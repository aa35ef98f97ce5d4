#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Uploading a file into a share, as a browser's upload form sends it
# (multipart/form-data POST, parsed as it arrives) and as a WebDAV client
# does (PUT): Hallway on simulated computer a, curl on b, over the veth link
# of tests/lan/office-lan.sh. The two take turns, the order rotating each
# round; reported are MB/s (median) and hallwayd's CPU seconds per GiB.
#
# Usage: bench/upload.sh [--runs N] [--size MIB]
#   --runs N     rounds (default 5)
#   --size MIB   the file's size (default 1024)
set -euo pipefail
BENCH=bench/upload.sh
DIE_LOGS=(hallway.log)
export HWLAN_PREFIX=hwbup HWLAN_SUBNET=10.89.0 HWLAN_IPV6=0 GSETTINGS_BACKEND=memory
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

RUNS=5
SIZE_MIB=1024
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    --size) SIZE_MIB=$2; shift ;;
    -h | --help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "$BENCH: unknown argument ‘$1’ (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $SIZE_MIB =~ ^[1-9][0-9]*$ ]] ||
  { echo "$BENCH: --runs and --size take positive numbers" >&2; exit 2; }

need_root
need_tools 'apt-get install %s' curl:curl jq:jq
need_hallway
make_work upload
lan_up

mkdir -p "$work/config/glib-2.0/settings" "$work/shared" "$work/b"
printf '[io/github/hallwaylan/Hallway]\nmax-upload-size=uint64 %d\n' \
  $(((SIZE_MIB + 16) * 1024 * 1024)) >"$work/config/glib-2.0/settings/keyfile"
bg_on a hallway env HALLWAY_NAME="Bench" XDG_CONFIG_HOME="$work/config" \
  GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR="$BUILD_DIR/data" "$hallwayd"
wait_until 20 "$L" exec a -- env XDG_CONFIG_HOME="$work/config" "$ctl" status ||
  die "hallwayd does not start on a"
"$L" exec a -- env XDG_CONFIG_HOME="$work/config" "$ctl" share add "$work/shared" \
  --name Bench --access read-write --audience everyone >/dev/null || die "share add failed"
id=$("$L" exec a -- env XDG_CONFIG_HOME="$work/config" "$ctl" share list --json |
  jq -r '.[0].id')
url=https://$A:53535/shares/$id/
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$work/b/file.bin"

cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hallwayd_pid=${PID[hallway]}   # bg_on execs all the way

# one KIND ROUND: uploads once, prints "MB/s CPU-seconds".
one() {
  local kind=$1 name=$2 before after seconds
  before=$(cpu_of "$hallwayd_pid")
  case $kind in
    form) seconds=$("$L" exec b -- curl -sk -o /dev/null -w '%{time_total}' \
            -H "Origin: https://$A:53535" -F "file=@$work/b/file.bin;filename=$name" "$url") ;;
    put) seconds=$("$L" exec b -- curl -sk -o /dev/null -w '%{time_total}' \
           -T "$work/b/file.bin" "$url$name") ;;
  esac
  after=$(cpu_of "$hallwayd_pid")
  cmp -s "$work/b/file.bin" "$work/shared/$name" || die "the $kind upload is not byte-identical"
  rm -f "$work/shared/$name"
  awk -v s="$seconds" -v m="$SIZE_MIB" -v c=$((after - before)) -v t="$TCK" \
    'BEGIN {printf "%.0f %.2f\n", m * 1.048576 / s, c / t * 1024 / m}'
}

declare -A rate=() cpu=()
for round in $(seq 1 "$RUNS"); do
  order=(form put)
  [ $((round % 2)) = 0 ] && order=(put form)
  for kind in "${order[@]}"; do
    read -r r c < <(one "$kind" "round-$round-$kind.bin")
    rate[$kind]+="$r "
    cpu[$kind]+="$c "
    log "round $round: $kind $r MB/s, hallwayd $c CPU-s/GiB"
  done
done

printf '| upload of %d MiB (%d rounds, medians) | MB/s | hallwayd CPU-s per GiB |\n' \
  "$SIZE_MIB" "$RUNS"
printf '|---|---:|---:|\n'
printf '| browser form (multipart POST) | %s | %s |\n' \
  "$(tr ' ' '\n' <<<"${rate[form]}" | grep . | median)" \
  "$(tr ' ' '\n' <<<"${cpu[form]}" | grep . | median)"
printf '| WebDAV PUT | %s | %s |\n' \
  "$(tr ' ' '\n' <<<"${rate[put]}" | grep . | median)" \
  "$(tr ' ' '\n' <<<"${cpu[put]}" | grep . | median)"
