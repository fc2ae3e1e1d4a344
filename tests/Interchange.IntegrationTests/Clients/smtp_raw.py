#!/usr/bin/env python3
"""Plays a raw SMTP dialogue and prints every reply, one per line as 'CODE text' (last line of
multi-line replies, with the code). Script on stdin, one step per line:
  > TEXT       send TEXT + CRLF          (\\r \\n \\t escapes are decoded)
  >> TEXT      send TEXT without CRLF
  < [N]        read N replies (default 1)
  tls          start TLS on the socket (after the server's 220 to STARTTLS)
  close?       read until the server closes; prints 'CLOSED' (or 'OPEN' after 5 s)
  sleep N      wait N seconds
Usage: smtp_raw.py PORT [--tls]"""
import socket, ssl, sys, time

port = int(sys.argv[1])
sock = socket.create_connection(("127.0.0.1", port), timeout=15)
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
if "--tls" in sys.argv:
    sock = ctx.wrap_socket(sock)
buf = b""

def read_reply():
    global buf
    while True:
        while b"\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return "CLOSED"
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        line = line.rstrip(b"\r").decode("utf-8", "replace")
        if len(line) < 4 or line[3] != "-":
            return line

def unescape(s):
    return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")

print(read_reply(), flush=True)  # greeting
for step in sys.stdin.read().splitlines():
    if step.startswith(">> "):
        sock.sendall(unescape(step[3:]).encode("utf-8"))
    elif step.startswith("> "):
        sock.sendall(unescape(step[2:]).encode("utf-8") + b"\r\n")
    elif step.startswith("<"):
        n = int(step[1:].strip() or "1")
        for _ in range(n):
            print(read_reply(), flush=True)
    elif step == "tls":
        if buf:
            print("UNEXPECTED-BUFFERED", flush=True)
        sock = ctx.wrap_socket(sock)
    elif step.startswith("sleep "):
        time.sleep(float(step[6:]))
    elif step == "close?":
        sock.settimeout(5)
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    print("CLOSED", flush=True)
                    break
                buf += data
        except socket.timeout:
            print("OPEN", flush=True)
