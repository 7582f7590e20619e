# SPDX-License-Identifier: GPL-2.0
# Entry points of the buffer-sharing series.  Everything happens under
# build/ (ignored); FLAVOR=series (default) builds Linux 6.12 with the series,
# FLAVOR=upstream the unmodified base with the same configuration.

FLAVOR ?= series
export FLAVOR

.PHONY: help demo check compat kunit bench fresh clean distclean

help:
	@echo "make demo     zero-copy capture, then upstream and series side by side"
	@echo "make check    static gates + debug kernel: KUnit, selftests, v4l2-compliance"
	@echo "make compat   compile every in-tree user of the series' headers"
	@echo "make kunit KUNIT_DIR=<dir with .kunitconfig>   one KUnit suite via kunit.py"
	@echo "make bench    both flavours booted alternately: medians and series/upstream ratios"
	@echo "make fresh    README's two commands in a new Debian 12 root (debootstrap; root)"
	@echo "FLAVOR=upstream runs any of them on the unmodified base"

demo:
	@harness/demo.sh

check:
	@harness/run.sh check

compat:
	@harness/compat.sh

kunit:
	@harness/kunit.sh $(KUNIT_DIR)

bench:
	@harness/bench.sh

fresh:
	@harness/fresh.sh

clean:
	rm -rf build/$(FLAVOR)

distclean:
	rm -rf build
