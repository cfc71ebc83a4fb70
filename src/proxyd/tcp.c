/* SPDX-License-Identifier: MIT
 *
 * tcp.c - stream connections: accept, connect to the target (with retries
 * under --connect-timeout), optional PROXY header, then lib/relay.c moves
 * the bytes. The life of a connection:
 *
 *   accept -> CONNECTING -> RELAY -> (done | reset | idle timeout) -> DEAD
 *		 |      ^
 *		 v      |  (ECONNREFUSED/ENOENT before --connect-timeout ends)
 *		 BACKOFF
 *
 * The client socket is in epoll from accept on; while not relaying, only its
 * hang-up or error matters (the client left: drop the attempt). A connection
 * that fails is closed alone, the listener and the other connections go on.
 *
 * The connection limit is backpressure, as the listen backlog is: at
 * --connections-max open connections the listeners leave epoll, and come
 * back when one closes; every struct conn counts, including those still
 * connecting, so the number open never exceeds the limit.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "proxyd.h"
#include "proxyproto.h"

#define ACCEPT_BATCH	64
/* retries of a refused connect (--connect-timeout): the first connection
 * to a service still starting waits for this, so the schedule is tight
 * (1, 2, 4, 8, then every 16 ms: a refused connect to loopback costs a few
 * microseconds, and the service is at most 16 ms late, not 500) */
#define BACKOFF_FIRST_MS 1
#define BACKOFF_MAX_MS	16
#define RESOLVE_EVERY	1000000		/* usec between re-resolutions */

static void list_add(struct conn_list *l, struct conn *c)
{
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

static void list_del(struct conn_list *l, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

static struct conn_list *conn_list_of(struct proxyd *x, struct conn *c)
{
	return c->state == C_RELAY ? &x->active : &x->pending;
}

void listeners_accepting(struct proxyd *x, bool on)
{
	int i;

	if (x->accepting == on)
		return;
	for (i = 0; i < x->nlisteners; i++) {
		struct listener *l = &x->listeners[i];
		struct epoll_event ev = { .events = on ? EPOLLIN : 0,
					  .data.ptr = &l->ev };

		if (l->socktype != SOCK_STREAM || l->fd < 0)
			continue;
		if (epoll_ctl(x->epfd, EPOLL_CTL_MOD, l->fd, &ev) < 0)
			log_warn("epoll_ctl(listener %d): %s", l->fd, strerror(errno));
	}
	x->accepting = on;
}

/* conn_kill() - close a connection of any state; freed after the batch */
static void conn_kill(struct proxyd *x, struct conn *c, bool abort)
{
	if (c->state == C_DEAD)
		return;
	list_del(conn_list_of(x, c), c);
	if (c->state == C_RELAY) {
		relay_close(&c->r, &x->pool, abort);
	} else {
		if (c->r.fd[1] >= 0)
			close(c->r.fd[1]);
		close(c->r.fd[0]);
		c->r.fd[0] = c->r.fd[1] = -1;
	}
	c->state = C_DEAD;
	c->next = x->dead;
	x->dead = c;
	x->nconns--;
	if (!x->draining && x->nconns < x->args->connections_max &&
	    x->accept_resume == 0)
		listeners_accepting(x, true);
	proxyd_idle_check(x);
}

void tcp_reap(struct proxyd *x)
{
	while (x->dead) {
		struct conn *c = x->dead;

		x->dead = c->next;
		free(c);
	}
}

static void set_opt(int fd, int level, int opt, int val)
{
	/* best effort: a refused option costs speed, not correctness */
	(void)setsockopt(fd, level, opt, &val, sizeof(val));
}

static void pending_at(struct proxyd *x, struct conn *c, uint64_t when)
{
	c->deadline = when;
	if (when < x->pending_next)
		x->pending_next = when;
}

static void conn_established(struct proxyd *x, struct conn *c);

/* the target's address, resolving a name at start, after a failure at most
 * once a second; Return: 0 or -EHOSTUNREACH */
static int target_addr(struct proxyd *x, struct target *t)
{
	int r;

	if (!addr_needs_resolve(&t->a) || (t->a.len && !t->stale))
		return 0;
	if (t->resolved_at && x->now - t->resolved_at < RESOLVE_EVERY)
		return t->a.len ? 0 : -EHOSTUNREACH;
	t->resolved_at = x->now;
	r = addr_resolve(&t->a, SOCK_STREAM);
	if (r) {
		log_warn("resolve(%s): %s", t->text, gai_strerror(r));
		return t->a.len ? 0 : -EHOSTUNREACH;	/* keep the old one */
	}
	t->stale = false;
	return 0;
}

static void conn_connect(struct proxyd *x, struct conn *c);

static bool tcp_established(int fd)
{
	struct tcp_info ti;
	socklen_t sl = sizeof(ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &sl) == 0 &&
	       ti.tcpi_state == TCP_ESTABLISHED;
}

static void conn_connect_failed(struct proxyd *x, struct conn *c, int err)
{
	struct target *t = c->l->t;

	if (c->r.fd[1] >= 0) {
		close(c->r.fd[1]);
		c->r.fd[1] = -1;
	}
	c->in_epoll = false;
	if ((err == ECONNREFUSED || err == ENOENT || err == EAGAIN) &&
	    c->give_up && x->now < c->give_up) {
		/* the backend is not up yet: hold the client, try again; the
		 * last try is at the deadline */
		uint64_t at = x->now + c->backoff_ms * 1000ULL;

		c->state = C_BACKOFF;
		pending_at(x, c, at < c->give_up ? at : c->give_up);
		c->backoff_ms *= 2;
		if (c->backoff_ms > BACKOFF_MAX_MS)
			c->backoff_ms = BACKOFF_MAX_MS;
		return;
	}
	if (addr_needs_resolve(&t->a))
		t->stale = true;
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
		ratelog(x, &x->log_nofd, "connect(%s): %s (raise LimitNOFILE= or lower -c)",
			t->text, strerror(err));
	else
		log_warn("connect(%s): %s%s", t->text, strerror(err),
			 c->give_up ? " (--connect-timeout reached)" : "");
	conn_kill(x, c, false);
}

static void conn_connect(struct proxyd *x, struct conn *c)
{
	struct target *t = c->l->t;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				  .data.ptr = &c->ev[1] };
	int fd, fam;

	if (target_addr(x, t) < 0) {
		conn_connect_failed(x, c, EHOSTUNREACH);
		return;
	}
	fam = t->a.sa.ss_family;
	fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		conn_connect_failed(x, c, errno);
		return;
	}
	c->r.fd[1] = fd;
	if (fam == AF_INET || fam == AF_INET6) {
		set_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
		if (x->args->keepalive)
			set_opt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
	}
	c->state = C_CONNECTING;
	if (connect(fd, (struct sockaddr *)&t->a.sa, t->a.len) == 0) {
		conn_established(x, c);
		return;
	}
	if (errno != EINPROGRESS) {
		conn_connect_failed(x, c, errno);
		return;
	}
	if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		conn_connect_failed(x, c, errno);
		return;
	}
	c->in_epoll = true;
	/* to loopback the handshake is over before connect() returns: skip
	 * the wait for EPOLLOUT */
	if (fam != AF_UNIX && tcp_established(fd)) {
		conn_established(x, c);
		return;
	}
	pending_at(x, c, c->give_up ? c->give_up : UINT64_MAX);
}

