/* SPDX-License-Identifier: MIT
 *
 * relay.c - relay two stream sockets through pipes with splice(2): bytes go
 * socket -> pipe -> socket inside the kernel, never through user memory.
 *
 * Theory of operation
 * ===================
 * A relay has two sides: 0 (by convention the accepted socket) and 1 (the
 * socket we connected). Direction i moves bytes from side i to side !i
 * through pipe p[i]. A pipe is taken from the pool when a direction has
 * something to move and given back as soon as it is empty and its source
 * has nothing more right now, so an idle connection holds two sockets and no
 * pipe. Pipe size is probed once at start, up to fs.pipe-max-size.
 *
 * Both sockets are registered with epoll once, edge-triggered, for
 * EPOLLIN | EPOLLOUT | EPOLLRDHUP, and never modified: what the relay waits
 * for lives in the event bits below, set when a syscall says "not now"
 * (EAGAIN), cleared when epoll says "try again". The state is these events
 * (bit i for side i):
 *
 * - IN_WAIT_i:	 reading side i gave EAGAIN: no data, or p[i] had no free
 *		 slot. Cleared by EPOLLIN/EPOLLRDHUP/EPOLLHUP/EPOLLERR on side
 *		 i, and by any write out of p[i] (room in the pipe again).
 *		 Also set from the start by relay_drained(): the caller read
 *		 side i dry after the wakeup it handled.
 * - OUT_WAIT_i: writing to side i gave EAGAIN: its send buffer is full.
 *		 Cleared by EPOLLOUT/EPOLLHUP/EPOLLERR on side i.
 * - FIN_RCVD_i: reading side i returned 0: its peer sent FIN (or shut
 *		 down writing). Nothing more is read from side i.
 * - FIN_SENT_i: shutdown(side i, SHUT_WR) done: sent once FIN_RCVD_!i is
 *		 set and p[!i] is empty, i.e. right after the last byte. A
 *		 half-closed peer therefore still gets every byte of the reply.
 *
 * and these outcomes:
 *
 * - FIN_SENT_0 and FIN_SENT_1: both directions ended -> RELAY_DONE, the
 *   caller closes both sockets normally.
 * - a read fails (ECONNRESET: the peer reset) or a write fails (EPIPE,
 *   ECONNRESET: the peer is gone and bytes were still for it): -errno, the
 *   caller aborts the relay, and both sockets are closed with SO_LINGER 0,
 *   so the other peer sees the reset too. Nothing else is touched: one
 *   failed relay never affects another.
 *
 * Each direction loops read -> write until neither moves a byte, so an
 * event never leaves work behind for a wakeup that edge-triggered epoll
 * will not send. A read that fills 90% of the pipe means the sender is
 * streaming; the write that follows carries SPLICE_F_MORE so the kernel
 * builds full segments (the tail is pushed by the next ACK, TCP_NODELAY
 * being set on the sockets by the caller).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay.h"

#define IN_WAIT(i)	(1U << (0 + (i)))
#define OUT_WAIT(i)	(1U << (2 + (i)))
#define FIN_RCVD(i)	(1U << (4 + (i)))
#define FIN_SENT(i)	(1U << (6 + (i)))

#define PIPE_SIZE_MIN	4096U

static uint32_t pipe_max_size(uint32_t want)
{
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "re");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	if (v >= PIPE_SIZE_MIN && v < want)
		want = (uint32_t)v;
	return want;
}

static void close_pair(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	fds[0] = fds[1] = -1;
}

/* open_pipe() - a new non-blocking pipe, sized @size if the kernel agrees;
 * Return: its size, or -errno */
static int open_pipe(int fds[2], uint32_t size)
{
	int r;

	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
		fds[0] = fds[1] = -1;
		return -errno;
	}
	r = fcntl(fds[0], F_SETPIPE_SZ, (int)size);
	if (r < 0)
		r = fcntl(fds[0], F_GETPIPE_SZ);
	if (r <= 0) {
		r = r < 0 ? -errno : -EIO;
		close_pair(fds);
	}
	return r;
}

int pipe_pool_init(struct pipe_pool *pp, unsigned cap, uint32_t max)
{
	uint32_t size = pipe_max_size(max ? max : PIPE_SIZE_MAX);
	unsigned i;
	int r;

	*pp = (struct pipe_pool){ .cap = cap > PIPE_POOL_MAX ? PIPE_POOL_MAX : cap };
	for (i = 0; i < PIPE_POOL_MAX; i++)
		pp->fd[i][0] = pp->fd[i][1] = -1;
	if (pp->cap == 0)
		pp->cap = 1;
	/* Every pipe of the pool must get the size, or the size is too big
	 * for this user's quota (fs.pipe-user-pages-soft): halve and retry. */
	for (;;) {
		bool all = true;

		for (i = 0; i < pp->cap; i++) {
			if (pipe2(pp->fd[i], O_NONBLOCK | O_CLOEXEC) < 0) {
				r = -errno;
				pp->n = i;
				pipe_pool_fini(pp);
				return r;
			}
			if (fcntl(pp->fd[i][0], F_SETPIPE_SZ, (int)size) < 0) {
				all = false;
				i++;
				break;
			}
		}
		pp->n = i;
		if (all || size <= PIPE_SIZE_MIN)
			break;
		pipe_pool_fini(pp);
		size /= 2;
	}
	r = fcntl(pp->fd[0][0], F_GETPIPE_SZ);
	pp->size = r > 0 ? (uint32_t)r : PIPE_SIZE_MIN;
	/* those made before a refusal at the smallest size may differ: only
	 * pipes of the pool's size stay */
	for (i = 0; i < pp->n; i++) {
		r = fcntl(pp->fd[i][0], F_GETPIPE_SZ);
		if (r < 0 || (uint32_t)r != pp->size) {
			pp->n = i;
			break;
		}
	}
	for (; i < pp->cap; i++)
		close_pair(pp->fd[i]);
	return 0;
}

