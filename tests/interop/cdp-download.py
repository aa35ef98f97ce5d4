#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Download a file the way a person does: open a folder page in headless
Chromium and click the link whose text is NAME.

Usage: cdp-download.py CHROMIUM URL NAME DOWNLOAD_DIR [chromium flags...]

Drives Chromium over the DevTools protocol (cdp.py). Prints the downloaded
file's path and exits 0, or prints why not and exits 1.
"""
import json
import os
import sys

from cdp import Browser, open_page


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    chromium, url, name, download_dir = sys.argv[1:5]
    flags = sys.argv[5:]
    browser = Browser([chromium, *flags, "--remote-debugging-pipe", "about:blank"])
    try:
        browser.send("Browser.setDownloadBehavior",
                     {"behavior": "allow", "downloadPath": download_dir, "eventsEnabled": True})
        session = open_page(browser, url)
        # Click the way a person would: the Download link beside NAME (a link
        # with the download attribute and the same target), else NAME itself.
        script = """(() => {
            const links = [...document.querySelectorAll('a')];
            const named = links.find(a => a.textContent.trim() === %s);
            if (!named) return null;
            const a = named.hasAttribute('download') ? named
                : links.find(d => d.hasAttribute('download') && d.href === named.href) || named;
            a.click();
            return a.href;
        })()""" % json.dumps(name)
        href = browser.send("Runtime.evaluate", {"expression": script, "returnByValue": True},
                            session=session)["result"].get("value")
        if href is None:
            print(f"no link shows ‘{name}’ on {url}")
            return 1
        done = browser.wait_event(lambda e: e.get("method") == "Browser.downloadProgress"
                                  and e["params"].get("state") in ("completed", "canceled"),
                                  timeout=30, what="the download to finish")
        if done["params"]["state"] != "completed":
            print(f"Chromium cancelled the download of {href}")
            return 1
        begin = [e for e in browser.events if e.get("method") == "Browser.downloadWillBegin"]
        suggested = begin[0]["params"]["suggestedFilename"] if begin else name
        # With eventsEnabled the file is saved under its GUID; report both.
        guid = done["params"]["guid"]
        path = done["params"].get("filePath") or os.path.join(download_dir, guid)
        print(json.dumps({"href": href, "path": path, "suggestedFilename": suggested}))
        return 0
    except (TimeoutError, EOFError, RuntimeError) as e:
        print(f"DevTools: {e}")
        return 1
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
