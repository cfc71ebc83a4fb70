# tests/netns-lib.sh - shared setup for tests/netns-*.t; source after lib.sh.
#
# Everything the tests talk to is local or in a namespace the test made
# (notes/egress-namespace.md, fact 6): the "internet" is a test netns
# reached over a veth (10.231.N.0/24), names are under .invalid, and the
# proxies resolve them from a hosts file bind-mounted in a mount namespace
# of their own, so no packet is ever aimed at a real outside address.
N=$BRO_BIN/bro-netns
PEERS=$T_TMP/netns-peers.py
cp "$(dirname "$0")/netns-peers.py" "$PEERS" && chmod 0755 "$PEERS"
WEB_NAME=web.bro-test.invalid
DNS_NAME=dns.bro-test.invalid

bn() { as_user "$N" "$@"; }		# bro-netns as the test user

listening() { ss -Htln "sport = :$1" | grep -q .; }

# peer_start: a test netns with a web server at $PEER_IP:80 and a DNS-over-
# TCP server at $PEER_IP:53, reached from the host over a veth; counts every
# IP packet that arrives on its veth (peer_count)
peer_start() {
	local n=$(( $$ % 200 + 20 ))
	PEER_NS=bro-tp-$$
	HOST_IP=10.231.$n.1
	PEER_IP=10.231.$n.2
	VH=btv$$h VP=btv$$p
	ip netns add "$PEER_NS" || { echo "Bail out! ip netns add"; exit 1; }
	cleanup_add "ip netns del $PEER_NS"
	ip link add "$VH" type veth peer name "$VP" || { echo "Bail out! veth"; exit 1; }
	cleanup_add "ip link del $VH"
	sysctl -qw "net.ipv6.conf.$VH.disable_ipv6=1"
	ip link set "$VP" netns "$PEER_NS"
	ip netns exec "$PEER_NS" sysctl -qw "net.ipv6.conf.$VP.disable_ipv6=1"
	ip addr add "$HOST_IP/24" dev "$VH" && ip link set "$VH" up
	ip -n "$PEER_NS" addr add "$PEER_IP/24" dev "$VP"
	ip -n "$PEER_NS" link set "$VP" up && ip -n "$PEER_NS" link set lo up
	ip netns exec "$PEER_NS" nft -f - <<-NFT
	table inet leak {
		counter n_tcp { }
		counter n_udp { }
		counter n_icmp { }
		counter n_all { }
		chain pre {
			type filter hook prerouting priority -300; policy accept;
			iifname "$VP" counter name "n_all"
			iifname "$VP" meta l4proto tcp counter name "n_tcp"
			iifname "$VP" meta l4proto udp counter name "n_udp"
			iifname "$VP" meta l4proto { icmp, ipv6-icmp } counter name "n_icmp"
		}
	}
	NFT
	ip netns exec "$PEER_NS" python3 "$PEERS" web "$PEER_IP" 80 \
		>"$T_TMP/web.log" 2>&1 &
	cleanup_add "kill $!"
	ip netns exec "$PEER_NS" python3 "$PEERS" dnstcp "$PEER_IP" 53 "$PEER_IP" \
		>"$T_TMP/dns.log" 2>&1 &
	cleanup_add "kill $!"
	printf '127.0.0.1 localhost\n%s %s\n%s %s\n' "$PEER_IP" "$WEB_NAME" \
		"$PEER_IP" "$DNS_NAME" > "$T_TMP/hosts"
	wait_for 5 ip netns exec "$PEER_NS" sh -c "ss -Htln | grep -q ':80 '" &&
	wait_for 5 ip netns exec "$PEER_NS" sh -c "ss -Htln | grep -q ':53 '" ||
		{ echo "Bail out! test peers did not start"; exit 1; }
}

# peer_count NAME: IP packets of kind NAME (tcp, udp, icmp, all) that reached
# the test host over its veth
peer_count() {
	ip netns exec "$PEER_NS" nft list counter inet leak "n_$1" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# spawn PIDFILE CMD...: start CMD in the background; its own PID (not a
# subshell's) goes to PIDFILE and is killed at exit
spawn() {
	local pf=$1; shift
	sh -c 'echo $$ > "$0"; exec "$@"' "$pf" "$@" &
	wait_for 5 test -s "$pf"
	cleanup_add "kill $(cat "$pf")"
}

# IN_HOSTS CMD...: CMD in a mount namespace that sees the test hosts file
IN_HOSTS=(unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$T_TMP/hosts")

# log_rec FIELDS KEY=VALUE...: the last line of $LOG (bro-netns's JSON
# connection log) with those fields, as FIELDS (comma-separated; "f=" prints
# "f=VALUE") separated by spaces (python: no jq here)
log_rec() {
	python3 - "$LOG" "$@" <<-'PY'
	import json, sys
	fields = sys.argv[2].split(",")
	want = dict(a.split("=", 1) for a in sys.argv[3:])
	hit = None
	for line in open(sys.argv[1]):
	    r = json.loads(line)
	    if all(str(r.get(k)) == v for k, v in want.items()):
	        hit = r
	if hit:
	    print(*(f + str(hit[f[:-1]]) if f.endswith("=") else hit[f] for f in fields))
	PY
}
# curl_ms URL: "STATUS:MS:OUTPUT" of one curl inside (10 s timeout)
curl_ms() {
	local t0 t1 out st
	t0=$(date +%s%N)
	out=$(inside curl -sS -m 10 "$1" 2>&1); st=$?
	t1=$(date +%s%N)
	echo "$st:$(( (t1 - t0) / 1000000 )):$out"
}
# reset_fast "STATUS:MS:OUTPUT" [empty-ok]: curl failed on the reset within
# 3 s, far from its 10 s timeout: exit 7 (the reset came while it connected:
# "Couldn't connect") or 55/56 (while it sent or read: "Connection reset by
# peer"); with empty-ok also 52 ("Empty reply": closed after the request)
reset_fast() {
	local st=${1%%:*} rest=${1#*:}
	local ms=${rest%%:*}
	case $st in
	7) ;;
	55|56) printf '%s' "$rest" | grep -q reset || return 1;;
	52) [ "${2:-}" = empty-ok ] && printf '%s' "$rest" | grep -q 'Empty reply' || return 1;;
	*) return 1;;
	esac
	[ "$ms" -lt 3000 ]
}

