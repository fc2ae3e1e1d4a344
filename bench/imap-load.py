#!/usr/bin/env python3
"""IMAP load for bench/imap-load.sh: CLIENTS threads each LOGIN once, then repeat until DURATION
seconds have passed: SELECT INBOX; FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE); FETCH 100 full bodies
(BODY.PEEK[], a window walking through the mailbox); STORE +FLAGS/-FLAGS (\\Flagged) on one message;
SEARCH UNSEEN SUBJECT. Every command is one operation. Prints one line: ops/s, bodies/s, errors.
--populate N first APPENDs messages until the INBOX holds N. Loopback only; bounded in time."""
import argparse, imaplib, random, sys, threading, time

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--user", required=True)
p.add_argument("--password", required=True)
p.add_argument("--clients", type=int, default=20)
p.add_argument("--duration", type=float, default=20)
p.add_argument("--populate", type=int, default=0)
a = p.parse_args()

def login():
    m = imaplib.IMAP4("127.0.0.1", a.port, timeout=60)
    m.login(a.user, a.password)
    return m

if a.populate:
    m = login()
    have = int(m.select("INBOX")[1][0])
    rnd = random.Random(4)
    for i in range(have, a.populate):
        body = "".join(rnd.choice("abcdefghij klmnop\r\n") for _ in range(3500))
        msg = (f"From: Sender {i} <sender{i}@remote.test>\r\nTo: <{a.user}>\r\nSubject: message {i} about topic {i % 17}\r\n"
               f"Date: Sat, 21 Nov 2026 05:00:00 +0000\r\nMessage-ID: <{i}@remote.test>\r\nMIME-Version: 1.0\r\n"
               f"Content-Type: text/plain; charset=us-ascii\r\n\r\n{body}\r\n").encode()
        m.append("INBOX", None, None, msg)
    m.logout()

ops = [0] * a.clients
bodies = [0] * a.clients
errors = []
deadline = time.monotonic() + a.duration

def client(k):
    try:
        m = login()
        start = k * 37
        while time.monotonic() < deadline:
            n = int(m.select("INBOX")[1][0]); ops[k] += 1
            m.fetch("1:*", "(FLAGS RFC822.SIZE ENVELOPE)"); ops[k] += 1
            for j in range(100):
                if time.monotonic() >= deadline: break
                m.fetch(str((start + j) % n + 1), "(BODY.PEEK[])"); ops[k] += 1; bodies[k] += 1
            start += 100
            target = str(start % n + 1)
            m.store(target, "+FLAGS", "(\\Flagged)"); m.store(target, "-FLAGS", "(\\Flagged)"); ops[k] += 2
            m.search(None, "UNSEEN", "SUBJECT", '"topic 3"'); ops[k] += 1
        m.logout()
    except Exception as e:  # count, never hang
        errors.append(repr(e))

threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
t0 = time.monotonic()
for t in threads: t.start()
for t in threads: t.join(a.duration + 120)
elapsed = time.monotonic() - t0
print(f"ops/s {sum(ops) / elapsed:.0f} bodies/s {sum(bodies) / elapsed:.0f} errors {len(errors)}" + (f" first-error {errors[0]}" if errors else ""))
