#!/usr/bin/env python3
"""Replays a recorded IMAP client opening sequence over IMAPS (the server's certificate verified)
and prints one JSON object per line: the greeting, one per command, and the final NOOP/LOGOUT.

Transcript format, one directive per line:
  # ...         comment; blank lines are ignored
  C: LINE       a command line as the client sent it (CRLF added); its tag is its first word.
                The replayer waits for the tagged reply, unless L: lines follow.
  L: DATA       sent after the server's "+" continuation: literal data, a SASL response, IDLE's DONE.
                If the previous line ended in a synchronizing literal {n}, DATA continues the command.
  D: LINE       a line of the literal the command line announces (each sent with CRLF); the
                command line's ${LITERAL} is the literal's length. A non-synchronizing literal
                ({n+}, ~{n+}) is sent right after the command line, a synchronizing one after "+".
  T: TEXT       what follows that literal on the command line (")" of APPEND's UTF8 form), then CRLF.
  P: LINE       a pipelined command: written together with the following P:/C: line(s) in one
                write before any reply is read (as the client did); each tag is then waited for.
  E: OK|NO|BAD  the status the previous command must get (default OK)
  E: has REGEX  some line the previous command received (untagged, continuation or tagged) matches
                REGEX (Python re, multiline); placeholders in it are regex-escaped.
Placeholders: ${USER} ${PASS} ${PASSLEN} ${PLAIN} (base64 of NUL user NUL password) ${UID} (the
delivered message's UID) ${SUBJECT} (its subject) ${EXISTS} (the last "* n EXISTS" seen) ${LITERAL}
(the length of the command's D: lines).

Usage: imap_replay.py --port P --cafile CRT --user U --password W --uid N --subject S TRANSCRIPT"""
import argparse, base64, json, re, socket, ssl, sys

parser = argparse.ArgumentParser()
for name in ("--port", "--cafile", "--user", "--password", "--uid", "--subject", "--host"):
    parser.add_argument(name, required=name != "--host")
parser.add_argument("transcript")
args = parser.parse_args()

values = {
    "USER": args.user,
    "PASS": args.password,
    "PASSLEN": str(len(args.password.encode())),
    "PLAIN": base64.b64encode(b"\0" + args.user.encode() + b"\0" + args.password.encode()).decode(),
    "UID": args.uid,
    "SUBJECT": args.subject,
    "EXISTS": "*",
}


def fill(text, escape=False):
    def one(match):
        value = values[match.group(1)]
        return re.escape(value) if escape else value
    return re.sub(r"\$\{([A-Z]+)\}", one, text)


def emit(record):
    print(json.dumps(record), flush=True)


