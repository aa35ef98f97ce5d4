#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Hallway's transfer engine beside the tools people copy files with today,
# in one run on one machine (root only): servers on simulated computer a,
# clients on b, over the veth link of tests/lan/office-lan.sh.
#   - one 1 GiB random file and a folder of 10,000 files of 4 KiB, copied
#     to a tmpfs on b (emptied before every copy) with
#       hallwayctl get --wait      (hallwayd on a -> hallwayd on b)
#       smbclient                  (Samba smbd, SMB3, signing only, and
#                                   --client-protection=encrypt)
#       scp -c aes128-gcm@openssh.com (OpenSSH sshd; SFTP protocol)
#       rsync rsync://             (rsync --daemon)
#       curl over HTTPS from nginx (one connection; URL glob for the folder)
#   - the same pushed from b into a (--direction push), into a tmpfs on a:
#       hallwayctl put --wait      (into a read-write share: one upload stream)
#       hallwayctl send --wait     (to a colleague who accepts by itself)
#       smbclient put / mput (signing, and encrypted), scp upload, rsync to
#       rsync://, curl -T to nginx's WebDAV (PUT) over HTTPS
#   - wall time (MB/s, files/s) and CPU time on both sides: the server's
#     whole process tree (/proc/PID/stat before and after, children that
#     exited included), the client command (/usr/bin/time), and for Hallway
#     the hallwayd on b (receiving or sending) as well as hallwayctl.
# The tools take turns (the order rotating each round) so that machine noise
# hits all of them alike; compare ratios, not absolute numbers, across runs.
# Targets (issue 4): the 1 GiB copy no slower than plaintext smbclient; the
# 10,000-file copy at least as many files/s as the rsync daemon; the same
# pushing (issue 13), against smbclient put and rsync to the daemon.
#
# Usage: bench/transfers.sh [--save] [--runs N] [--big-runs N] [--small-runs N]
#                           [--direction pull|push|both]
#   --save          also write the tables to bench/results/transfers-DATE.md
#   --runs N        rounds of both copies (default 3)
#   --big-runs N    rounds of the 1 GiB copy (default 3; 0 skips it)
#   --small-runs N  rounds of the 10,000-file copy (default 3; 0 skips it)
#   --direction D   pull (a to b), push (b to a) or both (default)
# HALLWAY_BUILD_DIR: where hallwayd and hallwayctl are built (default build/).
set -euo pipefail
BENCH=bench/transfers.sh
DIE_LOGS=('*.log' 'smb/log.*' nginx/error.log 'runs/*.out')
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BIG_RUNS=3
SMALL_RUNS=3
SAVE=0
DIRECTION=both
while [ $# -gt 0 ]; do
  case $1 in
    --save) SAVE=1 ;;
    --runs) BIG_RUNS=${2:-}; SMALL_RUNS=${2:-}; shift ;;
    --big-runs) BIG_RUNS=${2:-}; shift ;;
    --small-runs) SMALL_RUNS=${2:-}; shift ;;
    --direction) DIRECTION=${2:-}; shift ;;
    -h | --help) sed -n '4,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/transfers.sh: unknown argument ‘$1’ (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $BIG_RUNS =~ ^[0-9]+$ && $SMALL_RUNS =~ ^[0-9]+$ ]] && [ $((BIG_RUNS + SMALL_RUNS)) -gt 0 ] ||
  {
    echo "bench/transfers.sh: --runs, --big-runs and --small-runs take numbers ≥ 0" \
      "(not both 0)" >&2
    exit 2
  }

case $DIRECTION in
  pull | push | both) ;;
  *) echo "bench/transfers.sh: --direction takes pull, push or both" >&2; exit 2 ;;
esac

T_START=${EPOCHREALTIME/./}
# A LAN of our own, so that another test's or benchmark's never collides.
export HWLAN_PREFIX=hwbxfer HWLAN_SUBNET=10.86.0 HWLAN_IPV6=0 GSETTINGS_BACKEND=memory

