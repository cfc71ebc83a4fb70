/* SPDX-License-Identifier: MIT
 *
 * daemon.c - the relay process of one namespace. It lives in the host's
 * network namespace and holds the namespace's fds (which pin it) and its
 * listeners. One epoll loop: connections edge-triggered (lib/relay.c's
 * contract), listeners level-triggered, so that a bounded accept or recv
 * loop leaves the rest for the next turn instead of losing its wakeup.
 *
 * Theory of operation
 * ===================
 * Egress. A connection made inside the namespace is redirected by nftables
 * to the relay listener; the relay reads where it was going
 * (SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST), connects to the proxy from the
 * host namespace and walks the handshake, one state per message:
 *
 *   CONNECTING -> (SOCKS5) GREET -> [AUTH] -> REQUEST -> RELAY
 *   CONNECTING -> (HTTP) HTTP -> RELAY
 *
 * The first message goes out right after connect(); with --proxy-pipeline
 * the greeting, the login and the CONNECT go in one write and the states
 * only parse the replies. HTTP response heads are peeked and only their
 * own bytes consumed; SOCKS5 replies are read, and what the destination
 * sent behind them in the same read is passed on to the client before
 * the relay starts (conn_step()). A destination
 * inside FAKE_BASE/15 is asked for by the name the DNS stub handed out
 * for it (by name at the proxy: nothing resolves locally); an address the
 * stub never gave out is refused. From RELAY on, bytes move by splice(2)
 * through lib/relay.c. A handshake has HANDSHAKE_SECS to finish. Any
 * failure resets that connection only.
 *
 * Policy. Right after accept, before any proxy is contacted, the
 * connection is checked against the policy (policy.c): by the fake
 * address's name, else by the address. Denied: closed with SO_LINGER 0
 * (a RST, the client fails at once), counted, logged. Every egress
 * connection is one line of the connection log (connlog.c): a denied one
 * at once, an allowed one when it is freed, with its bytes and duration.
 *
 * DNS. UDP and TCP port 53 are redirected to the stub. Fake mode answers
 * from lib-free dns.c at once. TCP mode sends each query, length-prefixed,
 * over a new connection through the proxy to the resolver (TCP clients
 * are relayed to it as they are).
 *
 * Bridges. A --bridge-port listener lives in the host namespace; for each
 * connection a socket is made inside the namespace by the factory child
 * (nsbuild.c) and connected to 127.0.0.1:NSPORT there, then relayed.
 *
 * Control. The control socket answers "stats", "fds" (the namespace fds,
 * for exec and list), "stop" and "policy" (a new policy, its text in a
 * sealed memfd passed along; only from our own network namespace:
 * policy_load()), to peers of our own UID only: one SOCK_SEQPACKET message
 * in, one out. The loop never waits for a control
 * client: an accepted connection whose request is already there (the
 * usual case: ctl_request() sends right after connect) is answered at
 * once; one that is not yet is parked, non-blocking, in the epoll set and
 * answered when its message comes: at most CTL_PARKED_MAX of them, each
 * closed CTL_WAIT_MS after it came. When every slot is taken, a new silent
 * client evicts a parked one: of the process holding the most slots, the
 * oldest, after one last look for its request (answered if it came). A
 * workload inside the namespace runs as our UID and can open as many
 * connections as it likes: that costs the relay an accept and a close
 * each, never a wait, and its own connections are the ones evicted; a
 * real client caught between its connect() and its send() and evicted
 * anyway sees EOF and asks again (ctl_request()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "connlog.h"
#include "daemon.h"
#include "direct.h"
#include "dns.h"
#include "log.h"
#include "nsbuild.h"
#include "policy.h"
#include "relay.h"
#include "udp.h"

#define HANDSHAKE_SECS	30
#define FAKE_TTL	60
#define LOG_FAIL_MAX	100	/* then one line per 1000 failures */
#define EVENTS_MAX	64
#define PEEK_MAX	HTTP_HDR_MAX
/* SOCKS5 replies held until parsed: method, RFC 1929 status, the longest
 * CONNECT reply (a 255-byte name) */
#define SOCKS5_IN_MAX	(2 + 2 + 4 + 1 + 255 + 2)
#define DNS_TCP_BURST	4096	/* queries read in one go from one client */
#define CTL_PARKED_MAX	8	/* control clients waiting for their request */
#define CTL_WAIT_MS	2000	/* how long each may take to send it */
#define CTL_ACCEPT_BURST 64	/* accepted in one turn of the loop */

enum ev_kind { EV_RELAY_L, EV_DNS_UDP, EV_DNS_TCP_L, EV_BRIDGE_L, EV_CTL,
	       EV_CTL_CLIENT, EV_CONN, EV_SIGNAL, EV_TIMER, EV_DIRECT, EV_UDP };

struct conn;

struct ev {
	enum ev_kind kind;
	int fd;
	int side;		/* EV_CONN: 0 client, 1 upstream */
	struct conn *c;
};

enum cstate { C_CONNECTING, C_GREET, C_AUTH, C_REQUEST, C_HTTP, C_RELAY,
	      C_DNS_REPLY, C_DNS_SERVE };
enum ckind { K_EGRESS, K_BRIDGE, K_DNS_UDP, K_DNS_TCP };

/**
 * struct conn - a relayed connection, from accept to close
 * @ev:		epoll registrations of side 0 (client) and 1 (upstream)
 * @fd:		the sockets, -1 when absent (K_DNS_UDP has no client)
 * @out:	handshake bytes still to send upstream
 * @in:		SOCKS5 reply bytes read and not yet parsed (@ilen of them)
 * @buf:	K_DNS_*: the query or answer being assembled
 * @peer:	K_DNS_UDP: the client and the address it asked (for the reply)
 */
struct conn {
	struct ev ev[2];
	int fd[2];
	enum cstate st;
	enum ckind kind;
	struct target t;
	uint8_t out[PROXY_REQ_MAX];
	size_t olen, ooff;
	uint8_t in[SOCKS5_IN_MAX];
	size_t ilen;
	bool drained;		/* the last read of the upstream emptied it */
	struct relay r;
	time_t deadline;
	bool dead;
	struct conn *prev, *next;
	uint8_t *buf;
	size_t blen;
	int udp_fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct in6_pktinfo pi6;
	struct in_pktinfo pi4;
	struct dns_query q;	/* K_DNS_UDP: for a SERVFAIL if the proxy fails */
	bool q_ok;		/* (the query's bytes: at buf + DNS_MSG_MAX + 2) */
	bool logged;		/* an egress connection: logged when it ends */
	uint32_t rule;		/* the policy rule that allowed it, 0: default */
	int err;		/* why it failed (errno), 0 if it did not */
	uint64_t start_ms;	/* accepted at, CLOCK_REALTIME ms */
	uint64_t start_mono;	/* and CLOCK_MONOTONIC ms */
	struct direct_job *dj;	/* --proxy direct: its name's addresses */
};

