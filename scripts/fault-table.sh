#!/usr/bin/env bash
# The fault table: runs the GC torture test (tests/ocaml/gc_torture.ml) N times per injected
# fault, under a production build and a hardened build that both carry fault injection, and
# tabulates how often the fault fired, what production did (crash, wrong result, hang, nothing
# visible) and what the hardened build reported (the expected check or not, and the median
# time from the injection to the report).
#
#   scripts/fault-table.sh [N] [--faults "f1 f2"] [--minor-heap WORDS] [--rounds R]
#                          [--jobs J] [--write]
#
# N defaults to 200. Seeds are 1..N (the torture test's argument), the minor heap 4096 words
# (OCAMLRUNPARAM s=4096: many collections, so the faults find something to break), 2 rounds.
# --write puts the table into docs/hardened.md (between the fault-table markers).
# Builds: target/fault-prod (release, fault-injection) and target/fault-hardened (release,
# hardened + fault-injection).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

n=200 faults="stale-code no-write-barrier lost-root early-sweep short-alloc" minor=4096 rounds=2
jobs=$(nproc 2>/dev/null || echo 2) write=0
if [ $# -gt 0 ] && [[ $1 != --* ]]; then n=$1; shift; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --faults) faults=$2; shift ;;
    --minor-heap) minor=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --write) write=1 ;;
    *) echo "fault-table.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

prefix=$(bash scripts/ocaml-toolchain.sh)
echo "fault-table: building production and hardened with fault injection ..." >&2
cargo build --release --quiet --features fault-injection --target-dir target/fault-prod
cargo build --release --quiet --features hardened,fault-injection --target-dir target/fault-hardened
export PROD=$PWD/target/fault-prod/release/warden HARD=$PWD/target/fault-hardened/release/warden

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp tests/ocaml/gc_torture.ml "$work/"
(cd "$work" && "$prefix/bin/ocamlc" -o gc_torture.byte gc_torture.ml)
export WORK=$work MINOR=$minor ROUNDS=$rounds

# One run: fault seed build -> a line "fault build seed fired outcome check age_ms".
one_run() {
  local fault=$1 seed=$2 build=$3 bin out rc fired outcome check age
  bin=$PROD; [ "$build" = hardened ] && bin=$HARD
  out=$WORK/$fault.$build.$seed
  rc=0
  OCAMLRUNPARAM=s=$MINOR WARDEN_INJECT=$fault WARDEN_REPORT=$out.json \
    timeout 120 "$bin" "$WORK/gc_torture.byte" "$seed" "$ROUNDS" >"$out.out" 2>"$out.err" </dev/null || rc=$?
  fired=0; grep -q "warden: fault injected: $fault" "$out.err" && fired=1
  check=-; age=-
  if [ -s "$out.json" ]; then
    check=$(jq -r '.check' "$out.json" | head -1)
    age=$(jq -r '.fault.age_ms // "-"' "$out.json" | head -1)
  fi
  if [ "$rc" = 70 ] && [ "$check" != - ]; then outcome=report
  elif [ "$rc" = 124 ]; then outcome=hang
  elif [ "$rc" -ge 128 ] || grep -q "^Fatal error" "$out.err"; then outcome=crash
  elif [ "$rc" != 0 ] || ! grep -qx "gc_torture: ok" "$out.out"; then outcome=wrong
  else outcome=nothing
  fi
  echo "$fault $build $seed $fired $outcome $check $age"
  rm -f "$out.out" "$out.err" "$out.json"
}
export -f one_run

for fault in $faults; do
  echo "fault-table: $fault, $n runs per build ..." >&2
  for ((s = 1; s <= n; s++)); do
    echo "$fault $s production"
    echo "$fault $s hardened"
  done
done | xargs -P "$jobs" -n 3 bash -c 'one_run "$0" "$1" "$2" 2>/dev/null' >"$work/results"

table=$(python3 - "$work/results" "$n" "$minor" "$rounds" <<'PY'
import sys, statistics, collections
path, n, minor, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
expected = {"stale-code": "code-table", "no-write-barrier": "remembered-set", "lost-root": "use-after-free",
            "early-sweep": "use-after-free", "short-alloc": "canary"}
runs = collections.defaultdict(list)
order = []
for line in open(path):
    f, build, seed, fired, outcome, check, age = line.split()
    if f not in order:
        order.append(f)
    runs[(f, build)].append((int(fired), outcome, check, age))
order = [f for f in expected if f in order] + [f for f in order if f not in expected]
out = [f"| fault | fired (prod / hardened) | production, when fired | hardened, when fired | right check | median time to report |",
       "|---|---|---|---|---|---|"]
for f in order:
    p = [r for r in runs[(f, "production")] if r[0]]
    h = [r for r in runs[(f, "hardened")] if r[0]]
    pc = collections.Counter(r[1] for r in p)
    prod = ", ".join(f"{k} {v}" for k, v in sorted(pc.items(), key=lambda kv: -kv[1])) or "-"
    hc = collections.Counter((r[2] if r[1] == "report" else r[1]) for r in h)
    hard = ", ".join(f"{k} {v}" for k, v in sorted(hc.items(), key=lambda kv: -kv[1])) or "-"
    right = sum(1 for r in h if r[1] == "report" and r[2] == expected.get(f))
    pct = f"{right}/{len(h)} ({100.0 * right / len(h):.1f}%)" if h else "-"
    ages = [float(r[3]) for r in h if r[1] == "report" and r[3] not in ("-", "null")]
    med = f"{statistics.median(ages):.1f} ms" if ages else "-"
    out.append(f"| `{f}` (expects `{expected.get(f, '?')}`) | {len(p)}/{n} / {len(h)}/{n} | {prod} | {hard} | {pct} | {med} |")
print("\n".join(out))
PY
)
echo "$table"
if [ "$write" = 1 ]; then
  python3 - docs/hardened.md "$table" "$n" "$minor" "$rounds" <<'PY'
import sys, re, datetime
path, table, n, minor, rounds = sys.argv[1:6]
text = open(path).read()
stamp = (f"Measured by `scripts/fault-table.sh {n} --write` on {datetime.date.today()}: the torture test with seeds "
         f"1..{n}, {rounds} rounds, `OCAMLRUNPARAM=s={minor}`, each fault at a random eligible event per run.")
new = f"<!-- fault-table:begin -->\n{stamp}\n\n{table}\n<!-- fault-table:end -->"
text = re.sub(r"<!-- fault-table:begin -->.*?<!-- fault-table:end -->", lambda m: new, text, flags=re.S)
open(path, "w").write(text)
PY
  echo "fault-table: table written to docs/hardened.md" >&2
fi
