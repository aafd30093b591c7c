#!/usr/bin/env bash
# The static musl build (stable, cargo build --release --target
# x86_64-unknown-linux-musl; the C shim is compiled with musl-gcc).
# Installs what is missing, builds warden, runs the OCaml corpus against it and the torture
# program N times (default 10), prints "P passed, F failed" and writes
# results/musl/summary.json.
#   sanitizers/musl.sh [N] [--no-corpus] [--no-torture] [--corpus FILTER] [--name NAME]
# Settings: sanitizers/lib.sh (or --help); results explained in docs/sanitizers.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
san_main musl --name musl "$@"
