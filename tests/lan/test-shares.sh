#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Shared folders across the network: a shares folders in every access mode
# (read-only, read-write, drop box) for every audience (everyone, trusted
# colleagues, password). b is a trusted colleague, c is not; both reach the
# shares with a stock client (curl) presenting their computer's certificate,
# and are let in or refused exactly where they must be.
. "$(dirname "$0")/lib.sh"

lan_up 3
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
start_daemon c "Chloé Dubois" || exit 1
check "everyone sees everyone" ctl a peers --wait 2 --timeout 20
check "b sees a" ctl b peers --wait 2 --timeout 20
check "c sees a" ctl c peers --wait 2 --timeout 20

A_IP=$("$L" ip a)
XA=$("$L" xdg a)
PASSWORD="correct horse battery"
printf '%s\n' "$PASSWORD" >"$WORK/password"

# Nine folders: access × audience.
for access in read-only read-write drop-box; do
  for audience in everyone trusted password; do
    dir="$WORK/shares/$access-$audience"
    mkdir -p "$dir/sub"
    printf 'hello from %s %s\n' "$access" "$audience" >"$dir/hello.txt"
    printf 'secret\n' >"$dir/.hidden"
    extra=()
    [ "$audience" = password ] && extra=(--password-file "$WORK/password")
    ctl a share add "$dir" --name "$access $audience" --access "$access" --audience "$audience" \
      "${extra[@]}" >/dev/null || not_ok "a shares $access/$audience"
  done
done
check "a lists nine shares" test "$(ctl a share list --json | jq length)" = 9

# What a newcomer meets in "share add".
printf 'x\n' >"$WORK/a-file.txt"
out=$(ctl a share add "$WORK/a-file.txt" 2>&1); rc=$?
check "sharing a file says it is a file, not that there is no folder" \
  test "$rc" = 1 -a -n "$(grep -F 'is a file; only folders are shared' <<<"$out")"
mkdir -p "$WORK/plain"
out=$(ctl a share add "$WORK/plain" --name Plain 2>&1)
check "a share for trusted colleagues says a browser is refused at its address" \
  grep -q "a web browser at that address is refused" <<<"$out"
ctl a share remove Plain >/dev/null
check "shares.ini is private (0600)" test "$(stat -c %a "$XA/config/hallway/shares.ini")" = 600
check "no password is stored in clear" \
  bash -c "! grep -q 'correct horse' '$XA/config/hallway/shares.ini'"

share_id() {
  ctl a share list --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .id'
}

ctl b trust "Alice Martin" >/dev/null   # b trusts a (not needed for the checks, but realistic)
check "a trusts b after comparing codes" ctl a trust "Bruno Costa"

# curl_as HOST METHOD URL-PATH [curl args...]: prints the HTTP status.
curl_as() {
  local host=$1 method=$2 path=$3 x
  shift 3
  x=$("$L" xdg "$host")
  "$L" exec "$host" -- curl -sk -o /dev/null -w '%{http_code}' -X "$method" \
    --cert "$x/data/hallway/identity-cert.pem" --key "$x/data/hallway/identity-key.pem" \
    "$@" "https://$A_IP:53535$path"
}

expect() {   # DESCRIPTION EXPECTED-STATUS curl_as-args...
  local what=$1 want=$2 got
  shift 2
  got=$(curl_as "$@")
  if [ "$got" = "$want" ]; then ok "$what ($got)"; else not_ok "$what: expected $want, got $got"; fi
}

