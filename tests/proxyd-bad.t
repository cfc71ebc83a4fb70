#!/bin/bash
# Bad input to bro-proxyd: a bad TARGET or option, no sockets, a LISTEN fd
# that is not a (listening) socket, garbage in LISTEN_FDS/LISTEN_PID/
# LISTEN_FDNAMES, a --target naming no socket. Each must give exactly one
# clear line on stderr and a non-zero exit, at once: no hang, no crash.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxyd-lib.sh"
require systemd-socket-activate python3 timeout
plan 56

# bad WANT-STATUS REGEX DESCRIPTION CMD...: run as the test user within 5 s
bad() {
	local want=$1 re=$2 desc=$3 out st; shift 3
	out=$(T_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-}" as_user timeout 5 "$@" 2>&1 >/dev/null); st=$?
	is "$st" "$want" "$desc: exit status $want"
	is "$(printf '%s\n' "$out" | grep -c .)" 1 "  one line"
	like "$out" "$re" "  saying why"
}

bad 64 "bad TARGET '::1:80'.*\[IPv6\]:PORT" "IPv6 TARGET without brackets" "$PX" ::1:80
bad 64 "bad TARGET '/$(printf 'x%.0s' $(seq 1 120))'" "unix path too long" \
	"$PX" "/$(printf 'x%.0s' $(seq 1 120))"
bad 64 "bad TARGET '127.0.0.1:99999'" "port out of range" "$PX" 127.0.0.1:99999
bad 64 "not enough parameters" "no TARGET" "$PX"
bad 64 "too many parameters" "two TARGETs" "$PX" 127.0.0.1:1 127.0.0.1:2
bad 64 "connections-max=0" "-c 0" "$PX" -c 0 127.0.0.1:1
bad 64 "exit-idle-time=forever" "a bad time span" "$PX" --exit-idle-time=forever 127.0.0.1:1
bad 1 "no sockets" "no sockets passed and no --listen" "$PX" 127.0.0.1:1
bad 1 "fd 3 from LISTEN_FDS: not a socket" "LISTEN fd 3 is a file" \
	sh -c 'exec env LISTEN_FDS=1 "$0" 127.0.0.1:1 3</etc/hostname' "$PX"
bad 1 "LISTEN_FDS=abc" "LISTEN_FDS=abc" env LISTEN_FDS=abc "$PX" 127.0.0.1:1
bad 1 "LISTEN_FDS=99999" "LISTEN_FDS=99999" env LISTEN_FDS=99999 "$PX" 127.0.0.1:1
bad 1 "fd 4 from LISTEN_FDS.*Bad file descriptor" "LISTEN_FDS=2, fd 4 not open" \
	python3 -c 'import socket, os, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
os.execve(sys.argv[1], sys.argv[1:], {"LISTEN_FDS": "2"})' "$PX" 127.0.0.1:1
bad 1 "LISTEN_PID=1 is not our PID" "LISTEN_PID of another process" \
	env LISTEN_FDS=1 LISTEN_PID=1 "$PX" 127.0.0.1:1
bad 1 "not listening" "a connected stream socket (Accept=yes)" \
	python3 -c 'import socket, os, sys
a, b = socket.socketpair(); os.dup2(a.fileno(), 3); os.set_inheritable(3, True)
os.execve(sys.argv[1], sys.argv[1:], {"LISTEN_FDS": "1"})' "$PX" 127.0.0.1:1
bad 1 "LISTEN_FDNAMES=a:b: expected 1 names" "two names for one fd" \
	python3 -c 'import socket, os, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
os.execve(sys.argv[1], sys.argv[1:], {"LISTEN_FDS": "1", "LISTEN_FDNAMES": "a:b"})' "$PX" 127.0.0.1:1
f=$(free_port)
bad 64 "--target db=127.0.0.1:1: no socket is named db" "--target naming no socket" \
	python3 -c 'import socket, os, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
os.execve(sys.argv[1], sys.argv[1:], {"LISTEN_FDS": "1", "LISTEN_FDNAMES": "web"})' \
	"$PX" --target db=127.0.0.1:1 127.0.0.1:2
bad 64 "no --target web=" "a socket with no target" \
	python3 -c 'import socket, os, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
os.execve(sys.argv[1], sys.argv[1:], {"LISTEN_FDS": "1", "LISTEN_FDNAMES": "web"})' \
	"$PX" --target db=127.0.0.1:1 --listen db=127.0.0.1:$f
bad 1 "bind\(--listen /nonexistent/x.sock\): No such file or directory" \
	"--listen where it cannot" "$PX" --listen /nonexistent/x.sock 127.0.0.1:2

# and the proxy that does start answers --help and --version
out=$(as_user "$PX" --help); st=$?
ok $st "--help exits 0"
like "$out" "connections-max" "  and documents -c"
done_testing
