#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A hostile sender: b runs no Hallway, only curl with a certificate of its
# own, and speaks the drop protocol (DESIGN §4.3) to a's hallwayd directly.
# It offers "../../.bashrc", absolute paths, names with newlines, control
# characters and NUL, 10,000 entries, more than the disk holds, sums that
# don't add up, broken JSON and oversized bodies; it PUTs to bad indexes,
# with bad ranges and with more bytes than it declared, and pokes at
# another computer's offer. Each gets a plain error answer or a safe name,
# and nothing is written outside a's receive folder: a's whole state and
# the test's own folders are listed before and after. Along the way the
# good path is checked as a sender would use it: long-poll, accept, resume
# with Content-Range, a restart of a in the middle of a file, cancel,
# decline, free space when accepting and a disk filling up during
# delivery, expiry, and accept-policy refuse.
. "$(dirname "$0")/lib.sh"

lan_up 2
XA=$("$L" xdg a)
RECV="$WORK/recv"
OUTSIDE="$WORK/outside"
SMALL="$WORK/small"   # a 1 MiB disk, mounted on a only
IN="$WORK/in"   # what the test itself writes
mkdir -p "$RECV" "$OUTSIDE" "$SMALL" "$IN"

# a's settings: receive into $RECV. Its Downloads folder is $RECV too, so
# not even a daemon that misses its settings writes to the real one.
write_settings() {   # TIMEOUT [POLICY]
  mkdir -p "$XA/config/glib-2.0/settings"
  printf 'XDG_DOWNLOAD_DIR="%s"\n' "$RECV" >"$XA/config/user-dirs.dirs"
  cat >"$XA/config/glib-2.0/settings/keyfile" <<EOF
[io/github/hallwaylan/Hallway]
receive-folder='$RECV'
accept-policy='${2:-ask}'
offer-timeout=uint32 $1
EOF
}
write_settings 600
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR="$BUILD_DIR/data" ||
  exit 1
PORT=$(ctl a status --json | jq -r .port)
URL="https://$("$L" ip a):$PORT/api/v1/drops"

# Two hostile computers' identities: self-signed P-256 certificates, as
# Hallway's own (the daemon accepts any and goes by the SHA-256 of it).
for who in evil other; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=$who" -keyout "$IN/$who.key" -out "$IN/$who.pem" >/dev/null 2>&1 ||
    { echo "Bail out! openssl could not make a certificate"; exit 1; }
done
EVIL_ID=$(openssl x509 -in "$IN/evil.pem" -outform DER | sha256sum | cut -c1-64)

# req WHO METHOD PATH [CURL ARGS...]: prints "STATUS BODY"; the response
# headers go to $IN/headers.
req() {
  local who=$1 method=$2 path=$3 cert=()
  shift 3
  [ "$who" != none ] && cert=(--cert "$IN/$who.pem" --key "$IN/$who.key")
  "$L" exec b -- curl -sk --max-time 30 "${cert[@]}" -X "$method" -D "$IN/headers" \
    -o "$IN/body" -w '%{http_code}' "$@" "$URL$path" 2>/dev/null
  printf ' %s' "$(tr -d '\n' <"$IN/body" 2>/dev/null)"
}
# post WHO FILE: offers the JSON in FILE.
post() {
  req "$1" POST "" -H 'Content-Type: application/json' --data-binary "@$2"
}
status_of() { cut -d' ' -f1 <<<"$1"; }
body_of() { cut -d' ' -f2- <<<"$1"; }
# expect DESCRIPTION ANSWER STATUS [ERROR-CODE]
expect() {
  local what=$1 answer=$2 status=$3 code=${4:-}
  if [ "$(status_of "$answer")" = "$status" ] &&
     { [ -z "$code" ] || [ "$(body_of "$answer" | jq -r .error 2>/dev/null)" = "$code" ]; } &&
     { [ "$status" -lt 400 ] ||
       [ -n "$(body_of "$answer" | jq -r '.message // empty' 2>/dev/null)" ]; }; then
    ok "$what ($status${code:+ $code})"
  else
    not_ok "$what: expected $status${code:+ $code}, got ${answer:0:300}"
  fi
}
offer_json() {   # TOTAL then "path:size" pairs
  local total=$1 first=1 entry
  shift
  printf '{"name": "Mallory", "total": %s, "files": [' "$total"
  for entry in "$@"; do
    [ $first = 1 ] || printf ','
    first=0
    jq -cn --arg p "${entry%:*}" --argjson s "${entry##*:}" '{path: $p, size: $s}'
  done
  printf ']}'
}
offer_state() {   # ID: the state the sender sees
  body_of "$(req evil GET "/$1")" | jq -r .state
}
short_id() {      # the newest offer on a's D-Bus
  ctl a offers --json | jq -r 'max_by(.id | tonumber) | .id'
}
export -f req body_of offer_state
export IN URL

