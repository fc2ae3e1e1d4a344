#!/usr/bin/env bash
# Group-commit write throughput of the embedded SQLite store, 1 and 32 concurrent writers,
# against one-fsync-per-transaction in the same run. Usage: bench/store-write.sh [TRANSACTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench/StoreWriteBench -v q -nologo >/dev/null
dotnet bench/StoreWriteBench/bin/Release/net10.0/StoreWriteBench.dll "$(mktemp -d)" "${1:-3200}"