struct stats {
	uint64_t conns, failed, bytes_out, bytes_in, dns, refused;
	uint64_t allowed, denied, policies;
	unsigned active;
};

/* a control client whose request has not come yet; ev.fd -1: free slot */
struct ctl_client {
	struct ev ev;
	uint64_t since;		/* accepted at, monotonic ms */
	pid_t pid;		/* the peer, from SO_PEERCRED */
};

static struct {
	const struct netns_conf *c;
	struct ns_fds *nf;
	int ep;
	struct pipe_pool pp;
	struct fakedns fake;
	struct conn *conns;
	struct conn *grave;	/* freed in this batch: their events are stale */
	struct stats st;
	struct ctl_client ctl[CTL_PARKED_MAX];
	struct policy *pol;	/* the policy in force, NULL: none */
	struct connlog log;
	uint64_t own_netns;	/* the cookie of the relay's network namespace */
	bool stop;
} D;

static int ep_add(struct ev *e, int fd, uint32_t events)
{
	struct epoll_event ee = { .events = events, .data.ptr = e };

	e->fd = fd;
	return epoll_ctl(D.ep, EPOLL_CTL_ADD, fd, &ee) < 0 ? -errno : 0;
}

static void fail_log(const char *what, const struct target *t, int err)
{
	char ts[PROXY_HOST_MAX + 16];

	D.st.failed++;
	if (D.st.failed <= LOG_FAIL_MAX || D.st.failed % 1000 == 0)
		log_info("%s(%s): %s (%llu failures so far)", what,
			 target_str(t, ts, sizeof(ts)), strerror(err),
			 (unsigned long long)D.st.failed);
}

static struct conn *conn_new(enum ckind kind)
{
	struct conn *c;

	if (D.st.active >= CONN_MAX)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->kind = kind;
	c->fd[0] = c->fd[1] = -1;
	c->udp_fd = -1;
	for (int i = 0; i < 2; i++)
		c->ev[i] = (struct ev){ .kind = EV_CONN, .fd = -1, .side = i, .c = c };
	c->deadline = time(NULL) + HANDSHAKE_SECS;
	c->next = D.conns;
	if (D.conns)
		D.conns->prev = c;
	D.conns = c;
	D.st.active++;
	D.st.conns++;
	return c;
}

static uint64_t now_ms(void);

static uint64_t realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* one line of the connection log for @t (denied: at once, @c NULL) */
static void log_conn(const struct target *t, const struct conn *c, bool allow,
		     uint32_t rule, const char *error)
{
	struct connlog_entry e = {
		.name = t->name[0] ? t->name : NULL,
		.sa = (const struct sockaddr *)&t->sa,
		.port = t->port,
		.allow = allow,
		.rule = rule,
		.error = error,
	};

	if (c) {
		e.start_ms = c->start_ms;
		e.dur_ms = now_ms() - c->start_mono;
		if (c->st == C_RELAY) {
			e.bytes_out = c->r.bytes[0];
			e.bytes_in = c->r.bytes[1];
		}
	} else {
		e.start_ms = realtime_ms();
	}
	connlog_write(&D.log, &e);
}

static void egress_log(const struct conn *c, bool abort)
{
	const char *error = NULL;

	if (c->dj && c->dj->why[0] && c->st != C_RELAY)
		error = c->dj->why;	/* --proxy direct: the name's fate */
	else if (c->err)
		error = strerror(c->err);
	else if (c->st != C_RELAY)
		error = "closed before the proxy connected";
	else if (abort)
		error = "reset";
	log_conn(&c->t, c, true, c->rule, error);
}

/* conn_free() - close @c now; its memory goes when the epoll batch that
 * may still name it is done (conn_reap) */
