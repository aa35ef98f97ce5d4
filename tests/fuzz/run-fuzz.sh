#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/fuzz/run-fuzz.sh [SECONDS]
#        tests/fuzz/run-fuzz.sh --each SECONDS [TARGET...]
#        tests/fuzz/run-fuzz.sh --runs N [TARGET...]
#
# Fuzzes the parsers of hostile input (TXT records, request paths, ranges,
# folder streams, drop offers, IPP requests, WebDAV request bodies, mDNS answers,
# neighbours lists) with
# libFuzzer in a separate clang build, build-fuzz/ at the top of the tree,
# one target after the other:
#
#   SECONDS      all targets share SECONDS (default 60), as CI runs it;
#   --each S     each target runs for S seconds;
#   --runs N     each target runs for N inputs (a long run, e.g. 10000000).
#
# TARGETs are names such as "path" or "drop"; all of them when none is
# given. New interesting inputs and any crash go to a temporary work
# directory, which is printed; the seed corpus in the tree is only read.
# Each target reports how many inputs it ran. Exits non-zero on a crash.
#
# Long runs take a core for a long time; on a shared machine run them as
# `nice -n 19 tests/fuzz/run-fuzz.sh --runs 10000000`.

set -euo pipefail

all_targets=(txt path range bulk drop ipp mdns webdav-xml multipart neighbours)

usage() {
  echo "usage: $0 [SECONDS] | --each SECONDS [TARGET...] | --runs N [TARGET...]" >&2
  exit 2
}

is_number() {
  case $1 in
    ''|*[!0-9]*) return 1 ;;
    *) return 0 ;;
  esac
}

mode=total
amount=60
case ${1:-} in
  --each|--runs)
    mode=${1#--}
    [ $# -ge 2 ] && is_number "$2" || usage
    amount=$2
    shift 2
    ;;
  '') ;;
  *)
    is_number "$1" && [ $# -eq 1 ] || usage
    amount=$1
    shift
    ;;
esac

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for name in "${targets[@]}"; do
  case " ${all_targets[*]} " in
    *" $name "*) ;;
    *) echo "$0: no fuzz target called ‘$name’ (there are: ${all_targets[*]})" >&2; exit 2 ;;
  esac
done

# What bounds each target's run, as libFuzzer options.
case $mode in
  total)
    per_target=$(( amount / ${#targets[@]} ))
    [ "$per_target" -ge 1 ] || per_target=1
    limit=(-max_total_time="$per_target")
    what="${per_target}s"
    ;;
  each)
    limit=(-max_total_time="$amount")
    what="${amount}s"
    ;;
  runs)
    limit=(-runs="$amount")
    what="$amount inputs"
    ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
build=build-fuzz

if ! command -v clang >/dev/null; then
  echo "$0: clang is needed (apt-get install clang libclang-rt-dev)" >&2
  exit 2
fi

cd "$root"
# --werror as in the other builds: clang warns of things gcc does not.
if [ -f "$build/build.ninja" ]; then
  meson configure "$build" -Dwerror=true -Dfuzzing=true -Dtests=true >/dev/null
else
  CC=clang meson setup "$build" --werror -Dfuzzing=true -Dtests=true >/dev/null
fi
ninja -C "$build" "${targets[@]/#/tests/fuzz/fuzz-}"

# A failed check or a fatal GLib warning ends in SIGTRAP (G_BREAKPOINT);
# with AddressSanitizer handling it, libFuzzer saves the input as a crash.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_sigtrap=1

failed=0
for name in "${targets[@]}"; do
  target=tests/fuzz/fuzz-$name
  seeds=$root/tests/fuzz/corpus/$name
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/hallway-fuzz-$name.XXXXXX")
  mkdir "$workdir/corpus"
  cp "$seeds"/* "$workdir/corpus/"
  echo "Fuzzing $name for $what; work directory: $workdir"

  status=0
  start=$SECONDS
  "$build/$target" \
    "${limit[@]}" \
    -max_len=2048 \
    -timeout=10 \
    -print_final_stats=1 \
    -artifact_prefix="$workdir/" \
    "$workdir/corpus" "$seeds" 2>"$workdir/log" || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$workdir/log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$workdir/log")
  echo "fuzz-$name: ${runs:-?} inputs in $((SECONDS - start)) s (${rate:-?}/s)," \
       "corpus of $(find "$workdir/corpus" -type f | wc -l)"

  shopt -s nullglob
  artifacts=("$workdir"/crash-* "$workdir"/leak-* "$workdir"/timeout-* "$workdir"/oom-*)
  if [ "$status" -ne 0 ] || [ ${#artifacts[@]} -gt 0 ]; then
    tail -n 40 "$workdir/log" >&2
    echo "fuzz-$name failed (exit status $status)." >&2
    for artifact in "${artifacts[@]}"; do
      echo "Crash input: $artifact" >&2
    done
    echo "Reproduce with: $build/$target <input>; keep it as a test by copying it into" \
         "$seeds under a name saying what it found (git ignores crash-*, leak-*…)" >&2
    failed=1
  else
    echo "fuzz-$name: no crash."
    rm -rf "$workdir"
  fi
done
exit $failed
