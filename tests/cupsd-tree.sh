#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# cupsd-tree.sh DIR: lays out a private CUPS in DIR (DESIGN §7,
# notes/printers.md), for tests that need a real cupsd beside the machine's:
#   DIR/etc/cupsd.conf, DIR/etc/cups-files.conf  start it with
#       cupsd -f -c DIR/etc/cupsd.conf -s DIR/etc/cups-files.conf
#   DIR/cups.sock  the only place it listens (set CUPS_SERVER to it)
#   DIR/out/       where file:// queues may write (world-writable)
# Raw jobs (application/octet-stream) reach a queue's device as they are,
# through a filter of its own, so tests can compare the bytes that arrive.
# Needs root: cupsd runs its filters as lp, which must reach the tree.
set -eu

dir=$1
mkdir -p "$dir/etc" "$dir/spool/tmp" "$dir/cache" "$dir/state/certs" "$dir/log" "$dir/out"
cat >"$dir/etc/cups-files.conf" <<CONF
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
CONF
cat >"$dir/etc/cupsd.conf" <<CONF
LogLevel debug
Listen $dir/cups.sock
Browsing No
WebInterface No
<Location />
  Order allow,deny
  Allow all
</Location>
CONF
# Filters must be in ServerBin: the stock ones linked, and one that copies.
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
