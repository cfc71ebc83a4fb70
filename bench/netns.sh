#!/bin/bash
# bench/netns.sh - egress through a SOCKS5 server three ways, same run, same
# server (dante, or microsocks with SOCKS=microsocks), same iperf3 peer:
#   direct     iperf3 speaks SOCKS5 itself (proxychains4): what the SOCKS5
#              server alone carries
#   redsocks   nft redirect on the host to redsocks (libevent, userspace copy)
#   bro-netns  iperf3 inside a bro-netns namespace (nft redirect, splice)
# The iperf3 server is in a namespace the bench makes, over a veth. iperf3
# up (client sends) and down (-R), 1 and 4 streams; then connections per
# second through each. Needs root. Run by scripts/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
U=${BRO_TEST_USER:-brotest}
SECS=${SECS:-5}
CONNS=${CONNS:-2000}
SOCKS=${SOCKS:-dante}
ROUNDS=${ROUNDS:-3}
for c in iperf3 redsocks proxychains4 nft ip python3 microsocks danted; do
	command -v "$c" >/dev/null || { echo "bench/netns.sh: $c missing (scripts/setup)"; exit 1; }
done
stage=$(mktemp -d /tmp/bro-bench-netns.XXXXXX)
chmod 0755 "$stage"
n=$(( $$ % 200 + 20 ))
NS=bro-bench-$$ VH=bbn$$h VP=bbn$$p HOST_IP=10.232.$n.1 PEER_IP=10.232.$n.2
pids=()
cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	runuser -u "$U" -- env XDG_RUNTIME_DIR=/run/user/$(id -u "$U") \
		"$stage/bin/bro-netns" destroy bench >/dev/null 2>&1
	nft delete table ip brobench 2>/dev/null
	ip link del "$VH" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$stage"
}
trap cleanup EXIT
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
as_user() { runuser -u "$U" -- env -i PATH=/usr/bin:/bin HOME=/tmp \
	XDG_RUNTIME_DIR=/run/user/$(id -u "$U") "$@"; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up() { for _ in $(seq 100); do ss -Htln "sport = :$1" | grep -q . && return; sleep 0.05; done; return 1; }

# the peer: iperf3 and a connect-and-close server, over a veth
ip netns add "$NS"
ip link add "$VH" type veth peer name "$VP"
ip link set "$VP" netns "$NS"
ip addr add "$HOST_IP/24" dev "$VH" && ip link set "$VH" up
ip -n "$NS" addr add "$PEER_IP/24" dev "$VP" && ip -n "$NS" link set "$VP" up
ip -n "$NS" link set lo up
ip netns exec "$NS" iperf3 -s -B "$PEER_IP" >/dev/null 2>&1 & pids+=($!)
cat > "$stage/cps.py" <<'PY'
import socket, sys, threading, time
if sys.argv[1] == "serve":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], 7000)); s.listen(512)
    while True:
        c, _ = s.accept(); c.sendall(b"x"); c.close()
else:
    n, t0 = int(sys.argv[3]), time.time()
    for _ in range(n):
        c = socket.create_connection((sys.argv[2], 7000), timeout=5)
        while c.recv(16): pass
        c.close()
    print(int(n / (time.time() - t0)))
PY
chmod 0644 "$stage/cps.py"
ip netns exec "$NS" python3 "$stage/cps.py" serve "$PEER_IP" & pids+=($!)

# the SOCKS5 server, on host loopback
SP=$(port)
if [ "$SOCKS" = dante ]; then
	cat > "$stage/danted.conf" <<-CONF
	logoutput: $stage/danted.log
	internal: 127.0.0.1 port = $SP
	external: $HOST_IP
	clientmethod: none
	socksmethod: none
	user.privileged: root
	user.unprivileged: nobody
	client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
	socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
	CONF
	danted -f "$stage/danted.conf" -N 2 >/dev/null 2>&1 & pids+=($!)
else
	microsocks -i 127.0.0.1 -p "$SP" >/dev/null 2>&1 & pids+=($!)
fi
up "$SP" || { echo "SOCKS5 server did not start"; exit 1; }

# redsocks: the classic host-wide redirect, for the bench user's TCP to the peer
RP=$(port)
cat > "$stage/redsocks.conf" <<CONF
base { log_info = off; log = stderr; daemon = off; redirector = iptables; }
redsocks { local_ip = 127.0.0.1; local_port = $RP; ip = 127.0.0.1; port = $SP; type = socks5; }
CONF
redsocks -c "$stage/redsocks.conf" >/dev/null 2>&1 & pids+=($!)
redsocks_pid=$!
up "$RP" || { echo "redsocks did not start"; exit 1; }
uid=$(id -u "$U")
nft -f - <<NFT
table ip brobench {
	chain out {
		type nat hook output priority -100; policy accept;
		meta skuid $uid ip daddr $PEER_IP tcp dport { 5201, 7000 } redirect to :$RP
	}
}
NFT

