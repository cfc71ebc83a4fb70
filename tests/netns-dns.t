#!/bin/bash
# Fake DNS never hands out a fake address for a name that means "this
# machine" or is an address: that address would be CONNECTed by name at the
# proxy, which would read it as ITS own loopback. A web server listening on
# the host's loopback only (the proxy's side) stands for a loopback-only
# service of the proxy host: asked for through the namespace's DNS under
# the names 127.0.0.1, 127.1, 0x7f000001, 2130706433, localhost or
# db.localhost, the answer is 127.0.0.1 itself, and connecting to it stays
# in the namespace's own loopback: the service is never reached. Single-label
# names and names ending in a numeric label are NXDOMAIN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser ip nft microsocks curl python3

peer_start
socks_start
lport=$(free_port) || { echo "Bail out! no free port outside the ephemeral range"; exit 1; }
python3 "$PEERS" web 127.0.0.1 "$lport" >"$T_TMP/lo.log" 2>&1 &
cleanup_add "kill $!"
wait_for 5 listening "$lport" || { echo "Bail out! loopback web server did not start"; exit 1; }
out=$(curl -sS -m 5 "http://127.0.0.1:$lport/" 2>&1)
is "$out" "hello-bro from 127.0.0.1" "(control: the loopback-only service answers on the host, where the proxy is)"
: > "$T_TMP/lo.log"

ns_create --name dns --proxy "socks5://127.0.0.1:$SOCKS_PORT" ||
	{ echo "Bail out! create failed"; exit 1; }
for name in 127.0.0.1 127.1 0x7f000001 2130706433 localhost db.localhost LocalHost; do
	out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$name" A 2>&1)
	is "$out" "id=16962 rcode=0 an=1 127.0.0.1" "A $name: answered with 127.0.0.1 itself, not a fake address"
	set -- $out
	addr=${4:-none}
	out=$(inside curl -sS -m 5 "http://$addr:$lport/" 2>&1); st=$?
	like "$st:$out" "^7:.*(Connection refused|Couldn't connect)" \
		"  connecting to it stays in the namespace: the proxy's loopback service is not reached"
done
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 10.1.2.3 A 2>&1)
is "$out" "id=16962 rcode=0 an=1 10.1.2.3" "A 10.1.2.3: any IPv4 literal answers with itself"
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 127.0.0.1 AAAA 2>&1)
is "$out" "id=16962 rcode=0 an=0" "AAAA 127.0.0.1: no data"
for name in intranet ip6-localhost 127.0.0.1.1 08.0.0.1 host.0x10; do
	out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$name" A 2>&1)
	is "$out" "id=16962 rcode=3 an=0" "A $name: NXDOMAIN (single label, or a numeric last label)"
done
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 intranet AAAA 2>&1)
is "$out" "id=16962 rcode=3 an=0" "  AAAA too"
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$WEB_NAME" A 2>&1)
like "$out" '^id=16962 rcode=0 an=1 198\.1[89]\.' "a host name still gets a fake address ($out)"
out=$(inside curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "  and is reached through the proxy by name"
out=$(inside curl -sS -m 5 "http://db.localhost:$lport/" 2>&1); st=$?
like "$st:$out" "^7:" "curl to db.localhost stays inside too"

is "$(cat "$T_TMP/lo.log")" "" "the loopback-only service saw no request at all"
ok "$(grep -Eqi "connected to (127\.|0x7f|2130706433|localhost|db\.localhost)" "$T_TMP/socks.log" && echo 1 || echo 0)" \
	"the proxy was never asked for a loopback name or address"
done_testing
