#!/usr/bin/env bash
# What the hardened profile costs: wall time of the hardened build (default checks, and with
# WARDEN_VERIFY=every) against the production build, on the benchmark programs (bench/*.ml)
# and on corpus programs that run long enough. Best of R runs each; the geometric mean of the
# ratios is the figure the issue's budget (at most 3x) is about.
#
#   scripts/bench-hardened.sh [--runs R] [--no-every] [--every-max S] [--only NAME...] [--write]
#
# `every` verifies at every poll point after an allocation and costs an order of magnitude:
# it is measured only on programs whose production run takes at most S seconds (default 10).
# --write puts the table into docs/hardened.md (between the bench-table markers).
# Builds: target/release/warden (production) and target/hardened/release/warden
# (`cargo build --release --features hardened --target-dir target/hardened`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

runs=3 every=1 every_max=10 write=0 only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift ;;
    --no-every) every=0 ;;
    --every-max) every_max=$2; shift ;;
    --write) write=1 ;;
    --only) shift; while [ $# -gt 0 ] && [[ $1 != --* ]]; do only+=("$1"); shift; done; continue ;;
    *) echo "bench-hardened.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

prefix=$(bash scripts/ocaml-toolchain.sh)
echo "bench-hardened: building production and hardened (release) ..." >&2
cargo build --release --quiet
cargo build --release --quiet --features hardened --target-dir target/hardened
prod=target/release/warden
hard=target/hardened/release/warden

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# Programs: name, source. Corpus programs that run for a while stand in until bench/ has more.
progs=()
for f in bench/*.ml; do [ -f "$f" ] && progs+=("$f"); done
for p in big_lists tail_loops array_sort recursion_deep gc_torture large_blocks queue_stack float_arrays; do
  progs+=("tests/ocaml/$p.ml")
done
selected=()
for src in "${progs[@]}"; do
  name=$(basename "$src" .ml)
  if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$name"; then continue; fi
  mkdir -p "$work/$name" && cp "$src" "$work/$name/"
  (cd "$work/$name" && "$prefix/bin/ocamlc" -o "$name.byte" "$name.ml")
  selected+=("$name")
done

best() { # runtime byte [env...] -> best wall time in seconds over $runs runs
  local rt=$1 byte=$2; shift 2
  local b=""
  for ((i = 0; i < runs; i++)); do
    local t rc=0
    env "$@" /usr/bin/time -f %e -o "$work/time" "$rt" "$byte" </dev/null >/dev/null 2>"$work/stderr" || rc=$?
    t=$(tail -1 "$work/time")
    if [ "$rc" != 0 ]; then
      echo "bench-hardened: $rt $byte $* exited with status $rc:" >&2
      head -3 "$work/stderr" >&2
      echo "failed"
      return
    fi
    if [ -z "$b" ] || python3 -c "import sys; sys.exit(0 if $t < $b else 1)"; then b=$t; fi
  done
  echo "$b"
}

rows=()
for name in "${selected[@]}"; do
  byte="$work/$name/$name.byte"
  p=$(best "$prod" "$byte")
  h=$(best "$hard" "$byte")
  e=-
  if [ "$every" = 1 ] && python3 -c "import sys; sys.exit(0 if $p <= $every_max else 1)"; then
    e=$(best "$hard" "$byte" WARDEN_VERIFY=every)
  fi
  echo "bench-hardened: $name production ${p}s hardened ${h}s every ${e}s" >&2
  rows+=("$name $p $h $e")
done

table=$(python3 - "${rows[@]}" <<'PY'
import math, sys
rows = [r.split() for r in sys.argv[1:]]
def ratio(a, b):
    if a == "failed" or b == "failed":
        return float("nan")
    return float(a) / max(float(b), 0.01)
def secs(x):
    return "failed" if x == "failed" else f"{float(x):.2f}"
out = ["| program | production (s) | hardened (s) | ratio | `every` (s) | ratio |", "|---|---:|---:|---:|---:|---:|"]
rh, re_ = [], []
for name, p, h, e in rows:
    r1 = ratio(h, p)
    if r1 == r1:
        rh.append(r1)
    if e != "-":
        r2 = ratio(e, p)
        if r2 == r2:
            re_.append(r2)
        out.append(f"| {name} | {secs(p)} | {secs(h)} | {r1:.2f}x | {secs(e)} | {r2:.2f}x |")
    else:
        out.append(f"| {name} | {secs(p)} | {secs(h)} | {r1:.2f}x | - | - |")
g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")
out.append(f"| **geometric mean** | | | **{g(rh):.2f}x** | | **{g(re_):.2f}x** (of {len(re_)}) |" if re_ else f"| **geometric mean** | | | **{g(rh):.2f}x** | | |")
print("\n".join(out))
PY
)
echo "$table"
if [ "$write" = 1 ]; then
  python3 - docs/hardened.md "$table" "$runs" <<'PY'
import sys, re, datetime
path, table, runs = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
stamp = f"Measured by `scripts/bench-hardened.sh --write` on {datetime.date.today()}, best of {runs} runs, on this project's machine (2 cores)."
new = f"<!-- bench-table:begin -->\n{stamp}\n\n{table}\n<!-- bench-table:end -->"
text = re.sub(r"<!-- bench-table:begin -->.*?<!-- bench-table:end -->", lambda m: new, text, flags=re.S)
open(path, "w").write(text)
PY
  echo "bench-hardened: table written to docs/hardened.md" >&2
fi
