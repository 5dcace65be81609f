#!/usr/bin/env bash
# Times two pum binaries on the same pair, alternating run by run, so that a
# machine whose load changes during the measurement weighs on both alike
# (hyperfine runs all of one command, then all of the other).
#
#   bash bench/check/alternate.sh PUM_BEFORE PUM_AFTER A B [PAIRS]
#
# A and B are what `pum check -p1/-p2` take. Prints each run, then the median
# wall time and peak memory (max RSS) of each binary. Needs /usr/bin/time.
set -euo pipefail
before=$1 after=$2 a=$3 b=$4 pairs=${5:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/pum-alternate.XXXXXX")
trap 'rm -rf "$work"' EXIT
run() { # label binary
    /usr/bin/time -f "%e %M" -o "$work/t" "$2" check -p1 "$a" -p2 "$b" >/dev/null 2>&1 || true
    # (time says first when the exit code is not 0: 1 means differences.)
    read -r secs kb < <(tail -n 1 "$work/t")
    echo "$1 $secs $kb" | tee -a "$work/all"
}
"$after" check -p1 "$a" -p2 "$b" >/dev/null 2>&1 || true   # warm-up
for _ in $(seq "$pairs"); do
    run before "$before"
    run after "$after"
done
python3 - "$work/all" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for label in ("before", "after"):
    t = [float(r[1]) for r in rows if r[0] == label]
    m = [int(r[2]) / 1024 for r in rows if r[0] == label]
    print(f"{label}: median {statistics.median(t):.2f} s (min {min(t):.2f}, max {max(t):.2f}), "
          f"max RSS {statistics.median(m):.0f} MiB")
tb = statistics.median(float(r[1]) for r in rows if r[0] == "before")
ta = statistics.median(float(r[1]) for r in rows if r[0] == "after")
print(f"after / before: {ta / tb:.2f}")
PY
