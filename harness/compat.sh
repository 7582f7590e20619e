#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# compat.sh: compile every in-tree user of the series' headers that the
# "consumers" configuration (harness/config/compat.config) builds on x86_64,
# against the flavour's tree.  A compile error fails; the time is printed.
. "$(dirname "$0")/lib.sh"

need_programs compat

prepare_tree
obj=$BUILD/$FLAVOR/obj-compat
frag=$HARNESS/config/compat.config
mkdir -p "$obj"
start=$(date +%s)
stamp=$(sha1sum <"$frag" | cut -c1-40)
if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.frag-stamp" 2>/dev/null)" != "$stamp" ]; then
	log "$FLAVOR/compat: allmodconfig + $(basename "$frag")"
	KCONFIG_ALLCONFIG=$frag kmake compat allmodconfig >/dev/null
	echo "$stamp" >"$obj/.frag-stamp"
fi
kmake compat olddefconfig >/dev/null
dropped=$(python3 "$HARNESS/kconfig_check.py" "$obj/.config" <"$frag") ||
	die "Kconfig dropped requested symbols of compat:
$dropped"

python3 "$HARNESS/compat.py" "$TREE" "$obj/.config" "$obj"
mapfile -t targets <"$obj/targets"
[ ${#targets[@]} -gt 0 ] || die "compat: no user of the series' headers is enabled"
log "$FLAVOR/compat: compiling ${#targets[@]} objects (-j$JOBS)"
if ! kmake compat -k "${targets[@]}" >"$obj/build.log" 2>&1; then
	grep -E 'error:|Error [0-9]|No rule to make' "$obj/build.log" | head -n 40 >&2
	die "compat build failed ($FLAVOR); full log: $obj/build.log"
fi
missing=0
for t in "${targets[@]}"; do
	[ -f "$obj/$t" ] || { echo "not compiled: $t" >&2; missing=$((missing + 1)); }
done
[ $missing -eq 0 ] || die "$missing object(s) were not compiled"
log "$FLAVOR/compat: ${#targets[@]} users compiled in $(($(date +%s) - start)) s"
