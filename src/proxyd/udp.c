/* SPDX-License-Identifier: MIT
 *
 * udp.c - datagram listeners (ListenDatagram=, --listen-datagram): each
 * client address gets a flow, a socket connected to the target, so replies
 * find their way back; a flow ends after --udp-idle-timeout without a
 * datagram either way. Flows are bounded by --connections-max: past it, a
 * datagram from a new client is dropped (as a full socket buffer would).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "proxyd.h"

#define DGRAM_BATCH	64
#define DGRAM_MAX	65536
#define FLOW_HASH_MAX	65536

struct flow {
	struct evh ev;
	int fd;
	struct listener *l;
	struct flow *hnext;
	struct flow *prev, *next;	/* LRU */
	uint64_t last;
	socklen_t plen;
	struct sockaddr_storage peer;
};

static uint8_t dgram[DGRAM_MAX];

int udp_init(struct proxyd *x)
{
	uint32_t n = 64;

	while (n < x->args->connections_max && n < FLOW_HASH_MAX)
		n *= 2;
	x->flow_hash = calloc(n, sizeof(*x->flow_hash));
	if (!x->flow_hash)
		return -ENOMEM;
	x->flow_mask = n - 1;
	return 0;
}

static uint32_t flow_hash(const struct listener *l, const void *sa, socklen_t len)
{
	const uint8_t *p = sa;
	uintptr_t lp = (uintptr_t)l;
	uint32_t h = 2166136261U;
	socklen_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619U;
	h ^= (uint32_t)(lp >> 4);
	return h * 16777619U;
}

static void lru_unlink(struct proxyd *x, struct flow *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		x->flow_head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		x->flow_tail = f->prev;
	f->prev = f->next = NULL;
}

static void lru_touch(struct proxyd *x, struct flow *f)
{
	f->last = x->now;
	if (x->flow_tail == f)
		return;
	if (f->prev || f->next || x->flow_head == f)
		lru_unlink(x, f);
	f->prev = x->flow_tail;
	if (x->flow_tail)
		x->flow_tail->next = f;
	else
		x->flow_head = f;
	x->flow_tail = f;
}

static void flow_close(struct proxyd *x, struct flow *f)
{
	struct flow **pp = &x->flow_hash[flow_hash(f->l, &f->peer, f->plen) & x->flow_mask];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	lru_unlink(x, f);
	close(f->fd);
	free(f);
	x->nflows--;
	proxyd_idle_check(x);
}

static struct flow *flow_new(struct proxyd *x, struct listener *l,
			     const struct sockaddr_storage *peer, socklen_t plen,
			     uint32_t h)
{
	const struct addr *a = &l->t->a;
	struct epoll_event ev = { .events = EPOLLIN };
	struct flow *f;
	int fd;

	if (!a->len)
		return NULL;		/* a name that never resolved */
	fd = socket(a->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ratelog(x, &x->log_nofd, "socket(flow to %s): %s", l->t->text,
			strerror(errno));
		return NULL;
	}
	if (a->sa.ss_family == AF_UNIX) {
		/* an autobound name, so the target can answer */
		const sa_family_t fam = AF_UNIX;

		if (bind(fd, (const struct sockaddr *)&fam, sizeof(fam)) < 0)
			log_debug("bind(autobind): %s", strerror(errno));
	}
	if (connect(fd, (const struct sockaddr *)&a->sa, a->len) < 0) {
		log_warn("connect(%s): %s", l->t->text, strerror(errno));
		close(fd);
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return NULL;
	}
	f->ev.type = EV_FLOW;
	f->fd = fd;
	f->l = l;
	f->plen = plen;
	memcpy(&f->peer, peer, plen);
	ev.data.ptr = &f->ev;
	if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_warn("epoll_ctl(flow): %s", strerror(errno));
		close(fd);
		free(f);
		return NULL;
	}
	f->hnext = x->flow_hash[h & x->flow_mask];
	x->flow_hash[h & x->flow_mask] = f;
	x->nflows++;
	x->idle_since = 0;
	return f;
}

void udp_listener_event(struct proxyd *x, struct listener *l)
{
	static unsigned long dropped;
	int i;

	for (i = 0; i < DGRAM_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		struct flow *f;
		uint32_t h;
		ssize_t n;

		memset(&peer, 0, sizeof(peer));
		n = recvfrom(l->fd, dgram, sizeof(dgram), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&peer, &plen);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_debug("recvfrom(listener): %s", strerror(errno));
			return;
		}
		if ((size_t)n > sizeof(dgram) || plen > sizeof(peer))
			continue;	/* truncated: drop rather than corrupt */
		h = flow_hash(l, &peer, plen);
		for (f = x->flow_hash[h & x->flow_mask]; f; f = f->hnext)
			if (f->l == l && f->plen == plen && !memcmp(&f->peer, &peer, plen))
				break;
		if (!f) {
			if (x->draining)
				continue;
			if (x->nflows >= x->args->connections_max) {
				if (dropped++ % 1000 == 0)
					log_warn("UDP: %lu datagrams from new clients dropped at --connections-max",
						 dropped);
				continue;
			}
			f = flow_new(x, l, &peer, plen, h);
			if (!f)
				continue;
		}
		lru_touch(x, f);
		if (send(f->fd, dgram, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_debug("send(flow): %s", strerror(errno));
	}
}

void udp_flow_event(struct proxyd *x, struct flow *f)
{
	int i;

	for (i = 0; i < DGRAM_BATCH; i++) {
		ssize_t n = recv(f->fd, dgram, sizeof(dgram), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			if (errno == ECONNREFUSED)
				continue;	/* an earlier datagram met no one */
			return;
		}
		if ((size_t)n > sizeof(dgram))
			continue;
		lru_touch(x, f);
		if (sendto(f->l->fd, dgram, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL,
			   (struct sockaddr *)&f->peer, f->plen) < 0)
			log_debug("sendto(client): %s", strerror(errno));
	}
}

uint64_t udp_timers(struct proxyd *x)
{
	uint64_t idle = x->args->udp_idle_usec;
	struct flow *f;

	while ((f = x->flow_head) && (idle == UINT64_MAX || f->last + idle <= x->now)) {
		if (idle == UINT64_MAX)
			return UINT64_MAX;
		flow_close(x, f);
	}
	return f ? f->last + idle : UINT64_MAX;
}

void udp_close_all(struct proxyd *x)
{
	while (x->flow_head)
		flow_close(x, x->flow_head);
}
