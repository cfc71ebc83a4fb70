#!/bin/bash
# bro-netns's egress policy and connection log. A namespace made with
# --deny, --allow and --policy-file: an allowed name reaches the test web
# server through the proxy; a denied name, a literal address not on the
# list, a name on another port, a name next to or above an allowed *.suffix
# are reset at once (curl fails fast, well within its timeout) and never
# reach the proxy; *.suffix matches the exact child and deep names. The
# policy is replaced on the running namespace: a connection held open
# through the test host's echo server still echoes, new connections follow
# the new policy; from inside the namespace the policy cannot be changed.
# Every connection is one JSON line in the log (bro-netns log, --follow),
# list counts them, bad patterns are refused at create with one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser ip nft microsocks curl python3 timeout mkfifo

SUF=pol.bro-test.invalid		# the *.suffix of the test
ECHO_NAME=echo.bro-test.invalid
ECHO_PORT=7				# in the test host's own namespace

peer_start
# names the proxy resolves to the test host (netns-lib.sh's hosts file)
for h in x.$SUF a.b.c.$SUF $SUF evil$SUF bad.$SUF $ECHO_NAME; do
	printf '%s %s\n' "$PEER_IP" "$h" >> "$T_TMP/hosts"
done
ip netns exec "$PEER_NS" python3 "$PEERS" echo "$PEER_IP" "$ECHO_PORT" \
	>"$T_TMP/echo.log" 2>&1 &
cleanup_add "kill $!"
wait_for 10 ip netns exec "$PEER_NS" sh -c "ss -Htln | grep -q ':$ECHO_PORT '" ||
	{ echo "Bail out! echo server did not start: $(cat "$T_TMP/echo.log")"; exit 1; }
socks_start
PROXY=socks5://127.0.0.1:$SOCKS_PORT

# bad patterns: exit 64, one line naming the pattern, nothing made
ud=$(user_dir)
printf 'allow a.example\n# fine so far\ndeny 10.1.2.3/8\n' > "$ud/bad.policy"
chown "$BRO_TEST_USER:" "$ud/bad.policy"
for args in "--allow ex*.invalid" "--deny 10.1.2.3/8" "--allow web.invalid:99999" \
	    "--allow a..b.invalid" "--deny [::1" "--allow 1.2.3" \
	    "--policy-file $ud/bad.policy" "--policy-file $ud/missing" \
	    "--dns tcp://192.0.2.53 --allow $WEB_NAME"; do
	out=$(bn create --name polbad --proxy "$PROXY" $args 2>&1); st=$?
	is "$st:$(printf '%s\n' "$out" | wc -l)" "64:1" "create $args: exit 64, one line"
	like "$out" "^bro-netns: (--allow|--deny|--policy-file|--allow/--deny)" "  $out"
done
ok "$([ -e "$T_RUNTIME/bro/netns/polbad" ] && echo 1 || echo 0)" "  no namespace was made"

# the policy: first match wins, default deny (there are allows)
cat > "$ud/pol.policy" <<EOF
# the echo service, by name and port
allow $ECHO_NAME:$ECHO_PORT   # held across the policy change
EOF
chown "$BRO_TEST_USER:" "$ud/pol.policy"
cleanup_add "as_user $N destroy polA"	# also if create fails half-way
ns_create --name polA --proxy "$PROXY" --deny "bad.$SUF" --allow "*.$SUF" \
	--allow "$WEB_NAME:80" --policy-file "$ud/pol.policy" ||
	{ echo "Bail out! create failed"; exit 1; }
LOG=$T_RUNTIME/bro/netns/polA/conns

# rec KEY=VALUE...: the last log line with those fields
rec() { log_rec verdict,name,addr,port,rule,bytes_out,bytes_in,duration_ms,error,time= "$@"; }

