/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_DAEMON_H
#define BRO_NETNS_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "nsbuild.h"
#include "policy.h"
#include "proxy.h"

#define BRIDGE_MAX	16
#define CONN_MAX	4096	/* relayed connections at once */
#define FAKE_BASE	0xc6120000u	/* 198.18.0.0 */
#define FAKE_CAP	65536u		/* 198.18.0.1 - 198.19.0.0 */

enum dns_mode { DNS_FAKE, DNS_TCP };

/**
 * struct bridge - one --bridge-port: a host listener whose connections go
 *		   to 127.0.0.1:@nsport inside the namespace
 */
struct bridge {
	struct sockaddr_storage host;
	socklen_t hlen;
	uint16_t nsport;
	int fd;
};

/**
 * struct netns_conf - what the relay process needs
 * @proxy:	the upstream proxy (unused when @direct)
 * @direct:	--proxy direct: the relay connects itself (direct.c)
 * @udp:	--udp: UDP through the SOCKS5 proxy (udp.c); else refused
 * @udp_idle:	--udp-idle: seconds a UDP flow lives without a datagram (0:
 *		UDP_IDLE_SECS)
 * @sched_batch: --sched batch (the default): the relay runs SCHED_BATCH
 * @proxy_sa:	its address, resolved once at create
 * @dns_mode:	fake (default) or DNS over TCP through the proxy
 * @resolver:	the resolver for DNS_TCP
 * @bridges:	--bridge-port listeners (already bound and listening)
 * @policy:	the egress policy (--allow, --deny, --policy-file), or NULL
 * @statefd:	the namespace's state directory (for the connection log),
 *		or -1
 */
struct netns_conf {
	struct proxy_url proxy;
	bool direct;
	bool udp;
	unsigned udp_idle;
	bool sched_batch;
	struct sockaddr_storage proxy_sa;
	socklen_t proxy_len;
	enum dns_mode dns_mode;
	struct target resolver;
	struct bridge bridges[BRIDGE_MAX];
	int nbridges;
	struct policy *policy;
	int statefd;
};

/**
 * netns_daemon() - relay until told to stop on @ctl or by SIGTERM/SIGINT
 * @c:		configuration
 * @nf:		the namespace's fds (kept open: they pin the namespace)
 * @ctl:	the listening control socket (SOCK_SEQPACKET)
 *
 * Return: 0 on a requested stop, -errno when the loop itself failed
 */
int netns_daemon(const struct netns_conf *c, struct ns_fds *nf, int ctl);

#endif
