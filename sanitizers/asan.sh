#!/usr/bin/env bash
# The AddressSanitizer build (nightly, -Zsanitizer=address; the C shim gets
# -fsanitize=address).
# Installs what is missing, builds warden, runs the OCaml corpus against it and the torture
# program N times (default 10), prints "P passed, F failed" and writes
# results/asan/summary.json.
#   sanitizers/asan.sh [N] [--no-corpus] [--no-torture] [--corpus FILTER] [--name NAME]
# Settings: sanitizers/lib.sh (or --help); results explained in docs/sanitizers.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
san_main address --name asan "$@"
