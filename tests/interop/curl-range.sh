#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Partial downloads with curl (RFC 9110 ranges): first bytes, a tail, a
# suffix, resuming a broken download, If-Range with a fresh and a stale ETag,
# and ranges past the end. Every body is compared byte for byte with the
# same slice of the file on disk.
. "$(dirname "$0")/lib.sh"
in_private_session "$@"

need_tool cmp diffutils
need_tool dd coreutils
start_hallway

F=$SHARE_DIR/$BIG_FILE
URL=$SHARE_URL$(urlpath "$BIG_FILE")
SIZE=$BIG_SIZE

# fetch NAME [curl args...]: body to $WORK/NAME.body, headers to
# $WORK/NAME.hdr; prints the status code.
fetch() {
  local name=$1
  shift
  curl -sk --max-time 60 -o "$WORK/$name.body" -D "$WORK/$name.hdr" -w '%{http_code}' "$@"
}

# header NAME FIELD: a response header's value (last response, CR removed).
header() {
  awk -v f="$2" '
    /^HTTP\// { v = "" }
    { line = $0; sub(/\r$/, "", line) }
    tolower(substr(line, 1, length(f) + 1)) == tolower(f) ":" {
      v = substr(line, length(f) + 2); sub(/^[ \t]+/, "", v) }
    END { print v }' "$WORK/$1.hdr"
}

# slice START LENGTH: that part of the file on disk.
slice() {
  dd if="$F" iflag=skip_bytes,count_bytes skip="$1" count="$2" status=none
}

# same_as_slice NAME START LENGTH
same_as_slice() {
  cmp -s <(slice "$2" "$3") "$WORK/$1.body"
}

# check_part NAME RANGE-DESCRIPTION START LENGTH [curl args...]: a 206 with
# the right Content-Range and the right bytes.
check_part() {
  local name=$1 what=$2 start=$3 len=$4 code
  shift 4
  code=$(fetch "$name" "$@" "$URL") || true
  expect_eq "$what: status" 206 "$code"
  expect_eq "$what: Content-Range" "bytes $start-$((start + len - 1))/$SIZE" \
    "$(header "$name" Content-Range)"
  expect_eq "$what: Content-Length" "$len" "$(header "$name" Content-Length)"
  check "$what: body equals bytes $start..$((start + len - 1)) of the file" \
    same_as_slice "$name" "$start" "$len"
}

# What a client learns before asking for parts.
code=$(curl -sk -I -o "$WORK/head.hdr" -w '%{http_code}' "$URL") || true
expect_eq "HEAD: status" 200 "$code"
expect_eq "HEAD: Accept-Ranges" bytes "$(header head Accept-Ranges)"
expect_eq "HEAD: Content-Length" "$SIZE" "$(header head Content-Length)"
ETAG=$(header head ETag)
check "HEAD: a strong ETag (If-Range needs one)" bash -c '[[ $1 == \"*\" ]]' _ "$ETAG"
note "ETag: $ETAG"

check_part first100 "-r 0-99" 0 100 -r 0-99
check_part from100 "-r 100-" 100 $((SIZE - 100)) -r 100-
check_part last50 "-r -50" $((SIZE - 50)) 50 -r -50
check_part middle "-r 1000000-1999999" 1000000 1000000 -r 1000000-1999999
check_part pastend "-r 3000000-9999999 (end clipped to the size)" 3000000 $((SIZE - 3000000)) \
  -r 3000000-9999999
check_part lastbyte "-r $((SIZE - 1))- (the last byte)" $((SIZE - 1)) 1 -r "$((SIZE - 1))-"

# A broken download resumed with -C -: the first MiB is on disk, curl asks
# for the rest (Range: bytes=1048576-) and appends it.
slice 0 $((1024 * 1024)) >"$WORK/resume.body"
code=$(curl -sk --max-time 60 -C - -o "$WORK/resume.body" -D "$WORK/resume.hdr" \
  -w '%{http_code}' "$URL") || true
expect_eq "resume with -C -: status" 206 "$code"
expect_eq "resume with -C -: Content-Range" "bytes 1048576-$((SIZE - 1))/$SIZE" \
  "$(header resume Content-Range)"
check "resume with -C -: the file is complete and byte-identical" cmp "$F" "$WORK/resume.body"

# If-Range: the part only if the file is still the one the ETag names.
check_part ifrange "If-Range with the current ETag, -r 0-99" 0 100 -r 0-99 -H "If-Range: $ETAG"
code=$(fetch stale -r 0-99 -H 'If-Range: "stale-etag-0"' "$URL") || true
expect_eq "If-Range with a stale ETag: status 200 (the whole file)" 200 "$code"
check "If-Range with a stale ETag: body is the whole file" cmp "$F" "$WORK/stale.body"
expect_eq "If-Range with a stale ETag: no Content-Range" "" "$(header stale Content-Range)"

