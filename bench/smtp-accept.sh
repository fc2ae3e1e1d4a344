#!/usr/bin/env bash
# SMTP accept throughput, Interchange against Postfix in the same run (issue: SMTP receive).
# Postfix's smtp-source sends N messages to Interchange, then the same to a Postfix instance
# that accepts the same domain on another loopback port and delivers to maildirs. Both fsync
# before 250 (Postfix: the queue file; Interchange: the blob and the queue commit), and both
# deliver in the background while accepting. Prints messages/s for each and the ratio.
# Both get an untimed warm-up first (Interchange JIT-compiles on first use), the same connection
# limits (none per client), and each cell is the median of RUNS runs.
# Usage: bench/smtp-accept.sh [MESSAGES] [RUNS]   (needs root, postfix; defaults 5000, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-5000}
runs=${2:-3}
work=$(mktemp -d /tmp/interchange-bench-XXXXXX)
chmod 755 "$work"  # the postfix and vmail users must reach their directories inside
ipid=""
cleanup() {
  [ -n "$ipid" ] && kill "$ipid" 2>/dev/null && wait "$ipid" 2>/dev/null || true
  tests/peers/postfix-instance.sh stop "$work/postfix" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v smtp-source >/dev/null || { echo "smtp-source missing: apt-get install postfix" >&2; exit 2; }
dotnet build -c Release src/Interchange.Server -v q -nologo >/dev/null
bin=src/Interchange.Server/bin/Release/net10.0/interchange

listen=(--listen smtp=127.0.0.1:0 --listen http=127.0.0.1:0)
for p in submission submissions imap imaps pop3 pop3s https; do listen+=(--listen "$p=none"); done
INTERCHANGE__PrimaryDomain=example.test INTERCHANGE__Smtp__MaxConnectionsPerAddress=1000 "$bin" serve --data "$work/interchange" "${listen[@]}" >"$work/interchange.out" 2>"$work/interchange.log" &
ipid=$!
for _ in $(seq 1 300); do [ -f "$work/interchange/run/endpoints.json" ] && break; sleep 0.1; done
iport=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([l['port'] for l in d['listeners'] if l['protocol']=='smtp'][0])" "$work/interchange/run/endpoints.json")
"$bin" user add user1@example.test --data "$work/interchange" >/dev/null

pport=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
tests/peers/postfix-instance.sh start "$work/postfix" "$pport" accept example.test >/dev/null

# One run: prints msgs/s; fails if any message was not accepted (smtp-source stops on errors).
run() { # port sessions messages bytes
  local t0 t1
  t0=$(date +%s.%N)
  timeout -k 5 900 smtp-source -s "$2" -m "$3" -l "$4" -f loadgen@remote.test -t user1@example.test -M loadgen.remote.test "127.0.0.1:$1"
  t1=$(date +%s.%N)
  python3 -c "print(f'{$3/($t1-$t0):.0f}')"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run "$iport" 20 1000 4096 >/dev/null  # warm-up, untimed
run "$pport" 20 1000 4096 >/dev/null

echo "smtp-accept: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, smtp-source without -d (one connection per message), median of $runs"
printf '%-28s %14s %14s %8s\n' workload "interchange/s" "postfix/s" ratio
for case in "4096 20 $messages" "102400 20 $((messages / 5))" "4096 1 $((messages / 5))"; do
  set -- $case
  is=(); ps=()
  for _ in $(seq 1 "$runs"); do
    is+=("$(run "$iport" "$2" "$3" "$1")")
    ps+=("$(run "$pport" "$2" "$3" "$1")")
  done
  i=$(printf '%s\n' "${is[@]}" | median); p=$(printf '%s\n' "${ps[@]}" | median)
  printf '%-28s %14s %14s %8s   (runs: %s | %s)\n' "$3 x $(($1 / 1024)) KiB, $2 sessions" "$i" "$p" "$(python3 -c "print(f'{$i/$p:.2f}')")" "${is[*]}" "${ps[*]}"
done
echo "interchange queue after the runs: $("$bin" queue status --data "$work/interchange" | tr '\n' ';')"
