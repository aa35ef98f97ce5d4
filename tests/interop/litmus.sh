#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the litmus WebDAV conformance suite (basic, copymove, props, locks,
# http) against a read-write "everyone" share served by a real hallwayd,
# started in a private D-Bus session on 127.0.0.1 with its own temporary
# XDG directories.
#
# litmus talks TLS through neon and accepts the server's self-signed
# certificate by itself (it is a test tool: it ignores verification
# failures), and hallwayd only *requests* a client certificate, so nothing
# else is needed for https.
#
# Usage: litmus.sh [BUILD_DIR]   (default: $HALLWAY_BUILD_DIR or ./build)
# Exit: 0 all passed (warnings allowed), 77 skipped, 1 failures.

set -u

build_dir=${1:-${HALLWAY_BUILD_DIR:-build}}
hallwayd=$build_dir/daemon/hallwayd
hallwayctl=$build_dir/ctl/hallwayctl
suites=${LITMUS_SUITES:-"basic copymove props locks http"}

if ! command -v litmus >/dev/null 2>&1; then
  echo "SKIP: litmus is not installed (Debian: apt-get install litmus)"
  exit 77
fi
if ! command -v dbus-run-session >/dev/null 2>&1; then
  echo "SKIP: dbus-run-session is not installed"
  exit 77
fi
if [ ! -x "$hallwayd" ]; then
  echo "SKIP: $hallwayd has not been built"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hallway-litmus-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir -p "$tmp/config/hallway" "$tmp/data" "$tmp/state" "$tmp/runtime" "$tmp/shared"
chmod 700 "$tmp/runtime"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

cat > "$tmp/inner.sh" <<INNER
#!/bin/sh
set -u
export XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_STATE_HOME="$tmp/state"
export XDG_RUNTIME_DIR="$tmp/runtime" HALLWAY_PORT=$port GSETTINGS_BACKEND=memory
share_id=litmus-share
if [ -x "$hallwayctl" ] && "$hallwayctl" share --help >/dev/null 2>&1; then
  USE_CTL=1
else
  USE_CTL=0
fi
if [ \$USE_CTL = 0 ]; then
  # Until "hallwayctl share add" exists, the share list is written directly.
  cat > "$tmp/config/hallway/shares.ini" <<INI
[share \$share_id]
name=Litmus
path=$tmp/shared
access=read-write
audience=everyone
show-hidden=false
INI
fi
"$hallwayd" > "$tmp/hallwayd.log" 2>&1 &
pid=\$!
for i in \$(seq 1 100); do
  if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", $port), 0.2)' \
       2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [ \$USE_CTL = 1 ]; then
  share_id=\$("$hallwayctl" share add --name Litmus --access read-write --audience everyone \
    "$tmp/shared" 2>>"$tmp/hallwayd.log" | tail -n 1)
  "$hallwayctl" share list --json > "$tmp/shares.json" 2>/dev/null || true
  id=\$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
shares = d if isinstance(d,list) else d.get("shares",[])
print([s["id"] for s in shares if s.get("name")=="Litmus"][0])' "$tmp/shares.json" 2>/dev/null)
  [ -n "\$id" ] && share_id=\$id
fi
url="https://127.0.0.1:$port/shares/\$share_id/"
echo "litmus against \$url"
TESTS="$suites" litmus "\$url"
status=\$?
kill \$pid 2>/dev/null
wait \$pid 2>/dev/null
exit \$status
INNER
chmod +x "$tmp/inner.sh"

dbus-run-session -- "$tmp/inner.sh" > "$tmp/litmus.log" 2>&1
status=$?
cat "$tmp/litmus.log"

# litmus exits non-zero on failures; check the summary lines too, so a
# suite that aborts early is never counted as a pass.
if [ $status -ne 0 ] || grep -Eq '^<- summary.*failed: [1-9]|FAIL' "$tmp/litmus.log"; then
  echo "--- hallwayd log ---"
  tail -n 50 "$tmp/hallwayd.log"
  exit 1
fi
# A sanitizer build reports to the daemon's log, not to litmus.
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|CRITICAL' "$tmp/hallwayd.log"; then
  echo "--- hallwayd log ---"
  cat "$tmp/hallwayd.log"
  exit 1
fi
for suite in $suites; do
  if ! grep -Eq "^<- summary for \`$suite'" "$tmp/litmus.log"; then
    echo "FAIL: suite $suite did not run"
    exit 1
  fi
done
exit 0
