#!/bin/bash
# bro-netns --proxy direct: no proxy, the relay connects from the host's
# network namespace itself, a fake-DNS name by that name resolved with the
# host's resolver (here: a hosts file and "hosts: files" bind-mounted in a
# mount namespace the relay is started in, so no lookup leaves the machine),
# under the policy. An allowed name reaches the test host's web server over
# the veth, from the host's address (no proxy in between); an allowed
# literal address too; a denied name is reset at once and not one packet
# reaches the test host; a name the host resolves to its own loopback is
# refused (the host's local services stay out of reach); a name the host
# cannot resolve is reset and logged with the resolver's reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser ip nft curl python3

SUF=direct.bro-test.invalid
peer_start
for h in ok.$SUF bad.$SUF; do
	printf '%s %s\n' "$PEER_IP" "$h" >> "$T_TMP/hosts"
done
printf '127.0.0.1 lo.%s\n::1 lo6.%s\n' "$SUF" "$SUF" >> "$T_TMP/hosts"
printf 'hosts: files\n' > "$T_TMP/nsswitch.conf"
chmod a+r "$T_TMP/hosts" "$T_TMP/nsswitch.conf"

# a web server on the host's own loopback: what lo.$SUF would reach
LOPORT=$(free_port)
python3 "$PEERS" web 127.0.0.1 "$LOPORT" >"$T_TMP/loweb.log" 2>&1 &
cleanup_add "kill $!"
wait_for 5 listening "$LOPORT" || { echo "Bail out! loopback web server"; exit 1; }

# create, as the test user, in a mount namespace that sees the test's hosts
# file and nsswitch.conf: the relay stays in it
dcreate() {
	unshare -m sh -c 'mount --bind "$0" /etc/hosts &&
		mount --bind "$1" /etc/nsswitch.conf && shift && exec "$@"' \
		"$T_TMP/hosts" "$T_TMP/nsswitch.conf" \
		runuser -u "$BRO_TEST_USER" -- env -i PATH="$T_PATH" HOME="$T_HOME" \
		USER="$BRO_TEST_USER" XDG_RUNTIME_DIR="$T_RUNTIME" ${T_ENV:-} \
		"$N" create "$@"
}
cleanup_add "as_user $N destroy dirA"
out=$(dcreate --name dirA --proxy direct --deny "bad.$SUF" --allow "*.$SUF" \
	--allow "$WEB_NAME:80" --allow "$PEER_IP:80" 2>&1)
like "$out" "^dirA /proc/[0-9]+/fd/[0-9]+$" "create --proxy direct ($out)"
NS_NAME=dirA
RELAY_PID=$(echo "$out" | cut -d/ -f3)
LOG=$T_RUNTIME/bro/netns/dirA/conns

# rec KEY=VALUE...: the last log line with those fields
rec() { log_rec verdict,name,addr,port,bytes_out,bytes_in,error "$@"; }

like "$(bn list)" "dirA +$RELAY_PID +running +direct " "list shows the proxy as direct"
out=$(inside curl -sS -m 10 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "allowed name $WEB_NAME reaches the test host, from the host's address"
out=$(inside curl -sS -m 10 "http://ok.$SUF/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "  ok.$SUF (*.$SUF) too"
wait_for 5 sh -c "grep -q '\"name\":\"ok.$SUF\"' $LOG"
like "$(rec name=ok.$SUF)" "^allow ok.$SUF 198\.1[89]\.[0-9.]+ 80 [1-9][0-9]* [1-9][0-9]* None$" \
	"  logged: allow, the name, bytes both ways"
out=$(inside curl -sS -m 10 "http://$PEER_IP/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "allowed literal address $PEER_IP:80 reaches it"

before=$(peer_count all)
r=$(curl_ms "http://bad.$SUF/")
reset_fast "$r" empty-ok; ok $? "denied name bad.$SUF: reset at once ($r)"
r=$(curl_ms "http://$PEER_IP:8080/")
reset_fast "$r" empty-ok; ok $? "denied port $PEER_IP:8080: reset at once ($r)"
is "$(peer_count all)" "$before" "  not one packet reached the test host for them"
like "$(rec name=bad.$SUF)" "^deny bad.$SUF .* 80 0 0 None$" "  logged: deny"

r=$(curl_ms "http://lo.$SUF:$LOPORT/")
reset_fast "$r" empty-ok; ok $? "lo.$SUF (127.0.0.1 on the host): refused, reset at once ($r)"
r=$(curl_ms "http://lo6.$SUF:$LOPORT/")
reset_fast "$r" empty-ok; ok $? "lo6.$SUF (::1 on the host): refused, reset at once ($r)"
is "$(cat "$T_TMP/loweb.log")" "" "  the host's loopback web server saw nothing"
wait_for 5 sh -c "grep -q '\"name\":\"lo6.$SUF\"' $LOG"
like "$(rec name=lo.$SUF)" "^allow lo.$SUF .* $LOPORT 0 0 refused: a loopback, unspecified or fake address on the host$" \
	"  logged with the reason"

r=$(curl_ms "http://none.$SUF/")
reset_fast "$r" empty-ok; ok $? "none.$SUF (the host cannot resolve it): reset at once ($r)"
wait_for 5 sh -c "grep -q '\"name\":\"none.$SUF\"' $LOG"
like "$(rec name=none.$SUF)" "^allow none.$SUF .* 80 0 0 getaddrinfo: " "  logged with the resolver's reason"

# the policy changes on the running namespace, as with a proxy
out=$(bn policy dirA --deny "$WEB_NAME" --allow '*' 2>&1)
is "$out" "dirA: 2 rules" "policy dirA --deny $WEB_NAME --allow '*'"
r=$(curl_ms "http://$WEB_NAME/")
reset_fast "$r" empty-ok; ok $? "  $WEB_NAME is reset now ($r)"
out=$(inside curl -sS -m 10 "http://bad.$SUF/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "  bad.$SUF reaches it now"

# --dns tcp://RESOLVER with no proxy: the queries go straight to the test
# host's DNS-over-TCP server (it answers every name with its own address)
cleanup_add "as_user $N destroy dirB"
out=$(dcreate --name dirB --proxy direct --dns "tcp://$PEER_IP" --allow "$PEER_IP" 2>&1)
like "$out" "^dirB /proc/" "create --proxy direct --dns tcp://$PEER_IP"
out=$(bn exec dirB -- curl -sS -m 10 "http://any.$SUF/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "  a name answered by that resolver, reached by its address"
bn_within 10 destroy dirB

like "$(bn list)" "dirA +$RELAY_PID +running +direct .* 7 +3 +-?[0-9]+$" "list: 7 allowed, 3 denied"
out=$(grep -hE "Sanitizer|runtime error" "$T_RUNTIME/bro/netns/dirA/log" 2>/dev/null)
is "$out" "" "the relay's log has no sanitizer report"
bn_within 10 destroy dirA
wait_for 10 none_alive "$RELAY_PID"; ok $? "destroy ends the relay"
done_testing
