#!/usr/bin/env python3
"""Benchmark driver, run by bench/run.sh inside `pum sandbox --db bench`.

Generates the delta sets in a temporary directory, then measures with
hyperfine, side by side on the same throwaway cluster and the same
connection (the `bench` service of PGSERVICEFILE):

  A. 1,000 trivial deltas (one INSERT each): pum 0.10 `upgrade`, our
     `upgrade`, `psql -1 -f all.sql` (the floor) and `psql -f f1 -f f2 ...`.
  B. 1,000 DDL-heavy deltas (CREATE TABLE, PK, index, INSERTs): our
     `upgrade`, psql per file (autocommit), psql with BEGIN/COMMIT around
     each file, psql -1 over everything, and pum 0.10 `upgrade`.
  C. `info` over 1,000 applied deltas: ours vs pum 0.10.

Before every timed run (hyperfine --prepare) the database is dropped and
created again, the upgrades table is created and the baseline row written
with the SAME tool that is measured (plain SQL for psql), then a CHECKPOINT
is taken, so every run starts from the same state.

Standard library only. Environment:
  PUM            our pum binary (set by `pum sandbox`)
  PUM010         pum 0.10 executable (default /opt/pum010/bin/pum)
  BENCH_QUICK=1  100 deltas, 3 runs: a smoke test
  BENCH_N        number of deltas (default 1000, quick 100)
  BENCH_RUNS     timed runs per command (default 10, quick 3)
  BENCH_ROUNDS   hyperfine invocations the runs are spread over, so the
                 commands alternate (default 5, quick 1)
  BENCH_CPU_REPS times each command is run once more, alone, to measure
                 its CPU time, client and server (default 3, quick 1; 0: skip)
  BENCH_CPU_ONLY=1  only the CPU-time measurement, no hyperfine (the meta.json
                 written then lacks the hyperfine exports)
  BENCH_WAIT_QUIET  before each round, wait up to this many seconds for
                 the machine to be quiet (default 0: do not wait)
  BENCH_OUT      directory for the JSON exports (default bench/results)
  BENCH_ONLY     scenarios to run, e.g. "AC" (default ABC)
"""

import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVICE = "bench"
TABLE = "bench_sys.upgrades"
BASELINE = "1.0.0"

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
N = int(os.environ.get("BENCH_N", "100" if QUICK else "1000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3" if QUICK else "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1" if QUICK else "5"))
WAIT_QUIET = int(os.environ.get("BENCH_WAIT_QUIET", "0"))
CPU_REPS = int(os.environ.get("BENCH_CPU_REPS", "1" if QUICK else "3"))
CPU_ONLY = os.environ.get("BENCH_CPU_ONLY", "") not in ("", "0")
OUT = os.path.abspath(os.environ.get("BENCH_OUT", os.path.join(HERE, "results")))
ONLY = os.environ.get("BENCH_ONLY", "ABC").upper()
PUM = os.environ.get("PUM")
PUM010 = os.environ.get("PUM010", "/opt/pum010/bin/pum")

PSQL = "psql -X -q -v ON_ERROR_STOP=1"
CONN = shlex.quote(f"service={SERVICE}")
ADMIN_CONN = shlex.quote(f"service={SERVICE} dbname=postgres")

# pum 0.x's upgrades table, and its baseline row: what psql runs get, so the
# database is in the same state whichever tool is measured.
UPGRADES_DDL = f"""
CREATE TABLE {TABLE} (
    id serial NOT NULL,
    version character varying(50) NOT NULL,
    description character varying(200) NOT NULL,
    type integer NOT NULL,
    script character varying(1000) NOT NULL,
    checksum character varying(32) NOT NULL,
    installed_by character varying(100) NOT NULL,
    installed_on timestamp without time zone NOT NULL DEFAULT now(),
    execution_time integer NOT NULL,
    success boolean NOT NULL,
    PRIMARY KEY (id),
    EXCLUDE (version WITH =) WHERE (type = 0)
);
INSERT INTO {TABLE} (version, description, type, script, checksum, installed_by,
                     execution_time, success)
VALUES ('{BASELINE}', 'baseline', 0, '', '', session_user, 1, true);
"""


