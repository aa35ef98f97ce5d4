#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-cli-docs.sh HALLWAYCTL MAN_PAGE_SOURCE COMPLETION
#
# Fails when a command of hallwayctl is missing from the manual page
# (data/man/hallwayctl.1.scd) or from the bash completion
# (data/completions/hallwayctl), so that neither falls behind hallwayctl.
# The commands come from "hallwayctl help --commands", which prints the
# names in hallwayctl's own table of commands, one per line.
set -eu
export LC_ALL=C
ctl=$1 man=$2 completion=$3

commands=$("$ctl" help --commands)
if [ -z "$commands" ]; then
  echo "found no commands in “$ctl help --commands”"
  exit 1
fi

completion_commands=$(sed -n "/local commands='/,/'/p" "$completion" | tr -d "'" |
                      sed 's/local commands=//')
status=0
while IFS= read -r phrase; do
  if ! grep -qF "*$phrase*" "$man"; then
    echo "“hallwayctl $phrase” is not described in $man"
    status=1
  fi
  # shellcheck disable=SC2086 # a two-word command is two words
  set -- $phrase
  if ! grep -qw -- "$1" <<<"$completion_commands"; then
    echo "“hallwayctl $1” is not completed by $completion"
    status=1
  fi
  if [ $# -gt 1 ] && ! grep -E "^ *0:\*\) COMPREPLY=.*compgen -W '" "$completion" |
                       grep -qw -- "$2"; then
    echo "“hallwayctl $phrase” is not completed by $completion"
    status=1
  fi
done <<<"$commands"
if [ $status = 0 ]; then
  echo "$(wc -l <<<"$commands") commands, all in the manual page and the completion"
fi
exit $status
