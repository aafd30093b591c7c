#!/usr/bin/env bash
# The short sanitizer smoke for CI (.ci/run, after scripts/test.sh): TSan torture x3 and the
# C stubs built with -fsanitize=thread, the ASan unit tests, corpus and C stubs built with
# -fsanitize=address, the musl corpus, musl torture x3 and the musl float comparison.
# Installs what is missing, like the full scripts. Prints each
# step's result and time, ends with "P passed, F failed", exits non-zero if anything failed;
# results in results/smoke-{tsan,asan,musl}/. docs/sanitizers.md gives the time it takes.
#   sanitizers/ci-smoke.sh [TSAN_RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
tsan_runs=${1:-3}
status=0
passed=0 failed=0
t0=$(date +%s)
step() {
  local name=$1 start line
  shift
  start=$(date +%s)
  mkdir -p results
  # The whole output goes to the log; the progress lines to the console as well.
  set +e
  bash "$@" --name "smoke-$name" 2>&1 | tee "results/.smoke-$name.log" \
    | { grep --line-buffered -E '^(sanitizers: |torture [0-9])' >&2 || true; }
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  set -e
  mkdir -p "results/smoke-$name"
  mv "results/.smoke-$name.log" "results/smoke-$name/log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "results/smoke-$name/log" | tail -n 1 || true)
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  else
    failed=$((failed + 1))
    line="did not finish: see results/smoke-$name/log"
    tail -n 20 "results/smoke-$name/log" >&2
  fi
  echo "ci-smoke: $name: $line ($(($(date +%s) - start))s)" >&2
}
step tsan sanitizers/tsan.sh "$tsan_runs" --no-corpus
step asan sanitizers/asan.sh --no-torture
step musl sanitizers/musl.sh 3
echo "ci-smoke: total $(($(date +%s) - t0))s" >&2
echo "$passed passed, $failed failed"
exit $status
