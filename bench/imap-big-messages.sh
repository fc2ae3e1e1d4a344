#!/usr/bin/env bash
# Memory under big messages (issue 8 item 10): delivers MESSAGES messages of MEGABYTES MB over SMTP,
# then SESSIONS imaplib sessions SEARCH (TEXT, BODY) and FETCH (BODY[], BINARY[2]) all of them at
# once while the server's VmRSS is sampled every 50 ms. Prints the JSON summary of
# tests/Interchange.IntegrationTests/Clients/imap_big_messages.py (growth_mb = peak - idle).
# Usage: bench/imap-big-messages.sh [MESSAGES=8] [MEGABYTES=45] [SESSIONS=8]
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-8} megabytes=${2:-45} sessions=${3:-8}
work=$(mktemp -d /tmp/interchange-big-XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
dotnet build -c Release src/Interchange.Server -v q -nologo >/dev/null
bin=src/Interchange.Server/bin/Release/net10.0/interchange
listen=(--listen smtp=127.0.0.1:0 --listen imap=127.0.0.1:0 --listen http=127.0.0.1:0)
for p in submission submissions imaps pop3 pop3s https; do listen+=(--listen "$p=none"); done
env INTERCHANGE__PrimaryDomain=example.test INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback=true \
  INTERCHANGE__Smtp__MaxMessageSize=$(( (megabytes + 4) * 1024 * 1024 )) \
  "$bin" serve --data "$work/data" "${listen[@]}" >"$work/out" 2>"$work/log" &
pid=$!
for _ in $(seq 1 300); do [ -f "$work/data/run/endpoints.json" ] && break; sleep 0.1; done
port() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([l['port'] for l in d['listeners'] if l['protocol']==sys.argv[2]][0])" "$work/data/run/endpoints.json" "$1"; }
echo "bigpass1" | "$bin" user add big@example.test --password-stdin --data "$work/data" >/dev/null
python3 tests/Interchange.IntegrationTests/Clients/imap_big_messages.py --smtp-port "$(port smtp)" --imap-port "$(port imap)" \
  --pid "$pid" --user big@example.test --password bigpass1 --messages "$messages" --megabytes "$megabytes" --sessions "$sessions"