static void conn_free(struct conn *c, bool abort)
{
	const struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (c->dead)
		return;
	c->dead = true;

	if (c->logged)
		egress_log(c, abort);
	direct_release(c->dj);
	if (c->st == C_RELAY) {
		D.st.bytes_out += c->r.bytes[0];
		D.st.bytes_in += c->r.bytes[1];
		relay_close(&c->r, &D.pp, abort);
	} else {
		for (int i = 0; i < 2; i++) {
			if (c->fd[i] < 0)
				continue;
			if (abort)
				setsockopt(c->fd[i], SOL_SOCKET, SO_LINGER, &lg,
					   sizeof(lg));
			close(c->fd[i]);
		}
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		D.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	D.st.active--;
	c->next = D.grave;
	D.grave = c;
}

static void conn_reap(void)
{
	struct conn *c;

	while ((c = D.grave) != NULL) {
		D.grave = c->next;
		free(c->buf);
		free(c);
	}
}

static int conn_register(struct conn *c, int side, int fd)
{
	c->fd[side] = fd;
	return ep_add(&c->ev[side], fd,
		      EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
}

static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* connect a new socket of @c to @sa; registered as side 1 */
static int conn_connect(struct conn *c, int fd, const struct sockaddr *sa,
			socklen_t len)
{
	int r;

	if (fd < 0)
		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = conn_register(c, 1, fd);
	if (r < 0)
		return r;
	if (connect(fd, sa, len) < 0 && errno != EINPROGRESS)
		return -errno;
	c->st = C_CONNECTING;
	return 0;
}

/* relay_start() - hand @c to the relay; @early: bytes of the upstream's
 * that came with the proxy's reply and were passed on to the client (the
 * client side has TCP_NODELAY from its listener: accept() inherits it) */
static void relay_start(struct conn *c, size_t early)
{
	int r;

	set_nodelay(c->fd[1]);
	relay_init(&c->r, c->fd[0], c->fd[1]);
	if (c->drained)
		relay_drained(&c->r, 1);
	c->r.bytes[1] = early;
	c->st = C_RELAY;
	r = relay_event(&c->r, &D.pp, -1, 0);
	if (r != RELAY_OPEN)
		conn_free(c, r < 0);
}

/* flush c->out; Return: 0 all sent, -EAGAIN, -errno */
static int conn_flush(struct conn *c)
{
	while (c->ooff < c->olen) {
		ssize_t n = send(c->fd[1], c->out + c->ooff, c->olen - c->ooff,
				 MSG_NOSIGNAL);

		if (n < 0)
			return errno == EINTR ? 0 : -errno;
		c->ooff += (size_t)n;
	}
	return 0;
}

static void conn_queue(struct conn *c, size_t n)
{
	c->olen = n;
	c->ooff = 0;
}

/* consume exactly @n bytes the parser accepted */
static int conn_consume(struct conn *c, size_t n)
{
	uint8_t sink[PEEK_MAX];

	return recv(c->fd[1], sink, n, 0) == (ssize_t)n ? 0 : -EIO;
}

static void dns_udp_reply(struct conn *c, const uint8_t *msg, size_t len);
static void dns_udp_own_reply(struct conn *c, int rcode, bool tc);

/**
 * socks5_replies() - parse the proxy's replies held in c->in, queue what
 *		      the handshake sends next
 * Return: 1 the CONNECT reply is in and consumed (c->in holds what the
 *	   destination sent after it, if anything), 0 more bytes are needed
 *	   or a message was queued, -errno
 */
static int socks5_replies(struct conn *c)
{
	size_t len = 0, used;
	int r, rep = 0;

	for (;;) {
		switch (c->st) {
		case C_GREET:
			r = socks5_method_parse(c->in, c->ilen, D.c->proxy.auth);
			if (r < 0)
				return r == -EAGAIN ? 0 : r;
			used = 2;
			if (D.c->proxy.pipeline) {
				/* the rest is on its way: the method must be
				 * the one it was written for */
				if (r != (D.c->proxy.auth ? 2 : 0))
					return -EPROTO;
				c->st = r == 2 ? C_AUTH : C_REQUEST;
			} else if (r == 2) {
				conn_queue(c, socks5_auth(&D.c->proxy, c->out));
				c->st = C_AUTH;
			} else {
				len = socks5_connect(&c->t, c->out);
				if (!len)
					return -ENAMETOOLONG;
				conn_queue(c, len);
				c->st = C_REQUEST;
			}
			break;
		case C_AUTH:
			r = socks5_auth_parse(c->in, c->ilen);
			if (r < 0)
				return r == -EAGAIN ? 0 : r;
			used = 2;
			if (!D.c->proxy.pipeline) {
				len = socks5_connect(&c->t, c->out);
				if (!len)
					return -ENAMETOOLONG;
				conn_queue(c, len);
			}
			c->st = C_REQUEST;
			break;
		case C_REQUEST:
			r = socks5_reply_parse(c->in, c->ilen, &len, &rep);
			if (r < 0)
				return r == -EAGAIN ? 0 : r;
			c->ilen -= len;
			memmove(c->in, c->in + len, c->ilen);
			return 1;
		case C_CONNECTING:
		case C_HTTP:
		case C_RELAY:
		case C_DNS_REPLY:
		case C_DNS_SERVE:
		default:
			return -EINVAL;
		}
		c->ilen -= used;
		memmove(c->in, c->in + used, c->ilen);
		if (c->ooff < c->olen)
			return 0;
	}
}

/* K_DNS_UDP once its upstream is ready: the query, length-prefixed, then
 * wait for the answer (dns_reply_step()) */
static int dns_query_send(struct conn *c)
{
	c->st = C_DNS_REPLY;
	if (send(c->fd[1], c->buf, c->blen, MSG_NOSIGNAL) != (ssize_t)c->blen)
		return -EIO;
	c->blen = 0;
	return 0;
}

/* the first message to the proxy: the SOCKS5 greeting (pipelined: with
 * the RFC 1929 request and the CONNECT behind it), or the HTTP CONNECT */
static int conn_first(struct conn *c)
{
	size_t len, n;

	if (D.c->proxy.type == PROXY_HTTP) {
		len = http_connect(&D.c->proxy, &c->t, (char *)c->out,
				   sizeof(c->out));
		if (!len)
			return -ENAMETOOLONG;
		conn_queue(c, len);
		c->st = C_HTTP;
		return 0;
	}
	c->st = C_GREET;
	if (!D.c->proxy.pipeline) {
		conn_queue(c, socks5_greeting(&D.c->proxy, c->out));
		return 0;
	}
	n = socks5_greeting_only(&D.c->proxy, c->out);
	if (D.c->proxy.auth)
		n += socks5_auth(&D.c->proxy, c->out + n);
	len = socks5_connect(&c->t, c->out + n);
	if (!len)
		return -ENAMETOOLONG;
	conn_queue(c, n + len);
	return 0;
}

/**
 * conn_step() - advance a handshake as far as the bytes at hand allow
 * @c:		the connection
 * @events:	what epoll reported for its upstream socket (0: nothing yet,
 *		right after connect())
 *
 * The first message goes out without waiting for the connection to be up:
 * send() says EAGAIN until it is (to a proxy on loopback it usually is by
 * the time connect() returns, so this saves a wakeup and the SO_ERROR and
 * getpeername() probes), or why it failed. A reply is read only when epoll
 * says there is one: edge-triggered, a byte that comes after a read always
 * wakes us again. SOCKS5 replies are read, not peeked: a reply's end is
 * known only once it is in, so what comes after it in the same read (the
 * destination's first bytes) is passed on to the client before the relay
 * starts. HTTP response heads are peeked and only their bytes consumed.
 *
 * Return: 0 (in progress or handed to the relay), or -errno: the caller
 *	   frees the connection
 */
static int conn_step(struct conn *c, uint32_t events)
{
	uint8_t peek[PEEK_MAX];
	bool readable = events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
	ssize_t n;
	size_t len = 0;
	int r, status = 0;
	socklen_t sl = sizeof(r);

	if (c->st == C_CONNECTING) {
		if (c->kind == K_BRIDGE || D.c->direct) {
			struct sockaddr_storage ss;
			socklen_t l = sizeof(ss);

			if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &r, &sl) == 0 && r)
				return -r;
			if (getpeername(c->fd[1], (struct sockaddr *)&ss, &l) < 0)
				return errno == ENOTCONN ? 0 : -errno;
			if (c->kind == K_DNS_UDP)	/* --proxy direct */
				return dns_query_send(c);
			relay_start(c, 0);
			return 1;
		}
		r = conn_first(c);
		if (r < 0)
			return r;
	}
	for (;;) {
		r = conn_flush(c);
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return r;
		if (c->st == C_HTTP) {
			if (!readable)
				return 0;
			n = recv(c->fd[1], peek, PEEK_MAX, MSG_PEEK | MSG_DONTWAIT);
			if (n < 0)
				return errno == EAGAIN ? 0 : -errno;
			if (n == 0)
				return -ECONNRESET;
			r = http_connect_parse((const char *)peek, (size_t)n, &len,
					       &status);
			if (r == -EAGAIN)
				return 0;
			if (r < 0)
				return r;
			if (conn_consume(c, len) < 0)
				return -EIO;
			break;
		}
		r = socks5_replies(c);
		if (r < 0)
			return r;
		if (r == 1)
			break;
		if (c->ooff < c->olen)
			continue;	/* the next message */
		if (!readable)
			return 0;
		len = sizeof(c->in) - c->ilen;
		n = recv(c->fd[1], c->in + c->ilen, len, MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (n == 0)
			return -ECONNRESET;
		c->ilen += (size_t)n;
		readable = (size_t)n == len;	/* more may be waiting */
		/* a short read took all there was; what comes later wakes us,
		 * unless it was the end, which may have been reported already */
		c->drained = !readable &&
			     !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR));
	}
	if (c->kind == K_DNS_UDP) {
		if (c->ilen)
			return -EPROTO;	/* an answer before the question */
		return dns_query_send(c);
	}
	if (c->ilen) {
		/* a fresh socket's send buffer takes these few bytes */
		n = send(c->fd[0], c->in, c->ilen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n != (ssize_t)c->ilen)
			return n < 0 ? -errno : -EIO;
	}
	relay_start(c, c->ilen);
	return 1;
}

