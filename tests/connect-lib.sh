# tests/connect-lib.sh - peers for tests/connect-*.t: a recording fake
# proxy, tinyproxy, microsocks and a throwaway sshd, each on a free port.

BC=$BRO_BIN/bro-connect

# start_bg PIDFILE CMD...: CMD in the background as root, killed at exit
start_bg() {
	local pf=$1; shift
	sh -c 'echo $$ > "$0"; exec "$@"' "$pf" "$@" &
	wait_for 5 test -s "$pf"
	cleanup_add "kill $(cat "$pf")"
}

# fakeproxy_start MODE: a proxy that appends every byte it receives to
# $T_TMP/fake.rec and counts connections in $T_TMP/fake.conns; MODE 403
# answers the request head with 403, MODE silent never answers, MODE 200
# answers 200 and a first line, records the client's bytes to its EOF, then
# sends one more line
fakeproxy_start() {
	FAKE_PORT=$(free_port)
	: > "$T_TMP/fake.rec"; : > "$T_TMP/fake.conns"
	start_bg "$T_TMP/fake.pid" python3 -c '
import socket, sys
port, mode, rec, conns = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(8)
while True:
    c, _ = s.accept()
    open(conns, "a").write("1\n")
    c.settimeout(10); data = b""
    try:
        while b"\r\n\r\n" not in data:
            b = c.recv(4096)
            if not b: break
            data += b
            open(rec, "ab").write(b)
        if mode == "200":
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\nhello-from-tunnel\n")
            while True:
                b = c.recv(4096)
                if not b: break
                open(rec, "ab").write(b)
            c.sendall(b"after-your-fin")
        elif mode == "403":
            c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        else:
            c.recv(1)
    except OSError:
        pass
    c.close()
' "$FAKE_PORT" "$1" "$T_TMP/fake.rec" "$T_TMP/fake.conns"
	wait_listen 5 "$FAKE_PORT" || { echo "Bail out! fake proxy did not start"; exit 1; }
}

# sshd_start: a root sshd on 127.0.0.1:$SSHD_PORT with a throwaway host key
# that lets the test user in with $SSH_KEY (a throwaway key of its own)
sshd_start() {
	local d; d=$(user_dir)
	SSH_DIR=$d
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/hostkey" || exit 1
	as_user ssh-keygen -q -t ed25519 -N '' -f "$d/key" || exit 1
	SSH_KEY=$d/key
	SSHD_PORT=$(free_port)
	cat > "$T_TMP/sshd_config" <<-CONF
	ListenAddress 127.0.0.1:$SSHD_PORT
	HostKey $T_TMP/hostkey
	PidFile none
	AuthorizedKeysFile $d/key.pub
	AllowUsers $BRO_TEST_USER
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM yes
	StrictModes no
	CONF
	start_bg "$T_TMP/sshd.pid" /usr/sbin/sshd -D -E "$T_TMP/sshd.log" -f "$T_TMP/sshd_config"
	wait_listen 5 "$SSHD_PORT" || { echo "Bail out! sshd did not start"; exit 1; }
	echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$T_TMP/hostkey.pub")" > "$d/known_hosts"
	chown "$BRO_TEST_USER:" "$d/known_hosts"
}

# tinyproxy_start: tinyproxy on 127.0.0.1:$HTTP_PORT, CONNECT to sshd only
tinyproxy_start() {
	HTTP_PORT=$(free_port)
	cat > "$T_TMP/tinyproxy.conf" <<-CONF
	Port $HTTP_PORT
	Listen 127.0.0.1
	Timeout 30
	LogFile "$T_TMP/tinyproxy.log"
	LogLevel Connect
	MaxClients 16
	ConnectPort $SSHD_PORT
	CONF
	start_bg "$T_TMP/tinyproxy.pid" tinyproxy -d -c "$T_TMP/tinyproxy.conf"
	wait_listen 5 "$HTTP_PORT" || { echo "Bail out! tinyproxy did not start"; exit 1; }
}

# socks_start USER PASS: microsocks with RFC 1929 auth on $SOCKS_PORT
socks_start() {
	SOCKS_PORT=$(free_port)
	start_bg "$T_TMP/socks.pid" microsocks -i 127.0.0.1 -p "$SOCKS_PORT" -u "$1" -P "$2" >>"$T_TMP/socks.log" 2>&1
	wait_listen 5 "$SOCKS_PORT" || { echo "Bail out! microsocks did not start"; exit 1; }
}

# ssh_via PROXYCOMMAND-ARGS... -- REMOTE-CMD: ssh as the test user to the
# test sshd through bro-connect; bounded by timeout
ssh_via() {
	local pc="$BC %h %p"
	while [ "$1" != -- ]; do pc="$pc $1"; shift; done
	shift
	as_user timeout 20 ssh -F /dev/null -i "$SSH_KEY" -p "$SSHD_PORT" \
		-o BatchMode=yes -o StrictHostKeyChecking=yes \
		-o UserKnownHostsFile="$SSH_DIR/known_hosts" \
		-o ProxyCommand="$pc" "$BRO_TEST_USER@127.0.0.1" "$@"
}
