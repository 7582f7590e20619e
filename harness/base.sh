#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unpack Debian's linux-source-6.12 once (need_programs of the calling
# command installed it).  Accepts any 6.12.y, refuses anything else, and
# says which version it uses.
. "$(dirname "$0")/lib.sh"

tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || die "$tarball missing although linux-source-6.12 is installed"
pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12)

if [ ! -f "$BUILD/base/.unpacked" ] || [ "$(cat "$BUILD/base/.unpacked")" != "$pkgver" ]; then
	log "unpacking linux-source-6.12 ($pkgver)"
	rm -rf "$BUILD/base"
	mkdir -p "$BUILD/base"
	tar -xf "$tarball" -C "$BUILD/base"
	mv "$BUILD/base/linux-source-6.12" "$BASE_TREE"
	echo "$pkgver" >"$BUILD/base/.unpacked"
fi

mk() { sed -n "s/^$1 = //p" "$BASE_TREE/Makefile" | head -n 1; }
version="$(mk VERSION).$(mk PATCHLEVEL).$(mk SUBLEVEL)$(mk EXTRAVERSION)"
case "$version" in
6.12.*) ;;
*) die "base tree is Linux $version; this series targets 6.12.y only" ;;
esac
echo "$version" >"$BUILD/base/VERSION"
log "base: Linux $version (Debian linux-source-6.12 $pkgver)"
