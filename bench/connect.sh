#!/bin/bash
# bench/connect.sh - bro-relay against socat as a unix <-> TCP bridge, the
# job a sandbox launcher's relays do: TCP -> unix socket -> TCP, two relays
# of the same kind in a chain (client -> relay A: tcp:P -> unix:S ->
# relay B: unix:S -> tcp:iperf3), both measured.
#
#   CPU ms per GB   iperf3 -b $RATE -t $RATE_SECS, one stream: the two relays'
#                   own CPU (bench/lib/cpu.sh: schedstat ns of their threads
#                   plus their children, reaped or alive, for socat's fork
#                   per connection) over the GB received
#   throughput      iperf3 -t $SECS, one stream, nothing limiting the rate
#
# Rounds alternate between the two (the first round of throughput is the
# warm-up for the CPU rounds); medians, every round in comment lines. Run
# by scripts/bench (make bench); about 1 minute.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/cpu.sh
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-3}
RATE=${RATE:-2G}
RATE_SECS=${RATE_SECS:-4}
B=${B:-build}
BR=$PWD/$B/bro-relay
for t in iperf3 socat python3; do
	command -v $t >/dev/null || { echo "bench/connect.sh: $t missing (scripts/setup)"; exit 1; }
done
[ -x "$BR" ] || { echo "bench/connect.sh: build first"; exit 1; }

work=$(mktemp -d /tmp/bro-bench-connect.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# ports below the ephemeral range, checked free
read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range
port=$((lo - 2000 - RANDOM % 1000))
next_port() {
	port=$((port + 1))
	while ss -Htuan "sport = :$port" | grep -q .; do port=$((port + 1)); done
	NP=$port
}
# wait_until CMD...: CMD true within 5 s (50 ms steps), else fail
wait_until() {
	local i
	for i in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
	echo "bench/connect.sh: timed out waiting for: $*" >&2; return 1
}
listening() { ss -Htln "sport = :$1" | grep -q .; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
# iperf3's server takes one test at a time and learns of a test's end only
# when its connections close, which through two relays comes after the
# client has returned: wait for them to be gone before the next test
server_idle() { ! ss -Htn state established "sport = :$S" | grep -q .; }
iperf3_run() {
	wait_until server_idle || true
	timeout 120 iperf3 -c 127.0.0.1 -J "$@" 2>/dev/null | python3 -c 'import json, sys
e = json.load(sys.stdin)["end"]["sum_received"]
print(e["bytes"], "%.2f" % (e["bits_per_second"] / 1e9))' || echo "0 0"
}

next_port; S=$NP
iperf3 -s -p "$S" -D -I "$work/iperf.pid" >/dev/null
wait_until listening "$S"
pids+=("$(cat "$work/iperf.pid")")

declare -A P RA RB
# bro-relay: ready when the fd says so
next_port; P[bro-relay]=$NP
"$BR" --listen "unix:$work/br.sock" --to "tcp:127.0.0.1:$S" --ready-fd 3 3>"$work/rb.ready" & pids+=($!); RB[bro-relay]=$!
wait_until grep -q ready "$work/rb.ready"
"$BR" --listen "tcp:127.0.0.1:${P[bro-relay]}" --to "unix:$work/br.sock" --ready-fd 3 3>"$work/ra.ready" & pids+=($!); RA[bro-relay]=$!
wait_until grep -q ready "$work/ra.ready"
# socat: a listener forking a child per connection, as launchers run it
next_port; P[socat]=$NP
socat UNIX-LISTEN:"$work/so.sock",fork TCP:127.0.0.1:"$S" & pids+=($!); RB[socat]=$!
wait_until test -S "$work/so.sock"
socat TCP-LISTEN:"${P[socat]}",bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:"$work/so.sock" & pids+=($!); RA[socat]=$!
wait_until listening "${P[socat]}"

names=(bro-relay socat)
echo "## bro-relay vs socat, tcp -> unix -> tcp (two relays), $(nproc) cores, kernel $(uname -r), $(socat -V | sed -n 's/^socat version \([^ ]*\).*/socat \1/p')"
echo "## $ROUNDS alternating rounds, medians"
declare -A tput gbcpu gbrate
for ((r = 0; r < ROUNDS; r++)); do
	for n in "${names[@]}"; do
		read -r _ v < <(iperf3_run -p "${P[$n]}" -t "$SECS")
		tput[$n]+="$v "
	done
done
for ((r = 0; r < ROUNDS; r++)); do
	for n in "${names[@]}"; do
		c0=$(( $(cpu_ns "${RA[$n]}") + $(cpu_ns "${RB[$n]}") ))
		read -r bytes v < <(iperf3_run -p "${P[$n]}" -t "$RATE_SECS" -b "$RATE")
		c1=$(( $(cpu_ns "${RA[$n]}") + $(cpu_ns "${RB[$n]}") ))
		gbcpu[$n]+="$(per_unit $((c1 - c0)) "$bytes" 1e9) "
		gbrate[$n]+="$v "
	done
done

printf '%-10s %14s %10s %14s %16s\n' relay "CPU ms/GB" "vs socat" "Gbit/s @$RATE" "Gbit/s (max)"
gs=$(echo ${gbcpu[socat]} | median)
for n in "${names[@]}"; do
	g=$(echo ${gbcpu[$n]} | median)
	printf '%-10s %14s %10s %14s %16s\n' "$n" "$g" "$(ratio "$g" "$gs")" \
		"$(echo ${gbrate[$n]} | median)" "$(echo ${tput[$n]} | median)"
done
for n in "${names[@]}"; do
	echo "# $n rounds: CPU ms/GB ${gbcpu[$n]}| Gbit/s @$RATE ${gbrate[$n]}| max ${tput[$n]}"
done
