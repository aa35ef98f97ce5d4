#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes a folder stream (share/hallway-bulk.c) to stdout, as a hostile
sender would make it: records in the order given, whatever they say.

  bulk-stream.py [--no-end] [--short N] RECORD...
  RECORD = D:NAME | F:NAME:SIZE   (a file's bytes are "x" * SIZE)

--no-end leaves the end record out; --short N cuts the last N bytes off.
"""
import struct
import sys

args = sys.argv[1:]
end = True
short = 0
out = bytearray(b"HWBULK1\n")
records = 0
while args:
    arg = args.pop(0)
    if arg == "--no-end":
        end = False
        continue
    if arg == "--short":
        short = int(args.pop(0))
        continue
    kind, rest = arg.split(":", 1)
    if kind == "D":
        name = rest.encode()
        out += struct.pack(">cBHB3xQ", b"D", 0, len(name), 0, 0) + name
    else:
        name, size = rest.rsplit(":", 1)
        name = name.encode()
        out += struct.pack(">cBHB3xQ", b"F", 0, len(name), 0, int(size)) + name
        out += b"x" * int(size)
    records += 1
if end:
    out += struct.pack(">cBHB3xQ", b"E", 0, 0, 0, records)
if short:
    out = out[:-short]
sys.stdout.buffer.write(out)