# Parse: a list of groups; a group is the commands written before reading (one unless pipelined).
groups, group, current = [], [], None
with open(args.transcript, encoding="utf-8") as f:
    for number, raw in enumerate(f, 1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        kind, _, text = ("D", "", "") if line == "D:" else line.partition(": ")
        if kind in ("C", "P"):
            current = {"line": number, "segments": [text], "expected": "OK", "checks": [], "literal": None, "tail": ""}
            group.append(current)
            if kind == "C":
                groups.append(group)
                group = []
        elif kind == "L" and current is not None:
            current["segments"].append(text)
        elif kind == "D" and current is not None:
            current["literal"] = (current["literal"] or []) + [text]
        elif kind == "T" and current is not None:
            current["tail"] = text
        elif kind == "E" and current is not None:
            if text in ("OK", "NO", "BAD"):
                current["expected"] = text
            elif text.startswith("has "):
                current["checks"].append(text[4:])
            else:
                sys.exit(f"{args.transcript}:{number}: unknown expectation {text!r}")
        else:
            sys.exit(f"{args.transcript}:{number}: cannot read {line!r}")
if group:
    sys.exit(f"{args.transcript}: a P: line must be followed by a C: line")

context = ssl.create_default_context(cafile=args.cafile)  # verifies the chain and the host name
host = args.host or "127.0.0.1"
sock = context.wrap_socket(socket.create_connection((host, int(args.port)), timeout=20), server_hostname=host)
buffer = b""


def read_line():
    """One response line, with any literals it announces read in (as text, for matching)."""
    global buffer
    parts = []
    while True:
        while b"\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            buffer += chunk
        line, buffer = buffer.split(b"\r\n", 1)
        parts.append(line)
        literal = re.search(rb"\{(\d+)\+?\}$", line)
        if not literal:
            return b"\r\n".join(parts).decode("utf-8", "replace")
        size = int(literal.group(1))
        while len(buffer) < size:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection inside a literal")
            buffer += chunk
        parts.append(buffer[:size])
        buffer = buffer[size:]


untagged_bad = []


def note(line):
    if line.startswith("* BAD"):
        untagged_bad.append(line)
    exists = re.match(r"\* (\d+) EXISTS", line)
    if exists:
        values["EXISTS"] = exists.group(1)


def await_tagged(tag, received):
    while True:
        line = read_line()
        received.append(line)
        note(line)
        if line.startswith(tag + " "):
            return line


greeting = read_line()
emit({"greeting": greeting})

for group in groups:
    # Write every command of the group (only a lone command may carry continuations).
    for command in group:
        if command["literal"] is not None:
            command["data"] = "".join(fill(l) + "\r\n" for l in command["literal"]).encode()
            values["LITERAL"] = str(len(command["data"]))
        command["tag"] = fill(command["segments"][0]).split(" ")[0]
        command["received"] = []
    if len(group) > 1:
        sock.sendall(b"".join(fill(c["segments"][0]).encode() + b"\r\n" for c in group))
    elif group[0]["literal"] is not None:
        command = group[0]
        data = command["data"]
        line = fill(command["segments"][0])
        sock.sendall(line.encode() + b"\r\n")
        invited = True
        if not line.endswith("+}"):
            # Synchronizing: the literal waits for the server's "+".
            reply = read_line()
            command["received"].append(reply)
            note(reply)
            if not reply.startswith("+"):
                command["tagged"] = reply
                command["refused_continuation"] = True
                invited = False
        if invited:
            sock.sendall(data + fill(command["tail"]).encode() + b"\r\n")
    else:
        command = group[0]
        segments = command["segments"]
        sock.sendall(fill(segments[0]).encode() + b"\r\n")
        for segment in segments[1:]:
            # Wait for the continuation request; a tagged reply instead ends the command.
            line = read_line()
            command["received"].append(line)
            note(line)
            while not line.startswith("+") and not line.startswith(command["tag"] + " "):
                line = read_line()
                command["received"].append(line)
                note(line)
            if not line.startswith("+"):
                command["tagged"] = line
                command["refused_continuation"] = True
                break
            sock.sendall(fill(segment).encode() + b"\r\n")
    for command in group:
        if "tagged" not in command:
            command["tagged"] = await_tagged(command["tag"], command["received"])
        words = command["tagged"].split(" ")
        status = words[1].upper() if len(words) > 1 else ""
        text = "\n".join(command["received"]).replace("\r\n", "\n")
        checks = []
        for pattern in command["checks"]:
            filled = fill(pattern, escape=True)
            checks.append({"pattern": filled, "ok": re.search(filled, text, re.MULTILINE) is not None})
        emit({
            "line": command["line"],
            "command": fill(command["segments"][0]).replace(args.password, "<password>"),
            "tag": command["tag"],
            "status": status,
            "expected": command["expected"],
            "tagged": command["tagged"],
            "checks": checks,
            "received": [r[:400] for r in command["received"][:40]],
        })

# The session must still be usable after the client's sequence.
sock.sendall(b"ZZ1 NOOP\r\n")
noop = await_tagged("ZZ1", [])
logout_received = []
sock.sendall(b"ZZ2 LOGOUT\r\n")
logout = await_tagged("ZZ2", logout_received)
emit({
    "final": True,
    "noop": noop.split(" ")[1],
    "bye": any(l.startswith("* BYE") for l in logout_received),
    "logout": logout.split(" ")[1],
    "untaggedBad": untagged_bad,
})
