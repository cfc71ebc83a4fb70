#!/bin/bash
# The relay's control socket never stalls the relay. A workload runs as the
# user's own UID and can open connections to $XDG_RUNTIME_DIR/bro/netns/NAME/ctl
# and say nothing: 40 such idle connections, re-opened as fast as the relay
# closes them, for the whole test. Relayed connections, exec and list still
# work (each bounded by a generous timeout, not timed), the relay closes the
# idle ones, and it holds only a bounded number of them at any time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser ip nft microsocks curl python3 timeout

peer_start
socks_start
ns_create --name ctl --proxy "socks5://127.0.0.1:$SOCKS_PORT" ||
	{ echo "Bail out! create failed"; exit 1; }
out=$(bn_within 10 exec ctl -- curl -sS -m 8 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "before: curl through the relay"
fds0=$(ls "/proc/$RELAY_PID/fd" | wc -l)

ud=$(user_dir)
user_bg python3 "$PEERS" ctlidle "$T_RUNTIME/bro/netns/ctl/ctl" 40 60 "$ud/ready"
idle=$BG_PID
wait_for 10 test -s "$ud/ready"
ok $? "40 idle connections to the control socket are open"

for i in 1 2 3; do
	out=$(bn_within 10 exec ctl -- curl -sS -m 8 "http://$WEB_NAME/" 2>&1); st=$?
	is "$st:$out" "0:hello-bro from $HOST_IP" "with them: exec + curl through the relay, round $i"
done
out=$(bn_within 10 list 2>&1); st=$?
like "$st:$out" "ctl +$RELAY_PID +running" "  list answers"
out=$(bn_within 10 exec ctl -- python3 "$PEERS" dnsq 192.0.2.53 "$WEB_NAME" A 2>&1)
like "$out" '^id=16962 rcode=0 an=1 198\.1[89]\.' "  DNS is answered"
fds=$(ls "/proc/$RELAY_PID/fd" | wc -l)
# at most 8 parked, and one in hand between accept() and the eviction
ok $((fds > fds0 + 9)) "  the relay holds at most 8 of them, +1 in hand ($fds fds, $fds0 before)"

kill -TERM "$idle"
wait_for 10 sh -c "! kill -0 $idle"
out=$(grep -o 'opened [0-9]* closed [0-9]*' "$BG_LOG")
like "$out" '^opened [0-9]+ closed [1-9][0-9]*$' "the relay closed the silent control clients it had no room for ($out)"
# one idle client alone is closed once its time is up (2 s), by the relay
out=$(as_user python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.settimeout(10)
try: print("eof" if s.recv(16) == b"" else "data")
except socket.timeout: print("still open after 10 s")' "$T_RUNTIME/bro/netns/ctl/ctl" 2>&1)
is "$out" eof "an idle control client is closed by the relay after its deadline"

out=$(bn_within 10 exec ctl -- curl -sS -m 8 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "after: curl through the relay"
bn_within 10 destroy ctl; st=$?
is "$st" 0 "destroy"
out=$(grep -hE "Sanitizer|runtime error" "$T_RUNTIME"/bro/netns/*/log 2>/dev/null)
is "$out" "" "the relay's log has no sanitizer report"
done_testing
