#!/usr/bin/env python3
"""Logs a session in, leaves it waiting, runs an admin command (another process) that changes the
user's credentials, and measures how long the server takes to end the session after that command
returned. Prints one JSON object: closed (bool), seconds (from the command's exit to the close),
received (what the server sent after the command ran), command (its exit code).
Usage: revocation.py MODE PORT USER PASSWORD -- COMMAND...
  MODE: imap-idle (in IDLE), imap-between (logged in, no command sent), pop3 (after PASS),
        submission (after AUTH PLAIN on 587)"""
import base64, json, socket, subprocess, sys, time

mode, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
command = sys.argv[sys.argv.index("--") + 1:]
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
buf = b""

def until(prefix):
    global buf
    while True:
        while b"\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise SystemExit(json.dumps({"error": "closed before the change", "buffer": buf.decode()}))
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        if text.startswith(prefix):
            return text

def send(line):
    sock.sendall(line.encode("utf-8") + b"\r\n")

if mode.startswith("imap"):
    until("* OK")
    send(f'a1 LOGIN "{user}" "{password}"'); until("a1 OK")
    if mode == "imap-idle":
        send("a2 SELECT INBOX"); until("a2 OK")
        send("a3 IDLE"); until("+")
elif mode == "pop3":
    until("+OK")
    send(f"USER {user}"); until("+OK")
    send(f"PASS {password}"); until("+OK")
elif mode == "submission":
    until("220 ")
    send("EHLO revocation.test"); until("250 ")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    send(f"AUTH PLAIN {token}"); until("235")
else:
    raise SystemExit("unknown mode " + mode)

ran = subprocess.run(command, capture_output=True, text=True, timeout=60)
changed = time.monotonic()
received = buf
closed = False
sock.settimeout(0.05)
while time.monotonic() - changed < 5:
    try:
        chunk = sock.recv(65536)
    except socket.timeout:
        continue
    except OSError:
        closed = True
        break
    if not chunk:
        closed = True
        break
    received += chunk

print(json.dumps({
    "closed": closed,
    "seconds": round(time.monotonic() - changed, 3),
    "received": received.decode("utf-8", "replace"),
    "command": ran.returncode,
    "command_output": ran.stdout + ran.stderr,
}))