need_root
need_tools 'build-aux/install-deps.sh --bench' smbd:samba smbclient:smbclient pdbedit:samba \
  /usr/sbin/sshd:openssh-server scp:openssh-client ssh-keygen:openssh-client rsync:rsync \
  nginx:nginx openssl:openssl curl:curl jq:jq python3:python3 /usr/bin/time:time ip:iproute2 \
  nsenter:util-linux
need_hallway

make_work xfer

# --- Data: one 1 GiB random file, 10,000 random files of 4 KiB ----------------------
BIG_SIZE=$((1024 * 1024 * 1024))
NSMALL=10000
SMALL_SIZE=4096
log "making the data (1 GiB file, 10,000 × 4 KiB files)…"
mkdir -p "$work/data/small"
python3 - "$work/data/small" "$NSMALL" "$SMALL_SIZE" <<'EOF'
import os, sys
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    with open(os.path.join(d, f"file-{i:05d}.dat"), "wb") as f:
        f.write(os.urandom(size))
EOF
if [ "$BIG_RUNS" -gt 0 ]; then
  head -c "$BIG_SIZE" /dev/urandom >"$work/data/big.bin"
fi
chmod -R a+rX "$work/data"

# --- The LAN and the servers on a ---------------------------------------------------
lan_up

# a: a tmpfs in its own mount namespace, which every push lands in.
INBOX=/run/bench-inbox
"$L" exec a -- sh -c "mkdir -p $INBOX && mount -t tmpfs -o size=2g hwbench-inbox $INBOX" ||
  die "cannot mount a tmpfs on a"

log "starting hallwayd on a and b…"
# a accepts files from trusted colleagues by itself, into the inbox.
XA=$("$L" xdg a)
mkdir -p "$XA/config/glib-2.0/settings"
printf '[io/github/hallwaylan/Hallway]\nreceive-folder=%s\naccept-policy=%s\n' \
  "'$INBOX'" "'trusted'" >"$XA/config/glib-2.0/settings/keyfile"
bg_on a hallway-a env HALLWAY_NAME=Server GSETTINGS_BACKEND=keyfile \
  GSETTINGS_SCHEMA_DIR="$BUILD_DIR/data" "$hallwayd"
wait_until 20 "$L" exec a -- "$ctl" status || die "hallwayd does not start on a"
start_hallwayd b hallway-b Client
"$L" exec a -- "$ctl" share add "$work/data" --name Bench --access read-only --audience everyone \
  >/dev/null || die "hallwayctl share add failed"
"$L" exec a -- "$ctl" share add "$INBOX" --name Inbox --access read-write --audience everyone \
  >/dev/null || die "hallwayctl share add failed"

log "starting smbd (private smb.conf)…"
mkdir -p "$work"/smb/{private,lock,state,cache,pid,ncalrpc}
cat >"$work/smb/smb.conf" <<EOF
[global]
  netbios name = BENCH-A
  workgroup = WORKGROUP
  server role = standalone server
  interfaces = $A/24
  bind interfaces only = yes
  smb ports = 445
  disable netbios = yes
  server min protocol = SMB3
  passdb backend = tdbsam:$work/smb/private/passdb.tdb
  private dir = $work/smb/private
  lock directory = $work/smb/lock
  state directory = $work/smb/state
  cache directory = $work/smb/cache
  pid directory = $work/smb/pid
  ncalrpc dir = $work/smb/ncalrpc
  log file = $work/smb/log.%m
  log level = 1
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
[bench]
  path = $work/data
  read only = yes
[inbox]
  path = $INBOX
  read only = no
EOF
# A user share (encryption needs a real session key, which a guest lacks).
SMB_PW=bench-$$-pw
printf '%s\n%s\n' "$SMB_PW" "$SMB_PW" |
  "$L" exec a -- smbpasswd -c "$work/smb/smb.conf" -s -a root >/dev/null 2>&1 ||
  die "smbpasswd failed"
# smbd in a process group of its own: when it stops, it signals its whole group.
bg_on a smbd smbd --foreground --debug-stdout --configfile="$work/smb/smb.conf"

