#!/bin/bash
# bro-run's built-in seccomp profiles and its Landlock mode. Each rule is
# probed by try-syscall with arguments the kernel would answer otherwise
# (ESRCH, EFAULT, ENOENT, EBADF, ok...), and each is first shown to answer
# so without the profile, so that EPERM inside is the filter's. The prober
# runs with CAP_SYS_ADMIN in the sandbox's user namespace, so the mount
# family gets past its capability check there. The i386 and x32 tables kill
# the process under either profile (no socketcall() around the socket
# rule). --no-userns is tested as the test user inside a user namespace
# with user.max_user_namespaces=0 (as bro-netns's setcap test does).
. "$(dirname "$0")/lib.sh"
require runuser python3 nsenter bash
R=$BRO_BIN/bro-run
T=$BRO_TOOLS/try-syscall
d=$(user_dir)
# sb ARGS...: the prober (or a command) in a sandbox as the test user
sb() { as_user "$R" --ro-bind / / --dev /dev --cap-add CAP_SYS_ADMIN "$@" </dev/null 2>&1; }
notperm() { [ -n "$1" ] && [ "$1" != "errno EPERM" ]; }

# --- --seccomp-hardening: each call, EPERM only with the profile ---
while read -r call want; do
	is "$(sb "$T" "$call")" "$want" "control: $call answers '$want' without a profile"
	is "$(sb --seccomp-hardening "$T" "$call")" "errno EPERM" "--seccomp-hardening: $call is refused (EPERM)"
done <<'CALLS'
ptrace errno ESRCH
process_vm_readv ok
process_vm_writev ok
keyctl ok
add_key errno EFAULT
request_key errno EFAULT
bpf errno EFAULT
perf_event_open errno EFAULT
mount errno ENOENT
umount2 errno ENOENT
open_tree errno ENOENT
open_tree_attr errno ENOENT
fsopen ok
fsconfig errno EINVAL
fsmount errno EBADF
fspick errno ENOENT
move_mount errno ENOENT
mount_setattr errno EINVAL
pivot_root errno ENOENT
userfaultfd ok
setns errno EBADF
unshare-user ok
clone-user ok
seccomp-listener ok
seccomp-listener-hi ok
CALLS
# kexec and modules need CAP_SYS_BOOT/CAP_SYS_MODULE in the initial user
# namespace: as root (who keeps them), whatever this kernel answers first
for call in kexec_load kexec_file_load init_module finit_module delete_module; do
	ctl=$("$R" --ro-bind / / "$T" "$call" 2>&1)
	ok "$(notperm "$ctl"; echo $?)" "control, as root: $call answers '$ctl', not EPERM"
	is "$("$R" --ro-bind / / --seccomp-hardening "$T" "$call" 2>&1)" "errno EPERM" \
		"--seccomp-hardening, as root: $call is refused (EPERM)"
done
is "$(sb --seccomp-hardening "$T" clone3)" "errno ENOSYS" \
	"--seccomp-hardening: clone3 answers ENOSYS (its flags are out of seccomp's reach)"
is "$(sb --seccomp-hardening python3 -c 'import threading; t = threading.Thread(target=print, args=("thread",)); t.start(); t.join()')" \
	thread "  and libc falls back to clone(): threads still start"
is "$(sb --seccomp-hardening sh -c 'true & wait $!; echo forked')" forked "  and fork works"
is "$(sb --seccomp-hardening "$T" seccomp-filter)" ok \
	"--seccomp-hardening: a filter without NEW_LISTENER may still be added"
is "$(sb "$T" tiocsti)" "errno ENOTTY" "control: TIOCSTI on a non-terminal answers ENOTTY"
is "$(sb --seccomp-hardening "$T" tiocsti)" "errno EPERM" "--seccomp-hardening: TIOCSTI is refused"
is "$(sb --seccomp-hardening "$T" tiocsti 0x1)" "errno EPERM" "  also with bits above 31 (CVE-2019-10063)"
is "$(sb --seccomp-hardening "$T" tioclinux)" "errno EPERM" "--seccomp-hardening: TIOCLINUX is refused"
is "$(sb --seccomp-hardening --seccomp-allow-userns "$T" unshare-user)" ok \
	"--seccomp-allow-userns: unshare(CLONE_NEWUSER) allowed"
