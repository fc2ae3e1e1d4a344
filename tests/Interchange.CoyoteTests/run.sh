#!/usr/bin/env bash
# Systematic concurrency tests (README.md beside this script): build, rewrite the assemblies under test so that
# Coyote controls their tasks and awaits, then explore each [Test] method for a bounded number of
# schedules. A bug found prints its iteration and leaves a replayable trace in $out/Output/.
# Usage: run.sh [iterations per test, default 200] [method name filter]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
iterations=${1:-200}
filter=${2:-}
out=$(mktemp -d /tmp/interchange-coyote.XXXXXX)
export DOTNET_ROLL_FORWARD=Major # the coyote tool targets .NET 8
export COYOTE_CLI_TELEMETRY_OPTOUT=1

(cd "$here" && dotnet tool restore >/dev/null)
dotnet build "$here/Interchange.CoyoteTests.csproj" -c Debug -o "$out" -v q -nologo >"$out/build.log" 2>&1 \
  || { grep -E "error|warn" "$out/build.log" | sort -u; exit 1; }
# The assemblies whose tasks, awaits and yields Coyote must control: the tests and the code under test.
cat >"$out/rewrite.coyote.json" <<JSON
{ "AssembliesPath": "$out", "Assemblies": [ "Interchange.CoyoteTests.dll", "Interchange.Core.dll",
  "Interchange.Directory.dll", "Interchange.Imap.dll", "Interchange.Storage.dll", "Interchange.Transport.dll",
  "Interchange.Mime.dll" ] }
JSON
coyote() { (cd "$here" && dotnet tool run coyote "$@"); }
coyote rewrite "$out/rewrite.coyote.json" >"$out/rewrite.log" 2>&1 || { cat "$out/rewrite.log"; exit 1; }

# Every public static method marked [Test] in the test assembly, by its full name.
mapfile -t tests < <(cd "$here" && grep -rlE '\[Test\]' --include=*.cs . | while read -r file; do
    ns=$(grep -m1 -oE '^namespace [A-Za-z0-9_.]+' "$file" | cut -d' ' -f2)
    class=$(grep -m1 -oE 'public static class [A-Za-z0-9_]+' "$file" | awk '{print $4}')
    grep -A1 -E '^\s*\[Test\]' "$file" | grep -oE 'Task [A-Za-z0-9_]+\(' | sed -E "s/Task ([A-Za-z0-9_]+)\(/$ns.$class.\1/"
  done)

failed=0
for test in "${tests[@]}"; do
  [[ -z "$filter" || "$test" == *"$filter"* ]] || continue
  if coyote test "$out/Interchange.CoyoteTests.dll" -m "$test" -i "$iterations" -ms 2000 -o "$out/Output/${test##*.}" >"$out/$test.log" 2>&1 \
     && ! grep -q "Found [1-9][0-9]* bug" "$out/$test.log"; then
    echo "coyote: $test: no bug in $iterations iterations"
  else
    echo "coyote: $test: FAILED"
    grep -E "Error|bug|Trace|Assert|iteration" "$out/$test.log" | head -20
    failed=$((failed + 1))
  fi
done
[ "${#tests[@]}" -gt 0 ] || { echo "coyote: no tests found"; exit 1; }
if [ "$failed" -eq 0 ]; then rm -rf "$out"; else echo "coyote: traces and logs kept in $out"; fi
exit "$failed"