log "starting sshd (private sshd_config)…"
mkdir -p "$work/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/client_key"
cp "$work/ssh/client_key.pub" "$work/ssh/authorized_keys"
cat >"$work/ssh/sshd_config" <<EOF
ListenAddress $A:2222
HostKey $work/ssh/host_key
PidFile $work/ssh/sshd.pid
PermitRootLogin prohibit-password
AuthorizedKeysFile $work/ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
"$L" exec a -- mkdir -p /run/sshd   # privilege separation dir, in a's own /run
bg_on a sshd /usr/sbin/sshd -D -e -f "$work/ssh/sshd_config"
SSH_OPTS=(-F /dev/null -i "$work/ssh/client_key" -P 2222 -o StrictHostKeyChecking=no
  -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -c aes128-gcm@openssh.com)

log "starting the rsync daemon…"
mkdir -p "$work/rsync"
cat >"$work/rsync/rsyncd.conf" <<EOF
use chroot = no
uid = root
gid = root
log file = $work/rsync/rsyncd.log
pid file = $work/rsync/rsyncd.pid
[bench]
  path = $work/data
  read only = yes
[inbox]
  path = $INBOX
  read only = no
EOF
bg_on a rsyncd rsync --daemon --no-detach --config="$work/rsync/rsyncd.conf" --address="$A" \
  --port=8730

start_nginx "    location /inbox/ { alias $INBOX/; dav_methods PUT; create_full_put_path on;
                       client_max_body_size 0; }" '  keepalive_requests 100000;'

# b: a tmpfs in its own mount namespace, which every copy lands in.
DEST=/run/bench-xfer
"$L" exec b -- sh -c "mkdir -p $DEST && mount -t tmpfs -o size=2g hwbench-xfer $DEST" ||
  die "cannot mount a tmpfs on b"

# Everything answers from b before measuring anything.
"$L" exec b -- "$ctl" peers --wait 1 --timeout 30 >/dev/null || die "b does not see a's hallwayd"
wait_until 20 "$L" exec a -- "$ctl" trust Client >/dev/null || die "a cannot trust b"
smb() { "$L" exec b -- smbclient "//$A/bench" -U "root%$SMB_PW" -m SMB3 "$@"; }
wait_until 20 smb -c 'ls small/file-00000.dat' || die "smbd does not answer"
wait_until 20 "$L" exec b -- ssh "${SSH_OPTS[@]/-P/-p}" "root@$A" true || die "sshd does not answer"
wait_until 20 "$L" exec b -- rsync "rsync://$A:8730/bench/small/file-00000.dat" ||
  die "rsyncd does not answer"
wait_until 20 "$L" exec b -- curl -sfk -o /dev/null "https://$A:8443/small/file-00000.dat" ||
  die "nginx does not answer"
servers_alive

# --- Measuring ----------------------------------------------------------------------

# A runner inside b: "rc seconds user-s system-s" of one command.
cat >"$work/timeit" <<'EOF'
#!/bin/bash
out=$1
shift
t0=$EPOCHREALTIME
/usr/bin/time -f '%U %S' -o "$out.time" "$@" >"$out.out" 2>&1
rc=$?
t1=$EPOCHREALTIME
echo "$rc $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')" \
  "$(tail -n 1 "$out.time")" >"$out"
EOF
chmod 755 "$work/timeit"
mkdir -p "$work/runs" "$work/samples"
S=$work/samples

TOOLS=(hallway smb smb-enc scp rsync curl)
PUSH_TOOLS=(hallway hallway-send smb smb-enc scp rsync curl)
declare -A SERVER=([hallway]=hallway-a [hallway-send]=hallway-a [smb]=smbd [smb-enc]=smbd
  [scp]=sshd [rsync]=rsyncd [curl]=nginx)
declare -A LABEL=([hallway]="hallwayctl get <- hallwayd (HTTPS)"
  [smb]="smbclient <- smbd (SMB3, signing)"
  [smb-enc]="smbclient --client-protection=encrypt <- smbd"
  [scp]="scp -c aes128-gcm (SFTP) <- sshd" [rsync]="rsync <- rsync daemon"
  [curl]="curl <- nginx HTTPS (1 connection)")
