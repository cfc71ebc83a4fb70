/* SPDX-License-Identifier: MIT
 *
 * relaysrv.c - the accept/connect/splice loop shared by bro-relay (one
 * route) and bro-run's --relay/--publish process (several): epoll,
 * edge-triggered on the connections, lib/relay.c moving the bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "relay.h"
#include "relaysrv.h"

struct conn {
	struct relay r;
	bool dead;
	struct conn *next;	/* the dead list, freed after each batch */
	const struct relay_route *rt;
};

struct srv {
	struct relay_route *rt;
	size_t n;
	unsigned conns_max, nconns;
	int epfd;
	struct pipe_pool pool;
	struct conn *dead;
};

/* epoll tags below this are ours: listener i is (i + 1) << 1, the signal
 * fd is 1; a connection is its (8-aligned, heap) pointer | side */
#define TAG_CTL_MAX	((uint64_t)(RELAY_ROUTES_MAX + 2) << 1)
#define TAG_SIGNAL	((uint64_t)1)

void relay_keepalive(int fd)
{
	int on = 1, idle = 60, intvl = 10, cnt = 6;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static void listeners_arm(struct srv *s, uint32_t ev)
{
	for (size_t i = 0; i < s->n; i++) {
		struct epoll_event e = { .events = ev,
					 .data.u64 = (uint64_t)(i + 1) << 1 };

		epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->rt[i].lfd, &e);
	}
}

static void conn_end(struct srv *s, struct conn *c, int r)
{
	if (c->dead)
		return;
	if (r < 0 && r != -ECONNRESET && r != -EPIPE)
		log_warn("connection to %s: %s", c->rt->name, strerror(-r));
	relay_close(&c->r, &s->pool, r < 0);
	c->dead = true;
	c->next = s->dead;
	s->dead = c;
	if (s->nconns-- == s->conns_max)
		listeners_arm(s, EPOLLIN);
}

static int epoll_add(struct srv *s, int fd, uint32_t ev, uint64_t tag)
{
	struct epoll_event e = { .events = ev, .data.u64 = tag };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}

static void on_accept(struct srv *s, const struct relay_route *rt)
{
	for (;;) {
		struct conn *c;
		int cfd, tfd, r;

		if (s->nconns >= s->conns_max) {
			/* backpressure: the backlogs hold the rest */
			listeners_arm(s, 0);
			return;
		}
		cfd = accept4(rt->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("accept(for %s): %s", rt->name, strerror(errno));
			return;
		}
		if (rt->ka_in)
			relay_keepalive(cfd);
		tfd = socket(rt->to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (tfd < 0) {
			log_warn("socket(%s): %s", rt->name, strerror(errno));
			close(cfd);
			continue;
		}
		if (rt->ka_out)
			relay_keepalive(tfd);
		if (connect(tfd, (const struct sockaddr *)&rt->to, rt->tolen) < 0 &&
		    errno != EINPROGRESS) {
			log_warn("connect(%s): %s", rt->name, strerror(errno));
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
		c->rt = rt;
		relay_init(&c->r, cfd, tfd);
		s->nconns++;
		if (epoll_add(s, cfd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			      (uint64_t)(uintptr_t)c) < 0 ||
		    epoll_add(s, tfd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			      (uint64_t)(uintptr_t)c | 1) < 0) {
			log_warn("epoll_ctl(ADD, for %s): %s", rt->name, strerror(errno));
			conn_end(s, c, -errno);
			continue;
		}
		r = relay_event(&c->r, &s->pool, -1, 0);
		if (r != RELAY_OPEN)
			conn_end(s, c, r);
	}
}

int relay_serve(struct relay_route *rt, size_t n, unsigned conns_max,
		int sigfd, void (*ready)(void *), void *arg)
{
	struct srv s = { .rt = rt, .n = n, .conns_max = conns_max ? conns_max : 1 };
	struct epoll_event ev[64];
	int r;

	if (n > RELAY_ROUTES_MAX)
		return -E2BIG;
	r = pipe_pool_init(&s.pool, 8, 0);
	if (r < 0)
		return r;
	s.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s.epfd < 0) {
		r = -errno;
		pipe_pool_fini(&s.pool);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		if (fcntl(rt[i].lfd, F_SETFL, fcntl(rt[i].lfd, F_GETFL) | O_NONBLOCK) < 0 ||
		    (r = epoll_add(&s, rt[i].lfd, EPOLLIN, (uint64_t)(i + 1) << 1)) < 0)
			goto fail;
	}
	if ((r = epoll_add(&s, sigfd, EPOLLIN, TAG_SIGNAL)) < 0)
		goto fail;
	if (ready)
		ready(arg);
	for (;;) {
		int k = epoll_wait(s.epfd, ev, 64, -1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			log_warn("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < k; i++) {
			uint64_t t = ev[i].data.u64;
			struct conn *c;

			if (t == TAG_SIGNAL)
				goto out;
			if (t < TAG_CTL_MAX) {
				on_accept(&s, &rt[(t >> 1) - 1]);
				continue;
			}
			c = (struct conn *)(uintptr_t)(t & ~(uint64_t)1);
			if (c->dead)
				continue;
			r = relay_event(&c->r, &s.pool, (int)(t & 1), ev[i].events);
			if (r != RELAY_OPEN)
				conn_end(&s, c, r);
		}
		while (s.dead) {
			struct conn *c = s.dead;

			s.dead = c->next;
			free(c);
		}
	}
out:
	close(s.epfd);
	pipe_pool_fini(&s.pool);
	return 0;
fail:
	if (r == 0)
		r = -errno;
	close(s.epfd);
	pipe_pool_fini(&s.pool);
	return r;
}
