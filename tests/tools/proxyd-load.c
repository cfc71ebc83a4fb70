/* SPDX-License-Identifier: MIT
 *
 * proxyd-load - the peers of bench/proxyd.sh, in C so that the measuring
 *		 side costs little next to what is measured:
 *
 * PORT is a port on 127.0.0.1, or ADDR:PORT (IPv4).
 *
 *   proxyd-load echo PORT		epoll echo server on PORT; a
 *					half-close is answered by closing once
 *					everything is echoed
 *   proxyd-load once PORT		the same, but closes after answering
 *					the first read (a "Connection: close"
 *					HTTP server)
 *   proxyd-load rtt PORT N SIZE	one connection, N round trips of SIZE
 *					bytes; prints "p50 P99" in microseconds
 *   proxyd-load conns PORT SECS CONC	short connections for SECS seconds, CONC
 *					at once: connect, send 64 bytes, read
 *					the answer and the server's EOF
 *					(against "once"), close; prints
 *					connections/s
 *   proxyd-load paced PORT N CONC RATE	exactly N short connections (as in
 *					conns), at most CONC open at once, the
 *					k-th started no earlier than k/RATE s
 *					after the first: a fixed offered load;
 *					prints "DONE FAILED SECONDS"; gives up
 *					after 2 N/RATE + 10 s
 *   proxyd-load hold PORT N		open N connections, one round trip on
 *					each, print "ready N", wait for stdin
 *					to close
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in sa;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "proxyd-load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void max_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

__attribute__((noreturn)) static void serve_echo(int once)
{
	static char buf[1 << 16];
	struct epoll_event ev, evs[256];
	int l, ep, n, i;

	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 4096) < 0)
		die("listen");
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = l };
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r;

			if (fd == l) {
				int c;

				while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
					ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				/* small messages: a blocking-enough write */
				ssize_t w = 0;

				while (w < r) {
					ssize_t k = write(fd, buf + w, (size_t)(r - w));

					if (k < 0 && errno != EAGAIN)
						break;
					if (k > 0)
						w += k;
				}
				if (once)
					close(fd);
			} else if (r == 0 || errno != EAGAIN) {
				close(fd);
			}
		}
	}
}

static int connect_to(int flags)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		die("connect");
	return fd;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int rtt(int n, int size)
{
	char buf[4096];
	uint64_t *t = calloc((size_t)n, sizeof(*t));
	int fd = connect_to(0), i;

	if (!t || size < 1 || size > (int)sizeof(buf))
		return 1;
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < n + 100; i++) {
		uint64_t t0 = now_ns();
		int got = 0;

		if (write(fd, buf, (size_t)size) != size)
			die("write");
		while (got < size) {
			ssize_t r = read(fd, buf, (size_t)(size - got));

			if (r <= 0)
				die("read");
			got += (int)r;
		}
		if (i >= 100)		/* the first 100 warm up */
			t[i - 100] = now_ns() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	printf("%.1f %.1f\n", t[n / 2] / 1000.0, t[n * 99 / 100] / 1000.0);
	return 0;
}

/* one short connection's progress */
struct sc {
	int fd;
	int got;
};

static int conns(int secs, int conc)
{
	char msg[64], buf[256];
	struct epoll_event ev, evs[256];
	struct sc *s = calloc((size_t)conc, sizeof(*s));
	uint64_t end, done = 0, t0;
	int ep = epoll_create1(EPOLL_CLOEXEC), i, n;

	memset(msg, 'q', sizeof(msg));
	for (i = 0; i < conc; i++) {
		s[i].fd = connect_to(SOCK_NONBLOCK);
		ev = (struct epoll_event){ .events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)i };
		epoll_ctl(ep, EPOLL_CTL_ADD, s[i].fd, &ev);
		s[i].got = -1;		/* not sent yet */
	}
	t0 = now_ns();
	end = t0 + (uint64_t)secs * 1000000000ULL;
	while (now_ns() < end) {
		n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++) {
			struct sc *c = &s[evs[i].data.u32];
			ssize_t r;

			if (c->got < 0) {
				if (!(evs[i].events & EPOLLOUT))
					continue;
				if (write(c->fd, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
					goto again;
				c->got = 0;
				ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = evs[i].data.u32 };
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				continue;
			}
			r = read(c->fd, buf, sizeof(buf));
			if (r > 0) {
				c->got += (int)r;
				continue;
			}
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r == 0 && c->got == (int)sizeof(msg))
				done++;
again:
			close(c->fd);
			c->fd = connect_to(SOCK_NONBLOCK);
			c->got = -1;
			ev = (struct epoll_event){ .events = EPOLLOUT | EPOLLIN, .data.u32 = evs[i].data.u32 };
			epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
		}
	}
	printf("%.0f\n", (double)done * 1e9 / (double)(now_ns() - t0));
	return 0;
}

