#!/usr/bin/env python3
"""Writes the benchmark's pum 1.x module: VERSIONS versions x FILES files of
realistic SQL (tables with keys, indexes, comments, views, functions,
later ALTERs and UPDATEs; multi-row INSERTs fill each file to its share of
the total size), a parameter, two roles, application hooks.

    python3 gen.py DIR [TOTAL_MB] [VERSIONS] [FILES_PER_VERSION]
"""
import os
import random
import sys

out = sys.argv[1]
total_mb = float(sys.argv[2]) if len(sys.argv) > 2 else 8.8
versions = int(sys.argv[3]) if len(sys.argv) > 3 else 7
per_version = int(sys.argv[4]) if len(sys.argv) > 4 else 10
target = int(total_mb * 1_000_000 / (versions * per_version))
rnd = random.Random(42)
words = ("pipe node valve hydrant meter reservoir pump station zone sector "
         "main service lateral chamber manhole outlet inlet basin").split()

os.makedirs(os.path.join(out, "changelogs"), exist_ok=True)
os.makedirs(os.path.join(out, "app"), exist_ok=True)
with open(os.path.join(out, ".pum.yaml"), "w") as f:
    f.write("""pum:
  module: bench
  migration_table_schema: bm_sys
parameters:
  - name: SRID
    type: integer
    default: 2056
application:
  drop:
    - code: DROP SCHEMA IF EXISTS bm_app CASCADE;
  create:
    - file: app/create.sql
roles:
  - name: bench_viewer
    permissions:
      - type: read
        schemas: [bm_od, bm_app]
  - name: bench_user
    inherit: bench_viewer
    permissions:
      - type: write
        schemas: [bm_od]
""")
with open(os.path.join(out, "app/create.sql"), "w") as f:
    f.write("CREATE SCHEMA bm_app;\n")
    f.write("CREATE VIEW bm_app.vw_sizes AS SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE schemaname = 'bm_od';\n")

total = 0
tables = []
for v in range(versions):
    version = f"1.{v}.0"
    d = os.path.join(out, "changelogs", version)
    os.makedirs(d, exist_ok=True)
    for i in range(per_version):
        name = f"t{v:02d}_{i:02d}"
        parts = []
        if v == 0 and i == 0:
            parts.append("CREATE SCHEMA bm_od;\n")
        prev = tables[-1] if tables and i > 0 else None
        fk = f",\n    parent integer REFERENCES bm_od.{prev} (id)" if prev else ""
        parts.append(f"""-- {version}: the {words[i % len(words)]} table and its data.
CREATE TABLE bm_od.{name} (
    id integer PRIMARY KEY,
    code text NOT NULL UNIQUE,
    label text,
    kind smallint NOT NULL DEFAULT 0,
    amount numeric(12, 2) DEFAULT 0,
    active boolean NOT NULL DEFAULT true,
    created timestamptz NOT NULL DEFAULT now(),
    srid integer NOT NULL DEFAULT {{SRID}}{fk}
);
CREATE INDEX ON bm_od.{name} (kind, active);
CREATE INDEX ON bm_od.{name} (created);
COMMENT ON TABLE bm_od.{name} IS 'the {words[i % len(words)]}s of version {version}; one row per object';
COMMENT ON COLUMN bm_od.{name}.code IS 'unique code';
CREATE FUNCTION bm_od.{name}_total(k smallint) RETURNS numeric LANGUAGE plpgsql STABLE AS $$
DECLARE
    s numeric;
BEGIN
    SELECT sum(amount) INTO s FROM bm_od.{name} WHERE kind = k;
    RETURN coalesce(s, 0);
END
$$;
CREATE VIEW bm_od.{name}_active AS SELECT id, code, label FROM bm_od.{name} WHERE active;
""".replace("{{SRID}}", "{SRID}"))
        if v > 0 and i < 3:
            old = tables[rnd.randrange(len(tables) - i)] if tables else name
            parts.append(f"ALTER TABLE bm_od.{old} ADD COLUMN note_{name} text;\n")
            parts.append(f"UPDATE bm_od.{old} SET note_{name} = 'reviewed in {version}' WHERE id % 7 = 0;\n")
        size = sum(len(p) for p in parts)
        row_id = 0
        while size < target:
            rows = []
            for _ in range(100):
                row_id += 1
                w = words[rnd.randrange(len(words))]
                par = f", {rnd.randint(1, 200)}" if prev else ""
                rows.append(
                    f"({row_id}, '{name}-{row_id:06d}', 'the {w} no. {row_id}; it''s fine', "
                    f"{rnd.randint(0, 9)}, {rnd.randint(0, 999999) / 100:.2f}, "
                    f"{'true' if rnd.random() < 0.9 else 'false'}{par})"
                )
            cols = "id, code, label, kind, amount, active" + (", parent" if prev else "")
            stmt = f"INSERT INTO bm_od.{name} ({cols}) VALUES\n" + ",\n".join(rows) + ";\n"
            parts.append(stmt)
            size += len(stmt)
        text = "".join(parts)
        with open(os.path.join(d, f"{i:02d}_{name}.sql"), "w") as f:
            f.write(text)
        total += len(text)
        tables.append(name)

print(f"{versions * per_version} files, {total / 1e6:.2f} MB, {len(tables)} tables", file=sys.stderr)
