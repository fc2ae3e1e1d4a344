#!/usr/bin/env python3
"""Delivers big messages over SMTP, then has several imaplib sessions SEARCH (TEXT, BODY) and FETCH
(BODY[], BINARY[2]) all of them at once, while sampling the server's resident memory
(/proc/PID/status VmRSS). Prints one JSON object: idle and peak RSS, the growth, and whether every
fetched byte is what was delivered. Used by bench/imap-big-messages.sh and the integration tests.

Each message: a text/plain part of words (half the size) and a base64 application/octet-stream
part of pseudo-random bytes (NULs included, so BINARY answers with a literal8).

Usage: imap_big_messages.py --smtp-port P --imap-port P --pid N --user U --password W
                            [--messages 8] [--megabytes 45] [--sessions 8] [--timeout 900]"""
import argparse, base64, hashlib, imaplib, json, random, re, smtplib, sys, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--smtp-port", type=int, required=True)
parser.add_argument("--imap-port", type=int, required=True)
parser.add_argument("--pid", type=int, required=True)
parser.add_argument("--user", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--messages", type=int, default=8)
parser.add_argument("--megabytes", type=float, default=45)
parser.add_argument("--sessions", type=int, default=8)
parser.add_argument("--timeout", type=float, default=900)
args = parser.parse_args()
started = time.monotonic()


def rss_kb():
    with open(f"/proc/{args.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def make_message(index):
    """The message bytes, the attachment's bytes, and a word found only near the end of its text."""
    rng = random.Random(index)
    size = int(args.megabytes * 1024 * 1024)
    words = [("w%x" % rng.getrandbits(20)).encode() for _ in range(2000)]
    marker = b"marker%dend" % index
    lines, total = [], 0
    while total < size // 2:
        line = b" ".join(rng.choice(words) for _ in range(12))
        lines.append(line)
        total += len(line) + 2
    lines.append(marker)
    text = b"\r\n".join(lines) + b"\r\n"
    attachment = rng.randbytes(int(size * 0.36))
    encoded = base64.encodebytes(attachment).replace(b"\n", b"\r\n")
    head = (b"From: big@remote.test\r\nTo: %s\r\nSubject: big message %d\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"bigbound\"\r\n\r\n" % (args.user.encode(), index))
    body = (b"--bigbound\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + text +
            b"--bigbound\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded +
            b"--bigbound--\r\n")
    return head + body, attachment, marker.decode()


# Deliver (one message in memory here at a time; only hashes are kept).
expected = []
for i in range(args.messages):
    message, attachment, marker = make_message(i)
    smtp = smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=300)
    refused = smtp.sendmail("big@remote.test", [args.user], message)
    smtp.quit()
    if refused:
        sys.exit(f"refused: {refused}")
    expected.append({"message_sha": hashlib.sha256(message).hexdigest(), "length": len(message),
                     "attachment_sha": hashlib.sha256(attachment).hexdigest(), "marker": marker})
    del message, attachment


def connect():
    m = imaplib.IMAP4("127.0.0.1", args.imap_port, timeout=600)
    m.login(args.user, args.password)
    return m


# Wait (bounded) until every message is in the INBOX.
m = connect()
deadline = time.monotonic() + 120
while True:
    count = int(m.select("INBOX")[1][0])
    if count >= args.messages or time.monotonic() > deadline:
        break
    time.sleep(0.2)
m.logout()
if count < args.messages:
    sys.exit(f"only {count} of {args.messages} messages arrived")

# Idle: the server after delivery, with no IMAP session working.
time.sleep(1)
readings = []
for _ in range(5):
    readings.append(rss_kb())
    time.sleep(0.1)
idle = min(readings)

samples = []
stop = threading.Event()


def sample():
    while not stop.is_set():
        samples.append(rss_kb())
        time.sleep(0.05)


errors, results = [], []


def session(number):
    try:
        m = connect()
        m.select("INBOX", readonly=True)
        typ, data = m.uid("SEARCH", "TEXT", "zzqx-absent-word")
        absent = data[0].split()
        typ, data = m.uid("SEARCH", "BODY", expected[number % len(expected)]["marker"])
        found = data[0].split()
        typ, data = m.uid("SEARCH", "ALL")
        uids = data[0].split()[-args.messages:]
        ok = 0
        for uid, want in zip(uids, expected):
            typ, data = m.uid("FETCH", uid, "(BODY.PEEK[])")
            whole = data[0][1]
            # BODY[] is the delivered message after the Received field the server put first.
            if len(whole) >= want["length"] and hashlib.sha256(whole[-want["length"]:]).hexdigest() == want["message_sha"]:
                ok += 1
            del whole, data
            typ, data = m.uid("FETCH", uid, "(BINARY.PEEK[2])")
            if hashlib.sha256(data[0][1]).hexdigest() == want["attachment_sha"]:
                ok += 1
            del data
        m.logout()
        results.append({"absent": len(absent), "found": len(found), "fetched_ok": ok})
    except Exception as error:  # reported, not raised: the summary says what failed
        errors.append(f"session {number}: {error!r}")


sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
work_started = time.monotonic()
threads = [threading.Thread(target=session, args=(n,)) for n in range(args.sessions)]
for t in threads:
    t.start()
for t in threads:
    t.join(max(1, args.timeout - (time.monotonic() - started)))
stop.set()
sampler.join()
peak = max(samples) if samples else idle
print(json.dumps({
    "messages": args.messages, "megabytes": args.megabytes, "sessions": args.sessions,
    "idle_kb": idle, "peak_kb": peak, "growth_mb": round((peak - idle) / 1024, 1),
    "seconds": round(time.monotonic() - work_started, 1),
    "fetched_ok": sum(r["fetched_ok"] for r in results), "fetched_expected": 2 * args.messages * args.sessions,
    "searches_absent": sum(r["absent"] for r in results), "searches_found": sum(r["found"] for r in results),
    "errors": errors,
}))
