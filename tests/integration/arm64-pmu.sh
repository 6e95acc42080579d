#!/bin/bash
# The arm64 board's PMU set-up (vmm/arm64/pmu.c) through the real KVM door,
# cross-built and run under qemu-aarch64-static: the seed's failures
# reproduced by -fault rules and by the kernel's own causes (a fake kernel
# with pmu-emul.c's errno map answers the attribute ioctls; arm64 KVM cannot
# run here). See tests/unit/test-arm64-pmu.c; its TAP lines are relayed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/arm64-lib.bash"
need_tools "arm64 PMU" $CROSS qemu-aarch64-static
if [ ! -e /usr/lib/aarch64-linux-gnu/libcmocka.so ]; then
	skip "arm64 PMU: libcmocka-dev:arm64 not installed (scripts/install-deps.sh)"
	echo "1..$T_N"
	exit 0
fi
arm64_make arm64-tests
expect_eq "cross build of the arm64 unit test (make ARCH=aarch64 arm64-tests)" "$?" 0
T=$ARM_BUILD/tests/unit/test-arm64-pmu
CMOCKA_MESSAGE_OUTPUT=TAP timeout -s KILL 120 qemu-aarch64-static "$T" >"$T_TMP/tap" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok "arm64 (qemu-user): ${line#ok * - }" ;;
	"not ok "*) not_ok "arm64 (qemu-user): ${line#not ok * - }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$T_TMP/tap"
expect_eq "the arm64 unit test ran all its cases and exited 0" \
	"$rc/$(grep -c '^ok ' "$T_TMP/tap")" "0/$(sed -n 's/^1\.\.//p' "$T_TMP/tap")"
echo "1..$T_N"
