#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# static.sh CFG: the static gates on the series' own kernel files, in the
# flavour's tree configured as CFG:
#   checkpatch   scripts/checkpatch.pl --strict on every .c and .h;
#   kernel-doc   scripts/kernel-doc -none -Wall on every .c and .h;
#   sparse       C=1 on every .c the configuration builds;
#   W=1          the same objects compiled with W=1;
#   abi          exports and uapi include guards against the base
#                (harness/abi_check.py).
# Prints one line per gate and file: "PASS gate:file" or
# "FAIL gate:file <finding>".  harness/static-allowlist.txt may excuse a
# finding ("gate | file | finding regex | why").
. "$(dirname "$0")/lib.sh"

cfg=${1:?usage: static.sh CFG}
obj=$BUILD/$FLAVOR/obj-$cfg
if [ "$FLAVOR" != series ]; then
	log "static gates: only the series flavour has files of its own"
	exit 0
fi
mapfile -t files < <(git -C "$TOP" ls-files --cached --others --exclude-standard \
	-- 'drivers/*.[ch]' 'include/*.h' 'tools/*.[ch]' 'lib/*.[ch]' | sort)
if [ ${#files[@]} -eq 0 ]; then
	log "static gates: the series has no C files yet"
	exit 0
fi
log "static gates on ${#files[@]} file(s)"

# report GATE FILE FINDINGS...: one verdict line, allowlist applied
report() {
	local gate=$1 file=$2 finding left=()
	shift 2
	for finding in "$@"; do
		[ -n "$finding" ] || continue
		python3 - "$HARNESS/static-allowlist.txt" "$gate" "$file" "$finding" <<'PY' || left+=("$finding")
import re, sys
allow, gate, path, finding = sys.argv[1:]
for line in open(allow):
    if line.strip() and not line.startswith("#"):
        g, f, rx, _why = [x.strip() for x in line.split("|", 3)]
        if g == gate and f == path and re.search(rx, finding):
            sys.exit(0)
sys.exit(1)
PY
	done
	if [ ${#left[@]} -eq 0 ]; then
		echo "PASS $gate:$file"
	else
		for finding in "${left[@]}"; do
			echo "FAIL $gate:$file $finding"
		done
	fi
}

# the series' paths and the base files it retires
mapfile -t owned < <({ git -C "$TOP" ls-files -- drivers include lib tools
	sed 's/#.*//' "$HARNESS/retired.list" | awk 'NF { print $1 }'; } | sort -u)
python3 "$HARNESS/abi_check.py" "$BASE_TREE" "$TREE" "${owned[@]}"

cd "$TREE"
for f in "${files[@]}"; do
	mapfile -t out < <(perl scripts/checkpatch.pl --strict --terse --no-summary \
		--show-types -f "$f" 2>&1 | sed "s|^$f:||")
	report checkpatch "$f" "${out[@]}"
	mapfile -t out < <(perl scripts/kernel-doc -none -Wall "$f" 2>&1)
	report kernel-doc "$f" "${out[@]}"
done
for f in "${files[@]}"; do
	case "$f" in tools/*|*.h) continue ;; esac
	o=${f%.c}.o
	# only objects the configuration builds
	[ -f "$obj/$o" ] || { log "static: $o is not built by $cfg, no sparse/W=1"; continue; }
	mapfile -t out < <(kmake "$cfg" C=2 "$o" 2>&1 | grep -E "^([^ ]*/)?$f:.*(warning|error)" |
		sed -E "s|^[^ ]*$f:||")
	report sparse "$f" "${out[@]}"
	rm -f "$obj/$o"
	mapfile -t out < <(kmake "$cfg" W=1 "$o" 2>&1 | grep -E "(warning|error):" |
		grep -v '^  CHECK' | sed -E "s|^[^ ]*$f:||")
	report W=1 "$f" "${out[@]}"
	# back to the normal flags so the next kernel build is incremental
	kmake "$cfg" "$o" >/dev/null 2>&1
done