snapshot() {
  find "$XA" "$WORK" \( -path "$RECV" -o -path "$IN" -o -path "$XA/state/hallway" -o \
    -name '*.log' \) -prune -o -print | sort >"$IN/snapshot-$1"
}
snapshot before

# 1. Who may offer, and what is refused before anything is kept.
expect "no client certificate is refused" "$(req none POST "" --data-binary '{}')" 401
printf '{"name": "x", "files": [' >"$IN/bad.json"
expect "broken JSON" "$(post evil "$IN/bad.json")" 400 invalid
offer_json 5 "a.txt:1" "b.txt:1" >"$IN/sum.json"
expect "a total that is not the sum of the sizes" "$(post evil "$IN/sum.json")" 400 invalid
offer_json -1 "a.txt:-1" >"$IN/neg.json"
expect "negative sizes" "$(post evil "$IN/neg.json")" 400 invalid
printf '{"name": "x", "total": 1, "files": %s}' "$(head -c 100000 /dev/zero | tr '\0' '[')" \
  >"$IN/deep.json"
expect "deeply nested JSON" "$(post evil "$IN/deep.json")" 400 invalid
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$IN/huge.json"
expect "a body over 16 MiB" "$(post evil "$IN/huge.json")" 413
expect "a body over 16 MiB that does not say its length (chunked)" \
  "$(req evil POST "" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
       --data-binary "@$IN/huge.json")" 413 too-large
# (Written by hand: jq would turn the number into a float.)
printf '%s' '{"name": "x", "total": 1000000000000000000,' \
  ' "files": [{"path": "disk.img", "size": 1000000000000000000}]}' \
  >"$IN/disk.json"
expect "a total larger than the disk" "$(post evil "$IN/disk.json")" 507 no-space
check "hallwayd is still up" ctl a status

# 2. 10,000 entries of hostile names: accepted as an offer, every name made
# safe before it is shown.
{
  printf '{"name": "Mallory\\n\\u001b[31mEvil", "total": 10000, "files": ['
  for i in $(seq 1 10000); do
    case $((i % 8)) in
      0) p="../../.bashrc" ;;
      1) p="/etc/cron.d/evil$i" ;;
      2) p="line\\nbreak$i.txt" ;;
      3) p="ctl\\u0007\\u001b$i\\r" ;;
      4) p="..\\\\..\\\\win$i.exe" ;;
      5) p="CON" ;;
      6) p="a/../../../../b$i/.hidden" ;;
      7) p="ok/file$i.txt" ;;
    esac
    [ "$i" -gt 1 ] && printf ','
    printf '{"path": "%s", "size": 1}' "$p"
  done
  printf ']}'
} >"$IN/many.json"
answer=$(post evil "$IN/many.json")
expect "10,000 hostile entries are offered" "$answer" 202
MANY=$(body_of "$answer" | jq -r .id)
check "the offer id is 32 hex digits" grep -Eq '^[0-9a-f]{32}$' <<<"$MANY"
ctl a offers --json >"$IN/offers.json"
check "the offer is listed with 10,000 files" \
  jq -e 'map(select(.files | length == 10000)) | length == 1' "$IN/offers.json"
check "no listed name has '..', a leading '/' or '.', or a control character" \
  jq -e '[.[].files[].name | select(test("(^|/)\\.\\.(/|$)") or test("^/") or test("(^|/)\\.") or
     (explode | any(. < 32 or . == 127)))] | length == 0' "$IN/offers.json"
