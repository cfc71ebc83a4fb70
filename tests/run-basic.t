#!/bin/bash
# bro-run: each option family, as the test user and as root. The command
# holds no capability (a root caller keeps its own unless --cap-drop), has
# no_new_privs and only fds 0-2; the filesystem is what the options say;
# exit statuses pass through; messages are one line and name the step.
. "$(dirname "$0")/lib.sh"
require runuser python3
R=$BRO_BIN/bro-run
P=$BRO_TOOLS/probe
d=$(user_dir)			# the test user's scratch directory
ur() { as_user "$R" "$@"; }	# bro-run as the test user
BASE=(--ro-bind / / --dev /dev --proc /proc)

# --- command line ---
out=$(ur --help); st=$?
is "$st" 0 "--help: exit 0"
like "$out" "^usage: $R \[OPTIONS\.\.\.\] \[--\] COMMAND" "--help: the usage line names argv[0]"
out=$(ur 2>&1); st=$?
is "$st" 1 "no command: exit 1"
like "$out" "^usage: " "  usage on stderr"
out=$(ur --nope true 2>&1); st=$?
is "$st:$out" "1:bro-run: Unknown option --nope" "unknown option: one line, exit 1"
ln -s "$R" "$T_TMP/bwrap"
out=$(as_user "$T_TMP/bwrap" --bind /enoent /x true 2>&1); st=$?
like "$st:$out" "^1:bwrap: Can't find source path /enoent: No such file or directory$" \
	"run as bwrap: bwrap's prefix, the path and strerror"
out=$(ur --level-prefix --ro-bind / / --chdir / --chdir / true 2>&1)
is "$out" "<4>bro-run: Only the last --chdir option will take effect" "--level-prefix: <4> on a warning"
for bad in "--perms 0640 --perms 0640 --tmpfs /tmp/a" "--size 0 --tmpfs /tmp/a" \
	"--size 12x --tmpfs /tmp/a" "--size 18446744073709551616 --tmpfs /tmp/a" \
	"--perms 0640 --chdir /" "--userns2 3" "--hostname h" "--as-pid-1" \
	"--seccomp 0a" "--tmp-overlay /x" "--overlay-src /tmp --chdir /"; do
	out=$(ur $bad true 2>&1); st=$?
	is "$st:$(echo "$out" | wc -l):${out%%: *}" "1:1:bro-run" "refused with one line: $bad ($out)"
done
out=$(ur --version); like "$out" "^bro-run [0-9]" "--version"

# --- the command's privileges and fds, as the test user ---
out=$(as_user sh -c 'exec 5</dev/null 7</dev/null 9</dev/null; exec "$@"' sh \
	"$R" "${BASE[@]}" --unshare-all --info-fd 7 --sync-fd 9 "$P" 9>/dev/null)
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	is "$(kv "$out" $c)" 0000000000000000 "user: $c is zero"
done
is "$(kv "$out" NoNewPrivs)" 1 "user: NoNewPrivs 1"
is "$(kv "$out" fds)" "0,1,2" "user: only fds 0-2 reach the command (5, 7, 9 were open)"
is "$(kv "$out" uid)" "$T_UID" "user: the caller's uid inside by default"
is "$(kv "$out" pid)" 2 "--unshare-pid: the command is PID 2 under our PID 1"
isnot_net=$([ "$(kv "$out" netns)" != "$(ns_inode $$)" ]; echo $?)
ok "$isnot_net" "--unshare-all: a network namespace of its own"
out=$(ur "${BASE[@]}" --unshare-pid --as-pid-1 "$P")
is "$(kv "$out" pid)" 1 "--as-pid-1: the command is PID 1"
out=$(ur "${BASE[@]}" --uid 0 --gid 0 "$P")
is "$(kv "$out" uid):$(kv "$out" CapEff)" "0:0000000000000000" "--uid 0: uid 0 inside, still no capability"
out=$(ur "${BASE[@]}" --uid 0 --cap-add CAP_NET_ADMIN "$P")
is "$(kv "$out" CapEff)" 0000000000001000 "--cap-add CAP_NET_ADMIN: exactly that one"
out=$(ur "${BASE[@]}" --cap-add cap_net_raw --cap-add CAP_KILL --cap-drop cap_kill "$P")
is "$(kv "$out" CapAmb)" 0000000000002000 "a non-zero uid keeps --cap-add as ambient (cap-drop after add wins)"
for info in "" "--info-fd 3"; do
	out=$(ur "${BASE[@]}" --unshare-pid $info sh -c 'head -c1 /proc/1/environ >/dev/null 2>&1 && echo readable || echo denied' 3>/dev/null)
	is "$out" denied "the command cannot read PID 1's memory (non-dumpable) ${info:-(no re-exec)}"
