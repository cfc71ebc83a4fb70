/* SPDX-License-Identifier: MIT */
#ifndef BRO_RELAYSRV_H
#define BRO_RELAYSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/**
 * struct relay_route - one listener and where its connections go
 * @lfd:	a listening stream socket (made non-blocking by relay_serve)
 * @to, @tolen:	the target given to connect(); a pinned unix socket is
 *		"/proc/self/fd/N" of an O_PATH fd the caller keeps open
 * @name:	the target as messages name it ("--to unix:/x", "--relay 80")
 * @ka_in:	TCP keepalive on accepted connections
 * @ka_out:	TCP keepalive on the target connections
 *
 * Each target socket is created, by socket(2), in the network namespace
 * of the process that runs relay_serve() at the time: a caller that must
 * reach into another namespace joins it first.
 */
struct relay_route {
	int lfd;
	struct sockaddr_storage to;
	socklen_t tolen;
	const char *name;
	bool ka_in, ka_out;
};

#define RELAY_ROUTES_MAX	4096

/**
 * relay_serve() - accept on every route, connect each connection to its
 *		   target (non-blocking) and splice both ways (lib/relay.c)
 *		   until @sigfd becomes readable
 * @rt, @n:	the routes, at most RELAY_ROUTES_MAX
 * @conns_max:	connections open at once over all routes; at the limit the
 *		listeners are left alone (their backlogs hold the rest)
 * @sigfd:	a signalfd (or any fd) whose readability ends the loop
 * @ready:	called once everything is set up, before the first wait; may
 *		be NULL
 *
 * A failed connection is logged and closed; nothing else is.
 * Return: 0 when @sigfd ended it, or -errno when setting up failed
 */
int relay_serve(struct relay_route *rt, size_t n, unsigned conns_max,
		int sigfd, void (*ready)(void *), void *arg);

/* relay_keepalive() - TCP keepalive (60s idle, 10s x 6) and TCP_NODELAY */
void relay_keepalive(int fd);

#endif
