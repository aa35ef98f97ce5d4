#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A colleague without Hallway gives files from a web browser (headless
# Chromium): into a read-write share, files and a whole folder, with
# JavaScript (a progress bar) and without it (the plain form); into a drop
# box, whose page shows the form and nothing of what is inside. Then
# hostile names and bodies with curl: names are made safe and stay inside
# the share, nothing is replaced, a body over the owner's limit is refused
# and leaves nothing behind. A screenshot of the form is kept in
# $HALLWAY_ARTIFACTS (default build/artifacts)/browser-upload.png.
. "$(dirname "$0")/lib.sh"
in_private_session "$@"

need_chromium
need_tool cmp diffutils

# The owner's upload limit, small enough to exceed in a test.
LIMIT=$((8 * 1024 * 1024))
mkdir -p "$XDG_CONFIG_HOME/glib-2.0/settings"
printf '[io/github/hallwaylan/Hallway]\nmax-upload-size=uint64 %d\n' "$LIMIT" \
  >"$XDG_CONFIG_HOME/glib-2.0/settings/keyfile"
export GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR=${GSETTINGS_SCHEMA_DIR:-$BUILD_DIR/data}
start_hallway

DROP_DIR=$WORK/drop-box
mkdir -p "$DROP_DIR"
printf 'already here\n' >"$DROP_DIR/notes.txt"
DROP_URL=https://127.0.0.1:$PORT/shares/$(add_share "$DROP_DIR" Inbox drop-box)/

# What a person picks: two files (one of several MiB) and a folder.
PICK=$WORK/pick
mkdir -p "$PICK/Trip photos/day 1"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$PICK/scan.pdf"
printf 'Grüße aus dem Büro\n' >"$PICK/Grüße.txt"
head -c 300000 /dev/urandom >"$PICK/Trip photos/beach.jpg"
printf 'a\nb\n' >"$PICK/Trip photos/day 1/list.txt"
: >"$PICK/Trip photos/day 1/empty.txt"

# --- The read-write share, with JavaScript -------------------------------------

html=$(curl -sk "$SHARE_URL")
check "the share's page has an upload form that works without JavaScript" \
  grep -qE '<form class="upload" method="post" action="[^"]+" enctype="multipart/form-data"' \
  <<<"$html"
check "it offers to pick a folder too" grep -q 'webkitdirectory' <<<"$html"

mkdir -p "$ARTIFACTS"
shot=$ARTIFACTS/browser-upload.png
rm -f "$shot"
chromium --screenshot="$shot" --window-size=1024,900 "$SHARE_URL" >/dev/null || true
expect_eq "screenshot saved as a 1024x900 PNG ($shot)" 1024x900 "$(png_size "$shot" 2>/dev/null)"

if out=$(cdp cdp-upload.py "$SHARE_URL" "$PICK/scan.pdf,$PICK/Grüße.txt" "$PICK/Trip photos" \
  "${FLAGS[@]}"); then
  expect_eq "Chromium's upload ends on the page saying it was saved" Uploaded \
    "$(jq -r .heading <<<"$out")"
  note "progress bar seen while sending: $(jq -r .progress_seen <<<"$out")"
  for f in scan.pdf Grüße.txt "Trip photos/beach.jpg" "Trip photos/day 1/list.txt" \
    "Trip photos/day 1/empty.txt"; do
    check "‘$f’ arrived byte-identical in its place" cmp "$PICK/$f" "$SHARE_DIR/$f"
  done
  check "the page lists what was saved" grep -qF 'Trip photos/day 1/list.txt' \
    <<<"$(jq -r .html <<<"$out")"
else
  not_ok "Chromium uploads files and a folder: $out"
fi
check "no part file is left behind" \
  bash -c '! find "$1" -name ".*.hallway-part-*" | grep -q .' _ "$SHARE_DIR"

# --- Without JavaScript, a taken name ----------------------------------------------

if out=$(cdp cdp-upload.py "$SHARE_URL" "$PICK/Grüße.txt" "" "${FLAGS[@]}" \
  --blink-settings=scriptEnabled=false); then
  expect_eq "the plain form (no JavaScript) uploads too" Uploaded "$(jq -r .heading <<<"$out")"
  check "a taken name is not replaced: the new file is ‘Grüße (2).txt’" \
    cmp "$PICK/Grüße.txt" "$SHARE_DIR/Grüße (2).txt"
else
  not_ok "the plain form (no JavaScript) uploads: $out"
fi

# --- The drop box ------------------------------------------------------------------------

