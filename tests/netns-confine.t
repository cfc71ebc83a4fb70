#!/bin/bash
# What bro-netns exec runs cannot reach past its namespace by the few system
# calls that no network namespace or nftables rule confines: TIOCSTI and
# TIOCLINUX into the caller's terminal (typed lines the user's shell would run
# on the host after exec returns), AF_VSOCK (the hypervisor and host services,
# past every rule) and other unconfined socket families, and the i386 and x32
# system call tables (a second way to the same calls). Each is first shown to
# work outside, on this machine, so that a refusal inside is the filter's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser microsocks script python3
T=$BRO_TOOLS/try-syscall

printf "127.0.0.1 localhost\n" > "$T_TMP/hosts"	# socks_start resolves from it
socks_start
ns_create --name confine --proxy "socks5://127.0.0.1:$SOCKS_PORT" ||
	{ echo "Bail out! create failed"; exit 1; }

# --- the terminal ---
legacy=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)
if [ "$legacy" = 1 ]; then
	like "$(on_tty "$T" tiocsti | tail -1)" "ok$" "control: TIOCSTI works on the user's own terminal here"
else
	diag "dev.tty.legacy_tiocsti=0: TIOCSTI is refused by the kernel anyway"
fi
is "$(on_tty "$N" exec confine -- "$T" tiocsti | tail -1)" "errno EPERM" \
	"exec: TIOCSTI into the caller's terminal is refused (EPERM)"
is "$(on_tty "$N" exec confine -- "$T" tiocsti 0x1 | tail -1)" "errno EPERM" \
	"exec: also with bits above 31 in the command word (CVE-2019-10063)"
is "$(on_tty "$N" exec confine -- "$T" tioclinux | tail -1)" "errno EPERM" \
	"exec: TIOCLINUX is refused (EPERM)"
cat > "$T_TMP/sti.py" <<'PY'
import fcntl, termios
try:
    for c in "curl http://somewhere/\n":
        fcntl.ioctl(0, termios.TIOCSTI, c.encode())
    print("typed")
except OSError as e:
    print("refused", e.errno)
PY
chmod 0644 "$T_TMP/sti.py"
is "$(on_tty "$N" exec confine -- python3 "$T_TMP/sti.py" | tail -1)" "refused 1" \
	"exec: the issue's python TIOCSTI reproduction types nothing"

# --- socket families ---
if grep -q '^AF_VSOCK' /proc/net/protocols 2>/dev/null; then
	is "$(as_user "$T" socket 40)" ok "control: AF_VSOCK sockets can be made on this host"
else
	diag "this kernel has no AF_VSOCK: the refusal below is shown against its absence"
fi
is "$(inside "$T" socket 40)" "errno EAFNOSUPPORT" "exec: socket(AF_VSOCK) is refused"
is "$(inside "$T" socket $((40 | 1 << 32)))" "errno EAFNOSUPPORT" \
	"exec: also with high bits the kernel would drop"
is "$(inside "$T" socketpair 40)" "errno EAFNOSUPPORT" "exec: socketpair(AF_VSOCK) is refused"
is "$(inside "$T" socket 31)" "errno EAFNOSUPPORT" "exec: socket(AF_BLUETOOTH) is refused"
is "$(inside "$T" socket 1)" ok "exec: AF_UNIX sockets still work"
is "$(inside "$T" socket 2)" ok "exec: AF_INET sockets still work"
is "$(inside "$T" socket 10)" ok "exec: AF_INET6 sockets still work"
is "$(inside "$T" socketpair 1)" ok "exec: socketpair(AF_UNIX) still works"

# --- other system call tables ---
if [ "$(uname -m)" = x86_64 ]; then
	is "$(as_user "$T" i386-getpid)" ok "control: the i386 table (int \$0x80) works on this host"
	out=$(inside "$T" i386-getpid 2>&1); st=$?
	is "$st" 159 "exec: a call through the i386 table kills the process (SIGSYS)"
	ok "$(case $out in *ok*) echo 1;; *) echo 0;; esac)" "  before it returns"
	out=$(inside "$T" x32-socket 40 2>&1); st=$?
	is "$st" 159 "exec: a call through the x32 table kills the process (SIGSYS)"
else
	diag "not x86_64: no i386/x32 table to test"
fi
done_testing
