/* SPDX-License-Identifier: MIT
 *
 * bro-run - run a command in new namespaces with a filesystem built from
 *	     the command line: bubblewrap's options and behaviour, one static
 *	     binary (libc and libseccomp), so that PID 1's re-exec after
 *	     pivot_root loads nothing from the sandbox's root.
 *
 *	bro-run [OPTIONS...] [--] COMMAND [ARGS...]
 *
 * Threat model
 * ============
 * bro-run is never installed setuid or with file capabilities, and refuses
 * to run so (a real and effective ID that differ, or capabilities it did not
 * inherit from a root caller). It can therefore do nothing the caller could
 * not do with the user namespaces the kernel lets them create: it is a
 * convenience for building a sandbox, not a privilege boundary of its own.
 * What it promises is about the command: it runs only inside the namespaces
 * asked for, with every capability dropped (a root caller keeps its own
 * unless --cap-drop, as with bwrap), no_new_privs set, no file descriptor of
 * the caller's beyond 0-2 (those named by --file/--bind-data/--bind-fd are
 * consumed, --sync-fd/--info-fd/... are the launcher's), and a root whose
 * every mount is nosuid, nodev unless --dev-bind, and read-only where asked,
 * and stays so: the tree is made private once built, so nothing the host
 * mounts later below a source propagates in.
 * If any of that cannot be done, nothing runs: user namespaces that the
 * system disables or restricts are detected and named in one line, never
 * worked around by running the command outside them. The command cannot
 * ptrace or write the memory of the launcher or the sandbox's PID 1 (both
 * PR_SET_DUMPABLE 0). It cannot type into the caller's terminal: where it
 * could reach one, ioctl TIOCSTI/TIOCLINUX are refused by a seccomp filter
 * in every ABI, --new-session or not. It can still use every other system
 * call unless --seccomp filters them, and reach the network unless
 * --unshare-net.
 *
 * Theory of operation: the stages, in the order main() runs them
 * ==============================================================
 *  1. start	 Refuse setuid/setgid and file capabilities. Messages are
 *		 "bro-run: ...", or "bwrap: ..." when run under that name (a
 *		 drop-in symlink), since scripts compare bwrap's text.
 *  2. parse	 argv (and --args FD) into a list of operations; nothing is
 *		 done yet. bwrap's rules for what goes with what.
 *  3. check	 Whether a user namespace is needed (always for a caller who
 *		 is not root) and whether the system allows one: a limit of
 *		 0, Debian's unprivileged_userns_clone=0. --seccomp programs
 *		 are read now, so a bad one fails before anything exists.
 *		 Whether the command could reach a terminal (/dev/tty opens).
 *  4. clone	 One clone3(): every namespace at once, a pidfd for the child.
 *		 Signals the monitor forwards are blocked before, so none is
 *		 lost between the clone and the signalfd. The set-up is pinned
 *		 to the launcher's CPU until each process waits or execs.
 *  5. launcher	 Reads the child's namespace IDs (--info-fd, --json-status-fd),
 *		 waits for --userns-block-fd, lets the child go, becomes
 *		 non-dumpable and monitors: signals forwarded, the child's
 *		 status passed on (128+N for signal N). Without those options
 *		 there is nothing to wait for: the launcher turned non-dumpable
 *		 before the clone and the child does not wait.
 *  6. child	 Checks it holds its capabilities in the new user namespace
 *		 (an LSM such as Ubuntu's AppArmor restriction leaves it none),
 *		 writes its uid/gid maps (dumpable for that), and only then
 *		 turns non-dumpable (the map files must be its own to write),
 *		 for good. Opens every
 *		 source once, builds the filesystem (mount.c), sets the
 *		 hostname, brings lo up, disables further user namespaces if
 *		 asked.
 *  7. PID 1	 With --unshare-pid (unless --as-pid-1), --lock-file or
 *		 --sync-fd, the child forks the command and stays as its
 *		 reaper: locks taken, every capability dropped, signals
 *		 forwarded, orphans reaped, the command's status returned.
 *		 It stays non-dumpable; where --info-fd/--json-status-fd
 *		 publish its PID it re-execs itself first, so that its memory
 *		 belongs to the sandbox's user namespace and the namespace's
 *		 owner (not the command) may open its /proc/PID/ns.
 *  8. command	 --block-fd, new session, environment, working directory;
 *		 capabilities down to the requested set (securebits locked
 *		 when that set is empty), no_new_privs, the TIOCSTI filter
 *		 (lib/confine.c) where a terminal is reachable, the built-in
 *		 profiles (seccomp.c), seccomp programs in order, fds above
 *		 2 closed at exec; execvp().
 * --egress (egress.c) splits stage 3: the process started stays outside as
 * the waiter (creates and destroys the bro-netns namespace, writes
 * --report); its child joins the namespace and goes on as the launcher.
 * --report (report.c): the launcher's seccomp supervisor (unixbroker.c)
 * records the profiles' denied calls; the launcher writes the file, or
 * with --egress sends its part to the waiter.
 * --no-userns (landlock.c) goes from stage 3 straight to stage 8, with no
 * namespace, no clone and no PID 1: Landlock is applied after no_new_privs,
 * then the hardening profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "confine.h"
#include "linux-api.h"
#include "log.h"
#include "run.h"

#define DIE(...) log_die(1, __VA_ARGS__)

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
/* the sanitizer build: LeakSanitizer reads /proc/PID/task at exit, which a
 * process past pivot_root (no /proc) or non-dumpable cannot */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

const char *run_prog = "bro-run";

struct seccomp_prog {
	struct sock_filter *insns;
	unsigned short len;
};

