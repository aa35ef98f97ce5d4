# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for the LAN tests that print (test-printers.sh, test-reflector.sh):
# a private, real cupsd per simulated computer. Sourced after lib.sh.

for tool in cupsd lpadmin lp lpstat ipptool avahi-browse gs; do
  if ! command -v "$tool" >/dev/null; then
    echo "Bail out! $tool is missing; run build-aux/install-deps.sh"
    exit 1
  fi
done
TESTS=/usr/share/cups/ipptool
PPD=/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd
HERE=$(cd "$(dirname "$0")" && pwd)/printers

# cupsd runs its filters as lp, which must reach the private tree.
chmod 0711 "$WORK"

# start_cupsd HOST: a private cupsd on HOST, with its own tree under $WORK
# (/etc and /var are shared between the simulated computers); raw jobs
# arrive in a queue's output as they were sent (tests/cupsd-tree.sh).
start_cupsd() {
  local host=$1 dir=$WORK/cups-$1
  "$LAN_DIR/../cupsd-tree.sh" "$dir"
  "$L" exec "$host" -- cupsd -f -c "$dir/etc/cupsd.conf" -s "$dir/etc/cups-files.conf" \
    >>"$WORK/cupsd-$host.log" 2>&1 </dev/null &
  DAEMON_PID[cupsd-$host]=$!
  if ! wait_until 20 "$L" exec "$host" -- env CUPS_SERVER="$dir/cups.sock" lpstat -r; then
    not_ok "cupsd starts on $host"
    cat "$dir/log/error_log" 2>/dev/null | tail -n 20 | sed 's/^/#   /'
    return 1
  fi
}

on() {   # HOST CMD...: CMD on HOST, talking to HOST's cupsd
  local host=$1
  shift
  "$L" exec "$host" -- env CUPS_SERVER="$WORK/cups-$host/cups.sock" "$@"
}
export WORK
export -f on

# add_file_queue HOST QUEUE OUTPUT: a CUPS queue on HOST that writes what it
# prints to the file OUTPUT.
add_file_queue() {
  on "$1" lpadmin -p "$2" -E -v "file://$3" -P "$PPD" -D "${4:-Office printer}" \
    -L "2nd floor, by the window"
}

# make_test_page DIR: DIR/page.ps and DIR/page.pdf, readable by CUPS's filters.
make_test_page() {
  printf '%%!PS\n/Helvetica findfont 20 scalefont setfont 72 720 moveto %s\n' \
    '(Hallway test page) show showpage' >"$1/page.ps"
  gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -sOutputFile="$1/page.pdf" "$1/page.ps"
  chmod 0644 "$1/page.pdf" "$1/page.ps"
}
