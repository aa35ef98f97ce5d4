#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Printer sharing without an administrator (DESIGN §7, notes/printers.md).
# a runs a real cupsd with a file-backed queue and shares it with
# hallwayctl; b (a colleague with Hallway and its own cupsd) and c (a
# computer without Hallway) print on it over the simulated LAN:
# - the announcement: _ipp._tcp with _print, _hallway (and _universal only
#   with URF), _printer._tcp on port 0, TXT from the queue, no printer-type;
# - the stock ipptool tests pass through the gateway, with the LAN Host
#   header a colleague's computer sends;
# - lp on b to the DNS-SD printer makes a temporary queue, and the job's
#   bytes arrive in a's queue output; hallwayctl print --wait does the same;
# - forbidden operations, and cancelling another computer's job, are
#   refused; Get-Jobs shows only the caller's jobs;
# - unsharing withdraws the announcement.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/printers-lib.sh"

browse() {   # HOST TYPE: resolved services, parseable
  # -r can wait forever on a service that vanished mid-resolve.
  "$L" exec "$1" -- timeout 10 avahi-browse -rpt "$2" 2>/dev/null | grep '^='
}
# avahi-browse -p writes names with decimal escapes.
NAME_ESC='Office\032printer\032\064\032Alice\032Martin'
export NAME_ESC
announced() {   # HOST: a's printer is announced, resolved with its TXT
  browse "$1" _ipp._tcp | grep -q '"rp=ipp/print/office"'
}
not_announced() {
  ! "$L" exec "$1" -- timeout 10 avahi-browse -pt _ipp._tcp 2>/dev/null | grep -qF "$NAME_ESC"
}
export -f browse announced not_announced

lan_up 3
start_cupsd a || exit 1
start_cupsd b || exit 1
# hallwayd prints for its person; as root CUPS keeps a person's own options
# (the default printer) in its server root, so b's hallwayd gets a private
# one: nothing of this machine's is touched.
mkdir -p "$WORK/options-b"
start_daemon a "Alice Martin" CUPS_SERVER="$WORK/cups-a/cups.sock" || exit 1
start_daemon b "Bruno Costa" CUPS_SERVER="$WORK/cups-b/cups.sock" \
  CUPS_SERVERROOT="$WORK/options-b" || exit 1
check "b sees a" ctl b peers --wait 1 --timeout 20
check "a sees b" ctl a peers --wait 1 --timeout 20

# Without nss-mdns, b's CUPS resolves a's .local name from its hosts file
# (bound in b's own mount namespace only), as an office with mDNS name
# resolution would.
printf '127.0.0.1 localhost\n%s office-a.local office-a\n' "$("$L" ip a)" >"$WORK/hosts-b"
"$L" exec b -- mount --bind "$WORK/hosts-b" /etc/hosts
"$L" exec c -- mount --bind "$WORK/hosts-b" /etc/hosts

# a's printer: a file-backed queue.
OUT=$WORK/cups-a/out/office.out
if ! add_file_queue a office "$OUT" >"$WORK/lpadmin.log" 2>&1; then
  not_ok "a has a CUPS queue: $(cat "$WORK/lpadmin.log")"
  exit 1
fi
make_test_page "$WORK"

# 1. a lists its queue, unshared; nothing is announced yet.
check "a lists its CUPS queue, not shared" wait_until 20 bash -c \
  "ctl a printers --json | jq -e '.[] | select(.name == \"office\") |
    .local and (.shared | not) and .description == \"Office printer\"'"
check "an unshared printer is not announced" not_announced b

# 2. Sharing announces it as an IPP Everywhere printer.
out=$(ctl a printer share office 2>&1); rc=$?
note "printer share: $out"
check "hallwayctl printer share office" test "$rc" = 0
check "and says the address colleagues print at" \
  grep -qE "can print on it at ipp://office-a.local:[0-9]+/ipp/print/office$" <<<"$out"
