#!/bin/bash
# tests/sockact-basic.t - libbro-sockact.so (LD_PRELOAD) in a server that
# knows nothing of socket activation, under systemd-socket-activate, as the
# test user: the server adopts the inherited socket at bind() (glibc and
# musl builds, stream and datagram), sees the client's own address, keeps
# its own fd flags; unmatched binds, other processes (LISTEN_PID, a forked
# child) and bad options are left alone.
cd "$(dirname "$0")" && . ./lib.sh
require systemd-socket-activate python3 ss unshare
. ./sockact-lib.sh

# the shim: no libc, only its API exported
und=$(nm -D --undefined-only "$SHIM" 2>&1 | awk '{print $NF}' | tr '\n' ' ')
is "$und" "__errno_location " "the shim needs nothing but errno's address (no libc linked)"
ok "$(readelf -d "$SHIM" | grep -q NEEDED && echo 1 || echo 0)" "  and names no library it needs"

# 1. glibc server, wildcard bind, non-blocking close-on-exec socket, a child
#    that binds the same port first
port=$(free_port)
sa_start "$port" env LD_PRELOAD="$SHIM" BRO_SOCKACT_DEBUG=1 \
	"$SRV" --fork-bind --nonblock --cloexec --count 2 0.0.0.0 "$port"
got=$(sa_client "$port")
like "$got" "^peer 127\.0\.0\.7:[0-9]+$" "glibc: the server answers on the host's socket and sees the client's own address ($got)"
sa_wait_log 5 '^served'
like "$(grep '^bound' "$SA_LOG")" "^bound fd=4 local=127\.0\.0\.1:$port nonblock=1 cloexec=1$" \
	"  bind(0.0.0.0:$port) took the inherited 127.0.0.1:$port, keeping O_NONBLOCK and FD_CLOEXEC"
like "$(grep '^child-bind' "$SA_LOG")" "^child-bind error Address already in use$" \
	"  a forked child's bind of the same port goes to the kernel (not LISTEN_PID)"
like "$(grep '^bro-sockact\[' "$SA_LOG" | tr '\n' ' ')" "bind fd 4 0\.0\.0\.0:$port: adopted inherited fd 3 .*listen fd 4: adopted and listening already" \
	"  BRO_SOCKACT_DEBUG=1: one line per decision"
fl=$(awk '/^flags:/ {print $2}' "/proc/$SA_PID/fdinfo/3" 2>/dev/null)
ok "$([ -n "$fl" ] && [ $((8#$fl & 8#2000000)) != 0 ] && echo 0 || echo 1)" \
	"  the inherited fd 3 is kept for a later bind, close-on-exec (flags ${fl:-none})"
sa_stop

# 1b. a server that closes its listener and binds again (iperf3 does so
#     after each test): the same inherited socket each time, and a client
#     that comes in between waits in its backlog
port=$(free_port)
sa_start "$port" env LD_PRELOAD="$SHIM" BRO_SOCKACT_DEBUG=1 \
	"$SRV" --rebind --count 3 0.0.0.0 "$port"
for n in 1 2 3; do
	got=$(sa_client "$port")
	like "$got" "^peer 127\.0\.0\.7:[0-9]+$" "rebind: client $n answered on the host's socket ($got)"
done
sa_wait_log 5 '^served.*' >/dev/null
is "$(grep -c '^rebound fd=4 local=127\.0\.0\.1:'"$port"'$' "$SA_LOG")" 2 \
	"  each new listener took the inherited 127.0.0.1:$port"
is "$(grep -c "bind fd 4 0\.0\.0\.0:$port: adopted inherited fd 3" "$SA_LOG")" 3 \
	"  three binds, three adoptions of inherited fd 3"
sa_stop

# 2. the same server linked with musl
if [ -x "$SRV_MUSL" ]; then
	port=$(free_port)
	sa_start "$port" env LD_PRELOAD="$SHIM" "$SRV_MUSL" 127.0.0.1 "$port"
	got=$(sa_client "$port")
	like "$got" "^peer 127\.0\.0\.7:[0-9]+$" "musl: the server adopts the socket and sees the client's own address ($got)"
	like "$(grep '^bound' "$SA_LOG")" "^bound fd=4 local=127\.0\.0\.1:$port nonblock=0 cloexec=0$" "  musl: bind() took the inherited socket"
	sa_stop
elif [ "$BRO_MUST_WORK" = 1 ]; then
	ok 1 "musl: $SRV_MUSL missing (musl-tools)"
