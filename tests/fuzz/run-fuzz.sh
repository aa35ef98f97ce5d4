#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/fuzz/run-fuzz.sh [SECONDS]
#
# Fuzzes the parsers of hostile input (TXT records, request paths, ranges,
# folder streams, drop offers, IPP requests, mDNS answers) with libFuzzer
# for SECONDS (default 60) in a separate clang build, build-fuzz/ at the
# top of the tree. New interesting inputs and any crash go to a temporary
# work directory, which is printed; the seed corpus in the tree is only
# read. Exits non-zero on a crash.

set -euo pipefail

seconds=${1:-60}
case $seconds in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
build=build-fuzz
# Each parser of hostile input gets an equal share of the time.
targets=(txt path range bulk drop ipp mdns)
per_target=$(( seconds / ${#targets[@]} ))
[ "$per_target" -ge 1 ] || per_target=1

if ! command -v clang >/dev/null; then
  echo "$0: clang is needed (apt-get install clang libclang-rt-dev)" >&2
  exit 2
fi

cd "$root"
if [ -f "$build/build.ninja" ]; then
  meson configure "$build" -Dfuzzing=true -Dtests=true >/dev/null
else
  CC=clang meson setup "$build" -Dfuzzing=true -Dtests=true >/dev/null
fi
ninja -C "$build" "${targets[@]/#/tests/fuzz/fuzz-}"

failed=0
for name in "${targets[@]}"; do
  target=tests/fuzz/fuzz-$name
  seeds=$root/tests/fuzz/corpus/$name
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/hallway-fuzz-$name.XXXXXX")
  mkdir "$workdir/corpus"
  cp "$seeds"/* "$workdir/corpus/"
  echo "Fuzzing $name for ${per_target}s; work directory: $workdir"

  status=0
  "$build/$target" \
    -max_total_time="$per_target" \
    -max_len=2048 \
    -timeout=10 \
    -print_final_stats=1 \
    -artifact_prefix="$workdir/" \
    "$workdir/corpus" "$seeds" 2>"$workdir/log" || status=$?
  grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' "$workdir/log" || true

  shopt -s nullglob
  artifacts=("$workdir"/crash-* "$workdir"/leak-* "$workdir"/timeout-* "$workdir"/oom-*)
  if [ "$status" -ne 0 ] || [ ${#artifacts[@]} -gt 0 ]; then
    tail -n 40 "$workdir/log" >&2
    echo "fuzz-$name failed (exit status $status)." >&2
    for artifact in "${artifacts[@]}"; do
      echo "Crash input: $artifact" >&2
    done
    echo "Reproduce with: $build/$target <input>; keep it as a test by copying it into $seeds" >&2
    failed=1
  else
    echo "fuzz-$name: no crash."
    rm -rf "$workdir"
  fi
done
exit $failed
