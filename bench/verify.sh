#!/usr/bin/env bash
# The cost of judging received mail (issue 11): messages/s accepted on port 25 with inbound
# verification (SPF, DKIM, ARC, DMARC, Authentication-Results) on and off, in the same run. Two
# Interchange servers (one with Smtp:Authentication:Enabled=false) take the same DKIM-signed
# 4 KiB message (signed once by python3-dkim, RSA-2048, relaxed/relaxed) from Postfix's
# smtp-source (-F: a pre-formatted message), from a sender domain with SPF, DKIM and DMARC
# records served by dnsmasq on 127.0.0.131; the DNS cache is on, as in production (each message
# still costs the SPF check, the DKIM signature check and the DMARC evaluation). The servers
# alternate; each figure is the median of RUNS runs, after an untimed warm-up.
# Usage: bench/verify.sh [MESSAGES] [RUNS]   (needs root, postfix, dnsmasq, python3-dkim; defaults 5000, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-5000}
runs=${2:-3}
work=$(mktemp -d /tmp/interchange-verify-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
command -v smtp-source >/dev/null || { echo "smtp-source missing: apt-get install postfix" >&2; exit 2; }
dns=127.0.0.131

openssl genrsa -out "$work/dkim.pem" 2048 2>/dev/null
pub=$(openssl rsa -in "$work/dkim.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
/usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=$dns --port=53 \
  --txt-record=bench.test,"v=spf1 ip4:127.0.0.0/8 -all" --txt-record=_dmarc.bench.test,"v=DMARC1; p=reject" \
  --txt-record=sel._domainkey.bench.test,"v=DKIM1; k=rsa; p=${pub:0:200}","${pub:200}" --pid-file="$work/dnsmasq.pid" &
pids+=($!)

# The message: signed over its CRLF form, written with LF (smtp-source -F appends CRLF to each line).
/usr/bin/python3 - "$work/dkim.pem" "$work/message.txt" <<'PY'
import sys, dkim
from email.utils import formatdate
body = "".join(f"Line {i:04d} of the body of a message of about four kilobytes, to be verified.\r\n" for i in range(48))
msg = ("From: Load <load@bench.test>\r\nTo: user1@mx.test\r\nSubject: verification cost\r\n"
       f"Date: {formatdate()}\r\nMessage-ID: <bench@bench.test>\r\n\r\n" + body).encode()
sig = dkim.sign(msg, b"sel", b"bench.test", open(sys.argv[1], "rb").read(), canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
open(sys.argv[2], "wb").write((sig + msg).replace(b"\r\n", b"\n"))
PY

dotnet build -c Release src/Interchange.Server -v q -nologo >/dev/null
bin=src/Interchange.Server/bin/Release/net10.0/interchange
listen=(--listen smtp=127.0.0.1:0 --listen http=127.0.0.1:0)
for p in submission submissions imap imaps pop3 pop3s https; do listen+=(--listen "$p=none"); done
start() { # name enabled
  INTERCHANGE__PrimaryDomain=mx.test INTERCHANGE__Smtp__MaxConnectionsPerAddress=1000 \
    INTERCHANGE__Transport__Dns__Servers__0=$dns INTERCHANGE__Smtp__Authentication__Enabled=$2 \
    "$bin" serve --data "$work/$1" "${listen[@]}" >"$work/$1.out" 2>"$work/$1.log" &
  pids+=($!)
  for _ in $(seq 1 300); do [ -f "$work/$1/run/endpoints.json" ] && break; sleep 0.1; done
  "$bin" user add user1@mx.test --data "$work/$1" >/dev/null
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([l['port'] for l in d['listeners'] if l['protocol']=='smtp'][0])" "$work/$1/run/endpoints.json"
}
on=$(start on true)
off=$(start off false)

run() { # port messages
  local t0 t1
  t0=$(date +%s.%N)
  timeout -k 5 900 smtp-source -s 20 -m "$2" -F "$work/message.txt" -f load@bench.test -t user1@mx.test -M load.bench.test "127.0.0.1:$1"
  t1=$(date +%s.%N)
  python3 -c "print(f'{$2/($t1-$t0):.0f}')"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run "$on" 500 >/dev/null; run "$off" 500 >/dev/null   # warm-up, untimed
ons=(); offs=()
for _ in $(seq 1 "$runs"); do
  ons+=("$(run "$on" "$messages")")
  offs+=("$(run "$off" "$messages")")
done
o=$(printf '%s\n' "${ons[@]}" | median); f=$(printf '%s\n' "${offs[@]}" | median)
echo "verify: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $messages x 4 KiB DKIM-signed, 20 sessions, median of $runs"
printf 'verification on:  %s msg/s  (runs: %s)\n' "$o" "${ons[*]}"
printf 'verification off: %s msg/s  (runs: %s)\n' "$f" "${offs[*]}"
python3 -c "print(f'on/off: {$o/$f:.2f}; cost per message: {1000/$o - 1000/$f:.2f} ms of wall time at this concurrency')"
# What the verified messages got: the Authentication-Results of one of them.
sleep 2
uid=$("$bin" message list user1@mx.test --data "$work/on" | awk 'NR==2 {print $1}')
"$bin" message show user1@mx.test "$uid" --data "$work/on" | grep -A3 '^Authentication-Results' | head -4
