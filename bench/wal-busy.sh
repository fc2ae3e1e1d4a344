#!/usr/bin/env bash
# What makes the single writer wait: commits with read-only readers alongside, then with an
# admin-CLI-like second writer too, for the current SQLite and the old 3.35.5.
# Usage: bench/wal-busy.sh [seconds per run, default 20]
set -euo pipefail
cd "$(dirname "$0")/WalBusyProbe"
s=${1:-20}
for old in false true; do
  out=$(mktemp -d)
  dotnet build -c Release -p:OldSqlite=$old -o "$out/bin" -v q -nologo >/dev/null
  for setup in "0 0" "4 0" "4 5"; do
    data=$(mktemp -d)
    echo "readers, CLI writes/s = $setup: $(dotnet "$out/bin/WalBusyProbe.dll" "$data" "$s" $setup)"
    rm -rf "$data"
  done
  rm -rf "$out"
done
