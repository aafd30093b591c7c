#!/usr/bin/env bash
# Runs the stock OCaml 5.3.0 testsuite (testsuite/tests of the ocaml@5.3.0 source) with the
# test programs under warden, and compares each test's result with the stock runtime's.
#   scripts/stock-testsuite.sh [--baseline] [--subset | --dirs a/b,c/d] [--warden PATH]
#                              [-j N] [--timeout S]
#   (default)      every test directory, test programs run by warden
#   --baseline     run everything under the stock ocamlrun (the reference results) instead
#   --subset       only the directories of the CI subset (see `subset` below; a few minutes)
#   --dirs LIST    only these directories or test files (comma-separated, relative to
#                  testsuite/tests, e.g. basic,lib-str,effects/test_lazy.ml); a directory
#                  includes the test directories below it
#   --warden PATH  the warden binary (default target/release/warden, which it builds first
#                  with `cargo build --release`)
#   -j N           N test directories at a time (default 1; the machine is shared)
#   --timeout S    ocamltest's timeout per command, in seconds (default 600, as in the
#                  testsuite's Makefile)
#   WARDEN_TESTSUITE_CACHE  where the built source tree and the test build folders go
#                  (default ~/.cache/warden; the tree is ocaml-5.3.0-testsuite-src there)
#
# The first run fetches ocaml@5.3.0 from the npm registry (as scripts/ocaml-toolchain.sh does)
# and builds it bytecode-only with ocamltest (a few minutes; a `.complete` marker makes it
# once). ocamltest starts the compilers as `<src>/runtime/ocamlrun <src>/ocamlc ...` and links
# test programs with `-use-runtime <src>/runtime/ocamlrun`, so that file is replaced by a
# dispatcher (the real one is runtime/ocamlrun.stock): a program file under <src> but not under
# <src>/testsuite/tests (the compilers and tools), or no program file (`ocamlrun -p`, `-vnum`),
# goes to the stock runtime; any other program (the test programs and the ppx rewriters the
# tests build) goes to the runtime of the run: warden, or the stock one with --baseline.
#
# Results (results/ is gitignored), one "<passed|failed|skipped|error> tests/dir/file" a line:
#   results/stock-testsuite/baseline.txt   stock results; each run updates the tests it ran
#                  (a copy: the stock results are kept with the built tree, <src>/.baseline.txt,
#                  so they outlive results/ and go when the tree is rebuilt)
#   results/stock-testsuite/<mode>.txt     warden results: mode warden (all), subset or dirs
#   results/stock-testsuite/<mode>-summary.txt   the comparison printed at the end
#   results/stock-testsuite/logs/<mode>/   ocamltest's output of each test that did not pass
# A warden run compares with baseline.txt, and first runs the stock runtime on the selected
# tests that baseline.txt lacks. A failure is a test that passes under stock and not under
# warden, unless scripts/stock-testsuite.known lists it (one test a line with its reason).
# The last line is "N passed, M failed" (N: tests passing under both); the exit status is
# non-zero when M > 0.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

# The CI subset: directories (or test files) whose tests pass under warden today and run
# programs rather than only the compilers; 1 to 2 minutes on an idle machine, 3 when the
# stock side runs first. Left out: lazy3/5/7 (a billion-step loop each, two minutes), and
# callback and gc-roots, whose programs have C stubs and are linked -custom, so they run the
# stock runtime's C code, never warden.
subset=(basic basic-float basic-io basic-more compaction effect-syntax
  lazy/lazy1.ml lazy/lazy2.ml lazy/lazy4.ml lazy/lazy6.ml lazy/lazy8.ml
  lazy/minor_major_force.ml lib-array lib-bigarray lib-buffer lib-bytes lib-digest lib-domain
  lib-format lib-hashtbl lib-marshal lib-obj lib-printf lib-random lib-runtime-events
  lib-scanf lib-string lib-sync lib-sys misc runtime-errors tmc)

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
mode=warden baseline=0 dirs_arg= warden= jobs=1 timeout=600
while [ $# -gt 0 ]; do
  case $1 in
    --baseline) baseline=1 ;;
    --subset) mode=subset ;;
    --dirs) [ $# -ge 2 ] || usage; mode=dirs dirs_arg=$2; shift ;;
    --warden) [ $# -ge 2 ] || usage; warden=$2; shift ;;
    -j) [ $# -ge 2 ] || usage; jobs=$2; shift ;;
    --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift ;;
    -h | --help) usage ;;
    *) echo "stock-testsuite: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
