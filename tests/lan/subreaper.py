#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Supervisor behind "office-lan.sh run [N] -- CMD...".

Usage: subreaper.py HARNESS N -- CMD...

Runs "HARNESS up N", then CMD, then always "HARNESS down", and exits with CMD's status
(128+signal when CMD was killed by a signal). It is a child subreaper, so every orphan
left by the harness or by CMD (daemons, background test processes) is re-parented to it
and reaped at once, instead of lingering as a zombie under a slow PID 1.
SIGTERM, SIGINT and SIGHUP are forwarded to whichever of "up" and CMD is running; "down"
runs in its own session and is never interrupted.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PROG = "office-lan.sh run"


def log(msg):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


class Supervisor:
    def __init__(self):
        self.current = None     # pid of the child that gets forwarded signals
        self.forward = True
        self.signal = None      # first signal received

    def on_signal(self, signum, _frame):
        if self.signal is None:
            self.signal = signum
        if self.forward and self.current is not None:
            try:
                os.kill(self.current, signum)
            except ProcessLookupError:
                pass

    def run_child(self, argv, new_session=False):
        """Start argv, wait for it while reaping any adopted orphan; return its exit code."""
        try:
            proc = subprocess.Popen(argv, start_new_session=new_session)
        except OSError as e:
            log(f"cannot run {argv[0]}: {e}")
            return 127
        self.current = proc.pid
        # A signal that arrived between fork and now was not forwarded yet.
        if self.signal is not None and self.forward:
            try:
                os.kill(proc.pid, self.signal)
            except ProcessLookupError:
                pass
        while True:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                status = 0
                break
            if pid == proc.pid:
                break
        self.current = None
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # already reaped here; keep Popen from waiting again
        return 128 - code if code < 0 else code

    def reap_leftovers(self, seconds):
        """Reap remaining children for a while; then terminate what is still running."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                time.sleep(0.05)
        # Orphans still holding (for example) a CI runner's pipes would hang it.
        for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
            kids = children_of(os.getpid())
            if not kids:
                return
            log(f"stopping leftover processes {kids} with {sig.name}")
            for pid in kids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    return
                if pid == 0:
                    time.sleep(0.05)


def children_of(ppid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if int(fields[1]) == ppid and fields[0] != b"Z":
            kids.append(int(entry))
    return kids


def main(argv):
    if len(argv) < 5 or argv[3] != "--":
        print("usage: subreaper.py HARNESS N -- CMD...", file=sys.stderr)
        return 2
    harness, n, cmd = argv[1], argv[2], argv[4:]

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        log(f"prctl(PR_SET_CHILD_SUBREAPER) failed: {os.strerror(ctypes.get_errno())}")

    sup = Supervisor()
    for sig in FORWARDED:
        signal.signal(sig, sup.on_signal)

    status = sup.run_child([harness, "up", n])
    if status != 0:
        log(f"up failed (status {status}); not running the command")
    elif sup.signal is not None:
        status = 128 + sup.signal
    else:
        status = sup.run_child(cmd)

    # Teardown must finish: no forwarding, and its own session so that a terminal's ^C
    # does not reach it either.
    sup.forward = False
    down = sup.run_child([harness, "down"], new_session=True)
    if down != 0:
        log(f"down failed (status {down})")
        if status == 0:
            status = 1
    sup.reap_leftovers(5.0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
