#!/usr/bin/env python3
"""Prints the peer benchmark's results (bench/peers/inner.py's exports) as
Markdown: per workload best, median and mean of every command, the ratio of
its median to pum's, and in how many rounds pum was faster; then one
compact table of all workloads, and the CPU-time tables.

Usage: summary.py [DIR]   (default bench/peers/results)

Standard library only.
"""

import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from report import cpu_table, fmt_time  # noqa: E402  bench/report.py


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def esc(s):
    return s.replace("|", "\\|")


def per_round(d, wl):
    """{command: {round k: median of its runs in round k}}"""
    out = {}
    for k, name in enumerate(wl.get("round_exports", [])):
        for r in load(os.path.join(d, name))["results"]:
            out.setdefault(r["command"], {})[k] = statistics.median(r["times"])
    return out


def workload_table(d, wl):
    results = load(os.path.join(d, wl["export"]))["results"]
    ref = next((r for r in results if r["command"] == wl["reference"]), results[0])
    rounds = per_round(d, wl)
    ref_rounds = rounds.get(ref["command"], {})
    lines = [f"| Command | Best | Median | Mean ± σ | Runs | Median vs {esc(ref['command'])} "
             f"| Rounds {esc(ref['command'])} was faster |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(results, key=lambda r: r["median"]):
        name = esc(r["command"])
        won = ""
        if r is ref:
            name = f"**{name}**"
        else:
            theirs = rounds.get(r["command"], {})
            both = [k for k in theirs if k in ref_rounds]
            if both:
                wins = sum(1 for k in both if ref_rounds[k] < theirs[k])
                won = f"{wins} of {len(both)}"
        lines.append(f"| {name} | {fmt_time(r['min'])} | {fmt_time(r['median'])} "
                     f"| {fmt_time(r['mean'])} ± {fmt_time(r['stddev'])} | {len(r['times'])} "
                     f"| {r['median'] / ref['median']:.2f}× | {won} |")
    return "\n".join(lines)


def compact(d, metas):
    """One row per tool, one column per workload: best / median."""
    cols, rows = [], {}
    alias = {"pum info": "pum upgrade", "sqlx migrate info": "sqlx migrate run",
             "dbmate status": "dbmate migrate", "sqitch status": "sqitch deploy",
             "pum 0.10 info": "pum 0.10 upgrade"}
    for wl in metas:
        if not wl.get("export"):
            continue
        cols.append(wl["name"])
        for r in load(os.path.join(d, wl["export"]))["results"]:
            key = alias.get(r["command"], r["command"])
            if r["command"] == "pum info --format json":
                key = "pum upgrade"
                cell = f"json {fmt_time(r['min'])} / {fmt_time(r['median'])}"
                rows.setdefault(key, {})[wl["name"] + "+"] = cell
                continue
            rows.setdefault(key, {})[wl["name"]] = f"{fmt_time(r['min'])} / {fmt_time(r['median'])}"
    names = {"pum upgrade": "pum", "sqlx migrate run": "sqlx-cli", "dbmate migrate": "dbmate",
             "sqitch deploy": "Sqitch", "pum 0.10 upgrade": "pum 0.10"}
    head = "| runner | " + " | ".join(
        {"trivial": "trivial (best / median)", "ddl": "DDL (best / median)",
         "status": "status (best / median)"}.get(c, c) for c in cols) + " |"
    lines = [head, "|---|" + "---:|" * len(cols)]
    for key, cells in rows.items():
        vals = []
        for c in cols:
            v = cells.get(c, "")
            if c + "+" in cells:
                v = f"text {v}; {cells[c + '+']}"
            vals.append(v)
        lines.append(f"| {esc(names.get(key, key))} | " + " | ".join(vals) + " |")
    return "\n".join(lines)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results")
    meta = load(os.path.join(d, "meta.json"))
    env = meta["environment"]
    out = [f"- Date: {env['date']}" + (" (BENCH_QUICK smoke run: not representative)"
                                      if env.get("quick") else ""),
           f"- Machine: {env['host']}",
           f"- PostgreSQL: {env['postgresql']}; "
           + ", ".join(f"{k}={v}" for k, v in env["server_settings"].items()),
           "- Tools: " + "; ".join(f"{v}" for v in env["tools"].values()),
           f"- {env['deltas']} deltas per workload; upgrades: {env['rounds']} rounds of "
           f"{env['runs_per_round']} run(s) per command; status: {env['status_rounds']} "
           f"rounds of {env['status_runs_per_round']} runs; the order of the commands "
           "rotates from one round to the next",
           f"- Load: `{env.get('uptime_before', '?')}` before, "
           f"`{env.get('uptime_after', '?')}` after", ""]
    metas = meta["workloads"]
    for wl in metas:
        out.append(f"### {wl['title']}")
        out.append("")
        if wl.get("export"):
            out.append(workload_table(d, wl))
            out.append("")
            fl = wl.get("foreign_load")
            if fl:
                out.append(f"- Other work on the machine meanwhile: {fl['foreign_cpu_s']:.1f} "
                           f"CPU-s in {fl['wall_s']:.0f} s (≈ {fl['foreign_cores']:.2f} of the "
                           "2 cores; near 0 means quiet); 1-minute load average "
                           f"{wl.get('loadavg_before')} before, {wl.get('loadavg_after')} after")
                out.append("")
        cpu = wl.get("cpu_export")
        if cpu and os.path.exists(os.path.join(d, cpu)):
            c = load(os.path.join(d, cpu))
            reps = c["results"][0].get("reps", "?") if c["results"] else "?"
            out.append(f"CPU time per run (median of {reps} separate run(s); client = the "
                       "command's own user+system time, children included; server = the "
                       "cluster's):")
            out.append("")
            out.append(cpu_table(c, wl.get("reference")))
            out.append("")
    out.append("### All workloads")
    out.append("")
    out.append(compact(d, metas))
    print("\n".join(out))


if __name__ == "__main__":
    main()
