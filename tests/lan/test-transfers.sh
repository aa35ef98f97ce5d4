#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copying from a colleague: b downloads from a's shares with hallwayctl get.
# A tree of awkward names arrives byte-identical, in one folder stream; a
# large file survives a
# SIGKILL of the serving hallwayd, of the receiving one, and a cut link,
# each time continuing where it stopped and checking the pieced-together
# file against a's SHA-256 (a spoilt part file is caught and the file
# redone); a half-copied file is never seen under its real name; nothing is
# overwritten; cancel and a full disk leave nothing behind.
. "$(dirname "$0")/lib.sh"

lan_up 2
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
check "b sees a" ctl b peers --wait 1 --timeout 20

XB=$("$L" xdg b)

# The tree: unicode, spaces, empty file and folder, deep nesting, a sparse file.
TREE="$WORK/tree"
mkdir -p "$TREE/Ünïcødé — dossier/with spaces" "$TREE/empty folder"
deep="$TREE/deep"
for i in 1 2 3 4 5 6 7 8 9 10; do deep="$deep/level $i"; done
mkdir -p "$deep"
printf 'bottom of the well\n' >"$deep/bottom.txt"
printf 'héllo wörld\n' >"$TREE/Ünïcødé — dossier/naïve café.txt"
printf 'spaced out\n' >"$TREE/Ünïcødé — dossier/with spaces/a file with spaces.txt"
: >"$TREE/empty.txt"
truncate -s 100M "$TREE/sparse.img"
head -c 3M /dev/urandom >"$TREE/report.pdf"
head -c 1M /dev/urandom >"$TREE/archive.tar.gz"

# The big file for the interruption tests, in a share of its own.
mkdir -p "$WORK/big"
head -c 300M /dev/urandom >"$WORK/big/big.bin"
BIG_SIZE=$(stat -c %s "$WORK/big/big.bin")
head -c 30M /dev/urandom >"$WORK/big/medium.bin"

ctl a share add "$TREE" --name Tree --audience everyone >/dev/null || not_ok "a shares Tree"
ctl a share add "$WORK/big" --name Big --audience everyone >/dev/null || not_ok "a shares Big"
check "b sees a's shares" \
  wait_until 20 bash -c "ctl b info 'Alice Martin' --json | jq -e '.shared_folders | length == 2'"

# A newcomer's first steps: the start of a name finds the neighbour; a
# missing file is said plainly, without a transfer id or empty progress.
check "‘info Alice’ finds “Alice Martin”" \
  bash -c "ctl b info Alice --json | jq -e '.name == \"Alice Martin\"'"
out=$(ctl b info Martin 2>&1); rc=$?
check "a name not quite right is refused with a suggestion" \
  test "$rc" = 1 -a -n "$(grep -F 'Did you mean “Alice Martin”?' <<<"$out")"
out=$(ctl b get "Alice Martin/Tree/nope.txt" --to "$WORK/dl-nope" --wait 2>&1); rc=$?
note "get nope.txt: $out"
check "getting a missing file fails" test "$rc" = 1
check "and says it is not there" grep -qF 'There is no “nope.txt” in “Tree”' <<<"$out"
check "not that it is not there “any more”" bash -c '! grep -q "any more" <<<"$1"' _ "$out"
check "without a bare transfer id or “0 bytes of 0 bytes” first" \
  bash -c '! grep -qxE "[0-9]+|.*0 bytes of 0 bytes.*" <<<"$1"' _ "$out"

transfer_field() {   # HOST ID FIELD
  ctl "$1" transfers --json | jq -r --arg i "$2" --arg f "$3" '.[] | select(.id == $i) | .[$f]'
}
transfer_is() {      # HOST ID FIELD VALUE
  [ "$(transfer_field "$1" "$2" "$3")" = "$4" ]
}
transfer_mid_file() {   # HOST ID: some bytes, not all
  ctl "$1" transfers --json |
    jq -e --arg i "$2" \
      '.[] | select(.id == $i) | .bytes > 0 and .bytes < .total and .state == "running"'
}
export -f transfer_field transfer_is transfer_mid_file