/* K_DNS_UDP after the handshake: read the length-prefixed answer */
static int dns_reply_step(struct conn *c)
{
	size_t want;
	ssize_t n;

	for (;;) {
		want = c->blen < 2 ? 2 : 2 + (size_t)(c->buf[0] << 8 | c->buf[1]);
		if (want > DNS_MSG_MAX + 2) {
			/* too big for a UDP answer here: truncated, ask by TCP */
			if (c->q_ok)
				dns_udp_own_reply(c, DNS_NOERROR, true);
			return -ECANCELED;
		}
		if (c->blen >= want && c->blen >= 2 && want > 2) {
			dns_udp_reply(c, c->buf + 2, want - 2);
			return -ECANCELED;	/* done: free it */
		}
		n = recv(c->fd[1], c->buf + c->blen, want - c->blen, MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (n == 0)
			return -ECONNRESET;
		c->blen += (size_t)n;
	}
}

/* --proxy direct: connect @c to the next address of its name; Return: 0
 * connecting, -errno (c->dj->why says why there is no address left) */
static int direct_connect_next(struct conn *c)
{
	const struct addrinfo *ai = direct_next(c->dj);

	if (!ai)
		return c->dj->gai ? -EHOSTUNREACH : -EADDRNOTAVAIL;
	return conn_connect(c, -1, ai->ai_addr, ai->ai_addrlen);
}

/* --proxy direct: a connection to a name waits for the resolver threads;
 * one to an address is connected at once, unless the address is one the
 * host keeps to itself (direct_addr_ok()) */
static int direct_upstream(struct conn *c)
{
	const char *why;

	c->st = C_CONNECTING;
	if (c->t.name[0]) {
		c->dj = direct_resolve(c->t.name, c->t.port, c);
		return c->dj ? 0 : -EAGAIN;	/* DIRECT_PENDING names queued */
	}
	why = direct_addr_ok((const struct sockaddr *)&c->t.sa);
	if (why)
		return -EACCES;
	if (c->t.sa.ss_family == AF_INET)
		((struct sockaddr_in *)&c->t.sa)->sin_port = htons(c->t.port);
	else
		((struct sockaddr_in6 *)&c->t.sa)->sin6_port = htons(c->t.port);
	return conn_connect(c, -1, (const struct sockaddr *)&c->t.sa,
			    c->t.sa.ss_family == AF_INET ?
			    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
}

/* start an upstream connection through the proxy for @c (target @c->t) */
static int conn_upstream(struct conn *c)
{
	if (D.c->direct)
		return direct_upstream(c);
	return conn_connect(c, -1, (const struct sockaddr *)&D.c->proxy_sa,
			    D.c->proxy_len);
}

/* dns_udp_own_reply() - answer @c's query ourselves, its question echoed
 * (stub resolvers such as glibc's ignore a reply whose question does not
 * match theirs); @tc: truncated, so the client asks again over TCP */
static void dns_udp_own_reply(struct conn *c, int rcode, bool tc)
{
	uint8_t out[DNS_MSG_MAX + 16];
	size_t n = dns_answer(&c->q, c->buf + DNS_MSG_MAX + 2, rcode, NULL, 0,
			      out);

	if (tc)
		out[2] |= 0x02;
	dns_udp_reply(c, out, n);
}

static void conn_fail(struct conn *c, int err)
{
	if (err != -ECANCELED && !c->err)
		c->err = -err;
	if (err != -ECANCELED)
		fail_log(c->kind == K_DNS_UDP ? "dns" : "connect", &c->t, -err);
	/* a client asking through a failing proxy hears so at once */
	if (c->kind == K_DNS_UDP && err != -ECANCELED && c->q_ok)
		dns_udp_own_reply(c, DNS_SERVFAIL, false);
	conn_free(c, true);
}

static void conn_event(struct conn *c, int side, uint32_t events)
{
	int r;

	if (c->st == C_RELAY) {
		r = relay_event(&c->r, &D.pp, side, events);
		if (r != RELAY_OPEN)
			conn_free(c, r < 0);
		return;
	}
	if (c->st == C_DNS_SERVE)
		return;		/* handled by dns_tcp_event() */
	if (side == 0)
		return;		/* the client waits for the relay */
	if (c->st == C_DNS_REPLY)
		r = dns_reply_step(c);
	else
		r = conn_step(c, events);
	if (r < 0 && c->dj && c->st == C_CONNECTING && c->fd[1] >= 0) {
		/* --proxy direct: this address failed, the name's next one */
		snprintf(c->dj->why, sizeof(c->dj->why), "connect: %s",
			 strerror(-r));
		if (c->dj->cur) {
			close(c->fd[1]);
			c->fd[1] = -1;
			r = direct_connect_next(c);
		}
	}
	if (r < 0)
		conn_fail(c, r);
}

/* --proxy direct: names resolved by direct.c's threads */
static void direct_event(void)
{
	struct direct_job *j;
	int r;

	while ((j = direct_done()) != NULL) {
		struct conn *c = j->owner;

		r = direct_connect_next(c);
		if (r < 0)
			conn_fail(c, r);
	}
}

/* Egress ------------------------------------------------------------------ */

static int original_dst(int fd, int family, struct target *t)
{
	socklen_t len;

	memset(t, 0, sizeof(*t));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->sa;

		len = sizeof(*s6);
		if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, s6, &len) < 0)
			return -errno;
		t->port = ntohs(s6->sin6_port);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)&t->sa;
	const char *name;

	len = sizeof(*s4);
	if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, s4, &len) < 0)
		return -errno;
	t->port = ntohs(s4->sin_port);
	if ((ntohl(s4->sin_addr.s_addr) & 0xfffe0000u) == FAKE_BASE) {
		if (D.c->dns_mode != DNS_FAKE)
			return 0;	/* a real address then: let it go as is */
		name = fakedns_name(&D.fake, ntohl(s4->sin_addr.s_addr));
		if (!name) {
			t->sa.ss_family = AF_INET;
			return -ESTALE;
		}
		snprintf(t->name, sizeof(t->name), "%s", name);
	}
	return 0;
}

