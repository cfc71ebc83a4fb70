#!/bin/bash
# bro-connect as an ssh ProxyCommand: a header injection in HOST or PORT is
# refused before a byte is sent (a recording listener proves it), a non-2xx
# reply and a silent proxy end in one line, and real ssh sessions run
# through tinyproxy (HTTP CONNECT) and microsocks (SOCKS5 username/password)
# to a local sshd, bytes checked both ways.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect-lib.sh"
require python3 ssh ssh-keygen tinyproxy microsocks timeout /usr/sbin/sshd

# bad WANT-STATUS REGEX DESCRIPTION ARGS...: bro-connect as the test user,
# within 15 s, exactly one line on stderr saying why
bad() {
	local want=$1 re=$2 desc=$3 out st; shift 3
	out=$(T_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-} ${B_ENV:-}" as_user timeout 15 "$BC" "$@" 2>&1 </dev/null >/dev/null); st=$?
	is "$st" "$want" "$desc: exit status $want"
	is "$(printf '%s\n' "$out" | grep -c .)" 1 "  one line"
	like "$out" "$re" "  saying why"
}

# --- what reaches a proxy: nothing at all for a bad destination ---
fakeproxy_start 403
P=http://127.0.0.1:$FAKE_PORT
bad 64 "bad destination: the host has a space, control" "HOST with CR LF and a header" \
	$'host\r\nX-Evil: 1' 22 --proxy "$P"
bad 64 "bad destination: the port must be a number" "PORT with CR LF and a header" \
	example.org $'22\r\nX-Evil: 1' --proxy "$P"
bad 64 "bad destination: not a host name" "HOST with an '@'" 'a@b' 22 --proxy "$P"
bad 64 "bad destination: the port must be" "port 0" example.org 0 --proxy "$P"
bad 64 "bad destination: the port must be" "port 65536" example.org 65536 --proxy "$P"
is "$(wc -c < "$T_TMP/fake.rec")" 0 "the proxy received no byte from any of them"
is "$(grep -c . "$T_TMP/fake.conns")" 0 "  and no connection"

# the same listener does record what a valid destination sends (so the
# zeros above mean something), and its 403 is refused
bad 1 "proxy 127.0.0.1:$FAKE_PORT, to example.org:22: the proxy refused CONNECT: 'HTTP/1.1 403 Forbidden'" \
	"a 403 reply" example.org 22 --proxy "$P"
like "$(head -1 "$T_TMP/fake.rec")" "^CONNECT example.org:22 HTTP/1.1"$'\r'"$" \
	"  the listener recorded the CONNECT line"
bad 1 "refused CONNECT: 'HTTP/1.1 403" "IPv6 HOST" ::1 2222 --proxy "$P"
like "$(grep -a '^CONNECT \[' "$T_TMP/fake.rec")" "^CONNECT \[::1\]:2222 HTTP/1.1" "  sent in brackets"
is "$(grep -c . "$T_TMP/fake.conns")" 2 "  two connections recorded"

bad 64 "a password in the URL is readable by every local user" "user:pass in --proxy" \
	example.org 22 --proxy "http://u:p@127.0.0.1:$FAKE_PORT"
bad 64 "the scheme must be http://, socks5:// or socks5h://" "an unknown scheme" \
	example.org 22 --proxy "https://127.0.0.1:$FAKE_PORT"
bad 64 "give the password with --proxy-password-file FILE or \\\$BRO_PROXY_PASSWORD" \
	"a user without a password" example.org 22 --proxy "socks5://u@127.0.0.1:$FAKE_PORT"
bad 64 "no --proxy URL" "no --proxy" example.org 22
out=$(as_user sh -c 'exec "$0" example.org 22 --proxy "$1" <&-' "$BC" "$P" 2>&1); st=$?
is "$st/$out" "64/bro-connect: stdin is not open (the tunnel is relayed to stdin and stdout)" \
	"stdin closed: refused (the proxy's socket would have taken fd 0)"
kill "$(cat "$T_TMP/fake.pid")"

# a proxy that answers 200 with the tunnel's first bytes in the same
# packet, reads to the end, then still answers: stdin and stdout regular
# files (read/write, no splice), EOF passed on as a half-close
fakeproxy_start 200
printf 'from-stdin\n' > "$T_TMP/in"
T_ENV="ASAN_OPTIONS=${ASAN_OPTIONS:-}" as_user timeout 10 "$BC" example.org 22 \
	--proxy "http://127.0.0.1:$FAKE_PORT" < "$T_TMP/in" > "$T_TMP/out" 2>"$T_TMP/bc.err"
is "$?" 0 "a 200 reply: exit 0 once both directions ended"
is "$(cat "$T_TMP/out")" $'hello-from-tunnel\nafter-your-fin' \
	"  the bytes after the reply head, and those sent after our half-close"
