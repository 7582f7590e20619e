#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# clients: real userspace (the host's GStreamer 1.22 and libcamera 0.0.3)
# against the guest's kernel, in the shapes real programs use; TAP on stdout.
#
# The host's /usr comes in read-only over virtio-9p (mount tag hostusr, see
# harness/guest_run.py) as the /usr of a chroot at /host, with /dev, /proc
# and /sys bound in and the host's ld.so.cache, which harness/initramfs.sh
# copies into the initramfs.  GStreamer gets a registry of its own holding
# only the three plugins the pipelines use.
#
# Frames are checked with checksumsink: every pipeline that imports or
# exports dma-bufs must deliver the same frames as the same pipeline on
# MMAP buffers.  vivid-001 (dma-contig) draws a still test pattern with its
# text overlay off, so that the frames do not depend on timing.  The
# dma-buf calls of a run are counted with kprobes; on the series each
# dma-buf is attached, mapped and vmapped at most once for the whole run
# (the videobuf2 cache, see videobuf2-core.c).  6.12 re-attaches every
# frame when dma-bufs rotate over fewer indices: on the upstream flavour
# the counts are printed and that test is skipped.
. /etc/guest.conf

FRAMES=30
ROOT=/host
W=$ROOT/tmp/clients		# /tmp/clients in the chroot
TR=/sys/kernel/debug/tracing
PROBES="dma_buf_export dma_buf_dynamic_attach dma_buf_map_attachment dma_buf_vmap dma_buf_detach"
n=0

result() {
	n=$((n + 1))
	echo "$1 $n $2"
}

node() {
	for d in /sys/class/video4linux/*; do
		[ "$(cat "$d/name")" = "$1" ] && { echo "/dev/${d##*/}"; return 0; }
	done
	return 1
}

setup() {
	# once per boot: the suites of one boot share the chroot
	grep -q " $ROOT/usr " /proc/mounts && return 0
	mkdir -p $ROOT/usr $ROOT/dev $ROOT/proc $ROOT/sys $ROOT/tmp $ROOT/etc || return 1
	mount -t 9p -o trans=virtio,version=9p2000.L,ro hostusr $ROOT/usr || return 1
	for d in bin sbin lib lib64; do
		[ -e $ROOT/$d ] || ln -s usr/$d $ROOT/$d
	done
	mount -o bind /dev $ROOT/dev || return 1
	mount -o bind /proc $ROOT/proc || return 1
	mount -o bind /sys $ROOT/sys || return 1
	mount -t tmpfs tmpfs $ROOT/tmp || return 1
	cp /etc/host-ld.so.cache $ROOT/etc/ld.so.cache || return 1
	echo "root:x:0:0:root:/tmp:/bin/sh" >$ROOT/etc/passwd
	mkdir -p $W/plugins
	for p in coreelements video4linux2 debugutilsbad; do
		ln -s /usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgst$p.so \
			$W/plugins/ || return 1
	done
}

# counted NAME [VAR=VALUE...] PROGRAM ARGS...: PROGRAM in the chroot, its
# output in $W/NAME.out and .err, the dma-buf calls it caused in $W/NAME.count
counted() {
	name=$1
	shift
	for f in $PROBES; do
		echo "p:clients/$f $f" >>$TR/kprobe_events || return 1
	done
	echo 1 >$TR/events/clients/enable
	chroot $ROOT /usr/bin/env HOME=/tmp "$@" >$W/$name.out 2>$W/$name.err
	rc=$?
	echo 0 >$TR/events/clients/enable
	awk '{ sub("^clients/", "", $1); print $1, $2 }' $TR/kprobe_profile \
		>$W/$name.count
	for f in $PROBES; do
		echo "-:clients/$f" >>$TR/kprobe_events
	done
	return $rc
}

# report NAME RC: what NAME did, as TAP comments
report() {
	echo "# $1: exit $2, $(wc -l <$W/$1.sums) frames;" \
		"$(tr '\n' ' ' <$W/$1.count)"
	[ "$2" -eq 0 ] || sed 's/^/# /' $W/$1.err | tail -n 5
}

# gst NAME PIPELINE...: gst-launch-1.0 in the chroot, the checksums of the
# frames in $W/NAME.sums
gst() {
	name=$1
	shift
	counted "$name" GST_REGISTRY=/tmp/clients/registry.bin \
		GST_PLUGIN_SYSTEM_PATH=/tmp/clients/plugins GST_REGISTRY_FORK=no \
		gst-launch-1.0 -q "$@"
	rc=$?
	grep -oE '[0-9a-f]{40}' $W/$name.out >$W/$name.sums
	report "$name" $rc
	return $rc
}

hits() {
	awk -v f="$1" '$1 == f { print $2 }' "$W/$2.count"
}

# frames NAME REF: NAME ran and delivered the frames of REF, all FRAMES
frames() {
	if [ "$(wc -l <$W/$1.sums)" -eq $FRAMES ] &&
	   [ "$(wc -l <$W/$2.sums)" -eq $FRAMES ] &&
	   cmp -s $W/$1.sums $W/$2.sums; then
		result ok "$1 frames match $2"
	else
		result "not ok" "$1 frames match $2"
	fi
}

# once NAME CALL...: each CALL at most once per exported dma-buf
once() {
	name=$1
	shift
	e=$(hits dma_buf_export "$name")
	what=
	bad=
	for c in "$@"; do
		h=$(hits "$c" "$name")
		what="$what $c $h"
		[ "${h:-0}" -le "${e:-0}" ] || bad=1
	done
	what="$what for $FRAMES frames and ${e:-0} dma-bufs"
	if [ "$FLAVOR" != series ]; then
		result ok "$name once per dma-buf # SKIP 6.12:$what"
	elif [ -z "$bad" ] && [ "${e:-0}" -gt 0 ]; then
		result ok "$name once per dma-buf:$what"
	else
		result "not ok" "$name once per dma-buf:$what"
	fi
}