def die(msg):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(1)


def sh(cmd, capture=False):
    """Runs a shell command; exits on failure."""
    res = subprocess.run(cmd, shell=True, text=True,
                         stdout=subprocess.PIPE if capture else None)
    if res.returncode != 0:
        die(f"command failed ({res.returncode}): {cmd[:300]}")
    return res.stdout if capture else None


def sql_value(query):
    return sh(f"{PSQL} -At {CONN} -c {shlex.quote(query)}", capture=True).strip()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# ---------------------------------------------------------------- delta sets

def gen_trivial(root, n):
    """Scenario A: n deltas, one INSERT each."""
    d = os.path.join(root, "A", "deltas")
    os.makedirs(d)
    files = []
    for i in range(1, n + 1):
        p = os.path.join(d, f"delta_1.0.{i}_x.sql")
        write(p, f"INSERT INTO bench.t (n, label) VALUES ({i}, 'delta {i}');\n")
        files.append(p)
    write(os.path.join(root, "A", "setup.sql"),
          "CREATE SCHEMA bench;\n"
          "CREATE TABLE bench.t (n integer PRIMARY KEY, label text NOT NULL);\n"
          "CREATE SCHEMA bench_sys;\n")
    return d, files


def gen_ddl(root, n):
    """Scenario B: n deltas, each a table of 8 columns with a PK, an index
    and 4 rows."""
    d = os.path.join(root, "B", "deltas")
    os.makedirs(d)
    files = []
    for i in range(1, n + 1):
        p = os.path.join(d, f"delta_1.0.{i}_ddl.sql")
        rows = "\n".join(
            f"INSERT INTO bench.t_{i} (id, code, name, qty, price) "
            f"VALUES ({r}, 'c{i}_{r}', 'item {r} of delta {i}', {r * 10}, {r}.25);"
            for r in range(1, 5))
        write(p, f"""-- delta {i}: a new table
CREATE TABLE bench.t_{i} (
    id integer NOT NULL,
    code varchar(32) NOT NULL,
    name text,
    qty integer NOT NULL DEFAULT 0,
    price numeric(12, 2),
    active boolean NOT NULL DEFAULT true,
    created timestamp without time zone NOT NULL DEFAULT now(),
    note text,
    CONSTRAINT t_{i}_pkey PRIMARY KEY (id)
);
CREATE INDEX t_{i}_code_idx ON bench.t_{i} (code);
{rows}
""")
        files.append(p)
    write(os.path.join(root, "B", "setup.sql"),
          "CREATE SCHEMA bench;\nCREATE SCHEMA bench_sys;\n")
    return d, files


# ----------------------------------------------------------- commands, resets

def reset_cmd(setup_sql, tool, delta_dir):
    """Shell command for hyperfine --prepare: a fresh database, the data
    model's setup, the upgrades table and baseline by `tool`, a checkpoint."""
    parts = [
        f"{PSQL} {ADMIN_CONN} -c 'DROP DATABASE IF EXISTS {SERVICE} WITH (FORCE)' "
        f"-c 'CREATE DATABASE {SERVICE}'",
        f"{PSQL} {CONN} -f {shlex.quote(setup_sql)}",
    ]
    if tool == "ours":
        parts.append(f"{shlex.quote(PUM)} baseline -p {SERVICE} -t {TABLE} -b {BASELINE} >/dev/null")
    elif tool == "pum010":
        parts.append(f"{shlex.quote(PUM010)} baseline -p {SERVICE} -t {TABLE} "
                     f"-d {shlex.quote(delta_dir)} -b {BASELINE} >/dev/null 2>&1")
    else:
        parts.append(f"{PSQL} {CONN} -f {shlex.quote(setup_sql + '.upgrades')}")
    parts.append(f"{PSQL} {ADMIN_CONN} -c CHECKPOINT")
    return " && ".join(parts)


