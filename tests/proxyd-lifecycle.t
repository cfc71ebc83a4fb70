#!/bin/bash
# bro-proxyd's life under a service manager: sd_notify READY=1/STATUS=/
# STOPPING=1 on NOTIFY_SOCKET, and SIGTERM: stop accepting, let open
# connections finish (up to --drain-timeout), exit 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxyd-lib.sh"
require systemd-socket-activate python3 ss
plan 12

# 1. sd_notify, then a drain that completes
d=$(user_dir); nlog=$T_TMP/notify.log
"${PEERCMD[@]}" notify "$d/notify.sock" "$nlog" & n=$!
cleanup_add "kill $n"
wait_for 5 test -S "$d/notify.sock"
b=$(free_port); f=$(free_port)
server echo "127.0.0.1:$b"
proxy_activate -l "127.0.0.1:$f" -E "NOTIFY_SOCKET=$d/notify.sock" -- --drain-timeout=10s "127.0.0.1:$b"
is "$(peer req "127.0.0.1:$f" --data one --half-close)" "one<EOF>" "a request"
wait_for 5 grep -q READY=1 "$nlog"
like "$(cat "$nlog")" "^READY=1 STATUS=Forwarding 1 sockets to 127\.0\.0\.1:$b" \
	"READY=1 and STATUS= on NOTIFY_SOCKET"
# a client mid-request when SIGTERM comes: it sends, pauses 1.5 s, sends again
"${PEERCMD[@]}" req "127.0.0.1:$f" --data slow --pause 1.5 --half-close --timeout 10 > "$T_TMP/slow" & r=$!
cleanup_add "kill $r"
wait_for 5 sh -c "[ \$(ss -Htn state established 'dport = :$b' | wc -l) = 1 ]"
kill -TERM "$PROXY_PID"
wait_for 5 grep -q STOPPING=1 "$nlog"
like "$(tail -1 "$nlog")" "^STOPPING=1 STATUS=Draining 1 connections" "SIGTERM: STOPPING=1"
is "$(peer req "127.0.0.1:$f" --data new --timeout 2)" "<CONNECT Connection refused>" \
	"  new connections are refused at once"
kill -0 "$PROXY_PID"; ok $? "  the proxy waits for the open connection"
wait "$r"
is "$(cat "$T_TMP/slow")" "slowslow<EOF>" "  which completes"
wait_exit 5
is "$PROXY_STATUS" 0 "  then the proxy exits 0"

# 2. a connection that does not end: --drain-timeout ends it
b2=$(free_port); f2=$(free_port)
server echo "127.0.0.1:$b2"
proxy_activate -l "127.0.0.1:$f2" -- --drain-timeout=1s "127.0.0.1:$b2"
"${PEERCMD[@]}" hold "127.0.0.1:$f2" 1 --ready "$T_TMP/h" & h=$!
cleanup_add "kill $h"
wait_for 10 test -e "$T_TMP/h"
t0=$(date +%s%N)
kill -TERM "$PROXY_PID"
wait_exit 5
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$PROXY_STATUS" 0 "--drain-timeout=1s: exits 0"
ok "$([ $ms -ge 900 ] && [ $ms -lt 2500 ] && echo 0 || echo 1)" "  after the drain timeout (${ms} ms)"
is "$(conns "$b2")" 0 "  and the held connection is closed"

# 3. a second SIGTERM ends the drain at once
b3=$(free_port); f3=$(free_port)
server echo "127.0.0.1:$b3"
proxy_activate -l "127.0.0.1:$f3" -- --drain-timeout=30s "127.0.0.1:$b3"
"${PEERCMD[@]}" hold "127.0.0.1:$f3" 1 --ready "$T_TMP/h3" & h3=$!
cleanup_add "kill $h3"
wait_for 10 test -e "$T_TMP/h3"
kill -TERM "$PROXY_PID"; sleep 0.3
kill -0 "$PROXY_PID"; ok $? "one SIGTERM: draining"
kill -TERM "$PROXY_PID"
wait_exit 2
is "$PROXY_STATUS" 0 "  a second: exits at once, status 0"
done_testing
