#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Upload streams: b copies whole trees into a's shares with hallwayctl put,
# each in one streamed request. A tree of awkward names (more files than
# one batch) arrives byte-identical; a SIGKILL of the receiving and of
# the sending hallwayd mid-stream each ends byte-identical once it is
# back, with no part file left, no copy twice ("name (2)") and nothing
# partial ever under a final name; a cancelled upload leaves no part file;
# a disk filling up mid-stream gives b a plain error and leaves nothing
# corrupt. Then a hostile computer (curl and a certificate of its own)
# sends streams with names that climb out, hidden or part names, a link
# out of the share, names out of order, a lie about a size and a stream
# cut short: each is refused and nothing is written, while a well-formed
# one of the same kind is taken.
. "$(dirname "$0")/lib.sh"

PUSH_STREAM="$LAN_DIR/bulk-stream.py"

lan_up 2
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
check "b sees a" ctl b peers --wait 1 --timeout 20

mkdir -p "$WORK/inbox" "$WORK/outside" "$WORK/small"
ctl a share add "$WORK/inbox" --name Inbox --access read-write --audience everyone >/dev/null ||
  not_ok "a shares Inbox read-write"
check "b sees a's share" \
  wait_until 20 bash -c "ctl b info 'Alice Martin' --json | jq -e '.shared_folders | length == 1'"

transfer_field() {   # HOST ID FIELD
  ctl "$1" transfers --json | jq -r --arg i "$2" --arg f "$3" '.[] | select(.id == $i) | .[$f]'
}
transfer_is() {      # HOST ID FIELD VALUE
  [ "$(transfer_field "$1" "$2" "$3")" = "$4" ]
}
transfer_past() {    # HOST ID FRACTION: running, and that much of it sent
  ctl "$1" transfers --json |
    jq -e --arg i "$2" --argjson f "$3" \
      '.[] | select(.id == $i) | .state == "running" and .bytes > .total * $f'
}
export -f transfer_field transfer_is transfer_past

# leftovers DIR: part files, upload state, second copies, on a
leftovers() {
  "$L" exec a -- find "$1" \( -name '*hallway-part*' -o -name '* (2)*' \) -print
}
streamed() {   # how many uploads went as one stream, in b's log
  grep -c 'in one upload stream' "$WORK/hallwayd-b.log"
}

# A tree with awkward names, more files than one batch (1,024).
make_tree() {   # DIR FILES SIZE
  mkdir -p "$1/Ünïcødé — dossier/nested/deeper" "$1/empty folder" "$1/with space" \
    "$1/many"
  printf 'héllo wörld\n' >"$1/Ünïcødé — dossier/naïve café.txt"
  printf 'bottom\n' >"$1/Ünïcødé — dossier/nested/deeper/bottom.txt"
  printf 'q\n' >"$1/with space/it's \"quoted\" & (odd) #1.txt"
  printf 'e\n' >"$1/日本語のファイル.txt"
  : >"$1/empty.txt"
  head -c "$3" /dev/urandom >"$1/seed"
  for i in $(seq -w 1 "$2"); do
    cp "$1/seed" "$1/many/f$i.bin"
  done
  rm "$1/seed"
}

# 1. A tree, byte for byte, in one stream.
make_tree "$WORK/tree" 1500 4096
before=$(streamed)
out=$(ctl b put "$WORK/tree" "Alice Martin/Inbox" --wait 2>&1); rc=$?
note "put --wait: $(tail -n 1 <<<"$out")"
check "b uploads the tree (put --wait exits 0)" test "$rc" = 0
if diff -r "$WORK/tree" "$WORK/inbox/tree" >"$WORK/diff.log" 2>&1; then
  ok "the tree arrived byte-identical (1,505 files, unicode, quotes, empty file and folder)"
else
  not_ok "the tree arrived byte-identical: $(head -c 400 "$WORK/diff.log")"
fi
check "it went as one upload stream" test "$(streamed)" = $((before + 1))
check "no part file or upload state is left on a" test -z "$(leftovers "$WORK/inbox")"

