#!/bin/bash
# tests/sockact-notify.t - libbro-sockact.so with BRO_SOCKACT_READY=notify:
# the server binds a stand-in in a network namespace of its own (as a
# --network=none container does) and takes the host's socket only when it
# says READY=1 through sd_notify(); a connection made before that waits in
# the host socket's backlog and is answered after, not refused. The
# message still reaches NOTIFY_SOCKET; epoll registrations follow the swap.
cd "$(dirname "$0")" && . ./lib.sh
require systemd-socket-activate python3 ss unshare
. ./sockact-lib.sh

# run_gated LABEL SERVER ARGS...: a gated start, checked step by step
run_gated() {
	local label=$1 d port c1; shift
	d=$(user_dir) port=$(free_port) c1=$T_TMP/c1.$label
	as_user mkfifo "$d/ready"
	user_bg python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
open(sys.argv[2], "wb").write(s.recv(4096))' "$d/notify.sock" "$d/notify.msg"
	wait_for 5 test -S "$d/notify.sock"
	sa_start "$port" unshare -rn sh -c 'ip link set lo up && exec env "$@"' sh \
		LD_PRELOAD="$SHIM" BRO_SOCKACT_READY=notify BRO_SOCKACT_DEBUG=1 \
		NOTIFY_SOCKET="$d/notify.sock" "$@" --ready-fifo "$d/ready" 127.0.0.1 "$port"
	sa_client "$port" tcp 20 >"$c1" &
	local cpid=$!
	sa_wait_log 5 '^listening'
	ok $? "$label: the server started on the first connection and listens"
	like "$(grep '^bro-sockact\[' "$SA_LOG")" "bind fd 4 127\.0\.0\.1:$port: stand-in bound" \
		"  on a stand-in of its own"
	wait_for 5 sh -c "ss -Htln 'sport = :$port' | awk '{print \$2}' | grep -qx 1"
	ok $? "  the first connection waits in the host socket's backlog (Recv-Q 1)"
	[ ! -s "$c1" ] && kill -0 "$cpid" 2>/dev/null
	ok $? "  unanswered, still connected"
	timeout 5 sh -c "echo go > '$d/ready'"
	wait "$cpid"
	like "$(cat "$c1")" "^peer 127\.0\.0\.7:[0-9]+$" "  after READY=1 the first connection is answered, not refused ($(cat "$c1"))"
	sa_wait_log 5 '^notified'
	like "$(grep '^bro-sockact\[' "$SA_LOG" | tr '\n' ' ')" "READY=1: fd 4 127\.0\.0\.1:$port: stand-in replaced by inherited fd 3" \
		"  the stand-in was replaced at READY=1"
	wait_for 5 test -s "$d/notify.msg"
	is "$(cat "$d/notify.msg" 2>/dev/null)" "READY=1" "  and the message went on to NOTIFY_SOCKET"
	like "$(grep '^notified' "$SA_LOG")" "^notified rc=1$" "  sd_notify() returned 1 (sent), as libsystemd's does"
	SA_PORT=$port
}

run_gated glibc-epoll "$SRV" --epoll --nonblock --count 2
like "$(grep '^bro-sockact\[' "$SA_LOG")" "fd 4: registered again with epoll fd 5" \
	"  glibc-epoll: the epoll registration was made again for the adopted socket"
like "$(sa_client "$SA_PORT")" "^peer 127\.0\.0\.7:" "  glibc-epoll: a second connection, after READY=1, answered through epoll"
sa_wait_log 5 '^served.*' && sa_stop

run_gated glibc-rebind "$SRV" --rebind --count 2
like "$(sa_client "$SA_PORT")" "^peer 127\.0\.0\.7:" "  glibc-rebind: a listener bound again after READY=1 answers on the host's socket"
sa_wait_log 5 '^rebound' >/dev/null
like "$(grep '^bro-sockact\[' "$SA_LOG" | tr '\n' ' ')" "stand-in replaced by inherited fd 3 .*bind fd 4 127\.0\.0\.1:$SA_PORT: adopted inherited fd 3" \
	"  adopted at once, no second stand-in (READY=1 was said)"
sa_stop

if [ -x "$SRV_MUSL" ]; then
	run_gated musl-poll "$SRV_MUSL"
	sa_stop
elif [ "$BRO_MUST_WORK" = 1 ]; then
	ok 1 "musl: $SRV_MUSL missing (musl-tools)"
fi
done_testing