check "the sender's name is shown on one line" \
  jq -e 'map(select(.peer_name | explode | any(. < 32))) | length == 0' "$IN/offers.json"
check "CON became _CON and .bashrc bashrc" \
  jq -e '[.[].files[].name] | (index("_CON") != null) and (index("bashrc") != null)' \
  "$IN/offers.json"
check "the offer is pending" test "$(offer_state "$MANY")" = pending

printf '{"name": "x", "total": 2, "files": [{"path": "nul\\u0000.txt", "size": 1},
  {"path": "\\u0000", "size": 1}]}' >"$IN/nul.json"
answer=$(post evil "$IN/nul.json")
if [ "$(status_of "$answer")" = 400 ]; then
  ok "names with NUL are refused (400)"
elif [ "$(status_of "$answer")" = 202 ]; then
  NUL=$(short_id)
  check "names with NUL are cut safely" \
    bash -c "ctl a offers --json | jq -e '.[] | select(.id == \"$NUL\") |
      [.files[].name] | all(explode | any(. == 0) | not)'"
else
  not_ok "names with NUL: ${answer:0:200}"
fi

# 3. Another computer's offer is not even there for it.
expect "another device can't read the offer" "$(req other GET "/$MANY")" 404 not-found
expect "nor cancel it" "$(req other DELETE "/$MANY")" 404 not-found
expect "nor put into it" "$(req other PUT "/$MANY/files/0" --data-binary x)" 404 not-found
expect "an id of the wrong form" "$(req evil GET "/../../info")" 404
expect "PUT before the offer is accepted" \
  "$(req evil PUT "/$MANY/files/7" --data-binary x)" 409 not-accepted

# 4. Too many pending offers from one sender.
offer_json 1 "p.txt:1" >"$IN/small.json"
for i in 1 2 3; do post evil "$IN/small.json" >/dev/null; done
expect "a fifth pending offer from one sender" "$(post evil "$IN/small.json")" 429 busy
for id in $(ctl a offers --json | jq -r '.[] | select(.state == "pending") | .id'); do
  ctl a decline "$id" >/dev/null
done
check "declined offers say so to the sender" test "$(offer_state "$MANY")" = declined
expect "PUT into a declined offer" "$(req evil PUT "/$MANY/files/7" --data-binary x)" 410 gone

# 5. A hostile offer accepted: everything lands below the receive folder,
# under safe names, even through a symbolic link planted there.
ln -s "$OUTSIDE" "$RECV/link"
ln -s /etc "$RECV/etc"
printf 'secret\n' >"$IN/payload"
offer_json 21 "../../.bashrc:7" "/etc/passwd:7" "link/evil.txt:7" >"$IN/evil.json"
answer=$(post evil "$IN/evil.json")
expect "a hostile offer" "$answer" 202
EVIL=$(body_of "$answer" | jq -r .id)
# The sender long-polls; once its request is in, the person accepts.
start=$EPOCHREALTIME
req evil GET "/$EVIL?wait=30" >"$IN/long-poll" &
poller=$!
polling() {
  "$L" exec b -- ss -Htn state established "( dport = :$PORT )" | grep -q .
}
check "the long-poll is waiting" wait_until 10 polling
ctl a accept "$(short_id)" >/dev/null
wait "$poller"
waited=$(ms_since "$start")
if ! ctl a offers --json |
     jq -e --arg f "$RECV" 'map(select(.folder == $f)) | length == 1' >/dev/null; then
  echo "Bail out! a does not receive into $RECV: its settings were not read"
  exit 1
fi
note "long-poll answered after ${waited} ms"
check "the long-poll answers when the offer is accepted, well before its 30 s" \
  test "$(body_of "$(cat "$IN/long-poll")" | jq -r .state)" = accepted -a "$waited" -lt 20000
for n in 0 1 2; do
  expect "file $n arrives" "$(req evil PUT "/$EVIL/files/$n" --data-binary "@$IN/payload")" 201
done
check "../../.bashrc arrived as bashrc in the receive folder" cmp "$IN/payload" "$RECV/bashrc"
check "/etc/passwd arrived beside the link, not through it" \
  bash -c "cmp '$IN/payload' '$RECV/etc (2)/passwd' && ! grep -q secret /etc/passwd"
