/* SPDX-License-Identifier: MIT
 *
 * bro-relay - a host-side stream bridge: unix -> TCP, TCP -> unix (or
 * either to its own kind), one listener, one target, spliced by
 * lib/relay.c. A socat replacement for the relays a sandbox launcher
 * starts for its workload.
 *
 * Order of operations (each step is what the next one relies on):
 *  1. PR_SET_PDEATHSIG(SIGTERM), then the parent checked: --parent-pid must
 *     still be our parent, and without it the parent seen at start must
 *     still be (a parent that died before the prctl() would never signal).
 *  2. Parse; resolve a TCP target once.
 *  3. A unix target is opened O_PATH and fstat'ed: a socket. Every connect
 *     goes through /proc/self/fd/N, the inode pinned now; a path swapped
 *     later (a symlink to another socket) does not redirect it.
 *  4. The listener: LISTEN_FDS (socket activation) or --listen.
 *  5. Every capability dropped and checked (the bounding set too when we
 *     may), no_new_privs.
 *  6. "ready\n" to --ready-fd, which is then closed: a caller that waits
 *     for it never races the listener.
 *  7. epoll: accept, connect (non-blocking), relay; SIGTERM/SIGINT end it.
 * A failed connection closes that connection only.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "args.h"
#include "caps.h"
#include "listenfds.h"
#include "log.h"
#include "relay.h"

#define EX_USAGE	64

struct conn {
	struct relay r;
	bool dead;
	struct conn *next;	/* the dead list, freed after each batch */
};

struct ctx {
	struct relay_args *a;
	int epfd, lfd, sigfd;
	int pin;			/* O_PATH fd of a unix target, or -1 */
	struct sockaddr_storage to;	/* what connect() is given */
	socklen_t tolen;
	struct pipe_pool pool;
	unsigned nconns;
	bool listening;
	struct conn *dead;
};

#define TAG_LISTEN	((uint64_t)1)
#define TAG_SIGNAL	((uint64_t)2)

