#!/usr/bin/env python3
"""SMTP load for the administration torture test (seed Q274403). CLIENTS threads send small
messages with smtplib, one after another, each to one of USERS users, each carrying
X-Load-Id: <client>-<n>, until STOPFILE exists. The server's SMTP port is read from PORTFILE at each connection (a
restarted server listens on a new port). A connection refused or dropped (the server is being
restarted) is retried after a pause; only a 250 counts. Prints one JSON object: the ids
that got 250, and the count of attempts that did not.
Usage: admin_load.py PORTFILE DOMAIN USERS CLIENTS STOPFILE"""
import json, os, smtplib, sys, threading, time

portfile, domain, users, clients, stopfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
lock = threading.Lock()
acked, failed = [], [0]


def client(c):
    n = 0
    s = None
    while not os.path.exists(stopfile):
        load_id = f"c{c}-{n}"
        try:
            if s is None:
                with open(portfile) as f:
                    port = int(f.read().strip())
                s = smtplib.SMTP("127.0.0.1", port, timeout=30)
                s.ehlo("load.test")
            msg = f"Subject: {load_id}\r\nX-Load-Id: {load_id}\r\nMessage-ID: <{load_id}@load.test>\r\n\r\nload\r\n"
            s.sendmail("load@remote.test", [f"user{(c + n) % users}@{domain}"], msg)
            with lock:
                acked.append(load_id)
            n += 1
        except (OSError, smtplib.SMTPException):
            # Not acknowledged (refused, 421 at the stop, a reset): not counted, tried again under a new id.
            with lock:
                failed[0] += 1
            n += 1
            try:
                if s is not None:
                    s.close()
            except OSError:
                pass
            s = None
            time.sleep(0.2)
    if s is not None:
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass


threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"acked": acked, "failed": failed[0]}))
