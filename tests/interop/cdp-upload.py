#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Upload the way a person does: open a folder page in headless Chromium,
choose files in its upload form (and a folder, in the folder chooser), and
press Upload; wait for the page that says what was saved.

Usage: cdp-upload.py CHROMIUM URL FILES FOLDER [chromium flags...]

FILES is a comma-separated list of local files ("" for none), FOLDER a
local folder ("" for none). Pass --blink-settings=scriptEnabled=false
among the flags to use the plain form without JavaScript. Prints the
result page as JSON {"heading", "html", "progress_seen"} and exits 0, or
prints why not and exits 1.
"""
import json
import os
import re
import sys
import time

from cdp import Browser, open_page


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    chromium, url, files, folder = sys.argv[1:5]
    flags = sys.argv[5:]
    browser = Browser([chromium, *flags, "--remote-debugging-pipe", "about:blank"])
    try:
        session = open_page(browser, url)
        browser.send("DOM.enable", session=session)
        root = browser.send("DOM.getDocument", session=session)["root"]["nodeId"]
        for selector, paths in (("input[name=file]", [f for f in files.split(",") if f]),
                                ("input[name=folder]", [folder] if folder else [])):
            if not paths:
                continue
            node = browser.send("DOM.querySelector", {"nodeId": root, "selector": selector},
                                session=session)["nodeId"]
            if not node:
                print(f"the page has no {selector}")
                return 1
            browser.send("DOM.setFileInputFiles", {"nodeId": node, "files": paths},
                         session=session)
        # Press the button as a person would, at its place on the page; the
        # answer replaces the page (a navigation without JavaScript, a new
        # body with it).
        node = browser.send("DOM.querySelector", {"nodeId": root, "selector": "form.upload button"},
                            session=session)["nodeId"]
        browser.send("DOM.scrollIntoViewIfNeeded", {"nodeId": node}, session=session)
        quad = browser.send("DOM.getBoxModel", {"nodeId": node}, session=session)["model"]["content"]
        x, y = (quad[0] + quad[4]) / 2, (quad[1] + quad[5]) / 2
        for kind in ("mousePressed", "mouseReleased"):
            browser.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                                      "button": "left", "clickCount": 1},
                         session=session)
        # Poll the page (no script needed: the DOM as Chromium has it) until
        # its heading says how the upload went.
        deadline = time.monotonic() + 120
        progress_seen = False
        while time.monotonic() < deadline:
            try:
                root = browser.send("DOM.getDocument", session=session)["root"]["nodeId"]
                html = browser.send("DOM.getOuterHTML", {"nodeId": root},
                                    session=session)["outerHTML"]
            except RuntimeError:
                html = ""  # between two pages while the form's answer loads
            progress_seen = progress_seen or "<progress max=" in html
            match = re.search(r"<h1>(Uploaded|The upload failed)</h1>", html)
            if match:
                print(json.dumps({"heading": match.group(1), "html": html,
                                  "progress_seen": progress_seen}))
                return 0
            time.sleep(0.05)  # the poll's interval; the deadline bounds a failure
        print("no result page within 120 s of pressing Upload; the page: " + html[-600:])
        return 1
    except (TimeoutError, EOFError, RuntimeError) as e:
        print(f"DevTools: {e}")
        return 1
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
