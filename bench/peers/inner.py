#!/usr/bin/env python3
"""Peer benchmark driver, run by bench/peers/run.sh inside `pum sandbox`.

Runs pum, sqlx-cli, dbmate, Sqitch and Python pum 0.10 on the same
generated workloads, each tool with its own file layout and its own history
table, in one throwaway cluster, next to two psql floors:

  trivial  N deltas, one INSERT each (bench/inner.py scenario A's shape)
  ddl      N deltas, each CREATE TABLE (8 columns + PK), CREATE INDEX and
           4 INSERTs (bench/inner.py scenario B's shape)
  status   each tool's status command over N applied trivial deltas

  floor (a) "one round trip + history row per file": one psql session that
            sends, per file, BEGIN, the file's statements, an INSERT into a
            history table and COMMIT joined with `\\;` into one message;
  floor (b) "the server's work alone": psql -1 of all the statements
            concatenated, no history.

Before timing, every command is run once from its prepared state and the
result checked: the data (rows, tables) and the tool's history rows. The
timed runs are spread over ROUNDS hyperfine invocations, and the order of
the commands is rotated from one round to the next. Before every run
(hyperfine --prepare) the database is dropped and created again, the data
model's setup SQL runs, the tool's history store is created by the tool
itself (pum and pum 0.10: `baseline 1.0.0`; sqlx, dbmate, Sqitch: their
first migration, a no-op `init`, applied alone; floor (a): a CREATE TABLE),
then a CHECKPOINT is taken.

Standard library only; reuses bench/inner.py's helpers (load accounting,
merging of hyperfine exports, CPU time). Environment:
  PUM, PGSERVICEFILE, PGHOST   set by `pum sandbox`
  PUM010          pum 0.10 executable (default target/pum010-venv/bin/pum)
  PEERS_BIN       directory with sqlx and dbmate (default target/peers/bin)
  SQITCH          sqitch executable (default: sqitch on PATH)
  BENCH_QUICK=1   100 deltas, 2 rounds: a smoke test
  BENCH_N         deltas per workload (default 1000)
  BENCH_ROUNDS    rounds (default 8); each runs every command BENCH_RUNS
                  times (default 1)
  BENCH_SQITCH_ROUNDS  rounds Sqitch's deploy takes part in (the first
                  ones; default 3)
  BENCH_STATUS_ROUNDS, BENCH_STATUS_RUNS   the same for status (default 5, 5)
  BENCH_CPU_REPS  runs per command for the CPU-time table (default 1; 0: skip)
  BENCH_WAIT_QUIET  before each round wait up to this many seconds for the
                  machine to be quiet (default 0)
  BENCH_ONLY      workloads, any of trivial,ddl,status (default all three)
  BENCH_TOOLS     tools, any of pum,sqlx,dbmate,sqitch,pum010,floors
                  (default all)
  BENCH_OUT       where the exports go (default bench/peers/results)
"""

import datetime
import glob
import hashlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import inner as base  # noqa: E402  bench/inner.py: ForeignLoad, merge_exports, cpu_work...

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
N = int(os.environ.get("BENCH_N", "100" if QUICK else "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2" if QUICK else "8"))
RUNS = int(os.environ.get("BENCH_RUNS", "1"))
STATUS_ROUNDS = int(os.environ.get("BENCH_STATUS_ROUNDS", "2" if QUICK else "5"))
STATUS_RUNS = int(os.environ.get("BENCH_STATUS_RUNS", "3" if QUICK else "5"))
CPU_REPS = int(os.environ.get("BENCH_CPU_REPS", "1"))
# Sqitch runs one psql per change: a run of 1,000 takes tens of seconds, so
# it takes part in the first rounds only.
SQITCH_ROUNDS = int(os.environ.get("BENCH_SQITCH_ROUNDS", "3"))
WAIT_QUIET = int(os.environ.get("BENCH_WAIT_QUIET", "0"))
ONLY = os.environ.get("BENCH_ONLY", "trivial,ddl,status").split(",")
TOOLS = os.environ.get("BENCH_TOOLS", "pum,sqlx,dbmate,sqitch,pum010,floors").split(",")
OUT = os.path.abspath(os.environ.get("BENCH_OUT", os.path.join(HERE, "results")))
PUM = os.environ.get("PUM", "")
PUM010 = os.environ.get("PUM010", os.path.join(ROOT, "target/pum010-venv/bin/pum"))
PEERS_BIN = os.environ.get("PEERS_BIN", os.path.join(ROOT, "target/peers/bin"))
SQLX = os.path.join(PEERS_BIN, "sqlx")
DBMATE = os.path.join(PEERS_BIN, "dbmate")
SQITCH = os.environ.get("SQITCH") or shutil.which("sqitch") or "sqitch"