# Watches a's copy for a file under its final name with other bytes than
# the original's (checked by size: every file of the tree has its own).
watch_final() {   # SRC DST
  while :; do
    find "$2" -type f -name '*.bin' 2>/dev/null | while read -r f; do
      rel=${f#"$2"/}
      [ "$(stat -c %s "$f" 2>/dev/null)" = "$(stat -c %s "$1/$rel" 2>/dev/null)" ] ||
        echo "$rel visible at $(stat -c %s "$f" 2>/dev/null) bytes" >>"$WORK/violations"
    done
    sleep 0.1
  done
}

# 2. SIGKILL of the receiving hallwayd mid-stream, batches already placed.
make_tree "$WORK/tree2" 3000 16384
head -c 64M /dev/urandom >"$WORK/tree2/many/z-big.bin"
"$L" exec switch -- tc qdisc add dev veth-a root tbf rate 200mbit burst 256k latency 50ms ||
  not_ok "throttle the link with tc"
watch_final "$WORK/tree2" "$WORK/inbox/tree2" & WATCHER=$!
id=$(ctl b put "$WORK/tree2" "Alice Martin/Inbox")
check "the upload gets going" wait_until 60 transfer_past b "$id" 0.55
stop_daemon a KILL
check "the upload waits for a" wait_until 20 transfer_is b "$id" state waiting
placed=$(find "$WORK/inbox/tree2/many" -name 'f*.bin' | wc -l)
note "files under their names when a was killed: $placed"
check "whole batches were placed before the kill" test "$placed" -ge 1024
start_daemon a "Alice Martin" || exit 1
check "it finishes once a is back" wait_until 120 transfer_is b "$id" state done
check "the tree is byte-identical after a's SIGKILL" diff -r "$WORK/tree2" "$WORK/inbox/tree2"
check "nothing was stored twice, no part file or upload state is left" \
  test -z "$(leftovers "$WORK/inbox")"
grep -q "tree2.*upload stream" "$WORK/hallwayd-b.log" || true

# 3. SIGKILL of the sending hallwayd mid-stream: it continues at its restart.
mkdir -p "$WORK/inbox/again"
id=$(ctl b put "$WORK/tree2" "Alice Martin/Inbox/again")
kill "$WATCHER" 2>/dev/null; wait "$WATCHER" 2>/dev/null
watch_final "$WORK/tree2" "$WORK/inbox/again/tree2" & WATCHER=$!
check "the second upload gets going" wait_until 60 transfer_past b "$id" 0.55
stop_daemon b KILL
check "a drops what it had not placed" \
  wait_until 20 bash -c "test -z \"\$(find '$WORK/inbox/again' -name '*hallway-part-push*')\""
start_daemon b "Bruno Costa" || exit 1
check "it finishes once b is back" wait_until 120 transfer_is b "$id" state done
check "the tree is byte-identical after b's SIGKILL" \
  diff -r "$WORK/tree2" "$WORK/inbox/again/tree2"
check "nothing was stored twice, no part file or upload state is left" \
  test -z "$(leftovers "$WORK/inbox")"
kill "$WATCHER" 2>/dev/null; wait "$WATCHER" 2>/dev/null
if [ -s "$WORK/violations" ]; then
  not_ok "no partial file was ever visible under its final name: $(head -n 3 "$WORK/violations")"
else
  ok "no partial file was ever visible under its final name"
fi

# 4. Cancel mid-stream: no part file stays.
mkdir -p "$WORK/inbox/cancelled"
id=$(ctl b put "$WORK/tree2" "Alice Martin/Inbox/cancelled")
check "the third upload gets going" wait_until 60 transfer_past b "$id" 0.2
check "b cancels it" ctl b cancel "$id"
check "no part file is left after the cancel" \
  wait_until 20 bash -c "test -z \"\$(find '$WORK/inbox/cancelled' -name '*hallway-part*')\""
note "left after the cancel: $(find "$WORK/inbox/cancelled" -name '*hallway-part*' | head -n 3)"
"$L" exec switch -- tc qdisc del dev veth-a root 2>/dev/null

# 5. The disk fills up mid-stream: a plain error, nothing corrupt.
"$L" exec a -- mount -t tmpfs -o size=24m tmpfs "$WORK/small" || not_ok "mount a small disk on a"
ctl a share add "$WORK/small" --name Small --access read-write --audience everyone >/dev/null ||
  not_ok "a shares Small"
mkdir -p "$WORK/fill/fill"
for i in 1 2 3 4 5 6 7 8; do head -c 2M /dev/urandom >"$WORK/fill/fill/part$i.bin"; done
"$L" exec switch -- tc qdisc add dev veth-a root tbf rate 40mbit burst 64k latency 50ms
check "b sees Small" \
  wait_until 20 bash -c "ctl b info 'Alice Martin' --json | jq -e '.shared_folders | length == 2'"
id=$(ctl b put "$WORK/fill/fill" "Alice Martin/Small")
check "the upload into Small gets going" wait_until 60 transfer_past b "$id" 0.05
"$L" exec a -- sh -c "head -c 20M /dev/zero >'$WORK/small/filler'" 2>/dev/null
check "the upload fails" wait_until 60 transfer_is b "$id" state failed
error=$(transfer_field b "$id" error)
note "error: $error"
check "and says there is not enough space" grep -qi "space" <<<"$error"
corrupt=$("$L" exec a -- sh -c "cd '$WORK/small' && for f in fill/*; do
  cmp -s \"\$f\" '$WORK/fill/'\"\$f\" || echo \"\$f\"; done" 2>/dev/null | grep -v '\*' || true)
check "every file under its name in Small is whole" test -z "$corrupt"
check "no part file is left in Small" \
  test -z "$("$L" exec a -- find "$WORK/small" -name '*hallway-part-push*')"
"$L" exec switch -- tc qdisc del dev veth-a root 2>/dev/null
"$L" exec a -- umount "$WORK/small"

# 6. A hostile computer's streams.
IN="$WORK/in"
mkdir -p "$IN" "$WORK/inbox/hostile"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=evil" -keyout "$IN/evil.key" -out "$IN/evil.pem" >/dev/null 2>&1 ||
  { echo "Bail out! openssl could not make a certificate"; exit 1; }
ln -s "$WORK/outside" "$WORK/inbox/hostile/link"
PORT=$(ctl a status --json | jq -r .port)
INBOX_ID=$(ctl a share list --json | jq -r '.[] | select(.name == "Inbox") | .id')
URL="https://$("$L" ip a):$PORT/shares/$INBOX_ID/hostile/?push=0123456789abcdef0123456789abcdef"
# push RECORD...: sends the stream; prints the status, the answer in $IN/body
push() {
  python3 "$PUSH_STREAM" "$@" >"$IN/stream"
  "$L" exec b -- curl -sk --max-time 30 --cert "$IN/evil.pem" --key "$IN/evil.key" -X PUT \
    -H "Content-Type: application/x-hallway-bulk" --data-binary "@$IN/stream" \
    -o "$IN/body" -w '%{http_code}' "$URL" 2>/dev/null
}
snapshot() { find "$WORK/inbox/hostile" "$WORK/outside" | sort; }
before=$(snapshot)
refused() {   # WHAT RECORD...: refused with a 4xx, nothing written
  local what=$1 status
  shift
  status=$(push "$@")
  if [[ $status == 4* ]] && [ "$(snapshot)" = "$before" ]; then
    ok "$what is refused ($status: $(jq -r .message "$IN/body" 2>/dev/null)), nothing written"
  else
    not_ok "$what is refused, nothing written (got $status; $(snapshot | tail -n 3))"
  fi
}
refused "a name that climbs out" F:ok.txt:3 F:../escape.txt:5
refused "an absolute name" F:/tmp/escape.txt:5
refused "a name through a link out of the share" F:link/pwned.txt:5
refused "a hidden name where the share hides them" F:.bashrc:5
refused "one of the server's own part names" F:.x.hallway-part-push-01234567:5
refused "names out of order" F:b.txt:3 F:a.txt:3
refused "a stream without its end" F:ok.txt:3 --no-end
refused "a file shorter than it said" F:ok.txt:300 --short 100
status=$(push D:fine F:fine/ok.txt:3)
check "a well-formed stream from the same computer is taken ($status)" \
  bash -c "test '$status' = 201 && test \"\$(cat '$WORK/inbox/hostile/fine/ok.txt')\" = xxx"

finish
