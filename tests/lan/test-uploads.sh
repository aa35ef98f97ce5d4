#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copying to a colleague: b uploads into a's shares with hallwayctl put.
# A tree of awkward names arrives byte-identical; a read-only share says
# so plainly; nothing is overwritten; a SIGKILL of the receiving hallwayd
# mid-file never leaves a partial file under its real name, and the upload
# finishes once it is back (the file is sent again from its start).
. "$(dirname "$0")/lib.sh"

lan_up 2
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
check "b sees a" ctl b peers --wait 1 --timeout 20

# What b sends.
TREE="$WORK/tree"
mkdir -p "$TREE/Ünïcødé — dossier/nested/deeper" "$TREE/empty folder"
printf 'héllo wörld\n' >"$TREE/Ünïcødé — dossier/naïve café.txt"
printf 'bottom\n' >"$TREE/Ünïcødé — dossier/nested/deeper/bottom.txt"
: >"$TREE/empty.txt"
head -c 3M /dev/urandom >"$TREE/report.pdf"
mkdir -p "$WORK/big"
head -c 200M /dev/urandom >"$WORK/big/big.bin"
BIG_SIZE=$(stat -c %s "$WORK/big/big.bin")

# What a shares: a writable inbox and a read-only folder.
mkdir -p "$WORK/inbox" "$WORK/readonly"
printf 'keep me\n' >"$WORK/readonly/notes.txt"
ctl a share add "$WORK/inbox" --name Inbox --access read-write --audience everyone >/dev/null ||
  not_ok "a shares Inbox read-write"
ctl a share add "$WORK/readonly" --name Library --access read-only --audience everyone >/dev/null ||
  not_ok "a shares Library read-only"
check "b sees a's shares" \
  wait_until 20 bash -c "ctl b info 'Alice Martin' --json | jq -e '.shared_folders | length == 2'"

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

# 1. A tree, byte for byte.
out=$(ctl b put "$TREE" "Alice Martin/Inbox" --wait 2>&1); rc=$?
note "put --wait: $(tail -n 1 <<<"$out")"
check "b uploads the tree (put --wait exits 0)" test "$rc" = 0
if diff -r "$TREE" "$WORK/inbox/tree" >"$WORK/diff.log" 2>&1; then
  ok "the tree arrived byte-identical (unicode, empty file and folder, nesting)"
else
  not_ok "the tree arrived byte-identical: $(head -c 400 "$WORK/diff.log")"
fi
check "the transfer says it is an upload" \
  bash -c "ctl b transfers --json | jq -e '.[0].kind == \"upload\"'"
check "and the table says it went to Alice, not from her" \
  bash -c "ctl b transfers | grep -q 'to Alice Martin'"
check "no part file is left on a" test -z "$(find "$WORK/inbox" -name '*.hallway-part')"

# 2. Into a subfolder, twice: the second copy becomes "report (2).pdf".
mkdir -p "$WORK/inbox/Reports"
ctl b put "$TREE/report.pdf" "Alice Martin/Inbox/Reports" --wait >/dev/null 2>&1
before=$(stat -c '%i %Y %s' "$WORK/inbox/Reports/report.pdf" 2>/dev/null)
ctl b put "$TREE/report.pdf" "Alice Martin/Inbox/Reports" --wait >/dev/null 2>&1
check "a second upload becomes “report (2).pdf”" \
  cmp "$TREE/report.pdf" "$WORK/inbox/Reports/report (2).pdf"
check "the first copy is untouched" \
  test "$(stat -c '%i %Y %s' "$WORK/inbox/Reports/report.pdf")" = "$before"
printf 'theirs\n' >"$WORK/inbox/tree/empty.txt"
ctl b put "$TREE" "Alice Martin/Inbox" --wait >/dev/null 2>&1
check "a folder uploaded again merges without overwriting" \
  bash -c "grep -q theirs '$WORK/inbox/tree/empty.txt' &&
    test -f '$WORK/inbox/tree/empty (2).txt' && test ! -e '$WORK/inbox/tree (2)'"

# 3. A read-only share refuses, in plain words.
out=$(ctl b put "$TREE/report.pdf" "Alice Martin/Library" --wait 2>&1); rc=$?
note "read-only: $(tail -n 1 <<<"$out")"
check "uploading into a read-only share fails" test "$rc" = 1
check "and says the share is read-only" grep -q "read-only" <<<"$out"
check "nothing arrived in the read-only share" test "$(ls -A "$WORK/readonly")" = notes.txt

# 4. SIGKILL of the receiving hallwayd mid-file.
"$L" exec switch -- tc qdisc add dev veth-a root tbf rate 300mbit burst 256k latency 50ms ||
  not_ok "throttle the link with tc"
watch_final() {   # DIR NAME SIZE
  while :; do
    if [ -e "$1/$2" ] && [ "$(stat -c %s "$1/$2" 2>/dev/null)" != "$3" ]; then
      echo "$1/$2 visible at $(stat -c %s "$1/$2" 2>/dev/null) bytes" >>"$WORK/violations"
    fi
    sleep 0.05
  done
}
watch_final "$WORK/inbox" big.bin "$BIG_SIZE" & WATCHER=$!
id=$(ctl b put "$WORK/big/big.bin" "Alice Martin/Inbox")
check "the upload gets going" wait_until 30 transfer_mid_file b "$id"
stop_daemon a KILL
check "no file under its final name on a" test ! -e "$WORK/inbox/big.bin"
check "the upload waits for a" wait_until 20 transfer_is b "$id" state waiting
note "while waiting: $(transfer_field b "$id" error)"
start_daemon a "Alice Martin" || exit 1
check "it finishes once a is back" wait_until 90 transfer_is b "$id" state done
check "the file is byte-identical after a's SIGKILL" cmp "$WORK/big/big.bin" "$WORK/inbox/big.bin"
check "it was not stored twice" test ! -e "$WORK/inbox/big (2).bin"
kill "$WATCHER" 2>/dev/null; wait "$WATCHER" 2>/dev/null
"$L" exec switch -- tc qdisc del dev veth-a root 2>/dev/null
if [ -s "$WORK/violations" ]; then
  not_ok "no partial file was ever visible under its final name: $(head -n 3 "$WORK/violations")"
else
  ok "no partial file was ever visible under its final name"
fi

check "the saved queue holds no finished transfer" \
  jq -e '.transfers | length == 0' "$("$L" xdg b)/state/hallway/transfers.json"
