#!/bin/bash
# tests/sockact-idle.t - bro-idlewatch, as the test user: while a
# connection to the watched socket is open (accepted, or waiting in the
# accept queue) nothing happens; --idle after the last one closes, the
# command runs. Bad input: one line, exit 64.
cd "$(dirname "$0")" && . ./lib.sh
require python3 ss
W=$BRO_BIN/bro-idlewatch
d=$(user_dir)
port=$(free_port)

# a server that accepts and holds connections until their clients close
user_bg python3 -c 'import socket, sys, select
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
conns = [s]
while True:
    for r in select.select(conns, [], [], 30)[0]:
        if r is s:
            conns.append(s.accept()[0])
        elif not r.recv(100):
            conns.remove(r)
            r.close()' "$port"
wait_listen 5 "$port"

# a client that holds its connection until $d/release exists
python3 -c 'import socket, sys, os, select
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    select.select([], [], [], 0.05)
c.close()' "$port" "$T_TMP/connected" "$T_TMP/release" &
cpid=$!
cleanup_add "kill $cpid"
wait_for 5 test -e "$T_TMP/connected"

user_bg "$W" --listen "127.0.0.1:$port" --idle 1s --interval 100ms -- touch "$d/stopped"
wpid=$BG_PID
# the connection is open for three times --idle: no stop
t_end=$(( $(date +%s%N) + 3000000000 ))
while [ "$(date +%s%N)" -lt "$t_end" ] && [ ! -e "$d/stopped" ]; do sleep 0.1; done
ok "$([ -e "$d/stopped" ] && echo 1 || echo 0)" "an open connection for 3 s: --idle 1s does not fire"
t0=$(date +%s%N)
touch "$T_TMP/release"
wait "$cpid"
wait_for 5 test -e "$d/stopped"
ok $? "closed: the command ran"
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
ok "$([ "$ms" -ge 900 ] && echo 0 || echo 1)" "  not before --idle after the close ($ms ms; at most 5 s, above)"
like "$(cat "$BG_LOG")" "bro-idlewatch: 127\.0\.0\.1:$port: no connection for 1\.[0-9] s: running touch" "  and said so"

# connections waiting in the accept queue count too: a listener that never accepts
port2=$(free_port)
python3 -c 'import socket, sys, os, select
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    select.select([], [], [], 0.05)' "$port2" "$T_TMP/queued" "$T_TMP/release2" &
qpid=$!
cleanup_add "kill $qpid"
wait_for 5 test -e "$T_TMP/queued"
alive=$(as_user sh -c "'$W' --listen 127.0.0.1:$port2 --idle 500ms --interval 100ms -- touch '$d/stopped2' & pid=\$!; sleep 1.5; kill \$pid && echo alive" 2>/dev/null)
ok "$([ -e "$d/stopped2" ] || [ "$alive" != alive ] && echo 1 || echo 0)" "a connection in the accept queue for 3x --idle: no stop, still watching"
touch "$T_TMP/release2"; wait "$qpid"

for bad in "--idle 0|--idle: not a time span above 0" "--idle soon|--idle: not a time span above 0" \
	"--listen 127.0.0.1:x|--listen: not an IPv4 or \[IPv6\] literal with a port" \
	"--listen /tmp/s|--listen: not an IPv4 or \[IPv6\] literal with a port" \
	"--interval 1ms|--interval: not a time span from 10ms to 1h"; do
	args=${bad%%|*}
	out=$(as_user "$W" --listen 127.0.0.1:1 --idle 1s $args -- true 2>&1); st=$?
	is "$st" 64 "bro-idlewatch $args: exit 64"
	like "$out" "^bro-idlewatch: ${bad#*|}" "  one clear line"
done
out=$(as_user "$W" --listen 127.0.0.1:1 --idle 1s 2>&1); st=$?
is "$st:$out" "64:bro-idlewatch: no command to run when idle (-- CMD [ARGS...]) (see bro-idlewatch --help)" "no command: exit 64, one line"
done_testing
