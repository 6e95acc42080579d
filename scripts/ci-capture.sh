#!/bin/bash
# scripts/ci-capture.sh - trace captures from another project's CI with
# kvmscope, for a VMM or kernel team that does not build kvmscope itself.
#
#   scripts/ci-capture.sh --check
#       prints each requirement of the collectors as ok / missing (and what
#       to do); exit status 1 when a required one is missing. Run it on the
#       runner first: it is the whole list of privileges a runner needs.
#   scripts/ci-capture.sh --install [SRC_DIR]
#       installs the Debian packages kvmscope needs and builds kvmscope from
#       SRC_DIR (default: the kvmscope tree this script is in) into
#       $PREFIX/bin (PREFIX=/usr/local). Needs root.
#   scripts/ci-capture.sh [--out DIR] [kvmscope ci options] -- COMMAND [ARGS...]
#       runs COMMAND (your test suite) under `kvmscope ci`, exits with its
#       status (signal N: 128+N) and leaves in DIR (default ci-artifacts):
#       kvmscope.capture, report.txt, diagnosis.txt, diagnosis.json,
#       junit.xml, trace.json (Perfetto), timeline.html, ci.json, ci.log.
#       Options are those of `kvmscope ci --help`: --keep=failure,
#       --max-size MIB, --vmm PATH (your VMM binary, when COMMAND is a suite
#       that starts it), --no-ftrace, --quiet.
#
# Environment: KVMSCOPE=PATH (the kvmscope binary; default: on PATH, else
# this tree's build/kvmscope), PREFIX (for --install).
#
# What a CI runner needs (checked by --check):
#   - root, or the capabilities CAP_BPF + CAP_PERFMON (load BPF programs,
#     attach uprobes/USDT and tracepoints) and CAP_SYS_ADMIN (tracefs, ftrace
#     instances). In a container: --privileged, or --cap-add BPF --cap-add
#     PERFMON --cap-add SYS_ADMIN plus the host's /sys/kernel/tracing mounted.
#   - tracefs mounted at /sys/kernel/tracing (mount -t tracefs nodev
#     /sys/kernel/tracing), with kvm events (the kvm module loaded) and
#     uprobe_events (CONFIG_UPROBE_EVENTS).
#   - kernel.unprivileged_bpf_disabled = 0 unless the runner has CAP_BPF;
#     kernel.perf_event_paranoid <= 2 unless it has CAP_PERFMON.
#   - /sys/kernel/btf/vmlinux (kernel BTF): recommended; kvmscope's programs
#     do not need CO-RE, but other BPF tools on the runner will.
# Without them `kvmscope ci` still runs the tests and passes their status
# through; it says in one line that the collectors could not attach, and the
# JUnit file marks the "collectors" case as skipped.
#
# Collecting the artifacts (DIR = ci-artifacts):
#   GitLab:   artifacts: { when: always, paths: [ci-artifacts/],
#                          reports: { junit: ci-artifacts/junit.xml } }
#   GitHub:   - uses: actions/upload-artifact@v4
#               with: { name: kvmscope, path: ci-artifacts/ }
#               if: always()
#             (a JUnit reporter action reads ci-artifacts/junit.xml)
#   Jenkins:  junit 'ci-artifacts/junit.xml'
#             archiveArtifacts artifacts: 'ci-artifacts/**'
# Open timeline.html in any browser (it needs no network), or load
# trace.json in ui.perfetto.dev. timeline.html#finding-1 opens on the first
# finding's evidence.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)

