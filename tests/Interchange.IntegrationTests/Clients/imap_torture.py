#!/usr/bin/env python3
"""IMAP torture over real sockets (seed Q241556, "OpenMsgStore is not thread safe").

SESSIONS imaplib sessions (threads), all logged in as USER on INBOX, do at random SELECT, NOOP,
FETCH 1:* (UID FLAGS), UID FETCH of random UIDs (BODY.PEEK[HEADER] or ENVELOPE), STORE +FLAGS
\\Seen or \\Deleted, EXPUNGE, UID SEARCH and a short IDLE, while SENDERS threads deliver
PER_SENDER messages each over SMTP (unique Subject and Message-ID).

Each session keeps its own model of the mailbox from the untagged responses it receives, in
order, as an IMAP client must (RFC 3501 5.2, 7.4.1): sequence number -> UID (None until told)
and flags. A violation is recorded when:
  - a tagged response is BAD, or takes longer than BOUND seconds (a hang: deadlock), or the
    connection drops;
  - an untagged EXPUNGE arrives in the response of a FETCH, STORE or UID SEARCH;
  - EXISTS goes below the messages the model holds, an EXPUNGE or FETCH names a sequence number
    outside the model, or a FETCH gives a UID other than the one the model has at that number;
  - the model's UIDs are not strictly ascending, or its count is not the last EXISTS minus the
    EXPUNGEs since;
  - UID SEARCH ALL or FETCH 1:* disagree with the model;
  - at the end (deliveries acknowledged and stored), after one NOOP a session's model is not the
    store's state as a fresh session sees it (UIDs and flags);
  - a Message-ID is stored twice, an acknowledged message is missing without having been flagged
    \\Deleted by a session, or an EXPUNGE removed a UID no session flagged \\Deleted.

Prints a JSON summary and exits 1 on any violation. Bounded: every loop has a count or a deadline.
Usage: imap_torture.py IMAPS_PORT SMTP_PORT USER PASSWORD [--sessions N] [--senders N]
       [--per-sender N] [--duration S] [--max-ops N] [--seed N] [--deadline S]"""
import argparse, collections, imaplib, json, os, random, re, smtplib, socket, ssl, sys, threading, time

BOUND = 30.0                     # seconds any response may take; longer is a hang
TRUNCATED_VIOLATIONS = 50

p = argparse.ArgumentParser()
p.add_argument("imaps_port", type=int)
p.add_argument("smtp_port", type=int)
p.add_argument("user")
p.add_argument("password")
p.add_argument("--sessions", type=int, default=32)
p.add_argument("--senders", type=int, default=16)
p.add_argument("--per-sender", type=int, default=25)
p.add_argument("--duration", type=float, default=20.0, help="seconds over which the deliveries are spread")
p.add_argument("--max-ops", type=int, default=5000, help="per session")
p.add_argument("--seed", type=int, default=241556)
p.add_argument("--deadline", type=float, default=80.0, help="seconds for the whole run; then the summary so far and exit 1")
args = p.parse_args()

RUN = "%08x" % random.Random().getrandbits(32)   # Message-IDs unique across runs on one server
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE

LITERAL_END = re.compile(rb"\{(\d+)\+?\}\r?\n$")
UNTAGGED = re.compile(r"^\* (\d+) (EXISTS|EXPUNGE|FETCH|RECENT)\b")
UID_ITEM = re.compile(r"[( ]UID (\d+)")
FLAGS_ITEM = re.compile(r"[( ]FLAGS \(([^)]*)\)")
MESSAGE_ID = re.compile(rb"<torture-\d+-\d+\.[0-9a-f]+@remote\.test>")

lock = threading.Lock()
violations = []
kinds = collections.Counter()   # violations by text with the numbers taken out
ops = collections.Counter()
stats = collections.Counter()
max_latency = {}
uid_to_msgid = {}        # learnt from header/envelope fetches
deleted_uids = set()     # UIDs a session's STORE +FLAGS (\Deleted) was confirmed for
expunged_uids = set()    # UIDs some session saw an EXPUNGE for (when its model knew the UID)
acked = set()            # Message-IDs the server acknowledged with 250
deliveries_done = threading.Event()
finished = threading.Event()


def violation(who, text):
    with lock:
        violations.append(f"{who}: {text}")
        kinds[re.sub(r"\d+", "N", text)] += 1


