#!/bin/bash
# What bro-proxyd does beyond systemd-socket-proxyd: --connect-timeout (a
# backend that starts late), --target NAME=TARGET by FileDescriptorName,
# --proxy-protocol v1/v2 read by a backend, UDP flows, --idle-timeout,
# --keepalive.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxyd-lib.sh"
require systemd-socket-activate python3 ss
plan 21

# 1. --connect-timeout: the backend comes up 2 s after the client
b=$(free_port); f=$(free_port)
proxy_activate -l "127.0.0.1:$f" -- --connect-timeout=10s "127.0.0.1:$b"
t0=$(date +%s%N)
"${PEERCMD[@]}" req "127.0.0.1:$f" --data late --half-close --timeout 10 > "$T_TMP/late" & r=$!
cleanup_add "kill $r"
# meanwhile the proxy retries the backend (from 1 ms on, doubling to 16
# ms: some 60 refused connects a second), each try's socket closed: its
# fd count a second in and two seconds in is the same
sleep 1
n1=999; for _ in 1 2 3 4 5; do n=$(nfds "$PROXY_PID"); [ "$n" -lt "$n1" ] && n1=$n; done
sleep 1
wait_for 5 sh -c "[ \$(ls /proc/$PROXY_PID/fd | wc -l) -le $n1 ]"
ok $? "  the refused tries while it waits leak no fd ($n1 open)"
server echo "127.0.0.1:$b"
wait "$r"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$(cat "$T_TMP/late")" "late<EOF>" "--connect-timeout: a backend 2 s late still gets the request"
ok "$([ $ms -ge 2000 ] && echo 0 || echo 1)" "  the client waited for it (${ms} ms)"
is "$(grep -c '^bro-proxyd:' "$PROXY_LOG")" 0 "  and the refusals meanwhile were not errors"
sock=$T_TMP/late.sock; fu=$(free_port)
proxy_activate -l "127.0.0.1:$fu" -- --connect-timeout=10s "$sock"
"${PEERCMD[@]}" req "127.0.0.1:$fu" --data unix --half-close --timeout 10 > "$T_TMP/lateu" & r=$!
cleanup_add "kill $r"
sleep 1
server echo "$sock"
wait "$r"
is "$(cat "$T_TMP/lateu")" "unix<EOF>" "  the same for a unix socket that does not exist yet (ENOENT)"
bn=$(free_port); fn=$(free_port)
proxy_activate -l "127.0.0.1:$fn" -- --connect-timeout=1s "127.0.0.1:$bn"
t0=$(date +%s%N)
out=$(peer req "127.0.0.1:$fn" --timeout 10)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$out" "<EOF>" "  a backend that never comes: the client is closed"
ok "$([ $ms -ge 900 ] && [ $ms -lt 2500 ] && echo 0 || echo 1)" "  after the timeout (${ms} ms)"
like "$(cat "$PROXY_LOG")" "connect\(127\.0\.0\.1:$bn\): Connection refused \(--connect-timeout reached\)" \
	"  and says so"

# 2. named sockets to their own targets; an unnamed one to the default
bw=$(free_port); bd=$(free_port); bo=$(free_port)
server hello "127.0.0.1:$bw" --name web
server hello "127.0.0.1:$bd" --name db
server hello "127.0.0.1:$bo" --name default
fw=$(free_port); fd=$(free_port); fo=$(free_port)
proxy_activate -l "127.0.0.1:$fw" -l "127.0.0.1:$fd" -l "127.0.0.1:$fo" --fdname=web:db:other -- \
	--target "web=127.0.0.1:$bw" --target "db=127.0.0.1:$bd" "127.0.0.1:$bo"
is "$(peer req "127.0.0.1:$fd" --half-close)" $'hello db\n<EOF>' "--target db=: the socket named db"
is "$(peer req "127.0.0.1:$fw" --half-close)" $'hello web\n<EOF>' "--target web=: the socket named web"
is "$(peer req "127.0.0.1:$fo" --half-close)" $'hello default\n<EOF>' "  another name: the default TARGET"