DB = "bench"  # the upgrade workloads' database (and service)
STATUS_DB = {"pum": "st_pum", "sqlx": "st_sqlx", "dbmate": "st_dbmate",
             "sqitch": "st_sqitch", "pum010": "st_pum010"}
TABLE = "bench_sys.upgrades"
FLOOR_TABLE = "bench_sys.history"


def real_psql():
    """psql itself, not Debian's wrapper script (a Perl start-up, ~30 ms, per
    call): for the floors and for Sqitch, which runs one psql per change."""
    if os.environ.get("PSQL_BIN"):
        return os.environ["PSQL_BIN"]
    for cmd in ("pg_config --bindir",):
        try:
            d = subprocess.run(cmd, shell=True, text=True, capture_output=True).stdout.strip()
        except OSError:
            d = ""
        if d and os.access(os.path.join(d, "psql"), os.X_OK):
            return os.path.join(d, "psql")
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return found[-1] if found else "psql"


PSQL_BIN = real_psql()
PSQL = f"{shlex.quote(PSQL_BIN)} -X -q -v ON_ERROR_STOP=1"
V0 = 20260101000000  # sqlx's and dbmate's version of migration 0 (init)

LABELS = {
    "pum": "pum upgrade",
    "sqlx": "sqlx migrate run",
    "dbmate": "dbmate migrate",
    "sqitch": "sqitch deploy",
    "pum010": "pum 0.10 upgrade",
    "floor_rt": "floor (a): psql, one round trip + history row per file",
    "floor_server": "floor (b): psql -1, all statements, no history",
}


def die(msg):
    print(f"peers: {msg}", file=sys.stderr)
    sys.exit(1)


def sh(cmd, capture=False, env=None):
    res = subprocess.run(cmd, shell=True, text=True, env=env,
                         stdout=subprocess.PIPE if capture else None)
    if res.returncode != 0:
        die(f"command failed ({res.returncode}): {cmd[:400]}")
    return res.stdout if capture else None


def conn(db):
    return shlex.quote(f"service={db}")


def sql_value(db, query):
    return sh(f"{PSQL} -At {conn(db)} -c {shlex.quote(query)}", capture=True).strip()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# ------------------------------------------------------------------ workloads

def statements(kind, i):
    """The statements of delta i (each ending with ';'), as bench/inner.py
    writes them for its scenarios A (trivial) and B (ddl)."""
    if kind == "trivial":
        return [f"INSERT INTO bench.t (n, label) VALUES ({i}, 'delta {i}');"]
    return [f"""CREATE TABLE bench.t_{i} (
    id integer NOT NULL,
    code varchar(32) NOT NULL,
    name text,
    qty integer NOT NULL DEFAULT 0,
    price numeric(12, 2),
    active boolean NOT NULL DEFAULT true,
    created timestamp without time zone NOT NULL DEFAULT now(),
    note text,
    CONSTRAINT t_{i}_pkey PRIMARY KEY (id)
);""", f"CREATE INDEX t_{i}_code_idx ON bench.t_{i} (code);"] + [
        f"INSERT INTO bench.t_{i} (id, code, name, qty, price) "
        f"VALUES ({r}, 'c{i}_{r}', 'item {r} of delta {i}', {r * 10}, {r}.25);"
        for r in range(1, 5)]


