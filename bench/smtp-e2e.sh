#!/usr/bin/env bash
# SMTP accept rate and end-to-end delivery, Interchange against Postfix delivering over LMTP to
# Dovecot (the usual deployment; ../shared/peers has the reference setup), in the same run.
# For each case Postfix's smtp-source sends N messages to one fresh mailbox; "accept" is N over
# the time until smtp-source has every 250, "end to end" is N over the time until all N are
# visible to a reader (IMAP STATUS on Interchange, the Maildir on Dovecot's side). Both servers
# fsync before 250 and deliver while accepting. Untimed warm-up first; each cell is the median of
# RUNS runs, the two servers alternating.
# Usage: bench/smtp-e2e.sh [MESSAGES] [RUNS]   (needs root, postfix, dovecot-imapd, dovecot-lmtpd;
# installed when missing; defaults 2000, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-2000}
runs=${2:-3}
users=$((3 * runs + 2))
for pkg in postfix dovecot-imapd dovecot-lmtpd; do
  dpkg -s "$pkg" >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
done
work=$(mktemp -d /tmp/interchange-e2e-XXXXXX)
chmod 755 "$work"
ipid=""
cleanup() {
  [ -n "$ipid" ] && kill "$ipid" 2>/dev/null && wait "$ipid" 2>/dev/null || true
  tests/peers/postfix-instance.sh stop "$work/postfix" >/dev/null 2>&1 || true
  tests/peers/dovecot-instance.sh stop "$work/dovecot" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

freeport() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
dotnet build -c Release src/Interchange.Server -v q -nologo >/dev/null
bin=src/Interchange.Server/bin/Release/net10.0/interchange

listen=(--listen smtp=127.0.0.1:0 --listen imap=127.0.0.1:0 --listen http=127.0.0.1:0)
for p in submission submissions imaps pop3 pop3s https; do listen+=(--listen "$p=none"); done
INTERCHANGE__PrimaryDomain=example.test INTERCHANGE__Smtp__MaxConnectionsPerAddress=1000 INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback=true \
  "$bin" serve --data "$work/interchange" "${listen[@]}" >"$work/interchange.out" 2>"$work/interchange.log" &
ipid=$!
for _ in $(seq 1 300); do [ -f "$work/interchange/run/endpoints.json" ] && break; sleep 0.1; done
port_of() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([l['port'] for l in d['listeners'] if l['protocol']==sys.argv[2]][0])" "$work/interchange/run/endpoints.json" "$1"; }
ismtp=$(port_of smtp); iimap=$(port_of imap)
for i in $(seq 1 "$users"); do
  echo "password$i" | "$bin" user add "user$i@example.test" --password-stdin --data "$work/interchange" >/dev/null
done

dimap=$(freeport); dlmtp=$(freeport); psmtp=$(freeport)
tests/peers/dovecot-instance.sh start "$work/dovecot" "$dimap" "$users" "$dlmtp" >/dev/null
tests/peers/postfix-instance.sh start "$work/postfix" "$psmtp" lmtp example.test "127.0.0.1:$dlmtp" >/dev/null

user=0
# One run against one server: prints "accept/s e2e/s" for a fresh mailbox.
run() { # server sessions messages bytes
  local server=$1 sessions=$2 count=$3 bytes=$4 port t0 t1 t2
  user=$((user + 1))
  port=$ismtp; [ "$server" = peer ] && port=$psmtp
  sync
  t0=$(date +%s.%N)
  timeout -k 5 900 smtp-source -s "$sessions" -m "$count" -l "$bytes" -f loadgen@remote.test -t "user$user@example.test" -M loadgen.remote.test "127.0.0.1:$port"
  t1=$(date +%s.%N)
  if [ "$server" = peer ]; then
    t2=$(python3 bench/wait-visible.py maildir "$work/dovecot/mail/example.test/user$user/Maildir" "$count" 600)
  else
    t2=$(python3 bench/wait-visible.py imap "$iimap" "user$user@example.test" "password$user" "$count" 600)
  fi
  python3 -c "print(f'{$count/($t1-$t0):.0f} {$count/($t2-$t0):.0f}')"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

run ours 20 500 4096 >/dev/null  # warm-up, untimed (JIT, caches, both queues)
run peer 20 500 4096 >/dev/null

echo "smtp-e2e: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, commit $(git rev-parse --short HEAD), median of $runs; peer = Postfix $(postconf -d mail_version 2>/dev/null | cut -d' ' -f3) -> LMTP -> Dovecot $(dovecot --version | cut -d' ' -f1)"
printf '%-26s %9s %9s %6s   %9s %9s %6s\n' workload "accept/s" "peer/s" ratio "e2e/s" "peer/s" ratio
for case in "4096 20 $messages" "4096 1 $((messages / 4))" "102400 20 $((messages / 4))"; do
  set -- $case
  ia=(); ie=(); pa=(); pe=()
  for _ in $(seq 1 "$runs"); do
    read -r a e < <(run ours "$2" "$3" "$1"); ia+=("$a"); ie+=("$e")
    read -r a e < <(run peer "$2" "$3" "$1"); pa+=("$a"); pe+=("$e")
  done
  a1=$(printf '%s\n' "${ia[@]}" | median); a2=$(printf '%s\n' "${pa[@]}" | median)
  e1=$(printf '%s\n' "${ie[@]}" | median); e2=$(printf '%s\n' "${pe[@]}" | median)
  printf '%-26s %9s %9s %6s   %9s %9s %6s   (accept %s | %s; e2e %s | %s)\n' "$3 x $(($1 / 1024)) KiB, $2 sessions" \
    "$a1" "$a2" "$(ratio "$a1" "$a2")" "$e1" "$e2" "$(ratio "$e1" "$e2")" "${ia[*]}" "${pa[*]}" "${ie[*]}" "${pe[*]}"
done
