# tests/sockact-lib.sh - shared by tests/sockact-*.t, sourced after lib.sh:
# the shim, the test servers, an activator and a client.
SHIM=$BRO_LIB/libbro-sockact.so
SRV=$BRO_TOOLS/sockact-server
SRV_MUSL=$BRO_TOOLS/sockact-server-musl
[ -r "$SHIM" ] || { echo "Bail out! $SHIM missing (make install puts it there)"; exit 1; }

# sa_start [-d] PORT CMD...: as the test user, systemd-socket-activate on
# 127.0.0.1:PORT (-d: a datagram socket) runs CMD on the first connection
# (or datagram) with the socket as fd 3; SA_PID is the activator, then CMD
# itself (it execs); SA_LOG its output
sa_start() {
	local dgram= proto=t
	[ "$1" = -d ] && { dgram=-d; proto=u; shift; }
	local port=$1; shift
	local d; d=$(user_dir)
	user_bg sh -c 'echo $$ > "$0" && exec "$@"' "$d/pid" \
		systemd-socket-activate $dgram -l "127.0.0.1:$port" "$@"
	SA_LOG=$BG_LOG
	wait_for 5 test -s "$d/pid"
	SA_PID=$(cat "$d/pid")
	cleanup_add "kill $SA_PID"
	wait_for 5 sh -c "ss -H${proto}ln 'sport = :$port' | grep -q ."
}

# sa_client PORT [tcp|udp] [TIMEOUT]: from 127.0.0.7 to 127.0.0.1:PORT, prints
# the server's answer ("peer ADDR:PORT") or "error ..."
sa_client() {
	python3 - "$@" <<'PY'
import socket, sys
port = int(sys.argv[1])
kind = sys.argv[2] if len(sys.argv) > 2 else "tcp"
wait = float(sys.argv[3]) if len(sys.argv) > 3 else 10
try:
    if kind == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.7", 0))
        s.settimeout(wait)
        s.sendto(b"hello", ("127.0.0.1", port))
        print(s.recv(200).decode().strip())
    else:
        s = socket.create_connection(("127.0.0.1", port), timeout=wait,
                                     source_address=("127.0.0.7", 0))
        print(s.recv(200).decode().strip() or "error closed without a word")
except OSError as e:
    print("error", e)
PY
}

# sa_wait_log SECONDS REGEX: until the activated program's log matches
sa_wait_log() { wait_for "$1" grep -Eq -- "$2" "$SA_LOG"; }

# sa_stop: end the activated program, and wait until it is gone
sa_stop() {
	kill "$SA_PID" 2>/dev/null
	wait_for 5 sh -c "! kill -0 $SA_PID"
}
