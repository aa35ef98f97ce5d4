# SPDX-License-Identifier: GPL-3.0-or-later
# Shared helpers for the interoperability tests: stock clients (gvfs, rclone,
# curl, Chromium) talk to a real hallwayd. Each test sources this file.
#
# Local tests (no root): start_hallway runs a private hallwayd on 127.0.0.1
# with its own XDG dirs, its own session bus and a free port, and shares a
# fixture folder (read-write, everyone) at $SHARE_URL.
# LAN tests (root): lan_up builds simulated computers with
# tests/lan/office-lan.sh, for what needs avahi (mDNS).
#
# Output is TAP-like ("ok 1 - …" / "not ok 2 - …"). Exit status: 0 when every
# check passed, 1 otherwise, 77 (skip) when something the test needs is
# missing from this machine; the reason is printed.

set -euo pipefail

INTEROP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$INTEROP_DIR/../.." && pwd)
# shellcheck source=../lib.sh
. "$INTEROP_DIR/../lib.sh"
BUILD_DIR=${HALLWAY_BUILD_DIR:-$TOP_DIR/build}
HALLWAYD=$BUILD_DIR/daemon/hallwayd
HALLWAYCTL=$BUILD_DIR/ctl/hallwayctl
L=$TOP_DIR/tests/lan/office-lan.sh
TEST_NAME=$(basename "$0" .sh)
# Screenshots and other things worth keeping after a run.
ARTIFACTS=${HALLWAY_ARTIFACTS:-$BUILD_DIR/artifacts}

CHECKS=0
FAILED=0
SKIPPED=0
HALLWAYD_PID=""
LAN_STARTED=0
declare -a CLEANUPS=()

# The fixture: what a person might share. FIXTURE_FILES are the regular
# files (relative paths), FIXTURE_TOP what a listing of the share's root shows.
BIG_FILE="big.bin"
BIG_SIZE=$((3 * 1024 * 1024))
UNICODE_FILE="Café menü.txt"
FIXTURE_FILES=(
  "$UNICODE_FILE"
  "empty.txt"
  "hello.txt"
  "R&D 100% #1.txt"
  "$BIG_FILE"
  "Nested folder/notes with spaces.txt"
  "Nested folder/deeper/leaf.txt"
  "Ünïcödé/日本語.txt"
)
FIXTURE_TOP=("$UNICODE_FILE" "empty.txt" "hello.txt" "R&D 100% #1.txt" "$BIG_FILE"
  "Nested folder" "Ünïcödé" "Empty folder")

# --- TAP ---------------------------------------------------------------------

ok() {
  CHECKS=$((CHECKS + 1))
  echo "ok $CHECKS - $*"
}

not_ok() {
  CHECKS=$((CHECKS + 1))
  FAILED=$((FAILED + 1))
  echo "not ok $CHECKS - $*"
}

# check DESCRIPTION CMD...: one check, from a command's exit status; the
# command's output is shown (as comments) only when it fails.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then
    ok "$what"
  else
    not_ok "$what"
    [ -z "$out" ] || printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
  fi
}

# expect_eq DESCRIPTION EXPECTED GOT
expect_eq() {
  if [ "$2" = "$3" ]; then
    ok "$1"
  else
    not_ok "$1: expected ‘$2’, got ‘$3’"
  fi
}

note() {
  echo "# $*"
}

# skip REASON: the whole test can't run here (exit 77, meson's "skipped").
skip() {
  SKIPPED=1
  echo "1..0 # SKIP $TEST_NAME: $*"
  exit 77
}

bail() {
  echo "Bail out! $*"
  exit 1
}

# need_tool COMMAND DEBIAN-PACKAGE
need_tool() {
  command -v "$1" >/dev/null 2>&1 ||
    skip "$1 is missing (apt-get install $2, or run build-aux/install-deps.sh)"
}

need_root() {
  [ "$(id -u)" -eq 0 ] || skip "needs root: it builds simulated computers in network namespaces"
}

