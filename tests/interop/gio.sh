#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# GNOME's gvfs as a client of a share: what GNOME Files does when someone
# opens davs://… — mount, list, download, upload, rename, delete.
#
# gvfs asks whether to trust Hallway's self-signed certificate ("The site's
# identity can't be verified … Are you really sure you would like to
# continue? [1] Yes [2] No"); `gio mount` reads the answer from stdin, so
# "1" is piped in. Later gio commands reuse the mount without asking.
. "$(dirname "$0")/lib.sh"
in_private_session "$@"

need_gvfs
need_tool cmp diffutils
start_hallway

DAV=davs://127.0.0.1:$PORT$SHARE_PATH
dav() {   # dav RELATIVE-PATH: the davs:// URI of a path in the share
  printf '%s%s' "$DAV" "$(urlpath "$1")"
}

# Mount, accepting the certificate.
if printf '1\n' | g mount "$DAV" >"$WORK/gio-mount.log" 2>&1; then
  ok "gio mount $DAV (certificate accepted through stdin)"
else
  not_ok "gio mount $DAV"
  sed 's/^/#   /' "$WORK/gio-mount.log"
  exit 1
fi
check "gvfs asked about the self-signed certificate" \
  grep -q "Are you really sure you would like to continue" "$WORK/gio-mount.log"
mounted() { g mount -l 2>/dev/null | grep -qF "davs://127.0.0.1:$PORT/"; }
check "gio mount -l lists the mount" mounted

# Listing of the root and of a nested folder.
expected=$(printf '%s\n' "${FIXTURE_TOP[@]}" | LC_ALL=C sort)
got=$(g list "$DAV" 2>"$WORK/gio-list.log" | LC_ALL=C sort) || true
expect_eq "gio list shows the share's root" "$expected" "$got"
got=$(g list "$(dav "Nested folder")/" 2>>"$WORK/gio-list.log" | LC_ALL=C sort) || true
expect_eq "gio list of a nested folder" "$(printf '%s\n' deeper 'notes with spaces.txt')" "$got"
got=$(g list "$(dav "Empty folder")/" 2>>"$WORK/gio-list.log") || true
expect_eq "gio list of an empty folder is empty" "" "$got"

got=$(g info -a standard::size,standard::type "$(dav "$BIG_FILE")" 2>/dev/null |
  awk '/standard::size:/ {print $2}') || true
expect_eq "gio info gives the 3 MiB file's size" "$BIG_SIZE" "$got"
got=$(g info -a standard::type "$(dav "Nested folder")" 2>/dev/null |
  awk '/standard::type:/ {print $2}') || true
expect_eq "gio info sees a folder as a directory (type 2)" 2 "$got"

# Downloads are byte-identical.
mkdir -p "$WORK/down"
for f in "${FIXTURE_FILES[@]}"; do
  out="$WORK/down/$(basename "$f")"
  rm -f "$out"
  if g copy "$(dav "$f")" "$out" 2>"$WORK/gio-copy.log" && cmp -s "$SHARE_DIR/$f" "$out"; then
    ok "gio copy ‘$f’ is byte-identical"
  else
    not_ok "gio copy ‘$f’ is byte-identical"
    sed 's/^/#   /' "$WORK/gio-copy.log"
  fi
done

# Uploads, a new folder, rename and delete land on the sharer's disk.
head -c $((1024 * 1024 + 7)) /dev/urandom >"$WORK/upload.bin"
printf 'déjà vu\n' >"$WORK/Été.txt"
check "gio mkdir makes a folder" g mkdir "$(dav "From gio")"
check "the new folder is on disk" test -d "$SHARE_DIR/From gio"
check "gio copy uploads a 1 MiB file" g copy "$WORK/upload.bin" "$(dav "From gio/upload.bin")"
check "the upload is byte-identical on disk" cmp "$WORK/upload.bin" "$SHARE_DIR/From gio/upload.bin"
check "gio copy uploads a file with a unicode name" \
  g copy "$WORK/Été.txt" "$(dav "From gio/Été.txt")"
check "it is byte-identical on disk" cmp "$WORK/Été.txt" "$SHARE_DIR/From gio/Été.txt"
check "gio copy overwrites an existing file" \
  g copy "$WORK/Été.txt" "$(dav "From gio/upload.bin")"
check "the overwritten file has the new content" \
  cmp "$WORK/Été.txt" "$SHARE_DIR/From gio/upload.bin"
check "gio rename" g rename "$(dav "From gio/Été.txt")" "Automne.txt"
check "the renamed file is on disk under its new name" \
  test -f "$SHARE_DIR/From gio/Automne.txt" -a ! -e "$SHARE_DIR/From gio/Été.txt"
check "gio move into a subfolder" \
  g move "$(dav "From gio/Automne.txt")" "$(dav "Nested folder/Automne.txt")"
check "the moved file is on disk" cmp "$WORK/Été.txt" "$SHARE_DIR/Nested folder/Automne.txt"
check "gio remove deletes a file" g remove "$(dav "Nested folder/Automne.txt")"
check "the file is gone from disk" test ! -e "$SHARE_DIR/Nested folder/Automne.txt"
remove_folder() { g remove "$(dav "From gio/upload.bin")" && g remove "$(dav "From gio")"; }
check "gio remove deletes a file, then its empty folder" remove_folder
check "the folder is gone from disk" test ! -e "$SHARE_DIR/From gio"

check "gio mount -u unmounts" g mount -u "$DAV"
check "the mount is gone" wait_until 10 eval '! mounted'
