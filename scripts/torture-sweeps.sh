#!/usr/bin/env bash
# The 200-run torture sweeps of the multicore issue: release and debug builds, each with
# default settings and with OCAMLRUNPARAM=s=4096. Usage: scripts/torture-sweeps.sh [N=200]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
status=0
for profile in release debug; do
  for minor in "" 4096; do
    flags=(); [ "$profile" = debug ] && flags+=(--debug); [ -n "$minor" ] && flags+=(--minor-heap "$minor")
    echo "== $profile${minor:+, s=$minor}"
    bash scripts/torture.sh "$n" "${flags[@]}" || status=1
  done
done
exit $status
