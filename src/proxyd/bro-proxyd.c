/* SPDX-License-Identifier: MIT
 *
 * bro-proxyd - a socket-activated proxy: takes listening sockets from
 *		systemd (LISTEN_FDS) or --listen, and forwards each
 *		connection (or UDP flow) to a target address.
 *
 *	bro-proxyd [OPTIONS] TARGET
 *
 * A drop-in for systemd-socket-proxyd(8): the same TARGET forms and the
 * same -c/--connections-max and --exit-idle-time. See man/bro-proxyd.1.
 *
 * Theory of operation
 * ===================
 *  1. parse	argv (args.c), then LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES;
 *		every fd passed must be a listening stream or a datagram
 *		socket, every --target NAME must name one of them. Anything
 *		wrong: one line on stderr, exit 1 (64 for usage errors).
 *  2. resolve	literal addresses were parsed in step 1; names are resolved
 *		now, once, and again only after a connection to them failed.
 *  3. prepare	RLIMIT_NOFILE raised to its hard limit; the pipe pool probes
 *		the largest pipe the kernel grants (lib/relay.c); SIGTERM and
 *		SIGINT come through a signalfd; SIGPIPE is ignored.
 *  4. serve	one epoll loop, no threads. Listeners are level-triggered
 *		and leave epoll at the connection limit; connection sockets
 *		are edge-triggered and never re-armed (tcp.c, lib/relay.c);
 *		flows are level-triggered (udp.c). Timers are deadlines
 *		checked once per loop turn: pending connects, idle
 *		connections (kept in last-activity order, so the check is
 *		O(1)), UDP flows, --exit-idle-time, the drain.
 *  5. drain	SIGTERM: STOPPING=1, listeners closed, open connections
 *		run until they end or --drain-timeout passes; a second
 *		SIGTERM ends at once.
 *
 * bro-proxyd needs no privilege and opens nothing but sockets and pipes.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "listenfds.h"
#include "log.h"
#include "notify.h"
#include "proxyd.h"

#define EXIT_USAGE	64
#define EPOLL_BATCH	256
#define POOL_PIPES	16

static struct proxyd_args args;

uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

#define RATELOG_EVERY	1000000		/* usec */

void ratelog(struct proxyd *x, struct ratelog *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (x->now < r->next) {
		vsnprintf(r->last, sizeof(r->last), fmt, ap);
		r->skipped++;
	} else {
		log_vmsg(LOG_P_WARNING, fmt, ap);
		r->next = x->now + RATELOG_EVERY;
	}
	va_end(ap);
}

uint64_t ratelog_flush(struct proxyd *x, struct ratelog *r)
{
	if (!r->skipped)
		return 0;
	if (x->now < r->next)
		return r->next;
	log_warn("%s (%llu such lines in the last second, this one the last)",
		 r->last, (unsigned long long)r->skipped);
	r->skipped = 0;
	r->next = x->now + RATELOG_EVERY;
	return 0;
}

static void usage(void)
{
	printf("Usage: bro-proxyd [OPTIONS] TARGET\n"
	       "Forward connections on sockets passed by systemd (or --listen) to TARGET:\n"
	       "HOST:PORT, [IPv6]:PORT, /unix/path or @abstract. A drop-in for\n"
	       "systemd-socket-proxyd.\n\n"
	       "  -c, --connections-max=N     at most N connections at once (default %d);\n"
	       "                              at the limit, stop accepting until one ends\n"
	       "      --exit-idle-time=TIME   exit after TIME without connections\n"
	       "      --connect-timeout=TIME  while the target refuses, retry with backoff\n"
	       "                              for up to TIME, holding the client\n"
	       "      --target NAME=TARGET    sockets named NAME (FileDescriptorName=) go to\n"
	       "                              TARGET; repeatable; the positional TARGET is the\n"
	       "                              default\n"
	       "      --proxy-protocol=v1|v2  send a PROXY protocol header to the target\n"
	       "      --idle-timeout=TIME     close a connection idle for TIME\n"
	       "      --keepalive             TCP keepalive on both sides\n"
	       "      --udp-idle-timeout=TIME end a UDP flow idle for TIME (default 60s)\n"
	       "      --drain-timeout=TIME    on SIGTERM, let connections finish for up to\n"
	       "                              TIME (default 5s)\n"
	       "      --listen [NAME=]ADDR    listen on ADDR (stream) ourselves; repeatable\n"
	       "      --listen-datagram [NAME=]ADDR  the same for datagrams (UDP)\n"
	       "  -v, --verbose               debug messages\n"
	       "  -h, --help                  this text\n"
	       "      --version               version\n\n"
	       "TIME is a systemd time span: 500ms, 30s, 5min, infinity.\n"
	       "See bro-proxyd(1).\n", PROXYD_CONN_DEFAULT);
}

