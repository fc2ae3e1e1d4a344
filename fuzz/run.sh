#!/usr/bin/env bash
# fuzz/run.sh TARGET SECONDS: coverage-guided fuzzing of one target (or "all", SECONDS shared
# between them) with SharpFuzz and AFL++ (docs/FUZZING.md). Seeds: fuzz/corpus/TARGET (and the
# MIME test corpus for "message"). Exits 1 when a crash or a hang was found, after printing
# the inputs (saved under fuzz/out/findings/TARGET/default/{crashes,hangs}) and a replay of each.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: fuzz/run.sh {message|imap|all} SECONDS" >&2
  exit 2
fi
target=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
out=$here/out
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++" >&2; exit 2; }

case $target in
  all) targets=(message imap) ;;
  message|imap) targets=("$target") ;;
  *) echo "unknown target $target (message, imap, all)" >&2; exit 2 ;;
esac
share=$(( seconds / ${#targets[@]} ))
[ "$share" -ge 5 ] || share=5

# A fresh build each time: SharpFuzz rewrites the assemblies in place, once.
rm -rf "$out/bin"
(cd "$here" && dotnet tool restore >/dev/null)
dotnet publish "$here/Interchange.Fuzz" -c Release -o "$out/bin" -v q --nologo >/dev/null
for assembly in Interchange.Mime.dll Interchange.Imap.dll; do
  (cd "$here" && dotnet tool run sharpfuzz "$out/bin/$assembly" >/dev/null)
done

found=0
for t in "${targets[@]}"; do
  seeds=$out/seeds/$t
  findings=$out/findings/$t
  rm -rf "$seeds" "$findings"
  mkdir -p "$seeds" "$(dirname "$findings")"
  cp "$here/corpus/$t/"* "$seeds/" 2>/dev/null || true
  if [ "$t" = message ]; then
    cp "$repo/tests/Interchange.Tests/Mime/Corpus/"*.eml "$seeds/"
  fi

  # A seed that crashes would stop afl-fuzz in its dry run: replay them first, to say which.
  if ! replay=$(timeout 300 dotnet "$out/bin/Interchange.Fuzz.dll" "$t" --replay "$seeds"/* 2>&1); then
    echo "$replay" | tail -n 25
    echo "a seed of $t crashes (the last file named above)"
    found=1
    continue
  fi

  echo "fuzzing $t for ${share}s"
  # AFL++ runs "dotnet" (not instrumented itself: SharpFuzz reports coverage from the
  # rewritten assemblies); no core dumps, no CPU pinning on a shared machine; -t is generous
  # because two cores are shared with builds, and anything slower than it is reported as a hang.
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
  AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    timeout -k 10 $(( share + 120 )) \
    afl-fuzz -i "$seeds" -o "$findings" -V "$share" -t 10000 -m none -- "$(command -v dotnet)" "$out/bin/Interchange.Fuzz.dll" "$t" \
    > "$out/afl-$t.log" 2>&1 || { echo "afl-fuzz failed for $t:"; tail -n 30 "$out/afl-$t.log"; exit 2; }
  grep -E "execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs" "$findings/default/fuzzer_stats" | tr -s ' ' | paste -sd ' ' -

  for kind in crashes hangs; do
    for input in "$findings/default/$kind"/id*; do
      [ -e "$input" ] || continue
      found=1
      echo "== $t: $kind: $input (base64 below); replay:"
      base64 -w 0 "$input"; echo
      timeout 60 dotnet "$out/bin/Interchange.Fuzz.dll" "$t" --replay "$input" 2>&1 | tail -n 20 || true
    done
  done
done

if [ "$found" -ne 0 ]; then
  echo "fuzzing found crashes or hangs: add each input to fuzz/corpus/TARGET once fixed"
  exit 1
fi
echo "fuzzing found nothing"