/* send_proxy_header() - the PROXY header, before any byte of the client's;
 * Return: 0 or -errno */
static int send_proxy_header(struct proxyd *x, struct conn *c)
{
	struct sockaddr_storage src, dst;
	socklen_t sl = sizeof(src), dl = sizeof(dst);
	uint8_t hdr[PROXY_HDR_MAX];
	ssize_t n;
	int len;

	if (getpeername(c->r.fd[0], (struct sockaddr *)&src, &sl) < 0)
		sl = 0;
	if (getsockname(c->r.fd[0], (struct sockaddr *)&dst, &dl) < 0)
		dl = 0;
	len = proxy_header(x->args->proxy, (struct sockaddr *)&src, sl,
			   (struct sockaddr *)&dst, dl, hdr, sizeof(hdr));
	if (len < 0)
		return len;
	/* a fresh socket's send buffer (>= 4 KiB) always takes it whole */
	n = send(c->r.fd[1], hdr, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	return n == len ? 0 : -EAGAIN;
}

static void conn_relay_result(struct proxyd *x, struct conn *c, int r)
{
	if (r == RELAY_OPEN)
		return;
	if (r < 0 && r != -ECONNRESET && r != -EPIPE)
		log_warn("relay: %s", strerror(-r));
	else if (r < 0)
		log_debug("relay: %s, passing the reset on", strerror(-r));
	conn_kill(x, c, r < 0);
}

static void conn_established(struct proxyd *x, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				  .data.ptr = &c->ev[1] };
	int r;

	if (x->args->proxy) {
		r = send_proxy_header(x, c);
		if (r < 0) {
			log_warn("send(PROXY header to %s): %s", c->l->t->text,
				 strerror(-r));
			conn_kill(x, c, true);
			return;
		}
	}
	/* connected at once (unix sockets): not in epoll yet */
	if (!c->in_epoll && epoll_ctl(x->epfd, EPOLL_CTL_ADD, c->r.fd[1], &ev) < 0) {
		log_warn("epoll_ctl(target socket): %s", strerror(errno));
		conn_kill(x, c, true);
		return;
	}
	list_del(&x->pending, c);
	c->state = C_RELAY;
	relay_init(&c->r, c->r.fd[0], c->r.fd[1]);
	c->deadline = x->now;
	list_add(&x->active, c);
	/* what the client sent while we connected, and its FIN if it did */
	conn_relay_result(x, c, relay_event(&c->r, &x->pool, -1, 0));
}

