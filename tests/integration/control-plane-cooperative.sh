#!/bin/bash
# kvmscope-domain with a cooperative guest agent: reboot and shutdown go
# through guest-shutdown and never need system_powerdown; a guest power-off
# ends the domain; destroy escalates to SIGKILL when SIGTERM is not enough;
# libvirt's domain log lines; bad input is named.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/control-plane-lib.bash"
need_domain "control plane"
LOG=$DOM/vm.log
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+0000'

# --- reboot through the agent ----------------------------------------------
domain_start "" --agent-timeout 5 --powerdown-timeout 5
expect_eq "status of a running domain" "$("$DOMAIN" status "$DOM" | cut -d' ' -f1-2)" "ok running"
reply=$("$DOMAIN" reboot "$DOM")
expect_eq "reboot: the domain went down by the guest's own shutdown" \
	"$(echo "$reply" | cut -d, -f1)" "ok reboot: domain went down by shutdown"
check "reboot: the agent was in sync, then guest-shutdown powerdown, in that order" \
	in_order "$STORY" 'agent: in sync' 'agent: sent \{"execute":"guest-shutdown","arguments":\{"mode":"powerdown"\}\}' \
	'^guest: guest-shutdown called, mode: powerdown$' \
	'"event": "SHUTDOWN", "data": \{"guest": true, "reason": "guest-shutdown"\}' \
	"terminating on signal 15 from pid $DAEMON_PID \\(.*kvmscope-domain\\)" \
	'"reason": "host-signal"' "^$TS: shutting down, reason=shutdown$" "^$TS: starting up "
expect_eq "reboot: no system_powerdown was needed" "$(grep -c system_powerdown "$STORY")" 0
check "reboot: the guest is up again" story_has '^guest: agent on COM2' 2
new_pid=$(echo "$reply" | sed -n 's/.*pid \([0-9]*\)$/\1/p')
expect_eq "status names the new VMM pid" "$("$DOMAIN" status "$DOM")" "ok running pid $new_pid"

# --- control errors ----------------------------------------------------------
"$DOMAIN" fly "$DOM" >/dev/null 2>"$T_TMP/e1"
expect_grep "unknown subcommand is named" "$T_TMP/e1" "unknown command 'fly'"
if command -v socat >/dev/null; then
	expect_eq "unknown control line: an error naming it" \
		"$(timeout 10 socat - "UNIX-CONNECT:$DOM/control.sock" <<<"jump" 2>/dev/null)" \
		"error: unknown command 'jump' (reboot, shutdown, destroy, status, console TEXT)"
else
	skip "unknown control line: socat not installed"
fi

# --- shutdown: the domain ends ---------------------------------------------
expect_eq "shutdown through the agent" "$("$DOMAIN" shutdown "$DOM")" "ok shutdown: shutdown"
domain_end
expect_eq "the daemon ends with the domain, status 0" "$DAEMON_RC" 0
check "no control socket is left behind" test ! -e "$DOM/control.sock"
expect_eq "domain log: two starts" "$(grep -cE "^$TS: starting up kvmscope-domain version: [^,]+, qemu version: .+, kernel: .+, hostname: .+$" "$LOG")" 2
expect_eq "domain log: two stops, both reason=shutdown" "$(grep -cE "^$TS: shutting down, reason=shutdown$" "$LOG")" 2
expect_grep "domain log: the VMM's command line follows the start line" "$LOG" \
	'kvmscope-vmm -name vm -qmp unix:.*/qmp.sock,server,nowait -no-shutdown -msg timestamp=on -kernel '
expect_grep "domain log: the VMM's stderr, with -msg timestamps" "$LOG" \
	'^[0-9-]{10}T[0-9:.]{15}Z kvmscope-vmm: terminating on signal 15 from pid'
expect_eq "domain log: no QMP events (libvirt logs none)" "$(grep -c '"event"' "$LOG")" 0

# --- the guest powers off by itself ---------------------------------------
domain_start ""
expect_eq "console line typed" "$("$DOMAIN" console "$DOM" poweroff)" "ok typed on the console"
domain_end
expect_eq "guest power-off: the daemon ends, status 0" "$DAEMON_RC" 0
check "guest power-off: SHUTDOWN, SIGTERM from the daemon, reason=shutdown" \
	in_order "$STORY" '^guest: powering off$' '"reason": "guest-shutdown"' \
	'sending SIGTERM' "terminating on signal 15 from pid $DAEMON_PID " "shutting down, reason=shutdown$"

# --- destroy: SIGTERM, then SIGKILL for a VMM that cannot take it --------
domain_start "" --kill-timeout 0.5
vmm_pid=$("$DOMAIN" status "$DOM" | sed -n 's/^ok running pid //p')
kill -STOP "$vmm_pid"
expect_eq "destroy" "$("$DOMAIN" destroy "$DOM")" "ok destroyed"
domain_end
check "destroy: SIGTERM, SIGKILL after the kill timeout, reason=destroyed" \
	in_order "$STORY" "sending SIGTERM to VMM pid $vmm_pid" "still there after 500 ms: SIGKILL" \
	"VMM pid $vmm_pid ended: killed by signal 9" "shutting down, reason=destroyed$"

# --- one daemon per directory; a signal to the daemon destroys the domain --
domain_start ""
"$DOMAIN" run --dir "$DOM" --name vm -- -S >"$T_TMP/second.out" 2>&1
expect_eq "a second daemon on the same directory is refused" "$?" 1
expect_grep "a second daemon: named" "$T_TMP/second.out" "a daemon already serves .*/control.sock"
expect_eq "the first one still answers" "$("$DOMAIN" status "$DOM" | cut -d' ' -f1-2)" "ok running"
kill -TERM "$DAEMON_PID"
domain_end
expect_eq "SIGTERM to the daemon: it ends, status 0" "$DAEMON_RC" 0
check "SIGTERM to the daemon: the domain is destroyed" \
	in_order "$STORY" "got signal 15: destroying the domain" "sending SIGTERM to VMM" \
	"shutting down, reason=destroyed$"

# --- a VMM that cannot start -----------------------------------------------
mkdir -p "$DOM"
timeout 30 "$DOMAIN" run --dir "$DOM" -- -bogus-option >"$STORY" 2>&1
expect_eq "a VMM that fails to start: status 1" "$?" 1
check "a VMM that fails to start: its error, then reason=failed" \
	in_order "$STORY" "invalid option|bogus" "shutting down, reason=failed$"

# --- bad options -------------------------------------------------------------
"$DOMAIN" run --dir "$DOM" --agent-timeout soon -- -S >/dev/null 2>"$T_TMP/e2"
expect_grep "bad seconds are named" "$T_TMP/e2" "--agent-timeout: bad number of seconds 'soon'"
"$DOMAIN" run -- -S >/dev/null 2>"$T_TMP/e3"
expect_grep "--dir is required" "$T_TMP/e3" "--dir is required"
"$DOMAIN" run --dir "$DOM" --colour red -- -S >/dev/null 2>"$T_TMP/e4"
expect_grep "unknown option is named" "$T_TMP/e4" "unknown option '--colour'"
"$DOMAIN" run --dir "$T_TMP/nowhere" -- -S >/dev/null 2>"$T_TMP/e5"
expect_grep "a missing directory is named" "$T_TMP/e5" "nowhere: No such file or directory"
"$DOMAIN" reboot "$T_TMP/nowhere" >/dev/null 2>"$T_TMP/e6"
expect_grep "no daemon: named" "$T_TMP/e6" "no domain daemon on .*nowhere/control.sock"
