#!/usr/bin/env bash
# Installs the stock OCaml 5.3.0 bytecode-only toolchain (the oracle) into a cache folder
# outside the repository, idempotently, and prints its prefix on stdout.
#   WARDEN_OCAML_PREFIX  where to install (default: ~/.cache/warden/ocaml-5.3.0)
# The source comes from the npm registry (package ocaml@5.3.0); progress goes to stderr.
set -euo pipefail
prefix=${WARDEN_OCAML_PREFIX:-$HOME/.cache/warden/ocaml-5.3.0}
if [ -x "$prefix/bin/ocamlc" ] && [ -x "$prefix/bin/ocamlrun" ] && [ -f "$prefix/.complete" ]; then
  echo "$prefix"; exit 0
fi
command -v npm >/dev/null || { echo "ocaml-toolchain: npm is needed to fetch the OCaml source" >&2; exit 1; }
command -v make >/dev/null && command -v cc >/dev/null || {
  echo "ocaml-toolchain: installing build tools" >&2
  (apt-get update -qq && apt-get install -y -qq build-essential) >&2
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "ocaml-toolchain: fetching ocaml@5.3.0 source" >&2
(cd "$work" && npm pack ocaml@5.3.0 --silent >/dev/null && tar xzf ocaml-5.3.0.tgz)
src="$work/package"
echo "ocaml-toolchain: building into $prefix (about 2 minutes)" >&2
(cd "$src" && ./configure --prefix="$prefix" --disable-native-compiler --disable-ocamldoc \
   --disable-debugger >"$work/configure.log" 2>&1 || { tail -30 "$work/configure.log" >&2; exit 1; })
(cd "$src" && make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -30 "$work/make.log" >&2; exit 1; })
(cd "$src" && make install >"$work/install.log" 2>&1 || { tail -30 "$work/install.log" >&2; exit 1; })
touch "$prefix/.complete"
echo "$prefix"
