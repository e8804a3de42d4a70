#!/usr/bin/env bash
# Runs every test of the project: the workspace's unit, integration and doc tests
# (namespace tests included when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
cargo test --workspace --doc
