#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# initramfs.sh CFG MODE: build the guest initramfs for the flavour's kernel of
# configuration CFG.  MODE is what /init runs (guest/init.sh): "check",
# "demo" or "bench".  Prints the path of the cpio archive.
. "$(dirname "$0")/lib.sh"

cfg=${1:?usage: initramfs.sh CFG MODE} mode=${2:?usage: initramfs.sh CFG MODE}
obj=$BUILD/$FLAVOR/obj-$cfg
hdr=$obj/hdr/include
[ -d "$hdr" ] || die "$hdr missing: build the kernel first"
stage=$BUILD/$FLAVOR/guest-$cfg-$mode
rm -rf "$stage"
mkdir -p "$stage"/{bin,lib,lib64,usr/bin,usr/lib/selftests,etc,proc,sys,dev,tmp}

# The guest's architecture: x86_64 gets the host's busybox, its suite
# output on the second serial port and the real clients; arm64 gets
# Debian's arm64 busybox, the output on a virtio console (QEMU's virt has
# one UART) and neither the clients (they run from the host's x86 /usr)
# nor v4l2-compliance (built for the host).
arch=$(cfg_arch "$cfg")
cross=$(cfg_cross "$cfg")
cc="${cross}gcc"
if [ "$arch" = arm64 ]; then
	cp "$(arm64_busybox)" "$stage/bin/busybox"
	out_dev=/dev/hvc0
else
	cp /bin/busybox "$stage/bin/busybox"
	out_dev=/dev/ttyS1
fi
ln -s busybox "$stage/bin/sh"
install -m 755 "$HARNESS/guest/init.sh" "$stage/init"
printf 'MODE=%s\nFLAVOR=%s\nARCH=%s\nOUT=%s\n' "$mode" "$FLAVOR" "$arch" "$out_dev" \
	>"$stage/etc/guest.conf"

# Userspace programs are built statically against this kernel's uapi headers.
for p in capture-demo bench-heaps bench-vb2; do
	"$cc" -static -O2 -Wall -Wextra -Werror -isystem "$hdr" \
		-o "$stage/usr/bin/$p" "$HARNESS/guest/$p.c"
done

if [ "$mode" = check ]; then
	# The selftests of the flavour's tree, through their own Makefiles.
	for t in $(cat "$HARNESS/selftests.list"); do
		if [ ! -d "$TREE/tools/testing/selftests/$t" ]; then
			# the upstream tree lacks the series' own selftests
			[ "$FLAVOR" = upstream ] || die "selftest $t: not in the $FLAVOR tree"
			log "selftest $t: not in the $FLAVOR tree"
			continue
		fi
		out=$BUILD/$FLAVOR/selftests-$arch/$t
		mkdir -p "$out"
		make -s -C "$TREE/tools/testing/selftests/$t" OUTPUT="$out" \
			ARCH="$arch" CROSS_COMPILE="$cross" \
			KHDR_INCLUDES="-isystem $hdr" LDFLAGS=-static >/dev/null ||
			die "selftest $t does not build"
		progs=$(make -s -C "$TREE/tools/testing/selftests/$t" OUTPUT="$out" \
			ARCH="$arch" CROSS_COMPILE="$cross" \
			KHDR_INCLUDES="-isystem $hdr" -f Makefile -f - print-progs \
			<<<'print-progs: ; @echo $(TEST_GEN_PROGS)') ||
			die "selftest $t: cannot list its programs"
		[ -n "$progs" ] || die "selftest $t: no programs"
		for p in $progs; do
			cp "$p" "$stage/usr/lib/selftests/$(basename "$t")-$(basename "$p")"
		done
	done
fi
if [ "$mode" = check ] && [ "$arch" = x86_64 ]; then
	# the real clients run from the host's /usr (guest/clients.sh)
	install -m 755 "$HARNESS/guest/clients.sh" "$stage/usr/bin/clients"
	cp /etc/ld.so.cache "$stage/etc/host-ld.so.cache"
	gcc -shared -fPIC -O2 -Wall -Wextra -Werror \
		-o "$stage/usr/lib/noudev.so" "$HARNESS/guest/noudev.c"

	# v4l2-compliance and v4l2-ctl 1.30.1 (built by v4l-utils.sh), with
	# the libraries they need.
	v4l=$("$HARNESS/v4l-utils.sh")
	for b in "$v4l/v4l2-compliance/v4l2-compliance" "$v4l/v4l2-ctl/v4l2-ctl"; do
		cp "$b" "$stage/usr/bin/"
		ldd "$b" | grep -o '/[^ ]*' | while read -r lib; do
			case "$lib" in
			/lib64/*) cp -L "$lib" "$stage/lib64/" ;;
			*) cp -L "$lib" "$stage/lib/" ;;
			esac
		done
	done
fi

img=$BUILD/$FLAVOR/initramfs-$cfg-$mode.cpio.gz
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$img"
echo "$img"