# 1. The whole tree, byte for byte.
out=$(ctl b get "Alice Martin/Tree" --to "$WORK/dl-tree" --wait 2>&1); rc=$?
note "get --wait: $(tail -n 1 <<<"$out")"
check "b copies the tree (get --wait exits 0)" test "$rc" = 0
if diff -r "$TREE" "$WORK/dl-tree/Tree" >"$WORK/diff.log" 2>&1; then
  ok "the tree arrived byte-identical (unicode, spaces, empty, deep, sparse)"
else
  not_ok "the tree arrived byte-identical: $(head -c 400 "$WORK/diff.log")"
fi
check "the empty folder arrived" test -d "$WORK/dl-tree/Tree/empty folder"
check "the tree came in one folder stream (GET …?bulk=1)" \
  grep -q "the folder stream is complete" "$WORK/hallwayd-b.log"
note "TLS: $(grep -o 'folder stream over [A-Za-z0-9_-]*' "$WORK/hallwayd-b.log" | head -n 1)"
check "no part file is left" test -z "$(find "$WORK/dl-tree" -name '*.hallway-part')"
check "the queue file is private (0600)" \
  test "$(stat -c %a "$XB/state/hallway/transfers.json")" = 600

# 2. Nothing is overwritten: the same file twice, and a folder merged.
ctl b get "Alice Martin/Tree/report.pdf" --to "$WORK/dl-dup" --wait >/dev/null 2>&1
before=$(stat -c '%i %Y %s' "$WORK/dl-dup/report.pdf" 2>/dev/null)
ctl b get "Alice Martin/Tree/report.pdf" --to "$WORK/dl-dup" --wait >/dev/null 2>&1
check "a second copy becomes “report (2).pdf”" cmp "$TREE/report.pdf" "$WORK/dl-dup/report (2).pdf"
check "the first copy is untouched" \
  test "$(stat -c '%i %Y %s' "$WORK/dl-dup/report.pdf")" = "$before"
ctl b get "Alice Martin/Tree/archive.tar.gz" --to "$WORK/dl-dup" --wait >/dev/null 2>&1
ctl b get "Alice Martin/Tree/archive.tar.gz" --to "$WORK/dl-dup" --wait >/dev/null 2>&1
check "“archive.tar.gz” twice gives “archive (2).tar.gz”" test -f "$WORK/dl-dup/archive (2).tar.gz"
printf 'mine\n' >"$WORK/dl-tree/Tree/empty.txt"
ctl b get "Alice Martin/Tree" --to "$WORK/dl-tree" --wait >/dev/null 2>&1
check "a folder copied again merges without overwriting" \
  bash -c "grep -q mine '$WORK/dl-tree/Tree/empty.txt' &&
    test -f '$WORK/dl-tree/Tree/empty (2).txt' && test ! -e '$WORK/dl-tree/Tree (2)'"

# From here on the link to b is throttled, so transfers can be caught mid-file.
"$L" exec switch -- tc qdisc add dev veth-b root tbf rate 500mbit burst 256k latency 50ms ||
  not_ok "throttle the link with tc"

# A watcher: a file under its final name must always be complete.
watch_final() {   # DIR NAME SIZE
  while :; do
    if [ -e "$1/$2" ] && [ "$(stat -c %s "$1/$2" 2>/dev/null)" != "$3" ]; then
      echo "$1/$2 visible at $(stat -c %s "$1/$2" 2>/dev/null) bytes" >>"$WORK/violations"
    fi
    sleep 0.05
  done
}

# start_big DIR: starts copying big.bin into DIR, prints the transfer id.
start_big() {
  mkdir -p "$1"
  ctl b get "Alice Martin/Big/big.bin" --to "$1"
}

# 3. SIGKILL of the serving hallwayd mid-file.
watch_final "$WORK/dl-kill-a" big.bin "$BIG_SIZE" & WATCHER=$!
id=$(start_big "$WORK/dl-kill-a")
check "the copy gets going" wait_until 30 transfer_mid_file b "$id"
stop_daemon a KILL
check "no file under its final name yet" test ! -e "$WORK/dl-kill-a/big.bin"
check "a part file holds what arrived" test -s "$WORK/dl-kill-a/.big.bin.hallway-part"
check "the transfer waits for a" wait_until 20 transfer_is b "$id" state waiting
note "while waiting: $(transfer_field b "$id" error)"
start_daemon a "Alice Martin" || exit 1
check "it finishes once a is back" wait_until 60 transfer_is b "$id" state done
check "the file is byte-identical after a's SIGKILL" \
  cmp "$WORK/big/big.bin" "$WORK/dl-kill-a/big.bin"
