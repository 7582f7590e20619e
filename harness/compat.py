#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""List the in-tree users of the series' headers that a configuration builds.

usage: compat.py TREE DOTCONFIG OUTDIR

A user is a .c file that includes one of the series' headers, or includes a
header of its driver that does.  The big GPU drivers (amdgpu, i915, xe,
nouveau, radeon) are left out for time.  A user counts as built by the
configuration when its object is named in its directory's Makefile on a line
whose CONFIG_ symbols are all enabled (directly, through the composite
object it belongs to, or through a list variable an obj- line takes whole,
as in "obj-y += $(X-y)").  Writes OUTDIR/targets (objects to compile),
OUTDIR/not-built (users this configuration cannot build, e.g. drivers of
other architectures) and prints a one-line summary.
"""
import os
import re
import sys

SERIES_HEADERS = re.compile(
    r'#\s*include\s*<((?:uapi/)?linux/(?:dma-buf|dma-heap|udmabuf)\.h|'
    r'media/videobuf2-[a-z-]+\.h)>')
LEFT_OUT = re.compile(r"^drivers/gpu/drm/(amd|i915|xe|nouveau|radeon)/")
SKIP_DIRS = ("tools/", "Documentation/", "scripts/", "arch/um/")


def sources(tree):
    for top in sorted(os.listdir(tree)):
        if not os.path.isdir(os.path.join(tree, top)) or top + "/" in SKIP_DIRS:
            continue
        for root, dirs, files in os.walk(os.path.join(tree, top)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(root, f), tree)


def read(tree, rel):
    with open(os.path.join(tree, rel), errors="replace") as f:
        return f.read()


def users(tree):
    direct, texts = set(), {}
    for rel in sources(tree):
        text = read(tree, rel)
        texts[rel] = text
        if SERIES_HEADERS.search(text):
            direct.add(rel)
    headers = {h for h in direct if h.endswith(".h")}
    out = {c for c in direct if c.endswith(".c")}
    for rel, text in texts.items():
        if not rel.endswith(".c") or rel in out:
            continue
        for inc in re.findall(r'#\s*include\s*"([^"]+\.h)"', text):
            if os.path.normpath(os.path.join(os.path.dirname(rel), inc)) in headers:
                out.add(rel)
                break
    return sorted(c for c in out if not LEFT_OUT.match(c))


def enabled(config, line):
    syms = re.findall(r"\$\((CONFIG_\w+)\)", line)
    return all(config.get(s) in ("y", "m") for s in syms)


def built(tree, config, rel, cache):
    d, base = os.path.split(rel)
    obj = base[:-2] + ".o"
    if d not in cache:
        text = ""
        for name in ("Makefile", "Kbuild"):
            p = os.path.join(tree, d, name)
            if os.path.isfile(p):
                text += read(tree, os.path.join(d, name))
        cache[d] = text.replace("\\\n", " ").split("\n")
    lines = cache[d]

    def wanted(o, depth):
        for line in lines:
            if not re.search(r"(^|[\s=])" + re.escape(o) + r"(\s|$)", line):
                continue
            m = re.match(r"^\s*([\w-]+?)-(objs|y|m|\$\(CONFIG_\w+\))\s*[:+]?=", line)
            if not m or not enabled(config, line):
                continue
            if m.group(1) in ("obj", "lib"):
                return True
            # a list variable that an obj- line takes whole: obj-y += $(X-y)
            listed = re.compile(r"^\s*(obj|lib)-[ym]\s*[:+]?=.*\$\(" +
                                re.escape(m.group(1)) + r"-[ym]\)")
            if any(listed.match(x) for x in lines):
                return True
            if depth < 3 and wanted(m.group(1) + ".o", depth + 1):
                return True
        return False
    return wanted(obj, 0)


def main():
    tree, dotconfig, out = sys.argv[1:4]
    config = {}
    with open(dotconfig) as f:
        for line in f:
            m = re.match(r"^(CONFIG_\w+)=(.*)$", line.strip())
            if m:
                config[m.group(1)] = m.group(2)
    cache, targets, missing = {}, [], []
    all_users = users(tree)
    for rel in all_users:
        (targets if built(tree, config, rel, cache) else missing).append(rel)
    with open(os.path.join(out, "targets"), "w") as f:
        f.write("".join(t[:-2] + ".o\n" for t in targets))
    with open(os.path.join(out, "not-built"), "w") as f:
        f.write("".join(m + "\n" for m in missing))
    print(f"{len(all_users)} users of the series' headers (amdgpu, i915, xe, nouveau, "
          f"radeon left out); {len(targets)} built by this configuration, "
          f"{len(missing)} not (see {out}/not-built)")


if __name__ == "__main__":
    main()