declare -A PUSH_LABEL=([hallway]="hallwayctl put -> hallwayd (HTTPS)"
  [hallway-send]="hallwayctl send -> hallwayd (accepted by itself)"
  [smb]="smbclient put -> smbd (SMB3, signing)"
  [smb-enc]="smbclient --client-protection=encrypt put -> smbd"
  [scp]="scp -c aes128-gcm (SFTP) -> sshd" [rsync]="rsync -> rsync daemon"
  [curl]="curl -T -> nginx WebDAV HTTPS (1 connection)")

# client_cmd TOOL KIND: the copy command run on b, into $DEST.
client_cmd() {
  local tool=$1 kind=$2
  case $tool:$kind in
    hallway:big) CMD=("$ctl" get Server/Bench/big.bin --to "$DEST" --wait) ;;
    hallway:small) CMD=("$ctl" get Server/Bench/small --to "$DEST" --wait) ;;
    smb:big) CMD=(smbclient "//$A/bench" -U "root%$SMB_PW" -m SMB3
                  -c "get big.bin $DEST/big.bin") ;;
    smb:small) CMD=(smbclient "//$A/bench" -U "root%$SMB_PW" -m SMB3
      -c "prompt OFF; recurse ON; lcd $DEST/small; cd small; mget *") ;;
    smb-enc:big) CMD=(smbclient "//$A/bench" -U "root%$SMB_PW" -m SMB3 --client-protection=encrypt
      -c "get big.bin $DEST/big.bin") ;;
    smb-enc:small) CMD=(smbclient "//$A/bench" -U "root%$SMB_PW" -m SMB3 --client-protection=encrypt
      -c "prompt OFF; recurse ON; lcd $DEST/small; cd small; mget *") ;;
    scp:big) CMD=(scp -q "${SSH_OPTS[@]}" "root@$A:$work/data/big.bin" "$DEST/big.bin") ;;
    scp:small) CMD=(scp -q -r "${SSH_OPTS[@]}" "root@$A:$work/data/small" "$DEST/") ;;
    rsync:big) CMD=(rsync "rsync://$A:8730/bench/big.bin" "$DEST/big.bin") ;;
    rsync:small) CMD=(rsync -r "rsync://$A:8730/bench/small" "$DEST/") ;;
    curl:big) CMD=(curl -sfk -o "$DEST/big.bin" "https://$A:8443/big.bin") ;;
    curl:small) CMD=(curl -sfk --create-dirs -o "$DEST/small/file-#1.dat"
      "https://$A:8443/small/file-[00000-$(printf '%05d' $((NSMALL - 1)))].dat") ;;
    # Pushing, from b's view of the data into a's inbox.
    hallway:pbig) CMD=("$ctl" put "$work/data/big.bin" Server/Inbox --wait) ;;
    hallway:psmall) CMD=("$ctl" put "$work/data/small" Server/Inbox --wait) ;;
    hallway-send:pbig) CMD=("$ctl" send Server "$work/data/big.bin" --wait) ;;
    hallway-send:psmall) CMD=("$ctl" send Server "$work/data/small" --wait) ;;
    smb:pbig) CMD=(smbclient "//$A/inbox" -U "root%$SMB_PW" -m SMB3
      -c "put $work/data/big.bin big.bin") ;;
    smb:psmall) CMD=(smbclient "//$A/inbox" -U "root%$SMB_PW" -m SMB3
      -c "prompt OFF; recurse ON; mkdir small; cd small; lcd $work/data/small; mput *") ;;
    smb-enc:pbig) CMD=(smbclient "//$A/inbox" -U "root%$SMB_PW" -m SMB3
      --client-protection=encrypt -c "put $work/data/big.bin big.bin") ;;
    smb-enc:psmall) CMD=(smbclient "//$A/inbox" -U "root%$SMB_PW" -m SMB3
      --client-protection=encrypt
      -c "prompt OFF; recurse ON; mkdir small; cd small; lcd $work/data/small; mput *") ;;
    scp:pbig) CMD=(scp -q "${SSH_OPTS[@]}" "$work/data/big.bin" "root@$A:$INBOX/big.bin") ;;
    scp:psmall) CMD=(scp -q -r "${SSH_OPTS[@]}" "$work/data/small" "root@$A:$INBOX/") ;;
    rsync:pbig) CMD=(rsync "$work/data/big.bin" "rsync://$A:8730/inbox/big.bin") ;;
    rsync:psmall) CMD=(rsync -r "$work/data/small" "rsync://$A:8730/inbox/") ;;
    curl:pbig) CMD=(curl -sfk -o /dev/null -T "$work/data/big.bin"
      "https://$A:8443/inbox/big.bin") ;;
    curl:psmall) CMD=(curl -sfk -o /dev/null
      -T "$work/data/small/file-[00000-$(printf '%05d' $((NSMALL - 1)))].dat"
      "https://$A:8443/inbox/small/") ;;
  esac
}

