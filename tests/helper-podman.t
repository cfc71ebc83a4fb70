#!/bin/bash
# bro-helper and a rootless Podman container run with --network=none: the
# setcap'd helper enters its network namespace; without setcap, --userns=auto
# still does, with the socket-activation fds intact; a request on a host
# socket reaches a server that listens on 127.0.0.1 inside the container.
. "$(dirname "$0")/lib.sh"
require podman systemd-socket-activate curl ss
H=$BRO_BIN/bro-helper
P=$BRO_TOOLS/probe
PROXYD=${PROXYD:-/lib/systemd/systemd-socket-proxyd}
NOCAP=$T_TMP/bro-helper-nocap
cp "$H" "$NOCAP"; chmod 0755 "$NOCAP"

img=bro-test-bb
name=bro-test-$$
podman_image "$img"
port=$(free_port)
cleanup_add "upodman rm -f -t 0 $name"
upodman run -d --name "$name" --network=none --pull=never "localhost/$img" \
	sh -c "echo hello from the container > /tmp/index.html; exec httpd -f -p 127.0.0.1:$port -h /tmp" >/dev/null
ok $? "a rootless container with --network=none runs"
cpid=$(upodman inspect -f '{{.State.Pid}}' "$name")
like "$cpid" "^[0-9]+$" "podman inspect gives its PID ($cpid)"
want=$(ns_inode "$cpid")
wait_for 10 sh -c "nsenter -t $cpid -n ss -Htln 'sport = :$port' | grep -q ."
ok $? "httpd listens on 127.0.0.1:$port inside the container"
is "$(stat -c %u /proc/$cpid)" "$T_UID" "its root is the test user on the host (rootless)"

out=$(as_user "$H" --pid "$cpid" -- "$P" 2>&1); st=$?
is "$st" 0 "setcap: enters the container's netns (exit 0)"
is "$(kv "$out" netns)" "$want" "setcap: the command runs in the container's netns"
is "$(kv "$out" CapEff)$(kv "$out" CapPrm)" 00000000000000000000000000000000 "setcap: no capability"

out=$(as_user sh -c "exec 3</dev/null; LISTEN_FDS=1 exec $NOCAP --pid $cpid -- $P" 2>&1); st=$?
is "$st" 0 "no setcap, --userns=auto: exit 0"
is "$(kv "$out" netns)" "$want" "no setcap: the command runs in the container's netns"
is "$(kv "$out" fds)" "0,1,2,3" "no setcap: the LISTEN fd is intact"
is "$(kv "$out" LISTEN_PID)" "$(kv "$out" pid)" "no setcap: LISTEN_PID is the command's"
is "$(kv "$out" CapEff)$(kv "$out" CapPrm)$(kv "$out" CapBnd)" \
	000000000000000000000000000000000000000000000000 "no setcap: no capability, empty bounding set"
is "$(kv "$out" uid)" 0 "no setcap: runs as the container's root mapping (uid 0 there, the user on the host)"

out=$(curl -sS --max-time 2 "http://127.0.0.1:$port/" 2>&1); st=$?
ok "$([ $st -ne 0 ] && echo 0 || echo 1)" "the host cannot reach the container's 127.0.0.1:$port"

# the whole chain, once with each path
for helper in "$H" "$NOCAP"; do
	what=$([ "$helper" = "$H" ] && echo setcap || echo "no setcap")
	outer=$(free_port)
	user_bg systemd-socket-activate -l "127.0.0.1:$outer" \
		"$helper" --pid "$cpid" -- "$PROXYD" "127.0.0.1:$port"
	wait_listen 10 "$outer"
	ok $? "$what: the socket listens on 127.0.0.1:$outer"
	out=$(curl -sS --max-time 5 "http://127.0.0.1:$outer/" 2>&1)
	is "$out" "hello from the container" "$what: socket -> bro-helper -> proxy -> server in the container"
	[ "$out" = "hello from the container" ] || sed 's/^/# log: /' "$BG_LOG"
	kill "$BG_PID" 2>/dev/null
done
done_testing
