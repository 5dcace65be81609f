#!/usr/bin/env bash
# The waternet example, end to end. Run inside `pum sandbox` (scripts/demo.sh
# does that), which provides a throwaway PostgreSQL, the service `waternet`
# (our "production") and $PUM, the pum binary.
set -euo pipefail
cd "$(dirname "$0")"
PUM=${PUM:-pum}
T=water_sys.pum_info
# Nothing waits for a key: no pager, ever.
export PAGER=cat PSQL_PAGER=cat
psql() { command psql -X -P pager=off "$@"; }

# Headings in bold on a terminal only, with the conventions pum follows:
# never with NO_COLOR, also when piped with CLICOLOR_FORCE.
bold=0
if [ -n "${NO_COLOR:-}" ]; then bold=0
elif [ -n "${CLICOLOR_FORCE:-}" ] && [ "${CLICOLOR_FORCE}" != 0 ]; then bold=1
elif [ -t 1 ]; then bold=1
fi
step() {
  if [ $bold = 1 ]; then printf '\n\033[1m== %s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi
}
say() { printf '%s\n' "$@"; }

step "Production at version 1.0.0, built by the data model's 1.0.0 creation script"
say "create_1.0.0.sql builds the database as a user of version 1.0.0 has it; pum baseline" \
    "then records in the upgrades table $T that it is at 1.0.0." ""
psql -q -v ON_ERROR_STOP=1 service=waternet -f create_1.0.0.sql
"$PUM" baseline -p waternet -t "$T" -b 1.0.0

step "pum info: what an upgrade would do"
say "Each file in delta/ is one step from a version to the next; pum info lists them" \
    "with their status against the upgrades table." ""
"$PUM" info -p waternet -t "$T" -d delta

# The reference is built for the occasion by the 1.2.0 creation script, in a
# scratch database that pum passes to the command as PGSERVICE.
reference="psql -X -q -v ON_ERROR_STOP=1 -f create_1.2.0.sql && \"$PUM\" baseline -p \"\$PGSERVICE\" -t $T -b 1.2.0 >/dev/null"

# On a terminal pum asks before touching production; elsewhere --yes answers.
confirm=()
if [ -t 0 ]; then
  asks="pum asks you first (answer y)"
  confirmed="confirmed by you at the prompt"
else
  confirm=(--yes)
  asks="no terminal to ask on here, so --yes confirms it"
  confirmed="confirmed by --yes"
fi

step "pum test-and-upgrade: rehearse on a copy of production, compare with the reference, then upgrade production"
say "What pum does now, each step under its own == heading:"
row() { printf '  %-27s %s\n' "$1" "$2"; }
row "prepare" "checks production, the delta files and the reference,"
row "" "and creates an empty test database"
row "dump production" "pg_dump of production into a temporary file"
row "restore" "the dump restored into the test database:"
row "" "a copy of production"
row "upgrade the test database" "the pending deltas applied to the copy, not to production"
row "compare" "the upgraded copy against a reference: a scratch database"
row "" "built from create_1.2.0.sql, the data model's own script"
row "" "for 1.2.0 (--comp-init); compared object by object"
row "confirm" "only if the comparison found no difference, and then"
row "" "$asks;"
row "" "pum checks that nobody upgraded production since the dump"
row "upgrade production" "the same deltas, now on production"
say ""
"$PUM" test-and-upgrade -pp waternet -t "$T" -d delta -v int SRID 2056 \
    --comp-init "$reference" "${confirm[@]}"
say "" "The upgraded copy showed no difference from the database built by create_1.2.0.sql," \
    "so production was upgraded, $confirmed."

step "pum info: production is up to date"
"$PUM" info -p waternet -t "$T" -d delta

step "The upgraded data"
psql service=waternet -c "SELECT * FROM water.vw_network" -c "SELECT * FROM water_sys.settings"