def upgrade_cmd(tool, delta_dir):
    exe = PUM if tool == "ours" else PUM010
    return f"{shlex.quote(exe)} upgrade -p {SERVICE} -t {TABLE} -d {shlex.quote(delta_dir)}"


def info_cmd(tool, delta_dir):
    exe = PUM if tool == "ours" else PUM010
    return f"{shlex.quote(exe)} info -p {SERVICE} -t {TABLE} -d {shlex.quote(delta_dir)}"


def psql_files_cmd(files):
    return f"{PSQL} {CONN} " + " ".join(f"-f {shlex.quote(f)}" for f in files)


def loadavg():
    """1-minute load average."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError):
        return None


TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds():
    """CPU time spent by the whole machine so far (all CPUs), in seconds."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (sum(v[:8]) - v[3] - v[4]) / TICK  # minus idle, iowait
    except (OSError, ValueError, IndexError):
        return None


def server_seconds():
    """CPU time of our cluster: the postmaster, its reaped children
    (backends that ended) and its live children."""
    try:
        with open(os.path.join(os.environ["PGHOST"], "data", "postmaster.pid")) as f:
            pm = int(f.readline())
    except (OSError, KeyError, ValueError):
        return None

    def stat(pid):
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()

    total = 0.0
    try:
        st = stat(pm)
        total += sum(int(x) for x in st[11:15])  # utime stime cutime cstime
    except OSError:
        return None
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            st = stat(pid)
        except OSError:
            continue
        if int(st[1]) == pm:
            total += int(st[11]) + int(st[12])
    return total / TICK


def our_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system + (server_seconds() or 0.0)


class ForeignLoad:
    """Measures how much CPU other work on the machine took while a scenario
    ran: all CPU time used minus ours (this script, its children, our
    cluster). On a quiet machine it is near zero."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.busy0 = machine_busy_seconds()
        self.ours0 = our_seconds()

    def finish(self):
        wall = time.monotonic() - self.t0
        busy = machine_busy_seconds()
        if busy is None or self.busy0 is None:
            return None
        foreign = max(0.0, (busy - self.busy0) - (our_seconds() - self.ours0))
        return {"wall_s": round(wall, 1), "foreign_cpu_s": round(foreign, 1),
                "foreign_cores": round(foreign / wall, 2) if wall > 0 else None}


def merge_exports(paths, out):
    """Merges the hyperfine exports of several rounds into one file in
    hyperfine's format, statistics recomputed over all timed runs."""
    merged = {}
    order = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for r in json.load(f)["results"]:
                m = merged.get(r["command"])
                if m is None:
                    m = merged[r["command"]] = {"command": r["command"], "times": [],
                                                "user": [], "system": [], "exit_codes": []}
                    order.append(r["command"])
                n = len(r["times"])
                m["times"] += r["times"]
                m["user"] += [r["user"]] * n
                m["system"] += [r["system"]] * n
                m["exit_codes"] += r.get("exit_codes", [0] * n)
    results = []
    for name in order:
        m = merged[name]
        t = m["times"]
        results.append({
            "command": name,
            "mean": statistics.mean(t),
            "stddev": statistics.stdev(t) if len(t) > 1 else 0.0,
            "median": statistics.median(t),
            "user": statistics.mean(m["user"]),
            "system": statistics.mean(m["system"]),
            "min": min(t),
            "max": max(t),
            "times": t,
            "exit_codes": m["exit_codes"],
        })
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"results": results, "merged_from": [os.path.basename(p) for p in paths]},
                  f, indent=2)