/* close @fd with a reset: the client hears at once, no FIN, no timeout */
static void reset_close(int fd)
{
	const struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void relay_accept(int lfd, int family)
{
	struct policy_verdict v;
	struct target t;
	struct conn *c;
	int fd, r;

	for (int i = 0; i < 256; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		r = original_dst(fd, family, &t);
		if (r == -ESTALE) {
			/* a fake address from before a recycle: no name */
			D.st.refused++;
			D.st.denied++;
			log_conn(&t, NULL, false, 0, "unknown fake address");
			reset_close(fd);
			continue;
		}
		if (r < 0) {
			/* not redirected (made to the listener directly) */
			D.st.refused++;
			close(fd);
			continue;
		}
		/* the policy: by the name the client asked for, when it
		 * asked for one (fake DNS), else by the address */
		v = policy_check(D.pol, t.name[0] ? t.name : NULL,
				 (const struct sockaddr *)&t.sa, t.port);
		if (!v.allow) {
			D.st.denied++;
			log_conn(&t, NULL, false, v.rule, NULL);
			reset_close(fd);
			continue;
		}
		c = conn_new(K_EGRESS);
		if (!c) {
			D.st.refused++;
			log_conn(&t, NULL, true, v.rule, "too many connections");
			reset_close(fd);
			continue;
		}
		D.st.allowed++;
		c->t = t;
		c->logged = true;
		c->rule = v.rule;
		c->start_ms = realtime_ms();
		c->start_mono = now_ms();
		r = conn_register(c, 0, fd);
		if (r == 0)
			r = conn_upstream(c);
		if (r == 0 && !D.c->direct)	/* direct: wait for connect() */
			r = conn_step(c, 0);	/* the greeting, at once */
		if (r < 0)
			conn_fail(c, r);
	}
}

/* DNS --------------------------------------------------------------------- */

/* answer @q in fake mode into @out (dns_fake_rule() says which names get
 * a fake address); Return: length, 0 for no answer */
static size_t dns_fake_answer(const uint8_t *msg, size_t len, uint8_t *out)
{
	struct dns_query q;
	uint8_t a[4];
	uint32_t addr;
	int r;

	D.st.dns++;
	r = dns_query_parse(msg, len, &q);
	if (r == -EINVAL)
		return 0;
	if (r == -EBADMSG)
		return dns_answer(&q, NULL, DNS_FORMERR, NULL, 0, out);
	if (r == -EOPNOTSUPP)
		return dns_answer(&q, NULL, DNS_NOTIMP, NULL, 0, out);
	if (q.qclass != 1 || !q.name[0])
		return dns_answer(&q, msg, DNS_NOERROR, NULL, 0, out);
	switch (dns_fake_rule(q.name, a)) {
	case DNS_FAKE_NXDOMAIN:
		return dns_answer(&q, msg, DNS_NXDOMAIN, NULL, 0, out);
	case DNS_FAKE_SELF:
		return dns_answer(&q, msg, DNS_NOERROR, q.qtype == DNS_A ? a : NULL,
				  FAKE_TTL, out);
	case DNS_FAKE_NAME:
	default:
		break;
	}
	if (q.qtype != DNS_A)
		return dns_answer(&q, msg, DNS_NOERROR, NULL, 0, out);
	addr = fakedns_lookup(&D.fake, q.name);
	if (!addr)
		return dns_answer(&q, msg, DNS_SERVFAIL, NULL, 0, out);
	addr = htonl(addr);
	memcpy(a, &addr, 4);
	return dns_answer(&q, msg, DNS_NOERROR, a, FAKE_TTL, out);
}

static void dns_send_udp(int fd, const struct sockaddr_storage *peer,
			 socklen_t plen, const struct in_pktinfo *pi4,
			 const struct in6_pktinfo *pi6, const uint8_t *msg,
			 size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))] = { 0 };
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr m = { .msg_name = (void *)peer, .msg_namelen = plen,
			    .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf };
	struct cmsghdr *cm = (struct cmsghdr *)cbuf;

	/* answer from the address asked, or conntrack cannot un-NAT it */
	if (peer->ss_family == AF_INET6) {
		struct in6_pktinfo p = *pi6;

		p.ipi6_ifindex = 0;
		m.msg_controllen = CMSG_SPACE(sizeof(p));
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(p));
		memcpy(CMSG_DATA(cm), &p, sizeof(p));
	} else {
		struct in_pktinfo p = { .ipi_spec_dst = pi4->ipi_addr };

		m.msg_controllen = CMSG_SPACE(sizeof(p));
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(p));
		memcpy(CMSG_DATA(cm), &p, sizeof(p));
	}
	sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void dns_udp_reply(struct conn *c, const uint8_t *msg, size_t len)
{
	dns_send_udp(c->udp_fd, &c->peer, c->peer_len, &c->pi4, &c->pi6, msg, len);
}

/* DNS over TCP through the proxy, for one UDP query */
static void dns_forward(int fd, const struct sockaddr_storage *peer,
			socklen_t plen, const struct in_pktinfo *pi4,
			const struct in6_pktinfo *pi6, const uint8_t *msg,
			size_t len)
{
	struct conn *c = conn_new(K_DNS_UDP);
	int r;

	D.st.dns++;
	if (!c)
		return;
	c->t = D.c->resolver;
	c->udp_fd = fd;
	c->peer = *peer;
	c->peer_len = plen;
	c->pi4 = *pi4;
	c->pi6 = *pi6;
	/* the answer's room, then the query, kept for a reply of our own */
	c->buf = malloc(2 * (DNS_MSG_MAX + 2));
	if (!c->buf) {
		conn_free(c, true);
		return;
	}
	c->q_ok = dns_query_parse(msg, len, &c->q) == 0;
	memcpy(c->buf + DNS_MSG_MAX + 2, msg, len);
	c->buf[0] = (uint8_t)(len >> 8);
	c->buf[1] = (uint8_t)len;
	memcpy(c->buf + 2, msg, len);
	c->blen = len + 2;
	r = conn_upstream(c);
	if (r < 0)
		conn_fail(c, r);
}

