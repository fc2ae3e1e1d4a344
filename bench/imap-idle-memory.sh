#!/usr/bin/env bash
# Memory of idle IMAP connections, Interchange against Dovecot in the same run (issue: IMAP and POP3).
# Both get the same INBOX (appended over IMAP by bench/imap-load.py --populate); then CONNECTIONS
# clients each LOGIN, SELECT INBOX and IDLE (bench/imap-idle.py) and the memory they cost is read
# from /proc: for Interchange the growth of its one process, for Dovecot the growth of all its
# processes (an imap process per connection, logins, master). PSS (shared pages divided among the
# processes sharing them) is the fair sum for many processes; RSS is printed too.
# Usage: bench/imap-idle-memory.sh [CONNECTIONS] [MESSAGES]   (needs root, dovecot-imapd; defaults 1000, 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-1000}; messages=${2:-1000}
[ "$(ulimit -n)" -ge $((connections * 2 + 256)) ] || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d /tmp/interchange-idlebench-XXXXXX); chmod 755 "$work"
ipid=""
cleanup() {
  [ -n "$ipid" ] && kill "$ipid" 2>/dev/null && wait "$ipid" 2>/dev/null || true
  tests/peers/dovecot-instance.sh stop "$work/dovecot" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build -c Release src/Interchange.Server -v q -nologo >/dev/null
bin=src/Interchange.Server/bin/Release/net10.0/interchange
listen=(--listen imap=127.0.0.1:0 --listen http=127.0.0.1:0)
for p in smtp submission submissions imaps pop3 pop3s; do listen+=(--listen "$p=none"); done
INTERCHANGE__PrimaryDomain=example.test INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback=true \
INTERCHANGE__Imap__MaxConnections=$((connections + 100)) INTERCHANGE__Imap__MaxConnectionsPerAddress=$((connections + 100)) \
  "$bin" serve --data "$work/interchange" "${listen[@]}" >"$work/interchange.out" 2>"$work/interchange.log" &
ipid=$!
for _ in $(seq 1 300); do [ -f "$work/interchange/run/endpoints.json" ] && break; sleep 0.1; done
iport=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([l['port'] for l in d['listeners'] if l['protocol']=='imap'][0])" "$work/interchange/run/endpoints.json")
echo "benchpass1" | "$bin" user add user1@example.test --password-stdin --data "$work/interchange" >/dev/null
dport=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
tests/peers/dovecot-instance.sh start "$work/dovecot" "$dport" 1 >/dev/null
python3 bench/imap-load.py --port "$iport" --user user1@example.test --password benchpass1 --clients 1 --duration 1 --populate "$messages" >/dev/null
python3 bench/imap-load.py --port "$dport" --user user1@example.test --password pass --clients 1 --duration 1 --populate "$messages" >/dev/null

# kB of memory of the given processes: "pss rss"
mem() { python3 - "$@" <<'PY'
import sys
pss = rss = 0
for pid in sys.argv[1:]:
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            k, v = line.split(":", 1)
            if k == "Pss": pss += int(v.split()[0])
            if k == "Rss": rss += int(v.split()[0])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
print(pss, rss)
PY
}
dpids() { { pgrep -f "dovecot -c $work/dovecot/dovecot.conf"; for m in $(pgrep -f "dovecot -c $work/dovecot/dovecot.conf"); do pgrep -P "$m"; done; } | sort -u | tr '\n' ' '; }

measure() { # name port password pids-function
  local name=$1 port=$2 pass=$3 pids=$4
  sleep 2
  read -r pss0 rss0 < <(mem $($pids))
  coproc CLIENTS { python3 bench/imap-idle.py --port "$port" --user user1@example.test --password "$pass" --connections "$connections"; }
  local ready; read -r ready <&"${CLIENTS[0]}"
  sleep 3
  read -r pss1 rss1 < <(mem $($pids))
  echo "" >&"${CLIENTS[1]}"; wait "$CLIENTS_PID" || true
  python3 -c "import sys; n=int(sys.argv[2]); p0,r0,p1,r1=map(int,sys.argv[3:7]); print(f'{sys.argv[1]}: {sys.argv[2]} idle connections ({sys.argv[7]}): PSS {p0/1024:.1f} -> {p1/1024:.1f} MiB, {(p1-p0)/n:.1f} KiB each; RSS {r0/1024:.1f} -> {r1/1024:.1f} MiB, {(r1-r0)/n:.1f} KiB each')" \
    "$name" "$connections" "$pss0" "$rss0" "$pss1" "$rss1" "$ready"
}
echo "imap-idle-memory: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $connections connections on one user's $messages-message INBOX (LOGIN, SELECT, IDLE)"
measure interchange "$iport" benchpass1 "echo $ipid"
measure dovecot "$dport" pass dpids
