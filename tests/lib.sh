# tests/lib.sh - TAP helpers for the integration tests (bash).
#
# Environment, set by scripts/check:
#   BRO_BIN        directory of the installed binaries under test (setcap'd)
#   BRO_TOOLS      directory of the test tools (build/tests)
#   BRO_LIB        directory of the installed preload libraries
#                  (default: BRO_BIN/../lib/bro, where make install puts them)
#   BRO_TEST_USER  the unprivileged user the tests run binaries as
#   BRO_MUST_WORK  1 (set under CI): a missing prerequisite fails, never skips
#
# Every test file: source this, use ok/is/like, end with done_testing, rely on the
# EXIT trap to kill what it started (register with cleanup_add).

set -u
: "${BRO_BIN:?run through scripts/check (BRO_BIN unset)}"
: "${BRO_TOOLS:?run through scripts/check (BRO_TOOLS unset)}"
BRO_LIB=${BRO_LIB:-$BRO_BIN/../lib/bro}
BRO_TEST_USER=${BRO_TEST_USER:-brotest}
BRO_MUST_WORK=${BRO_MUST_WORK:-0}

_t_n=0
_t_failed=0
_t_cleanup=()
T_TMP=$(mktemp -d /tmp/bro-test.XXXXXX)
chmod 0755 "$T_TMP"

# The plan is printed by done_testing at the end (a file that dies early
# prints none, and prove fails it); plan N is for files that know N up front.
_t_planned=0
plan() { echo "1..$1"; _t_planned=1; }

