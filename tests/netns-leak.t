#!/bin/bash
# Nothing leaves a bro-netns namespace but through the proxy. A test host in
# a namespace the test made (over a veth, 10.231.N.2) is directly reachable
# from the host, so a leak would be possible there and would be counted:
# every IP packet arriving on its veth is. With the proxy up, TCP to its
# literal address arrives from the proxy (the proxy's log and the web
# server's client address show it); UDP, ICMP, a raw socket arrive never.
# With the proxy stopped, not even TCP arrives, and curl fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser ip nft microsocks curl python3

peer_start
socks_start
ns_create --name leak --proxy "socks5://127.0.0.1:$SOCKS_PORT" ||
	{ echo "Bail out! create failed"; exit 1; }

# what a program inside may try, besides TCP: prints one line per attempt
cat > "$T_TMP/escape.py" <<'PY'
import socket, sys
peer = sys.argv[1]
def attempt(what, f):
    try:
        f(); print(what, "SENT")
    except OSError as e:
        print(what, "refused:", e.strerror)
def udp(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1); s.sendto(b"\x1b" + 47 * b"\0", addr)
    s.recv(64)
def raw():
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(b"\x08\0\xf7\xff\0\0\0\0", (peer, 0))
def ping():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
    s.sendto(b"\x08\0\0\0\0\0\0\0", (peer, 0))
def udp6():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(1); s.sendto(b"x", ("2001:db8::1", 123)); s.recv(64)
attempt("udp-1.1.1.1:123", lambda: udp(("1.1.1.1", 123)))
attempt("udp-peer:123", lambda: udp((peer, 123)))
attempt("udp6", udp6)
attempt("raw-icmp", raw)
attempt("ping-socket", ping)
PY
chmod 0644 "$T_TMP/escape.py"

# --- proxy up ---
out=$(inside curl -sS -m 5 "http://$PEER_IP/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "TCP to the test host's literal IP arrives from the proxy's side"
like "$(cat "$T_TMP/socks.log")" "connected to $PEER_IP:80" "  the proxy's log shows the request"
tcp0=$(peer_count tcp)
ok $((tcp0 == 0)) "  the test host saw that TCP (as the proxy's, $tcp0 packets)"

# (TCP from the proxy's finished connection may still trickle in: count
# everything but TCP here; TCP is counted with the proxy down, below)
nontcp() { echo $(( $(peer_count all) - $(peer_count tcp) )); }
all0=$(nontcp)
out=$(inside python3 "$T_TMP/escape.py" "$PEER_IP" 2>&1)
like "$out" "udp-1.1.1.1:123 refused" "UDP to 1.1.1.1:123 is refused"
like "$out" "udp-peer:123 refused" "UDP to the test host is refused"
like "$out" "udp6 refused" "UDP over IPv6 is refused"
like "$out" "raw-icmp refused: Operation not permitted" "a raw socket cannot even be made"
like "$out" "ping-socket refused" "an ICMP datagram socket is refused"
sleep 0.5
is "$(nontcp)" "$all0" "  zero packets of those reached the test host"
is "$(peer_count udp)" 0 "  no UDP at all ever reached it"
is "$(peer_count icmp)" 0 "  no ICMP at all ever reached it"

# --- proxy stopped ---
kill "$SOCKS_PID"
wait_for 5 sh -c "! kill -0 $SOCKS_PID"
sleep 1		# the proxy's last FINs
all0=$(peer_count all)
out=$(inside curl -sS -m 5 "http://$PEER_IP/" 2>&1); st=$?
ok $((st == 0)) "proxy stopped: curl to the literal IP fails ($out)"
out=$(inside curl -sS -m 5 "http://$WEB_NAME/" 2>&1); st=$?
ok $((st == 0)) "proxy stopped: curl by name fails ($out)"
out=$(inside curl -sS -m 5 "http://[2001:db8::1]/" 2>&1); st=$?
ok $((st == 0)) "proxy stopped: curl to an IPv6 literal fails"
out=$(inside python3 "$T_TMP/escape.py" "$PEER_IP" 2>&1)
unlike=$(printf '%s\n' "$out" | grep -c SENT)
is "$unlike" 0 "proxy stopped: UDP, raw and ICMP are all refused"
sleep 0.5
is "$(peer_count all)" "$all0" "  zero packets reached the test host while the proxy was down"
blocked=$(bn list | awk '$1 == "leak" { print $NF }')
ok $((blocked == 0)) "list counts the blocked packets ($blocked)"
done_testing
