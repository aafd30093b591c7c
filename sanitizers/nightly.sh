#!/usr/bin/env bash
# The nightly sanitizer job: tsan.sh, asan.sh and musl.sh, each with the corpus and N torture
# runs (default 200), one after the other, then the stock OCaml testsuite
# (scripts/stock-testsuite.sh) and ten minutes of the `run` fuzz target (scripts/fuzz.sh); a
# failing one does not stop the others. Prints each one's
# result and "P passed, F failed" over all, writes results/nightly.json (the summaries side
# by side) and exits non-zero if anything failed.
#   sanitizers/nightly.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
case $runs in '' | *[!0-9]*) echo "usage: sanitizers/nightly.sh [N]" >&2; exit 2 ;; esac

status=0
summaries=()
for job in tsan asan musl; do
  start=$(date +%s)
  echo "nightly: $job ($runs torture runs)" >&2
  mkdir -p results
  # The whole output goes to the log; the progress lines to the console as well.
  set +e
  bash "sanitizers/$job.sh" "$runs" --name "nightly-$job" 2>&1 | tee "results/.nightly-$job.log" \
    | { grep --line-buffered -E '^(sanitizers: |torture [0-9])' >&2 || true; }
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" = 0 ]; then result=passed; else result=failed; status=1; fi
  mkdir -p "results/nightly-$job"
  mv "results/.nightly-$job.log" "results/nightly-$job/log"
  echo "nightly: $job $result in $(($(date +%s) - start))s: $(tail -n 1 "results/nightly-$job/log")" >&2
  if [ -f "results/nightly-$job/summary.json" ]; then
    summaries+=("\"$job\": $(cat "results/nightly-$job/summary.json")")
  else
    summaries+=("\"$job\": {\"error\": \"no summary: see results/nightly-$job/log\"}")
  fi
done

# The stock OCaml testsuite with the test programs under warden (release build; about half an
# hour with 2 cores, plus as much for the stock side the first time: docs/stock-testsuite-status.md).
start=$(date +%s)
echo "nightly: stock-testsuite" >&2
mkdir -p results/nightly-stock-testsuite
set +e
bash scripts/stock-testsuite.sh -j "$(nproc)" >results/nightly-stock-testsuite/log 2>&1
rc=$?
set -e
if [ "$rc" = 0 ]; then result=passed; else result=failed; status=1; fi
echo "nightly: stock-testsuite $result in $(($(date +%s) - start))s: $(tail -n 1 results/nightly-stock-testsuite/log)" >&2
summaries+=("\"stock-testsuite\": {\"result\": \"$(tail -n 1 results/nightly-stock-testsuite/log)\"}")

# Ten minutes of the fuzz target that generates, verifies and runs code (scripts/fuzz.sh run):
# any crash, panic or hang fails it (the input that did it lands in fuzz/artifacts/run).
start=$(date +%s)
echo "nightly: fuzz-run" >&2
mkdir -p results/nightly-fuzz-run
set +e
bash scripts/fuzz.sh "${WARDEN_FUZZ_SECONDS:-600}" run >results/nightly-fuzz-run/log 2>&1
rc=$?
set -e
if [ "$rc" = 0 ]; then result=passed; echo "1 passed, 0 failed"; else result=failed; status=1; echo "0 passed, 1 failed"; fi \
  >>results/nightly-fuzz-run/log
echo "nightly: fuzz-run $result in $(($(date +%s) - start))s" >&2
summaries+=("\"fuzz-run\": {\"result\": \"$result\"}")

# Totals from the summaries' last lines ("P passed, F failed").
passed=0 failed=0
for job in tsan asan musl stock-testsuite fuzz-run; do
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "results/nightly-$job/log" | tail -n 1 || true)
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  else
    failed=$((failed + 1))
  fi
done
{
  echo "{"
  for i in "${!summaries[@]}"; do
    [ "$i" -gt 0 ] && echo ","
    echo "${summaries[$i]}"
  done
  echo "}"
} >results/nightly.json
echo "nightly: summaries in results/nightly.json" >&2
echo "$passed passed, $failed failed"
exit $status
