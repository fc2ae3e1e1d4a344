#!/usr/bin/env bash
# Content reclaim soak (issue 9, point 5): for DURATION seconds, 4 SMTP clients deliver messages
# (a third above Storage:InlineMessageSize, so file blobs too) to 4 users, and an IMAP client per
# user expunges half of each INBOX (and copies a few messages to a folder it empties later) every
# few seconds. Then it waits GRACE plus two collector passes and counts what is kept against what
# is referenced: every file and inline row must be referenced by a message or a queue entry.
# Usage: bench/reclaim-soak.sh [DURATION seconds, default 900] [GRACE seconds, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-900}; grace=${2:-60}
work=$(mktemp -d)
ipid=""
cleanup() { [ -n "$ipid" ] && kill "$ipid" 2>/dev/null && wait "$ipid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

dotnet build -c Release src/Interchange.Server -v q -nologo >/dev/null
bin=src/Interchange.Server/bin/Release/net10.0/interchange
listen=(--listen smtp=127.0.0.1:0 --listen imap=127.0.0.1:0)
for p in submission submissions imaps pop3 pop3s http https; do listen+=(--listen "$p=none"); done
INTERCHANGE__PrimaryDomain=example.test INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback=true \
INTERCHANGE__Storage__ReclaimGrace="$(printf %02d:%02d:%02d $((grace / 3600)) $((grace % 3600 / 60)) $((grace % 60)))" INTERCHANGE__Storage__ReclaimInterval=00:00:10 \
  "$bin" serve --data "$work/data" "${listen[@]}" >"$work/out" 2>"$work/log" &
ipid=$!
for _ in $(seq 1 600); do [ -f "$work/data/run/endpoints.json" ] && break; sleep 0.1; done
[ -f "$work/data/run/endpoints.json" ] || { echo "the server did not start:"; cat "$work/log"; exit 1; }
port_of() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([l['port'] for l in d['listeners'] if l['protocol']==sys.argv[2]][0])" "$work/data/run/endpoints.json" "$1"; }
smtp=$(port_of smtp); imap=$(port_of imap)
for i in 1 2 3 4; do echo "password$i" | "$bin" user add "user$i@example.test" --password-stdin --data "$work/data" >/dev/null; done

echo "reclaim-soak: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${duration} s, grace ${grace} s, commit $(git rev-parse --short HEAD)"
python3 - "$smtp" "$imap" "$duration" <<'PY'
import imaplib, random, smtplib, sys, threading, time
smtp, imap, duration = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + duration
sent = [0]; expunged = [0]; lock = threading.Lock()
def sender(k):
    r = random.Random(k); n = 0
    while time.monotonic() < end:
        s = smtplib.SMTP("127.0.0.1", smtp, timeout=60)
        for _ in range(20):
            n += 1
            size = 100_000 if r.random() < 0.33 else 3_000
            body = (f"From: s{k}@remote.test\r\nSubject: soak {k}-{n}\r\n\r\n" + ("y" * 78 + "\r\n") * (size // 80)).encode()
            s.sendmail(f"s{k}@remote.test", [f"user{r.randint(1, 4)}@example.test"], body)
            with lock: sent[0] += 1
        s.quit()
def expunger(u):
    r = random.Random(100 + u)
    m = imaplib.IMAP4("127.0.0.1", imap, timeout=60); m.login(f"user{u}@example.test", f"password{u}")
    m.create("Later")
    while time.monotonic() < end:
        time.sleep(3)
        count = int(m.select("INBOX")[1][0])
        if count:
            m.copy(f"1:{max(1, count // 10)}", "Later")
            m.store(f"1:{max(1, count // 2)}", "+FLAGS", "\\Deleted")
            m.expunge()
            with lock: expunged[0] += max(1, count // 2)
        if r.random() < 0.1:
            m.select("Later"); m.store("1:*", "+FLAGS", "\\Deleted"); m.expunge()
    m.logout()
threads = [threading.Thread(target=sender, args=(k,)) for k in range(4)] + [threading.Thread(target=expunger, args=(u,)) for u in range(1, 5)]
for t in threads: t.start()
for t in threads: t.join()
print(f"sent {sent[0]}, expunged from INBOX {expunged[0]} (plus the Later folders now and then)")
PY
sleep $((grace + 25))
python3 - "$work/data" <<'PY'
import os, sqlite3, sys
data = sys.argv[1]
db = sqlite3.connect(f"file:{data}/store.db?mode=ro", uri=True)
referenced = {r[0] for r in db.execute("SELECT blob FROM messages UNION SELECT blob FROM queue_messages")}
messages = db.execute("SELECT count(*) FROM messages").fetchone()[0]
inline = {r[0] for r in db.execute("SELECT id FROM message_contents")}
structures = {r[0] for r in db.execute("SELECT blob FROM message_structures")}
files = set()
for shard in os.listdir(f"{data}/blobs"):
    if len(shard) == 2:
        files |= set(os.listdir(f"{data}/blobs/{shard}"))
kept = inline | files
print(f"messages in mailboxes {messages}, distinct contents referenced {len(referenced)}")
print(f"kept: {len(files)} files, {len(inline)} inline rows, {len(structures)} structures; unreferenced kept: {len(kept - referenced)} contents, {len(structures - referenced)} structures; referenced but missing: {len(referenced - kept)}")
PY
grep -c "Content collector: .* reclaimed" "$work/log" | sed 's/^/collector passes that reclaimed something: /'
