#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh check: what `make check` does.  Static gates on the series' own
# files (with CI=true also the compat build), then the debug kernel booted
# with KUnit, the selftests, the demo, the real clients and v4l2-compliance,
# and the arm64 test kernel with what of that runs there.
# Ends with report.py's closing line "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"

[ "${1:-}" = check ] || die "usage: run.sh check"
what=check cfg=debug timeout=${GUEST_TIMEOUT:-2700}
need_programs check

"$HARNESS/kernel.sh" "$cfg" >/dev/null
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
python3 "$HARNESS/guest_run.py" --kernel "$(kernel_image "$cfg")" --initrd "$img" \
	--out "$run" --timeout "$timeout" \
	--append "$(guest_args) ${GUEST_APPEND:-}"
# The arm64 guest: the test configuration cross-built for arm64 (ARM64_CFG,
# debug-arm64 for the debug one), booted under qemu-system-aarch64 with
# KUnit, the selftests, the demo and the benchmark programs; CHECK_ARM64=0
# leaves it out.
arm=()
if [ "${CHECK_ARM64:-1}" = 1 ]; then
	acfg=${ARM64_CFG:-test-arm64}
	"$HARNESS/kernel.sh" "$acfg" >/dev/null
	aimg=$("$HARNESS/initramfs.sh" "$acfg" check)
	arun=$BUILD/$FLAVOR/run-$acfg-check
	log "$FLAVOR/$acfg: running the arm64 guest"
	python3 "$HARNESS/guest_run.py" --arch arm64 --kernel "$(kernel_image "$acfg")" \
		--initrd "$aimg" --out "$arun" --timeout "${GUEST_TIMEOUT_ARM64:-2400}" \
		--append "$(guest_args "$acfg") ${GUEST_APPEND:-}"
	arm=(--arm64-run "$arun")
fi
# CI also runs v4l2-compliance on the upstream flavour: same failures wanted
up=()
if [ "$FLAVOR" = series ] && [ "${CI:-}" = true ]; then
	up=(--upstream-run "$("$HARNESS/conformance.sh")" --upstream-tree "$BUILD/upstream/linux")
fi
FLAVOR=$FLAVOR exec python3 "$HARNESS/report.py" "$run" --tree "$TREE" --known "$HARNESS/known-failures.txt" \
	--json "$run/results.json" --static "$static" "${up[@]}" "${arm[@]}"
