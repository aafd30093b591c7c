# Shared by sanitizers/{asan,tsan,musl,nightly,ci-smoke}.sh; sourced, not run.
#
# san_main SANITIZER "$@" does the whole job for one build:
#   1. installs what is missing (nightly + rust-src, the musl target, musl-tools);
#   2. builds warden for SANITIZER (address, thread or musl) into its own target folder;
#   3. runs the OCaml corpus against it (tests/corpus.rs with WARDEN_CORPUS_RUNTIME); for
#      ASan, first the library's asan_tests built with ASan; for musl, compared with the stock
#      ocamlrun built with musl-gcc (scripts/ocaml-toolchain.sh --musl) and with the glibc
#      one, every difference from either listed (see san_corpus);
#   4. runs the torture program(s) N times, comparing each run with the stock ocamlrun;
#   5. for musl, compares the float primitives with the stock ocamlrun (sanitizers/libm/);
#      for ASan and TSan, runs tests/stubs/ with its stub library built with the matching
#      -fsanitize, and checks that a buggy stub (sanitizers/stubs/) is reported (san_stubs);
#   6. prints "N passed, M failed" and writes results/<name>/summary.json.
#
# Arguments: [N] [--no-corpus] [--no-torture] [--no-libm] [--no-stubs] [--corpus FILTER] [--name NAME]
#   N            torture runs (default 10)
#   --no-libm    skip the float comparison (musl only)
#   --no-stubs   skip the C stubs built with the sanitizer (ASan and TSan only)
#   --corpus F   only corpus tests whose name contains F (cargo test filter)
#   --name NAME  results folder name (default: the sanitizer)
# Environment:
#   WARDEN_TORTURE         torture programs (names in tests/ocaml, without .ml), space
#                          separated; default gc_torture if it exists, else every domain_*.
#                          gc_torture gets "SEED ROUNDS" (seed = the run's number) and
#                          WARDEN_TORTURE_STRICT=1; other programs their .args sidecar.
#   WARDEN_SAN_ROUNDS      gc_torture rounds per run (default 2).
#   WARDEN_SAN_STRICT      WARDEN_TORTURE_STRICT for warden's gc_torture runs (default 1).
#   WARDEN_SAN_FEATURES    cargo features for the sanitized build (e.g. "hardened").
#   WARDEN_SAN_TIMEOUT     seconds per run before it is killed (default 300).
#   WARDEN_SAN_JOBS        cargo build jobs (default: all cores).
#   ASAN_OPTIONS / TSAN_OPTIONS  appended to the scripts' own options.

set -euo pipefail

SAN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SAN_TARGET=x86_64-unknown-linux-gnu
SAN_MUSL_TARGET=x86_64-unknown-linux-musl

san_log() { echo "sanitizers: $*" >&2; }
san_die() { echo "sanitizers: error: $*" >&2; exit 1; }

# Runs a command as root (directly, or through sudo when available).
san_as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else san_die "need root to run: $*"
  fi
}