need_hallway() {
  [ -x "$HALLWAYD" ] && [ -x "$HALLWAYCTL" ] ||
    bail "no hallwayd/hallwayctl in $BUILD_DIR (build first, or set HALLWAY_BUILD_DIR)"
}

# on_exit CMD: run CMD (a string, eval'd) at exit, last registered first.
on_exit() {
  CLEANUPS=("$1" "${CLEANUPS[@]}")
}

finish() {
  local status=$? cmd
  set +e
  for cmd in "${CLEANUPS[@]}"; do
    eval "$cmd" >/dev/null 2>&1
  done
  if [ -n "$HALLWAYD_PID" ]; then
    kill "$HALLWAYD_PID" 2>/dev/null
    wait "$HALLWAYD_PID" 2>/dev/null
  fi
  if [ "$SKIPPED" = 0 ] && { [ "$FAILED" -gt 0 ] || [ "$status" -ne 0 ]; }; then
    for log in "$WORK"/*.log; do
      [ -s "$log" ] || continue
      echo "# --- $(basename "$log") (last 30 lines)"
      tail -n 30 "$log" | sed 's/^/#   /'
    done
  fi
  if [ "$LAN_STARTED" = 1 ]; then
    "$L" down >/dev/null 2>&1
  fi
  rm -rf "$WORK"
  [ "$SKIPPED" = 1 ] && exit 77
  echo "1..$CHECKS"
  if [ "$FAILED" -gt 0 ]; then
    echo "# $FAILED of $CHECKS checks failed"
    exit 1
  fi
  exit "$status"
}

# --- Work dir, private session -------------------------------------------------

# in_private_session "$@": re-runs the calling script inside its own session
# bus (dbus-run-session), with XDG dirs of its own, so that hallwayctl and
# gvfs talk to this test's daemons only and everything they started stops
# with the bus. Call it first thing; it returns in the re-run script.
in_private_session() {
  if [ -z "${HALLWAY_INTEROP_WORK:-}" ]; then
    need_tool dbus-run-session dbus-daemon
    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/hallway-$TEST_NAME.XXXXXX")
    mkdir -p "$work/config" "$work/data" "$work/state" "$work/cache" "$work/runtime"
    chmod 700 "$work/runtime"
    # The bus daemon and the services it starts (gvfsd…) log to bus.log
    # rather than over the test's output.
    printf '#!/bin/sh\nexec dbus-daemon "$@" 2>>"%s/bus.log"\n' "$work" >"$work/dbus-daemon"
    chmod +x "$work/dbus-daemon"
    # The bus daemon hands this environment to the services it starts.
    local rc=0
    env HALLWAY_INTEROP_WORK="$work" \
      XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" \
      XDG_STATE_HOME="$work/state" XDG_CACHE_HOME="$work/cache" \
      XDG_RUNTIME_DIR="$work/runtime" GSETTINGS_BACKEND=memory \
      dbus-run-session --dbus-daemon="$work/dbus-daemon" -- bash "$0" "$@" || rc=$?
    rm -rf "$work"
    exit "$rc"
  fi
  WORK=$HALLWAY_INTEROP_WORK
  trap finish EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# work_dir: a work dir for tests that don't need a private session (LAN).
work_dir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/hallway-$TEST_NAME.XXXXXX")
  trap finish EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# --- URLs ----------------------------------------------------------------------

# urlpath PATH: percent-encodes each segment of a relative path.
urlpath() {
  jq -rn --arg p "$1" '$p | split("/") | map(@uri) | join("/")'
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# --- Fixture ---------------------------------------------------------------------

# make_fixture DIR: unicode names, spaces, reserved URL characters, an empty
# file, an empty folder, nested folders and a 3 MiB random file.
make_fixture() {
  local d=$1
  mkdir -p "$d/Nested folder/deeper" "$d/Ünïcödé" "$d/Empty folder"
  printf 'Soupe du jour: 6 €\nCrème brûlée: 4 €\n' >"$d/$UNICODE_FILE"
  : >"$d/empty.txt"
  printf 'hello from Hallway\n' >"$d/hello.txt"
  printf 'reserved characters in a name\n' >"$d/R&D 100% #1.txt"
  head -c "$BIG_SIZE" /dev/urandom >"$d/$BIG_FILE"
  printf 'a note\n' >"$d/Nested folder/notes with spaces.txt"
  seq 1 1000 >"$d/Nested folder/deeper/leaf.txt"
  printf 'こんにちは\n' >"$d/Ünïcödé/日本語.txt"
}

# --- GNOME's gvfs ------------------------------------------------------------------

# need_gvfs: gio and gvfs's WebDAV backend are here, or the test skips.
need_gvfs() {
  need_tool gio libglib2.0-bin
  [ -x /usr/libexec/gvfsd ] && [ -x /usr/libexec/gvfsd-dav ] ||
    skip "gvfs's daemons or WebDAV backend are missing (apt-get install gvfs-daemons gvfs-backends)"
}

# g ARGS…: gio with gvfs. The test environment sets GIO_USE_VFS=local (which
# hides gvfs) and G_DEBUG=fatal-warnings (meant for Hallway, not for gio's
# own warnings); volume monitors are of no use here and would start udisks
# clients.
g() {
  env -u GIO_USE_VFS -u G_DEBUG -u MALLOC_CHECK_ GIO_USE_VOLUME_MONITOR=unix \
    timeout 60 gio "$@"
}

# --- Headless Chromium ----------------------------------------------------------

# need_chromium: sets CHROMIUM and FLAGS (a profile of the test's own) and
# defines chromium ARGS…, a headless run logging to chromium.log.
need_chromium() {
  CHROMIUM=${CHROMIUM:-$(type -P chromium || type -P chromium-browser || true)}
  if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
    skip "chromium is missing (apt-get install chromium)"
  fi
  local profile
  profile=$(mktemp -d "$WORK/chromium-profile.XXXXXX")
  # --no-sandbox: Chromium's sandbox refuses to run as root; the rest keeps a
  # headless browser from calling home or trying QUIC, and accepts Hallway's
  # self-signed certificate.
  FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --ignore-certificate-errors --user-data-dir="$profile")
}

chromium() {
  env -u G_DEBUG -u MALLOC_CHECK_ HOME="$WORK" timeout 90 "$CHROMIUM" "${FLAGS[@]}" "$@" \
    2>>"$WORK/chromium.log"
}

# cdp SCRIPT ARGS…: runs a DevTools script of this folder against CHROMIUM.
cdp() {
  local script=$1
  shift
  env -u G_DEBUG -u MALLOC_CHECK_ HOME="$WORK" CDP_LOG="$WORK/chromium.log" \
    timeout 150 python3 "$INTEROP_DIR/$script" "$CHROMIUM" "$@"
}

# png_size FILE: "WIDTHxHEIGHT" of a PNG, or fails.
png_size() {
  python3 -c 'import struct, sys
d = open(sys.argv[1], "rb").read(24)
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
print("%dx%d" % struct.unpack(">II", d[16:24]))' "$1"
}

# --- A private hallwayd on 127.0.0.1 -------------------------------------------------

ctl() {
  "$HALLWAYCTL" "$@"
}

# hallway_serving: the HTTPS port answers (any HTTP status).
hallway_serving() {
  local code
  code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "https://127.0.0.1:$PORT/") || true
  [ -n "$code" ] && [ "$code" != 000 ]
}

# start_hallway: hallwayd on a free port, sharing a fixture folder
# $SHARE_DIR read-write with everyone; sets PORT, SHARE_ID, SHARE_URL.
start_hallway() {
  need_hallway
  need_tool jq jq
  need_tool curl curl
  need_tool python3 python3
  PORT=${HALLWAY_PORT:-$(free_port)}
  HALLWAY_PORT=$PORT HALLWAY_NAME="Interop Tester" G_MESSAGES_DEBUG=all \
    "$HALLWAYD" >"$WORK/hallwayd.log" 2>&1 </dev/null &
  HALLWAYD_PID=$!
  local deadline=$((${EPOCHREALTIME/./} + 20000000))
  # Ready once it answers on its bus and on its port; stop early if it died.
  until ctl status >/dev/null 2>&1 && hallway_serving; do
    kill -0 "$HALLWAYD_PID" 2>/dev/null || bail "hallwayd exited at start-up (see its log above)"
    [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || bail "hallwayd not ready after 20 s"
    sleep 0.1
  done
  SHARE_DIR=$WORK/shared
  make_fixture "$SHARE_DIR"
  ctl share add "$SHARE_DIR" --name "Interop" --access read-write --audience everyone \
    >"$WORK/share-add.log" 2>&1 || bail "hallwayctl share add failed: $(cat "$WORK/share-add.log")"
  SHARE_ID=$(ctl share list --json | jq -r '.[] | select(.name == "Interop") | .id')
  [ -n "$SHARE_ID" ] || bail "the new share is not in ‘hallwayctl share list --json’"
  SHARE_PATH=/shares/$SHARE_ID/
  SHARE_URL=https://127.0.0.1:$PORT$SHARE_PATH
  wait_until 10 curl -skf -o /dev/null -X PROPFIND -H 'Depth: 0' "$SHARE_URL" ||
    bail "PROPFIND of $SHARE_URL does not succeed"
  note "hallwayd pid $HALLWAYD_PID, $SHARE_URL"
}

# add_share DIR NAME ACCESS: shares DIR with everyone, as NAME with ACCESS
# (read-only, read-write, drop-box), once it answers; prints its id.
add_share() {
  local dir=$1 name=$2 access=$3 id
  mkdir -p "$dir"
  ctl share add "$dir" --name "$name" --access "$access" --audience everyone \
    >"$WORK/share-add-$access.log" 2>&1 ||
    bail "could not share $dir: $(cat "$WORK/share-add-$access.log")"
  id=$(ctl share list --json | jq -r --arg n "$name" '.[] | select(.name == $n) | .id')
  wait_until 10 curl -skf -o /dev/null -X PROPFIND -H 'Depth: 0' \
    "https://127.0.0.1:$PORT/shares/$id/" || bail "the share $name does not answer"
  echo "$id"
}

# --- Simulated office LAN (root) ------------------------------------------------------

# lan_up N: N simulated computers; the caller sets HWLAN_PREFIX/HWLAN_SUBNET.
lan_up() {
  need_root
  local tool
  for tool in ip nsenter avahi-daemon dbus-daemon; do
    command -v "$tool" >/dev/null || skip "$tool is missing (run build-aux/install-deps.sh)"
  done
  LAN_STARTED=1
  # A machine that can't make network namespaces or run avahi can't run
  # this test at all: that is a skip, with office-lan.sh's reason.
  if ! "$L" up "$1" >"$WORK/lan-up.log" 2>&1; then
    skip "could not build the simulated LAN: $(grep -v '^\s*$' "$WORK/lan-up.log" | tail -n 1)"
  fi
}

# lan_hallway HOST NAME: hallwayd on HOST; its pid is killed at exit (and
# "office-lan.sh down" stops anything left in the namespaces).
lan_hallway() {
  local host=$1 name=$2 pid
  "$L" exec "$host" -- env HALLWAY_NAME="$name" GSETTINGS_BACKEND=memory \
    G_MESSAGES_DEBUG=hallwayd,hallway-share "$HALLWAYD" \
    >>"$WORK/hallwayd-$host.log" 2>&1 </dev/null &
  pid=$!
  on_exit "kill $pid; wait $pid"
  wait_until 20 "$L" exec "$host" -- "$HALLWAYCTL" status ||
    bail "hallwayd does not start on $host"
}

lan_ctl() {
  local host=$1
  shift
  "$L" exec "$host" -- "$HALLWAYCTL" "$@"
}
