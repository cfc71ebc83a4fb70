#!/bin/bash
# bro-proxyd's limits: -c N holds exactly (client N+1 waits in the backlog
# and is served once one leaves), --exit-idle-time, 1,000 concurrent
# connections with no fd left behind, and out of fds (RLIMIT_NOFILE): the
# failures, as many as they come, logged at most once a second with a count.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxyd-lib.sh"
require systemd-socket-activate python3 ss
plan 17

# 1. -c 3: three held, the fourth waits, and gets in when one leaves
b=$(free_port); f=$(free_port)
server echo "127.0.0.1:$b"
proxy_activate -l "127.0.0.1:$f" -- -c 3 "127.0.0.1:$b"
"${PEERCMD[@]}" hold "127.0.0.1:$f" 2 --ready "$T_TMP/h1" & h1=$!
cleanup_add "kill $h1"
wait_for 10 test -e "$T_TMP/h1"
"${PEERCMD[@]}" hold "127.0.0.1:$f" 1 --ready "$T_TMP/h2" & h2=$!
cleanup_add "kill $h2"
wait_for 10 test -e "$T_TMP/h2"
is "$(cat "$T_TMP/h1" "$T_TMP/h2" | tr '\n' ' ')" "2 1 " "-c 3: three connections held"
"${PEERCMD[@]}" req "127.0.0.1:$f" --data fourth --half-close --timeout 10 > "$T_TMP/fourth" & r4=$!
cleanup_add "kill $r4"
sleep 1
is "$(conns "$b")" 3 "  the backend sees exactly 3 (a fourth waits)"
is "$(cat "$T_TMP/fourth")" "" "  the fourth client has no answer yet"
kill "$h2"
wait "$r4"
is "$(cat "$T_TMP/fourth")" "fourth<EOF>" "  one leaves: the fourth is served"
is "$(grep -c '^bro-proxyd:' "$PROXY_LOG")" 0 "  nothing was refused or logged"
kill "$h1"

# 2. --exit-idle-time: exits after the last connection, not during one
be=$(free_port); fe=$(free_port)
server echo "127.0.0.1:$be"
proxy_activate -l "127.0.0.1:$fe" -- --exit-idle-time=1s "127.0.0.1:$be"
"${PEERCMD[@]}" hold "127.0.0.1:$fe" 1 --ready "$T_TMP/h3" & h3=$!
cleanup_add "kill $h3"
wait_for 10 test -e "$T_TMP/h3"
sleep 2
kill -0 "$PROXY_PID"; ok $? "--exit-idle-time=1s: alive while a connection is open (2 s)"
kill "$h3"; t0=$(date +%s%N)
wait_exit 5
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$PROXY_STATUS" 0 "  exits with status 0 once idle"
ok "$([ $ms -ge 800 ] && [ $ms -lt 3000 ] && echo 0 || echo 1)" "  after about 1 s (${ms} ms)"

# 3. 1,000 concurrent connections, and the fds afterwards
bk=$(free_port); fk=$(free_port)
server echo "127.0.0.1:$bk"
proxy_activate -l "127.0.0.1:$fk" -- -c 2000 "127.0.0.1:$bk"
is "$(peer req "127.0.0.1:$fk" --data warm --half-close)" "warm<EOF>" "a first request"
before=$(nfds "$PROXY_PID")
"${PEERCMD[@]}" hold "127.0.0.1:$fk" 1000 --ready "$T_TMP/h4" & h4=$!
cleanup_add "kill $h4"
wait_for 40 test -e "$T_TMP/h4"
is "$(cat "$T_TMP/h4" 2>/dev/null)" 1000 "1000 concurrent connections, each echoed"
is "$(conns "$bk")" 1000 "  1000 backend connections open"
during=$(nfds "$PROXY_PID")
kill "$h4"
wait_for 10 sh -c "[ \$(ss -Htn state established 'dport = :$bk' | wc -l) = 0 ]"
# the proxy handles the last closes a moment later: a leak never gets back
# to the baseline, so wait (bounded) for it, then compare
fds_back() { [ "$(nfds "$PROXY_PID")" = "$before" ]; }
wait_for 10 fds_back
after=$(nfds "$PROXY_PID")
diag "fds: $before before, $during with 1000 connections, $after after"
is "$after" "$before" "  all closed: as many fds as before (no leak)"
kill "$PROXY_PID"

# 4. out of fds: 200 silent clients against RLIMIT_NOFILE 40 while the
# target is not up (--connect-timeout holds each client, one fd each, and
# retries). Once they have taken the fds, accept() fails with EMFILE every
# 100 ms and a retry's target socket fails too: one log line of each kind,
# then one a second saying how many more, never one per failure
bn=$(free_port); fn=$(free_port)
_proxy_start prlimit --nofile=40:40 "$PX" -c 200 --connect-timeout=60s \
	--listen "127.0.0.1:$fn" "127.0.0.1:$bn"
python3 - "127.0.0.1" "$fn" 200 "$T_TMP/flood" <<'PY' & flood=$!
# 200 clients that wait in silence (60 s at most)
import socket, sys, time
socks = []
for _ in range(int(sys.argv[3])):
    s = socket.socket(); s.setblocking(False)
    s.connect_ex((sys.argv[1], int(sys.argv[2]))); socks.append(s)
open(sys.argv[4], "w").write("ok\n")
time.sleep(60)
PY
cleanup_add "kill $flood"
wait_for 10 test -s "$T_TMP/flood"
# failures folded into the summary lines so far
folded() { sed -n 's/.*(\([0-9]*\) such lines in the last second.*/\1/p' "$PROXY_LOG" | awk '{ n += $1 } END { print n + 0 }'; }
many_folded() { [ "$(folded)" -ge 20 ]; }
wait_for 15 many_folded
ok $? "out of fds: failures keep coming, and are summed up ($(folded) not logged one by one)"
lines=$(grep -c 'Too many open files' "$PROXY_LOG")
ok $((lines > 40 || lines * 10 > $(folded))) "  the log stays small: $lines lines for $(folded) + $lines failures"
like "$(grep -m1 'Too many open files' "$PROXY_LOG")" '(accept|connect\(127.0.0.1:[0-9]+\)): Too many open files \((pausing 100 ms; )?raise LimitNOFILE= or lower -c' \
	"  the first says what failed and what to do"
like "$(grep -m1 'such lines' "$PROXY_LOG")" 'Too many open files .*\([1-9][0-9]* such lines in the last second, this one the last\)' \
	"  then how many more, once a second"
kill -0 "$PROXY_PID"
ok $? "  and the proxy keeps running"
done_testing