# check KIND TOOL: the copy on b is complete (sizes; bytes too on the first round).
check() {
  local kind=$1 tool=$2 full=$3 got
  if [ "$kind" = pbig ]; then
    got=$("$L" exec a -- stat -c %s "$INBOX/big.bin" 2>/dev/null) || got=missing
    [ "$got" = "$BIG_SIZE" ] || die "$tool: big.bin on a is $got bytes"
    if [ "$full" = 1 ]; then
      "$L" exec a -- cmp -s "$work/data/big.bin" "$INBOX/big.bin" || die "$tool: big.bin differs"
    fi
  elif [ "$kind" = psmall ]; then
    got=$("$L" exec a -- sh -c "find $INBOX/small -type f -size ${SMALL_SIZE}c | wc -l")
    [ "$got" = "$NSMALL" ] || die "$tool: $got of $NSMALL small files arrived whole on a"
    if [ "$full" = 1 ]; then
      "$L" exec a -- diff -r -q "$work/data/small" "$INBOX/small" >/dev/null ||
        die "$tool: small files differ on a"
    fi
  elif [ "$kind" = big ]; then
    got=$("$L" exec b -- stat -c %s "$DEST/big.bin" 2>/dev/null) || got=missing
    [ "$got" = "$BIG_SIZE" ] || die "$tool: big.bin on b is $got bytes"
    if [ "$full" = 1 ]; then
      "$L" exec b -- cmp -s "$work/data/big.bin" "$DEST/big.bin" || die "$tool: big.bin differs"
    fi
  else
    got=$("$L" exec b -- sh -c "find $DEST/small -type f -size ${SMALL_SIZE}c | wc -l")
    [ "$got" = "$NSMALL" ] || die "$tool: $got of $NSMALL small files arrived whole"
    if [ "$full" = 1 ]; then
      "$L" exec b -- diff -r -q "$work/data/small" "$DEST/small" >/dev/null ||
        die "$tool: small files differ"
    fi
  fi
}

# measure KIND TOOL ROUND: one copy from a to b's tmpfs, emptied first.
measure() {
  local kind=$1 tool=$2 round=$3 s0 s1 b0=0 b1=0 rc secs u s out
  out=$work/runs/$kind-$tool-$round
  # smbclient's mget needs the local folder; the others create it (Hallway
  # would otherwise make "small (2)").
  local mk=
  [ "$kind:${tool%-enc}" = small:smb ] && mk="mkdir $DEST/small"
  "$L" exec b -- sh -c "rm -rf $DEST/* $DEST/.[!.]* ${mk:+&& $mk}"
  "$L" exec a -- sh -c "rm -rf $INBOX/* $INBOX/.[!.]*"
  client_cmd "$tool" "$kind"
  s0=$(tree_ticks "${PID[${SERVER[$tool]}]}")
  [ "${tool%-send}" = hallway ] && b0=$(tree_ticks "${PID[hallway-b]}")
  "$L" exec b -- "$work/timeit" "$out" "${CMD[@]}"
  sleep 0.3   # let servers reap the children that served this copy
  s1=$(tree_ticks "${PID[${SERVER[$tool]}]}")
  [ "${tool%-send}" = hallway ] && b1=$(tree_ticks "${PID[hallway-b]}")
  read -r rc secs u s <"$out"
  [ "$rc" = 0 ] || { tail -n 5 "$out.out" >&2; die "$tool ($kind): the copy failed (exit $rc)"; }
  check "$kind" "$tool" "$([ "$round" = 1 ] && echo 1 || echo 0)"
  echo "$secs" >>"$S/$kind-$tool.secs"
  awk -v t="$TCK" -v a="$s0" -v b="$s1" 'BEGIN {print (b - a) / t}' >>"$S/$kind-$tool.scpu"
  awk -v t="$TCK" -v u="$u" -v s="$s" -v a="$b0" -v b="$b1" 'BEGIN {print u + s + (b - a) / t}' \
    >>"$S/$kind-$tool.ccpu"
}

