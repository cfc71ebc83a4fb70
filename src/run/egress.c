/* SPDX-License-Identifier: MIT
 *
 * egress.c - bro-run --egress PROXY_URL: the sandbox's network namespace is
 * a transient bro-netns namespace, so every TCP connection and DNS query of
 * the command is captured by nftables and carried by bro-netns's relay
 * through the proxy (doc/bro-netns.md). One implementation of the capture:
 * bro-run drives the bro-netns binary installed next to its own executable
 * (/proc/self/exe's directory, opened once and executed by fd; never $PATH
 * or an environment variable) and changes nothing of it.
 *
 * The processes
 * =============
 *  waiter	 the process the caller started. Runs `bro-netns create
 *		 --name bro-run-PID-RAND --proxy URL [--allow|--deny P]...`,
 *		 then forks the launcher and stays in the caller's
 *		 namespaces: forwards the signals bro-run forwards, waits
 *		 for the launcher, writes --report from `bro-netns log`, and
 *		 runs `bro-netns destroy` (which also SIGKILLs anything of
 *		 the sandbox still in the namespace). It cannot be inside:
 *		 destroy kills every process in the namespace but itself.
 *		 It exits with the launcher's status once all is gone, so
 *		 when bro-run returns nothing is left, whatever the exit
 *		 (normal, error in set-up, a signal to bro-run or to the
 *		 command). Not covered: SIGKILL of the waiter itself (the
 *		 launcher dies with it, PDEATHSIG; the namespace stays until
 *		 `bro-netns destroy bro-run-...`).
 *  launcher	 asks the relay for the namespace fds over its control
 *		 socket (as `bro-netns exec` does: "fds", the peer's UID
 *		 checked), checks them as exec does rootless (a network
 *		 namespace whose user namespace our UID created directly
 *		 below ours, and the one the relay holds: lib/nsutil), joins
 *		 the user namespace, then the network namespace, and goes on
 *		 as bro-run always does. Its clone() then makes the sandbox's
 *		 user namespace *inside* bro-netns's: the command is root
 *		 there at most, with no capability over the egress network
 *		 namespace (owned by the parent user namespace), so it cannot
 *		 change the routes or nftables rules that confine it.
 * --report's seccomp part is recorded by the launcher (its supervisor
 * thread, unixbroker.c) and must reach the waiter, who writes the file: a
 * pipe made before the fork, the waiter reading while the launcher
 * writes ("LEN\n" then the JSON object, once the sandbox is gone). A pipe,
 * not a file: nothing on a filesystem the sandbox might see or that a
 * crash would leave behind, no size limit from its buffer (the waiter
 * drains it as it comes), and a launcher killed half-way shows as a short
 * length ("seccomp":null, and a line saying so), never as half an object.
 * --unshare-net (or --unshare-all) with --egress: the egress namespace is
 * the sandbox's new network namespace; no second one is made. --share-net
 * with --egress: the same (--egress decides). --egress needs a user
 * namespace: it is always made, also for root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux-api.h"
#include "log.h"
#include "nsutil.h"
#include "run.h"

#define DIE(...) log_die(1, __VA_ARGS__)

extern char **environ;

static int netns_bin = -1;		/* O_PATH of bro-netns */
static char ns_name[40];
static pid_t waiter_pid;		/* the process that destroys it */
static int rep_pipe[2] = { -1, -1 };	/* --report: launcher -> waiter */
#define REP_MAX	(16u << 20)		/* the seccomp part, at most */

/* --- running bro-netns ------------------------------------------------- */

static void open_netns_bin(void)
{
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 16);

	if (n < 0)
		DIE("--egress: readlink(/proc/self/exe): %s", strerror(errno));
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		DIE("--egress: /proc/self/exe: not a path: %s", exe);
	strcpy(slash + 1, "bro-netns");
	netns_bin = open(exe, O_PATH | O_CLOEXEC);
	if (netns_bin < 0)
		DIE("--egress: open(%s): %s (bro-netns must be installed next to bro-run)",
		    exe, strerror(errno));
}

