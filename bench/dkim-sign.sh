#!/usr/bin/env bash
# DKIM signing cost per message: RSA-2048, Ed25519, both, and an ARC seal with both.
# Usage: bench/dkim-sign.sh [MESSAGES] [KIB]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench/DkimSignBench -v q -nologo >/dev/null
dotnet bench/DkimSignBench/bin/Release/net10.0/DkimSignBench.dll "${1:-1000}" "${2:-4}"