rounds() { # KIND N TOOL...
  local kind=$1 runs=$2 round i
  shift 2
  local tools=("$@") n=$#
  for round in $(seq 1 "$runs"); do
    log "  $kind, round $round of $runs…"
    for i in $(seq 0 $((n - 1))); do
      measure "$kind" "${tools[$(((i + round) % n))]}" "$round"
    done
  done
}

if [ "$BIG_RUNS" -gt 0 ]; then
  cat "$work/data/big.bin" >/dev/null   # in the page cache, as for every tool after
  if [ "$DIRECTION" != push ]; then
    log "1 GiB file, $BIG_RUNS rounds…"
    rounds big "$BIG_RUNS" "${TOOLS[@]}"
  fi
  if [ "$DIRECTION" != pull ]; then
    log "1 GiB file pushed, $BIG_RUNS rounds…"
    rounds pbig "$BIG_RUNS" "${PUSH_TOOLS[@]}"
  fi
fi
if [ "$SMALL_RUNS" -gt 0 ]; then
  if [ "$DIRECTION" != push ]; then
    log "10,000 × 4 KiB files, $SMALL_RUNS rounds…"
    rounds small "$SMALL_RUNS" "${TOOLS[@]}"
  fi
  if [ "$DIRECTION" != pull ]; then
    log "10,000 × 4 KiB files pushed, $SMALL_RUNS rounds…"
    rounds psmall "$SMALL_RUNS" "${PUSH_TOOLS[@]}"
  fi
fi

# --- Report ---------------------------------------------------------------------------
# Rates: the median of the per-run rates.
# BIG and SMALL name the kinds reported: big/small, or pbig/psmall pushing.
BIG=big SMALL=small
mbps() { awk -v s="$BIG_SIZE" '{print s / $1 / 1e6}' "$S/$BIG-$1.secs" | median; }
mbps_range() { awk -v s="$BIG_SIZE" '{printf "%.0f\n", s / $1 / 1e6}' "$S/$BIG-$1.secs" | minmax; }
fps() { awk -v n="$NSMALL" '{print n / $1}' "$S/$SMALL-$1.secs" | median; }
fps_range() { awk -v n="$NSMALL" '{printf "%.0f\n", n / $1}' "$S/$SMALL-$1.secs" | minmax; }
# CPU: seconds per GiB (each big run moves 1 GiB), ms per 1000 small files.
cpu_gib() { median <"$S/$BIG-$1.$2"; }
cpu_kfiles() { awk -v n="$NSMALL" '{print $1 * 1000 * 1000 / n}' "$S/$SMALL-$1.$2" | median; }

# tables DIRECTION TOOL...: the two tables of one direction (LABELS names
# the labels' array; BIG and SMALL the kinds).
tables() {
  local direction=$1 tool
  shift
  local -n labels=$LABELS
  if [ "$BIG_RUNS" -gt 0 ]; then
    echo
    echo "## One 1 GiB random file, $direction (medians of $BIG_RUNS; MB/s = 10^6 bytes/s)"
    echo
    echo "| tool | MB/s | min-max | CPU s/GiB server | CPU s/GiB client | Hallway/tool MB/s |" \
      "Hallway/tool CPU server | Hallway/tool CPU client |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for tool in "$@"; do
      echo "| ${labels[$tool]} [$tool] | $(fmt "$(mbps "$tool")") | $(mbps_range "$tool") |" \
        "$(fmt "$(cpu_gib "$tool" scpu)" 2) | $(fmt "$(cpu_gib "$tool" ccpu)" 2) |" \
        "$(ratio "$(mbps hallway)" "$(mbps "$tool")") |" \
        "$(ratio "$(cpu_gib hallway scpu)" "$(cpu_gib "$tool" scpu)") |" \
        "$(ratio "$(cpu_gib hallway ccpu)" "$(cpu_gib "$tool" ccpu)") |"
    done
  fi
  if [ "$SMALL_RUNS" -gt 0 ]; then
    echo
    echo "## 10,000 files of 4 KiB in one folder, $direction (medians of $SMALL_RUNS)"
    echo
    echo "| tool | files/s | min-max | CPU ms/1000 files server | CPU ms/1000 files client |" \
      "Hallway/tool files/s | Hallway/tool CPU server | Hallway/tool CPU client |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for tool in "$@"; do
      echo "| ${labels[$tool]} [$tool] | $(fmt "$(fps "$tool")") | $(fps_range "$tool") |" \
        "$(fmt "$(cpu_kfiles "$tool" scpu)") | $(fmt "$(cpu_kfiles "$tool" ccpu)") |" \
        "$(ratio "$(fps hallway)" "$(fps "$tool")") |" \
        "$(ratio "$(cpu_kfiles hallway scpu)" "$(cpu_kfiles "$tool" scpu)") |" \
        "$(ratio "$(cpu_kfiles hallway ccpu)" "$(cpu_kfiles "$tool" ccpu)") |"
    done
  fi
}

