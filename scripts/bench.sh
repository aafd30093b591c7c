#!/usr/bin/env bash
# The benchmark suite (bench/, see bench/README.md): warden's production build against the
# stock ocamlrun, or the hardened build against production.
#
#   scripts/bench.sh [--runs N] [--startup-runs M] [--only NAME...]
#       builds warden production (cargo build --release), compiles bench/*.ml with the stock
#       ocamlc, runs production and the stock ocamlrun alternately, N runs each (default 5),
#       checks that every run printed the same output, and prints per program the median
#       time (user+sys for the sequential programs, wall for the parallel ones), the ratio
#       warden/stock, the peak RSS ratio, the 2-domain speed-up of the parallel programs,
#       the start-up time (an empty program, M runs, default 50) and the geometric mean.
#   scripts/bench.sh --hardened [--every] [--every-max S] [--write] [...]
#       the hardened build (cargo build --release --features hardened --target-dir
#       target/hardened) against production instead; --every also runs the hardened build
#       with WARDEN_VERIFY=every on the programs whose production time is at most S seconds
#       (default 10); --write puts the table into docs/hardened.md.
#   scripts/bench.sh --smoke [--hardened]
#       tiny sizes, one run each, checks the outputs agree; no timing (for CI).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

hardened=0 pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --hardened) hardened=1 ;;
    --smoke | --every) pass+=("$1") ;;
    --write) pass+=(--write docs/hardened.md) ;;
    --runs | --startup-runs | --every-max)
      [ $# -ge 2 ] || { echo "bench.sh: $1 needs a value" >&2; exit 2; }
      pass+=("$1" "$2"); shift ;;
    --only)
      pass+=(--only); shift
      while [ $# -gt 0 ] && [[ $1 != --* ]]; do pass+=("$1"); shift; done
      continue ;;
    *) echo "bench.sh: unknown option $1 (see the head of scripts/bench.sh)" >&2; exit 2 ;;
  esac
  shift
done
for p in "${pass[@]}"; do
  if [ $hardened = 0 ] && { [ "$p" = --every ] || [ "$p" = --write ]; }; then
    echo "bench.sh: $p goes with --hardened" >&2; exit 2
  fi
done

prefix=$(bash scripts/ocaml-toolchain.sh)
echo "bench: building warden production (cargo build --release) ..." >&2
cargo build --release --quiet --bin warden
prod=$(pwd)/target/release/warden
if [ $hardened = 1 ]; then
  echo "bench: building warden hardened (--features hardened, target/hardened) ..." >&2
  cargo build --release --quiet --bin warden --features hardened --target-dir target/hardened
  base="production=$prod" cand="hardened=$(pwd)/target/hardened/release/warden"
  what="the hardened build against the production build"
else
  base="stock=$prefix/bin/ocamlrun" cand="warden=$prod"
  what="the production build against the stock ocamlrun 5.3.0"
fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src 2>/dev/null || commit="$commit + uncommitted changes in src/"
exec python3 scripts/bench-run.py --ocamlc "$prefix/bin/ocamlc" --bench-dir bench \
  --baseline "$base" --candidate "$cand" --title "warden $commit: $what" \
  "${pass[@]}"