def body(kind, i):
    head = f"-- delta {i}: a new table\n" if kind == "ddl" else ""
    return head + "\n".join(statements(kind, i)) + "\n"


SETUP = {
    "trivial": "CREATE SCHEMA bench;\n"
               "CREATE TABLE bench.t (n integer PRIMARY KEY, label text NOT NULL);\n"
               "CREATE SCHEMA bench_sys;\n",
    "ddl": "CREATE SCHEMA bench;\nCREATE SCHEMA bench_sys;\n",
}


class Workload:
    """One workload's files, in every tool's layout, under root/kind."""

    def __init__(self, root, kind, n):
        self.kind, self.n = kind, n
        d = self.dir = os.path.join(root, kind)
        self.setup = os.path.join(d, "setup.sql")
        write(self.setup, SETUP[kind])
        suffix = "x" if kind == "trivial" else "ddl"
        init_sql = "-- no-op: the first migration, applied before timing\nSELECT 1;\n"
        # pum and pum 0.10: pum 0.x deltas, delta_<version>_<name>.sql.
        self.pum = os.path.join(d, "pum")
        # sqlx: <version>_<description>.sql, one transaction each.
        self.sqlx = os.path.join(d, "sqlx")
        self.sqlx_init = os.path.join(d, "sqlx-init")
        # dbmate: <version>_<name>.sql with migrate:up / migrate:down sections.
        self.dbmate = os.path.join(d, "dbmate")
        self.dbmate_init = os.path.join(d, "dbmate-init")
        # Sqitch: sqitch.plan + deploy/<change>.sql, each wrapped in
        # BEGIN/COMMIT as `sqitch add` templates it.
        self.sqitch = os.path.join(d, "sqitch")
        for p, text in ((f"{self.sqlx}/{V0}_init.sql", init_sql),
                        (f"{self.sqlx_init}/{V0}_init.sql", init_sql)):
            write(p, text)
        dbm_init = f"-- migrate:up\n{init_sql}\n-- migrate:down\n"
        write(f"{self.dbmate}/{V0}_init.sql", dbm_init)
        write(f"{self.dbmate_init}/{V0}_init.sql", dbm_init)
        write(f"{self.sqitch}/deploy/init.sql", f"BEGIN;\n{init_sql}COMMIT;\n")
        write(f"{self.sqitch}/sqitch.conf",
              "[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n"
              "[engine \"pg\"]\n\tregistry = sqitch\n\tclient = psql\n")
        plan = ["%syntax-version=1.0.0", "%project=bench", "",
                "init 2026-01-01T00:00:00Z Bench <bench@example.com> # no-op"]
        all_sql, floor = [], []
        for i in range(1, n + 1):
            b = body(kind, i)
            write(f"{self.pum}/delta_1.0.{i}_{suffix}.sql", b)
            write(f"{self.sqlx}/{V0 + i}_delta_{i}.sql", b)
            write(f"{self.dbmate}/{V0 + i}_delta_{i}.sql",
                  f"-- migrate:up\n{b}\n-- migrate:down\n")
            write(f"{self.sqitch}/deploy/delta_{i}.sql", f"BEGIN;\n\n{b}\nCOMMIT;\n")
            plan.append(f"delta_{i} 2026-01-01T00:00:00Z Bench <bench@example.com> # delta {i}")
            all_sql.append(b)
            # Floor (a): one message per file: BEGIN, the statements, the
            # history row, COMMIT, joined with psql's \; (the statements'
            # own semicolons become \;).
            md5 = hashlib.md5(b.encode()).hexdigest()
            parts = ["BEGIN"] + [s[:-1] for s in statements(kind, i)] + [
                f"INSERT INTO {FLOOR_TABLE} (version, script, checksum) "
                f"VALUES ('1.0.{i}', 'delta_1.0.{i}_{suffix}.sql', '{md5}')", "COMMIT"]
            floor.append("\\;\n".join(parts) + ";\n")
        write(f"{self.sqitch}/sqitch.plan", "\n".join(plan) + "\n")
        self.all_sql = os.path.join(d, "all.sql")
        write(self.all_sql, "".join(all_sql))
        self.floor_rt = os.path.join(d, "floor-rt.sql")
        write(self.floor_rt, "".join(floor))
        self.floor_setup = os.path.join(d, "floor-history.sql")
        write(self.floor_setup,
              f"CREATE TABLE {FLOOR_TABLE} (version text PRIMARY KEY, script text NOT NULL, "
              "checksum text NOT NULL, installed_on timestamptz NOT NULL DEFAULT now());\n")


