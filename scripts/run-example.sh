#!/usr/bin/env bash
# Compiles examples/hello.ml (or the .ml given) with the stock ocamlc and runs it under warden.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
src=${1:-examples/hello.ml}
prefix=$(scripts/ocaml-toolchain.sh)
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp "$src" "$out/"
(cd "$out" && "$prefix/bin/ocamlc" -o prog.byte "$(basename "$src")")
target/release/warden "$out/prog.byte"