class Stop(Exception):
    """The session cannot go on (hang, drop); the violation is already recorded."""


class Response:
    def __init__(self, parts):
        self.text = "".join("{literal}" if literal else data.decode("latin-1") for literal, data in parts)
        self.raw = b"".join(data for _, data in parts)


class Connection(imaplib.IMAP4_SSL):
    """imaplib over its own read buffer: logs every response in arrival order (imaplib files them
    by type, losing the order EXPUNGE/EXISTS/FETCH must be applied in) and survives a read timeout
    (IDLE waits with one; a socket file does not survive it)."""

    def __init__(self, port):
        self._buffer = bytearray()
        self._parts = []
        self.log = []
        super().__init__("127.0.0.1", port, ssl_context=CTX, timeout=BOUND)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise imaplib.IMAP4.abort("the server closed the connection")
        self._buffer += chunk

    def readline(self):
        while (end := self._buffer.find(b"\n")) < 0:
            self._fill()
        line = bytes(self._buffer[:end + 1])
        del self._buffer[:end + 1]
        self._parts.append((False, line))
        if not LITERAL_END.search(line):
            self.log.append(Response(self._parts))
            self._parts = []
        return line

    def read(self, size):
        while len(self._buffer) < size:
            self._fill()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        self._parts.append((True, data))
        return data

    def take(self):
        log, self.log = self.log, []
        self.untagged_responses.clear()
        return log


def fetch_items(response):
    """(sequence, uid or None, flags or None, message-id or None) of an untagged FETCH."""
    m = UNTAGGED.match(response.text)
    uid = UID_ITEM.search(response.text)
    flags = FLAGS_ITEM.search(response.text)
    msgid = MESSAGE_ID.search(response.raw)
    return (int(m[1]), int(uid[1]) if uid else None,
            frozenset(flags[1].split()) if flags else None,
            msgid[0].decode() if msgid else None)


def learn(who, uid, msgid):
    with lock:
        known = uid_to_msgid.setdefault(uid, msgid)
    if known != msgid:
        violation(who, f"UID {uid} is {msgid} now but was {known}")


