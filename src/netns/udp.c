/* SPDX-License-Identifier: MIT
 *
 * udp.c - UDP through the SOCKS5 proxy (RFC 1928 UDP ASSOCIATE), for a
 * socks5:// namespace.
 *
 * Capture. nftables marks UDP leaving the namespace (not port 53, not to
 * its own addresses); a policy route sends it back in through lo, where
 * TPROXY hands it to the relay's transparent UDP socket with where it was
 * going (IP_ORIGDSTADDR / IPV6_ORIGDSTADDR). REDIRECT cannot be used: it
 * rewrites the destination and, for UDP, nothing gives it back.
 *
 * Flows. The first datagram from a client address to a destination makes
 * a flow, checked against the policy like a TCP connection (the name for
 * a fake address, else the address). An allowed flow gets:
 *   down: a UDP socket made inside the namespace (the factory), made
 *	   transparent by the relay (its user owns the namespace's user
 *	   namespace, which gives CAP_NET_ADMIN over it), bound to the
 *	   destination and connected to the client. Replies leave from it, so
 *	   they come from the very address and port the client sent to, and
 *	   TPROXY delivers the client's next datagrams to it directly (an
 *	   established socket is looked up first);
 *   ctl:  a TCP connection to the proxy: greeting, [RFC 1929 auth], UDP
 *	   ASSOCIATE with the address "up" sends from; the association lives
 *	   as long as ctl does;
 *   up:   a UDP socket in the host namespace connected to the proxy's relay
 *	   address (BND in the reply); each datagram goes out with the SOCKS5
 *	   header naming the destination (by name for a fake address: the
 *	   proxy resolves it), each reply comes back with one, stripped.
 * Datagrams that come before the association is made are held (at most
 * UDP_QUEUE_MAX). A flow ends after UDP_IDLE_SECS without a datagram
 * either way, when the proxy closes ctl, or when the association is not
 * made within UDP_SETUP_SECS; then it is one line of the connection log.
 * A denied datagram is dropped and logged (there is no reset in UDP).
 *
 * The fds are in the relay's own epoll set (level-triggered, bounded
 * bursts): one epoll_wait() a wakeup for TCP and UDP alike. What is
 * registered here starts with the kind udp_init() was given, which is how
 * the relay's loop tells it from its own and hands it to udp_event().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "nsbuild.h"
#include "socks5udp.h"
#include "udp.h"

#define BURST		64	/* datagrams read per fd per turn */
#define BATCH		32	/* datagrams per recvmmsg() / sendmmsg() */
#define DGRAM_MAX	65536

enum fstate { F_CONNECTING, F_GREET, F_AUTH, F_ASSOC, F_READY };
enum { S_CTL, S_UP, S_DOWN };

struct flow;

/* an epoll registration: @kind first (udp.h), @f NULL for a TPROXY socket */
struct fev {
	int kind;
	struct flow *f;
	int which;
	int fd;
};

struct held {
	struct held *next;
	size_t len;
	uint8_t data[];
};

struct flow {
	struct flow *prev, *next;
	struct fev ev[3];
	enum fstate st;
	struct sockaddr_storage cli, dst;
	struct target t;
	uint8_t out[600];
	size_t olen;
	uint8_t hdr[SOCKS5_UDP_HDR_MAX];
	size_t hlen;
	struct held *q, **qtail;
	unsigned qn;
	uint32_t rule;
	uint64_t bytes_out, bytes_in;
	uint64_t start_ms, start_mono, last_mono;
	char err[96];
	bool dead;
};

static struct {
	struct udp_env env;
	int ep, kind;
	struct fev lev[2];
	struct flow *flows, *grave;
	unsigned n;
	uint64_t out, in;
} U = { .ep = -1 };

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

static bool sa_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port &&
	       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
}

static uint16_t sa_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ?
		     ((const struct sockaddr_in6 *)ss)->sin6_port :
		     ((const struct sockaddr_in *)ss)->sin_port);
}

static void log_flow(const struct target *t, const struct sockaddr_storage *dst,
		     const struct flow *f, bool allow, uint32_t rule,
		     const char *error)
{
	struct connlog_entry e = {
		.name = t->name[0] ? t->name : NULL,
		.sa = (const struct sockaddr *)dst,
		.port = t->port,
		.allow = allow,
		.rule = rule,
		.error = error,
		.udp = true,
	};

	if (f) {
		e.start_ms = f->start_ms;
		e.dur_ms = mono_ms() - f->start_mono;
		e.bytes_out = f->bytes_out;
		e.bytes_in = f->bytes_in;
	} else {
		e.start_ms = real_ms();
	}
	connlog_write(U.env.log, &e);
}

