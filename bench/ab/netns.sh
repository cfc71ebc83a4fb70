#!/bin/bash
# bench/ab/netns.sh A B - two builds of bro-netns side by side, for a change
# to its relay path: what the change buys, measured in alternating rounds on
# the same SOCKS5 server (dante, or microsocks with SOCKS=microsocks) and
# peer, medians. Not run by `make bench` (it needs two builds): A and B are
# install prefixes (`make install PREFIX=/tmp/a` as root gives the file
# capabilities), e.g. the tree before a change, `git archive` of it built
# apart, against the tree after it. AOPT and BOPT are extra `create` options
# for each (BOPT=--proxy-pipeline). Needs root and a built tree (make unit:
# proxyd-load, floor-splice).
#   CPU ms per 1000 conns  $CONNS connections at $CONN_RATE/s, $CONC at most
#                     at once (proxyd-load paced against "once": connect, 64
#                     bytes each way, the peer closes): the relay's CPU
#                     (bench/lib/cpu.sh) over the connections, per thousand
#   syscalls, context switches per connection  (PERF=1) perf stat's
#                     raw_syscalls:sys_enter and context-switches of the
#                     relay in the same interval: exact counts, which the
#                     other jobs on a busy machine move far less than CPU
#   CPU ms per GB     (GB=1) iperf3 -b $RATE -t $RATE_SECS up through each,
#                     and bench/floor-splice.c on plain loopback (F); with
#                     PERF=1 also syscalls, splice() calls and context
#                     switches per GB
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib/cpu.sh
. bench/lib/dante.sh
[ $# = 2 ] || { echo "usage: bench/ab/netns.sh PREFIX_A PREFIX_B"; exit 64; }
U=${BRO_TEST_USER:-brotest}; A=$1; B=$2
ROUNDS=${ROUNDS:-5}; CONNS=${CONNS:-2000}; CONN_RATE=${CONN_RATE:-500}; CONC=${CONC:-32}
RATE=${RATE:-2G}; RATE_SECS=${RATE_SECS:-3}; SOCKS=${SOCKS:-dante}; GB=${GB:-1}; PERF=${PERF:-0}
AOPT=${AOPT:-}; BOPT=${BOPT:-}
LOAD=${BUILD:-build}/tests/proxyd-load FS=${BUILD:-build}/tests/floor-splice
[ -x "$LOAD" ] && [ -x "$FS" ] || { echo "bench/ab/netns.sh: make unit first"; exit 1; }
stage=$(mktemp -d /tmp/bro-ab.XXXXXX); chmod 755 "$stage"
n=$(( $$ % 200 + 20 )); NS=bro-ab-$$ VH=bab$$h VP=bab$$p HOST_IP=10.233.$n.1 PEER_IP=10.233.$n.2
pids=()
as_user() { runuser -u "$U" -- env -i PATH=/usr/bin:/bin HOME=/tmp \
	XDG_RUNTIME_DIR=/run/user/$(id -u "$U") "$@"; }
cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	as_user "$A/bin/bro-netns" destroy abA$$ >/dev/null 2>&1
	as_user "$B/bin/bro-netns" destroy abB$$ >/dev/null 2>&1
	ip link del "$VH" 2>/dev/null; ip netns del "$NS" 2>/dev/null; rm -rf "$stage"
}
trap cleanup EXIT
cand=$((27000 + RANDOM % 4000))		# below the ephemeral range
next_port() { while ss -Htuan "sport = :$cand" | grep -q .; do cand=$((cand + 1)); done
	NP=$cand; cand=$((cand + 1)); }
up() { for _ in $(seq 100); do ss -Htln "sport = :$1" | grep -q . && return; sleep 0.05; done; return 1; }
ip netns add "$NS"; ip link add "$VH" type veth peer name "$VP"; ip link set "$VP" netns "$NS"
ip addr add "$HOST_IP/24" dev "$VH" && ip link set "$VH" up
ip -n "$NS" addr add "$PEER_IP/24" dev "$VP" && ip -n "$NS" link set "$VP" up
ip -n "$NS" link set lo up
ip netns exec "$NS" iperf3 -s -B "$PEER_IP" >/dev/null 2>&1 & pids+=($!)
install -m 0755 "$LOAD" "$stage/proxyd-load"
ip netns exec "$NS" "$stage/proxyd-load" once "$PEER_IP:7000" >/dev/null & pids+=($!)
next_port; FIP=$NP; iperf3 -s -B 127.0.0.1 -p "$FIP" >/dev/null 2>&1 & pids+=($!)
next_port; FP=$NP; "$FS" "127.0.0.1:$FP" "127.0.0.1:$FIP" & pids+=($!); floor_pid=$!
up "$FIP" && up "$FP" || { echo "floor-splice or its iperf3 did not start"; exit 1; }
next_port; SP=$NP
if [ "$SOCKS" = dante ]; then
	dante_run "$stage" "$SP" "$HOST_IP"; pids+=("$DANTE_PID")