case $jobs,$timeout in
  *[!0-9,]* | ,* | *, | 0*,* | *,0*) echo "stock-testsuite: -j and --timeout take positive numbers" >&2; exit 2 ;;
esac

cache=${WARDEN_TESTSUITE_CACHE:-$HOME/.cache/warden}
src=$cache/ocaml-5.3.0-testsuite-src
runs=$cache/stock-testsuite-runs
out=$repo/results/stock-testsuite
mkdir -p "$cache" "$runs" "$out"

# --- the source tree, built once ---------------------------------------------------------
if [ ! -f "$src/.complete" ]; then
  command -v npm >/dev/null || { echo "stock-testsuite: npm is needed to fetch the OCaml source" >&2; exit 1; }
  command -v make >/dev/null && command -v cc >/dev/null || {
    echo "stock-testsuite: installing build tools" >&2
    (apt-get update -qq && apt-get install -y -qq build-essential) >&2
  }
  # ocamltest records the tree's absolute path, so it is built where it stays.
  rm -rf "$src"
  mkdir -p "$src"
  echo "stock-testsuite: fetching ocaml@5.3.0 source into $src" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack ocaml@5.3.0 --silent >/dev/null) && tar xzf "$tmp/ocaml-5.3.0.tgz" -C "$src" --strip-components=1
  rm -rf "$tmp"
  echo "stock-testsuite: building it with ocamltest (a few minutes on an idle machine)" >&2
  (cd "$src" && ./configure --disable-native-compiler --disable-ocamldoc --disable-debugger \
     --enable-ocamltest >configure.log 2>&1 || { tail -30 configure.log >&2; exit 1; })
  (cd "$src" && make -j"$(nproc)" >make.log 2>&1 || { tail -30 make.log >&2; exit 1; })
  touch "$src/.complete"
fi
ocamltest=$src/ocamltest/ocamltest
base=$src/.baseline.txt
[ -x "$ocamltest" ] || { echo "stock-testsuite: $ocamltest is missing; remove $src to rebuild" >&2; exit 1; }

# --- the dispatcher in place of runtime/ocamlrun ---------------------------------------------
marker='# warden stock-testsuite dispatcher'
if ! grep -qs "^$marker" "$src/runtime/ocamlrun"; then
  [ -f "$src/runtime/ocamlrun.stock" ] || mv "$src/runtime/ocamlrun" "$src/runtime/ocamlrun.stock"
fi
dispatcher=$(cat <<EOF
#!/usr/bin/env bash
$marker (written by scripts/stock-testsuite.sh of warden).
# Runs the compilers, the tools and option-only calls with the stock runtime
# (ocamlrun.stock next to this file), other programs with the runtime named in
# \$WARDEN_TESTSUITE_RUNTIME, or else in the .runtime file of the run folder holding the
# program (for programs started with a cleared environment); "stock" or nothing: stock.
src=$src
runs=$runs
EOF
cat <<'EOF'
stock=$src/runtime/ocamlrun.stock
prog=
args=("$@")
i=0
while [ "$i" -lt $# ]; do
  case ${args[$i]} in
    --) prog=${args[$((i + 1))]:-}; break ;;
    -I) i=$((i + 2)) ;;
    -*) i=$((i + 1)) ;;
    *) prog=${args[$i]}; break ;;
  esac
