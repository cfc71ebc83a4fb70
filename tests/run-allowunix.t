#!/bin/bash
# bro-run --allow-unix PATH with --seccomp-unix-block: a real ssh-agent
# (ssh-add -l) is reached, another host unix socket is refused (EACCES), an
# abstract one too, datagram unix sockets stay EPERM, a symlink swap of the
# allowed path after start does not redirect it (pinned inode), TCP
# connect()s (blocking and non-blocking) still work through the broker,
# bad arguments are one-line errors.
. "$(dirname "$0")/lib.sh"
require socat runuser timeout python3 ssh-agent ssh-add ssh-keygen
R=$BRO_BIN/bro-run
D=$(user_dir)

# a prober: connect to unix PATH ("@name": abstract), or tcp HOST PORT
# [nb], or a datagram unix socket; prints "ok" or the errno's name
cat > "$D/probe.py" <<'PY'
import errno, select, socket, sys
def name(e): return "errno " + errno.errorcode.get(e.errno, str(e.errno))
try:
    if sys.argv[1] == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        p = sys.argv[2]
        s.connect("\0" + p[1:] if p.startswith("@") else p)
        if len(sys.argv) > 3:       # the peer's PID, nothing read
            import struct
            c = s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            print("peer", struct.unpack("3i", c)[0]); sys.exit(0)
        s.settimeout(5)
        print("ok", s.recv(100).decode().strip())
    elif sys.argv[1] == "dgram":
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); print("ok")
    elif sys.argv[1] == "tcp":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if len(sys.argv) > 4:
            s.setblocking(False)
            r = s.connect_ex((sys.argv[2], int(sys.argv[3])))
            if r != errno.EINPROGRESS and r != 0: raise OSError(r, "")
            select.select([], [s], [], 5)
            r = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if r: raise OSError(r, "")
            s.setblocking(True)
        else:
            s.connect((sys.argv[2], int(sys.argv[3])))
        s.settimeout(5)
        print("ok", s.recv(100).decode().strip())
except OSError as e:
    print(name(e))
PY
chmod 644 "$D/probe.py"

as_user ssh-keygen -q -t ed25519 -N '' -C bro-test-key -f "$D/key" >/dev/null
eval "$(as_user ssh-agent -a "$D/agent.sock")" >/dev/null
cleanup_add "kill $SSH_AGENT_PID"
as_user env SSH_AUTH_SOCK="$D/agent.sock" ssh-add -q "$D/key" 2>/dev/null
want=$(as_user env SSH_AUTH_SOCK="$D/agent.sock" ssh-add -l)
like "$want" "bro-test-key" "control: the host's ssh-add -l lists the key"
user_bg_pid "$D/o.pid" socat UNIX-LISTEN:"$D/other.sock",fork SYSTEM:'echo other-B'
user_bg_pid "$D/ab.pid" socat ABSTRACT-LISTEN:bro-allowunix-$$,fork SYSTEM:'echo abstract'
TP=$(free_port)
user_bg_pid "$D/t.pid" socat TCP-LISTEN:"$TP",bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo tcp-ok'
wait_for 5 test -S "$D/other.sock"; wait_listen 5 "$TP"

sb() { as_user env SSH_AUTH_SOCK="$D/agent.sock" timeout 30 "$R" --ro-bind / / --dev /dev --proc /proc "$@" </dev/null 2>&1; }
P="python3 $D/probe.py"

is "$(sb --seccomp-unix-block sh -c 'ssh-add -l >/dev/null 2>&1; echo $?')" 2 \
	"control: --seccomp-unix-block alone: ssh-add cannot reach the agent (exit 2)"
is "$(sb --seccomp-unix-block --allow-unix "$D/agent.sock" ssh-add -l)" "$want" \
	"--allow-unix the agent: ssh-add -l inside lists the key"
is "$(sb --seccomp-unix-block --allow-unix "$D/agent.sock" $P unix "$D/other.sock")" "errno EACCES" \
	"  another host unix socket: EACCES"