int pipe_pool_get(struct pipe_pool *pp, int fds[2])
{
	if (pp->n > 0) {
		pp->n--;
		fds[0] = pp->fd[pp->n][0];
		fds[1] = pp->fd[pp->n][1];
		pp->fd[pp->n][0] = pp->fd[pp->n][1] = -1;
		return (int)pp->size;
	}
	pp->opened++;
	return open_pipe(fds, pp->size);
}

void pipe_pool_put(struct pipe_pool *pp, int fds[2], uint32_t size)
{
	if (fds[0] < 0)
		return;
	if (pp->n < pp->cap && size == pp->size) {
		pp->fd[pp->n][0] = fds[0];
		pp->fd[pp->n][1] = fds[1];
		pp->n++;
		fds[0] = fds[1] = -1;
		return;
	}
	close_pair(fds);
}

void pipe_pool_fini(struct pipe_pool *pp)
{
	unsigned i;

	for (i = 0; i < pp->n; i++)
		close_pair(pp->fd[i]);
	pp->n = 0;
}

void relay_init(struct relay *r, int fd0, int fd1)
{
	*r = (struct relay){ .fd = { fd0, fd1 },
			     .p = { { .fd = { -1, -1 } }, { .fd = { -1, -1 } } } };
}

void relay_drained(struct relay *r, int side)
{
	r->events |= IN_WAIT(side);
}

/**
 * pump() - move bytes from side @i to side !@i until nothing moves
 * @r:		the relay
 * @pp:		pipe pool
 * @i:		source side
 *
 * Return: 0, or -errno when a read or write failed for good
 */
static int pump(struct relay *r, struct pipe_pool *pp, int i)
{
	struct relay_pipe *p = &r->p[i];
	int o = !i;
	ssize_t n;

	for (;;) {
		unsigned more = 0;
		bool moved = false;

		if (!(r->events & (IN_WAIT(i) | FIN_RCVD(i)))) {
			if (p->fd[0] < 0) {
				int sz = pipe_pool_get(pp, p->fd);

				if (sz < 0)
					return sz;
				p->size = (uint32_t)sz;
			}
			if (p->used < p->size) {
				size_t room = p->size - p->used;

				n = splice(r->fd[i], NULL, p->fd[1], NULL, room,
					   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
				if (n > 0) {
					p->used += (uint32_t)n;
					moved = true;
					if ((size_t)n >= room / 10 * 9)
						more = SPLICE_F_MORE;
				} else if (n == 0) {
					r->events |= FIN_RCVD(i);
				} else if (errno == EAGAIN) {
					r->events |= IN_WAIT(i);
				} else if (errno != EINTR) {
					return -errno;
				}
			} else {
				r->events |= IN_WAIT(i);
			}
		}
		if (p->used && !(r->events & OUT_WAIT(o))) {
			n = splice(p->fd[0], NULL, r->fd[o], NULL, p->used,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK | more);
			if (n > 0) {
				p->used -= (uint32_t)n;
				r->bytes[i] += (uint64_t)n;
				r->events &= ~IN_WAIT(i);
				moved = true;
			} else if (n < 0 && errno == EAGAIN) {
				r->events |= OUT_WAIT(o);
			} else if (n < 0 && errno != EINTR) {
				return -errno;
			} else if (n == 0) {
				return -EPIPE;
			}
		}
		if (!moved)
			break;
	}
	if (!p->used && (r->events & (IN_WAIT(i) | FIN_RCVD(i))))
		pipe_pool_put(pp, p->fd, p->size);
	if ((r->events & FIN_RCVD(i)) && !p->used && !(r->events & FIN_SENT(o))) {
		if (shutdown(r->fd[o], SHUT_WR) < 0 && errno != ENOTCONN)
			return -errno;
		r->events |= FIN_SENT(o);
	}
	return 0;
}

int relay_event(struct relay *r, struct pipe_pool *pp, int side,
		uint32_t events)
{
	int ret;

	if (side >= 0) {
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			r->events &= ~IN_WAIT(side);
		if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			r->events &= ~OUT_WAIT(side);
	} else {
		/* all but what relay_drained() said */
		r->events &= ~(OUT_WAIT(0) | OUT_WAIT(1));
		side = 0;
	}
	/* the side that woke us first; its reply direction often has
	 * nothing to do, and then costs no syscall */
	ret = pump(r, pp, side);
	if (ret == 0)
		ret = pump(r, pp, !side);
	if (ret < 0)
		return ret;
	if ((r->events & (FIN_SENT(0) | FIN_SENT(1))) == (FIN_SENT(0) | FIN_SENT(1)))
		return RELAY_DONE;
	return RELAY_OPEN;
}

bool relay_idle(const struct relay *r)
{
	return !r->p[0].used && !r->p[1].used;
}

void relay_close(struct relay *r, struct pipe_pool *pp, bool abort)
{
	const struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int i;

	for (i = 0; i < 2; i++) {
		if (r->fd[i] >= 0) {
			if (abort)
				setsockopt(r->fd[i], SOL_SOCKET, SO_LINGER, &lg,
					   sizeof(lg));
			close(r->fd[i]);
			r->fd[i] = -1;
		}
		/* a pipe with bytes left is dropped, not recycled */
		if (r->p[i].used)
			close_pair(r->p[i].fd);
		else
			pipe_pool_put(pp, r->p[i].fd, r->p[i].size);
		r->p[i].used = 0;
	}
}
