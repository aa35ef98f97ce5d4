#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-cli-docs.sh HALLWAYCTL MAN_PAGE_SOURCE COMPLETION
#
# Fails when a command that "hallwayctl --help" lists is missing from the
# manual page (data/man/hallwayctl.1.scd) or from the bash completion
# (data/completions/hallwayctl), so that neither falls behind hallwayctl.
set -eu
export LC_ALL=C
ctl=$1 man=$2 completion=$3

# The commands: the first column of each "  command ARGS…" line after
# "Commands:" ("share add PATH …" gives "share add"; "trust PEER | untrust
# PEER" gives both).
commands=$("$ctl" --help | awk '
  /^Commands:/ { on = 1; next }
  on && /^  [a-z]/ {
    sub(/^  /, ""); sub(/  +.*/, "")
    n = split($0, alternatives, / \| /)
    for (i = 1; i <= n; i++) {
      split(alternatives[i], words, " ")
      phrase = ""
      for (j = 1; (j in words) && words[j] ~ /^[a-z][a-z-]*$/; j++)
        phrase = phrase (phrase == "" ? "" : " ") words[j]
      if (phrase != "") print phrase
    }
  }')
if [ -z "$commands" ]; then
  echo "found no commands in “$ctl --help”"
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