# proxychains4: iperf3 speaking SOCKS5 directly
cat > "$stage/proxychains.conf" <<CONF
strict_chain
quiet_mode
tcp_read_time_out 15000
tcp_connect_time_out 8000
[ProxyList]
socks5 127.0.0.1 $SP
CONF
chmod 0644 "$stage/proxychains.conf"

relay_pid=$(as_user "$stage/bin/bro-netns" create --name bench --proxy "socks5://127.0.0.1:$SP" | cut -d/ -f3)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() {		# run WAY CMD...: CMD as the bench user, the WAY's path
	local way=$1; shift
	case $way in
	direct) as_user proxychains4 -q -f "$stage/proxychains.conf" "$@" ;;
	redsocks) as_user "$@" ;;
	bro-netns) as_user "$stage/bin/bro-netns" exec bench -- "$@" ;;
	esac
}
gbps() {	# gbps WAY IPERF3-ARGS...: receiver's Gbit/s
	run "$@" | python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print (NR ? a[int((NR + 1) / 2)] : "fail")}'; }
ways=(direct redsocks bro-netns)
declare -A res
# alternating rounds: a machine busy with something else hurts all ways alike
for ((round = 0; round < ROUNDS; round++)); do
	for dir in up down; do
		for p in 1 4; do
			for w in "${ways[@]}"; do
				r=""; [ $dir = down ] && r=-R
				c0=$(ticks "$redsocks_pid"); b0=$(ticks "$relay_pid"); t0=$(date +%s%N)
				res[$w.$dir.$p]+="$(gbps "$w" iperf3 -c "$PEER_IP" -t "$SECS" -P "$p" $r -J || true) "
				c1=$(ticks "$redsocks_pid"); b1=$(ticks "$relay_pid"); t1=$(date +%s%N)
				# the relay's own CPU, % of one core (USER_HZ 100)
				case $w in
				redsocks) res[$w.cpu]+="$(( (c1 - c0) * 1000000000 / (t1 - t0) )) " ;;
				bro-netns) res[$w.cpu]+="$(( (b1 - b0) * 1000000000 / (t1 - t0) )) " ;;
				direct) res[$w.cpu]+="0 " ;;
				esac
			done
		done
	done
	for w in "${ways[@]}"; do
		res[$w.cps]+="$(run "$w" python3 "$stage/cps.py" client "$PEER_IP" "$CONNS" || true) "
	done
done
for k in "${!res[@]}"; do res[$k]=$(echo "${res[$k]}" | median); done

echo "## egress through one SOCKS5 server ($SOCKS), iperf3 ${SECS}s to a veth peer, $(nproc) cores, median of $ROUNDS rounds"
printf '%-12s %10s %10s %10s %10s %12s %10s\n' way "up x1" "up x4" "down x1" "down x4" "conn/s" "relay cpu"
for w in "${ways[@]}"; do
	printf '%-12s %10s %10s %10s %10s %12s %9s%%\n' "$w" "${res[$w.up.1]}" "${res[$w.up.4]}" \
		"${res[$w.down.1]}" "${res[$w.down.4]}" "${res[$w.cps]}" "${res[$w.cpu]}"
done
echo "(Gbit/s received; conn/s: $CONNS sequential connect, 1 byte, close; relay cpu:"
echo " the redirector's own CPU during the iperf3 runs, % of one core, median)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
printf 'bro-netns vs redsocks: up x1 %s, up x4 %s, down x1 %s, down x4 %s\n' \
	"$(ratio "${res[bro-netns.up.1]}" "${res[redsocks.up.1]}")" \
	"$(ratio "${res[bro-netns.up.4]}" "${res[redsocks.up.4]}")" \
	"$(ratio "${res[bro-netns.down.1]}" "${res[redsocks.down.1]}")" \
	"$(ratio "${res[bro-netns.down.4]}" "${res[redsocks.down.4]}")"
printf 'bro-netns vs direct:   up x1 %s, up x4 %s, down x1 %s, down x4 %s\n' \
	"$(ratio "${res[bro-netns.up.1]}" "${res[direct.up.1]}")" \
	"$(ratio "${res[bro-netns.up.4]}" "${res[direct.up.4]}")" \
	"$(ratio "${res[bro-netns.down.1]}" "${res[direct.down.1]}")" \
	"$(ratio "${res[bro-netns.down.4]}" "${res[direct.down.4]}")"
