#!/usr/bin/env bash
# Installs the stock OCaml 5.3.0 bytecode-only toolchain (the oracle) into a cache folder
# outside the repository, idempotently, and prints its prefix on stdout.
#   scripts/ocaml-toolchain.sh [--musl]
#   --musl               build it with musl-gcc instead (its ocamlrun and stub libraries use
#                        musl's libc and libm): the oracle for warden's musl build, see
#                        docs/sanitizers.md. Needs musl-gcc (apt package musl-tools).
#   WARDEN_OCAML_PREFIX  where to install (default: ~/.cache/warden/ocaml-5.3.0, or
#                        ~/.cache/warden/ocaml-5.3.0-musl with --musl; WARDEN_OCAML_MUSL_PREFIX
#                        overrides the latter)
# The source comes from the npm registry (package ocaml@5.3.0); progress goes to stderr.
set -euo pipefail
cc_args=()
if [ "${1:-}" = --musl ]; then
  prefix=${WARDEN_OCAML_MUSL_PREFIX:-$HOME/.cache/warden/ocaml-5.3.0-musl}
  command -v musl-gcc >/dev/null || { echo "ocaml-toolchain: musl-gcc is needed for --musl (apt package musl-tools)" >&2; exit 1; }
  cc_args=(CC=musl-gcc)
else
  prefix=${WARDEN_OCAML_PREFIX:-$HOME/.cache/warden/ocaml-5.3.0}
fi
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
echo "ocaml-toolchain: building into $prefix ${cc_args[*]} (about 2 minutes on an idle machine)" >&2
(cd "$src" && ./configure "${cc_args[@]}" --prefix="$prefix" --disable-native-compiler --disable-ocamldoc \
   --disable-debugger >"$work/configure.log" 2>&1 || { tail -30 "$work/configure.log" >&2; exit 1; })
(cd "$src" && make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -30 "$work/make.log" >&2; exit 1; })
(cd "$src" && make install >"$work/install.log" 2>&1 || { tail -30 "$work/install.log" >&2; exit 1; })
touch "$prefix/.complete"
echo "$prefix"