san_need_cargo() {
  if [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
  fi
  command -v cargo >/dev/null || san_die "cargo not found (install Rust with rustup)"
  command -v rustup >/dev/null || san_die "rustup not found (needed for the nightly toolchain and targets)"
}

san_need_nightly() {
  if ! rustup toolchain list | grep '^nightly' >/dev/null; then
    san_log "installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal >&2
  fi
  if ! rustup component list --toolchain nightly --installed | grep '^rust-src' >/dev/null; then
    san_log "installing rust-src for nightly (-Zbuild-std)"
    rustup component add rust-src --toolchain nightly >&2
  fi
}

san_need_musl() {
  if ! rustup target list --installed | grep "^$SAN_MUSL_TARGET\$" >/dev/null; then
    san_log "installing the $SAN_MUSL_TARGET target"
    rustup target add "$SAN_MUSL_TARGET" >&2
  fi
  if ! command -v musl-gcc >/dev/null; then
    san_log "installing musl-tools (musl-gcc)"
    (san_as_root apt-get update -qq && san_as_root apt-get install -y -qq musl-tools) >&2
  fi
}

# JSON string literal of $1 (control characters escaped or dropped).
san_json_str() {
  printf '"'
  printf '%s' "$1" | LC_ALL=C sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/\r/\\r/g' \
    | LC_ALL=C tr -d '\000-\010\013\014\016-\037' \
    | LC_ALL=C awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }'
  printf '"'
}

# The first sanitizer or runtime report in file $1 (up to 80 lines), or its last 40 lines.
san_first_report() {
  local f=$1 start
  start=$(grep -n -m1 -E '^(==[0-9]+==ERROR: |WARNING: ThreadSanitizer|ERROR: ThreadSanitizer|Fatal error: |thread .* panicked|SUMMARY: )' "$f" 2>/dev/null | cut -d: -f1 || true)
  if [ -n "$start" ]; then
    awk -v s="$start" 'NR >= s && NR < s + 80' "$f"
  else
    tail -n 40 "$f" 2>/dev/null || true
  fi
}

# The kind of failure a stderr file shows.
san_report_kind() {
  local f=$1
  # A crash that ASan only relays (SEGV, BUS, FPE...) is not a memory error ASan found.
  if grep -q 'ERROR: AddressSanitizer: \(SEGV\|BUS\|FPE\|ILL\|ABRT\|stack-overflow\)' "$f" 2>/dev/null; then echo "asan-signal"
  elif grep -q 'ERROR: AddressSanitizer' "$f" 2>/dev/null; then echo "asan"
  elif grep -q 'ThreadSanitizer' "$f" 2>/dev/null; then echo "tsan"
  elif grep -q 'ERROR: LeakSanitizer' "$f" 2>/dev/null; then echo "lsan"
  elif grep -q 'hardened check failed' "$f" 2>/dev/null; then echo "hardened-check"
  elif grep -q 'panicked' "$f" 2>/dev/null; then echo "panic"
  else echo "mismatch"
  fi
}

# ---------------------------------------------------------------------------------------------

# Builds warden for $1 (address|thread|musl); sets SAN_BIN.
san_build() {
  local san=$1 features=${WARDEN_SAN_FEATURES:-}
  local -a args=(build --release --bin warden)
  [ -n "$features" ] && args+=(--features "$features")
  [ -n "${WARDEN_SAN_JOBS:-}" ] && args+=(-j "$WARDEN_SAN_JOBS")
  case $san in
    address | thread)
      # Sanitizer builds: line tables for reports, no LTO and parallel codegen for a faster
      # build (the release profile's fat LTO would double the build time for nothing the
      # sanitizer needs), frame pointers for ASan's fast unwinder.
      local dir="$SAN_ROOT/target/sanitizers/$san"
      local flags="-Zsanitizer=$san -Cforce-frame-pointers=yes"
      local -a std=()
      # TSan needs every access instrumented, std's included: rebuild std.
      [ "$san" = thread ] && std=(-Zbuild-std)
      san_log "building with -Zsanitizer=$san into $dir"
      (cd "$SAN_ROOT" && RUSTFLAGS="$flags" CARGO_TARGET_DIR="$dir" \
        CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
        CARGO_PROFILE_RELEASE_DEBUG=1 \
        cargo +nightly "${args[@]}" "${std[@]}" --target "$SAN_TARGET" >&2)
      SAN_BIN="$dir/$SAN_TARGET/release/warden"
      ;;
    musl)
      san_log "building the static musl binary"
      (cd "$SAN_ROOT" && cargo "${args[@]}" --target "$SAN_MUSL_TARGET" >&2)
      SAN_BIN="$SAN_ROOT/target/$SAN_MUSL_TARGET/release/warden"
      # A static binary has no program interpreter and needs no shared library.
      if readelf -lW "$SAN_BIN" | grep 'Requesting program interpreter' >/dev/null \
        || readelf -dW "$SAN_BIN" | grep '(NEEDED)' >/dev/null; then
        san_die "$SAN_BIN is not a static binary"
      fi
      san_log "$SAN_BIN is static ($(du -h "$SAN_BIN" | cut -f1))"
      ;;
    *) san_die "unknown build $san" ;;
  esac
  [ -x "$SAN_BIN" ] || san_die "no binary at $SAN_BIN"
}

# Writes the wrapper that sets the sanitizer's options and execs the binary (the corpus
# harness clears the environment, so the options travel inside the wrapper); sets SAN_RUN.
san_wrapper() {
  local san=$1 out=$2 opts=""
  case $san in
    address)
      # detect_leaks=0: see docs/sanitizers.md (warden exits without freeing the heap);
      # allocator_may_return_null: programs that ask for huge bigarrays expect Out_of_memory.
      opts="ASAN_OPTIONS='detect_leaks=${WARDEN_SAN_LEAKS:-0}:allocator_may_return_null=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0:check_initialization_order=1:strict_string_checks=1:print_summary=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}'"
      ;;
    thread)
      # history_size=7: each thread keeps its last 4M memory accesses (default 2: 128K), about
      # 10 MB more per torture run. TSan reports a race only if it can still rebuild the stack
      # of the earlier access from that history, and drops it silently otherwise; with the
      # default, a store followed by a few milliseconds of spinning before the racing load
      # (racy-publish under the torture test, docs/sanitizers.md) went unreported in 1 run of 10.
      # allocator_may_return_null: as for ASan (tests/ocaml/out_of_memory.ml).
      # die_after_fork=0: the child of a fork with threads running (tests/ocaml/threads_fork.ml)
      # starts threads of its own, which TSan refuses by default; races in such a child may go
      # unreported.
      opts="TSAN_OPTIONS='suppressions=$SAN_ROOT/sanitizers/tsan.supp:halt_on_error=0:exitcode=66:second_deadlock_stack=1:history_size=7:allocator_may_return_null=1:die_after_fork=0:print_summary=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}'"
      ;;
  esac
  mkdir -p "$(dirname "$out")"
  {
    echo '#!/bin/sh'
    echo "# warden built for $san, with its sanitizer options (written by sanitizers/lib.sh)"
    [ -n "$opts" ] && echo "export $opts"
    echo "exec '$SAN_BIN' \"\$@\""
  } >"$out"
  chmod +x "$out"
  SAN_RUN=$out
}

# ---------------------------------------------------------------------------------------------
# Reports: one JSON object per failure, collected in SAN_FAILURES.

SAN_FAILURES=()

