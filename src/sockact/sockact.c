// SPDX-License-Identifier: MIT
/*
 * libbro-sockact.so - a server without socket-activation support adopts the
 * sockets it inherits (LISTEN_FDS), loaded with LD_PRELOAD. It links no libc
 * (raw system calls, no dlsym), so it loads into glibc and musl programs.
 *
 * Theory of operation, in the process LISTEN_PID names (others, forked
 * children included, see only the kernel's calls):
 *
 *  1. The first bind() reads the options and LISTEN_PID/LISTEN_FDS from
 *     /proc/self/environ (env.c) and examines fds 3..3+LISTEN_FDS-1: each
 *     AF_INET/AF_INET6 stream or datagram socket with a port is a candidate.
 *  2. bind() of an AF_INET/AF_INET6 socket of the same family and type to
 *     the port of an unused candidate, with its address or a wildcard,
 *     matches it. Anything else goes to the kernel unchanged.
 *  3. BRO_SOCKACT_READY=bind: the candidate is dup3()ed onto the caller's fd
 *     at once (keeping the caller's O_NONBLOCK and FD_CLOEXEC), its own fd
 *     closed; listen() on it then succeeds without touching it.
 *     BRO_SOCKACT_READY=notify: the caller's socket is bound for real (a
 *     stand-in in the process's own namespace; loopback port 0 if that
 *     address is not there) and listens as the program asks. Connections
 *     to the inherited socket wait in its backlog. When the program says
 *     READY=1 through sd_notify(), each stand-in is replaced as in bind
 *     mode, and the epoll registrations made for it (epoll_ctl() is
 *     interposed to remember them) are made again for the adopted socket:
 *     epoll watches files, not fd numbers. select() and poll() take fd
 *     numbers at each call and need nothing.
 *  4. sd_notify()/sd_pid_notify() then send the message to NOTIFY_SOCKET
 *     like libsystemd (notify.c), also with BRO_SOCKACT=off.
 *  5. The inherited fd stays open (close-on-exec) after an adoption, as
 *     systemd keeps its own: a program that closes its listener and binds
 *     the port again (iperf3 after each test, a server reloading) adopts
 *     the same socket again, and connections meanwhile wait in its
 *     backlog. A candidate counts as taken while the fd it was adopted
 *     onto is still that socket (same SO_COOKIE).
 *
 * A failure adopts nothing more and leaves the program's own socket in
 * place; it never ends the program. Errors are one line on stderr.
 */
#include "sockact.h"

extern int *__errno_location(void) __attribute__((weak));

struct cand {
	int fd;			/* the inherited fd, kept open; -1 if gone */
	int type;		/* SA_SOCK_STREAM or SA_SOCK_DGRAM */
	int user;		/* the program's fd it was adopted onto, or -1 */
	uint64_t cookie;	/* its SO_COOKIE, 0 if unknown */
	union sa_inet addr;
};

struct standin {
	int fd;			/* the program's fd, bound for real */
	int cand;		/* the inherited socket that replaces it */
	int type;		/* the candidate's type, restored at the swap */
	uint64_t cookie;	/* SO_COOKIE of the stand-in, 0 if unknown */
	int n_ep;
	struct {
		int epfd;
		struct sa_epoll_event ev;
	} ep[SA_MAX_EPOLL];
};

static struct {
	int lock;
	int loaded;		/* env read (in this process image) */
	struct sa_env env;
	int examined;		/* candidates examined */
	int n_cand;
	struct cand cand[SA_MAX_FDS];
	int n_standin;
	struct standin standin[SA_MAX_FDS];
	int n_adopted;
	int adopted[SA_MAX_FDS];
	int ready;		/* READY=1 seen: later binds adopt at once */
} S;

static long set_errno(long r)
{
	if (r < 0 && r > -4096) {
		if (__errno_location)
			*__errno_location() = (int)-r;
		return -1;
	}
	return r;
}

static void lock(void)
{
	while (__atomic_exchange_n(&S.lock, 1, __ATOMIC_ACQUIRE))
		sys3(__NR_sched_yield, 0, 0, 0);
}

/* from sd_notify(), maybe in a signal handler that interrupted a holder */
static int lock_try(void)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (!__atomic_exchange_n(&S.lock, 1, __ATOMIC_ACQUIRE))
			return 1;
		sys3(__NR_sched_yield, 0, 0, 0);
	}
	return 0;
}

static void unlock(void)
{
	__atomic_store_n(&S.lock, 0, __ATOMIC_RELEASE);
}

static void load(void)
{
	if (!S.loaded) {
		env_load(&S.env);
		S.loaded = 1;
	}
}