check "the resumed file was verified against a's SHA-256" transfer_is b "$id" verified 1
check "no part file is left" test ! -e "$WORK/dl-kill-a/.big.bin.hallway-part"
kill "$WATCHER" 2>/dev/null; wait "$WATCHER" 2>/dev/null

# 4. SIGKILL of the receiving hallwayd mid-file: it continues by itself.
watch_final "$WORK/dl-kill-b" big.bin "$BIG_SIZE" & WATCHER=$!
id=$(start_big "$WORK/dl-kill-b")
check "the copy gets going" wait_until 30 transfer_mid_file b "$id"
stop_daemon b KILL
part_size=$(stat -c %s "$WORK/dl-kill-b/.big.bin.hallway-part" 2>/dev/null || echo 0)
check "no file under its final name yet" test ! -e "$WORK/dl-kill-b/big.bin"
check "a part file holds what arrived ($part_size bytes)" test "$part_size" -gt 0
start_daemon b "Bruno Costa" || exit 1
check "the restarted hallwayd resumes the saved transfer" \
  wait_until 60 transfer_is b "$id" state done
check "the file is byte-identical after b's SIGKILL" \
  cmp "$WORK/big/big.bin" "$WORK/dl-kill-b/big.bin"
check "the resumed file was verified against a's SHA-256 (after b's restart)" \
  transfer_is b "$id" verified 1
if grep -q "resuming a file from its part file" "$WORK/hallwayd-b.log"; then
  ok "it continued from the part file rather than starting over"
else
  not_ok "it continued from the part file rather than starting over"
fi
kill "$WATCHER" 2>/dev/null; wait "$WATCHER" 2>/dev/null

# 4b. A resumed copy that differs from the original is caught and redone:
# b is killed mid-file and the start of its part file spoiled (same size),
# so the pieced-together file fails the SHA-256 check.
id=$(start_big "$WORK/dl-spoilt")
check "the copy gets going" wait_until 30 transfer_mid_file b "$id"
stop_daemon b KILL
part="$WORK/dl-spoilt/.big.bin.hallway-part"
check "a part file holds what arrived" test -s "$part"
dd if=/dev/zero of="$part" bs=4096 count=16 conv=notrunc status=none
start_daemon b "Bruno Costa" || exit 1
check "the spoilt copy still ends done" wait_until 90 transfer_is b "$id" state done
check "and byte-identical: the mismatch redid the file" \
  cmp "$WORK/big/big.bin" "$WORK/dl-spoilt/big.bin"
if grep -q "does not match the original" "$WORK/hallwayd-b.log"; then
  ok "the mismatch was noticed"
else
  not_ok "the mismatch was noticed"
fi
check "no part file is left" test ! -e "$part"

# 5. The link is cut mid-file, then restored.
watch_final "$WORK/dl-cut" big.bin "$BIG_SIZE" & WATCHER=$!
id=$(start_big "$WORK/dl-cut")
check "the copy gets going" wait_until 30 transfer_mid_file b "$id"
"$L" link a isolate
check "the transfer waits while the link is cut" wait_until 30 transfer_is b "$id" state waiting
check "no file under its final name yet" test ! -e "$WORK/dl-cut/big.bin"
"$L" link a join
check "it finishes once the link is back" wait_until 90 transfer_is b "$id" state done
check "the file is byte-identical after the cut" cmp "$WORK/big/big.bin" "$WORK/dl-cut/big.bin"
kill "$WATCHER" 2>/dev/null; wait "$WATCHER" 2>/dev/null

if [ -s "$WORK/violations" ]; then
  not_ok "no partial file was ever visible under its final name: $(head -n 3 "$WORK/violations")"
else
  ok "no partial file was ever visible under its final name"
fi