def wait_quiet(limit):
    """Waits up to `limit` seconds for the machine to be quiet (other work
    using under a quarter of a core over 5 s). Returns the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        b0 = machine_busy_seconds()
        time.sleep(5)
        b1 = machine_busy_seconds()
        if b0 is None or b1 is None or (b1 - b0) / 5 < 0.25:
            break
        print(f"bench: machine busy ({(b1 - b0) / 5:.2f} cores used by other work), waiting",
              file=sys.stderr, flush=True)
    return round(time.monotonic() - t0)


def hyperfine(name, entries, meta):
    """Measures entries, a list of (label, command, prepare or None).

    The RUNS timed runs of each command are spread over ROUNDS hyperfine
    invocations, so that the commands alternate: a burst of other work on
    the machine then hits every command alike instead of one of them. Each
    round is exported (NAME.roundK.json) and all are merged into NAME.json."""
    rounds = max(1, min(ROUNDS, RUNS))
    per_round = [RUNS // rounds + (1 if i < RUNS % rounds else 0) for i in range(rounds)]
    print(f"\n=== {name}: {meta['title']}", flush=True)
    meta["loadavg_before"] = loadavg()
    wall = foreign = 0.0
    exports = []
    for k, runs in enumerate(per_round, 1):
        if WAIT_QUIET:
            wait_quiet(WAIT_QUIET)
        export = os.path.join(OUT, f"{name}.round{k}.json")
        cmd = ["hyperfine", "--warmup", "1" if k == 1 else "0", "--runs", str(runs),
               "--style", "basic", "--export-json", export]
        if any(p for _, _, p in entries):
            for _, _, p in entries:
                cmd += ["--prepare", p or "true"]
        for label, _, _ in entries:
            cmd += ["--command-name", label]
        cmd += [c for _, c, _ in entries]
        print(f"--- round {k}/{rounds}", flush=True)
        load = ForeignLoad()
        res = subprocess.run(cmd)
        fl = load.finish()
        if fl:
            wall += fl["wall_s"]
            foreign += fl["foreign_cpu_s"]
        if res.returncode != 0:
            die(f"hyperfine failed for scenario {name}")
        exports.append(export)
    meta["foreign_load"] = {"wall_s": round(wall, 1), "foreign_cpu_s": round(foreign, 1),
                            "foreign_cores": round(foreign / wall, 2) if wall else 0.0}
    meta["loadavg_after"] = loadavg()
    merged = os.path.join(OUT, f"{name}.json")
    merge_exports(exports, merged)
    meta["export"] = os.path.basename(merged)
    meta["rounds"] = rounds
    return merged


def cpu_work(name, entries, meta):
    """CPU time each command costs, client and server, which other work on
    the machine barely changes (unlike wall-clock time): for each command,
    CPU_REPS times: prepare, then run it alone and add its own CPU time
    (user + system, from wait4) to the CPU time our cluster spent meanwhile
    (its backend, reaped by the postmaster, and the background processes).
    Written to NAME.cpu.json."""
    if CPU_REPS <= 0:
        return
    out = []
    for label, command, prepare in entries:
        client, server = [], []
        for _ in range(CPU_REPS):
            if prepare:
                sh(prepare + " >/dev/null")
            time.sleep(0.5)  # let the prepare's backends end and be reaped
            s0 = server_seconds()
            proc = subprocess.Popen(command + " >/dev/null 2>&1", shell=True)
            _, status, ru = os.wait4(proc.pid, 0)
            if status != 0:
                die(f"{label} failed while measuring CPU time")
            time.sleep(0.5)  # let its backend end and be reaped
            s1 = server_seconds()
            client.append(ru.ru_utime + ru.ru_stime)
            server.append((s1 - s0) if s0 is not None and s1 is not None else float("nan"))
        out.append({"command": label,
                    "client_cpu_s": statistics.median(client),
                    "server_cpu_s": statistics.median(server),
                    "reps": CPU_REPS})
    path = os.path.join(OUT, f"{name}.cpu.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"results": out, "reference": meta.get("reference")}, f, indent=2)
    meta["cpu_export"] = os.path.basename(path)


# ----------------------------------------------------------------- scenarios

def check(what, query, expected):
    got = sql_value(query)
    if got != str(expected):
        die(f"sanity check failed after {what}: {query!r} gave {got!r}, expected {expected!r}")


def scenario_a(root, metas):
    d, files = gen_trivial(root, N)
    setup = os.path.join(root, "A", "setup.sql")
    write(setup + ".upgrades", UPGRADES_DDL)
    all_sql = os.path.join(root, "A", "all.sql")
    with open(all_sql, "w", encoding="utf-8") as out:
        for f in files:
            with open(f, encoding="utf-8") as inp:
                out.write(inp.read())
    meta = {
        "title": f"A. {N} trivial deltas (one INSERT each): upgrade",
        "reference": "pum (ours) upgrade",
        "target": "pum 0.10 / ours >= 5",
        "target_check": {"kind": "speedup", "of": "pum 0.10 upgrade", "min": 5.0},
    }
    entries = [
        ("pum 0.10 upgrade", upgrade_cmd("pum010", d), reset_cmd(setup, "pum010", d)),
        ("pum (ours) upgrade", upgrade_cmd("ours", d), reset_cmd(setup, "ours", d)),
        ("psql -1 -f all.sql (floor)",
         f"{PSQL} -1 {CONN} -f {shlex.quote(all_sql)}", reset_cmd(setup, "psql", d)),
        (f"psql -f f1 ... -f f{N} (one session)", psql_files_cmd(files),
         reset_cmd(setup, "psql", d)),
    ]
    # Correctness before timing: each tool's run leaves all rows in place.
    for label, c, p in entries:
        sh(p)
        sh(c + " >/dev/null 2>&1")
        check(label, "SELECT count(*) FROM bench.t", N)
        if "pum" in label:
            check(label, f"SELECT count(*) FROM {TABLE}", N + 1)
    if not CPU_ONLY:
        hyperfine("A", entries, meta)
    cpu_work("A", entries, meta)
    metas.append(meta)


def scenario_b(root, metas):
    d, files = gen_ddl(root, N)
    setup = os.path.join(root, "B", "setup.sql")
    write(setup + ".upgrades", UPGRADES_DDL)
    driver = os.path.join(root, "B", "per_file_tx.sql")
    with open(driver, "w", encoding="utf-8") as out:
        for f in files:
            out.write(f"BEGIN;\n\\i {f}\nCOMMIT;\n")
    all_sql = os.path.join(root, "B", "all.sql")
    with open(all_sql, "w", encoding="utf-8") as out:
        for f in files:
            with open(f, encoding="utf-8") as inp:
                out.write(inp.read())
    meta = {
        "title": f"B. {N} DDL-heavy deltas (CREATE TABLE 8 columns + PK, CREATE INDEX, 4 INSERTs): upgrade",
        "reference": "psql, BEGIN/\\i/COMMIT per file",
        "target": "ours / psql <= 1.1",
        "target_check": {"kind": "ratio", "of": "pum (ours) upgrade", "max": 1.1},
    }
    entries = [
        ("pum (ours) upgrade", upgrade_cmd("ours", d), reset_cmd(setup, "ours", d)),
        (f"psql -f f1 ... -f f{N} (autocommit)", psql_files_cmd(files),
         reset_cmd(setup, "psql", d)),
        ("psql, BEGIN/\\i/COMMIT per file", f"{PSQL} {CONN} -f {shlex.quote(driver)}",
         reset_cmd(setup, "psql", d)),
        ("psql -1 -f all.sql (floor)",
         f"{PSQL} -1 {CONN} -f {shlex.quote(all_sql)}", reset_cmd(setup, "psql", d)),
        ("pum 0.10 upgrade", upgrade_cmd("pum010", d), reset_cmd(setup, "pum010", d)),
    ]
    last = f"bench.t_{N}"
    for label, c, p in entries:
        sh(p)
        sh(c + " >/dev/null 2>&1")
        check(label, f"SELECT count(*) FROM {last}", 4)
        check(label, "SELECT count(*) FROM pg_class WHERE relnamespace = 'bench'::regnamespace "
                     "AND relkind = 'r'", N)
        if "pum" in label:
            check(label, f"SELECT count(*) FROM {TABLE}", N + 1)
    if not CPU_ONLY:
        hyperfine("B", entries, meta)
    cpu_work("B", entries, meta)
    metas.append(meta)


def scenario_c(root, metas):
    d = os.path.join(root, "A", "deltas")
    if not os.path.isdir(d):
        gen_trivial(root, N)
    setup = os.path.join(root, "A", "setup.sql")
    # All deltas applied by pum 0.10 itself: the state a pum 0.x user has.
    sh(reset_cmd(setup, "pum010", d))
    sh(upgrade_cmd("pum010", d) + " >/dev/null 2>&1")
    check("setup of C", f"SELECT count(*) FROM {TABLE}", N + 1)
    # Both must see every delta as applied (ours: --exit-code is 1 when
    # anything is pending).
    sh(info_cmd("ours", d) + " --exit-code >/dev/null")
    theirs = sh(info_cmd("pum010", d) + " 2>/dev/null", capture=True)
    applied_010 = sum(1 for line in theirs.splitlines()
                      if line.startswith("|") and "| Applied" in line)
    if applied_010 != N:
        die(f"pum 0.10 info shows {applied_010} applied deltas, expected {N}")
    meta = {
        "title": f"C. info over {N} applied deltas",
        "reference": "pum (ours) info",
        "target": "ours < 50 ms",
        "target_check": {"kind": "absolute", "of": "pum (ours) info", "max_ms": 50.0},
    }
    entries = [
        ("pum 0.10 info", info_cmd("pum010", d), None),
        ("pum (ours) info", info_cmd("ours", d), None),
    ]
    if not CPU_ONLY:
        hyperfine("C", entries, meta)
    cpu_work("C", entries, meta)
    metas.append(meta)


# ---------------------------------------------------------------------- main

def environment():
    def out(cmd):
        try:
            return subprocess.run(cmd, shell=True, text=True, capture_output=True).stdout.strip()
        except OSError:
            return ""
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    settings = {}
    for s in ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers",
              "wal_level", "max_wal_size", "checkpoint_timeout", "autovacuum"):
        settings[s] = sql_value(f"SHOW {s}")
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs, {cpu}",
        "postgresql": sql_value("SELECT version()"),
        "server_settings": settings,
        "pum_ours": out(f"{shlex.quote(PUM)} -v"),
        "pum_ours_source": os.environ.get("BENCH_SOURCE", ""),
        "pum_010": out(f"{shlex.quote(PUM010)} -v 2>&1"),
        "psql": out("psql --version"),
        "hyperfine": out("hyperfine --version"),
        "deltas": N,
        "runs": RUNS,
        "rounds": ROUNDS,
        "wait_quiet": WAIT_QUIET,
        "warmup": 1,
        "quick": QUICK,
        "connection": "Unix socket, service=bench from the PGSERVICEFILE written by pum sandbox",
    }


def main():
    if not PUM or not os.path.exists(PUM):
        die("PUM is not set: run this through bench/run.sh (pum sandbox sets it)")
    if not os.environ.get("PGSERVICEFILE"):
        die("PGSERVICEFILE is not set: run this through bench/run.sh")
    for tool in ("hyperfine", "psql"):
        if not shutil.which(tool):
            die(f"{tool} not found")
    if not os.access(PUM010, os.X_OK):
        die(f"pum 0.10 not found at {PUM010}")
    os.makedirs(OUT, exist_ok=True)
    env = environment()
    print(json.dumps(env, indent=2))
    metas = []
    root = tempfile.mkdtemp(prefix="pum-bench-")
    try:
        if "A" in ONLY:
            scenario_a(root, metas)
        if "B" in ONLY:
            scenario_b(root, metas)
        if "C" in ONLY:
            scenario_c(root, metas)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump({"environment": env, "scenarios": metas}, f, indent=2)
    print()
    subprocess.run([sys.executable, os.path.join(HERE, "report.py"), OUT])


if __name__ == "__main__":
    main()