# san_add_failure WHAT STDERR_FILE DETAIL
san_add_failure() {
  local what=$1 file=$2 detail=$3 kind report
  kind=$(san_report_kind "$file")
  report=$(san_first_report "$file")
  SAN_FAILURES+=("{\"what\": $(san_json_str "$what"), \"kind\": \"$kind\", \"detail\": $(san_json_str "$detail"), \"log\": $(san_json_str "$file"), \"report\": $(san_json_str "$report")}")
}

# ---------------------------------------------------------------------------------------------
# The corpus

# Runs tests/corpus.rs against $SAN_RUN, compared with oracle $3 (an ocamlrun; the stock
# toolchain's when empty), into log $2; sets SAN_CORPUS_RC and SAN_CORPUS_FAILED_NAMES.
san_corpus_run() {
  local filter=$1 log=$2 oracle=${3:-}
  set +e
  (cd "$SAN_ROOT" && WARDEN_CORPUS_RUNTIME="$SAN_RUN" WARDEN_CORPUS_ORACLE="$oracle" \
    WARDEN_CORPUS_TIMEOUT="${WARDEN_SAN_TIMEOUT:-300}" WARDEN_CORPUS_MAX_TIMEOUTS=4 \
    cargo test --release --test corpus -- ${filter:+"$filter"} >"$log" 2>&1)
  SAN_CORPUS_RC=$?
  set -e
  SAN_CORPUS_FAILED_NAMES=$(grep -E '^test .* \.\.\. FAILED$' "$log" | awk '{print $2}' | sort || true)
}

# The report of failed corpus test $1 in cargo test log $2 (what differed, for each variant).
san_corpus_report() {
  awk -v t="$1" '
    $0 == "---- " t " stdout ----" { on = 1; next }
    on && (/^stack backtrace:/ || /^---- / || /^failures:$/) { on = 0 }
    on { print }' "$2"
}

