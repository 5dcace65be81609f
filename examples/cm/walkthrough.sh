#!/usr/bin/env bash
# psql-cm's walkthrough with `pum cm`, on a throwaway cluster:
#
#   pum sandbox --db psqlcm_test -- bash examples/cm/walkthrough.sh
#
# setup, submit a change, dump to a git-tracked tree, drop the database,
# restore it (into the same server here; any new cluster works the same),
# and check the result against a snapshot taken before. Every step must
# succeed; the script stops at the first that does not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${PUM:?run me inside pum sandbox (see the first lines)}"
URI="postgresql://$PGUSER@/postgres?host=$PGHOST&port=$PGPORT&sslmode=disable"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export GIT_AUTHOR_NAME="Ann Example" GIT_AUTHOR_EMAIL=ann@example.org
export GIT_COMMITTER_NAME="Ann Example" GIT_COMMITTER_EMAIL=ann@example.org
cm() { "$PUM" cm --databases psqlcm_test --uri "$URI" "$@"; }

step() { printf '\n== %s\n' "$*"; }

step "the database"
psql -X -q -v ON_ERROR_STOP=1 service=psqlcm_test -f "$here/schema.sql"

step "pum cm setup (twice: the second run changes nothing)"
cm setup --implementer "Ann Example <ann@example.org>"
cm setup

step "pum cm submit: the change goes to schema_one only"
cm submit --schemas schema_one --change "$here/changes/0001_an_integer_note.sql" \
    --implementer "Ann Example <ann@example.org>"

step "pum cm dump --commit"
cm dump --commit
find sql -name '*.sql' | sort
git -C sql log --oneline

step "a snapshot, then the database is dropped"
"$PUM" snapshot -p service=psqlcm_test -o before.json
psql -X -q -d postgres -c 'DROP DATABASE psqlcm_test'

step "pum cm restore"
"$PUM" cm --uri "$URI" restore

step "pum check: the restored database against the snapshot"
"$PUM" check -p1 before.json -p2 service=psqlcm_test

step "pum cm dump again: the same bytes, nothing to commit"
cm dump --commit
git -C sql status --porcelain | { ! grep .; }
echo "walkthrough: OK"