static void dns_udp_event(int fd)
{
	uint8_t msg[DNS_MSG_MAX], out[DNS_MSG_MAX + 16];
	char cbuf[256];
	struct sockaddr_storage peer;
	struct in_pktinfo pi4 = { 0 };
	struct in6_pktinfo pi6 = { 0 };

	for (int i = 0; i < 256; i++) {
		struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
		struct msghdr m = { .msg_name = &peer, .msg_namelen = sizeof(peer),
				    .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
		size_t olen;

		if (n < 0)
			return;
		if (m.msg_flags & MSG_TRUNC)
			continue;
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
				memcpy(&pi4, CMSG_DATA(cm), sizeof(pi4));
			if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO)
				memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
		}
		if (D.c->dns_mode == DNS_TCP) {
			dns_forward(fd, &peer, m.msg_namelen, &pi4, &pi6, msg,
				    (size_t)n);
			continue;
		}
		olen = dns_fake_answer(msg, (size_t)n, out);
		if (olen)
			dns_send_udp(fd, &peer, m.msg_namelen, &pi4, &pi6, out, olen);
	}
}

/* a TCP DNS client in fake mode: length-prefixed queries, answered in turn */
static int dns_tcp_serve(struct conn *c)
{
	uint8_t out[DNS_MSG_MAX + 16 + 2];
	size_t want, olen;
	ssize_t n;

	/* edge-triggered: read until EAGAIN; a client that keeps more than
	 * DNS_TCP_BURST queries coming without pause is cut off */
	for (int i = 0; ; i++) {
		if (i == DNS_TCP_BURST)
			return -ENOBUFS;
		want = c->blen < 2 ? 2 : 2 + (size_t)(c->buf[0] << 8 | c->buf[1]);
		if (want > DNS_MSG_MAX + 2) {
			/* too big for a UDP answer here: truncated, ask by TCP */
			if (c->q_ok)
				dns_udp_own_reply(c, DNS_NOERROR, true);
			return -ECANCELED;
		}
		if (c->blen >= 2 && c->blen == want) {
			olen = dns_fake_answer(c->buf + 2, want - 2, out + 2);
			c->blen = 0;
			if (!olen)
				return -EBADMSG;
			out[0] = (uint8_t)(olen >> 8);
			out[1] = (uint8_t)olen;
			if (send(c->fd[0], out, olen + 2, MSG_NOSIGNAL | MSG_DONTWAIT) !=
			    (ssize_t)(olen + 2))
				return -EIO;	/* a client that does not read */
			continue;
		}
		n = recv(c->fd[0], c->buf + c->blen, want - c->blen, MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (n == 0)
			return -ECANCELED;
		c->blen += (size_t)n;
	}
}

static void dns_tcp_accept(int lfd)
{
	struct conn *c;
	int fd, r;

	for (int i = 0; i < 64; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		c = conn_new(D.c->dns_mode == DNS_FAKE ? K_DNS_TCP : K_EGRESS);
		if (!c) {
			close(fd);
			continue;
		}
		r = conn_register(c, 0, fd);
		if (r == 0 && D.c->dns_mode == DNS_FAKE) {
			c->st = C_DNS_SERVE;
			c->buf = malloc(DNS_MSG_MAX + 2);
			r = c->buf ? dns_tcp_serve(c) : -ENOMEM;
		} else if (r == 0) {
			/* DNS over TCP already: relay it to the resolver */
			c->t = D.c->resolver;
			r = conn_upstream(c);
		}
		if (r < 0)
			conn_free(c, r != -ECANCELED);
	}
}

/* Bridges ----------------------------------------------------------------- */

static void bridge_accept(const struct bridge *b)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(b->nsport),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct conn *c;
	int fd, nfd, r;

	for (int i = 0; i < 64; i++) {
		fd = accept4(b->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		c = conn_new(K_BRIDGE);
		if (!c) {
			close(fd);
			continue;
		}
		memcpy(&c->t.sa, &to, sizeof(to));
		c->t.port = b->nsport;
		r = conn_register(c, 0, fd);
		if (r == 0) {
			nfd = ns_socket(D.nf->fd[NSFD_FACTORY], AF_INET);
			r = nfd < 0 ? nfd : conn_connect(c, nfd,
				(const struct sockaddr *)&to, sizeof(to));
		}
		if (r < 0)
			conn_fail(c, r);
	}
}

/* Control ----------------------------------------------------------------- */

static uint64_t netns_cookie(int fd)
{
	uint64_t v = 0;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &v, &l) < 0)
		return 0;
	return v;
}

/**
 * policy_load() - the policy in the sealed memfd @pfd, from control client
 *		   @fd, replacing ours
 *
 * Only a client in the relay's own network namespace may: a workload runs
 * as our UID and can reach the control socket, but its sockets are made in
 * the namespace (or one below it), and an accepted unix socket belongs to
 * the network namespace its client made it in. The text must come in a
 * memfd sealed against writing, shrinking and growing: reading it never
 * waits (no FIFO, socket or FUSE file can stall the loop) and it cannot
 * change under the parser. Connections already open are left as they are.
 * Return: the reply
 */
static void policy_load(int fd, int pfd, char *rep, size_t size)
{
	const int need = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;
	struct policy *p = NULL;
	struct stat st;
	char err[256];
	char *text = NULL;
	int seals;
	ssize_t got;

	if (!D.own_netns || netns_cookie(fd) != D.own_netns) {
		snprintf(rep, size, "refused: the policy can be changed only from the relay's network namespace, not from inside");
		return;
	}
	if (pfd < 0) {
		snprintf(rep, size, "error: no policy came with the request");
		return;
	}
	seals = fcntl(pfd, F_GET_SEALS);
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode) || seals < 0 ||
	    (seals & need) != need) {
		snprintf(rep, size, "error: the policy must come in a sealed memfd");
		return;
	}
	if ((uint64_t)st.st_size > POLICY_TEXT_MAX) {
		snprintf(rep, size, "error: the policy is larger than %u bytes",
			 POLICY_TEXT_MAX);
		return;
	}
	text = malloc((size_t)st.st_size + 1);
	p = calloc(1, sizeof(*p));
	if (!text || !p) {
		snprintf(rep, size, "error: %s", strerror(ENOMEM));
		goto out;
	}
	got = pread(pfd, text, (size_t)st.st_size, 0);
	if (got != st.st_size) {
		snprintf(rep, size, "error: reading the policy: %s",
			 got < 0 ? strerror(errno) : "short read");
		goto out;
	}
	policy_init(p);
	if (policy_parse(p, text, (size_t)got, "policy", err, sizeof(err)) < 0) {
		snprintf(rep, size, "usage: %s", err);
		policy_free(p);
		goto out;
	}
	if (p->has_names && D.c->dns_mode != DNS_FAKE) {
		snprintf(rep, size, "usage: name patterns need --dns fake: with --dns tcp connections have only addresses");
		policy_free(p);
		goto out;
	}
	if (D.pol) {
		policy_free(D.pol);
		free(D.pol);
	}
	D.pol = p;
	p = NULL;
	D.st.policies++;
	snprintf(rep, size, "ok %u rules", D.pol->n);
	log_info("policy replaced: %u rules", D.pol->n);
