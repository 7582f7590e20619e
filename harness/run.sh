#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh check: what `make check` does.  Static gates on the series' own
# files (with CI=true also the compat build), then the debug kernel booted
# with KUnit, the selftests, the demo, the real clients and v4l2-compliance.
# Ends with report.py's closing line "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"

[ "${1:-}" = check ] || die "usage: run.sh check"
what=check cfg=debug timeout=${GUEST_TIMEOUT:-2700}
need_programs check

obj=$("$HARNESS/kernel.sh" "$cfg")
log "flavour $FLAVOR, base Linux $(cat "$BUILD/base/VERSION")"
static=$BUILD/$FLAVOR/static.txt
"$HARNESS/static.sh" "$cfg" >"$static"
# CI also builds every in-tree user of the series' headers
if [ "${CI:-}" = true ]; then
	if "$HARNESS/compat.sh"; then
		echo "PASS compat:users-of-the-series-headers" >>"$static"
	else
		echo "FAIL compat:users-of-the-series-headers see build/$FLAVOR/obj-compat/build.log" >>"$static"
	fi
fi
img=$("$HARNESS/initramfs.sh" "$cfg" "$what")
run=$BUILD/$FLAVOR/run-$cfg-$what
log "$FLAVOR/$cfg: running the guest ($what)"
python3 "$HARNESS/guest_run.py" --kernel "$obj/arch/x86/boot/bzImage" --initrd "$img" \
	--out "$run" --timeout "$timeout" \
	--append "$(guest_args) ${GUEST_APPEND:-}"
# CI also runs v4l2-compliance on the upstream flavour: same failures wanted
up=()
if [ "$FLAVOR" = series ] && [ "${CI:-}" = true ]; then
	up=(--upstream-run "$("$HARNESS/conformance.sh")" --upstream-tree "$BUILD/upstream/linux")
fi
FLAVOR=$FLAVOR exec python3 "$HARNESS/report.py" "$run" --tree "$TREE" --known "$HARNESS/known-failures.txt" \
	--json "$run/results.json" --static "$static" "${up[@]}"
