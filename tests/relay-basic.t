#!/bin/bash
# bro-relay: bytes both ways (TCP -> unix and unix -> TCP), the readiness
# fd, socket activation, TCP keepalive, every capability dropped, death
# with the parent (and the parent already gone before it could ask), the
# unix target pinned by inode (a path swapped for a symlink afterwards does
# not redirect it), bad arguments as one-line errors.
. "$(dirname "$0")/lib.sh"
require socat python3 timeout systemd-socket-activate ss tail

BR=$BRO_BIN/bro-relay
D=$(user_dir)


# relay_ready NAME ARGS...: bro-relay ARGS as the test user with
# --ready-fd 3 on a FIFO; waits for its line and sets READY to it
relay_ready() {
	local n=$1; shift
	rm -f "$D/$n.fifo"; as_user mkfifo "$D/$n.fifo"
	as_user sh -c 'f=$1; shift; echo $$ > "$0"; exec "$@" --ready-fd 3 3>"$f"' \
		"$D/$n.pid" "$D/$n.fifo" "$BR" "$@" </dev/null >>"$D/$n.log" 2>&1 &
	READY=$(timeout 10 head -1 "$D/$n.fifo")
	wait_for 5 test -s "$D/$n.pid"
	cleanup_add "kill $(cat "$D/$n.pid" 2>/dev/null)"
}

head -c 4000000 /dev/urandom > "$D/big"; chmod 644 "$D/big"

# --- TCP -> unix, readiness ---
user_bg_pid "$D/echo-u.pid" socat UNIX-LISTEN:"$D/echo.sock",fork EXEC:cat
wait_for 5 test -S "$D/echo.sock"
P1=$(free_port)
relay_ready r1 --listen "tcp:127.0.0.1:$P1" --to "unix:$D/echo.sock"
is "$READY" ready "--ready-fd: 'ready' once listening"
# no wait of any kind: the first connection right after the line works
out=$(printf 'ping\n' | timeout 10 socat -t 5 - "TCP:127.0.0.1:$P1")
is "$out" ping "TCP -> unix: the first connection right after 'ready' is served"
cat "$D/big" | timeout 20 socat -t 5 - "TCP:127.0.0.1:$P1" > "$T_TMP/back"
ok "$(cmp -s "$D/big" "$T_TMP/back"; echo $?)" "  4 MB both ways intact (the FIN after them passed on)"

# keepalive on the accepted TCP connection
exec 7<>"/dev/tcp/127.0.0.1/$P1"
wait_for 5 sh -c "ss -Htno state established 'sport = :$P1' | grep -q keepalive"
ok $? "  TCP keepalive on the accepted connection (ss -o: timer:(keepalive))"
exec 7>&-

# --- unix -> TCP ---
user_bg_pid "$D/echo-t.pid" socat TCP-LISTEN:"$(free_port | tee "$D/p2")",bind=127.0.0.1,reuseaddr,fork EXEC:cat
P2=$(cat "$D/p2")
wait_listen 5 "$P2"
relay_ready r2 --listen "unix:$D/in.sock" --to "tcp:127.0.0.1:$P2"
is "$READY" ready "unix -> TCP: ready"
cat "$D/big" | as_user timeout 20 socat -t 5 - "UNIX:$D/in.sock" > "$T_TMP/back"
ok "$(cmp -s "$D/big" "$T_TMP/back"; echo $?)" "  4 MB both ways intact (the FIN after them passed on)"
kill "$(cat "$D/r2.pid")"
wait_for 5 sh -c "! test -e '$D/in.sock'"
ok $? "  SIGTERM: exits and removes its socket"

# --- socket activation ---
P3=$(free_port)
user_bg_pid "$D/sa.pid" systemd-socket-activate -l "127.0.0.1:$P3" "$BR" --to "unix:$D/echo.sock"
wait_listen 5 "$P3"
out=$(printf 'activated\n' | timeout 10 socat -t 5 - "TCP:127.0.0.1:$P3")
is "$out" activated "socket activation: LISTEN_FDS taken as the listener"

# --- capabilities, as root ---
P4=$(free_port)
rm -f "$T_TMP/root.fifo"; mkfifo "$T_TMP/root.fifo"
"$BR" --listen "tcp:127.0.0.1:$P4" --to "unix:$D/echo.sock" --ready-fd 3 3>"$T_TMP/root.fifo" &
RP=$!
cleanup_add "kill $RP"
is "$(timeout 10 head -1 "$T_TMP/root.fifo")" ready "started by root: ready"
st=$(cat "/proc/$RP/status")
is "$(printf '%s\n' "$st" | awk '/^CapPrm:/ { print $2 }')" 0000000000000000 "  permitted set empty"
is "$(printf '%s\n' "$st" | awk '/^CapEff:/ { print $2 }')" 0000000000000000 "  effective set empty"
is "$(printf '%s\n' "$st" | awk '/^CapAmb:/ { print $2 }')" 0000000000000000 "  ambient set empty"
is "$(printf '%s\n' "$st" | awk '/^CapBnd:/ { print $2 }')" 0000000000000000 "  bounding set empty"
is "$(printf '%s\n' "$st" | awk '/^NoNewPrivs:/ { print $2 }')" 1 "  no_new_privs"
kill "$RP"

