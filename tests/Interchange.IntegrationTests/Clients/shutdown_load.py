#!/usr/bin/env python3
"""Load for the shutdown torture test (rule 5). Runs at once:
  - SLOW SMTP clients (smtplib) that send DATA or BDAT, half a message, then wait for the server;
  - SLOW IMAP clients (imaplib) that send APPEND, half the literal, then wait;
  - FAST SMTP and IMAP clients that send whole messages one after another until the server goes;
  - WAITING POP3 clients (poplib), logged in between commands.
When every slow client is mid-transfer and every fast one has had a message accepted, READYFILE
is written; the test then stops the server. Each message carries X-Load-Id: <kind>-<n>.
Prints one JSON object: per client its last outcome, and the ids that got 250 / tagged OK.
Usage: shutdown_load.py SMTPPORT IMAPPORT POP3PORT DOMAIN USERS PASSWORD SLOW FAST READYFILE"""
import imaplib, json, poplib, smtplib, socket, sys, threading, time

smtp_port, imap_port, pop3_port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
domain, users, password = sys.argv[4], int(sys.argv[5]), sys.argv[6]
slow, fast, readyfile = int(sys.argv[7]), int(sys.argv[8]), sys.argv[9]
lock = threading.Lock()
ready = threading.Semaphore(0)
acked, outcomes = [], []
BIG = 200_000  # a slow client's message: it sends half and waits


def user(n):
    return f"user{n % users}@{domain}"


def message(load_id, size=0):
    body = (b"x" * 76 + b"\r\n") * (size // 78 + 1) if size else b"body\r\n"
    return f"Subject: {load_id}\r\nX-Load-Id: {load_id}\r\n\r\n".encode() + body


def outcome(client, kind, detail):
    with lock:
        outcomes.append({"client": client, "kind": kind, "detail": detail})


def slow_smtp(i):
    name = f"slow-smtp-{i}"
    try:
        s = smtplib.SMTP("127.0.0.1", smtp_port, timeout=60)
        s.ehlo("slow.test")
        s.mail(f"load@remote.test")
        s.rcpt(user(i))
        data = message(name, BIG)
        if i % 2:
            # BDAT (RFC 3030): the chunk follows its command with no reply in between.
            s.putcmd(f"BDAT {len(data)} LAST")
        else:
            code, _ = s.docmd("DATA")
            if code != 354:
                outcome(name, "unexpected", f"DATA answered {code}")
                ready.release()
                return
        s.sock.sendall(data[: len(data) // 2])
        ready.release()
        code, text = s.getreply()  # nothing more is sent: the only reply can come from the stop
        outcome(name, "reply", f"{code} {text.decode(errors='replace')}")
    except smtplib.SMTPServerDisconnected as e:
        outcome(name, "disconnected", str(e))
    except OSError as e:
        outcome(name, "error", repr(e))


def slow_imap(i):
    name = f"slow-imap-{i}"
    try:
        m = imaplib.IMAP4("127.0.0.1", imap_port, timeout=60)
        m.login(user(i), password)
        data = message(name, BIG)
        m.send(f"s1 APPEND INBOX {{{len(data)}}}\r\n".encode())
        line = m.readline()
        if not line.startswith(b"+"):
            outcome(name, "unexpected", line.decode(errors="replace"))
            ready.release()
            return
        m.send(data[: len(data) // 2])
        ready.release()
        while True:
            line = m.readline()
            if not line:
                outcome(name, "disconnected", "EOF without a response")
                return
            text = line.decode(errors="replace").strip()
            if text.startswith("* BYE") or text.startswith("s1 "):
                outcome(name, "reply", text)
                return
    except (imaplib.IMAP4.abort, OSError) as e:
        outcome(name, "error", repr(e))


def waiting_pop3(i):
    name = f"waiting-pop3-{i}"
    try:
        p = poplib.POP3("127.0.0.1", pop3_port, timeout=60)
        p.user(user(i))
        p.pass_(password)
        ready.release()
        line = p.file.readline()  # no command sent: only the stop can answer
        outcome(name, "reply" if line else "disconnected", line.decode(errors="replace").strip())
    except (poplib.error_proto, OSError) as e:
        outcome(name, "error", repr(e))


def fast_smtp(i, first):
    name, n = f"fast-smtp-{i}", 0
    try:
        s = smtplib.SMTP("127.0.0.1", smtp_port, timeout=60)
        s.ehlo("fast.test")
    except OSError as e:
        outcome(name, "refused", repr(e))
        return
    try:
        while True:
            n += 1
            load_id = f"{name}-{n}"
            for command in (f"MAIL FROM:<load@remote.test>", f"RCPT TO:<{user(i + n)}>", "DATA"):
                code, text = s.docmd(command)
                if code >= 400:
                    outcome(name, "reply", f"{code} {text.decode(errors='replace')}")
                    return
            s.send(message(load_id).replace(b"\r\n.", b"\r\n..") + b".\r\n")
            code, text = s.getreply()
            if code == 250:
                with lock:
                    acked.append(load_id)
                first.set()
            else:
                outcome(name, "reply", f"{code} {text.decode(errors='replace')}")
                return
    except smtplib.SMTPServerDisconnected as e:
        outcome(name, "disconnected", str(e))
    except OSError as e:
        outcome(name, "error", repr(e))


def fast_imap(i, first):
    name, n = f"fast-imap-{i}", 0
    try:
        m = imaplib.IMAP4("127.0.0.1", imap_port, timeout=60)
        m.login(user(i), password)
    except (imaplib.IMAP4.abort, OSError) as e:
        outcome(name, "refused", repr(e))
        return
    try:
        while True:
            n += 1
            load_id = f"{name}-{n}"
            data = message(load_id)
            tag = f"f{n}"
            m.send(f"{tag} APPEND INBOX {{{len(data)}+}}\r\n".encode() + data + b"\r\n")
            while True:
                line = m.readline()
                if not line:
                    outcome(name, "disconnected", "EOF without a response")
                    return
                text = line.decode(errors="replace").strip()
                if text.startswith("* BYE"):
                    outcome(name, "reply", text)
                    return
                if text.startswith(tag + " "):
                    break
            if text.startswith(tag + " OK"):
                with lock:
                    acked.append(load_id)
                first.set()
            else:
                outcome(name, "reply", text)
                return
    except (imaplib.IMAP4.abort, OSError) as e:
        outcome(name, "error", repr(e))


threads, firsts = [], []
for i in range(slow):
    threads.append(threading.Thread(target=slow_smtp, args=(i,)))
    threads.append(threading.Thread(target=slow_imap, args=(i,)))
    if i < users:  # one POP3 session per maildrop: a second would be refused [IN-USE]
        threads.append(threading.Thread(target=waiting_pop3, args=(i,)))
for i in range(fast):
    for target in (fast_smtp, fast_imap):
        first = threading.Event()
        firsts.append(first)
        threads.append(threading.Thread(target=target, args=(i, first)))
for t in threads:
    t.start()
for _ in range(2 * slow + min(slow, users)):
    ready.acquire(timeout=60)
for first in firsts:
    first.wait(timeout=60)
with open(readyfile, "w") as f:
    f.write("ready\n")
for t in threads:
    t.join(timeout=120)
print(json.dumps({"acked": acked, "outcomes": outcomes, "alive": sum(t.is_alive() for t in threads)}))
