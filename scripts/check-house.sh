#!/bin/bash
# scripts/check-house.sh [layers|sizes|functions|all]: the house rules of the
# source tree, each printed as one line per breach (exit 1 if any).
#
#  layers     data moves one way: collect -> capture -> analyze -> ci. A quoted
#             #include may point only at its own stage, an earlier one, lib/
#             or the generated headers; nothing outside vmm/ includes vmm/.
#  sizes      no source file over 1000 lines.
#  functions  no function over 80 lines, unless the comment right above it
#             says why ("Long because ..." or "Long: ...").
set -u
ROOT=${HOUSE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 2
what=${1:-all}
breaches=0
breach() { echo "$*"; breaches=$((breaches + 1)); }
# runs a check that prints its breaches itself, and counts them
count_breaches() {
	local out
	out=$("$@")
	[ -n "$out" ] || return 0
	echo "$out"
	breaches=$((breaches + $(wc -l <<<"$out")))
}

# the stage a path belongs to
stage_of() {
	case $1 in
	lib/*) echo lib ;;
	probes/*) echo probes ;;
	vmm/*) echo vmm ;;
	tools/collect/*) echo collect ;;
	tools/capture/*) echo capture ;;
	tools/analyze/*) echo analyze ;;
	tools/ci/*) echo ci ;;
	tools/domain/*) echo domain ;;
	tools/*) echo command-table ;;
	*) echo other ;;
	esac
}

# may a file of stage $1 include one of stage $2?
allowed() {
	[ "$1" = "$2" ] && return 0
	case $2 in lib | probes | generated) return 0 ;; esac
	case $1:$2 in
	probes:*) return 1 ;;
	collect:capture | collect:command-table) return 0 ;;
	analyze:capture | analyze:command-table) return 0 ;;
	ci:collect | ci:capture | ci:analyze | ci:command-table) return 0 ;;
	domain:command-table) return 0 ;;
	command-table:collect | command-table:capture | command-table:analyze | command-table:ci) return 0 ;;
	esac
	return 1
}

# where a quoted include written in $1 resolves: its own folder, then the
# include path the build gives (-Itools -Ilib -Iprobes, generated headers)
resolve() {
	local dir=$(dirname "$1") inc=$2 d
	for d in "$dir" tools lib probes; do
		[ -f "$d/$inc" ] && { echo "$d/$inc" | sed 's|/\./|/|g'; return; }
	done
	[ -f "vmm/$inc" ] && { echo "vmm/$inc"; return; }
	echo generated
}

check_layers() {
	local f inc target from to
	while read -r f; do
		from=$(stage_of "$f")
		[ "$from" = vmm ] && continue
		while read -r inc; do
			target=$(resolve "$f" "$inc")
			[ "$target" = generated ] && to=generated || to=$(stage_of "$target")
			allowed "$from" "$to" ||
				breach "layers: $f ($from) includes $target ($to)"
		done < <(sed -n 's/^[ \t]*#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' "$f")
	done < <(git ls-files 'lib/*.[ch]' 'probes/*.[ch]' 'tools/*.[ch]')
}

check_sizes() {
	local f n
	while read -r f; do
		n=$(wc -l <"$f")
		[ "$n" -gt 1000 ] && breach "sizes: $f has $n lines (limit 1000)"
	done < <(git ls-files '*.c' '*.h' '*.sh' '*.bash' '*.pl' '*.mk' 'Makefile')
}

# Kernel style: a function's body opens with "{" and closes with "}" in
# column 0; its signature and the comment above it come just before.
check_functions() {
	local f
	while read -r f; do
		# PRE holds the lines since the last blank line outside a body: the
		# comment above a function and its signature
		awk -v file="$f" '
			depth == 0 && /^$/ { pre = ""; next }
			/^\{/ && depth == 0 { start = FNR; why = pre; sig = last; depth = 1; next }
			/^\}/ && depth == 1 {
				len = FNR - start + 1
				if (len > 80 && why !~ /Long( because|:)/)
					printf "functions: %s:%d %s is %d lines (limit 80; say why above it)\n", file, start, sig, len
				depth = 0; pre = ""; next
			}
			depth == 0 { pre = pre $0 "\n"; if ($0 ~ /^[A-Za-z_]/) last = $0 }
		' "$f"
	done < <(git ls-files 'vmm/*.c' 'lib/*.c' 'probes/*.c' 'tools/*.c')
}

case $what in
layers) check_layers ;;
sizes) check_sizes ;;
functions) count_breaches check_functions ;;
all)
	check_layers
	check_sizes
	count_breaches check_functions
	;;
*) echo "usage: scripts/check-house.sh [layers|sizes|functions|all]" >&2; exit 2 ;;
esac
[ "$breaches" -eq 0 ]
