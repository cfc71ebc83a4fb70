#!/bin/bash
# bench/netns-udp.sh - UDP through one SOCKS5 server (dante, UDP ASSOCIATE)
# two ways, same run, same peer (an iperf3 server in a namespace the bench
# makes, over a veth):
#   redsocks   redsocks' redudp (Debian's redsocks 0.5): a fixed-destination
#              UDP forwarder on host loopback (0.5 has no capture: the
#              client sends to redudp's port, which dest_ip/dest_port name);
#              iperf3's TCP control connection goes by socat, not measured
#   bro-netns  the client inside a bro-netns --udp namespace: TPROXY capture,
#              one association per flow
# For each: iperf3 -u at a fixed offered rate ($RATE, $LEN-byte datagrams,
# $SECS s, client sends), the relay's own CPU (bench/lib/cpu.sh) over the
# GB the server received, the rate received and the loss. Rounds alternate,
# medians; every round is printed as a comment. Needs root; run by
# scripts/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/cpu.sh
. bench/lib/dante.sh
U=${BRO_TEST_USER:-brotest}
SECS=${SECS:-5}
RATE=${RATE:-500M}
LEN=${LEN:-1400}
ROUNDS=${ROUNDS:-3}
for c in iperf3 redsocks socat nft ip python3 danted; do
	command -v "$c" >/dev/null || { echo "bench/netns-udp.sh: $c missing (scripts/setup)"; exit 1; }
done
stage=$(mktemp -d /tmp/bro-bench-udp.XXXXXX)
chmod 0755 "$stage"
n=$(( $$ % 200 + 20 ))
NS=bro-bu-$$ VH=bbu$$h VP=bbu$$p HOST_IP=10.233.$n.1 PEER_IP=10.233.$n.2
pids=()
cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	runuser -u "$U" -- env XDG_RUNTIME_DIR=/run/user/$(id -u "$U") \
		"$stage/bin/bro-netns" destroy benchudp >/dev/null 2>&1
	ip link del "$VH" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$stage"
}
trap cleanup EXIT
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
as_user() { runuser -u "$U" -- env -i PATH=/usr/bin:/bin HOME=/tmp \
	XDG_RUNTIME_DIR=/run/user/$(id -u "$U") "$@"; }
cand=$((26000 + RANDOM % 5000))
next_port() {
	while ss -Htuan "sport = :$cand" | grep -q .; do cand=$((cand + 1)); done
	NP=$cand; cand=$((cand + 1))
}
up() { for _ in $(seq 100); do ss -Htuln "sport = :$1" | grep -q . && return; sleep 0.05; done; return 1; }

ip netns add "$NS"
ip link add "$VH" type veth peer name "$VP"
ip link set "$VP" netns "$NS"
ip addr add "$HOST_IP/24" dev "$VH" && ip link set "$VH" up
ip -n "$NS" addr add "$PEER_IP/24" dev "$VP" && ip -n "$NS" link set "$VP" up
ip -n "$NS" link set lo up
ip netns exec "$NS" iperf3 -s -B "$PEER_IP" >/dev/null 2>&1 & pids+=($!)

next_port; SP=$NP
dante_run "$stage" "$SP" "$HOST_IP"; pids+=("$DANTE_PID")
up "$SP" || { echo "dante did not start"; exit 1; }

# redudp on 127.0.0.1:RU -> (dante) -> PEER_IP:5201; socat for the control
next_port; RU=$NP
cat > "$stage/redsocks.conf" <<CONF
base { log_info = off; log = stderr; daemon = off; redirector = generic; }
redudp { local_ip = 127.0.0.1; local_port = $RU; ip = 127.0.0.1; port = $SP;
	 dest_ip = $PEER_IP; dest_port = 5201; udp_timeout = 30; }
CONF
redsocks -c "$stage/redsocks.conf" >"$stage/redsocks.log" 2>&1 & pids+=($!)
redsocks_pid=$!
socat TCP-LISTEN:"$RU",bind=127.0.0.1,reuseaddr,fork TCP:"$PEER_IP":5201 & pids+=($!)
up "$RU" || { echo "redsocks/socat did not start"; exit 1; }

# NETNS_OPTS: more create options (e.g. --sched normal)
read -r -a nopts <<< "${NETNS_OPTS:-}"
relay_pid=$(as_user "$stage/bin/bro-netns" create --name benchudp "${nopts[@]}" \
	--proxy "socks5://127.0.0.1:$SP" --udp | cut -d/ -f3)
declare -A RELAY=([redsocks]=$redsocks_pid [bro-netns]=$relay_pid)

iperf3_udp() {	# iperf3_udp WAY: "BYTES MBITS LOSS%" received ("0 0 100" on failure)
	local args=(-u -b "$RATE" -l "$LEN" -t "$SECS" -J)
	case $1 in
	redsocks) as_user timeout 120 iperf3 -c 127.0.0.1 -p "$RU" "${args[@]}" ;;
	bro-netns) as_user "$stage/bin/bro-netns" exec benchudp -- timeout 120 \
			iperf3 -c "$PEER_IP" "${args[@]}" ;;
	esac | python3 -c 'import json, sys
e = json.load(sys.stdin)["end"]["sum"]
print(int(e["bytes"] * (100 - e["lost_percent"]) / 100), "%.0f" % (e["bits_per_second"] * (100 - e["lost_percent"]) / 100 / 1e6), "%.1f" % e["lost_percent"])' 2>/dev/null || echo "0 0 100"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print (NR ? a[int((NR + 1) / 2)] : "fail")}'; }
ways=(redsocks bro-netns)
declare -A res
for w in "${ways[@]}"; do SECS=1 iperf3_udp "$w" >/dev/null; done	# warm-up
for ((round = 0; round < ROUNDS; round++)); do
	for w in "${ways[@]}"; do
		c0=$(cpu_ns "${RELAY[$w]}")
		read -r bytes mb loss < <(iperf3_udp "$w")
		c1=$(cpu_ns "${RELAY[$w]}")
		res[$w.cpu]+="$(per_unit $((c1 - c0)) "$bytes" 1e9) "
		res[$w.mb]+="$mb "
		res[$w.loss]+="$loss "
	done
done
echo "## UDP through one SOCKS5 server (dante, UDP ASSOCIATE) to a veth peer, $(nproc) cores, kernel $(uname -r), median of $ROUNDS rounds"
echo "# iperf3 -u -b $RATE -l $LEN -t $SECS, client sends; CPU: the relay's own, per GB received"
printf '%-10s %10s %12s %8s\n' way "CPU ms/GB" "Mbit/s rcvd" "loss %"
for w in "${ways[@]}"; do
	printf '%-10s %10s %12s %8s\n' "$w" "$(median <<< "${res[$w.cpu]}")" \
		"$(median <<< "${res[$w.mb]}")" "$(median <<< "${res[$w.loss]}")"
done
for w in "${ways[@]}"; do
	echo "#   $w: CPU ms/GB ${res[$w.cpu]}| Mbit/s ${res[$w.mb]}| loss ${res[$w.loss]}"
done