class Session:
    WEIGHTS = {"select": 3, "noop": 14, "fetch_all": 8, "uid_fetch": 20, "store_seen": 14,
               "store_deleted": 6, "expunge": 5, "uid_search": 12, "idle": 6}
    KEEP = 30   # no \Deleted while the model holds fewer: sequence numbers have something to shift

    def __init__(self, number):
        self.name = f"session {number}"
        self.random = random.Random(args.seed * 1000 + number)
        self.uids = []      # sequence number - 1 -> UID, None until the server names it
        self.flags = []     # sequence number - 1 -> frozenset, None until told
        self.last_exists = 0
        self.expunges_since = 0
        self.ops = 0
        self.alive = True
        self.conn = None

    # --- the model -----------------------------------------------------------------------------
    def apply(self, command, log):
        """Applies the untagged responses of one command, in order; returns the FETCH items."""
        fetched = []
        for response in log:
            m = UNTAGGED.match(response.text)
            if not m:
                continue
            n, kind = int(m[1]), m[2]
            if kind == "EXISTS":
                if n < len(self.uids):
                    violation(self.name, f"{command}: * {n} EXISTS but the model holds {len(self.uids)} (no EXPUNGE for the rest)")
                    del self.uids[n:], self.flags[n:]
                self.uids.extend([None] * (n - len(self.uids)))
                self.flags.extend([None] * (n - len(self.flags)))
                self.last_exists, self.expunges_since = n, 0
            elif kind == "EXPUNGE":
                if command in ("FETCH", "UID FETCH", "STORE", "UID STORE", "UID SEARCH"):
                    violation(self.name, f"* {n} EXPUNGE in the response of {command} (RFC 3501 7.4.1 forbids it)")
                if not 1 <= n <= len(self.uids):
                    violation(self.name, f"{command}: * {n} EXPUNGE outside 1..{len(self.uids)}")
                    continue
                uid = self.uids.pop(n - 1)
                self.flags.pop(n - 1)
                self.expunges_since += 1
                if uid is not None:
                    with lock:
                        expunged_uids.add(uid)
            elif kind == "FETCH":
                n, uid, flags, msgid = fetch_items(response)
                if not 1 <= n <= len(self.uids):
                    violation(self.name, f"{command}: * {n} FETCH outside 1..{len(self.uids)}")
                    continue
                if uid is not None:
                    if self.uids[n - 1] is None:
                        self.uids[n - 1] = uid
                    elif self.uids[n - 1] != uid:
                        violation(self.name, f"{command}: * {n} FETCH (UID {uid}) but the model has UID {self.uids[n - 1]} at {n}")
                        self.uids[n - 1] = uid
                else:
                    uid = self.uids[n - 1]
                if flags is not None:
                    self.flags[n - 1] = flags
                if uid is not None and msgid is not None:
                    learn(self.name, uid, msgid)
                fetched.append((n, uid, flags))
        if len(self.uids) != self.last_exists - self.expunges_since:
            violation(self.name, f"{command}: the model holds {len(self.uids)}, the last EXISTS was {self.last_exists} with {self.expunges_since} EXPUNGEs since")
        known = [u for u in self.uids if u is not None]
        if any(a >= b for a, b in zip(known, known[1:])):
            violation(self.name, f"{command}: UIDs not strictly ascending in the model")
        return fetched

    # --- commands ------------------------------------------------------------------------------
    def command(self, name, call, *arguments):
        """Runs one imaplib command; returns (typ, data, fetched) after applying its untagged responses."""
        self.conn.take()
        start = time.monotonic()
        try:
            typ, data = call(*arguments)
        except (TimeoutError, socket.timeout):
            violation(self.name, f"{name}: no tagged response within {BOUND:.0f} s (hang)")
            raise Stop()
        except imaplib.IMAP4.abort as e:
            violation(self.name, f"{name}: connection lost: {e}")
            raise Stop()
        except imaplib.IMAP4.error as e:     # imaplib raises this for a tagged BAD
            violation(self.name, f"{name}: BAD: {e}")
            typ, data = "BAD", []
        except OSError as e:
            violation(self.name, f"{name}: {e!r}")
            raise Stop()
        self.note(name, time.monotonic() - start)
        if typ == "NO":
            with lock:
                stats[f"NO to {name}"] += 1
            if name not in ("FETCH", "UID FETCH", "STORE", "UID STORE"):
                violation(self.name, f"{name}: NO {data}")
        return typ, data, self.apply(name, self.conn.take())

    def note(self, name, elapsed):
        self.ops += 1
        with lock:
            ops[name] += 1
            max_latency[name] = max(max_latency.get(name, 0.0), elapsed)
        if elapsed > BOUND:
            violation(self.name, f"{name}: took {elapsed:.1f} s")

    def select(self):
        self.uids, self.flags = [], []
        self.last_exists = self.expunges_since = 0
        self.command("SELECT", self.conn.select, "INBOX")
        self.fetch_all()     # what a client does next: learn the UIDs

    def fetch_all(self):
        before = len(self.uids)
        if before == 0:
            return
        typ, _, fetched = self.command("FETCH", self.conn.fetch, "1:*", "(UID FLAGS)")
        if typ == "OK":
            # Messages announced by an EXISTS in this very response may or may not be included.
            seen = sorted(n for n, _, _ in fetched)
            if seen[:before] != list(range(1, before + 1)):
                violation(self.name, f"FETCH 1:* answered for messages {summarise(seen)}, the model held {before}")
            if None in self.uids[:before]:
                violation(self.name, "FETCH 1:* (UID FLAGS) left messages without a UID")

    def known(self):
        return [u for u in self.uids if u is not None]

    def uid_fetch(self, uids=None, items=None):
        known = self.known()
        if uids is None:
            if not known:
                return
            uids = self.random.sample(known, min(len(known), self.random.randint(1, 3)))
        items = items or self.random.choice(["(BODY.PEEK[HEADER])", "(ENVELOPE)", "(FLAGS ENVELOPE)"])
        typ, _, fetched = self.command("UID FETCH", self.conn.uid, "FETCH", ",".join(map(str, uids)), items)
        answered = {uid for _, uid, _ in fetched}
        with lock:
            stats["UID FETCH without data for a UID in the view"] += len(set(uids) - answered)

    def store(self, flag):
        known = self.known()
        if not known:
            return
        if flag == "\\Deleted" and len(known) < self.KEEP:
            return
        uid = self.random.choice(known)
        if flag == "\\Deleted":
            with lock:
                msgid = uid_to_msgid.get(uid)
            if msgid is None:
                # Only delete what can be accounted for at the end: learn its Message-ID first.
                self.uid_fetch([uid], "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                with lock:
                    msgid = uid_to_msgid.get(uid)
                if msgid is None or uid not in self.uids:
                    return
        if self.random.random() < 0.5:
            name = "UID STORE"
            typ, _, fetched = self.command(name, self.conn.uid, "STORE", str(uid), "+FLAGS", f"({flag})")
        else:
            name = "STORE"
            typ, _, fetched = self.command(name, self.conn.store, str(self.uids.index(uid) + 1), "+FLAGS", f"({flag})")
        for _, got, flags in fetched:
            if got == uid and flags is not None:
                if flag not in flags:
                    violation(self.name, f"{name} +FLAGS ({flag}) on UID {uid} answered FLAGS ({' '.join(flags)})")
                elif flag == "\\Deleted":
                    with lock:
                        deleted_uids.add(uid)

    def uid_search(self):
        criterion = self.random.choice(["ALL", "ALL", "UNSEEN", "DELETED"])
        typ, data, _ = self.command("UID SEARCH", self.conn.uid, "SEARCH", criterion)
        if typ != "OK" or criterion != "ALL":
            return
        found = sorted(int(x) for x in (data[0] or b"").split()) if data and data[0] is not None else []
        if len(found) != len(self.uids):
            violation(self.name, f"UID SEARCH ALL found {len(found)} messages, the model holds {len(self.uids)}")
            return
        for i, uid in enumerate(found):
            if self.uids[i] is None:
                self.uids[i] = uid
            elif self.uids[i] != uid:
                violation(self.name, f"UID SEARCH ALL: message {i + 1} is UID {uid}, the model has {self.uids[i]}")
                return

    def idle(self):
        """IDLE sent raw (imaplib has none before Python 3.14), for a short bounded time."""
        conn = self.conn
        conn.take()
        tag = conn._new_tag()
        conn.tagged_commands.pop(tag, None)
        start = time.monotonic()
        try:
            conn.send(tag + b" IDLE\r\n")
            first = conn.readline()
            if not first.startswith(b"+"):
                violation(self.name, f"IDLE answered {first!r}")
                if first.startswith(tag):
                    self.note("IDLE", time.monotonic() - start)
                    self.apply("IDLE", conn.take())
                    return
            until = time.monotonic() + self.random.uniform(0.05, 0.4)
            while (left := until - time.monotonic()) > 0:
                conn.sock.settimeout(left)
                try:
                    conn.readline()
                except (TimeoutError, socket.timeout):
                    break
            conn.sock.settimeout(BOUND)
            done = time.monotonic()
            conn.send(b"DONE\r\n")
            while not (line := conn.readline()).startswith(tag + b" "):
                pass
        except (TimeoutError, socket.timeout):
            violation(self.name, f"IDLE: no tagged response within {BOUND:.0f} s of DONE (hang)")
            raise Stop()
        except (imaplib.IMAP4.abort, OSError) as e:
            violation(self.name, f"IDLE: connection lost: {e!r}")
            raise Stop()
        finally:
            conn.sock.settimeout(BOUND)
        self.note("IDLE", time.monotonic() - done)
        status = line.split(b" ")[1]
        if status != b"OK":
            violation(self.name, f"IDLE ended with {line!r}")
        self.apply("IDLE", conn.take())

    # --- the run -------------------------------------------------------------------------------
    def open(self):
        try:
            self.conn = Connection(args.imaps_port)
            self.conn.login(args.user, args.password)
        except Exception as e:
            violation(self.name, f"could not log in: {e!r}")
            raise Stop()
        self.select()

    def run(self, deadline):
        try:
            self.open()
            names, weights = zip(*self.WEIGHTS.items())
            while self.ops < args.max_ops and time.monotonic() < deadline and not deliveries_done.is_set():
                kind = self.random.choices(names, weights)[0]
                if kind == "store_seen":
                    self.store("\\Seen")
                elif kind == "store_deleted":
                    self.store("\\Deleted")
                elif kind == "expunge":
                    self.command("EXPUNGE", self.conn.expunge)
                elif kind == "noop":
                    self.command("NOOP", self.conn.noop)
                else:
                    getattr(self, kind)()
        except Stop:
            self.alive = False
        except Exception as e:
            violation(self.name, f"client error {e!r}")
            self.alive = False

    def converge(self, fresh_uids, fresh_flags):
        """After everything stopped: one NOOP, then the model must be the store's state."""
        if not self.alive:
            return
        try:
            self.command("NOOP", self.conn.noop)
            self.fetch_all()
        except Stop:
            return
        if self.uids != fresh_uids:
            violation(self.name, f"after NOOP the model has {len(self.uids)} messages {summarise(self.uids)}, a fresh session {len(fresh_uids)} {summarise(fresh_uids)}")
            return
        # \Recent is per session (RFC 3501 2.3.2): told to one session only, so it is compared apart.
        wrong = [(u, f, g) for u, f, g in zip(self.uids, self.flags, fresh_flags) if without_recent(f) != without_recent(g)]
        if wrong:
            u, f, g = wrong[0]
            violation(self.name, f"after NOOP {len(wrong)} messages have other flags than a fresh session sees, e.g. UID {u}: {sorted(f or [])} vs {sorted(g)}")
        try:
            self.conn.logout()
        except Exception:
            pass


def summarise(uids):
    return str(uids) if len(uids) <= 8 else f"[{uids[0]}..{uids[-1]}]"


def sender(number, deadline):
    r = random.Random(args.seed * 7 + number)
    pace = args.duration / max(1, args.per_sender)
    s = None
    for i in range(args.per_sender):
        if time.monotonic() > deadline:
            violation(f"sender {number}", "ran out of time")
            break
        msgid = f"<torture-{number}-{i}.{RUN}@remote.test>"
        message = (f"From: load@remote.test\r\nTo: {args.user}\r\nSubject: torture {number}-{i}\r\n"
                   f"Message-ID: {msgid}\r\n\r\nbody {number}-{i}\r\n").encode()
        try:
            if s is None:
                s = smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=BOUND)
            refused = s.sendmail("load@remote.test", [args.user], message)
            if refused:
                violation(f"sender {number}", f"{msgid} refused: {refused}")
            else:
                with lock:
                    acked.add(msgid)
        except (smtplib.SMTPException, OSError) as e:
            violation(f"sender {number}", f"{msgid}: {e!r}")
            s = None
        time.sleep(r.uniform(0, 2 * pace))
    try:
        if s is not None:
            s.quit()
    except (smtplib.SMTPException, OSError):
        pass


