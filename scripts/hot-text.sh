#!/usr/bin/env bash
# Regenerates link/hot-text.txt: the functions of the production binary that an empty
# program (with its verification cached, the usual case, then verified, then storing its
# entry) and the benchmark programs (bench/, the parallel ones on 1 and 2 domains) execute, by
# mangled name, the empty program's first. build.rs places them together at the front of the
# binary's code (a linker script), so that a run maps few pages of the binary (see
# docs/footprint.md). The benchmarks run at about a twentieth of their default sizes: large
# enough that the collector's major cycles, pool hand-backs and the like run (the smoke sizes
# miss some, and each function missed costs a run a 64-128 KiB window of code), small enough
# for callgrind (about 3 minutes in all). Then link/hot-rodata.txt: the named read-only data
# the same programs read (valgrind's lackey; about 5 minutes more), which build.rs places at
# the front of .rodata.
#
#   scripts/hot-text.sh        needs valgrind and the stock toolchain (scripts/ocaml-toolchain.sh)
#
# A stale list does no harm: names that no longer exist match nothing, and new functions are
# placed after the listed ones, as the linker orders them. Rerun it after large changes of
# the start-up path or the interpreter, and compare the empty program's peak RSS
# (docs/footprint.md: the code pages a run maps).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
command -v valgrind >/dev/null || { echo "hot-text.sh: needs valgrind" >&2; exit 2; }
prefix=$(bash scripts/ocaml-toolchain.sh)
cargo build --release --quiet --bin warden
warden=$(pwd)/target/release/warden
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The programs and their arguments (`,` between two), at about a twentieth of the default
# sizes of bench/README.md, the smallest resident sizes first (stock's peak RSS in
# bench/README.md): their functions are placed first after the empty program's, where the
# code a run maps anyway has room left, so that the programs whose code is the largest part
# of their footprint map the fewest windows of it.
runs=(empty: int_loops:15000 fannkuch:8 objects:250000 parallel_major:1,15000 strings:600
  symbolic:350 effects:1500 closures:60 nbody:10000 parallel_prims:1,100000
  exceptions:40000 parallel_alloc:1,100000 printf_format:2000 parallel_prims:2,100000
  parallel_alloc:2,100000 parallel_major:2,15000 sort:3000 binary_trees:13 hashtbl_map:3000)
