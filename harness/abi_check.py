#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""abi_check.py BASE TREE FILE...: what a module or a program built
against the base kernel sees of the series, checked against the base.

FILE... are the series' own paths (kernel-tree relative).  Two gates:

  abi:exports  every symbol the base exports from one of FILE... is still
               exported by one of them, with the same macro: the same
               licence (EXPORT_SYMBOL links for non-GPL modules,
               EXPORT_SYMBOL_GPL does not) and the same namespace;
  abi:guard    every uapi header among FILE... that the base has keeps the
               base's include guard (programs carry their own copies of
               these headers, and a second guard name lets both be
               included into one unit).

Prints "PASS gate:what" or "FAIL gate:what finding" lines, as static.sh.
"""
import os
import re
import sys

EXPORT = re.compile(r"^\s*(EXPORT_SYMBOL(?:_NS)?(?:_GPL)?)\s*\(\s*(\w+)\s*"
                    r"(?:,\s*(\"?\w+\"?)\s*)?\)", re.M)
GUARD = re.compile(r"^#ifndef\s+(\w+)\s*\n#define\s+\1\b", re.M)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return None


def exports(root, files):
    """{symbol: (macro, namespace, file)} of FILE... under @root."""
    out = {}
    for rel in files:
        text = read(os.path.join(root, rel))
        if text is None or not rel.endswith((".c", ".h")):
            continue
        for m in EXPORT.finditer(text):
            kind, sym, ns = m.groups()
            out[sym] = (kind.replace("_NS", ""), (ns or "").strip('"'), rel)
    return out


def describe(entry):
    kind, ns, rel = entry
    return f"{kind}{'(ns ' + ns + ')' if ns else ''} in {rel}"


def main():
    base, tree, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    have, want = exports(tree, files), exports(base, files)
    bad = []
    for sym, entry in sorted(want.items()):
        got = have.get(sym)
        if got is None:
            bad.append(f"{sym}: base has {describe(entry)}, the series no export")
        elif got[:2] != entry[:2]:
            bad.append(f"{sym}: base has {describe(entry)}, the series {describe(got)}")
    for line in bad:
        print(f"FAIL abi:exports {line}")
    if not bad:
        print(f"PASS abi:exports ({len(want)} symbols of the base)")

    for rel in files:
        if not rel.startswith("include/uapi/") or not rel.endswith(".h"):
            continue
        old = read(os.path.join(base, rel))
        if old is None:
            continue
        mo, mn = GUARD.search(old), GUARD.search(read(os.path.join(tree, rel)) or "")
        if not mo:
            continue
        if mn and mn.group(1) == mo.group(1):
            print(f"PASS abi:guard:{rel}")
        else:
            print(f"FAIL abi:guard:{rel} base guard {mo.group(1)}, "
                  f"the series {mn.group(1) if mn else 'none'}")


if __name__ == "__main__":
    main()