done
[ -n "$prog" ] && [ -f "$prog" ] || exec "$stock" "$@"
path=$(readlink -f -- "$prog")
case $path in
  "$src"/testsuite/tests/*) ;;
  "$src"/*) exec "$stock" "$@" ;;
esac
runtime=${WARDEN_TESTSUITE_RUNTIME:-}
if [ -z "$runtime" ]; then
  case $path in
    "$runs"/*)
      run=${path#"$runs"/}
      run=${run%%/*}
      [ -f "$runs/$run/.runtime" ] && runtime=$(cat "$runs/$run/.runtime")
      ;;
  esac
fi
case $runtime in '' | stock) exec "$stock" "$@" ;; *) exec "$runtime" "$@" ;; esac
EOF
)
if [ "$(cat "$src/runtime/ocamlrun" 2>/dev/null)" != "$dispatcher" ]; then
  printf '%s\n' "$dispatcher" >"$src/runtime/ocamlrun.tmp"
  chmod +x "$src/runtime/ocamlrun.tmp"
  mv "$src/runtime/ocamlrun.tmp" "$src/runtime/ocamlrun"
fi

# --- the warden binary ------------------------------------------------------------------------
if [ "$baseline" = 0 ]; then
  if [ -z "$warden" ]; then
    warden=$repo/target/release/warden
    # A no-op when the binary is up to date; never tests a stale one.
    cargo build --release --quiet >&2
  fi
  [ -x "$warden" ] || { echo "stock-testsuite: no warden binary at $warden" >&2; exit 1; }
  warden=$(readlink -f -- "$warden")
fi

# --- the selected tests -----------------------------------------------------------------------
cd "$src/testsuite"
case $mode in
  warden) roots=(tests) ;;
  subset) roots=("${subset[@]/#/tests/}") ;;
  dirs)
    IFS=, read -r -a roots <<<"$dirs_arg"
    roots=("${roots[@]#tests/}")
    roots=("${roots[@]%/}")
    roots=("${roots[@]/#/tests/}")
    ;;
esac
for r in "${roots[@]}"; do
  [ -e "$r" ] || { echo "stock-testsuite: no test directory or file $r in $src/testsuite" >&2; exit 2; }
done
# "tests/dir file.ml" for every test, in order.
selected=$(for r in "${roots[@]}"; do
  if [ -f "$r" ]; then
    echo "${r%/*} ${r##*/}"
  else
    "$ocamltest" -find-test-dirs "$r" | while IFS= read -r d; do
      "$ocamltest" -list-tests "$d" | sed "s|^|$d |"
    done
  fi
done | awk '!seen[$0]++')
[ -n "$selected" ] || { echo "stock-testsuite: no tests selected" >&2; exit 2; }

# run_tests NAME RUNTIME: runs the tests of stdin ("dir file" lines), appends
# "<status> dir/file" lines to $runs/NAME/.results; "stock" as RUNTIME runs everything stock.
run_tests() {
  local name=$1 runtime=$2 root=$runs/$1
  rm -rf "$root" "$out/logs/$name"
  mkdir -p "$root" "$out/logs/$name"
  printf '%s\n' "$runtime" >"$root/.runtime"
  local list=$root/.list
  cat >"$list"
  local total
  total=$(cut -d' ' -f1 "$list" | sort -u | wc -l)
  echo "stock-testsuite: $name: $(wc -l <"$list") tests in $total directories, runtime $runtime, $jobs at a time" >&2
  export root runtime name timeout ocamltest list out
  cut -d' ' -f1 "$list" | awk '!seen[$0]++' | xargs -P "$jobs" -I{} bash -c 'run_dir "$1"' _ {}
}
# run_dir DIR: the tests of DIR (from $list), one ocamltest call each, as the testsuite's
# Makefile does; prints the directory's counts.
run_dir() {
  local dir=$1 file output status p=0 f=0 s=0 results="" t0=$SECONDS
  while IFS=' ' read -r d file; do
    [ "$d" = "$dir" ] || continue
    output=$(TERM=dumb SORT=sort MAKE=make OCAMLTESTDIR=$root WARDEN_TESTSUITE_RUNTIME=$runtime \
      "$ocamltest" -timeout "$timeout" "$dir/$file" 2>&1 </dev/null) || true
    status=$(printf '%s\n' "$output" | sed -n "s/^ \.\.\. testing '[^']*' => \([a-z]*\).*/\1/p" | head -n 1)
    case $status in passed) p=$((p + 1)) ;; skipped) s=$((s + 1)) ;; failed) f=$((f + 1)) ;; *) status=error f=$((f + 1)) ;; esac
    if [ "$status" != passed ] && [ "$status" != skipped ]; then
      mkdir -p "$out/logs/$name/$dir"
      printf '%s\n' "$output" >"$out/logs/$name/$dir/$file.log"
    fi
    results+="$status $dir/$file"$'\n'
  done <"$list"
  printf '%s' "$results" >>"$root/.results"
  echo "stock-testsuite: $name: $dir: $p passed, $f failed, $s skipped ($((SECONDS - t0))s)" >&2
}
export -f run_dir

