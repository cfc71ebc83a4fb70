#!/bin/bash
# bench/proxyd.sh - bro-proxyd against its peers, same machine, same run:
# direct loopback (no proxy), bro-proxyd, systemd-socket-proxyd, socat,
# and, for the CPU rows, the two floors: the cheapest relays there are.
# Rounds alternate between the peers (after a warm-up round); each figure is
# the median of its rounds, and every round is printed in comment lines
# under the tables. Run by scripts/bench (make bench); takes about 7 minutes.
#
# First, what the relay itself costs, at the same fixed offered load for
# every relay (on 2 cores iperf3's sender and receiver each keep a core
# busy, so throughput through any relay says more about the scheduler than
# about the relay; its own CPU time does not):
#   CPU ms per GB        iperf3 -b $RATE -t $RATE_SECS, one stream: the
#                        relay's CPU (bench/lib/cpu.sh: schedstat ns of its
#                        threads, plus its children, reaped or alive, for
#                        socat's fork per connection) over the GB received
#                        (iperf3 -J end.sum_received.bytes)
#   CPU ms per 1000 conns  $CONNS short connections offered at $CONN_RATE/s,
#                        at most $CONC at once (proxyd-load paced): connect,
#                        64 bytes each way, the server closes; CPU over the
#                        connections completed, per thousand
# The relay process is the one measured: systemd-socket-activate execs the
# proxy in its own PID (after the warm-up connection it is the proxy), socat
# is its listener plus its children.
#
# Every relay's CPU is also given as a ratio to a floor ("vs floor"): most of
# a relay's cost is the kernel's TCP work, which no relay avoids, so the
# question is how far above the cheapest possible relay it is:
#   per GB            bench/floor-splice.c: a child per connection, a thread
#                     per direction, blocking splice through 1 MiB pipes
#   per 1000 conns    bench/floor-epoll.c: one epoll loop, accept4 batches,
#                     recv/send through one buffer per connection
# (floor-epoll is measured per GB too, for reference; floor-splice forks
# per connection, so it is no floor for short connections and is left out
# of those rows.)
#
# Then, as before, what gets through when nothing limits the rate:
#   throughput   iperf3 -t $SECS, one stream
#   conns/s      short connections: connect, 64 bytes each way, server
#                closes ("Connection: close"), 32 at once (proxyd-load)
#   latency      p50/p99 of a 64-byte round trip on one connection
#   RSS          the proxy's VmRSS with $IDLE idle connections open
#
# Both proxies get their socket from systemd-socket-activate; socat forks a
# process per connection (fork, reuseaddr). Everything on 127.0.0.1, ports
# below the ephemeral range, checked free with ss.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/cpu.sh
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-3}
RATE=${RATE:-4G}
RATE_SECS=${RATE_SECS:-5}
CONNS=${CONNS:-5000}
CONN_RATE=${CONN_RATE:-1000}
CONC=${CONC:-32}
# The RSS test: systemd-socket-proxyd holds 6 fds a connection (2 sockets,
# 2 pipes), bro-proxyd 2; both get the hard RLIMIT_NOFILE (20000 here, and
# no CAP_SYS_RESOURCE to raise it), so both are measured at $IDLE and
# bro-proxyd alone at $IDLE_MAX.
IDLE=${IDLE:-3000}
IDLE_MAX=${IDLE_MAX:-9900}
B=${B:-build}
PX=$PWD/$B/bro-proxyd
LOAD=$PWD/$B/tests/proxyd-load
FS=$PWD/$B/tests/floor-splice
FE=$PWD/$B/tests/floor-epoll
SSP=/lib/systemd/systemd-socket-proxyd
for t in iperf3 socat systemd-socket-activate prlimit; do
	command -v $t >/dev/null || { echo "bench/proxyd.sh: $t missing (scripts/setup)"; exit 1; }
done
[ -x "$PX" ] && [ -x "$LOAD" ] && [ -x "$FS" ] && [ -x "$FE" ] && [ -x "$SSP" ] || { echo "bench/proxyd.sh: build first"; exit 1; }

