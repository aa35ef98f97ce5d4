#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A computer that answers like hallwayd but lies in its neighbours list.

Usage: gossip-liar.py CERT KEY PORT NEIGHBOURS_JSON

It serves GET /api/v1/info as itself (its device id is the SHA-256 of
CERT) and GET /api/v1/neighbours with the list in NEIGHBOURS_JSON, which
may name computers under ids that are not theirs. Each request is logged
on stdout as "GET PATH", so a test can wait for it.
"""
import hashlib
import http.server
import json
import ssl
import sys


def main():
    cert, key, port, neighbours_file = sys.argv[1:5]
    with open(cert) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    device_id = hashlib.sha256(der).hexdigest()
    with open(neighbours_file) as f:
        neighbours = f.read().encode()
    info = json.dumps({
        'id': device_id, 'name': 'Mallory', 'host': 'office-m', 'version': '0.1.0',
        'port': int(port), 'shares': [], 'printers': [], 'accepts-drops': False,
        'revision': '1', 'neighbours': hashlib.sha256(neighbours).hexdigest()[:16],
    }).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def do_GET(self):
            print('GET', self.path, flush=True)
            body = {'/api/v1/info': info, '/api/v1/neighbours': neighbours}.get(self.path)
            self.send_response(200 if body is not None else 404)
            body = body if body is not None else b'{"error":"not-found","message":"No"}'
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = http.server.ThreadingHTTPServer(('0.0.0.0', int(port)), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print('listening', flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