# Runs the corpus against $SAN_RUN; sets SAN_CORPUS_{PASSED,FAILED,SECONDS}.
#
# With a musl build ($SAN_MUSL_ORACLE set: the stock ocamlrun built with musl-gcc, see
# scripts/ocaml-toolchain.sh --musl) the corpus runs twice: against that oracle, whose libc
# and libm are musl's as warden's are, and against the stock (glibc) ocamlrun, which warden
# follows where the libc's choices show (strerror texts, NaN signs ...: see
# src/prims/floats/glibc.rs and src/prims/errtext.rs). A program passes if it agrees with
# one of them; every difference from either is listed (SAN_CORPUS_DIFFERENT, and the
# summary), with its report in OUT/corpus-differences/, so none is hidden.
san_corpus() {
  local out=$1 filter=${2:-} start log t
  log="$out/corpus.log"
  start=$(date +%s)
  SAN_CORPUS_DIFFERENT=()
  if [ -z "${SAN_MUSL_ORACLE:-}" ]; then
    san_log "corpus against $SAN_RUN (log: $log)"
    san_corpus_run "$filter" "$log"
    local failed_names=$SAN_CORPUS_FAILED_NAMES
  else
    local glog="$out/corpus-glibc-oracle.log" musl_failed glibc_failed
    san_log "corpus against $SAN_RUN, compared with the musl-built ocamlrun $SAN_MUSL_ORACLE (log: $log)"
    san_corpus_run "$filter" "$log" "$SAN_MUSL_ORACLE"
    musl_failed=$SAN_CORPUS_FAILED_NAMES
    local rc_musl=$SAN_CORPUS_RC
    san_log "corpus against $SAN_RUN, compared with the stock (glibc) ocamlrun (log: $glog)"
    san_corpus_run "$filter" "$glog"
    glibc_failed=$SAN_CORPUS_FAILED_NAMES
    [ "$rc_musl" = 0 ] || SAN_CORPUS_RC=$rc_musl
    # Failed = differs from both oracles.
    local failed_names
    failed_names=$(comm -12 <(echo "$musl_failed") <(echo "$glibc_failed") | grep . || true)
    mkdir -p "$out/corpus-differences"
    for t in $(comm -3 <(echo "$musl_failed") <(echo "$glibc_failed") | tr -d '\t'); do
      local which file
      if echo "$musl_failed" | grep -qx "$t"; then
        which="differs from the musl-built ocamlrun, same as the glibc one"
        file="$out/corpus-differences/$t.vs-musl-oracle"
        san_corpus_report "$t" "$log" >"$file"
      else
        which="differs from the glibc ocamlrun, same as the musl-built one"
        file="$out/corpus-differences/$t.vs-glibc-oracle"
        san_corpus_report "$t" "$glog" >"$file"
      fi
      SAN_CORPUS_DIFFERENT+=("{\"program\": $(san_json_str "$t"), \"which\": $(san_json_str "$which"), \"report\": $(san_json_str "$(head -c 4000 "$file")")}")
      san_log "corpus: $t $which (not a failure; report in $file):"
      # head reads the file itself: a pipe into head would end sed with SIGPIPE (pipefail).
      head -n 40 "$file" | sed 's/^/    /' >&2
    done
    for t in $failed_names; do
      san_corpus_report "$t" "$glog" >"$out/corpus-differences/$t.vs-glibc-oracle"
      san_corpus_report "$t" "$log" >"$out/corpus-differences/$t.vs-musl-oracle"
    done
  fi
  SAN_CORPUS_SECONDS=$(($(date +%s) - start))
  SAN_CORPUS_FAILED=$(echo "$failed_names" | grep -c . || true)
  SAN_CORPUS_PASSED=$(($(grep -cE '^test .* \.\.\. (ok|FAILED)$' "$log" || true) - SAN_CORPUS_FAILED))
  if [ "$SAN_CORPUS_RC" != 0 ] && [ "$SAN_CORPUS_FAILED" = 0 ] && [ -z "${SAN_MUSL_ORACLE:-}" ]; then
    # The harness itself did not build or run.
    SAN_CORPUS_FAILED=1
    san_add_failure "corpus harness" "$log" "cargo test exited with $SAN_CORPUS_RC"
  fi
  if [ "$(grep -cE '^test .* \.\.\. (ok|FAILED)$' "$log" || true)" = 0 ]; then
    SAN_CORPUS_FAILED=1
    san_add_failure "corpus harness" "$log" "cargo test ran no program (exit $SAN_CORPUS_RC)"
  fi
  local dir f
  for t in $failed_names; do
    # Each failed program's warden stderr: take the variant that shows a report.
    f=""
    for dir in "$SAN_ROOT"/target/tmp/corpus/release/"$t"/*/run-warden; do
      [ -f "$dir/stderr" ] || continue
      f="$dir/stderr"
      [ "$(san_report_kind "$f")" != mismatch ] && break
    done
    [ -n "$f" ] || f=$log
    san_add_failure "corpus $t" "$f" "see $log"
  done
  san_log "corpus: $SAN_CORPUS_PASSED passed, $SAN_CORPUS_FAILED failed (${SAN_CORPUS_SECONDS}s)"
}

# ---------------------------------------------------------------------------------------------
# The torture runs

san_torture_programs() {
  if [ -n "${WARDEN_TORTURE:-}" ]; then
    echo "$WARDEN_TORTURE"
  elif [ -f "$SAN_ROOT/tests/ocaml/gc_torture.ml" ]; then
    echo gc_torture
  else
    (cd "$SAN_ROOT/tests/ocaml" && ls domain_*.ml | sed 's/\.ml$//' | tr '\n' ' ')
  fi
}

# Sidecar lines (no blanks, no # comments).
san_sidecar() { [ -f "$1" ] && grep -v -E '^[[:space:]]*(#|$)' "$1" || true; }

# Runs one program: san_run_one RUNTIME BYTE NAME DIR SEED STRICT; leaves stdout, stderr and
# status in DIR.
san_run_one() {
  local runtime=$1 byte=$2 name=$3 dir=$4 seed=$5 strict=$6 src="$SAN_ROOT/tests/ocaml"
  local -a args=() envs=()
  mapfile -t args < <(san_sidecar "$src/$name.args")
  mapfile -t envs < <(san_sidecar "$src/$name.env")
  # warden's own settings pass through, as in the corpus harness (WARDEN_INJECT, WARDEN_GUARD,
  # WARDEN_QUARANTINE ...), but not the scripts' own.
  local var
  while IFS= read -r var; do
    case $var in
      WARDEN_SAN_* | WARDEN_CORPUS_* | WARDEN_OCAML_PREFIX | WARDEN_TORTURE | WARDEN_TORTURE_STRICT) ;;
      *) envs+=("$var=${!var}") ;;
    esac
  done < <(compgen -e | grep '^WARDEN_' || true)
  if [ "$name" = gc_torture ]; then
    # Any seed must print "gc_torture: ok"; the strict statistics checks are warden's own.
    args=("$seed" "${WARDEN_SAN_ROUNDS:-2}")
    envs+=("WARDEN_TORTURE_STRICT=$strict")
  fi
  local stdin=/dev/null
  [ -f "$src/$name.stdin" ] && stdin="$src/$name.stdin"
  rm -rf "$dir" && mkdir -p "$dir/cwd" "$dir/tmp"
  set +e
  (cd "$dir/cwd" && env -i PATH="$PATH" HOME="$HOME" TMPDIR="$dir/tmp" LC_ALL=C "${envs[@]}" \
    timeout -k 10 "${WARDEN_SAN_TIMEOUT:-300}" "$runtime" "$byte" "${args[@]}" \
    <"$stdin" >"$dir/stdout" 2>"$dir/stderr")
  echo $? >"$dir/status"
  set -e
}

# Compiles the torture programs into OUT/torture/build and runs each once under the stock
# ocamlrun for its reference output; sets SAN_TORTURE_PROGRAMS.
san_torture_prepare() {
  local out=$1 prefix name
  prefix=$(bash "$SAN_ROOT/scripts/ocaml-toolchain.sh")
  mkdir -p "$out/torture"
  SAN_TORTURE_PROGRAMS=$(san_torture_programs)
  for name in $SAN_TORTURE_PROGRAMS; do
    [ -f "$SAN_ROOT/tests/ocaml/$name.ml" ] || san_die "no torture program tests/ocaml/$name.ml"
    local build="$out/torture/build/$name"
    rm -rf "$build" && mkdir -p "$build"
    cp "$SAN_ROOT/tests/ocaml/$name.ml" "$build/"
    local -a flags=()
    mapfile -t flags < <(san_sidecar "$SAN_ROOT/tests/ocaml/$name.flags")
    (cd "$build" && "$prefix/bin/ocamlc" -g "${flags[@]}" -o "$name.byte" "$name.ml") \
      || san_die "ocamlc failed on $name"
    san_run_one "$prefix/bin/ocamlrun" "$build/$name.byte" "$name" "$out/torture/ref/$name" 1 0
  done
}

# Runs torture program NAME (prepared in OUT) once as run I under $SAN_RUN, in
# OUT/torture/run/NAME; prints why it differs from the reference, or nothing.
san_torture_once() {
  local out=$1 name=$2 i=$3
  local dir="$out/torture/run/$name" ref="$out/torture/ref/$name"
  san_run_one "$SAN_RUN" "$out/torture/build/$name/$name.byte" "$name" "$dir" "$i" "${WARDEN_SAN_STRICT:-1}"
  if ! cmp -s "$dir/status" "$ref/status"; then echo "exit $(cat "$dir/status") (ocamlrun: $(cat "$ref/status"))"
  elif ! cmp -s "$dir/stdout" "$ref/stdout"; then echo "stdout differs from ocamlrun"
  elif ! { grep -v '^warden: fault injected: ' "$dir/stderr" || true; } | cmp -s - "$ref/stderr"; then
    # (The line that announces an injected fault is not a difference.)
    echo "stderr differs from ocamlrun"
  fi
}

# Runs the torture programs N times against $SAN_RUN; sets SAN_TORTURE_{PASSED,FAILED,SECONDS}.
san_torture() {
  local out=$1 runs=$2 start i name ok
  local -a programs
  san_torture_prepare "$out"
  read -r -a programs <<<"$SAN_TORTURE_PROGRAMS"
  san_log "torture: ${programs[*]} x $runs"
  SAN_TORTURE_PASSED=0
  SAN_TORTURE_FAILED=0
  start=$(date +%s)
  local tty=0
  [ -t 2 ] && tty=1
  for ((i = 1; i <= runs; i++)); do
    ok=1
    local why=""
    for name in "${programs[@]}"; do
      why=$(san_torture_once "$out" "$name" "$i")
      [ -n "$why" ] || continue
      local dir="$out/torture/run/$name"
      ok=0
      local keep="$out/failures/run-$i-$name"
      rm -rf "$keep" && mkdir -p "$out/failures" && cp -r "$dir" "$keep"
      san_add_failure "torture run $i: $name" "$keep/stderr" "$why"
    done
    if [ $ok = 1 ]; then SAN_TORTURE_PASSED=$((SAN_TORTURE_PASSED + 1)); else SAN_TORTURE_FAILED=$((SAN_TORTURE_FAILED + 1)); fi
    local line
    line=$(printf 'torture %d/%d: %d passed, %d failed (%ds)' "$i" "$runs" "$SAN_TORTURE_PASSED" "$SAN_TORTURE_FAILED" $(($(date +%s) - start)))
    if [ $tty = 1 ]; then printf '\r%s' "$line" >&2; else echo "$line" >&2; fi
  done
  [ $tty = 1 ] && echo >&2
  SAN_TORTURE_SECONDS=$(($(date +%s) - start))
}

# ---------------------------------------------------------------------------------------------
# AddressSanitizer: the library's `asan_tests` (src/heap/major.rs), which check that the heap
# poisons freed pool slots and large blocks for ASan, built with the same flags as the binary.
# Each test counts. Sets SAN_UNIT_{PASSED,FAILED,SECONDS}.

san_unit_tests() {
  local out=$1 log="$1/unit.log" dir="$SAN_ROOT/target/sanitizers/address" start rc
  local -a args=(test --release --lib --target "$SAN_TARGET")
  [ -n "${WARDEN_SAN_FEATURES:-}" ] && args+=(--features "$WARDEN_SAN_FEATURES")
  [ -n "${WARDEN_SAN_JOBS:-}" ] && args+=(-j "$WARDEN_SAN_JOBS")
  start=$(date +%s)
  san_log "the heap's ASan unit tests (log: $log)"
  set +e
  (cd "$SAN_ROOT" && RUSTFLAGS="-Zsanitizer=address -Cforce-frame-pointers=yes" CARGO_TARGET_DIR="$dir" \
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=1 \
    ASAN_OPTIONS="detect_leaks=0" cargo +nightly "${args[@]}" -- asan_tests >"$log" 2>&1)
  rc=$?
  set -e
  SAN_UNIT_SECONDS=$(($(date +%s) - start))
  SAN_UNIT_PASSED=$(grep -cE '^test .* \.\.\. ok$' "$log" || true)
  SAN_UNIT_FAILED=$(grep -cE '^test .* \.\.\. FAILED$' "$log" || true)
  if [ "$rc" != 0 ] || [ "$SAN_UNIT_PASSED" = 0 ]; then
    [ "$SAN_UNIT_FAILED" = 0 ] && SAN_UNIT_FAILED=1
    san_add_failure "asan unit tests" "$log" "cargo test exited with $rc"
  fi
  san_log "unit tests: $SAN_UNIT_PASSED passed, $SAN_UNIT_FAILED failed (${SAN_UNIT_SECONDS}s)"
}

# ---------------------------------------------------------------------------------------------
# The float primitives (musl): sanitizers/libm/specials.ml must print under $SAN_RUN exactly
# what it prints under the stock ocamlrun (one test); sanitizers/libm/sample.ml's results that
# differ are counted by function and reported, not failed (the libms' accuracy differs, see
# docs/sanitizers.md), against the stock ocamlrun and, when $SAN_MUSL_ORACLE is set, against
# the musl-built one. Sets SAN_LIBM_{PASSED,FAILED,SAMPLE,SAMPLE_MUSL}.

san_libm() {
  local out=$1 dir="$1/libm" p
  mkdir -p "$dir"
  san_log "float primitives against the stock ocamlrun (sanitizers/libm, in $dir)"
  for p in specials sample; do
    cp "$SAN_ROOT/sanitizers/libm/$p.ml" "$dir/"
    (cd "$dir" && "$WARDEN_OCAML_PREFIX/bin/ocamlc" -o "$p.byte" "$p.ml") || san_die "ocamlc failed on $p.ml"
    "$WARDEN_OCAML_PREFIX/bin/ocamlrun" "$dir/$p.byte" >"$dir/$p.ocamlrun" 2>&1 || san_die "ocamlrun failed on $p.byte"
    "$SAN_RUN" "$dir/$p.byte" >"$dir/$p.warden" 2>&1 || true
  done
  SAN_LIBM_PASSED=0 SAN_LIBM_FAILED=0
  if cmp -s "$dir/specials.ocamlrun" "$dir/specials.warden"; then
    SAN_LIBM_PASSED=1
  else
    SAN_LIBM_FAILED=1
    diff "$dir/specials.ocamlrun" "$dir/specials.warden" >"$dir/specials.diff" || true
    san_add_failure "libm specials" "$dir/specials.diff" "sanitizers/libm/specials.ml prints differently (< ocamlrun, > warden)"
  fi
  # "name differing/total", one per function, in the program's order.
  san_libm_count() {
    paste -d' ' "$1" "$2" | awk '
      { n = NF / 2; name = $1; if (!(name in total)) order[++k] = name; total[name]++
        if ($n != $NF || $1 != $(n + 1)) diff[name]++ }
      END { for (i = 1; i <= k; i++) printf "%s%s %d/%d", (i > 1 ? ", " : ""), order[i], diff[order[i]], total[order[i]] }'
  }
  SAN_LIBM_SAMPLE=$(san_libm_count "$dir/sample.ocamlrun" "$dir/sample.warden")
  san_log "libm: specials $([ $SAN_LIBM_PASSED = 1 ] && echo same || echo DIFFERENT); sample results that differ from the glibc ocamlrun: $SAN_LIBM_SAMPLE"
  SAN_LIBM_SAMPLE_MUSL=""
  if [ -n "${SAN_MUSL_ORACLE:-}" ]; then
    # The same sample against the musl-built ocamlrun: what remains is what warden's musl
    # build computes otherwise than musl's libm itself.
    "$SAN_MUSL_ORACLE" "$dir/sample.byte" >"$dir/sample.ocamlrun-musl" 2>&1 || san_die "the musl-built ocamlrun failed on sample.byte"
    SAN_LIBM_SAMPLE_MUSL=$(san_libm_count "$dir/sample.ocamlrun-musl" "$dir/sample.warden")
    san_log "libm: sample results that differ from the musl-built ocamlrun: $SAN_LIBM_SAMPLE_MUSL"
  fi
}

# ---------------------------------------------------------------------------------------------
# C stubs (address, thread): the stub libraries of tests/stubs/ (wstub.c and wstub_rt.c, and
# wstub_thr.c for the programs linked with the threads library) compiled by the stock
# `ocamlc -c` with the sanitizer's -fsanitize (the instrumented library calls the sanitizer runtime that warden's
# binary exports), its programs run under $SAN_RUN and compared with the stock ocamlrun running
# them with the library built without it (stdout, stderr, status); then the deliberately buggy
# stub of sanitizers/stubs/wsan.c must be reported by the sanitizer, naming the stub: a heap
# overflow (ASan), a race between the stub's own threads (TSan). Sets SAN_STUBS_{PASSED,FAILED,SECONDS}.

SAN_STUB_PROGRAMS="stubs_basic stubs_domains stubs_exit stubs_marshal stubs_custom stubs_marshal_raise stubs_memprof"
# Linked with the threads library and dllwstubthr.
SAN_STUB_THREAD_PROGRAMS="stubs_foreign stubs_foreign_raise"

san_stubs() {
  local san=$1 out=$2 dir="$2/stubs" start p d rc
  local -a cc=(-ccopt "-fsanitize=$san" -ccopt -fno-omit-frame-pointer -ccopt -g)
  start=$(date +%s)
  SAN_STUBS_PASSED=0 SAN_STUBS_FAILED=0
  san_log "C stubs built with -fsanitize=$san (in $dir)"
  rm -rf "$dir" && mkdir -p "$dir/plain" "$dir/san"
  for d in plain san; do cp "$SAN_ROOT"/tests/stubs/* "$SAN_ROOT"/sanitizers/stubs/* "$dir/$d/"; done
  set +e
  (
    set -e
    export PATH="$WARDEN_OCAML_PREFIX/bin:$PATH"
    cd "$dir/plain" && ocamlc -c wstub.c wstub_rt.c wstub_thr.c
    cd "$dir/san" && ocamlc -c "${cc[@]}" wstub.c wstub_rt.c wstub_thr.c wsan.c
    ocamlmklib -o wsan wsan.o -lpthread
    for d in plain san; do
      cd "$dir/$d"
      ocamlmklib -o wstub wstub.o wstub_rt.o && ocamlmklib -o wstubthr wstub_thr.o -lpthread
      for p in $SAN_STUB_PROGRAMS; do
        ocamlc -dllib -lwstub -dllpath "$dir/$d" "$p.ml" -o "$p.byte"
      done
      for p in $SAN_STUB_THREAD_PROGRAMS; do
        ocamlc -dllib -lwstubthr -dllpath "$dir/$d" -I +unix -I +threads unix.cma threads.cma \
          "$p.ml" -o "$p.byte"
      done
    done
    cd "$dir/san"
    for p in san_overflow san_race; do ocamlc -dllib -lwsan -dllpath "$dir/san" "$p.ml" -o "$p.byte"; done
  ) >"$dir/build.log" 2>&1
  rc=$?
  set -e
  if [ "$rc" != 0 ]; then
    SAN_STUBS_FAILED=1
    san_add_failure "stubs build" "$dir/build.log" "building the stub libraries failed"
    return
  fi
  local t=${WARDEN_SAN_TIMEOUT:-300} a b
  for p in $SAN_STUB_PROGRAMS $SAN_STUB_THREAD_PROGRAMS; do
    set +e
    (cd "$dir/plain" && timeout "$t" "$WARDEN_OCAML_PREFIX/bin/ocamlrun" "$p.byte" </dev/null >"$p.out" 2>"$p.err")
    a=$?
    (cd "$dir/san" && timeout "$t" "$SAN_RUN" "$p.byte" </dev/null >"$p.out" 2>"$p.err")
    b=$?
    set -e
    if [ "$a" = "$b" ] && cmp -s "$dir/plain/$p.out" "$dir/san/$p.out" && cmp -s "$dir/plain/$p.err" "$dir/san/$p.err"; then
      SAN_STUBS_PASSED=$((SAN_STUBS_PASSED + 1))
    else
      SAN_STUBS_FAILED=$((SAN_STUBS_FAILED + 1))
      san_add_failure "stubs $p" "$dir/san/$p.err" "differs from the stock ocamlrun (status $a there, $b here; outputs in $dir/{plain,san}/$p.{out,err})"
    fi
  done
  local bug expect
  case $san in
    address) bug=san_overflow expect='ERROR: AddressSanitizer: heap-buffer-overflow' ;;
    thread) bug=san_race expect='WARNING: ThreadSanitizer: data race' ;;
  esac
  set +e
  (cd "$dir/san" && timeout "$t" "$SAN_RUN" "$bug.byte" </dev/null >"$bug.out" 2>"$bug.err")
  set -e
  if grep -q "$expect" "$dir/san/$bug.err" && grep -q "wsan_" "$dir/san/$bug.err"; then
    SAN_STUBS_PASSED=$((SAN_STUBS_PASSED + 1))
    san_log "stubs: the buggy stub's mistake is reported ($expect, in $dir/san/$bug.err)"
  else
    SAN_STUBS_FAILED=$((SAN_STUBS_FAILED + 1))
    san_add_failure "stubs $bug" "$dir/san/$bug.err" "the sanitizer did not report the buggy stub ($expect)"
  fi
  SAN_STUBS_SECONDS=$(($(date +%s) - start))
  san_log "stubs: $SAN_STUBS_PASSED passed, $SAN_STUBS_FAILED failed (${SAN_STUBS_SECONDS}s)"
}

# ---------------------------------------------------------------------------------------------

san_main() {
  local san=$1
  shift
  local runs=10 corpus=1 torture=1 libm=0 stubs=0 filter="" name=$san
  case $san in address | thread) stubs=1 ;; esac
  [ "$san" = musl ] && libm=1
  while [ $# -gt 0 ]; do
    case $1 in
      --no-corpus) corpus=0 ;;
      --no-torture) torture=0 ;;
      --no-libm) libm=0 ;;
      --no-stubs) stubs=0 ;;
      --corpus) filter=$2; shift ;;
      --name) name=$2; shift ;;
      -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SAN_ROOT/sanitizers/lib.sh"; exit 0 ;;
      *[!0-9]* | "") san_die "unknown argument $1" ;;
      *) runs=$1 ;;
    esac
    shift
  done
  [ $torture = 1 ] || runs=0

  san_need_cargo
  case $san in
    address | thread) san_need_nightly ;;
    musl) san_need_musl ;;
  esac
  # The stock toolchain: the corpus harness and the torture references need it.
  export WARDEN_OCAML_PREFIX
  WARDEN_OCAML_PREFIX=$(bash "$SAN_ROOT/scripts/ocaml-toolchain.sh")
  # musl: also the stock runtime built with musl-gcc, the oracle with warden's libm.
  SAN_MUSL_ORACLE=""
  if [ "$san" = musl ] && { [ $corpus = 1 ] || [ $libm = 1 ]; }; then
    SAN_MUSL_ORACLE="$(bash "$SAN_ROOT/scripts/ocaml-toolchain.sh" --musl)/bin/ocamlrun"
  fi

  local out="$SAN_ROOT/results/$name" t0 build_seconds
  rm -rf "$out" && mkdir -p "$out"
  t0=$(date +%s)
  san_build "$san"
  build_seconds=$(($(date +%s) - t0))
  san_log "build took ${build_seconds}s"
  san_wrapper "$san" "$out/warden"

  SAN_UNIT_PASSED=0 SAN_UNIT_FAILED=0 SAN_UNIT_SECONDS=0
  [ "$san" = address ] && san_unit_tests "$out"
  SAN_CORPUS_PASSED=0 SAN_CORPUS_FAILED=0 SAN_CORPUS_SECONDS=0 SAN_CORPUS_DIFFERENT=()
  [ $corpus = 1 ] && san_corpus "$out" "$filter"
  SAN_STUBS_PASSED=0 SAN_STUBS_FAILED=0 SAN_STUBS_SECONDS=0
  [ $stubs = 1 ] && san_stubs "$san" "$out"
  SAN_TORTURE_PASSED=0 SAN_TORTURE_FAILED=0 SAN_TORTURE_SECONDS=0 SAN_TORTURE_PROGRAMS=""
  [ "$runs" -gt 0 ] && san_torture "$out" "$runs"
  SAN_LIBM_PASSED=0 SAN_LIBM_FAILED=0 SAN_LIBM_SAMPLE="" SAN_LIBM_SAMPLE_MUSL=""
  [ $libm = 1 ] && san_libm "$out"

  local failures="" f different=""
  for f in "${SAN_FAILURES[@]+"${SAN_FAILURES[@]}"}"; do failures+="${failures:+,
    }$f"; done
  for f in "${SAN_CORPUS_DIFFERENT[@]+"${SAN_CORPUS_DIFFERENT[@]}"}"; do different+="${different:+,
      }$f"; done
  cat >"$out/summary.json" <<EOF
{
  "sanitizer": "$san",
  "name": $(san_json_str "$name"),
  "binary": $(san_json_str "$SAN_BIN"),
  "features": $(san_json_str "${WARDEN_SAN_FEATURES:-}"),
  "rustc": $(san_json_str "$(if [ "$san" = musl ]; then rustc -V; else rustc +nightly -V; fi)"),
  "host": $(san_json_str "$(uname -srm), $(nproc) cores"),
  "build_seconds": $build_seconds,
  "unit": {"passed": $SAN_UNIT_PASSED, "failed": $SAN_UNIT_FAILED, "seconds": $SAN_UNIT_SECONDS},
  "corpus": {"ran": $corpus, "passed": $SAN_CORPUS_PASSED, "failed": $SAN_CORPUS_FAILED, "seconds": $SAN_CORPUS_SECONDS,
    "musl_oracle": $(san_json_str "${SAN_MUSL_ORACLE:-}"),
    "same_as_one_oracle_only": [
      $different
    ]},
  "stubs": {"ran": $stubs, "passed": $SAN_STUBS_PASSED, "failed": $SAN_STUBS_FAILED, "seconds": $SAN_STUBS_SECONDS},
  "torture": {"programs": $(san_json_str "$SAN_TORTURE_PROGRAMS"), "runs": $runs, "passed": $SAN_TORTURE_PASSED, "failed": $SAN_TORTURE_FAILED, "seconds": $SAN_TORTURE_SECONDS},
  "libm": {"ran": $libm, "specials_passed": $SAN_LIBM_PASSED, "specials_failed": $SAN_LIBM_FAILED, "sample_differing": $(san_json_str "$SAN_LIBM_SAMPLE"), "sample_differing_from_musl_oracle": $(san_json_str "$SAN_LIBM_SAMPLE_MUSL")},
  "failures": [
    $failures
  ]
}
EOF
  local passed=$((SAN_UNIT_PASSED + SAN_TORTURE_PASSED + SAN_CORPUS_PASSED + SAN_LIBM_PASSED + SAN_STUBS_PASSED))
  local failed=$((SAN_UNIT_FAILED + SAN_TORTURE_FAILED + SAN_CORPUS_FAILED + SAN_LIBM_FAILED + SAN_STUBS_FAILED))
  san_log "$name: build ${build_seconds}s, corpus ${SAN_CORPUS_SECONDS}s, torture ${SAN_TORTURE_SECONDS}s; summary in $out/summary.json"
  [ "$san" = address ] && echo "$name unit tests: $SAN_UNIT_PASSED passed, $SAN_UNIT_FAILED failed"
  if [ $corpus = 1 ]; then
    local note=""
    [ ${#SAN_CORPUS_DIFFERENT[@]} -gt 0 ] && note=" ($(printf '%s\n' "${SAN_CORPUS_DIFFERENT[@]}" | sed -E 's/^\{"program": "([^"]*)", "which": "([^"]*)".*/\1 \2/' | paste -sd';' | sed 's/;/; /g'))"
    echo "$name corpus: $SAN_CORPUS_PASSED passed, $SAN_CORPUS_FAILED failed$note"
  fi
  [ $stubs = 1 ] && echo "$name stubs: $SAN_STUBS_PASSED passed, $SAN_STUBS_FAILED failed"
  [ "$runs" -gt 0 ] && echo "$name torture: $SAN_TORTURE_PASSED passed, $SAN_TORTURE_FAILED failed"
  [ $libm = 1 ] && echo "$name libm specials: $SAN_LIBM_PASSED passed, $SAN_LIBM_FAILED failed; sample results that differ from the glibc ocamlrun: $SAN_LIBM_SAMPLE; from the musl-built one: $SAN_LIBM_SAMPLE_MUSL"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}