void proxyd_idle_check(struct proxyd *x)
{
	if (x->nconns == 0 && x->nflows == 0 && !x->idle_since)
		x->idle_since = x->now ? x->now : 1;
}

static struct target *target_for(struct proxyd *x, const char *name,
				 struct target *targets, int ntargets)
{
	int i;

	(void)x;
	if (name)
		for (i = 0; i < ntargets; i++)
			if (targets[i].name && !strcmp(targets[i].name, name))
				return &targets[i];
	for (i = 0; i < ntargets; i++)
		if (!targets[i].name)
			return &targets[i];
	return NULL;
}

/* check_listen_fd() - what systemd passed must be something we can serve;
 * Return: 0 with *@socktype and *@tcp set, or exits */
static void check_listen_fd(int fd, int *socktype, bool *tcp)
{
	int type = 0, acc = 0, dom = 0;
	socklen_t sl = sizeof(int);
	struct stat st;

	if (fstat(fd, &st) < 0)
		log_die(1, "fstat(fd %d from LISTEN_FDS): %s", fd, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		log_die(1, "fd %d from LISTEN_FDS: not a socket", fd);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &(socklen_t){ sizeof(int) }) < 0)
		log_die(1, "getsockopt(fd %d): %s", fd, strerror(errno));
	if (type == SOCK_STREAM) {
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc,
			       &(socklen_t){ sizeof(int) }) < 0 || !acc)
			log_die(1, "fd %d from LISTEN_FDS: a stream socket that is not listening "
				   "(Accept=yes is not supported; use Accept=no)", fd);
	} else if (type != SOCK_DGRAM) {
		log_die(1, "fd %d from LISTEN_FDS: socket type %d (only stream and datagram)",
			fd, type);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		log_die(1, "fcntl(fd %d): %s", fd, strerror(errno));
	*socktype = type;
	*tcp = dom == AF_INET || dom == AF_INET6;
}

/* listen_on() - --listen: a socket of our own; Return: fd, or exits */
static int listen_on(struct proxyd_addr *pa)
{
	int fd, r, fam;

	r = addr_resolve(&pa->a, pa->socktype);
	if (r)
		log_die(1, "resolve(--listen %s): %s", pa->text, gai_strerror(r));
	fam = pa->a.sa.ss_family;
	fd = socket(fam, pa->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		log_die(1, "socket(--listen %s): %s", pa->text, strerror(errno));
	if (fam != AF_UNIX)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (bind(fd, (struct sockaddr *)&pa->a.sa, pa->a.len) < 0)
		log_die(1, "bind(--listen %s): %s", pa->text, strerror(errno));
	if (pa->socktype == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)
		log_die(1, "listen(%s): %s", pa->text, strerror(errno));
	return fd;
}

static void raise_nofile(uint64_t conns)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* two sockets a connection, two pipes for the busy ones */
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < conns * 2 + 2 * POOL_PIPES + 64)
		log_warn("RLIMIT_NOFILE %llu is low for --connections-max=%llu "
			 "(needs about %llu; set LimitNOFILE=)",
			 (unsigned long long)rl.rlim_cur, (unsigned long long)conns,
			 (unsigned long long)(conns * 2 + 2 * POOL_PIPES + 64));
}

static int setup_signals(void)
{
	sigset_t ss;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void drain_start(struct proxyd *x)
{
	int i;

	x->draining = true;
	notify("STOPPING=1\nSTATUS=Draining %llu connections",
	       (unsigned long long)x->nconns);
	log_info("stopping: draining %llu connections for up to %llums",
		 (unsigned long long)x->nconns,
		 (unsigned long long)(x->args->drain_usec / 1000));
	for (i = 0; i < x->nlisteners; i++) {
		if (x->listeners[i].fd >= 0)
			close(x->listeners[i].fd);
		x->listeners[i].fd = -1;
	}
	udp_close_all(x);
	x->drain_deadline = x->args->drain_usec == UINT64_MAX ? UINT64_MAX :
			    x->now + x->args->drain_usec;
}

static void signal_event(struct proxyd *x, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (x->draining) {
			log_info("second signal %u: exiting now", si.ssi_signo);
			x->exit = true;
		} else {
			x->draining = true;	/* the drain starts after this batch */
			x->drain_deadline = 0;
		}
	}
}

