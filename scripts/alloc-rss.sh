#!/usr/bin/env bash
# Runs bench/alloc_churn.ml (about 20 GB of short-lived allocation) under warden's release
# build and prints its peak RSS; fails if the peak is 100 MB or more.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
prefix=$(scripts/ocaml-toolchain.sh)
cargo build --release --quiet
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
cp bench/alloc_churn.ml "$out/"
(cd "$out" && "$prefix/bin/ocamlc" -o churn.byte alloc_churn.ml)
/usr/bin/time -f "%M %e" -o "$out/time" target/release/warden "$out/churn.byte"
read -r kb secs < "$out/time"
echo "warden peak RSS: $((kb / 1024)) MB, time ${secs}s"
[ "$kb" -lt $((100 * 1024)) ] || { echo "FAIL: peak RSS is not under 100 MB"; exit 1; }
echo "1 passed, 0 failed"