/* is this the process LISTEN_PID names, with adoption on? */
static int active(void)
{
	return S.loaded && S.env.ok && S.env.on && S.env.listen_pid > 0 &&
	       S.env.listen_fds > 0 && S.env.listen_pid == sa_getpid();
}

static void debug_fd(const char *what, int fd, const union sa_inet *a,
		     const char *outcome, int fd2)
{
	struct sa_line l;

	if (!S.env.debug)
		return;
	line_start(&l);
	line_str(&l, what);
	if (fd >= 0) {
		line_str(&l, " fd ");
		line_num(&l, fd);
	}
	if (a) {
		line_str(&l, " ");
		line_addr(&l, a);
	}
	line_str(&l, ": ");
	line_str(&l, outcome);
	if (fd2 >= 0) {
		line_str(&l, " ");
		line_num(&l, fd2);
	}
	line_end(&l);
}

static void fail_line(const char *step, int fd, long err)
{
	struct sa_line l;

	line_start(&l);
	line_str(&l, step);
	line_str(&l, " fd ");
	line_num(&l, fd);
	line_str(&l, ": errno ");
	line_num(&l, -err);
	line_end(&l);
}

static int sock_type(int fd)
{
	int type = 0;
	unsigned len = sizeof(type);

	if (sa_getsockopt(fd, SA_SOL_SOCKET, SA_SO_TYPE, &type, &len) < 0)
		return -1;
	return type;
}

static uint64_t sock_cookie(int fd)
{
	uint64_t c = 0;
	unsigned len = sizeof(c);

	if (sa_getsockopt(fd, SA_SOL_SOCKET, SA_SO_COOKIE, &c, &len) < 0)
		return 0;
	return c;
}

/* step 1: the inherited sockets that can be adopted; skip: the caller's fd */
static void examine(int skip)
{
	int i, fd, type;
	unsigned len;
	union sa_inet a;

	S.examined = 1;
	for (i = 0; i < S.env.listen_fds; i++) {
		fd = 3 + i;
		if (fd == skip) {
			debug_fd("inherited", fd, NULL,
				 "reused by the program; skipped", -1);
			continue;
		}
		type = sock_type(fd);
		memset(&a, 0, sizeof(a));
		len = sizeof(a);
		if (type < 0 || sa_getsockname(fd, &a, &len) < 0 ||
		    (a.family != SA_AF_INET && a.family != SA_AF_INET6) ||
		    (type != SA_SOCK_STREAM && type != SA_SOCK_DGRAM) ||
		    a.in4.port == 0) {
			debug_fd("inherited", fd, NULL,
				 "not an inet stream or datagram socket with a port; skipped",
				 -1);
			continue;
		}
		S.cand[S.n_cand].fd = fd;
		S.cand[S.n_cand].type = type;
		S.cand[S.n_cand].user = -1;
		S.cand[S.n_cand].cookie = sock_cookie(fd);
		S.cand[S.n_cand].addr = a;
		S.n_cand++;
		debug_fd("inherited", fd, &a,
			 type == SA_SOCK_STREAM ? "stream socket, a candidate"
						: "datagram socket, a candidate",
			 -1);
	}
}

static int wildcard(const union sa_inet *a)
{
	static const uint8_t zero[16];

	if (a->family == SA_AF_INET)
		return !memcmp(a->in4.addr, zero, 4);
	return !memcmp(a->in6.addr, zero, 16);
}

/* is candidate i adopted onto a program fd that still holds it? (no
 * SO_COOKIE to tell: taken once adopted, as if its fd had been closed) */
static int taken(int i)
{
	int u = S.cand[i].user;

	return u >= 0 && (!S.cand[i].cookie || sock_cookie(u) == S.cand[i].cookie);
}

/* step 2: the candidate for bind(fd, a), or -1 */
static int match(int fd, const union sa_inet *a)
{
	int i, type = sock_type(fd);
	const union sa_inet *c;

	for (i = 0; i < S.n_cand; i++) {
		c = &S.cand[i].addr;
		if (S.cand[i].fd < 0 || S.cand[i].type != type ||
		    c->family != a->family || c->in4.port != a->in4.port ||
		    taken(i))
			continue;
		if (wildcard(a))
			return i;
		if (a->family == SA_AF_INET &&
		    !memcmp(a->in4.addr, c->in4.addr, 4))
			return i;
		if (a->family == SA_AF_INET6 &&
		    !memcmp(a->in6.addr, c->in6.addr, 16))
			return i;
	}
	return -1;
}

