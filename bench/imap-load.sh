#!/usr/bin/env bash
# IMAP throughput, Interchange against Dovecot in the same run (issue: IMAP and POP3).
# Both get the same 1,000-message INBOX (appended over IMAP by the same script), then 20 clients
# run bench/imap-load.py against each for DURATION seconds (after a short warm-up run).
# Usage: bench/imap-load.sh [DURATION] [CLIENTS]   (needs root, dovecot-imapd; defaults 20, 20)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}; clients=${2:-20}
work=$(mktemp -d /tmp/interchange-imapbench-XXXXXX); chmod 755 "$work"
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
  "$bin" serve --data "$work/interchange" "${listen[@]}" >"$work/interchange.out" 2>"$work/interchange.log" &
ipid=$!
for _ in $(seq 1 300); do [ -f "$work/interchange/run/endpoints.json" ] && break; sleep 0.1; done
iport=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([l['port'] for l in d['listeners'] if l['protocol']=='imap'][0])" "$work/interchange/run/endpoints.json")
echo "benchpass1" | "$bin" user add user1@example.test --password-stdin --data "$work/interchange" >/dev/null

dport=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
tests/peers/dovecot-instance.sh start "$work/dovecot" "$dport" 1 >/dev/null

load() { python3 bench/imap-load.py --port "$1" --user user1@example.test --password "$2" --clients "$clients" --duration "$3" "${@:4}"; }
load "$iport" benchpass1 1 --populate 1000 >/dev/null
load "$dport" pass 1 --populate 1000 >/dev/null
load "$iport" benchpass1 5 >/dev/null   # warm-up
load "$dport" pass 5 >/dev/null

echo "imap-load: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $clients clients, ${duration} s, 1,000-message INBOX (~3.7 KiB each)"
i=$(load "$iport" benchpass1 "$duration"); d=$(load "$dport" pass "$duration")
echo "interchange: $i"
echo "dovecot:     $d"
python3 -c "import sys; a=float(sys.argv[1].split()[1]); b=float(sys.argv[2].split()[1]); print(f'ratio (ops/s): {a/b:.2f}')" "$i" "$d"
