# tests/proxyd-lib.sh - helpers for the bro-proxyd tests (source after lib.sh)
#
#   server KIND ADDR [OPTS]   a tools/proxyd-peer.py server, as root; waits
#                             until it listens; SERVER_PID
#   peer ARGS...              a proxyd-peer.py client (a function: in the
#                             background use "${PEERCMD[@]}" ARGS... & so
#                             that $! is python itself)
#   proxy_activate SSA-ARGS... -- PROXYD-ARGS...
#                             bro-proxyd under systemd-socket-activate, as
#                             the test user; PROXY_PID, PROXY_LOG, PROXY_JOB
#   proxy_run PROXYD-ARGS...  bro-proxyd alone (with --listen), the same
#   nfds PID                  how many fds PID has open
#   conns PORT                established TCP connections to loopback PORT
PEER="$(cd "$(dirname "$0")" && pwd)/tools/proxyd-peer.py"
PX=$BRO_BIN/bro-proxyd

server() {
	local kind=$1 addr=$2 r="$T_TMP/ready.$RANDOM$RANDOM"; shift 2
	python3 "$PEER" serve "$kind" "$addr" --ready "$r" "$@" </dev/null >/dev/null 2>&1 &
	SERVER_PID=$!
	cleanup_add "kill $SERVER_PID"
	wait_for 10 test -e "$r" || diag "server $kind $addr did not start"
}

PEERCMD=(python3 "$PEER")
peer() { python3 "$PEER" "$@"; }

_proxy_start() {
	local d; d=$(user_dir)
	PROXY_LOG=$d/log
	# under ASan, pass ASAN_OPTIONS through runuser's env -i
	T_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-}" as_user sh -c 'echo $$ > "$0/pid"; exec "$@"' \
		"$d" "$@" </dev/null >"$PROXY_LOG" 2>&1 &
	PROXY_JOB=$!
	wait_for 5 test -s "$d/pid"
	PROXY_PID=$(cat "$d/pid")
	cleanup_add "kill -9 $PROXY_PID"
	# listening (systemd-socket-activate execs bro-proxyd at the first
	# connection, bro-proxyd --listen binds at start)
	wait_for 5 sh -c "ss -Hanp | grep -q 'pid=$PROXY_PID,'"
}

proxy_activate() {
	local act=()
	while [ "$1" != "--" ]; do act+=("$1"); shift; done
	shift
	[ -n "${ASAN_OPTIONS:-}" ] && act+=(-E ASAN_OPTIONS)
	_proxy_start systemd-socket-activate "${act[@]}" "$PX" "$@"
}

proxy_run() {
	_proxy_start "$PX" "$@"
}

nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

conns() { ss -Htn state established "dport = :$1" | wc -l; }

# wait_exit SECONDS: wait for the proxy to exit; its status in PROXY_STATUS
wait_exit() {
	wait_for "$1" sh -c "! kill -0 $PROXY_PID 2>/dev/null" || { PROXY_STATUS=timeout; return 1; }
	wait "$PROXY_JOB"; PROXY_STATUS=$?
}
