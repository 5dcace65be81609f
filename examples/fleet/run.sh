#!/usr/bin/env bash
# Fleet upgrades on a throwaway cluster: three site databases, then one
# database with a schema per tenant. Run from the repository root:
#
#   cargo build -p pum && target/debug/pum sandbox --db site_a --db site_b --db site_c --db saas \
#       -- bash examples/fleet/run.sh
set -euo pipefail
cd "$(dirname "$0")"
pum=${PUM:-pum}

echo "== three databases, one data model"
for db in site_a site_b site_c; do psql -Xq -d "$db" -c "CREATE SCHEMA network"; done
"$pum" baseline --databases site_a,site_b,site_c -t network.pum_info -b 1.0.0
# site_c already has what 1.1.0 adds: its upgrade fails, the others go on.
psql -Xq -d site_c -c "CREATE TABLE network.valve (id int)"
"$pum" upgrade --databases site_a,site_b,site_c -t network.pum_info -d sites --jobs 2 || echo "(exit $?: one site failed)"
psql -Xq -d site_c -c "DROP TABLE network.valve"
# The re-run continues where each database stopped.
"$pum" upgrade --databases site_a,site_b,site_c -t network.pum_info -d sites --jobs 2
"$pum" info --databases site_a,site_b,site_c -t network.pum_info -d sites

echo "== one schema per tenant"
psql -Xq -d saas -c "CREATE SCHEMA acme; CREATE SCHEMA globex"
"$pum" baseline -p saas --all-schemas --skip-schemas public -t '{schema}.pum_info' -b 1.0.0
"$pum" upgrade -p saas --all-schemas --skip-schemas public -t '{schema}.pum_info' -d tenants --format json
psql -Xq -d saas -c "SELECT * FROM acme.settings UNION ALL SELECT * FROM globex.settings"
