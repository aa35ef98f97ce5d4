#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""churn.py ADDRESS PORT COUNT: COUNT short-lived TLS connections to a hallwayd.

Each connection makes one kept-alive request (GET /api/v1/info, no client
certificate) and is then closed by the client while idle, as a script or a
port scanner would: the case libsoup 3.2 leaks ~25 kB for on its own.
Prints how many connections were made; exits 1 if one failed.
"""
import socket
import ssl
import sys


def one_request(context, host, port):
    request = ("GET /api/v1/info HTTP/1.1\r\nHost: %s\r\n\r\n" % host).encode()
    with socket.create_connection((host, port), timeout=30) as raw:
        with context.wrap_socket(raw) as tls:
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


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    context = ssl.create_default_context()
    # Hallway's certificates are self-signed and pinned; this client only
    # wants connections, not an identity.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    for _ in range(count):
        one_request(context, host, port)
    print(count)


if __name__ == "__main__":
    try:
        main()
    except (OSError, ValueError) as error:
        print("churn.py: %s" % error, file=sys.stderr)
        sys.exit(1)
