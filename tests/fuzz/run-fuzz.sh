#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/fuzz/run-fuzz.sh [SECONDS]
#
# Fuzzes the TXT record parser with libFuzzer for SECONDS (default 60) in a
# separate clang build, build-fuzz/ at the top of the tree. New interesting
# inputs and any crash go to a temporary work directory, which is printed;
# the seed corpus in the tree is only read. Exits non-zero on a crash.

set -euo pipefail

seconds=${1:-60}
case $seconds in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
build=build-fuzz
target=tests/fuzz/fuzz-txt
seeds=$root/tests/fuzz/corpus/txt

if ! command -v clang >/dev/null; then
  echo "$0: clang is needed (apt-get install clang libclang-rt-dev)" >&2
  exit 2
fi

cd "$root"
if [ -f "$build/build.ninja" ]; then
  meson configure "$build" -Dfuzzing=true -Dtests=true >/dev/null
else
  CC=clang meson setup "$build" -Dfuzzing=true -Dtests=true
fi
ninja -C "$build" "$target"

workdir=$(mktemp -d "${TMPDIR:-/tmp}/hallway-fuzz-txt.XXXXXX")
mkdir "$workdir/corpus"
cp "$seeds"/* "$workdir/corpus/"
echo "Fuzzing for ${seconds}s; work directory: $workdir"

status=0
"$build/$target" \
  -max_total_time="$seconds" \
  -max_len=2048 \
  -timeout=10 \
  -print_final_stats=1 \
  -artifact_prefix="$workdir/" \
  "$workdir/corpus" "$seeds" || status=$?

shopt -s nullglob
artifacts=("$workdir"/crash-* "$workdir"/leak-* "$workdir"/timeout-* "$workdir"/oom-*)
if [ "$status" -ne 0 ] || [ ${#artifacts[@]} -gt 0 ]; then
  echo "fuzz-txt failed (exit status $status)." >&2
  for artifact in "${artifacts[@]}"; do
    echo "Crash input: $artifact" >&2
  done
  echo "Reproduce with: $build/$target <input>; keep it as a test by copying it into $seeds" >&2
  exit 1
fi

echo "No crash. New corpus entries are in $workdir/corpus"
