#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Drives the running `hallway` window (Alice's) with AT-SPI and real XDND
# drags synthesized by xdotool, against two real hallwayd (Alice's and
# Bruno's, see with-daemons.sh):
#   1. a file dragged from another X client onto "Bruno Costa" in the
#      sidebar reaches Bruno's computer as an offer;
#   2. Bruno sends Alice a file: the window asks, "Accept" is clicked,
#      and the file arrives in Alice's Downloads;
#   3. a file dragged out of Bruno's shared folder onto another X client
#      arrives there as a local file with the same bytes.
# Prints one TAP line per check.
import json
import os
import select
import subprocess
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

# dogtail hides uncaught exceptions; a failing test must say why.
sys.excepthook = sys.__excepthook__

out = sys.argv[1]
ctl = os.environ["HALLWAY_CTL"]
peer = os.environ["HALLWAY_TEST_PEER"]
me = os.environ["HALLWAY_TEST_MY_NAME"]
peer_bus = os.environ["HALLWAY_TEST_PEER_BUS"]
peer_share = os.environ["HALLWAY_TEST_PEER_SHARE"]
peer_share_dir = os.environ["HALLWAY_TEST_PEER_SHARE_DIR"]
work = os.environ["HALLWAY_TEST_WORK"]
home = os.environ["HALLWAY_TEST_HOME"]
here = os.path.dirname(os.path.abspath(__file__))
checks = []
helpers = []


def check(name, ok, detail=""):
    checks.append((name, ok))
    print(("ok" if ok else "not ok") + " %d %s" % (len(checks), name), flush=True)
    if not ok and detail:
        print("# " + detail.replace("\n", "\n# "), flush=True)
    return ok


def finish():
    for h in helpers:
        h.kill()
        h.wait()
    print("1..%d" % len(checks), flush=True)
    sys.exit(0 if checks and all(ok for _, ok in checks) else 1)


def wait_for(find, seconds=20):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            found = find()
            if found:
                return found
        except Exception:
            pass
        time.sleep(0.2)
    return None


def as_bruno(*args):
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=peer_bus)
    return subprocess.run([ctl] + list(args), env=env, capture_output=True, text=True)


def xdotool(*args):
    subprocess.run(["xdotool"] + [str(a) for a in args], check=True)


def window_origin(title):
    wid = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "^%s$" % title],
                         capture_output=True, text=True, check=True).stdout.split()[0]
    geometry = subprocess.run(["xdotool", "getwindowgeometry", "--shell", wid],
                              capture_output=True, text=True, check=True).stdout
    values = dict(line.split("=", 1) for line in geometry.split())
    return int(values["X"]), int(values["Y"])


def centre(node, origin):
    # GTK 4.8 reports window-relative extents (gui-testing.md §4.2).
    x, y, w, h = node.extents
    return origin[0] + x + w // 2, origin[1] + y + h // 2


