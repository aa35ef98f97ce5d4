#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A drop box in GNOME Files (gvfs): it is announced as _webdavs._tcp like
# every share, so a person opening it expects a folder. It mounts as an
# empty folder one can copy files and folders into; what is already in it
# never shows, and a copy never replaces what is there.
. "$(dirname "$0")/lib.sh"
in_private_session "$@"

need_gvfs
need_tool cmp diffutils
start_hallway

DROP_DIR=$WORK/drop-box
mkdir -p "$DROP_DIR"
printf 'private\n' >"$DROP_DIR/secret.txt"
DROP_ID=$(add_share "$DROP_DIR" Inbox drop-box)

DAV=davs://127.0.0.1:$PORT/shares/$DROP_ID/

if printf '1\n' | g mount "$DAV" >"$WORK/gio-mount.log" 2>&1; then
  ok "gio mount of a drop box"
else
  not_ok "gio mount of a drop box"
  sed 's/^/#   /' "$WORK/gio-mount.log"
  exit 1
fi
got=$(g list "$DAV" 2>"$WORK/gio-list.log") && rc=0 || rc=$?
expect_eq "gio list of the drop box succeeds (what GNOME Files does on opening it)" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/#   /' "$WORK/gio-list.log"
expect_eq "and shows an empty folder, nothing of what is in it" "" "$got"

head -c $((1024 * 1024 + 3)) /dev/urandom >"$WORK/report.pdf"
check "gio copy puts a file into the drop box" g copy "$WORK/report.pdf" "${DAV}report.pdf"
check "it is on the owner's disk byte-identical" cmp "$WORK/report.pdf" "$DROP_DIR/report.pdf"
printf 'mine\n' >"$WORK/secret.txt"
check "gio copy of a name already there succeeds" g copy "$WORK/secret.txt" "${DAV}secret.txt"
check "without replacing the owner's file" grep -qx private "$DROP_DIR/secret.txt"
check "the copy gets a number" cmp "$WORK/secret.txt" "$DROP_DIR/secret (2).txt"
check "gio mkdir makes a folder in the drop box" g mkdir "${DAV}From gio"
check "and a file goes into it" g copy "$WORK/report.pdf" "${DAV}From%20gio/report.pdf"
check "both on disk" cmp "$WORK/report.pdf" "$DROP_DIR/From gio/report.pdf"
got=$(g list "$DAV" 2>/dev/null) || true
expect_eq "the drop box still looks empty" "" "$got"
if g cat "${DAV}secret.txt" >"$WORK/cat.out" 2>/dev/null; then
  not_ok "reading a file in the drop box is refused"
else
  ok "reading a file in the drop box is refused"
fi
check "nothing was read" test ! -s "$WORK/cat.out"
g mount -u "$DAV" >/dev/null 2>&1 || true
