#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fresh.sh: what `make fresh` does.  README's two commands on a machine that
# has nothing the harness installed: a minimal Debian 12 root made with
# debootstrap (under build/fresh/), with the apt sources of a new Debian 12
# install, a clone of this repository's HEAD and a copy of ../shared beside
# it.  In the root, as root, it runs README's prerequisite line and then
# `make demo` and `make check`, and prints how each ended and how long it
# took.  Nothing is shared with this machine's build/ or ccache, so the
# times are those of a first run.  FRESH_TARGETS (default "demo check")
# chooses the commands.  Needs root (debootstrap, chroot, mounts).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || die "make fresh needs root (debootstrap and chroot)"
need_programs fresh
targets=${FRESH_TARGETS:-demo check}
mirror=http://deb.debian.org/debian
root=$BUILD/fresh/root
shared=$(cd "$TOP/.." && pwd)/shared
[ -d "$shared" ] || die "$shared missing: the harness expects ../shared beside the repository"

umount_all() {
	local m
	for m in dev/pts dev sys proc; do
		mountpoint -q "$root/$m" && umount -l "$root/$m"
	done
	return 0
}
trap umount_all EXIT

umount_all
# never remove a root that still has the host's /dev mounted in it
! grep -q " $root/" /proc/mounts || die "still mounted under $root: $(grep " $root/" /proc/mounts)"
rm -rf --one-file-system "$BUILD/fresh"
mkdir -p "$root"
start=$(date +%s)
log "fresh: debootstrap bookworm (minbase) into $root"
debootstrap --variant=minbase bookworm "$root" "$mirror" \
	>"$BUILD/fresh/debootstrap.log" 2>&1 ||
	{ tail -n 5 "$BUILD/fresh/debootstrap.log" >&2; die "debootstrap failed"; }
# the sources a Debian 12 installation starts with (linux-source-6.12
# comes from bookworm-security)
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/work"
git clone -q "$TOP" "$root/work/main"
cp -a "$shared" "$root/work/shared"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
log "fresh: root ready after $(($(date +%s) - start)) s; HEAD $(git -C "$TOP" rev-parse --short HEAD)"

# in_root CMD: one shell command in the root, from the clone, with a clean
# environment such as a login shell has
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /work/main && $1"
}

# README: "apt-get install make" is the one step before the two commands
summary=()
fail=0
t0=$(date +%s)
if in_root "apt-get update -qq && apt-get install -y -qq make" \
	>"$BUILD/fresh/prerequisite.log" 2>&1; then
	summary+=("PASS apt-get install make ($(($(date +%s) - t0)) s)")
else
	tail -n 5 "$BUILD/fresh/prerequisite.log" >&2
	die "fresh: apt-get install make failed in the root"
fi
for t in $targets; do
	t0=$(date +%s)
	log "fresh: make $t (log: build/fresh/make-$t.log)"
	if in_root "make $t" >"$BUILD/fresh/make-$t.log" 2>&1; then
		verdict=PASS
	else
		verdict=FAIL
		fail=1
	fi
	secs=$(($(date +%s) - t0))
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$BUILD/fresh/make-$t.log" | tail -n 1 || true)
	summary+=("$verdict make $t: $((secs / 60)) min $((secs % 60)) s${last:+; $last}")
	tail -n 3 "$BUILD/fresh/make-$t.log" >&2
done
total=$(($(date +%s) - start))
echo "== make fresh: Debian 12 minbase root, $(sed -n 1p "$root/work/main/build/base/VERSION" 2>/dev/null || echo '?')"
printf '%s\n' "${summary[@]}"
echo "total $((total / 60)) min $((total % 60)) s"
exit $fail