/* --egress-netns NAME: execveat(bro-netns, ["bro-netns", "exec", NAME, "--",
 * EXE, RUN_NETNS_MARK, the arguments but --egress-netns NAME]): bro-netns
 * checks the namespace is the caller's, enters it, drops its capabilities,
 * sets no_new_privs and its seccomp filter, closes every fd above 2 and
 * execs EXE: bro-run again, which then goes on with the rest (--no-userns
 * or not) inside the namespace. EXE is /proc/self/exe's path, looked up
 * again by bro-netns's execvp: no privilege boundary is crossed by that
 * name (bro-netns has dropped its capabilities before it execs, and the
 * path is one the caller could run anyway), so a file swapped in between
 * gains nothing the caller did not have. An fd cannot be used: bro-netns
 * closes them. RUN_NETNS_MARK only prevents a loop: bro-run refuses
 * --egress-netns once it is there, it changes nothing else. */
void run_egress_netns_exec(struct run_opts *o, int argc, char **argv)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char **v;
	int k = 0;

	if (n < 0)
		DIE("--egress-netns: readlink(/proc/self/exe): %s", strerror(errno));
	exe[n] = '\0';
	if (o->egress_netns_at < argv + 1 || o->egress_netns_at >= argv + argc - 1)
		DIE("--egress-netns: not accepted in an --args file");
	open_netns_bin();
	v = calloc((size_t)argc + 8, sizeof(*v));
	if (!v)
		DIE("--egress-netns: out of memory");
	v[k++] = "bro-netns";
	v[k++] = "exec";
	v[k++] = o->egress_netns;
	v[k++] = "--";
	v[k++] = exe;
	v[k++] = RUN_NETNS_MARK;
	for (int i = 1; i < argc; i++) {
		if (argv + i == o->egress_netns_at) {
			i++;
			continue;
		}
		v[k++] = argv[i];
	}
	v[k] = NULL;
	syscall(SYS_execveat, netns_bin, "", v, environ, AT_EMPTY_PATH);
	DIE("--egress-netns: execveat(bro-netns): %s", strerror(errno));
}

/* run bro-netns ARGV (argv[0] included); its stdout into @out (at most
 * @size - 1 bytes kept, NUL-terminated) or /dev/null; Return: wait status */
