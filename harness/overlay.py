#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Lay the series over a copy of the base tree, touching only what changed.

usage: overlay.py --base BASE --tree TREE --repo REPO --flavor series|upstream

The wanted content of the flavour's tree is computed first:
  * upstream: the base tree, plus only what harness/upstream-too.list names
              (the benchmark's test driver and the patch that hooks it in),
              so that both flavours run the same benchmark;
  * series:   the base tree, plus every kernel-tree file of the repo at the
              same path, minus the files named in harness/retired.list, with
              harness/patches/*.patch applied (in name order) and the repo's
              MAINTAINERS sections merged into the base file.
The tree is then brought to that state file by file.  Files whose content is
already right keep their mtime, so kbuild recompiles only what depends on a
changed file; a file that goes back to its base content gets a fresh mtime
so that objects built from the series version are rebuilt too.
"""
import argparse
import bisect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# repo paths that are harness or project files, never kernel-tree files
NOT_KERNEL = ("harness/", ".ci/", "build/", ".gitignore", "README.md",
              "Makefile", "MAINTAINERS")
STATE = ".series-overlay.json"


def die(msg):
    print(f"overlay: error: {msg}", file=sys.stderr)
    sys.exit(1)


def repo_files(repo):
    out = subprocess.run(["git", "-C", repo, "ls-files", "--cached", "--others",
                          "--exclude-standard"], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    return sorted(p for p in out if p and not p.startswith(NOT_KERNEL)
                  and os.path.isfile(os.path.join(repo, p)))


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ---- MAINTAINERS ----------------------------------------------------------

ENTRY = re.compile(r"^[A-Z]:\t")


def split_sections(text):
    """Return (preamble, [(title, block)]) for a MAINTAINERS-style text."""
    lines = text.split("\n")
    start = None
    for i in range(len(lines) - 1):
        if lines[i] and not ENTRY.match(lines[i]) and ENTRY.match(lines[i + 1]):
            start = i
            break
    if start is None:
        return text, []
    preamble = "\n".join(lines[:start]) + "\n"
    sections, cur = [], []
    for line in lines[start:]:
        if line == "":
            if cur:
                sections.append(cur)
                cur = []
            continue
        cur.append(line)
    if cur:
        sections.append(cur)
    for sec in sections:
        if len(sec) < 2 or not all(ENTRY.match(x) for x in sec[1:]):
            raise ValueError(f"malformed MAINTAINERS section: {sec[0]!r}")
    return preamble, [(s[0], "\n".join(s)) for s in sections]


def merge_maintainers(base_text, ours_text):
    preamble, base = split_sections(base_text)
    extra_pre, ours = split_sections(ours_text)
    if extra_pre.strip():
        raise ValueError("repo MAINTAINERS must hold only sections")
    merged = list(base)
    for title, block in ours:
        idx = [i for i, (t, _) in enumerate(merged) if t == title]
        if idx:
            merged[idx[0]] = (title, block)
            continue
        # the base list is sorted but for a few strays: bisect it, and keep
        # "THE REST" last
        rest = next((i for i, (t, _) in enumerate(merged) if t == "THE REST"),
                    len(merged))
        pos = bisect.bisect_left([t.lower() for t, _ in merged[:rest]], title.lower())
        merged.insert(pos, (title, block))
    return preamble + "\n\n".join(b for _, b in merged) + "\n"


# ---- patches --------------------------------------------------------------

def patch_paths(patch):
    paths = set()
    for line in read(patch).decode(errors="replace").split("\n"):
        m = re.match(r"^(?:\+\+\+|---) [ab]/(\S+)", line)
        if m:
            paths.add(m.group(1))
    return paths


def apply_patch(patch, wanted, base, retired):
    """Apply PATCH on top of WANTED/base content; update WANTED in place."""
    with tempfile.TemporaryDirectory() as tmp:
        for rel in patch_paths(patch):
            src = wanted.get(rel)
            if src is None and rel not in retired and os.path.isfile(os.path.join(base, rel)):
                src = read(os.path.join(base, rel))
            if src is not None:
                os.makedirs(os.path.dirname(os.path.join(tmp, rel)) or tmp, exist_ok=True)
                with open(os.path.join(tmp, rel), "wb") as f:
                    f.write(src)
        res = subprocess.run(["git", "apply", "--unsafe-paths", "--verbose",
                              os.path.abspath(patch)], cwd=tmp,
                             capture_output=True, text=True)
        if res.returncode:
            die(f"{os.path.basename(patch)} does not apply:\n{res.stderr}")
        for rel in patch_paths(patch):
            p = os.path.join(tmp, rel)
            if os.path.isfile(p):
                wanted[rel] = read(p)


# ---- sync -----------------------------------------------------------------

def write_if_changed(path, data):
    try:
        if read(path) == data:
            return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".overlay-tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    if os.path.exists(path):
        shutil.copymode(path, tmp)
    os.replace(tmp, path)
    return True


def restore(base, tree, rel):
    """Put the base version of REL back (or remove REL), with a fresh mtime."""
    src, dst = os.path.join(base, rel), os.path.join(tree, rel)
    if os.path.isfile(src):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        os.utime(dst)
    elif os.path.exists(dst):
        os.remove(dst)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--tree", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--flavor", required=True, choices=("series", "upstream"))
    a = ap.parse_args()
    harness = os.path.join(a.repo, "harness")

    # the base's identity: the Debian package version base.sh unpacked
    try:
        with open(os.path.join(os.path.dirname(a.base), ".unpacked")) as f:
            base_id = f.read().strip()
    except FileNotFoundError:
        base_id = "unknown"
    state_path = os.path.join(a.tree, STATE)
    try:
        with open(state_path) as f:
            old = json.load(f)
    except FileNotFoundError:
        old = {"modified": [], "removed": [], "base": None}
    if os.path.isdir(a.tree) and old.get("base") != base_id:
        print(f"overlay: base changed to {base_id}: copying the tree afresh",
              file=sys.stderr)
        shutil.rmtree(a.tree)
        old = {"modified": [], "removed": [], "base": None}
    if not os.path.isdir(a.tree):
        print(f"overlay: copying base tree to {a.tree}", file=sys.stderr)
        shutil.rmtree(a.tree + ".tmp", ignore_errors=True)
        subprocess.run(["cp", "-a", a.base, a.tree + ".tmp"], check=True)
        os.replace(a.tree + ".tmp", a.tree)

    wanted, retired = {}, set()
    if a.flavor == "upstream":
        too = []
        with open(os.path.join(harness, "upstream-too.list")) as f:
            for line in f:
                rel = line.split("#", 1)[0].strip()
                if rel:
                    too.append(rel)
        for rel in repo_files(a.repo):
            if any(rel == t or (t.endswith("/") and rel.startswith(t)) for t in too):
                wanted[rel] = read(os.path.join(a.repo, rel))
        for rel in too:
            if rel.endswith(".patch"):
                apply_patch(os.path.join(a.repo, rel), wanted, a.base, retired)
    if a.flavor == "series":
        for rel in repo_files(a.repo):
            wanted[rel] = read(os.path.join(a.repo, rel))
        with open(os.path.join(harness, "retired.list")) as f:
            for line in f:
                rel = line.split("#", 1)[0].strip()
                if not rel:
                    continue
                if not os.path.isfile(os.path.join(a.base, rel)):
                    die(f"retired.list names {rel}, which the base tree does not have")
                if rel in wanted:
                    die(f"{rel} is both retired and provided by the series")
                retired.add(rel)
        pdir = os.path.join(harness, "patches")
        for name in sorted(os.listdir(pdir)):
            if name.endswith(".patch"):
                apply_patch(os.path.join(pdir, name), wanted, a.base, retired)
        ours = os.path.join(a.repo, "MAINTAINERS")
        if os.path.isfile(ours):
            try:
                wanted["MAINTAINERS"] = merge_maintainers(
                    read(os.path.join(a.base, "MAINTAINERS")).decode(),
                    read(ours).decode()).encode()
            except ValueError as e:
                die(str(e))

    def save(modified, removed):
        with open(state_path, "w") as f:
            json.dump({"base": base_id, "modified": sorted(modified),
                       "removed": sorted(removed)}, f, indent=1)

    # record everything that may be touched before touching it, so that an
    # interrupted run is still undone by the next one
    save(set(old["modified"]) | set(wanted), set(old["removed"]) | retired)
    changed = [rel for rel, data in sorted(wanted.items())
               if write_if_changed(os.path.join(a.tree, rel), data)]
    for rel in sorted(set(old["modified"]) - set(wanted)):
        if rel not in retired:
            restore(a.base, a.tree, rel)
            changed.append(rel)
    for rel in sorted(retired):
        p = os.path.join(a.tree, rel)
        if os.path.exists(p):
            os.remove(p)
            changed.append(rel)
    for rel in sorted(set(old["removed"]) - retired - set(wanted)):
        restore(a.base, a.tree, rel)
        changed.append(rel)

    save(set(wanted), retired)
    print(f"overlay ({a.flavor}): {len(wanted)} series file(s), {len(retired)} retired, "
          f"{len(changed)} updated", file=sys.stderr)
    for rel in changed[:20]:
        print(f"  updated {rel}", file=sys.stderr)


if __name__ == "__main__":
    main()