static void flow_end(struct flow *f, const char *why)
{
	struct held *h;

	if (f->dead)
		return;
	f->dead = true;
	if (why && !f->err[0])
		snprintf(f->err, sizeof(f->err), "%s", why);
	log_flow(&f->t, &f->dst, f, true, f->rule, f->err[0] ? f->err : NULL);
	U.out += f->bytes_out;
	U.in += f->bytes_in;
	for (int i = 0; i < 3; i++)
		if (f->ev[i].fd >= 0)
			close(f->ev[i].fd);
	while ((h = f->q) != NULL) {
		f->q = h->next;
		free(h);
	}
	if (f->prev)
		f->prev->next = f->next;
	else
		U.flows = f->next;
	if (f->next)
		f->next->prev = f->prev;
	U.n--;
	f->next = U.grave;
	U.grave = f;
}

static void flow_fail(struct flow *f, const char *step, int err)
{
	if (!f->err[0])
		snprintf(f->err, sizeof(f->err), "%s: %s", step, strerror(err));
	flow_end(f, NULL);
}

static int watch(struct flow *f, int which, int fd, uint32_t events)
{
	struct epoll_event ee = { .events = events, .data.ptr = &f->ev[which] };

	f->ev[which].fd = fd;
	return epoll_ctl(U.ep, EPOLL_CTL_ADD, fd, &ee) < 0 ? -errno : 0;
}

