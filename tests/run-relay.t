#!/bin/bash
# bro-run --relay and --publish: the command reaches a host TCP server and
# a host unix socket through 127.0.0.1:PORT in its own network namespace,
# the first connection at its very start included (no retry anywhere); the
# relay process is outside the sandbox (kill -9 -1 inside leaves it), holds
# no capability, pins the unix socket by inode (a symlink swap after start
# does not redirect it) and is gone when bro-run returns; --publish carries
# a host connection to a server inside; bad specs are one-line errors.
. "$(dirname "$0")/lib.sh"
require socat runuser timeout ps awk ss
R=$BRO_BIN/bro-run
D=$(user_dir)

SB=(--ro-bind / / --dev /dev --proc /proc --unshare-net --unshare-pid)
relay_procs() {
	ps -u "$BRO_TEST_USER" -o pid=,comm= |
		awk '$2 == "bro-run-relay" || $2 == "bro-run-publish" { print $1 }'
}

TP=$(free_port)
user_bg_pid "$D/tcp.pid" socat TCP-LISTEN:"$TP",bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo tcp-ok'
user_bg_pid "$D/a.pid" socat UNIX-LISTEN:"$D/agent.sock",fork SYSTEM:'echo agent-A'
user_bg_pid "$D/b.pid" socat UNIX-LISTEN:"$D/other.sock",fork SYSTEM:'echo other-B'
wait_listen 5 "$TP"; wait_for 5 test -S "$D/agent.sock"; wait_for 5 test -S "$D/other.sock"

# --- --relay to TCP and unix, first connection at once, kill -9 -1 ---
as_user mkfifo "$D/go" "$D/swapped"
as_user timeout 30 "$R" "${SB[@]}" --relay 7001=127.0.0.1:"$TP" --relay 7002="$D/agent.sock" \
	sh -c 'socat -t 5 - TCP:127.0.0.1:7001 </dev/null
	       socat -t 5 - TCP:127.0.0.1:7002 </dev/null
	       echo up > "$0"
	       sleep 600 & s=$!
	       kill -9 -1; wait $s; echo "killed all: $?"
	       read x < "$1"
	       socat -t 5 - TCP:127.0.0.1:7002 </dev/null
	       socat -t 5 - TCP:127.0.0.1:7001 </dev/null' "$D/go" "$D/swapped" \
	>"$D/out" 2>"$D/err" </dev/null &
SBP=$!
is "$(timeout 10 cat "$D/go")" up "the sandbox ran its first connections"
RP=$(relay_procs)
is "$(printf '%s\n' "$RP" | grep -c .)" 1 "one relay process (bro-run-relay) while the sandbox runs"
st=$(cat "/proc/$RP/status" 2>/dev/null)
is "$(printf '%s\n' "$st" | awk '/^CapEff:/ { print $2 }')" 0000000000000000 "  no effective capability"
is "$(printf '%s\n' "$st" | awk '/^CapPrm:/ { print $2 }')" 0000000000000000 "  no permitted capability"
is "$(printf '%s\n' "$st" | awk '/^NoNewPrivs:/ { print $2 }')" 1 "  no_new_privs"
is "$(readlink "/proc/$RP/ns/pid")" "$(readlink /proc/self/ns/pid)" "  in the host's PID namespace"
is "$(readlink "/proc/$RP/ns/mnt")" "$(readlink /proc/self/ns/mnt)" "  in the host's mount namespace"
# the swap: agent.sock now a symlink to another socket
as_user sh -c "mv '$D/agent.sock' '$D/agent.old' && ln -s '$D/other.sock' '$D/agent.sock'"
is "$(as_user timeout 10 socat -t 5 - "UNIX:$D/agent.sock" </dev/null)" other-B \
	"the host path now leads to another socket"
