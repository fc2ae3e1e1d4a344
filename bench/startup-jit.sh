#!/usr/bin/env bash
# Start-up and the first load, JIT against ReadyToRun, with tiered PGO on (the .NET default) and
# off (issue 9 point 8): for each build, the median of RUNS warm starts (launch until every
# listener is bound: DATA/run/endpoints.json), then a fresh server's first SMTP load without any
# warm-up (smtp-source, 10 sessions, 4 KiB messages), whose rate includes the JIT's work.
# Usage: bench/startup-jit.sh [RUNS, default 5] [MESSAGES, default 2000]   (needs smtp-source)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
messages=${2:-2000}
work=$(mktemp -d /tmp/interchange-jit-XXXXXX)
trap '[ -f "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null; rm -rf "$work"' EXIT
rid=linux-x64
dotnet publish src/Interchange.Server -c Release -r $rid --self-contained false -o "$work/jit" -v q -nologo >/dev/null
dotnet publish src/Interchange.Server -c Release -r $rid --self-contained false -p:PublishReadyToRun=true -o "$work/r2r" -v q -nologo >/dev/null

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
start() { # $1 bin dir, $2 data; prints ms to listening (the pid goes to $work/pid: callers use $(...))
  local t0 t1
  t0=$(now_ms)
  INTERCHANGE__PrimaryDomain=example.test INTERCHANGE__Smtp__MaxConnectionsPerAddress=1000 \
    "$1/interchange" serve --data "$2" --listen smtp=127.0.0.1:0 --listen http=127.0.0.1:0 \
    --listen submission=none --listen submissions=none --listen imap=none --listen imaps=none \
    --listen pop3=none --listen pop3s=none --listen https=none >/dev/null 2>&1 &
  echo $! >"$work/pid"
  for _ in $(seq 1 1000); do [ -f "$2/run/endpoints.json" ] && break; sleep 0.01; done
  t1=$(now_ms)
  echo $((t1 - t0))
}
stop() { # not a child of this shell when started in $(...): wait for it to go
  local p; p=$(cat "$work/pid"); rm -f "$work/pid"
  kill -TERM "$p"; while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
}

echo "startup-jit: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, warm start median of $runs; first load $messages x 4 KiB, 10 sessions"
printf '%-22s %12s %16s\n' build "start ms" "first load msg/s"
for variant in "jit 1" "jit 0" "r2r 1" "r2r 0"; do
  set -- $variant
  export DOTNET_TieredPGO=$2
  data="$work/data-$1-$2"
  start "$work/$1" "$data" >/dev/null; stop   # first start: store, certificate, postmaster
  "$work/$1/interchange" user add user1@example.test --data "$data" >/dev/null
  starts=()
  for _ in $(seq 1 "$runs"); do starts+=("$(start "$work/$1" "$data")"); stop; done
  start "$work/$1" "$data" >/dev/null
  port=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([l['port'] for l in d['listeners'] if l['protocol']=='smtp'][0])" "$data/run/endpoints.json")
  t0=$(date +%s.%N)
  timeout -k 5 600 smtp-source -s 10 -m "$messages" -l 4096 -f loadgen@remote.test -t user1@example.test -M loadgen.remote.test "127.0.0.1:$port"
  t1=$(date +%s.%N)
  stop
  printf '%-22s %12s %16s   (starts: %s)\n' "$1, TieredPGO=$2" "$(printf '%s\n' "${starts[@]}" | median)" \
    "$(python3 -c "print(f'{$messages/($t1-$t0):.0f}')")" "${starts[*]}"
done
unset DOTNET_TieredPGO