is "$(sb --seccomp-hardening --seccomp-allow-userns "$T" clone3)" ok "  and clone3 too"
is "$(sb --seccomp-hardening --seccomp-allow-userns "$T" ptrace)" "errno EPERM" "  the rest stays"

# --- --seccomp-unix-block ---
while IFS='|' read -r args want desc; do
	is "$(sb "$T" $args)" ok "control: $desc works without a profile"
	is "$(sb --seccomp-unix-block "$T" $args)" "$want" "--seccomp-unix-block: $desc: $want"
done <<'CALLS'
socket 1|errno EPERM|socket(AF_UNIX, SOCK_STREAM)
socket 1 2|errno EPERM|socket(AF_UNIX, SOCK_DGRAM)
socket 4294967297|errno EPERM|socket(AF_UNIX | 1<<32) (the kernel reads 32 bits)
socketpair 1 2|errno EPERM|socketpair(AF_UNIX, SOCK_DGRAM)
socketpair 1 526338|errno EPERM|socketpair(AF_UNIX, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK)
socketpair 1 3|errno EPERM|socketpair(AF_UNIX, SOCK_RAW)
socketpair 1 1|ok|socketpair(AF_UNIX, SOCK_STREAM)
socketpair 1 5|ok|socketpair(AF_UNIX, SOCK_SEQPACKET)
socket 2|ok|socket(AF_INET)
io_uring_setup|errno EPERM|io_uring_setup
CALLS
for call in io_uring_enter io_uring_register; do
	ctl=$(sb "$T" "$call")
	ok "$(notperm "$ctl"; echo $?)" "control: $call answers '$ctl'"
	is "$(sb --seccomp-unix-block "$T" "$call")" "errno EPERM" "--seccomp-unix-block: $call is refused (EPERM)"
done

# --- the other system call tables ---
if [ "$(uname -m)" = x86_64 ]; then
	is "$(sb "$T" i386-socket 1)" ok "control: socket(AF_UNIX) through the i386 table works"
	is "$(sb "$T" i386-socketcall 1)" ok "control: and through i386 socketcall()"
	for p in --seccomp-unix-block --seccomp-hardening; do
		for c in "i386-socket 1" "i386-socketcall 1" "x32-socket 1" i386-getpid; do
			out=$(sb $p "$T" $c); st=$?
			is "$st:$out" "159:" "$p: $c kills the process (SIGSYS) before it returns"
		done
	done
else
	diag "not x86_64: no i386/x32 table to test"
fi

# --- combined, with each other and with --add-seccomp-fd ---
out=$(sb --seccomp-unix-block --seccomp-hardening sh -c "$T socket 1; $T ptrace; $T socket 2")
is "$out" "errno EPERM
errno EPERM
ok" "both profiles at once: each rule holds"
# a program of the caller's: uname() answers EOPNOTSUPP, everything else allowed
python3 -c 'import struct, sys; sys.stdout.buffer.write(b"".join(struct.pack("<HBBI", *i) for i in
	[(0x20, 0, 0, 0), (0x15, 0, 1, 63), (0x06, 0, 0, 0x50000 | 95), (0x06, 0, 0, 0x7fff0000)]))' > "$d/uname.bpf"
chmod 0644 "$d/uname.bpf"
out=$(as_user sh -c '"$0" --ro-bind / / --dev /dev --seccomp-hardening --seccomp-unix-block --add-seccomp-fd 3 \
	sh -c "uname >/dev/null 2>&1 || echo uname-refused; $1 ptrace; $1 socket 1" 3<"$2"' "$R" "$T" "$d/uname.bpf" 2>&1)