else
	microsocks -i 127.0.0.1 -p "$SP" >/dev/null 2>&1 & pids+=($!)
fi
up "$SP" || { echo "SOCKS5 server did not start"; exit 1; }
# shellcheck disable=SC2086  # AOPT, BOPT: words
pa=$(as_user "$A/bin/bro-netns" create --name abA$$ $AOPT --proxy "socks5://127.0.0.1:$SP" | cut -d/ -f3)
# shellcheck disable=SC2086
pb=$(as_user "$B/bin/bro-netns" create --name abB$$ $BOPT --proxy "socks5://127.0.0.1:$SP" | cut -d/ -f3)
echo "# A=$A $AOPT (relay $pa)  B=$B $BOPT (relay $pb)  $SOCKS, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
run() {
	local w=$1; shift
	case $w in
	A) as_user "$A/bin/bro-netns" exec abA$$ -- "$@" ;;
	B) as_user "$B/bin/bro-netns" exec abB$$ -- "$@" ;;
	F) "$@" ;;
	esac
}
declare -A PID=([A]=$pa [B]=$pb [F]=$floor_pid)
iperf() {
	local w=$1 to=$PEER_IP; shift
	[ "$w" = F ] && to=127.0.0.1
	run "$w" timeout 60 iperf3 -c "$to" -J "$@" | python3 -c 'import json, sys
print(json.load(sys.stdin)["end"]["sum_received"]["bytes"])' 2>/dev/null || echo 0
}
for w in A B; do	# warm-up, not counted
	run $w "$stage/proxyd-load" paced "$PEER_IP:7000" 200 "$CONC" "$CONN_RATE" >/dev/null || true
	[ "$GB" = 1 ] && iperf $w -t 1 >/dev/null
done
declare -A res
for ((r = 0; r < ROUNDS; r++)); do
	order="A B"; ((r % 2)) && order="B A"
	for w in $order; do
		if [ "$PERF" = 1 ]; then
			perf stat -x, -o "$stage/perf.$w" -e raw_syscalls:sys_enter,context-switches \
				-p "${PID[$w]}" & pp=$!
			sleep 0.5	# perf attached (its counts start at 0: idle)
		fi
		c0=$(cpu_ns "${PID[$w]}")
		read -r done _ _ < <(run $w "$stage/proxyd-load" paced "$PEER_IP:7000" \
			"$CONNS" "$CONC" "$CONN_RATE" || echo "0 $CONNS 0")
		c1=$(cpu_ns "${PID[$w]}")
		res[$w.kcpu]+="$(per_unit $((c1 - c0)) "$done" 1000) "
		res[$w.done]+="$done "
		if [ "$PERF" = 1 ]; then
			kill -INT $pp; wait $pp || true
			sc=$(awk -F, '/sys_enter/ {print $1}' "$stage/perf.$w")
			cs=$(awk -F, '/context-switches/ {print $1}' "$stage/perf.$w")
			res[$w.sys]+="$(awk -v a="$sc" -v b="$done" 'BEGIN {printf "%.1f", a / b}') "
			res[$w.cs]+="$(awk -v a="$cs" -v b="$done" 'BEGIN {printf "%.2f", a / b}') "
		fi
	done
	[ "$GB" = 1 ] || continue
	for w in F $order; do
		extra=(); [ $w = F ] && extra=(-p "$FP")
		if [ "$PERF" = 1 ]; then
			perf stat -x, -o "$stage/perfg.$w" -e raw_syscalls:sys_enter,context-switches \
				-e syscalls:sys_enter_splice -p "${PID[$w]}" & pp=$!
			sleep 0.5
		fi
		c0=$(cpu_ns "${PID[$w]}"); bytes=$(iperf $w "${extra[@]}" -t "$RATE_SECS" -b "$RATE")
		c1=$(cpu_ns "${PID[$w]}")
		res[$w.gbcpu]+="$(per_unit $((c1 - c0)) "$bytes" 1e9) "
		if [ "$PERF" = 1 ]; then
			kill -INT $pp; wait $pp || true
			for e in raw_syscalls:sys_enter:gbsys syscalls:sys_enter_splice:gbsplice \
				 context-switches:gbcs; do
				v=$(awk -F, -v e="${e%:*}" '$3 == e {print $1}' "$stage/perfg.$w")
				res[$w.${e##*:}]+="$(awk -v a="$v" -v b="$bytes" 'BEGIN {printf "%.0f", a / (b / 1e9)}') "
			done
		fi
	done
done
med() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print (NR ? a[int((NR + 1) / 2)] : "-")}'; }
echo "# $CONNS connections at $CONN_RATE/s per round; iperf3 -b $RATE -t $RATE_SECS; median of $ROUNDS rounds"
for k in $(printf '%s\n' "${!res[@]}" | sort); do
	printf '%-10s median %8s   rounds: %s\n' "$k" "$(echo "${res[$k]}" | med)" "${res[$k]}"
done
echo "# load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