for access in read-only read-write drop-box; do
  for audience in everyone trusted password; do
    id=$(share_id "$access $audience")
    base="/shares/$id"
    for who in b c; do
      auth=()
      # Who gets in at all: everyone; trusted → b only; password → b (trusted)
      # or whoever gives the password.
      allowed=yes
      if [ "$audience" = trusted ] && [ "$who" = c ]; then allowed=no; fi
      if [ "$audience" = password ] && [ "$who" = c ]; then auth=(-u "any:$PASSWORD"); fi

      if [ $allowed = no ]; then
        expect "$who can't read $access/$audience" 403 "$who" GET "$base/hello.txt"
        expect "$who can't write $access/$audience" 403 "$who" PUT "$base/new-$who.txt" --data x
        continue
      fi

      case $access in
        read-only)
          expect "$who reads $access/$audience" 200 "$who" GET "$base/hello.txt" "${auth[@]}"
          expect "$who lists $access/$audience" \
            207 "$who" PROPFIND "$base/" -H 'Depth: 1' "${auth[@]}"
          expect "$who can't write to $access/$audience" \
            403 "$who" PUT "$base/new-$who.txt" --data x "${auth[@]}"
          expect "$who can't delete in $access/$audience" \
            403 "$who" DELETE "$base/hello.txt" "${auth[@]}"
          ;;
        read-write)
          expect "$who reads $access/$audience" 200 "$who" GET "$base/hello.txt" "${auth[@]}"
          expect "$who writes to $access/$audience" \
            201 "$who" PUT "$base/new-$who.txt" --data x "${auth[@]}"
          expect "$who makes a folder in $access/$audience" \
            201 "$who" MKCOL "$base/dir-$who" "${auth[@]}"
          ;;
        drop-box)
          expect "$who drops a file into $access/$audience" \
            201 "$who" PUT "$base/drop-$who.txt" --data x "${auth[@]}"
          expect "$who can't read $access/$audience" 403 "$who" GET "$base/hello.txt" "${auth[@]}"
          expect "$who sees nothing in $access/$audience" \
            404 "$who" PROPFIND "$base/sub/" -H 'Depth: 1' "${auth[@]}"
          expect "$who mounts $access/$audience as an empty folder" \
            207 "$who" PROPFIND "$base/" -H 'Depth: 1' "${auth[@]}"
          expect "dropping an existing name doesn't reveal it ($who, $audience)" 201 "$who" \
            PUT "$base/hello.txt" --data x "${auth[@]}"
          ;;
      esac
      expect "$who never gets hidden files ($access/$audience)" \
        404 "$who" GET "$base/.hidden" "${auth[@]}"
      # Encoded dot segments never leave the share (refused, or normalised
      # away before they reach it); a literal one is sent as is.
      got=$(curl_as "$who" GET "$base/%2e%2e/%2e%2e/etc/passwd" "${auth[@]}")
      check "$who can't climb out of $access/$audience with %2e%2e ($got)" \
        test "$got" = 400 -o "$got" = 404
      got=$(curl_as "$who" GET "$base/sub/../../../etc/passwd" --path-as-is "${auth[@]}")
      check "$who can't climb out of $access/$audience with ../ ($got)" \
        test "$got" = 400 -o "$got" = 404
    done
  done
done

# Hallway's own client: hallwayctl ls over the daemon's pinned connection.
check "b's list of a's shares includes the trusted ones" \
  wait_until 15 bash -o pipefail -c "ctl b ls 'Alice Martin' --json |
    jq -e 'map(.name) | index(\"read-only trusted\") != null'"
listing=$(ctl b ls "Alice Martin/read-only trusted" --json)
size=$(stat -c %s "$WORK/shares/read-only-trusted/hello.txt")
check "b lists a trusted folder: hello.txt, $size bytes" \
  jq -e --argjson s "$size" \
    'map(select(.name == "hello.txt" and .type == "file" and .size == $s)) | length == 1' \
    <<<"$listing"
check "b lists a trusted folder: sub/" \
  jq -e 'map(select(.name == "sub" and .type == "folder")) | length == 1' <<<"$listing"
check "hidden files are not listed" \
  jq -e 'map(select(.name == ".hidden")) | length == 0' <<<"$listing"
check "b lists a subfolder" ctl b ls "Alice Martin/read-only trusted/sub"
out=$(ctl c ls "Alice Martin/read-only trusted" 2>&1); rc=$?
check "c can't list a trusted-only share, and is told plainly" \
  test "$rc" = 1 -a -n "$(grep -F 'shares no folder' <<<"$out")"
out=$(ctl c ls "Alice Martin/drop-box everyone" 2>&1); rc=$?
check "nobody can list a drop box" test "$rc" = 1
note "$out"

