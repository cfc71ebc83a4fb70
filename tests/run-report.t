#!/bin/bash
# bro-run --report FILE, the seccomp part: with the built-in profiles, each
# denied call is listed (name, the argument the rule looked at) and counted,
# and the call gets the same errno as without --report; allowed calls are
# not listed and work; the record is bounded (the first 1000 kept, all
# counted); clone3 (ENOSYS in the kernel) is not listed, a foreign-ABI
# call kills the process as without --report (exit status 159); --allow-unix's
# broker still answers connect() and its refusals are listed with the path;
# without a profile the part is null; with the launcher gone, a denied call
# still fails (ENOSYS: no listener). The egress part with --egress is in
# run-egress.t.
. "$(dirname "$0")/lib.sh"
require runuser python3 socat mkfifo timeout
R=$BRO_BIN/bro-run
T=$BRO_TOOLS/try-syscall
d=$(user_dir)
sb() { as_user "$R" --ro-bind / / --dev /dev --bind "$d" "$d" "$@" </dev/null 2>&1; }
# js FILE EXPR: EXPR of the report r (python), or "invalid" if not JSON
js() { python3 -c 'import json, sys
try: r = json.load(open(sys.argv[1]))
except Exception as e: print("invalid:", e); sys.exit(0)
print(eval(sys.argv[2]))' "$@"; }

# --- bad input ---
out=$(sb --report "$d/x.json" --no-userns true); st=$?
is "$st:$(printf '%s\n' "$out" | wc -l)" "1:1" "--report with --no-userns: exit 1, one line"
like "$out" "^bro-run: --report with --no-userns" "  $out"
out=$(sb --report "" true); st=$?
like "$st:$out" "^1:bro-run: --report: an empty file name" "--report '': refused"

# --- denied calls: the same answers with and without --report ---
PROBE="for c in ptrace 'socket 1' 'tiocsti 0x1' bpf ptrace 'socketpair 1 2' \
	'socket 2' 'socketpair 1' seccomp-filter clone3 unshare-user; do $T \$c; done; exit 7"
P=(--seccomp-hardening --seccomp-unix-block)
want=$(sb "${P[@]}" sh -c "$PROBE")
is "$(echo $want)" "errno EPERM errno EPERM errno EPERM errno EPERM errno EPERM errno EPERM ok ok ok errno ENOSYS errno EPERM" \
	"control, without --report: the denied calls EPERM (clone3 ENOSYS), the allowed ones ok"
got=$(sb "${P[@]}" --report "$d/r.json" sh -c "$PROBE"); st=$?
is "$got" "$want" "with --report: every call answers exactly as without"
is "$st" 7 "  the command's exit status passes through"
ok "$(python3 -m json.tool "$d/r.json" >/dev/null; echo $?)" "  the report is valid JSON (python3 -m json.tool)"
is "$(js "$d/r.json" 'r["exit_code"], r["egress"], r["seccomp"]["profiles"]')" \
	"(7, None, ['unix-block', 'hardening'])" "  exit code, no egress part, both profiles"
is "$(js "$d/r.json" '" ".join("%s:%s" % (c.pop("syscall"), c.pop("errno")) + "".join(",%s=%s" % kv for kv in sorted(c.items()) if kv[0] != "target_pid") for c in r["seccomp"]["calls"])')" \
	"ptrace:EPERM,request=2 socket:EPERM,family=AF_UNIX,type=SOCK_STREAM ioctl:EPERM,fd=0,request=0x100005412,request_name=TIOCSTI bpf:EPERM,command=0 ptrace:EPERM,request=2 socketpair:EPERM,family=AF_UNIX,type=SOCK_DGRAM unshare:EPERM,flags=0x10000000,new_user_namespace=True" \
	"  exactly the denied calls, in order, each with its argument (not the allowed ones, not clone3)"
is "$(js "$d/r.json" 'r["seccomp"]["denied"], r["seccomp"]["calls_dropped"], sorted(r["seccomp"]["counts"].items())')" \
	"(7, 0, [('bpf', 1), ('ioctl', 1), ('ptrace', 2), ('socket', 1), ('socketpair', 1), ('unshare', 1)])" \
	"  counts per system call"
is "$(sb --seccomp-hardening --report "$d/l.json" $T seccomp-listener)" "errno EPERM" \
	"--seccomp-hardening --report: seccomp(NEW_LISTENER) still EPERM (the filter's own listener is the supervisor's)"
is "$(js "$d/l.json" '[(c["syscall"], c["operation"], c["flags"], c["new_listener"]) for c in r["seccomp"]["calls"]]')" \
	"[('seccomp', 1, '0x8', True)]" "  and reported with its flags"

# --- bounded: 1100 denied calls, 1000 kept, all counted, all EPERM ---
out=$(sb --seccomp-hardening --report "$d/b.json" python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
n = 0
for i in range(1100):
    if libc.ptrace(16, 999999, 0, 0) == -1 and ctypes.get_errno() == 1: n += 1
print(n)')
is "$out" 1100 "1100 ptrace calls, each EPERM"
is "$(js "$d/b.json" 'r["seccomp"]["denied"], len(r["seccomp"]["calls"]), r["seccomp"]["calls_dropped"], r["seccomp"]["counts"]')" \
	"(1100, 1000, 100, {'ptrace': 1100})" "  the report keeps 1000, counts all 1100"

# --- a foreign ABI cannot be notified: killed (SIGSYS) as without --report ---
if [ "$(uname -m)" = x86_64 ]; then
	for c in "i386-socketcall 1" "x32-socket 1"; do
		out=$(sb --seccomp-unix-block --seccomp-hardening --report "$d/k.json" "$T" $c); st=$?
		is "$st:$out" "159:" "--report: $c still kills the process (SIGSYS, exit status 159)"
		is "$(js "$d/k.json" 'r["exit_code"], r["seccomp"]["denied"]')" "(159, 0)" \
			"  the report shows the exit status, no call (a kill is not notified)"
	done
else
	diag "not x86_64: no i386/x32 table to test"
fi

# --- no profile: the part is null; no denied call, an empty list ---
sb --report "$d/n.json" true >/dev/null
is "$(js "$d/n.json" 'r')" "{'exit_code': 0, 'egress': None, 'seccomp': None}" \
	"--report without a profile or --egress: exit code only"
sb --seccomp-unix-block --report "$d/e.json" $T socket 2 >/dev/null
is "$(js "$d/e.json" 'r["seccomp"]["denied"], r["seccomp"]["calls"], r["seccomp"]["counts"]')" \
	"(0, [], {})" "--report with nothing denied: an empty list"

# --- with --allow-unix: one listener, one supervisor for both ---
as_user sh -c 'echo $$ > "$0"; exec "$@"' "$d/socat.pid" \
	socat UNIX-LISTEN:"$d/a.sock",fork SYSTEM:'echo hi' </dev/null >/dev/null 2>&1 &
wait_for 5 test -s "$d/socat.pid"
cleanup_add "kill $(cat "$d/socat.pid")"
wait_for 5 test -S "$d/a.sock"
out=$(sb --seccomp-unix-block --allow-unix "$d/a.sock" --report "$d/u.json" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print("ok", s.recv(10).decode().strip())
for f in (lambda: socket.socket(socket.AF_UNIX).connect(sys.argv[2]),
          lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)):
    try: f(); print("ok")
    except OSError as e: print(e.errno)' "$d/a.sock" "$d/other.sock")
is "$(echo $out)" "ok hi 13 1" "--allow-unix --report: the named socket reached, another refused EACCES, datagram EPERM"
is "$(js "$d/u.json" '[(c["syscall"], c["errno"], c.get("path"), c.get("type")) for c in r["seccomp"]["calls"]]')" \
	"[('connect', 'EACCES', '$d/other.sock', None), ('socket', 'EPERM', None, 'SOCK_DGRAM|SOCK_CLOEXEC')]" \
	"  both refusals reported, the broker's with its path; the allowed connect is not"

# --- the launcher gone: a denied call fails (ENOSYS), never succeeds ---
as_user mkfifo "$d/go"
sb --seccomp-hardening --report "$d/g.json" sh -c \
	'(read x < "$1"; "$2" ptrace > "$1.out") >/dev/null 2>&1 & exit 0' sh "$d/go" "$T" >/dev/null
timeout 5 sh -c 'echo go > "$1"' sh "$d/go"
wait_for 5 test -s "$d/go.out"
is "$(cat "$d/go.out")" "errno ENOSYS" \
	"a command left behind once the launcher is gone: ptrace fails with ENOSYS (no listener), not allowed"
done_testing
