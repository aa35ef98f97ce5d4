#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The stock mirroring tools a person reaches for, wget -r and lftp mirror,
# copy a whole share by following the links of its folder pages (they send
# Accept: */* and must get HTML): every file arrives byte-identical, in its
# folder, unicode and reserved characters in names included.
. "$(dirname "$0")/lib.sh"
in_private_session "$@"

need_tool wget wget
need_tool lftp lftp
need_tool cmp diffutils
start_hallway

# same_tree DIR: every fixture file is in DIR byte-identical.
same_tree() {
  local f missing=0
  for f in "${FIXTURE_FILES[@]}"; do
    if ! cmp -s "$SHARE_DIR/$f" "$1/$f"; then
      echo "‘$f’ missing or different"
      missing=1
    fi
  done
  return "$missing"
}

# wget -r: -np keeps it below the share, -nH --cut-dirs=2 drops the
# host and /shares/<id>/ from the saved paths.
mkdir -p "$WORK/wget"
if (cd "$WORK/wget" && timeout 120 wget -q -r -np -nH --cut-dirs=2 --no-check-certificate \
  -e robots=off "$SHARE_URL") >"$WORK/wget.log" 2>&1; then
  ok "wget -r of the share finishes"
else
  not_ok "wget -r of the share finishes"
  sed 's/^/#   /' "$WORK/wget.log" | tail -n 10
fi
check "wget -r copies every file byte-identical, in its folder" same_tree "$WORK/wget"

mkdir -p "$WORK/lftp"
if timeout 120 lftp -c "set ssl:verify-certificate no; set xfer:clobber yes;
  mirror --no-perms $SHARE_URL $WORK/lftp/" >"$WORK/lftp.log" 2>&1; then
  ok "lftp mirror of the share finishes"
else
  not_ok "lftp mirror of the share finishes"
  sed 's/^/#   /' "$WORK/lftp.log" | tail -n 10
fi
check "lftp mirror copies every file byte-identical, in its folder" same_tree "$WORK/lftp"
check "and the empty folder too" test -d "$WORK/lftp/Empty folder"
