/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_UDP_H
#define BRO_NETNS_UDP_H

#include <stdint.h>

#include "connlog.h"
#include "daemon.h"
#include "dns.h"
#include "policy.h"

#define UDP_FLOW_MAX	1024	/* UDP flows at once */
#define UDP_IDLE_SECS	60	/* a flow with no datagram either way ends
				 * (--udp-idle) */
#define UDP_SETUP_SECS	30	/* the association must be made in time */
#define UDP_QUEUE_MAX	32	/* datagrams held while it is made */

/**
 * struct udp_env - what the UDP relay shares with the rest of the relay
 * @c:		the configuration (the proxy, the DNS mode)
 * @fake:	fake DNS, to map a fake address back to its name
 * @pol:	the policy in force (it may be replaced: read at each flow)
 * @log:	the connection log
 * @factory:	the namespace's socket factory (ns_socket_udp())
 * @allowed, @denied: the relay's counters
 */
struct udp_env {
	const struct netns_conf *c;
	const struct fakedns *fake;
	struct policy *const *pol;
	struct connlog *log;
	int factory;
	uint64_t *allowed, *denied;
};

/**
 * udp_probe() - can the relay make the namespace's UDP sockets transparent?
 *		 (it can when its user owns the namespace's user namespace;
 *		 on the setcap path it does not)
 * Return: 0, or -errno (EPERM)
 */
int udp_probe(int factory);

/**
 * udp_init() - relay UDP captured by TPROXY on @tpu4 and @tpu6 through the
 *		SOCKS5 proxy (UDP ASSOCIATE), its fds in the caller's epoll
 *		set @ep: each registration's data.ptr points at an object
 *		whose first member is an int equal to @kind
 * Return: 0, or -errno
 */
int udp_init(const struct udp_env *env, int ep, int kind, int tpu4, int tpu6);

/* udp_event() - handle the event of one registration (never waits) */
void udp_event(void *reg);

/* udp_reap() - free the flows that ended; after each batch of events (a
 * later event of the same batch may be theirs) */
void udp_reap(void);

/* udp_sweep() - end idle flows and associations not made in time; once
 * a second */
void udp_sweep(void);

/* udp_stats() - flows open now and datagram bytes moved (ended flows
 * included) */
void udp_stats(unsigned *active, uint64_t *out, uint64_t *in);

#endif