# targets WHAT: the issue's targets for the kinds BIG and SMALL.
targets() {
  local v
  if [ "$BIG_RUNS" -gt 0 ]; then
    v=$(awk -v h="$(mbps hallway)" -v o="$(mbps smb)" 'BEGIN {print (h >= o ? "met" : "not met")}')
    echo "- $1 1 GiB no slower than plaintext smbclient: **$v**" \
      "(Hallway $(fmt "$(mbps hallway)") MB/s," \
      "smbclient $(fmt "$(mbps smb)") MB/s, ratio $(ratio "$(mbps hallway)" "$(mbps smb)"))"
  fi
  if [ "$SMALL_RUNS" -gt 0 ]; then
    v=$(awk -v h="$(fps hallway)" -v o="$(fps rsync)" 'BEGIN {print (h >= o ? "met" : "not met")}')
    echo "- $1 10,000 files at least as many files/s as the rsync daemon: **$v**" \
      "(Hallway $(fmt "$(fps hallway)") files/s, rsync $(fmt "$(fps rsync)") files/s," \
      "ratio $(ratio "$(fps hallway)" "$(fps rsync)"))"
  fi
}

report() {
  report_head "Transfer benchmark"
  echo "(worktree may hold uncommitted changes; binaries from $BUILD_DIR). Servers on simulated"
  echo "computer a, clients on b, veth link (tests/lan/office-lan.sh); copies land on a tmpfs on b"
  echo "(pulling) or a (pushing), emptied before each copy; sources in the page cache. Tools"
  echo "interleaved, order rotating."
  echo "$(smbd --version | sed 's/^Version/Samba/'), $(ssh -V 2>&1 | cut -d, -f1),"
  echo "$(rsync --version | head -n 1 | awk '{print "rsync", $3}')," \
    "$(nginx -v 2>&1 | sed 's/^nginx version: //')"
  echo "(1 worker, sendfile, TLS 1.3 AES-GCM; WebDAV PUT for pushing)," \
    "$(curl --version | head -n 1 | awk '{print "curl", $2}')."
  echo "CPU: user+system seconds of the server's process tree (children included) and of the"
  echo "client (for Hallway: hallwayctl plus the hallwayd on b); clock ticks of 1/$TCK s."
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  if [ "$DIRECTION" != push ]; then
    BIG=big SMALL=small LABELS=LABEL tables "pulled from a to b" "${TOOLS[@]}"
  fi
  if [ "$DIRECTION" != pull ]; then
    BIG=pbig SMALL=psmall LABELS=PUSH_LABEL tables "pushed from b to a" "${PUSH_TOOLS[@]}"
  fi
  echo
  echo "## Targets (issues 4 and 13)"
  echo
  if [ "$DIRECTION" != push ]; then
    BIG=big SMALL=small targets "pull:"
  fi
  if [ "$DIRECTION" != pull ]; then
    BIG=pbig SMALL=psmall targets "push:"
  fi
}

log "(the whole run took $(((${EPOCHREALTIME/./} - T_START) / 1000000)) s)"
publish transfers
