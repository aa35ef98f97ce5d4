# SPDX-License-Identifier: GPL-3.0-or-later
# The harness Hallway's benchmarks share (bench/webdav.sh, bench/transfers.sh):
# checks of what the machine has, a work folder and the simulated office LAN
# of tests/lan/office-lan.sh with a clean teardown, servers started in a
# simulated computer, CPU time of a process tree, the statistics and the
# report's head, and saving the report to bench/results/.
#
# Source it after `set -euo pipefail`, with BENCH set to the script's name
# (for messages), DIE_LOGS to the logs worth showing when it fails (globs
# under $work), and HWLAN_PREFIX/HWLAN_SUBNET to a LAN of the benchmark's own.

BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../tests/lib.sh
. "$BENCH_TOP/tests/lib.sh"

BUILD_DIR=${HALLWAY_BUILD_DIR:-$BENCH_TOP/build}
L=$BENCH_TOP/tests/lan/office-lan.sh
hallwayd=$BUILD_DIR/daemon/hallwayd
ctl=$BUILD_DIR/ctl/hallwayctl
TCK=$(getconf CLK_TCK)
declare -A PID=()
lan_started=0
work=

log() { printf '%s\n' "$*" >&2; }

die() {
  local f pattern
  log "$BENCH: $*"
  for pattern in "${DIE_LOGS[@]}"; do
    for f in $work/$pattern; do
      [ -s "$f" ] || continue
      log "--- last lines of ${f#"$work"/}:"
      grep -v -- '-DEBUG' "$f" | tail -n 8 >&2
    done
  done
  exit 1
}

# need_root: simulated computers are network namespaces.
need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$BENCH needs root (simulated computers)"
    exit 77
  fi
}

# need_tools HINT COMMAND:PACKAGE...: skips (77) when a command is missing;
# HINT is how to install it, with %s for the package.
need_tools() {
  local hint=$1 t
  shift
  for t in "$@"; do
    command -v "${t%%:*}" >/dev/null || {
      # shellcheck disable=SC2059
      echo "$BENCH: ${t%%:*} is missing ($(printf "$hint" "${t#*:}"))"
      exit 77
    }
  done
}

need_hallway() {
  [ -x "$hallwayd" ] && [ -x "$ctl" ] ||
    { echo "$BENCH: no hallwayd/hallwayctl in $BUILD_DIR (build first)"; exit 1; }
}

cleanup() {
  set +e
  trap '' TERM INT HUP   # finish tearing down even when signalled again
  for name in "${!PID[@]}"; do kill "${PID[$name]}" 2>/dev/null; done
  for name in "${!PID[@]}"; do wait "${PID[$name]}" 2>/dev/null; done
  # Also stops whatever a server left behind in the namespaces, and drops
  # the mounts made in their mount namespaces.
  [ "$lan_started" = 1 ] && "$L" down >/dev/null 2>&1
  [ -n "$work" ] && rm -rf "$work"
}

# make_work NAME: the work folder ($work), removed with everything else at exit.
make_work() {
  work=$(mktemp -d "/tmp/hallway-bench-$1.XXXXXX")
  chmod 755 "$work"   # servers' workers run as nobody and read the data
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
}

# lan_up: computers a and b; $A is a's address.
lan_up() {
  log "starting the simulated LAN…"
  lan_started=1
  "$L" up 2 >"$work/lan.log" 2>&1 || { cat "$work/lan.log" >&2; die "office-lan.sh up failed"; }
  A=$("$L" ip a)
}

# bg_on HOST NAME CMD...: a daemon in HOST; its pid is CMD's own (exec all the way).
bg_on() {
  local host=$1 name=$2
  shift 2
  "$L" exec "$host" -- "$@" >"$work/$name.log" 2>&1 </dev/null &
  PID[$name]=$!
}

# start_hallwayd HOST NAME PERSON: hallwayd in HOST as PERSON, ready once it
# answers on its bus.
start_hallwayd() {
  bg_on "$1" "$2" env HALLWAY_NAME="$3" GSETTINGS_BACKEND=memory "$hallwayd"
  wait_until 20 "$L" exec "$1" -- "$ctl" status || die "hallwayd does not start on $1"
}

# start_nginx SERVER-LINES [HTTP-LINES]: nginx on a, HTTPS on $A:8443 serving
# $work/data (TLS 1.3, AES-GCM, an ECDSA P-256 certificate as a modern
# self-signed one would be), with extra lines in its server and http blocks.
start_nginx() {
  log "starting nginx (HTTPS)…"
  mkdir -p "$work/nginx/tmp"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$A" -keyout "$work/nginx/key.pem" -out "$work/nginx/cert.pem" 2>/dev/null
  cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
${2:-}
  default_type application/octet-stream;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  server {
    listen $A:8443 ssl;
    ssl_certificate $work/nginx/cert.pem;
    ssl_certificate_key $work/nginx/key.pem;
    ssl_protocols TLSv1.3;
    ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256;
    root $work/data;
$1
  }
}
EOF
  bg_on a nginx nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log"
}

# servers_alive: every server started is still running.
servers_alive() {
  local name
  for name in "${!PID[@]}"; do
    kill -0 "${PID[$name]}" 2>/dev/null || die "$name exited (see $work/$name.log)"
  done
}

# tree_ticks PID: user+system CPU of PID and all its descendants alive, plus
# what they have reaped of their children (cutime+cstime), in clock ticks.
tree_ticks() {
  local total=0 p line rest
  local -a f todo=("$1")
  while [ ${#todo[@]} -gt 0 ]; do
    p=${todo[0]}
    todo=("${todo[@]:1}")
    { read -r line <"/proc/$p/stat"; } 2>/dev/null || continue
    rest=${line##*) }
    read -r -a f <<<"$rest"
    total=$((total + f[11] + f[12] + f[13] + f[14]))
    # shellcheck disable=SC2207
    todo+=($(pgrep -P "$p" || true))
  done
  echo "$total"
}

median() {
  sort -g | awk '{v[NR] = $1}
    END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}
minmax() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s-%s", lo, hi}'; }
mean() { awk '{s += $1} END {if (NR) printf "%.1f", s / NR}'; }
fmt() { printf "%.${2:-0}f" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }

# report_head TITLE: the report's first lines: what, when, on what machine.
report_head() {
  local commit
  commit=$(git -C "$BENCH_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
  echo "# $1, $(date '+%F %H:%M')"
  echo
  echo "Machine: $(nproc) cores, $(uname -r)," \
    "$(. /etc/os-release && echo "$PRETTY_NAME"); Hallway $commit"
}

# publish NAME: prints the report (the script's report function), and with
# --save ($SAVE=1) keeps it as bench/results/NAME-DATE.md.
publish() {
  local dest
  report | tee "$work/report.md"
  if [ "${SAVE:-0}" = 1 ]; then
    mkdir -p "$BENCH_TOP/bench/results"
    dest=$BENCH_TOP/bench/results/$1-$(date +%F).md
    cp "$work/report.md" "$dest"
    log "saved to $dest"
  fi
}
