#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile computer's connections, for tests/lan/test-hostile-connections.sh.

Opens connections to HOST:PORT from each of several local addresses and
reports, as JSON lines on stdout, what happened to them:

  bad-certificate  per address, COUNT bare TCP connect+close and COUNT TLS
                   handshakes that refuse the server's certificate (what
                   curl without -k, or a browser, does); prints one report.
  silent           per address, COUNT connections that never send a byte.
  drip-tls         per address, COUNT TLS connections that send a request
                   line, then one header line every --interval seconds.
  drip-http        the same without TLS (the printer gateway).

The holding modes print {"event": "ready", ...} once every connection was
tried, then {"event": "done", ...} once the server closed them all, or
--max seconds passed: how many connected, how many the server closed (and
how long the longest lived), how many it answered, how many stay open.
"""

import argparse
import asyncio
import json
import socket
import ssl
import sys
import time


def report(event, **fields):
    print(json.dumps(dict(event=event, **fields)), flush=True)


def family_of(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


async def bad_certificate(args):
    refused_tls = 0
    closed_tcp = 0
    strict = ssl.create_default_context()   # verifies, as curl does
    strict.check_hostname = False

    async def tcp(address):
        nonlocal closed_tcp
        for _ in range(args.count):
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(args.host, args.port, local_addr=(address, 0)), 10)
                writer.close()
                closed_tcp += 1
            except (OSError, asyncio.TimeoutError):
                pass

    async def tls(address):
        nonlocal refused_tls
        for _ in range(args.count):
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(args.host, args.port, ssl=strict,
                                            local_addr=(address, 0)), 10)
                writer.close()
            except ssl.SSLCertVerificationError:
                refused_tls += 1
            except (OSError, asyncio.TimeoutError):
                pass

    await asyncio.gather(*[tcp(a) for a in args.addresses],
                         *[tls(a) for a in args.addresses])
    report("done", tcp_closed=closed_tcp, tls_refused_certificate=refused_tls)


class Tally:
    def __init__(self):
        self.attempted = 0
        self.connected = 0
        self.refused = 0
        self.closed = 0
        self.answered = 0
        self.longest = 0.0


async def hold(args):
    tally = Tally()
    lenient = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    lenient.check_hostname = False
    lenient.verify_mode = ssl.CERT_NONE
    use_tls = args.mode == "drip-tls"
    dripping = args.mode.startswith("drip")
    end = time.monotonic() + args.max
    all_tried = asyncio.Event()

    async def one(address):
        tally.attempted += 1
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(args.host, args.port, ssl=lenient if use_tls else None,
                                        local_addr=(address, 0)), 15)
        except (OSError, asyncio.TimeoutError, ssl.SSLError):
            tally.refused += 1
            return
        tally.connected += 1
        start = time.monotonic()
        await all_tried.wait()
        try:
            if dripping:
                writer.write(f"{args.method} {args.path} HTTP/1.1\r\n".encode())
            while time.monotonic() < end:
                wait = args.interval if dripping else end - time.monotonic()
                try:
                    data = await asyncio.wait_for(reader.read(4096), max(0.1, wait))
                except asyncio.TimeoutError:
                    if dripping:
                        writer.write(b"X-Slowly: yes\r\n")
                        await writer.drain()
                    continue
                if data:
                    tally.answered += 1
                tally.closed += 1
                tally.longest = max(tally.longest, time.monotonic() - start)
                return
        except (OSError, ssl.SSLError):
            tally.closed += 1
            tally.longest = max(tally.longest, time.monotonic() - start)
            return
        finally:
            writer.close()

    tasks = []
    for _ in range(args.count):
        for address in args.addresses:
            tasks.append(asyncio.ensure_future(one(address)))
        # Let each round connect before the next, as a patient attacker would.
        await asyncio.sleep(0)
    # Every connection attempt has finished one way or the other.
    while tally.connected + tally.refused < len(tasks) and time.monotonic() < end:
        await asyncio.sleep(0.05)
    all_tried.set()
    report("ready", attempted=tally.attempted, connected=tally.connected, refused=tally.refused)
    await asyncio.gather(*tasks)
    report("done", attempted=tally.attempted, connected=tally.connected, refused=tally.refused,
           closed=tally.closed, answered=tally.answered,
           still_open=tally.connected - tally.closed, longest_s=round(tally.longest, 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["bad-certificate", "silent", "drip-tls", "drip-http"])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("addresses", nargs="+", help="local addresses to connect from")
    parser.add_argument("--count", type=int, default=1, help="connections per address")
    parser.add_argument("--interval", type=float, default=5, help="seconds between header lines")
    parser.add_argument("--max", type=float, default=120, help="seconds to hold at most")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--path", default="/")
    args = parser.parse_args()
    if args.mode == "bad-certificate":
        asyncio.run(bad_certificate(args))
    else:
        asyncio.run(hold(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
