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
 *  7. lib/relaysrv.c: accept, connect (non-blocking), relay; SIGTERM/SIGINT
 *     end it.
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
#include "relaysrv.h"

#define EX_USAGE	64

struct ctx {
	struct relay_args *a;
	int epfd, lfd, sigfd;
	int pin;			/* O_PATH fd of a unix target, or -1 */
	struct sockaddr_storage to;	/* what connect() is given */
	socklen_t tolen;
	bool listening;
};

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

static void ready(void *arg)
{
	struct ctx *x = arg;
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
	struct relay_route rt = { .lfd = -1 };
	char err[1024], name[1100];
	sigset_t ss;
	int r, i;

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
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0 ||
	    (x.sigfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		log_die(1, "signalfd: %s", strerror(errno));
	/* the parent's SIGTERM before the mask killed us; after it, it waits
	 * in the signalfd; and a parent gone meanwhile is caught here */
	if (a.parent && getppid() != a.parent)
		log_die(1, "the parent %d exited", (int)a.parent);
	rt.lfd = x.lfd;
	memcpy(&rt.to, &x.to, sizeof(rt.to));
	rt.tolen = x.tolen;
	snprintf(name, sizeof(name), "--to %s", a.to.text);
	rt.name = name;
	rt.ka_in = a.listen.tcp || !a.listen_set;	/* harmless on unix */
	rt.ka_out = a.to.tcp;
	r = relay_serve(&rt, 1, a.conns_max, x.sigfd, ready, &x);
	if (r < 0)
		log_die(1, "setting up the relay: %s", strerror(-r));
	if (x.listening)
		unlink(((struct sockaddr_un *)&a.listen.a.sa)->sun_path);
	return 0;
}
