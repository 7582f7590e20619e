#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise a `make bench` run.

usage: bench_report.py OUT_DIR

OUT_DIR holds one directory per guest setting, each with one run directory
per boot, named FLAVOR-ROUND.  Every boot's results carry lines
"BENCH <figure> <value> <unit>" (each already a median over repetitions in
that boot).  Per setting and figure this prints the median over the boots
of each flavour and the ratio series/upstream, writes OUT_DIR/bench.json,
and draws OUT_DIR/bench.png (the ratios, with gnuplot).  Absolute values
are shown for reference only: the ratio, measured in one run, is the
figure.
"""
import glob
import json
import os
import re
import statistics
import subprocess
import sys

LINE = re.compile(r"^BENCH (\S+) (\S+) (\S+)\s*$")
FLAVORS = ("upstream", "series")


def collect(out):
    data = {}   # setting -> figure -> flavour -> [values]
    units = {}
    for run in sorted(glob.glob(os.path.join(out, "*", "*-*"))):
        if not os.path.isdir(run):
            continue
        setting = os.path.basename(os.path.dirname(run))
        flavour = os.path.basename(run).rsplit("-", 1)[0]
        for log in glob.glob(os.path.join(run, "boot-*.results.log")):
            with open(log, errors="replace") as f:
                for line in f:
                    m = LINE.match(line.replace("\r", "").strip())
                    if not m:
                        continue
                    fig, val, unit = m.group(1), float(m.group(2)), m.group(3)
                    units[fig] = unit
                    data.setdefault(setting, {}).setdefault(fig, {}) \
                        .setdefault(flavour, []).append(val)
    return data, units


def main():
    out = sys.argv[1]
    data, units = collect(out)
    if not data:
        sys.exit("bench_report: no BENCH lines found")
    summary = {}
    for setting in sorted(data):
        print(f"\n== guest setting: {setting}")
        print(f"{'figure':34} {'upstream':>12} {'series':>12} {'ratio':>7}  unit")
        for fig in sorted(data[setting]):
            row = {}
            for fl in FLAVORS:
                vals = data[setting][fig].get(fl, [])
                row[fl] = {"median": statistics.median(vals) if vals else None,
                           "values": vals}
            up, se = row["upstream"]["median"], row["series"]["median"]
            ratio = se / up if up and se is not None else None
            row["ratio"] = ratio
            row["unit"] = units[fig]
            summary.setdefault(setting, {})[fig] = row

            def fmt(v):
                return f"{v:12.3f}" if v is not None else f"{'-':>12}"
            print(f"{fig:34} {fmt(up)} {fmt(se)} "
                  f"{(f'{ratio:7.2f}' if ratio is not None else '      -')}  {units[fig]}")
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    draw(out, summary)
    print(f"\nwrote {os.path.join(out, 'bench.json')} and {os.path.join(out, 'bench.png')}")


def draw(out, summary):
    dat = os.path.join(out, "bench.dat")
    rows = [(s, fig, r["ratio"]) for s in sorted(summary)
            for fig, r in sorted(summary[s].items()) if r["ratio"] is not None]
    with open(dat, "w") as f:
        for s, fig, ratio in rows:
            f.write(f'"{fig} ({s})" {ratio}\n')
    script = f"""
set terminal png size 1200,{300 + 18 * len(rows)}
set output '{os.path.join(out, "bench.png")}'
set title 'series / upstream (median of boots; below 1 is faster or smaller)'
set style fill solid 0.6
set yrange [-1:{len(rows)}]
set ytics nomirror
set grid x
unset key
set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb 'red'
plot '{dat}' using 2:0:(0):2:($0-0.4):($0+0.4):yticlabels(1) with boxxyerror
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bench_report: no chart ({e})", file=sys.stderr)


if __name__ == "__main__":
    main()
