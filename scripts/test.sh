#!/usr/bin/env bash
# The project's test command (the README's second command; CI calls it too).
# Formatting, lints with warnings as errors, then every test of the workspace in release mode
# (the physics tests solve real grids; release keeps the suite to a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --release -- -D warnings
echo "== cargo test"
cargo test --workspace --release
