#!/bin/bash
# bench/run-seccomp.sh - what bro-run's seccomp profiles cost a syscall-heavy
# command: bench/syscall-loop (raw getpid(); openat+fstat+read+close;
# socket+close, whose arguments the profiles compare) in
#   bro-run --ro-bind / / [PROFILE] syscall-loop KIND N
# with no profile, an allow-all --add-seccomp-fd program (what any filter
# costs), --seccomp-unix-block, --seccomp-hardening, both, both with
# --report (its denied calls notify a supervisor; the allowed ones measured
# here must cost the same), and --no-userns (Landlock + hardening), as the
# test user, alternating rounds,
# medians of ns per iteration. Target: within 2% of no filter.
# Needs root (the test user). Run by scripts/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
U=${BRO_TEST_USER:-brotest}
ROUNDS=${ROUNDS:-7}
N=${N:-2000000}
stage=$(mktemp -d /tmp/bro-bench-seccomp.XXXXXX)
chmod 0755 "$stage"
trap 'rm -rf "$stage"' EXIT
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
install -m 0755 "${B:-build}/tests/syscall-loop" "$stage/bin/"
R=$stage/bin/bro-run L=$stage/bin/syscall-loop
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# the floor of any filter: one instruction, allow (the kernel's entry path
# with seccomp on; rule counts cost nothing for calls its action cache has)
python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<HBBI", 6, 0, 0, 0x7fff0000))' > "$stage/allow.bpf"
chmod 0644 "$stage/allow.bpf"
mkdir -m 1777 "$stage/rep"
PROFILES=("none" "allow-all" "--seccomp-unix-block" "--seccomp-hardening"
	  "--seccomp-unix-block --seccomp-hardening"
	  "--seccomp-unix-block --seccomp-hardening --report" "--no-userns")
run() {		# run PROFILE KIND: ns per iteration
	local p=$1 base=(--ro-bind / / --dev /dev)
	[ "$p" = none ] && p=
	if [ "$p" = allow-all ]; then
		runuser -u "$U" -- env -i PATH=/usr/bin:/bin sh -c 'f=$1; shift; "$0" "$@" 3<"$f"' "$R" "$stage/allow.bpf" \
			"${base[@]}" --add-seccomp-fd 3 "$L" "$2" "$N" </dev/null
		return
	fi
	[ "$p" = "${PROFILES[5]}" ] && p="$p $stage/rep/r.json"
	[ "$p" = --no-userns ] && base=(--ro-bind /usr /usr --ro-bind /etc /etc --ro-bind "$stage" "$stage")
	runuser -u "$U" -- env -i PATH=/usr/bin:/bin "$R" "${base[@]}" $p "$L" "$2" "$N" </dev/null
}
for kind in getpid files socket; do
	declare -A res=()
	for ((r = 0; r < ROUNDS; r++)); do
		for p in "${PROFILES[@]}"; do
			res[$p]+="$(run "$p" "$kind") "
		done
	done
	base=$(echo "${res[none]}" | median)
	printf '%-8s %-52s %8s %8s\n' "$kind" profile "ns/iter" "vs none"
	for p in "${PROFILES[@]}"; do
		m=$(echo "${res[$p]}" | median)
		printf '%-8s %-52s %8s %+7.1f%%\n' "" "$p" "$m" \
			"$(awk -v a="$m" -v b="$base" 'BEGIN {print (a - b) * 100 / b}')"
	done
	unset res
done
