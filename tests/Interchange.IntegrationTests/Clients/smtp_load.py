#!/usr/bin/env python3
"""Bounded SMTP load for the crash test: COUNT messages over THREADS smtplib sessions to
user{i % USERS}@DOMAIN, each with a unique X-Load-Id. Every message the server acknowledged
with 250 is appended to ACKFILE (one id per line, flushed) the moment the reply arrives.
Connection failures (the server being killed) end a thread quietly after a few retries.
Usage: smtp_load.py PORT COUNT THREADS USERS DOMAIN ACKFILE"""
import smtplib, sys, threading, time

port, count, threads, users = (int(a) for a in sys.argv[1:5])
domain, ackfile = sys.argv[5], sys.argv[6]
lock = threading.Lock()
counter = iter(range(1, count + 1))
ack = open(ackfile, "a", buffering=1)
stats = {"sent": 0, "acked": 0, "failed": 0}

def next_id():
    with lock:
        return next(counter, None)

def worker():
    s = None
    failures = 0
    while failures < 3:
        n = next_id()
        if n is None:
            break
        try:
            if s is None:
                s = smtplib.SMTP("127.0.0.1", port, timeout=30)
            msg = f"Subject: load {n}\r\nX-Load-Id: {n}\r\n\r\nbody {n}\r\n".encode()
            with lock:
                stats["sent"] += 1
            s.sendmail("load@remote.test", [f"user{n % users}@{domain}"], msg)
            with lock:
                stats["acked"] += 1
                ack.write(f"{n}\n")
        except (smtplib.SMTPException, OSError):
            with lock:
                stats["failed"] += 1
            failures += 1
            s = None
            time.sleep(0.05)
    try:
        if s is not None:
            s.quit()
    except (smtplib.SMTPException, OSError):
        pass

ts = [threading.Thread(target=worker) for _ in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
ack.close()
print(f"sent {stats['sent']} acked {stats['acked']} failed {stats['failed']}")
