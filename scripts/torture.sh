#!/usr/bin/env bash
# Runs the GC torture test (tests/ocaml/gc_torture.ml) N times with seeds base..base+N-1,
# prints a progress line, the seeds that failed, and ends with "P passed, F failed".
#
#   scripts/torture.sh N [--debug] [--minor-heap WORDS] [--runtime PATH] [--rounds R]
#                        [--seed BASE] [--control]
#
# --debug uses target/debug/warden (default: release); --runtime runs another runtime;
# --control runs the stock ocamlrun as a control, with the strict statistics checks off.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
runs=${1:?usage: scripts/torture.sh N [options]}; shift
profile=release runtime="" minor="" rounds=3 base=1 strict=1
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug ;;
    --minor-heap) minor=$2; shift ;;
    --runtime) runtime=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --seed) base=$2; shift ;;
    --control) strict=0 ;;
    *) echo "torture.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
prefix=$(bash scripts/ocaml-toolchain.sh)
if [ "$strict" = 0 ]; then
  runtime=${runtime:-$prefix/bin/ocamlrun}
elif [ -z "$runtime" ]; then
  if [ "$profile" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
  runtime=target/$profile/warden
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp tests/ocaml/gc_torture.ml "$work/"
(cd "$work" && "$prefix/bin/ocamlc" -o gc_torture.byte gc_torture.ml)
param=${minor:+s=$minor}
passed=0 failed=0 failing=()
for ((i = 0; i < runs; i++)); do
  seed=$((base + i))
  if out=$(WARDEN_TORTURE_STRICT=$strict OCAMLRUNPARAM=$param timeout 300 "$runtime" "$work/gc_torture.byte" "$seed" "$rounds" 2>&1) \
     && [ "$out" = "gc_torture: ok" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failing+=("$seed")
    printf '\nseed %d failed:\n%s\n' "$seed" "$(printf '%s\n' "$out" | head -20)"
  fi
  printf '\r[%d/%d] passed %d failed %d' "$((i + 1))" "$runs" "$passed" "$failed"
done
echo
[ ${#failing[@]} -eq 0 ] || echo "failing seeds: ${failing[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
