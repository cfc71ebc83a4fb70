#!/bin/bash
# bro-helper: bad input gets one clear line and the right exit code, fast;
# --help/--version; socket-activation variables; journal priorities.
. "$(dirname "$0")/lib.sh"
H=$BRO_BIN/bro-helper

# bad_args WANT_EXIT REGEX ARGS...: as the test user, with a marker command
bad_args() {
	local want=$1 re=$2; shift 2
	local out st t0 t1
	t0=$(date +%s%N)
	out=$(as_user "$H" "$@" 2>&1); st=$?
	t1=$(date +%s%N)
	is "$st" "$want" "exit $want: $*"
	like "$out" "^bro-helper: .*$re" "  one clear line: $out"
	ok $(( (t1 - t0) < 1000000000 ? 0 : 1 )) "  in well under a second ($(( (t1 - t0) / 1000000 )) ms)"
	is "$(printf '%s\n' "$out" | wc -l)" 1 "  exactly one line"
}
bad_args 64 "not a process ID" --pid abc -- true
bad_args 64 "out of range" --pid 0 -- true
bad_args 64 "not a process ID" --pid -5 -- true
bad_args 64 "out of range" --pid 99999999999999999999999 -- true
bad_args 64 "missing -- before the command" --pid 1 true
bad_args 64 "missing command" --pid 1 --
bad_args 64 "unknown option --frob" --frob --pid 1 -- true
bad_args 64 "one of --pid or --netns-path" -- true
bad_args 64 "exactly one of" --pid 1 --netns-path /proc/1/ns/net -- true

out=$(as_user "$H" --help); st=$?
is "$st" 0 "--help exits 0"
like "$out" "Usage: bro-helper .*--pid PID -- CMD" "--help shows usage"
out=$(as_user "$H" --version)
like "$out" "^bro-helper [0-9]+\.[0-9]+\.[0-9]+$" "--version"

# socket-activation variables: garbage is refused before anything happens
out=$(as_user env LISTEN_FDS=zwei "$H" --pid 1 -- true 2>&1); st=$?
is "$st" 64 "LISTEN_FDS=zwei: exit 64"
like "$out" "LISTEN_FDS=zwei .*malformed" "  names the variable"
out=$(as_user env LISTEN_FDS=3 "$H" --pid 1 -- true 2>&1); st=$?
is "$st" 64 "LISTEN_FDS=3 with fds 3-5 closed: exit 64"
like "$out" "fd 3 is not open" "  names the fd"

# under systemd (JOURNAL_STREAM names stderr) lines carry <N> priorities
d=$(user_dir)
as_user sh -c "exec 2>$d/err; st=\$(stat -L -c '%d:%i' /proc/self/fd/2); JOURNAL_STREAM=\$st exec $H --pid 0 -- true"
like "$(cat "$d/err")" "^<3>--pid 0: out of range" "JOURNAL_STREAM matching stderr: <3> prefix"
as_user sh -c "exec 2>$d/err2; JOURNAL_STREAM=1:1 exec $H --pid 0 -- true"
like "$(cat "$d/err2")" "^bro-helper: --pid 0" "JOURNAL_STREAM not matching stderr: plain prefix"
done_testing