static struct run_opts opts;
static struct seccomp_prog *progs;
static bool tty_reachable;	/* the TIOCSTI filter is loaded (stage 3) */
static size_t nprogs;
static int setup_fail_fd = -1;	/* write end: a byte means "failed" */
static char *old_cwd;
static uid_t real_uid;
static gid_t real_gid;
static int proc_fd = -1;
static int self_fd = -1;	/* our own binary, for PID 1's re-exec */
static int lock_fds[64];
static cpu_set_t cpus;		/* the caller's CPU affinity (pin_setup) */
static bool pinned;

/* --- stage 1, 2: start and parse ---------------------------------------- */

static void usage(FILE *f, const char *argv0)
{
	fprintf(f, "usage: %s [OPTIONS...] [--] COMMAND [ARGS...]\n\n", argv0);
	fputs(
"bro-run: bubblewrap's command line. Options run in order; paths are in the\n"
"sandbox unless named SRC (a host path).\n"
"\n"
"General\n"
"  --help, --version        this text, the version\n"
"  --args FD                more arguments from FD, NUL-separated\n"
"  --argv0 VALUE            argv[0] of the command\n"
"  --level-prefix           prefix messages with <N> (syslog priority)\n"
"Namespaces\n"
"  --unshare-all            user (if possible), ipc, pid, net, uts, cgroup (if possible)\n"
"  --share-net              keep the network namespace (after --unshare-all)\n"
"  --unshare-user, --unshare-user-try, --unshare-ipc, --unshare-pid,\n"
"  --unshare-net, --unshare-uts, --unshare-cgroup, --unshare-cgroup-try\n"
"  --userns FD, --userns2 FD, --pidns FD   use (or switch to) these namespaces\n"
"  --disable-userns         the command cannot create user namespaces\n"
"  --assert-userns-disabled fail unless it cannot\n"
"  --uid UID, --gid GID     IDs in the sandbox (needs a user namespace)\n"
"  --hostname NAME          needs --unshare-uts\n"
"Filesystem\n"
"  --bind SRC DEST, --ro-bind SRC DEST, --dev-bind SRC DEST (and -try forms:\n"
"                           a missing SRC is skipped)\n"
"  --bind-fd FD DEST, --ro-bind-fd FD DEST\n"
"  --remount-ro DEST        read-only, not recursively\n"
"  --tmpfs DEST, --proc DEST, --dev DEST, --mqueue DEST, --dir DEST\n"
"  --file FD DEST           a file with FD's contents\n"
"  --bind-data FD DEST, --ro-bind-data FD DEST\n"
"  --symlink TARGET DEST, --chmod OCTAL PATH\n"
"  --perms OCTAL            mode of the next --dir/--tmpfs/--file/--bind-data\n"
"  --size BYTES             size of the next --tmpfs\n"
"  --overlay-src SRC ... then --overlay RWSRC WORKDIR DEST, --tmp-overlay DEST\n"
"                           or --ro-overlay DEST\n"
"Process\n"
"  --chdir DIR, --setenv VAR VALUE, --unsetenv VAR, --clearenv\n"
"  --lock-file DEST         hold a lock on DEST while the sandbox runs\n"
"  --sync-fd FD             hold FD open while the sandbox runs\n"
"  --block-fd FD            wait for FD before the command runs\n"
"  --userns-block-fd FD     wait for FD once the user namespace exists\n"
"  --info-fd FD, --json-status-fd FD   JSON about the sandbox\n"
"  --new-session, --die-with-parent, --as-pid-1\n"
"  --cap-add CAP, --cap-drop CAP   CAP or ALL\n"
"  --seccomp FD, --add-seccomp-fd FD  raw BPF programs (struct sock_filter)\n"
"bro-run's own (see bro-run(1))\n"
"  --seccomp-unix-block     no AF_UNIX socket(), no datagram socketpair(), no io_uring\n"
"  --seccomp-hardening      no ptrace, mount, bpf, keyctl, setns, new user namespaces...\n"
"  --seccomp-allow-userns   with --seccomp-hardening: new user namespaces allowed\n"
"  --no-userns              no namespaces: Landlock, --seccomp-hardening, no_new_privs;\n"
"                           binds must have SRC = DEST\n"
"  --landlock-allow-bind PORT, --landlock-allow-connect PORT\n"
"                           with --no-userns: TCP ports allowed (others refused)\n"
"  --allow-weaker           with --no-userns: run even without Landlock\n"
"  --relay PORT=UNIXPATH, --relay PORT=IP:PORT\n"
"                           127.0.0.1:PORT in the sandbox goes to a host unix socket\n"
"                           (pinned at start) or host TCP address (needs --unshare-net\n"
"                           and --unshare-pid)\n"
"  --publish HOSTPORT=PORT  the host's 127.0.0.1:HOSTPORT goes to 127.0.0.1:PORT inside\n"
"  --allow-unix PATH        with --seccomp-unix-block: this host unix socket (pinned\n"
"                           at start) stays reachable by connect()\n"
"  --egress PROXY_URL       the network is a transient bro-netns namespace: all TCP\n"
"                           and DNS through socks5://, http:// or direct\n"
"  --egress-allow PATTERN, --egress-deny PATTERN   its policy (bro-netns --allow/--deny)\n"
"  --egress-netns NAME      the network is the existing bro-netns namespace NAME\n"
"                           (re-run through bro-netns exec; also with --no-userns)\n"
"  --report FILE            JSON summary at exit: denied system calls of the\n"
"                           built-in profiles, --egress connections\n",
	      f);
}

#define MAX_WARN 8
static char warnings[MAX_WARN][160];
static int nwarnings;

static void warn_store(const char *msg)
{
	if (nwarnings < MAX_WARN)
		snprintf(warnings[nwarnings++], sizeof(warnings[0]), "%s", msg);
}

