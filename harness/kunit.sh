#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kunit.sh DIR: run the KUnit suite(s) of DIR/.kunitconfig with the tree's
# own tools/testing/kunit/kunit.py on the flavour's merged tree (x86_64 under
# QEMU), building in build/<flavor>/kunit.
. "$(dirname "$0")/lib.sh"

dir=${1:?usage: make kunit KUNIT_DIR=<directory with a .kunitconfig>}
need_programs kunit
prepare_tree
[ -f "$TREE/$dir/.kunitconfig" ] || die "$dir/.kunitconfig not found in the $FLAVOR tree"
cd "$TREE"
exec python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig="$dir" --build_dir="$BUILD/$FLAVOR/kunit" --jobs="$JOBS" \
	--make_options CC="ccache gcc" --timeout=900