static int is_adopted(int fd)
{
	int i;

	for (i = 0; i < S.n_adopted; i++)
		if (S.adopted[i] == fd)
			return 1;
	return 0;
}

/* step 3: candidate i takes fd's place, with fd's flags; 0 or -errno */
static long adopt(int fd, int i)
{
	long fl, fdfl, ifl, r;
	int from = S.cand[i].fd;

	fl = sa_fcntl(fd, SA_F_GETFL, 0);
	fdfl = sa_fcntl(fd, SA_F_GETFD, 0);
	if (fl < 0 || fdfl < 0)
		return fl < 0 ? fl : fdfl;
	/* kept for a later bind (step 5), but no program it execs gets it */
	r = sa_fcntl(from, SA_F_SETFD, SA_FD_CLOEXEC);
	if (r < 0)
		return r;
	r = sa_dup3(from, fd, (fdfl & SA_FD_CLOEXEC) ? SA_O_CLOEXEC : 0);
	if (r < 0)
		return r;
	ifl = sa_fcntl(fd, SA_F_GETFL, 0);
	if (ifl >= 0 && (ifl & SA_O_NONBLOCK) != (fl & SA_O_NONBLOCK))
		sa_fcntl(fd, SA_F_SETFL, (ifl & ~SA_O_NONBLOCK) | (fl & SA_O_NONBLOCK));
	S.cand[i].user = fd;
	if (!is_adopted(fd) && S.n_adopted < SA_MAX_FDS)
		S.adopted[S.n_adopted++] = fd;
	return 0;
}

/* notify mode: bind the stand-in for real, or to loopback port 0 */
static long bind_standin(int fd, const union sa_inet *a, unsigned len)
{
	union sa_inet lo;
	long r = sa_bind(fd, a, len);

	if (r != -EADDRINUSE && r != -EADDRNOTAVAIL)
		return r;
	memset(&lo, 0, sizeof(lo));
	lo.family = a->family;
	if (a->family == SA_AF_INET) {
		lo.in4.addr[0] = 127;
		lo.in4.addr[3] = 1;
		len = sizeof(lo.in4);
	} else {
		lo.in6.addr[15] = 1;
		len = sizeof(lo.in6);
	}
	debug_fd("bind", fd, a, "address taken or missing here; stand-in on loopback port 0", -1);
	return sa_bind(fd, &lo, len);
}

int bind(int fd, const void *addr, unsigned len)
{
	union sa_inet a;
	long r;
	int i;
	struct standin *s;

	if (!addr || len < sizeof(uint16_t))
		return (int)set_errno(sa_bind(fd, addr, len));
	memset(&a, 0, sizeof(a));
	memcpy(&a, addr, len < sizeof(a) ? len : sizeof(a));
	if (!((a.family == SA_AF_INET && len >= sizeof(struct sa_in4)) ||
	      (a.family == SA_AF_INET6 && len >= sizeof(struct sa_in6))))
		return (int)set_errno(sa_bind(fd, addr, len));

	lock();
	load();
	if (!active()) {
		unlock();
		return (int)set_errno(sa_bind(fd, addr, len));
	}
	if (!S.examined)
		examine(fd);
	i = match(fd, &a);
	if (i < 0) {
		debug_fd("bind", fd, &a, "no inherited socket matches; to the kernel", -1);
		unlock();
		return (int)set_errno(sa_bind(fd, addr, len));
	}
	if (!S.env.notify || S.ready) {
		int from = S.cand[i].fd;

		r = adopt(fd, i);
		if (r < 0) {
			fail_line("bind: adopting the inherited socket onto", fd, r);
			unlock();
			return (int)set_errno(sa_bind(fd, addr, len));
		}
		debug_fd("bind", fd, &a, "adopted inherited fd", from);
		unlock();
		return 0;
	}
	if (S.n_standin >= SA_MAX_FDS) {	/* cannot happen: one per candidate */
		unlock();
		return (int)set_errno(sa_bind(fd, addr, len));
	}
	r = bind_standin(fd, &a, len);
	if (r < 0) {
		unlock();
		return (int)set_errno(r);
	}
	s = &S.standin[S.n_standin++];
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->cand = i;
	s->type = S.cand[i].type;
	s->cookie = sock_cookie(fd);
	debug_fd("bind", fd, &a, "stand-in bound; at READY=1 it becomes inherited fd",
		 S.cand[i].fd);
	S.cand[i].type = -1;		/* taken: no second match */
	unlock();
	return 0;
}