/* read all of @fd (--args, --seccomp); NUL-terminated past *len */
static int read_all(int fd, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb = cap > (64u << 20) ? NULL : realloc(b, cap * 2);

			if (!nb) {
				free(b);
				return -EFBIG;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			free(b);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* --- stage 3: what the system allows ------------------------------------ */

static long read_long(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

#define NOT_UNSANDBOXED "; the command was not run"

static void userns_precheck(void)
{
	if (read_long("/proc/sys/user/max_user_namespaces") == 0)
		DIE("user namespaces are disabled here (sysctl user.max_user_namespaces = 0): "
		    "an administrator can set it above 0" NOT_UNSANDBOXED);
	if (real_uid != 0 &&
	    read_long("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		DIE("unprivileged user namespaces are disabled here (sysctl kernel.unprivileged_userns_clone = 0): "
		    "an administrator can set it to 1" NOT_UNSANDBOXED);
}

static void clone_failed(int err, bool userns)
{
	if (userns && err == ENOSPC)
		DIE("Creating new namespace failed: user.max_user_namespaces (or another max_*_namespaces) is exhausted or 0 (ENOSPC)" NOT_UNSANDBOXED);
	if (userns && err == EUSERS)
		DIE("Creating new namespace failed: user namespaces nested too deep (EUSERS)" NOT_UNSANDBOXED);
	if (userns && err == EPERM &&
	    (geteuid() == (uid_t)read_long("/proc/sys/kernel/overflowuid") ||
	     getegid() == (gid_t)read_long("/proc/sys/kernel/overflowgid")))
		DIE("Creating new namespace failed (EPERM): uid %u/gid %u has no mapping in this user namespace "
		    "(a container that does not map the caller): run as a mapped user" NOT_UNSANDBOXED,
		    geteuid(), getegid());
	if (userns && err == EPERM && real_uid != 0)
		DIE("No permissions to create a new user namespace (EPERM): the kernel or an LSM forbids unprivileged user namespaces here" NOT_UNSANDBOXED);
	if (userns && err == EINVAL)
		DIE("Creating new namespace failed, likely because the kernel does not support user namespaces (EINVAL)" NOT_UNSANDBOXED);
	DIE("Creating new namespace failed: clone3: %s", strerror(err));
}

static void read_seccomp(void)
{
	nprogs = opts.nseccomp;
	progs = calloc(nprogs ? nprogs : 1, sizeof(*progs));
	if (!progs)
		DIE("out of memory");
	for (size_t i = 0; i < nprogs; i++) {
		char *buf;
		size_t len;
		int r = read_all(opts.seccomp_fds[i], &buf, &len);

		if (r < 0)
			DIE("Can't read seccomp data: %s", strerror(-r));
		if (len % 8)
			DIE("Invalid seccomp data, must be multiple of 8");
		if (len / 8 > BPF_MAXINSNS)
			DIE("Invalid seccomp data, more than %d instructions",
			    BPF_MAXINSNS);
		close(opts.seccomp_fds[i]);
		progs[i].insns = (struct sock_filter *)(void *)buf;
		progs[i].len = (unsigned short)(len / 8);
	}
	for (size_t i = 0; i < nprogs; i++)
		if (!progs[i].len)
			DIE("Invalid seccomp data: an empty program");
}

/* --- stage 5: namespace IDs for --info-fd ------------------------------- */

static void ns_ids(pid_t pid, bool json, char *out, size_t size)
{
	static const char *const names[] = { "cgroup", "ipc", "mnt", "net",
					     "pid", "uts" };
	const bool wanted[] = { opts.unshare_cgroup, opts.unshare_ipc, true,
				opts.unshare_net, opts.unshare_pid,
				opts.unshare_uts };
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char p[64];
		struct stat st;

		if (!wanted[i])
			continue;
		snprintf(p, sizeof(p), "/proc/%d/ns/%s", pid, names[i]);
		if (stat(p, &st) < 0)
			continue;
		n += (size_t)snprintf(out + n, size - n, ",%s\"%s-namespace\": %llu",
				      json ? " " : "\n    ", names[i],
				      (unsigned long long)st.st_ino);
		if (n >= size)
			break;
	}
}

/* --- stage 6: the child ------------------------------------------------- */

/* --report, once the sandbox is gone: the launcher writes it, or with
 * --egress sends its seccomp part to the waiter (egress.c), who writes it */
static int write_report(int code)
{
	char *sc;

	if (!opts.report)
		return code;
	sc = run_report_seccomp_json(&opts);	/* report.c */
	if (opts.egress)
		run_egress_report_send(sc);
	else
		run_report_write(&opts, NULL, NULL, code, sc);
	free(sc);
	return code;
}

static void report_failure(void)
{
	if (setup_fail_fd >= 0 && write(setup_fail_fd, "x", 1) < 0) {
		/* the launcher is gone */
	}
}

static int write_file_at(int dir, const char *path, const char *data)
{
	int fd = openat(dir, path, O_WRONLY | O_CLOEXEC), e;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, data, strlen(data));
	e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}

static void write_maps(uid_t in_uid, uid_t out_uid, gid_t in_gid,
		       gid_t out_gid)
{
	char m[64];
	int r;

	r = write_file_at(proc_fd, "self/setgroups", "deny");
	if (r < 0 && r != -ENOENT)
		DIE("error writing to setgroups: %s", strerror(-r));
	snprintf(m, sizeof(m), "%u %u 1\n", in_uid, out_uid);
	r = write_file_at(proc_fd, "self/uid_map", m);
	if (r == -EPERM || r == -EACCES)
		DIE("setting up uid map: %s: this user namespace may not map uid %u "
		    "(a container whose own map lacks it, bubblewrap#505, or an LSM "
		    "restricting user namespaces)" NOT_UNSANDBOXED,
		    strerror(-r), out_uid);
	if (r < 0)
		DIE("setting up uid map: %s", strerror(-r));
	snprintf(m, sizeof(m), "%u %u 1\n", in_gid, out_gid);
	r = write_file_at(proc_fd, "self/gid_map", m);
	if (r < 0)
		DIE("setting up gid map: %s" NOT_UNSANDBOXED, strerror(-r));
}

/* the creator of a user namespace holds every capability in it; if it
 * holds none, an LSM intervened (Ubuntu 24.04's AppArmor restriction) */
static void check_userns_caps(void)
{
	struct capsets c;
	long aa;

	if (caps_get(&c) == 0 && (c.eff & (1ULL << CAP_SYS_ADMIN)))
		return;
	aa = read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	if (aa == 1)
		DIE("the new user namespace came without capabilities: AppArmor restricts "
		    "unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1); "
		    "install bro-run's AppArmor profile (make install) or ask an administrator"
		    NOT_UNSANDBOXED);
	DIE("the new user namespace came without capabilities (a security module restricts "
	    "unprivileged user namespaces)" NOT_UNSANDBOXED);
}

static void loopback_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		DIE("socket(AF_INET) for lo: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		DIE("loopback: SIOCGIFFLAGS(lo): %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		DIE("loopback: SIOCSIFFLAGS(lo, up): %s", strerror(errno));
	close(s);
}

static void disable_userns(uid_t ns_uid, gid_t ns_gid)
{
	int r = write_file_at(proc_fd, "sys/user/max_user_namespaces", "1");

	if (r < 0)
		DIE("sysctl user.max_user_namespaces = 1: %s", strerror(-r));
	if (unshare(CLONE_NEWUSER) < 0)
		DIE("unshare user ns: %s", strerror(errno));
	/* the map files are ours to write only while we are dumpable; no
	 * other process runs in the sandbox yet */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		DIE("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	write_maps(ns_uid, ns_uid, ns_gid, ns_gid);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		DIE("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
}

static void take_locks(void)
{
	for (size_t i = 0; i < opts.nlocks; i++) {
		/* a read lock: a writer outside sees the sandbox as running */
		struct flock l = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
		/* no O_CLOEXEC: PID 1 re-execs itself, and closing any fd of
		 * the file would drop the lock */
		int fd = open(opts.locks[i], O_RDONLY | O_NONBLOCK | O_NOCTTY);
		struct stat st;

		if (fd < 0)
			DIE("Unable to open lock file %s: %s", opts.locks[i],
			    strerror(errno));
		/* a FIFO or a device would block or act on open: files only */
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			DIE("Unable to lock file %s: not a regular file",
			    opts.locks[i]);
		if (fcntl(fd, F_SETLK, &l) < 0)
			DIE("Unable to lock file %s: %s", opts.locks[i],
			    strerror(errno));
		lock_fds[i] = fd;	/* held until we exit */
	}
}

/* stage 7: PID 1 execs itself afresh. Its memory then belongs to the
 * sandbox's user namespace (mm->user_ns is set at exec), so with
 * PR_SET_DUMPABLE 0 the caller who owns that namespace may still open
 * /proc/PID/ns/ (--info-fd's "child-pid", bwrap's --userns/--pidns use),
 * while the command, which holds no capability there, cannot ptrace it. */
static __attribute__((noreturn)) void become_init(pid_t child, int ready_fd)
{
	char a1[16], a2[16], a3[16];
	char *args[] = { "bro-run", "--internal-init", a1, a2, a3, NULL };
	char *env[] = { NULL };

	snprintf(a1, sizeof(a1), "%d", child);
	snprintf(a2, sizeof(a2), "%d", opts.sync_fd);
	snprintf(a3, sizeof(a3), "%d", ready_fd);
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		DIE("close_range: %s", strerror(errno));
	/* the command waits for this to close: until then we are dumpable */
	if (fcntl(ready_fd, F_SETFD, 0) < 0)
		DIE("fcntl(F_SETFD): %s", strerror(errno));
	for (size_t i = 0; i < opts.nlocks; i++)
		fcntl(lock_fds[i], F_SETFD, 0);
	if (opts.sync_fd >= 0 && fcntl(opts.sync_fd, F_SETFD, 0) < 0)
		DIE("--sync-fd %d: %s", opts.sync_fd, strerror(errno));
	execveat(self_fd, "", args, env, AT_EMPTY_PATH);
	kill(child, SIGKILL);
	DIE("PID 1: execveat(bro-run): %s", strerror(errno));
}

/* PID 1 without the re-exec: nothing open but 0-2, the locks, --sync-fd */
static void close_all_but_locks(void)
{
	unsigned from = 3;

	for (;;) {
		unsigned next = ~0U;

		for (size_t i = 0; i <= opts.nlocks; i++) {
			int fd = i < opts.nlocks ? lock_fds[i] : opts.sync_fd;

			if (fd >= (int)from && (unsigned)fd < next)
				next = (unsigned)fd;
		}
		if (next > from &&
		    close_range(from, next == ~0U ? ~0U : next - 1, 0) < 0)
			DIE("close_range: %s", strerror(errno));
		if (next == ~0U)
			return;
		from = next + 1;
	}
}

static int init_main(char **argv)
{
	int child = atoi(argv[2]), sync_fd = atoi(argv[3]), ready_fd = atoi(argv[4]);
	siginfo_t si = { 0 };

	/* only ever bro-run's own PID 1, whose child the command is */
	if (child <= 0 || waitid(P_PID, (id_t)child, &si,
				 WEXITED | WNOHANG | WNOWAIT) < 0)
		DIE("--internal-init: %d is not our child (this mode is bro-run's own)",
		    child);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		DIE("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	/* only now may the command run: the exec made us dumpable again */
	if (ready_fd > 2)
		close(ready_fd);
	prctl(PR_SET_NAME, "bro-run", 0, 0, 0);	/* not the fd's number */
	return run_init(child, sync_fd);
}

/* --- stage 4: one CPU for the set-up ------------------------------------ */

/* The launcher, the child and the command's set-up run one after the other,
 * each waiting for the one before. Left to the scheduler, a new process is
 * often placed on another CPU, behind whatever runs there (on a busy
 * machine: a time slice of someone else's, up to milliseconds); pinned to
 * the launcher's CPU, it runs as soon as the launcher sleeps. Every process
 * gets the caller's affinity back before it waits or execs the command. An
 * optimization only: if it cannot be done, nothing is pinned. */
static void pin_setup(void)
{
	cpu_set_t one;
	int cpu;

	if (sched_getaffinity(0, sizeof(cpus), &cpus) < 0 ||
	    (cpu = sched_getcpu()) < 0 || CPU_COUNT(&cpus) < 2)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	pinned = sched_setaffinity(0, sizeof(one), &one) == 0;
}

/* the caller's affinity back; failing that, stop: the command would run
 * with another affinity than the caller's */
static void unpin(void)
{
	if (pinned && sched_setaffinity(0, sizeof(cpus), &cpus) < 0)
		DIE("sched_setaffinity (the caller's CPUs back): %s",
		    strerror(errno));
	pinned = false;
}

/* --- stage 8: the command ----------------------------------------------- */

/* bwrap's rules: a root caller who named no capability keeps its own set
 * untouched; otherwise the requested set becomes effective, permitted,
 * inheritable and ambient (so it survives exec for any uid), and in a user
 * namespace the bounding set is cut to it. With nothing requested in a user
 * namespace we made, the securebits are locked too, so that uid 0 there
 * regains nothing at exec. */
static void drop_caps(bool in_userns, bool own_userns)
{
	uint64_t want = opts.caps;
	const char *step = NULL;
	struct capsets c;
	int r;

	if (real_uid == 0 && !opts.caps_given)
		goto nnp;
	if (!want && own_userns) {
		r = caps_drop_for_exec(true, true, &step);
		if (r < 0)
			DIE("%s: %s", step, strerror(-r));
		return;
	}
	if (in_userns)
		for (int cap = 0; cap <= 63; cap++) {
			if (want & (1ULL << cap))
				continue;
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
			    errno != EINVAL && errno != EPERM)
				DIE("Dropping capability %d from bounds: %s",
				    cap, strerror(errno));
		}
	if (caps_get(&c) < 0)
		DIE("capget: %s", strerror(errno));
	want &= c.prm;
	c.eff = c.prm = c.inh = want;
	if (caps_set(&c) < 0)
		DIE("capset: %s", strerror(errno));
	for (int cap = 0; cap <= 63; cap++)
		if ((want & (1ULL << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 &&
		    errno != EINVAL && errno != EPERM)
			DIE("Adding ambient capability %d: %s", cap,
			    strerror(errno));
nnp:
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		DIE("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
}

static void apply_env(void)
{
	for (size_t i = 0; i < opts.nenv; i++) {
		const struct env_op *e = &opts.env[i];

		if (e->type == ENV_CLEAR)
			clearenv();
		else if (e->type == ENV_UNSET)
			unsetenv(e->name);
		else if (setenv(e->name, e->value, 1) < 0)
			DIE("setenv(%s): %s", e->name, strerror(errno));
	}
}

/* execvp(3) as glibc does it, whichever libc bro-run is linked with: each
 * directory of $PATH (or "/bin:/usr/bin"), EACCES remembered while the
 * search goes on, and a file the kernel will not execute (ENOEXEC: a script
 * without "#!") run by /bin/sh. Only execve() once the seccomp programs are
 * loaded; returns with errno set if nothing could be run. */
static void exec_search(const char *file, char **argv, char **sh_argv)
{
	const char *path = getenv("PATH"), *p, *end;
	char buf[PATH_MAX];
	bool eacces = false;

	if (strchr(file, '/')) {
		execve(file, argv, environ);
		if (errno == ENOEXEC)
			goto script;
		return;
	}
	if (!path)
		path = "/bin:/usr/bin";
	if (!*file || strlen(file) >= NAME_MAX + 1) {
		errno = *file ? ENAMETOOLONG : ENOENT;
		return;
	}
	for (p = path;; p = end + 1) {
		size_t n;

		end = strchrnul(p, ':');
		n = (size_t)(end - p);
		if (n + 1 + strlen(file) + 1 <= sizeof(buf)) {
			/* an empty entry is the current directory */
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (n)
				strcat(buf, "/");
			strcat(buf, file);
			execve(buf, argv, environ);
			if (errno == ENOEXEC) {
				file = buf;
				goto script;
			}
			if (errno == EACCES)
				eacces = true;
			else if (errno != ENOENT && errno != ENOTDIR &&
				 errno != ESTALE && errno != ENODEV &&
				 errno != ETIMEDOUT)
				return;
		}
		if (!*end)
			break;
	}
	if (eacces)
		errno = EACCES;
	return;
script:
	sh_argv[0] = "/bin/sh";
	sh_argv[1] = (char *)file;
	for (size_t i = 1; argv[i]; i++)
		sh_argv[i + 1] = argv[i];
	execve("/bin/sh", sh_argv, environ);
	errno = ENOEXEC;
}

static __attribute__((noreturn)) void exec_command(bool in_userns,
						   bool own_userns)
{
	const char *cwd = "/";
	char *file = opts.cmd[0];
	char **sh_argv;
	size_t argc;

	if (opts.block_fd >= 0) {
		char b;

		while (read(opts.block_fd, &b, 1) < 0 && errno == EINTR)
			;
		close(opts.block_fd);
	}
	if (opts.new_session && setsid() < 0)
		DIE("setsid: %s", strerror(errno));
	apply_env();
	if (opts.chdir) {
		if (chdir(opts.chdir) < 0)
			DIE("Can't chdir to %s: %s", opts.chdir, strerror(errno));
		cwd = opts.chdir;
	} else if (old_cwd && chdir(old_cwd) == 0) {
		cwd = old_cwd;
	} else if (chdir("/") < 0) {
		DIE("chdir(/): %s", strerror(errno));
	}
	if (setenv("PWD", cwd, 1) < 0)
		DIE("setenv(PWD): %s", strerror(errno));
	drop_caps(in_userns, own_userns);
	if (opts.no_userns)
		run_landlock_apply(&opts);	/* landlock.c */
	if (opts.argv0)
		opts.cmd[0] = (char *)opts.argv0;
	/* everything above 2 closes at exec, the setup pipe included */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		DIE("close_range: %s", strerror(errno));
	/* --as-pid-1 has no PID 1 of ours to hold --sync-fd: the command does */
	if (opts.as_pid_1 && opts.sync_fd >= 0 &&
	    fcntl(opts.sync_fd, F_SETFD, 0) < 0)
		DIE("--sync-fd %d: %s", opts.sync_fd, strerror(errno));
	for (argc = 0; opts.cmd[argc]; argc++)
		;
	sh_argv = calloc(argc + 2, sizeof(*sh_argv));
	if (!sh_argv)
		DIE("calloc: %s", strerror(errno));
	unpin();		/* before a seccomp program may refuse it */
	run_signals_unblock();
	/* no typing into the caller's terminal (CVE-2017-5226), also without
	 * --new-session; before the caller's programs, which may refuse
	 * seccomp() itself. Not with --report and the hardening profile: it
	 * refuses the same ioctls itself, and kills foreign ABIs, but this
	 * filter's EPERM would outrank its notification (not reported) */
	if (tty_reachable && !(opts.report && opts.seccomp_hardening)) {
		const char *step;
		int r = confine_tty_load(&step);

		if (r < 0)
			DIE("%s: %s (refusing TIOCSTI)", step, strerror(-r));
	}
	run_seccomp_profiles(&opts);	/* seccomp.c: built-in profiles */
	/* last: a filter may refuse every call but execve */
	for (size_t i = 0; i < nprogs; i++) {
		struct sock_fprog p = { .len = progs[i].len,
					.filter = progs[i].insns };

		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p) < 0) {
			if (errno == EINVAL)
				DIE("Unable to set up system call filtering as requested: "
				    "prctl(PR_SET_SECCOMP) reported EINVAL (an invalid program?)");
			DIE("prctl(PR_SET_SECCOMP): %s", strerror(errno));
		}
	}
	exec_search(file, opts.cmd, sh_argv);
	DIE("execvp %s: %s", file, strerror(errno));
}

/* --- main --------------------------------------------------------------- */

/* can the command reach a terminal to type into? Its controlling terminal
 * (open("/dev/tty") works even when fds 0-2 are no terminal), or, for a
 * caller that keeps CAP_SYS_ADMIN, any terminal among fds 0-2. Without one
 * there is nothing to protect, and bwrap's suite checks that no filter is
 * there by default. */
static bool terminal_reachable(void)
{
	int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	return isatty(0) || isatty(1) || isatty(2);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void validate(void)
{
	if (opts.disable_userns && !opts.unshare_user)
		DIE("--disable-userns requires --unshare-user");
	if (opts.disable_userns && opts.userns_block_fd >= 0)
		DIE("--disable-userns is not compatible with --userns-block-fd");
	if (opts.userns_fd >= 0 && opts.unshare_user)
		DIE("--userns not compatible --unshare-user");
	if (opts.userns_fd >= 0 && opts.disable_userns)
		DIE("--userns not compatible with --disable-userns");
	if (opts.userns2_fd >= 0 && opts.userns_fd < 0)
		DIE("--userns2 requires --userns");
	if (!opts.unshare_user && opts.userns_fd < 0 && opts.uid >= 0 &&
	    (uid_t)opts.uid != real_uid)
		DIE("Specifying --uid requires --unshare-user or --userns");
	if (!opts.unshare_user && opts.userns_fd < 0 && opts.gid >= 0 &&
	    (gid_t)opts.gid != real_gid)
		DIE("Specifying --gid requires --unshare-user or --userns");
	if (!opts.unshare_uts && opts.hostname)
		DIE("Specifying --hostname requires --unshare-uts");
	if (opts.as_pid_1 && !opts.unshare_pid)
		DIE("Specifying --as-pid-1 requires --unshare-pid");
	if (opts.as_pid_1 && opts.nlocks)
		DIE("Specifying --as-pid-1 and --lock-file is not permitted");
}

static bool userns_allowed(void)
{
	return read_long("/proc/sys/user/max_user_namespaces") != 0 &&
	       read_long("/sys/module/user_namespace/parameters/enable") != 0;
}

int main(int argc, char **argv)
{
	struct clone_args ca = { .exit_signal = SIGCHLD };
	int go[2] = { -1, -1 }, setup[2], pidfd = -1, parent_pidfd = -1, r, code;
	uint64_t flags = CLONE_NEWNS | CLONE_PIDFD;
	bool own_userns, need_init, need_go;
	struct capsets c;
	char nsids[512];
	bool in_egress_netns = false;
	pid_t pid;

	/* stage 1 */
	if (argc == 5 && !strcmp(argv[1], "--internal-init")) {
		log_init(run_prog);
		return init_main(argv);
	}
	if (!strcmp(base_name(argv[0]), "bwrap"))
		run_prog = "bwrap";
	log_init(run_prog);
	log_set_level(LOG_P_DEBUG);
	real_uid = getuid();
	real_gid = getgid();
	if (geteuid() != real_uid || getegid() != real_gid)
		DIE("refusing to run setuid or setgid (bwrap's setuid mode is not supported): "
		    "install bro-run without the set-user-ID bit");
	if (caps_get(&c) < 0)
		DIE("capget: %s", strerror(errno));
	if (real_uid != 0 && (c.eff || c.prm))
		DIE("refusing to run with file capabilities: install bro-run without them");

	/* stage 2; RUN_NETNS_MARK: re-run by --egress-netns (egress.c) */
	if (argc > 1 && !strcmp(argv[1], RUN_NETNS_MARK)) {
		in_egress_netns = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	run_opts_init(&opts, real_uid == 0 ? c.eff : 0);
	opts.read_fd = read_all;
	opts.warn = warn_store;
	r = run_args_parse(&opts, argc, argv);
	log_set_prefix_level(opts.level_prefix);
	for (int i = 0; i < nwarnings; i++)
		log_warn("%s", warnings[i]);
	if (r < 0)
		DIE("%s", opts.err);
	if (opts.help) {
		usage(stdout, argv[0]);
		return 0;
	}
	if (opts.version) {
		printf("bro-run %s\n", BRO_VERSION);
		return 0;
	}
	if (!opts.cmd || !opts.ncmd) {
		usage(stderr, argv[0]);
		return 1;
	}

	if (opts.egress_netns) {	/* egress.c: no return */
		if (in_egress_netns)
			DIE("--egress-netns: already re-run through bro-netns exec (a loop)");
		run_egress_netns_exec(&opts, argc, argv);
	}

	/* stage 3 */
	tty_reachable = terminal_reachable();
	if (opts.no_userns) {		/* landlock.c: no namespace at all */
		run_landlock_prepare(&opts);
		read_seccomp();
		old_cwd = get_current_dir_name();	/* the command starts here */
		if (opts.die_with_parent &&
		    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			DIE("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
		opts.caps = 0;
		opts.caps_given = true;
		exec_command(false, false);
	}
	if (real_uid != 0 && opts.userns_fd < 0)
		opts.unshare_user = true;
	if (opts.unshare_user_try && userns_allowed())
		opts.unshare_user = true;
	if (opts.unshare_cgroup_try)
		opts.unshare_cgroup = access("/proc/self/ns/cgroup", F_OK) == 0;
	if (opts.egress)	/* egress.c: always a user namespace */
		opts.unshare_user = true;
	validate();
	if (opts.unshare_user)
		userns_precheck();
	read_seccomp();
	if (opts.egress)	/* egress.c: the waiter stays here */
		run_egress_start(&opts);
	if (opts.nrelays)
		run_relay_prepare(&opts);	/* relay.c: pins, host listeners */
	if (run_notify_wanted(&opts))
		run_unixbroker_prepare(&opts);	/* unixbroker.c: pins */
	old_cwd = get_current_dir_name();
	proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		DIE("Can't open /proc: %s", strerror(errno));
	own_userns = opts.unshare_user;
	need_init = !opts.as_pid_1 && (opts.unshare_pid || opts.nlocks ||
					opts.sync_fd >= 0);
	if (opts.nlocks > sizeof(lock_fds) / sizeof(lock_fds[0]))
		DIE("too many --lock-file options (at most %zu)",
		    sizeof(lock_fds) / sizeof(lock_fds[0]));
	/* PID 1 re-execs itself only where its /proc/PID/ns is published
	 * (--info-fd, --json-status-fd): an exec is most of its cost */
	if (need_init && (opts.info_fd >= 0 || opts.json_status_fd >= 0)) {
		self_fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
		if (self_fd < 0)
			DIE("open(/proc/self/exe): %s", strerror(errno));
	}

	/* stage 4 */
	if (opts.die_with_parent) {
		pid_t ppid = getppid();

		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			DIE("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
		if (getppid() != ppid)	/* it died before the prctl */
			return 1;
	}
	parent_pidfd = pidfd_open(getpid(), 0);
	if (parent_pidfd < 0)
		DIE("pidfd_open(self): %s", strerror(errno));
	/* the child waits for the launcher only where the launcher has
	 * something to do first: read the child's namespaces while it is
	 * still dumpable (--info-fd, --json-status-fd), wait for
	 * --userns-block-fd, switch to --userns2. Otherwise the launcher turns
	 * non-dumpable before the clone (the child inherits that and turns
	 * dumpable only to write its maps), and the child goes on at once. */
	need_go = opts.info_fd >= 0 || opts.json_status_fd >= 0 ||
		  opts.userns_block_fd >= 0 || opts.userns2_fd >= 0;
	if ((need_go && pipe2(go, O_CLOEXEC) < 0) ||
	    pipe2(setup, O_CLOEXEC) < 0)
		DIE("pipe2: %s", strerror(errno));
	if (!need_go && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		DIE("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	run_signals_block();
	if (opts.userns_fd >= 0 && setns(opts.userns_fd, CLONE_NEWUSER) < 0) {
		if (errno == EINVAL)
			DIE("Joining the specified user namespace failed, it might not be a descendant of the current user namespace.");
		DIE("Joining specified user namespace failed: %s",
		    strerror(errno));
	}
	if (opts.pidns_fd >= 0 && setns(opts.pidns_fd, CLONE_NEWPID) < 0)
		DIE("Setting pidns failed: %s", strerror(errno));
	if (opts.unshare_user)
		flags |= CLONE_NEWUSER;
	if (opts.unshare_pid)
		flags |= CLONE_NEWPID;
	if (opts.unshare_net)
		flags |= CLONE_NEWNET;
	if (opts.unshare_ipc)
		flags |= CLONE_NEWIPC;
	if (opts.unshare_uts)
		flags |= CLONE_NEWUTS;
	if (opts.unshare_cgroup)
		flags |= CLONE_NEWCGROUP;
	ca.flags = flags;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	pin_setup();
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		clone_failed(errno, opts.unshare_user);

	if (pid > 0) {
		/* stage 5: the launcher */
		unpin();
		close(setup[1]);
		if (!need_go) {
			run_relay_start(&opts);
			run_unixbroker_start(&opts);	/* unixbroker.c */
			code = run_monitor(pidfd, pid, setup[0], -1);
			run_relay_stop();
			return write_report(code);
		}
		close(go[0]);
		if (opts.info_fd >= 0)
			ns_ids(pid, false, nsids, sizeof(nsids));
		if (opts.userns2_fd >= 0 &&
		    setns(opts.userns2_fd, CLONE_NEWUSER) < 0)
			DIE("Setting userns2 failed: %s", strerror(errno));
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			DIE("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
		if (opts.info_fd >= 0) {
			run_write_info(opts.info_fd, pid, false, nsids);
			close(opts.info_fd);
		}
		if (opts.json_status_fd >= 0) {
			ns_ids(pid, true, nsids, sizeof(nsids));
			run_write_info(opts.json_status_fd, pid, true, nsids);
		}
		if (opts.userns_block_fd >= 0) {
			char b;

			while (read(opts.userns_block_fd, &b, 1) < 0 &&
			       errno == EINTR)
				;
			close(opts.userns_block_fd);
		}
		if (write(go[1], "g", 1) < 0) {
			/* the child died: the monitor reports its status */
		}
		close(go[1]);
		run_relay_start(&opts);		/* relay.c */
		run_unixbroker_start(&opts);	/* unixbroker.c */
		code = run_monitor(pidfd, pid, setup[0], opts.json_status_fd);
		run_relay_stop();
		return write_report(code);
	}

	/* stage 6: the child, in the new namespaces */
	if (need_go)
		close(go[1]);
	close(setup[0]);
	run_egress_child_close();	/* --report's pipe is the launcher's */
	setup_fail_fd = setup[1];
	atexit(report_failure);
	if (opts.info_fd >= 0)
		close(opts.info_fd);
	if (opts.json_status_fd >= 0)
		close(opts.json_status_fd);
	if (opts.die_with_parent) {
		struct pollfd p = { .fd = parent_pidfd, .events = POLLIN };

		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			DIE("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
		if (poll(&p, 1, 0) > 0)
			_exit(1);	/* the launcher died already */
	}
	close(parent_pidfd);
	if (need_go) {
		char b;
		ssize_t n;

		while ((n = read(go[0], &b, 1)) < 0 && errno == EINTR)
			;
		if (n != 1)
			_exit(1);
		close(go[0]);
	}
	if (own_userns && opts.userns_block_fd < 0) {
		check_userns_caps();
		/* non-dumpable since the clone (!need_go): the map files
		 * would be root's, not ours to write */
		if (!need_go && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			DIE("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
		write_maps(opts.uid >= 0 ? (uid_t)opts.uid : real_uid, real_uid,
			   opts.gid >= 0 ? (gid_t)opts.gid : real_gid, real_gid);
	}
	if (opts.userns_block_fd >= 0)
		close(opts.userns_block_fd);
	/* the maps are written: from here on, no ptrace and no /proc/PID/mem */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		DIE("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	umask(0);
	mount_open_sources(&opts);
	if (opts.unshare_net)
		loopback_up();
	if (opts.nrelays)
		run_relay_child(&opts);	/* relay.c: the listeners, lo up */
	if (opts.hostname && sethostname(opts.hostname,
					  strlen(opts.hostname)) < 0)
		DIE("Can't set hostname to %s: %s", opts.hostname,
		    strerror(errno));
	{
		struct mount_ctx m = {
			.pid_ns = opts.unshare_pid || opts.pidns_fd >= 0,
			.userns = own_userns || opts.userns_fd >= 0,
		};

		mount_build(&opts, &m);
	}
	if (opts.userns2_fd >= 0 && setns(opts.userns2_fd, CLONE_NEWUSER) < 0)
		DIE("Setting userns2 failed: %s", strerror(errno));
	if (opts.disable_userns)
		disable_userns(opts.uid >= 0 ? (uid_t)opts.uid : real_uid,
			       opts.gid >= 0 ? (gid_t)opts.gid : real_gid);
	if (opts.disable_userns || opts.assert_userns_disabled) {
		if (unshare(CLONE_NEWUSER) == 0)
			DIE("creation of new user namespaces was not disabled as requested");
	}
	close(proc_fd);
	umask(022);

	/* stage 7: PID 1 */
	if (need_init) {
		pid_t child, init_pid = getpid();
		int ready[2] = { -1, -1 };

		take_locks();	/* before the command exists: a failure stops all */
		/* PID 1 that re-execs is dumpable from its exec to its prctl():
		 * the command starts only once it is not (EOF on ready[0]) */
		if (self_fd >= 0 && pipe2(ready, O_CLOEXEC) < 0)
			DIE("pipe2: %s", strerror(errno));
		child = fork();
		if (child < 0)
			DIE("fork: %s", strerror(errno));
		if (child > 0) {
			setup_fail_fd = -1;	/* the command's now */
			close(setup[1]);
			unpin();
			if (opts.block_fd >= 0)
				close(opts.block_fd);
			r = caps_drop_for_exec(true, true,
					       &(const char *){ NULL });
			if (r < 0) {
				kill(child, SIGKILL);
				DIE("dropping capabilities in PID 1: %s",
				    strerror(-r));
			}
			if (self_fd >= 0) {
				close(ready[0]);
				become_init(child, ready[1]);
			}
			close_all_but_locks();
			prctl(PR_SET_NAME, "bro-run", 0, 0, 0);
			exit(run_init(child, opts.sync_fd));
		}
		if (self_fd >= 0) {
			char b;

			close(self_fd);
			close(ready[1]);
			while (read(ready[0], &b, 1) < 0 && errno == EINTR)
				;
			close(ready[0]);
		}
		/* the command never outlives our PID 1 (without a PID
		 * namespace, nothing else would see to that) */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			DIE("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
		if (getppid() != init_pid)
			_exit(1);	/* it died before the prctl */
		for (size_t i = 0; i < opts.nlocks; i++)
			close(lock_fds[i]);
		if (opts.sync_fd >= 0)
			close(opts.sync_fd);
	}

	/* stage 8 */
	exec_command(own_userns || opts.userns_fd >= 0, own_userns);
}