# A verification cache of its own (src/loader/verify/cache.rs), empty at first: a freshly
# compiled program misses it, as under scripts/bench.sh.
export XDG_CACHE_HOME=$work/cache
profile() { # name, output name, arguments (`,` between two)
  # shellcheck disable=SC2086 # the arguments are words without spaces
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/$2.cg" \
    "$warden" "$work/$1.byte" ${3//,/ } >/dev/null 2>"$work/$2.log" ||
    { cat "$work/$2.log" >&2; exit 1; }
}
profiles=()
for r in "${runs[@]}"; do
  name=${r%%:*} arg=${r#*:}
  [ -f "$work/$name.byte" ] || "$prefix/bin/ocamlc" -o "$work/$name.byte" "bench/$name.ml"
  out=$name${arg:+-${arg//,/-}}
  profile "$name" "$out" "$arg"
  profiles+=("$out")
  if [ "$name" = empty ]; then
    # Then the empty program as an installed program runs: its entry stored once (a run
    # that may store at any age), read back by the profiled one. Both under callgrind: the
    # entry's key holds the running executable's identity, here valgrind's.
    WARDEN_VERIFY_CACHE_MIN_AGE=0 profile empty empty-store ""
    profile empty empty-hit ""
  fi
done
profiles+=(empty-store) # last: only a program's first run stores its entry
python3 - "$warden" "$work" empty-hit "${profiles[@]}" >link/hot-text.txt <<'PY'
import re, sys
warden, work, runs = sys.argv[1], sys.argv[2], sys.argv[3:]

import subprocess
# The binary's own functions: callgrind names the object of those outside `.text` (the
# listed ones, once placed) "???", so names are matched against the symbol table instead.
# A function may have several names (aliases at one address), and its section is named after
# one of them, not always the one callgrind reports: every alias is listed.
aliases = {}
for l in subprocess.run(["nm", "--defined-only", warden], check=True, capture_output=True,
                        text=True).stdout.splitlines():
    if len(l.split()) == 3:
        aliases.setdefault(l.split()[0], []).append(l.split()[2])
own = {n: names for names in aliases.values() for n in names}

def executed(path):
    """The functions of the warden binary with a cost in one callgrind profile, in order."""
    fns, names = {}, []
    for line in open(path):
        m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not m:
            continue
        kind, ident, name = m.groups()
        if name is not None:
            fns[ident] = name
        if kind == "fn":
            # Callgrind marks recursion levels with 'N; symbol names only are kept.
            n = re.sub(r"'\d+$", "", fns[ident])
            if n in own and n not in names:
                names.append(n)
    return names

seen, order, uses, runs_fns = set(), [], {}, {}
for r in runs:
    runs_fns[r] = executed(f"{work}/{r}.cg")
    for n in runs_fns[r]:
        uses[n] = uses.get(n, 0) + 1
        if r in runs[:2] and n not in seen:
            seen.add(n)
            order.append(n)
rest = []
for r in runs[2:]:  # each program's own functions in turn, the most used first
    for n in sorted((n for n in runs_fns[r] if n not in seen), key=lambda n: (-uses[n], n)):
        seen.add(n)
        rest.append(n)
print("# The functions that the empty program (with its verification cached, then verified),")
print("# then each benchmark program in turn, the smallest first (and the empty program storing")
print("# its verification, last), execute, each program's the most used first (generated by")
print("# scripts/hot-text.sh; build.rs places them first).")
printed = set()
for n in order + rest:
    for a in [n] + own[n]:
        if a not in printed:
            printed.add(a)
            print(a)
PY
echo "hot-text.sh: $(grep -vc '^#' link/hot-text.txt) functions in link/hot-text.txt" >&2

# Then the named read-only data the same programs read (link/hot-rodata.txt; build.rs places
# them at the front of .rodata, after the hot functions' jump tables, before the anonymous
# constants, which have no symbol and are placed all together): valgrind's lackey traces
# every load of the empty program (verified, then cached) and of each benchmark at a tenth of
# its smoke size (scripts/bench-run.py's; lackey is slow: about 5 minutes); the loads inside
# the binary's read-only data are matched against its symbol table. Valgrind loads a position-independent executable at 0x108000
# (checked below: `main`'s first instruction must be traced there).
lackey() { # output name, program, arguments
  # shellcheck disable=SC2086 # the arguments are words without spaces
  valgrind --tool=lackey --trace-mem=yes --log-fd=9 "$warden" "$work/$2.byte" $3 \
    9>&1 >/dev/null 2>/dev/null | awk -v main="$main" '
    $1 == "I" { split($2, a, ","); if (a[1] == main) seen = 1; next }
    { split($2, a, ","); k = "x" a[1]; if (length(a[1]) == 8 && k >= "x00108000" && k < "x00140000") hit[a[1]] = 1 }
    END { if (!seen) print "no-main"; for (h in hit) print h }' >"$work/$1.ro"
  grep -q no-main "$work/$1.ro" && { echo "hot-text.sh: lackey: main not at 0x108000" >&2; exit 1; }
  return 0
}
main=$(printf '%08x' $((0x108000 + 0x$(nm "$warden" | awk '$3 == "main" { print $1 }'))))
WARDEN_VERIFY_CACHE=0 lackey ro-empty empty ""
lackey ro-empty-hit empty ""
ros=(ro-empty ro-empty-hit)
tiny=(int_loops:200 fannkuch:5 objects:2000 parallel_major:1,200 strings:10 symbolic:5
  effects:10 closures:2 nbody:100 parallel_prims:1,2000 exceptions:500 parallel_alloc:1,2000
  printf_format:50 parallel_prims:2,2000 parallel_alloc:2,2000 parallel_major:2,200 sort:50
  binary_trees:4 hashtbl_map:50)
for r in "${tiny[@]}"; do
  name=${r%%:*} arg=${r#*:}
  lackey "ro-$name-${arg//,/-}" "$name" "${arg//,/ }"
  ros+=("ro-$name-${arg//,/-}")
done
python3 - "$warden" "$work" "${ros[@]}" >link/hot-rodata.txt <<'PY'
import subprocess, sys
warden, work, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
objects = []  # (start, end, name) of the read-only data objects with a symbol
for l in subprocess.run(["nm", "-S", "--defined-only", warden], check=True, capture_output=True,
                        text=True).stdout.splitlines():
    p = l.split()
    if len(p) == 4 and p[2] in "rR" and int(p[1], 16) > 0:
        objects.append((int(p[0], 16), int(p[0], 16) + int(p[1], 16), p[3]))
order = []
for r in runs:
    for a in sorted(int(h, 16) - 0x108000 for h in open(f"{work}/{r}.ro")):
        for start, end, name in objects:
            if start <= a < end and name not in order:
                order.append(name)
print("# The named read-only data that the empty program (verified, then cached) and the")
print("# benchmark programs at a tenth of their smoke sizes read, in that order (generated by")
print("# scripts/hot-text.sh; build.rs places them at the front of .rodata).")
print("\n".join(order))
PY
echo "hot-text.sh: $(grep -vc '^#' link/hot-rodata.txt) objects in link/hot-rodata.txt" >&2