check "a says it shares it" bash -c \
  "ctl a printers --json | jq -e '.[] | select(.name == \"office\") |
    .shared and (.uri | test(\"^ipp://office-a.local:[0-9]+/ipp/print/office$\"))'"
URI=$(ctl a printers --json | jq -r '.[] | select(.name == "office") | .uri')
check "printers.ini is private (0600)" \
  test "$(stat -c %a "$("$L" exec a -- sh -c 'echo $XDG_CONFIG_HOME')/hallway/printers.ini")" = 600
check "b resolves the _ipp._tcp announcement" wait_until 20 announced b
REC=$(browse b _ipp._tcp | grep '"rp=ipp/print/office"' | head -n 1)
note "announced: $(cut -d';' -f4,8,9 <<<"$REC")"
for key in txtvers=1 qtotal=1 'ty=Generic PDF Printer' 'product=(Generic PDF Printer)' \
           'note=2nd floor, by the window' priority=0 kind=document 'pdl=application/pdf'; do
  check "TXT has $key" grep -q "\"$key" <<<"$REC"
done
check "TXT has adminurl and UUID" \
  bash -c "grep -q '\"adminurl=http://office-a.local:' <<<'$REC' && grep -q '\"UUID=' <<<'$REC'"
check "TXT has no printer-type" bash -c "! grep -q 'printer-type=' <<<'$REC'"
check "TXT has no TLS" bash -c "! grep -q '\"TLS=' <<<'$REC'"
check "the name says whose printer it is" grep -qF "$NAME_ESC" <<<"$REC"
check "subtype _print (IPP Everywhere)" \
  bash -c "\"$L\" exec b -- timeout 10 avahi-browse -pt _print._sub._ipp._tcp |
    grep -qF \"\$NAME_ESC\""
check "subtype _hallway" \
  bash -c "\"$L\" exec b -- timeout 10 avahi-browse -pt _hallway._sub._ipp._tcp |
    grep -qF \"\$NAME_ESC\""
check "_printer._tcp on port 0 holds the name" \
  bash -c "browse b _printer._tcp | grep -F \"\$NAME_ESC\" | cut -d';' -f9 | grep -qx 0"
if grep -q '"URF=' <<<"$REC"; then
  check "subtype _universal, as the queue takes URF" \
    bash -c "\"$L\" exec b -- timeout 10 avahi-browse -pt _universal._sub._ipp._tcp |
      grep -qF \"\$NAME_ESC\""
else
  check "no _universal subtype without URF" \
    bash -c "! \"$L\" exec b -- timeout 10 avahi-browse -pt _universal._sub._ipp._tcp |
      grep -qF \"\$NAME_ESC\""
fi
check "a's TXT counts one printer" bash -c \
  "browse b _hallway._tcp | grep -F 'Alice\\032Martin' | grep -q '\"printers=1\"'"

# 3. b lists it among the neighbours' printers.
check "b lists a's printer" wait_until 20 bash -c \
  "ctl b printers --json | jq -e '.[] | select(.local == false and .name == \"office\" and
    .peer_name == \"Alice Martin\" and .shared)'"

# 4. The stock ipptool tests, from b, through the gateway. ipptool sends
# Host: office-a.local:PORT, which cupsd itself would refuse.
for t in get-printer-attributes print-job create-job get-jobs; do
  if "$L" exec b -- ipptool -t -f "$WORK/page.pdf" "$URI" "$TESTS/$t.test" \
       >"$WORK/ipptool-$t.log" 2>&1; then
    ok "ipptool $t.test passes through the gateway"
  else
    not_ok "ipptool $t.test passes through the gateway:" \
      "$(grep -E 'FAIL|EXPECTED|status' "$WORK/ipptool-$t.log" | head -n 3 | tr '\n' ' ')"
  fi
done
# ipp-everywhere.test through the gateway fails nothing that the same CUPS
# queue, asked directly on a, does not fail too.
everywhere() {   # HOST URI LOG: the names of the tests that failed
  "$L" exec "$1" -- ipptool -t -f "$WORK/page.pdf" "$2" "$TESTS/ipp-everywhere.test" \
    >"$3" 2>&1
  grep -F '[FAIL]' "$3" | sed 's/ *\[FAIL\].*//; s/^ *//' | sort -u
}
socket_host=$(jq -rn --arg s "$WORK/cups-a/cups.sock" '$s | @uri')
direct=$(everywhere a "ipp://$socket_host/printers/office" "$WORK/everywhere-direct.log")
gateway=$(everywhere b "$URI" "$WORK/everywhere-gateway.log")
note "ipp-everywhere.test failures asking CUPS directly: ${direct:-none}"
note "ipp-everywhere.test failures through the gateway: ${gateway:-none}"
check "ipp-everywhere.test ran through the gateway" \
  test "$(grep -c '\[PASS\]' "$WORK/everywhere-gateway.log")" -gt 20
extra=$(comm -13 <(printf '%s\n' "$direct") <(printf '%s\n' "$gateway") | grep . || true)
check "ipp-everywhere.test fails nothing through the gateway that CUPS passes${extra:+: $extra}" \
  test -z "$extra"
icon=$("$L" exec b -- ipptool -tv "$URI" "$TESTS/get-printer-attributes.test" 2>/dev/null |
  sed -n 's/^ *printer-icons (uri) = \([^ ,]*\).*/\1/p' | head -n 1)
note "printer-icons: ${icon:-none}"
png_magic() { head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n'; }
rm -f "$WORK/icon.png"
[ -z "$icon" ] || "$L" exec b -- curl -sf --max-time 10 -o "$WORK/icon.png" "$icon" || true
expect_eq "printer-icons points at the gateway" "http://${URI#ipp://}/icon.png" "$icon"
expect_eq "and the gateway serves a PNG there" 89504e470d0a1a0a "$(png_magic "$WORK/icon.png")"

check "a LAN Host header works, and answers speak of the LAN URI" \
  "$L" exec b -- ipptool -t "$URI" "$HERE/lan-host.test"
check "a queue's jobs reach its output file" wait_until 60 test -s "$OUT"

# 5. Forbidden operations.
for op in CUPS-Get-Document CUPS-Add-Modify-Printer Pause-Printer Purge-Jobs CUPS-Delete-Printer; do
  check "$op is refused" \
    "$L" exec b -- ipptool -t -d op="$op" "$URI" "$HERE/forbidden-operation.test"
done
WEB="http://${URI#ipp://}"
WEB=${WEB%%/ipp/*}
check "GET /admin is refused" \
  test "$("$L" exec b -- curl -s -o /dev/null -w '%{http_code}' "$WEB/admin")" = 403
check "the status page answers" \
  test "$("$L" exec b -- curl -s -o /dev/null -w '%{http_code}' "$WEB/")" = 200

# 6. Jobs of others: one held job of a's own person, one of c (no Hallway,
# a guest). b can neither see nor cancel them, whatever name it claims.
on a lp -d office -H hold -t "a's own job" "$WORK/page.ps" >"$WORK/lp-a.log" 2>&1
OWN_JOB=$(grep -o 'office-[0-9]*' "$WORK/lp-a.log" | cut -d- -f2)
"$L" exec c -- ipptool -tv -f "$WORK/page.pdf" "$URI" "$TESTS/print-job.test" \
  >"$WORK/ipptool-c.log" 2>&1
C_JOB=$(grep -o 'job-id (integer) = [0-9]*' "$WORK/ipptool-c.log" | head -n 1 | grep -o '[0-9]*$')
note "a's own job: ${OWN_JOB:-none}, c's job: ${C_JOB:-none}"
check "a's person and c have jobs" test -n "$OWN_JOB" -a -n "$C_JOB"
check "b can't cancel a's local job, even claiming root" \
  "$L" exec b -- ipptool -t -d job="$OWN_JOB" -d user=root "$URI" "$HERE/cancel-job.test"
check "b can't cancel c's job, even claiming c's name" \
  "$L" exec b -- ipptool -t -d job="$C_JOB" -d user="guest-$("$L" ip c)" "$URI" \
    "$HERE/cancel-job.test"
check "a's job is still held" bash -c "on a lpstat -o office | grep -q 'office-$OWN_JOB '"
"$L" exec b -- ipptool -t "$URI" "$HERE/own-jobs.test" >"$WORK/own-jobs-b.log" 2>&1
B_JOBS=$(grep -o 'job-id (integer) = [0-9]*' "$WORK/own-jobs-b.log" | grep -o '[0-9]*$' |
  sort -n | tr '\n' ' ')
note "Get-Jobs from b lists: ${B_JOBS:-nothing}"
check "b's Get-Jobs lists b's jobs" test -n "$B_JOBS"
check "b's Get-Jobs hides a's and c's jobs" bash -c \
  "! grep -qw '$OWN_JOB' <<<'$B_JOBS' && ! grep -qw '$C_JOB' <<<'$B_JOBS'"
check "jobs carry b's name in a's CUPS, not what b claimed" bash -c \
  "on a lpstat -W all -o office | grep -q 'Bruno Costa'"
check "c's jobs carry its guest name" bash -c "on a lpstat -W all -o office | grep -q 'guest-'"
on a cancel "$OWN_JOB" >/dev/null 2>&1

# 6b. An impostor: c announces b's device id from its own address. Only an
# address that proved b's certificate counts as b, so c stays a guest: it
# neither sees b's jobs nor files its own under b's name.
b_id=$(own_id b)
c_ip=$("$L" ip c)
announce_as c "Bruno Costa on c" "$b_id" "$(ctl b status --json | jq -r .fingerprint)"
check "a hears c announce b's id" wait_until 20 bash -c \
  "peer_field_by_id a '$b_id' addresses | jq -e --arg ip '$c_ip' 'index(\$ip)'"
"$L" exec c -- ipptool -t "$URI" "$HERE/own-jobs.test" >"$WORK/own-jobs-c.log" 2>&1
C_SEES=$(grep -o 'job-id (integer) = [0-9]*' "$WORK/own-jobs-c.log" | grep -o '[0-9]*$' |
  sort -n | tr '\n' ' ')
note "Get-Jobs from c, announcing b's id, lists: ${C_SEES:-nothing}"
check "the impostor's Get-Jobs hides b's jobs" bash -c \
  "for j in $B_JOBS; do grep -qw \$j <<<'$C_SEES' && exit 1; done; exit 0"
check "the impostor's Get-Jobs shows no job as b's" \
  bash -c "! grep -q 'Bruno Costa' '$WORK/own-jobs-c.log'"
kill "$IMPOSTOR"; wait "$IMPOSTOR" 2>/dev/null

# c may cancel its own jobs, and create at most 30 a minute (one already).
created=0
last=""
for i in $(seq 35); do
  if "$L" exec c -- ipptool -tv "$URI" "$HERE/create-job-only.test" >"$WORK/rate.log" 2>&1; then
    created=$((created + 1))
    last=$(grep -o 'job-id (integer) = [0-9]*' "$WORK/rate.log" | head -n 1 | grep -o '[0-9]*$')
  else
    break
  fi
done
note "c created $created more jobs before being refused"
check "a computer creates at most 30 jobs a minute" test "$created" -ge 20 -a "$created" -le 29
check "beyond that Create-Job is refused as busy" \
  "$L" exec c -- ipptool -t "$URI" "$HERE/create-job-busy.test"
check "c cancels its own job" \
  "$L" exec c -- ipptool -t -d job="${last:-0}" "$URI" "$HERE/cancel-own-job.test"
check "which is cancelled in a's CUPS" bash -c \
  "on a lpstat -W completed -o office | grep -q 'office-${last:-0} '"

# 7. lp on b, to the DNS-SD printer: b's CUPS makes a temporary queue
# (no lpadmin) and the job's bytes arrive in a's queue output. -o raw
# keeps them byte for byte.
DEST=$(on b lpstat -e 2>/dev/null | grep -i 'office_printer' | head -n 1)
note "b's CUPS sees: ${DEST:-nothing}"
check "b's CUPS lists the printer (lpstat -e)" test -n "$DEST"
rm -f "$OUT"
head -c 200K /dev/urandom >"$WORK/raw.bin"
printf 'hallway raw marker\n' >>"$WORK/raw.bin"
chmod 0644 "$WORK/raw.bin"
if on b lp -d "$DEST" -o raw "$WORK/raw.bin" >"$WORK/lp-b.log" 2>&1; then
  ok "lp -d <DNS-SD printer> on b is accepted: $(cat "$WORK/lp-b.log")"
else
  not_ok "lp -d <DNS-SD printer> on b is accepted: $(cat "$WORK/lp-b.log")"
fi
check "the job's bytes arrive in a's queue output, identical" \
  wait_until 90 cmp -s "$WORK/raw.bin" "$OUT"
check "b's CUPS made a temporary queue for it" bash -c "on b lpstat -v | grep -q '$DEST'"

# 8. hallwayctl print --wait: through b's CUPS, waits for the end.
rm -f "$OUT"
out=$(on b "$HALLWAYCTL" print "Alice Martin/office" "$WORK/page.pdf" --wait 2>&1); rc=$?
note "print --wait: $(tr '\n' ' ' <<<"$out")"
check "hallwayctl print --wait exits 0" test "$rc" = 0
check "the printed job is in a's output (a PDF)" wait_until 60 grep -q '%PDF' "$OUT"
check "print to an unknown printer is a plain failure" bash -c \
  "ctl b print 'Alice Martin/nope' '$WORK/page.pdf'; [ \$? = 1 ]"
check "print without PEER/ is a usage error" \
  bash -c "ctl b print office '$WORK/page.pdf'; [ \$? = 2 ]"

# "Use as my default" (the window's button): hallwayd writes the person's
# own lpoptions, no lpadmin (in b's private server root, see above).
check "b makes a's printer its default" ctl b printer default "Alice Martin/office"
check "b's CUPS now defaults to it (lpstat -d)" bash -c \
  "on b env CUPS_SERVERROOT='$WORK/options-b' lpstat -d | grep -qi 'office_printer'"

# 9. The announcement follows the queue's state, and outlives an
# avahi-daemon restart (a's own avahi lists it only once re-registered).
txt_state_is() {   # HOST STATE
  browse "$1" _ipp._tcp | grep '"rp=ipp/print/office"' | grep -q "\"printer-state=$2\""
}
export -f txt_state_is
on a cupsdisable office
check "a stopped queue is re-announced (printer-state=5)" wait_until 20 txt_state_is b 5
check "b sees it stopped" wait_until 30 bash -c \
  "ctl b printers --json |
    jq -e '.[] | select(.local == false and .name == \"office\") | .state == \"stopped\"'"
on a cupsenable office
check "and idle again (printer-state=3)" wait_until 20 txt_state_is b 3
"$L" avahi a restart >/dev/null 2>&1
check "the printer is announced again after avahi-daemon restarts" wait_until 20 announced a
check "b resolves it again" wait_until 20 announced b
named() {   # HOST ESCAPED-NAME: a's printer is announced under that name
  browse "$1" _ipp._tcp | grep '"rp=ipp/print/office"' | grep -qF "$2"
}
export -f named
on a lpadmin -p office -D "Front desk printer"
check "a renamed queue is announced under its new name" wait_until 20 \
  named b 'Front\032desk\032printer\032\064\032Alice\032Martin'
on a lpadmin -p office -D "Office printer"
check "and back" wait_until 20 named b "$NAME_ESC"

# 10. Unsharing withdraws the announcement and the gateway's printer.
check "hallwayctl printer unshare office" ctl a printer unshare office
check "c no longer sees the announcement" wait_until 20 not_announced c
check "the gateway no longer serves it" bash -c \
  "! \"$L\" exec b -- ipptool -t '$URI' '$TESTS/get-printer-attributes.test'"
check "b no longer lists it" wait_until 30 bash -c \
  "ctl b printers --json | jq -e 'map(select(.local == false)) | length == 0'"
check "sharing an unknown queue is a plain failure" bash -c "ctl a printer share nope; [ \$? = 1 ]"

# 11. One computer holds at most 4 connections to the gateway; a fifth is
# closed at once, and other computers are still served meanwhile.
GW="/dev/tcp/$("$L" ip a)/$(sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$URI")"
cat >"$WORK/conns.sh" <<EOF
exec 3<>$GW 4<>$GW 5<>$GW 6<>$GW
exec 7<>$GW
# EOF on the fifth within 3 s: the gateway closed it.
timeout 3 cat <&7 >/dev/null || exit 1
# The four others are still open: nothing to read, no EOF.
timeout 1 cat <&3 >/dev/null; [ \$? = 124 ] || exit 2
touch "$WORK/conns.held"
# Hold them while another computer asks.
for i in \$(seq 100); do [ -e "$WORK/conns.done" ] && exit 0; sleep 0.1; done
exit 3
EOF
"$L" exec c -- bash "$WORK/conns.sh" &
CONNS=$!
if wait_until 10 test -e "$WORK/conns.held"; then
  check "the gateway still serves b meanwhile" \
    test "$("$L" exec b -- curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$WEB/")" = 200
fi
touch "$WORK/conns.done"
wait "$CONNS"
check "a fifth connection from one computer is closed at once" test "$?" = 0

# 12. The largest document is the owner's setting (GSettings max-print-size).
XA=$("$L" exec a -- sh -c 'echo $XDG_CONFIG_HOME')
mkdir -p "$XA/glib-2.0/settings"
printf '[io/github/hallwaylan/Hallway]\nmax-print-size=uint64 1048576\n' \
  >"$XA/glib-2.0/settings/keyfile"
stop_daemon a TERM
start_daemon a "Alice Martin" CUPS_SERVER="$WORK/cups-a/cups.sock" GSETTINGS_BACKEND=keyfile \
  GSETTINGS_SCHEMA_DIR="$BUILD_DIR/data" || exit 1
check "a shares office again after a restart" ctl a printer share office
check "the gateway serves it again" wait_until 20 \
  "$L" exec c -- ipptool -t "$URI" "$TESTS/get-printer-attributes.test"
head -c 2M /dev/urandom >"$WORK/two-mib.bin"
chmod 0644 "$WORK/two-mib.bin"
"$L" exec c -- ipptool -tv -f "$WORK/two-mib.bin" "$URI" "$TESTS/print-job.test" \
  >"$WORK/too-large.log" 2>&1
note "over the limit:" \
  "$(grep -iE 'status|large|fail|error' "$WORK/too-large.log" | head -n 4 | tr -s ' \n' ' ')"
check "a document over the owner's limit is refused" grep -q 'too large' "$WORK/too-large.log"
rm -f "$OUT"
check "one under it prints" \
  "$L" exec c -- ipptool -t -f "$WORK/page.pdf" "$URI" "$TESTS/print-job.test"
check "and reaches a's queue" wait_until 60 test -s "$OUT"
