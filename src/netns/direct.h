/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_DIRECT_H
#define BRO_NETNS_DIRECT_H

#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proxy.h"

#define DIRECT_WORKERS	4	/* resolver threads: one slow name blocks one */
#define DIRECT_PENDING	1024	/* names waiting or being resolved, at most */

/**
 * struct direct_job - one name resolved for --proxy direct
 * @owner:	the connection waiting for it (the relay's loop only; NULL once
 *		that connection is gone: the result is then thrown away)
 * @name, @port: what to resolve (getaddrinfo, the host's resolver)
 * @ai:		the result (owned by the job), @cur the next address to try
 * @gai:	getaddrinfo()'s return
 * @why:	why the last address was not used or why there was none
 * @finished:	handed back by direct_done() (set and read by the loop only)
 */
struct direct_job {
	void *owner;
	char name[PROXY_HOST_MAX + 1];
	uint16_t port;
	struct addrinfo *ai, *cur;
	int gai;
	char why[96];
	bool finished;		/* out of direct_done(): the loop's */
	struct direct_job *next;
};

/**
 * direct_init() - start the resolver threads
 * Return: an eventfd readable when a job is done (direct_done()), -errno
 */
int direct_init(void);

/* direct_resolve() - queue @name:@port for @owner; Return: the job, or
 * NULL when DIRECT_PENDING are already queued (or out of memory) */
struct direct_job *direct_resolve(const char *name, uint16_t port, void *owner);

/* direct_done() - after the eventfd was readable: the next finished job,
 * or NULL when there is none left */
struct direct_job *direct_done(void);

/**
 * direct_next() - the next address of @j that the relay may connect to,
 *		   skipping (and saying why in @j->why) those it may not
 * Return: the address, or NULL when none is left
 */
const struct addrinfo *direct_next(struct direct_job *j);

/**
 * direct_addr_ok() - may the relay, in the host's namespace, connect to @sa?
 *
 * Not to the host's loopback (127.0.0.0/8, ::1), unspecified (0.0.0.0/8,
 * ::), the fake range 198.18.0.0/15 or the namespace's own addresses, nor
 * to any of those written as IPv4-mapped IPv6: a name that resolves to
 * them on the host would otherwise reach the host's own local services.
 * Return: NULL when it may, else the reason (static text)
 */
const char *direct_addr_ok(const struct sockaddr *sa);

/* direct_release() - the owner is done with @j: freed now if finished,
 * else when a thread finishes it */
void direct_release(struct direct_job *j);

#endif
