#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-ctl-help.sh HALLWAYCTL
#
# Each hallwayctl command explains itself: "hallwayctl COMMAND --help" and
# "hallwayctl help COMMAND" print that command's usage, not the whole
# program's; a group's first word ("share") lists the group; and
# "hallwayctl help --commands" (what man pages and completion can be
# checked against) names every command the program's help lists. Needs no
# hallwayd. Prints TAP.
set -u
export LC_ALL=C.UTF-8
ctl=$1
n=0
failed=0

check() {   # NAME COMMAND...
  local name=$1
  shift
  n=$((n + 1))
  if "$@"; then
    echo "ok $n - $name"
  else
    echo "not ok $n - $name"
    failed=1
  fi
}

# shellcheck disable=SC2317 # both are called through check
lacks() {   # PATTERN TEXT
  ! grep -q -- "$1" <<<"$2"
}
# shellcheck disable=SC2317
explains() {   # STATUS COMMAND USAGE
  [ "$1" = 0 ] && grep -qF "hallwayctl $2" <<<"$3"
}

out=$("$ctl" share add --help); rc=$?
check "share add --help exits 0" test "$rc" = 0
check "share add --help starts with its own usage" \
  test "$(head -n 2 <<<"$out" | tail -n 1 | awk '{print $1, $2, $3, $4}')" = \
       "hallwayctl share add PATH"
check "share add --help names its options" grep -q -- '--password-file FILE' <<<"$out"
check "share add --help is not the whole program's help" lacks '^Commands:' "$out"
check "help share add says the same" test "$("$ctl" help share add)" = "$out"
check "-h after the arguments says the same" test "$("$ctl" share add /tmp -h)" = "$out"

commands=$("$ctl" help --commands)
check "help --commands lists commands" test "$(wc -l <<<"$commands")" -gt 20
check "help --commands names each command once" \
  test "$(sort <<<"$commands" | uniq -d | wc -l)" = 0
all=$("$ctl" --help)
while IFS= read -r command; do
  # shellcheck disable=SC2086 # two-word commands are two arguments
  usage=$("$ctl" help $command 2>&1); rc=$?
  check "help $command explains it" explains "$rc" "$command" "$usage"
  check "--help lists $command" grep -qE "^  $command( |\$)" <<<"$all"
done <<<"$commands"

group=$("$ctl" share --help); rc=$?
check "share --help exits 0" test "$rc" = 0
check "share --help lists the five share commands" \
  test "$(grep -c '^  hallwayctl share ' <<<"$group")" = 5
check "share --help lists nothing else" lacks '^  hallwayctl [a-rt-z]' "$group"
check "help printer lists the printer commands" \
  test "$("$ctl" help printer | grep -c '^  hallwayctl printer ')" = 3

out=$("$ctl" help --help); rc=$?
check "help --help explains help" explains "$rc" "help [COMMAND]" "$out"

"$ctl" frobnicate --help >/dev/null 2>&1; rc=$?
check "an unknown command with --help is a usage error (2)" test "$rc" = 2
"$ctl" help frobnicate >/dev/null 2>&1; rc=$?
check "help of an unknown command is a usage error (2)" test "$rc" = 2

echo "1..$n"
exit $failed
