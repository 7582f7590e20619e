#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a guest run (harness/guest_run.py) into test results.

usage: report.py RUN_DIR --tree TREE --known FILE [--json OUT] [--static FILE]
                 [--upstream-run RUN_DIR --upstream-tree TREE]
                 [--arm64-run RUN_DIR]

RUN_DIR is the x86_64 guest; its suites have no prefix.

Sources of results:
  kunit        the KTAP the kernel printed at boot, parsed by the tree's own
               tools/testing/kunit/kunit.py;
  selftest/*   kselftest TAP ("ok"/"not ok", "# SKIP");
  client/*     the same TAP, from harness/guest/clients.sh;
  coherency    the same TAP: whether streaming ran the architecture's
               cache maintenance (guest/init.sh coherency_run);
  demo         the demo program's exit status;
  v4l2/*       v4l2-compliance's "test <name>: OK|FAIL" lines;
  kmemleak     every unreferenced object is a failure;
  kernel       every splat in the console logs (BUG, WARNING, KASAN, lockdep,
               DMA-API, refcount_t, Oops, general protection, panic).
A suite that the kernel died in, that hung, or that never ran is a failure.
A failure listed in the known-failures file is an expected failure (xfail):
it is shown, does not fail the run, and is counted among the skipped in the
closing line, never among the passed.  The last line printed is
"N passed, N failed, N skipped"; the exit status is 1 if anything failed.

With --upstream-run, a v4l2-compliance run of the upstream flavour
(harness/conformance.sh) is reported too, as upstream/..., with the
known failures of that flavour, and every v4l2-compliance suite must fail
exactly the same tests on both flavours (conformance/same-on-both-flavours).
A run that planned only v4l2 suites has no KUnit results to parse.

With --arm64-run, the arm64 guest of the same flavour (make check's
second guest) is reported as arm64/..., with the same known failures.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")
SPLAT = re.compile(
    r"\bBUG[: ]|WARNING:|\bKASAN:|INFO: (possible|trying|task .* blocked|lockdep)|"
    r"DMA-API: .*(mapping|unmap|sync|device driver|free|leak|check)|refcount_t:|"
    r"\bOops\b|general protection|Kernel panic|UBSAN:|kmemleak: .* new suspected|"
    r"detected stalls|kmemleak: .*disabl|DMA-API: .*disabl|dma-debug disabled")
# a splat line that opens a report of its own, even inside another one
STRONG = re.compile(r"^(WARNING:|BUG:|Oops|INFO:|UBSAN:|Kernel panic|rcu: INFO|"
                    r"kmemleak:|DMA-API: .*disabl)")
# lines that continue a splat already open rather than start a new one
END_SPLAT = re.compile(r"---\[ end trace|^=+$")
FOLLOW = re.compile(r"Kernel panic - not syncing: Fatal exception")


class Results:
    def __init__(self, known, prefix=""):
        self.known = known
        self.prefix = prefix    # of every suite name; known entries omit it
        self.rows = {}      # suite -> [passed, failed, skipped, xfail]
        self.failures = []  # (suite, test, detail)
        self.xfails = []
        self.used = set()
        self.failed_tests = {}  # v4l2 suite -> names of its FAIL tests
        self.others = []        # merged Results of another run
        self.skipped = []       # (suite, reason) of suites not run

    def merge(self, other):
        """Add @other's results; its known-failure use is kept apart."""
        for suite, counts in other.rows.items():
            self.rows[suite] = counts
        self.failures += other.failures
        self.xfails += other.xfails
        self.skipped += other.skipped
        self.others.append(other)

    def unused(self):
        """Known failures of suites that ran but did not fail."""
        out = []
        for r in [self] + self.others:
            out += [k for i, k in enumerate(r.known) if i not in r.used and
                    any(re.fullmatch(k[0], s[len(r.prefix):]) for s in r.rows
                        if s.startswith(r.prefix))]
        return out

    def row(self, suite):
        return self.rows.setdefault(suite, [0, 0, 0, 0])

    def ok(self, suite, n=1):
        self.row(suite)[0] += n

    def skip(self, suite, n=1):
        self.row(suite)[2] += n

    def fail(self, suite, test, detail=""):
        bare = suite[len(self.prefix):]
        for i, (ksuite, ktest, reason) in enumerate(self.known):
            if re.fullmatch(ksuite, bare) and re.search(ktest, test):
                self.used.add(i)
                self.row(suite)[3] += 1
                self.xfails.append((suite, test, reason))
                return
        self.row(suite)[1] += 1
        self.failures.append((suite, test, detail))


def load_known(path, flavor):
    known = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = [p.strip() for p in line.split(" | ", 2)]
            if len(parts) != 3 or not all(parts):
                sys.exit(f"{path}:{n}: want 'suite regex | test regex | reason'")
            # "upstream:suite" or "series:suite" limits an entry to a flavour
            scope = re.match(r"(upstream|series):(.*)", parts[0])
            if scope:
                if scope.group(1) != flavor:
                    continue
                parts[0] = scope.group(2)
            known.append(tuple(parts))
    return known


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def clean(text):
    return ANSI.sub("", text.replace("\r", ""))


def tap(res, suite, text, rc):
    seen_fail = False
    plan = re.search(r"^1\.\.(\d+)", text, re.M)
    results = len(re.findall(r"^(?:not )?ok \d+", text, re.M))
    if plan and results < int(plan.group(1)):
        res.fail(suite, f"{int(plan.group(1)) - results} planned test(s) reported no result")
        seen_fail = True
    for line in text.split("\n"):
        m = re.match(r"^(not )?ok \d+ ?(.*?)(?:\s*#\s*(SKIP|XFAIL|TODO)\b.*)?$", line)
        if not m:
            if line.startswith("Bail out!"):
                res.fail(suite, line)
                seen_fail = True
            continue
        name = m.group(2).strip()
        if m.group(3):
            res.skip(suite)
        elif m.group(1):
            res.fail(suite, name)
            seen_fail = True
        else:
            res.ok(suite)
    if not results and not re.search(r"^1\.\.0\b.*#\s*SKIP", text, re.M | re.I):
        res.fail(suite, "no TAP results")
        seen_fail = True
    elif not results:
        res.skip(suite)
    if rc not in (0, 4) and not seen_fail:
        res.fail(suite, f"exit status {rc}")


def v4l2(res, suite, text, rc):
    skip = re.search(r"^SKIP: (.*)$", text, re.M)
    if skip and rc == 0:
        res.skip(suite)
        res.skipped.append((suite, skip.group(1)))
        return
    fails = 0
    for line in text.split("\n"):
        m = re.match(r"^\s*test (.+?): (OK|FAIL)(.*)$", line)
        if not m:
            continue
        if m.group(2) == "FAIL":
            res.fail(suite, m.group(1))
            res.failed_tests.setdefault(suite, []).append(m.group(1))
            fails += 1
        elif "Not Supported" in m.group(3):
            res.skip(suite)
        else:
            res.ok(suite)
    total = re.search(r"^Total for .*Failed: (\d+)", text, re.M)
    if not total:
        res.fail(suite, f"no 'Total' line: v4l2-compliance did not finish (exit status {rc})")
    elif int(total.group(1)) != fails:
        res.fail(suite, f"'Total' reports {total.group(1)} failures, {fails} FAIL lines seen")
    elif rc not in (0, 1) or (rc == 1) != (fails > 0):
        res.fail(suite, f"exit status {rc} with {fails} failures")


def kmemleak(res, suite, text, rc):
    leaks = re.findall(r"unreferenced object (0x[0-9a-f]+) \(size (\d+)\)", text)
    for addr, size in leaks:
        res.fail(suite, f"unreferenced object of {size} bytes", addr)
    if rc != 0:
        res.fail(suite, f"kmemleak scan failed (exit status {rc})")
    elif not leaks:
        res.ok(suite)


def kunit(res, tree, consoles, prefix=""):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "console.log")
        with open(log, "w") as f:
            f.write(clean(consoles[0]) if consoles else "")
        out = os.path.join(tmp, "kunit.json")
        subprocess.run([sys.executable, os.path.join(tree, "tools/testing/kunit/kunit.py"),
                        "parse", log, f"--json={out}"], capture_output=True, text=True)
        try:
            with open(out) as f:
                data = json.load(f)
        except (OSError, ValueError):
            res.fail(prefix + "kunit", "KTAP output could not be parsed")
            return

    def walk(group, path):
        for case in group.get("test_cases", []):
            name = f"{path}.{case['name']}" if path else case["name"]
            if case["status"] == "PASS":
                res.ok(prefix + "kunit")
            elif case["status"] == "SKIP":
                res.skip(prefix + "kunit")
            else:
                res.fail(prefix + "kunit", name, case["status"])
        for sub in group.get("sub_groups", []):
            walk(sub, f"{path}.{sub['name']}" if path else sub["name"])
    walk(data, "")
    counts = res.row(prefix + "kunit")
    # KTAP on the console but no case counted: the parse went wrong
    if not any(counts) and consoles and "KTAP version" in consoles[0]:
        res.fail(prefix + "kunit", "the console has KTAP output, but no test case was parsed")


def where(lines):
    """"[RIP fn < caller < ...]" of an oops, from its RIP and call trace.

    x86 names the function in "RIP: 0010:fn+0x..", arm64 in "pc : fn+0x..";
    arm64's call trace starts with that function again, x86's does not.
    """
    rip = next((m.group(1) for m in (re.search(r"^(?:RIP: 0010:|pc : )(\w+)\+0x", x)
                                     for x in lines) if m), "?")
    frames = [m.group(1) for m in (re.match(r"^(\w+)\+0x", x) for x in lines) if m]
    if frames and frames[0] == rip:
        frames = frames[1:]
    return "[RIP " + " < ".join([rip] + frames[:4]) + "]"


def splats(res, consoles, prefix=""):
    """Every splat in the console logs, one failure per distinct title."""
    seen = {}
    for console in consoles:
        lines = [TS.sub("", raw).strip() for raw in clean(console).split("\n")]
        open_at = None     # index of the title line of the open report
        for i, line in enumerate(lines):
            if "cut here" in line or END_SPLAT.search(line) or \
                    (open_at is not None and i - open_at > 200):
                open_at = None
                continue
            if FOLLOW.search(line) or not SPLAT.search(line):
                continue
            # the lines right after a title belong to it ("WARNING: CPU..."
            # after "DMA-API: ...", "KASAN: ..." after "Oops: ...")
            if open_at is not None and (i - open_at <= 3 or not STRONG.search(line)):
                continue
            open_at = i
            title = re.sub(r"CPU: \d+ PID: \d+", "CPU: * PID: *", line)
            title = re.sub(r"\b0x[0-9a-f]+\b|\b[0-9a-f]{12,16}\b", "*", title)
            # where it happened: Oopses, and DMA-API reports whose
            # message alone does not say which caller made the mapping
            if title.startswith(("Oops", "DMA-API")):
                title += " " + where(lines[i:i + 80])
            seen[title] = seen.get(title, 0) + 1
    for title, count in seen.items():
        res.fail(prefix + "kernel", title, f"{count}x")
    if not seen:
        res.ok(prefix + "kernel")


def collect(res, run_dir, tree, prefix=""):
    """The results of one guest run into @res, suite names after @prefix."""
    with open(os.path.join(run_dir, "run.json")) as f:
        run = json.load(f)
    plan = {int(k): v for k, v in run["plan"].items()}

    consoles, outputs = [], {}
    for b in run["boots"]:
        with open(os.path.join(run_dir, f"boot-{b['boot']}.console.log"), "rb") as f:
            consoles.append(f.read().decode(errors="replace"))
        with open(os.path.join(run_dir, f"boot-{b['boot']}.results.log"), "rb") as f:
            text = clean(f.read().decode(errors="replace"))
        for m in re.finditer(r"^@@@ BEGIN (\d+) (\S+)\n(.*?)(?=^@@@ |\Z)"
                             r"(?:^@@@ END \1 \S+ rc=(\d+))?", text, re.S | re.M):
            rc = int(m.group(4)) if m.group(4) is not None else None
            outputs[int(m.group(1))] = (m.group(3), rc, b, m.group(2))

    if not plan:
        res.fail(prefix + "guest", "the guest never reported its plan (boot failed?)")
    for b in run["boots"]:
        if b.get("plan_differs"):
            res.fail(prefix + "guest", f"boot {b['boot']} announced a different plan")
    if any(not name.startswith("v4l2/") for name, _ in plan.values()) or not plan:
        kunit(res, tree, consoles, prefix)
    for idx, (name, _secs) in sorted(plan.items()):
        suite = prefix + name
        if idx not in outputs:
            res.fail(suite, "(not run)")
            continue
        text, rc, b, began = outputs[idx]
        if began != name:
            res.fail(suite, f"boot {b['boot']} ran '{began}' as suite {idx}: plans differ")
            continue
        if rc is None:
            how = {"died": "(kernel died)", "suite timeout": "(hung)",
                   "run timeout": "(run timed out)"}.get(b["reason"], "(did not finish)")
            res.fail(suite, how)
            if not name.startswith(("selftest/", "client/", "v4l2/")):
                continue
            rc = 0      # the results printed before it died still count
        if name.startswith(("selftest/", "client/")) or name == "coherency":
            tap(res, suite, text, rc)
        elif name.startswith("v4l2/"):
            v4l2(res, suite, text, rc)
        elif name == "kmemleak":
            kmemleak(res, suite, text, rc)
        elif rc == 0:
            res.ok(suite)
        else:
            res.fail(suite, f"exit status {rc}", text.strip().split("\n")[-1])
        if name == "demo":
            print("\n".join(line for line in text.split("\n") if line.strip()))
        if name == "coherency":
            print("\n".join(f"{suite}: {line}" for line in text.split("\n")
                            if line.startswith(("ok", "not ok"))))
    splats(res, consoles, prefix)
    return run["boots"]


def compare(res, other, prefix):
    """v4l2-compliance must fail the same tests on both flavours."""
    suite = "conformance/same-on-both-flavours"
    names = sorted({s for s in res.rows if s.startswith("v4l2/")} &
                   {s[len(prefix):] for s in other.rows if s.startswith(prefix + "v4l2/")})
    for name in names:
        mine = sorted(res.failed_tests.get(name, []))
        theirs = sorted(other.failed_tests.get(prefix + name, []))
        if mine == theirs:
            res.ok(suite)
            continue
        only = [t for t in mine if t not in theirs]
        gone = [t for t in theirs if t not in mine]
        res.fail(suite, f"{name}: fails only on the series: {only or 'none'}; "
                 f"only on upstream: {gone or 'none'}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--tree", required=True)
    ap.add_argument("--known", required=True)
    ap.add_argument("--json")
    ap.add_argument("--static", help="results of harness/static.sh")
    ap.add_argument("--upstream-run", help="a run of the upstream flavour "
                    "(harness/conformance.sh): its suites are reported as "
                    "upstream/..., and v4l2-compliance must fail the same "
                    "tests in both runs")
    ap.add_argument("--upstream-tree")
    ap.add_argument("--arm64-run", help="a run of the same flavour's arm64 "
                    "guest: its suites are reported as arm64/...")
    a = ap.parse_args()
    flavor = os.environ.get("FLAVOR", "series")
    res = Results(load_known(a.known, flavor))
    if a.static:
        with open(a.static) as f:
            for line in f:
                verdict, _, rest = line.rstrip("\n").partition(" ")
                gate, _, detail = rest.partition(" ")
                if verdict == "PASS":
                    res.ok("static/" + gate)
                elif verdict == "FAIL":
                    res.fail("static/" + gate, detail)
    boots = collect(res, a.run, a.tree)
    if a.upstream_run:
        up = Results(load_known(a.known, "upstream"), "upstream/")
        collect(up, a.upstream_run, a.upstream_tree or a.tree, "upstream/")
        compare(res, up, "upstream/")
        res.merge(up)
    if a.arm64_run:
        arm = Results(load_known(a.known, flavor), "arm64/")
        boots_arm = collect(arm, a.arm64_run, a.tree, "arm64/")
        res.merge(arm)
        print(f"\narm64 guest: {len(boots_arm)} boot(s), "
              f"{sum(b['seconds'] for b in boots_arm):.0f} s")

    print(f"\n{'suite':40} {'pass':>5} {'fail':>5} {'skip':>5} {'xfail':>5}")
    for suite, (p, f, s, x) in res.rows.items():
        print(f"{suite:40} {p:5} {f:5} {s:5} {x:5}")
    print(f"\nguest: {len(boots)} boot(s), {sum(b['seconds'] for b in boots):.0f} s; " +
          "; ".join(f"boot {b['boot']} from suite {b['start']}: {b['reason']}"
                    for b in boots))
    for suite, reason in res.skipped:
        print(f"  skipped {suite}: {reason}")
    if res.xfails:
        print(f"\nknown failures ({a.known}), not counted as passed:")
        for suite, test, reason in res.xfails:
            print(f"  xfail {suite}: {test}\n        -> {reason}")
    # entries of suites that ran this time but did not fail
    unused = res.unused()
    if unused:
        print("\nknown failures that did not occur this run:")
        for ksuite, ktest, _ in unused:
            print(f"  {ksuite}: {ktest}")
    if res.failures:
        print("\nFAILURES:")
        for suite, test, detail in res.failures:
            print(f"  FAIL {suite}: {test}" + (f"  [{detail}]" if detail else ""))
    tot = [sum(r[i] for r in res.rows.values()) for i in range(4)]
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"suites": res.rows, "failures": res.failures,
                       "xfails": res.xfails, "boots": boots}, f, indent=1)
    if tot[3]:
        print(f"({tot[3]} known failure(s) are counted in 'skipped')")
    print(f"{tot[0]} passed, {tot[1]} failed, {tot[2] + tot[3]} skipped")
    return 1 if tot[1] else 0


if __name__ == "__main__":
    sys.exit(main())
