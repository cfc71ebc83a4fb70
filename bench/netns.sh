#!/bin/bash
# bench/netns.sh - egress through a SOCKS5 server three ways, same run, same
# server (dante, or microsocks with SOCKS=microsocks), same peer:
#   direct     the client speaks SOCKS5 itself (proxychains4): what the
#              SOCKS5 server alone carries; no redirector
#   redsocks   nft redirect on the host to redsocks (libevent, userspace copy)
#   bro-netns  the client inside a bro-netns namespace (nft redirect, splice)
#   bro-netns-pl  the same with --proxy-pipeline (greeting and CONNECT in one
#              write; dante only: microsocks 1.0.3 drops what comes with the
#              greeting), in the CPU-at-a-fixed-load rows only
# (hev-socks5-tunnel, a tun-based redirector, would be the third peer, but
# Debian 12 does not package it: apt-cache policy knows no such package.)
# The peer (iperf3 server, proxyd-load servers) is in a namespace the bench
# makes, over a veth. Rounds alternate between the ways, figures are
# medians, every round is printed in comment lines. Needs root. Run by
# scripts/bench; takes about 6 minutes.
#
# First, what the redirector itself costs at the same fixed offered load
# (on 2 cores iperf3 at both ends and dante keep the cores busy, so
# throughput says little about the redirector; its own CPU time does):
#   CPU ms per GB     iperf3 -b $RATE -t $RATE_SECS up, one stream: the
#                     redirector's CPU (bench/lib/cpu.sh: schedstat ns of
#                     its threads and children) over the GB received; also
#                     as a ratio to the bulk floor ("vs floor"):
#                     bench/floor-splice.c, the cheapest relay there is (a
#                     thread per direction, blocking splice through 1 MiB
#                     pipes), at the same offered rate in the same rounds,
#                     over plain loopback (127.0.0.1 to an iperf3 server on
#                     127.0.0.1: no SOCKS5, no veth, no redirect)
#   CPU ms per 1000 conns  $CONNS short connections offered at $CONN_RATE/s,
#                     at most $CONC at once (proxyd-load paced: connect, 64
#                     bytes each way, the peer closes), CPU over the
#                     connections completed, per thousand
#   p50/p99           a 64-byte round trip on one connection (proxyd-load rtt)
# Then what gets through with no limit: iperf3 up (client sends) and down
# (-R), 1 and 4 streams, the redirector's CPU during them in % of a core;
# short connections/s, one at a time (proxyd-load conns, concurrency 1).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/cpu.sh
. bench/lib/dante.sh
U=${BRO_TEST_USER:-brotest}
SECS=${SECS:-5}
RATE=${RATE:-2G}
RATE_SECS=${RATE_SECS:-5}
CONNS=${CONNS:-2000}
CONN_RATE=${CONN_RATE:-500}
CONC=${CONC:-32}
SOCKS=${SOCKS:-dante}
ROUNDS=${ROUNDS:-3}
for c in iperf3 redsocks proxychains4 nft ip python3 microsocks danted; do
	command -v "$c" >/dev/null || { echo "bench/netns.sh: $c missing (scripts/setup)"; exit 1; }
done
LOAD=${B:-build}/tests/proxyd-load
FS=${B:-build}/tests/floor-splice
[ -x "$LOAD" ] && [ -x "$FS" ] || { echo "bench/netns.sh: build first"; exit 1; }
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
	runuser -u "$U" -- env XDG_RUNTIME_DIR=/run/user/$(id -u "$U") \
		"$stage/bin/bro-netns" destroy benchpl >/dev/null 2>&1
	nft delete table ip brobench 2>/dev/null
	ip link del "$VH" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$stage"
}
trap cleanup EXIT
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
as_user() { runuser -u "$U" -- env -i PATH=/usr/bin:/bin HOME=/tmp \
	XDG_RUNTIME_DIR=/run/user/$(id -u "$U") "$@"; }
# next_port: sets NP to a free port below the ephemeral range (32768 on),
# checked with ss (no subshell: the candidate must advance)
cand=$((26000 + RANDOM % 5000))
next_port() {
	while ss -Htuan "sport = :$cand" | grep -q .; do cand=$((cand + 1)); done
	NP=$cand; cand=$((cand + 1))
}
up() { for _ in $(seq 100); do ss -Htln "sport = :$1" | grep -q . && return; sleep 0.05; done; return 1; }

# the peer: iperf3 and a connect-and-close server, over a veth
ip netns add "$NS"
ip link add "$VH" type veth peer name "$VP"
ip link set "$VP" netns "$NS"
ip addr add "$HOST_IP/24" dev "$VH" && ip link set "$VH" up
ip -n "$NS" addr add "$PEER_IP/24" dev "$VP" && ip -n "$NS" link set "$VP" up
ip -n "$NS" link set lo up
ip netns exec "$NS" iperf3 -s -B "$PEER_IP" >/dev/null 2>&1 & pids+=($!)
# proxyd-load: 7000 answers 64 bytes and closes, 7001 echoes
install -m 0755 "$LOAD" "$stage/proxyd-load"
ip netns exec "$NS" "$stage/proxyd-load" once "$PEER_IP:7000" >/dev/null & pids+=($!)
ip netns exec "$NS" "$stage/proxyd-load" echo "$PEER_IP:7001" >/dev/null & pids+=($!)