/* timers() - run everything due; Return: epoll_wait() timeout in ms */
static int timers(struct proxyd *x)
{
	uint64_t next = tcp_timers(x), t;

	t = udp_timers(x);
	if (t < next)
		next = t;
	if (x->accept_resume && x->now >= x->accept_resume) {
		x->accept_resume = 0;
		if (!x->draining && x->nconns < x->args->connections_max)
			listeners_accepting(x, true);
	}
	if (x->accept_resume && x->accept_resume < next)
		next = x->accept_resume;
	t = ratelog_flush(x, &x->log_accept);
	if (t && t < next)
		next = t;
	t = ratelog_flush(x, &x->log_nofd);
	if (t && t < next)
		next = t;
	if (x->draining) {
		if (x->nconns == 0 || x->now >= x->drain_deadline) {
			if (x->nconns)
				log_warn("drain timeout: closing %llu connections",
					 (unsigned long long)x->nconns);
			x->exit = true;
			return 0;
		}
		if (x->drain_deadline < next)
			next = x->drain_deadline;
	} else if (x->args->exit_idle_usec != UINT64_MAX && x->idle_since) {
		t = x->idle_since + x->args->exit_idle_usec;
		if (x->now >= t) {
			log_debug("idle for --exit-idle-time, exiting");
			x->exit = true;
			return 0;
		}
		if (t < next)
			next = t;
	}
	if (next == UINT64_MAX)
		return -1;
	if (next <= x->now)
		return 0;
	t = (next - x->now + 999) / 1000;
	return t > 3600000 ? 3600000 : (int)t;
}

static int serve(struct proxyd *x, int sfd)
{
	struct epoll_event evs[EPOLL_BATCH];
	struct evh sig = { .type = EV_SIGNAL };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sig };
	int i, n, timeout;

	if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, sfd, &ev) < 0)
		return -errno;
	x->now = now_usec();
	proxyd_idle_check(x);
	for (;;) {
		timeout = timers(x);
		tcp_reap(x);
		if (x->exit)
			break;
		n = epoll_wait(x->epfd, evs, EPOLL_BATCH, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		x->now = now_usec();
		for (i = 0; i < n; i++) {
			struct evh *e = evs[i].data.ptr;
			uint32_t what = evs[i].events;

			switch (e->type) {
			case EV_CONN: {
				struct conn *c = conn_of(e);

				if (c->state != C_DEAD)
					tcp_event(x, c, e->side, what);
				break;
			}
			case EV_LISTEN: {
				struct listener *l = (struct listener *)(void *)e;

				if (l->fd >= 0 && x->accepting && !x->draining)
					tcp_accept(x, l);
				break;
			}
			case EV_DGRAM: {
				struct listener *l = (struct listener *)(void *)e;

				if (l->fd >= 0 && !x->draining)
					udp_listener_event(x, l);
				break;
			}
			case EV_FLOW:
				udp_flow_event(x, (struct flow *)(void *)e);
				break;
			case EV_SIGNAL:
				signal_event(x, sfd);
				break;
			default:
				break;
			}
		}
		if (x->draining && !x->drain_deadline && !x->exit)
			drain_start(x);
	}
	tcp_abort_all(x);
	tcp_reap(x);
	udp_close_all(x);
	return 0;
}