static int accept_one(struct proxyd *x, struct listener *l)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };
	struct conn *c;
	int fd;

	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->ev[0] = (struct evh){ .type = EV_CONN, .side = 0 };
	c->ev[1] = (struct evh){ .type = EV_CONN, .side = 1 };
	c->l = l;
	c->r.fd[0] = fd;
	c->r.fd[1] = -1;
	c->state = C_CONNECTING;
	c->backoff_ms = BACKOFF_FIRST_MS;
	if (x->args->connect_timeout_usec && x->args->connect_timeout_usec != UINT64_MAX)
		c->give_up = x->now + x->args->connect_timeout_usec;
	else if (x->args->connect_timeout_usec == UINT64_MAX)
		c->give_up = UINT64_MAX - 1;
	if (l->tcp) {
		set_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
		if (x->args->keepalive)
			set_opt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
	}
	ev.data.ptr = &c->ev[0];
	if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		close(fd);
		free(c);
		return r;
	}
	x->nconns++;
	x->idle_since = 0;
	list_add(&x->pending, c);
	conn_connect(x, c);
	return 0;
}

void tcp_accept(struct proxyd *x, struct listener *l)
{
	int i, r;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (x->nconns >= x->args->connections_max) {
			listeners_accepting(x, false);
			return;
		}
		r = accept_one(x, l);
		if (r == -EAGAIN || r == -EINTR)
			return;
		if (r == -EMFILE || r == -ENFILE || r == -ENOMEM || r == -ENOBUFS) {
			/* out of fds or memory: pause accepting a moment
			 * rather than spin on a ready listener */
			ratelog(x, &x->log_accept,
				"accept: %s (pausing 100 ms; raise LimitNOFILE= or lower -c)",
				strerror(-r));
			listeners_accepting(x, false);
			x->accept_resume = x->now + 100000;
			return;
		}
		if (r < 0) {
			/* ECONNABORTED and friends: that client is gone */
			log_debug("accept: %s", strerror(-r));
		}
	}
}

void tcp_event(struct proxyd *x, struct conn *c, int side, uint32_t events)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	switch (c->state) {
	case C_RELAY:
		if (x->args->idle_timeout_usec != UINT64_MAX) {
			c->deadline = x->now;
			list_del(&x->active, c);
			list_add(&x->active, c);
		}
		conn_relay_result(x, c, relay_event(&c->r, &x->pool, side, events));
		return;
	case C_CONNECTING:
	case C_BACKOFF:
		if (side == 0) {
			/* the client gave up waiting */
			if (events & (EPOLLHUP | EPOLLERR))
				conn_kill(x, c, false);
			return;
		}
		if (c->state != C_CONNECTING)
			return;
		if (getsockopt(c->r.fd[1], SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			err = errno;
		if (err) {
			conn_connect_failed(x, c, err);
			return;
		}
		if (events & EPOLLOUT)
			conn_established(x, c);
		return;
	default:
		return;
	}
}

/* tcp_timers() - run what is due; Return: when to run again (usec) */
uint64_t tcp_timers(struct proxyd *x)
{
	uint64_t idle = x->args->idle_timeout_usec, next = UINT64_MAX;
	struct conn *c, *n;

	if (x->now >= x->pending_next) {
		x->pending_next = UINT64_MAX;
		for (c = x->pending.head; c; c = n) {
			n = c->next;
			if (c->deadline > x->now) {
				if (c->deadline < x->pending_next)
					x->pending_next = c->deadline;
				continue;
			}
			if (c->state == C_BACKOFF) {
				conn_connect(x, c);
			} else {
				log_warn("connect(%s): timed out (--connect-timeout)",
					 c->l->t->text);
				conn_kill(x, c, false);
			}
		}
	}
	next = x->pending_next;
	if (idle != UINT64_MAX) {
		while ((c = x->active.head) && c->deadline + idle <= x->now) {
			log_debug("connection idle for --idle-timeout, closing");
			conn_kill(x, c, false);
		}
		if (c && c->deadline + idle < next)
			next = c->deadline + idle;
	}
	return next;
}

/* tcp_abort_all() - the end of a drain: close what is left */
void tcp_abort_all(struct proxyd *x)
{
	while (x->pending.head)
		conn_kill(x, x->pending.head, false);
	while (x->active.head)
		conn_kill(x, x->active.head, false);
}