int listen(int fd, int backlog)
{
	int on = 0;
	unsigned len = sizeof(on);

	lock();
	if (active() && is_adopted(fd) &&
	    sa_getsockopt(fd, SA_SOL_SOCKET, SA_SO_ACCEPTCONN, &on, &len) == 0 &&
	    on) {
		debug_fd("listen", fd, NULL, "adopted and listening already; left as it is", -1);
		unlock();
		return 0;
	}
	unlock();
	return (int)set_errno(sa_listen(fd, backlog));
}

static struct standin *standin_of(int fd)
{
	int i;

	for (i = 0; i < S.n_standin; i++)
		if (S.standin[i].fd == fd)
			return &S.standin[i];
	return NULL;
}

/* remember the registrations of stand-ins, to redo them after the swap */
int epoll_ctl(int epfd, int op, int fd, void *event)
{
	long r = sa_epoll_ctl(epfd, op, fd, event);
	struct standin *s;
	int i;

	if (r < 0 || !S.n_standin)
		return (int)set_errno(r);
	lock();
	s = active() ? standin_of(fd) : NULL;
	if (s) {
		for (i = 0; i < s->n_ep && s->ep[i].epfd != epfd; i++)
			;
		if (op == SA_EPOLL_CTL_DEL) {
			if (i < s->n_ep)
				s->ep[i] = s->ep[--s->n_ep];
		} else if (event && (op == SA_EPOLL_CTL_ADD || op == SA_EPOLL_CTL_MOD)) {
			if (i == s->n_ep && s->n_ep < SA_MAX_EPOLL)
				s->n_ep++;
			if (i < s->n_ep) {
				s->ep[i].epfd = epfd;
				memcpy(&s->ep[i].ev, event, sizeof(s->ep[i].ev));
			} else {
				fail_line("epoll_ctl: too many epoll sets for stand-in", fd, -ENOSPC);
			}
		}
	}
	unlock();
	return 0;
}

/* step 3, notify mode: every stand-in becomes its inherited socket */
static void swap_all(void)
{
	int i, j, from;
	long r;
	struct standin *s;

	for (i = 0; i < S.n_standin; i++) {
		s = &S.standin[i];
		S.cand[s->cand].type = s->type;	/* matchable again */
		from = S.cand[s->cand].fd;
		if (from < 0)
			continue;
		if (s->cookie && sock_cookie(s->fd) != s->cookie) {
			debug_fd("READY=1:", s->fd, NULL,
				 "no longer the stand-in (closed); not replaced, inherited fd kept",
				 from);
			continue;
		}
		r = adopt(s->fd, s->cand);
		if (r < 0) {
			fail_line("READY=1: adopting the inherited socket onto", s->fd, r);
			continue;
		}
		debug_fd("READY=1:", s->fd, &S.cand[s->cand].addr,
			 "stand-in replaced by inherited fd", from);
		for (j = 0; j < s->n_ep; j++) {
			r = sa_epoll_ctl(s->ep[j].epfd, SA_EPOLL_CTL_ADD, s->fd,
					 &s->ep[j].ev);
			if (r < 0)
				fail_line("READY=1: epoll_ctl(EPOLL_CTL_ADD) of adopted", s->fd, r);
			else
				debug_fd("READY=1:", s->fd, NULL,
					 "registered again with epoll fd", s->ep[j].epfd);
		}
		s->n_ep = 0;
	}
	S.n_standin = 0;
}

/* does the message hold the line READY=1? */
static int says_ready(const char *m)
{
	static const char want[] = "READY=1";
	const char *p = m;
	size_t i;

	while (*p) {
		for (i = 0; i < sizeof(want) - 1 && p[i] == want[i]; i++)
			;
		if (i == sizeof(want) - 1 && (p[i] == '\n' || p[i] == '\0'))
			return 1;
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
	}
	return 0;
}

int sd_pid_notify(int pid, int unset_environment, const char *state)
{
	char path[sizeof(S.env.notify_socket)];

	(void)pid;			/* sent without credentials */
	(void)unset_environment;	/* the environment is libc's */
	if (!state || !*state)
		return -EINVAL;
	if (!lock_try()) {
		struct sa_line l;

		line_start(&l);
		line_str(&l, "sd_notify: state busy (called from a signal handler during bind?); READY=1 not acted on");
		line_end(&l);
		return -EBUSY;
	}
	load();
	if (active() && says_ready(state)) {
		S.ready = 1;
		if (S.n_standin)
			swap_all();
		else
			debug_fd("READY=1:", -1, NULL, "no stand-in to replace", -1);
	}
	memcpy(path, S.env.notify_socket, sizeof(path));
	unlock();
	return notify_send(path, state);
}

int sd_notify(int unset_environment, const char *state)
{
	return sd_pid_notify(0, unset_environment, state);
}
