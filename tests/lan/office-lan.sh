#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# office-lan.sh - a simulated office LAN on one Linux machine, for Hallway's LAN tests.
#
# Each simulated PC ("host" a, b, c, ...) is a network namespace plus a UTS and a mount
# namespace with a private tmpfs on /run. It runs its own system D-Bus, session D-Bus and
# avahi-daemon. All hosts plug into one bridge, which lives in a "switch" network namespace.
# The root namespaces stay untouched: no interface, address or route is added there.
#
# Run "office-lan.sh help" for the interface.

set -euo pipefail
# With job control off, a background child is not a process-group leader. setsid then does
# not need to fork, so "$!" is the daemon itself.
set +m

SELF=$(readlink -f -- "${BASH_SOURCE[0]}")
HERE=${SELF%/*}
PROG=${SELF##*/}
LETTERS=abcdefghijklmnopqrstuvwxyz
# Hosts a..z, then aa..az, ba..bz, …: host number i gets .(10+i) and a MAC ending in 10+i.
MAX_HOSTS=200
# Hosts set up at the same time by "up".
UP_PARALLEL=8
SYSTEM_BUS_SOCKET=/run/dbus/system_bus_socket
SESSION_BUS_SOCKET=/run/user/0/bus
DAEMON_PATH=/usr/sbin:/usr/bin:/sbin:/bin

usage() {
  cat <<EOF
Usage: $PROG COMMAND [ARGS...]        (root only)

Builds a simulated office LAN of N hosts (a, b, c, ..., z, aa, ab, ...). Each host has its own
network stack, host name (office-a, ...), /run, system D-Bus, session D-Bus and avahi-daemon,
and all of them are plugged into one virtual switch.

Commands:
  up [N]                 start N hosts (default 3, at most $MAX_HOSTS), after removing
                         leftovers of an earlier run; on failure tear down, show the log
                         and exit 1
  down                   stop every process in our namespaces, unmount, delete the
                         namespaces and the state dir (idempotent)
  run [N] -- CMD...      up N, run CMD in the root namespaces, always down (also on
                         SIGTERM/SIGINT/SIGHUP); exit with CMD's status
  exec HOST [--] CMD...  run CMD inside HOST; it execs, so "\$!" is CMD's pid; stdin, stdout,
                         stderr, exit status and cwd pass through. HOST "switch" enters
                         the bridge's network namespace only
  status                 table of hosts, addresses, daemon pids and avahi state (2 = running)
  hosts                  host ids, one per line
  ip HOST [-6]           HOST's IPv4 address (or its IPv6 link-local address, use %eth0)
  hostname HOST          HOST's host name
  xdg HOST               HOST's XDG base directory, as seen from the root namespace
  link HOST down|up      switch port down/up: HOST loses/regains carrier
  link HOST isolate|join port off/on the bridge: frames dropped silently, carrier stays up
  link HOST ifdown|ifup  HOST sets its own eth0 admin down/up
  avahi HOST stop|kill|start|restart
                         stop = SIGTERM (goodbyes sent), kill = SIGKILL (none sent),
                         start waits until avahi is RUNNING
  block-mdns HOST        drop UDP port 5353 both ways inside HOST (TCP keeps working)
  unblock-mdns HOST      remove that rule set again
  link HOST port-isolated on|off
                         bridge port isolation (as Wi-Fi client isolation does): HOST
                         can't reach other isolated ports, only the router
  reflector on|off       the router's avahi-daemon reflects mDNS between the two subnets
  dns start [FILE...]|stop
                         dnsmasq on the router: the hosts' names in HWLAN_DOMAIN, plus the
                         dnsmasq options in each FILE (e.g. DNS-SD records)
  selftest               end-to-end check of the running LAN; prints "N passed, N failed"
  help                   this text

HOST may be given as a, A, office-a, office-a.local or 1 (and aa, office-aa or 27); "router"
is the router, when there is one (HWLAN_FAR > 0). It is not listed by "hosts".

Environment (network settings are saved by "up" and reused by later commands):
  HWLAN_PREFIX=hwlan       prefix of namespace names, nft table and default state dir
  HWLAN_STATE=/tmp/PREFIX  state dir
  HWLAN_SUBNET=10.77.0     IPv4 /24 of the LAN; host number i gets .(10+i)
  HWLAN_HOSTS=3            default N
  HWLAN_HOSTNAME_PREFIX=office-
  HWLAN_IPV6=1             0 = IPv4 only
  HWLAN_IPV4=1             0 = IPv6 only (link-local addresses, as on a LAN without a router)
  HWLAN_FAR=0              the last N hosts sit on a second subnet (HWLAN_SUBNET2), behind
                           a router computer "router" (IP forwarding, avahi, no reflector
                           until "reflector on"); both subnets then also get IPv6 ULA
                           prefixes and a default route through the router
  HWLAN_SUBNET2=10.77.1    IPv4 /24 of the second subnet
  HWLAN_ULA=               1 = an IPv6 ULA prefix per subnet, as a router's advertisements
                           give; the default is 1 with a router, 0 without (IPv6 stays
                           link-local)
  HWLAN_DOMAIN=            with a router: the site's DNS domain (e.g. office.example). Hosts
                           get a resolv.conf (nameserver: the router, search: the domain)
                           and avahi with wide-area (unicast DNS-SD) on
  HWLAN_SESSION_BUS=1      0 = no session bus in the hosts
  HWLAN_AVAHI_DEBUG=0      1 = avahi-daemon --debug
  HWLAN_IFF_RUNNING=0      1 = avahi use-iff-running=yes (carrier loss = interface loss)
  HWLAN_TIMEOUT=20         readiness timeout in seconds
  HWLAN_LOGS=DIR           copy each host's logs to DIR/PREFIX-HOST/ before "down"

"exec" adds to the caller's environment: HOSTNAME, HALLWAY_LAN_HOST=a,
DBUS_SYSTEM_BUS_ADDRESS, DBUS_SESSION_BUS_ADDRESS=unix:path=$SESSION_BUS_SOCKET,
XDG_RUNTIME_DIR=/run/user/0 and XDG_{CONFIG,DATA,CACHE,STATE}_HOME=STATE/hosts/a/xdg/...
HOME and the working directory are kept.

Exit status: 77 when not root, 2 for usage errors, 1 for other failures.
EOF
}

# ---------------------------------------------------------------------------------------
# Messages and small utilities

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "$*"; exit 1; }
usage_error() { log "$*"; log "try '$PROG help'"; exit 2; }

