# SPDX-License-Identifier: GPL-3.0-or-later
# Shared helpers for Hallway's LAN tests: each test script sources this,
# builds a simulated office with office-lan.sh, starts hallwayd on some of
# its computers and checks what a person would see with hallwayctl.
#
# Output is TAP-like ("ok 1 - …" / "not ok 2 - …"); the script exits 0 when
# every check passed, 1 otherwise, and 77 (skip) when not run as root.

set -u

LAN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
. "$LAN_DIR/../lib.sh"
L="$LAN_DIR/office-lan.sh"
BUILD_DIR=${HALLWAY_BUILD_DIR:-$(cd "$LAN_DIR/../.." && pwd)/build}
HALLWAYD="$BUILD_DIR/daemon/hallwayd"
HALLWAYCTL="$BUILD_DIR/ctl/hallwayctl"
TEST_NAME=$(basename "$0" .sh)

# One prefix per test script and run, so neither another test nor the same
# test running in another checkout at the same time can tear this one down.
export HWLAN_PREFIX=${HWLAN_PREFIX:-hw$(printf '%s' "$TEST_NAME.$$" | cksum | cut -c1-6)}
export HWLAN_STATE=${HWLAN_STATE:-/tmp/$HWLAN_PREFIX}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hallway-$TEST_NAME.XXXXXX")
declare -A DAEMON_PID=()
CHECKS=0
FAILED=0

if [ "$(id -u)" -ne 0 ]; then
  echo "1..0 # SKIP $TEST_NAME needs root: it builds simulated computers in network namespaces"
  exit 77
fi
for tool in jq ip nsenter avahi-daemon dbus-daemon; do
  if ! command -v "$tool" >/dev/null; then
    echo "Bail out! $tool is missing; run build-aux/install-deps.sh"
    exit 1
  fi
done
if [ ! -x "$HALLWAYD" ] || [ ! -x "$HALLWAYCTL" ]; then
  echo "Bail out! no hallwayd/hallwayctl in $BUILD_DIR (set HALLWAY_BUILD_DIR)"
  exit 1
fi

ok() {
  CHECKS=$((CHECKS + 1))
  echo "ok $CHECKS - $*"
}

not_ok() {
  CHECKS=$((CHECKS + 1))
  FAILED=$((FAILED + 1))
  echo "not ok $CHECKS - $*"
}

# check DESCRIPTION CMD...: one check, from a command's exit status.
check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else not_ok "$what"; fi
}

# expect_eq DESCRIPTION EXPECTED GOT
expect_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected ‘$2’, got ‘$3’"; fi
}

note() {
  echo "# $*"
}

# Elapsed milliseconds since an EPOCHREALTIME value.
ms_since() {
  local start=$1 now=$EPOCHREALTIME
  echo $(( (${now/./} - ${start/./}) / 1000 ))
}

finish() {
  local status=$?
  set +e
  for host in "${!DAEMON_PID[@]}"; do
    kill "${DAEMON_PID[$host]}" 2>/dev/null
  done
  for host in "${!DAEMON_PID[@]}"; do
    wait "${DAEMON_PID[$host]}" 2>/dev/null
  done
  if [ "$FAILED" -gt 0 ] || [ "$status" -ne 0 ]; then
    for log in "$WORK"/*.log; do
      [ -f "$log" ] || continue
      echo "# --- $(basename "$log") (last 40 lines)"
      tail -n 40 "$log" | sed 's/^/#   /'
    done
  fi
  "$L" down >/dev/null 2>&1
  rm -rf "$WORK"
  echo "1..$CHECKS"
  if [ "$FAILED" -gt 0 ]; then
    echo "# $FAILED of $CHECKS checks failed"
    exit 1
  fi
  exit "$status"
}

lan_up() {
  trap finish EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if ! "$L" up "$1" >"$WORK/lan-up.log" 2>&1; then
    cat "$WORK/lan-up.log"
    echo "Bail out! could not build the simulated office"
    exit 1
  fi
}

# start_daemon HOST NAME [ENV=VALUE...]: hallwayd on HOST, announced as NAME.
start_daemon() {
  local host=$1 name=$2
  shift 2
  "$L" exec "$host" -- env HALLWAY_NAME="$name" G_MESSAGES_DEBUG=hallwayd,hallway-share \
    GSETTINGS_BACKEND=memory "$@" "$HALLWAYD" >>"$WORK/hallwayd-$host.log" 2>&1 </dev/null &
  DAEMON_PID[$host]=$!
  # Ready once it answers on its own bus.
  if ! wait_until 20 "$L" exec "$host" -- "$HALLWAYCTL" status; then
    not_ok "hallwayd starts on $host"
    return 1
  fi
}

stop_daemon() {
  local host=$1 signal=${2:-TERM}
  kill -s "$signal" "${DAEMON_PID[$host]}" 2>/dev/null
  wait "${DAEMON_PID[$host]}" 2>/dev/null
  unset "DAEMON_PID[$host]"
}

ctl() {
  local host=$1
  shift
  "$L" exec "$host" -- "$HALLWAYCTL" "$@"
}

# peer_field HOST NAME FIELD: one field of the neighbour called NAME as HOST sees it.
peer_field() {
  ctl "$1" peers --json | jq -r --arg n "$2" --arg f "$3" '.[] | select(.name == $n) | .[$f]'
}

# peer_is HOST NAME FIELD VALUE: succeeds when that field has that value.
peer_is() {
  [ "$(peer_field "$1" "$2" "$3")" = "$4" ]
}

own_id() {
  ctl "$1" status --json | jq -r .id
}

peer_field_by_id() {
  ctl "$1" peers --json | jq -r --arg i "$2" --arg f "$3" '.[] | select(.id == $i) | .[$f]'
}

peer_id_is() {
  [ "$(peer_field_by_id "$1" "$2" "$3")" = "$4" ]
}

# lists_online HOST NAME...: HOST lists every NAME, online.
lists_online() {
  local host=$1 name
  shift
  for name in "$@"; do
    peer_is "$host" "$name" online true || return 1
  done
}

# peer_has_impostor HOST ID: HOST saw an address announce ID with another
# certificate.
peer_has_impostor() {
  [ "$(ctl "$1" peers --json |
       jq --arg i "$2" '.[] | select(.id == $i) | .impostor_addresses | length')" -gt 0 ]
}

# check_within SECONDS DESCRIPTION CMD...: one check that CMD succeeds within
# SECONDS, saying how long it took.
check_within() {
  local seconds=$1 what=$2 start=$EPOCHREALTIME
  shift 2
  if wait_until "$seconds" "$@"; then
    ok "$what ($(ms_since "$start") ms)"
  else
    not_ok "$what"
  fi
}

# announce_as HOST NAME ID FINGERPRINT: HOST announces _hallway._tcp under
# someone else's device id and fingerprint, pointing at its own port (an
# impostor: its certificate is not that id's). Sets IMPOSTOR to the pid.
announce_as() {
  "$L" exec "$1" -- avahi-publish -s "$2" _hallway._tcp 53535 \
    v=1 "id=$3" "fp=$4" host=office-a shares=0 printers=0 drop=0 \
    >>"$WORK/impostor.log" 2>&1 &
  IMPOSTOR=$!
}

# Checks often run helpers through `bash -c` or wait_until; make them
# available there too.
export L HALLWAYCTL
export -f ctl peer_field peer_is own_id peer_field_by_id peer_id_is lists_online peer_has_impostor