# ------------------------------------------------------------------- commands

def sqlx_url(db):
    return shlex.quote(f"postgres:///{db}?host={os.environ['PGHOST']}"
                       f"&port={os.environ.get('PGPORT', '5432')}"
                       f"&user={os.environ.get('PGUSER', 'postgres')}")


def dbmate_env(db):
    url = (f"postgres://{os.environ.get('PGUSER', 'postgres')}@/{db}"
           f"?socket={os.environ['PGHOST']}&port={os.environ.get('PGPORT', '5432')}"
           "&sslmode=disable")
    return f"DATABASE_URL={shlex.quote(url)} DBMATE_NO_DUMP_SCHEMA=true "


def sqitch_cmd(w, db, args):
    client = f" --db-client {shlex.quote(PSQL_BIN)}"
    return (f"{shlex.quote(SQITCH)} -C {shlex.quote(w.sqitch)} {args} "
            f"--target {shlex.quote('db:pg:' + db)}{client}")


def tool_cmd(tool, w, db):
    """The timed command: apply every pending delta."""
    q = shlex.quote
    if tool == "pum":
        return f"{q(PUM)} upgrade -p {db} -t {TABLE} -d {q(w.pum)}"
    if tool == "pum010":
        return f"{q(PUM010)} upgrade -p {db} -t {TABLE} -d {q(w.pum)}"
    if tool == "sqlx":
        return f"{q(SQLX)} migrate run --source {q(w.sqlx)} --database-url {sqlx_url(db)}"
    if tool == "dbmate":
        return f"{dbmate_env(db)}{q(DBMATE)} --migrations-dir {q(w.dbmate)} migrate"
    if tool == "sqitch":
        return sqitch_cmd(w, db, "deploy")
    if tool == "floor_rt":
        return f"{PSQL} {conn(db)} -f {q(w.floor_rt)}"
    if tool == "floor_server":
        return f"{PSQL} -1 {conn(db)} -f {q(w.all_sql)}"
    raise ValueError(tool)


def init_cmd(tool, w, db):
    """Creates the tool's history store, by the tool itself."""
    q = shlex.quote
    if tool == "pum":
        return f"{q(PUM)} baseline -p {db} -t {TABLE} -b 1.0.0 >/dev/null"
    if tool == "pum010":
        return (f"{q(PUM010)} baseline -p {db} -t {TABLE} -d {q(w.pum)} -b 1.0.0 "
                ">/dev/null 2>&1")
    if tool == "sqlx":
        return (f"{q(SQLX)} migrate run --source {q(w.sqlx_init)} "
                f"--database-url {sqlx_url(db)} >/dev/null")
    if tool == "dbmate":
        return f"{dbmate_env(db)}{q(DBMATE)} --migrations-dir {q(w.dbmate_init)} migrate >/dev/null"
    if tool == "sqitch":
        return sqitch_cmd(w, db, "deploy --to-change init") + " >/dev/null 2>&1"
    if tool == "floor_rt":
        return f"{PSQL} {conn(db)} -f {q(w.floor_setup)}"
    if tool == "floor_server":
        return "true"
    raise ValueError(tool)


def prepare_cmd(tool, w, db=DB):
    return " && ".join([
        f"{PSQL} {conn(db + ' dbname=postgres')} -c 'DROP DATABASE IF EXISTS {db} WITH (FORCE)' "
        f"-c 'CREATE DATABASE {db}'",
        f"{PSQL} {conn(db)} -f {shlex.quote(w.setup)}",
        init_cmd(tool, w, db),
        f"{PSQL} {conn(db + ' dbname=postgres')} -c CHECKPOINT",
    ])


