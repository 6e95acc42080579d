#!/bin/bash
# The VMM's option-list splitter (vmm/keyval.c) and the parsers on it
# (-fault, -object sev-guest, -serial unix:) under libFuzzer + ASan + UBSan
# for a bounded time (OPTIONS_FUZZ_SECONDS, default 20), from seeds of real
# and malformed lists. Fails on any crash, leak, sanitizer report or broken
# splitting property (tests/fuzz/fuzz-keyval.c).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fuzz-lib.bash"
fuzz_need options-fuzz "$BUILD/tests/fuzz/fuzz-keyval"
seed() { printf '%s' "$1" >"$FUZZ_CORPUS/$2"; }
seed 'ioctl=KVM_RUN,errno=EINTR,after=3,count=0,fd=vcpu,cpu=1' fault
seed 'ioctl,errno=,=,,,after=-1,fd=host' fault-bad
seed 'id=sev0,policy=0x5,cbitpos=47,reduced-phys-bits=1' sev
seed 'qom-type=sev-guest,id=,policy=4294967296,policy' sev-bad
seed '/tmp/s,server=on,wait=off' unix
seed ',server,,nowait,wait=maybe,=x' unix-bad
seed "$(head -c 1100 /dev/zero | tr '\0' 'a')" too-long
fuzz_run fuzz-keyval "${OPTIONS_FUZZ_SECONDS:-20}" 2048
echo "1..$T_N"
