#!/usr/bin/env bash
# Time for `interchange serve` to start (process launch until every listener is bound and
# endpoints.json is written) and to stop (SIGTERM until the process has exited), first start on
# an empty data folder and warm start, median of RUNS runs. Usage: bench/serve-start-stop.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
dotnet build -c Release src/Interchange.Server -v q -nologo >/dev/null
bin=src/Interchange.Server/bin/Release/net10.0/interchange
listen=()
for p in smtp submission submissions imap imaps pop3 pop3s http https; do listen+=(--listen "$p=127.0.0.1:0"); done

now_ms() { date +%s%3N; }
measure() { # $1 data folder; prints "start_ms stop_ms"
  local data=$1 t0 t1 t2 t3 pid
  t0=$(now_ms)
  "$bin" serve --data "$data" "${listen[@]}" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do [ -f "$data/run/endpoints.json" ] && break; sleep 0.01; done
  t1=$(now_ms)
  [ -f "$data/run/endpoints.json" ] || { echo "server did not start" >&2; kill -9 $pid; exit 1; }
  t2=$(now_ms)
  kill -TERM $pid
  wait $pid
  t3=$(now_ms)
  echo "$((t1 - t0)) $((t3 - t2))"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cold=(); warm=()
for _ in $(seq 1 "$runs"); do
  data=$(mktemp -d)/data
  cold+=("$(measure "$data")")
  warm+=("$(measure "$data")")
  rm -rf "$(dirname "$data")"
done
printf 'first start (empty folder: store, certificate, postmaster): start %s ms, stop %s ms\n' \
  "$(printf '%s\n' "${cold[@]}" | cut -d' ' -f1 | median)" "$(printf '%s\n' "${cold[@]}" | cut -d' ' -f2 | median)"
printf 'warm start (existing folder):                               start %s ms, stop %s ms\n' \
  "$(printf '%s\n' "${warm[@]}" | cut -d' ' -f1 | median)" "$(printf '%s\n' "${warm[@]}" | cut -d' ' -f2 | median)"