# dante_start EXTERNAL [PREFIX...]: danted on 127.0.0.1:$DANTE_PORT
# (pid DANTE_PID, log danted.log with connects and UDP associations), going
# out from EXTERNAL, started through PREFIX (e.g. "${IN_HOSTS[@]}"); a few
# tries, as a free port may be taken by the time it binds
dante_start() {
	local ext=$1 try; shift
	for try in 1 2 3 4 5; do
		DANTE_PORT=$(free_port)
		cat > "$T_TMP/danted.conf" <<-CONF
		logoutput: $T_TMP/danted.log
		internal: 127.0.0.1 port = $DANTE_PORT
		external: $ext
		clientmethod: none
		socksmethod: none
		user.privileged: root
		user.unprivileged: nobody
		client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
		socks pass { from: 0/0 to: 0/0 log: connect disconnect error }
		CONF
		rm -f "$T_TMP/dante.pid"
		spawn "$T_TMP/dante.pid" "$@" danted -f "$T_TMP/danted.conf" -N 1 >/dev/null 2>&1
		DANTE_PID=$(cat "$T_TMP/dante.pid")
		wait_for 5 listening "$DANTE_PORT" && return 0
		kill "$DANTE_PID" 2>/dev/null
	done
	echo "Bail out! danted did not start: $(tail -5 "$T_TMP/danted.log")"
	exit 1
}

# socks_start [ARGS]: microsocks on 127.0.0.1:$SOCKS_PORT (log: socks.log);
# a few tries, as a free port may be taken by the time it binds
socks_start() {
	local try
	for try in 1 2 3 4 5; do
		SOCKS_PORT=$(free_port)
		rm -f "$T_TMP/socks.pid"
		spawn "$T_TMP/socks.pid" "${IN_HOSTS[@]}" microsocks -i 127.0.0.1 \
			-p "$SOCKS_PORT" "$@" >>"$T_TMP/socks.log" 2>&1
		SOCKS_PID=$(cat "$T_TMP/socks.pid")
		wait_for 5 listening "$SOCKS_PORT" && return
		kill "$SOCKS_PID" 2>/dev/null
	done
	echo "Bail out! microsocks did not start: $(cat "$T_TMP/socks.log")"
	exit 1
}

# http_start: tinyproxy (HTTP CONNECT) on 127.0.0.1:$HTTP_PORT
http_start() {
	local try
	for try in 1 2 3 4 5; do
		HTTP_PORT=$(free_port)
		cat > "$T_TMP/tinyproxy.conf" <<-CONF
		Port $HTTP_PORT
		Listen 127.0.0.1
		Timeout 30
		LogFile "$T_TMP/tinyproxy.log"
		LogLevel Connect
		MaxClients 64
		ConnectPort 80
		ConnectPort 53
		CONF
		rm -f "$T_TMP/http.pid"
		spawn "$T_TMP/http.pid" "${IN_HOSTS[@]}" tinyproxy -d -c "$T_TMP/tinyproxy.conf" \
			>/dev/null 2>&1
		HTTP_PID=$(cat "$T_TMP/http.pid")
		wait_for 5 listening "$HTTP_PORT" && return
		kill "$HTTP_PID" 2>/dev/null
	done
	echo "Bail out! tinyproxy did not start"
	exit 1
}

# ns_create ARGS...: bro-netns create as the test user; sets NS_NAME, NS_PATH
# and RELAY_PID, and destroys it at exit
ns_create() {
	local out
	out=$(bn create "$@" 2>&1) || { echo "# $out"; return 1; }
	NS_NAME=${out%% *}
	NS_PATH=${out#* }
	RELAY_PID=$(echo "$NS_PATH" | cut -d/ -f3)
	cleanup_add "as_user $N destroy $NS_NAME"
}

# relay_family: the relay ns_create started and its children (the builder);
# other tests' or users' bro-netns processes are none of the test's business
relay_family() { echo "$RELAY_PID" $(pgrep -P "$RELAY_PID"); }

# none_alive PID...: true when none of PID... exists any more
none_alive() {
	local p
	for p in "$@"; do kill -0 "$p" 2>/dev/null && return 1; done
	return 0
}

# inside CMD...: run CMD in the namespace as the test user
inside() { bn exec "$NS_NAME" -- "$@"; }

# bn_within SECS ARGS...: bro-netns as the test user, killed after SECS (a
# generous bound for what must not hang, not a timing assertion)
bn_within() { local s=$1; shift; as_user timeout "$s" "$N" "$@"; }