int main(int argc, char **argv)
{
	static struct target targets[PROXYD_TARGETS_MAX + 1];
	struct proxyd x = { .args = &args, .pending_next = UINT64_MAX };
	const char **names = NULL;
	char err[512], *names_buf = NULL;
	int nfds = 0, ntargets = 0, i, r, sfd;

	log_init("bro-proxyd");
	if (proxyd_args_parse(argc, argv, &args, err, sizeof(err)) < 0)
		log_die(EXIT_USAGE, "%s", err);
	if (args.help) {
		usage();
		return 0;
	}
	if (args.version) {
		printf("bro-proxyd %s\n", BRO_VERSION);
		return 0;
	}
	if (args.verbose)
		log_set_level(LOG_P_DEBUG);

	/* 1. the sockets */
	r = listen_fds_parse(getenv("LISTEN_FDS"), getenv("LISTEN_PID"), getpid(), &nfds);
	if (r == -ESRCH)
		log_die(1, "LISTEN_PID=%s is not our PID %d: these sockets are not for us",
			getenv("LISTEN_PID"), (int)getpid());
	if (r < 0)
		log_die(1, "LISTEN_FDS=%s: not a number of fds (0..%d)",
			getenv("LISTEN_FDS"), LISTEN_FDS_MAX);
	if (nfds == 0 && args.nlistens == 0)
		log_die(1, "no sockets: run from a systemd .socket unit (LISTEN_FDS) or give --listen");
	names = calloc((size_t)nfds + 1, sizeof(*names));
	if (!names)
		log_die(1, "calloc: %s", strerror(ENOMEM));
	r = listen_fdnames_parse(getenv("LISTEN_FDNAMES"), nfds, names, &names_buf);
	if (r < 0)
		log_die(1, "LISTEN_FDNAMES=%s: expected %d names separated by ':'",
			getenv("LISTEN_FDNAMES"), nfds);
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");

	/* 2. the targets */
	for (i = 0; i < args.ntargets; i++)
		targets[ntargets++] = (struct target){ .name = args.targets[i].name,
						       .text = args.targets[i].text,
						       .a = args.targets[i].a };
	if (args.target.text)
		targets[ntargets++] = (struct target){ .text = args.target.text,
						       .a = args.target.a };
	for (i = 0; i < ntargets; i++) {
		r = addr_resolve(&targets[i].a, SOCK_STREAM);
		if (r)
			log_warn("resolve(%s): %s (trying again at the first connection)",
				 targets[i].text, gai_strerror(r));
	}

	x.nlisteners = nfds + args.nlistens;
	x.listeners = calloc((size_t)x.nlisteners, sizeof(*x.listeners));
	if (!x.listeners)
		log_die(1, "calloc: %s", strerror(ENOMEM));
	for (i = 0; i < x.nlisteners; i++) {
		struct listener *l = &x.listeners[i];

		if (i < nfds) {
			l->fd = LISTEN_FDS_START + i;
			l->name = names[i];
			check_listen_fd(l->fd, &l->socktype, &l->tcp);
		} else {
			struct proxyd_addr *pa = &args.listens[i - nfds];

			l->fd = listen_on(pa);
			l->name = pa->name;
			l->socktype = pa->socktype;
			l->tcp = pa->a.sa.ss_family != AF_UNIX;
		}
		l->t = target_for(&x, l->name, targets, ntargets);
		if (!l->t)
			log_die(EXIT_USAGE, "socket %d (name \"%s\"): no --target %s=... and no default TARGET",
				l->fd, l->name ? l->name : "", l->name ? l->name : "NAME");
		l->ev.type = l->socktype == SOCK_STREAM ? EV_LISTEN : EV_DGRAM;
	}
	for (i = 0; i < args.ntargets; i++) {
		int k;

		for (k = 0; k < x.nlisteners; k++)
			if (x.listeners[k].name &&
			    !strcmp(x.listeners[k].name, args.targets[i].name))
				break;
		if (k == x.nlisteners)
			log_die(EXIT_USAGE, "--target %s=%s: no socket is named %s (LISTEN_FDNAMES, --listen NAME=)",
				args.targets[i].name, args.targets[i].text, args.targets[i].name);
	}

	/* 3. prepare */
	raise_nofile(args.connections_max);
	r = pipe_pool_init(&x.pool, POOL_PIPES, 0);
	if (r < 0)
		log_die(1, "pipe2: %s", strerror(-r));
	log_debug("pipe size %u bytes", x.pool.size);
	x.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (x.epfd < 0)
		log_die(1, "epoll_create1: %s", strerror(errno));
	if (udp_init(&x) < 0)
		log_die(1, "calloc: %s", strerror(ENOMEM));
	for (i = 0; i < x.nlisteners; i++) {
		struct listener *l = &x.listeners[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->ev };

		if (epoll_ctl(x.epfd, EPOLL_CTL_ADD, l->fd, &ev) < 0)
			log_die(1, "epoll_ctl(fd %d): %s", l->fd, strerror(errno));
	}
	x.accepting = true;
	sfd = setup_signals();
	if (sfd < 0)
		log_die(1, "signalfd: %s", strerror(-sfd));
	r = notify_init();
	if (r < 0)
		log_warn("NOTIFY_SOCKET: %s", strerror(-r));

	/* 4. serve */
	notify("READY=1\nSTATUS=Forwarding %d sockets to %s%s", x.nlisteners,
	       ntargets ? targets[ntargets - 1].text : "",
	       ntargets > 1 ? " and more" : "");
	r = serve(&x, sfd);
	if (r < 0)
		log_die(1, "epoll: %s", strerror(-r));
	pipe_pool_fini(&x.pool);
	free(names_buf);
	free(names);
	free(x.listeners);
	free(x.flow_hash);
	return 0;
}