check "the dropped file kept the owner's file intact" \
  grep -q "hello from drop-box everyone" "$WORK/shares/drop-box-everyone/hello.txt"
check "the dropped file arrived under another name" \
  test -f "$WORK/shares/drop-box-everyone/hello (2).txt"

id=$(share_id "read-only password")
expect "no password: 401" 401 c GET "/shares/$id/hello.txt"
out=$(ctl c ls "Alice Martin/read-only password" 2>&1)
note "c ls of a password share: $out"
check "hallwayctl says how to get into a password share" \
  grep -qE "Open https://[^ ]+/shares/$id/ in a web browser" <<<"$out"
for i in 1 2 3 4; do curl_as c GET "/shares/$id/hello.txt" -u "any:wrong$i" >/dev/null; done
expect "a 5th wrong password locks the address out" 429 c GET "/shares/$id/hello.txt" -u any:wrong5
expect "even the right password waits out the lock" \
  429 c GET "/shares/$id/hello.txt" -u "any:$PASSWORD"
expect "another computer is not locked out by c's guesses" \
  200 b GET "/shares/$id/hello.txt" -u "any:$PASSWORD"

# What neighbours are told about a's shares.
names_for() {
  ctl "$1" info "Alice Martin" --json | jq -r '.shared_folders[].name' | sort | tr '\n' '|'
}
check "b (trusted) is told of all nine" wait_until 15 \
  bash -c "[ \$(ctl b info 'Alice Martin' --json | jq '.shared_folders | length') = 9 ]"
if wait_until 15 \
  bash -c "[ \$(ctl c info 'Alice Martin' --json | jq '.shared_folders | length') = 6 ]"; then
  ok "c is told only of the six it may open or unlock"
else
  not_ok "c is told only of the six it may open or unlock: $(names_for c)"
fi
check "c is never told the names of trusted-only shares" \
  bash -c "! ctl c info 'Alice Martin' --json | grep -q 'everyone trusted\|read-only trusted'"

# Announcements for stock file managers: _webdavs._tcp with u= and path=.
browse=$("$L" exec c -- avahi-browse -rpt _webdavs._tcp 2>/dev/null)
# (avahi-browse -p escapes spaces as \032.)
announced=$(grep '^=' <<<"$browse" | grep ';IPv4;' | grep 'on.032Alice')
note "announced: $(cut -d';' -f4 <<<"$announced" | tr '\n' '|')"
check "everyone and password shares are announced as _webdavs._tcp" \
  test "$(grep -c . <<<"$announced")" = 6
check "each announcement has u= and path=/shares/<id>/" \
  test "$(grep '"u=' <<<"$announced" | grep -c '"path=/shares/[a-z0-9]*/"')" = 6
check "trusted-only shares are not announced" bash -c "! grep -q 'trusted.032on' <<<'$announced'"

# shares= is updated live.
before=$(peer_field c "Alice Martin" shares)
removed_id=$(share_id "read-only everyone")
ctl a share remove "read-only everyone" >/dev/null
check "removing a share is seen by neighbours without a restart" \
  wait_until 15 peer_is c "Alice Martin" shares $((before - 1))
expect "its URL is gone" 404 c GET "/shares/$removed_id/hello.txt"
check "the folder itself is untouched" test -f "$WORK/shares/read-only-everyone/hello.txt"

