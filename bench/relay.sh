#!/usr/bin/env bash
# Relay throughput, issue 10: N messages accepted over SMTP from loopback and relayed to an
# smtp-sink, Interchange against Postfix relaying to its own smtp-sink, in the same run. Postfix's
# smtp-source sends N messages (20 sessions, 4 KiB each) to one remote domain; "end to end" is N
# over the time until the sink has received all N (its dump files, on tmpfs, counted). Both
# servers fsync before 250 and relay while accepting; both sinks are the same program on their
# own loopback address. Untimed warm-up first; each figure is the median of RUNS runs, the two
# servers alternating.
# Usage: bench/relay.sh [MESSAGES] [RUNS]   (needs root and postfix; defaults 10000, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-10000}
runs=${2:-3}
dpkg -s postfix >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
work=$(mktemp -d /tmp/interchange-relay-XXXXXX)
sinks=$(mktemp -d /dev/shm/interchange-relay-sinks-XXXXXX)
chmod 755 "$work"; chmod 777 "$sinks"
ipid=""; spids=()
cleanup() {
  [ -n "$ipid" ] && kill "$ipid" 2>/dev/null && wait "$ipid" 2>/dev/null || true
  for p in "${spids[@]}"; do kill "$p" 2>/dev/null || true; done
  tests/peers/postfix-instance.sh stop "$work/postfix" >/dev/null 2>&1 || true
  rm -rf "$work" "$sinks"
}
trap cleanup EXIT

ours_sink=127.0.0.95; peer_sink=127.0.0.96
for who in ours peer; do
  addr=$ours_sink; [ "$who" = peer ] && addr=$peer_sink
  mkdir -m 777 -p "$sinks/$who"
  /usr/sbin/smtp-sink -u nobody -d "$sinks/$who/%H%M%S." "$addr:2525" 256 >/dev/null 2>&1 &
  spids+=($!)
done

freeport() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
dotnet build -c Release src/Interchange.Server -v q -nologo >/dev/null
bin=src/Interchange.Server/bin/Release/net10.0/interchange

listen=(--listen smtp=127.0.0.1:0 --listen http=127.0.0.1:0)
for p in submission submissions imap imaps pop3 pop3s https; do listen+=(--listen "$p=none"); done
INTERCHANGE__PrimaryDomain=relay.test INTERCHANGE__Smtp__MaxConnectionsPerAddress=1000 \
  INTERCHANGE__Smtp__RelayNetworks__0=127.0.0.0/8 \
  INTERCHANGE__Transport__Routes__0__AddressSpace=far.test INTERCHANGE__Transport__Routes__0__Connector=smtp \
  INTERCHANGE__Transport__Routes__0__SmartHost="[$ours_sink]:2525" \
  "$bin" serve --data "$work/interchange" "${listen[@]}" >"$work/interchange.out" 2>"$work/interchange.log" &
ipid=$!
for _ in $(seq 1 300); do [ -f "$work/interchange/run/endpoints.json" ] && break; sleep 0.1; done
ismtp=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([l['port'] for l in d['listeners'] if l['protocol']=='smtp'][0])" "$work/interchange/run/endpoints.json")

psmtp=$(freeport)
tests/peers/postfix-instance.sh start "$work/postfix" "$psmtp" relay far.test "$peer_sink:2525" >/dev/null
# Postfix's defaults for delivery to one destination (5 growing to 20 connections, connection
# cache); only the retry delays of the test instance are short.

# Waits until FOLDER holds COUNT files (bounded), prints the time it did.
wait_sink() {
  python3 - "$1" "$2" <<'PY'
import os, sys, time
folder, count = sys.argv[1], int(sys.argv[2])
deadline = time.time() + 900
while time.time() < deadline:
    if sum(1 for _ in os.scandir(folder)) >= count:
        print(f"{time.time():.3f}"); sys.exit(0)
    time.sleep(0.05)
sys.exit("sink did not receive every message in time")
PY
}

run() { # server count -> "accept/s e2e/s"
  local server=$1 count=$2 port=$ismtp folder t0 t1 t2
  [ "$server" = peer ] && port=$psmtp
  folder="$sinks/$server"
  find "$folder" -type f -delete
  sync
  t0=$(date +%s.%N)
  timeout -k 5 900 smtp-source -s 20 -m "$count" -l 4096 -f loadgen@remote.test -t "user@far.test" -M loadgen.remote.test "127.0.0.1:$port"
  t1=$(date +%s.%N)
  t2=$(wait_sink "$folder" "$count")
  python3 -c "print(f'{$count/($t1-$t0):.0f} {$count/($t2-$t0):.0f}')"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

run ours 1000 >/dev/null  # warm-up, untimed (JIT, caches, connections)
run peer 1000 >/dev/null

echo "relay: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, commit $(git rev-parse --short HEAD), $messages messages x 4 KiB over 20 sessions, median of $runs; peer = Postfix $(postconf -d mail_version 2>/dev/null | cut -d' ' -f3), both relaying to smtp-sink"
ia=(); ie=(); pa=(); pe=()
for _ in $(seq 1 "$runs"); do
  read -r a e < <(run ours "$messages"); ia+=("$a"); ie+=("$e")
  read -r a e < <(run peer "$messages"); pa+=("$a"); pe+=("$e")
done
ma=$(printf '%s\n' "${ia[@]}" | median); me=$(printf '%s\n' "${ie[@]}" | median)
pma=$(printf '%s\n' "${pa[@]}" | median); pme=$(printf '%s\n' "${pe[@]}" | median)
printf '%-12s %9s %9s %6s\n' "" "ours/s" "peer/s" ratio
printf '%-12s %9s %9s %6s\n' accept "$ma" "$pma" "$(ratio "$ma" "$pma")"
printf '%-12s %9s %9s %6s\n' "end to end" "$me" "$pme" "$(ratio "$me" "$pme")"
echo "runs: ours accept ${ia[*]} e2e ${ie[*]}; peer accept ${pa[*]} e2e ${pe[*]}"
