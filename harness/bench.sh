#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh: what `make bench` does.  Builds the test kernel of both
# flavours, boots them alternately (upstream, series, upstream, ...) for
# BENCH_ROUNDS rounds in each guest setting (plain, and swiotlb=force where
# every streaming mapping bounces), runs the same benchmark programs in each
# boot, and hands the BENCH lines to bench_report.py, which prints medians
# and series/upstream ratios and writes build/bench/bench.json and
# build/bench/bench.png.
. "$(dirname "$0")/lib.sh"

need_programs bench
rounds=${BENCH_ROUNDS:-3}
settings=${BENCH_SETTINGS:-"plain swiotlb"}
quick=
# BENCH_QUICK=1: one round, fewer repetitions in the guest programs
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	rounds=${BENCH_ROUNDS:-1}
	quick=harness.quick=1
fi
out=$BUILD/bench
rm -rf "$out"
mkdir -p "$out"

both_flavours bench

base="console=ttyS0 panic=-1 oops=panic no_timer_check cma=256M@0-4G hugepages=1024 udmabuf.size_limit_mb=512"
base="$base vivid.n_devs=2 vivid.allocators=0,1 vivid.cache_hints=0,1 $quick"
# The series kernel carries its KUnit suites, which would run at boot; both
# flavours must boot the same way.  (Boots that ran them once streamed
# vnull 2.5x slower, MMAP included, in a way not reproduced since.)
base="$base kunit.enable=0"
for s in $settings; do
	case "$s" in
	plain) append=$base ;;
	swiotlb) append="$base swiotlb=force" ;;
	*) die "unknown bench setting '$s'" ;;
	esac
	for r in $(seq 1 "$rounds"); do
		for f in upstream series; do
			run=$out/$s/$f-$r
			mkdir -p "$out/$s"
			log "bench: $s, round $r/$rounds, $f"
			python3 "$HARNESS/guest_run.py" --kernel "${kernel[$f]}" \
				--initrd "${initrd[$f]}" --out "$run" \
				--timeout "${BENCH_TIMEOUT:-1800}" --append "$append" \
				>"$run.log" 2>&1 || die "bench guest failed: $run.log"
		done
	done
done

exec python3 "$HARNESS/bench_report.py" "$out"
