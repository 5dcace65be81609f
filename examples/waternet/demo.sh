#!/usr/bin/env bash
# The waternet example, end to end. Run inside `pum sandbox` (scripts/demo.sh
# does that), which provides a throwaway PostgreSQL, the service `waternet`
# and $PUM, the pum binary.
set -euo pipefail
cd "$(dirname "$0")"
PUM=${PUM:-pum}
T=water_sys.pum_info

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "A database at version 1.0.0, built by the data model's creation script"
psql -X -q -v ON_ERROR_STOP=1 service=waternet -f create_1.0.0.sql

step "pum baseline: record that it is at 1.0.0"
"$PUM" baseline -p waternet -t "$T" -b 1.0.0

step "pum info: what an upgrade would do"
"$PUM" info -p waternet -t "$T" -d delta

step "pum upgrade: apply the pending deltas (SQL, COPY data, Python, variables)"
"$PUM" upgrade -p waternet -t "$T" -d delta -v int SRID 2056

step "pum info: up to date"
"$PUM" info -p waternet -t "$T" -d delta

step "The upgraded data"
psql -X service=waternet -c "SELECT * FROM water.vw_network" -c "SELECT * FROM water_sys.settings"
