/* SPDX-License-Identifier: MIT
 *
 * relay.c - --relay and --publish: the relay processes of bro-run.
 *
 * --relay PORT=TARGET: the listener on 127.0.0.1:PORT is made by the child,
 * inside the sandbox's network namespace once lo is up, and passed to the
 * launcher over a socketpair (SCM_RIGHTS) before the command exists: its
 * backlog queues the command's first connection, so none fails because a
 * relay was still starting. The launcher forks the "relay" process, which
 * stays in the launcher's namespaces (the host's network, mount and PID
 * namespaces): it accepts on those listeners and connects to each target
 * from the host, a unix target through /proc/self/fd/N of an O_PATH fd
 * opened at start (the inode pinned: a path swapped for a symlink later
 * does not redirect it), a TCP target by its numeric address.
 *
 * --publish HOSTPORT=PORT: the launcher binds 127.0.0.1:HOSTPORT on the
 * host before the clone (a port in use fails before anything runs) and
 * forks the "publish" process, which joins the sandbox's user and network
 * namespaces (fds the child opened on its own /proc/self/ns/ and passed
 * with its listeners: the launcher could not open a non-dumpable child's;
 * setns(2) into the user namespace works as its owner), but neither its PID
 * nor its mount namespace. Each socket it creates from then on is in the sandbox's
 * network namespace, so each host connection is carried to
 * 127.0.0.1:PORT there; the host listener stays in the host's.
 *
 * Both processes: outside the sandbox's PID namespace (the command cannot
 * see, signal or ptrace them; kill -9 -1 inside does not reach them, hence
 * --unshare-pid is required), non-dumpable, every capability dropped (the
 * bounding set too where allowed), no_new_privs, every other fd closed,
 * SIGKILL at the launcher's death, and killed and reaped by the launcher
 * once the sandbox has exited. The data path is lib/relaysrv.c, as in
 * bro-relay.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "linux-api.h"
#include "log.h"
#include "relaysrv.h"
#include "run.h"

#define DIE(...) log_die(1, __VA_ARGS__)

static int pass[2] = { -1, -1 };	/* child -> launcher: the listeners */
static pid_t relay_pid = -1, publish_pid = -1;

static size_t count(const struct run_opts *o, bool publish)
{
	size_t n = 0;

	for (size_t i = 0; i < o->nrelays; i++)
		n += o->relays[i].publish == publish;
	return n;
}

static void loopback(struct sockaddr_in *sin, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int listen_on(uint16_t port, const char *what)
{
	struct sockaddr_in sin;
	int one = 1, fd;

	loopback(&sin, port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		DIE("%s: socket: %s", what, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		DIE("%s: bind(127.0.0.1:%u): %s", what, port, strerror(errno));
	if (listen(fd, SOMAXCONN) < 0)
		DIE("%s: listen(127.0.0.1:%u): %s", what, port, strerror(errno));
	return fd;
}

void run_relay_prepare(struct run_opts *o)
{
	for (size_t i = 0; i < o->nrelays; i++) {
		struct run_relay *r = &o->relays[i];
		char what[160];
		struct stat st;

		snprintf(what, sizeof(what), "%s %s", r->publish ? "--publish" : "--relay", r->spec);
		if (r->publish) {
			r->lfd = listen_on(r->port, what);
			continue;
		}
		if (!r->unix_path)
			continue;
		r->pin = open(r->unix_path, O_PATH | O_CLOEXEC);
		if (r->pin < 0)
			DIE("%s: open(%s, O_PATH): %s", what, r->unix_path, strerror(errno));
		if (fstat(r->pin, &st) < 0)
			DIE("%s: fstat(%s): %s", what, r->unix_path, strerror(errno));
		if (!S_ISSOCK(st.st_mode))
			DIE("%s: %s is not a socket", what, r->unix_path);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pass) < 0)
		DIE("--relay: socketpair: %s", strerror(errno));
}

/* the child's message: its user and network namespaces (for --publish),
 * then one listener per --relay */
#define NS_FDS	2

void run_relay_child(struct run_opts *o)
{
	int fds[NS_FDS + RUN_MAX_RELAYS];
	size_t n = 0;
	char cbuf[CMSG_SPACE(sizeof(fds))], b = 'r';
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf };
	struct cmsghdr *cm;

	for (size_t i = 0; i < o->nrelays; i++) {
		struct run_relay *r = &o->relays[i];

		if (r->lfd >= 0)
			close(r->lfd);		/* the host's, --publish */
		if (r->pin >= 0)
			close(r->pin);
		r->lfd = r->pin = -1;
	}
	close(pass[0]);
	/* our own namespaces: opening them is no ptrace of anyone */
	fds[n++] = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	fds[n++] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fds[0] < 0 || fds[1] < 0)
		DIE("--relay/--publish: open(/proc/self/ns/...): %s", strerror(errno));
	for (size_t i = 0; i < o->nrelays; i++) {
		struct run_relay *r = &o->relays[i];
		char what[160];

		if (r->publish)
			continue;
		snprintf(what, sizeof(what), "--relay %s", r->spec);
		fds[n++] = listen_on(r->port, what);
	}
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm)
		DIE("--relay: no room for the listeners' message");
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	if (sendmsg(pass[1], &mh, MSG_NOSIGNAL) < 0)
		DIE("--relay/--publish: sendmsg(to the launcher): %s", strerror(errno));
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	close(pass[1]);
}