# merge_results FILE NEW: FILE with the tests of NEW replaced by NEW's lines, sorted by test.
merge_results() {
  local tmp=$1.tmp
  exec 8>"$1.lock"
  flock 8
  { [ -f "$1" ] && awk 'NR == FNR { seen[$2] = 1; next } !($2 in seen)' "$2" "$1"; cat "$2"; } \
    | sort -k2 >"$tmp"
  mv "$tmp" "$1"
  exec 8>&-
}

# One run of each name at a time: they share their build folder.
if [ "$baseline" = 1 ]; then lock=baseline; else lock=$mode; fi
exec 9>"$runs/.lock-$lock"
flock -n 9 || { echo "stock-testsuite: another $lock run is going on (lock $runs/.lock-$lock)" >&2; exit 1; }

start=$(date +%s)
unset OCAMLRUNPARAM CAMLRUNPARAM
if [ "$baseline" = 1 ]; then
  printf '%s\n' "$selected" | run_tests baseline stock
  merge_results "$base" "$runs/baseline/.results"
  cp "$base" "$out/baseline.txt"
  read -r p f s < <(awk '{ n[$1]++ } END { print n["passed"] + 0, n["failed"] + n["error"] + 0, n["skipped"] + 0 }' "$runs/baseline/.results")
  echo "stock-testsuite: baseline: $p passed, $f failed, $s skipped under stock in $(($(date +%s) - start))s; results in $out/baseline.txt" >&2
  exit 0
fi

# Stock results for the selected tests that the kept ones lack.
missing=$(printf '%s\n' "$selected" | awk -v base="$base" '
  BEGIN { while ((getline line < base) > 0) { split(line, a, " "); have[a[2]] = 1 } }
  !(($1 "/" $2) in have)')
if [ -n "$missing" ]; then
  printf '%s\n' "$missing" | run_tests "baseline-$mode" stock
  merge_results "$base" "$runs/baseline-$mode/.results"
fi
cp "$base" "$out/baseline.txt"
printf '%s\n' "$selected" | run_tests "$mode" "$warden"
sort -k2 "$runs/$mode/.results" >"$out/$mode.txt"

# --- the comparison -----------------------------------------------------------------------------
known=$repo/scripts/stock-testsuite.known
summary=$out/$mode-summary.txt
awk -v known="$known" -v base="$base" -v secs=$(($(date +%s) - start)) '
  BEGIN {
    while ((getline line < known) > 0) {
      if (line ~ /^[ \t]*(#|$)/) continue
      split(line, a, " "); reason = line; sub(/^[^ \t]+[ \t]+/, "", reason); why[a[1]] = reason
    }
    while ((getline line < base) > 0) { split(line, a, " "); stock[a[2]] = a[1] }
  }
  {
    t = $2; w = $1; s = stock[t]; n[w]++; ns[s]++; total++
    if (s == "passed" && w == "passed") { both++; if (t in why) stale[nst++] = t }
    else if (s == "passed") { if (t in why) kn[nk++] = t "  (" w "): " why[t]; else bad[nb++] = t "  (" w ")" }
    else if (w == "passed" && s != "skipped") better[nbet++] = t "  (stock: " s ")"
  }
  END {
    printf "%d tests (%d s)\n", total, secs
    printf "  under stock:  %4d passed, %4d failed, %4d skipped\n", ns["passed"], ns["failed"] + ns["error"], ns["skipped"]
    printf "  under warden: %4d passed, %4d failed, %4d skipped\n", n["passed"], n["failed"] + n["error"], n["skipped"]
    printf "%d pass under both; %d pass under stock only (%d known, %d not)\n", both, nk + nb, nk, nb
    if (nb) { print "\nPass under stock, fail under warden:"; for (i = 0; i < nb; i++) print "  " bad[i] }
    if (nk) { print "\nKnown differences (scripts/stock-testsuite.known):"; for (i = 0; i < nk; i++) print "  " kn[i] }
    if (nbet) { print "\nPass under warden, not under stock:"; for (i = 0; i < nbet; i++) print "  " better[i] }
    if (nst) { print "\nListed as known but pass now (remove them from the list):"; for (i = 0; i < nst; i++) print "  " stale[i] }
    printf "\n%d passed, %d failed\n", both, nb
  }' "$out/$mode.txt" >"$summary"
echo "stock-testsuite: results in $out/$mode.txt, logs of failures in $out/logs/$mode/" >&2
cat "$summary"
tail -n 1 "$summary" | grep -q ' 0 failed$'
