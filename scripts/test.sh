#!/usr/bin/env bash
# The project's test command (the README's second command; CI calls it too).
# Formatting, lints with warnings as errors, the API docs with warnings as errors, then every
# test of the workspace in release mode (the physics tests solve real grids; release keeps the
# suite to a few minutes). Features: the controller's `emulator` is on for the tests (the CLI
# turns it on too); the library must also build without it.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --all-features --release -- -D warnings
cargo clippy -p coldtray-controller --release -- -D warnings
echo "== cargo doc -D warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --all-features
echo "== cargo test"
cargo test --workspace --all-features --release
