#!/usr/bin/env bash
# The cost of C stub calls, warden's production build against the stock ocamlrun, side by
# side: a trivial stub (`nop`) and one that allocates a pair (`alloc`), bench/stubs/.
#
#   scripts/bench-stubs.sh [--runs N] [--calls C]
#       builds warden (cargo build --release), the stub library with the stock ocamlc and
#       ocamlmklib, runs each program N times (default 5) alternately under both runtimes
#       with C calls (default 20000000), checks the outputs agree, and prints the median
#       user+sys times, ns per call and the ratio warden/stock.
#   scripts/bench-stubs.sh --callgrind
#       instead of times, instructions per loop iteration under valgrind --tool=callgrind
#       (repeatable on a busy machine): the difference of runs with 200000 and 100000
#       calls, after a run that fills warden's verification cache (its key differs under
#       valgrind, and a cold cache in one run would move the difference by ~28; the cache
#       is one of its own, under target/tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
runs=5 calls=20000000 callgrind=0
while [ $# -gt 0 ]; do
  case "$1" in
    --callgrind) callgrind=1 ;;
    --runs) runs="$2"; shift ;;
    --calls) calls="$2"; shift ;;
    *) echo "bench-stubs.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
prefix=$(bash scripts/ocaml-toolchain.sh | tail -n 1)
cargo build --release --quiet
warden=$PWD/target/release/warden
dir=target/tmp/bench-stubs
rm -rf "$dir" && mkdir -p "$dir" && cp bench/stubs/* "$dir"
(
  cd "$dir"
  export PATH="$prefix/bin:$PATH"
  ocamlc -c bstub.c && ocamlmklib -o bstub bstub.o
  ocamlc -dllib -lbstub -dllpath "$PWD" stub_calls.ml -o stub_calls.byte
)
byte=$dir/stub_calls.byte
if [ "$callgrind" = 1 ]; then
  # A cache of its own, which no other run on the machine evicts between the warm-up and
  # the measured runs.
  export XDG_CACHE_HOME=$PWD/$dir/cache
  ir_of() { # runtime which calls -> instructions
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$byte" "$2" "$3" 2>&1 >/dev/null |
      awk '/Collected :/ { print $NF }'
  }
  printf "%-8s %12s %12s %7s\n" stub "stock Ir" "warden Ir" ratio
  for which in nop alloc; do
    ir_of "$warden" "$which" 10 > /dev/null
    s=$(( ($(ir_of "$prefix/bin/ocamlrun" "$which" 200000) - $(ir_of "$prefix/bin/ocamlrun" "$which" 100000)) / 100000 ))
    w=$(( ($(ir_of "$warden" "$which" 200000) - $(ir_of "$warden" "$which" 100000)) / 100000 ))
    awk -v n="$which" -v s="$s" -v w="$w" 'BEGIN { printf "%-8s %12d %12d %7.2f\n", n, s, w, w / s }'
  done
  exit 0
fi
time_of() { # runtime which -> seconds (user+sys); output to $dir/out.$1
  /usr/bin/env time -f "%U %S" -o "$dir/time" "$1" "$byte" "$2" "$calls" > "$dir/out.$3"
  awk '{ printf "%.3f\n", $1 + $2 }' "$dir/time"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf "%-8s %10s %10s %10s %10s %7s\n" stub "stock s" "warden s" "stock ns" "warden ns" ratio
for which in nop alloc; do
  s=() w=()
  for _ in $(seq "$runs"); do
    s+=("$(time_of "$prefix/bin/ocamlrun" "$which" stock)")
    w+=("$(time_of "$warden" "$which" warden)")
    cmp -s "$dir/out.stock" "$dir/out.warden" || { echo "outputs differ for $which" >&2; exit 1; }
  done
  ms=$(printf "%s\n" "${s[@]}" | median) mw=$(printf "%s\n" "${w[@]}" | median)
  awk -v n="$which" -v s="$ms" -v w="$mw" -v c="$calls" 'BEGIN {
    printf "%-8s %10.3f %10.3f %10.1f %10.1f %7.2f\n", n, s, w, s * 1e9 / c, w * 1e9 / c, (s > 0 ? w / s : 0) }'
done