# Switching a share off hides it everywhere and keeps its settings.
off_id=$(share_id "read-only password")
check "a switches a share off" ctl a share disable "read-only password"
check "it is listed as off, with its settings" \
  bash -c "ctl a share list --json |
    jq -e '.[] | select(.name == \"read-only password\") |
      (.enabled == false and .audience == \"password\")'"
check "neighbours see one share fewer" wait_until 15 peer_is c "Alice Martin" shares $((before - 2))
expect "its URL answers 404, even to a trusted colleague" 404 b GET "/shares/$off_id/hello.txt"
check "it is no longer announced to file managers" \
  wait_until 15 bash -c "! '$L' exec c -- avahi-browse -rpt _webdavs._tcp 2>/dev/null |
    grep -q 'read-only.032password'"
check "a switches it back on" ctl a share enable "read-only password"
check "neighbours see it again" wait_until 15 peer_is c "Alice Martin" shares $((before - 1))
expect "and it opens again" 200 b GET "/shares/$off_id/hello.txt"

# A folder that disappears is shown as unavailable, not dropped.
mv "$WORK/shares/read-write-everyone" "$WORK/shares/moved"
check "a vanished folder is listed as unavailable" \
  wait_until 15 bash -c "ctl a share list --json |
    jq -e '.[] | select(.name == \"read-write everyone\") | .available == false'"
expect "and answers 503" 503 c GET "/shares/$(share_id 'read-write everyone')/hello.txt"
mv "$WORK/shares/moved" "$WORK/shares/read-write-everyone"
check "and comes back when the folder does" \
  wait_until 15 bash -c "ctl a share list --json |
    jq -e '.[] | select(.name == \"read-write everyone\") | .available'"

# Restart: shares survive.
stop_daemon a TERM
start_daemon a "Alice Martin" || exit 1
check "shares survive a restart" test "$(ctl a share list --json | jq length)" = 8

# Identity change: b reinstalls (new key). a refuses b's new identity on
# trusted shares, and shows why.
XB=$("$L" xdg b)
stop_daemon b TERM
rm -f "$XB/data/hallway/identity-key.pem" "$XB/data/hallway/identity-cert.pem"
start_daemon b "Bruno Costa" || exit 1
id=$(share_id "read-only trusted")
expect "a refuses b's new identity on a trusted share" 403 b GET "/shares/$id/hello.txt"
if wait_until 20 bash -c "ctl a peers --json |
  jq -e '.[] | select(.host == \"office-b\" and .problem == \"identity-changed\")'"; then
  ok "a shows b's identity as changed"
else
  not_ok "a shows b's identity as changed"
fi
out=$("$L" exec b -- curl -sk --cert "$XB/data/hallway/identity-cert.pem" \
  --key "$XB/data/hallway/identity-key.pem" "https://$A_IP:53535/shares/$id/hello.txt")
note "a's refusal: $out"
check "the refusal says in plain words that the identity changed" \
  grep -q "identity has changed" <<<"$out"
new_b=$(ctl b status --json | jq -r .id)
out=$(ctl a ls "${new_b:0:12}/anything" 2>&1); rc=$?
note "a ls: $out"
check "a won't fetch from b's unconfirmed identity either" \
  test "$rc" = 1 -a -n "$(grep -F 'identity has changed' <<<"$out")"
out=$(ctl a trust "${new_b:0:12}" 2>&1); rc=$?
note "a trust: $out"
check "after comparing codes again, a trusts the new identity" test "$rc" = 0
expect "and b reads the trusted share again" 200 b GET "/shares/$id/hello.txt"

# Every connection above was closed by its client; none may linger (libsoup
# 3.2 keeps such connections open unless Hallway closes them).
fds=$(ls "/proc/${DAEMON_PID[a]}/fd" | wc -l)
check "hallwayd on a holds no leftover connections ($fds descriptors open)" test "$fds" -lt 48

# The largest upload is the owner's setting (GSettings max-upload-size).
mkdir -p "$XA/config/glib-2.0/settings"
printf '[io/github/hallwaylan/Hallway]\nmax-upload-size=uint64 1048576\n' \
  >"$XA/config/glib-2.0/settings/keyfile"
stop_daemon a TERM
start_daemon a "Alice Martin" GSETTINGS_BACKEND=keyfile || exit 1
head -c 2097152 /dev/urandom >"$WORK/two-mib"
head -c 102400 /dev/urandom >"$WORK/hundred-kib"
id=$(share_id "read-write everyone")
expect "an upload over the owner's limit is refused (413)" 413 c PUT "/shares/$id/big.bin" \
  --data-binary "@$WORK/two-mib"
check "and leaves nothing behind" \
  bash -c "! ls -A '$WORK/shares/read-write-everyone' | grep -q 'big.bin'"
expect "an upload under it is taken" \
  201 c PUT "/shares/$id/small.bin" --data-binary "@$WORK/hundred-kib"
check "byte for byte" cmp "$WORK/hundred-kib" "$WORK/shares/read-write-everyone/small.bin"
