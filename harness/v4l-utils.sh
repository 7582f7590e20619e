#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# v4l-utils.sh: build v4l2-compliance and v4l2-ctl of v4l-utils 1.30.1 (the
# first release after 6.12) from the tarball in ../shared/third_party, never
# from the network, into build/tools/v4l-utils-1.30.1, and print the
# directory holding both programs.  Built once; rebuilt when the tarball or
# this script changes.
. "$(dirname "$0")/lib.sh"

ver=1.30.1
tarball=${V4L_UTILS_TARBALL:-$TOP/../shared/third_party/v4l-utils-$ver.tar.xz}
[ -f "$tarball" ] || die "$tarball missing (v4l-utils $ver source)"
dir=$BUILD/tools/v4l-utils-$ver
stamp=$dir/.built
want=$(cat "$tarball" "$0" | sha256sum | cut -d' ' -f1)
bins=$dir/build/utils
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
	[ -x "$bins/v4l2-compliance/v4l2-compliance" ] &&
	[ -x "$bins/v4l2-ctl/v4l2-ctl" ]; then
	echo "$bins"
	exit 0
fi

log "v4l-utils $ver: building v4l2-compliance and v4l2-ctl"
rm -rf "$dir"
mkdir -p "$dir"
tar -xJf "$tarball" -C "$dir" --strip-components=1
cd "$dir"
# everything but the two tools off: no libv4l plugins, no BPF, no Qt
meson setup build -Dv4l-plugins=false -Dv4l-wrappers=false \
	-Dlibdvbv5=disabled -Dqv4l2=disabled -Dqvidcap=disabled \
	-Dbpf=disabled -Dgconv=disabled -Djpeg=disabled \
	-Dv4l2-compliance-libv4l=false -Dv4l2-ctl-libv4l=false \
	-Ddoxygen-doc=disabled -Dudevdir="$dir/udev" \
	-Dsystemdsystemunitdir="$dir/sd" >"$dir/meson.log" 2>&1 ||
	{ tail -n 20 "$dir/meson.log" >&2; die "v4l-utils $ver: meson setup failed"; }
ninja -C build -j "$JOBS" utils/v4l2-compliance/v4l2-compliance \
	utils/v4l2-ctl/v4l2-ctl >"$dir/ninja.log" 2>&1 ||
	{ tail -n 20 "$dir/ninja.log" >&2; die "v4l-utils $ver: build failed"; }
echo "$want" >"$stamp"
echo "$bins"
