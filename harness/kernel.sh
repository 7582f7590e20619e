#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel.sh CFG: lay the flavour's tree, configure it with the fragments of
# configuration CFG (test, debug; -arm64 for arm64) and build the boot image
# plus the uapi headers.
# Prints the object directory on stdout.
. "$(dirname "$0")/lib.sh"

cfg=${1:?usage: kernel.sh test|debug|test-arm64|debug-arm64}
arch=$(cfg_arch "$cfg")
case "$cfg" in
test|test-arm64) frags="$HARNESS/config/test.config" ;;
debug|debug-arm64) frags="$HARNESS/config/test.config $HARNESS/config/debug.config" ;;
*) die "unknown configuration '$cfg'" ;;
esac
frags="$frags $HARNESS/config/$arch.config"
# Symbols only the series has (its own KUnit suites) live in their own
# fragment so that the upstream flavour's symbol check stays exact.
[ "$FLAVOR" = series ] && frags="$frags $HARNESS/config/series.config"

prepare_tree
obj=$BUILD/$FLAVOR/obj-$cfg
mkdir -p "$obj"

# Start from tinyconfig only when the fragments changed; olddefconfig runs
# every time so Kconfig edits of the series are picked up.
stamp=$(cat $frags | sha1sum | cut -c1-40)
if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.frag-stamp" 2>/dev/null)" != "$stamp" ]; then
	log "$FLAVOR/$cfg: configuring from tinyconfig + $(echo $frags | xargs -n1 basename | tr '\n' ' ')"
	kmake "$cfg" tinyconfig >/dev/null
	KCONFIG_CONFIG="$obj/.config" "$TREE/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" $frags >/dev/null
	echo "$stamp" >"$obj/.frag-stamp"
fi
kmake "$cfg" olddefconfig >/dev/null

# Every requested symbol must have survived olddefconfig.
dropped=$(cat $frags | python3 "$HARNESS/kconfig_check.py" "$obj/.config") ||
	die "Kconfig dropped requested symbols of $cfg:
$dropped"

image=$(basename "$(kernel_image "$cfg")")
log "$FLAVOR/$cfg: building $image (-j$JOBS)"
if ! kmake "$cfg" "$image" 2>"$obj/build.err"; then
	grep -E 'error|Error' -A3 "$obj/build.err" | head -n 60 >&2
	die "kernel build failed ($FLAVOR/$cfg); full log: $obj/build.err"
fi
grep -E 'warning:' "$obj/build.err" | head -n 20 >&2 || true
kmake "$cfg" headers_install INSTALL_HDR_PATH="$obj/hdr" >/dev/null
log "$FLAVOR/$cfg: $(cat "$obj/include/config/kernel.release") built"
echo "$obj"
