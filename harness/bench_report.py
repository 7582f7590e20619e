#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise a `make bench` run.

usage: bench_report.py OUT_DIR
       bench_report.py --demo OUT_DIR

With --demo (`make demo`, harness/demo.sh) it prints the demo's summary
instead: the capture of each flavour and a short side-by-side table of
the figures that show what the series changes, draws OUT_DIR/demo.png and
exits 1 when a capture failed or had a bad frame.  Otherwise:

OUT_DIR holds one directory per guest setting, each with one run directory
per boot, named FLAVOR-ROUND.  Every boot's results carry lines
"BENCH <figure> <value> <unit>" (each a median over repetitions; a figure
taken in several rounds of one boot appears once per round).  Per setting
and figure this prints the median over all the values of each flavour and the ratio series/upstream, writes OUT_DIR/bench.json,
checks the goals of the benchmark issue (MET / NOT MET / NO DATA; a
comparison of two sets of runs also gets a 90% bootstrap interval, and
MMAP streaming is shown as a control), and
draws OUT_DIR/bench.png (CPU time per frame of both flavours, with
gnuplot).  Absolute values
are shown for reference only: the ratio, measured in one run, is the
figure.
"""
import glob
import json
import os
import random
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
    if len(sys.argv) == 3 and sys.argv[1] == "--demo":
        sys.exit(demo(sys.argv[2]))
    if len(sys.argv) != 2:
        sys.exit("usage: bench_report.py [--demo] OUT_DIR")
    out = sys.argv[1]
    data, units = collect(out)
    if not data:
        sys.exit("bench_report: no BENCH lines found")
    summary = {}
    for setting in sorted(data):
        print(f"\n== guest setting: {setting}")
        print(f"{'figure':50} {'upstream':>12} {'series':>12} {'ratio':>7}  unit")
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
            print(f"{fig:50} {fmt(up)} {fmt(se)} "
                  f"{(f'{ratio:7.2f}' if ratio is not None else '      -')}  {units[fig]}")
    verdicts = goals(summary)
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump({"figures": summary, "goals": verdicts}, f, indent=1,
                  sort_keys=True)
    draw(out, summary)
    print(f"\nwrote {os.path.join(out, 'bench.json')} and {os.path.join(out, 'bench.png')}")


def med(summary, setting, fig, flavour):
    row = summary.get(setting, {}).get(fig)
    return row[flavour]["median"] if row else None


def vals(summary, setting, fig, flavour):
    row = summary.get(setting, {}).get(fig)
    return row[flavour]["values"] if row else []


def interval(num, den, draws=2000):
    """90% bootstrap interval of median(num) / median(den).

    Each side is resampled on its own (the values are runs of separate
    boots), with a fixed seed so that a report can be reproduced.
    """
    if len(num) < 2 or len(den) < 2:
        return None
    rng = random.Random(1)
    ratios = []
    for _ in range(draws):
        d = statistics.median(rng.choices(den, k=len(den)))
        if d:
            ratios.append(statistics.median(rng.choices(num, k=len(num))) / d)
    ratios.sort()
    return ratios[len(ratios) // 20], ratios[len(ratios) * 19 // 20]


def goals(summary):
    """The goals of the benchmark issue, each MET, NOT MET or NO DATA."""
    checks = []     # (setting, goal, value text, met or None)

    def with_band(text, band, limit=None):
        if not band:
            return text
        inside = limit is not None and band[0] <= limit <= band[1]
        return (f"{text} (90% interval {band[0]:.2f}-{band[1]:.2f}"
                f"{', limit inside' if inside else ''})")

    def check(setting, goal, value, limit, text, band=None):
        met = None if value is None else value <= limit
        text = with_band(text.format(value), band, limit) \
            if value is not None else "no data"
        checks.append((setting, goal, text, met))

    def ratio(a, b):
        return a / b if a is not None and b else None

    def cmp(s, a, b):
        """Ratio and interval of figure a[0] of flavour a[1] to b's."""
        return (ratio(med(summary, s, *a), med(summary, s, *b)),
                interval(vals(summary, s, *a), vals(summary, s, *b)))

    for s in sorted(summary):
        for n in (4, 8):
            for mode in ("paired", "rotating"):
                for op in ("attach", "map", "unmap", "detach"):
                    fig = f"vnull_dmabuf_{mode}_{n}_{op}_per_frame"
                    check(s, f"series: {op} calls per frame, {n} dma-bufs {mode}",
                          med(summary, s, fig, "series"), 0.0, "{:.3f} per frame")
            # in getppid() calls: the host's speed changes between boots
            pair = f"vnull_dmabuf_paired_{n}_syscalls"
            rot = f"vnull_dmabuf_rotating_{n}_syscalls"
            r, band = cmp(s, (rot, "series"), (pair, "series"))
            check(s, f"series: QBUF+DQBUF rotating <= 1.1x paired ({n} dma-bufs)",
                  r, 1.1, "{:.2f}x", band)
            r, band = cmp(s, (rot, "series"), (rot, "upstream"))
            check(s, f"series rotating <= 0.5x upstream rotating ({n} dma-bufs)",
                  r, 0.5, "{:.2f}x", band)
            r, band = cmp(s, (pair, "series"), (pair, "upstream"))
            check(s, f"series paired no slower than upstream paired ({n} dma-bufs; "
                  "5% noise allowed)", r, 1.05, "{:.2f}x", band)
            # the control: MMAP takes no DMABUF path, so what it shows of
            # series/upstream is the rest of the cycle (or the noise)
            mmap = f"vnull_mmap_{n}_syscalls"
            r, band = cmp(s, (mmap, "series"), (mmap, "upstream"))
            if r is not None:
                checks.append((s, f"control, not a goal: series/upstream MMAP "
                               f"({n} buffers)", with_band(f"{r:.2f}x", band),
                               "INFO"))
        # GStreamer's shape: 5 dma-bufs over 2 indices
        pool = "vnull_dmabuf_pool_2_syscalls"
        for op in ("attach", "map", "unmap", "detach"):
            check(s, f"series: {op} calls per frame, 5 dma-bufs over 2",
                  med(summary, s, f"vnull_dmabuf_pool_2_{op}_per_frame",
                      "series"), 0.0, "{:.3f} per frame")
        r, band = cmp(s, (pool, "series"), (pool, "upstream"))
        check(s, "series pool <= 0.5x upstream pool (5 dma-bufs over 2)",
              r, 0.5, "{:.2f}x", band)
        # The DMABUF cycle against the MMAP one of the same kernel, with
        # upstream's for reference.  Under swiotlb=force only the DMABUF
        # planes bounce (vnull's MMAP planes are coherent allocations), so
        # there it is information, not a goal.
        for n, mode in ((2, "pool"), (4, "paired"), (4, "rotating"),
                        (8, "paired"), (8, "rotating")):
            dfig, mfig = f"vnull_dmabuf_{mode}_{n}_syscalls", f"vnull_mmap_{n}_syscalls"
            r, band = cmp(s, (dfig, "series"), (mfig, "series"))
            up = ratio(med(summary, s, dfig, "upstream"),
                       med(summary, s, mfig, "upstream"))
            goal = (f"series: DMABUF {mode} <= 1.05x MMAP ({n} buffers; "
                    f"upstream {up:.2f}x)" if up is not None else
                    f"series: DMABUF {mode} <= 1.05x MMAP ({n} buffers)")
            if s == "plain":
                check(s, goal, r, 1.05, "{:.2f}x", band)
            elif r is not None:
                checks.append((s, "not a goal (only DMABUF bounces): " + goal,
                               with_band(f"{r:.2f}x", band), "INFO"))
        for size in ("4K", "1M", "16M", "64M"):
            fig = f"alloc_{size}_us"
            r, band = cmp(s, (fig, "series"), (fig, "upstream"))
            check(s, f"heap alloc {size} at least as fast as upstream (5% noise allowed)",
                  r, 1.05, "{:.2f}x", band)
        for size in ("16M", "64M"):
            check(s, f"heap alloc {size} within 2x of memset",
                  med(summary, s, f"alloc_{size}_per_memset", "series"), 2.0,
                  "{:.2f}x memset")
        zero = med(summary, s, "sync_4M_0dev_us", "series")
        if s == "plain":
            for n in (1, 4):
                check(s, f"SYNC flat with {n} attached devices that need no sync "
                      "(within 1.5x of none; TCG timer noise)",
                      ratio(med(summary, s, f"sync_4M_{n}dev_us", "series"), zero),
                      1.5, "{:.2f}x")
        else:
            check(s, "SYNC_PARTIAL of 1/16 <= 1/4 of a full SYNC",
                  ratio(med(summary, s, "sync_partial_4M_1of16_us", "series"),
                        med(summary, s, "sync_4M_1dev_us", "series")),
                  0.25, "{:.2f}x")

    print("\n== goals")
    out = []
    for setting, goal, text, met in checks:
        verdict = {True: "MET", False: "NOT MET", None: "NO DATA",
                   "INFO": "INFO"}[met]
        print(f"{verdict:8} [{setting}] {goal}: {text}")
        out.append({"setting": setting, "goal": goal, "value": text,
                    "verdict": verdict})
    return out


def draw(out, summary):
    """Per-frame CPU time of every streaming figure, both flavours."""
    dat = os.path.join(out, "bench.dat")
    rows = []
    for s in sorted(summary):
        for fig, r in sorted(summary[s].items()):
            if not fig.endswith("_cpu_us"):
                continue
            up, se = r["upstream"]["median"], r["series"]["median"]
            rows.append((f"{fig[:-len('_cpu_us')]} ({s})",
                         up if up is not None else "NaN",
                         se if se is not None else "NaN"))
    if not rows:
        print("bench_report: no per-frame figures, no chart", file=sys.stderr)
        return
    histogram(dat, os.path.join(out, "bench.png"), rows,
              "CPU time per QBUF+DQBUF cycle (median of boots and rounds)",
              "us per frame", ("upstream", "series"), -40,
              (max(900, 60 * len(rows)), 700))


CAPTURE = re.compile(r"^\s+(frames|bad frames|mean ms/frame)\s+(\S+)")
SUITE_END = re.compile(r"^@@@ END \d+ (\S+) rc=(\d+)")


def capture(out, flavour):
    """What capture-demo printed in the plain boot of a flavour."""
    got = {"rc": None}
    for log in sorted(glob.glob(os.path.join(out, "plain", f"{flavour}-1",
                                             "boot-*.results.log"))):
        inside = False
        with open(log, errors="replace") as f:
            for line in f:
                line = line.replace("\r", "").rstrip("\n")
                if line.startswith("@@@ BEGIN") and line.endswith(" demo/capture"):
                    inside = True
                m = SUITE_END.match(line)
                if m and m.group(1) == "demo/capture":
                    got["rc"] = int(m.group(2))
                    inside = False
                m = CAPTURE.match(line)
                if inside and m:
                    got[m.group(1)] = m.group(2)
                if inside and line.startswith("capture-demo: ") and "head" not in got:
                    got["head"] = line[len("capture-demo: "):]
    return got


