#!/usr/bin/env bash
# Installs what the tests need (if missing), then runs every test: unit tests
# and integration tests against real PostgreSQL clusters the tests start.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
export PUM010="${PUM010:-$PWD/${PUM010_VENV:-target/pum010-venv}/bin/pum}"
export PUM_TEST_PY_ENVS="${PUM_TEST_PY_ENVS:-$PWD/${PUM_PY_ENVS:-target/py-envs}}"
export PUM_TEST_PYTHON="${PUM_TEST_PYTHON:-/usr/bin/python3}"
cargo test --workspace "$@"
