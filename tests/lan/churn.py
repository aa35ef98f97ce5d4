#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""churn.py ADDRESS PORT COUNT [--at-once] [--from SOURCE,...]: COUNT short-lived TLS connections to a hallwayd.

Each connection makes one kept-alive request (GET /api/v1/info, no client
certificate) and is then closed by the client while idle, as a script or a
port scanner would: the case libsoup 3.2 leaks ~25 kB for on its own.
One after the other, or with --at-once all together, a burst: all COUNT
are open and answered before any is closed. With --from, the connections
come from those local addresses in turn (hallwayd allows each address only
so many connections at once).
Prints how many connections were made; exits 1 if one failed.
"""
import socket
import ssl
import sys
import threading


def one_request(context, host, port, barrier=None, source=None):
    request = ("GET /api/v1/info HTTP/1.1\r\nHost: %s\r\n\r\n" % host).encode()
    bind = (source, 0) if source else None
    with socket.create_connection((host, port), timeout=30, source_address=bind) as raw:
        with context.wrap_socket(raw) as tls:
            if barrier is not None:
                barrier.wait()
            tls.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = tls.recv(4096)
                if not chunk:
                    raise ConnectionError("closed before the headers")
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            while len(body) < length:
                chunk = tls.recv(4096)
                if not chunk:
                    raise ConnectionError("closed before the body")
                body += chunk
            if barrier is not None:
                barrier.wait()


def burst(context, host, port, count, sources):
    """All connections open, then all requests, then all closed."""
    barrier = threading.Barrier(count, timeout=60)
    errors = []

    def run(source):
        try:
            one_request(context, host, port, barrier, source)
        except (OSError, ValueError, threading.BrokenBarrierError) as error:
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(sources[i % len(sources)],))
               for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise ConnectionError("%d of %d failed, first: %s" % (len(errors), count, errors[0]))


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    options = sys.argv[4:]
    at_once = "--at-once" in options
    sources = [None]
    if "--from" in options:
        sources = options[options.index("--from") + 1].split(",")
    context = ssl.create_default_context()
    # Hallway's certificates are self-signed and pinned; this client only
    # wants connections, not an identity.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if at_once:
        burst(context, host, port, count, sources)
    else:
        for i in range(count):
            one_request(context, host, port, source=sources[i % len(sources)])
    print(count)


if __name__ == "__main__":
    try:
        main()
    except (OSError, ValueError) as error:
        print("churn.py: %s" % error, file=sys.stderr)
        sys.exit(1)