SKIPPED = re.compile(r"^# skipped: (.*): ([^:]+): ([^:]+)$")


def skipped(out, setting, fig):
    """Per flavour, "CALL: error" of a figure the guest skipped."""
    why = {}
    for f in FLAVORS:
        for log in glob.glob(os.path.join(out, setting, f"{f}-1", "boot-*.results.log")):
            with open(log, errors="replace") as fh:
                for line in fh:
                    m = SKIPPED.match(line.replace("\r", "").strip())
                    if m and fig in [x.strip() for x in m.group(1).split(",")]:
                        why[f] = f"{m.group(2)}: {m.group(3)}"
    return why


def demo(out):
    """The summary of `make demo`; returns the exit status."""
    data, _ = collect(out)

    def m(setting, fig, flavour):
        v = data.get(setting, {}).get(fig, {}).get(flavour)
        return statistics.median(v) if v else None

    def num(v, f="{:.1f}"):
        return f.format(v) if v is not None else "-"

    def row(what, up, se, note=""):
        print(f"  {what:44} {up:>14} {se:>14}  {note}")

    def ratio(fig, setting="plain"):
        up, se = m(setting, fig, "upstream"), m(setting, fig, "series")
        return f"series/upstream {se / up:.2f}x" if up and se is not None else ""

    status = 0
    caps = {f: capture(out, f) for f in FLAVORS}
    head = caps["series"].get("head") or caps["upstream"].get("head") or "no output"
    print("\n== make demo: Linux 6.12 (upstream) and the series, one boot of each per guest setting")
    print(f"\nzero-copy capture: {head}; every pixel of every frame checked")
    row("", "upstream", "series")
    for key in ("frames", "bad frames", "mean ms/frame"):
        row(key, caps["upstream"].get(key, "-"), caps["series"].get(key, "-"),
            "vivid paces 5 frames/s" if key == "mean ms/frame" else "")
    for f in FLAVORS:
        c = caps[f]
        if c["rc"] != 0 or c.get("bad frames") != "0" or c.get("frames") in (None, "0"):
            print(f"FAIL capture on {f}: exit status {c['rc']}, "
                  f"{c.get('bad frames', '?')} bad frames")
            status = 1

    shapes = (("vnull_dmabuf_pool_2", "5 dma-bufs over 2 indices (GStreamer's pool)"),
              ("vnull_dmabuf_rotating_4", "5 dma-bufs rotating over 4 indices"),
              ("vnull_dmabuf_paired_4", "4 dma-bufs, each at its own index"),
              ("vnull_mmap_4", "4 MMAP buffers (no dma-buf: the control)"))
    print("\nper QBUF+DQBUF on vnull (dma-contig, 640x480; CMA-heap dma-bufs)")
    row("", "upstream", "series")
    for prefix, what in shapes:
        print(f"  {what}")
        if not prefix.startswith("vnull_mmap"):
            calls = {}
            for f in FLAVORS:
                vals = [m("plain", f"{prefix}_{op}_per_frame", f)
                        for op in ("attach", "map", "unmap", "detach")]
                calls[f] = ("/".join(f"{v:.2f}".rstrip("0").rstrip(".") for v in vals)
                            if None not in vals else "-")
            row("  attach/map/unmap/detach calls", calls["upstream"], calls["series"])
        row("  kernel CPU, us", num(m("plain", f"{prefix}_cpu_us", "upstream"), "{:.2f}"),
            num(m("plain", f"{prefix}_cpu_us", "series"), "{:.2f}"),
            ratio(f"{prefix}_cpu_us"))
        row("  the same in getppid() calls",
            num(m("plain", f"{prefix}_syscalls", "upstream")),
            num(m("plain", f"{prefix}_syscalls", "series")),
            ratio(f"{prefix}_syscalls"))

    print("\nCPU access to a 4 MiB system-heap dma-buf imported by vgem, swiotlb=force "
          "(every mapping bounces, as on a non-coherent device every sync costs)")
    row("", "upstream", "series")
    full = {f: m("swiotlb", "sync_4M_1dev_us", f) for f in FLAVORS}
    part = {f: m("swiotlb", "sync_partial_4M_1of16_us", f) for f in FLAVORS}
    why = skipped(out, "swiotlb", "sync_4M_1dev_us")
    row("DMA_BUF_IOCTL_SYNC start+end, us",
        *(num(full[f]) if full[f] is not None else
          ("no import" if f in why else "-") for f in FLAVORS),
        ratio("sync_4M_1dev_us", "swiotlb"))
    for f in FLAVORS:
        if f in why:
            print(f"    {f}: vgem does not import the buffer: {why[f]}")
            for log in glob.glob(os.path.join(out, "swiotlb", f"{f}-1", "boot-*.console.log")):
                with open(log, errors="replace") as fh:
                    full_msg = [x for x in fh if "swiotlb buffer is full" in x]
                if full_msg:
                    msg = full_msg[0].split("] ", 1)[-1].strip()
                    print(f"    {f}'s console: {msg}")
    row("SYNC_PARTIAL of 1/16 (256 KiB), us",
        num(part["upstream"]) if part["upstream"] is not None else "not in 6.12",
        num(part["series"]),
        f"{part['series'] / full['series']:.2f}x the full SYNC"
        if part["series"] is not None and full["series"] else "")
    draw_demo(out, data)
    print(f"\nchart: {os.path.join(out, 'demo.png')}; one boot each: for measured "
          "ratios with intervals run `make bench`")
    print("demo: PASS" if status == 0 else "demo: FAIL")
    return status