def drag(x1, y1, x2, y2):
    # A drag needs motion with the button held; XDND needs a few
    # round-trips between the steps (gui-testing.md §4.3).
    xdotool("mousemove", x1, y1)
    time.sleep(0.2)
    xdotool("mousedown", 1)
    time.sleep(0.2)
    for i in range(1, 26):
        xdotool("mousemove", x1 + (x2 - x1) * i // 25, y1 + (y2 - y1) * i // 25)
        time.sleep(0.04)
    time.sleep(0.4)
    xdotool("mousemove", x2, y2 + 1)
    time.sleep(0.2)
    xdotool("mouseup", 1)


def start_helper(*args):
    helper = subprocess.Popen(["/usr/bin/python3", os.path.join(here, "dnd-peer.py")] + [str(a) for a in args],
                              stdout=subprocess.PIPE, text=True)
    helpers.append(helper)
    return helper if read_line(helper, 20) == "ready" else None


def read_line(process, seconds):
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    return process.stdout.readline().strip() if ready else ""


def offers_of_bruno():
    result = as_bruno("offers", "--json")
    return json.loads(result.stdout) if result.returncode == 0 else []


app = wait_for(lambda: tree.root.application("hallway"))
if not check("the hallway application is on the accessibility bus", app is not None):
    finish()
origin = window_origin("Hallway")

neighbours = wait_for(lambda: app.findChild(GenericPredicate(name="Neighbours", roleName="list"),
                                            retry=False))
row = neighbours and wait_for(lambda: neighbours.findChild(GenericPredicate(name=peer), retry=False))
if not check('the neighbours list has "%s"' % peer, row is not None):
    finish()

# 1. A file from another application dropped on Bruno becomes an offer to him.
dragged = os.path.join(work, "drag me.txt")
with open(dragged, "w") as f:
    f.write("dragged from another application\n")
source = start_helper("source", dragged, 1000, 80)
check("the other application is on screen", source is not None)
drag(1050, 130, *centre(row, origin))


def offer_with(name):
    for offer in offers_of_bruno():
        names = [entry.get("name") for entry in offer.get("files", [])]
        if name in names and offer.get("state") == "pending":
            return offer
    return None


offer = wait_for(lambda: offer_with("drag me.txt"))
check('dropping "drag me.txt" on %s offers it to their computer' % peer, offer is not None,
      json.dumps(offers_of_bruno()))
if offer is not None:
    check("the offer says it comes from %s" % me,
          offer.get("peer_name") == me, json.dumps(offer))
    as_bruno("decline", str(offer["id"]))

# 2. Bruno sends Alice a file; she accepts it in the window.
sent = os.path.join(work, "from bruno.txt")
with open(sent, "w") as f:
    f.write("a file Bruno sends\n" * 100)
result = as_bruno("send", me, sent)
check("%s offers a file to %s" % (peer, me), result.returncode == 0, result.stderr)


def offer_dialog():
    for child in app.children:
        if "wants to send you" in (child.name or ""):
            return child
    return None


dialog = wait_for(offer_dialog)
if check("the window asks about the offer", dialog is not None,
         "windows: %s" % [c.name for c in app.children]):
    check("the question names the sender, as not verified",
          dialog.name.startswith("Someone calling themselves " + peer + " — not verified — "
                                 "wants to send you 1 file"), dialog.name)
    subprocess.run(["gui-screenshot", os.path.join(out, "e2e-offer.png")])
    # GTK 4.8 names a mnemonic button "_Accept Accept"; the dialog holds
    # a horizontal and a vertical set of its buttons, either will do.
    accept = wait_for(lambda: dialog.findChild(
        lambda n: n.roleName == "push button" and (n.name or "").endswith("Accept"), retry=False))
    if check('it has an "Accept" button', accept is not None,
             "; ".join("%s %r" % (n.roleName, n.name) for n in dialog.findChildren(lambda n: True))):
        accept.doActionNamed("click")
        arrived = os.path.join(home, "Downloads", "from bruno.txt")
        wait_for(lambda: os.path.exists(arrived), 30)
        same = os.path.exists(arrived) and open(arrived).read() == open(sent).read()
        check("after Accept the file arrives in Downloads, byte for byte", same,
              "listing: %s" % (os.listdir(os.path.dirname(arrived))
                               if os.path.isdir(os.path.dirname(arrived)) else "no Downloads"))
        check("no dialog is left", wait_for(lambda: offer_dialog() is None, 10) or offer_dialog() is None)

# 3. A file of Bruno's dragged out of the window onto another application.
neighbours.querySelection().selectChild([c.name for c in neighbours.children].index(peer))
folders = wait_for(lambda: app.findChild(GenericPredicate(name="Shared folders", roleName="list"),
                                         retry=False))
folder = folders and wait_for(lambda: folders.findChild(GenericPredicate(name=peer_share), retry=False))
if check('%s\'s folder "%s" is listed' % (peer, peer_share), folder is not None):
    xdotool("mousemove", *centre(folder, origin))
    xdotool("click", 1)
    cell = wait_for(lambda: app.findChild(GenericPredicate(name="minutes.txt", roleName="label"),
                                          retry=False))
    if check('opening it lists "minutes.txt"', cell is not None):
        target = start_helper("target", 1000, 400)
        check("the drop target application is on screen", target is not None)
        drag(*centre(cell, origin), 1050, 450)
        line = read_line(target, 30) if target is not None else ""
        path = None
        if line.startswith("dropped file://"):
            from urllib.parse import unquote, urlparse
            path = unquote(urlparse(line[len("dropped "):]).path)
        original = os.path.join(peer_share_dir, "minutes.txt")
        check("dragging it out hands over a local copy with the same bytes",
              path is not None and os.path.exists(path) and
              open(path, "rb").read() == open(original, "rb").read(),
              "drop target said: %r" % line)

finish()
