/* SPDX-License-Identifier: MIT
 *
 * nl.c - the few rtnetlink requests a bro-netns namespace needs, through
 * libmnl: each request is acknowledged (NLM_F_ACK) and its sequence number
 * checked before the next is sent.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"

#define LO_IFINDEX 1	/* lo is always 1 in a new network namespace */

struct nl {
	struct mnl_socket *s;
	uint32_t seq, portid;
	char buf[8192];		/* MNL_SOCKET_BUFFER_SIZE, as a constant */
};

static struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(nl->buf);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = ++nl->seq;
	return h;
}

/* send @h, wait for its ACK; Return: 0 or the -errno the kernel sent */
static int nl_talk(struct nl *nl, struct nlmsghdr *h)
{
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl->s, h, h->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->s, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(nl->buf, (size_t)n, nl->seq, nl->portid, NULL, NULL);
		if (r <= MNL_CB_STOP)
			return r < 0 ? -errno : 0;
	}
}

static int link_up(struct nl *nl)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = LO_IFINDEX;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, h);
}

static int addr_add(struct nl *nl, int family, const void *a, int alen)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));

	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)(alen * 8);
	ifa->ifa_flags = IFA_F_NODAD | IFA_F_PERMANENT;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = LO_IFINDEX;
	mnl_attr_put(h, IFA_LOCAL, (size_t)alen, a);
	mnl_attr_put(h, IFA_ADDRESS, (size_t)alen, a);
	return nl_talk(nl, h);
}

static int route_default(struct nl *nl, int family, const void *src, int alen)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));

	rt->rtm_family = (uint8_t)family;
	rt->rtm_dst_len = 0;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	/* IPv4 "dev lo" without a gateway is a link-scope route */
	rt->rtm_scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(h, RTA_OIF, LO_IFINDEX);
	mnl_attr_put(h, RTA_PREFSRC, (size_t)alen, src);
	return nl_talk(nl, h);
}

int nl_lo_setup(uint32_t a4, const uint8_t a6[16], const char **step)
{
	struct nl nl = { .seq = (uint32_t)time(NULL) };
	int r;

	*step = "socket(NETLINK_ROUTE)";
	nl.s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl.s)
		return -errno;
	if (mnl_socket_bind(nl.s, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	nl.portid = mnl_socket_get_portid(nl.s);
	*step = "RTM_NEWLINK(lo up)";
	r = link_up(&nl);
	if (r < 0)
		goto out;
	*step = "RTM_NEWADDR(lo, IPv4)";
	r = addr_add(&nl, AF_INET, &a4, 4);
	if (r < 0)
		goto out;
	*step = "RTM_NEWADDR(lo, IPv6)";
	r = addr_add(&nl, AF_INET6, a6, 16);
	if (r < 0)
		goto out;
	*step = "RTM_NEWROUTE(default dev lo, IPv4)";
	r = route_default(&nl, AF_INET, &a4, 4);
	if (r < 0)
		goto out;
	*step = "RTM_NEWROUTE(default dev lo, IPv6)";
	r = route_default(&nl, AF_INET6, a6, 16);
out:
	mnl_socket_close(nl.s);
	return r;
}