# NOW_MS: current time in milliseconds (no fork; the decimal separator may be locale-bound).
now_ms() {
  local t=${EPOCHREALTIME//[!0-9]/}
  NOW_MS=$((10#$t / 1000))
}

# elapsed T0_MS: sets ELAPSED to the time since T0_MS, as "1.234 s".
elapsed() {
  now_ms
  printf -v ELAPSED '%d.%03d s' $(((NOW_MS - $1) / 1000)) $(((NOW_MS - $1) % 1000))
}

# proc_stat PID: sets PSTATE and PSTART (field 22 of /proc/PID/stat, used against pid reuse).
# comm may contain spaces and parentheses, so split after the last ")".
proc_stat() {
  local line rest
  local -a f
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
  rest=${line##*) }
  read -r -a f <<<"$rest"
  PSTATE=${f[0]}
  PSTART=${f[19]}
}

# pid_alive PID START: the process still exists, is the same one, and is not a zombie
# (killed daemons may stay zombies for a while when PID 1 reaps slowly).
pid_alive() {
  proc_stat "$1" || return 1
  [[ $PSTART == "$2" && $PSTATE != Z && $PSTATE != X ]]
}

# Close every fd above 2 in the current (sub)shell, so that daemons hold neither the flock
# fd nor a CI runner's pipes.
close_inherited_fds() {
  local fd
  for fd in "/proc/$BASHPID/fd"/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-"; fi
  done
}

is_nsfs() {
  [[ -e $1 ]] && [[ $(stat -f -c %T -- "$1" 2>/dev/null) == nsfs ]]
}

log_tail() {  # FILE [LINES]
  if [[ -s $1 ]]; then
    log "last lines of $1:"
    tail -n "${2:-25}" -- "$1" | sed 's/^/    | /' >&2
  else
    log "($1 is empty or missing)"
  fi
}

# ---------------------------------------------------------------------------------------
# Settings

init_settings() {
  PREFIX=${HWLAN_PREFIX:-hwlan}
  [[ $PREFIX =~ ^[a-z][a-z0-9_]{0,15}$ ]] ||
    usage_error "HWLAN_PREFIX must match [a-z][a-z0-9_]{0,15}, not '$PREFIX'"
  S=${HWLAN_STATE:-/tmp/$PREFIX}
  S=${S%/}
  if [[ ! $S =~ ^/[A-Za-z0-9._/-]+$ || $S =~ (^|/)\.\.?(/|$) || $S == / ]]; then
    usage_error "HWLAN_STATE must be an absolute path made of [A-Za-z0-9._/-], not '$S'"
  fi
  SW_NS=$PREFIX-sw
  NS_RE="^${PREFIX}-(sw|rt|[a-z]{1,2})\$"
  NFT_TABLE=${PREFIX}_mdns_block
  MARKER=$S/.office-lan

  SUBNET=${HWLAN_SUBNET:-10.77.0}
  HN_PREFIX=${HWLAN_HOSTNAME_PREFIX:-office-}
  NHOSTS=${HWLAN_HOSTS:-3}
  IPV6=${HWLAN_IPV6:-1}
  IPV4=${HWLAN_IPV4:-1}
  FAR=${HWLAN_FAR:-0}
  SUBNET2=${HWLAN_SUBNET2:-10.77.1}
  DOMAIN=${HWLAN_DOMAIN:-}
  ULA=${HWLAN_ULA:-}
  FAR_HOSTS=''
  SESSION_BUS=${HWLAN_SESSION_BUS:-1}
  AVAHI_DEBUG=${HWLAN_AVAHI_DEBUG:-0}
  IFF_RUNNING=${HWLAN_IFF_RUNNING:-0}
  TIMEOUT=${HWLAN_TIMEOUT:-20}
  HOSTS=()

  [[ $TIMEOUT =~ ^[0-9]+$ ]] || usage_error "HWLAN_TIMEOUT must be whole seconds"
  # Values saved by "up" describe what is actually built, so they win for later commands.
  # Only the avahi debug switch may be changed per command (for "avahi HOST restart").
  if [[ -f $S/config ]]; then
    local key value
    while IFS='=' read -r key value; do
      case $key in
        SUBNET | HN_PREFIX | IPV6 | SESSION_BUS | IFF_RUNNING | IPV4 | FAR | SUBNET2 | DOMAIN |\
          FAR_HOSTS | ULA) printf -v "$key" '%s' "$value" ;;
        AVAHI_DEBUG) [[ -n ${HWLAN_AVAHI_DEBUG-} ]] || AVAHI_DEBUG=$value ;;
        HOSTS) read -r -a HOSTS <<<"$value" ;;
      esac
    done <"$S/config"
  fi
  [[ -n $ULA ]] || ULA=$((FAR > 0 ? 1 : 0))
  check_settings
}

check_settings() {
  local o net
  for net in SUBNET SUBNET2; do
    [[ ${!net} =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] ||
      usage_error "HWLAN_$net must look like 10.77.0, not '${!net}'"
    for o in "${BASH_REMATCH[@]:1}"; do
      ((10#$o <= 255)) || usage_error "HWLAN_$net: bad octet $o"
    done
  done
  [[ $SUBNET != "$SUBNET2" ]] || usage_error "HWLAN_SUBNET and HWLAN_SUBNET2 must differ"
  [[ $FAR =~ ^[0-9]+$ ]] || usage_error "HWLAN_FAR must be a number of hosts"
  [[ -z $DOMAIN || $DOMAIN =~ ^[a-z0-9]([a-z0-9.-]{0,60}[a-z0-9])?$ ]] ||
    usage_error "HWLAN_DOMAIN must be a DNS domain like office.example, not '$DOMAIN'"
  [[ $HN_PREFIX =~ ^[a-z][a-z0-9-]{0,40}$ ]] ||
    usage_error "HWLAN_HOSTNAME_PREFIX must match [a-z][a-z0-9-]*, not '$HN_PREFIX'"
  for o in IPV6 IPV4 SESSION_BUS AVAHI_DEBUG IFF_RUNNING ULA; do
    [[ ${!o} == [01] ]] || usage_error "HWLAN_$o must be 0 or 1"
  done
  ((IPV4 == 1 || IPV6 == 1)) || usage_error "HWLAN_IPV4 and HWLAN_IPV6 can't both be 0"
  if ((FAR > 0)) && ((IPV4 == 0)); then
    usage_error "a second subnet (HWLAN_FAR) needs IPv4"
  fi
}

has_router() { ((FAR > 0)); }

# The two subnets' IPv6 unique local prefixes (/64 each), used only with a router: mDNS
# hands out routable addresses then, as on an office network whose router sends RAs.
ULA_PREFIX=fd77:4c53:0

# router_vars: host_vars for the router, which has a port on each subnet.
router_vars() {
  HI=0
  HN=${HN_PREFIX}router
  HNETNS=$PREFIX-rt
  HIP4=$SUBNET.1
  HIP4_FAR=$SUBNET2.1
  HBR=br0
  HGW4=''
  HULA=$ULA_PREFIX:0::1
  HULA_FAR=$ULA_PREFIX:1::1
  HMAC=02:4c:53:00:01:01
  HMAC_FAR=02:4c:53:00:01:02
  HIP6=fe80::4c:53ff:fe00:101
  HVETH=veth-r0
  HVETH_FAR=veth-r1
}

# host_id I: sets HID to the id of host number I (1 = a, 26 = z, 27 = aa, 53 = ba, ...).
host_id() {
  local i=$(($1 - 1))
  if ((i < 26)); then
    HID=${LETTERS:i:1}
  else
    i=$((i - 26))
    HID=${LETTERS:i / 26:1}${LETTERS:i % 26:1}
  fi
}

# host_number H: sets HI to the number of host id H (the inverse of host_id).
host_number() {
  local first=${LETTERS%%"${1:0:1}"*} second
  if ((${#1} == 1)); then
    HI=$((${#first} + 1))
  else
    second=${LETTERS%%"${1:1:1}"*}
    HI=$((26 + ${#first} * 26 + ${#second} + 1))
  fi
}

# host_vars H: sets the per-host names and addresses for host id H (or "router").
host_vars() {
  local h=$1
  if [[ $h == router ]]; then
    router_vars
  else
    host_number "$h"
    HN=$HN_PREFIX$h
    HNETNS=$PREFIX-$h
    HIP4=$SUBNET.$((10 + HI))
    HBR=br0
    HGW4=$SUBNET.1
    HULA=$ULA_PREFIX:0::$(printf '%x' $((10 + HI)))
    if [[ " $FAR_HOSTS " == *" $h "* ]]; then
      HIP4=$SUBNET2.$((10 + HI))
      HBR=br1
      HGW4=$SUBNET2.1
      HULA=$ULA_PREFIX:1::$(printf '%x' $((10 + HI)))
    fi
    printf -v HMAC '02:4c:53:00:00:%02x' $((10 + HI))
    printf -v HIP6 'fe80::4c:53ff:fe00:%x' $((10 + HI))
    HVETH=veth-$h
  fi
  HNETNS_FILE=/run/netns/$HNETNS
  HD=$S/hosts/$h
  HUTS=$S/ns/$h.uts
  HMNT=$S/ns/$h.mnt
  HENV=(
    "HOSTNAME=$HN"
    "HALLWAY_LAN_HOST=$h"
    "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$SYSTEM_BUS_SOCKET"
    "XDG_RUNTIME_DIR=/run/user/0"
    "XDG_CONFIG_HOME=$HD/xdg/config"
    "XDG_DATA_HOME=$HD/xdg/data"
    "XDG_CACHE_HOME=$HD/xdg/cache"
    "XDG_STATE_HOME=$HD/xdg/state"
  )
  if [[ $SESSION_BUS == 1 ]]; then
    HENV+=("DBUS_SESSION_BUS_ADDRESS=unix:path=$SESSION_BUS_SOCKET")
    HENV_UNSET=()
  else
    HENV_UNSET=(-u DBUS_SESSION_BUS_ADDRESS)
  fi
  HENTER=(nsenter "--net=$HNETNS_FILE" "--uts=$HUTS" "--mount=$HMNT" --)
}

# resolve_host ARG: sets H to a host id (or "sw", or "router"), accepting a, A, office-a,
# office-a.local and 1 (aa, office-aa and 27 alike).
resolve_host() {
  local x=${1,,}
  x=${x%.local}
  case $x in
    sw | switch) H=sw; return 0 ;;
    router | rt | "${HN_PREFIX}router") H=router; return 0 ;;
  esac
  if [[ $x =~ ^[0-9]+$ ]]; then
    ((10#$x >= 1 && 10#$x <= MAX_HOSTS)) || usage_error "no host number $1"
    host_id $((10#$x))
    x=$HID
  elif [[ $x =~ ^${HN_PREFIX}[a-z]{1,2}$ ]]; then
    x=${x#"$HN_PREFIX"}
  fi
  [[ $x =~ ^[a-z]{1,2}$ ]] || usage_error "unknown host '$1'"
  host_number "$x"
  ((HI <= MAX_HOSTS)) || usage_error "unknown host '$1'"
  H=$x
}

lan_is_up() { is_nsfs "/run/netns/$SW_NS"; }

# require_host ARG [allow-switch]: resolves ARG into H and checks that the host is up.
require_host() {
  resolve_host "$1"
  if [[ $H == sw ]]; then
    [[ ${2-} == allow-switch ]] || usage_error "'$1' is the switch, not a host"
    lan_is_up || die "LAN '$PREFIX' is not up"
    return 0
  fi
  host_vars "$H"
  if ! is_nsfs "$HNETNS_FILE" || ! is_nsfs "$HUTS" || ! is_nsfs "$HMNT"; then
    lan_is_up || die "LAN '$PREFIX' is not up (state dir $S)"
    die "host $H ($HN) is not up in LAN '$PREFIX'"
  fi
}

take_lock() {
  # Lock the harness file itself: up/down never overlap, and no lock file is left behind.
  exec 9<"$SELF"
  flock -w 120 9 || die "could not lock $SELF within 120 s"
}

# ---------------------------------------------------------------------------------------
# Running things inside a host

# host_run H CMD...: run CMD in host H (as a child, not exec), with the host environment.
host_run() {
  host_vars "$1"
  shift
  "${HENTER[@]}" env "${HENV_UNSET[@]}" "${HENV[@]}" "$@"
}

# spawn_in_host H OUT CMD...: start CMD in host H in the background, detached from our fds;
# sets SPAWNED to CMD's own pid (every step execs).
spawn_in_host() {
  local out=$2
  host_vars "$1"
  shift 2
  (
    close_inherited_fds
    exec "${HENTER[@]}" env "${HENV_UNSET[@]}" "${HENV[@]}" "$@" </dev/null >"$out" 2>&1
  ) &
  SPAWNED=$!
}

# spawn_daemon H NAME CMD...: start a daemon in host H in its own session, with a clean
# environment, stdin from /dev/null, output appended to its log, and no fds above 2.
# Records "pid starttime" in STATE/hosts/H/NAME.pid.
spawn_daemon() {
  local h=$1 name=$2 pid
  shift 2
  host_vars "$h"
  local logf=$HD/log/$name.log
  (
    close_inherited_fds
    exec setsid "${HENTER[@]}" env -i PATH=$DAEMON_PATH HOME=/root LANG=C.UTF-8 \
      "${HENV[@]}" "$@" </dev/null >>"$logf" 2>&1
  ) &
  pid=$!
  # A zombie child still has its stat, so this works even if the daemon died at once.
  proc_stat "$pid" || PSTART=0
  printf '%s %s\n' "$pid" "$PSTART" >"$HD/$name.pid"
}

# daemon_pid H NAME: sets DPID and DSTART from the pid file; fails if there is none.
daemon_pid() {
  local pidfile=$S/hosts/$1/$2.pid
  DPID='' DSTART=''
  [[ -f $pidfile ]] || return 1
  read -r DPID DSTART <"$pidfile" || return 1
  [[ $DPID =~ ^[0-9]+$ ]]
}

daemon_alive() {  # H NAME
  daemon_pid "$1" "$2" && pid_alive "$DPID" "$DSTART"
}

start_buses() {  # H
  spawn_daemon "$1" system-bus dbus-daemon "--config-file=$S/system-bus.conf" --nofork --nopidfile
  if [[ $SESSION_BUS == 1 ]]; then
    spawn_daemon "$1" session-bus dbus-daemon --session --nofork --nopidfile \
      "--address=unix:path=$SESSION_BUS_SOCKET"
  fi
}

start_avahi() {  # H
  local h=$1
  local -a args=(-f "$S/hosts/$h/avahi-daemon.conf" --no-drop-root --no-chroot --no-rlimits
    --no-proc-title)
  [[ $AVAHI_DEBUG == 1 ]] && args+=(--debug)
  # All hosts share one pid namespace: a pid file left by a killed avahi may name a pid
  # that now belongs to someone else, and avahi would refuse to start. Remove it first.
  spawn_daemon "$h" avahi /bin/sh -c \
    'rm -f /run/avahi-daemon/pid; mkdir -p /run/avahi-daemon; exec "$@"' avahi-start \
    avahi-daemon "${args[@]}"
}

# probe H KIND: one readiness check. KIND: system-bus, session-bus or avahi.
probe() {
  local out
  case $2 in
    system-bus | session-bus)
      host_run "$1" dbus-send "--${2%-bus}" --print-reply --reply-timeout=2000 \
        --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId </dev/null >/dev/null 2>&1
      ;;
    avahi)
      out=$(host_run "$1" dbus-send --system --print-reply=literal --reply-timeout=2000 \
        --dest=org.freedesktop.Avahi / org.freedesktop.Avahi.Server.GetState \
        </dev/null 2>/dev/null) || return 1
      [[ $out =~ int32[[:space:]]+2 ]]
      ;;
  esac
}

# wait_ready "KIND..." H...: poll every 100 ms until every daemon KIND of every host H
# answers, at most TIMEOUT s. If one dies or times out, show its log and fail.
wait_ready() {
  local kinds=$1 h k deadline
  shift
  local -a pending=("$@") next
  now_ms
  deadline=$((NOW_MS + TIMEOUT * 1000))
  while :; do
    next=()
    for h in "${pending[@]}"; do
      for k in $kinds; do
        if ! daemon_alive "$h" "$k"; then
          log "host $h: $k exited during start-up"
          log_tail "$S/hosts/$h/log/$k.log"
          return 1
        fi
      done
      for k in $kinds; do
        if ! probe "$h" "$k"; then
          next+=("$h")
          break
        fi
      done
    done
    ((${#next[@]} == 0)) && return 0
    pending=("${next[@]}")
    now_ms
    if ((NOW_MS >= deadline)); then
      h=${pending[0]}
      for k in $kinds; do
        probe "$h" "$k" && continue
        log "host $h: $k not ready after ${TIMEOUT} s (HWLAN_TIMEOUT)"
        log_tail "$S/hosts/$h/log/$k.log"
        break
      done
      return 1
    fi
    sleep 0.1
  done
}

bus_kinds() {
  if [[ $SESSION_BUS == 1 ]]; then echo "system-bus session-bus"; else echo system-bus; fi
}

# ---------------------------------------------------------------------------------------
# up

write_system_bus_conf() {
  local stock=/usr/share/dbus-1/system.conf out=$S/system-bus.conf
  # The stock config forks, writes /run/dbus/pid, drops to messagebus, logs to syslog and
  # activates services (which could start real daemons behind the tests' back). Keep its
  # policies, drop those, and make the includedirs absolute (the stock "system.d" is
  # relative to the config file's own location).
  if [[ -r $stock ]]; then
    sed -e '/<user>/d' -e '/<fork\/>/d' -e '/<pidfile>/d' -e '/<syslog\/>/d' \
      -e '/<standard_system_servicedirs\/>/d' -e '/<servicehelper>/d' \
      -e 's|<includedir>system.d</includedir>|'\
'<includedir>/usr/share/dbus-1/system.d</includedir>|' \
      -e "s|</busconfig>|  <includedir>$S/system.d</includedir>\n</busconfig>|" \
      "$stock" >"$out"
  fi
  if ! grep -q "<listen>unix:path=$SYSTEM_BUS_SOCKET</listen>" "$out" 2>/dev/null; then
    cat >"$out" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=$SYSTEM_BUS_SOCKET</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
  <includedir>/etc/dbus-1/system.d</includedir>
  <includedir>$S/system.d</includedir>
</busconfig>
EOF
  fi
}

write_avahi_conf() {  # H [REFLECT]
  local yes6=yes yes4=yes iff=no ifaces=eth0 wide=no reflect=${2:-no}
  [[ $IPV6 == 1 ]] || yes6=no
  [[ $IPV4 == 1 ]] || yes4=no
  [[ $IFF_RUNNING == 1 ]] && iff=yes
  [[ $1 == router ]] && ifaces=eth0,eth1
  [[ -n $DOMAIN && $1 != router ]] && wide=yes
  # No host-name here: avahi takes gethostname(), i.e. the host's UTS name.
  # Wide-area (unicast DNS-SD) uses the nameservers and search domains of resolv.conf.
  cat >"$S/hosts/$1/avahi-daemon.conf" <<EOF
[server]
use-ipv4=$yes4
use-ipv6=$yes6
allow-interfaces=$ifaces
use-iff-running=$iff
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000

[wide-area]
enable-wide-area=$wide

[publish]
publish-hinfo=no
publish-workstation=no

[reflector]
enable-reflector=$reflect
EOF
}

make_state_dir() {
  if [[ -L $S ]] || { [[ -e $S ]] && [[ $(stat -c %u -- "$S") != 0 ]]; }; then
    die "$S exists and is a symlink or not owned by root; refusing to use it"
  fi
  mkdir -p -- "$S"
  chmod 0755 -- "$S"
  : >"$MARKER"
  mkdir -p -- "$S/ns" "$S/hosts" "$S/system.d"
  # Persistent mount-namespace files must sit on a mount whose propagation is not shared
  # (otherwise "Invalid argument" or propagation loops), hence a private bind mount.
  mount --bind -- "$S/ns" "$S/ns"
  mount --make-private -- "$S/ns"
}

write_config() {
  {
    echo "PREFIX=$PREFIX"
    echo "SUBNET=$SUBNET"
    echo "HN_PREFIX=$HN_PREFIX"
    echo "IPV6=$IPV6"
    echo "IPV4=$IPV4"
    echo "FAR=$FAR"
    echo "SUBNET2=$SUBNET2"
    echo "DOMAIN=$DOMAIN"
    echo "FAR_HOSTS=$FAR_HOSTS"
    echo "ULA=$ULA"
    echo "SESSION_BUS=$SESSION_BUS"
    echo "AVAHI_DEBUG=$AVAHI_DEBUG"
    echo "IFF_RUNNING=$IFF_RUNNING"
    echo "HOSTS=${HOSTS[*]}"
  } >"$S/config"
  local h
  for h in "${HOSTS[@]}"; do
    host_vars "$h"
    echo "$h $HN $([[ $IPV4 == 1 ]] && echo "$HIP4" || echo -)" \
      "$([[ $IPV6 == 1 ]] && echo "$HIP6" || echo -)"
  done >"$S/hosts.list"
}

make_switch() {
  ip netns add "$SW_NS"
  # The switch must not talk (no IPv6 link-local, no MLD). mcast_snooping 0 makes it a dumb
  # switch that floods all multicast, so mDNS never depends on snooping state or a querier.
  nsenter --net="/run/netns/$SW_NS" /bin/sh -c '
    echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
    echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6'
  ip -n "$SW_NS" link set lo up
  ip -n "$SW_NS" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  ip -n "$SW_NS" link set br0 up
  if has_router; then
    # The second subnet: another bridge in the same switch, joined only by the router.
    ip -n "$SW_NS" link add br1 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n "$SW_NS" link set br1 up
  fi
}

# Runs inside a new host, in its new network, UTS and mount namespaces (bash, as root).
# Arguments: prefix, state dir, host name, host dir, IPv6 on (1/0).
# shellcheck disable=SC2016
HOST_SETUP='
set -eu
prefix=$1 S=$2 hn=$3 hd=$4 ipv6=$5
# Net sysctls are per netns; set them before eth0 exists so that "default" applies to it.
# Without DAD the link-local address is usable at once.
if [ "$ipv6" = 1 ]; then
  echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad
  echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
else
  echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
  echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
fi
hostname "$hn"
# This mount namespace started as a copy of the root one. Drop the copies of namespace
# files in it (/run/netns, our ns dir, other LANs and tools): they would pin namespaces.
if mountpoint -q /run/netns; then umount -l /run/netns; fi
if mountpoint -q "$S/ns"; then umount -l "$S/ns"; fi
# Snapshot mountinfo first: unmounting while reading it can skip entries. One umount for
# all of them: with many hosts (and other LANs on the machine) there are hundreds.
for pass in 1 2 3; do
  mapfile -t lines </proc/self/mountinfo
  mps=()
  for line in "${lines[@]}"; do
    fstype=${line#* - }; fstype=${fstype%% *}
    [ "$fstype" = nsfs ] || continue
    read -r -a f <<<"${line%% - *}"
    printf -v mp "%b" "${f[4]}"
    mps+=("$mp")
  done
  [ "${#mps[@]}" -gt 0 ] || break
  umount -l -- "${mps[@]}" 2>/dev/null || :
done
mount -t tmpfs -o mode=0755,size=64m,nosuid,nodev "$prefix-run" /run
mkdir -p /run/dbus /run/user/0 /run/lock /run/avahi-daemon
chmod 700 /run/user/0
chmod 1777 /run/lock
ln -s /dev/shm /run/shm
# A fresh sysfs shows this netns (/sys/class/net = lo eth0), as "ip netns exec" does.
if mountpoint -q /sys; then umount -l /sys; fi
mount -t sysfs -o nosuid,nodev,noexec "$prefix-sys" /sys
if [ -d /etc/avahi/services ]; then mount --bind "$hd/services" /etc/avahi/services; fi
if [ -e /etc/machine-id ]; then mount --bind "$hd/machine-id" /etc/machine-id; fi
# With a router, each host asks the router for DNS (unicast DNS-SD): a resolv.conf of its own.
if [ -f "$hd/resolv.conf" ]; then mount --bind "$hd/resolv.conf" /etc/resolv.conf; fi
if [ -f "$hd/nsswitch.conf" ]; then mount --bind "$hd/nsswitch.conf" /etc/nsswitch.conf; fi
if [ -f /var/lib/dbus/machine-id ] && [ ! -L /var/lib/dbus/machine-id ]; then
  mount --bind "$hd/machine-id" /var/lib/dbus/machine-id
fi
'

make_host() {  # H
  local h=$1
  host_vars "$h"
  mkdir -p -- "$HD/log" "$HD/services" "$HD/xdg/config" "$HD/xdg/data" "$HD/xdg/cache" \
    "$HD/xdg/state"
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$HD/machine-id"
  echo >>"$HD/machine-id"
  write_avahi_conf "$h"
  if [[ -n $DOMAIN && $h != router ]] && has_router; then
    printf 'nameserver %s\nsearch %s\n' "$HGW4" "$DOMAIN" >"$HD/resolv.conf"
  fi
  # Debian's libnss-mdns resolves NAME.local over IPv4 only (mdns4_minimal); an IPv6-only
  # network needs the IPv6 module.
  if [[ $IPV4 == 0 && -f /etc/nsswitch.conf ]] && grep -q '^hosts:.*mdns4' /etc/nsswitch.conf
  then
    sed '/^hosts:/s/mdns4_minimal/mdns6_minimal/; /^hosts:/s/mdns4 /mdns6 /' \
      /etc/nsswitch.conf >"$HD/nsswitch.conf"
  fi
  : >"$HUTS"
  : >"$HMNT"

  STEP="creating the network namespace of host $h"
  ip netns add "$HNETNS"
  # The UTS and mount namespaces outlive this shell through the bind mounts that unshare
  # puts on the two files.
  STEP="setting up host $h (see $HD/log/setup.log)"
  if ! nsenter --net="$HNETNS_FILE" unshare --uts="$HUTS" --mount="$HMNT" \
    --propagation private /bin/bash -c "$HOST_SETUP" host-setup "$PREFIX" "$S" "$HN" "$HD" \
    "$IPV6" </dev/null >>"$HD/log/setup.log" 2>&1; then
    log "setting up host $h failed"
    log_tail "$HD/log/setup.log"
    return 1
  fi

  STEP="plugging host $h into the switch"
  # One command creates the cable with the host end already inside the host, named eth0,
  # with a fixed MAC (hence a predictable link-local address).
  ip -n "$SW_NS" link add "$HVETH" type veth peer name eth0 address "$HMAC" netns "$HNETNS"
  ip -n "$SW_NS" link set "$HVETH" master "$HBR" up
  if [[ $h == router ]]; then
    plug_router
    return
  fi
  # No route out: nothing in a host can reach anything outside the simulated office.
  # With a router, the default route leads to it (and from there only to the other subnet).
  {
    echo "link set lo up"
    if [[ $IPV4 == 1 ]]; then echo "addr add $HIP4/24 brd + dev eth0"; fi
    echo "link set eth0 up"
    if has_router; then
      echo "route add default via $HGW4"
      if [[ $IPV6 == 1 && $ULA == 1 ]]; then
        echo "addr add $HULA/64 dev eth0 nodad"
        echo "route add ::/0 via ${HULA%::*}::1"
      fi
    elif [[ $IPV6 == 1 && $ULA == 1 ]]; then
      echo "addr add $HULA/64 dev eth0 nodad"
    fi
  } | ip -n "$HNETNS" -b -
}

# plug_router: the router's second port, on the far subnet, and forwarding between the two.
plug_router() {
  ip -n "$SW_NS" link add "$HVETH_FAR" type veth peer name eth1 address "$HMAC_FAR" \
    netns "$HNETNS"
  ip -n "$SW_NS" link set "$HVETH_FAR" master br1 up
  nsenter --net="$HNETNS_FILE" /bin/sh -c '
    echo 1 >/proc/sys/net/ipv4/ip_forward
    if [ -e /proc/sys/net/ipv6/conf/all/forwarding ]; then
      echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
    fi'
  {
    echo "link set lo up"
    echo "addr add $HIP4/24 brd + dev eth0"
    echo "addr add $HIP4_FAR/24 brd + dev eth1"
    if [[ $IPV6 == 1 && $ULA == 1 ]]; then
      echo "addr add $HULA/64 dev eth0 nodad"
      echo "addr add $HULA_FAR/64 dev eth1 nodad"
    fi
    echo "link set eth0 up"
    echo "link set eth1 up"
  } | ip -n "$HNETNS" -b -
}

# make_hosts H...: sets up the hosts, several at a time (each spends most of its time
# waiting for the kernel and for nsenter/unshare/ip to start, not computing).
make_hosts() {
  local h pid failed=0
  local -a pids=()
  for h in "$@"; do
    (make_host "$h") </dev/null &
    pids+=("$!")
    if ((${#pids[@]} >= UP_PARALLEL)); then
      wait "${pids[0]}" || failed=1
      pids=("${pids[@]:1}")
    fi
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
  done
  ((failed == 0))
}

# learn_neighbours H...: every host knows every other's MAC address from the start, as
# permanent neighbour entries. The kernel's neighbour table is shared by all namespaces
# of the machine (gc_thresh3: 1,024 entries in all), and a full office of 40 computers
# alone needs 1,560; past that, ARP silently fails and connections hang. Permanent
# entries do not count against that limit.
learn_neighbours() {
  local h other
  local -A entries=() bridge=()
  for h in "$@"; do
    host_vars "$h"
    bridge[$h]=$HBR
    entries[$h]=''
    [[ $IPV4 == 1 ]] && entries[$h]="neigh replace $HIP4 lladdr $HMAC dev eth0 nud permanent"$'\n'
    [[ $IPV6 == 1 ]] && entries[$h]+="neigh replace $HIP6 lladdr $HMAC dev eth0 nud permanent"$'\n'
  done
  # Only neighbours on the same subnet: the others are reached through the router.
  for h in "$@"; do
    for other in "$@"; do
      [[ $other == "$h" || ${bridge[$other]} != "${bridge[$h]}" ]] ||
        printf '%s' "${entries[$other]}"
    done | ip -n "$PREFIX-$h" -b -
  done
}

# make_room_for N: every simulated computer runs a D-Bus daemon, an avahi-daemon and a
# hallwayd as root, each with its own inotify instance (file monitors), and all of them
# count against root's one limit. Debian's default of 128 is spent at about 40 computers
# (then GLib cannot monitor files and hallwayd stops), so raise it when the office needs
# more, and say so.
make_room_for() {
  local want=$((($1 + 1) * 6 + 64)) have
  have=$(cat /proc/sys/fs/inotify/max_user_instances)
  if ((have < want)); then
    log "raising fs.inotify.max_user_instances from $have to $want for $1 computers"
    echo "$want" >/proc/sys/fs/inotify/max_user_instances
  fi
}

leftovers_exist() {
  local f
  [[ -e $MARKER ]] && return 0
  for f in /run/netns/"$PREFIX"-*; do
    [[ ${f##*/} =~ $NS_RE ]] && return 0
  done
  return 1
}

UP_DONE=0
STEP=''

up_exit_trap() {
  local rc=$?
  ((UP_DONE == 1)) && return 0
  trap - EXIT HUP INT TERM
  ((rc == 0)) && rc=1
  [[ -n $STEP ]] && log "up failed while $STEP"
  log "tearing down"
  do_down || :
  exit "$rc"
}

cmd_up() {
  local n=${1:-$NHOSTS} i h t0
  [[ $# -le 1 ]] || usage_error "usage: up [N]"
  if [[ ! $n =~ ^[0-9]+$ ]] || ((10#$n < 1 || 10#$n > MAX_HOSTS)); then
    usage_error "N must be 1..$MAX_HOSTS"
  fi
  n=$((10#$n))
  take_lock
  now_ms
  t0=$NOW_MS
  if leftovers_exist; then
    log "removing leftovers of an earlier run of '$PREFIX'"
    do_down
  fi
  # The saved settings belonged to the old run: start again from the environment.
  HWLAN_STATE=$S HWLAN_PREFIX=$PREFIX init_settings
  if [[ -e $S ]] && ! rmdir -- "$S" 2>/dev/null; then
    die "$S exists and was not made by $PROG; set HWLAN_STATE or remove it"
  fi

  trap up_exit_trap EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM

  HOSTS=()
  for ((i = 1; i <= n; i++)); do
    host_id "$i"
    HOSTS+=("$HID")
  done
  if has_router; then
    ((FAR < n)) || usage_error "HWLAN_FAR must leave at least one host on the first subnet"
    FAR_HOSTS="${HOSTS[*]:n-FAR}"
  fi
  local -a nodes=("${HOSTS[@]}")
  has_router && nodes+=(router)
  make_room_for "${#nodes[@]}"

  STEP="creating the state dir $S"
  make_state_dir
  write_config
  write_system_bus_conf
  STEP="creating the switch"
  make_switch
  STEP="setting up the hosts"
  make_hosts "${nodes[@]}"
  STEP="telling the hosts each other's addresses"
  learn_neighbours "${HOSTS[@]}"

  # Buses first (avahi needs the system bus), then every avahi, and wait for them together.
  STEP="starting the D-Bus daemons"
  for h in "${nodes[@]}"; do start_buses "$h"; done
  wait_ready "$(bus_kinds)" "${nodes[@]}"
  STEP="starting avahi-daemon"
  for h in "${nodes[@]}"; do start_avahi "$h"; done
  wait_ready "avahi" "${nodes[@]}"

  UP_DONE=1
  trap - EXIT HUP INT TERM
  exec 9<&-
  elapsed "$t0"
  if has_router; then
    log "LAN '$PREFIX' up: $((n - FAR)) host(s) on $SUBNET.0/24, $FAR on $SUBNET2.0/24" \
      "behind a router, state $S ($ELAPSED)"
  else
    log "LAN '$PREFIX' up: $n host(s) on $SUBNET.0/24, state $S ($ELAPSED)"
  fi
}

# ---------------------------------------------------------------------------------------
# down

# Inodes of our namespaces: /run/netns/PREFIX-(sw|x) and STATE/ns/x.{uts,mnt}, nsfs only.
collect_ns_inodes() {
  local f
  NS_INODES=()
  for f in /run/netns/"$PREFIX"-* "$S"/ns/*.uts "$S"/ns/*.mnt; do
    case $f in
      /run/netns/*) [[ ${f##*/} =~ $NS_RE ]] || continue ;;
      *) [[ ${f##*/} =~ ^([a-z]{1,2}|router)\.(uts|mnt)$ ]] || continue ;;
    esac
    is_nsfs "$f" || continue
    NS_INODES[$(stat -L -c %i -- "$f")]=1
  done
}

# Our own shell and its ancestors must never be killed.
collect_ancestors() {
  local p=$BASHPID ppid line
  ANCESTORS=([$$]=1 [$BASHPID]=1)
  while ((p > 1)); do
    { read -r line <"/proc/$p/stat"; } 2>/dev/null || break
    line=${line##*) }
    read -r _ ppid _ <<<"$line"
    ANCESTORS[$ppid]=1
    p=$ppid
  done
}

# OUR_PIDS: pid -> starttime of every live process inside one of our namespaces, plus the
# recorded daemon pids whose start time still matches (covers a netns deleted by hand).
collect_our_pids() {
  local path ino pid f p st
  OUR_PIDS=()
  if ((${#NS_INODES[@]})); then
    while read -r path ino; do
      [[ -n ${NS_INODES[$ino]-} ]] || continue
      pid=${path#/proc/}
      pid=${pid%%/*}
      [[ -n ${ANCESTORS[$pid]-} || -n ${OUR_PIDS[$pid]-} ]] && continue
      proc_stat "$pid" || continue
      [[ $PSTATE == [ZX] ]] && continue
      OUR_PIDS[$pid]=$PSTART
    done < <(stat -L -c '%n %i' /proc/[0-9]*/ns/net /proc/[0-9]*/ns/mnt /proc/[0-9]*/ns/uts \
      2>/dev/null || :)
  fi
  for f in "$S"/hosts/*/*.pid; do
    [[ -f $f ]] || continue
    read -r p st <"$f" || continue
    [[ $p =~ ^[0-9]+$ && -z ${ANCESTORS[$p]-} ]] || continue
    pid_alive "$p" "$st" && OUR_PIDS[$p]=$st
  done
  return 0
}

# kill_and_wait SIGNAL SECONDS: signal OUR_PIDS and wait until they are gone.
kill_and_wait() {
  local sig=$1 secs=$2 pid deadline alive
  for pid in "${!OUR_PIDS[@]}"; do
    kill -s "$sig" "$pid" 2>/dev/null || :
  done
  now_ms
  deadline=$((NOW_MS + secs * 1000))
  while :; do
    alive=0
    for pid in "${!OUR_PIDS[@]}"; do
      if pid_alive "$pid" "${OUR_PIDS[$pid]}"; then alive=1; else unset "OUR_PIDS[$pid]"; fi
    done
    ((alive == 0)) && return 0
    now_ms
    ((NOW_MS >= deadline)) && return 1
    sleep 0.1
  done
}

# Mount points at or below the state dir, deepest first.
mounts_under_state() {
  local line mp
  local -a f
  while IFS= read -r line; do
    read -r -a f <<<"${line%% - *}"
    printf -v mp '%b' "${f[4]}"
    if [[ $mp == "$S" || $mp == "$S"/* ]]; then
      mp=${mp//$'\n'/}
      printf '%d\t%s\n' "$(tr -cd / <<<"$mp" | wc -c)" "$mp"
    fi
  done </proc/self/mountinfo | sort -rn -k1,1 | cut -f2-
}

copy_logs() {
  local dir=$1 d h
  mkdir -p -- "$dir" || { log "cannot create HWLAN_LOGS dir $dir"; return 0; }
  for d in "$S"/hosts/*/log; do
    [[ -d $d ]] || continue
    h=${d%/log}
    h=${h##*/}
    mkdir -p -- "$dir/$PREFIX-$h"
    cp -p -- "$d"/* "$dir/$PREFIX-$h/" 2>/dev/null || :
  done
  log "logs copied to $dir/$PREFIX-*/"
}

do_down() {
  local -A NS_INODES=() ANCESTORS=() OUR_PIDS=()
  local round f name mp left=0
  collect_ancestors
  collect_ns_inodes
  # SIGTERM, 5 s, SIGKILL, 3 s. Repeat a few times: something may have been spawned
  # meanwhile (a bus-activated service, a test process).
  for round in 1 2 3; do
    collect_our_pids
    ((${#OUR_PIDS[@]} == 0)) && break
    if ((round == 1)); then
      kill_and_wait TERM 5 || :
      collect_our_pids
    fi
    ((${#OUR_PIDS[@]} == 0)) && continue
    kill_and_wait KILL 3 || log "processes still alive after SIGKILL: ${!OUR_PIDS[*]}"
  done

  [[ -n ${HWLAN_LOGS-} && -d $S/hosts ]] && copy_logs "$HWLAN_LOGS"

  # A state dir without our marker is someone else's: leave its mounts and files alone.
  for round in 1 2 3 4 5; do
    [[ -e $MARKER ]] || break
    mapfile -t mp < <(mounts_under_state)
    ((${#mp[@]} == 0)) && break
    for f in "${mp[@]}"; do
      umount -- "$f" 2>/dev/null || umount -l -- "$f" 2>/dev/null || :
    done
  done

  # Never touch /run/netns itself: that mount is shared with every user of "ip netns".
  for f in /run/netns/"$PREFIX"-*; do
    name=${f##*/}
    [[ $name =~ $NS_RE ]] || continue
    ip netns del "$name" 2>/dev/null || :
    if [[ -e $f ]] && ! is_nsfs "$f"; then rm -f -- "$f"; fi
    [[ -e $f ]] && { log "could not delete netns $name"; left=1; }
  done

  if [[ -e $S ]]; then
    if [[ ! -e $MARKER ]]; then
      rmdir -- "$S" 2>/dev/null || { log "$S was not made by $PROG; left in place"; left=1; }
    elif [[ -n $(mounts_under_state) ]]; then
      log "mounts left under $S; not removing it"
      left=1
    else
      rm -rf --one-file-system -- "$S/hosts" "$S/ns" "$S/system.d" "$S/config" \
        "$S/hosts.list" "$S/system-bus.conf" "$S"/selftest.*
      rm -f -- "$MARKER"
      rmdir -- "$S" 2>/dev/null || { log "$S is not empty; left in place"; left=1; }
    fi
  fi
  return "$left"
}

cmd_down() {
  local t0
  [[ $# -eq 0 ]] || usage_error "usage: down"
  take_lock
  now_ms
  t0=$NOW_MS
  if ! leftovers_exist; then
    log "LAN '$PREFIX' is not up; nothing to do"
    return 0
  fi
  do_down || die "teardown of '$PREFIX' incomplete"
  elapsed "$t0"
  log "LAN '$PREFIX' down ($ELAPSED)"
}

# ---------------------------------------------------------------------------------------
# run, exec and the helpers for test scripts

cmd_run() {
  local n=$NHOSTS
  if [[ ${1-} =~ ^[0-9]+$ ]]; then n=$1; shift; fi
  [[ ${1-} == -- ]] && shift
  [[ $# -ge 1 ]] || usage_error "usage: run [N] -- CMD..."
  [[ -r $HERE/subreaper.py ]] || die "missing $HERE/subreaper.py"
  exec /usr/bin/python3 "$HERE/subreaper.py" "$SELF" "$n" -- "$@"
}

cmd_exec() {
  [[ $# -ge 1 ]] || usage_error "usage: exec HOST [--] CMD..."
  require_host "$1" allow-switch
  shift
  [[ ${1-} == -- ]] && shift
  [[ $# -ge 1 ]] || usage_error "usage: exec HOST [--] CMD..."
  if [[ $H == sw ]]; then
    exec nsenter --net="/run/netns/$SW_NS" -- "$@"
  fi
  # Entering a mount namespace resets the cwd to /, so go back to the caller's cwd inside.
  # Every step execs: "office-lan.sh exec a -- foo & pid=\$!" gives foo's pid.
  # shellcheck disable=SC2016
  exec "${HENTER[@]}" env "${HENV_UNSET[@]}" "${HENV[@]}" \
    /bin/sh -c 'cd "$1" 2>/dev/null || cd /; shift; exec "$@"' lan-exec "$PWD" "$@"
}

require_up() {
  if ! lan_is_up || ((${#HOSTS[@]} == 0)); then
    die "LAN '$PREFIX' is not up (state dir $S)"
  fi
}

cmd_hosts() {
  require_up
  printf '%s\n' "${HOSTS[@]}"
}

cmd_ip() {
  [[ $# -ge 1 && $# -le 2 ]] || usage_error "usage: ip HOST [-4|-6|-ula]"
  resolve_host "$1"
  [[ $H != sw ]] || usage_error "the switch has no address"
  host_vars "$H"
  case ${2-} in
    '' | -4)
      [[ $IPV4 == 1 ]] || die "IPv4 is off in LAN '$PREFIX'"
      echo "$HIP4"
      ;;
    -6)
      [[ $IPV6 == 1 ]] || die "IPv6 is off in LAN '$PREFIX'"
      echo "$HIP6"
      ;;
    -ula)
      [[ $IPV6 == 1 && $ULA == 1 ]] || die "LAN '$PREFIX' has no IPv6 ULA addresses"
      echo "$HULA"
      ;;
    *) usage_error "usage: ip HOST [-4|-6|-ula]" ;;
  esac
}

cmd_hostname() {
  [[ $# -eq 1 ]] || usage_error "usage: hostname HOST"
  resolve_host "$1"
  [[ $H != sw ]] || usage_error "the switch has no host name"
  host_vars "$H"
  echo "$HN"
}

cmd_xdg() {
  [[ $# -eq 1 ]] || usage_error "usage: xdg HOST"
  resolve_host "$1"
  [[ $H != sw ]] || usage_error "the switch has no XDG dirs"
  host_vars "$H"
  echo "$HD/xdg"
}

cmd_link() {
  local usage="usage: link HOST down|up|isolate|join|ifdown|ifup|port-isolated on|off"
  [[ $# -eq 2 || ($# -eq 3 && $2 == port-isolated) ]] || usage_error "$usage"
  require_host "$1"
  case $2 in
    down) ip -n "$SW_NS" link set "$HVETH" down ;;
    up) ip -n "$SW_NS" link set "$HVETH" up ;;
    isolate) ip -n "$SW_NS" link set "$HVETH" nomaster ;;
    join) ip -n "$SW_NS" link set "$HVETH" master "$HBR" up ;;
    ifdown) ip -n "$HNETNS" link set eth0 down ;;
    ifup) ip -n "$HNETNS" link set eth0 up ;;
    # Isolated ports reach only ports that are not isolated (the router), like the
    # clients of a Wi-Fi access point with client isolation.
    port-isolated)
      [[ $3 == on || $3 == off ]] || usage_error "$usage"
      ip -n "$SW_NS" link set dev "$HVETH" type bridge_slave isolated "$3"
      ;;
    *) usage_error "$usage" ;;
  esac
}

require_router() {
  has_router || die "LAN '$PREFIX' has no router (set HWLAN_FAR at \"up\")"
  require_host router
}

# The router's avahi-daemon as a reflector (enable-reflector=yes, what office routers offer),
# or not: its configuration is rewritten and it is restarted.
cmd_reflector() {
  [[ $# -eq 1 && ($1 == on || $1 == off) ]] || usage_error "usage: reflector on|off"
  require_router
  write_avahi_conf router "$([[ $1 == on ]] && echo yes || echo no)"
  cmd_avahi router restart
}

# dnsmasq on the router, authoritative for HWLAN_DOMAIN: the hosts' names, plus the options
# in each FILE (DNS-SD PTR, SRV and TXT records, as "hallwayctl dns-records" prints them).
cmd_dns() {
  local usage="usage: dns start [FILE...] | dns stop" f h conf
  [[ $# -ge 1 ]] || usage_error "$usage"
  require_router
  case $1 in
    stop)
      [[ $# -eq 1 ]] || usage_error "$usage"
      stop_daemon router dnsmasq
      ;;
    start)
      shift
      [[ -n $DOMAIN ]] || die "LAN '$PREFIX' has no DNS domain (set HWLAN_DOMAIN at \"up\")"
      command -v dnsmasq >/dev/null || die "dnsmasq is missing; run build-aux/install-deps.sh"
      stop_daemon router dnsmasq
      conf=$S/hosts/router/dnsmasq.conf
      {
        echo "keep-in-foreground"
        echo "no-resolv"
        echo "no-hosts"
        echo "no-poll"
        echo "bind-interfaces"
        echo "interface=eth0"
        echo "interface=eth1"
        echo "except-interface=lo"
        echo "local=/$DOMAIN/"
        echo "domain=$DOMAIN"
        echo "log-queries"
        echo "log-facility=-"
        echo "pid-file="
        echo "user=root"
        for h in "${HOSTS[@]}"; do
          host_vars "$h"
          [[ $IPV4 == 1 ]] && echo "host-record=$HN.$DOMAIN,$HIP4"
        done
        for f in "$@"; do
          [[ -r $f ]] || die "cannot read $f"
          cat -- "$f"
        done
      } >"$conf"
      spawn_daemon router dnsmasq dnsmasq "--conf-file=$conf"
      wait_dns || die "dnsmasq on the router did not start"
      ;;
    *) usage_error "$usage" ;;
  esac
}

# Poll until the router's dnsmasq answers (or has died).
wait_dns() {
  local deadline
  now_ms
  deadline=$((NOW_MS + TIMEOUT * 1000))
  while daemon_alive router dnsmasq; do
    if nsenter --net="/run/netns/$PREFIX-rt" -- /usr/bin/python3 - "$SUBNET.1" <<'EOF'
import socket, sys
q = bytes.fromhex("1234010000010000000000000000010001")  # ". A?", answered or refused
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
s.sendto(q, (sys.argv[1], 53))
s.recvfrom(512)
EOF
    then
      return 0
    fi
    now_ms
    ((NOW_MS < deadline)) || return 1
    sleep 0.1
  done
  log_tail "$S/hosts/router/log/dnsmasq.log"
  return 1
}

# stop_daemon H NAME: SIGTERM a daemon started with spawn_daemon, and wait for it.
stop_daemon() {
  daemon_alive "$1" "$2" || return 0
  local -A OUR_PIDS=([$DPID]=$DSTART)
  kill_and_wait TERM 5 || kill_and_wait KILL 3 || die "$2 of host $1 (pid $DPID) does not die"
}

# stop_avahi H SIGNAL: signal the recorded avahi-daemon and wait until it is gone.
stop_avahi() {
  local h=$1 sig=$2
  if ! daemon_alive "$h" avahi; then
    log "avahi-daemon of host $h is not running"
    return 0
  fi
  local -A OUR_PIDS=([$DPID]=$DSTART)
  if [[ $sig == TERM ]]; then
    kill_and_wait TERM 5 && return 0
    log "avahi-daemon of host $h ignored SIGTERM for 5 s; killing it"
  fi
  kill_and_wait KILL 3 || die "avahi-daemon of host $h (pid $DPID) does not die"
}

cmd_avahi() {
  [[ $# -eq 2 ]] || usage_error "usage: avahi HOST stop|kill|start|restart"
  require_host "$1"
  local h=$H
  case $2 in
    stop) stop_avahi "$h" TERM ;;
    kill) stop_avahi "$h" KILL ;;
    start | restart)
      if [[ $2 == restart ]]; then
        stop_avahi "$h" TERM
      elif daemon_alive "$h" avahi; then
        log "avahi-daemon of host $h is already running (pid $DPID)"
        return 0
      fi
      daemon_alive "$h" system-bus || die "the system bus of host $h is not running"
      start_avahi "$h"
      wait_ready avahi "$h" || die "avahi-daemon of host $h did not start"
      ;;
    *) usage_error "usage: avahi HOST stop|kill|start|restart" ;;
  esac
}

# The mDNS blocker: a table of our own inside the host's netns, so removing it touches
# nothing else. Falls back to iptables when nft is missing.
cmd_block_mdns() {
  local mode=$1
  shift
  [[ $# -eq 1 ]] || usage_error "usage: $mode-mdns HOST"
  require_host "$1"
  local -a in_ns=(nsenter --net="$HNETNS_FILE" --)
  if command -v nft >/dev/null; then
    if [[ $mode == block ]]; then
      # "add, delete, add" makes this idempotent and atomic.
      "${in_ns[@]}" nft -f - <<EOF
table inet $NFT_TABLE
delete table inet $NFT_TABLE
table inet $NFT_TABLE {
  chain input {
    type filter hook input priority -10; policy accept;
    udp dport 5353 drop
    udp sport 5353 drop
  }
  chain output {
    type filter hook output priority -10; policy accept;
    udp dport 5353 drop
    udp sport 5353 drop
  }
}
EOF
    elif "${in_ns[@]}" nft list table inet "$NFT_TABLE" >/dev/null 2>&1; then
      "${in_ns[@]}" nft delete table inet "$NFT_TABLE"
    fi
    return 0
  fi
  local chain=${PREFIX}-mdns tool dir
  for tool in iptables ip6tables; do
    [[ $tool == ip6tables && $IPV6 != 1 ]] && continue
    command -v "$tool" >/dev/null || die "neither nft nor $tool is installed"
    for dir in INPUT OUTPUT; do
      while "${in_ns[@]}" "$tool" -w -D "$dir" -j "$chain" 2>/dev/null; do :; done
    done
    "${in_ns[@]}" "$tool" -w -F "$chain" 2>/dev/null || :
    "${in_ns[@]}" "$tool" -w -X "$chain" 2>/dev/null || :
    [[ $mode == block ]] || continue
    "${in_ns[@]}" "$tool" -w -N "$chain"
    "${in_ns[@]}" "$tool" -w -A "$chain" -p udp --dport 5353 -j DROP
    "${in_ns[@]}" "$tool" -w -A "$chain" -p udp --sport 5353 -j DROP
    "${in_ns[@]}" "$tool" -w -I INPUT -j "$chain"
    "${in_ns[@]}" "$tool" -w -I OUTPUT -j "$chain"
  done
}

mdns_blocked() {  # needs host_vars
  local in_ns=(nsenter --net="$HNETNS_FILE" --)
  if command -v nft >/dev/null; then
    "${in_ns[@]}" nft list table inet "$NFT_TABLE" >/dev/null 2>&1
  else
    "${in_ns[@]}" iptables -w -S "${PREFIX}-mdns" >/dev/null 2>&1
  fi
}

cmd_status() {
  local h port eth state sysbus sessbus avahi mdns line name flags
  local -A PORTS=()
  require_up
  # One look at the switch: per port, admin state and whether it is on the bridge.
  while IFS= read -r line; do
    name=${line#*: }
    name=${name%%[@:]*}
    [[ $name =~ ^veth-[a-z]{1,2}$ || $name == veth-r[01] ]] || continue
    flags=${line#*<}
    flags=${flags%%>*}
    if [[ ,$flags, != *,UP,* ]]; then
      PORTS[$name]=down
    elif [[ $line != *" master br0 "* && $line != *" master br1 "* ]]; then
      PORTS[$name]=isolated
    else
      PORTS[$name]=up
    fi
  done < <(ip -n "$SW_NS" -o link show)
  echo "LAN '$PREFIX': ${#HOSTS[@]} host(s), $SUBNET.0/24," \
    "IPv6 $([[ $IPV6 == 1 ]] && echo on || echo off), state $S"
  if has_router; then
    echo "Hosts $FAR_HOSTS on $SUBNET2.0/24 behind the router; DNS domain ${DOMAIN:-none}"
  fi
  printf '%-4s %-10s %-13s %-22s %-9s %-9s %-8s %-8s %-8s %-5s %s\n' \
    HOST HOSTNAME IPV4 IPV6 PORT ETH0 SYSBUS SESSBUS AVAHI STATE MDNS
  local -a nodes=("${HOSTS[@]}")
  has_router && nodes+=(router)
  for h in "${nodes[@]}"; do
    host_vars "$h"
    port=${PORTS[$HVETH]-missing}
    eth=$(ip -n "$HNETNS" -o link show eth0 2>/dev/null) || eth=''
    if [[ -z $eth ]]; then
      eth=missing
    else
      flags=${eth#*<}
      flags=${flags%%>*}
      if [[ ,$flags, != *,UP,* ]]; then
        eth=down
      elif [[ ,$flags, == *,NO-CARRIER,* ]]; then
        eth=nocarrier
      else
        eth=up
      fi
    fi
    sysbus=-; sessbus=-; avahi=-; state=-
    daemon_alive "$h" system-bus && sysbus=$DPID
    daemon_alive "$h" session-bus && sessbus=$DPID
    if daemon_alive "$h" avahi; then
      avahi=$DPID
      state=$(host_run "$h" dbus-send --system --print-reply=literal --reply-timeout=2000 \
        --dest=org.freedesktop.Avahi / org.freedesktop.Avahi.Server.GetState </dev/null \
        2>/dev/null) || state=''
      state=${state##*int32 }
      state=${state//[!0-9-]/}
      [[ -n $state ]] || state='?'
    fi
    host_vars "$h"
    mdns=ok
    mdns_blocked && mdns=blocked
    printf '%-4s %-10s %-13s %-22s %-9s %-9s %-8s %-8s %-8s %-5s %s\n' "${h:0:4}" "$HN" "$HIP4" \
      "$([[ $IPV6 == 1 ]] && echo "$HIP6" || echo -)" "$port" "$eth" "$sysbus" "$sessbus" \
      "$avahi" "$state" "$mdns"
  done
}

# ---------------------------------------------------------------------------------------
# selftest

ST_PASS=0
ST_FAIL=0
ST_PIDS=()

st_result() {  # OK DESCRIPTION
  if (($1)); then
    ST_PASS=$((ST_PASS + 1))
    printf 'ok   %s\n' "$2"
  else
    ST_FAIL=$((ST_FAIL + 1))
    printf 'FAIL %s\n' "$2"
  fi
}

st_cleanup() {
  local pid
  for pid in "${ST_PIDS[@]}"; do kill "$pid" 2>/dev/null || :; done
  for pid in "${ST_PIDS[@]}"; do wait "$pid" 2>/dev/null || :; done
  ST_PIDS=()
  [[ -n ${ST_DIR-} ]] && rm -rf -- "$ST_DIR"
  ST_DIR=''
}

# st_resolve H: one-shot browse+resolve in H until A's service shows up with A's IPv4
# address, port and both TXT strings. avahi-browse resolves with protocol UNSPEC, so the
# IPv4 entry may carry the IPv6 link-local address at first: retry until the A record wins.
st_resolve() {
  local h=$1 line deadline
  local -a f
  now_ms
  deadline=$((NOW_MS + 15000))
  while :; do
    while IFS= read -r line; do
      IFS=';' read -r -a f <<<"$line"
      ((${#f[@]} >= 9)) || continue
      [[ ${f[0]} == = && ${f[2]} == IPv4 && ${f[3]} == "$ST_TAG_ESC" ]] || continue
      [[ ${f[6]} == "$ST_A_FQDN" && ${f[7]} == "$ST_A_IP" && ${f[8]} == 8080 ]] || continue
      [[ ${f[*]:9} == *'"path=/x"'* && ${f[*]:9} == *'"note=hello world"'* ]] || continue
      return 0
    done < <(host_run "$h" avahi-browse -rpt _lansimtest._tcp </dev/null 2>/dev/null || :)
    now_ms
    ((NOW_MS < deadline)) || return 1
    sleep 0.2
  done
}

# wait_for_line FILE PREFIX SECONDS: wait until FILE has a line starting with PREFIX.
wait_for_line() {
  local file=$1 prefix=$2 deadline line
  now_ms
  deadline=$((NOW_MS + $3 * 1000))
  while :; do
    if [[ -f $file ]]; then
      while IFS= read -r line; do
        [[ $line == "$prefix"* ]] && return 0
      done <"$file"
    fi
    now_ms
    ((NOW_MS < deadline)) || return 1
    sleep 0.05
  done
}

cmd_selftest() {
  local h a b c ok out t0 t1 pub browser code n=${#HOSTS[@]}
  local -A res_pid=()
  [[ $# -eq 0 ]] || usage_error "usage: selftest"
  require_up
  ((n >= 2)) || die "selftest needs at least 2 hosts"
  a=${HOSTS[0]} b=${HOSTS[1]} c=${HOSTS[n - 1]}
  now_ms
  t0=$NOW_MS
  ST_DIR=$(mktemp -d "$S/selftest.XXXXXX")
  trap st_cleanup EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM

  # 1. Host names: the UTS name, and the name avahi runs under.
  for h in "${HOSTS[@]}"; do
    host_vars "$h"
    out=$(host_run "$h" hostname </dev/null 2>&1) || :
    ok=0; [[ $out == "$HN" ]] && ok=1
    st_result $ok "$h: hostname is $HN (got '$out')"
    out=$(host_run "$h" dbus-send --system --print-reply=literal --reply-timeout=2000 \
      --dest=org.freedesktop.Avahi / org.freedesktop.Avahi.Server.GetHostNameFqdn \
      </dev/null 2>&1) || :
    out=${out//[[:space:]]/}
    ok=0; [[ $out == "$HN.local" ]] && ok=1
    st_result $ok "$h: avahi host name is $HN.local (got '$out')"
  done

  # 2. Publish in A; every other host resolves it. B keeps a browser running throughout.
  host_vars "$a"
  ST_A_IP=$HIP4
  ST_A_FQDN=$HN.local
  ST_TAG="lansim selftest $$"
  ST_TAG_ESC=${ST_TAG// /\\032}
  spawn_in_host "$b" "$ST_DIR/browse.out" stdbuf -oL avahi-browse -p _lansimtest._tcp
  browser=$SPAWNED
  ST_PIDS+=("$browser")
  spawn_in_host "$a" "$ST_DIR/publish.out" avahi-publish -s "$ST_TAG" _lansimtest._tcp 8080 \
    path=/x "note=hello world"
  pub=$SPAWNED
  ST_PIDS+=("$pub")
  for h in "${HOSTS[@]:1}"; do
    (st_resolve "$h") </dev/null &
    res_pid[$h]=$!
  done
  for h in "${HOSTS[@]:1}"; do
    ok=0; wait "${res_pid[$h]}" && ok=1
    st_result $ok "$h: resolves '$ST_TAG' from $a: $ST_A_IP port 8080, both TXT strings"
  done

  # 3. Removal: after SIGTERM to the publisher, B's running browser shows the "-" line.
  ok=0
  if wait_for_line "$ST_DIR/browse.out" "+;eth0;IPv4;$ST_TAG_ESC;_lansimtest._tcp;local" 10; then
    kill "$pub" 2>/dev/null || :
    now_ms
    t1=$NOW_MS
    if wait_for_line "$ST_DIR/browse.out" "-;eth0;IPv4;$ST_TAG_ESC;_lansimtest._tcp;local" 5; then
      ok=1
    fi
    now_ms
  fi
  st_result $ok "$b: running browser sees the service removed after the publisher's SIGTERM$(
    ((ok)) && echo " ($((NOW_MS - t1)) ms)")"

  # 4. TCP from B to A.
  mkdir -p "$ST_DIR/www"
  echo hello >"$ST_DIR/www/index.html"
  spawn_in_host "$a" "$ST_DIR/http.out" /usr/bin/python3 -m http.server --bind "$ST_A_IP" \
    --directory "$ST_DIR/www" 8000
  ST_PIDS+=("$SPAWNED")
  code=''
  now_ms
  t1=$((NOW_MS + 10000))
  while :; do
    code=$(host_run "$b" curl -s -o /dev/null --max-time 2 -w '%{http_code}' \
      "http://$ST_A_IP:8000/" </dev/null 2>/dev/null) || :
    [[ $code == 200 ]] && break
    now_ms
    ((NOW_MS < t1)) || break
    sleep 0.1
  done
  ok=0; [[ $code == 200 ]] && ok=1
  st_result $ok "$b: HTTP GET http://$ST_A_IP:8000/ on $a gives 200 (got '$code')"

  # 5. Isolation: C has its own /run (avahi pid file) and its own UTS name.
  host_vars "$c"
  ok=0
  if daemon_pid "$c" avahi; then
    out=$(host_run "$c" cat /run/avahi-daemon/pid </dev/null 2>/dev/null) || out=''
    local a_pidfile
    a_pidfile=$(host_run "$a" cat /run/avahi-daemon/pid </dev/null 2>/dev/null) || a_pidfile=''
    local uts
    uts=$(host_run "$c" hostname </dev/null 2>/dev/null) || uts=''
    if [[ $out == "$DPID" && $out != "$a_pidfile" && $uts == "$HN" && $(hostname) != "$HN" ]]; then
      ok=1
    fi
  fi
  st_result $ok "$c: own /run/avahi-daemon/pid ($out) and own host name ($uts)"

  st_cleanup
  trap - EXIT HUP INT TERM
  elapsed "$t0"
  echo "$ST_PASS passed, $ST_FAIL failed ($ELAPSED)"
  ((ST_FAIL == 0))
}

# ---------------------------------------------------------------------------------------

main() {
  local cmd=${1-}
  case $cmd in
    '' | help | -h | --help)
      usage
      [[ -n $cmd ]] || exit 2
      exit 0
      ;;
  esac
  if ((EUID != 0)); then
    echo "$PROG needs root: it creates network namespaces" >&2
    exit 77
  fi
  shift
  init_settings
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    run) cmd_run "$@" ;;
    exec) cmd_exec "$@" ;;
    status) cmd_status "$@" ;;
    hosts) cmd_hosts "$@" ;;
    ip) cmd_ip "$@" ;;
    hostname) cmd_hostname "$@" ;;
    xdg) cmd_xdg "$@" ;;
    link) cmd_link "$@" ;;
    avahi) cmd_avahi "$@" ;;
    reflector) cmd_reflector "$@" ;;
    dns) cmd_dns "$@" ;;
    block-mdns) cmd_block_mdns block "$@" ;;
    unblock-mdns) cmd_block_mdns unblock "$@" ;;
    selftest) cmd_selftest "$@" ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

main "$@"