int run_netns_cmd(const char *const *argv, char *out, size_t size)
{
	int p[2] = { -1, -1 }, st;
	size_t got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		DIE("--egress: pipe2: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		DIE("--egress: fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = out ? p[1] : open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		/* `log` of a namespace no connection was made in says so */
		if (out && (fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0)
			dup2(fd, 2);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* none of the caller's fds (--info-fd, --sync-fd ...) goes to
		 * bro-netns: its relay would hold them as long as it lives */
		if ((netns_bin > 3 && close_range(3, (unsigned)netns_bin - 1, 0) < 0) ||
		    close_range((unsigned)netns_bin + 1, ~0U, 0) < 0)
			_exit(127);
		syscall(SYS_execveat, netns_bin, "", argv, environ, AT_EMPTY_PATH);
		log_err("--egress: execveat(bro-netns): %s", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char junk[4096];
		char *b = out && got + 1 < size ? out + got : junk;
		size_t room = out && got + 1 < size ? size - 1 - got : sizeof(junk);
		ssize_t r = read(p[0], b, room);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (b != junk)
			got += (size_t)r;
	}
	close(p[0]);
	if (out)
		out[got] = '\0';
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			DIE("--egress: waitpid(bro-netns): %s", strerror(errno));
	return st;
}

static void destroy(void)
{
	const char *argv[] = { "bro-netns", "destroy", ns_name, NULL };
	int st = run_netns_cmd(argv, NULL, 0);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		log_err("--egress: bro-netns destroy %s failed (status %d)",
			ns_name, st);
}

/* atexit: the waiter dying in an error removes what it made */
static void destroy_at_exit(void)
{
	if (getpid() == waiter_pid && ns_name[0])
		destroy();
	ns_name[0] = '\0';
}

/* --- the namespace fds, from the relay --------------------------------- */

static int state_dir(char *buf, size_t size)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	int n;

	if (getuid() == 0)
		rt = "/run";
	else if (!rt || rt[0] != '/')
		DIE("--egress: XDG_RUNTIME_DIR is not set (bro-netns keeps its state there)");
	n = snprintf(buf, size, "%s/bro/netns/%s/ctl", rt, ns_name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/**
 * ctl_ask() - one request to bro-netns's control socket (src/netns/state.c:
 *	       a SOCK_SEQPACKET message; the answer, and for "fds" the network
 *	       namespace and its user namespace by SCM_RIGHTS); the peer must
 *	       run as our UID
 * @req:	"fds" or "stats"
 * @rep:	the answer, NUL-terminated
 * @fds:	for "fds", else NULL
 * Return: 0, or -errno (the step named in @rep)
 */
static int ctl_ask(const char *req, char *rep, size_t size, int fds[2])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { .iov_base = rep, .iov_len = size - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
	struct ucred cr;
	socklen_t l = sizeof(cr);
	struct cmsghdr *h;
	const char *step;
	ssize_t n;
	int s, r;

	if (state_dir(sa.sun_path, sizeof(sa.sun_path)) < 0) {
		snprintf(rep, size, "XDG_RUNTIME_DIR is too long for a socket path");
		return -ENAMETOOLONG;
	}
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0) {
		r = -errno;
		snprintf(rep, size, "socket(AF_UNIX): %s", strerror(errno));
		return r;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	step = "connect";
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	step = "SO_PEERCRED";
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
		goto fail;
	if (cr.uid != getuid()) {
		errno = EPERM;
		goto fail;
	}
	step = "send";
	if (send(s, req, strlen(req), MSG_NOSIGNAL) < 0)
		goto fail;
	step = "recvmsg";
	n = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
	if (n < 0)
		goto fail;
	close(s);
	rep[n] = '\0';
	for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
			size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int got[2];

			memcpy(got, CMSG_DATA(h), (k > 2 ? 2 : k) * sizeof(int));
			for (size_t i = 0; i < k && i < 2; i++) {
				if (fds)
					fds[i] = got[i];
				else
					close(got[i]);
			}
		}
	return 0;
fail:
	r = -errno;
	snprintf(rep, size, "%s(%s): %s", step, sa.sun_path, strerror(errno));
	close(s);
	return r;
}

static bool same_ns(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* checked as bro-netns exec checks a rootless namespace, then joined */
static void join(void)
{
	int fds[2] = { -1, -1 }, owner, type;
	char rep[300];

	if (ctl_ask("fds", rep, sizeof(rep), fds) < 0)
		DIE("--egress: %s", rep);
	if (strcmp(rep, "ok") || fds[0] < 0 || fds[1] < 0)
		DIE("--egress: %s: unexpected answer to \"fds\"", ns_name);
	type = ns_type(fds[0]);
	if (type != CLONE_NEWNET)
		DIE("--egress: %s: refused: not a network namespace", ns_name);
	owner = ns_owned_userns(fds[0], getuid());
	if (owner < 0 || !same_ns(owner, fds[1]))
		DIE("--egress: %s: refused: the network namespace is not in the relay's user namespace, made by uid %u",
		    ns_name, (unsigned)getuid());
	if (setns(owner, CLONE_NEWUSER) < 0)
		DIE("--egress: setns(%s, user namespace): %s", ns_name,
		    strerror(errno));
	if (setns(fds[0], CLONE_NEWNET) < 0)
		DIE("--egress: setns(%s, network namespace): %s", ns_name,
		    strerror(errno));
	close(owner);
	close(fds[0]);
	close(fds[1]);
}

/* --- the waiter --------------------------------------------------------- */

/* the launcher's side: "LEN\n" and @seccomp ("null" if NULL) */
void run_egress_report_send(const char *seccomp)
{
	const char *s = seccomp ? seccomp : "null";
	size_t len = strlen(s), off = 0;
	char hdr[32];
	int n = snprintf(hdr, sizeof(hdr), "%zu\n", len);

	if (rep_pipe[1] < 0)
		return;
	if (write(rep_pipe[1], hdr, (size_t)n) != n)
		goto fail;
	while (off < len) {
		ssize_t w = write(rep_pipe[1], s + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	close(rep_pipe[1]);
	rep_pipe[1] = -1;
	return;
fail:
	log_err("--report: write(to the waiter): %s", strerror(errno));
}

void run_egress_child_close(void)
{
	if (rep_pipe[1] >= 0)
		close(rep_pipe[1]);
	rep_pipe[1] = -1;
}

struct rep_buf {
	char *p;
	size_t len;
	bool over;
};

/* what the pipe holds now (non-blocking) into @b */
static void rep_read(struct rep_buf *b)
{
	for (;;) {
		char junk[4096];
		bool keep = b->p && b->len < REP_MAX;
		ssize_t r = read(rep_pipe[0], keep ? b->p + b->len : junk,
				 keep ? REP_MAX - b->len : sizeof(junk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		if (keep)
			b->len += (size_t)r;
		else
			b->over = true;
	}
}

/* the seccomp object the launcher sent, or NULL (said why) */
static char *rep_take(struct rep_buf *b)
{
	char *nl, *end;
	unsigned long long want;

	if (!b->p || !b->len)
		return NULL;	/* the launcher never got that far */
	b->p[b->len] = '\0';
	nl = memchr(b->p, '\n', b->len);
	want = strtoull(b->p, &end, 10);
	if (b->over || !nl || end != nl || want != b->len - (size_t)(nl + 1 - b->p)) {
		log_err("--report: the launcher's seccomp record was incomplete (%zu bytes); reported as null",
			b->len);
		return NULL;
	}
	return nl + 1;
}

static __attribute__((noreturn)) void wait_launcher(const struct run_opts *o,
						    pid_t pid, int pidfd)
{
	struct pollfd p[3] = { { .fd = pidfd, .events = POLLIN },
			       { .events = POLLIN },
			       { .fd = rep_pipe[0], .events = POLLIN } };
	struct rep_buf rb = { .p = rep_pipe[0] >= 0 ? malloc(REP_MAX + 1) : NULL };
	siginfo_t si = { 0 };
	sigset_t set;
	int code;

	sigemptyset(&set);
	for (int i = 0; run_fwd_signals[i]; i++)
		sigaddset(&set, run_fwd_signals[i]);
	p[1].fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (p[1].fd < 0)
		DIE("--egress: signalfd: %s", strerror(errno));
	for (;;) {
		struct signalfd_siginfo ss;

		if (poll(p, rep_pipe[0] >= 0 ? 3 : 2, -1) < 0 && errno != EINTR)
			DIE("--egress: poll: %s", strerror(errno));
		while (read(p[1].fd, &ss, sizeof(ss)) == sizeof(ss))
			pidfd_send_signal(pidfd, (int)ss.ssi_signo, NULL, 0);
		if (rep_pipe[0] >= 0 && p[2].revents) {
			rep_read(&rb);
			if (p[2].revents & (POLLHUP | POLLERR))
				p[2].fd = -1;	/* the rest after the exit */
		}
		if (p[0].revents)
			break;
	}
	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
		if (errno != EINTR)
			DIE("--egress: waitid(launcher %d): %s", (int)pid,
			    strerror(errno));
	code = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	if (o->report) {
		char stats[512];

		/* a connection is logged when the relay closes it: the
		 * sandbox's are closing now that it is gone (bounded) */
		stats[0] = '\0';
		for (int i = 0; i < 100; i++) {
			const char *a;

			if (ctl_ask("stats", stats, sizeof(stats), NULL) < 0) {
				stats[0] = '\0';
				break;
			}
			a = strstr(stats, "\nactive ");
			if (!a || atoi(a + 8) == 0)
				break;
			usleep(20000);
		}
		rep_read(&rb);	/* all written before the launcher exited */
		run_report_write(o, ns_name, stats, code, rep_take(&rb));	/* report.c */
	}
	free(rb.p);
	destroy();
	ns_name[0] = '\0';
	exit(code);
}

/* BRO_PROXY_PASSWORD went to bro-netns create: wiped in place (so
 * /proc/PID/environ no longer holds it either) and unset, so that neither
 * the sandbox's command nor a process that can read ours sees it */
static void wipe_password(void)
{
	static const char key[] = "BRO_PROXY_PASSWORD=";

	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, key, sizeof(key) - 1))
			explicit_bzero(*e + sizeof(key) - 1,
				       strlen(*e + sizeof(key) - 1));
	unsetenv("BRO_PROXY_PASSWORD");
}

void run_egress_start(struct run_opts *o)
{
	const char **argv;
	unsigned rnd = 0;
	size_t n = 0;
	pid_t pid;
	int st, pidfd;

	open_netns_bin();
	if (getrandom(&rnd, sizeof(rnd), 0) < 0)
		rnd = (unsigned)getpid() * 2654435761u;
	snprintf(ns_name, sizeof(ns_name), "bro-run-%d-%08x", (int)getpid(), rnd);
	argv = calloc(o->negress_args + 8, sizeof(*argv));
	if (!argv)
		DIE("--egress: out of memory");
	argv[n++] = "bro-netns";
	argv[n++] = "create";
	argv[n++] = "--name";
	argv[n++] = ns_name;
	argv[n++] = "--proxy";
	argv[n++] = o->egress;
	for (size_t i = 0; i < o->negress_args; i++)
		argv[n++] = o->egress_args[i];
	argv[n] = NULL;
	/* the forwarded signals wait until the waiter reads them; with
	 * --die-with-parent, the caller's death is a SIGTERM to forward, so
	 * the namespace is still removed */
	run_signals_block();
	if (o->die_with_parent && prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
		DIE("--egress: prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	st = run_netns_cmd(argv, NULL, 0);
	free(argv);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		DIE("--egress: bro-netns create failed (its message is above); the command was not run");
	wipe_password();
	waiter_pid = getpid();
	atexit(destroy_at_exit);
	if (o->report && pipe2(rep_pipe, O_CLOEXEC) < 0)
		DIE("--report: pipe2: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		DIE("--egress: fork: %s", strerror(errno));
	if (pid > 0) {
		/* the caller's fds (--info-fd, --sync-fd, --file ...) are the
		 * launcher's: a reader waiting for EOF must not wait for us */
		if (rep_pipe[0] >= 0 && (dup2(rep_pipe[0], netns_bin + 1) < 0 ||
		     fcntl(netns_bin + 1, F_SETFL, O_NONBLOCK) < 0))
			DIE("--report: dup2(the pipe): %s", strerror(errno));
		if (rep_pipe[0] >= 0)
			rep_pipe[0] = netns_bin + 1;
		if ((netns_bin > 3 && close_range(3, (unsigned)netns_bin - 1, 0) < 0) ||
		    close_range((unsigned)netns_bin + (rep_pipe[0] >= 0 ? 2 : 1), ~0U, 0) < 0)
			DIE("--egress: close_range: %s", strerror(errno));
		pidfd = pidfd_open(pid, 0);
		if (pidfd < 0) {
			kill(pid, SIGKILL);
			DIE("--egress: pidfd_open(%d): %s", (int)pid, strerror(errno));
		}
		wait_launcher(o, pid, pidfd);
	}
	/* the launcher: dies with the waiter, then joins */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		DIE("--egress: prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	if (getppid() != waiter_pid)
		_exit(1);
	close(netns_bin);
	if (rep_pipe[0] >= 0)
		close(rep_pipe[0]);
	rep_pipe[0] = -1;
	join();
	o->unshare_net = false;	/* the egress namespace is the new one */
	o->unshare_user = true;
}