HISTORY = {
    "pum": f"SELECT count(*) FROM {TABLE}",
    "pum010": f"SELECT count(*) FROM {TABLE}",
    "sqlx": "SELECT count(*) FROM _sqlx_migrations WHERE success",
    "dbmate": "SELECT count(*) FROM schema_migrations",
    "sqitch": "SELECT count(*) FROM sqitch.changes WHERE project = 'bench'",
    "floor_rt": f"SELECT count(*) FROM {FLOOR_TABLE}",
}


def verify(tool, w, db):
    """Everything applied: the data and the tool's history rows (the
    baseline or the init migration included)."""
    def check(query, expected):
        got = sql_value(db, query)
        if got != str(expected):
            die(f"{tool} on {w.kind}: {query!r} gave {got!r}, expected {expected!r}")
    if w.kind == "trivial":
        check("SELECT count(*) FROM bench.t", w.n)
        check("SELECT count(*) FROM bench.t WHERE label = 'delta ' || n", w.n)
    else:
        check("SELECT count(*) FROM pg_class WHERE relnamespace = 'bench'::regnamespace "
              "AND relkind = 'r'", w.n)
        check("SELECT count(*) FROM pg_class WHERE relnamespace = 'bench'::regnamespace "
              "AND relkind = 'i'", 2 * w.n)
        check(f"SELECT count(*) FROM bench.t_{w.n}", 4)
    if tool in HISTORY:
        check(HISTORY[tool], w.n if tool == "floor_rt" else w.n + 1)


def status_cmd(tool, w, db, fmt="text"):
    q = shlex.quote
    if tool == "pum":
        return (f"{q(PUM)} info -p {db} -t {TABLE} -d {q(w.pum)}"
                + (" --format json" if fmt == "json" else ""))
    if tool == "pum010":
        return f"{q(PUM010)} info -p {db} -t {TABLE} -d {q(w.pum)}"
    if tool == "sqlx":
        return f"{q(SQLX)} migrate info --source {q(w.sqlx)} --database-url {sqlx_url(db)}"
    if tool == "dbmate":
        return f"{dbmate_env(db)}{q(DBMATE)} --migrations-dir {q(w.dbmate)} status"
    if tool == "sqitch":
        return sqitch_cmd(w, db, "status")
    raise ValueError(tool)


def verify_status(tool, out, n):
    """The status output shows every migration applied."""
    if tool == "pum":
        ok = out is not None  # checked with --exit-code below
    elif tool == "pum010":
        ok = sum(1 for line in out.splitlines()
                 if line.startswith("|") and "| Applied" in line) == n
    elif tool == "sqlx":
        ok = (sum(1 for line in out.splitlines() if "installed" in line) == n + 1
              and "pending" not in out and "different checksum" not in out)
    elif tool == "dbmate":
        ok = f"Applied: {n + 1}" in out and "Pending: 0" in out
    elif tool == "sqitch":
        ok = "Nothing to deploy (up-to-date)" in out and f"delta_{n}" in out
    else:
        ok = False
    if not ok:
        die(f"{tool} status does not show {n} applied migrations:\n{out[-2000:]}")


# ------------------------------------------------------------------- measuring

