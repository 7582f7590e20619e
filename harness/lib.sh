# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the harness scripts.  Source it; do not run it.
#
# Layout of the (ignored) build directory:
#   build/base/linux          the unpacked Debian linux-source-6.12 tree
#   build/base/VERSION        its exact version (e.g. 6.12.117)
#   build/<flavor>/linux      base + series (FLAVOR=series) or base alone
#   build/<flavor>/obj-<cfg>  O= object directory of one configuration
#   build/<flavor>/guest-*    initramfs staging and boot logs

set -euo pipefail

HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$HARNESS")
BUILD=${BUILD:-$TOP/build}
FLAVOR=${FLAVOR:-series}
JOBS=${JOBS:-$(($(nproc) + 1))}
BASE_TREE=$BUILD/base/linux
TREE=$BUILD/$FLAVOR/linux

case "$FLAVOR" in
series|upstream) ;;
*) echo "FLAVOR must be 'series' or 'upstream', not '$FLAVOR'" >&2; exit 2 ;;
esac

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# need_pkgs PACKAGE...: install the Debian packages that are missing; says
# nothing when all are present.
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >"$BUILD/apt.log" 2>&1; then
		$sudo apt-get update -qq >>"$BUILD/apt.log" 2>&1 || true
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >>"$BUILD/apt.log" 2>&1 ||
			{ tail -n 5 "$BUILD/apt.log" >&2
			  die "could not install package(s): ${missing[*]} (is the Debian archive reachable?)"; }
	fi
}

# have NEED: a program in PATH, or an absolute path that exists
have() {
	case "$1" in
	/*) [ -e "$1" ] ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

# need_programs TARGET: everything harness/programs.list names for TARGET
# (check, demo, compat, kunit, bench).  Installs the packages of what is
# missing, then fails naming each need that is still missing and its
# package, before the command does any work.
need_programs() {
	local target=$1 need pkg only pkgs=() left=()
	while read -r need pkg only; do
		case "$need" in ''|'#'*) continue ;; esac
		if [ -n "$only" ] && ! grep -qw -- "$target" <<<"$only"; then
			continue
		fi
		have "$need" || pkgs+=("$pkg")
	done <"$HARNESS/programs.list"
	[ ${#pkgs[@]} -eq 0 ] && return 0
	need_pkgs $(printf '%s\n' "${pkgs[@]}" | sort -u)
	while read -r need pkg only; do
		case "$need" in ''|'#'*) continue ;; esac
		if [ -n "$only" ] && ! grep -qw -- "$target" <<<"$only"; then
			continue
		fi
		have "$need" || left+=("$need (Debian package $pkg)")
	done <"$HARNESS/programs.list"
	[ ${#left[@]} -eq 0 ] ||
		die "missing after installing: $(printf '%s; ' "${left[@]}")"
}

# guest_args [CFG]: the kernel command line of every check guest (of
# configuration CFG, for its console): serial console,
# panic on oops (guest_run.py reboots at the next suite), CMA below 4 GiB,
# hugetlb pages for udmabuf, and the media drivers' setup.  vivid: 0 vmalloc;
# 1 dma-contig with cache hints; 2 multi-planar on dma-contig with only a
# video capture and a video output node (bits 0 and 8), for dmabuf-vb2's
# multi-planar cases.  0xe1d3d is vivid's default node_types, which 0 and 1
# keep.  vimc (libcamera's client test) on dma-contig.
guest_args() {
	local console=ttyS0

	[ "$(cfg_arch "${1:-test}")" = arm64 ] && console=ttyAMA0
	echo "console=$console panic=-1 oops=panic no_timer_check" \
		"cma=256M@0-4G hugepages=1024" \
		"vivid.n_devs=3 vivid.allocators=0,1,1 vivid.cache_hints=0,1,0" \
		"vivid.multiplanar=1,1,2 vivid.node_types=0xe1d3d,0xe1d3d,0x101" \
		"vimc.allocator=1"
}

# arm64_busybox: the path of Debian's static busybox for arm64, fetched
# once into build/tools/arm64 with apt-get download and a private apt
# state, so the host's dpkg architectures stay as they are.
arm64_busybox() {
	local dir=$BUILD/tools/arm64 deb
	local apt=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache"
		-o Dir::State::Status=/dev/null)

	if [ ! -x "$dir/busybox" ]; then
		log "fetching Debian's busybox-static for arm64"
		rm -rf "$dir"
		mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/deb"
		(cd "$dir/deb" && apt-get -qq "${apt[@]}" update &&
			apt-get -qq "${apt[@]}" download busybox-static) \
			>"$dir/apt.log" 2>&1 || die "cannot fetch busybox-static:arm64 (see $dir/apt.log)"
		deb=$(ls "$dir"/deb/busybox-static_*_arm64.deb)
		dpkg-deb -x "$deb" "$dir/root"
		cp "$dir/root/bin/busybox" "$dir/busybox"
	fi
	echo "$dir/busybox"
}

# both_flavours MODE: build the test kernel and the MODE initramfs of
# upstream and series; fills the associative arrays kernel[] and initrd[]
# (flavour -> path), for the commands that compare them (bench, demo).
declare -A kernel initrd
both_flavours() {
	local f
	for f in upstream series; do
		FLAVOR=$f "$HARNESS/kernel.sh" test >/dev/null
		kernel[$f]=$(FLAVOR=$f kernel_image test)
		initrd[$f]=$(FLAVOR=$f "$HARNESS/initramfs.sh" test "$1")
	done
}

# prepare_tree: the base unpacked and the flavour's tree laid over it
prepare_tree() {
	"$HARNESS/base.sh"
	mkdir -p "$BUILD/$FLAVOR"
	python3 "$HARNESS/overlay.py" --base "$BASE_TREE" --tree "$TREE" --repo "$TOP" \
		--flavor "$FLAVOR"
}

# Configurations: test, debug (x86_64), and test-arm64, debug-arm64, the
# same for arm64, cross-built with Debian's gcc-aarch64-linux-gnu.
# cfg_arch CFG: the kernel's ARCH; cfg_cross CFG: its CROSS_COMPILE prefix
cfg_arch() {
	case "$1" in
	*-arm64) echo arm64 ;;
	*) echo x86_64 ;;
	esac
}
cfg_cross() {
	[ "$(cfg_arch "$1")" = arm64 ] && echo aarch64-linux-gnu- || true
}

# kernel_image CFG: the boot image of configuration CFG
kernel_image() {
	case "$(cfg_arch "$1")" in
	arm64) echo "$BUILD/$FLAVOR/obj-$1/arch/arm64/boot/Image" ;;
	*) echo "$BUILD/$FLAVOR/obj-$1/arch/x86/boot/bzImage" ;;
	esac
}

# kmake CFG ARGS...: run kbuild on the flavour's tree with the O= directory of
# configuration CFG.
kmake() {
	local cfg=$1 cross
	shift
	cross=$(cfg_cross "$cfg")
	make -s -C "$TREE" O="$BUILD/$FLAVOR/obj-$cfg" ARCH="$(cfg_arch "$cfg")" \
		CROSS_COMPILE="$cross" CC="ccache ${cross}gcc" HOSTCC="ccache gcc" \
		-j"$JOBS" "$@"
}

mkdir -p "$BUILD"
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros
