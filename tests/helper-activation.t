#!/bin/bash
# The job bro-helper exists for: systemd socket activation hands a listening
# socket on the host to bro-helper, which enters a user-owned network
# namespace and execs systemd-socket-proxyd there; a request on the host
# port reaches a server bound to 127.0.0.1 inside, which the host itself
# cannot reach.
. "$(dirname "$0")/lib.sh"
require unshare systemd-socket-activate python3 curl ss
H=$BRO_BIN/bro-helper
PROXYD=${PROXYD:-/lib/systemd/systemd-socket-proxyd}
[ -x "$PROXYD" ] || require systemd-socket-proxyd

www=$(user_dir)
echo "hello from inside the namespace" > "$www/index.html"
inner=$(free_port); outer=$(free_port)
user_netns_start python3 -m http.server --bind 127.0.0.1 --directory "$www" "$inner"
ns=$NS_PID
wait_for 10 sh -c "nsenter -t $ns -n ss -Htln 'sport = :$inner' | grep -q ."
ok $? "the server listens on 127.0.0.1:$inner inside the namespace"

out=$(curl -sS --max-time 2 "http://127.0.0.1:$inner/" 2>&1); st=$?
ok "$([ $st -ne 0 ] && echo 0 || echo 1)" "the host cannot reach 127.0.0.1:$inner directly ($out)"

user_bg systemd-socket-activate -l "127.0.0.1:$outer" \
	"$H" --pid "$ns" -- "$PROXYD" "127.0.0.1:$inner"
wait_listen 10 "$outer"
ok $? "systemd-socket-activate listens on 127.0.0.1:$outer"

out=$(curl -sS --max-time 5 "http://127.0.0.1:$outer/" 2>&1)
is "$out" "hello from inside the namespace" "a request on the host port reaches the server inside"
out=$(curl -sS --max-time 5 "http://127.0.0.1:$outer/" 2>&1)
is "$out" "hello from inside the namespace" "a second request too"

# the proxy is bro-helper's process, exec'd: same PID, in the namespace,
# with nothing privileged left
proxy=$(pgrep -u "$BRO_TEST_USER" -f "$(basename "$PROXYD") 127.0.0.1:$inner" | head -1)
ok "$([ -n "$proxy" ] && echo 0 || echo 1)" "the proxy runs (pid $proxy)"
is "$(ns_inode "$proxy")" "$(ns_inode "$ns")" "the proxy runs inside the namespace"
st=$(cat /proc/$proxy/status)
for c in CapInh CapPrm CapEff CapAmb; do
	is "$(printf '%s\n' "$st" | sed -n "s/^$c:\t//p")" 0000000000000000 "the proxy's $c is zero"
done
is "$(printf '%s\n' "$st" | sed -n 's/^NoNewPrivs:\t//p')" 1 "the proxy has NoNewPrivs"
is "$(tr '\0' '\n' < /proc/$proxy/environ | sed -n 's/^LISTEN_PID=//p')" "$proxy" \
	"LISTEN_PID names the proxy itself (no fork)"
is "$(ls /proc/$proxy/fd | sort -n | head -4 | tr '\n' ' ')" "0 1 2 3 " \
	"the proxy got the listening socket as fd 3"
like "$(readlink /proc/$proxy/fd/3)" "^socket:" "  and fd 3 is a socket"
done_testing
