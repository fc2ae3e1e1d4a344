#!/usr/bin/env python3
"""Waits until COUNT messages are visible to a reader, then prints the wall-clock time (time.time()).

  wait-visible.py imap PORT USER PASSWORD COUNT TIMEOUT   polls STATUS INBOX (MESSAGES) on one
                                                          logged-in imaplib session, as a client sees it
  wait-visible.py maildir DIR COUNT TIMEOUT               counts files in DIR/new and DIR/cur

Polls every 20 ms; exits 1 with the count reached so far when TIMEOUT seconds pass.
"""
import imaplib
import os
import sys
import time


def imap_count(port, user, password):
    conn = imaplib.IMAP4("127.0.0.1", int(port))
    conn.login(user, password)

    def count():
        typ, data = conn.status("INBOX", "(MESSAGES)")
        text = data[0].decode()
        return int(text.rsplit("MESSAGES", 1)[1].strip(" ()"))
    return count


def maildir_count(path):
    def count():
        n = 0
        for sub in ("new", "cur"):
            try:
                n += len(os.listdir(os.path.join(path, sub)))
            except FileNotFoundError:
                pass
        return n
    return count


def main(argv):
    if argv[1] == "imap":
        count, want, timeout = imap_count(argv[2], argv[3], argv[4]), int(argv[5]), float(argv[6])
    else:
        count, want, timeout = maildir_count(argv[2]), int(argv[3]), float(argv[4])
    deadline = time.monotonic() + timeout
    n = 0
    while time.monotonic() < deadline:
        n = count()
        if n >= want:
            print(f"{time.time():.3f}")
            return 0
        time.sleep(0.02)
    print(f"timeout: {n} of {want} visible", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
