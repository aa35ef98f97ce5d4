#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Drives the running `hallway` through AT-SPI: the list labelled
# "Neighbours" has a row named after the neighbour; choosing it shows
# their shared folders. Prints one "ok"/"not ok" line per check (TAP).
import os
import sys
import time

from dogtail.config import config
config.checkForA11y = False
config.searchCutoffCount = 40
config.searchBackoffDuration = 0.25
config.defaultDelay = config.actionDelay = 0.1
config.logDebugToFile = False
config.logDebugToStdOut = False

from dogtail import tree  # noqa: E402
from dogtail.predicate import GenericPredicate  # noqa: E402

peer = os.environ["HALLWAY_TEST_PEER"]
share = os.environ["HALLWAY_TEST_PEER_SHARE"]
checks = []


def check(name, ok):
    checks.append((name, ok))
    print(("ok" if ok else "not ok") + " %d %s" % (len(checks), name), flush=True)


def wait_for(find, seconds=20):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            found = find()
            if found is not None:
                return found
        except Exception:
            pass
        time.sleep(0.25)
    return None


app = wait_for(lambda: tree.root.application("hallway"))
check("the hallway application is on the accessibility bus", app is not None)
if app is None:
    sys.exit(1)

neighbours = wait_for(lambda: app.findChild(GenericPredicate(name="Neighbours", roleName="list"),
                                            retry=False))
check('a list is labelled "Neighbours"', neighbours is not None)
if neighbours is None:
    sys.exit(1)

row = wait_for(lambda: neighbours.findChild(GenericPredicate(name=peer), retry=False))
check('the list has a row named "%s"' % peer, row is not None)
if row is None:
    sys.exit(1)

index = [c.name for c in neighbours.children].index(peer)
neighbours.querySelection().selectChild(index)
folders = wait_for(lambda: app.findChild(GenericPredicate(name="Shared folders", roleName="list"),
                                         retry=False))
check('choosing them shows a list "Shared folders"', folders is not None)
folder = folders and wait_for(lambda: folders.findChild(GenericPredicate(name=share), retry=False))
check('it has their folder "%s"' % share, folder is not None)

print("1..%d" % len(checks), flush=True)
sys.exit(0 if all(ok for _, ok in checks) else 1)
