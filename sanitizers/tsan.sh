#!/usr/bin/env bash
# The ThreadSanitizer build (nightly, -Zsanitizer=thread with -Zbuild-std; the C
# shim gets -fsanitize=thread; suppressions in sanitizers/tsan.supp).
# Installs what is missing, builds warden, runs the OCaml corpus against it and the torture
# program N times (default 10), prints "P passed, F failed" and writes
# results/tsan/summary.json.
#   sanitizers/tsan.sh [N] [--no-corpus] [--no-torture] [--corpus FILTER] [--name NAME]
# Settings: sanitizers/lib.sh (or --help); results explained in docs/sanitizers.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
san_main thread --name tsan "$@"
