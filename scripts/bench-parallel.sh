#!/usr/bin/env bash
# Parallel allocation benchmark (bench/parallel_alloc.ml): the same total work on 1 and 2
# domains, under warden's release build and the stock ocamlrun, measured side by side.
# Prints the times and the ratios (speed-up of 2 domains over 1, warden over stock).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
prefix=$(bash scripts/ocaml-toolchain.sh)
cargo build --release --quiet
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp bench/parallel_alloc.ml "$work/"
(cd "$work" && "$prefix/bin/ocamlc" -o par.byte parallel_alloc.ml)
best() { # runtime domains -> best wall time of 3 runs, in seconds
  local t best=999
  for _ in 1 2 3; do
    t=$( { /usr/bin/time -f %e "$1" "$work/par.byte" "$2" >/dev/null; } 2>&1 | tail -1)
    best=$(python3 -c "print(min($best, $t))")
  done
  echo "$best"
}
w1=$(best target/release/warden 1); w2=$(best target/release/warden 2)
s1=$(best "$prefix/bin/ocamlrun" 1); s2=$(best "$prefix/bin/ocamlrun" 2)
python3 - "$w1" "$w2" "$s1" "$s2" <<'PY'
import sys
w1, w2, s1, s2 = map(float, sys.argv[1:])
print(f"warden : 1 domain {w1:.2f}s, 2 domains {w2:.2f}s, speed-up {w1 / w2:.2f}x")
print(f"ocamlrun: 1 domain {s1:.2f}s, 2 domains {s2:.2f}s, speed-up {s1 / s2:.2f}x")
print(f"warden 2-domain time / ocamlrun 2-domain time: {w2 / s2:.2f}")
PY
