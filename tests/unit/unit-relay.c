/* SPDX-License-Identifier: MIT
 * unit-relay - lib/relay.c over real loopback TCP: bytes both ways, a large
 * transfer, half-close passed on, reset passed on, pipes back in the pool */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay.h"
#include "tap.h"

static int ep;

/* a connected pair over loopback: *@a connected, *@b accepted */
static void tcp_pair(int *a, int *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&sa, &sl) < 0)
		exit(99);
	*a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&sa, sl) < 0)
		exit(99);
	*b = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (*b < 0)
		exit(99);
	close(l);
	fcntl(*a, F_SETFL, O_NONBLOCK);
}

/* a relay between a client and a server, as bro-proxyd sets it up */
struct rig {
	int client, server;
	struct relay r;
};

static void rig_up(struct rig *g)
{
	int s0, s1, i;

	tcp_pair(&g->client, &s0);
	tcp_pair(&s1, &g->server);
	fcntl(g->server, F_SETFL, O_NONBLOCK);
	relay_init(&g->r, s0, s1);
	for (i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
					  .data.u32 = (uint32_t)i };

		epoll_ctl(ep, EPOLL_CTL_ADD, g->r.fd[i], &ev);
	}
}

/* drive() - feed epoll events to the relay until @ms pass without one;
 * Return: the last non-OPEN result, or RELAY_OPEN */
static int drive(struct rig *g, struct pipe_pool *pp, int ms)
{
	struct epoll_event evs[8];
	int n, i, r;

	while ((n = epoll_wait(ep, evs, 8, ms)) > 0)
		for (i = 0; i < n; i++) {
			r = relay_event(&g->r, pp, (int)evs[i].data.u32, evs[i].events);
			if (r != RELAY_OPEN)
				return r;
		}
	return RELAY_OPEN;
}

int main(void)
{
	static char big[4 << 20], got[4 << 20];
	struct pipe_pool pp;
	struct rig g;
	size_t sent = 0, rcvd = 0, i;
	char buf[64];
	ssize_t n;
	int r, rounds;

	ep = epoll_create1(EPOLL_CLOEXEC);
	is_int(pipe_pool_init(&pp, 4, 1 << 16), 0, "pipe pool of 4");
	is_int(pp.n, 4, "  holds 4 pipes");
	ok(pp.size >= 4096 && pp.size <= (1 << 16), "  of %u bytes (probed, <= 64 KiB asked)",
	   pp.size);

	rig_up(&g);
	is_int(relay_event(&g.r, &pp, -1, 0), RELAY_OPEN, "a new relay is open");
	ok(g.r.p[0].fd[0] < 0 && g.r.p[1].fd[0] < 0, "  and holds no pipe while idle");
	n = write(g.client, "hello", 5);
	drive(&g, &pp, 50);
	n = read(g.server, buf, sizeof(buf));
	ok(n == 5 && !memcmp(buf, "hello", 5), "client -> server");
	n = write(g.server, "world!", 6);
	drive(&g, &pp, 50);
	n = read(g.client, buf, sizeof(buf));
	ok(n == 6 && !memcmp(buf, "world!", 6), "server -> client");
	ok(g.r.p[0].fd[0] < 0 && g.r.p[1].fd[0] < 0 && pp.n == 4,
	   "  pipes back in the pool once idle");

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 4096);
	for (rounds = 0; rcvd < sizeof(big) && rounds < 100000; rounds++) {
		if (sent < sizeof(big)) {
			n = write(g.client, big + sent, sizeof(big) - sent);
			if (n > 0)
				sent += (size_t)n;
		}
		drive(&g, &pp, 0);
		n = read(g.server, got + rcvd, sizeof(got) - rcvd);
		if (n > 0)
			rcvd += (size_t)n;
		else
			drive(&g, &pp, 1);
	}
	ok(rcvd == sizeof(big) && !memcmp(big, got, sizeof(big)),
	   "4 MiB arrive intact (%zu bytes in %d rounds)", rcvd, rounds);
	ok(g.r.bytes[0] == sizeof(big) + 5, "  counted: %llu", (unsigned long long)g.r.bytes[0]);

	shutdown(g.client, SHUT_WR);
	is_int(drive(&g, &pp, 50), RELAY_OPEN, "client half-close: relay stays open");
	is_int(read(g.server, buf, sizeof(buf)), 0, "  the server sees EOF");
	n = write(g.server, "reply", 5);
	drive(&g, &pp, 50);
	n = read(g.client, buf, sizeof(buf));
	ok(n == 5 && !memcmp(buf, "reply", 5), "  and its reply still reaches the client");
	close(g.server);
	is_int(drive(&g, &pp, 200), RELAY_DONE, "server closes: relay done");
	is_int(read(g.client, buf, sizeof(buf)), 0, "  the client sees EOF");
	relay_close(&g.r, &pp, false);
	close(g.client);
	is_int(pp.n, 4, "  all pipes back in the pool");

	rig_up(&g);
	n = write(g.client, "x", 1);
	drive(&g, &pp, 50);
	setsockopt(g.server, SOL_SOCKET, SO_LINGER,
		   &(struct linger){ .l_onoff = 1, .l_linger = 0 }, sizeof(struct linger));
	close(g.server);
	r = drive(&g, &pp, 200);
	is_int(r, -ECONNRESET, "server resets: the relay reports -ECONNRESET");
	relay_close(&g.r, &pp, true);
	usleep(20000);
	errno = 0;
	n = read(g.client, buf, sizeof(buf));
	ok(n < 0 && errno == ECONNRESET, "  and the client is reset too (%s)", strerror(errno));
	close(g.client);

	rig_up(&g);
	setsockopt(g.client, SOL_SOCKET, SO_LINGER,
		   &(struct linger){ .l_onoff = 1, .l_linger = 0 }, sizeof(struct linger));
	close(g.client);
	r = drive(&g, &pp, 200);
	is_int(r, -ECONNRESET, "client resets: -ECONNRESET");
	relay_close(&g.r, &pp, true);
	usleep(20000);
	errno = 0;
	n = read(g.server, buf, sizeof(buf));
	ok(n < 0 && errno == ECONNRESET, "  and the server is reset (%s)", strerror(errno));
	close(g.server);

	pipe_pool_fini(&pp);
	is_int(pp.n, 0, "pool emptied");
	return tap_done();
}
