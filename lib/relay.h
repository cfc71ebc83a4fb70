/* SPDX-License-Identifier: MIT */
#ifndef BRO_RELAY_H
#define BRO_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest pipe we ask for; the probe settles lower if the kernel
 * (fs.pipe-max-size, the per-user pipe quota) refuses */
#define PIPE_SIZE_MAX	(1U << 20)
#define PIPE_POOL_MAX	64

/**
 * struct pipe_pool - pre-opened, pre-sized pipes for splice(2)
 * @fd:		spare pipes, [i][0] read end, [i][1] write end
 * @n:		how many of @fd are spare
 * @cap:	how many are kept at most; extras returned are closed
 * @size:	the size the probe settled on, asked of every new pipe
 * @opened:	pipes created outside the pool (a busy moment), for stats
 */
struct pipe_pool {
	int fd[PIPE_POOL_MAX][2];
	unsigned n, cap;
	uint32_t size;
	unsigned long opened;
};

/**
 * pipe_pool_init() - probe the largest usable pipe size and fill the pool
 * @pp:		the pool
 * @cap:	pipes to keep ready (at most PIPE_POOL_MAX)
 * @max:	largest size to try, 0 for PIPE_SIZE_MAX; further bounded by
 *		/proc/sys/fs/pipe-max-size
 *
 * Return: 0, or -errno when not even one pipe could be made
 */
int pipe_pool_init(struct pipe_pool *pp, unsigned cap, uint32_t max);

/**
 * pipe_pool_get() - a pipe, from the pool or new
 * @pp:		the pool
 * @fds:	filled with the read and write ends (O_NONBLOCK, O_CLOEXEC)
 *
 * Return: the pipe's size in bytes, or -errno
 */
int pipe_pool_get(struct pipe_pool *pp, int fds[2]);

/* pipe_pool_put() - give back an EMPTY pipe of @size bytes: kept when the
 * pool has room and @size is the pool's, else closed; @fds are set to -1 */
void pipe_pool_put(struct pipe_pool *pp, int fds[2], uint32_t size);

/* pipe_pool_fini() - close every spare pipe */
void pipe_pool_fini(struct pipe_pool *pp);

/**
 * struct relay_pipe - one direction of a relay
 * @fd:		the pipe holding bytes read from the source side and not yet
 *		written to the other side; -1 while the direction is idle
 * @size:	its size
 * @used:	bytes in it
 */
struct relay_pipe {
	int fd[2];
	uint32_t size, used;
};

/**
 * struct relay - two connected stream sockets relayed through pipes
 * @fd:		side 0 and side 1 (by convention accepted, then target)
 * @p:		@p[i] carries bytes from side i to side !i
 * @events:	RELAY_* bits, see relay.c
 * @bytes:	bytes delivered from side i to side !i
 */
struct relay {
	int fd[2];
	struct relay_pipe p[2];
	uint32_t events;
	uint64_t bytes[2];
};

/* relay_event() results, besides -errno */
enum { RELAY_OPEN = 0, RELAY_DONE = 1 };

/**
 * relay_init() - start relaying between two connected, non-blocking stream
 *		  sockets
 * @r:		the relay
 * @fd0, @fd1:	the sockets; the relay owns them from now on
 *
 * The caller registers both sockets with epoll for
 * EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET once, never changes that, calls
 * relay_event(r, pp, -1, 0) once to move what arrived before the relay
 * started, and then relay_event() with what epoll reports.
 */
void relay_init(struct relay *r, int fd0, int fd1);

/**
 * relay_drained() - before the first relay_event(): the caller's last read
 *		     of @side returned less than it asked for, after the
 *		     wakeup it handled, which did not report EPOLLRDHUP,
 *		     EPOLLHUP or EPOLLERR; so the relay need not read @side
 *		     until epoll reports it again (saves a read that would
 *		     say EAGAIN)
 */
void relay_drained(struct relay *r, int side);

/**
 * relay_event() - move what can move after epoll reported @events on @side
 * @r:		the relay
 * @pp:		pipes come from here and go back when a direction is idle
 * @side:	0 or 1, or -1 for "anything that can move"
 * @events:	EPOLL* bits reported for @side
 *
 * Return: RELAY_OPEN, RELAY_DONE when both directions have ended (each
 *	   FIN passed on after its last byte), or -errno when the relay
 *	   failed: -ECONNRESET when a peer reset, -EPIPE when a peer went away
 *	   with bytes still for it, other values from splice(2). After
 *	   RELAY_DONE or an error, call relay_close().
 */
int relay_event(struct relay *r, struct pipe_pool *pp, int side,
		uint32_t events);

/**
 * relay_close() - close both sockets and release the pipes
 * @r:		the relay
 * @pp:		empty pipes go back here
 * @abort:	reset both connections (SO_LINGER 0) instead of closing them:
 *		what a peer's reset or an abandoned relay should look like
 */
void relay_close(struct relay *r, struct pipe_pool *pp, bool abort);

/* relay_idle() - is nothing in flight in either direction? */
bool relay_idle(const struct relay *r);

#endif
