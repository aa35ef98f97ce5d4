#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An IPv6-only office network: no IPv4 at all, so mDNS hands out link-local
# addresses (fe80::…%eth0) until a router advertises a prefix.
# - Hallway finds a neighbour and copies from it over a link-local address;
# - hallwayctl add-peer 'fe80::…%eth0' (and '[fe80::…%eth0]:PORT') reaches
#   a computer whose mDNS is blocked, and is remembered across a restart;
# - once the network has a prefix (a unique local address on each
#   computer), a stock client, GNOME's gio, finds a share over DNS-SD and
#   mounts it. On link-local addresses alone, stock GNOME on Debian 12
#   can't (see below): what it says is noted.
. "$(dirname "$0")/lib.sh"

for tool in gio /usr/libexec/gvfsd-dav /usr/libexec/gvfsd-dnssd; do
  if ! command -v "$tool" >/dev/null; then
    echo "Bail out! $tool is missing; run build-aux/install-deps.sh"
    exit 1
  fi
done

export HWLAN_IPV4=0
lan_up 3
mkdir -p "$WORK/docs" "$WORK/got"
head -c 1M /dev/urandom >"$WORK/docs/plan.bin"
printf 'hello over IPv6\n' >"$WORK/docs/hello.txt"
"$L" block-mdns c
start_daemon a "Alice Martin" || exit 1
start_daemon b "Bruno Costa" || exit 1
start_daemon c "Chloé Dubois" || exit 1
ctl a share add "$WORK/docs" --name Docs --access read-only --audience everyone >/dev/null
a6=$("$L" ip a -6)
c6=$("$L" ip c -6)

# 1. Discovery and copying over link-local addresses.
check "b finds a on an IPv6-only network" ctl b peers --wait 1 --timeout 20
check "at its link-local address, with the interface" \
  bash -c "ctl b peers --json | jq -e '.[] | select(.name == \"Alice Martin\") |
    .online and (.addresses | index(\"$a6%eth0\"))'"
check "b lists a's folder" bash -c "ctl b ls 'Alice Martin/Docs' | grep -q plan.bin"
check "b copies from a" ctl b get "Alice Martin/Docs/plan.bin" --to "$WORK/got" --wait
check "identical" cmp "$WORK/docs/plan.bin" "$WORK/got/plan.bin"

# 2. add-peer by link-local address: c's mDNS is blocked.
check "b can't find c through mDNS" bash -c "! ctl b peers --wait 2 --timeout 3"
out=$(ctl b add-peer "$c6%eth0" 2>&1); rc=$?
note "$out"
check "add-peer '$c6%eth0' succeeds" test "$rc" = 0
check "and names the computer" grep -q "Chloé Dubois" <<<"$out"
check "c is listed online, added by hand" peer_is b "Chloé Dubois" source manual
out=$(ctl a add-peer "[$c6%eth0]:53535" 2>&1); rc=$?
check "add-peer '[$c6%eth0]:53535' succeeds too" test "$rc" = 0
out=$(ctl a add-peer "$c6%nosuchif" 2>&1); rc=$?
check "an unknown interface is a plain failure" test "$rc" = 1
stop_daemon b TERM
start_daemon b "Bruno Costa" || exit 1
check "after a restart b reaches c again at its link-local address" \
  wait_until 20 peer_is b "Chloé Dubois" online true

# 3. A stock client on b: gio (gvfs) with its own session bus.
g() {
  "$L" exec b -- env -u GIO_USE_VFS -u G_DEBUG -u MALLOC_CHECK_ GIO_USE_VOLUME_MONITOR=unix \
    GSETTINGS_BACKEND=memory timeout 60 gio "$@"
}
INSTANCE="Docs on Alice Martin"
listed() {
  g list -a standard::display-name,standard::target-uri dns-sd://local/ 2>/dev/null |
    grep -F "$INSTANCE" >"$WORK/listed.txt"
}
# The mount's root is the share's folder, where gvfs was sent by the TXT path=.
mount_root() {
  g mount -l 2>/dev/null | sed -n 's/^Mount([0-9]*): .* -> \(davs+sd:\/\/.*\)$/\1/p' |
    head -n 1
}
mount_and_copy() {   # WHAT
  local target root
  target=$(sed -n 's/.*standard::target-uri=\(davs+sd:[^ ]*\).*/\1/p' "$WORK/listed.txt" |
    head -n 1)
  [ -n "$target" ] || target="davs+sd://Docs%20on%20Alice%20Martin._webdavs._tcp.local/"
  note "gio mount $target"
  printf '1\n' | g mount "$target" >"$WORK/gio-mount.log" 2>&1
  root=$(mount_root)
  if [ -n "$root" ] && g copy "${root%/}/hello.txt" "$WORK/got/hello-$1.txt" \
       >>"$WORK/gio-mount.log" 2>&1 && cmp -s "$WORK/docs/hello.txt" "$WORK/got/hello-$1.txt"
  then
    ok "gio mounts the share found over DNS-SD and copies a file ($1)"
  else
    not_ok "gio mounts the share found over DNS-SD and copies a file ($1)"
    sed 's/^/#   /' "$WORK/gio-mount.log"
  fi
  [ -z "$root" ] || g mount -u "$root" >/dev/null 2>&1
}

# On link-local addresses alone, a stock GNOME can't: with libnss-mdns
# (Debian's default) gvfs connects by name, and nss-mdns answers the
# link-local address without its interface ("Invalid argument"); without
# it, glib-networking before 2.80 sends the address as the TLS server name,
# which RFC 6066 forbids and GnuTLS servers refuse. Both are on the client.
printf '1\n' | g mount "davs+sd://Docs%20on%20Alice%20Martin._webdavs._tcp.local/" \
  >"$WORK/gio-link-local.log" 2>&1 || true
note "gio on link-local addresses alone: $(tr '\n' ' ' <"$WORK/gio-link-local.log")"
root=$(mount_root)
[ -z "$root" ] || g mount -u "$root" >/dev/null 2>&1

# 4. The router starts advertising a prefix: every computer gets a unique
# local address, which avahi announces instead of the link-local one.
for h in a b c; do
  "$L" exec "$h" -- ip addr add "$("$L" ip "$h" -6 | sed 's/^fe80::/fd77:4c53::/')/64" \
    dev eth0 nodad
done
check "b reaches a at its new address" wait_until 30 bash -c \
  "ctl b peers --json | jq -e '.[] | select(.name == \"Alice Martin\") |
    .online and any(.addresses[]; startswith(\"fd77:\"))'"
if wait_until 30 listed; then
  ok "gio lists ‘$INSTANCE’ under dns-sd://local/"
else
  not_ok "gio lists ‘$INSTANCE’ under dns-sd://local/"
fi
mount_and_copy "unique local address"
