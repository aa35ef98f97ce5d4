# SPDX-License-Identifier: GPL-3.0-or-later
# Shell helpers every kind of test and benchmark shares (tests/lan,
# tests/interop, tests/gui, bench). Source it; it sets no options and
# defines functions only.

# wait_until TIMEOUT_S CMD...: polls CMD every 100 ms until it succeeds.
# The condition is the event waited for; the timeout only bounds a failure.
wait_until() {
  local timeout=$1 deadline
  shift
  deadline=$((${EPOCHREALTIME/./} + timeout * 1000000))
  until "$@" >/dev/null 2>&1; do
    if [ "${EPOCHREALTIME/./}" -ge "$deadline" ]; then
      return 1
    fi
    sleep 0.1
  done
  return 0
}

# uss_kb PID: the process's private memory (USS) in kB: Private_Clean,
# Private_Dirty and Private_Hugetlb of its smaps_rollup, what the system
# gets back when it ends. Shell built-ins only, to be sampled often.
uss_kb() {
  local key value total=0
  while read -r key value _; do
    case $key in
      Private_Clean: | Private_Dirty: | Private_Hugetlb:) total=$((total + value)) ;;
    esac
  done <"/proc/$1/smaps_rollup"
  echo "$total"
}

# make_small_files DIR COUNT [SIZE]: COUNT files of SIZE random bytes
# (default 4096) in DIR, named file-00000.dat, file-00001.dat, …
make_small_files() {
  mkdir -p "$1"
  python3 - "$1" "$2" "${3:-4096}" <<'PY'
import os, sys
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    with open(os.path.join(d, f"file-{i:05d}.dat"), "wb") as f:
        f.write(os.urandom(size))
PY
}
