#!/usr/bin/env bash
# Installs what the tests need (if missing), then runs every test: unit tests
# and integration tests against real PostgreSQL clusters the tests start.
#
#   scripts/test.sh [CARGO TEST ARGS...]           the installed server (e.g. Debian's 15)
#   scripts/test.sh --pg 13 [CARGO TEST ARGS...]   PostgreSQL 13 from target/pg/13
#                                                  (downloaded by scripts/pg-matrix.sh)
#
# With --pg, the clusters run that major (the tests check it), and pg_dump,
# pg_restore and psql are its own, or the newest major's when it has none.
set -euo pipefail
cd "$(dirname "$0")/.."
pg=
if [ "${1:-}" = --pg ]; then
  [ $# -ge 2 ] || { echo "test.sh: --pg needs a major version (13 to 18)" >&2; exit 2; }
  pg=$2
  shift 2
fi
scripts/setup.sh --tests
export PUM010="${PUM010:-$PWD/${PUM010_VENV:-target/pum010-venv}/bin/pum}"
export PUM1="${PUM1:-$PWD/${PUM1_VENV:-target/pum1-venv}/bin/pum}"
export PUM_TEST_PY_ENVS="${PUM_TEST_PY_ENVS:-$PWD/${PUM_PY_ENVS:-target/py-envs}}"
export PUM_TEST_PYTHON="${PUM_TEST_PYTHON:-/usr/bin/python3}"
if [ -n "$pg" ]; then
  PUM_PG_BINDIR=$(scripts/pg-matrix.sh --bindir "$pg")
  tools=$(scripts/pg-matrix.sh --tools "$pg")
  export PUM_PG_BINDIR PUM_TEST_PG_MAJOR=$pg
  export PG_DUMP_EXE=$tools/pg_dump PG_RESTORE_EXE=$tools/pg_restore PATH=$tools:$PATH
  echo "test.sh: PostgreSQL $pg from $PUM_PG_BINDIR, client tools from $tools" >&2
fi
cargo test --workspace "$@"
