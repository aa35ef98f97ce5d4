#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# e2e-files.py OUT_DIR: drives GNOME Files through AT-SPI (see e2e-files.sh).
# Prints TAP; screenshots of the menu go to OUT_DIR.
import json
import os
import subprocess
import sys
import time

from dogtail.config import config

config.checkForA11y = False
config.searchCutoffCount = 20
config.searchBackoffDuration = 0.25
config.defaultDelay = config.actionDelay = 0.1
config.logDebugToFile = False
config.logDebugToStdOut = False
import dogtail.tree  # noqa: E402  (after the config)

out = sys.argv[1]
ctl = os.environ["HALLWAY_CTL"]
peer_bus = os.environ["HALLWAY_TEST_PEER_BUS"]
notifications = os.path.join(os.environ["HALLWAY_TEST_WORK"], "notifications.log")
results = []


def check(ok, name, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {name}", flush=True)
    if not ok and detail:
        print(f"# {detail}", flush=True)
    return ok


def wait_for(predicate, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            value = predicate()
        except Exception:   # the accessibility tree changes under our feet
            value = None
        if value:
            return value
        time.sleep(0.2)
    return None


def finish():
    print(f"1..{len(results)}")
    sys.exit(0 if results and all(results) else 1)


def shown(node):
    return node.extents[2] > 0 and node.extents[3] > 0


def menu_item(frame, name):
    return next((n for n in frame.findChildren(
        lambda n: n.roleName == "menu item" and n.name == name, showingOnly=False)
        if shown(n)), None)


def window_geometry():
    listed = subprocess.run(["xdotool", "search", "--name", "^Documents$", "getwindowgeometry",
                             "--shell"], capture_output=True, text=True).stdout
    return dict(line.split("=", 1) for line in listed.split())


def screenshot(path, plain=None):
    """The Files window. With PLAIN (a shot without the menu): X without a
    compositor shows the menu's transparent margin and shadow as black, so
    the menu is cut out (the box where the shot differs from PLAIN, less the
    black) and laid on PLAIN with a shadow drawn from its shape, as a
    desktop shows it."""
    size = window_geometry()
    crop = f"{size['WIDTH']}x{size['HEIGHT']}+0+0"
    subprocess.run(["gui-screenshot", path], check=True)
    subprocess.run(["convert", path, "-crop", crop, "+repage", path], check=True)
    if plain is None:
        return
    box = subprocess.run(["convert", plain, path, "-compose", "difference", "-composite",
                          "-threshold", "0", "-format", "%@", "info:"],
                         capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["convert", plain,
                    "(", path, "-crop", box, "-fuzz", "6%", "-transparent", "black",
                    "(", "+clone", "-background", "black", "-shadow", "30x5+0+2", ")",
                    "+swap", ")", "-flatten", path], check=True)


app = wait_for(lambda: dogtail.tree.root.application("org.gnome.Nautilus"), 30)
if not check(app is not None, "GNOME Files started"):
    finish()
frame = wait_for(lambda: app.child(name="Documents", roleName="frame"), 30)
cell = wait_for(lambda: frame.child(name="Report.txt", roleName="table cell"), 30)
if not check(cell is not None, "Files shows the folder with Report.txt"):
    finish()

# Room for the whole menu in the screenshots (there is no window manager).
subprocess.run(["xdotool", "search", "--name", "^Documents$", "windowsize", "960", "720"])
wait_for(lambda: window_geometry().get("HEIGHT") == "720", 10)

# Select the file, then open its menu as the Menu key does.
grid = frame.child(roleName="table")
index = next(i for i, child in enumerate(grid.children)
             if child.findChildren(lambda n: n.name == "Report.txt"))
grid.querySelection().selectChild(index)
time.sleep(0.5)   # let the selection paint before the reference shot
plain = os.path.join(out, "files-selected.png")
screenshot(plain)
frame.doActionNamed("view.popup-menu")
send_item = wait_for(lambda: menu_item(frame, "Send to Colleague"), 10)
if not check(send_item is not None, "the file's menu has “Send to Colleague”"):
    finish()
screenshot(os.path.join(out, "files-menu.png"), plain)

send_item.doActionNamed("click")
bruno = wait_for(lambda: menu_item(frame, "Bruno Costa"), 10)
if not check(bruno is not None, "its submenu lists Bruno Costa, who is online"):
    finish()
screenshot(os.path.join(out, "files-submenu.png"), plain)
bruno.doActionNamed("click")


def bruno_offer():
    listed = subprocess.run([ctl, "offers", "--json"], capture_output=True, text=True,
                            env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=peer_bus)).stdout
    offers = json.loads(listed or "[]")
    return next((o for o in offers if o["peer_name"] == "Alice Martin"), None)


offer = wait_for(bruno_offer, 30)
check(offer is not None and [f["name"] for f in offer["files"]] == ["Report.txt"]
      and offer["state"] == "pending",
      "Bruno is asked whether he wants Report.txt", f"Bruno's offers: {offer}")


def notified():
    with open(notifications) as f:
        for line in f:
            if line.startswith("{"):
                shown_notification = json.loads(line)
                if shown_notification["summary"] == "Offered 1 item to Bruno Costa":
                    return shown_notification
    return None


check(wait_for(notified, 10) is not None, "Files says “Offered 1 item to Bruno Costa”",
      f"notifications: {open(notifications).read()!r}")
finish()