usage() { sed -n '2,/^set -u$/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

find_kvmscope() {
	if [ -n "${KVMSCOPE:-}" ]; then echo "$KVMSCOPE"; return; fi
	if command -v kvmscope >/dev/null 2>&1; then command -v kvmscope; return; fi
	if [ -x "$HERE/build/kvmscope" ]; then echo "$HERE/build/kvmscope"; return; fi
	echo ""
}

# ---- --check ------------------------------------------------------------
missing=0
req() { # req ok|missing|info WHAT [DETAIL]
	local state=$1 what=$2 detail=${3:-}
	printf '%-8s %-44s %s\n' "$state" "$what" "$detail"
	[ "$state" = missing ] && missing=$((missing + 1))
	return 0
}
cap_bit() { # cap_bit N: 1 if the effective capability set has bit N
	local hex
	hex=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status 2>/dev/null)
	[ -n "$hex" ] || { echo 0; return; }
	echo $(((16#$hex >> $1) & 1))
}
sysctl_val() { cat "/proc/sys/kernel/$1" 2>/dev/null || echo "?"; }

check() {
	local uid sys_admin perfmon bpf tr
	uid=$(id -u)
	sys_admin=$(cap_bit 21) perfmon=$(cap_bit 38) bpf=$(cap_bit 39)
	if [ "$uid" = 0 ] && [ "$sys_admin" = 1 ] && [ "$bpf" = 1 ] && [ "$perfmon" = 1 ]; then
		req ok "privileges" "root with CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN"
	else
		[ "$bpf" = 1 ] && req ok "CAP_BPF" || req missing "CAP_BPF" "load BPF programs (root, or setcap/--cap-add BPF)"
		[ "$perfmon" = 1 ] && req ok "CAP_PERFMON" || req missing "CAP_PERFMON" "attach uprobes/USDT and tracepoints (--cap-add PERFMON)"
		[ "$sys_admin" = 1 ] && req ok "CAP_SYS_ADMIN" || req missing "CAP_SYS_ADMIN" "tracefs and ftrace instances (--cap-add SYS_ADMIN)"
	fi
	tr=""
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -e "$d/events" ] && { tr=$d; break; }
	done
	if [ -n "$tr" ]; then
		req ok "tracefs mounted" "$tr"
		[ -d "$tr/events/kvm" ] && req ok "kvm tracepoints" "$tr/events/kvm" ||
			req missing "kvm tracepoints" "load the kvm module (modprobe kvm_intel or kvm_amd)"
		[ -e "$tr/uprobe_events" ] && req ok "uprobe events" "$tr/uprobe_events" ||
			req missing "uprobe events" "kernel without CONFIG_UPROBE_EVENTS: no USDT through ftrace"
		[ -e "$tr/events/raw_syscalls" ] && req ok "raw_syscalls tracepoints" "ioctl entry/exit with errno" ||
			req missing "raw_syscalls tracepoints" "kernel without syscall tracepoints"
	elif grep -q ' tracefs ' /proc/mounts 2>/dev/null; then
		req missing "tracefs accessible" "$(awk '$3 == "tracefs" { print $2; exit }' /proc/mounts) is mounted but not readable here (root / CAP_SYS_ADMIN)"
	else
		req missing "tracefs mounted" "mount -t tracefs nodev /sys/kernel/tracing (container: mount the host's)"
	fi
	if [ -r /sys/kernel/btf/vmlinux ]; then
		req ok "/sys/kernel/btf/vmlinux" "kernel BTF"
	else
		req info "/sys/kernel/btf/vmlinux" "absent: kvmscope does not need it; CO-RE tools do (CONFIG_DEBUG_INFO_BTF)"
	fi
	local p u
	p=$(sysctl_val perf_event_paranoid)
	if [ "$perfmon" = 1 ] || { [ "$p" != "?" ] && [ "$p" -le 2 ]; }; then
		req ok "kernel.perf_event_paranoid" "$p$([ "$perfmon" = 1 ] && echo " (CAP_PERFMON overrides it)")"
	else
		req missing "kernel.perf_event_paranoid" "$p: without CAP_PERFMON it must be <= 2"
	fi
	u=$(sysctl_val unprivileged_bpf_disabled)
	if [ "$bpf" = 1 ] || [ "$u" = 0 ]; then
		req ok "kernel.unprivileged_bpf_disabled" "$u$([ "$bpf" = 1 ] && echo " (CAP_BPF: not needed)")"
	else
		req missing "kernel.unprivileged_bpf_disabled" "$u: BPF needs CAP_BPF (or the sysctl at 0)"
	fi
	local lim
	lim=$(ulimit -l)
	req info "locked memory limit (ulimit -l)" "$lim KiB (kernels before 5.11 charge BPF maps to it: use unlimited)"
	if [ -c /dev/kvm ]; then req info "/dev/kvm" "present (the VMM under test needs it, kvmscope does not)"
	else req info "/dev/kvm" "absent (the VMM under test needs it, kvmscope does not)"; fi
	local k
	k=$(find_kvmscope)
	if [ -n "$k" ] && "$k" ci --help >/dev/null 2>&1; then
		req ok "kvmscope" "$k"
	else
		req missing "kvmscope" "${k:-not found}: scripts/ci-capture.sh --install, or set KVMSCOPE=PATH"
	fi
	if [ "$missing" -eq 0 ]; then
		echo "ci-capture: every requirement is met"
		return 0
	fi
	echo "ci-capture: $missing requirement(s) missing: kvmscope ci will run the tests without the collectors it cannot attach"
	return 1
}

# ---- --install ----------------------------------------------------------
install() {
	local src=${1:-$HERE} prefix=${PREFIX:-/usr/local}
	if [ "$(id -u)" != 0 ]; then
		echo "ci-capture: --install needs root (apt-get and $prefix/bin)" >&2
		return 1
	fi
	if ! [ -f "$src/Makefile" ] || ! [ -f "$src/tools/kvmscope.c" ]; then
		echo "ci-capture: $src is not a kvmscope source tree" >&2
		return 1
	fi
	"$src/scripts/install-deps.sh" || return 1
	make -C "$src" -j"$(nproc)" BUILD=build-install build-install/kvmscope || return 1
	install -D -m 0755 "$src/build-install/kvmscope" "$prefix/bin/kvmscope" || return 1
	echo "ci-capture: installed $prefix/bin/kvmscope"
}

# ---- run ----------------------------------------------------------------
run() {
	local k out=ci-artifacts
	local -a opts=()
	while [ $# -gt 0 ]; do
		case $1 in
		--) shift; break ;;
		--out) [ $# -ge 2 ] || { echo "ci-capture: --out needs a directory" >&2; return 2; }
			out=$2; shift 2 ;;
		--out=*) out=${1#--out=}; shift ;;
		-*) opts+=("$1")
			case $1 in --max-size|--vmm) [ $# -ge 2 ] && { opts+=("$2"); shift; } ;; esac
			shift ;;
		*) break ;;
		esac
	done
	if [ $# -eq 0 ]; then
		echo "ci-capture: no command (scripts/ci-capture.sh [--out DIR] -- COMMAND...)" >&2
		return 2
	fi
	k=$(find_kvmscope)
	if [ -z "$k" ] || ! "$k" ci --help >/dev/null 2>&1; then
		# the suite's status is what CI needs most: run it even without kvmscope
		echo "ci-capture: kvmscope not found (set KVMSCOPE or --install): running the command without it" >&2
		"$@"
		return $?
	fi
	"$k" ci --out "$out" "${opts[@]}" -- "$@"
}

case ${1:-} in
--check) check ;;
--install) shift; install "$@" ;;
-h | --help | "") usage ;;
*) run "$@" ;;
esac
