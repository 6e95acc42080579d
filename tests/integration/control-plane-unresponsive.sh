#!/bin/bash
# kvmscope-domain with an unresponsive guest agent: the reboot escalates to
# system_powerdown after the agent timeout, and to SIGTERM after the
# powerdown timeout when the guest ignores the button too; a guest that
# honours the button ends on the ACPI path. Then the whole seed story.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/control-plane-lib.bash"
need_domain "control plane (unresponsive agent)"
LOG=$DOM/vm.log

# --- agent hung, power button ignored: destroyed and started again ---------
# (2 s for the powerdown: time for a loaded host to let the guest see the button)
domain_start "hang=1 powerbutton=ignore" --agent-timeout 0.5 --powerdown-timeout 2 --sync-timeout 0.5
reply=$("$DOMAIN" reboot "$DOM")
expect_eq "reboot: the domain had to be destroyed" "$(echo "$reply" | cut -d, -f1)" \
	"ok reboot: domain went down by destroyed"
check "reboot: sync fails, guest-shutdown, system_powerdown, POWERDOWN, SIGTERM, restart, in order" \
	in_order "$STORY" 'agent: no reply to guest-sync-delimited in 500 ms' \
	'agent: sent \{"execute":"guest-shutdown","arguments":\{"mode":"powerdown"\}\}' \
	'waiting 500 ms for the guest to shut down' \
	'qmp: sent \{"execute": "system_powerdown"\}' '"event": "POWERDOWN"' \
	"terminating on signal 15 from pid $DAEMON_PID \\(.*kvmscope-domain\\)" \
	'"event": "SHUTDOWN", "data": \{"guest": false, "reason": "host-signal"\}' \
	'shutting down, reason=destroyed$' 'starting up kvmscope-domain' '^guest: agent on COM2'
# The guest's console lines carry no time, so the story cannot order one
# against a QMP event read in the same turn; they are checked against the
# daemon's own lines, which are written as they happen.
check "reboot: the guest saw the power button after system_powerdown was sent (and ignored it)" \
	in_order "$STORY" 'qmp: sent \{"execute": "system_powerdown"\}' '^guest: ignoring power button$'
expect_eq "reboot: the guest never ran guest-shutdown" "$(grep -c 'guest-shutdown called' "$STORY")" 0
check "domain log: destroyed, then started again" in_order "$LOG" 'starting up' \
	'terminating on signal 15' 'shutting down, reason=destroyed$' 'starting up'
expect_eq "shutdown of the restarted domain: destroyed again" "$("$DOMAIN" shutdown "$DOM")" \
	"ok shutdown: destroyed"
domain_end
expect_eq "the daemon ends, status 0" "$DAEMON_RC" 0

# --- agent hung, power button honoured: the ACPI path ----------------------
domain_start "hang=1" --agent-timeout 0.5 --powerdown-timeout 10 --sync-timeout 0.5
reply=$("$DOMAIN" reboot "$DOM")
expect_eq "reboot: system_powerdown was enough" "$(echo "$reply" | cut -d, -f1)" \
	"ok reboot: domain went down by shutdown"
check "reboot: POWERDOWN, the guest powers off, SHUTDOWN guest-shutdown, reason=shutdown" \
	in_order "$STORY" 'qmp: sent \{"execute": "system_powerdown"\}' '^guest: power button pressed$' \
	'"event": "SHUTDOWN", "data": \{"guest": true, "reason": "guest-shutdown"\}' \
	'shutting down, reason=shutdown$' 'starting up kvmscope-domain' '^guest: agent on COM2'
check "reboot: POWERDOWN between system_powerdown and the guest's SHUTDOWN" \
	in_order "$STORY" 'qmp: sent \{"execute": "system_powerdown"\}' '"event": "POWERDOWN"' \
	'"event": "SHUTDOWN", "data": \{"guest": true, "reason": "guest-shutdown"\}'
"$DOMAIN" destroy "$DOM" >/dev/null
domain_end

# --- the seed story ---------------------------------------------------------
BUILD=$BUILD timeout 120 "$ROOT/scripts/repro-cpus-not-resettable.sh" --agent-timeout 0.5 \
	--powerdown-timeout 0.5 --keep "$T_TMP/repro" >"$T_TMP/repro.out" 2>&1
expect_eq "repro-cpus-not-resettable.sh succeeds" "$?" 0
expect_eq "repro: all 11 milestones found in order" "$(grep -c '^  ok ' "$T_TMP/repro.out")" 11
expect_grep "repro: the restarted confidential VM ends with cpus are not resettable" \
	"$T_TMP/repro/confidential-vm.log" 'Z kvmscope-vmm: cpus are not resettable, terminating$'
