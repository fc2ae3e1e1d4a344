# Sourced by the IMAP benchmarks (installs Debian's dovecot-imapd when missing): starts Interchange (Release, IMAP on loopback, user
# user1@example.test / benchpass1) and a Dovecot instance (tests/peers/dovecot-instance.sh,
# user1@example.test / pass) under a fresh work folder, both with the same MESSAGES-message
# INBOX (appended over IMAP by bench/imap-load.py --populate); removes everything at exit.
# Sets: work, iport, dport, ipid. Environment for the server may be passed in INTERCHANGE_ENV
# (an array of NAME=VALUE). Usage: start_imap_peers NAME MESSAGES
start_imap_peers() {
  local name=$1 messages=$2
  if ! command -v dovecot >/dev/null; then
    # The peer (Debian's package; its own service is left as the package sets it up, our instance
    # runs beside it on other ports).
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  fi
  work=$(mktemp -d "/tmp/interchange-$name-XXXXXX"); chmod 755 "$work"
  ipid=""
  trap 'stop_imap_peers' EXIT
  dotnet build -c Release src/Interchange.Server -v q -nologo >/dev/null
  local bin=src/Interchange.Server/bin/Release/net10.0/interchange
  local listen=(--listen imap=127.0.0.1:0 --listen http=127.0.0.1:0)
  for p in smtp submission submissions imaps pop3 pop3s https; do listen+=(--listen "$p=none"); done
  env INTERCHANGE__PrimaryDomain=example.test INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback=true "${INTERCHANGE_ENV[@]}" \
    "$bin" serve --data "$work/interchange" "${listen[@]}" >"$work/interchange.out" 2>"$work/interchange.log" &
  ipid=$!
  for _ in $(seq 1 300); do [ -f "$work/interchange/run/endpoints.json" ] && break; sleep 0.1; done
  iport=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([l['port'] for l in d['listeners'] if l['protocol']=='imap'][0])" "$work/interchange/run/endpoints.json")
  echo "benchpass1" | "$bin" user add user1@example.test --password-stdin --data "$work/interchange" >/dev/null
  dport=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
  tests/peers/dovecot-instance.sh start "$work/dovecot" "$dport" 1 >/dev/null
  python3 bench/imap-load.py --port "$iport" --user user1@example.test --password benchpass1 --clients 1 --duration 1 --populate "$messages" >/dev/null
  python3 bench/imap-load.py --port "$dport" --user user1@example.test --password pass --clients 1 --duration 1 --populate "$messages" >/dev/null
}

stop_imap_peers() {
  [ -n "${ipid:-}" ] && kill "$ipid" 2>/dev/null && wait "$ipid" 2>/dev/null || true
  tests/peers/dovecot-instance.sh stop "$work/dovecot" >/dev/null 2>&1 || true
  rm -rf "$work"
}