def rounds_run(name, entries, rounds, runs, meta, limits=None):
    """hyperfine, `rounds` times, `runs` runs per command each time, the
    order of the commands rotated by one from each round to the next.
    `limits` maps a label to the number of rounds it takes part in (the
    first ones). Exports NAME.roundK.json and the merge NAME.json."""
    limits = limits or {}
    print(f"\n=== {name}: {meta['title']}", flush=True)
    meta["loadavg_before"] = base.loadavg()
    wall = foreign = 0.0
    exports, orders = [], []
    for k in range(rounds):
        if WAIT_QUIET:
            base.wait_quiet(WAIT_QUIET)
        active = [e for e in entries if k < limits.get(e[0], rounds)]
        r = k % len(active)
        order = active[r:] + active[:r]
        orders.append([label for label, _, _ in order])
        export = os.path.join(OUT, f"{name}.round{k + 1}.json")
        cmd = ["hyperfine", "--warmup", "0", "--runs", str(runs), "--style", "basic",
               "--export-json", export]
        if any(p for _, _, p in order):
            for _, _, p in order:
                cmd += ["--prepare", p or "true"]
        for label, _, _ in order:
            cmd += ["--command-name", label]
        cmd += [c for _, c, _ in order]
        print(f"--- round {k + 1}/{rounds}: " + ", ".join(orders[-1]), flush=True)
        load = base.ForeignLoad()
        res = subprocess.run(cmd, stdout=subprocess.DEVNULL if not QUICK else None)
        fl = load.finish()
        if fl:
            wall += fl["wall_s"]
            foreign += fl["foreign_cpu_s"]
        if res.returncode != 0:
            die(f"hyperfine failed in {name}, round {k + 1}")
        exports.append(export)
    meta["foreign_load"] = {"wall_s": round(wall, 1), "foreign_cpu_s": round(foreign, 1),
                            "foreign_cores": round(foreign / wall, 2) if wall else 0.0}
    meta["loadavg_after"] = base.loadavg()
    meta["orders"] = orders
    merged = os.path.join(OUT, f"{name}.json")
    base.merge_exports(exports, merged)
    meta["export"] = os.path.basename(merged)
    meta["round_exports"] = [os.path.basename(p) for p in exports]
    meta["rounds"], meta["runs_per_round"] = rounds, runs


def cpu_time(name, entries, meta):
    if CPU_REPS <= 0:
        return
    base.OUT, base.CPU_REPS = OUT, CPU_REPS
    base.cpu_work(name, entries, meta)


def upgrade_workload(root, kind, metas):
    w = Workload(root, kind, N)
    tools = [t for t in ("pum", "sqlx", "dbmate", "sqitch", "pum010") if t in TOOLS]
    if "floors" in TOOLS:
        tools += ["floor_rt", "floor_server"]
    entries = [(LABELS[t], tool_cmd(t, w, DB), prepare_cmd(t, w)) for t in tools]
    what = ("one INSERT each" if kind == "trivial"
            else "CREATE TABLE 8 columns + PK, CREATE INDEX, 4 INSERTs")
    meta = {"name": kind, "title": f"{N} {kind} deltas ({what}): apply all",
            "reference": LABELS["pum"], "tools": dict(zip([e[0] for e in entries], tools))}
    for (label, c, p), t in zip(entries, tools):
        print(f"peers: checking {label} on {kind}", flush=True)
        sh(p)
        sh(c + " >/dev/null 2>&1")
        verify(t, w, DB)
    rounds_run(kind, entries, ROUNDS, RUNS, meta, {LABELS["sqitch"]: SQITCH_ROUNDS})
    # Sqitch's CPU time is in hyperfine's user/system (its psql children
    # included); one more run of it would take as long as a round.
    cpu_time(kind, [e for e in entries if e[0] != LABELS["sqitch"]], meta)
    metas.append(meta)


def status_workload(root, metas):
    w = Workload(os.path.join(root, "st"), "trivial", N)
    tools = [t for t in ("pum", "sqlx", "dbmate", "sqitch", "pum010") if t in TOOLS]
    entries = []
    for t in tools:
        db = STATUS_DB[t]
        print(f"peers: applying {N} trivial deltas with {t} for its status", flush=True)
        sh(prepare_cmd(t, w, db))
        sh(tool_cmd(t, w, db) + " >/dev/null 2>&1")
        verify(t, w, db)
        out = sh(status_cmd(t, w, db) + " 2>&1", capture=True)
        verify_status(t, out, N)
        if t == "pum":
            sh(status_cmd(t, w, db) + " --exit-code >/dev/null")
            json.loads(sh(status_cmd(t, w, db, "json"), capture=True))  # well-formed
        label = {"pum": "pum info", "sqlx": "sqlx migrate info", "dbmate": "dbmate status",
                 "sqitch": "sqitch status", "pum010": "pum 0.10 info"}[t]
        entries.append((label, status_cmd(t, w, db), None))
        if t == "pum":
            entries.append(("pum info --format json", status_cmd(t, w, db, "json"), None))
    meta = {"name": "status", "title": f"status over {N} applied trivial deltas",
            "reference": "pum info"}
    rounds_run("status", entries, STATUS_ROUNDS, STATUS_RUNS, meta)
    cpu_time("status", entries, meta)
    metas.append(meta)


