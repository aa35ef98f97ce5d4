#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# GNOME Files' "Other Locations" on a colleague's computer: gvfs on b browses
# DNS-SD (avahi) and finds the folder a shares over mDNS as _webdavs._tcp,
# under network:/// too, then mounts it through davs+sd:// (the address,
# port and path come from the announcement) and downloads a file.
#
# Root only: avahi runs inside simulated computers (tests/lan/office-lan.sh).
# gvfs runs on b's own session bus, so "office-lan.sh down" stops it.
. "$(dirname "$0")/lib.sh"

need_root
need_hallway
need_tool jq jq
need_tool gio libglib2.0-bin
need_tool cmp diffutils
for exe in gvfsd gvfsd-dav gvfsd-dnssd gvfsd-network; do
  [ -x "/usr/libexec/$exe" ] ||
    skip "/usr/libexec/$exe is missing (apt-get install gvfs-daemons gvfs-backends)"
done

# IPv6 stays on, as on a real office LAN: avahi then often resolves the
# share to a link-local IPv6 address, which gvfs connects to with a scope id
# (fe80::…%eth0). HWLAN_IPV6=0 tries IPv4 only.
export HWLAN_PREFIX=hwiogio HWLAN_SUBNET=10.83.0 HWLAN_IPV6=${HWLAN_IPV6:-1}
work_dir
lan_up 2
lan_hallway a "Alice Martin"

SHARE_DIR=$WORK/shared
make_fixture "$SHARE_DIR"
lan_ctl a share add "$SHARE_DIR" --name "Team files" --access read-only --audience everyone \
  >/dev/null ||
  bail "hallwayctl share add failed on a"
INSTANCE="Team files on Alice Martin"

# gio on b, with gvfs (the test environment's GIO_USE_VFS=local hides it).
g() {
  "$L" exec b -- env -u GIO_USE_VFS -u G_DEBUG -u MALLOC_CHECK_ GIO_USE_VOLUME_MONITOR=unix \
    GSETTINGS_BACKEND=memory timeout 60 gio "$@"
}

# Sanity: b's avahi sees the announcement at all (avahi-browse -p writes a
# space as \032).
INSTANCE_P=${INSTANCE// /\\032}
browse() {
  "$L" exec b -- avahi-browse -rpt _webdavs._tcp 2>/dev/null | grep -F "$INSTANCE_P" | grep -q '^='
}
if wait_until 30 browse; then
  ok "b's avahi resolves ‘$INSTANCE’ (_webdavs._tcp)"
else
  not_ok "b's avahi resolves ‘$INSTANCE’ (_webdavs._tcp)"
  exit 1
fi
txt=$("$L" exec b -- avahi-browse -rpt _webdavs._tcp | grep -F "$INSTANCE_P" | grep '^=' |
  head -n 1)
note "announced: $txt"
check "the TXT record has path=/shares/…/" grep -q '"path=/shares/[^"]*/"' <<<"$txt"
check "the TXT record has a u= key (gvfs requires one)" grep -q '"u=[^"]*"' <<<"$txt"

# dns-sd://local/ lists services of the kinds gvfs knows, by instance name.
listed_in() {   # URI: the share shows up there (display name or name)
  g list -a standard::display-name "$1" 2>/dev/null | grep -qF "$INSTANCE"
}
if wait_until 30 listed_in dns-sd://local/; then
  ok "gio list dns-sd://local/ shows ‘$INSTANCE’"
else
  not_ok "gio list dns-sd://local/ shows ‘$INSTANCE’"
  g list -a standard::display-name dns-sd://local/ 2>&1 | sed 's/^/#   /'
fi
g list -a standard::display-name,standard::target-uri dns-sd://local/ \
  >"$WORK/dnssd-list.txt" 2>&1 || true
sed 's/^/#   /' "$WORK/dnssd-list.txt"
# Each entry: "name<TAB>size<TAB>(type)<TAB>attr=value attr=value…".
target=$(awk -v n="$INSTANCE" 'index($0, n) {
    for (i = 1; i <= NF; i++)
      if ($i ~ /^standard::target-uri=/) { sub(/^standard::target-uri=/, "", $i); print $i; exit }
  }' "$WORK/dnssd-list.txt")
note "target: ${target:-none}"
check "its target is a davs+sd:// location" grep -q '^davs+sd://' <<<"$target"

if wait_until 30 listed_in network:///; then
  ok "gio list network:/// shows ‘$INSTANCE’ (GNOME Files' Other Locations)"
else
  not_ok "gio list network:/// shows ‘$INSTANCE’"
  g list -a standard::display-name network:/// 2>&1 | sed 's/^/#   /'
fi

# Mount through DNS-SD; gvfs asks about the self-signed certificate, and
# "1" (Yes) is piped to gio mount's prompt. gvfs resolves the service, starts
# at the TXT path (and would climb to the highest parent that is still a
# WebDAV folder: /shares/ must not be one); the mount's root, which GNOME
# Files opens, must show the share's files.
if [ -n "$target" ]; then
  if printf '1\n' | g mount "$target" >"$WORK/gio-mount.log" 2>&1; then
    ok "gio mount $target"
  else
    not_ok "gio mount $target"
    sed 's/^/#   /' "$WORK/gio-mount.log"
  fi
  check "gvfs asked about the self-signed certificate" \
    grep -q "Are you really sure you would like to continue" "$WORK/gio-mount.log"
  root=$(g mount -l 2>/dev/null |
    sed -n 's/^Mount([0-9]*): .* -> \(davs+sd:\/\/.*\)$/\1/p' | head -n 1) || true
  note "mount root: ${root:-none}"
  if [ -z "$root" ]; then
    not_ok "gvfs has no davs+sd:// mount to list or copy from"
    exit 1
  fi
  root=${root%/}/
  got=$(g list "$root" 2>/dev/null | LC_ALL=C sort) || true
  expect_eq "gio list of the mount's root shows the share's files" \
    "$(printf '%s\n' "${FIXTURE_TOP[@]}" | LC_ALL=C sort)" "$got"
  mkdir -p "$WORK/down"
  for f in "$UNICODE_FILE" "$BIG_FILE"; do
    out=$WORK/down/$f
    if g copy "$root$(urlpath "$f")" "$out" 2>"$WORK/gio-copy.log" &&
       cmp -s "$SHARE_DIR/$f" "$out"; then
      ok "gio copy ‘$f’ through davs+sd:// is byte-identical"
    else
      not_ok "gio copy ‘$f’ through davs+sd:// is byte-identical"
      sed 's/^/#   /' "$WORK/gio-copy.log"
    fi
  done
  check "gio mount -u" g mount -u "$root"
fi