done
# without a PID namespace the command sees the launcher (its parent), with
# and without the launcher/child handshake (--info-fd): the launcher's
# credentials are in the caller's user namespace, where the command holds
# no CAP_SYS_PTRACE (the launcher is non-dumpable as well, belt and braces:
# no test here can tell that apart)
for info in "" "--info-fd 3"; do
	out=$(ur "${BASE[@]}" $info sh -c 'p=$PPID; read -r c < /proc/$p/comm
		head -c1 /proc/$p/environ >/dev/null 2>&1 && echo "readable $p $c" || echo "denied $p $c"' 3>/dev/null)
	like "$out" "^denied [1-9][0-9]* bro-run" "the command cannot read the launcher's memory ${info:-(no handshake)} ($out)"
done
out=$(ur "${BASE[@]}" --unshare-pid sh -c 'grep ^Cap[EP] /proc/1/status')
like "$out" "CapPrm:.0000000000000000" "our PID 1 holds no capability either"

# --- as root ---
want=$(sed -n 's/^CapEff:\t//p' /proc/self/status)
out=$("$R" "${BASE[@]}" --unshare-pid "$P")
is "$(kv "$out" CapEff)" "$want" "root: keeps its own capabilities by default (bwrap)"
is "$(kv "$out" NoNewPrivs)" 1 "root: NoNewPrivs 1"
out=$("$R" "${BASE[@]}" --cap-drop ALL "$P")
is "$(kv "$out" CapEff):$(kv "$out" CapPrm)" "0000000000000000:0000000000000000" "root: --cap-drop ALL empties them"
out=$("$R" "${BASE[@]}" --unshare-user --uid 1000 "$P")
is "$(kv "$out" uid):$(kv "$out" CapEff)" "1000:0000000000000000" "root, --unshare-user --uid 1000: no capability (uid 1000 at exec)"
out=$("$R" "${BASE[@]}" --unshare-user --uid 0 "$P")
is "$(kv "$out" CapEff)" 000001ffffffffff "root, --unshare-user --uid 0: every capability, over the new namespace only"

# --- exit statuses ---
for ns in "" "--unshare-pid"; do
	ur "${BASE[@]}" $ns sh -c 'exit 42'; is "$?" 42 "exit 42 passes through ${ns:-(no pid ns)}"
	ur "${BASE[@]}" $ns sh -c 'kill -TERM $$'; is "$?" 143 "death by SIGTERM is 128+15 ${ns:-(no pid ns)}"
	ur "${BASE[@]}" $ns sh -c 'kill -KILL $$'; is "$?" 137 "death by SIGKILL is 128+9 ${ns:-(no pid ns)}"
done
out=$(ur "${BASE[@]}" /no/such/cmd 2>&1); st=$?
is "$st:$out" "1:bro-run: execvp /no/such/cmd: No such file or directory" "a missing command: exit 1, one line"
# execvp as glibc's (bro-run may be linked with musl, whose execvp differs):
# a script without "#!" runs through /bin/sh, by path and found in $PATH;
# with PATH unset the search is /bin:/usr/bin; a directory is EACCES
mkdir -p "$d/bin"; printf 'echo "no-shebang $# $1"\n' > "$d/bin/nsb"; chmod 755 "$d/bin/nsb"
chown -R "$BRO_TEST_USER:" "$d/bin"
is "$(ur --ro-bind / / "$d/bin/nsb" a b 2>&1)" "no-shebang 2 a" "a script without #! runs through /bin/sh"
is "$(as_user env PATH="/enoent:$d/bin" "$R" --ro-bind / / nsb x 2>&1)" "no-shebang 1 x" \
	"  also found through \$PATH (a missing directory skipped)"
is "$(as_user env -u PATH "$R" --ro-bind / / sh -c 'echo found' 2>&1)" found "PATH unset: /bin:/usr/bin searched"
out=$(ur --ro-bind / / /etc 2>&1); st=$?
is "$st:$out" "1:bro-run: execvp /etc: Permission denied" "a directory as the command: EACCES, one line"

# --- filesystem ---
echo hello > "$d/f"; chown "$BRO_TEST_USER:" "$d/f"
ur --ro-bind / / sh -c "echo x > $d/f" 2>/dev/null
is "$(cat "$d/f")" hello "--ro-bind: read-only"
ur --ro-bind / / --bind "$d" "$d" sh -c "echo bound > $d/f"
is "$(cat "$d/f")" bound "--bind: writes reach the host"
out=$(ur --ro-bind / / --dev-bind /dev /dev sh -c 'grep " / / " /proc/self/mountinfo')
like "$out" " / / ro,nosuid,nodev" "the root bind: ro, nosuid, nodev"
out=$(ur --ro-bind / / --bind-try /enoent /x --ro-bind-try /enoent /y --dev-bind-try /enoent /z sh -c 'test -e /x || test -e /y || echo skipped')
is "$out" skipped "-try forms skip a missing source"
out=$(ur --ro-bind / / --tmpfs /tmp --size 1048576 --perms 01777 --tmpfs /tmp/t sh -c \
	'stat -c %a /tmp/t; df --output=size --block-size=1K /tmp/t | tail -1 | tr -d " "; touch /tmp/t/w && echo writable')
is "$out" "$(printf '1777\n1024\nwritable')" "--tmpfs with --perms and --size"
out=$(ur --ro-bind / / --tmpfs /tmp --perms 0700 --dir /tmp/a/b --dir /tmp/c --symlink c /tmp/l \
	--chmod 0711 /tmp/c sh -c 'stat -c %a /tmp/a /tmp/a/b /tmp/c; readlink /tmp/l')
is "$out" "$(printf '700\n700\n711\nc')" "--dir (parents follow --perms), --chmod, --symlink"
out=$(ur --ro-bind / / --tmpfs /tmp --symlink c /tmp/l --symlink c /tmp/l --symlink d /tmp/l true 2>&1); st=$?
is "$st:$out" "1:bro-run: Can't make symlink at /tmp/l: existing destination is c" "--symlink: idempotent, never overwrites"
out=$(echo data | ur --ro-bind / / --tmpfs /tmp --file 0 /tmp/f --perms 0640 --ro-bind-data 3 /tmp/g \
	sh -c 'cat /tmp/f /tmp/g; stat -c %a /tmp/f /tmp/g; echo x > /tmp/g || echo ro' 3<<<more 2>/dev/null)
is "$out" "$(printf 'data\nmore\n666\n640\nro')" "--file, --ro-bind-data (with --perms): contents, modes, read-only"
out=$(ur --ro-bind / / --tmpfs /tmp --bind-data 3 /tmp/h sh -c 'echo y >> /tmp/h; cat /tmp/h' 3<<<one)
is "$out" "$(printf 'one\ny')" "--bind-data: writable"
out=$(ur --ro-bind / / --dev /dev --tmpfs /tmp --dir /tmp/m --tmpfs /tmp/m --remount-ro /tmp/m sh -c 'touch /tmp/m/x 2>/dev/null || echo ro')
is "$out" ro "--remount-ro"
out=$(ur --ro-bind / / --dev /dev sh -c 'ls /dev | tr "\n" " "; echo > /dev/null && echo nullok')
like "$out" "^core fd full null ptmx pts random shm stderr stdin stdout tty urandom zero nullok" "--dev: the minimal /dev, usable"
out=$(ur --ro-bind / / --proc /proc --unshare-pid sh -c 'cat /proc/1/comm; echo $$')
is "$(echo $out)" "bro-run 2" "--proc with --unshare-pid: our PID 1, the command PID 2"
out=$(ur --ro-bind / / --tmpfs /tmp --mqueue /tmp/mq --unshare-ipc sh -c 'grep -c " /tmp/mq .* mqueue " /proc/self/mountinfo')
is "$out" 1 "--mqueue"
out=$(ur --ro-bind / / --tmpfs /tmp --dir /tmp/dir --symlink /tmp/dir /tmp/abs --bind "$d" /tmp/abs sh -c "ls /tmp/dir")
like "$out" "^f$" "a destination through an absolute symlink lands inside the sandbox"
mkdir -p "$d/lo" "$d/up" "$d/wk"; echo low > "$d/lo/a"; chown -R "$BRO_TEST_USER:" "$d"
out=$(ur --ro-bind / / --tmpfs /tmp --overlay-src "$d/lo" --tmp-overlay /tmp/o sh -c 'cat /tmp/o/a; echo new > /tmp/o/a; cat /tmp/o/a')
is "$out:$(cat "$d/lo/a")" "$(printf 'low\nnew'):low" "--tmp-overlay: writes go to a tmpfs"
out=$(ur --ro-bind / / --tmpfs /tmp --overlay-src "$d/lo" --overlay "$d/up" "$d/wk" /tmp/o sh -c 'echo up > /tmp/o/a')
is "$(cat "$d/up/a")" up "--overlay: writes go to the upper directory"

# --- process options ---
out=$(as_user env FOO=wrong BAR=baz "$R" --ro-bind / / --setenv FOO bar --unsetenv BAR sh -c 'echo "$FOO${BAR:-unset}"')
is "$out" barunset "--setenv, --unsetenv"
out=$(ur --ro-bind / / --clearenv --setenv A 1 --chdir /usr env)
is "$(echo "$out" | sort | tr '\n' ' ')" "A=1 PWD=/usr " "--clearenv, --chdir sets PWD"
out=$(ur --ro-bind / / --argv0 right sh -c 'echo $0')
is "$out" right "--argv0"
out=$(ur --ro-bind / / --unshare-uts --hostname sandboxed hostname)
is "$out" sandboxed "--hostname"
out=$(ur --ro-bind / / --unshare-net ip -o link)
like "$(echo "$out" | wc -l):$out" "^1:1: lo: <LOOPBACK,UP,LOWER_UP>" "--unshare-net: only lo, and it is up"
printf -- '--setenv\0X\0from-args\0--dir\0/tmp/viaargs\0' > "$d/args"
out=$(ur --ro-bind / / --tmpfs /tmp --args 3 sh -c 'echo $X; test -d /tmp/viaargs && echo dir' 3<"$d/args")
is "$out" "$(printf 'from-args\ndir')" "--args FD: NUL-separated options"
out=$(ur --ro-bind / / --info-fd 3 --json-status-fd 4 --unshare-all sh -c 'exit 3' 3>"$d/info" 4>"$d/status")
like "$(tr -d '\n' < "$d/info")" '^\{    "child-pid": [0-9]+,    "cgroup-namespace": [0-9]+,    "ipc-namespace": [0-9]+,    "mnt-namespace": [0-9]+,    "net-namespace": [0-9]+,    "pid-namespace": [0-9]+,    "uts-namespace": [0-9]+\}$' "--info-fd: bwrap's JSON"
like "$(cat "$d/status")" '"exit-code": 3 \}$' "--json-status-fd: the exit code"
ur --ro-bind / / --json-status-fd 4 / 4>"$d/status" 2>/dev/null
ok "$(grep -q exit-code "$d/status"; echo $((!$?)))" "--json-status-fd: no exit-code when exec fails"
# a step between the fork and the exec that fails (bubblewrap's test makes
# its 39th prctl() fail under strace; the property is the same)
for ns in "" "--unshare-pid"; do
	ur --ro-bind / / $ns --json-status-fd 4 --chdir /enoent true 4>"$d/status" 2>/dev/null; st=$?
	ok "$([ "$st" = 1 ] && grep -q child-pid "$d/status" && ! grep -q exit-code "$d/status"; echo $?)" \
		"--json-status-fd: no exit-code when a step before the exec fails ${ns:-(no pid ns)}"
done
# --seccomp: a raw BPF program that makes mkdir/mkdirat fail with EPERM
python3 - "$d/bpf" <<'EOF'
import struct, sys
LD, JEQ, RET = 0x20, 0x15, 0x06
prog = [(LD, 0, 0, 4), (JEQ, 0, 4, 0xC000003E),       # x86_64 only
        (LD, 0, 0, 0), (JEQ, 2, 0, 83), (JEQ, 1, 0, 258),
        (RET, 0, 0, 0x7FFF0000), (RET, 0, 0, 0x00050001)]
open(sys.argv[1], "wb").write(b"".join(struct.pack("HBBI", *i) for i in prog))
EOF
out=$(ur --ro-bind / / --tmpfs /tmp --seccomp 3 sh -c 'mkdir /tmp/x 2>&1; touch /tmp/y && echo touched' 3<"$d/bpf")
like "$(echo $out)" "Operation not permitted touched$" "--seccomp FD: the filter applies, other calls pass"
out=$(printf 'abc' | ur --ro-bind / / --seccomp 0 true 2>&1)
is "$out" "bro-run: Invalid seccomp data, must be multiple of 8" "--seccomp: a bad program refused"

# --- never setuid ---
cp "$R" "$T_TMP/bro-run-suid"; chmod 4755 "$T_TMP/bro-run-suid"
out=$(as_user "$T_TMP/bro-run-suid" --ro-bind / / true 2>&1); st=$?
like "$st:$out" "^1:bro-run: refusing to run setuid" "installed setuid: refuses, exit 1"

# --- no typing into the caller's terminal, --new-session or not ---
T=$BRO_TOOLS/try-syscall
if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)" = 1 ]; then
	like "$(on_tty "$T" tiocsti | tail -1)" "ok$" "control: TIOCSTI works on the user's own terminal here"
fi
is "$(on_tty "$R" "${BASE[@]}" "$T" tiocsti | tail -1)" "errno EPERM" \
	"TIOCSTI into the caller's terminal is refused, without --new-session (CVE-2017-5226)"
is "$(on_tty "$R" "${BASE[@]}" "$T" tiocsti 0x1 | tail -1)" "errno EPERM" \
	"  also with bits above 31 in the command word (CVE-2019-10063)"
is "$(on_tty "$R" "${BASE[@]}" "$T" tioclinux | tail -1)" "errno EPERM" "  TIOCLINUX too"
if [ "$(uname -m)" = x86_64 ]; then
	out=$(on_tty "$T" i386-tiocsti | tail -1)
	ok "$([ "$out" != "errno EPERM" ] && echo 0 || echo 1)" "control: TIOCSTI through the i386 table is not refused outside ($out)"
	is "$(on_tty "$R" "${BASE[@]}" "$T" i386-tiocsti | tail -1)" "errno EPERM" \
		"  inside it is (the filter covers the i386 and x32 tables)"
	is "$(on_tty "$R" "${BASE[@]}" "$T" i386-getpid | tail -1)" ok \
		"  and other i386 calls still work inside (32-bit programs run)"
fi
done_testing