/* send one datagram of the client's to the proxy, with its header */
static void flow_send(struct flow *f, const uint8_t *data, size_t len)
{
	struct held *h;

	f->last_mono = mono_ms();
	if (f->st != F_READY) {
		if (f->qn >= UDP_QUEUE_MAX)
			return;		/* dropped, as a full buffer would */
		h = malloc(sizeof(*h) + len);
		if (!h)
			return;
		h->next = NULL;
		h->len = len;
		memcpy(h->data, data, len);
		*f->qtail = h;
		f->qtail = &h->next;
		f->qn++;
		return;
	}
	struct iovec iov[2] = {
		{ .iov_base = f->hdr, .iov_len = f->hlen },
		{ .iov_base = (void *)data, .iov_len = len },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	if (sendmsg(f->ev[S_UP].fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
		f->bytes_out += len;
}

/* the destination of @f as the proxy is told: the name of a fake address */
static int flow_target(const struct sockaddr_storage *dst, struct target *t)
{
	const char *name;

	memset(t, 0, sizeof(*t));
	memcpy(&t->sa, dst, sa_len(dst));
	t->port = sa_port(dst);
	if (dst->ss_family == AF_INET && U.env.c->dns_mode == DNS_FAKE) {
		uint32_t a = ntohl(((const struct sockaddr_in *)dst)->sin_addr.s_addr);

		if ((a & 0xfffe0000u) == FAKE_BASE) {
			name = fakedns_name(U.env.fake, a);
			if (!name)
				return -ESTALE;
			snprintf(t->name, sizeof(t->name), "%s", name);
		}
	}
	return 0;
}

/* the socket inside the namespace that answers the client from @f->dst */
static int down_socket(struct flow *f)
{
	bool v6 = f->dst.ss_family == AF_INET6;
	int fd, one = 1, r;

	fd = ns_socket_udp(U.env.factory, f->dst.ss_family);
	if (fd < 0)
		return fd;
	if (setsockopt(fd, v6 ? SOL_IPV6 : SOL_IP, v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT,
		       &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)&f->dst, sa_len(&f->dst)) < 0 ||
	    connect(fd, (const struct sockaddr *)&f->cli, sa_len(&f->cli)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static void flow_new(const struct sockaddr_storage *cli,
		     const struct sockaddr_storage *dst, const uint8_t *data,
		     size_t len)
{
	const struct netns_conf *c = U.env.c;
	struct policy_verdict v;
	struct target t;
	struct flow *f;
	int fd, r;

	if (flow_target(dst, &t) < 0) {
		(*U.env.denied)++;
		log_flow(&t, dst, NULL, false, 0, "unknown fake address");
		return;
	}
	v = policy_check(*U.env.pol, t.name[0] ? t.name : NULL,
			 (const struct sockaddr *)&t.sa, t.port);
	if (!v.allow) {
		(*U.env.denied)++;
		log_flow(&t, dst, NULL, false, v.rule, NULL);
		return;
	}
	if (U.n >= UDP_FLOW_MAX || !(f = calloc(1, sizeof(*f)))) {
		log_flow(&t, dst, NULL, true, v.rule, "too many UDP flows");
		return;
	}
	(*U.env.allowed)++;
	for (int i = 0; i < 3; i++)
		f->ev[i] = (struct fev){ .kind = U.kind, .f = f, .which = i, .fd = -1 };
	f->cli = *cli;
	f->dst = *dst;
	f->t = t;
	f->rule = v.rule;
	f->qtail = &f->q;
	f->start_ms = real_ms();
	f->start_mono = f->last_mono = mono_ms();
	f->next = U.flows;
	if (U.flows)
		U.flows->prev = f;
	U.flows = f;
	U.n++;
	f->hlen = socks5_udp_header(&t, f->hdr);
	if (!f->hlen) {
		flow_end(f, "name too long");
		return;
	}
	flow_send(f, data, len);

	fd = down_socket(f);
	if (fd < 0) {
		flow_fail(f, "transparent socket in the namespace", -fd);
		return;
	}
	r = watch(f, S_DOWN, fd, EPOLLIN);
	if (r < 0) {
		close(fd);
		flow_fail(f, "epoll_ctl", -r);
		return;
	}
	fd = socket(c->proxy_sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (r = watch(f, S_CTL, fd, EPOLLIN | EPOLLOUT)) < 0) {
		r = fd < 0 ? errno : -r;
		if (fd >= 0)
			close(fd);
		flow_fail(f, "socket(proxy)", r);
		return;
	}
	if (connect(fd, (const struct sockaddr *)&c->proxy_sa, c->proxy_len) < 0 &&
	    errno != EINPROGRESS)
		flow_fail(f, "connect(proxy)", errno);
}

/* the TPROXY socket @lfd: first datagrams of new flows (and the odd one
 * that raced its flow's socket) */
static void tproxy_event(int lfd)
{
	static uint8_t buf[DGRAM_MAX];
	char cbuf[256];

	for (int i = 0; i < BURST; i++) {
		struct sockaddr_storage cli, dst = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr m = { .msg_name = &cli, .msg_namelen = sizeof(cli),
				    .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		struct flow *f;
		ssize_t n = recvmsg(lfd, &m, MSG_DONTWAIT);

		if (n < 0)
			return;
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
			if (cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_ORIGDSTADDR)
				memcpy(&dst, CMSG_DATA(cm), sizeof(struct sockaddr_in));
			if (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_ORIGDSTADDR)
				memcpy(&dst, CMSG_DATA(cm), sizeof(struct sockaddr_in6));
		}
		if (dst.ss_family != AF_INET && dst.ss_family != AF_INET6)
			continue;	/* not captured: sent to the socket itself */
		if (m.msg_flags & MSG_TRUNC)
			continue;
		for (f = U.flows; f; f = f->next)
			if (sa_eq(&f->cli, &cli) && sa_eq(&f->dst, &dst))
				break;
		if (f)
			flow_send(f, buf, (size_t)n);
		else
			flow_new(&cli, &dst, buf, (size_t)n);
	}
}

/* send f->out on ctl (a few bytes: all or nothing) */
static int ctl_send(struct flow *f)
{
	ssize_t n = send(f->ev[S_CTL].fd, f->out, f->olen, MSG_NOSIGNAL | MSG_DONTWAIT);

	return n == (ssize_t)f->olen ? 0 : n < 0 ? -errno : -EIO;
}

/* the UDP socket the datagrams go out from: on ctl's local address, so the
 * proxy sees them come from where the association was asked */
static int assoc_request(struct flow *f)
{
	struct sockaddr_storage me;
	socklen_t l = sizeof(me);
	int fd, r;

	if (getsockname(f->ev[S_CTL].fd, (struct sockaddr *)&me, &l) < 0)
		return -errno;
	if (me.ss_family == AF_INET)
		((struct sockaddr_in *)&me)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&me)->sin6_port = 0;
	fd = socket(me.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	l = sizeof(me);
	if (bind(fd, (struct sockaddr *)&me, sa_len(&me)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &l) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	f->ev[S_UP].fd = fd;	/* registered once connected to BND */
	f->olen = socks5_udp_associate((struct sockaddr *)&me, f->out);
	f->st = F_ASSOC;
	return ctl_send(f);
}

/* the association is made: datagrams go to @bnd */
static int assoc_ready(struct flow *f, struct sockaddr_storage *bnd)
{
	const struct sockaddr_storage *p = &U.env.c->proxy_sa;
	struct epoll_event ee = { .events = EPOLLIN | EPOLLRDHUP,
				  .data.ptr = &f->ev[S_CTL] };
	struct held *h;
	int fd = f->ev[S_UP].fd, r;

	/* 0.0.0.0 / ::: "the address you reached me at" */
	if (bnd->ss_family == AF_INET &&
	    ((struct sockaddr_in *)bnd)->sin_addr.s_addr == INADDR_ANY &&
	    p->ss_family == AF_INET)
		((struct sockaddr_in *)bnd)->sin_addr = ((const struct sockaddr_in *)p)->sin_addr;
	if (bnd->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)bnd)->sin6_addr) &&
	    p->ss_family == AF_INET6)
		((struct sockaddr_in6 *)bnd)->sin6_addr = ((const struct sockaddr_in6 *)p)->sin6_addr;
	f->ev[S_UP].fd = -1;
	if (connect(fd, (struct sockaddr *)bnd, sa_len(bnd)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = watch(f, S_UP, fd, EPOLLIN);
	if (r < 0) {
		close(fd);
		return r;
	}
	if (epoll_ctl(U.ep, EPOLL_CTL_MOD, f->ev[S_CTL].fd, &ee) < 0)
		return -errno;
	f->st = F_READY;
	while ((h = f->q) != NULL) {
		f->q = h->next;
		flow_send(f, h->data, h->len);
		free(h);
	}
	f->qtail = &f->q;
	f->qn = 0;
	return 0;
}

/* the handshake on ctl, as far as the bytes at hand go; Return: 0, -errno */
static int ctl_step(struct flow *f)
{
	const struct proxy_url *u = &U.env.c->proxy;
	struct sockaddr_storage bnd;
	uint8_t peek[300], sink[300];
	size_t len = 0;
	int r, rep = 0, err = 0;
	socklen_t sl = sizeof(err);
	ssize_t n;

	if (f->st == F_CONNECTING) {
		if (getsockopt(f->ev[S_CTL].fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err)
			return -err;
		f->olen = socks5_greeting(u, f->out);
		f->st = F_GREET;
		r = ctl_send(f);
		if (r < 0)
			return r;
		/* from here on only replies are waited for */
		struct epoll_event ee = { .events = EPOLLIN | EPOLLRDHUP,
					  .data.ptr = &f->ev[S_CTL] };
		if (epoll_ctl(U.ep, EPOLL_CTL_MOD, f->ev[S_CTL].fd, &ee) < 0)
			return -errno;
		return 0;
	}
	n = recv(f->ev[S_CTL].fd, peek, sizeof(peek), MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	switch (f->st) {
	case F_GREET:
		r = socks5_method_parse(peek, (size_t)n, u->auth);
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return r;
		if (recv(f->ev[S_CTL].fd, sink, 2, 0) != 2)
			return -EIO;
		if (r == 2) {
			f->olen = socks5_auth(u, f->out);
			f->st = F_AUTH;
			return ctl_send(f);
		}
		return assoc_request(f);
	case F_AUTH:
		r = socks5_auth_parse(peek, (size_t)n);
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return r;
		if (recv(f->ev[S_CTL].fd, sink, 2, 0) != 2)
			return -EIO;
		return assoc_request(f);
	case F_ASSOC:
		r = socks5_reply_parse(peek, (size_t)n, &len, &rep);
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return r;
		if (recv(f->ev[S_CTL].fd, sink, len, 0) != (ssize_t)len)
			return -EIO;
		if (socks5_bnd_parse(sink, len, &bnd) < 0)
			return -EPROTO;
		return assoc_ready(f, &bnd);
	case F_READY:
		/* nothing is expected on ctl now: its end ends the flow */
		n = recv(f->ev[S_CTL].fd, sink, sizeof(sink), MSG_DONTWAIT);
		return n == 0 ? -ECONNRESET : 0;
	case F_CONNECTING:
	default:
		return -EINVAL;
	}
}

/* datagrams from the proxy's relay (up) to the client, or from the client
 * (down) to the proxy: BATCH at a time, one recvmmsg() and one sendmmsg()
 * (per datagram, a syscall each way costs more than the copy) */
static void data_event(struct flow *f, int which)
{
	static uint8_t buf[BATCH][DGRAM_MAX];
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec iin[BATCH], iout[BATCH][2];
	uint64_t moved = 0;
	size_t hdr;
	int n, k;

	for (int round = 0; round < BURST / BATCH && !f->dead; round++) {
		for (int i = 0; i < BATCH; i++) {
			iin[i] = (struct iovec){ .iov_base = buf[i], .iov_len = DGRAM_MAX };
			in[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iin[i],
							       .msg_iovlen = 1 } };
		}
		n = recvmmsg(f->ev[which].fd, in, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED)
				flow_fail(f, which == S_UP ? "recv(proxy)" : "recv(client)",
					  errno);
			return;
		}
		k = 0;
		for (int i = 0; i < n; i++) {
			size_t len = in[i].msg_len;

			if (in[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;
			if (which == S_DOWN) {
				if (f->st != F_READY) {
					flow_send(f, buf[i], len);	/* held */
					continue;
				}
				iout[k][0] = (struct iovec){ .iov_base = f->hdr,
							     .iov_len = f->hlen };
				iout[k][1] = (struct iovec){ .iov_base = buf[i],
							     .iov_len = len };
			} else {
				if (socks5_udp_parse(buf[i], len, &hdr) < 0)
					continue;	/* not SOCKS5, or a fragment */
				iout[k][0] = (struct iovec){ .iov_base = buf[i] + hdr,
							     .iov_len = len - hdr };
				iout[k][1] = (struct iovec){ .iov_base = NULL, .iov_len = 0 };
			}
			out[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = iout[k],
								.msg_iovlen = 2 } };
			k++;
		}
		if (k) {
			int sent = sendmmsg(f->ev[which == S_DOWN ? S_UP : S_DOWN].fd,
					    out, (unsigned)k, MSG_DONTWAIT | MSG_NOSIGNAL);

			for (int i = 0; i < sent; i++)
				moved += iout[i][which == S_DOWN ? 1 : 0].iov_len;
			f->last_mono = mono_ms();
		}
		if (n < BATCH)
			break;
	}
	if (which == S_DOWN)
		f->bytes_out += moved;
	else
		f->bytes_in += moved;
}

void udp_reap(void)
{
	struct flow *f;

	while ((f = U.grave) != NULL) {
		U.grave = f->next;
		free(f);
	}
}

int udp_probe(int factory)
{
	int fd = ns_socket_udp(factory, AF_INET), one = 1, r = 0;

	if (fd < 0)
		return fd;
	if (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) < 0)
		r = -errno;
	close(fd);
	return r;
}

int udp_init(const struct udp_env *env, int ep, int kind, int tpu4, int tpu6)
{
	int fds[2] = { tpu4, tpu6 };

	U.env = *env;
	U.ep = ep;
	U.kind = kind;
	for (int i = 0; i < 2; i++) {
		struct epoll_event ee = { .events = EPOLLIN, .data.ptr = &U.lev[i] };

		U.lev[i] = (struct fev){ .kind = kind, .f = NULL, .which = i, .fd = fds[i] };
		if (epoll_ctl(U.ep, EPOLL_CTL_ADD, fds[i], &ee) < 0)
			return -errno;
	}
	return 0;
}

void udp_event(void *reg)
{
	struct fev *e = reg;
	struct flow *f = e->f;
	int r;

	if (!f) {
		tproxy_event(e->fd);
		return;
	}
	if (f->dead)
		return;
	if (e->which == S_CTL) {
		r = ctl_step(f);
		if (r < 0)
			flow_fail(f, f->st == F_READY ? "the proxy ended the association" :
				  "proxy", -r);
	} else {
		data_event(f, e->which);
	}
}

void udp_sweep(void)
{
	uint64_t now = mono_ms();
	struct flow *f, *next;

	for (f = U.flows; f; f = next) {
		next = f->next;
		if (f->st != F_READY && now - f->start_mono > UDP_SETUP_SECS * 1000u)
			flow_fail(f, "proxy", ETIMEDOUT);
		else if (now - f->last_mono > (U.env.c->udp_idle ? U.env.c->udp_idle :
					       UDP_IDLE_SECS) * 1000ull)
			flow_end(f, NULL);
	}
	udp_reap();
}

void udp_stats(unsigned *active, uint64_t *out, uint64_t *in)
{
	*active = U.n;
	*out = U.out;
	*in = U.in;
	for (struct flow *f = U.flows; f; f = f->next) {
		*out += f->bytes_out;
		*in += f->bytes_in;
	}
}
