#!/bin/bash
# bench/netns-policy.sh - what bro-netns's egress policy costs per
# connection: the same short connections (proxyd-load: connect, 64 bytes
# each way, the peer closes) through two namespaces on the same SOCKS5
# server (microsocks) to the same peer (a namespace over a veth), one with
# no policy, one with 10,000 rules (exact names, *.suffixes and CIDRs) whose
# last rule is the one that allows the destination: a name asked for
# through fake DNS, 4 labels deep, so the lookup does its most work (the
# exact name, then a suffix probe per label). Rounds alternate, medians:
#   conn/s          proxyd-load conns for $SECS s, $CONC at once
#   CPU ms/1k conns the relay's own CPU (bench/lib/cpu.sh) over $CONNS
#                   connections offered at $CONN_RATE/s (proxyd-load paced)
# The issue's target: with the policy, within 5 % of the rate without.
# Needs root (the peer namespace, the test user). About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/cpu.sh
U=${BRO_TEST_USER:-brotest}
SECS=${SECS:-3}
CONC=${CONC:-8}
CONNS=${CONNS:-1000}
CONN_RATE=${CONN_RATE:-400}
ROUNDS=${ROUNDS:-3}
RULES=${RULES:-10000}
for c in nft ip microsocks unshare; do
	command -v "$c" >/dev/null || { echo "bench/netns-policy.sh: $c missing (scripts/setup)"; exit 1; }
done
LOAD=${B:-build}/tests/proxyd-load
[ -x "$LOAD" ] || { echo "bench/netns-policy.sh: build first"; exit 1; }
stage=$(mktemp -d /tmp/bro-bench-pol.XXXXXX)
chmod 0755 "$stage"
n=$(( $$ % 200 + 20 ))
NS=bro-bpol-$$ VH=bbp$$h VP=bbp$$p HOST_IP=10.233.$n.1 PEER_IP=10.233.$n.2
TARGET=a.b.target.bench-pol.invalid
pids=()
as_user() { runuser -u "$U" -- env -i PATH=/usr/bin:/bin HOME=/tmp \
	XDG_RUNTIME_DIR=/run/user/$(id -u "$U") "$@"; }
cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for w in bpolnone bpolrules; do
		as_user "$stage/bin/bro-netns" destroy "$w" >/dev/null 2>&1
	done
	ip link del "$VH" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$stage"
}
trap cleanup EXIT
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
install -m 0755 "$LOAD" "$stage/proxyd-load"

ip netns add "$NS"
ip link add "$VH" type veth peer name "$VP"
ip link set "$VP" netns "$NS"
ip addr add "$HOST_IP/24" dev "$VH" && ip link set "$VH" up
ip -n "$NS" addr add "$PEER_IP/24" dev "$VP" && ip -n "$NS" link set "$VP" up
ip -n "$NS" link set lo up
ip netns exec "$NS" "$stage/proxyd-load" once "$PEER_IP:7000" >/dev/null & pids+=($!)

# microsocks resolves the target from a hosts file of its own
printf '127.0.0.1 localhost\n%s %s\n' "$PEER_IP" "$TARGET" > "$stage/hosts"
SP=$((20000 + RANDOM % 5000))
while ss -Htuan "sport = :$SP" | grep -q .; do SP=$((SP + 1)); done
unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec microsocks -i 127.0.0.1 -p "$1"' \
	"$stage/hosts" "$SP" >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 100); do ss -Htln "sport = :$SP" | grep -q . && break; sleep 0.05; done

# RULES rules, none matching the target but the last
awk -v n="$RULES" 'BEGIN {
	for (i = 1; i < n; i++) {
		if (i % 3 == 0) printf "allow host%d.example.com\n", i
		else if (i % 3 == 1) printf "allow *.zone%d.example.net:443\n", i
		else printf "deny 10.%d.%d.0/24\n", int(i / 256) % 256, i % 256
	}
	print "allow *.target.bench-pol.invalid"
}' > "$stage/bench.policy"
chmod 0644 "$stage/bench.policy"

declare -A RELAY FAKE
for w in bpolnone bpolrules; do
	args=()
	[ "$w" = bpolrules ] && args=(--policy-file "$stage/bench.policy")
	RELAY[$w]=$(as_user "$stage/bin/bro-netns" create --name "$w" \
		--proxy "socks5://127.0.0.1:$SP" "${args[@]}" | cut -d/ -f3)
	FAKE[$w]=$(as_user "$stage/bin/bro-netns" exec "$w" -- getent ahostsv4 "$TARGET" |
		awk 'NR == 1 { print $1 }')
done
run() { local w=$1; shift; as_user "$stage/bin/bro-netns" exec "$w" -- "$@"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# warm-up
for w in bpolnone bpolrules; do
	run "$w" "$stage/proxyd-load" paced "${FAKE[$w]}:7000" 200 "$CONC" "$CONN_RATE" >/dev/null || true
done
declare -A cps cpu
for r in $(seq "$ROUNDS"); do
	for w in bpolnone bpolrules; do
		cps[$w]+="$(run "$w" "$stage/proxyd-load" conns "${FAKE[$w]}:7000" "$SECS" "$CONC") "
		c0=$(cpu_ns "${RELAY[$w]}")
		read -r done failed _ < <(run "$w" "$stage/proxyd-load" paced "${FAKE[$w]}:7000" \
			"$CONNS" "$CONC" "$CONN_RATE")
		c1=$(cpu_ns "${RELAY[$w]}")
		cpu[$w]+="$(per_unit $((c1 - c0)) "$done" 1000) "
	done
done
stats=$(as_user "$stage/bin/bro-netns" list | awk '$1 == "bpolrules" { print "allowed", $9, "denied", $10 }')
echo "## bro-netns policy cost: short connections to a fake-DNS name (4 labels), $(nproc) cores, median of $ROUNDS rounds"
echo "# conn/s: proxyd-load conns ${SECS}s, $CONC at once; CPU: the relay's own, $CONNS connections at $CONN_RATE/s"
printf '%-22s %10s %16s\n' policy conn/s "CPU ms/1k conns"
a=$(echo "${cps[bpolnone]}" | median) b=$(echo "${cps[bpolrules]}" | median)
ca=$(echo "${cpu[bpolnone]}" | median) cb=$(echo "${cpu[bpolrules]}" | median)
printf '%-22s %10s %16s\n' none "$a" "$ca" "$RULES rules, last wins" "$b" "$cb"
awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "with the policy: %.3fx the connection rate without (target: >= 0.95x)\n", b / a }'
echo "# rounds: none conn/s ${cps[bpolnone]}| CPU ${cpu[bpolnone]}"
echo "# rounds: rules conn/s ${cps[bpolrules]}| CPU ${cpu[bpolrules]}($stats)"
