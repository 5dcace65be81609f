#!/usr/bin/env bash
# Runs inside `pum sandbox --db bench`: generates the creation tree and the
# deployment files, checks that every command builds the same database,
# then times them with hyperfine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
create_n=${BENCH_CREATE_N:-500}; deploy_n=${BENCH_DEPLOY_N:-1000}; runs=${BENCH_RUNS:-10}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    create_n=${BENCH_CREATE_N:-50}; deploy_n=${BENCH_DEPLOY_N:-100}; runs=${BENCH_RUNS:-3}
fi
out=${BENCH_CD_OUT:-$here/results}
mkdir -p "$out"
work=$BENCH_WORK
pum=$BENCH_PUM

# The creation tree: 10 subdirectories (1-... to 10-...), every other one
# with an order.json listing its files in reverse; each file creates a
# table, comments on it and inserts a row, as creation scripts do.
tree=$work/create
per_dir=$(( (create_n + 9) / 10 ))
made=0
for d in $(seq 1 10); do
    dir=$tree/$d-part
    mkdir -p "$dir"
    order="{"
    for f in $(seq 1 "$per_dir"); do
        [ "$made" -lt "$create_n" ] || break
        made=$((made + 1))
        name=t_${d}_${f}
        cat > "$dir/$name.sql" <<SQL
CREATE TABLE app.$name (id serial PRIMARY KEY, name text NOT NULL, value integer);
COMMENT ON TABLE app.$name IS 'table $made of the creation tree';
INSERT INTO app.$name (name, value) VALUES ('first', $made);
SQL
        order="$order\"$((per_dir - f + 1))\": \"$name.sql\","
    done
    if [ $((d % 2)) = 0 ]; then
        echo "${order%,}}" > "$dir/order.json"
    fi
done
echo "CREATE SCHEMA app;" > "$tree/0-schema.sql.tmp"
mkdir -p "$tree/0-schema" && mv "$tree/0-schema.sql.tmp" "$tree/0-schema/schema.sql"

# The order pum runs them in, for psql (pum --dry-run prints it).
"$pum" create -p bench -d "$tree" --dry-run --format json \
    | python3 -c 'import json,sys; [print(f["path"]) for f in json.load(sys.stdin)["tree"]["files"]]' > "$work/create.order"
{
    echo '\set ON_ERROR_STOP 1'
    echo 'BEGIN;'
    while read -r f; do echo "\\i $f"; done < "$work/create.order"
    echo 'COMMIT;'
} > "$work/create-psql-one-tx.sql"
{
    echo '\set ON_ERROR_STOP 1'
    while read -r f; do echo 'BEGIN;'; echo "\\i $f"; echo 'COMMIT;'; done < "$work/create.order"
} > "$work/create-psql-tx-per-file.sql"

# The deployments: each creates a table and inserts a row.
dep=$work/deployment
mkdir -p "$dep"
for i in $(seq 0 $((deploy_n - 1))); do
    o=$(printf '%05d' "$i")
    cat > "$dep/$o-step-$i.sql" <<SQL
CREATE TABLE app.d_$i (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO app.d_$i (name) VALUES ('deployment $o');
SQL
done
table_ddl="CREATE TABLE tbl_deployments (file_name text PRIMARY KEY, manual_deployment boolean NOT NULL DEFAULT false, date_applied timestamp NOT NULL DEFAULT now(), checksum text)"
{
    echo '\set ON_ERROR_STOP 1'
    echo "$table_ddl;"
    for f in "$dep"/*.sql; do
        b=$(basename "$f")
        echo 'BEGIN;'
        echo "\\i $f"
        echo "INSERT INTO tbl_deployments (file_name) VALUES ('$b');"
        echo 'COMMIT;'
    done
} > "$work/deploy-psql.sql"

fresh_create="dropdb --if-exists bench && createdb bench"
fresh_deploy="$fresh_create && psql -q -X service=bench -c 'CREATE SCHEMA app'"
psql_run() { echo "psql -q -X -v ON_ERROR_STOP=1 service=bench -f $1 >/dev/null"; }

# Every command builds the expected database: check once before timing.
check() { # what expected_tables
    local got
    got=$(psql -X -At service=bench -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'app'")
    [ "$got" = "$2" ] || { echo "bench/create-deploy: $1 made $got tables; expected $2" >&2; exit 1; }
}
bash -c "$fresh_create" && "$pum" create -p bench -d "$tree" >/dev/null && check "pum create" "$create_n"
bash -c "$fresh_create" && bash -c "$(psql_run "$work/create-psql-one-tx.sql")" && check "psql (one transaction)" "$create_n"
bash -c "$fresh_create" && bash -c "$(psql_run "$work/create-psql-tx-per-file.sql")" && check "psql (a transaction per file)" "$create_n"
bash -c "$fresh_deploy" && "$pum" deploy -p bench -d "$dep" >/dev/null && check "pum deploy" "$deploy_n"
rows=$(psql -X -At service=bench -c "SELECT count(*) FROM tbl_deployments WHERE checksum IS NOT NULL")
[ "$rows" = "$deploy_n" ] || { echo "bench/create-deploy: pum deploy recorded $rows rows; expected $deploy_n" >&2; exit 1; }
bash -c "$fresh_deploy" && bash -c "$(psql_run "$work/deploy-psql.sql")" && check "psql deploy" "$deploy_n"
echo "bench/create-deploy: every command builds the expected database ($create_n + $deploy_n files)" >&2

hyperfine -N --style basic --warmup 1 --runs "$runs" --export-json "$out/create.json" \
    --prepare "bash -c '$fresh_create'" -n "pum create ($create_n files, one transaction)" "$pum create -p bench -d $tree" \
    --prepare "bash -c '$fresh_create'" -n "psql, same files, one transaction" "bash -c '$(psql_run "$work/create-psql-one-tx.sql")'" \
    --prepare "bash -c '$fresh_create'" -n "psql, same files, a transaction per file" "bash -c '$(psql_run "$work/create-psql-tx-per-file.sql")'"
hyperfine -N --style basic --warmup 1 --runs "$runs" --export-json "$out/deploy.json" \
    --prepare "bash -c \"$fresh_deploy\"" -n "pum deploy ($deploy_n files)" "$pum deploy -p bench -d $dep" \
    --prepare "bash -c \"$fresh_deploy\"" -n "psql, same files, a transaction and a row per file" "bash -c '$(psql_run "$work/deploy-psql.sql")'"
python3 "$here/../report.py" "$out/create.json" --reference "psql, same files, a transaction per file" || true
python3 "$here/../report.py" "$out/deploy.json" --reference "psql, same files, a transaction and a row per file" || true
