#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Download a file the way a person does: open a folder page in headless
Chromium and click the link whose text is NAME.

Usage: cdp-download.py CHROMIUM URL NAME DOWNLOAD_DIR [chromium flags...]

Talks the Chrome DevTools protocol over --remote-debugging-pipe (fd 3 for
commands, fd 4 for replies, NUL-separated JSON), which needs only the
standard library: no WebSocket client. Prints the downloaded file's path and
exits 0, or prints why not and exits 1.
"""
import json
import select
import os
import subprocess
import sys
import time

TIMEOUT = 60


class Browser:
    def __init__(self, argv):
        # Chromium reads commands from its fd 3 and writes to its fd 4.
        cmd_r, self.cmd_w = os.pipe()
        self.reply_r, reply_w = os.pipe()

        def move_fds():
            # Via fds above 4 first, in case a pipe end already sits on 3 or 4.
            r, w = os.dup(cmd_r), os.dup(reply_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(argv, preexec_fn=move_fds, pass_fds=(3, 4),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.environ.get("CDP_LOG", os.devnull), "ab"))
        os.close(cmd_r)
        os.close(reply_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self.reply_r], [], [], 0.5)
            if ready:
                chunk = os.read(self.reply_r, 65536)
                if not chunk:
                    raise EOFError("Chromium closed the DevTools pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, predicate, timeout=TIMEOUT, what="an event"):
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if predicate(ev):
                    return self.events.pop(i)
            try:
                self.events.append(self._read_message(deadline))
            except TimeoutError:
                raise TimeoutError(f"waited {timeout} s for {what}") from None

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


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
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Page.enable", session=session)
        browser.send("Page.navigate", {"url": url}, session=session)
        browser.wait_event(lambda e: e.get("method") == "Page.loadEventFired"
                           and e.get("sessionId") == session, what="the page to load")
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
