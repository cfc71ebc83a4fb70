#!/bin/bash
# bench/helper.sh - bro-helper against nsenter at the same job: enter a
# user-owned network namespace and exec a command. Alternating rounds,
# medians of per-exec wall time; and what the exec'd command is left holding.
# Needs root (setcap, the test user). Run by scripts/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
U=${BRO_TEST_USER:-brotest}
ROUNDS=${ROUNDS:-7}
N=${N:-300}
stage=$(mktemp -d /tmp/bro-bench-helper.XXXXXX)
chmod 0755 "$stage"
trap 'kill $ns 2>/dev/null; rm -rf "$stage"' EXIT
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
cp "$stage/bin/bro-helper" "$stage/bro-helper-nocap"
H=$stage/bin/bro-helper
as_user() { runuser -u "$U" -- env -i PATH=/usr/bin:/bin "$@"; }

install -d -o "$U" "$stage/run"
as_user sh -c "unshare -Urn sleep 600 </dev/null >/dev/null 2>&1 & echo \$! > $stage/run/pid"
ns=$(cat "$stage/run/pid")
for _ in $(seq 100); do
	[ "$(readlink /proc/$ns/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
	sleep 0.02
done

# per-exec microseconds of N runs of CMD as the test user, in one shell
per_exec_us() {
	as_user bash -c 't0=$(date +%s%N); for ((i = 0; i < '"$N"'; i++)); do "$@" >/dev/null || exit 1; done; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 / '"$N"' ))' bench "$@"
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

declare -A res
names=(direct bro-helper bro-helper-userns nsenter-userns)
for ((r = 0; r < ROUNDS; r++)); do
	res[direct]+="$(per_exec_us /bin/true) "
	res[bro-helper]+="$(per_exec_us "$H" --pid "$ns" -- /bin/true) "
	res[bro-helper-userns]+="$(per_exec_us "$stage/bro-helper-nocap" --pid "$ns" -- /bin/true) "
	res[nsenter-userns]+="$(per_exec_us nsenter --target "$ns" --user --net --preserve-credentials /bin/true) "
done

caps_of() {	# what `grep Cap /proc/self/status` shows the command
	"$@" grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status | awk '{sub(":", "", $1); printf "%s=%s ", $1, $2}'
}
echo "## bro-helper vs nsenter: enter a user-owned netns and exec /bin/true"
echo "## $ROUNDS alternating rounds x $N execs, median per-exec wall time (includes fork+exec of true)"
printf '%-34s %10s %9s\n' "how" "us/exec" "vs nsenter"
base=$(echo ${res[nsenter-userns]} | tr ' ' '\n' | median)
for n in "${names[@]}"; do
	m=$(echo ${res[$n]} | tr ' ' '\n' | median)
	printf '%-34s %10s %9s\n' "$n" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.2fx", a / b}')"
done
echo
echo "## what the exec'd command holds"
printf '%-34s %s\n' "bro-helper (setcap)" "$(caps_of as_user "$H" --pid "$ns" --)"
printf '%-34s %s\n' "bro-helper (no setcap, --userns)" "$(caps_of as_user "$stage/bro-helper-nocap" --pid "$ns" --)"
printf '%-34s %s\n' "nsenter --user --net (as the user)" "$(caps_of as_user nsenter --target "$ns" --user --net --preserve-credentials)"
printf '%-34s %s\n' "nsenter --net (as root)" "$(caps_of nsenter --target "$ns" --net)"