is "$out" "uname-refused
errno EPERM
errno EPERM" "with --add-seccomp-fd: the caller's program and both profiles hold"
out=$(sb --seccomp-hardening sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status' | tr -s '\t ' ' ')
is "$out" "NoNewPrivs: 1
Seccomp: 2" "the command runs with no_new_privs and a filter"

# --- --no-userns: Landlock, as the test user where no user namespace can be made ---
nouserns_start
in_x() { in_nouserns "$T_UID" "$@"; }
out=$(in_x unshare -U true 2>&1); st=$?
ok $((st == 0 ? 1 : 0)) "there the test user cannot create a user namespace ($out)"
out=$(in_x "$R" --ro-bind / / true 2>&1); st=$?
like "$st:$out" "^1:bro-run: user namespaces are disabled here" "  nor can bro-run without --no-userns"
as_user mkdir "$d/rw" "$d/ro" "$d/out"
as_user sh -c "echo ro-data > '$d/ro/f'; echo secret > '$d/out/secret'"
LL=(--no-userns --ro-bind /usr /usr --ro-bind /etc /etc --ro-bind /proc /proc
    --ro-bind "$BRO_TOOLS" "$BRO_TOOLS" --bind "$d/rw" "$d/rw" --ro-bind "$d/ro" "$d/ro")
ll() { in_x "$R" "${LL[@]}" "$@" </dev/null 2>&1; }
abi=$("$T" landlock-abi)
diag "this kernel's Landlock ABI: $abi"
if ! [ "$abi" -ge 1 ] 2>/dev/null; then
	# no Landlock here: refused unless --allow-weaker, which still filters
	out=$(ll touch "$d/rw/ran"); st=$?
	like "$st:$out" "^1:bro-run: Landlock is unavailable here" "no Landlock ($abi): --no-userns refuses to run"
	is "$(ll --allow-weaker "$T" ptrace 2>/dev/null)" "errno EPERM" "  --allow-weaker runs, with the hardening filter"
	done_testing
	exit
fi
is "$(in_x sh -c "echo x > '$d/out/ctl' && cat '$d/out/secret'" 2>&1)" secret \
	"control: outside bro-run the test user writes and reads $d/out"
is "$(ll sh -c "echo in > '$d/rw/f' && cat '$d/rw/f'")" in "--no-userns: a write beneath --bind is allowed"
is "$(cat "$d/rw/f" 2>&1)" in "  and landed on the host path"
like "$(ll sh -c "echo out > '$d/out/f'")" "Permission denied" "--no-userns: a write outside the allowed paths is refused (EACCES)"
ok "$(test -e "$d/out/f"; echo $((!$?)))" "  and nothing was written"
like "$(ll cat "$d/out/secret")" "Permission denied" "--no-userns: a read outside the allowed paths is refused"
like "$(ll ls /root /home /var)" "Permission denied" "  directories outside are not listed"
is "$(ll cat "$d/ro/f")" ro-data "--no-userns: --ro-bind is readable"
like "$(ll sh -c "echo w > '$d/ro/g'")" "Permission denied" "  and not writable"
is "$(in_x "$T" ptrace)" "errno ESRCH" "control: there, ptrace answers ESRCH"
is "$(ll "$T" ptrace)" "errno EPERM" "--no-userns: the hardening filter is on (ptrace EPERM)"
out=$(ll "$T" i386-getpid); st=$?
is "$st:$out" "159:" "  and the i386 table kills"
out=$(ll sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status' | tr -s '\t ' ' ')
is "$out" "NoNewPrivs: 1
Seccomp: 2" "  with no_new_privs"
dropped=$(ll true)
if [ "$abi" -ge 6 ] 2>/dev/null; then
	is "$dropped" "" "on this kernel's Landlock ABI ($abi) nothing is reported dropped"
else
	like "$dropped" "^bro-run: Landlock ABI $abi here: not restricted: .*abstract unix socket and signal scoping \(ABI 6\)" \
		"Landlock ABI $abi: what it cannot restrict is named"
fi
# TCP (Landlock ABI 4): nothing listens on these ports, so an allowed
# connect() is refused by the host (ECONNREFUSED), a denied one by Landlock
p1=$(free_port); p2=$((p1 + 1))
tcp() { echo "bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1' 2>&1 | grep -o 'Connection refused\|Permission denied' | head -1"; }
is "$(ll bash -c "$(tcp "$p2")")" "Connection refused" "--no-userns without --unshare-net: TCP is not restricted"
if [ "$abi" -ge 4 ] 2>/dev/null; then
	is "$(ll --unshare-net --landlock-allow-connect "$p1" bash -c "$(tcp "$p2")")" "Permission denied" \
		"--no-userns --unshare-net: connect() to a port not allowed is refused"
	is "$(ll --unshare-net --landlock-allow-connect "$p1" bash -c "$(tcp "$p1")")" "Connection refused" \
		"  --landlock-allow-connect: that port is allowed"
else
	like "$(ll --unshare-net true)" "TCP bind/connect \(ABI 4\)" \
		"Landlock ABI $abi: --unshare-net says TCP cannot be restricted"
fi
# IPC scoping (ABI 6): no signal to a process outside the sandbox
in_x sh -c "echo \$\$ > '$d/sleep.pid'; exec sleep 60" & bg=$!
cleanup_add "kill $bg"
wait_for 5 test -s "$d/sleep.pid"
spid=$(cat "$d/sleep.pid")
cleanup_add "kill $spid"
is "$(in_x sh -c "kill -0 $spid && echo sent")" sent "control: the test user may signal its own process there"
if [ "$abi" -ge 6 ] 2>/dev/null; then
	like "$(ll sh -c "kill -0 $spid && echo sent")" "not permitted" "--no-userns: not from inside (Landlock signal scope)"
fi
kill "$spid"; wait "$bg" 2>/dev/null
# a kernel without Landlock, made by a filter that answers ENOSYS for
# landlock_create_ruleset (444) around bro-run (crun's no_openat2 trick)
python3 -c 'import struct, sys; sys.stdout.buffer.write(b"".join(struct.pack("<HBBI", *i) for i in
	[(0x20, 0, 0, 0), (0x15, 0, 1, 444), (0x06, 0, 0, 0x50000 | 38), (0x06, 0, 0, 0x7fff0000)]))' > "$d/nolandlock.bpf"