static int ns_fd[NS_FDS] = { -1, -1 };

/* receive the child's namespaces and listeners; false if the child failed
 * first */
static bool recv_listeners(struct run_opts *o)
{
	int fds[NS_FDS + RUN_MAX_RELAYS];
	size_t want = NS_FDS + count(o, false), k = NS_FDS;
	char cbuf[CMSG_SPACE(sizeof(fds))], b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t r;

	close(pass[1]);
	while ((r = recvmsg(pass[0], &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	close(pass[0]);
	if (r <= 0)
		return false;		/* the child's own error says why */
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || (mh.msg_flags & MSG_CTRUNC) ||
	    cm->cmsg_len != CMSG_LEN(want * sizeof(int)))
		DIE("--relay/--publish: the sandbox's message did not arrive whole");
	memcpy(fds, CMSG_DATA(cm), want * sizeof(int));
	ns_fd[0] = fds[0];
	ns_fd[1] = fds[1];
	for (size_t i = 0; i < o->nrelays; i++)
		if (!o->relays[i].publish)
			o->relays[i].lfd = fds[k++];
	return true;
}

/* the publish process: into the sandbox's user namespace (unless it is
 * ours: a root caller without --unshare-user) and network namespace */
static void join_sandbox_net(void)
{
	struct stat a, b;

	if (stat("/proc/self/ns/user", &a) < 0 || fstat(ns_fd[0], &b) < 0)
		DIE("--publish: stat(user namespace): %s", strerror(errno));
	if ((a.st_ino != b.st_ino || a.st_dev != b.st_dev) &&
	    setns(ns_fd[0], CLONE_NEWUSER) < 0)
		DIE("--publish: setns(the sandbox's user namespace): %s", strerror(errno));
	if (setns(ns_fd[1], CLONE_NEWNET) < 0)
		DIE("--publish: setns(the sandbox's network namespace): %s", strerror(errno));
}

/* in a relay process: everything but what it needs closed, caps dropped,
 * signals as a relay wants them; Return: the signalfd */
static int relay_confine(const int *keep, size_t nkeep)
{
	unsigned lo = 3;
	sigset_t ss;
	int r, sfd;

	/* close every fd from 3 but @keep (ascending order not assumed) */
	for (;;) {
		unsigned next = ~0U;

		for (size_t i = 0; i < nkeep; i++)
			if ((unsigned)keep[i] >= lo && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next > lo)
			close_range(lo, next == ~0U ? ~0U : next - 1, 0);
		if (next == ~0U)
			break;
		lo = next + 1;
	}
	if (caps_have_permitted(CAP_SETPCAP) && (r = caps_drop_bounding()) < 0)
		DIE("relay: dropping the bounding set: %s", strerror(-r));
	r = caps_drop_all();
	if (r < 0)
		DIE("relay: dropping capabilities: %s", strerror(-r));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		DIE("relay: prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	if (sigprocmask(SIG_SETMASK, &ss, NULL) < 0 ||
	    (sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		DIE("relay: signalfd: %s", strerror(errno));
	return sfd;
}

static __attribute__((noreturn)) void serve(struct run_opts *o, bool publish)
{
	struct relay_route rt[RUN_MAX_RELAYS];
	char names[RUN_MAX_RELAYS][96];
	int keep[2 * RUN_MAX_RELAYS];
	size_t n = 0, nkeep = 0;
	int sfd, r;

	log_init(publish ? "bro-run (publish)" : "bro-run (relay)");
	if (prctl(PR_SET_NAME, publish ? "bro-run-publish" : "bro-run-relay", 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		DIE("relay: prctl: %s", strerror(errno));
	for (size_t i = 0; i < o->nrelays; i++) {
		struct run_relay *x = &o->relays[i];
		struct relay_route *t = &rt[n];

		if (x->publish != publish) {
			if (x->lfd >= 0)
				close(x->lfd);
			continue;
		}
		memset(t, 0, sizeof(*t));
		t->lfd = x->lfd;
		keep[nkeep++] = x->lfd;
		snprintf(names[n], sizeof(names[n]), "%s %s", publish ? "--publish" : "--relay", x->spec);
		t->name = names[n];
		if (publish) {
			loopback((struct sockaddr_in *)&t->to, x->to_port);
			t->tolen = sizeof(struct sockaddr_in);
		} else if (x->unix_path) {
			struct sockaddr_un *un = (struct sockaddr_un *)&t->to;

			keep[nkeep++] = x->pin;
			un->sun_family = AF_UNIX;
			snprintf(un->sun_path, sizeof(un->sun_path), "/proc/self/fd/%d", x->pin);
			t->tolen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
					       strlen(un->sun_path) + 1);
		} else if (strchr(x->host, ':')) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->to;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(x->to_port);
			inet_pton(AF_INET6, x->host, &s6->sin6_addr);
			t->tolen = sizeof(*s6);
			t->ka_out = true;
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&t->to;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(x->to_port);
			inet_pton(AF_INET, x->host, &s4->sin_addr);
			t->tolen = sizeof(*s4);
			t->ka_out = true;
		}
		n++;
	}
	/* the publish process: into the sandbox's user and network
	 * namespaces, neither its PID nor its mount namespace */
	if (publish)
		join_sandbox_net();
	close(ns_fd[0]);
	close(ns_fd[1]);
	sfd = relay_confine(keep, nkeep);
	r = relay_serve(rt, n, 1024, sfd, NULL, NULL);
	if (r < 0)
		DIE("relay: %s", strerror(-r));
	_exit(0);
}

static pid_t spawn(struct run_opts *o, bool publish)
{
	pid_t launcher = getpid(), p = fork();

	if (p < 0)
		DIE("%s: fork: %s", publish ? "--publish" : "--relay", strerror(errno));
	if (p > 0)
		return p;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		DIE("relay: prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	if (getppid() != launcher)
		_exit(1);		/* the launcher died before the prctl */
	serve(o, publish);
}

void run_relay_start(struct run_opts *o)
{
	if (!o->nrelays)
		return;
	if (!recv_listeners(o))
		return;
	if (count(o, false))
		relay_pid = spawn(o, false);
	if (count(o, true))
		publish_pid = spawn(o, true);
	for (size_t i = 0; i < o->nrelays; i++) {
		if (o->relays[i].lfd >= 0)
			close(o->relays[i].lfd);
		if (o->relays[i].pin >= 0)
			close(o->relays[i].pin);
		o->relays[i].lfd = o->relays[i].pin = -1;
	}
	close(ns_fd[0]);
	close(ns_fd[1]);
	ns_fd[0] = ns_fd[1] = -1;
}

void run_relay_stop(void)
{
	pid_t *p[] = { &relay_pid, &publish_pid };

	for (size_t i = 0; i < 2; i++) {
		if (*p[i] <= 0)
			continue;
		kill(*p[i], SIGKILL);
		while (waitpid(*p[i], NULL, 0) < 0 && errno == EINTR)
			;
		*p[i] = -1;
	}
}
