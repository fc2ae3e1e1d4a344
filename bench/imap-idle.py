#!/usr/bin/env python3
"""Holds N IMAP connections idle for bench/imap-idle-memory.sh: each logs in, SELECTs INBOX and
enters IDLE. Prints "ready N" once all are idling, waits for a line on stdin, then ends each
IDLE with DONE and logs out. Plain sockets (one client process, no threads); loopback only;
every wait bounded by a socket timeout."""
import argparse, socket, sys

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--user", required=True)
p.add_argument("--password", required=True)
p.add_argument("--connections", type=int, default=1000)
a = p.parse_args()

def until(sock, buf, done):
    while not done(buf):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server: " + buf[-200:].decode(errors="replace"))
        buf += chunk
    return buf

def command(sock, tag, line):
    sock.sendall(f"{tag} {line}\r\n".encode())
    buf = until(sock, b"", lambda b: f"\r\n{tag} ".encode() in b"\r\n" + b)
    if f"{tag} OK".encode() not in buf:
        raise RuntimeError(f"{line.split()[0]} refused: " + buf[-200:].decode(errors="replace"))

conns = []
for i in range(a.connections):
    s = socket.create_connection(("127.0.0.1", a.port), timeout=60)
    until(s, b"", lambda b: b"\r\n" in b)
    command(s, "a", f'LOGIN "{a.user}" "{a.password}"')
    command(s, "b", "SELECT INBOX")
    s.sendall(b"c IDLE\r\n")
    until(s, b"", lambda b: b"+ " in b or b.startswith(b"+"))
    conns.append(s)
print(f"ready {len(conns)}", flush=True)
sys.stdin.readline()
for s in conns:
    try:
        s.sendall(b"DONE\r\nd LOGOUT\r\n")
    except OSError:
        pass
for s in conns:
    s.close()
