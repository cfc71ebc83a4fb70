#!/bin/bash
# bro-run's processes: signals sent to bro-run reach the command, orphans are
# reaped, --die-with-parent takes the sandbox down with its parent (or with
# bro-run itself), --lock-file/--sync-fd/--block-fd/--userns-block-fd,
# joining namespaces (--userns/--pidns), --disable-userns; and where user
# namespaces are unavailable it says so in one line and runs nothing.
. "$(dirname "$0")/lib.sh"
require runuser python3 nsenter
R=$BRO_BIN/bro-run
d=$(user_dir)
ur() { as_user "$R" "$@"; }
BASE=(--ro-bind / / --dev /dev --bind "$d" "$d")

# start_bg ARGS...: bro-run ARGS as the test user in the background; sets
# RPID (runuser, whose exit status is bro-run's) and BPID (bro-run itself)
start_bg() {
	runuser -u "$BRO_TEST_USER" -- env -i --default-signal PATH="$T_PATH" \
		HOME="$T_HOME" "$R" "$@" </dev/null >"$d/bg.out" 2>&1 &
	RPID=$!
	BPID=
	for _ in $(seq 1 200); do
		BPID=$(pgrep -P "$RPID" | head -1)
		[ -n "$BPID" ] && break
		sleep 0.01
	done
	cleanup_add "kill -9 $RPID ${BPID:-}"
}
# gone PID: the process no longer exists
gone() { ! kill -0 "$1" 2>/dev/null; }
# bwait: wait for the start_bg'd bro-run (runuser) to end, 20 s at most
# (then both are killed: a hang is a failure, never a stuck suite); its
# status
exited() { [ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
bwait() {
	wait_for 20 exited "$RPID" || { diag "bro-run $BPID still running after 20 s: killed"; kill -9 "$BPID" "$RPID" 2>/dev/null; }
	wait "$RPID" 2>/dev/null
}

# --- SIGTERM to bro-run reaches the command; its status comes back ---
for ns in "" "--unshare-pid"; do
	rm -f "$d/ready" "$d/got"
	start_bg "${BASE[@]}" $ns sh -c "trap 'echo TERM > $d/got; exit 7' TERM; \
		echo > $d/ready; while :; do sleep 1 & wait \$!; done"
	wait_for 5 test -e "$d/ready"
	kill -TERM "$BPID"
	bwait; st=$?
	is "$st:$(cat "$d/got" 2>/dev/null)" "7:TERM" "SIGTERM to bro-run reaches the command, exit 7 comes back ${ns:-(no pid ns)}"
	# and SIGHUP, which the command does not handle: 128+1
	rm -f "$d/ready"
	start_bg "${BASE[@]}" $ns sh -c "echo > $d/ready; while :; do sleep 1 & wait \$!; done"
	wait_for 5 test -e "$d/ready"
	kill -HUP "$BPID"
	bwait; st=$?
	is "$st" 129 "SIGHUP to bro-run: the command dies of it, 129 ${ns:-(no pid ns)}"
done

# --- orphans are reaped by our PID 1 ---
out=$(ur "${BASE[@]}" --tmpfs /tmp --proc /proc --unshare-pid sh -c '
	for i in 1 2 3; do (sh -c "echo \$\$ >> /tmp/orphans" &); done
	for i in $(seq 1 200); do [ "$(wc -l < /tmp/orphans 2>/dev/null)" = 3 ] && break; sleep 0.01; done
	for p in $(cat /tmp/orphans); do
		for i in $(seq 1 200); do [ -e /proc/$p ] || break; sleep 0.01; done
		[ -e /proc/$p ] && echo "zombie $p"
	done; echo done' 2>&1)
is "$out" "done" "three orphans reparented to PID 1 are reaped (no zombie left)"

# --- --die-with-parent ---
for ns in "" "--unshare-pid"; do
	rm -f "$d/ready"
	# the parent: a shell that runs bro-run as its child
	as_user sh -c "echo \$\$ > $d/parent; $R ${BASE[*]} $ns --die-with-parent sh -c 'echo > $d/ready; exec sleep 7771' & wait" \
		</dev/null >/dev/null 2>&1 &
	rpid=$!; cleanup_add "kill -9 $rpid"
	wait_for 5 test -e "$d/ready"
	sh_pid=$(cat "$d/parent")
	wait_for 5 pgrep -u "$BRO_TEST_USER" -fx "sleep 7771"
	kill -9 "$sh_pid"
	wait_for 5 sh -c '! pgrep -u '"$BRO_TEST_USER"' -fx "sleep 7771"'
	ok $? "--die-with-parent: SIGKILL to the parent kills the sandbox ${ns:-(no pid ns)}"
	wait "$rpid" 2>/dev/null
	rm -f "$d/ready"
	start_bg "${BASE[@]}" $ns --die-with-parent sh -c "echo > $d/ready; exec sleep 7772"
	wait_for 5 test -e "$d/ready"
	kill -9 "$BPID"
	wait_for 5 sh -c '! pgrep -u '"$BRO_TEST_USER"' -fx "sleep 7772"'
	ok $? "--die-with-parent: SIGKILL to bro-run kills the sandbox ${ns:-(no pid ns)}"
	bwait
done

# --- --lock-file, --sync-fd, --block-fd, --userns-block-fd ---
touch "$d/lock"; chown "$BRO_TEST_USER:" "$d/lock"
lock_held() { ! python3 -c 'import fcntl,sys; f=open(sys.argv[1],"a"); fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB)' "$d/lock" 2>/dev/null; }
rm -f "$d/ready"
mkfifo "$d/fifo"; chown "$BRO_TEST_USER:" "$d/fifo"
start_bg "${BASE[@]}" --lock-file "$d/lock" sh -c "echo > $d/ready; read x < $d/fifo"
wait_for 5 test -e "$d/ready"
lock_held; ok $? "--lock-file: held while the sandbox runs"
echo go > "$d/fifo"; bwait
lock_held; ok $((!$?)) "  and released when it ends"
out=$(ur "${BASE[@]}" --lock-file /enoent touch "$d/lockran" 2>&1); st=$?
is "$st:$out" "1:bro-run: Unable to open lock file /enoent: No such file or directory" \
	"--lock-file that cannot be taken: one line, exit 1"
ok "$(test -e "$d/lockran"; echo $((!$?)))" "  and the command never ran"
out=$(ur "${BASE[@]}" --sync-fd 3 sh -c 'ls /proc/self/fd | tr "\n" " "' 3>"$d/sync")
is "$out" "0 1 2 3 " "--sync-fd: not passed to the command (3 is ls's own directory fd)"
out=$(ur "${BASE[@]}" --unshare-pid --as-pid-1 --sync-fd 3 sh -c 'ls /proc/self/fd | tr "\n" " "' 3>"$d/sync")
is "$out" "0 1 2 3 4 " "--sync-fd with --as-pid-1: the command holds it (there is no PID 1 of ours)"
out=$(echo go | ur "${BASE[@]}" --block-fd 0 sh -c 'echo ran' )
is "$out" ran "--block-fd: the command runs once the fd is readable"
# --userns-block-fd: the caller writes the maps while the launcher waits
mkfifo "$d/ub"; chown "$BRO_TEST_USER:" "$d/ub"; rm -f "$d/uid"
as_user sh -c "exec $R ${BASE[*]} --info-fd 3 --userns-block-fd 4 sh -c 'id -u > $d/uid' \
	3>$d/info2 4<$d/ub" </dev/null >/dev/null 2>&1 &
bgp=$!
exec {w}>"$d/ub"
wait_for 5 grep -q child-pid "$d/info2"
cpid=$(sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' "$d/info2")
as_user sh -c "echo deny > /proc/$cpid/setgroups && echo '0 $T_UID 1' > /proc/$cpid/uid_map && \
	echo '0 $T_UID 1' > /proc/$cpid/gid_map"
echo go >&$w; exec {w}>&-
wait "$bgp"
is "$(cat "$d/uid" 2>/dev/null)" 0 "--userns-block-fd: the maps the caller wrote meanwhile apply (uid 0)"

# --- --userns and --pidns: joining another sandbox's namespaces ---
rm -f "$d/ready" "$d/info"
start_bg "${BASE[@]}" --proc /proc --unshare-pid --info-fd 3 sh -c \
	"readlink /proc/self/ns/user /proc/self/ns/pid > $d/ready.tmp; mv $d/ready.tmp $d/ready; exec sleep 7773" \
	3>"$d/info"
wait_for 5 test -s "$d/ready"
cpid=$(sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' "$d/info")
out=$(as_user sh -c "exec $R ${BASE[*]} --userns 5 --pidns 6 readlink /proc/self/ns/user /proc/self/ns/pid \
	5</proc/$cpid/ns/user 6</proc/$cpid/ns/pid" 2>&1)
is "$out" "$(cat "$d/ready")" "--userns FD --pidns FD: the command joins the other sandbox's user and PID namespaces"
kill "$BPID"; bwait

# --- --disable-userns, --assert-userns-disabled ---
ur "${BASE[@]}" --unshare-user --disable-userns "$R" --ro-bind / / true 2>/dev/null
ok $((!$?)) "--disable-userns: a nested bro-run cannot make a user namespace"
ur "${BASE[@]}" --unshare-user --disable-userns --assert-userns-disabled true
ok $? "--assert-userns-disabled holds after --disable-userns"
out=$(ur "${BASE[@]}" --assert-userns-disabled true 2>&1); st=$?
is "$st:$out" "1:bro-run: creation of new user namespaces was not disabled as requested" \
	"--assert-userns-disabled fails where they are not"

# --- user namespaces unavailable: one line, nothing runs ---
nouserns_start
in_x() { in_nouserns "$@"; }
out=$(in_x "$T_UID" "$R" --ro-bind / / touch "$d/ran" 2>&1); st=$?
is "$st" 1 "max_user_namespaces=0: exit 1"
is "$(echo "$out" | wc -l)" 1 "  one line"
like "$out" "^bro-run: user namespaces are disabled here \(sysctl user.max_user_namespaces = 0\).*the command was not run$" \
	"  naming the cause and what to do"
ok "$(test -e "$d/ran"; echo $((!$?)))" "  and the command did not run"
out=$(in_x 0 "$R" --unshare-user --ro-bind / / touch "$d/ran" 2>&1); st=$?
like "$st:$out" "^1:bro-run: user namespaces are disabled here" "uid 0 there, --unshare-user: refused the same way"
out=$(as_user unshare -U "$R" --ro-bind / / touch "$d/ran" 2>&1); st=$?
like "$st:$out" "^1:bro-run: Creating new namespace failed \(EPERM\): uid [0-9]+/gid [0-9]+ has no mapping in this user namespace" \
	"a caller whose uid has no mapping (a container that does not map it): named, exit 1"
ok "$(test -e "$d/ran"; echo $((!$?)))" "  and the command did not run"
out=$(in_x 0 "$R" --unshare-user-try --ro-bind / / sh -c 'echo ran unshared' 2>&1)
is "$out" "ran unshared" "uid 0 there, --unshare-user-try: runs without one (bwrap's rule for root)"

# --- PID 1 takes nothing from the sandbox's root ---
# It re-execs bro-run after pivot_root (with --info-fd): a dynamic binary
# would load ld.so, /etc/ld.so.preload and libraries from the sandbox's
# root, which a command may have written in an earlier run. A root with
# nothing but a static busybox: PID 1 still starts.
if readelf -l "$R" 2>/dev/null | grep -q 'program interpreter'; then
	diag "this bro-run is dynamically linked (the sanitizer tree): not checked"
else
	out=$(as_user sh -c 'exec 3>/dev/null; exec "$@"' sh "$R" --ro-bind /bin/busybox /busybox \
		--unshare-pid --info-fd 3 /busybox echo ran 2>&1); st=$?
	is "$st:$out" "0:ran" "PID 1's re-exec needs no loader or library in the sandbox's root (static bro-run)"
fi

# --- host mounts made later do not propagate in (they would come without
# --ro-bind's ro/nosuid/nodev) ---
m=$T_TMP/prop; mkdir -p "$m/sub"
mount --bind "$m" "$m" && mount --make-shared "$m" && cleanup_add "umount -R $m"
rm -f "$d/ready" "$d/go" "$d/seen"
start_bg "${BASE[@]}" --ro-bind "$m" "$d/data" sh -c "echo > $d/ready; \
	for i in \$(seq 1 400); do [ -e $d/go ] && break; sleep 0.05; done; \
	grep -c ' $d/data/sub ' /proc/self/mountinfo > $d/seen"
wait_for 10 test -e "$d/ready"
mount -t tmpfs brorunprop "$m/sub" && touch "$d/go"
bwait
is "$(cat "$d/seen" 2>/dev/null)" 0 "a mount the host makes below a --ro-bind source after start-up does not appear inside"
umount "$m/sub" 2>/dev/null

# --- the set-up runs pinned to one CPU; the command, PID 1 and the launcher
# get the caller's affinity back (with one CPU nothing is pinned) ---
want=$(sed -n 's/^Cpus_allowed_list:\t//p' /proc/self/status)
out=$(ur "${BASE[@]}" --proc /proc --unshare-pid sh -c 'sed -n "s/^Cpus_allowed_list:\t//p" /proc/self/status /proc/1/status')
is "$(echo $out)" "$want $want" "the command and PID 1 run on the caller's CPUs ($want; $(nproc) online)"
out=$(ur "${BASE[@]}" --proc /proc sh -c 'sed -n "s/^Cpus_allowed_list:\t//p" /proc/$PPID/status')
is "$out" "$want" "so does the launcher"
if [ "$(nproc)" -ge 2 ]; then
	out=$(as_user taskset -c 1 "$R" "${BASE[@]}" --proc /proc sh -c 'sed -n "s/^Cpus_allowed_list:\t//p" /proc/self/status')
	is "$out" 1 "a caller on CPU 1 only: the command too"
fi

# --- --lock-file: files only (a FIFO would block the set-up) ---
mkfifo "$d/lockfifo"; chown "$BRO_TEST_USER:" "$d/lockfifo"
# (output to a file: a set-up stuck in open() would hold a pipe open)
as_user timeout -k 2 10 "$R" --ro-bind / / --lock-file "$d/lockfifo" echo ran >"$T_TMP/lockout" 2>&1; st=$?
out=$(cat "$T_TMP/lockout")
is "$st:$out" "1:bro-run: Unable to lock file $d/lockfifo: not a regular file" "--lock-file on a FIFO: refused at once, nothing runs"

done_testing
