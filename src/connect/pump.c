/* SPDX-License-Identifier: MIT
 *
 * pump.c - bro-connect's data path: stdin -> tunnel and tunnel -> stdout.
 * lib/relay.c relays two sockets that each read and write; ssh hands a
 * ProxyCommand two one-way pipes, so here each direction has its own
 * source and sink. Bytes are spliced through a pipe from lib/relay.c's
 * pool (no copy through user space) where both ends allow it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pump.h"
#include "relay.h"

#define COPY_BUF	65536

struct dir {
	int src, dst;
	const char *sname, *dname;
	bool splice;		/* else read/write through @buf */
	int p[2];		/* splice: the pipe in between */
	uint32_t cap;
	size_t used, off;	/* bytes held; copy mode: start in @buf */
	bool eof, done;
	char buf[COPY_BUF];
};

static bool can_splice(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* room for more from the source: a pipe takes more while it holds some;
 * the copy buffer is refilled only once written out */
static size_t room(const struct dir *d)
{
	if (d->splice)
		return d->cap - d->used;
	return d->used ? 0 : d->cap;
}

/* move what can move without blocking; Return: 0, -errno (*@bad set) */
static int step(struct dir *d, short srev, short dstrev, const char **bad)
{
	ssize_t n;

	if ((srev | dstrev) & POLLNVAL) {	/* closed under us: not ours to spin on */
		*bad = srev & POLLNVAL ? d->sname : d->dname;
		return -EBADF;
	}
	if (!d->eof && room(d) && (srev & (POLLIN | POLLHUP | POLLERR))) {
		if (d->splice)
			n = splice(d->src, NULL, d->p[1], NULL, room(d),
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		else
			n = read(d->src, d->buf, d->cap);
		if (n > 0)
			d->used += (size_t)n;
		else if (n == 0)
			d->eof = true;
		else if (errno != EAGAIN && errno != EINTR) {
			*bad = d->sname;
			return -errno;
		}
	}
	if (d->used && (dstrev & (POLLOUT | POLLERR | POLLHUP))) {
		if (d->splice)
			n = splice(d->p[0], NULL, d->dst, NULL, d->used,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		else
			n = write(d->dst, d->buf + d->off, d->used);
		if (n > 0) {
			d->used -= (size_t)n;
			d->off = d->used && !d->splice ? d->off + (size_t)n : 0;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			*bad = d->dname;
			return -errno;
		}
	}
	return 0;
}

int pump_run(int in, int out, int sock, char *what, size_t size)
{
	static struct dir d[2];
	struct pipe_pool pp;
	const char *bad = "?";
	int i, r = 0;

	d[0] = (struct dir){ .src = in, .dst = sock, .sname = "stdin",
			     .dname = "the tunnel", .p = { -1, -1 } };
	d[1] = (struct dir){ .src = sock, .dst = out, .sname = "the tunnel",
			     .dname = "stdout", .p = { -1, -1 } };
	if (fcntl(in, F_GETFL) < 0 || fcntl(out, F_GETFL) < 0) {
		snprintf(what, size, "%s", fcntl(in, F_GETFL) < 0 ? "stdin" : "stdout");
		return -EBADF;
	}
	r = pipe_pool_init(&pp, 2, 0);
	for (i = 0; i < 2; i++) {
		d[i].splice = r == 0 && can_splice(d[i].src) && can_splice(d[i].dst);
		d[i].cap = COPY_BUF;
		if (d[i].splice) {
			int sz = pipe_pool_get(&pp, d[i].p);

			if (sz < 0)
				d[i].splice = false;
			else
				d[i].cap = (uint32_t)sz;
		}
	}
	r = 0;
	while (!d[0].done || !d[1].done) {
		struct pollfd pf[4];
		int k;

		for (i = 0; i < 2; i++) {
			pf[2 * i] = (struct pollfd){ .fd = -1 };
			pf[2 * i + 1] = (struct pollfd){ .fd = -1 };
			if (d[i].done)
				continue;
			if (!d[i].eof && room(&d[i]))
				pf[2 * i] = (struct pollfd){ .fd = d[i].src, .events = POLLIN };
			if (d[i].used)
				pf[2 * i + 1] = (struct pollfd){ .fd = d[i].dst, .events = POLLOUT };
		}
		/* stdout's reader gone (ssh exited) ends it all, even when
		 * nothing waits to be written */
		if (!d[1].done && pf[3].fd < 0)
			pf[3] = (struct pollfd){ .fd = out, .events = 0 };
		k = poll(pf, 4, -1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			snprintf(what, size, "poll");
			r = -errno;
			break;
		}
		if (!d[1].used && (pf[3].revents & (POLLHUP | POLLERR)))
			break;
		for (i = 0; i < 2; i++) {
			if (d[i].done)
				continue;
			r = step(&d[i], pf[2 * i].revents, pf[2 * i + 1].revents, &bad);
			if (r < 0)
				break;
			if (d[i].eof && !d[i].used) {
				d[i].done = true;
				if (i == 0 && shutdown(sock, SHUT_WR) < 0 && errno != ENOTCONN) {
					bad = "the tunnel (shutdown)";
					r = -errno;
					break;
				}
				if (i == 1)
					close(out);
			}
		}
		if (r < 0) {
			/* ssh went away: not a failure of ours */
			if (r == -EPIPE && !strcmp(bad, "stdout"))
				r = 0;
			else
				snprintf(what, size, "relay (%s)", bad);
			break;
		}
	}
	for (i = 0; i < 2; i++)
		if (d[i].p[0] >= 0) {
			close(d[i].p[0]);
			close(d[i].p[1]);
		}
	pipe_pool_fini(&pp);
	return r;
}