like "$(tr -d '\r' < "$T_TMP/fake.rec" | tail -1)" "^from-stdin$" "  stdin reached the proxy after the head"
kill "$(cat "$T_TMP/fake.pid")"

fakeproxy_start silent
t0=$(date +%s%N)
bad 1 "no complete answer within --handshake-timeout" "a proxy that never answers" \
	example.org 22 --proxy "http://127.0.0.1:$FAKE_PORT" --handshake-timeout 1s
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok $((ms >= 10000)) "  ended by the timeout, not the test's bound (${ms} ms)"
kill "$(cat "$T_TMP/fake.pid")"
p=$(free_port)
bad 1 "connect to proxy 127.0.0.1:$p: Connection refused" "no proxy listening" \
	example.org 22 --proxy "http://127.0.0.1:$p"

# --- a real ssh session through tinyproxy ---
sshd_start
tinyproxy_start
head -c 3000000 /dev/urandom > "$SSH_DIR/big"
chown "$BRO_TEST_USER:" "$SSH_DIR/big"
out=$(ssh_via --proxy "http://127.0.0.1:$HTTP_PORT" -- echo hello 2>&1)
is "$out" hello "ssh through tinyproxy (HTTP CONNECT): echo hello"
like "$(cat "$T_TMP/tinyproxy.log")" "CONNECT.*127.0.0.1:$SSHD_PORT" "  tinyproxy logged the CONNECT"
ssh_via --proxy "http://127.0.0.1:$HTTP_PORT" -- cat < "$SSH_DIR/big" > "$T_TMP/back" 2>"$T_TMP/ssh.err"
ok "$(cmp -s "$SSH_DIR/big" "$T_TMP/back"; echo $?)" "  3 MB there and back intact"
out=$(ssh_via --proxy "http://127.0.0.1:$HTTP_PORT" -- sh -c "'echo \$SSH_CONNECTION'" 2>&1)
like "$out" "^127.0.0.1 " "  sshd saw the proxy's loopback connection"

# --- through SOCKS5 with username/password (what nc -X 5 cannot do) ---
PW="pw-$$-s3cret"
socks_start bro "$PW"
printf '%s\n' "$PW" > "$SSH_DIR/pw"
chown "$BRO_TEST_USER:" "$SSH_DIR/pw"; chmod 600 "$SSH_DIR/pw"
out=$(ssh_via --proxy "socks5h://bro@127.0.0.1:$SOCKS_PORT" --proxy-password-file "$SSH_DIR/pw" -- echo hello 2>&1)
is "$out" hello "ssh through SOCKS5 (socks5h://, password from a file): echo hello"
like "$(cat "$T_TMP/socks.log")" "connected to 127.0.0.1:$SSHD_PORT" "  microsocks logged the connection"
ssh_via --proxy "socks5://bro@127.0.0.1:$SOCKS_PORT" --proxy-password-file "$SSH_DIR/pw" \
	-- cat < "$SSH_DIR/big" > "$T_TMP/back" 2>"$T_TMP/ssh.err"
ok "$(cmp -s "$SSH_DIR/big" "$T_TMP/back"; echo $?)" "  socks5:// 3 MB there and back intact"
out=$(T_ENV="BRO_PROXY_PASSWORD=$PW" ssh_via --proxy "socks5h://bro@127.0.0.1:$SOCKS_PORT" -- echo hello 2>&1)
is "$out" hello "  the password from \$BRO_PROXY_PASSWORD"
B_ENV="BRO_PROXY_PASSWORD=wrong" bad 1 "the SOCKS5 server refused the username/password" \
	"a wrong password" 127.0.0.1 "$SSHD_PORT" --proxy "socks5h://bro@127.0.0.1:$SOCKS_PORT"
chmod 644 "$SSH_DIR/pw"
bad 64 "pw" "a password file others can read" 127.0.0.1 "$SSHD_PORT" \
	--proxy "socks5h://bro@127.0.0.1:$SOCKS_PORT" --proxy-password-file "$SSH_DIR/pw"
chmod 600 "$SSH_DIR/pw"
bad 1 "the SOCKS5 server wants authentication" "no user, a server that wants one" \
	127.0.0.1 "$SSHD_PORT" --proxy "socks5h://127.0.0.1:$SOCKS_PORT"
p=$(free_port)
bad 1 "the SOCKS5 server refused CONNECT: .*\(REP [0-9]\)" "a closed destination port" \
	127.0.0.1 "$p" --proxy "socks5h://bro@127.0.0.1:$SOCKS_PORT" --proxy-password-file "$SSH_DIR/pw"
done_testing
