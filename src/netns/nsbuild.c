/* SPDX-License-Identifier: MIT
 *
 * nsbuild.c - build a bro-netns namespace, in a child process.
 *
 * The child unshares a user namespace (rootless: it maps only its own UID
 * and GID, which any process may do) and a network namespace, and is root
 * there. It then programs the namespace:
 *
 *   lo up, NS_ADDR4/32 and NS_ADDR6/128 on it, default routes "dev lo src"
 *   (without a route connect() fails before NAT; without a source address
 *   replies are never un-NATed and AI_ADDRCONFIG hides IPv4)
 *   nftables: nat output redirects TCP to the relay and port 53 to the DNS
 *   stub; filter output drops everything that was not redirected
 *
 * makes the listeners, and passes them with the namespace fds to the relay
 * process in the host namespace (a socket keeps its namespace). Then it
 * drops every capability and stays only to make sockets inside the
 * namespace on request (bridge ports), dying with the relay (PDEATHSIG and
 * EOF on the socket).
 *
 * nftables is programmed through libnftables, the library nft(8) itself
 * is: the ruleset is the text below, readable in a review and validated
 * exactly as `nft -f` would. libnftnl would need the same rules spelled as
 * expression objects, a few hundred lines nobody can check by eye.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "nl.h"
#include "nsbuild.h"

/* The ruleset. The first %u is the creator's UID (the tag exec checks in a
 * namespace made with capabilities), the second the relay's port. */
static const char ruleset[] =
"table inet bro {\n"
"	comment \"" NS_TAG "%u\"\n"
"	counter blocked { }\n"
"	chain nat_out {\n"
"		type nat hook output priority -100; policy accept;\n"
"		ip daddr { 127.0.0.0/8, " NS_ADDR4 " } return\n"
"		ip6 daddr { ::1, " NS_ADDR6 " } return\n"
"		meta l4proto { tcp, udp } th dport 53 redirect to :53\n"
"		meta l4proto tcp redirect to :%u\n"
"	}\n"
"	chain filter_out {\n"
"		type filter hook output priority 0; policy drop;\n"
"		ip daddr { 127.0.0.0/8, " NS_ADDR4 " } accept\n"
"		ip6 daddr { ::1, " NS_ADDR6 " } accept\n"
"		ct status dnat accept\n"
"		meta mark " NS_UDP_MARK " accept\n"
"		counter name blocked meta l4proto tcp reject with tcp reset\n"
"		counter name blocked reject with icmpx type admin-prohibited\n"
"	}\n"
"}\n";

/* UDP capture (socks5:// only): UDP not to port 53 and not to the
 * namespace's own addresses is marked in output, comes back in through lo
 * (nl_tproxy_setup()'s rule and local route) and is handed by TPROXY to the
 * relay's transparent UDP sockets, which read where it was going
 * (IP_ORIGDSTADDR): REDIRECT would lose that (SO_ORIGINAL_DST is TCP's) */
static const char udp_rules[] =
"table inet bro {\n"
"	chain udp_mark {\n"
"		type route hook output priority mangle; policy accept;\n"
"		ip daddr { 127.0.0.0/8, " NS_ADDR4 " } return\n"
"		ip6 daddr { ::1, " NS_ADDR6 " } return\n"
"		meta l4proto udp th dport != 53 meta mark set " NS_UDP_MARK "\n"
"	}\n"
"	chain udp_tproxy {\n"
"		type filter hook prerouting priority mangle; policy accept;\n"
"		meta mark " NS_UDP_MARK " ip protocol udp tproxy ip to 127.0.0.1:%u accept\n"
"		meta mark " NS_UDP_MARK " ip6 nexthdr udp tproxy ip6 to [::1]:%u accept\n"
"	}\n"
"}\n";

#define HINT_USERNS "user namespaces are disabled for unprivileged users " \
	"(sysctl user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns); " \
	"fallback: install bro-netns with setcap cap_net_admin,cap_sys_admin+ep"