# --- the unix target pinned by inode ---
user_bg_pid "$D/a.pid" socat UNIX-LISTEN:"$D/agent.sock",fork SYSTEM:'echo agent-A'
user_bg_pid "$D/b.pid" socat UNIX-LISTEN:"$D/other.sock",fork SYSTEM:'echo other-B'
wait_for 5 test -S "$D/agent.sock"; wait_for 5 test -S "$D/other.sock"
P5=$(free_port)
relay_ready r5 --listen "tcp:127.0.0.1:$P5" --to "unix:$D/agent.sock"
is "$(timeout 10 socat -t 5 - "TCP:127.0.0.1:$P5" </dev/null)" agent-A "pinned target: reached"
as_user sh -c "mv '$D/agent.sock' '$D/agent.old' && ln -s '$D/other.sock' '$D/agent.sock'"
is "$(as_user timeout 10 socat -t 5 - "UNIX:$D/agent.sock" </dev/null)" other-B \
	"  the path now leads elsewhere (a symlink to another socket)"
is "$(timeout 10 socat -t 5 - "TCP:127.0.0.1:$P5" </dev/null)" agent-A \
	"  the relay still reaches the socket it pinned at start"
as_user rm -f "$D/agent.sock"
is "$(timeout 10 socat -t 5 - "TCP:127.0.0.1:$P5" </dev/null)" agent-A "  and with the path gone"

# --- death with the parent ---
P6=$(free_port)
as_user sh -c 'echo $$ > "$0"; "$@" & echo $! > "$0.child"; wait' "$D/parent.pid" \
	"$BR" --listen "tcp:127.0.0.1:$P6" --to "unix:$D/echo.sock" </dev/null >>"$D/bg.log" 2>&1 &
wait_for 5 test -s "$D/parent.pid.child"
CP=$(cat "$D/parent.pid.child")
cleanup_add "kill $CP"
wait_listen 5 "$P6"
ok $? "a relay under a parent listens"
kill -9 "$(cat "$D/parent.pid")"
wait_for 5 sh -c "! kill -0 $CP"
ok $? "  the parent killed (SIGKILL): the relay exits"
# the race: the parent is gone before the relay can ask for the signal;
# --parent-pid catches it (tail --pid waits for that exit, no sleep)
out=$(as_user timeout 10 sh -c '
	sh -c "echo \$\$ > \"\$0\"; exec tail -f /dev/null" "$0" & 
	while [ ! -s "$0" ]; do :; done; P=$(cat "$0")
	( tail --pid="$P" -f /dev/null; exec "$@" --parent-pid "$P" --listen tcp:127.0.0.1:1 --to unix:/nonexistent ) &
	kill "$P"; wait' "$D/race.pid" "$BR" 2>&1)
like "$out" "^bro-relay: --parent-pid [0-9]+ is not our parent \(now [0-9]+\): it has exited$" \
	"  the parent gone before start (--parent-pid): exits at once, one line"

# --- bad arguments: one line, non-zero, at once ---
bad() {
	local want=$1 re=$2 desc=$3 out st; shift 3
	out=$(T_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-}" as_user timeout 5 "$@" 2>&1 >/dev/null </dev/null); st=$?
	is "$st" "$want" "$desc: exit status $want"
	is "$(printf '%s\n' "$out" | grep -c .)" 1 "  one line"
	like "$out" "$re" "  saying why"
}
bad 64 "no --to ADDR" "no --to" "$BR" --listen tcp:127.0.0.1:1
bad 64 "--to=tcp:127.0.0.1: tcp:HOST:PORT or unix:PATH" "--to without a port" \
	"$BR" --listen "tcp:127.0.0.1:$(free_port)" --to tcp:127.0.0.1
bad 64 "--listen=unix:rel.sock:" "a relative unix path" "$BR" --listen unix:rel.sock --to tcp:127.0.0.1:1
bad 64 "unknown argument '--frob'" "an unknown option" "$BR" --frob
bad 64 "no --listen ADDR and no socket-activated listener" "no listener" "$BR" --to tcp:127.0.0.1:1
bad 1 "open\(--to unix:$D/nonexistent.sock, O_PATH\): No such file or directory" \
	"a unix target that does not exist" "$BR" --listen "tcp:127.0.0.1:$(free_port)" --to "unix:$D/nonexistent.sock"
bad 1 "--to unix:$D/big: not a socket" "a unix target that is a file" \
	"$BR" --listen "tcp:127.0.0.1:$(free_port)" --to "unix:$D/big"
bad 1 "bind\(--listen tcp:127.0.0.1:$P1\): Address already in use" "a port in use" \
	"$BR" --listen "tcp:127.0.0.1:$P1" --to "unix:$D/echo.sock"
bad 64 "--ready-fd 9: Bad file descriptor" "--ready-fd not open" \
	"$BR" --listen "tcp:127.0.0.1:$(free_port)" --to "unix:$D/echo.sock" --ready-fd 9
bad 64 "--parent-pid=0: not a PID" "--parent-pid 0" "$BR" --to tcp:127.0.0.1:1 --parent-pid 0
bad 1 "LISTEN_FDS=abc" "LISTEN_FDS=abc" env LISTEN_FDS=abc "$BR" --to tcp:127.0.0.1:1
done_testing