out:
	free(p);
	free(text);
}

/* answer @req on @fd (@pfd: an fd that came with it, or -1); Return: true
 * when @fd is to stay open ("stop": the peer sees EOF when we exit, not
 * before) */
static bool ctl_answer(int fd, const char *req, int pfd)
{
	char rep[512];
	int fds[2], n;

	if (strcmp(req, "stats") == 0) {
		uint64_t out = D.st.bytes_out, in = D.st.bytes_in;

		/* closed connections, plus what the open ones moved */
		for (struct conn *c = D.conns; c; c = c->next)
			if (c->st == C_RELAY) {
				out += c->r.bytes[0];
				in += c->r.bytes[1];
			}
		if (D.c->udp) {	/* and the UDP flows' datagrams */
			unsigned ua;
			uint64_t uo, ui;

			udp_stats(&ua, &uo, &ui);
			out += uo;
			in += ui;
		}
		n = snprintf(rep, sizeof(rep),
			"pid %d\nconns %llu\nactive %u\nfailed %llu\nbytes_out %llu\nbytes_in %llu\ndns %llu\nrefused %llu\n"
			"allowed %llu\ndenied %llu\nrules %u\npolicies %llu\nlog_dropped %llu\n",
			(int)getpid(), (unsigned long long)D.st.conns,
			D.st.active, (unsigned long long)D.st.failed,
			(unsigned long long)out, (unsigned long long)in,
			(unsigned long long)D.st.dns,
			(unsigned long long)D.st.refused,
			(unsigned long long)D.st.allowed,
			(unsigned long long)D.st.denied, D.pol ? D.pol->n : 0,
			(unsigned long long)D.st.policies,
			(unsigned long long)D.log.dropped);
		send(fd, rep, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	} else if (strcmp(req, "policy") == 0) {
		policy_load(fd, pfd, rep, sizeof(rep));
		send(fd, rep, strlen(rep), MSG_NOSIGNAL | MSG_DONTWAIT);
	} else if (strcmp(req, "fds") == 0) {
		fds[0] = D.nf->fd[NSFD_NET];
		fds[1] = D.nf->fd[NSFD_USER];
		send_fds(fd, "ok", 2, fds, fds[1] >= 0 ? 2 : 1);
	} else if (strcmp(req, "stop") == 0) {
		send(fd, "ok", 2, MSG_NOSIGNAL | MSG_DONTWAIT);
		D.stop = true;
		return true;
	}
	return false;
}

/**
 * ctl_serve() - read the request of control client @fd (non-blocking) and
 *		 answer it
 * Return: false when it has not come yet (@fd stays open), true when the
 *	   client is done with (@fd closed, or kept for "stop")
 */
static bool ctl_serve(int fd)
{
	char req[16];
	int pfd = -1, n = 0;
	/* the socket is non-blocking; an fd (the policy) may come along */
	int got = recv_fds(fd, req, sizeof(req) - 1, &pfd, &n, 1);
	bool keep = false;

	if (got == -EAGAIN || got == -EINTR)
		return false;
	if (got > 0) {
		req[got] = '\0';
		keep = ctl_answer(fd, req, n > 0 ? pfd : -1);
	}
	if (n > 0)
		close(pfd);
	if (keep) {
		epoll_ctl(D.ep, EPOLL_CTL_DEL, fd, NULL);
		return true;
	}
	close(fd);
	return true;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void ctl_unpark(struct ctl_client *k)
{
	close(k->ev.fd);
	k->ev.fd = -1;
}

/* the slot a new silent client takes: a free one, else (evicting it) the
 * oldest of the peer process that holds the most */
static struct ctl_client *ctl_victim(void)
{
	struct ctl_client *k = NULL;
	int best = 0;

	for (int i = 0; i < CTL_PARKED_MAX; i++) {
		struct ctl_client *c = &D.ctl[i];
		int same = 0;

		if (c->ev.fd < 0)
			return c;
		for (int j = 0; j < CTL_PARKED_MAX; j++)
			same += D.ctl[j].pid == c->pid;
		if (same > best || (same == best && c->since < k->since)) {
			k = c;
			best = same;
		}
	}
	return k;
}

/* wait for @fd's request (peer @pid) in the epoll set */
static void ctl_park(int fd, pid_t pid)
{
	struct ctl_client *k = ctl_victim();

	/* its last chance: answered if its request came meanwhile */
	if (k->ev.fd >= 0 && !ctl_serve(k->ev.fd))
		close(k->ev.fd);
	k->since = now_ms();
	k->pid = pid;
	if (ep_add(&k->ev, fd, EPOLLIN | EPOLLRDHUP) < 0) {
		close(fd);
		k->ev.fd = -1;
	}
}

static void ctl_event(int lfd)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);
	int fd;

	for (int i = 0; i < CTL_ACCEPT_BURST; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0 ||
		    cr.uid != getuid()) {
			close(fd);
			continue;
		}
		if (!ctl_serve(fd))
			ctl_park(fd, cr.pid);
	}
}

static void ctl_client_event(struct ctl_client *k)
{
	if (k->ev.fd >= 0 && ctl_serve(k->ev.fd))
		k->ev.fd = -1;
}

