#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read config fragments on stdin; print every request .config does not honour.

usage: cat FRAGMENT... | kconfig_check.py DOTCONFIG   (exit 1 if any)
"""
import re
import sys

have = {}
with open(sys.argv[1]) as f:
    for line in f:
        m = re.match(r"^(CONFIG_\w+)=(.*)$", line.strip())
        if m:
            have[m.group(1)] = m.group(2)
want = {}
for line in sys.stdin:
    line = line.strip()
    m = re.match(r"^(CONFIG_\w+)=(.*)$", line) or \
        re.match(r"^# (CONFIG_\w+) is not set$", line)
    if m:
        want[m.group(1)] = m.group(2) if m.lastindex == 2 else "n"
bad = [f"{k}: wanted {v}, got {have.get(k, 'n')}" for k, v in want.items()
       if have.get(k, "n") != v]
print("\n".join(bad))
sys.exit(1 if bad else 0)
