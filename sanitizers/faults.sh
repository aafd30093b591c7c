#!/usr/bin/env bash
# Do the sanitizers catch injected faults? Builds warden for SANITIZER (asan or tsan) with the
# `fault-injection` feature (plus WARDEN_SAN_FEATURES, e.g. "hardened"), runs the torture
# program N times (default 20) with WARDEN_INJECT=FAULT (a fresh random firing point per run,
# see src/check/fault.rs), and counts the runs where the fault fired and where it was caught:
# by the sanitizer (an ASan memory-error or TSan report), by a hardened check, by a crash (a
# signal, also when ASan only relays it as "SEGV on unknown address"), by wrong output, or
# not at all. Writes results/faults-SANITIZER-FAULT/summary.json and ends
# with "C caught, M missed" (over the runs where the fault fired).
#   sanitizers/faults.sh SANITIZER FAULT [N]
# Example: sanitizers/faults.sh asan early-sweep 200
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case ${1:-} in
  asan) san=address ;;
  tsan) san=thread ;;
  *) san_die "usage: sanitizers/faults.sh asan|tsan FAULT [N]" ;;
esac
fault=${2:?usage: sanitizers/faults.sh asan|tsan FAULT [N]}
runs=${3:-20}
name="faults-$1-$fault"

san_need_cargo
san_need_nightly
export WARDEN_OCAML_PREFIX
WARDEN_OCAML_PREFIX=$(bash "$SAN_ROOT/scripts/ocaml-toolchain.sh")
out="$SAN_ROOT/results/$name"
rm -rf "$out" && mkdir -p "$out"
WARDEN_SAN_FEATURES="fault-injection${WARDEN_SAN_FEATURES:+ $WARDEN_SAN_FEATURES}"
t0=$(date +%s)
san_build "$san"
build_seconds=$(($(date +%s) - t0))
san_wrapper "$san" "$out/warden"
unset WARDEN_INJECT WARDEN_INJECT_AT
san_torture_prepare "$out"
read -r -a programs <<<"$SAN_TORTURE_PROGRAMS"

fired=0 by_sanitizer=0 by_hardened=0 by_crash=0 by_other=0 missed=0 not_fired=0
start=$(date +%s)
for ((i = 1; i <= runs; i++)); do
  for prog in "${programs[@]}"; do
    why=$(WARDEN_INJECT=$fault san_torture_once "$out" "$prog" "$i")
    dir="$out/torture/run/$prog"
    if ! grep -q 'fault injected' "$dir/stderr"; then
      not_fired=$((not_fired + 1))
      continue
    fi
    fired=$((fired + 1))
    kind=$(san_report_kind "$dir/stderr")
    case $kind in
      asan | tsan) by_sanitizer=$((by_sanitizer + 1)) ;;
      hardened-check) by_hardened=$((by_hardened + 1)) ;;
      asan-signal) by_crash=$((by_crash + 1)) ;;
      *) if [ "$(cat "$dir/status")" -gt 128 ]; then by_crash=$((by_crash + 1))
         elif [ -n "$why" ]; then by_other=$((by_other + 1)); else missed=$((missed + 1)); fi ;;
    esac
    if [ "$kind" != asan ] && [ "$kind" != tsan ]; then
      keep="$out/failures/run-$i-$prog"
      rm -rf "$keep" && mkdir -p "$out/failures" && cp -r "$dir" "$keep"
      san_add_failure "run $i: $prog: not reported by the sanitizer" "$keep/stderr" "${why:-same output as ocamlrun}"
    fi
  done
  echo "faults $i/$runs: fired $fired, sanitizer $by_sanitizer, hardened $by_hardened, crash $by_crash, wrong output $by_other, missed $missed ($(($(date +%s) - start))s)" >&2
done
seconds=$(($(date +%s) - start))

failures=""
for f in "${SAN_FAILURES[@]+"${SAN_FAILURES[@]}"}"; do failures+="${failures:+,
    }$f"; done
cat >"$out/summary.json" <<EOF
{
  "sanitizer": "$san",
  "fault": $(san_json_str "$fault"),
  "features": $(san_json_str "$WARDEN_SAN_FEATURES"),
  "programs": $(san_json_str "$SAN_TORTURE_PROGRAMS"),
  "runs": $runs,
  "fired": $fired,
  "not_fired": $not_fired,
  "caught_by_sanitizer": $by_sanitizer,
  "caught_by_hardened_check": $by_hardened,
  "crash": $by_crash,
  "wrong_output": $by_other,
  "missed": $missed,
  "build_seconds": $build_seconds,
  "seconds": $seconds,
  "not_caught_by_sanitizer": [
    $failures
  ]
}
EOF
san_log "summary in $out/summary.json"
echo "$fault under $1: fired in $fired of $runs runs; sanitizer report in $by_sanitizer, hardened check in $by_hardened, crash in $by_crash, wrong output in $by_other, missed in $missed"
echo "$by_sanitizer caught, $((fired - by_sanitizer)) missed"
