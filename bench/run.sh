#!/bin/bash
# bench/run.sh - bro-run's start-up against Debian's bwrap and unshare(1):
#   bro-run|bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all -- /bin/true
#   unshare -Urn /bin/true, and /bin/true alone
# as the test user and as root, alternating rounds (N runs of each command a
# round, ROUNDS rounds), the median of every run's own wall time, timed by
# bench/spawn-time.c (posix_spawn, stdio on /dev/null: no shell forks in the
# figures); then again with EXTRA extra mounts in the host's mount namespace
# (the namespace copy grows with them).
# BASELINE=/path/to/an/older/bro-run adds it to the same alternating rounds
# (a change's effect measured on a busy machine: same rounds, same load).
# Needs root (the test user, the extra mounts). Run by scripts/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
U=${BRO_TEST_USER:-brotest}
ROUNDS=${ROUNDS:-5}
N=${N:-200}
EXTRA=${EXTRA:-200}
stage=$(mktemp -d /tmp/bro-bench-run.XXXXXX)
chmod 0755 "$stage"
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
${MAKE:-make} -s build/tests/spawn-time
install -m 0755 build/tests/spawn-time "$stage/spawn-time"	# the test user runs it
R=$stage/bin/bro-run
command -v bwrap >/dev/null || { echo "bwrap missing (scripts/setup installs bubblewrap)"; exit 1; }

# the extra mounts live in a mount namespace of their own, entered for the
# second half only: the host's is never touched
mnt_pid=
cleanup() { [ -n "$mnt_pid" ] && kill "$mnt_pid" 2>/dev/null; rm -rf "$stage"; }
trap cleanup EXIT

# the microseconds of each of N runs of CMD (as USER, or root for "root")
per_run_us() {
	local who=$1; shift
	if [ "$who" = root ]; then
		${NSENTER:-} env -i PATH=/usr/bin:/bin "$stage/spawn-time" "$N" "$@"
	else
		${NSENTER:-} runuser -u "$U" -- env -i PATH=/usr/bin:/bin \
			"$stage/spawn-time" "$N" "$@"
	fi
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ARGS=(--ro-bind / / --dev /dev --proc /proc --unshare-all -- /bin/true)

run_set() {		# run_set LABEL
	local who name
	declare -A res=()
	for ((r = 0; r < ROUNDS; r++)); do
		for who in "$U" root; do
			res[$who.true]+="$(per_run_us "$who" /bin/true) "
			res[$who.unshare]+="$(per_run_us "$who" unshare -Urn /bin/true) "
			res[$who.bwrap]+="$(per_run_us "$who" bwrap "${ARGS[@]}") "
			res[$who.bro-run]+="$(per_run_us "$who" "$R" "${ARGS[@]}") "
			[ -z "${BASELINE:-}" ] ||
				res[$who.base]+="$(per_run_us "$who" "$BASELINE" "${ARGS[@]}") "
		done
	done
	echo "--- $1 (median us of $((ROUNDS * N)) runs each, $ROUNDS alternating rounds)"
	printf '%-8s %10s %10s %10s %10s %14s\n' who /bin/true "unshare-Urn" bwrap bro-run bro-run/bwrap
	for who in "$U" root; do
		local t u b o
		t=$(echo "${res[$who.true]}" | median); u=$(echo "${res[$who.unshare]}" | median)
		b=$(echo "${res[$who.bwrap]}" | median); o=$(echo "${res[$who.bro-run]}" | median)
		printf '%-8s %10s %10s %10s %10s %14s\n' "$who" "$t" "$u" "$b" "$o" \
			"$(awk -v o="$o" -v b="$b" 'BEGIN { printf "%.2f", o / b }')"
		[ -z "${BASELINE:-}" ] || printf '%-8s baseline %s: %s us, bro-run/baseline %s\n' \
			"$who" "$BASELINE" "$(echo "${res[$who.base]}" | median)" \
			"$(awk -v o="$o" -v b="$(echo "${res[$who.base]}" | median)" 'BEGIN { printf "%.2f", o / b }')"
	done
}

echo "host mounts: $(wc -l < /proc/self/mountinfo)"
run_set "the host's mounts"

unshare -m --propagation private sh -c "
	mkdir -p $stage/extra
	for i in \$(seq 1 $EXTRA); do mkdir -p $stage/extra/\$i; mount -t tmpfs -o size=4k none $stage/extra/\$i; done
	echo ready > $stage/extra.ready; exec sleep 3600" &
mnt_pid=$!
for _ in $(seq 1 500); do [ -e "$stage/extra.ready" ] && break; sleep 0.02; done
NSENTER="nsenter --mount --target $mnt_pid"
echo "with $EXTRA extra mounts: $($NSENTER cat /proc/self/mountinfo | wc -l)"
run_set "$EXTRA extra mounts"