out=$(inside curl -sS -m 10 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "allowed: $WEB_NAME:80 reaches the web server"
wait_for 5 sh -c "grep -q '\"name\":\"$WEB_NAME\"' $LOG"
like "$(rec name=$WEB_NAME)" "^allow $WEB_NAME 198\.1[89]\.[0-9]+\.[0-9]+ 80 3 [1-9][0-9]* [1-9][0-9]* [0-9]+ None time=20[0-9-]+T[0-9:.]+Z$" \
	"  logged at close: name, fake address, port, rule 3, bytes both ways, duration"

r=$(curl_ms "http://bad.$SUF/")
reset_fast "$r"; ok $? "denied name bad.$SUF: reset at once ($r)"
like "$(rec name=bad.$SUF)" "^deny bad.$SUF 198\.1[89]\.[0-9.]+ 80 1 0 0 0 None " "  logged: deny, rule 1, no bytes"

for h in "x.$SUF" "a.b.c.$SUF"; do
	out=$(inside curl -sS -m 10 "http://$h/" 2>&1)
	is "$out" "hello-bro from $HOST_IP" "*.$SUF matches $h"
done
wait_for 5 sh -c "grep -q '\"name\":\"a.b.c.$SUF\"' $LOG"
like "$(rec name=a.b.c.$SUF)" "^allow a.b.c.$SUF .* 80 2 " "  logged: allow, rule 2"
for h in "$SUF" "evil$SUF"; do
	r=$(curl_ms "http://$h/")
	reset_fast "$r"; ok $? "*.$SUF does not match $h: reset at once ($r)"
	like "$(rec name=$h)" "^deny $h .* 80 None 0 0 0 None " "  logged: deny by default"
done

r=$(curl_ms "http://$PEER_IP/")
reset_fast "$r"; ok $? "a literal address not on the list ($PEER_IP): reset at once ($r)"
like "$(rec addr=$PEER_IP)" "^deny None $PEER_IP 80 None 0 0 0 None " "  logged: no name, the address"
r=$(curl_ms "http://$WEB_NAME:8080/")
reset_fast "$r"; ok $? "$WEB_NAME on port 8080 (the rule says :80): reset at once ($r)"
like "$(rec name=$WEB_NAME port=8080)" "^deny $WEB_NAME .* 8080 None " "  logged with its port"

socks=$(cat "$T_TMP/socks.log")
ok "$(printf '%s' "$socks" | grep -Eq "bad\.$SUF|evil$SUF|connected to $SUF|$PEER_IP|:8080" && echo 1 || echo 0)" \
	"no denied connection reached the proxy"
like "$(bn list)" "polA +$RELAY_PID +running .* 3 +5 +-?[0-9]+$" "list: 3 allowed, 5 denied"

# a connection held open across a policy change
fifo=$ud/go
mkfifo "$fifo" && chown "$BRO_TEST_USER:" "$fifo"
user_bg "$N" exec polA -- python3 "$PEERS" hold "$ECHO_NAME" "$ECHO_PORT" "$fifo"
hold=$BG_PID hold_log=$BG_LOG
wait_for 10 grep -q "echo one" "$hold_log"
ok $? "a held connection to $ECHO_NAME:$ECHO_PORT echoes (rule 4, from the policy file)"
out=$(bn policy polA --deny "$ECHO_NAME" --allow "$WEB_NAME" 2>&1); st=$?
is "$st:$out" "0:polA: 2 rules" "policy polA --deny $ECHO_NAME --allow $WEB_NAME"
r=$(inside python3 -c '
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
    s.sendall(b"x\n"); d = s.recv(10); print("got", d)
except OSError as e: print("error", e.strerror)' "$ECHO_NAME" "$ECHO_PORT" 2>&1)
like "$r" "^error Connection reset by peer$" "  a new connection to $ECHO_NAME is reset"
echo go > "$fifo"
wait_for 10 sh -c "! kill -0 $hold 2>/dev/null"
is "$(tail -1 "$hold_log")" "echo two" "  the held one still echoes after the change"
wait_for 5 sh -c "grep -q '\"port\":$ECHO_PORT,\"verdict\":\"allow\"' $LOG"
like "$(rec name=$ECHO_NAME verdict=allow)" "^allow $ECHO_NAME .* $ECHO_PORT 4 8 8 [0-9]+ None " \
	"  logged at its close: rule 4 of the old policy, 8 bytes each way"
like "$(rec name=$ECHO_NAME verdict=deny)" "^deny $ECHO_NAME .* $ECHO_PORT 1 0 0 " "  the new one: deny, rule 1"
inside curl -sS -m 10 "http://$WEB_NAME:8080/" >/dev/null 2>&1
wait_for 5 sh -c "grep -q '\"port\":8080,\"verdict\":\"allow\"' $LOG"
like "$(rec name=$WEB_NAME port=8080 verdict=allow)" "^allow $WEB_NAME .* 8080 2 0 0 [0-9]+ Connection refused " \
	"  $WEB_NAME on any port is allowed now (rule 2; the web server refuses 8080 itself)"
r=$(curl_ms "http://x.$SUF/")
reset_fast "$r"; ok $? "  x.$SUF is denied now (the new policy has no *.$SUF) ($r)"

# the workload cannot change the policy: its socket is in the namespace
out=$(inside "$N" policy polA --allow '*' 2>&1); st=$?
is "$st" 77 "policy from inside the namespace: refused by the client (77)"
like "$out" "^bro-netns: policy polA: refused: .* is answered from another network namespace than ours" "  $out"
out=$(inside python3 -c '
import fcntl, os, socket, sys
fd = os.memfd_create("p", os.MFD_ALLOW_SEALING)
os.write(fd, b"allow *\n")
fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.settimeout(5)
s.connect(sys.argv[1]); socket.send_fds(s, [b"policy"], [fd]); print(s.recv(512).decode())' \
	"$T_RUNTIME/bro/netns/polA/ctl" 2>&1)
is "$out" "refused: the policy can be changed only from the relay's network namespace, not from inside" \
	"  a client of its own, sending the request from inside: refused by the relay"
r=$(curl_ms "http://x.$SUF/")
reset_fast "$r"; ok $? "  and the policy is unchanged"
out=$(bn policy polA --allow 'a..b' 2>&1); st=$?
like "$st:$out" "^64:bro-netns: --allow a\.\.b: empty label" "policy with a bad pattern: exit 64, one line ($out)"
out=$(bn policy polA 2>&1); st=$?
is "$st" 64 "policy without rules: exit 64"

# bro-netns log, --follow
out=$(bn log polA)
is "$(printf '%s\n' "$out" | wc -l)" "$(wc -l < "$LOG")" "log prints every line"
ok "$(printf '%s\n' "$out" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' && echo 0 || echo 1)" \
	"  each one a JSON object"
user_bg "$N" log polA --follow
follow=$BG_PID follow_log=$BG_LOG
wait_for 10 grep -q "\"name\":\"$WEB_NAME\"" "$follow_log"
ok $? "log --follow prints what was there"
inside curl -sS -m 10 "http://$WEB_NAME:9/" >/dev/null 2>&1
wait_for 10 grep -q "\"port\":9," "$follow_log"
ok $? "  and a connection made afterwards"
out=$(grep -hE "Sanitizer|runtime error" "$T_RUNTIME/bro/netns/polA/log" 2>/dev/null)
is "$out" "" "the relay's log has no sanitizer report"
bn_within 10 destroy polA
wait_for 10 sh -c "! kill -0 $follow 2>/dev/null"
ok $? "  log --follow ends when the relay is gone"
done_testing
