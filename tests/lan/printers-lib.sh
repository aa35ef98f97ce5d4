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
# (/etc and /var are shared between the simulated computers).
start_cupsd() {
  local host=$1 dir=$WORK/cups-$1
  mkdir -p "$dir/etc" "$dir/spool/tmp" "$dir/cache" "$dir/state/certs" "$dir/log" "$dir/out"
  cat >"$dir/etc/cups-files.conf" <<EOF
ServerRoot $dir/etc
RequestRoot $dir/spool
TempDir $dir/spool/tmp
CacheDir $dir/cache
StateDir $dir/state
AccessLog $dir/log/access_log
ErrorLog $dir/log/error_log
PageLog $dir/log/page_log
ServerBin $dir/bin
DataDir /usr/share/cups
FileDevice Yes
User lp
Group lp
SystemGroup root lpadmin
EOF
  cat >"$dir/etc/cupsd.conf" <<EOF
LogLevel debug
Listen $dir/cups.sock
Browsing No
WebInterface No
<Location />
  Order allow,deny
  Allow all
</Location>
EOF
  # Raw jobs are copied as they are by a filter of its own (cupsd writes
  # nothing to a file device without one), so the bytes that arrive can be
  # checked. Filters must be in ServerBin: a copy of the stock one, linked.
  mkdir -p "$dir/bin/filter"
  for f in /usr/lib/cups/*; do
    [ "${f##*/}" = filter ] || ln -s "$f" "$dir/bin/"
  done
  ln -s /usr/lib/cups/filter/* "$dir/bin/filter/"
  printf '#!/bin/sh\nexec cat ${6:+"$6"}\n' >"$dir/bin/filter/hallway-copy"
  chmod 0755 "$dir/bin/filter/hallway-copy"
  echo 'application/octet-stream application/vnd.cups-raw 0 hallway-copy' >"$dir/etc/raw.convs"
  chown -R root:lp "$dir"
  chown -R root:root "$dir/bin"
  chmod 0755 "$dir"
  chmod 0710 "$dir/spool"
  chmod 1770 "$dir/spool/tmp"
  chmod 0770 "$dir/cache"
  chmod 0511 "$dir/state/certs"
  chmod 0640 "$dir/etc/cups-files.conf" "$dir/etc/cupsd.conf"
  chmod 0777 "$dir/out"
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
