/* SPDX-License-Identifier: MIT
 *
 * nl.c - the few netlink requests a bro-netns namespace needs, through
 * libmnl: each request is acknowledged (NLM_F_ACK) and its sequence number
 * checked before the next is sent. rtnetlink sets up lo; nfnetlink reads
 * one nftables table's comment back (the setcap path's tag), as the kernel
 * holds it, with no text in between.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/fib_rules.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
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

/* a netlink socket of @bus, bound; Return: 0 or -errno (nothing left open) */
static int nl_open(struct nl *nl, int bus)
{
	int r;

	nl->s = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->s)
		return -errno;
	if (mnl_socket_bind(nl->s, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		mnl_socket_close(nl->s);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->s);
	return 0;
}

static struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(nl->buf);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = ++nl->seq;
	return h;
}

/* send @h, wait for its ACK, passing each answer to @cb (may be NULL);
 * Return: 0 or the -errno the kernel (or @cb) sent */
static int nl_talk_cb(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl->s, h, h->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->s, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(nl->buf, (size_t)n, nl->seq, nl->portid, cb, data);
		if (r <= MNL_CB_STOP)
			return r < 0 ? -errno : 0;
	}
}

static int nl_talk(struct nl *nl, struct nlmsghdr *h)
{
	return nl_talk_cb(nl, h, NULL, NULL);
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
	r = nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return r;
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

/* "ip rule add fwmark @mark lookup @table" for @family */
static int rule_fwmark(struct nl *nl, int family, uint32_t mark, uint32_t table)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL);
	struct fib_rule_hdr *fr = mnl_nlmsg_put_extra_header(h, sizeof(*fr));

	fr->family = (uint8_t)family;
	fr->action = FR_ACT_TO_TBL;
	fr->table = RT_TABLE_UNSPEC;
	mnl_attr_put_u32(h, FRA_FWMARK, mark);
	mnl_attr_put_u32(h, FRA_TABLE, table);
	mnl_attr_put_u32(h, FRA_PRIORITY, 100);
	return nl_talk(nl, h);
}

/* "ip route add local default dev lo table @table" for @family */
static int route_local(struct nl *nl, int family, uint32_t table)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));

	rt->rtm_family = (uint8_t)family;
	rt->rtm_dst_len = 0;
	rt->rtm_table = RT_TABLE_UNSPEC;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_HOST;
	rt->rtm_type = RTN_LOCAL;
	mnl_attr_put_u32(h, RTA_TABLE, table);
	mnl_attr_put_u32(h, RTA_OIF, LO_IFINDEX);
	return nl_talk(nl, h);
}

int nl_tproxy_setup(uint32_t mark, uint32_t table, const char **step)
{
	struct nl nl = { .seq = (uint32_t)time(NULL) };
	int r;

	*step = "socket(NETLINK_ROUTE)";
	r = nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return r;
	*step = "RTM_NEWRULE(fwmark, IPv4)";
	r = rule_fwmark(&nl, AF_INET, mark, table);
	if (r < 0)
		goto out;
	*step = "RTM_NEWRULE(fwmark, IPv6)";
	r = rule_fwmark(&nl, AF_INET6, mark, table);
	if (r < 0)
		goto out;
	*step = "RTM_NEWROUTE(local default dev lo, IPv4)";
	r = route_local(&nl, AF_INET, table);
	if (r < 0)
		goto out;
	*step = "RTM_NEWROUTE(local default dev lo, IPv6)";
	r = route_local(&nl, AF_INET6, table);
out:
	mnl_socket_close(nl.s);
	return r;
}

/* nftables ---------------------------------------------------------------- */

struct table_udata {
	uint8_t *buf;
	size_t size, len;
	int found;		/* NFT_MSG_NEWTABLE answers seen */
};

static int table_cb(const struct nlmsghdr *h, void *data)
{
	struct table_udata *t = data;
	const struct nlattr *a;

	if (NFNL_MSG_TYPE(h->nlmsg_type) != NFT_MSG_NEWTABLE)
		return MNL_CB_OK;
	t->found++;
	mnl_attr_for_each(a, h, sizeof(struct nfgenmsg)) {
		uint16_t l;

		if (mnl_attr_get_type(a) != NFTA_TABLE_USERDATA)
			continue;
		l = mnl_attr_get_payload_len(a);
		if (l > t->size) {
			errno = EMSGSIZE;
			return MNL_CB_ERROR;
		}
		memcpy(t->buf, mnl_attr_get_payload(a), l);
		t->len = l;
	}
	return MNL_CB_OK;
}

/**
 * nft_table_comment() - the comment of nftables table @family @name in the
 *			 calling thread's network namespace
 * @comment, @size: the comment, NUL-terminated ("" when it has none)
 *
 * NFT_MSG_GETTABLE over nfnetlink (needs CAP_NET_ADMIN over the namespace
 * both when the socket is made and when the request is sent). The comment
 * is the table's user data as nft(8) stores it: TLVs of { u8 type, u8 len,
 * value }, type 0 the table comment, its value the text with its NUL. Only
 * that is taken as the comment: exactly one type-0 TLV whose value ends in
 * its only NUL; anything else in the user data is refused, not guessed at.
 *
 * Return: 0, -ENOENT no such table, -EBADMSG malformed user data,
 *	   -ENAMETOOLONG comment longer than @size - 1, other -errno
 */
int nft_table_comment(int family, const char *name, char *comment, size_t size)
{
	struct nl nl = { .seq = (uint32_t)time(NULL) };
	uint8_t ud[256];
	struct table_udata t = { .buf = ud, .size = sizeof(ud) };
	struct nlmsghdr *h;
	struct nfgenmsg *g;
	size_t off;
	int r, comments = 0;

	comment[0] = '\0';
	r = nl_open(&nl, NETLINK_NETFILTER);
	if (r < 0)
		return r;
	h = nl_msg(&nl, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE, 0);
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->nfgen_family = (uint8_t)family;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	mnl_attr_put_strz(h, NFTA_TABLE_NAME, name);
	r = nl_talk_cb(&nl, h, table_cb, &t);
	if (r < 0)
		goto out;
	if (t.found != 1) {
		r = -ENOENT;
		goto out;
	}
	for (off = 0; off < t.len; ) {
		uint8_t type, l;
		const uint8_t *v;

		if (t.len - off < 2 || (size_t)ud[off + 1] > t.len - off - 2) {
			r = -EBADMSG;
			goto out;
		}
		type = ud[off];
		l = ud[off + 1];
		v = ud + off + 2;
		off += 2 + (size_t)l;
		if (type != 0)
			continue;	/* not the comment */
		if (++comments > 1 || l == 0 || v[l - 1] != '\0' ||
		    memchr(v, '\0', l) != v + l - 1) {
			r = -EBADMSG;
			goto out;
		}
		if (l > size) {
			r = -ENAMETOOLONG;
			goto out;
		}
		memcpy(comment, v, l);
	}
	r = 0;
out:
	mnl_socket_close(nl.s);
	return r;
}
