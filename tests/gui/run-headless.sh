#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-headless.sh [--backend x11|wayland] [--size WxH] [--keep DIR] -- CMD [ARGS...]
#
# Runs CMD in a private graphical session: its own Xvfb (the display number
# comes from -displayfd, so parallel runs never race for one) or, with
# --backend wayland, its own headless weston (rendering, screenshots and
# AT-SPI work there; input can't be synthesized), its own session
# bus (dbus-run-session, so nothing autolaunches a bus that outlives the
# test), AT-SPI woken up before CMD starts, and XDG dirs in a throwaway
# directory. Exits with CMD's status; 77 (skip) when a tool is missing.
# See ../shared/notes/gui-testing.md §3.
set -u

size=1280x800
keep=
backend=x11
while [ $# -gt 0 ]; do
  case $1 in
    --backend) backend=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --) shift; break ;;
    *)
      echo "usage: $0 [--backend x11|wayland] [--size WxH] [--keep DIR] -- CMD [ARGS...]" >&2
      exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "run-headless.sh: no command given" >&2; exit 2; }

case $backend in
  x11) server=Xvfb ;;
  wayland) server=weston ;;
  *) echo "run-headless.sh: --backend takes x11 or wayland" >&2; exit 2 ;;
esac
for tool in $server dbus-run-session dbus-daemon gdbus; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (apt-get install xvfb weston dbus-daemon libglib2.0-bin)"
    exit 77
  fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/hallway-gui.XXXXXX") || exit 1
chmod 700 "$dir"
mkdir -m 700 "$dir/runtime"
mkdir -p "$dir/config" "$dir/cache" "$dir/data" "$dir/state" "$dir/bin" "$dir/logs"

server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  if [ -n "$keep" ]; then
    mkdir -p "$keep" && cp -r "$dir/logs/." "$keep/" 2>/dev/null
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export XDG_RUNTIME_DIR="$dir/runtime" XDG_CONFIG_HOME="$dir/config" XDG_CACHE_HOME="$dir/cache"
export XDG_DATA_HOME="$dir/data" XDG_STATE_HOME="$dir/state" HALLWAY_SESSION_DIR="$dir"
unset SESSION_MANAGER DESKTOP_AUTOSTART_ID WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS
export GSK_RENDERER="${GSK_RENDERER:-cairo}"
export GIO_USE_VFS="${GIO_USE_VFS:-local}"
export GSETTINGS_BACKEND="${GSETTINGS_BACKEND:-memory}"

if [ "$backend" = x11 ]; then
  export GDK_BACKEND=x11
  # The display: Xvfb writes its number to fd 3 once it accepts clients.
  Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp -noreset \
    3>"$dir/display" >"$dir/logs/xvfb.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 400); do
    [ -s "$dir/display" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.025
  done
  if [ ! -s "$dir/display" ]; then
    echo "Xvfb did not start:" >&2
    cat "$dir/logs/xvfb.log" >&2
    exit 1
  fi
  export DISPLAY=":$(head -1 "$dir/display")"
  shot='exec import -window root "$1"'
else
  unset DISPLAY
  export GDK_BACKEND=wayland WAYLAND_DISPLAY=wayland-hallway
  # --use-pixman: the headless default renders nothing (black shots);
  # --debug: lets weston-screenshooter work.
  weston --backend=headless-backend.so --use-pixman --width="${size%x*}" --height="${size#*x}" \
    --socket="$WAYLAND_DISPLAY" --idle-time=0 --shell=desktop-shell.so --debug \
    --log="$dir/logs/weston.log" >"$dir/logs/weston.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 400); do
    [ -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.025
  done
  if [ ! -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" ]; then
    echo "weston did not start:" >&2
    cat "$dir/logs/weston.log" >&2
    exit 1
  fi
  shot='d=$(mktemp -d) && (cd "$d" && weston-screenshooter >/dev/null 2>&1) &&
    mv "$d"/wayland-screenshot-*.png "$1"; s=$?; rm -rf "$d"; exit $s'
fi

# Helpers inside the session: a quiet bus daemon and a screenshot command.
cat >"$dir/bin/dbus-daemon-quiet" <<QUIET
#!/bin/sh
exec dbus-daemon "\$@" >>"$dir/logs/dbus.log" 2>&1
QUIET
printf '#!/bin/sh\n%s\n' "$shot" >"$dir/bin/gui-screenshot"
chmod +x "$dir/bin/dbus-daemon-quiet" "$dir/bin/gui-screenshot"
export PATH="$dir/bin:$PATH"

# Inside the bus: wake the accessibility bus and its registry up front (both
# are D-Bus activated), so the first test does not pay for it, then run CMD.
dbus-run-session --dbus-daemon="$dir/bin/dbus-daemon-quiet" -- sh -c '
  a11y=$(gdbus call --session --dest org.a11y.Bus --object-path /org/a11y/bus \
           --method org.a11y.Bus.GetAddress 2>/dev/null | sed -n "s/^(.\(.*\).,)\$/\1/p")
  if [ -n "$a11y" ]; then
    gdbus call --address "$a11y" --dest org.a11y.atspi.Registry \
      --object-path /org/a11y/atspi/registry \
      --method org.freedesktop.DBus.Peer.Ping >/dev/null 2>&1
  fi
  exec "$@"' sh "$@"
