#!/bin/bash
# IPv6 end to end: a test host reached from the host over a veth by IPv6
# only (fd00:b7:N::2, no IPv4 on the link). From a bro-netns namespace, TCP
# to its IPv6 literal goes through the SOCKS5 proxy by address (the relay's
# [::1] listener, IP6T_SO_ORIGINAL_DST, SOCKS5 ATYP 4), and a name the
# proxy resolves to it (AAAA in the proxy's hosts file) goes by name: the
# web server sees the host's address, the proxy's log the request. UDP and
# ICMPv6 echo to it are refused inside, and with the proxy stopped TCP fails
# too: zero packets of them reach the test host. The links are made quiet
# first (no DAD, no router solicitation, no link-local address, static
# neighbours: no neighbour discovery), so every packet counted is the test's;
# only the multicast listener reports the kernel sends for the host's own
# address on the link are left out of the count (they come from the host's
# link set-up, never from the namespace, which has no link at all).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser ip nft microsocks danted curl python3

n=$(( $$ % 200 + 20 ))
P6NS=bro-t6-$$
H6=fd00:b7:$n::1
P6=fd00:b7:$n::2
V6H=b6v$$h V6P=b6v$$p
WEB6=web6.bro-test.invalid

ip netns add "$P6NS" || { echo "Bail out! ip netns add"; exit 1; }
cleanup_add "ip netns del $P6NS"
ip link add "$V6H" type veth peer name "$V6P" || { echo "Bail out! veth"; exit 1; }
cleanup_add "ip link del $V6H"
ip link set "$V6P" netns "$P6NS"
for k in accept_dad=0 dad_transmits=0 router_solicitations=0 accept_ra=0; do
	sysctl -qw "net.ipv6.conf.$V6H.$k"
	ip netns exec "$P6NS" sysctl -qw "net.ipv6.conf.$V6P.$k"
done
ip link set "$V6H" addrgenmode none
ip -n "$P6NS" link set "$V6P" addrgenmode none
ip netns exec "$P6NS" nft -f - <<NFT
table inet leak6 {
	counter n_tcp { }
	counter n_udp { }
	counter n_icmp { }
	counter n_all { }
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		iifname "$V6P" icmpv6 type { mld-listener-report, mld2-listener-report } return
		iifname "$V6P" counter name "n_all"
		iifname "$V6P" meta l4proto tcp counter name "n_tcp"
		iifname "$V6P" meta l4proto udp counter name "n_udp"
		iifname "$V6P" meta l4proto { icmp, ipv6-icmp } counter name "n_icmp"
	}
}
NFT
ip addr add "$H6/64" dev "$V6H" nodad
ip -n "$P6NS" addr add "$P6/64" dev "$V6P" nodad
ip -6 neigh add "$P6" lladdr "$(ip netns exec "$P6NS" cat "/sys/class/net/$V6P/address")" \
	dev "$V6H" nud permanent
ip -n "$P6NS" -6 neigh add "$H6" lladdr "$(cat "/sys/class/net/$V6H/address")" \
	dev "$V6P" nud permanent
ip link set "$V6H" up && ip -n "$P6NS" link set "$V6P" up && ip -n "$P6NS" link set lo up
ip netns exec "$P6NS" python3 "$PEERS" web "$P6" 80 >"$T_TMP/web6.log" 2>&1 &
cleanup_add "kill $!"
wait_for 5 ip netns exec "$P6NS" sh -c "ss -Htln | grep -q '\]:80 '" ||
	{ echo "Bail out! IPv6 web server: $(cat "$T_TMP/web6.log")"; exit 1; }
count6() {
	ip netns exec "$P6NS" nft list counter inet leak6 "n_$1" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}
is "$(count6 all)" 0 "the quiet link: nothing counted before the test"

printf '127.0.0.1 localhost\n%s %s\n' "$P6" "$WEB6" > "$T_TMP/hosts"
socks_start
ns_create --name v6e2e --proxy "socks5://127.0.0.1:$SOCKS_PORT" ||
	{ echo "Bail out! create failed"; exit 1; }

