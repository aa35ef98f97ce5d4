#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs what Hallway needs to build, run and test on Debian 12, and
# nothing when it is all there already. Used by build-aux/run-demo and
# build-aux/run-tests; the package list lives here and only here.
set -euo pipefail

PACKAGES=(
  # build
  gcc libc6-dev meson ninja-build pkg-config gettext
  libglib2.0-dev libglib2.0-bin libsoup-3.0-dev libgnutls28-dev libjson-glib-dev
  libavahi-client-dev libavahi-glib-dev libcups2-dev
  # run: TLS for GIO, mDNS, the session bus
  glib-networking avahi-daemon avahi-utils dbus dbus-daemon
  # tests: simulated office computers, JSON checks, fuzzing
  iproute2 util-linux nftables python3 curl jq clang libclang-rt-14-dev
  # tests: a site DNS server for unicast DNS-SD on the simulated router
  dnsmasq-base
  # tests: .local names over mDNS on simulated computers, as Debian desktops have it
  libnss-mdns
  # tests: a real cupsd with a file-backed queue on simulated computers
  cups-daemon cups-client cups-ipp-utils cups-filters ghostscript
  # interop: stock WebDAV clients against our server
  litmus gvfs-backends gvfs-daemons rclone chromium openssl
  # interop: the mirroring tools people use on a folder page (wget -r, lftp mirror)
  wget lftp
  # the window (gui/) and its tests: headless X, AT-SPI, screenshots, data checks
  libgtk-4-dev libadwaita-1-dev xvfb xauth weston at-spi2-core python3-dogtail xdotool
  imagemagick desktop-file-utils appstream fonts-cantarell
  # manual pages, bash completion, the GNOME Files extension and its end-to-end test
  scdoc bash-completion libnautilus-extension-dev nautilus
  # the Debian package (debian/) and its checks
  dpkg-dev debhelper lintian
)

# Only for bench/ (the tools people use instead): `install-deps.sh --bench`.
BENCH_PACKAGES=(apache2 nginx samba smbclient openssh-server openssh-client rsync time)
if [ "${1:-}" = --bench ]; then
  PACKAGES+=("${BENCH_PACKAGES[@]}")
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing: ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "Installing packages needs root, and sudo is not available: run this as root." >&2
    exit 1
  fi
  SUDO=(sudo)
fi

# Don't let package scripts start system services (avahi-daemon on the
# machine's real network) where there is no init to manage them: Hallway's
# tests and demo run their own daemons in their own namespaces.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ] && [ ! -d /run/systemd/system ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod 755 "$policy"
  added_policy=1
fi
cleanup() {
  if [ "$added_policy" = 1 ]; then "${SUDO[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists when they are missing or older than a day.
lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)
if [ -z "$lists" ]; then
  "${SUDO[@]}" apt-get update -qq
fi
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed ${#missing[@]} package(s)."
