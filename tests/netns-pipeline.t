#!/bin/bash
# bro-netns --proxy-pipeline: the SOCKS5 greeting and the CONNECT in one
# write, through dante (which reads past the greeting); the replies are read,
# not peeked, so a destination that speaks first must still have its first
# bytes reach the client, in order, whether they come with the CONNECT reply
# or after it. Without the option the same through dante and microsocks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser ip nft danted microsocks curl python3

peer_start

# dante on host loopback, names from the test hosts file
dante_start "$HOST_IP" "${IN_HOSTS[@]}"

# a destination that speaks first: "banner N" at once, then answers a line
BANNER_PORT=$(free_port)
ip netns exec "$PEER_NS" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(64)
n = 0
while True:
    c, _ = s.accept(); n += 1
    c.sendall(b"banner %d\n" % n)
    f = c.makefile("rb")
    c.sendall(b"got " + f.readline())
    f.close(); c.close()
' "$PEER_IP" "$BANNER_PORT" >"$T_TMP/banner.log" 2>&1 &
cleanup_add "kill $!"
wait_for 5 ip netns exec "$PEER_NS" sh -c "ss -Htln | grep -q ':$BANNER_PORT '" ||
	{ echo "Bail out! banner server did not start"; exit 1; }
# the client: 20 connections, each reads the banner, sends a line, reads the
# answer; prints one line per connection
cat > "$T_TMP/bclient.py" <<'PY'
import socket, sys
for i in range(20):
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    f = c.makefile("rb")
    b = f.readline().split()
    c.sendall(b"line %d\n" % i)
    a = f.readline().decode().strip()
    print(b[0].decode(), a)
    c.close()
PY
chmod 0644 "$T_TMP/bclient.py"
want=$(for i in $(seq 0 19); do echo "banner got line $i"; done)

ns_create --name pipe --proxy "socks5://127.0.0.1:$DANTE_PORT" --proxy-pipeline ||
	{ echo "Bail out! create failed"; exit 1; }
out=$(inside curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "pipelined through dante: curl by name reaches the web server"
out=$(inside curl -sS -m 5 "http://$PEER_IP/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "  and by address"
out=$(inside python3 "$T_TMP/bclient.py" "$PEER_IP" "$BANNER_PORT" 2>&1)
is "$out" "$want" "  a destination that speaks first: every banner, then the answer, on 20 connections"
out=$(inside python3 -c 'import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(b"x\n"); print(s.recv(100))' "$PEER_IP" "$(free_port)" 2>&1); st=$?
ok $((st == 0)) "  a refused destination: the client's connection fails ($(echo "$out" | tail -1))"
like "$(cat "$T_RUNTIME/bro/netns/pipe/log")" "connect\($PEER_IP:[0-9]+\): " "  the relay's log says why"
bn destroy pipe

ns_create --name nopipe --proxy "socks5://127.0.0.1:$DANTE_PORT" ||
	{ echo "Bail out! create failed"; exit 1; }
out=$(inside curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "not pipelined, through dante: curl by name"
out=$(inside python3 "$T_TMP/bclient.py" "$PEER_IP" "$BANNER_PORT" 2>&1)
is "$out" "$want" "  a destination that speaks first: every banner, then the answer"
bn destroy nopipe

socks_start
ns_create --name micro --proxy "socks5://127.0.0.1:$SOCKS_PORT" ||
	{ echo "Bail out! create failed"; exit 1; }
out=$(inside python3 "$T_TMP/bclient.py" "$PEER_IP" "$BANNER_PORT" 2>&1)
is "$out" "$want" "not pipelined, through microsocks: a destination that speaks first"
bn destroy micro

out=$(bn create --name pipehttp --proxy "http://127.0.0.1:$DANTE_PORT" --proxy-pipeline 2>&1); st=$?
cleanup_add "as_user $N destroy pipehttp"
like "$st:$out" "^64:bro-netns: create: --proxy-pipeline is for a socks5:// proxy" \
	"--proxy-pipeline with an http:// proxy is refused: $out"
done_testing
