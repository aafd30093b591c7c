#!/usr/bin/env bash
# The house rules that a machine can check, fast: formatting (rustfmt.toml), the floor order
# (docs/architecture.md, scripts/check-layers.py) and clippy with the lints of Cargo.toml's
# [lints] table, warnings as errors. scripts/test.sh runs it before the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
status=0
echo "lint: cargo fmt --check" >&2
cargo fmt --check >/dev/null || { echo "lint: cargo fmt --check failed (run cargo fmt)" >&2; status=1; }
echo "lint: floors" >&2
python3 scripts/check-layers.py || status=1
command -v cargo-clippy >/dev/null || rustup component add clippy >&2
# Both twins of src/check: the debug profile compiles the hardened hooks, release the empty ones.
for profile in dev release; do
  echo "lint: cargo clippy --all-targets --profile $profile -- -D warnings" >&2
  cargo clippy --quiet --all-targets --profile "$profile" -- -D warnings || status=1
done
echo "lint: cargo clippy --all-targets --features fault-injection -- -D warnings" >&2
cargo clippy --quiet --all-targets --features fault-injection -- -D warnings || status=1
if [ $status -ne 0 ]; then
  echo "lint: FAILED" >&2
fi
exit $status