static void sweep(void)
{
	time_t now = time(NULL);
	uint64_t ms = now_ms();
	struct conn *c, *next;

	for (int i = 0; i < CTL_PARKED_MAX; i++)
		if (D.ctl[i].ev.fd >= 0 && ms - D.ctl[i].since >= CTL_WAIT_MS)
			ctl_unpark(&D.ctl[i]);

	for (c = D.conns; c; c = next) {
		next = c->next;
		if (c->st != C_RELAY && c->st != C_DNS_SERVE && now > c->deadline)
			conn_fail(c, -ETIMEDOUT);
	}
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int netns_daemon(const struct netns_conf *c, struct ns_fds *nf, int ctl)
{
	struct ev lev[6 + BRIDGE_MAX + 5];
	bool udp = c->udp;
	struct epoll_event evs[EVENTS_MAX];
	struct itimerspec its = { .it_interval.tv_sec = 1, .it_value.tv_sec = 1 };
	sigset_t ss;
	int n, r, k = 0, sfd, tfd;

	/* A relay wakes for its clients' writes; under SCHED_NORMAL each
	 * wakeup may preempt the writer on its CPU and move one datagram or
	 * segment, and the scheduler settles there (10x the wakeups of the
	 * same load relayed by redsocks, which it happened not to preempt).
	 * SCHED_BATCH wakeups never preempt: the relay runs when the writer
	 * sleeps or its slice ends, and moves what came meanwhile. Set before
	 * any thread starts (direct.c's resolvers inherit it). Not fatal: an
	 * optimization, and a seccomp'd or exotic host may refuse it. */
	if (c->sched_batch) {
		struct sched_param sp = { 0 };

		if (sched_setscheduler(0, SCHED_BATCH, &sp) < 0)
			log_warn("sched_setscheduler(SCHED_BATCH): %s", strerror(errno));
	}
	D.c = c;
	D.nf = nf;
	D.pol = c->policy;
	D.own_netns = netns_cookie(ctl);
	D.log.dirfd = -1;
	D.log.fd = -1;
	if (c->statefd >= 0) {
		r = connlog_open(&D.log, c->statefd);
		if (r < 0)
			log_warn("open(%s): %s (connections are not logged)",
				 CONNLOG_FILE, strerror(-r));
	}
	for (int i = 0; i < CTL_PARKED_MAX; i++)
		D.ctl[i].ev = (struct ev){ .kind = EV_CTL_CLIENT, .fd = -1, .side = i };
	raise_nofile();
	r = pipe_pool_init(&D.pp, 16, 0);
	if (r < 0)
		return r;
	if (c->dns_mode == DNS_FAKE && fakedns_init(&D.fake, FAKE_BASE, FAKE_CAP) < 0)
		return -ENOMEM;
	D.ep = epoll_create1(EPOLL_CLOEXEC);
	if (D.ep < 0)
		return -errno;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
		return -errno;

	/* accept() hands the listener's TCP_NODELAY down: a relayed client
	 * socket gets it without a setsockopt() each (relay_start()) */
	set_nodelay(nf->fd[NSFD_TCP4]);
	set_nodelay(nf->fd[NSFD_TCP6]);
	set_nodelay(nf->fd[NSFD_DTCP4]);
	set_nodelay(nf->fd[NSFD_DTCP6]);
	for (int i = 0; i < c->nbridges; i++)
		set_nodelay(c->bridges[i].fd);
#define ADD(kind_, fd_) do {						\
		lev[k] = (struct ev){ .kind = (kind_) };		\
		r = ep_add(&lev[k], (fd_), EPOLLIN);			\
		if (r < 0)						\
			return r;					\
		k++;							\
	} while (0)
	ADD(EV_RELAY_L, nf->fd[NSFD_TCP4]);
	lev[k - 1].side = AF_INET;
	ADD(EV_RELAY_L, nf->fd[NSFD_TCP6]);
	lev[k - 1].side = AF_INET6;
	ADD(EV_DNS_UDP, nf->fd[NSFD_UDP4]);
	ADD(EV_DNS_UDP, nf->fd[NSFD_UDP6]);
	ADD(EV_DNS_TCP_L, nf->fd[NSFD_DTCP4]);
	ADD(EV_DNS_TCP_L, nf->fd[NSFD_DTCP6]);
	for (int i = 0; i < c->nbridges; i++) {
		ADD(EV_BRIDGE_L, c->bridges[i].fd);
		lev[k - 1].side = i;
	}
	ADD(EV_CTL, ctl);
	ADD(EV_SIGNAL, sfd);
	ADD(EV_TIMER, tfd);
	if (c->direct) {
		r = direct_init();
		if (r < 0)
			return r;
		ADD(EV_DIRECT, r);
	}
	if (udp) {		/* UDP ASSOCIATE: udp.c */
		struct udp_env ue = {
			.c = c, .fake = &D.fake, .pol = &D.pol, .log = &D.log,
			.factory = nf->fd[NSFD_FACTORY],
			.allowed = &D.st.allowed, .denied = &D.st.denied,
		};

		r = udp_init(&ue, D.ep, EV_UDP, nf->fd[NSFD_TPU4], nf->fd[NSFD_TPU6]);
		if (r < 0)
			return r;
	}
#undef ADD

	while (!D.stop) {
		n = epoll_wait(D.ep, evs, EVENTS_MAX, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !D.stop; i++) {
			struct ev *e = evs[i].data.ptr;
			uint64_t x;

			/* udp.c's registrations start with their kind too */
			if (*(const int *)evs[i].data.ptr == EV_UDP) {
				udp_event(evs[i].data.ptr);
				continue;
			}
			switch (e->kind) {
			case EV_RELAY_L:
				relay_accept(e->fd, e->side);
				break;
			case EV_DNS_UDP:
				dns_udp_event(e->fd);
				break;
			case EV_DNS_TCP_L:
				dns_tcp_accept(e->fd);
				break;
			case EV_BRIDGE_L:
				bridge_accept(&c->bridges[e->side]);
				break;
			case EV_CTL:
				ctl_event(e->fd);
				break;
			case EV_CTL_CLIENT:
				ctl_client_event(&D.ctl[e->side]);
				break;
			case EV_SIGNAL:
				D.stop = true;
				break;
			case EV_TIMER:
				if (read(e->fd, &x, sizeof(x)) > 0) {
					sweep();
					if (udp)
						udp_sweep();
				}
				break;
			case EV_DIRECT:
				direct_event();
				break;
			case EV_CONN:
				if (e->c->dead)
					break;
				if (e->c->st == C_DNS_SERVE) {
					r = dns_tcp_serve(e->c);
					if (r < 0)
						conn_free(e->c, r != -ECANCELED);
				} else {
					conn_event(e->c, e->side, evs[i].events);
				}
				break;
			default:
				break;
			}
		}
		conn_reap();
		if (udp)
			udp_reap();
	}
	return 0;
}
