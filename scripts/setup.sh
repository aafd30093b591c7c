#!/usr/bin/env bash
# Sets up a fresh machine for warden: checks the Rust toolchain, installs the stock OCaml
# 5.3.0 bytecode toolchain (the oracle the tests compare against).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
command -v cargo >/dev/null || { echo "setup: cargo not found (install Rust with rustup)" >&2; exit 1; }
prefix=$(scripts/ocaml-toolchain.sh)
echo "setup: OCaml toolchain at $prefix"