html=$(curl -sk "$DROP_URL")
check "a drop box's page has the upload form" grep -q '<form class="upload"' <<<"$html"
check "and shows nothing of what is in it" bash -c '! grep -q "notes.txt" <<<"$1"' _ "$html"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Accept: application/json' "$DROP_URL")
expect_eq "a program asking a drop box for its listing is refused" 403 "$code"
if out=$(cdp cdp-upload.py "$DROP_URL" "$PICK/scan.pdf" "$PICK/Trip photos" "${FLAGS[@]}"); then
  expect_eq "Chromium gives files to the drop box" Uploaded "$(jq -r .heading <<<"$out")"
  check "‘scan.pdf’ is in the drop box byte-identical" cmp "$PICK/scan.pdf" "$DROP_DIR/scan.pdf"
  check "and so is the folder's file" \
    cmp "$PICK/Trip photos/day 1/list.txt" "$DROP_DIR/Trip photos/day 1/list.txt"
else
  not_ok "Chromium gives files to the drop box: $out"
fi

# --- Hostile names (curl sends what a hostile client would) ---------------------------------

# post URL CURL-ARGS…: prints the status of a form upload.
post() {
  local url=$1
  shift
  curl -sk -o "$WORK/post.body" -w '%{http_code}' -H 'Origin: https://127.0.0.1:'"$PORT" \
    "$@" "$url"
}
printf 'x\n' >"$WORK/x.txt"
code=$(post "$DROP_URL" -F 'file=@'"$WORK/x.txt"';filename=../../escape.txt' \
  -F 'file=@'"$WORK/x.txt"';filename=.bashrc' \
  -F 'file=@'"$WORK/x.txt"';filename=CON' \
  -F 'file=@'"$WORK/x.txt"';filename=notes.txt' \
  -F 'file=@'"$WORK/x.txt"';filename=photo'$'\u202e''gpj.desktop' \
  -F 'file=@'"$WORK/x.txt"';filename=.x.hallway-part-1234')
expect_eq "an upload with hostile names is taken (made safe)" 201 "$code"
check "‘../../escape.txt’ stays inside the share" test -f "$DROP_DIR/escape.txt"
check "nothing escaped the share" \
  test ! -e "$WORK/escape.txt" -a ! -e "$(dirname "$WORK")/escape.txt"
check "‘.bashrc’ does not arrive hidden" test -f "$DROP_DIR/bashrc"
check "‘CON’ gets a name Windows can open" test -f "$DROP_DIR/_CON"
check "a name already in the drop box is not replaced" grep -qx 'already here' "$DROP_DIR/notes.txt"
check "the new one gets a number" cmp "$WORK/x.txt" "$DROP_DIR/notes (2).txt"
check "a right-to-left override is removed from a name" test -f "$DROP_DIR/photogpj.desktop"
check "a name can't pass for a part file (hidden, with the part infix)" \
  test -f "$DROP_DIR/x.hallway-part-1234"

# --- Bad bodies ---------------------------------------------------------------------------------

before=$(find "$DROP_DIR" | sort)
head -c $((LIMIT + 1024)) /dev/urandom >"$WORK/too-big"
code=$(post "$DROP_URL" -F 'file=@'"$WORK/too-big"';filename=too-big.bin')
expect_eq "a body over the owner's limit is refused (413)" 413 "$code"
check "in plain words" grep -q 'larger than this share accepts' "$WORK/post.body"
# Chunked, so the length is not known beforehand: refused as it arrives.
code=$(post "$DROP_URL" -H 'Transfer-Encoding: chunked' \
  -F 'file=@'"$WORK/too-big"';filename=too-big.bin')
expect_eq "a chunked body over the limit is refused as it arrives (413)" 413 "$code"
code=$(post "$DROP_URL" -H 'Content-Type: multipart/form-data; boundary=zz' \
  --data-binary $'--zz\r\nContent-Disposition: form-data; name="f"; filename="cut.txt"\r\n\r\nhalf')
expect_eq "a body cut off before its end is refused (400)" 400 "$code"
code=$(post "$DROP_URL" -H 'Content-Type: multipart/form-data; boundary=zz' \
  --data-binary "--zz"$'\r\n'"X-Pad: $(head -c 20000 /dev/zero | tr '\0' x)"$'\r\n\r\n')
expect_eq "a part with oversized headers is refused (400)" 400 "$code"
code=$(post "$DROP_URL" -H 'Content-Type: text/plain' --data-binary 'hello')
expect_eq "a body that is not a form is refused (415)" 415 "$code"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Origin: https://evil.example' \
  -F 'file=@'"$WORK/x.txt"';filename=csrf.txt' "$DROP_URL")
expect_eq "a form sent from another site's page is refused (403)" 403 "$code"
expect_eq "none of these left anything behind" "$before" "$(find "$DROP_DIR" | sort)"

# --- A read-only share takes nothing -------------------------------------------------------

RO_DIR=$WORK/read-only
RO_URL=https://127.0.0.1:$PORT/shares/$(add_share "$RO_DIR" Handbook read-only)/
check "a read-only share's page has no upload form" \
  bash -c '! curl -sk "$1" | grep -q "<form"' _ "$RO_URL"
code=$(post "$RO_URL" -F 'file=@'"$WORK/x.txt"';filename=x.txt')
expect_eq "and refuses a form upload (403)" 403 "$code"
check "which left nothing" test ! -e "$RO_DIR/x.txt"
