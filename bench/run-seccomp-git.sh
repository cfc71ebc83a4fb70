#!/bin/bash
# bench/run-seccomp-git.sh - bro-run's seccomp profiles on the issue's
# example workload: git status over a 20,000-file tree (200 directories of
# 100 files, committed), 20 `git status --porcelain` per sandbox, as the
# test user, with no profile, --seccomp-hardening, and both profiles, in
# alternating rounds; the CPU of the 20 runs (the shell's waited-for
# children, /proc/$$/stat cutime+cstime, in clock ticks), medians.
# Target: within 2% of no profile. Needs root (the test user). Run by
# scripts/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
U=${BRO_TEST_USER:-brotest}
ROUNDS=${ROUNDS:-15}
command -v git >/dev/null || { echo "bench/run-seccomp-git.sh: git missing"; exit 1; }
stage=$(mktemp -d /tmp/bro-bench-git.XXXXXX)
chmod 0755 "$stage"
trap 'rm -rf "$stage"' EXIT
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
repo=$stage/tree
mkdir "$repo"
for d in $(seq 200); do
	mkdir "$repo/d$d"
	for f in $(seq 100); do echo "$d $f" > "$repo/d$d/f$f"; done
done
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" -c user.email=bench@localhost -c user.name=bench commit -qm tree
chmod -R a+rX "$stage"
chown -R "$U" "$repo"	# git refuses a tree another user owns
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
run() {		# run PROFILE...: clock ticks of 20 git status
	# shellcheck disable=SC2016 # the inner shell expands them
	runuser -u "$U" -- env -i PATH=/usr/bin:/bin GIT_OPTIONAL_LOCKS=0 \
		"$stage/bin/bro-run" --ro-bind / / --dev /dev --proc /proc --unshare-all "$@" \
		-- /bin/sh -c 'for i in $(seq 20); do git -C "$0" status --porcelain >/dev/null || exit 1; done
			set -- $(cut -d" " -f16,17 /proc/$$/stat); echo $(($1 + $2))' "$repo" </dev/null
}
declare -A res
for r in $(seq "$ROUNDS"); do
	res[none]+=" $(run)"
	res[hard]+=" $(run --seccomp-hardening)"
	res[both]+=" $(run --seccomp-hardening --seccomp-unix-block)"
	: "$r"
done
n=$(echo "${res[none]}" | median)
echo "bro-run seccomp profiles, 20 x git status on 20,000 files (CPU ticks of $(getconf CLK_TCK)/s, median of $ROUNDS)"
for k in none hard both; do
	m=$(echo "${res[$k]}" | median)
	printf '%-28s %6s  %5s  rounds:%s\n' \
		"$(case $k in none) echo "no profile";; hard) echo "--seccomp-hardening";; both) echo "hardening + unix-block";; esac)" \
		"$m" "$(awk -v a="$m" -v b="$n" 'BEGIN {printf "%.3fx", a / b}')" "${res[$k]}"
done
