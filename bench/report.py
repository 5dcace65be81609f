#!/usr/bin/env python3
"""Prints hyperfine JSON exports as Markdown tables, ready for docs.

Usage:
  report.py DIR                  the exports of bench/inner.py: DIR/meta.json
                                 names the scenarios, references and targets
  report.py FILE.json [--reference NAME] [--title TEXT]
                                 any hyperfine --export-json file

Columns: mean ± standard deviation, median, min, max, number of runs, and the ratio of each mean to
the reference command's mean (1.00 for the reference itself; 5.00 means five
times slower than the reference, 0.20 five times faster).

Standard library only.
"""

import argparse
import json
import os
import sys


def fmt_time(seconds):
    if seconds >= 1.0:
        return f"{seconds:.3f} s"
    return f"{seconds * 1000:.1f} ms"


def fmt_mean(r):
    mean, sd = r["mean"], r.get("stddev") or 0.0
    if mean >= 1.0:
        return f"{mean:.3f} s ± {sd:.3f}"
    return f"{mean * 1000:.1f} ms ± {sd * 1000:.1f}"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["results"]


def find(results, name):
    for r in results:
        if r["command"] == name:
            return r
    return None


def table(results, reference=None):
    ref = find(results, reference) if reference else None
    if ref is None:
        ref = results[0]
    lines = [
        "| Command | Mean ± σ | Median | Min | Max | Runs | Mean vs " + ref["command"].replace("|", "\\|") + " |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r["mean"] / ref["mean"]
        name = r["command"].replace("|", "\\|")
        if r is ref:
            name = f"**{name}**"
        lines.append(
            f"| {name} | {fmt_mean(r)} | {fmt_time(r['median'])} | {fmt_time(r['min'])} "
            f"| {fmt_time(r['max'])} "
            f"| {len(r.get('times', []))} | {ratio:.2f}× |"
        )
    return "\n".join(lines)


def cpu_table(cpu, reference=None):
    """The CPU-time table of a NAME.cpu.json written by inner.py."""
    rows = cpu["results"]
    ref = next((r for r in rows if r["command"] == reference), rows[0])
    ref_total = ref["client_cpu_s"] + ref["server_cpu_s"]
    lines = [
        "| Command | Client CPU | Server CPU | Total CPU | Total vs "
        + ref["command"].replace("|", "\\|") + " |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        total = r["client_cpu_s"] + r["server_cpu_s"]
        name = r["command"].replace("|", "\\|")
        if r is ref:
            name = f"**{name}**"
        lines.append(f"| {name} | {fmt_time(r['client_cpu_s'])} | {fmt_time(r['server_cpu_s'])} "
                     f"| {fmt_time(total)} | {total / ref_total:.2f}× |")
    return "\n".join(lines)


def verdict(results, check):
    """One line saying whether the scenario's target is met."""
    kind = check["kind"]
    of = find(results, check["of"])
    if of is None:
        return None
    if kind == "speedup":
        ours = next((r for r in results if r["command"].startswith("pum (ours)")), None)
        if ours is None:
            return None
        x = of["mean"] / ours["mean"]
        ok = x >= check["min"]
        return (f"{check['of']} / ours = {x:.2f}× (target ≥ {check['min']:g}×): "
                f"**{'met' if ok else 'MISSED'}**")
    if kind == "ratio":
        lines = []
        for r in results:
            if r is of or not r["command"].startswith("psql") or "floor" in r["command"]:
                continue
            x = of["mean"] / r["mean"]
            ok = x <= check["max"]
            lines.append(f"ours / {r['command']} = {x:.2f}× (target ≤ {check['max']:g}×): "
                         f"**{'met' if ok else 'MISSED'}**")
        return "\n".join(f"- {l}" for l in lines) if lines else None
    if kind == "absolute":
        ms = of["mean"] * 1000
        ok = ms < check["max_ms"]
        return (f"{check['of']} mean = {ms:.1f} ms (target < {check['max_ms']:g} ms): "
                f"**{'met' if ok else 'MISSED'}**")
    return None


def report_dir(d):
    with open(os.path.join(d, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    env = meta.get("environment", {})
    out = []
    if env:
        s = env.get("server_settings", {})
        out.append(f"- Date: {env.get('date', '?')}")
        out.append(f"- Machine: {env.get('host', '?')}")
        out.append(f"- PostgreSQL: {env.get('postgresql', '?')}")
        out.append("- Cluster: throwaway `pum sandbox` cluster, Unix socket; "
                   + ", ".join(f"{k}={v}" for k, v in s.items()))
        src = env.get("pum_ours_source")
        out.append(f"- Tools: {env.get('pum_ours', '?')} (ours, release build"
                   + (f" of {src}" if src else "") + "); "
                   f"pum 0.10 ({env.get('pum_010', '?')}); {env.get('psql', '?')}; "
                   f"{env.get('hyperfine', '?')}")
        out.append(f"- {env.get('deltas', '?')} deltas per scenario; "
                   f"{env.get('runs', '?')} timed runs per command after "
                   f"{env.get('warmup', '?')} warm-up run"
                   + (f", spread over {env['rounds']} alternating hyperfine rounds"
                      if env.get("rounds", 1) > 1 else "")
                   + (" (QUICK smoke run: not representative)" if env.get("quick") else ""))
        out.append("")
    for sc in meta.get("scenarios", []):
        out.append(f"### {sc['title']}")
        out.append("")
        if sc.get("export"):
            results = load(os.path.join(d, sc["export"]))
            out.append(table(results, sc.get("reference")))
            out.append("")
            la, lb = sc.get("loadavg_before"), sc.get("loadavg_after")
            fl = sc.get("foreign_load")
            if fl:
                out.append(f"- Other work on the machine during this scenario: "
                           f"{fl['foreign_cpu_s']:.1f} CPU-s in {fl['wall_s']:.0f} s "
                           f"(≈ {fl['foreign_cores']:.2f} of the 2 cores; near 0 means quiet)")
            elif la is not None and lb is not None:
                out.append(f"- 1-minute load average before/after: {la:.2f} / {lb:.2f}")
            if sc.get("target_check"):
                v = verdict(results, sc["target_check"])
                if v:
                    out.append(v if v.startswith("- ") else f"- {v}")
            out.append("")
        if sc.get("cpu_export") and os.path.exists(os.path.join(d, sc["cpu_export"])):
            with open(os.path.join(d, sc["cpu_export"]), encoding="utf-8") as f:
                cpu = json.load(f)
            reps = cpu["results"][0].get("reps", "?") if cpu["results"] else "?"
            out.append(f"CPU time per run (median of {reps} separate runs; client = the "
                       f"command's own user+system time, server = our cluster's):")
            out.append("")
            out.append(cpu_table(cpu, sc.get("reference")))
            out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", help="a results directory with meta.json, or one hyperfine JSON file")
    ap.add_argument("--reference", help="command name to compare against (default: the first)")
    ap.add_argument("--title", help="heading printed above the table")
    a = ap.parse_args()
    if os.path.isdir(a.path):
        print(report_dir(a.path))
        return 0
    results = load(a.path)
    if a.title:
        print(f"### {a.title}\n")
    print(table(results, a.reference))
    return 0


if __name__ == "__main__":
    sys.exit(main())
