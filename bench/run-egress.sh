#!/bin/bash
# bench/run-egress.sh - what --egress adds to bro-run's start-up:
#   bro-run --ro-bind / / --dev /dev --proc /proc --unshare-all -- /bin/true
# with and without --egress direct (no proxy needed: nothing connects), as
# the test user, alternating rounds, medians of per-run wall time (N runs a
# round, ROUNDS rounds). Also `bro-netns create` + `destroy` alone, the part
# of it that is bro-netns's. Needs root (the test user). Run by scripts/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
U=${BRO_TEST_USER:-brotest}
ROUNDS=${ROUNDS:-5}
N=${N:-30}
stage=$(mktemp -d /tmp/bro-bench-egress.XXXXXX)
chmod 0755 "$stage"
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
rt=$(mktemp -d /tmp/bro-bench-egress-rt.XXXXXX)
chown "$U" "$rt"
chmod 0700 "$rt"
cleanup() { rm -rf "$stage" "$rt"; }
trap cleanup EXIT
R=$stage/bin/bro-run
NB=$stage/bin/bro-netns

per_run_us() {
	local loop='t0=$(date +%s%N); for ((i = 0; i < '"$N"'; i++)); do "$@" >/dev/null 2>&1 || exit 1; done; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 / '"$N"' ))'
	runuser -u "$U" -- env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$rt" bash -c "$loop" bench "$@"
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ARGS=(--ro-bind / / --dev /dev --proc /proc --unshare-all -- /bin/true)

plain= egress= cycle=
for ((r = 0; r < ROUNDS; r++)); do
	plain+="$(per_run_us "$R" "${ARGS[@]}") "
	egress+="$(per_run_us "$R" --egress direct "${ARGS[@]}") "
	cycle+="$(per_run_us sh -c '"$0" create --name bench-egress --proxy direct && "$0" destroy bench-egress' "$NB") "
done
p=$(echo "$plain" | median); e=$(echo "$egress" | median); c=$(echo "$cycle" | median)
echo "--- bro-run start-up with --egress (median us per run, $ROUNDS rounds of $N, as $U)"
printf '%-34s %10s\n' "bro-run ... /bin/true" "$p" "bro-run --egress direct ... /bin/true" "$e" \
	"  difference" "$((e - p))" "bro-netns create + destroy alone" "$c"