# the bulk floor: floor-splice in front of an iperf3 server, both on loopback
next_port; FIP=$NP
iperf3 -s -B 127.0.0.1 -p "$FIP" >/dev/null 2>&1 & pids+=($!)
next_port; FP=$NP
"$FS" "127.0.0.1:$FP" "127.0.0.1:$FIP" & pids+=($!)
floor_pid=$!
up "$FIP" && up "$FP" || { echo "floor-splice or its iperf3 did not start"; exit 1; }

# the SOCKS5 server, on host loopback
next_port; SP=$NP
if [ "$SOCKS" = dante ]; then
	dante_run "$stage" "$SP" "$HOST_IP"; pids+=("$DANTE_PID")
else
	microsocks -i 127.0.0.1 -p "$SP" >/dev/null 2>&1 & pids+=($!)
fi
up "$SP" || { echo "SOCKS5 server did not start"; exit 1; }

# redsocks: the classic host-wide redirect, for the bench user's TCP to the peer
next_port; RP=$NP
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
		meta skuid $uid ip daddr $PEER_IP tcp dport { 5201, 7000, 7001 } redirect to :$RP
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

# NETNS_OPTS: more create options for both bro-netns rows (e.g. --sched normal)
read -r -a nopts <<< "${NETNS_OPTS:-}"
relay_pid=$(as_user "$stage/bin/bro-netns" create --name bench "${nopts[@]}" \
	--proxy "socks5://127.0.0.1:$SP" | cut -d/ -f3)
declare -A RELAY=([redsocks]=$redsocks_pid [bro-netns]=$relay_pid)
if [ "$SOCKS" = dante ]; then
	RELAY[bro-netns-pl]=$(as_user "$stage/bin/bro-netns" create --name benchpl --proxy-pipeline "${nopts[@]}" \
		--proxy "socks5://127.0.0.1:$SP" | cut -d/ -f3)
fi

run() {		# run WAY CMD...: CMD as the bench user, the WAY's path
	local way=$1; shift
	case $way in
	direct) as_user proxychains4 -q -f "$stage/proxychains.conf" "$@" ;;
	redsocks) as_user "$@" ;;
	bro-netns) as_user "$stage/bin/bro-netns" exec bench -- "$@" ;;
	bro-netns-pl) as_user "$stage/bin/bro-netns" exec benchpl -- "$@" ;;
	floor-splice) "$@" ;;
	esac
}
iperf3_run() {	# iperf3_run WAY ARGS...: "BYTES GBITS" received ("0 0" if it failed
	local w=$1; shift	# or took more than 2 minutes)
	local to=$PEER_IP
	[ "$w" = floor-splice ] && to=127.0.0.1
	run "$w" timeout 120 iperf3 -c "$to" -J "$@" | python3 -c 'import json, sys
e = json.load(sys.stdin)["end"]["sum_received"]
print(e["bytes"], "%.2f" % (e["bits_per_second"] / 1e9))' 2>/dev/null || echo "0 0"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print (NR ? a[int((NR + 1) / 2)] : "fail")}'; }
ways=(direct redsocks bro-netns)
relays=(redsocks bro-netns)
# the fixed-load rows: with the pipelined bro-netns when the server takes it
cways=("${ways[@]}")
[ -n "${RELAY[bro-netns-pl]:-}" ] && { relays+=(bro-netns-pl); cways+=(bro-netns-pl); }
RELAY[floor-splice]=$floor_pid
declare -A res all
# warm-up, not counted: the first stream and connections through each way
for w in "${cways[@]}"; do
	iperf3_run "$w" -t 1 >/dev/null
	[ "$w" = direct ] && iperf3_run floor-splice -p "$FP" -t 1 >/dev/null
	run "$w" "$stage/proxyd-load" paced "$PEER_IP:7000" 200 "$CONC" "$CONN_RATE" >/dev/null || true