chmod 0644 "$d/nolandlock.bpf"
underit() { as_user sh -c 'f=$1; shift; "$0" --ro-bind / / --dev /dev --add-seccomp-fd 3 "$@" 3<"$f"' \
	"$R" "$d/nolandlock.bpf" "$@" </dev/null 2>&1; }
nolandlock() { underit "$R" --no-userns --ro-bind /usr /usr --bind "$d/rw" "$d/rw" \
	--ro-bind "$BRO_TOOLS" "$BRO_TOOLS" "$@"; }
is "$(underit "$T" landlock-abi)" "errno ENOSYS" "control: under that filter Landlock looks absent"
out=$(nolandlock touch "$d/rw/ran"); st=$?
like "$st:$out" "^1:bro-run: Landlock is unavailable here \(landlock_create_ruleset: Function not implemented\).*--allow-weaker.*the command was not run$" \
	"no Landlock: --no-userns refuses to run, in one line"
ok "$(test -e "$d/rw/ran"; echo $((!$?)))" "  and the command did not run"
out=$(nolandlock --allow-weaker "$T" ptrace)
like "$out" "^bro-run: Landlock is unavailable \(Function not implemented\): --allow-weaker: .*
errno EPERM$" "--allow-weaker: runs, says what is missing, the hardening filter still on"

# what a mode without namespaces cannot do: refused, in one line, nothing run
out=$(ll --bind "$d/rw" /mnt touch "$d/rw/ran"); st=$?
like "$st:$out" "^1:bro-run: --no-userns: a bind's source must be its destination" \
	"--no-userns: --bind SRC DEST with SRC != DEST is refused and says why"
for o in "--tmpfs /tmp" "--proc /proc2" "--unshare-pid" "--hostname x"; do
	out=$(ll $o touch "$d/rw/ran"); st=$?
	like "$st:$out" "^1:bro-run: --no-userns makes no namespace: .*cannot be honoured" "--no-userns: $o is refused"
done
ok "$(test -e "$d/rw/ran"; echo $((!$?)))" "  and no command ran"
done_testing
