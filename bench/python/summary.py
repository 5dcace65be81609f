"""Turns the hyperfine export of bench/python into the README's table."""
import json
import sys

data = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
by = {r["command"]: r for r in data["results"]}
tools = []
for name in by:
    tool = name.rsplit(", ", 1)[0]
    if tool not in tools:
        tools.append(tool)
print("| tool | pre-all.py only | pre-all.py + {} Python deltas | per Python delta |".format(n))
print("|---|---|---|---|")
for tool in tools:
    none = by[tool + ", none"]
    many = by[tool + ", many"]
    per = (many["median"] - none["median"]) / n * 1000
    print("| {} | {:.0f} ms | {:.0f} ms | {:.1f} ms |".format(
        tool, none["median"] * 1000, many["median"] * 1000, per))