check "link/evil.txt did not go through the link" \
  bash -c "cmp '$IN/payload' '$RECV/link (2)/evil.txt' && test -z \"\$(ls -A '$OUTSIDE')\""
check "the offer is done" test "$(offer_state "$EVIL")" = done
check "a's D-Bus says done too" \
  bash -c "ctl a offers --json | jq -e '.[] | select(.state == \"done\" and .bytes == 21)'"

# 6. PUT with bad indexes, ranges and sizes; then resume properly.
head -c 3000000 /dev/urandom >"$IN/big.bin"
offer_json 3000001 "big.bin:3000000" "one.txt:1" "empty.txt:0" >"$IN/resume.json"
RES=$(body_of "$(post evil "$IN/resume.json")" | jq -r .id)
ctl a accept "$(short_id)" --to "$RECV/resumed" >/dev/null
check "an empty file is there as soon as the offer is accepted" \
  bash -c "test -f '$RECV/resumed/empty.txt' -a ! -s '$RECV/resumed/empty.txt'"
req evil HEAD "/$RES/files/2" -I >/dev/null
check "HEAD says the empty file is whole" grep -qi '^Hallway-Received: 0' "$IN/headers"
expect "an empty PUT to it is fine" "$(req evil PUT "/$RES/files/2" --data-binary '')" 201
expect "an index past the end" "$(req evil PUT "/$RES/files/3" --data-binary x)" 404
expect "an index that is no number" "$(req evil PUT "/$RES/files/-1" --data-binary x)" 404
expect "more bytes than declared (Content-Length)" \
  "$(req evil PUT "/$RES/files/1" --data-binary xx)" 413
expect "more bytes than declared (chunked)" \
  "$(req evil PUT "/$RES/files/1" -H 'Transfer-Encoding: chunked' --data-binary xx)" 413
expect "a range that does not start at what arrived" \
  "$(req evil PUT "/$RES/files/0" -H 'Content-Range: bytes 100-199/3000000' \
       --data-binary "@$IN/payload")" 416
check "416 says what arrived" grep -qi '^Hallway-Received: 0' "$IN/headers"
expect "a range with another total" \
  "$(req evil PUT "/$RES/files/0" -H 'Content-Range: bytes 0-9/10' \
       --data-binary "@$IN/payload")" 416
head -c 1000000 "$IN/big.bin" >"$IN/first"
expect "a first part, short of the size" \
  "$(req evil PUT "/$RES/files/0" --data-binary "@$IN/first")" 200
check "it says what arrived" test "$(body_of "$(req evil PUT "/$RES/files/0" \
  -H 'Content-Range: bytes 5-9/3000000' --data-binary 12345)" | jq -r .error)" = bad-range
req evil HEAD "/$RES/files/0" -I >/dev/null
check "HEAD says 1,000,000 bytes arrived" grep -qi '^Hallway-Received: 1000000' "$IN/headers"
check "no file carries the real name yet" test ! -e "$RECV/resumed/big.bin"
check "the part file is hidden" test -f "$RECV/resumed/.big.bin.hallway-part"

# a restarts in the middle: the accepted offer comes back.
stop_daemon a
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR="$BUILD_DIR/data" ||
  exit 1
check "the accepted offer is back after a restart" test "$(offer_state "$RES")" = accepted
req evil HEAD "/$RES/files/0" -I >/dev/null
check "and knows what had arrived" grep -qi '^Hallway-Received: 1000000' "$IN/headers"
tail -c +1000001 "$IN/big.bin" >"$IN/rest"
expect "the rest, with Content-Range" \
  "$(req evil PUT "/$RES/files/0" -H 'Content-Range: bytes 1000000-2999999/3000000' \
       --data-binary "@$IN/rest")" 201
check "the file is whole" cmp "$IN/big.bin" "$RECV/resumed/big.bin"
expect "a complete file takes no more" "$(req evil PUT "/$RES/files/0" --data-binary x)" 416

