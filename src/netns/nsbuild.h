/* SPDX-License-Identifier: MIT */
#ifndef BRO_NETNS_NSBUILD_H
#define BRO_NETNS_NSBUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* the namespace's own addresses (on lo, source of the default routes) */
#define NS_ADDR4	"198.19.255.254"
#define NS_ADDR6	"fd62:726f::1"
#define NS_DNS_PORT	53
/* UDP capture: the mark and routing table that send it back in through lo */
#define NS_UDP_MARK	"0x62726f"
#define NS_UDP_MARK_N	0x62726f
#define NS_UDP_TABLE	0x62726f
/* the comment of table inet bro: "bro-netns uid=UID", the proof exec checks
 * in a namespace made with capabilities (only CAP_NET_ADMIN over that
 * namespace can write it) */
#define NS_TAG		"bro-netns uid="

/* the fds a namespace is made of, in the order they are passed */
enum ns_fd {
	NSFD_NET,	/* the network namespace */
	NSFD_USER,	/* the builder's user namespace: the netns's owner */
	NSFD_TCP4,	/* the relay's listeners, 127.0.0.1:port and [::1]:port */
	NSFD_TCP6,
	NSFD_UDP4,	/* the DNS stub, 0.0.0.0:53 and [::]:53 */
	NSFD_UDP6,
	NSFD_DTCP4,
	NSFD_DTCP6,
	NSFD_TPU4,	/* transparent UDP, 127.0.0.1:port and [::1]:port (TPROXY) */
	NSFD_TPU6,
	NSFD_FACTORY,	/* ask for a socket made inside: bridge ports */
	NSFD_COUNT
};

struct ns_fds {
	int fd[NSFD_COUNT];
	uint16_t relay_port;
};

/**
 * nsbuild_child() - in a child process: make the user and network
 *		     namespaces, program them, make the listeners, send them
 *		     over @sock, then serve socket requests until @sock
 *		     closes. Never returns.
 * @sock:	one end of a SOCK_SEQPACKET socketpair to the relay process
 * @allow_caps:	when user namespaces are unavailable, make the network
 *		namespace with CAP_SYS_ADMIN and CAP_NET_ADMIN from the
 *		permitted set (file capabilities) instead of failing
 * @udp:	capture UDP for the relay (TPROXY); else it is rejected
 */
void nsbuild_child(int sock, bool allow_caps, bool udp) __attribute__((noreturn));

/**
 * nsbuild_recv() - in the relay process: receive what nsbuild_child() sent
 * Return: 0, -EIO when the child failed (it said why on stderr), -errno
 */
int nsbuild_recv(int sock, struct ns_fds *f);

/**
 * ns_socket() - a new socket made inside the namespace by the factory
 * @factory:	f->fd[NSFD_FACTORY]
 * @family:	AF_INET or AF_INET6 (TCP, non-blocking, close-on-exec)
 * Return: the fd, or -errno
 */
int ns_socket(int factory, int family);

/* ns_socket_udp() - the same, a UDP socket */
int ns_socket_udp(int factory, int family);

/* send_fds() / recv_fds() - @n fds and a small message over a unix socket */
int send_fds(int sock, const void *msg, size_t len, const int *fds, int n);
int recv_fds(int sock, void *msg, size_t len, int *fds, int *n, int max);

#endif
