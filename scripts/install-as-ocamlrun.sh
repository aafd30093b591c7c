#!/usr/bin/env bash
# Installs warden under the names the stock toolchain's executables name in their `#!` line
# and that `ocamlc -use-runtime` takes, so that a bytecode project's `make test` or
# `dune test` runs under warden unchanged (docs/stubs.md):
#
#   scripts/install-as-ocamlrun.sh PREFIX [--no-hardened]
#       PREFIX/bin/ocamlrun   production build (cargo build --release)
#       PREFIX/bin/ocamlrund  hardened build (cargo build --release --features hardened,
#                             target dir target/hardened), unless --no-hardened
#   Both are built with WARDEN_STDLIB_DIR set to the stock toolchain's library directory
#   (`ocamlc -where` of the toolchain that scripts/ocaml-toolchain.sh finds, or of OCAMLC
#   when set), so that they find its ld.conf, and with it the stub libraries.
#   Put PREFIX/bin first in PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
[ $# -ge 1 ] || { echo "usage: scripts/install-as-ocamlrun.sh PREFIX [--no-hardened]" >&2; exit 2; }
prefix=$1 hardened=1
[ "${2:-}" = --no-hardened ] && hardened=0
ocamlc=${OCAMLC:-$(bash scripts/ocaml-toolchain.sh | tail -n 1)/bin/ocamlc}
stdlib=$("$ocamlc" -where)
export WARDEN_STDLIB_DIR=$stdlib
mkdir -p "$prefix/bin"
cargo build --release --quiet
install -m 755 target/release/warden "$prefix/bin/ocamlrun"
if [ $hardened = 1 ]; then
  cargo build --release --features hardened --target-dir target/hardened --quiet
  install -m 755 target/hardened/release/warden "$prefix/bin/ocamlrund"
fi
echo "installed in $prefix/bin (standard library $stdlib); put it first in PATH"