echo go > "$D/swapped"
wait "$SBP"; rc=$?
is "$rc" 0 "the sandbox exits 0"
is "$(sed -n 1p "$D/out")" tcp-ok "--relay PORT=IP:PORT: the first connection at the command's start reaches the host TCP server"
is "$(sed -n 2p "$D/out")" agent-A "--relay PORT=UNIXPATH: reaches the host unix socket"
is "$(sed -n 3p "$D/out")" "killed all: 137" "kill -9 -1 inside killed what it could see (a sleeper: SIGKILL)"
is "$(sed -n 4p "$D/out")" agent-A "  the relay survived it; and the symlink swap did not redirect it (pinned inode)"
is "$(sed -n 5p "$D/out")" tcp-ok "  TCP still relayed"
is "$(relay_procs)" "" "no relay process left once bro-run returned"
is "$(grep -v '^Killed$' "$D/err")" "" "nothing on stderr (but the shell's word on its sleeper)"

# --- --publish: the host reaches a server inside ---
HP=$(free_port)
as_user timeout 30 "$R" "${SB[@]}" --publish "$HP"=8080 \
	socat TCP-LISTEN:8080,bind=127.0.0.1,reuseaddr SYSTEM:'echo pub-ok' \
	>"$D/pout" 2>"$D/perr" </dev/null &
SBP=$!
# the server inside starts when it starts: attempts before are refused
wait_for 10 sh -c "timeout 5 socat -t 5 - TCP:127.0.0.1:$HP </dev/null | grep -qx pub-ok"
ok $? "--publish HOSTPORT=PORT: the host's 127.0.0.1:HOSTPORT reaches the server inside"
wait "$SBP"
is "$?" 0 "  the sandbox exits 0 (its server served once)"
is "$(relay_procs)" "" "  no publish process left"
ss -Htln "sport = :$HP" | grep -q .
ok $((! $?)) "  and nothing listens on the host port any more"

# --- bad specs: one line, exit 1, nothing run ---
bad() {
	local re=$1 desc=$2 out st; shift 2
	out=$(T_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-}" as_user timeout 10 "$R" "$@" touch "$D/ran" 2>&1 >/dev/null </dev/null); st=$?
	is "$st" 1 "$desc: exit status 1"
	is "$(printf '%s\n' "$out" | grep -c .)" 1 "  one line"
	like "$out" "$re" "  saying why"
}
bad "--relay 0=/x: PORT=UNIXPATH or PORT=HOST:PORT" "port 0" "${SB[@]}" --relay 0=/x
bad "--relay 70000=/x: PORT=UNIXPATH" "port 70000" "${SB[@]}" --relay 70000=/x
bad "--relay 7001=rel.sock: the target is neither" "a relative path" "${SB[@]}" --relay 7001=rel.sock
bad "--relay 7001=localhost:80: the host must be a numeric" "a host name" "${SB[@]}" --relay 7001=localhost:80
bad "--relay 7001=::1:80: the host must be a numeric" "IPv6 without brackets" "${SB[@]}" --relay 7001=::1:80
bad "--publish 7001: HOSTPORT=PORT expected" "--publish without =" "${SB[@]}" --publish 7001
bad "port 7001 is already relayed" "the same port twice" "${SB[@]}" --relay 7001=/x --relay 7001=/y
bad "need --unshare-net" "without --unshare-net" --ro-bind / / --unshare-pid --relay 7001=/x
bad "need --unshare-pid" "without --unshare-pid" --ro-bind / / --unshare-net --relay 7001=/x
bad "open\($D/nonexistent.sock, O_PATH\): No such file or directory" "a missing unix target" \
	"${SB[@]}" --relay 7001="$D/nonexistent.sock"
bad "$D/out is not a socket" "a target that is no socket" "${SB[@]}" --relay 7001="$D/out"
bad "--publish $TP=80: bind\(127.0.0.1:$TP\): Address (already )?in use" "a host port in use" \
	"${SB[@]}" --publish "$TP"=80
ok "$(test ! -e "$D/ran"; echo $?)" "none of them ran the command"
is "$(relay_procs)" "" "no relay process left"

done_testing
