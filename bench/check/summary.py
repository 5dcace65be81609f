#!/usr/bin/env python3
"""Summarises bench/check results (hyperfine JSON, time -v, pum 0.10) as Markdown.

    python3 bench/check/summary.py RESULTS_DIR
"""

import json
import os
import re
import sys


def main():
    out = sys.argv[1]
    res = {}
    for f in sorted(os.listdir(out)):
        if f.startswith("hyperfine_") and f.endswith(".json"):
            with open(os.path.join(out, f)) as fh:
                for r in json.load(fh)["results"]:
                    res[r["command"]] = r
    tags = [t for t in ("200", "2k", "10k") if f"pum check {t}" in res]

    def ms(r):
        return f"{r['mean'] * 1000:,.0f} ± {r['stddev'] * 1000:,.0f} ms"

    print("| size | tool | mean ± σ | min | vs floor | pum faster by |")
    print("|---|---|---|---|---|---|")
    for t in tags:
        pum = res[f"pum check {t}"]
        floor = res.get(f"floor {t}")
        for name in (f"pum check {t}", f"pum before {t}", f"floor {t}", f"migra {t}"):
            r = res.get(name)
            if not r:
                continue
            vs_floor = f"{r['mean'] / floor['mean']:.2f}x" if floor else ""
            faster = f"{r['mean'] / pum['mean']:.1f}x" if not name.startswith(("pum check", "floor")) else ""
            print(f"| {t} | {name.rsplit(' ', 1)[0]} | {ms(r)} | {r['min'] * 1000:,.0f} ms | {vs_floor} | {faster} |")
    print()
    if "2k" in tags and "10k" in tags:
        for tool in ("pum check", "pum before", "floor", "migra"):
            a, b = res.get(f"{tool} 2k"), res.get(f"{tool} 10k")
            if a and b:
                print(f"- growth 10k/2k, {tool}: {b['mean'] / a['mean']:.2f}x (linear: 5x)")
    for t in ("200", "2k", "10k"):
        for tool, f in (("pum check", "pum"), ("pum before", "pum_before"), ("migra", "migra")):
            p = os.path.join(out, f"time_v_{f}_{t}.txt")
            if os.path.exists(p):
                m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(p).read())
                if m:
                    print(f"- peak memory (max RSS), {tool} on the {t} databases: {int(m.group(1)) / 1024:.0f} MiB")
    p = os.path.join(out, "pum010.json")
    if os.path.exists(p):
        j = json.load(open(p))
        status = "timed out" if j["exit"] == 124 else f"exit {j['exit']}"
        line = f"- Python pum 0.10 check, N={j['n']}, once: {j['seconds']:.1f} s ({status})"
        if j["exit"] != 124 and j["n"] == 2000 and "pum check 2k" in res:
            line += f", {j['seconds'] / res['pum check 2k']['mean']:.0f}x pum's time"
        print(line)


if __name__ == "__main__":
    main()
