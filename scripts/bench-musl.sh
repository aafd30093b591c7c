#!/usr/bin/env bash
# The static musl build's speed against the glibc build: both release builds run the same
# programs side by side (bench/parallel_alloc.ml on 1 and 2 domains, and corpus programs
# that allocate, sort and loop), best wall time of R runs each, and the ratio musl/glibc per
# program with the geometric mean. Installs the musl target and musl-tools when missing.
#   scripts/bench-musl.sh [--runs R]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
. sanitizers/lib.sh
runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift ;;
    *) echo "bench-musl.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
prefix=$(bash scripts/ocaml-toolchain.sh)
san_need_musl
echo "bench-musl: building the glibc and the static musl release builds ..." >&2
cargo build --release --quiet --bin warden
cargo build --release --quiet --bin warden --target "$SAN_MUSL_TARGET"
glibc=target/release/warden
musl=target/$SAN_MUSL_TARGET/release/warden
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
progs=(bench/parallel_alloc.ml tests/ocaml/big_lists.ml tests/ocaml/array_sort.ml
       tests/ocaml/float_arrays.ml tests/ocaml/queue_stack.ml tests/ocaml/tail_loops.ml)
for p in "${progs[@]}"; do cp "$p" "$work/"; (cd "$work" && "$prefix/bin/ocamlc" -o "$(basename "$p" .ml).byte" "$(basename "$p")"); done
best() { # runtime byte args... -> best wall time in seconds
  local rt=$1; shift
  local b=""
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f %e -o "$work/time" "$rt" "$@" </dev/null >/dev/null 2>&1
    local t; t=$(tail -1 "$work/time")
    if [ -z "$b" ] || python3 -c "import sys; sys.exit(0 if $t < $b else 1)"; then b=$t; fi
  done
  echo "$b"
}
rows=()
for p in "${progs[@]}"; do
  name=$(basename "$p" .ml)
  if [ "$name" = parallel_alloc ]; then
    for d in 1 2; do
      rows+=("${name}_$d $(best "$glibc" "$work/$name.byte" "$d") $(best "$musl" "$work/$name.byte" "$d")")
    done
  else
    rows+=("$name $(best "$glibc" "$work/$name.byte") $(best "$musl" "$work/$name.byte")")
  fi
done
python3 - "${rows[@]}" <<'PY'
import math, sys
rows = [r.split() for r in sys.argv[1:]]
print("| program | glibc (s) | musl (s) | musl / glibc |")
print("|---|---:|---:|---:|")
ratios = []
for name, g, m in rows:
    r = float(m) / max(float(g), 0.01)
    ratios.append(r)
    print(f"| {name} | {float(g):.2f} | {float(m):.2f} | {r:.2f}x |")
print(f"| **geometric mean** | | | **{math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}x** |")
PY
