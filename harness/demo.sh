#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh: what `make demo` does.  Builds the test kernel of both flavours
# and boots each twice:
#   plain:   demo/capture (capture-demo: system-heap dma-bufs imported into
#            vivid, every pixel checked) and demo/vb2 (bench-vb2 -q: calls
#            and CPU time per QBUF+DQBUF on vnull for paired, rotating and
#            pooled dma-bufs and for MMAP);
#   swiotlb: demo/sync (bench-heaps: DMA_BUF_IOCTL_SYNC against
#            SYNC_PARTIAL while every streaming mapping bounces, the one
#            x86 guest where CPU access costs what it costs on a
#            non-coherent device).
# bench_report.py --demo prints both flavours side by side, draws
# build/demo/demo.png and fails when a frame was wrong on either flavour.
# One boot per flavour and setting: figures to look at, not measurements
# (those are `make bench`).
. "$(dirname "$0")/lib.sh"

need_programs demo
out=$BUILD/demo
rm -rf "$out"
mkdir -p "$out"

both_flavours demo
log "base Linux $(cat "$BUILD/base/VERSION")"

# Both flavours boot the same way; the series' KUnit suites stay off.
for s in plain swiotlb; do
	case "$s" in
	plain) append="harness.only=demo/capture,demo/vb2" ;;
	swiotlb) append="harness.only=demo/sync swiotlb=force" ;;
	esac
	for f in upstream series; do
		run=$out/$s/$f-1
		mkdir -p "$out/$s"
		log "demo: $s guest, $f"
		python3 "$HARNESS/guest_run.py" --kernel "${kernel[$f]}" \
			--initrd "${initrd[$f]}" --out "$run" \
			--timeout "${GUEST_TIMEOUT:-900}" \
			--append "$(guest_args) kunit.enable=0 $append" \
			>"$run.log" 2>&1 || die "demo guest failed: $run.log"
	done
done

exec python3 "$HARNESS/bench_report.py" --demo "$out"