def version(cmd):
    try:
        r = subprocess.run(cmd, shell=True, text=True, capture_output=True)
        return (r.stdout.strip() or r.stderr.strip()).splitlines()[0]
    except (OSError, IndexError):
        return "?"


def environment():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    settings = {s: sql_value(DB, f"SHOW {s}") for s in
                ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers")}
    q = shlex.quote
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": f"{os.uname().sysname} {os.uname().release}, {os.cpu_count()} CPUs, {cpu}",
        "postgresql": sql_value(DB, "SELECT version()"),
        "server_settings": settings,
        "uptime_before": version("uptime"),
        "tools": {
            "pum": version(f"{q(PUM)} -v") + (f" ({os.environ['BENCH_SOURCE']})"
                                               if os.environ.get("BENCH_SOURCE") else ""),
            "sqlx": version(f"{q(SQLX)} --version"),
            "dbmate": version(f"{q(DBMATE)} --version"),
            "sqitch": version(f"{q(SQITCH)} --version"),
            "pum010": version(f"{q(PUM010)} -v"),
            "psql": version(f"{q(PSQL_BIN)} --version") + f" ({PSQL_BIN})",
            "hyperfine": version("hyperfine --version"),
        },
        "deltas": N, "rounds": ROUNDS, "runs_per_round": RUNS, "sqitch_rounds": SQITCH_ROUNDS,
        "status_rounds": STATUS_ROUNDS, "status_runs_per_round": STATUS_RUNS,
        "quick": QUICK,
    }


def main():
    if not PUM or not os.path.exists(PUM):
        die("PUM is not set: run this through bench/peers/run.sh (pum sandbox sets it)")
    missing = []
    need = {"pum010": PUM010, "sqlx": SQLX, "dbmate": DBMATE, "sqitch": SQITCH}
    for t, exe in need.items():
        if t in TOOLS and not (os.access(exe, os.X_OK) or shutil.which(exe)):
            missing.append(f"{t} ({exe})")
    if missing:
        die("not found: " + ", ".join(missing) + ". Install them: bash bench/peers/setup.sh")
    # Sqitch: no user or system configuration from this machine.
    cfg = tempfile.mkdtemp(prefix="pum-peers-sqitch-")
    open(os.path.join(cfg, "user.conf"), "w").close()
    os.environ.update(SQITCH_USER_CONFIG=os.path.join(cfg, "user.conf"),
                      SQITCH_SYSTEM_CONFIG=os.path.join(cfg, "user.conf"),
                      SQITCH_FULLNAME="Bench", SQITCH_EMAIL="bench@example.com")
    os.makedirs(OUT, exist_ok=True)
    env = environment()
    print(json.dumps(env, indent=2), flush=True)
    metas = []
    root = tempfile.mkdtemp(prefix="pum-peers-")
    try:
        for kind in ("trivial", "ddl"):
            if kind in ONLY:
                upgrade_workload(root, kind, metas)
        if "status" in ONLY:
            status_workload(root, metas)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(cfg, ignore_errors=True)
    env["uptime_after"] = version("uptime")
    with open(os.path.join(OUT, "meta.json"), "w", encoding="utf-8") as f:
        json.dump({"environment": env, "workloads": metas}, f, indent=2)
    print()
    subprocess.run([sys.executable, os.path.join(HERE, "summary.py"), OUT])


if __name__ == "__main__":
    main()
