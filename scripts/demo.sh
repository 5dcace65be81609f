#!/usr/bin/env bash
# pum's main job end to end on a throwaway PostgreSQL that pum starts itself:
# a "production" database of the waternet example at 1.0.0 is baselined,
# inspected, rehearsed on a copy and upgraded to 1.2.0. Nothing to prepare;
# nothing left behind.
#
#   PUM=/path/to/pum scripts/demo.sh    run it with that pum instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
# Nothing in the demo waits for a key: no pager, ever.
export PAGER=cat PSQL_PAGER=cat
scripts/setup.sh
if [ -z "${PUM:-}" ]; then
  if [ -x target/release/pum ]; then
    echo "demo: building pum (release mode; only what changed since the last build)"
  else
    echo "demo: building pum in release mode: a few minutes the first time (cargo shows its progress)"
  fi
  cargo build --release -p pum
  PUM=target/release/pum
fi
exec "$PUM" sandbox --db waternet -- bash examples/waternet/demo.sh
