"""Runs inside `pum sandbox --db fleet_template` (see run.sh).

Each round recreates the databases from a template (schema `app`, upgrades
table with its baseline), then times one variant applying the same deltas
to every database:

* pum, --jobs 1 and --jobs N: one `pum upgrade --databases ...`;
* a loop of single-database `pum upgrade -p` runs (one process each);
* floor: one psql that connects to each database in turn and sends all the
  deltas' statements in one message, one transaction (no history rows, one
  round trip): the server's work plus a connection per database;
* floor, N at once: N such psql processes, each on its share.

Variants rotate from round to round. After each pum run every database is
checked to hold every delta's row.
"""

import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

QUICK = os.environ.get("BENCH_QUICK") == "1"
DBS = int(os.environ.get("BENCH_DBS", "10" if QUICK else "100"))
DELTAS = int(os.environ.get("BENCH_DELTAS", "5" if QUICK else "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1" if QUICK else "5"))
JOBS = int(os.environ.get("BENCH_JOBS", "4"))
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.abspath(os.environ.get("BENCH_OUT", os.path.join(HERE, "results")))
PUM = os.environ["PUM"]
TEMPLATE = "fleet_template"
NAMES = [f"fleet_{i:03d}" for i in range(1, DBS + 1)]


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def psql(sql, db="postgres"):
    sh(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", "SET client_min_messages = warning",
        "-c", sql], stdout=subprocess.DEVNULL)


def delta_sql(k):
    return (
        f"CREATE TABLE app.t_{k} (id int PRIMARY KEY, a text, b int, c timestamptz DEFAULT now());\n"
        f"CREATE INDEX ON app.t_{k} (b);\n"
        f"INSERT INTO app.t_{k} (id, a, b) SELECT g, 'row ' || g, g % 7 FROM generate_series(1, 100) g;\n"
        f"COMMENT ON TABLE app.t_{k} IS 'delta {k}';\n"
    )


def reset():
    for name in NAMES:
        psql(f'DROP DATABASE IF EXISTS "{name}"')
        psql(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')


def count(name, sql):
    return subprocess.run(["psql", "-X", "-tA", "-d", name, "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def verify(history):
    """Every database has every delta's table (and, for pum, its row)."""
    for name in NAMES:
        n = count(name, "SELECT count(*) FROM pg_tables WHERE schemaname = 'app' AND tablename ~ '^t_'")
        if n != str(DELTAS):
            sys.exit(f"bench/fleet: {name} has {n} delta tables, expected {DELTAS}")
        if history:
            n = count(name, "SELECT count(*) FROM app.info WHERE type <> 0")
            if n != str(DELTAS):
                sys.exit(f"bench/fleet: {name} has {n} delta rows, expected {DELTAS}")


def main():
    work = tempfile.mkdtemp(prefix="pum-fleet-")
    try:
        run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work):
    deltas = os.path.join(work, "deltas")
    os.makedirs(deltas)
    for k in range(1, DELTAS + 1):
        with open(os.path.join(deltas, f"delta_1.0.{k}_t{k}.sql"), "w") as f:
            f.write(delta_sql(k))
    floor_sql = os.path.join(work, "floor.sql")
    # One message per database: the statements joined with psql's `\;`
    # travel as one simple query (psql would otherwise send each statement
    # on its own round trip).
    body = "".join(delta_sql(k) for k in range(1, DELTAS + 1)).replace(";\n", "\\;\n")
    with open(floor_sql, "w") as f:
        f.write("BEGIN\\;\n" + body + "COMMIT;\n")
    psql("CREATE SCHEMA app", TEMPLATE)
    sh([PUM, "baseline", "-p", TEMPLATE, "-t", "app.info", "-b", "1.0.0"], stdout=subprocess.DEVNULL)

    def floor_script(names, tag):
        path = os.path.join(work, f"floor-{tag}.sql")
        with open(path, "w") as f:
            for n in names:
                f.write(f"\\c {n}\n\\i {floor_sql}\n")
        return path

    all_floor = floor_script(NAMES, "all")
    shares = [NAMES[i::JOBS] for i in range(JOBS)]
    share_scripts = [floor_script(s, f"share{i}") for i, s in enumerate(shares) if s]
    listed = ",".join(NAMES)

    def pum_fleet(jobs):
        return lambda: sh([PUM, "upgrade", "--databases", listed, "-t", "app.info", "-d", deltas,
                           "--jobs", str(jobs)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def pum_loop():
        for n in NAMES:
            sh([PUM, "upgrade", "-p", f"dbname={n}", "-t", "app.info", "-d", deltas],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def floor_one():
        sh(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", all_floor], stdout=subprocess.DEVNULL)

    def floor_par():
        procs = [subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", s],
                                  stdout=subprocess.DEVNULL) for s in share_scripts]
        if any(p.wait() != 0 for p in procs):
            sys.exit("bench/fleet: a floor psql failed")

    floor1 = "floor: psql, a connection and one message per database, no history"
    floorn = f"floor, {JOBS} psql at once"
    # (label, run, verify, the floor it is compared with)
    variants = [
        ("pum upgrade --jobs 1", pum_fleet(1), True, floor1),
        (f"pum upgrade --jobs {JOBS}", pum_fleet(JOBS), True, floorn),
        ("loop of `pum upgrade -p dbname=DB`", pum_loop, True, floor1),
        (floor1, floor_one, False, None),
        (floorn, floor_par, False, None),
    ]
    times = {v[0]: [] for v in variants}
    for r in range(ROUNDS):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        print(f"--- round {r + 1}/{ROUNDS}", file=sys.stderr, flush=True)
        for label, fn, check, _ in order:
            reset()
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            verify(check)
            times[label].append(dt)
            print(f"    {label}: {dt:.2f} s", file=sys.stderr, flush=True)

    os.makedirs(OUT, exist_ok=True)
    meta = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "source": os.environ.get("BENCH_SOURCE", ""),
        "databases": DBS, "deltas": DELTAS, "rounds": ROUNDS, "jobs": JOBS,
        "cpus": os.cpu_count(), "load": os.getloadavg(),
        "server": subprocess.run(["psql", "-X", "-tA", "-c", "SHOW server_version"],
                                 capture_output=True, text=True).stdout.strip(),
        "times": times,
    }
    with open(os.path.join(OUT, "fleet.json"), "w") as f:
        json.dump(meta, f, indent=2)

    print(f"\n{DBS} databases x {DELTAS} deltas, {ROUNDS} rounds, {os.cpu_count()} CPUs, "
          f"PostgreSQL {meta['server']}\n")
    print("| run | best | median | per database (best) | beyond its floor, per database |")
    print("|---|---|---|---|---|")
    for label, _, _, base in variants:
        t = times[label]
        extra = f"{(min(t) - min(times[base])) / DBS * 1000:+.1f} ms" if base else ""
        print(f"| {label} | {min(t):.2f} s | {statistics.median(t):.2f} s | "
              f"{min(t) / DBS * 1000:.1f} ms | {extra} |")
    j1, jn = min(times[variants[0][0]]), min(times[variants[1][0]])
    print(f"\n--jobs {JOBS} is {j1 / jn:.2f}x as fast as --jobs 1 (best of each); "
          f"the loop of single runs takes {min(times[variants[2][0]]) / j1:.2f}x the time of --jobs 1.")


main()
