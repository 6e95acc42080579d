#!/bin/bash
# kvmscope record + report on the reboot guest: the run-state sequence and the
# reset causes read back from the capture exactly, and equal to what the VMM
# logs itself; every probe the run reaches is recorded with all probes
# attached at once (semaphores set); KVM ioctls pair with the VMM's probes;
# the three output formats are well formed.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
require_recorder

cap=$T_TMP/reboot.cap
timeout -s KILL 120 "$KVMSCOPE" record -o "$cap" -- "$VMM" -kernel "$GUESTS/reboot.elf" \
	-append "count=3 method=cf9" -serial null -trace 'runstate_set,qemu_system_reset*' \
	>"$T_TMP/rec.out" 2>"$T_TMP/rec.err"
expect_eq "record exits 0 after the VMM powers off" "$?" 0
expect_grep "summary line names records and 0 lost" "$T_TMP/rec.err" '^kvmscope record: [0-9]+ records .* 0 lost -> '
if grep -q 'not attached\|absent\|cannot' "$T_TMP/rec.err"; then
	not_ok "every probe and default tracepoint attached"; diag <"$T_TMP/rec.err"
else ok "every probe and default tracepoint attached"; fi

"$KVMSCOPE" report --format json "$cap" >"$T_TMP/rep.json" 2>"$T_TMP/rep.err"
expect_eq "report --format json exits 0" "$?" 0
expect_eq "report says nothing about the capture's health (clean end, nothing lost)" "$(cat "$T_TMP/rep.err")" ""
expect_eq "every JSON line parses" "$(jq -c . "$T_TMP/rep.json" >/dev/null 2>&1; echo $?)" 0

states=$(jq -r 'select(.name=="runstate_set") | "\(.args.current_state_str)>\(.args.new_state_str)"' "$T_TMP/rep.json" | tr '\n' ' ')
expect_eq "run-state sequence from the capture" "$states" "prelaunch>running running>shutdown "
# the VMM's own -trace log of the same run says the same
vmm_states=$(sed -n 's/.*runstate_set current_run_state [0-9]* (\([a-z-]*\)) new_state [0-9]* (\([a-z-]*\)).*/\1>\2/p' "$T_TMP/rec.err" | tr '\n' ' ')
expect_eq "run-state sequence equals the VMM's -trace log" "$states" "$vmm_states"
resets=$(jq -r 'select(.name=="qemu_system_reset" or .name=="qemu_system_reset_request") | "\(.name):\(.args.reason_str)"' "$T_TMP/rep.json" | tr '\n' ' ')
expect_eq "reset causes in order" "$resets" \
	"qemu_system_reset:none qemu_system_reset_request:guest-reset qemu_system_reset:guest-reset qemu_system_reset_request:guest-reset qemu_system_reset:guest-reset qemu_system_reset_request:guest-reset qemu_system_reset:guest-reset "
expect_eq "shutdown decision recorded with its cause and action" \
	"$(jq -r 'select(.name=="main_loop_should_exit_shutdown") | "\(.args.reason_str) \(.args.action)"' "$T_TMP/rep.json")" \
	"guest-shutdown poweroff (vmm exits)"

# all probes attached at once, yet each probe this run reaches fired (the
# semaphores were all set): the same list the bpftrace test checks one by one
seen=$(jq -r 'select(.kind=="probe") | .name' "$T_TMP/rep.json" | sort -u | tr '\n' ' ')
for p in runstate_set vm_state_notify qemu_system_reset_request qemu_system_reset kvm_ioctl \
	kvm_vm_ioctl kvm_vcpu_ioctl kvm_ioctl_exit kvm_run_exit kvm_init_vcpu qapi_event \
	guest_exit_request qemu_system_shutdown_request main_loop_should_exit_shutdown; do
	case " $seen " in *" $p "*) ok "probe $p recorded" ;; *) not_ok "probe $p recorded"; echo "seen: $seen" | diag ;; esac
done

# every VMM ioctl: entry probe, the kernel's syscall, then the exit probe, joined
jq -s -r '
  . as $ev
  | [ $ev[] | select(.kind=="probe" and .name=="kvm_ioctl_exit" and .link != null) ] as $exits
  | [ $exits[] | . as $x
      | ([ $ev[] | select(.kind=="ioctl" and .parent==$x.link) ] | first) as $sys
      | if $sys == null then "nosyscall \($x.args.name)"
        elif ($sys.ret|tostring) != ($x.args.ret|tostring) and ($x.args.ret >= 0) then "mismatch \($x.args.name) \($sys.ret) \($x.args.ret)"
        elif ($x.args.ret < 0) and ($sys.errno != $x.args.err) then "errno \($x.args.name)"
        elif ($sys.text | contains($x.args.name) | not) then "name \($x.args.name) \($sys.text)"
        else "ok" end ] | group_by(.) | map("\(.[0]) \(length)") | .[]' "$T_TMP/rep.json" >"$T_TMP/join.txt"
expect_eq "each kvm_ioctl_exit probe has its syscall (same request, same result) beneath its entry probe" \
	"$(grep -v '^ok ' "$T_TMP/join.txt")" ""
expect_grep "hundreds of ioctls joined" "$T_TMP/join.txt" '^ok [0-9]{3,}$'
expect_grep "KVM_RUN syscalls carry kvm events beneath them (depth 2)" "$T_TMP/rep.json" \
	'"depth":2,.*"kind":"kernel","system":"kvm","name":"kvm_userspace_exit"'