run_gstreamer() {
	cap=$(node vivid-001-vid-cap) && out=$(node vivid-001-vid-out) &&
		m2m=$(node vim2m) || { echo "Bail out! vivid-001 or vim2m missing"; return 1; }
	v4l2-ctl -d "$cap" -c osd_text_mode=2 || return 1
	# output 1 is HDMI, which is progressive; its first timing, 640x480p
	# (an IT format), takes the capture's sRGB colorimetry
	v4l2-ctl -d "$out" -o 1 >/dev/null || return 1
	v4l2-ctl -d "$out" --set-dv-bt-timings index=0 >/dev/null || return 1
	echo "1..7"

	yuyv="video/x-raw,format=YUY2,width=640,height=480"
	rgb="video/x-raw,format=RGB,width=640,height=480"
	src="v4l2src device=$cap num-buffers=$FRAMES"

	gst cap-mmap $src io-mode=mmap ! $yuyv ! checksumsink
	gst cap-dmabuf $src io-mode=dmabuf ! $yuyv ! checksumsink
	frames cap-dmabuf cap-mmap

	# GStreamer's own shape: v4l2src exports its pool, v4l2sink asks for
	# 2 DMABUF buffers, so the pool rotates over 2 indices
	if gst import $src io-mode=dmabuf ! $yuyv ! \
		v4l2sink device="$out" io-mode=dmabuf-import; then
		result ok "import ran"
	else
		result "not ok" "import ran"
	fi
	once import dma_buf_dynamic_attach dma_buf_map_attachment dma_buf_detach
	# the same with the frames checked on the way
	gst import-tee $src io-mode=dmabuf ! $yuyv ! tee name=t ! queue ! \
		v4l2sink device="$out" io-mode=dmabuf-import t. ! queue ! checksumsink
	frames import-tee cap-mmap

	# vim2m (vmalloc): imports on its output queue, exports its capture
	gst m2m-mmap $src io-mode=mmap ! $rgb ! \
		v4l2convert output-io-mode=mmap capture-io-mode=mmap ! $yuyv ! checksumsink
	gst m2m-dmabuf $src io-mode=dmabuf ! $rgb ! \
		v4l2convert output-io-mode=dmabuf-import capture-io-mode=dmabuf ! \
		$yuyv ! checksumsink
	frames m2m-dmabuf m2m-mmap
	once m2m-dmabuf dma_buf_dynamic_attach dma_buf_vmap dma_buf_detach
	[ "$(wc -l <$W/m2m-mmap.sums)" -eq $FRAMES ] &&
		result ok "m2m-mmap ran" || result "not ok" "m2m-mmap ran"

	# leave vivid-001 as the suites after this one expect it
	v4l2-ctl -d "$cap" -c osd_text_mode=0
	v4l2-ctl -d "$cap" -v width=640,height=480,pixelformat=YUYV
	v4l2-ctl -d "$out" -o 0 >/dev/null
}

# libcamera's cam on vimc (vimc.allocator=1: dma-contig).  libcamera
# exports the capture node's MMAP buffers, frees them and imports the
# dma-bufs on the same node, one per index: one attach and one map each,
# on 6.12 as on the series, so the counts are checked on both flavours.
run_libcamera() {
	echo "1..3"
	mkdir -p $W/cam
	counted cam LD_PRELOAD=/tmp/clients/noudev.so \
		cam -c 1 -C$FRAMES -s width=640,height=480 \
		-F/tmp/clients/cam/frame-#.bin
	rc=$?
	md5sum $W/cam/* 2>/dev/null >$W/cam.sums
	report cam $rc
	got=$(ls $W/cam | wc -l)
	[ $rc -eq 0 ] && [ "$got" -eq $FRAMES ] &&
		result ok "cam captured $FRAMES frames" ||
		result "not ok" "cam captured $FRAMES frames ($got, exit $rc)"
	# vimc draws a test pattern: every frame has pixels, same size
	bad=0
	size=
	for f in $W/cam/*; do
		[ -e "$f" ] || { bad=1; break; }
		s=$(wc -c <"$f")
		[ -n "$size" ] || size=$s
		[ "$s" = "$size" ] && [ "$s" -gt 0 ] &&
			[ "$(tr -d '\000' <"$f" | head -c 1 | wc -c)" -eq 1 ] || bad=1
	done
	[ $bad -eq 0 ] && [ "$got" -gt 0 ] &&
		result ok "cam frames of ${size:-0} bytes, not blank" ||
		result "not ok" "cam frames of ${size:-0} bytes, not blank"
	e=$(hits dma_buf_export cam)
	a=$(hits dma_buf_dynamic_attach cam)
	m=$(hits dma_buf_map_attachment cam)
	what="export ${e:-0} attach ${a:-0} map ${m:-0} for $FRAMES frames"
	[ "${a:-0}" -gt 0 ] && [ "${a:-0}" -le "${e:-0}" ] &&
		[ "${m:-0}" -le "${e:-0}" ] &&
		result ok "cam once per dma-buf: $what" ||
		result "not ok" "cam once per dma-buf: $what"
}

case "${1:-}" in
gstreamer)
	setup || { echo "Bail out! cannot set up the host chroot"; exit 1; }
	run_gstreamer
	;;
libcamera)
	setup || { echo "Bail out! cannot set up the host chroot"; exit 1; }
	cp /usr/lib/noudev.so $W/ || { echo "Bail out! no noudev.so"; exit 1; }
	run_libcamera
	;;
*)
	echo "usage: clients gstreamer|libcamera" >&2
	exit 2
	;;
esac
