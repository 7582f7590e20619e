#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot the test guest under QEMU (TCG) until its whole plan has run.

usage: guest_run.py --kernel IMAGE --initrd CPIO --out DIR --timeout SECONDS
                    [--append ARGS] [--arch x86_64|arm64]

The guest (harness/guest/init.sh) announces its plan on its second serial
port and frames every suite with BEGIN/END lines.  This runner watches that
port while QEMU runs.  When the kernel dies in a suite (the guest boots with
oops=panic, so an oops ends the boot instead of leaving a task stuck on a lock
it will never release) or a suite runs past its time, QEMU is stopped and the
guest is booted again from the next suite on.  Each boot leaves
boot-N.console.log and boot-N.results.log in DIR; DIR/run.json records the
plan and what ended each boot, for harness/report.py.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

GRACE = 60          # seconds a suite may run past its own limit
BOOT_LIMIT = 300    # seconds from power-on to the plan line


def boot(args, index, start, deadline):
    console = os.path.join(args.out, f"boot-{index}.console.log")
    results = os.path.join(args.out, f"boot-{index}.results.log")
    append = f"{args.append} harness.start={start}".strip()
    common = ["-accel", "tcg", "-m", args.memory, "-smp", "2", "-display", "none",
              "-monitor", "none", "-no-reboot", "-serial", f"file:{console}",
              "-kernel", args.kernel, "-initrd", args.initrd, "-append", append]
    if args.arch == "arm64":
        # virt has one UART: the suites' output goes to a virtio console
        # (hvc0).  pauth-impdef: the same pointer authentication with a
        # cheaper algorithm under TCG.
        cmd = ["qemu-system-aarch64", "-machine", "virt", "-cpu", "max,pauth-impdef=on",
               *common, "-chardev", f"file,id=results,path={results}",
               "-device", "virtio-serial-device", "-device", "virtconsole,chardev=results"]
    else:
        cmd = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max", *common,
               "-serial", f"file:{results}",
               # the host's /usr, read-only, for the real clients (guest/clients.sh)
               "-virtfs", "local,path=/usr,mount_tag=hostusr,security_model=none,readonly=on"]
    qemu = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.time()
    plan, current, ended, done = {}, None, set(), False
    reason = None
    seen = 0
    def scan(final):
        nonlocal seen, current, done
        try:
            with open(results, "rb") as f:
                text = f.read().decode(errors="replace")
        except FileNotFoundError:
            text = ""
        lines = text.replace("\r", "").split("\n")
        # an unfinished last line is read only once the guest is gone
        for line in lines[seen:] if final else lines[seen:-1]:
            m = re.match(r"^@@@ (PLAN|BEGIN|END) (\d+) (\S+)(?: (\d+))?", line)
            if m and m.group(1) == "PLAN":
                plan[int(m.group(2))] = (m.group(3), int(m.group(4)))
            elif m and m.group(1) == "BEGIN":
                current = (int(m.group(2)), time.time())
            elif m and m.group(1) == "END":
                ended.add(int(m.group(2)))
                current = None
            elif line.startswith("@@@ DONE"):
                done = True
        seen = max(seen, len(lines) - 1)

    while True:
        time.sleep(1)
        scan(False)
        now = time.time()
        if qemu.poll() is not None:
            scan(True)
            reason = "finished" if done else "died"
            break
        if now > deadline:
            reason = "run timeout"
        elif current and now - current[1] > plan.get(current[0], ("", 600))[1] + GRACE:
            reason = "suite timeout"
        elif not plan and now - t0 > BOOT_LIMIT:
            reason = "no plan"
        if reason:
            qemu.kill()
            qemu.wait()
            scan(True)
            break
    err = qemu.stderr.read().decode(errors="replace")
    if qemu.returncode and reason == "died" and "qemu" in err.lower():
        sys.exit(f"guest_run: qemu failed:\n{err}")
    return {"boot": index, "start": start, "reason": reason,
            "seconds": round(time.time() - t0, 1),
            "stopped_in": current[0] if current else None,
            "ended": sorted(ended), "plan": plan}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=int, required=True)
    ap.add_argument("--append", default="")
    ap.add_argument("--memory", default="6G")
    ap.add_argument("--arch", choices=("x86_64", "arm64"), default="x86_64")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):
        os.remove(os.path.join(args.out, f))

    deadline = time.time() + args.timeout
    boots, plan, start = [], {}, 0
    while True:
        b = boot(args, len(boots), start, deadline)
        if plan and b["plan"] and b["plan"] != plan:
            b["plan_differs"] = True
        plan = plan or b["plan"]
        b["plan"] = None
        boots.append(b)
        print(f"guest_run: boot {b['boot']} (from suite {start}): {b['reason']} "
              f"after {b['seconds']} s" +
              (f", in suite {b['stopped_in']} ({plan[b['stopped_in']][0]})"
               if b["stopped_in"] is not None and b["reason"] != "finished" else ""),
              file=sys.stderr)
        if b["reason"] in ("suite timeout", "run timeout", "no plan"):
            with open(os.path.join(args.out, f"boot-{b['boot']}.console.log"), "rb") as f:
                tail = f.read().decode(errors="replace").replace("\r", "").split("\n")
            print(f"guest_run: boot {b['boot']} killed ({b['reason']}); last 50 console "
                  "lines:\n" + "\n".join(tail[-51:]), file=sys.stderr)
        if b["reason"] in ("finished", "run timeout", "no plan"):
            break
        if b["stopped_in"] is None:
            # died between suites: go on after the last one that ended
            nxt = max(b["ended"], default=start - 1) + 1
            if nxt == start:
                break
            start = nxt
        else:
            start = b["stopped_in"] + 1
        if start >= len(plan):
            break
    with open(os.path.join(args.out, "run.json"), "w") as f:
        json.dump({"plan": {str(k): v for k, v in plan.items()}, "boots": boots}, f,
                  indent=1)


if __name__ == "__main__":
    main()
