#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# conformance.sh: v4l2-compliance 1.30.1 on the upstream flavour, for
# comparison with the series' run of `make check`.  Builds the upstream test
# kernel and its check initramfs, boots it with the same vivid setup as
# `make check` and runs only the v4l2/ suites.  Prints the run directory,
# which report.py takes as --upstream-run.
. "$(dirname "$0")/lib.sh"

[ "$FLAVOR" = upstream ] || exec env FLAVOR=upstream "$0" "$@"
"$HARNESS/kernel.sh" test >/dev/null
img=$("$HARNESS/initramfs.sh" test check)
run=$BUILD/upstream/run-test-conformance
log "upstream/test: v4l2-compliance in the guest"
python3 "$HARNESS/guest_run.py" --kernel "$(kernel_image test)" \
	--initrd "$img" --out "$run" --timeout "${GUEST_TIMEOUT:-2700}" \
	--append "$(guest_args) kunit.enable=0 harness.only=v4l2/" >&2
echo "$run"
