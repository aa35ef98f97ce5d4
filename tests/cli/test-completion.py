#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-completion.py HALLWAYCTL COMPLETION_FILE
#
# Tab completion of hallwayctl as a person sees it: an interactive bash in a
# pseudo-terminal, with bash-completion and data/completions/hallwayctl
# loaded, gets a partial command line and a Tab, and the test reads the line
# bash shows. Run inside tests/gui/with-daemons.sh (under dbus-run-session):
# "Alice Martin" is on the session bus, "Bruno Costa" on a second bus
# sharing "Reports". Prints TAP.
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ctl, completion = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
if not os.path.exists(BASH_COMPLETION):
    print("1..0 # SKIP bash-completion is not installed (apt-get install bash-completion)")
    sys.exit(77)

env = dict(os.environ)
peer_env = dict(env, DBUS_SESSION_BUS_ADDRESS=env["HALLWAY_TEST_PEER_BUS"])
results = []


def check(ok, name, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {name}")
    if not ok and detail:
        for line in detail.splitlines():
            print(f"# {line}")


def wait_for(predicate, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def run(args, environment=env):
    return subprocess.run([ctl] + args, env=environment, capture_output=True, text=True)


class Shell:
    """An interactive bash whose command line can be typed into and read."""

    def __init__(self, environment):
        environment = dict(environment, PS1="$ ", TERM="dumb", INPUTRC="/dev/null",
                           PATH=os.path.dirname(ctl) + ":" + environment.get("PATH", ""))
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], environment)
        self.type(f"source {BASH_COMPLETION}; source {completion}; echo READY\n")
        if not self.read_until(lambda text: "READY\r\n$ " in text, 10):
            raise RuntimeError("bash did not start")

    def read_until(self, predicate, seconds):
        """Reads what bash shows until predicate(text) holds or time is up."""
        text = ""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                text += os.read(self.fd, 4096).decode(errors="replace")
                if predicate(text):
                    return text
        return None if not predicate(text) else text

    def type(self, text):
        os.write(self.fd, text.encode())

    def complete(self, line, expected, seconds=10):
        """Types LINE and a Tab; true when bash then shows EXPECTED."""
        self.type(line + "\t")
        shown = self.read_until(lambda text: line_of(text).endswith(expected), seconds)
        self.type("\x15")   # Ctrl+U: clear the line for the next one
        self.read_until(lambda text: False, 0.2)
        return shown

    def complete_nothing(self, line, seconds=10):
        """Types LINE and a Tab; true when bash rings the bell (no candidates)."""
        self.type(line + "\t")
        shown = self.read_until(lambda text: "\a" in text, seconds)
        self.type("\x15")
        self.read_until(lambda text: False, 0.2)
        return shown is not None

    def close(self):
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def line_of(text):
    return text.replace("\a", "")


def expect(shell, line, completed, name):
    shown = shell.complete(line, completed)
    check(shown is not None, name, f"typed: {line!r}<Tab>\nwanted it to end with: {completed!r}")


# Alice meets Bruno, and Bruno offers her a file (an offer id to complete).
if run(["add-peer", env["HALLWAY_TEST_PEER_ADDRESS"]]).returncode != 0 or \
   run(["peers", "--wait", "1", "--timeout", "30"]).returncode != 0:
    print("Bail out! Bruno did not become a neighbour")
    sys.exit(1)
run(["add-peer", env["HALLWAY_TEST_MY_ADDRESS"]], peer_env)
offered = os.path.join(env["HALLWAY_TEST_WORK"], "offered.txt")
with open(offered, "w") as f:
    f.write("for Alice\n")
run(["send", env["HALLWAY_TEST_MY_NAME"], offered], peer_env)


def pending_offer():
    offers = json.loads(run(["offers", "--json"]).stdout or "[]")
    return next((o["id"] for o in offers if o["state"] == "pending"), None)


wait_for(pending_offer, 30)
offer_id = pending_offer()

shell = Shell(env)
try:
    expect(shell, "hallwayctl pe", "hallwayctl peers ", "a command")
    expect(shell, "hallwayctl share rem", "hallwayctl share remove ", "a share subcommand")
    expect(shell, "hallwayctl peers --ti", "hallwayctl peers --timeout ", "an option")
    expect(shell, "hallwayctl help dns", "hallwayctl help dns-records ", "a command after help")
    expect(shell, "hallwayctl help printer def", "hallwayctl help printer default ",
           "a group's command after help")
    expect(shell, "hallwayctl share add /tmp --access read-w",
           "--access read-write ", "an option's value")
    expect(shell, "hallwayctl info Br", "hallwayctl info Bruno\\ Costa ",
           "a neighbour's name, quoted for the shell")
    expect(shell, "hallwayctl send 'Bruno C", "hallwayctl send 'Bruno Costa' ",
           "a neighbour's name typed in quotes")
    expect(shell, "hallwayctl ls Bru", "hallwayctl ls Bruno\\ Costa/",
           "a neighbour, then a slash and no space")
    expect(shell, "hallwayctl get Bruno\\ Costa/R", "hallwayctl get Bruno\\ Costa/Reports/",
           "a neighbour's shared folder")
    expect(shell, "hallwayctl get \"Bruno Costa/Reports/20", "Bruno Costa/Reports/2026/\"",
           "a folder inside a neighbour's share, listed over the network")
    expect(shell, "hallwayctl get Bruno\\ Costa/Reports/2026/",
           "Bruno\\ Costa/Reports/2026/q1.txt ", "a file inside a neighbour's share")
    expect(shell, "hallwayctl share remove Pro", "hallwayctl share remove Projects ",
           "one of my shared folders")
    check(offer_id is not None, "Bruno's offer reached Alice")
    if offer_id is not None:
        expect(shell, "hallwayctl accept ", f"hallwayctl accept {offer_id} ", "a pending offer")
finally:
    shell.close()

# A Tab press never starts hallwayd: on a bus where it could be activated
# (here as a program that leaves a mark), completion asks nothing of it.
work = tempfile.mkdtemp(prefix="hallway-completion.")
try:
    services = os.path.join(work, "services")
    os.mkdir(services)
    mark = os.path.join(work, "activated")
    with open(os.path.join(services, "io.github.hallwaylan.Hallway.Daemon.service"), "w") as f:
        f.write("[D-BUS Service]\nName=io.github.hallwaylan.Hallway.Daemon\n"
                f"Exec=/bin/sh -c 'touch {mark}; exit 1'\n")
    config = os.path.join(work, "bus.conf")
    with open(config, "w") as f:
        f.write(f"""<busconfig>
  <type>session</type>
  <listen>unix:dir={work}</listen>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
""")
    bus = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork",
                            "--print-address=1"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    try:
        address = bus.stdout.readline().strip()
        quiet_env = dict(env, DBUS_SESSION_BUS_ADDRESS=address)
        shell = Shell(quiet_env)
        try:
            check(shell.complete_nothing("hallwayctl info Br"),
                  "no neighbours to complete without hallwayd")
            check(shell.complete("hallwayctl stat", "hallwayctl status ") is not None,
                  "commands still complete without hallwayd")
        finally:
            shell.close()
        check(not os.path.exists(mark), "completing did not start hallwayd")
        # The same bus does start it for a real command: the check above can fail.
        run(["status"], quiet_env)
        check(wait_for(lambda: os.path.exists(mark), 10), "hallwayctl status does start it")
    finally:
        bus.terminate()
        bus.wait()
finally:
    shutil.rmtree(work)

print(f"1..{len(results)}")
sys.exit(0 if all(results) else 1)