def draw_demo(out, data):
    """demo.png: per-frame CPU of the vnull shapes and the two syncs."""
    rows = []
    for setting, fig, name in (
            ("plain", "vnull_dmabuf_pool_2_cpu_us", "pool 5 over 2"),
            ("plain", "vnull_dmabuf_rotating_4_cpu_us", "rotating 5 over 4"),
            ("plain", "vnull_dmabuf_paired_4_cpu_us", "paired 4"),
            ("plain", "vnull_mmap_4_cpu_us", "MMAP 4"),
            ("swiotlb", "sync_4M_1dev_us", "SYNC 4 MiB (/100)"),
            ("swiotlb", "sync_partial_4M_1of16_us", "SYNC_PARTIAL 1/16 (/100)")):
        vals = []
        for f in FLAVORS:
            v = data.get(setting, {}).get(fig, {}).get(f)
            v = statistics.median(v) if v else None
            if v is not None and setting == "swiotlb":
                v /= 100
            vals.append(v if v is not None else "NaN")
        rows.append((name, *vals))
    histogram(os.path.join(out, "demo.dat"), os.path.join(out, "demo.png"), rows,
              "make demo: kernel CPU per QBUF+DQBUF on vnull, and per sync (us)",
              "us", ("upstream 6.12", "series"), -30, (900, 600))


def histogram(dat, png, rows, title, ylabel, keys, rotate, size):
    """Bars of upstream beside series for each (name, upstream, series)."""
    with open(dat, "w") as f:
        for name, up, se in rows:
            f.write(f'"{name}" {up} {se}\n')
    script = f"""
set terminal png size {size[0]},{size[1]}
set output '{png}'
set title '{title}'
set ylabel '{ylabel}'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7
set xtics rotate by {rotate} font ',9'
set grid y
set key top left
plot '{dat}' using 2:xtic(1) title '{keys[0]}', '' using 3 title '{keys[1]}'
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bench_report: no chart ({e})", file=sys.stderr)


if __name__ == "__main__":
    main()