# After the file changes, the old ETag is stale too.
printf 'X' | dd of="$F" bs=1 seek=10 conv=notrunc status=none
touch -d '+2 seconds' "$F"
code=$(fetch changed -r 0-99 -H "If-Range: $ETAG" "$URL") || true
expect_eq "If-Range with the ETag of the file before it changed: status 200" 200 "$code"
check "…and the body is the new whole file" cmp "$F" "$WORK/changed.body"
check "…with a new ETag" test "$(header changed ETag)" != "$ETAG"

# If-None-Match with the current ETag: not modified.
ETAG=$(header changed ETag)
code=$(fetch inm -H "If-None-Match: $ETAG" "$URL") || true
expect_eq "If-None-Match with the current ETag: status 304" 304 "$code"
check "…with no body" test ! -s "$WORK/inm.body"

# Unsatisfiable ranges.
code=$(fetch beyond -r "$SIZE-" "$URL") || true
expect_eq "-r $SIZE- (starts at the end): status 416" 416 "$code"
expect_eq "-r $SIZE-: Content-Range" "bytes */$SIZE" "$(header beyond Content-Range)"
code=$(fetch far -r 9000000-9000099 "$URL") || true
expect_eq "-r 9000000-9000099: status 416" 416 "$code"
expect_eq "-r 9000000-9000099: Content-Range" "bytes */$SIZE" "$(header far Content-Range)"

# Several ranges: either multipart/byteranges (206) or the whole file (200)
# is correct; anything else isn't.
code=$(fetch multi -r 0-9,20-29 "$URL") || true
ctype=$(header multi Content-Type)
if [ "$code" = 200 ] && cmp -s "$F" "$WORK/multi.body"; then
  ok "-r 0-9,20-29: the whole file (200), which is allowed"
elif [ "$code" = 206 ] && [[ $ctype == multipart/byteranges* ]] &&
  grep -aq "Content-Range: bytes 0-9/$SIZE" "$WORK/multi.body" &&
  grep -aq "Content-Range: bytes 20-29/$SIZE" "$WORK/multi.body"; then
  ok "-r 0-9,20-29: multipart/byteranges (206)"
else
  not_ok "-r 0-9,20-29: expected 200 with the whole file or 206 multipart/byteranges," \
    "got $code ($ctype)"
fi

# A malformed Range header is ignored: the whole file.
code=$(fetch bogus -H 'Range: bytes=abc' "$URL") || true
expect_eq "Range: bytes=abc (malformed) is ignored: status 200" 200 "$code"
check "…body is the whole file" cmp "$F" "$WORK/bogus.body"

# A range of a file with a unicode name, and of an empty file.
UURL=$SHARE_URL$(urlpath "$UNICODE_FILE")
F=$SHARE_DIR/$UNICODE_FILE
code=$(fetch uni -r 0-5 "$UURL") || true
expect_eq "-r 0-5 of ‘$UNICODE_FILE’: status" 206 "$code"
check "-r 0-5 of ‘$UNICODE_FILE’: body" same_as_slice uni 0 6
code=$(fetch empty -r 0-0 "${SHARE_URL}empty.txt") || true
if [ "$code" = 416 ] && [ "$(header empty Content-Range)" = "bytes */0" ]; then
  ok "-r 0-0 of an empty file: 416, bytes */0"
elif [ "$code" = 200 ] && [ ! -s "$WORK/empty.body" ]; then
  ok "-r 0-0 of an empty file: 200, empty (the Range ignored, which is allowed)"
else
  not_ok "-r 0-0 of an empty file: expected 416 (bytes */0) or 200 empty, got $code," \
    "Content-Range ‘$(header empty Content-Range)’"
fi

# Many short downloads one after another, each on a new connection (as
# scripts and some clients do): every one is served, and the server lets go
# of closed connections (no descriptors pile up).
fds() { find "/proc/$HALLWAYD_PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
fds_before=$(fds)
codes=$(for _ in $(seq 1 100); do
  curl -sk -o /dev/null -w '%{http_code}\n' --max-time 10 "${SHARE_URL}hello.txt" || true
done | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')
expect_eq "100 new connections one after another: all 200" "100×200 " "$codes"
fds_settled() { [ "$(fds)" -le $((fds_before + 5)) ]; }
if wait_until 10 fds_settled; then
  ok "hallwayd closed them all (open files: $fds_before before, $(fds) after)"
else
  not_ok "hallwayd keeps closed connections open: $fds_before open files before, $(fds) after"
fi
