#!/usr/bin/env bash
# Renders `pum check --format html` for a small pair of databases that differ
# in a few ways, and takes a screenshot of it in headless Chromium: the
# picture in the README (docs/check-report.png).
#
#   scripts/check-report-screenshot.sh [OUT.png]
#
# Installs Debian's chromium-headless-shell if no Chromium is found. The
# report itself is written to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${1:-$root/docs/check-report.png}
browser=
for b in chromium-headless-shell chromium chromium-browser; do
    if command -v "$b" >/dev/null 2>&1; then browser=$(command -v "$b"); break; fi
done
if [ -z "$browser" ]; then
    echo "check-report-screenshot: installing chromium-headless-shell" >&2
    apt-get install -y chromium-headless-shell >/dev/null
    browser=$(command -v chromium-headless-shell)
fi
cargo build -q -p pum
pum=$root/target/debug/pum
work=$(mktemp -d "${TMPDIR:-/tmp}/pum-report.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
html=$work/check-report.html
cat >"$work/a.sql" <<'SQL'
CREATE SCHEMA network;
CREATE TABLE network.pipe (id int PRIMARY KEY, material text NOT NULL, diameter numeric(6,1), installed date);
CREATE VIEW network.pipe_summary AS
  SELECT material, count(*) AS pipes, avg(diameter) AS mean_diameter
  FROM network.pipe GROUP BY material;
CREATE FUNCTION network.check_diameter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.diameter <= 0 THEN
    RAISE EXCEPTION 'diameter must be positive';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER pipe_diameter BEFORE INSERT ON network.pipe FOR EACH ROW EXECUTE FUNCTION network.check_diameter();
CREATE INDEX pipe_material ON network.pipe (material);
COMMENT ON TABLE network.pipe IS 'Pipes of the drinking-water network';
SQL
cat >"$work/b.sql" <<'SQL'
CREATE SCHEMA network;
CREATE TABLE network.pipe (id int PRIMARY KEY, material text, diameter numeric(8,2), installed date);
ALTER TABLE network.pipe ALTER material SET STORAGE EXTERNAL;
CREATE VIEW network.pipe_summary AS
  SELECT material, count(*) AS pipes, avg(diameter) AS mean_diameter
  FROM network.pipe WHERE installed IS NOT NULL GROUP BY material;
CREATE FUNCTION network.check_diameter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.diameter IS NULL OR NEW.diameter <= 0 THEN
    RAISE EXCEPTION 'diameter must be positive, got %', NEW.diameter;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER pipe_diameter BEFORE INSERT OR UPDATE ON network.pipe FOR EACH ROW EXECUTE FUNCTION network.check_diameter();
CREATE PUBLICATION network_changes FOR TABLE network.pipe;
COMMENT ON TABLE network.pipe IS 'Pipes of the drinking-water network (since 1.2)';
SQL
"$pum" sandbox --db network_1_1 --db network_1_2 -- bash -c "
    psql -X -q -v ON_ERROR_STOP=1 -d network_1_1 -f '$work/a.sql' &&
    psql -X -q -v ON_ERROR_STOP=1 -d network_1_2 -f '$work/b.sql' 2>/dev/null &&
    { \"\$PUM\" check -p1 network_1_1 -p2 network_1_2 --format html -o '$html'; [ \$? = 1 ]; }"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,2100 \
    --screenshot="$out" "file://$html" >/dev/null 2>&1
echo "check-report-screenshot: $out ($(stat -c %s "$out") bytes), report $html" >&2
