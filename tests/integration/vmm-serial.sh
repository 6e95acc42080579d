#!/bin/bash
# Serial backends: a guest reads from COM1 over a unix socket; file: output;
# COM2; a slow reader loses nothing.
. "$(dirname "$0")/../lib.sh"
if ! have_kvm; then skip "serial: /dev/kvm not usable"; exit 0; fi
if ! command -v socat >/dev/null; then skip "serial: socat not installed"; exit 0; fi

sock=$T_TMP/com1.sock
timeout 60 "$VMM" -kernel "$GUESTS/hello.elf" -append "echo=1" -serial "unix:$sock,server,nowait" \
	</dev/null >"$T_TMP/echo.out" 2>"$T_TMP/echo.err" &
pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
expect_eq "unix server socket is mode 0600" "$(stat -c %a "$sock")" 600
# 40 bytes: more than the 16-byte FIFO, so the backend must wait for the guest
msg="abcdefghijklmnoprstuvwxyz0123456789ABCDq" # only the last byte is q
( printf '%s' "$msg"; sleep 5 ) | timeout 30 socat -t 5 - "UNIX-CONNECT:$sock" >"$T_TMP/echo.sock" 2>/dev/null
wait $pid
expect_eq "echo guest powered off after reading 'q'" "$?" 0
got=$(grep -o "^guest: got '.'" "$T_TMP/echo.sock" | sed "s/guest: got '\(.\)'/\1/" | tr -d '\n')
expect_eq "every byte sent reached the guest, in order (FIFO backpressure)" "$got" "${msg%q}"

# a second peer connecting while the first is attached waits in the backlog
# (QEMU's socket chardev), then is served once the first goes away
sock2=$T_TMP/com1b.sock
timeout 60 "$VMM" -kernel "$GUESTS/hello.elf" -append "echo=1" -serial "unix:$sock2,server,nowait" \
	</dev/null >"$T_TMP/two.out" 2>"$T_TMP/two.err" &
pid=$!
for _ in $(seq 50); do [ -S "$sock2" ] && break; sleep 0.1; done
( printf 'ab'; sleep 2 ) | timeout 30 socat -t 1 - "UNIX-CONNECT:$sock2" >"$T_TMP/first.sock" 2>/dev/null &
first=$!
sleep 0.5
( printf 'cdq'; sleep 5 ) | timeout 30 socat -t 5 - "UNIX-CONNECT:$sock2" >"$T_TMP/second.sock" 2>/dev/null
wait $first
wait $pid
expect_eq "second peer served after the first left: guest read its 'q'" "$?" 0
got=$(cat "$T_TMP/first.sock" "$T_TMP/second.sock" | grep -o "^guest: got '.'" | sed "s/guest: got '\(.\)'/\1/" | tr -d '\n')
expect_eq "both peers' bytes reached the guest, in order" "$got" "abcd"

vmm file -kernel "$GUESTS/hello.elf" -serial "file:$T_TMP/com1.txt"
expect_grep "file: backend receives COM1 output" "$T_TMP/com1.txt" '^guest: hello from kvmscope guest$'
expect_eq "file: backend: nothing on stdout" "$(wc -c <"$T_TMP/file.out")" 0

vmm null -kernel "$GUESTS/hello.elf" -serial null
expect_eq "null backend: guest still runs to power-off" "$(rc null)" 0
