#!/bin/bash
# UDP through the SOCKS5 proxy (--udp): dante (UDP ASSOCIATE) on host
# loopback, a UDP echo server on the test host. From inside, datagrams to
# its literal address and to a name (a fake address: sent by name, dante
# resolves it) are all echoed, the replies coming from the address the
# client sent to (a connected socket takes no other); every datagram the
# test host gets comes from dante's address on the veth, none directly, and
# their count is exactly what went through. A name the policy denies: its
# datagrams are dropped, not one reaches the test host, the flow is logged.
# --udp with an HTTP proxy or --proxy direct is refused at create.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser ip nft danted curl python3

SUF=udp.bro-test.invalid
UPORT=7007			# in the test host's own namespace
peer_start
for h in echo.$SUF bad.$SUF; do
	printf '%s %s\n' "$PEER_IP" "$h" >> "$T_TMP/hosts"
done
ip netns exec "$PEER_NS" python3 "$PEERS" udpecho "$PEER_IP" "$UPORT" \
	>"$T_TMP/udpecho.log" 2>&1 &
cleanup_add "kill $!"
wait_for 10 ip netns exec "$PEER_NS" sh -c "ss -Huln | grep -q ':$UPORT '" ||
	{ echo "Bail out! UDP echo server did not start"; exit 1; }

# dante on host loopback, going out from the host's veth address
dante_start "$HOST_IP" "${IN_HOSTS[@]}"

for p in "http://127.0.0.1:$DANTE_PORT" direct; do
	out=$(bn create --name udpbad --proxy "$p" --udp 2>&1); st=$?
	like "$st:$out" "^64:bro-netns: create: --udp needs a socks5:// proxy" "--udp with --proxy $p: refused (exit 64)"
done
out=$(bn create --name udpbad --proxy "socks5://127.0.0.1:$DANTE_PORT" --udp --udp-idle 0 2>&1); st=$?
like "$st:$out" "^64:bro-netns: --udp-idle 0: 1-3600 seconds" "--udp-idle 0: refused"

ns_create --name udpA --proxy "socks5://127.0.0.1:$DANTE_PORT" --udp --udp-idle 2 \
	--deny "bad.$SUF" --allow "*.$SUF" --allow "$PEER_IP" ||
	{ echo "Bail out! create failed"; exit 1; }
LOG=$T_RUNTIME/bro/netns/udpA/conns

udp0=$(peer_count udp)
out=$(inside python3 "$PEERS" udpping "$PEER_IP" "$UPORT" 20 512 2>&1)
is "$out" "echoed 20 from $PEER_IP" "20 datagrams to $PEER_IP:$UPORT, each echoed from there"
out=$(inside python3 "$PEERS" udpping "echo.$SUF" "$UPORT" 20 1400 2>&1)
like "$out" "^echoed 20 from 198\.1[89]\.[0-9]+\.[0-9]+$" "20 datagrams to echo.$SUF (a fake address), each echoed from it"
is "$(( $(peer_count udp) - udp0 ))" 40 "  the test host got exactly 40 UDP datagrams"
srcs=$(awk '{ print $2 }' "$T_TMP/udpecho.log" | sort -u)
is "$srcs" "$HOST_IP" "  all from the host's veth address (dante), none from anywhere else"
like "$(cat "$T_TMP/danted.log")" "udpassociate" "  dante's log shows the UDP associations"

before=$(peer_count udp)
out=$(inside python3 "$PEERS" udpping "bad.$SUF" "$UPORT" 1 10 2>&1)
like "$out" "^echoed 0 then timed out" "a denied name bad.$SUF: no answer"
is "$(peer_count udp)" "$before" "  not one datagram reached the test host"

# the flows end after 2 s without a datagram: then they are logged
wait_for 15 sh -c "grep -q '\"name\":\"echo.$SUF\"' $LOG && grep -q '\"addr\":\"$PEER_IP\"' $LOG"
rec() { log_rec proto,verdict,name,addr,port,bytes_out,bytes_in,error "$@"; }
is "$(rec name=bad.$SUF)" "udp deny bad.$SUF $(rec name=bad.$SUF | awk '{print $4}') $UPORT 0 0 None" \
	"logged: the denied flow"
like "$(rec name=echo.$SUF)" "^udp allow echo.$SUF 198\.1[89]\.[0-9.]+ $UPORT 28000 28000 None$" \
	"logged: the flow by name, 20 x 1400 bytes each way"
like "$(rec addr=$PEER_IP proto=udp)" "^udp allow None $PEER_IP $UPORT 10240 10240 None$" \
	"logged: the flow by address, 20 x 512 bytes each way"
like "$(bn list)" "udpA .* 38240 +38240 +2 +1 +-?[0-9]+$" \
	"list: 38240 bytes each way, 2 flows allowed, 1 denied"
out=$(grep -hE "Sanitizer|runtime error" "$T_RUNTIME/bro/netns/udpA/log" 2>/dev/null)
is "$out" "" "the relay's log has no sanitizer report"
bn_within 10 destroy udpA
done_testing