work=$(mktemp -d /tmp/bro-bench-proxyd.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

port=$((21000 + RANDOM % 5000))
# next_port: sets NP to a port nothing uses (no subshell: port must advance)
next_port() {
	port=$((port + 1))
	while ss -Htuan "sport = :$port" | grep -q .; do port=$((port + 1)); done
	NP=$port
}
listening() {
	local i
	for i in $(seq 1 100); do
		ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.05
	done
	echo "bench/proxyd.sh: nothing listens on $1" >&2; return 1
}
# start_proxies BACKEND-PORT: sets P[direct|bro-proxyd|systemd-socket-proxyd|socat|
# floor-splice|floor-epoll] (ports) and RP[...] (the relay's PID, for cpu_ns)
declare -A P RP
start_proxies() {
	local b=$1 p
	P[direct]=$b
	next_port; p=$NP; P[bro-proxyd]=$p
	systemd-socket-activate -l 127.0.0.1:$p \
		"$PX" -c $((IDLE_MAX + 100)) 127.0.0.1:$b >/dev/null 2>&1 & pids+=($!)
	RP[bro-proxyd]=$!
	next_port; p=$NP; P[systemd-socket-proxyd]=$p
	systemd-socket-activate -l 127.0.0.1:$p \
		"$SSP" -c $((IDLE_MAX + 100)) 127.0.0.1:$b >/dev/null 2>&1 & pids+=($!)
	RP[systemd-socket-proxyd]=$!
	next_port; p=$NP; P[socat]=$p
	socat TCP-LISTEN:$p,bind=127.0.0.1,fork,reuseaddr,backlog=4096 \
		TCP:127.0.0.1:$b >/dev/null 2>&1 & pids+=($!)
	RP[socat]=$!
	next_port; p=$NP; P[floor-splice]=$p
	"$FS" 127.0.0.1:$p 127.0.0.1:$b & pids+=($!)
	RP[floor-splice]=$!
	next_port; p=$NP; P[floor-epoll]=$p
	"$FE" 127.0.0.1:$p 127.0.0.1:$b & pids+=($!)
	RP[floor-epoll]=$!
	for p in "${P[@]}"; do listening "$p"; done
}
stop_proxies() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	pids=()
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
names=(direct bro-proxyd systemd-socket-proxyd socat)
relays=(bro-proxyd systemd-socket-proxyd socat)
# the CPU rows: per GB with both floors, per 1000 connections with the epoll one
gb_relays=(floor-splice floor-epoll "${relays[@]}")
k_relays=(floor-epoll "${relays[@]}")
# iperf3_run ARGS...: "BYTES GBITS" received, from iperf3 -J ("0 0" if it
# failed or took more than 2 minutes)
iperf3_run() {
	timeout 120 iperf3 -c 127.0.0.1 -J "$@" 2>/dev/null | python3 -c 'import json, sys
e = json.load(sys.stdin)["end"]["sum_received"]
print(e["bytes"], "%.2f" % (e["bits_per_second"] / 1e9))' || echo "0 0"
}

echo "## bro-proxyd vs peers on $(nproc) cores, kernel $(uname -r), $(systemd-socket-activate --version | head -1)"
echo "## $ROUNDS alternating rounds, medians"

# 1. throughput
next_port; b=$NP
iperf3 -s -p "$b" -D -I "$work/iperf.pid" >/dev/null
listening "$b"
start_proxies "$b"
declare -A tput
for ((r = 0; r < ROUNDS; r++)); do
	for n in "${names[@]}"; do
		read -r _ v < <(iperf3_run -p "${P[$n]}" -t "$SECS")
		tput[$n]+="$v "
	done
done
# the relay's CPU per GB at $RATE (the rounds above were its warm-up)
declare -A gbcpu gbrate
for ((r = 0; r < ROUNDS; r++)); do
	for n in "${gb_relays[@]}"; do
		c0=$(cpu_ns "${RP[$n]}")
		read -r bytes v < <(iperf3_run -p "${P[$n]}" -t "$RATE_SECS" -b "$RATE")
		c1=$(cpu_ns "${RP[$n]}")
		gbcpu[$n]+="$(per_unit $((c1 - c0)) "$bytes" 1e9) "
		gbrate[$n]+="$v "
	done
done
stop_proxies
kill "$(cat "$work/iperf.pid")" 2>/dev/null || true

# 2. short connections/s and latency, against proxyd-load's echo servers
next_port; b=$NP; next_port; bo=$NP
"$LOAD" echo "$b" >/dev/null & pids+=($!)
"$LOAD" once "$bo" >/dev/null & lp=$!
listening "$b"; listening "$bo"
start_proxies "$bo"; declare -A Ponce; for n in "${!P[@]}"; do Ponce[$n]=${P[$n]}; done
pids+=($lp)
declare -A cps lat50 lat99
# warm up: the first connection execs the proxy, the first thousands fault
# its memory in
for n in "${names[@]}" floor-epoll; do "$LOAD" conns "${Ponce[$n]}" 1 32 >/dev/null; done
for ((r = 0; r < ROUNDS; r++)); do
	for n in "${names[@]}"; do
		cps[$n]+="$("$LOAD" conns "${Ponce[$n]}" "$SECS" 32) "
	done
done
# the relay's CPU per 1000 connections, $CONNS offered at $CONN_RATE/s
declare -A kcpu kfail
for ((r = 0; r < ROUNDS; r++)); do
	for n in "${k_relays[@]}"; do
		c0=$(cpu_ns "${RP[$n]}")
		read -r done failed _ < <("$LOAD" paced "${Ponce[$n]}" "$CONNS" "$CONC" "$CONN_RATE" || echo "0 $CONNS 0")
		c1=$(cpu_ns "${RP[$n]}")
		kcpu[$n]+="$(per_unit $((c1 - c0)) "$done" 1000) "
		kfail[$n]+="$failed "
	done
done
stop_proxies
"$LOAD" echo "$b" >/dev/null & pids+=($!)
listening "$b"
start_proxies "$b"
for n in "${names[@]}"; do "$LOAD" rtt "${P[$n]}" 1000 64 >/dev/null; done
for ((r = 0; r < ROUNDS; r++)); do
	for n in "${names[@]}"; do
		read -r p50 p99 < <(timeout 60 "$LOAD" rtt "${P[$n]}" 5000 64 || echo "fail fail")
		lat50[$n]+="$p50 "; lat99[$n]+="$p99 "
	done
done

# 3. RSS with idle connections (the echo server holds the far ends)
declare -A rss fds
for run in "bro-proxyd $IDLE" "systemd-socket-proxyd $IDLE" "bro-proxyd $IDLE_MAX"; do
	read -r n k <<< "$run"
	f=$work/hold.$n.$k
	mkfifo "$f"
	"$LOAD" hold "${P[$n]}" "$k" < "$f" > "$f.out" 2>&1 &
	hp=$!
	exec 9> "$f"
	for i in $(seq 1 600); do grep -q 'ready\|fail' "$f.out" && break; sleep 0.1; done
	pid=$(ss -Htlnp "sport = :${P[$n]}" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
	if grep -q "ready $k" "$f.out"; then
		rss[$run]=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
		fds[$run]=$(ls "/proc/$pid/fd" | wc -l)
	else
		rss[$run]="failed: $(head -1 "$f.out")"
	fi
	exec 9>&-
	wait "$hp" 2>/dev/null || true
	sleep 1		# let the proxy close them all
done
stop_proxies

echo
echo "# the relay's own CPU at a fixed offered load: iperf3 -b $RATE -t $RATE_SECS;"
echo "# $CONNS connections at $CONN_RATE/s, $CONC at most at once;"
echo "# vs floor: per GB against floor-splice, per 1000 connections against floor-epoll"
printf '%-22s %10s %8s %8s %9s %13s %8s %8s %7s %9s %9s\n' relay "CPU ms/GB" "vs floor" "vs sspd" \
	"Gbit/s" "CPU ms/1k con" "vs floor" "vs sspd" failed "p50 us" "p99 us"
gs=$(echo ${gbcpu[systemd-socket-proxyd]} | median); ks=$(echo ${kcpu[systemd-socket-proxyd]} | median)
gf=$(echo ${gbcpu[floor-splice]} | median); kf=$(echo ${kcpu[floor-epoll]} | median)
for n in "${gb_relays[@]}"; do
	g=$(echo ${gbcpu[$n]} | median); k=- kr=- ks_r=- f=- l50=- l99=-
	if [ -n "${kcpu[$n]:-}" ]; then
		k=$(echo ${kcpu[$n]} | median); kr=$(ratio "$k" "$kf"); ks_r=$(ratio "$k" "$ks")
		f=$(echo ${kfail[$n]} | median)
	fi
	if [ -n "${lat50[$n]:-}" ]; then
		l50=$(echo ${lat50[$n]} | median); l99=$(echo ${lat99[$n]} | median)
	fi
	printf '%-22s %10s %8s %8s %9s %13s %8s %8s %7s %9s %9s\n' "$n" "$g" "$(ratio "$g" "$gf")" \
		"$(ratio "$g" "$gs")" "$(echo ${gbrate[$n]} | median)" "$k" "$kr" "$ks_r" "$f" "$l50" "$l99"
done
echo
echo "# with nothing limiting the rate"
printf '%-22s %12s %8s %8s %10s %8s %8s %9s %9s\n' peer "Gbit/s" "vs dir" "vs sspd" "conns/s" "vs dir" "vs sspd" "p50 us" "p99 us"
for n in "${names[@]}"; do
	t=$(echo ${tput[$n]} | median); c=$(echo ${cps[$n]} | median)
	td=$(echo ${tput[direct]} | median); ts=$(echo ${tput[systemd-socket-proxyd]} | median)
	cd=$(echo ${cps[direct]} | median); cs=$(echo ${cps[systemd-socket-proxyd]} | median)
	printf '%-22s %12s %8s %8s %10s %8s %8s %9s %9s\n' "$n" "$t" "$(ratio "$t" "$td")" \
		"$(ratio "$t" "$ts")" "$c" "$(ratio "$c" "$cd")" "$(ratio "$c" "$cs")" \
		"$(echo ${lat50[$n]} | median)" "$(echo ${lat99[$n]} | median)"
done
echo
printf '%-34s %10s %9s\n' "idle connections held" "VmRSS KiB" "open fds"
for run in "bro-proxyd $IDLE" "systemd-socket-proxyd $IDLE" "bro-proxyd $IDLE_MAX"; do
	printf '%-34s %10s %9s\n' "$run" "${rss[$run]}" "${fds[$run]:-?}"
done
printf '%-34s %s\n' "socat" "(a process per connection: not comparable)"
echo "# each round, per peer:"
for n in "${names[@]}"; do echo "#   $n: tput ${tput[$n]}| conns ${cps[$n]}| p50 ${lat50[$n]}| p99 ${lat99[$n]}"; done
for n in "${gb_relays[@]}"; do
	echo "#   $n: CPU ms/GB ${gbcpu[$n]}at Gbit/s ${gbrate[$n]}| CPU ms/1k conns ${kcpu[$n]:-- }failed ${kfail[$n]:-- }"
done
