#!/usr/bin/env python3
"""Generates two nearly identical schemas (A and B) of N tables for `pum check`.

    python3 bench/check/gen.py N OUTDIR

writes OUTDIR/a/NNN.sql and OUTDIR/b/NNN.sql, chunks of CHUNK tables each, to
load in order with `psql -q -1 -f` (one transaction per chunk: creating
thousands of tables in one transaction exhausts the lock table with the
default max_locks_per_transaction), and OUTDIR/differences.txt, the list of
the differences put into B.

Every table t_NNNNN has 10 columns (integer, text, varchar, numeric,
timestamptz, boolean, jsonb, date, with defaults and NOT NULL), a primary key,
a foreign key to the previous table, a UNIQUE, a CHECK and an index. Every 10
tables (group g, on its first table) there are also a view, a plpgsql
function, a trigger calling it, a sequence and a rule. Standard library only.
"""

import os
import sys

CHUNK = 500
SCHEMA = "app"


def tname(i):
    return f"t_{i:05d}"


def differences(n):
    """Where the differences go, spread over the schema; works for n >= 100."""
    def at(frac, mod=1, off=0):
        i = max(1, int(n * frac))
        i -= (i - 1) % mod  # first table of its group when mod == 10
        return i + off

    return {
        "col_type": at(0.05),          # amount numeric(12,2) -> numeric(14,2)
        "missing_index": at(0.15),     # no index on created_at in B
        "view": at(0.25, 10),          # the group's view has another WHERE
        "func_body": at(0.35, 10),     # the group's function does something else
        "dropped_check": at(0.45),     # the CHECK is gone in B
        "default": at(0.55),           # qty default 1 -> 2
        "nullable": at(0.65),          # name is nullable in B
        "extra_column": at(0.75),      # one more column in B
        "sequence": at(0.85, 10),      # the group's sequence increments by 5
        "rule": at(0.95, 10),          # the group's rule has another condition
        "extra_table": n + 1,          # one more table in B
    }


def table_sql(i, side, d):
    t = tname(i)
    amount_type = "numeric(14,2)" if side == "b" and i == d["col_type"] else "numeric(12,2)"
    qty_default = "2" if side == "b" and i == d["default"] else "1"
    name_null = "" if side == "b" and i == d["nullable"] else " NOT NULL"
    cols = [
        "id integer NOT NULL",
        "prev_id integer" + (f" REFERENCES {SCHEMA}.{tname(i - 1)} (id) ON DELETE CASCADE" if i > 1 else ""),
        "code text NOT NULL",
        f"name varchar(100){name_null} DEFAULT ''",
        f"amount {amount_type} DEFAULT 0",
        f"qty integer NOT NULL DEFAULT {qty_default}",
        "created_at timestamptz NOT NULL DEFAULT now()",
        "active boolean NOT NULL DEFAULT true",
        "data jsonb DEFAULT '{}'::jsonb",
        "valid_from date",
    ]
    if side == "b" and i == d["extra_column"]:
        cols.append("extra text")
    cons = [
        f"CONSTRAINT {t}_pkey PRIMARY KEY (id)",
        f"CONSTRAINT {t}_code_key UNIQUE (code)",
    ]
    if not (side == "b" and i == d["dropped_check"]):
        cons.append(f"CONSTRAINT {t}_amount_check CHECK (amount >= 0 AND qty > 0)")
    out = [f"CREATE TABLE {SCHEMA}.{t} (\n    " + ",\n    ".join(cols + cons) + "\n);"]
    if not (side == "b" and i == d["missing_index"]):
        out.append(f"CREATE INDEX {t}_created_idx ON {SCHEMA}.{t} (created_at, active);")
    return out


def group_sql(i, side, d):
    """The view, function, trigger, sequence and rule of the group starting at table i."""
    t = tname(i)
    g = (i - 1) // 10 + 1
    where = "t.active AND t.qty > 1" if side == "b" and i == d["view"] else "t.active"
    if side == "b" and i == d["func_body"]:
        body = "NEW.code := upper(NEW.code);\n    NEW.qty := greatest(NEW.qty, 1);"
    else:
        body = "NEW.code := lower(NEW.code);"
    incr = "5" if side == "b" and i == d["sequence"] else "1"
    rule_cond = "OLD.qty > 1000" if side == "b" and i == d["rule"] else "OLD.qty > 100"
    return [
        f"CREATE VIEW {SCHEMA}.v_{g:04d} AS\n"
        f"  SELECT t.id, t.code, t.name, t.amount * t.qty AS total, p.code AS prev_code\n"
        f"  FROM {SCHEMA}.{t} t LEFT JOIN {SCHEMA}.{tname(max(i - 1, 1))} p ON p.id = t.prev_id\n"
        f"  WHERE {where};",
        f"CREATE FUNCTION {SCHEMA}.f_{g:04d}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    {body}\n    NEW.created_at := coalesce(NEW.created_at, now());\n    RETURN NEW;\nEND;\n$$;",
        f"CREATE TRIGGER tg_{g:04d} BEFORE INSERT OR UPDATE ON {SCHEMA}.{t}\n"
        f"  FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.f_{g:04d}();",
        f"CREATE SEQUENCE {SCHEMA}.s_{g:04d} INCREMENT BY {incr} START WITH 100 CACHE 1;",
        f"CREATE RULE r_{g:04d} AS ON DELETE TO {SCHEMA}.{t}\n"
        f"  WHERE {rule_cond} DO INSTEAD NOTHING;",
    ]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen.py N OUTDIR")
    n = int(sys.argv[1])
    outdir = sys.argv[2]
    if n < 100:
        sys.exit("gen.py: N must be at least 100")
    d = differences(n)
    for side in ("a", "b"):
        sdir = os.path.join(outdir, side)
        os.makedirs(sdir, exist_ok=True)
        for old in os.listdir(sdir):
            os.remove(os.path.join(sdir, old))
        last = n + 1 if side == "b" else n
        chunk_no = 0
        for start in range(1, last + 1, CHUNK):
            stmts = []
            if start == 1:
                stmts.append(f"CREATE SCHEMA {SCHEMA};")
            for i in range(start, min(start + CHUNK, last + 1)):
                stmts += table_sql(i, side, d)
                if i <= n and (i - 1) % 10 == 0:
                    stmts += group_sql(i, side, d)
            path = os.path.join(sdir, f"{chunk_no:03d}.sql")
            with open(path, "w") as f:
                f.write("\n".join(stmts) + "\n")
            chunk_no += 1
    with open(os.path.join(outdir, "differences.txt"), "w") as f:
        for k, i in d.items():
            f.write(f"{k}\t{SCHEMA}.{tname(i)}\n")


if __name__ == "__main__":
    main()
