#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# rclone's WebDAV backend (vendor "other", the generic RFC 4918 client) as a
# client of a share: it copies the whole folder down byte-identically,
# uploads a folder, and renames and deletes files.
. "$(dirname "$0")/lib.sh"
in_private_session "$@"

need_tool rclone rclone
need_tool diff diffutils
start_hallway

# A connection-string remote: no rclone.conf is read or written (--config "").
REMOTE=":webdav,url='$SHARE_URL',vendor=other:"
rc() {
  timeout 120 rclone --config "" --no-check-certificate --low-level-retries 1 --retries 1 \
    "$@"
}

# Download everything, empty folder included.
if rc copy "$REMOTE" "$WORK/down" --create-empty-src-dirs >"$WORK/rclone-copy.log" 2>&1; then
  ok "rclone copy of the whole share"
else
  not_ok "rclone copy of the whole share"
fi
if out=$(diff -r "$SHARE_DIR" "$WORK/down" 2>&1); then
  ok "the copy is identical to the shared folder (diff -r)"
else
  not_ok "the copy is identical to the shared folder (diff -r)"
  printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
fi
check "the empty file came down empty" test -f "$WORK/down/empty.txt" -a ! -s "$WORK/down/empty.txt"
check "the empty folder came down" test -d "$WORK/down/Empty folder"
check "rclone check --download finds no difference" \
  rc check --download "$SHARE_DIR" "$REMOTE"

# rclone lsjson sees names and sizes as they are on disk.
sizes=$(rc lsjson -R --files-only "$REMOTE" | jq -r '.[] | "\(.Path)\t\(.Size)"' |
  LC_ALL=C sort) || true
want=$(cd "$SHARE_DIR" && for f in "${FIXTURE_FILES[@]}"; do
  printf '%s\t%s\n' "$f" "$(stat -c %s "$f")"
done | LC_ALL=C sort)
expect_eq "rclone lsjson -R lists every file with its size" "$want" "$sizes"

# Upload a folder.
up=$WORK/upload
mkdir -p "$up/Sous-dossier/encore" "$up/vide"
printf 'Grüße\n' >"$up/Grüße.txt"
head -c $((2 * 1024 * 1024 + 3)) /dev/urandom >"$up/Sous-dossier/data 2 MiB.bin"
: >"$up/Sous-dossier/encore/zero.txt"
printf '%s\n' "semi;colon, comma+plus=equals" >"$up/Sous-dossier/odd;name+=,.txt"
if rc copy "$up" "${REMOTE}From rclone" --create-empty-src-dirs >"$WORK/rclone-up.log" 2>&1; then
  ok "rclone copy uploads a folder"
else
  not_ok "rclone copy uploads a folder"
fi
if out=$(diff -r "$up" "$SHARE_DIR/From rclone" 2>&1); then
  ok "the uploaded folder landed on disk identical (diff -r)"
else
  not_ok "the uploaded folder landed on disk identical (diff -r)"
  printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
fi

# Server-side rename (MOVE), copy (COPY) and delete.
check "rclone moveto renames a file" \
  rc moveto "${REMOTE}From rclone/Grüße.txt" "${REMOTE}From rclone/Salut.txt"
check "the rename is on disk" \
  test -f "$SHARE_DIR/From rclone/Salut.txt" -a ! -e "$SHARE_DIR/From rclone/Grüße.txt"
check "rclone copyto copies a file on the server" \
  rc copyto "${REMOTE}From rclone/Salut.txt" "${REMOTE}From rclone/Salut 2.txt"
check "the server-side copy is identical" cmp "$up/Grüße.txt" "$SHARE_DIR/From rclone/Salut 2.txt"
check "rclone deletefile" rc deletefile "${REMOTE}From rclone/Salut 2.txt"
check "the deleted file is gone from disk" test ! -e "$SHARE_DIR/From rclone/Salut 2.txt"
check "rclone purge removes a folder tree" rc purge "${REMOTE}From rclone"
check "the folder tree is gone from disk" test ! -e "$SHARE_DIR/From rclone"
