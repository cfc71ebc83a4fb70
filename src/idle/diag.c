// SPDX-License-Identifier: MIT
/*
 * diag.c - counting the connections of a listening TCP socket through
 * NETLINK_SOCK_DIAG (inet_diag), with libmnl: one dump request per family,
 * its sequence number checked, the replies filtered by local address.
 */
#include "diag.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

struct want {
	int family;
	uint16_t port;		/* network order */
	uint32_t addr[4];	/* network order; all zero: any */
	bool any;
	int count;
};

static int on_msg(const struct nlmsghdr *h, void *data)
{
	struct want *w = data;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(h);

	if (h->nlmsg_len < mnl_nlmsg_size(sizeof(*m)))
		return MNL_CB_ERROR;
	if (m->idiag_family != w->family || m->id.idiag_sport != w->port)
		return MNL_CB_OK;
	if (!w->any && memcmp(m->id.idiag_src, w->addr,
			      w->family == AF_INET ? 4 : 16))
		return MNL_CB_OK;
	switch (m->idiag_state) {
	case TCP_LISTEN:
		w->count += (int)m->idiag_rqueue;	/* the accept queue */
		break;
	case TCP_SYN_SENT:		/* an outgoing connection */
	case TCP_TIME_WAIT:
	case TCP_CLOSE:
		break;
	default:
		w->count++;
		break;
	}
	return MNL_CB_OK;
}

int diag_busy(const struct sockaddr *sa, socklen_t len)
{
	static char buf[16384];	/* MNL_SOCKET_BUFFER_SIZE is a VLA (sysconf) */
	struct mnl_socket *nl;
	struct nlmsghdr *h;
	struct inet_diag_req_v2 *req;
	struct want w = { .family = sa->sa_family };
	static const uint32_t zero[4];
	unsigned int seq, portid;
	ssize_t n;
	int r, err;

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const void *)sa;

		w.port = s->sin_port;
		memcpy(w.addr, &s->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const void *)sa;

		w.port = s->sin6_port;
		memcpy(w.addr, &s->sin6_addr, 16);
	} else {
		return -EAFNOSUPPORT;
	}
	w.any = !memcmp(w.addr, zero, sizeof(zero));

	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	seq = (unsigned int)time(NULL);
	h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(h, sizeof(*req));
	req->sdiag_family = (uint8_t)w.family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ~0U;
	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			err = -errno;
			goto out;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, portid, on_msg, &w);
		if (r == MNL_CB_STOP)
			break;
		if (r < 0) {
			err = errno ? -errno : -EPROTO;
			goto out;
		}
	}
	err = w.count;
out:
	mnl_socket_close(nl);
	return err;
}
