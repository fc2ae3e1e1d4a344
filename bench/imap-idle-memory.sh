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
INTERCHANGE_ENV=(INTERCHANGE__Imap__MaxConnections=$((connections + 100)) INTERCHANGE__Imap__MaxConnectionsPerAddress=$((connections + 100)))
. bench/imap-peers.sh
start_imap_peers idlebench "$messages"

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
