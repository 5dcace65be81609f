#!/usr/bin/env bash
# The waternet example, end to end. Run inside `pum sandbox` (scripts/demo.sh
# does that), which provides a throwaway PostgreSQL, the service `waternet`
# (our "production") and $PUM, the pum binary.
set -euo pipefail
cd "$(dirname "$0")"
PUM=${PUM:-pum}
T=water_sys.pum_info

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Production at version 1.0.0, built by the data model's 1.0.0 creation script"
psql -X -q -v ON_ERROR_STOP=1 service=waternet -f create_1.0.0.sql
"$PUM" baseline -p waternet -t "$T" -b 1.0.0

step "pum info: what an upgrade would do"
"$PUM" info -p waternet -t "$T" -d delta

# The reference is built for the occasion by the 1.2.0 creation script, in a
# scratch database that pum passes to the command as PGSERVICE.
reference="psql -X -q -v ON_ERROR_STOP=1 -f create_1.2.0.sql && \"$PUM\" baseline -p \"\$PGSERVICE\" -t $T -b 1.2.0 >/dev/null"

# On a terminal pum asks before touching production; elsewhere --yes says so.
confirm=()
[ -t 0 ] || confirm=(--yes)

step "pum test-and-upgrade: rehearse on a copy of production, compare with the reference, then upgrade production"
"$PUM" test-and-upgrade -pp waternet -t "$T" -d delta -v int SRID 2056 \
    --comp-init "$reference" "${confirm[@]}"

step "pum info: production is up to date"
"$PUM" info -p waternet -t "$T" -d delta

step "The upgraded data"
psql -X service=waternet -c "SELECT * FROM water.vw_network" -c "SELECT * FROM water_sys.settings"