#define HINT_NFT "does the kernel have nf_tables, nft_redir, nf_nat and " \
	"nf_conntrack (CONFIG_NF_TABLES, CONFIG_NFT_REDIR, CONFIG_NF_NAT)?"

int send_fds(int sock, const void *msg, size_t len, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * NSFD_COUNT)] = { 0 };
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (n > NSFD_COUNT)
		return -EINVAL;
	if (n > 0) {
		m.msg_control = cbuf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int recv_fds(int sock, void *msg, size_t len, int *fds, int *n, int max)
{
	char cbuf[CMSG_SPACE(sizeof(int) * NSFD_COUNT)];
	struct iovec iov = { .iov_base = msg, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t r;
	int got = 0;

	r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	if (r < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		int k, cnt;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (k = 0; k < cnt; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + sizeof(int) * (size_t)k, sizeof(int));
			if (got < max)
				fds[got++] = fd;
			else
				close(fd);
		}
	}
	*n = got;
	if (m.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) {
		while (got > 0)
			close(fds[--got]);
		*n = 0;
		return -EMSGSIZE;
	}
	return (int)r;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		r = -errno;
	close(fd);
	return r;
}

/**
 * enter_userns() - a new user namespace mapping only our UID and GID
 * @allow_caps:	when user namespaces are unavailable, return false instead
 *		of failing (the caller then uses its file capabilities)
 * Return: true when entered
 */
static bool enter_userns(bool allow_caps)
{
	uid_t uid = getuid();	/* unmapped (65534) once unshared */
	gid_t gid = getgid();
	char map[64];
	int r;

	/* mapping UID 0 into a new user namespace needs CAP_SETFCAP effective
	 * at the unshare (the kernel's verify_root_map()): only root maps 0.
	 * Once unshared we hold every capability in the new namespace (and
	 * none outside it), which the rest of the set-up needs. */
	if (uid == 0)
		caps_raise(CAP_SETFCAP);
	if (unshare(CLONE_NEWUSER) < 0) {
		if (allow_caps && (errno == EPERM || errno == ENOSPC ||
				   errno == EINVAL || errno == EACCES))
			return false;
		log_die(1, "unshare(CLONE_NEWUSER): %s (%s)", strerror(errno),
			HINT_USERNS);
	}
	/* Installed with file capabilities we are not dumpable, so our /proc
	 * files belong to root and the map writes below fail (EACCES). The
	 * unshare left us no capability outside the new user namespace, and
	 * inside it we are what any user is after unshare -U: dumpable is now
	 * no more than the rootless path always is. */
	if (prctl(PR_GET_DUMPABLE) != 1 && prctl(PR_SET_DUMPABLE, 1) < 0)
		log_die(1, "prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	r = write_file("/proc/self/uid_map", map);
	if (r < 0)
		log_die(1, "write(/proc/self/uid_map): %s", strerror(-r));
	r = write_file("/proc/self/setgroups", "deny");
	if (r < 0 && r != -ENOENT)
		log_die(1, "write(/proc/self/setgroups): %s", strerror(-r));
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	r = write_file("/proc/self/gid_map", map);
	if (r < 0)
		log_die(1, "write(/proc/self/gid_map): %s", strerror(-r));
	return true;
}

/* with file capabilities: the new netns belongs to our own user namespace,
 * and only CAP_SYS_ADMIN (unshare) and CAP_NET_ADMIN (programming it) are
 * made effective, after the unshare, inside it */
static void enter_netns_caps(void)
{
	int r = caps_raise(CAP_SYS_ADMIN);

	if (r < 0)
		log_die(1, "unshare(CLONE_NEWUSER): unavailable, and no CAP_SYS_ADMIN to fall back on (%s)",
			HINT_USERNS);
	if (unshare(CLONE_NEWNET) < 0)
		log_die(1, "unshare(CLONE_NEWNET): %s", strerror(errno));
	/* CAP_SYS_ADMIN was for the unshare alone */
	r = caps_lower_effective();
	if (r == 0)
		r = caps_raise(CAP_NET_ADMIN);
	if (r < 0)
		log_die(1, "capset(raise CAP_NET_ADMIN): %s (install with setcap cap_net_admin,cap_sys_admin+ep)",
			strerror(-r));
	/* port 53 without CAP_NET_BIND_SERVICE, in this namespace only */
	r = write_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", "53");
	if (r < 0)
		log_die(1, "write(net.ipv4.ip_unprivileged_port_start): %s", strerror(-r));
}

static int listen_on(int family, int type, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, one = 1;

	fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		log_die(1, "socket(%s): %s", addr, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		len = sizeof(*s6);
		if (type == SOCK_DGRAM)
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		len = sizeof(*s4);
		if (type == SOCK_DGRAM)
			setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		log_die(1, "bind(%s port %u): %s", addr, port, strerror(errno));
	if (type == SOCK_STREAM && listen(fd, 1024) < 0)
		log_die(1, "listen(%s port %u): %s", addr, port, strerror(errno));
	return fd;
}

/* a transparent UDP socket on @addr:@port that TPROXY hands captured
 * datagrams to, each with where it was going (IP_ORIGDSTADDR) */
static int tproxy_udp(int family, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	bool v6 = family == AF_INET6;
	int fd, one = 1;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		log_die(1, "socket(UDP %s): %s", addr, strerror(errno));
	if (setsockopt(fd, v6 ? SOL_IPV6 : SOL_IP, v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT,
		       &one, sizeof(one)) < 0 ||
	    setsockopt(fd, v6 ? SOL_IPV6 : SOL_IP,
		       v6 ? IPV6_RECVORIGDSTADDR : IP_RECVORIGDSTADDR, &one,
		       sizeof(one)) < 0)
		log_die(1, "setsockopt(UDP %s, transparent): %s", addr, strerror(errno));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		len = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		log_die(1, "bind(UDP %s port %u): %s", addr, port, strerror(errno));
	return fd;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in s4;
	socklen_t len = sizeof(s4);

	if (getsockname(fd, (struct sockaddr *)&s4, &len) < 0)
		log_die(1, "getsockname(relay listener): %s", strerror(errno));
	return ntohs(s4.sin_port);
}

static void program_nft(uint16_t port, bool udp)
{
	char text[sizeof(ruleset) + sizeof(udp_rules) + 32];
	int n;
	struct nft_ctx *nft;
	const char *err;

	n = snprintf(text, sizeof(text), ruleset, (unsigned)getuid(), port);
	if (udp)
		snprintf(text + n, sizeof(text) - (size_t)n, udp_rules, port, port);
	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		log_die(1, "nft_ctx_new(): %s", strerror(errno));
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	if (nft_run_cmd_from_buffer(nft, text) != 0) {
		err = nft_ctx_get_error_buffer(nft);
		log_die(1, "nftables(table inet bro): %.300s (%s)",
			err && *err ? err : "failed", HINT_NFT);
	}
	nft_ctx_free(nft);
}

/* serve socket requests: one byte, '4' or '6' (TCP), 'u' or 'U' (UDP,
 * IPv4 or IPv6), answered with one socket */
static void factory(int sock)
{
	char req, ok = 'k';
	int fd;

	for (;;) {
		ssize_t n = recv(sock, &req, 1, 0);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(0);
		}
		fd = socket(req == '6' || req == 'U' ? AF_INET6 : AF_INET,
			    (req == 'u' || req == 'U' ? SOCK_DGRAM : SOCK_STREAM) |
			    SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			ok = 'e';
			send_fds(sock, &ok, 1, NULL, 0);
			ok = 'k';
			continue;
		}
		send_fds(sock, &ok, 1, &fd, 1);
		close(fd);
	}
}

void nsbuild_child(int sock, bool allow_caps, bool udp)
{
	int f[NSFD_COUNT], r;
	uint8_t a6[16];
	uint32_t a4;
	const char *step;
	uint16_t port;

	/* dies with the relay process that forked it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
		_exit(1);
	if (enter_userns(allow_caps)) {
		if (unshare(CLONE_NEWNET) < 0)
			log_die(1, "unshare(CLONE_NEWNET): %s (%s)", strerror(errno),
				HINT_USERNS);
	} else {
		enter_netns_caps();
	}
	inet_pton(AF_INET, NS_ADDR4, &a4);
	inet_pton(AF_INET6, NS_ADDR6, a6);
	r = nl_lo_setup(a4, a6, &step);
	if (r < 0)
		log_die(1, "%s: %s", step, strerror(-r));

	f[NSFD_TCP4] = listen_on(AF_INET, SOCK_STREAM, "127.0.0.1", 0);
	port = local_port(f[NSFD_TCP4]);
	f[NSFD_TCP6] = listen_on(AF_INET6, SOCK_STREAM, "::1", port);
	f[NSFD_UDP4] = listen_on(AF_INET, SOCK_DGRAM, "0.0.0.0", NS_DNS_PORT);
	f[NSFD_UDP6] = listen_on(AF_INET6, SOCK_DGRAM, "::", NS_DNS_PORT);
	f[NSFD_DTCP4] = listen_on(AF_INET, SOCK_STREAM, "0.0.0.0", NS_DNS_PORT);
	f[NSFD_DTCP6] = listen_on(AF_INET6, SOCK_STREAM, "::", NS_DNS_PORT);
	f[NSFD_TPU4] = tproxy_udp(AF_INET, "127.0.0.1", port);
	f[NSFD_TPU6] = tproxy_udp(AF_INET6, "::1", port);
	if (udp) {
		r = nl_tproxy_setup(NS_UDP_MARK_N, NS_UDP_TABLE, &step);
		if (r < 0)
			log_die(1, "%s: %s", step, strerror(-r));
	}
	program_nft(port, udp);

	f[NSFD_NET] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (f[NSFD_NET] < 0)
		log_die(1, "open(/proc/self/ns/net): %s", strerror(errno));
	f[NSFD_USER] = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (f[NSFD_USER] < 0)
		log_die(1, "open(/proc/self/ns/user): %s", strerror(errno));
	/* everything but the factory, which is @sock itself */
	r = send_fds(sock, &port, sizeof(port), f, NSFD_FACTORY);
	if (r < 0)
		log_die(1, "sendmsg(namespace fds): %s", strerror(-r));
	for (int i = 0; i < NSFD_FACTORY; i++)
		close(f[i]);
	/* nothing of the caller's terminal is kept */
	r = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (r >= 0) {
		dup2(r, 0);
		dup2(r, 1);
		dup2(r, 2);
		close(r);
	}

	/* from here on only socket(2): no capability is needed */
	r = caps_drop_all();
	if (r < 0)
		log_die(1, "capset(drop all): %s", strerror(-r));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		log_die(1, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	factory(sock);
	_exit(0);
}

int nsbuild_recv(int sock, struct ns_fds *nf)
{
	uint16_t port = 0;
	int n = 0, r;

	r = recv_fds(sock, &port, sizeof(port), nf->fd, &n, NSFD_FACTORY);
	if (r < 0)
		return r;
	if (r != (int)sizeof(port) || n != NSFD_FACTORY) {
		while (n > 0)
			close(nf->fd[--n]);
		return -EIO;
	}
	nf->fd[NSFD_FACTORY] = sock;	/* our end: requests go over it */
	nf->relay_port = port;
	return 0;
}

static int ns_socket_req(int factory_fd, char req)
{
	char ok = 0;
	int fd = -1, n = 0, r;

	if (send(factory_fd, &req, 1, MSG_NOSIGNAL) < 0)
		return -errno;
	r = recv_fds(factory_fd, &ok, 1, &fd, &n, 1);
	if (r < 0)
		return r;
	if (r != 1 || ok != 'k' || n != 1) {
		if (n == 1)
			close(fd);
		return -EIO;
	}
	return fd;
}

int ns_socket(int factory_fd, int family)
{
	return ns_socket_req(factory_fd, family == AF_INET6 ? '6' : '4');
}

int ns_socket_udp(int factory_fd, int family)
{
	return ns_socket_req(factory_fd, family == AF_INET6 ? 'U' : 'u');
}