done
# alternating rounds: a machine busy with something else hurts all ways alike
for ((round = 0; round < ROUNDS; round++)); do
	# the redirector's own CPU at a fixed offered load, and the floor's
	c0=$(cpu_ns "$floor_pid")
	read -r bytes v < <(iperf3_run floor-splice -p "$FP" -t "$RATE_SECS" -b "$RATE")
	c1=$(cpu_ns "$floor_pid")
	res[floor-splice.gbcpu]+="$(per_unit $((c1 - c0)) "$bytes" 1e9) "
	res[floor-splice.gbrate]+="$v "
	for w in "${relays[@]}"; do
		c0=$(cpu_ns "${RELAY[$w]}")
		read -r bytes v < <(iperf3_run "$w" -t "$RATE_SECS" -b "$RATE")
		c1=$(cpu_ns "${RELAY[$w]}")
		res[$w.gbcpu]+="$(per_unit $((c1 - c0)) "$bytes" 1e9) "
		res[$w.gbrate]+="$v "
		c0=$(cpu_ns "${RELAY[$w]}")
		read -r done failed _ < <(run "$w" "$stage/proxyd-load" paced "$PEER_IP:7000" \
			"$CONNS" "$CONC" "$CONN_RATE" || echo "0 $CONNS 0")
		c1=$(cpu_ns "${RELAY[$w]}")
		res[$w.kcpu]+="$(per_unit $((c1 - c0)) "$done" 1000) "
		res[$w.kfail]+="$failed "
	done
	for w in "${cways[@]}"; do
		read -r p50 p99 < <(run "$w" timeout 60 "$stage/proxyd-load" rtt "$PEER_IP:7001" 5000 64 || echo "fail fail")
		res[$w.p50]+="$p50 "; res[$w.p99]+="$p99 "
	done
	# no limit: throughput, and the redirector's CPU during it
	for dir in up down; do
		for p in 1 4; do
			for w in "${ways[@]}"; do
				r=""; [ $dir = down ] && r=-R
				[ $w = direct ] || c0=$(cpu_ns "${RELAY[$w]}")
				t0=$(date +%s%N)
				read -r _ v < <(iperf3_run "$w" -t "$SECS" -P "$p" $r)
				res[$w.$dir.$p]+="$v "
				[ $w = direct ] && continue
				c1=$(cpu_ns "${RELAY[$w]}"); t1=$(date +%s%N)
				# % of one core
				res[$w.cpu]+="$(( (c1 - c0) * 100 / (t1 - t0) )) "
			done
		done
	done
	for w in "${ways[@]}"; do
		res[$w.cps]+="$(run "$w" "$stage/proxyd-load" conns "$PEER_IP:7000" 3 1 || echo fail) "
	done
done
for k in "${!res[@]}"; do all[$k]=${res[$k]}; res[$k]=$(echo "${res[$k]}" | median); done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

echo "## egress through one SOCKS5 server ($SOCKS) to a veth peer, $(nproc) cores, kernel $(uname -r), median of $ROUNDS rounds"
echo "# the redirector's own CPU at a fixed offered load: iperf3 -b $RATE -t $RATE_SECS up;"
echo "# $CONNS connections at $CONN_RATE/s, $CONC at most at once; round trip: 64 bytes, one connection;"
echo "# vs floor: per GB against floor-splice on plain loopback at the same rate"
printf '%-12s %10s %9s %9s %8s %13s %9s %7s %9s %9s\n' way "CPU ms/GB" "vs floor" "vs redsx" "Gbit/s" \
	"CPU ms/1k con" "vs redsx" failed "p50 us" "p99 us"
f=${res[floor-splice.gbcpu]}
printf '%-12s %10s %9s %9s %8s %13s %9s %7s %9s %9s\n' floor-splice "$f" 1.00x \
	"$(ratio "$f" "${res[redsocks.gbcpu]}")" "${res[floor-splice.gbrate]}" - - - - -
for w in "${cways[@]}"; do
	if [ $w = direct ]; then
		printf '%-12s %10s %9s %9s %8s %13s %9s %7s %9s %9s\n' "$w" - - - - - - - "${res[$w.p50]}" "${res[$w.p99]}"
		continue
	fi
	printf '%-12s %10s %9s %9s %8s %13s %9s %7s %9s %9s\n' "$w" "${res[$w.gbcpu]}" "$(ratio "${res[$w.gbcpu]}" "$f")" \
		"$(ratio "${res[$w.gbcpu]}" "${res[redsocks.gbcpu]}")" "${res[$w.gbrate]}" "${res[$w.kcpu]}" \
		"$(ratio "${res[$w.kcpu]}" "${res[redsocks.kcpu]}")" "${res[$w.kfail]}" "${res[$w.p50]}" "${res[$w.p99]}"
done
echo "(direct has no redirector; hev-socks5-tunnel: not in Debian 12)"
echo
echo "# with nothing limiting the rate: iperf3 -t $SECS"
printf '%-12s %10s %10s %10s %10s %12s %10s\n' way "up x1" "up x4" "down x1" "down x4" "conn/s" "relay cpu"
for w in "${ways[@]}"; do
	c=${res[$w.cpu]:-}; c=${c:+$c%}
	printf '%-12s %10s %10s %10s %10s %12s %10s\n' "$w" "${res[$w.up.1]}" "${res[$w.up.4]}" \
		"${res[$w.down.1]}" "${res[$w.down.4]}" "${res[$w.cps]}" "${c:--}"
done
echo "(Gbit/s received; conn/s: one at a time, connect, 64 bytes each way, the peer"
echo " closes; relay cpu: the redirector's own CPU during the iperf3 runs, % of one core)"
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
echo "# each round, per way:"
for k in $(printf '%s\n' "${!all[@]}" | sort); do echo "#   $k: ${all[$k]}"; done