out=$(inside curl -sS -m 10 "http://[$P6]/" 2>&1)
is "$out" "hello-bro from $H6" "TCP to the IPv6 literal [$P6]: through the proxy, from the host's address"
out=$(inside curl -sS -m 10 "http://$WEB6/" 2>&1)
is "$out" "hello-bro from $H6" "a name the proxy resolves to $P6: through the proxy, by name"
like "$(cat "$T_TMP/web6.log")" "web $H6 .*GET / " "  the web server logged both from $H6"
tcp=$(count6 tcp)
ok "$([ "$tcp" -gt 0 ] && echo 0 || echo 1)" "  TCP reached the test host ($tcp packets, all the proxy's)"

# what else a program inside may try over IPv6: refused, nothing sent
out=$(inside python3 -c '
import socket, sys
peer = sys.argv[1]
for what in ("udp", "ping"):
    try:
        if what == "udp":
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.settimeout(1); s.sendto(b"x", (peer, 123)); s.recv(64)
        else:
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6)
            s.sendto(b"\x80\0\0\0\0\0\0\0", (peer, 0))
        print(what, "SENT")
    except OSError as e:
        print(what, "refused")' "$P6" 2>&1)
is "$(echo $out)" "udp refused ping refused" "UDP and ICMPv6 echo to [$P6] from inside: refused (no --udp)"
is "$(count6 udp):$(count6 icmp)" "0:0" "  zero UDP, zero ICMPv6 packets reached the test host"

# UDP over IPv6 through dante (--udp): TPROXY's ip6 rule, IPV6_ORIGDSTADDR,
# the reply socket bound to the IPv6 destination
U6PORT=7008
ip netns exec "$P6NS" python3 "$PEERS" udpecho "$P6" "$U6PORT" >"$T_TMP/udpecho6.log" 2>&1 &
cleanup_add "kill $!"
wait_for 10 ip netns exec "$P6NS" sh -c "ss -Huln | grep -q ':$U6PORT '" ||
	{ echo "Bail out! UDP echo server did not start"; exit 1; }
dante_start "$H6"
cleanup_add "as_user $N destroy v6udp"
out=$(bn create --name v6udp --proxy "socks5://127.0.0.1:$DANTE_PORT" --udp 2>&1)
like "$out" "^v6udp /proc/" "create --udp (dante)"
udp0=$(count6 udp)
out=$(bn exec v6udp -- python3 "$PEERS" udpping "$P6" "$U6PORT" 10 600 2>&1)
is "$out" "echoed 10 from $P6" "10 UDP datagrams to [$P6]:$U6PORT, each echoed from there"
is "$(( $(count6 udp) - udp0 ))" 10 "  the test host got exactly 10, "
is "$(awk '{ print $2 }' "$T_TMP/udpecho6.log" | sort -u)" "$H6" "  all from the host's address (dante)"
bn_within 10 destroy v6udp
kill "$DANTE_PID"

kill "$SOCKS_PID"
wait_for 5 sh -c "! kill -0 $SOCKS_PID 2>/dev/null"
tcp=$(count6 tcp)
out=$(inside curl -sS -m 5 "http://[$P6]/" 2>&1); st=$?
ok "$([ "$st" -ne 0 ] && echo 0 || echo 1)" "proxy stopped: curl to [$P6] fails (exit $st)"
is "$(count6 tcp)" "$tcp" "  and not one TCP packet more reached the test host"
is "$(count6 all)" "$(( $(count6 tcp) + 10 ))" "every packet the test host got was the proxies': their TCP and dante's 10 datagrams"
out=$(grep -hE "Sanitizer|runtime error" "$T_RUNTIME/bro/netns/v6e2e/log" 2>/dev/null)
is "$out" "" "the relay's log has no sanitizer report"
done_testing