static void keepalive(int fd)
{
	int on = 1, idle = 60, intvl = 10, cnt = 6;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static void die_with_parent(pid_t want)
{
	pid_t seen = getppid();

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		log_die(1, "prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	if (want && getppid() != want)
		log_die(1, "--parent-pid %d is not our parent (now %d): it has exited",
			(int)want, (int)getppid());
	if (getppid() != seen)
		log_die(1, "our parent %d exited while we started", (int)seen);
}

/* pin a unix target: O_PATH on the path now, /proc/self/fd/N from now on */
static void pin_target(struct ctx *x)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&x->to;
	const struct sockaddr_un *given = (const struct sockaddr_un *)&x->a->to.a.sa;
	struct stat st;

	memcpy(&x->to, &x->a->to.a.sa, x->a->to.a.len);
	x->tolen = x->a->to.a.len;
	if (given->sun_path[0] == '\0')
		return;			/* abstract: no inode to pin */
	x->pin = open(given->sun_path, O_PATH | O_CLOEXEC);
	if (x->pin < 0)
		log_die(1, "open(--to %s, O_PATH): %s", x->a->to.text, strerror(errno));
	if (fstat(x->pin, &st) < 0)
		log_die(1, "fstat(--to %s): %s", x->a->to.text, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		log_die(1, "--to %s: not a socket", x->a->to.text);
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	snprintf(un->sun_path, sizeof(un->sun_path), "/proc/self/fd/%d", x->pin);
	x->tolen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			       strlen(un->sun_path) + 1);
}

static void resolve_target(struct ctx *x)
{
	struct endpoint *t = &x->a->to;
	int r;

	if (!t->tcp) {
		pin_target(x);
		return;
	}
	r = addr_resolve(&t->a, SOCK_STREAM);
	if (r)
		log_die(1, "resolve --to %s: %s", t->text, gai_strerror(r));
	memcpy(&x->to, &t->a.sa, t->a.len);
	x->tolen = t->a.len;
}

static void open_listener(struct ctx *x)
{
	struct endpoint *l = &x->a->listen;
	const char *lf = getenv("LISTEN_FDS");
	int n = 0, one = 1, type = 0, acc = 0;
	socklen_t sl = sizeof(type);
	int r;

	r = listen_fds_parse(lf, getenv("LISTEN_PID"), getpid(), &n);
	if (r == -ESRCH)
		n = 0;			/* meant for another process */
	else if (r < 0)
		log_die(1, "LISTEN_FDS=%s LISTEN_PID=%s: malformed", lf ? lf : "",
			getenv("LISTEN_PID") ? getenv("LISTEN_PID") : "");
	if (n && x->a->listen_set)
		log_die(EX_USAGE, "both --listen and a socket-activated listener (LISTEN_FDS=%d)", n);
	if (n > 1)
		log_die(EX_USAGE, "LISTEN_FDS=%d: one listening socket expected", n);
	if (n == 1) {
		x->lfd = LISTEN_FDS_START;
		if (getsockopt(x->lfd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0)
			log_die(1, "fd 3 from LISTEN_FDS: %s", errno == ENOTSOCK ?
				"not a socket" : strerror(errno));
		sl = sizeof(acc);
		if (type != SOCK_STREAM ||
		    getsockopt(x->lfd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &sl) < 0 || !acc)
			log_die(1, "fd 3 from LISTEN_FDS: not a listening stream socket");
		if (fcntl(x->lfd, F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(x->lfd, F_SETFL, fcntl(x->lfd, F_GETFL) | O_NONBLOCK) < 0)
			log_die(1, "fcntl(fd 3 from LISTEN_FDS): %s", strerror(errno));
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDNAMES");
		return;
	}
	if (!x->a->listen_set)
		log_die(EX_USAGE, "no --listen ADDR and no socket-activated listener (LISTEN_FDS)");
	if (l->tcp) {
		r = addr_resolve(&l->a, SOCK_STREAM);
		if (r)
			log_die(1, "resolve --listen %s: %s", l->text, gai_strerror(r));
	}
	x->lfd = socket(l->a.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->lfd < 0)
		log_die(1, "socket(--listen %s): %s", l->text, strerror(errno));
	if (l->tcp)
		setsockopt(x->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(x->lfd, (struct sockaddr *)&l->a.sa, l->a.len) < 0)
		log_die(1, "bind(--listen %s): %s", l->text, strerror(errno));
	x->listening = !l->tcp;		/* a unix path of ours to unlink */
	if (listen(x->lfd, SOMAXCONN) < 0)
		log_die(1, "listen(--listen %s): %s", l->text, strerror(errno));
}

static void epoll_add(struct ctx *x, int fd, uint32_t ev, uint64_t tag)
{
	struct epoll_event e = { .events = ev, .data.u64 = tag };

	if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, fd, &e) < 0)
		log_die(1, "epoll_ctl(ADD fd %d): %s", fd, strerror(errno));
}

static void conn_end(struct ctx *x, struct conn *c, int r)
{
	if (c->dead)
		return;
	if (r < 0 && r != -ECONNRESET && r != -EPIPE)
		log_warn("connection to %s: %s", x->a->to.text, strerror(-r));
	relay_close(&c->r, &x->pool, r < 0);
	c->dead = true;
	c->next = x->dead;
	x->dead = c;
	if (x->nconns-- == x->a->conns_max) {
		struct epoll_event e = { .events = EPOLLIN, .data.u64 = TAG_LISTEN };

		epoll_ctl(x->epfd, EPOLL_CTL_MOD, x->lfd, &e);
	}
}

static void on_accept(struct ctx *x)
{
	for (;;) {
		struct conn *c;
		int cfd, tfd, r;

		if (x->nconns >= x->a->conns_max) {
			/* backpressure: the backlog holds the rest */
			struct epoll_event e = { .events = 0, .data.u64 = TAG_LISTEN };

			epoll_ctl(x->epfd, EPOLL_CTL_MOD, x->lfd, &e);
			return;
		}
		cfd = accept4(x->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("accept(%s): %s", x->a->listen_set ?
					 x->a->listen.text : "fd 3", strerror(errno));
			return;
		}
		if (x->a->listen.tcp || !x->a->listen_set)
			keepalive(cfd);	/* harmless (ignored) on unix */
		tfd = socket(x->to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (tfd < 0) {
			log_warn("socket(--to %s): %s", x->a->to.text, strerror(errno));
			close(cfd);
			continue;
		}
		if (x->a->to.tcp)
			keepalive(tfd);
		if (connect(tfd, (struct sockaddr *)&x->to, x->tolen) < 0 &&
		    errno != EINPROGRESS) {
			log_warn("connect(--to %s): %s", x->a->to.text, strerror(errno));
			close(tfd);
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			log_warn("a connection: %s", strerror(ENOMEM));
			close(tfd);
			close(cfd);
			continue;
		}
		relay_init(&c->r, cfd, tfd);
		x->nconns++;
		epoll_add(x, cfd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, (uint64_t)(uintptr_t)c);
		epoll_add(x, tfd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, (uint64_t)(uintptr_t)c | 1);
		r = relay_event(&c->r, &x->pool, -1, 0);
		if (r != RELAY_OPEN)
			conn_end(x, c, r);
	}
}

static void ready(struct ctx *x)
{
	int fd = x->a->ready_fd;

	if (fd < 0)
		return;
	if (write(fd, "ready\n", 6) != 6)
		log_die(1, "write(--ready-fd %d): %s", fd, strerror(errno));
	close(fd);
}

int main(int argc, char **argv)
{
	static struct relay_args a;
	struct ctx x = { .a = &a, .pin = -1, .lfd = -1 };
	struct epoll_event ev[64];
	char err[1024];
	sigset_t ss;
	int r, i, n;

	/* a closed 0, 1 or 2 would be reused by a socket, and our messages
	 * or a stray read would go to it */
	for (i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) != i)
			return 1;
	log_init("bro-relay");
	r = relay_args_parse(argc, argv, &a, err, sizeof(err));
	if (r == 1) {
		fputs(err, stdout);
		return 0;
	}
	if (r < 0)
		log_die(EX_USAGE, "%s", err);
	die_with_parent(a.parent);
	if (a.ready_fd >= 0 && fcntl(a.ready_fd, F_SETFD, FD_CLOEXEC) < 0)
		log_die(EX_USAGE, "--ready-fd %d: %s", a.ready_fd, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	resolve_target(&x);
	open_listener(&x);
	if (!a.listen_set && a.ready_fd == LISTEN_FDS_START)
		log_die(EX_USAGE, "--ready-fd %d is the socket-activated listener", a.ready_fd);
	/* root: the bounding set too, so nothing exec'd could regain one */
	if (caps_have_permitted(CAP_SETPCAP) && (r = caps_drop_bounding()) < 0)
		log_die(1, "dropping the bounding set: %s", strerror(-r));
	r = caps_drop_all();
	if (r < 0)
		log_die(1, "dropping capabilities: %s", strerror(-r));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		log_die(1, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	r = pipe_pool_init(&x.pool, 8, 0);
	if (r < 0)
		log_die(1, "pipe2: %s", strerror(-r));
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0 ||
	    (x.sigfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		log_die(1, "signalfd: %s", strerror(errno));
	x.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (x.epfd < 0)
		log_die(1, "epoll_create1: %s", strerror(errno));
	epoll_add(&x, x.lfd, EPOLLIN, TAG_LISTEN);
	epoll_add(&x, x.sigfd, EPOLLIN, TAG_SIGNAL);
	/* the parent's SIGTERM before the mask killed us; after it, it waits
	 * in the signalfd; and a parent gone meanwhile is caught here */
	if (a.parent && getppid() != a.parent)
		log_die(1, "the parent %d exited", (int)a.parent);
	ready(&x);
	for (;;) {
		n = epoll_wait(x.epfd, ev, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_die(1, "epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			uint64_t t = ev[i].data.u64;
			struct conn *c;

			if (t == TAG_LISTEN) {
				on_accept(&x);
				continue;
			}
			if (t == TAG_SIGNAL)
				goto out;
			c = (struct conn *)(uintptr_t)(t & ~(uint64_t)1);
			if (c->dead)
				continue;
			r = relay_event(&c->r, &x.pool, (int)(t & 1), ev[i].events);
			if (r != RELAY_OPEN)
				conn_end(&x, c, r);
		}
		while (x.dead) {
			struct conn *c = x.dead;

			x.dead = c->next;
			free(c);
		}
	}
out:
	if (x.listening)
		unlink(((struct sockaddr_un *)&a.listen.a.sa)->sun_path);
	return 0;
}