def status(conn):
    typ, data = conn.status("INBOX", "(MESSAGES UIDNEXT)")
    m = re.search(rb"UIDNEXT (\d+)", data[0])
    return int(m[1])


def without_recent(flags):
    return None if flags is None else flags - {"\\Recent"}


def fresh_state():
    """The store's state as a new session sees it: UIDs, flags, Message-IDs in sequence order."""
    conn = Connection(args.imaps_port)
    conn.login(args.user, args.password)
    typ, data = conn.select("INBOX")
    conn.take()
    uids, flags, msgids = [], [], []
    if int(data[0]) == 0:
        return uids, flags, msgids
    typ, data = conn.fetch("1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    for response in conn.take():
        if UNTAGGED.match(response.text) and " FETCH " in response.text:
            n, uid, f, msgid = fetch_items(response)
            if n != len(uids) + 1:
                violation("fresh session", f"FETCH 1:* answered message {n} after {len(uids)}")
            uids.append(uid)
            flags.append(f)
            msgids.append(msgid)
    conn.logout()
    return uids, flags, msgids


def summary(sessions, started, delivered_at, fresh_uids, counts):
    with lock:
        return {
            "sessions": args.sessions,
            "sessions_alive_at_end": sum(s.alive for s in sessions),
            "senders": args.senders,
            "deliveries_acknowledged": len(acked),
            "ops_total": sum(ops.values()),
            "ops": dict(sorted(ops.items())),
            "max_latency_ms": {k: round(v * 1000) for k, v in sorted(max_latency.items())},
            "flagged_deleted": len(deleted_uids),
            "expunged_seen": len(expunged_uids),
            "expunged_from_acknowledged": len(acked - set(counts)),
            "final_messages": len(fresh_uids),
            "final_uids": fresh_uids,
            "other": dict(stats),
            "deliveries_s": round((delivered_at or time.monotonic()) - started, 1),
            "duration_s": round(time.monotonic() - started, 1),
            "violation_count": len(violations),
            "violation_kinds": dict(kinds.most_common(10)),
            "violations": violations[:TRUNCATED_VIOLATIONS],
        }


def main():
    started = time.monotonic()
    sessions = [Session(i) for i in range(args.sessions)]

    def overrun():
        # A hang somewhere: report what is known and stop, rather than be killed without a word.
        if finished.is_set():
            return
        violation("main", f"the run did not finish within {args.deadline:.0f} s (hang)")
        print(json.dumps(summary(sessions, started, None, [], {})), flush=True)
        os._exit(1)
    watchdog = threading.Timer(args.deadline, overrun)
    watchdog.daemon = True
    watchdog.start()
    monitor = Connection(args.imaps_port)
    monitor.login(args.user, args.password)
    uidnext_before = status(monitor)

    hard_deadline = started + args.duration + 40
    session_threads = [threading.Thread(target=s.run, args=(hard_deadline,)) for s in sessions]
    sender_threads = [threading.Thread(target=sender, args=(i, started + args.duration + 30)) for i in range(args.senders)]
    for t in session_threads + sender_threads:
        t.start()
    for t in sender_threads:
        t.join()
    deliveries_done.set()
    delivered_at = time.monotonic()
    for t in session_threads:
        t.join(BOUND + 10)
        if t.is_alive():
            violation("main", "a session thread did not stop (hang)")

    fresh_uids, counts = [], {}
    try:
        # Wait (bounded) until every acknowledged message has been given a UID, and no more come.
        drain_deadline = time.monotonic() + 30
        last, stable_since = None, time.monotonic()
        while time.monotonic() < drain_deadline:
            uidnext = status(monitor)
            if uidnext != last:
                last, stable_since = uidnext, time.monotonic()
            elif uidnext - uidnext_before >= len(acked) and time.monotonic() - stable_since >= 1.5:
                break
            time.sleep(0.25)
        stored = last - uidnext_before
        if stored != len(acked):
            violation("main", f"{len(acked)} messages acknowledged, {stored} UIDs given since the start")
        monitor.logout()

        fresh_uids, fresh_flags, fresh_msgids = fresh_state()
    except (OSError, imaplib.IMAP4.error) as e:
        violation("main", f"could not read the store's state at the end: {e!r}")
        fresh_msgids = None
    if fresh_msgids is not None:
        for s in sessions:
            s.converge(fresh_uids, fresh_flags)
        # ... and one session at most was told a message is \Recent.
        recent = collections.Counter(u for s in sessions + [None] for u, f in (zip(fresh_uids, fresh_flags) if s is None else zip(s.uids, s.flags)) if f and "\\Recent" in f)
        for uid, count in recent.items():
            if count > 1:
                violation("store", f"UID {uid} is \\Recent in {count} sessions")
        # Nothing lost, nothing twice, nothing expunged that was not flagged \Deleted.
        for uid, msgid in zip(fresh_uids, fresh_msgids):
            if uid is not None and msgid is not None:
                learn("fresh session", uid, msgid)
        counts = collections.Counter(m for m in fresh_msgids if m is not None)
        for msgid, count in counts.items():
            if count > 1:
                violation("store", f"{msgid} stored {count} times")
        deleted_msgids = {uid_to_msgid[u] for u in deleted_uids if u in uid_to_msgid}
        lost = sorted(acked - set(counts) - deleted_msgids)
        if lost:
            violation("store", f"{len(lost)} acknowledged messages neither in INBOX nor flagged \\Deleted, e.g. {lost[:3]}")
        unknown = set(counts) - acked
        if unknown:
            violation("store", f"{len(unknown)} messages in INBOX that were not acknowledged, e.g. {sorted(unknown)[:3]}")
        rogue = sorted(expunged_uids - deleted_uids)
        if rogue:
            violation("store", f"{len(rogue)} UIDs expunged without a session flagging them \\Deleted, e.g. {rogue[:5]}")
        still_there = deleted_uids & set(fresh_uids)
        if any(f is not None and "\\Deleted" not in f for u, f in zip(fresh_uids, fresh_flags) if u in still_there):
            violation("store", "a message flagged \\Deleted lost the flag")

    finished.set()
    watchdog.cancel()
    print(json.dumps(summary(sessions, started, delivered_at, fresh_uids, counts)), flush=True)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
