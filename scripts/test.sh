#!/usr/bin/env bash
# The project's one test command: installs what is missing (the stock OCaml toolchain,
# through scripts/ocaml-toolchain.sh; Rust is expected from rustup), runs the lint
# (scripts/lint.sh: fmt, the floor check, clippy), then the whole test suite in the debug
# and the release profile. Extra arguments go to both
# `cargo test` runs (for example `scripts/test.sh --test corpus`).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null || { echo "test.sh: cargo not found (install Rust with rustup)" >&2; exit 1; }

prefix=$(bash scripts/ocaml-toolchain.sh)
echo "test.sh: stock OCaml toolchain at $prefix" >&2
export WARDEN_OCAML_PREFIX="$prefix"

failed=()
echo "test.sh: lint (fmt, floors, clippy)" >&2
bash scripts/lint.sh || failed+=("lint")
echo "test.sh: cargo test (debug)" >&2
cargo test "$@" || failed+=("debug")
echo "test.sh: cargo test --release" >&2
cargo test --release "$@" || failed+=("release")

if [ ${#failed[@]} -ne 0 ]; then
  echo "test.sh: FAILED in: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: all tests passed (debug and release)" >&2
