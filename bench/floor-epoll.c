/* SPDX-License-Identifier: MIT
 *
 * floor-epoll - the cheapest short-connection TCP relay there is, the floor
 * that bench/proxyd.sh measures every relay's CPU per 1000 connections
 * against. A bench tool, not a product: no options, no limits, no logs.
 *
 *   floor-epoll LISTEN TARGET		LISTEN and TARGET: PORT on 127.0.0.1,
 *					or ADDR:PORT (IPv4)
 *
 * One thread, one epoll loop, edge-triggered: accept4() in batches, a
 * nonblocking connect to the target, both sockets registered once (no
 * epoll_ctl after that), recv/send through one buffer per connection; any
 * event on a connection pumps both directions until EAGAIN. An EOF is
 * passed on as a half-close. With one buffer, a direction whose bytes wait
 * for the far side to read stalls the other direction: fine for
 * request/answer and one-way bulk, which is what the benches offer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF (64 * 1024)

struct conn {
	int fd[2];		/* client, target */
	int eof[2];		/* direction d (fd[d] to fd[!d]) has ended */
	int dir, off, len;	/* bytes buf[off, len) wait to go to fd[!dir] */
	char buf[BUF];
};

static struct sockaddr_in addr(char *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char *colon = strrchr(s, ':');

	if (colon) {
		*colon = '\0';
		if (inet_pton(AF_INET, s, &sa.sin_addr) != 1)
			exit(64);
	}
	sa.sin_port = htons((uint16_t)atoi(colon ? colon + 1 : s));
	return sa;
}

/* direction d until EAGAIN; -1 on an error */
static int pump(struct conn *c, int d)
{
	ssize_t n;

	while (!c->eof[d]) {
		if (c->len > c->off) {
			if (c->dir != d)
				return 0;	/* the buffer is the other way's */
			n = send(c->fd[!d], c->buf + c->off, (size_t)(c->len - c->off),
				 MSG_NOSIGNAL);
			if (n < 0)
				return errno == EAGAIN ? 0 : -1;
			c->off += (int)n;
			continue;
		}
		n = recv(c->fd[d], c->buf, BUF, 0);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if (n == 0) {
			c->eof[d] = 1;
			shutdown(c->fd[!d], SHUT_WR);
		}
		c->dir = d, c->off = 0, c->len = (int)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in la, ta;
	struct epoll_event ev[256];
	struct conn *dead[256];	/* freed after the batch: ev[] may name them again */
	int l, ep, one = 1, n, i, k, fd, ndead;

	if (argc != 3) {
		fprintf(stderr, "usage: floor-epoll LISTEN TARGET\n");
		return 64;
	}
	la = addr(argv[1]);
	ta = addr(argv[2]);
	ep = epoll_create1(EPOLL_CLOEXEC);
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&la, sizeof(la)) || listen(l, 4096) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, l, &(struct epoll_event){ .events = EPOLLIN })) {
		perror("floor-epoll: listen");
		return 1;
	}
	for (;;) {
		n = epoll_wait(ep, ev, 256, -1);
		for (i = ndead = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;

			if (c) {
				if (c->fd[0] < 0)
					continue;
				if (pump(c, 0) < 0 || pump(c, 1) < 0 || (c->eof[0] && c->eof[1])) {
					close(c->fd[0]);	/* closing drops them from ep */
					close(c->fd[1]);
					c->fd[0] = -1;
					dead[ndead++] = c;
				}
				continue;
			}
			/* the listener: a batch of accepts */
			for (k = 0; k < 64 && (fd = accept4(l, NULL, NULL,
					SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0; k++) {
				struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };

				if (!(c = malloc(sizeof(*c)))) {
					close(fd);
					continue;
				}
				c->fd[0] = fd;
				c->fd[1] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
				c->eof[0] = c->eof[1] = c->off = c->len = c->dir = 0;
				e.data.ptr = c;
				if ((connect(c->fd[1], (struct sockaddr *)&ta, sizeof(ta)) &&
				     errno != EINPROGRESS) ||
				    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd[0], &e) ||
				    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd[1], &e)) {
					close(c->fd[0]);
					close(c->fd[1]);
					free(c);
				}
			}
		}
		while (ndead > 0)
			free(dead[--ndead]);
	}
}