expect_grep "ioctl decoded by name with its result" "$T_TMP/rep.json" '"text":"ioctl\([0-9]+, KVM_CREATE_VM, 0x0\) = [0-9]+"'

"$KVMSCOPE" report --color=never "$cap" >"$T_TMP/rep.txt" 2>/dev/null
expect_grep "text: VMM ioctl with its name, then its syscall indented" "$T_TMP/rep.txt" \
	'^ +[0-9.]+ +[0-9]+ kvm_vcpu_ioctl cpu_index 0, type 0xae80, arg 0x0 \[KVM_RUN\]$'
expect_grep "text: syscall line beneath it" "$T_TMP/rep.txt" '^ +[0-9.]+ +[0-9]+   ioctl\([0-9]+, KVM_RUN, 0x0\) = 0 <'
expect_grep "text: kvm tracepoint decoded by its format (libtraceevent)" "$T_TMP/rep.txt" \
	'     kvm_userspace_exit: reason KVM_EXIT_IO \(2\)'
expect_eq "text without a tty has no colour" "$(grep -c $'\033' "$T_TMP/rep.txt")" 0
"$KVMSCOPE" report --color=always "$cap" 2>/dev/null | grep 'runstate_set' >"$T_TMP/color.txt"
expect_grep "run-state lines highlighted with --color=always" "$T_TMP/color.txt" $'^.*\033\\[1m.*runstate_set current_run_state 6 \\(prelaunch\\)'

"$KVMSCOPE" report --format chrome "$cap" >"$T_TMP/rep.chrome" 2>/dev/null
expect_eq "chrome trace is one JSON document" "$(jq -e '.traceEvents | length > 100' "$T_TMP/rep.chrome" 2>&1)" true
expect_eq "chrome trace names a track per thread (main + vCPU)" \
	"$(jq -r '[.traceEvents[] | select(.name=="thread_name") | .args.name] | sort | join(",")' "$T_TMP/rep.chrome")" \
	"CPU 0/KVM,kvmscope-vmm"
expect_eq "chrome slices nest: each ioctl syscall lies inside its VMM ioctl slice" \
	"$(jq '[.traceEvents[] | select(.ph=="X")] | length > 10' "$T_TMP/rep.chrome")" true
# the semaphores read back from the VMM after attaching: every one set
n=$(grep -c '^[a-z_0-9]*(' "$ROOT/probes/vmm.probes")
expect_grep "all $n probe semaphores read back as set" "$T_TMP/rep.txt" "^# capture: .*, probe semaphores set $n/$n\$"

# --- record --ftrace: both collectors into one capture; report shows one copy
timeout -s KILL 120 "$KVMSCOPE" record --ftrace -o "$T_TMP/both.cap" -- "$VMM" -kernel "$GUESTS/reboot.elf" \
	-append "count=1" -serial null >/dev/null 2>"$T_TMP/both.err"
expect_eq "record --ftrace exits 0" "$?" 0
expect_grep "the ftrace side reports its own counts" "$T_TMP/both.err" '^kvmscope record: ftrace: [1-9][0-9]* probes, [1-9][0-9]* kernel events, 0 lost$'
for src in bpf ftrace; do
	"$KVMSCOPE" report --source $src --format json "$T_TMP/both.cap" >"$T_TMP/both-$src.json" 2>/dev/null
	expect_eq "--source $src: only that collector's events, the same run states" \
		"$(jq -r 'select(.kind=="probe" or .kind=="ioctl" or .kind=="kernel") | .source' "$T_TMP/both-$src.json" | sort -u) $(jq -r 'select(.name=="runstate_set") | "\(.args.current_state_str)>\(.args.new_state_str)"' "$T_TMP/both-$src.json" | tr '\n' ' ')" \
		"$src prelaunch>running running>shutdown "
done
"$KVMSCOPE" report --format json "$T_TMP/both.cap" >"$T_TMP/both-default.json" 2>/dev/null
expect_eq "default: the BPF copy, each event once" "$(cat "$T_TMP/both-default.json" | md5sum)" "$(md5sum <"$T_TMP/both-bpf.json")"
n_bpf=$(jq -r 'select(.kind=="probe") | .source' "$T_TMP/both-bpf.json" | grep -c .)
expect_eq "--source all: both copies, as many probes from each" \
	"$("$KVMSCOPE" report --source all --format json "$T_TMP/both.cap" 2>/dev/null | jq -r 'select(.kind=="probe") | .source' | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')" \
	"bpf=$n_bpf ftrace=$n_bpf "

# -e naming a default kvm event, or one event twice: each recorded once, no complaint
"$KVMSCOPE" record -o "$T_TMP/dup.cap" -e kvm:kvm_pio -e kvm:kvm_emulate_insn -e kvm:kvm_emulate_insn -- \
	"$VMM" -kernel "$GUESTS/hello.elf" -serial null >/dev/null 2>"$T_TMP/dup.err"
expect_eq "record -e with a default and a repeated event exits 0" "$?" 0
expect_eq "... and says nothing is refused" "$(grep -c 'cannot attach' "$T_TMP/dup.err")" 0
"$KVMSCOPE" report --format json "$T_TMP/dup.cap" >"$T_TMP/dup.json" 2>/dev/null
expect_eq "... each kvm_pio once: as many as its kvm_userspace_exits for port I/O" \
	"$(jq -r 'select(.name=="kvm_pio") | .i' "$T_TMP/dup.json" | grep -c .)" \
	"$(jq -r 'select(.name=="kvm_userspace_exit" and (.text | test("IO"))) | .i' "$T_TMP/dup.json" | grep -c .)"