ok() {			# ok COND-EXIT-STATUS DESCRIPTION
	local st=$1; shift
	local desc="$*"
	desc=${desc//$'\n'/ | }
	_t_n=$((_t_n + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $_t_n - $desc"
	else
		echo "not ok $_t_n - $desc"
		_t_failed=$((_t_failed + 1))
	fi
}

is() {			# is GOT WANT DESCRIPTION
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then ok 0 "$*"; else
		ok 1 "$*"; echo "#   got:  '$got'"; echo "#   want: '$want'"; fi
}

like() {		# like GOT EXTENDED-REGEX DESCRIPTION
	local got=$1 re=$2; shift 2
	if printf '%s' "$got" | grep -Eq -- "$re"; then ok 0 "$*"; else
		ok 1 "$*"; echo "#   got:  '$got'"; echo "#   want: /$re/"; fi
}

diag() { echo "# $*"; }

# require CMD...: a missing prerequisite fails the whole file under CI
require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 && continue
		if [ "$BRO_MUST_WORK" = 1 ]; then
			echo "Bail out! $c missing (scripts/setup installs it)"
			exit 1
		fi
		echo "1..0 # SKIP $c missing (run scripts/setup, or BRO_MUST_WORK=1 to fail)"
		exit 0
	done
}

cleanup_add() { _t_cleanup+=("$*"); }

_t_exit() {
	local i
	for ((i = ${#_t_cleanup[@]} - 1; i >= 0; i--)); do
		eval "${_t_cleanup[$i]}" >/dev/null 2>&1 || true
	done
	rm -rf "$T_TMP"
}
trap _t_exit EXIT

T_UID=$(id -u "$BRO_TEST_USER" 2>/dev/null) || {
	echo "Bail out! test user $BRO_TEST_USER missing (scripts/setup creates it)"
	exit 1
}
T_HOME=$(getent passwd "$BRO_TEST_USER" | cut -d: -f6)
T_RUNTIME=/run/user/$T_UID
T_PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin

# as_user CMD...: run as the test user with a clean, minimal environment and
# every signal at its default action (a caller under nohup, or a background
# job, would otherwise pass SIGHUP/SIGINT/SIGQUIT down ignored)
as_user() {
	runuser -u "$BRO_TEST_USER" -- env -i --default-signal PATH="$T_PATH" HOME="$T_HOME" \
		USER="$BRO_TEST_USER" XDG_RUNTIME_DIR="$T_RUNTIME" \
		${T_ENV:-} "$@"
}

# free_port: a port no TCP or UDP socket on this host uses now, chosen
# outside the kernel's ephemeral range (ip_local_port_range), so that no
# outgoing connection (curl, podman, a peer) can be handed it between this
# check and the bind. Tests run one at a time (prove without -j).
free_port() {
	local lo hi base top p
	read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range
	if [ $((lo - 10000)) -ge $((65535 - hi)) ]; then
		base=10000 top=$((lo - 1))
	else
		base=$((hi + 1)) top=65535
	fi
	[ "$top" -gt "$base" ] || return 1
	for _ in $(seq 1 100); do
		p=$((base + (RANDOM * 32768 + RANDOM) % (top - base + 1)))
		ss -Htuan "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
	return 1
}

# in_netns PID INODE: PID is in the network namespace INODE now
in_netns() { [ "$(stat -L -c %i "/proc/$1/ns/net" 2>/dev/null)" = "$2" ]; }

# netns_differs PID [OTHER...]: PID's network namespace is neither ours nor
# OTHER's. For wait_for, which calls a function afresh each time (a
# "test $(readlink ...)" argument would be expanded once, before the wait)
netns_differs() {
	local a p
	a=$(readlink "/proc/$1/ns/net" 2>/dev/null) || return 1
	shift
	for p in self "$@"; do
		[ "$a" != "$(readlink "/proc/$p/ns/net" 2>/dev/null)" ] || return 1
	done
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds
wait_for() {
	local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# user_netns_start [CMD...]: as the test user, start CMD (default: a sleeper)
# in a new user+net namespace with lo up; sets NS_PID (killed at exit)
user_netns_start() {
	local d; d=$(user_dir)
	local cmd=${*:-sleep 600}
	as_user sh -c "unshare -Urn sh -c 'ip link set lo up && exec $cmd' \
		</dev/null >$d/log 2>&1 & echo \$! > $d/pid"
	NS_PID=$(cat "$d/pid")
	cleanup_add "kill $NS_PID"
	# the child has entered its namespaces once its netns differs from ours
	wait_for 5 netns_differs "$NS_PID"
}

done_testing() {
	[ "$_t_planned" = 1 ] || echo "1..$_t_n"
	echo "# $_t_n tests, $_t_failed failed"
	[ "$_t_failed" -eq 0 ]
}

# kv TEXT KEY: the value of "KEY value" in probe output
kv() { printf '%s\n' "$1" | sed -n "s/^$2 //p" | head -1; }

# ns_inode PID: the inode of PID's network namespace
ns_inode() { stat -L -c %i "/proc/$1/ns/net"; }

# user_dir: a fresh directory the test user owns (under T_TMP)
user_dir() {
	local d; d=$(mktemp -d "$T_TMP/u.XXXXXX")
	chown "$BRO_TEST_USER:" "$d"
	echo "$d"
}

# elapsed_ms CMD...: run CMD, print its wall time in ms on fd 3-less stdout
elapsed_ms() {
	local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}

# podman_image NAME: import a busybox-static rootfs as localhost/NAME for the
# test user (no registry here); sets T_PODMAN for running podman as the user
podman_image() {
	local root="$T_TMP/rootfs.$1" a
	mkdir -p "$root/bin" "$root/tmp" "$root/etc"
	cp /bin/busybox "$root/bin/busybox"
	for a in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
	chmod 1777 "$root/tmp"
	tar -C "$root" -cf "$T_TMP/$1.tar" . && chmod 0644 "$T_TMP/$1.tar"
	as_user sh -c "cd && podman import -q $T_TMP/$1.tar localhost/$1" >/dev/null
	# removed at exit, after the containers made from it (cleanup runs in
	# reverse): a re-import would otherwise leave the old one dangling
	cleanup_add "upodman rmi -f localhost/$1"
}

# on_tty CMD...: CMD as the test user with a pseudo-terminal as its stdin and
# controlling terminal (script(1) makes one, in a new session); its output
# without the terminal's carriage returns
on_tty() {
	local q; printf -v q '%q ' "$@"
	as_user script -qec "$q" /dev/null </dev/null | tr -d '\r'
}

# upodman ARGS...: podman as the test user
upodman() { as_user sh -c 'cd && exec podman "$@"' podman "$@"; }

# nouserns_start: a user namespace of root's with user.max_user_namespaces=0
# in it (the limit holds for everything inside), held by a process whose
# PID is X; in_nouserns UID CMD...: CMD there as UID, in a clean environment
nouserns_start() {
	python3 "$(dirname "${BASH_SOURCE[0]}")/netns-peers.py" nouserns "$T_UID" "$T_TMP/x.pid"
	wait_for 5 test -s "$T_TMP/x.pid"
	X=$(cat "$T_TMP/x.pid")
	cleanup_add "kill $X"
}
in_nouserns() {
	nsenter --user --target "$X" --setuid "$1" --setgid "$1" \
		env -i --default-signal PATH="$T_PATH" HOME="$T_HOME" \
		XDG_RUNTIME_DIR="$T_RUNTIME" "${@:2}"
}

# user_bg_pid PIDFILE CMD...: CMD as the test user in the background, its
# own PID (not runuser's) in PIDFILE, output appended to bg.log beside it,
# killed at exit
user_bg_pid() {
	local pf=$1; shift
	as_user sh -c 'echo $$ > "$0"; exec "$@"' "$pf" "$@" </dev/null >>"${pf%/*}/bg.log" 2>&1 &
	wait_for 5 test -s "$pf"
	cleanup_add "kill $(cat "$pf")"
}

# user_bg CMD...: start CMD in the background as the test user, stdin from
# /dev/null, output to $T_TMP/bg.N.log; sets BG_PID to CMD's own PID (not
# runuser's, which forks) and kills it at exit
_t_bg=0
user_bg() {
	local d; d=$(user_dir)
	_t_bg=$((_t_bg + 1))
	as_user sh -c 'exec "$@" </dev/null' sh "$@" >"$d/log" 2>&1 &
	# runuser forks: find the child by its parent
	local rpid=$! _
	BG_PID=
	for _ in $(seq 1 100); do
		BG_PID=$(pgrep -P "$rpid" | head -1)
		[ -n "$BG_PID" ] && break
		sleep 0.02
	done
	BG_LOG=$d/log
	cleanup_add "kill $rpid ${BG_PID:-}"
}

# unit_cmds FILE: the ExecStartPre=, ExecStart= and ExecStartPost= lines of
# a generated unit, in order, as one sh command list (a && b && c) with
# systemd's "$$" and "%t" resolved, as a manager would run them
unit_cmds() {
	sed -n 's/^ExecStart\(Pre\|Post\)\{0,1\}=//p' "$1" |
		sed 's/\$\$/$/g; s|%t|'"$T_RUNTIME"'|g' |
		awk 'NR > 1 { printf " && " } { printf "%s", $0 } END { print "" }'
}

# wait_listen SECONDS PORT: until something listens on 127.0.0.1:PORT
wait_listen() { wait_for "$1" sh -c "ss -Htln 'sport = :$2' | grep -q ."; }
