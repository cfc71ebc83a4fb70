#!/bin/bash
# bro-netns with an HTTP CONNECT proxy (tinyproxy), with SOCKS5
# username/password authentication (microsocks -u/-P), with DNS over TCP
# through the proxy to a resolver (AAAA included), and --bridge-port from
# host loopback to a server inside the namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser ip nft microsocks tinyproxy curl python3

peer_start

# --- HTTP CONNECT ---
http_start
ns_create --name http --proxy "http://127.0.0.1:$HTTP_PORT" ||
	{ echo "Bail out! create failed"; exit 1; }
out=$(inside curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "HTTP CONNECT: curl by name reaches the web server"
like "$(cat "$T_TMP/tinyproxy.log")" "CONNECT.*$WEB_NAME:80" "  tinyproxy's log shows CONNECT by name"
out=$(inside curl -sS -m 5 "http://$PEER_IP/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "HTTP CONNECT: a literal IP goes through the proxy too"
kill "$HTTP_PID"
wait_for 5 sh -c "! kill -0 $HTTP_PID"
out=$(inside curl -sS -m 5 "http://$WEB_NAME/" 2>&1); st=$?
ok $((st == 0)) "HTTP proxy stopped: curl fails ($out)"
bn destroy http

# --- SOCKS5 with RFC 1929 authentication ---
# the password never goes through argv (ps shows it to every local user for
# the relay's lifetime): a file of the user's own, stdin, or the environment
PW="pw-$$-s3cret"
socks_start -u bro -P "$PW"
ud=$(user_dir)
printf '%s\n' "$PW" > "$ud/pw"; chown "$BRO_TEST_USER:" "$ud/pw"; chmod 0600 "$ud/pw"
ns_create --name auth --proxy "socks5://bro@127.0.0.1:$SOCKS_PORT" --proxy-password-file "$ud/pw"
out=$(inside curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "SOCKS5 user/password: --proxy-password-file (0600): accepted credentials get through"
like "$(bn list)" "auth .*socks5://bro:\*\*\*@127.0.0.1:$SOCKS_PORT" "  list masks the password"
auth_relay=$RELAY_PID
out=$(as_user "$N" create --name authin --proxy "socks5://bro@127.0.0.1:$SOCKS_PORT" \
	--proxy-password-stdin < "$ud/pw" 2>&1); st=$?
is "$st" 0 "  --proxy-password-stdin: create ($out)"
cleanup_add "as_user $N destroy authin"
out=$(bn exec authin -- curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "  the password from stdin gets through"
# the environment, set without passing through any argv
out=$(as_user sh -c 'read -r BRO_PROXY_PASSWORD < "$0"; export BRO_PROXY_PASSWORD; exec "$@"' \
	"$ud/pw" "$N" create --name authenv --proxy "socks5://bro@127.0.0.1:$SOCKS_PORT" 2>&1); st=$?
is "$st" 0 "  BRO_PROXY_PASSWORD: create ($out)"
cleanup_add "as_user $N destroy authenv"
env_relay=$(echo "$out" | cut -d/ -f3)
out=$(bn exec authenv -- curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "  the password from the environment gets through"
leaks=
for p in /proc/[0-9]*; do
	[ "${p#/proc/}" = "$SOCKS_PID" ] && continue	# microsocks -P is the test's own
	tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -qF -- "$PW" && leaks="$leaks ${p#/proc/}"
done
is "$leaks" "" "no process's /proc/PID/cmdline holds the password (relays $auth_relay, $env_relay running)"
like "$(tr '\0' ' ' < "/proc/$auth_relay/cmdline")" "socks5://bro@127.0.0.1:$SOCKS_PORT" \
	"  (the relay's cmdline is create's: the URL with the user only)"
n=$(tr '\0' '\n' < "/proc/$env_relay/environ" | grep -cF -- "$PW")
is "$n" 0 "  nor the environment of the relay that took it from BRO_PROXY_PASSWORD"
n=$(cat "$T_RUNTIME"/bro/netns/auth*/info "$T_RUNTIME"/bro/netns/auth*/log | grep -cF -- "$PW")
is "$n" 0 "  nor its info file or log"

printf 'wrong\n' > "$ud/bad"; chown "$BRO_TEST_USER:" "$ud/bad"; chmod 0600 "$ud/bad"
ns_create --name badauth --proxy "socks5://bro@127.0.0.1:$SOCKS_PORT" --proxy-password-file "$ud/bad"
out=$(inside curl -sS -m 5 "http://$WEB_NAME/" 2>&1); st=$?
ok $((st == 0)) "  wrong credentials: the connection fails ($out)"
like "$(cat "$T_RUNTIME/bro/netns/badauth/log")" "Permission denied" "  the relay's log says why"
bn destroy auth; bn destroy authin; bn destroy authenv; bn destroy badauth

cleanup_add "as_user $N destroy pwurl"	# (if it were accepted)
out=$(bn create --name pwurl --proxy "socks5://bro:$PW@127.0.0.1:$SOCKS_PORT" 2>&1); st=$?
like "$st:$out" "^64:bro-netns: --proxy: a password in the URL is readable by every local user \(ps\): .*--proxy-password-file FILE, --proxy-password-stdin or BRO_PROXY_PASSWORD" \
	"a password in the URL is refused, saying where to put it: $out"
is "$(echo "$out" | wc -l)" 1 "  in one line"
chmod 0644 "$ud/pw"
out=$(bn create --proxy "socks5://bro@127.0.0.1:$SOCKS_PORT" --proxy-password-file "$ud/pw" 2>&1); st=$?
like "$st:$out" "^64:.*mode 0644 lets other users at it \(chmod 600 " "a password file others can read is refused: $out"
out=$(bn create --proxy "socks5://bro@127.0.0.1:$SOCKS_PORT" 2>&1 </dev/null); st=$?
like "$st:$out" "^64:.*user bro has no password: give it with --proxy-password-file" "a user without a password: $out"

# --- DNS over TCP through the proxy ---
socks_start
ns_create --name tcpdns --proxy "socks5://127.0.0.1:$SOCKS_PORT" \
	--dns "tcp://$DNS_NAME:53"
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$WEB_NAME" A 2>&1)
is "$out" "id=16962 rcode=0 an=1 $PEER_IP" "tcp mode: A answered by the resolver behind the proxy"
like "$(cat "$T_TMP/socks.log")" "connected to $DNS_NAME:53" "  the query went through the proxy"
like "$(cat "$T_TMP/dns.log")" "dns $WEB_NAME type 1" "  and reached the resolver"
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "v6.bro-test.invalid" AAAA 2>&1)
is "$out" "id=16962 rcode=0 an=1 fd00:b40::2" "tcp mode: AAAA answered too"
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$WEB_NAME" A tcp 2>&1)
is "$out" "id=16962 rcode=0 an=1 $PEER_IP" "tcp mode: a TCP DNS client is relayed to the resolver"
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$WEB_NAME" TXT 2>&1)
is "$out" "id=16962 rcode=0 an=0 tc" "tcp mode: an answer too big for UDP comes back truncated (TC), question echoed"
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$WEB_NAME" TXT tcp 2>&1)
is "$out" "id=16962 rcode=0 an=1 txt5120" "  and whole over TCP"
out=$(inside curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "tcp mode: curl resolves and connects by the real address"

# --- bridge port ---
hp=$(free_port)
ns_create --name bridge --proxy "socks5://127.0.0.1:$SOCKS_PORT" --bridge-port "$hp:8080"
ud=$(user_dir)
as_user sh -c "echo \$\$ > $ud/srv.pid; exec $N exec bridge -- python3 $PEERS web 127.0.0.1 8080" \
	>"$ud/srv.log" 2>&1 &
wait_for 5 test -s "$ud/srv.pid"
cleanup_add "kill $(cat "$ud/srv.pid")"
wait_for 5 sh -c "curl -s -m 1 http://127.0.0.1:$hp/ | grep -q hello"
out=$(curl -sS -m 5 "http://127.0.0.1:$hp/" 2>&1)
is "$out" "hello-bro from 127.0.0.1" "bridge-port: host 127.0.0.1:$hp reaches the server inside"
out=$(curl -sS -m 5 "http://127.0.0.1:$hp/" 2>&1 | wc -c)
ok $((out == 0)) "  repeatedly"

# tcp mode with the proxy gone: SERVFAIL at once, not a timeout
kill "$SOCKS_PID"
wait_for 5 sh -c "! kill -0 $SOCKS_PID"
NS_NAME=tcpdns
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$WEB_NAME" A 2>&1)
is "$out" "id=16962 rcode=2 an=0" "tcp mode, proxy down: SERVFAIL, answered at once"

# --- bad arguments ---
out=$(bn create --proxy ftp://x:1 2>&1); st=$?
like "$st:$out" "^64:.*--proxy: the scheme must be socks5:// or http://" "bad --proxy scheme: $out"
out=$(bn create --proxy socks5://127.0.0.1:0 2>&1); st=$?
like "$st:$out" "^64:.*port must be 1-65535" "bad --proxy port"
out=$(bn create --proxy socks5://127.0.0.1:1 --dns udp://x 2>&1); st=$?
like "$st:$out" "^64:.*--dns" "bad --dns"
out=$(bn create --proxy socks5://127.0.0.1:1 --bridge-port x:y:z 2>&1); st=$?
like "$st:$out" "^64:.*--bridge-port" "bad --bridge-port"
out=$(bn create --name ../x --proxy socks5://127.0.0.1:1 2>&1); st=$?
like "$st:$out" "^64:.*--name" "a name with a slash is refused"
out=$(bn create --name tcpdns --proxy "socks5://127.0.0.1:$SOCKS_PORT" 2>&1); st=$?
like "$st:$out" "^1:.*exists" "a name in use is refused"
out=$(as_user env -u XDG_RUNTIME_DIR "$N" list 2>&1); st=$?
like "$st:$out" "XDG_RUNTIME_DIR" "no XDG_RUNTIME_DIR: a clear error"
done_testing