/* paced: a slot's fd is -1 while free */
static int paced(long n, int conc, long rate)
{
	char msg[64], buf[256];
	struct epoll_event ev, evs[256];
	struct sc *s = calloc((size_t)conc, sizeof(*s));
	uint64_t t0, end, next, now;
	long started = 0, done = 0, failed = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC), open = 0, i, k;

	if (!s || n < 1 || conc < 1 || rate < 1)
		return 64;
	memset(msg, 'q', sizeof(msg));
	for (i = 0; i < conc; i++)
		s[i].fd = -1;
	t0 = now_ns();
	end = t0 + (uint64_t)(2 * n / rate + 10) * 1000000000ULL;
	while (done + failed < n && (now = now_ns()) < end) {
		int timeout = 100;

		/* start every connection that is due and has a slot (one clock
		 * reading: a second one could be past next) */
		for (i = 0; i < conc && started < n; i++) {
			next = t0 + (uint64_t)started * 1000000000ULL / (uint64_t)rate;
			if (now < next) {
				timeout = (int)((next - now) / 1000000) + 1;
				if (timeout > 100)
					timeout = 100;
				break;
			}
			if (s[i].fd >= 0)
				continue;
			s[i].fd = connect_to(SOCK_NONBLOCK);
			s[i].got = -1;
			ev = (struct epoll_event){ .events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)i };
			epoll_ctl(ep, EPOLL_CTL_ADD, s[i].fd, &ev);
			started++;
			open++;
		}
		if (open == conc || started == n)
			timeout = 100;
		k = epoll_wait(ep, evs, 256, timeout);
		for (i = 0; i < k; i++) {
			struct sc *c = &s[evs[i].data.u32];
			ssize_t r;

			if (c->got < 0) {
				if (!(evs[i].events & EPOLLOUT))
					goto fail;
				if (write(c->fd, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
					goto fail;
				c->got = 0;
				ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = evs[i].data.u32 };
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				continue;
			}
			r = read(c->fd, buf, sizeof(buf));
			if (r > 0) {
				c->got += (int)r;
				continue;
			}
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r == 0 && c->got == (int)sizeof(msg)) {
				done++;
				goto closed;
			}
fail:
			failed++;
closed:
			close(c->fd);
			c->fd = -1;
			open--;
		}
	}
	printf("%ld %ld %.3f\n", done, n - done, (double)(now_ns() - t0) / 1e9);
	return 0;
}

static int hold(int n)
{
	int *fd = calloc((size_t)n, sizeof(*fd)), i;
	char c = 'h';

	for (i = 0; i < n; i++) {
		fd[i] = connect_to(0);
		if (write(fd[i], &c, 1) != 1 || read(fd[i], &c, 1) != 1) {
			fprintf(stderr, "proxyd-load: connection %d failed\n", i);
			return 1;
		}
	}
	printf("ready %d\n", n);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	char *colon;

	if (argc < 3) {
		fprintf(stderr, "usage: proxyd-load echo|once|rtt|conns|paced|hold [ADDR:]PORT ...\n");
		return 64;
	}
	max_nofile();
	sa = (struct sockaddr_in){ .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	colon = strrchr(argv[2], ':');
	if (colon) {
		*colon = '\0';
		if (inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
			fprintf(stderr, "proxyd-load: bad address %s\n", argv[2]);
			return 64;
		}
	}
	sa.sin_port = htons((uint16_t)atoi(colon ? colon + 1 : argv[2]));
	if (!strcmp(argv[1], "echo") || !strcmp(argv[1], "once"))
		serve_echo(!strcmp(argv[1], "once"));
	if (!strcmp(argv[1], "rtt") && argc == 5)
		return rtt(atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(argv[1], "conns") && argc == 5)
		return conns(atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(argv[1], "paced") && argc == 6)
		return paced(atol(argv[3]), atoi(argv[4]), atol(argv[5]));
	if (!strcmp(argv[1], "hold") && argc == 4)
		return hold(atoi(argv[3]));
	fprintf(stderr, "proxyd-load: bad arguments\n");
	return 64;
}