else
	ok 0 "# SKIP musl: $SRV_MUSL not built (no musl-gcc)"
fi

# 3. datagram
port=$(free_port)
sa_start -d "$port" env LD_PRELOAD="$SHIM" "$SRV" --dgram 127.0.0.1 "$port"
got=$(sa_client "$port" udp)
like "$got" "^peer 127\.0\.0\.7:[0-9]+$" "datagram: adopted, the first datagram answered to its sender ($got)"
sa_stop

# 4. unmatched binds go to the kernel: another port, another address
port=$(free_port) other=$(free_port)
sa_start "$port" env LD_PRELOAD="$SHIM" BRO_SOCKACT_DEBUG=1 "$SRV" 127.0.0.1 "$other"
sa_client "$port" tcp 1 >/dev/null &
sa_wait_log 5 '^listening'
like "$(grep '^bound' "$SA_LOG")" "^bound fd=4 local=127\.0\.0\.1:$other " "another port: the server's own socket ($other)"
like "$(readlink "/proc/$SA_PID/fd/3")" "^socket:" "  the inherited fd 3 is left as it was"
like "$(sa_client "$other")" "^peer 127\.0\.0\.7:" "  which answers on $other"
like "$(grep '^bro-sockact\[' "$SA_LOG")" "no inherited socket matches; to the kernel" "  the debug line says so"
sa_stop; wait
port=$(free_port)
sa_start "$port" env LD_PRELOAD="$SHIM" "$SRV" 127.0.0.2 "$port"
sa_client "$port" tcp 1 >/dev/null &
sa_wait_log 5 '^listening'
like "$(grep '^bound' "$SA_LOG")" "^bound fd=4 local=127\.0\.0\.2:$port " "another address, same port: the server's own socket (127.0.0.2:$port)"
sa_stop; wait

# 5. LISTEN_PID naming another process, bad options, BRO_SOCKACT=off: the
#    server runs with its own socket (in a network namespace of its own,
#    where that bind succeeds), nothing adopted, never a crash
run_alone() {		# run_alone ENV...: the server under ENV, in its netns
	port=$(free_port)
	sa_start "$port" unshare -rn sh -c 'ip link set lo up && exec env "$@"' sh \
		LD_PRELOAD="$SHIM" "$@" "$SRV" 127.0.0.1 "$port"
	sa_client "$port" tcp 1 >/dev/null &
	sa_wait_log 5 '^(listening|error)'
}
for bad in "BRO_SOCKACT_READY=sometimes|BRO_SOCKACT_READY='sometimes': not bind or notify; no socket is adopted" \
	"BRO_SOCKACT=maybe|BRO_SOCKACT='maybe': not on or off; no socket is adopted" \
	"BRO_SOCKACT_DEBUG=yes|BRO_SOCKACT_DEBUG='yes': not 0 or 1; no socket is adopted" \
	"BRO_SOCKACT_READ=notify|BRO_SOCKACT_READ: unknown option" \
	"LISTEN_FDS=one|LISTEN_FDS='one': not a number of sockets; no socket is adopted"; do
	run_alone "${bad%%|*}"
	like "$(grep '^bro-sockact\[' "$SA_LOG")" "^bro-sockact\[[0-9]+\]: ${bad#*|}" "${bad%%|*}: one clear line on stderr"
	is "$(grep -c '^bro-sockact\[' "$SA_LOG")" 1 "  only one"
	like "$(grep -E '^(bound|listening)' "$SA_LOG" | tr '\n' ' ')" "^bound fd=4 local=127\.0\.0\.1:$port .*listening" \
		"  the server runs on its own socket, nothing adopted"
	sa_stop; wait
done
run_alone LISTEN_PID=1 BRO_SOCKACT_DEBUG=1
like "$(grep -E '^(bound|listening)' "$SA_LOG" | tr '\n' ' ')" "^bound fd=4 local=127\.0\.0\.1:$port .*listening" \
	"LISTEN_PID naming another process: the server's own socket"
is "$(grep -c '^bro-sockact\[' "$SA_LOG")" 0 "  and not a word from the shim"
sa_stop; wait
run_alone BRO_SOCKACT=off
like "$(grep -E '^(bound|listening)' "$SA_LOG" | tr '\n' ' ')" "^bound fd=4 local=127\.0\.0\.1:$port .*listening" \
	"BRO_SOCKACT=off: the server's own socket, silently"
is "$(grep -c '^bro-sockact\[' "$SA_LOG")" 0 "  and not a word from the shim"
sa_stop; wait
done_testing
