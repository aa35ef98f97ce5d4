#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when a source file with translatable strings is missing from
# po/POTFILES.in, or POTFILES.in names a file that does not exist.
set -eu
export LC_ALL=C   # one sort order everywhere
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d' | sort)
status=0
for f in $listed; do
  if [ ! -f "$f" ]; then
    echo "po/POTFILES.in lists $f, which does not exist"
    status=1
  fi
done
while IFS= read -r f; do
  if ! grep -qxF "$f" <<<"$listed"; then
    echo "$f has translatable strings but is not in po/POTFILES.in"
    status=1
  fi
done < <(grep -rlE '(^|[^a-zA-Z_])N?_\("|translatable="yes"|gettext-domain=' \
           --include='*.c' --include='*.ui' --include='*.in' --include='*.gschema.xml' \
           ctl daemon gui nautilus share data 2>/dev/null | sort)
if ! sort -c <<<"$listed" 2>/dev/null; then
  echo "po/POTFILES.in is not sorted"
  status=1
fi
exit $status