# 7. The sender cancels: part files go.
expect "half of the last file" "$(req evil PUT "/$RES/files/1" --data-binary '')" 200
check "its part file exists" test -f "$RECV/resumed/.one.txt.hallway-part"
expect "DELETE cancels" "$(req evil DELETE "/$RES")" 204
check "the offer is cancelled" test "$(offer_state "$RES")" = cancelled
check "the part file is removed" test ! -e "$RECV/resumed/.one.txt.hallway-part"
check "the finished file stays" cmp "$IN/big.bin" "$RECV/resumed/big.bin"
expect "PUT into a cancelled offer" "$(req evil PUT "/$RES/files/1" --data-binary x)" 410 gone

# 8. Free space: checked when accepting into a small disk, and a disk that
# fills up during delivery fails the offer without leaving a part file.
"$L" exec a -- mount -t tmpfs -o size=1m tmpfs "$SMALL" || not_ok "mount a small disk on a"
offer_json 2000000 "two-megabytes.bin:2000000" >"$IN/two.json"
NOSPACE=$(body_of "$(post evil "$IN/two.json")" | jq -r .id)
out=$(ctl a accept "$(short_id)" --to "$SMALL" 2>&1); rc=$?
note "accept into a small disk: $out"
check "accepting more than the disk holds fails" test "$rc" = 1
check "saying there is not enough space" grep -q "Not enough space" <<<"$out"
answer=$(req evil GET "/$NOSPACE")
check "the sender is told the offer failed, with why" \
  test "$(body_of "$answer" | jq -r .state)" = failed -a -n "$(body_of "$answer" | jq -r .message)"

head -c 600000 /dev/urandom >"$IN/fits.bin"
offer_json 600000 "fits.bin:600000" >"$IN/fits.json"
FULL=$(body_of "$(post evil "$IN/fits.json")" | jq -r .id)
check "an offer that fits is accepted into the small disk" ctl a accept "$(short_id)" --to "$SMALL"
# Someone else fills the disk meanwhile.
"$L" exec a -- sh -c "head -c 700000 /dev/zero >'$SMALL/other.bin'" 2>/dev/null
expect "a disk full during delivery" \
  "$(req evil PUT "/$FULL/files/0" --data-binary "@$IN/fits.bin")" 507 no-space
check "the offer failed" test "$(offer_state "$FULL")" = failed
check "no part file is left on the small disk" \
  test "$("$L" exec a -- ls -A "$SMALL")" = other.bin
"$L" exec a -- umount "$SMALL"

# 9. Nobody answers: the offer expires (offer-timeout is at least 5 s).
stop_daemon a
write_settings 5
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR="$BUILD_DIR/data" ||
  exit 1
EXP=$(body_of "$(post evil "$IN/small.json")" | jq -r .id)
check "an unanswered offer expires" \
  wait_until 20 bash -c "[ \"\$(offer_state $EXP)\" = expired ]"

# 10. accept-policy refuse: refused in plain words, and announced.
info_accepts() {
  "$L" exec b -- curl -sk --max-time 10 --cert "$IN/evil.pem" --key "$IN/evil.key" \
    "${URL%/drops}/info" | jq -r '."accepts-drops"'
}
check "a says it accepts files" test "$(info_accepts)" = true
stop_daemon a
write_settings 600 refuse
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR="$BUILD_DIR/data" ||
  exit 1
expect "offers to someone who refuses files" "$(post evil "$IN/small.json")" 403 refused
check "a says it does not accept files" test "$(info_accepts)" = false

# Nothing outside the receive folder changed, and only expected things
# appeared inside it.
snapshot after
if diff "$IN/snapshot-before" "$IN/snapshot-after" >"$IN/snapshot.diff"; then
  ok "nothing was written outside the receive folder"
else
  not_ok "something changed outside the receive folder: $(head -c 600 "$IN/snapshot.diff")"
fi
accepted="./bashrc ./etc ./etc (2) ./etc (2)/passwd ./link ./link (2) ./link (2)/evil.txt"
accepted+=" ./resumed ./resumed/big.bin ./resumed/empty.txt "
check "the receive folder holds only what was accepted" \
  test "$(cd "$RECV" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')" = "$accepted"
check "hallwayd is still up" ctl a status
