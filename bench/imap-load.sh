#!/usr/bin/env bash
# IMAP throughput, Interchange against Dovecot in the same run (issue: IMAP and POP3).
# Both get the same 1,000-message INBOX (appended over IMAP by the same script), then 20 clients
# run bench/imap-load.py against each for DURATION seconds (after a short warm-up run).
# Usage: bench/imap-load.sh [DURATION] [CLIENTS]   (needs root, dovecot-imapd; defaults 20, 20)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}; clients=${2:-20}
INTERCHANGE_ENV=()
. bench/imap-peers.sh
start_imap_peers imapbench 1000

load() { python3 bench/imap-load.py --port "$1" --user user1@example.test --password "$2" --clients "$clients" --duration "$3" "${@:4}"; }
load "$iport" benchpass1 5 >/dev/null   # warm-up
load "$dport" pass 5 >/dev/null

echo "imap-load: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $clients clients, ${duration} s, 1,000-message INBOX (~3.7 KiB each)"
i=$(load "$iport" benchpass1 "$duration"); d=$(load "$dport" pass "$duration")
echo "interchange: $i"
echo "dovecot:     $d"
python3 -c "import sys; a=float(sys.argv[1].split()[1]); b=float(sys.argv[2].split()[1]); print(f'ratio (ops/s): {a/b:.2f}')" "$i" "$d"