is "$(sb $P unix "$D/other.sock")" "ok other-B" "  (control: reachable without the profile)"
is "$(sb --seccomp-unix-block --allow-unix "$D/agent.sock" $P unix "@bro-allowunix-$$")" "errno EACCES" \
	"  an abstract unix socket: EACCES"
is "$(sb $P unix "@bro-allowunix-$$")" "ok abstract" "  (control: reachable without the profile)"
is "$(sb --seccomp-unix-block --allow-unix "$D/agent.sock" $P dgram)" "errno EPERM" \
	"  a datagram unix socket: still EPERM"
is "$(sb --seccomp-unix-block --allow-unix "$D/agent.sock" $P tcp 127.0.0.1 "$TP")" "ok tcp-ok" \
	"  TCP connect() through the broker: works"
is "$(sb --seccomp-unix-block --allow-unix "$D/agent.sock" $P tcp 127.0.0.1 "$TP" nb)" "ok tcp-ok" \
	"  non-blocking TCP connect(): works"
is "$(sb --seccomp-unix-block --allow-unix "$D/agent.sock" $P tcp 127.0.0.1 1)" "errno ECONNREFUSED" \
	"  a refused TCP connect(): ECONNREFUSED, as without the broker"
is "$(sb --seccomp-unix-block --allow-unix "$D/agent.sock" --unshare-net --unshare-pid ssh-add -l)" "$want" \
	"  also with --unshare-net --unshare-pid"

apeer=$(as_user python3 "$D/probe.py" unix "$D/agent.sock" peer)
like "$apeer" "^peer [0-9]+$" "control: the agent's socket's peer PID, from the host"
# the swap: after start, agent.sock becomes a symlink to other.sock
as_user mkfifo "$D/go" "$D/swapped"
sb --seccomp-unix-block --allow-unix "$D/agent.sock" sh -c \
	'echo up > "$0"; read x < "$1"; ssh-add -l; python3 "$2" unix "$3" peer' \
	"$D/go" "$D/swapped" "$D/probe.py" "$D/agent.sock" > "$D/swap.out" &
SBP=$!
is "$(timeout 10 cat "$D/go")" up "a sandbox started with --allow-unix the agent"
as_user sh -c "mv '$D/agent.sock' '$D/agent.old' && ln -s '$D/other.sock' '$D/agent.sock'"
is "$(as_user python3 "$D/probe.py" unix "$D/agent.sock")" "ok other-B" \
	"  the host path now leads to another socket"
echo go > "$D/swapped"
wait "$SBP"
is "$(sed -n 1p "$D/swap.out")" "$want" "  ssh-add -l inside still reaches the agent (the pinned inode)"
is "$(sed -n 2p "$D/swap.out")" "$apeer" "  and a raw connect() to the path: its peer is the agent's process"
isnt_other=$(grep -c other-B "$D/swap.out")
is "$isnt_other" 0 "  other-B never answered"

bad() {
	local re=$1 desc=$2 out st; shift 2
	out=$(T_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-}" as_user timeout 10 "$R" --ro-bind / / "$@" touch "$D/ran" 2>&1 >/dev/null </dev/null); st=$?
	is "$st" 1 "$desc: exit status 1"
	is "$(printf '%s\n' "$out" | grep -c .)" 1 "  one line"
	like "$out" "$re" "  saying why"
}
bad "--allow-unix needs --seccomp-unix-block" "without the profile" --allow-unix "$D/agent.old"
bad "--allow-unix rel.sock: an absolute path" "a relative path" --seccomp-unix-block --allow-unix rel.sock
bad "--allow-unix $D/none.sock: open\(O_PATH\): No such file or directory" "a missing socket" \
	--seccomp-unix-block --allow-unix "$D/none.sock"
bad "--allow-unix $D/probe.py: not a socket" "not a socket" --seccomp-unix-block --allow-unix "$D/probe.py"
ok "$(test ! -e "$D/ran"; echo $?)" "none of them ran the command"

done_testing
