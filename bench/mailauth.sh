#!/usr/bin/env bash
# Inbound verification (SPF fake, DKIM, ARC, DMARC) CPU cost per message, keys cached, DNS in memory.
# Usage: bench/mailauth.sh [MESSAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench/MailAuthBench -v q -nologo >/dev/null
dotnet bench/MailAuthBench/bin/Release/net10.0/MailAuthBench.dll "${1:-2000}"