# 3. PROXY protocol, read by the backend
bp=$(free_port); fp1=$(free_port); fp2=$(free_port); fp6=$(free_port)
server proxy "127.0.0.1:$bp"
proxy_activate -l "127.0.0.1:$fp1" -- --proxy-protocol=v1 "127.0.0.1:$bp"
like "$(peer req "127.0.0.1:$fp1" --data after --half-close)" \
	"^v1 PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 [0-9]+ $fp1"$'\n'"after<EOF>$" \
	"--proxy-protocol=v1: the backend reads the client's address, then the data"
proxy_activate -l "127.0.0.1:$fp2" -- --proxy-protocol=v2 "127.0.0.1:$bp"
like "$(peer req "127.0.0.1:$fp2" --data after --half-close)" \
	"^v2 0x21 TCP4 127\.0\.0\.1 127\.0\.0\.1 [0-9]+ $fp2"$'\n'"after<EOF>$" \
	"--proxy-protocol=v2: the same in binary"
proxy_activate -l "[::1]:$fp6" -- --proxy-protocol=v2 "127.0.0.1:$bp"
like "$(peer req "[::1]:$fp6" --data six --half-close)" \
	"^v2 0x21 TCP6 ::1 ::1 [0-9]+ $fp6"$'\n'"six<EOF>$" "  and for an IPv6 client"

# 4. UDP: two clients, each gets its own answers; flows end when idle
bu=$(free_port); fu=$(free_port)
server udp-echo "127.0.0.1:$bu" --log "$T_TMP/udp.log"
proxy_activate -d -l "127.0.0.1:$fu" -- --udp-idle-timeout=1s "127.0.0.1:$bu"
"${PEERCMD[@]}" udp "127.0.0.1:$fu" one > "$T_TMP/udp1" & u1=$!
out2=$(peer udp "127.0.0.1:$fu" two)
wait "$u1"
is "$(cat "$T_TMP/udp1") $out2" "echo:one echo:two" \
	"UDP: two clients at once, each gets its answer through the proxy"
is "$(peer udp "127.0.0.1:$fu" three)" "echo:three" "  and a third one"
is "$(sort -u "$T_TMP/udp.log" | wc -l)" 3 "  each client is a flow of its own at the backend"
before=$(nfds "$PROXY_PID")
wait_for 10 sh -c "[ \$(ls /proc/$PROXY_PID/fd | wc -l) -lt $before ]"
after=$(nfds "$PROXY_PID")
ok "$([ "$after" -lt "$before" ] && echo 0 || echo 1)" "  flows closed after --udp-idle-timeout ($before fds, then $after)"

# 5. --idle-timeout: a silent connection is closed
bi=$(free_port); fidle=$(free_port)
server echo "127.0.0.1:$bi"
proxy_activate -l "127.0.0.1:$fidle" -- --idle-timeout=1s "127.0.0.1:$bi"
t0=$(date +%s%N)
out=$(peer req "127.0.0.1:$fidle" --data x --timeout 10)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$out" "x<EOF>" "--idle-timeout=1s: an idle connection is closed"
ok "$([ $ms -ge 900 ] && [ $ms -lt 3000 ] && echo 0 || echo 1)" "  after about 1 s (${ms} ms)"

# 6. --keepalive on both sockets
bk=$(free_port); fk=$(free_port)
server echo "127.0.0.1:$bk"
proxy_activate -l "127.0.0.1:$fk" -- --keepalive "127.0.0.1:$bk"
"${PEERCMD[@]}" hold "127.0.0.1:$fk" 1 --ready "$T_TMP/hk" & h=$!
cleanup_add "kill $h"
wait_for 10 test -e "$T_TMP/hk"
is "$(ss -Htno state established "( sport = :$fk or dport = :$bk )" | grep -c 'timer:(keepalive')" 2 \
	"--keepalive: keepalive timers on the client and the backend socket"
done_testing
