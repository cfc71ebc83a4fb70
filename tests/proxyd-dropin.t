#!/bin/bash
# bro-proxyd as a drop-in for systemd-socket-proxyd: a listening socket from
# systemd-socket-activate, each TARGET form (IPv4, IPv6, unix path,
# abstract), a client's half-close, resets passed on both ways, and a dead
# backend that costs one connection and not the proxy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxyd-lib.sh"
require systemd-socket-activate python3 ss
plan 23

# 1. every TARGET form, listening on IPv4 and IPv6
b=$(free_port); f=$(free_port)
server echo "127.0.0.1:$b"
proxy_activate -l "127.0.0.1:$f" -- "127.0.0.1:$b"
main_pid=$PROXY_PID main_log=$PROXY_LOG
is "$(peer req "127.0.0.1:$f" --data hello --half-close)" "hello<EOF>" \
	"IPv4 TARGET: a request comes back through the proxy"
is "$(stat -c %U /proc/$PROXY_PID)" "$BRO_TEST_USER" "  the proxy runs as the test user"
is "$(sed -n 's/^CapEff:\t//p' /proc/$PROXY_PID/status)" 0000000000000000 \
	"  with no capability"

b6=$(free_port); f6=$(free_port)
server echo "[::1]:$b6"
proxy_activate -l "[::1]:$f6" -- "[::1]:$b6"
is "$(peer req "[::1]:$f6" --data six --half-close)" "six<EOF>" "IPv6 TARGET [::1]:PORT"

sock=$T_TMP/echo.sock
server echo "$sock"
fu=$(free_port)
proxy_activate -l "127.0.0.1:$fu" -- "$sock"
is "$(peer req "127.0.0.1:$fu" --data unix --half-close)" "unix<EOF>" "unix path TARGET"

abs=@bro-proxyd-test-$$-$RANDOM
server echo "$abs"
fa=$(free_port)
proxy_activate -l "127.0.0.1:$fa" -- "$abs"
is "$(peer req "127.0.0.1:$fa" --data abstract --half-close)" "abstract<EOF>" \
	"abstract TARGET"

# 2. half-close: 100 kB, then FIN; the reply comes 200 ms after the FIN
want=$(python3 -c 'import hashlib; print("got 100000 bytes sha1 " + hashlib.sha1(bytes((i * 7) & 0xff for i in range(100000))).hexdigest())')
bs=$(free_port); fs=$(free_port)
server sink "127.0.0.1:$bs"
proxy_activate -l "127.0.0.1:$fs" -- "127.0.0.1:$bs"
is "$(peer req "127.0.0.1:$fs" --bytes 100000 --half-close)" "$want"$'\n<EOF>' \
	"half-close: 100 kB sent, FIN, and the server's reply still arrives"
sink=$T_TMP/sink.sock
server sink "$sink"
fsu=$(free_port)
proxy_activate -l "127.0.0.1:$fsu" -- "$sink"
is "$(peer req "127.0.0.1:$fsu" --bytes 100000 --half-close)" "$want"$'\n<EOF>' \
	"  the same to a unix socket"
out=$(for i in 1 2 3 4 5; do peer req "127.0.0.1:$fs" --bytes 100000 --half-close & done; wait)
is "$(printf '%s\n' "$out" | grep -cx "$want")" 5 "  five at once, each whole"

# 3. resets
br=$(free_port); fr=$(free_port)
server reset "127.0.0.1:$br"
proxy_activate -l "127.0.0.1:$fr" -- "127.0.0.1:$br"
is "$(peer req "127.0.0.1:$fr" --data $'hi\n' --timeout 3)" $'bye\n<RESET>' \
	"the server resets: the client is reset (not a clean EOF)"
bl=$(free_port); fl=$(free_port); rlog=$T_TMP/resetlog
server resetlog "127.0.0.1:$bl" --log "$rlog"
proxy_activate -l "127.0.0.1:$fl" -- "127.0.0.1:$bl"
peer req "127.0.0.1:$fl" --data x --reset >/dev/null
wait_for 3 grep -q . "$rlog"
is "$(cat "$rlog" 2>/dev/null)" reset "the client resets: the server is reset"
peer req "127.0.0.1:$fl" --data x --half-close --timeout 1 >/dev/null
wait_for 3 grep -q eof "$rlog"
is "$(tail -1 "$rlog")" eof "  and a clean close stays a clean close"

# 4. the backend is down: that client is closed at once, the proxy lives on
bd=$(free_port); fd=$(free_port)
proxy_activate -l "127.0.0.1:$fd" -- "127.0.0.1:$bd"
t0=$(date +%s%N)
out=$(peer req "127.0.0.1:$fd" --timeout 5)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$out" "<EOF>" "backend down: the client is closed"
ok "$([ $ms -lt 1000 ] && echo 0 || echo 1)" "  promptly (${ms} ms)"
like "$(cat "$PROXY_LOG")" "connect\(127\.0\.0\.1:$bd\): Connection refused" \
	"  and the log says why, naming the target"
is "$(grep -c '^bro-proxyd:' "$PROXY_LOG")" 1 "  in one line"
kill -0 "$PROXY_PID"; ok $? "  the proxy still runs"
server echo "127.0.0.1:$bd"
is "$(peer req "127.0.0.1:$fd" --data back --half-close)" "back<EOF>" \
	"  and serves once the backend is up"

# 5. a name TARGET is resolved once, and a request with no data at all
bn=$(free_port); fn=$(free_port)
server echo "127.0.0.1:$bn"
proxy_activate -l "127.0.0.1:$fn" -- "localhost:$bn"
is "$(peer req "127.0.0.1:$fn" --data name --half-close)" "name<EOF>" "TARGET by name (localhost)"
is "$(peer req "127.0.0.1:$fn" --half-close)" "<EOF>" "  a connection with no data closes cleanly"

# 6. many short connections in a row on one proxy
n=0
for i in $(seq 1 30); do
	[ "$(peer req "127.0.0.1:$f" --data "r$i" --half-close)" = "r$i<EOF>" ] && n=$((n + 1))
done
is "$n" 30 "30 requests in a row"
kill -0 "$main_pid"; ok $? "  the proxy lives on"
is "$(grep -c '^bro-proxyd:' "$main_log")" 0 "  and logged nothing: all went well"
done_testing
