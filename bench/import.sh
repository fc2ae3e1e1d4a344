#!/usr/bin/env bash
# Bulk import rate: USERS users with PBKDF2 hashes (precomputed at low cost by Python's hashlib,
# so the bench measures the import, not hashing), USERS/10 aliases (each to a user and a remote
# address) and USERS/100 groups of 10 members, as one CSV; `interchange import` into a fresh
# data folder, then the same file again (the idempotent no-op). Prints entries/s and wall time.
# Usage: bench/import.sh [USERS] [BATCH]
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-100000}
batch=${2:-1000}
dotnet build -c Release src/Interchange.Server -v q -nologo >/dev/null
bin=src/Interchange.Server/bin/Release/net10.0/interchange
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$users" "$work/dir.csv" <<'PY'
import base64, hashlib, os, sys
users, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", newline="") as f:
    f.write("type,address,password_hash,disabled,role,targets\r\n")
    for i in range(users):
        salt = os.urandom(16)
        dk = hashlib.pbkdf2_hmac("sha256", b"password%d" % i, salt, 10, 32)
        h = "$pbkdf2-sha256$i=10$%s$%s" % (base64.b64encode(salt).decode(), base64.b64encode(dk).decode())
        f.write("user,user%d@d%d.bench,%s,,,\r\n" % (i, i % 20, h))
    for i in range(users // 10):
        f.write("alias,alias%d@d%d.bench,,,,user%d@d%d.bench someone%d@remote.example\r\n" % (i, i % 20, i, i % 20, i))
    for g in range(users // 100):
        members = " ".join("user%d@d%d.bench" % (g * 10 + k, (g * 10 + k) % 20) for k in range(10))
        f.write("group,group%d@d%d.bench,,,,%s\r\n" % (g, g % 20, members))
PY
entries=$((users + users / 10 + users / 100))

# A data folder made as an administrator makes one: one start of the server.
"$bin" serve --data "$work/data" --listen http=127.0.0.1:0 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -f "$work/data/run/endpoints.json" ] && break; sleep 0.05; done
kill -TERM $pid; wait $pid || true

run() { # $1 label
  local t0 t1
  t0=$(date +%s%3N)
  "$bin" import "$work/dir.csv" --data "$work/data" --batch "$batch" >"$work/out.txt" 2>&1 || true
  t1=$(date +%s%3N)
  local ms=$((t1 - t0))
  printf '%-10s %7d entries in %6.1f s: %7.0f entries/s   (%s)\n' "$1" "$entries" "$(echo "$ms/1000" | bc -l)" "$(echo "$entries*1000/$ms" | bc -l)" "$(head -1 "$work/out.txt")"
}
echo "import: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $users users + $((users / 10)) aliases + $((users / 100)) groups, batch $batch, $(du -h "$work/dir.csv" | cut -f1) CSV"
run "first"
run "again"
