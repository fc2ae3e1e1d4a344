#!/usr/bin/env python3
"""A slow client: connects, reads the greeting, sends each setup line and waits for its answer,
then sends one byte of DRIP every INTERVAL ms until the server closes the connection or
TIMEOUT seconds pass. Prints one JSON object: whether and when (seconds since the drip began)
the server closed, the bytes dripped, and everything the server sent during the drip.
Usage: drip.py PORT --interval MS --timeout S --drip TEXT [--setup LINE --expect PREFIX]...
  (an --expect after a --setup: read until a line starting with PREFIX; \\r \\n escapes decoded)"""
import json, socket, sys, time

args = sys.argv[1:]
port = int(args.pop(0))
interval, timeout, drip, setup = 0.5, 15.0, "", []
while args:
    flag = args.pop(0)
    value = args.pop(0)
    if flag == "--interval": interval = int(value) / 1000
    elif flag == "--timeout": timeout = float(value)
    elif flag == "--drip": drip = value.replace("\\r", "\r").replace("\\n", "\n")
    elif flag == "--setup": setup.append([value.replace("\\r", "\r").replace("\\n", "\n"), None])
    elif flag == "--expect": setup[-1][1] = value
    else: sys.exit("unknown flag " + flag)

sock = socket.create_connection(("127.0.0.1", port), timeout=10)
buf = b""

def read_until(prefix):
    """Reads lines until one starts with prefix; returns all read."""
    global buf
    seen = []
    while True:
        while b"\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise SystemExit(json.dumps({"error": "closed during setup", "seen": seen}))
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        seen.append(text)
        if text.startswith(prefix):
            return seen

read_until("")  # greeting
for line, expect in setup:
    sock.sendall(line.encode("utf-8"))
    read_until(expect or "")

sock.settimeout(interval)
received = buf
started = time.monotonic()
sent = 0
closed = False
while time.monotonic() - started < timeout:
    try:
        sock.send(drip[sent % len(drip)].encode("utf-8"))
        sent += 1
    except OSError:
        closed = True
        break
    wake = time.monotonic() + interval
    try:
        while time.monotonic() < wake:
            sock.settimeout(max(0.001, wake - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk:
                closed = True
                break
            received += chunk
    except socket.timeout:
        pass
    except OSError:
        closed = True
    if closed:
        break

print(json.dumps({
    "closed": closed,
    "seconds": round(time.monotonic() - started, 3),
    "dripped": sent,
    "received": received.decode("utf-8", "replace"),
}))