# 5b. SIGKILL of the receiving hallwayd in the middle of a folder stream:
# after the restart every file is there, byte-identical, and no part file
# is left. (A file renamed in the instant before the kill, before the queue
# recorded it, may arrive a second time as "name (2)": never lost.)
mkdir -p "$WORK/many"
for i in $(seq -w 1 400); do head -c 256K /dev/urandom >"$WORK/many/file $i.bin"; done
ctl a share add "$WORK/many" --name Many --audience everyone >/dev/null || not_ok "a shares Many"
check "b sees the new share" \
  wait_until 20 bash -c "ctl b info 'Alice Martin' --json | jq -e '.shared_folders | length == 3'"
id=$(ctl b get "Alice Martin/Many" --to "$WORK/dl-many")
# Killed once a first batch is in place and the rest is still coming.
check "the folder copy places a first batch" \
  wait_until 30 bash -c "ctl b transfers --json | jq -e --arg i '$id' \
    '.[] | select(.id == \$i) | .files_done > 0 and .files_done < .files and .state == \"running\"'"
stop_daemon b KILL
note "killed with $(find "$WORK/dl-many" -type f ! -name '*.hallway-part' | wc -l)" \
  "of 400 files placed"
start_daemon b "Bruno Costa" || exit 1
check "the restarted hallwayd finishes the folder" wait_until 90 transfer_is b "$id" state done
missing=0
for f in "$WORK/many"/*; do
  cmp -s "$f" "$WORK/dl-many/Many/$(basename "$f")" || missing=$((missing + 1))
done
check "every file arrived byte-identical after b's SIGKILL mid-stream ($missing differ)" \
  test "$missing" = 0
check "no part file is left after the folder stream" \
  test -z "$(find "$WORK/dl-many" -name '*.hallway-part')"
note "copies made twice: $(find "$WORK/dl-many" -name '* (2).bin' | wc -l)"

# 6. Cancel leaves nothing behind.
id=$(start_big "$WORK/dl-cancel")
check "the copy gets going" wait_until 30 transfer_mid_file b "$id"
check "cancel succeeds" ctl b cancel "$id"
check "the transfer is cancelled" wait_until 10 transfer_is b "$id" state cancelled
check "cancel leaves nothing behind" test -z "$(ls -A "$WORK/dl-cancel")"

# 7. Not enough space: refused before starting, in plain words.
mkdir -p "$WORK/small"
"$L" exec b -- mount -t tmpfs -o size=8m tmpfs "$WORK/small"
out=$(ctl b get "Alice Martin/Big/big.bin" --to "$WORK/small" --wait 2>&1); rc=$?
note "full disk: $(tail -n 1 <<<"$out")"
check "a copy too big for the disk fails" test "$rc" = 1
check "and says so in plain words" grep -q "Not enough space in .*: needs .*, .* free" <<<"$out"
check "nothing is left on the small disk" test -z "$("$L" exec b -- ls -A "$WORK/small")"

# 8. The disk fills up mid-file: a clear error, no part file, no final file.
"$L" exec switch -- tc qdisc change dev veth-b root tbf rate 40mbit burst 256k latency 50ms
mkdir -p "$WORK/filling"
"$L" exec b -- mount -t tmpfs -o size=40m tmpfs "$WORK/filling"
id=$(ctl b get "Alice Martin/Big/medium.bin" --to "$WORK/filling")
if wait_until 20 transfer_mid_file b "$id"; then
  "$L" exec b -- sh -c "head -c 30M /dev/zero >'$WORK/filling/filler' 2>/dev/null"
  check "running out of space mid-file fails the copy" \
    wait_until 30 transfer_is b "$id" state failed
  note "disk full: $(transfer_field b "$id" error)"
  check "with a plain message" bash -c "transfer_field b '$id' error | grep -q 'Not enough space'"
  check "and no part or partial file" \
    test "$("$L" exec b -- ls -A "$WORK/filling")" = filler
else
  not_ok "the copy onto the filling disk gets going"
fi
"$L" exec switch -- tc qdisc del dev veth-b root 2>/dev/null

check "the saved queue holds no finished transfer" \
  jq -e '.transfers | length == 0' "$XB/state/hallway/transfers.json"
