#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A headless Chromium driven over the Chrome DevTools protocol, for the
interoperability tests that act as a person in a browser would.

Talks the protocol over --remote-debugging-pipe (fd 3 for commands, fd 4
for replies, NUL-separated JSON), which needs only the standard library:
no WebSocket client.
"""
import json
import os
import select
import subprocess
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


def open_page(browser, url):
    """Opens URL in a new tab and waits for it to load; returns the session."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget",
                           {"targetId": target, "flatten": True})["sessionId"]
    browser.send("Page.enable", session=session)
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_event(lambda e: e.get("method") == "Page.loadEventFired"
                       and e.get("sessionId") == session, what="the page to load")
    return session
