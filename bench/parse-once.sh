#!/usr/bin/env bash
# Parse once, at accept: CPU per message of the categorizer's Message-ID and of IMAP's first
# structure, before (parse) and after (the structure kept at accept).
# Usage: bench/parse-once.sh [MESSAGES] [ATTACHMENT_KIB]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench/ParseOnceBench -v q -nologo >/dev/null
dotnet bench/ParseOnceBench/bin/Release/net10.0/ParseOnceBench.dll "$(mktemp -d)" "${1:-2000}" "${2:-0}"
