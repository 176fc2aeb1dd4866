#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the pinned npm tools, checks formatting
# and lints, then runs every test (unit, property, fixture, crash and end-to-end tests).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# Contracts: committed artifacts match the sources, storage layouts stay upgrade-safe,
# and the Solidity tests pass (forge offline, with the pinned solc-js).
npm run --silent contracts:check
npm run --silent contracts:test

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
