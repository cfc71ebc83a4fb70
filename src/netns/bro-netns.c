/* SPDX-License-Identifier: MIT
 *
 * bro-netns - network namespaces whose every byte out goes through a SOCKS5
 *	       or HTTP CONNECT proxy, DNS included, enforced by the kernel.
 *
 *	bro-netns create [--name NAME] --proxy URL [--dns fake|tcp://RESOLVER]
 *			 [--proxy-password-file FILE | --proxy-password-stdin]
 *			 [--proxy-pipeline]
 *			 [--bridge-port [HOSTADDR:]PORT[:NSPORT]]...
 *			 [--allow PATTERN | --deny PATTERN | --policy-file FILE]...
 *	bro-netns exec NAME -- CMD [ARGS...]
 *	bro-netns policy NAME (--allow PATTERN | --deny PATTERN | --policy-file FILE)...
 *	bro-netns log NAME [--follow]
 *	bro-netns list
 *	bro-netns destroy NAME
 *
 * Threat model
 * ============
 * Rootless, bro-netns needs no privilege: it creates a user namespace and a
 * network namespace in it, exactly what `unshare -Urn` lets any user do,
 * and programs that namespace as its root. What runs inside by `exec` has
 * no capability (securebits locked, bounding set empty, no_new_privs), so
 * it cannot change the nftables rules or routes that confine it.
 *
 * Where user namespaces are unavailable it may be installed with the file
 * capabilities cap_net_admin,cap_sys_admin. It must then let a user do
 * nothing but make such namespaces and enter the ones made for them:
 *  - no capability is effective except for one step at a time (below);
 *  - create: CAP_SYS_ADMIN for unshare(CLONE_NEWNET), then CAP_NET_ADMIN
 *    inside the new namespace only (routes, nftables, the per-namespace
 *    sysctl ip_unprivileged_port_start for port 53), in the builder child,
 *    which then drops everything; the relay drops everything at once;
 *  - exec: the namespace fd comes from the user's relay, which the user
 *    controls, so it proves nothing: CAP_SYS_ADMIN for setns() alone, then
 *    CAP_NET_ADMIN to read the comment of table inet bro *inside*, over
 *    nfnetlink as the kernel holds it (the table's own comment: not a
 *    rule's, a chain's or another table's), which must be exactly
 *    "bro-netns uid=UID" for the caller. Only a CAP_NET_ADMIN holder over
 *    that namespace can have written it (bro-netns only does so in a
 *    namespace it has just made), so a foreign namespace (root's
 *    /run/netns/NAME, another user's) is left without running anything.
 *
 * What else holds, and what does not:
 *  - the proxy password never passes through argv (the relay keeps
 *    create's argv, which ps shows to every local user): it comes from a
 *    file only its owner can read, stdin, or BRO_PROXY_PASSWORD, which is
 *    wiped from the environment before the relay is forked. The relay
 *    holds it in memory; the same UID and root can read that, as they can
 *    read any of the user's processes.
 *  - fake DNS hands out a fake address (a name CONNECTed at the proxy) only
 *    for a name that is no IPv4 literal, not localhost or *.localhost, has
 *    two labels or more, its last not numeric (dns.c): 127.0.0.1, 127.1,
 *    0x7f000001, localhost ... answer 127.0.0.1 (the namespace's own
 *    loopback). What a real name resolves to at the proxy is the proxy's
 *    business: a name whose DNS (or the proxy host's hosts file) says
 *    127.0.0.1 reaches the proxy host's loopback unless the proxy refuses
 *    such destinations. bro-netns cannot see that resolution.
 *  - what exec runs gets a seccomp filter (lib/confine.c) refusing what no
 *    network namespace or nftables rule confines: ioctl TIOCSTI/TIOCLINUX
 *    (typing into the caller's terminal, for its shell to run on the host
 *    after exec returns; exec keeps the caller's terminal and session so
 *    that interactive programs work), socket families other than unix,
 *    inet, inet6, netlink and packet (AF_VSOCK reaches the hypervisor and
 *    host past every rule), and the i386 and x32 system call tables (the
 *    process is killed: 32-bit programs do not run inside).
 *  - NOT confined: exec makes no mount namespace, so pathname unix sockets
 *    of the host (the user's D-Bus session, ssh-agent, a Docker or Podman
 *    socket, anything under /tmp or $XDG_RUNTIME_DIR the UID can reach)
 *    stay reachable from inside, and a host service behind one of them
 *    can reach the network past the proxy. bro-netns confines the network
 *    stack, not the filesystem: for that, run the workload in a sandbox
 *    with its own mount namespace (bro-run, with egress through bro-netns).
 *  - the control socket answers only our UID. A workload inside runs as
 *    that UID and can connect: it can ask for "stop" (ending its own
 *    namespace) or "fds" (which it can use for nothing it cannot already
 *    do), and it can open connections that say nothing, which cost the
 *    relay an accept and a close each, never a wait (daemon.c, Control).
 *    It cannot ask for "policy": that is answered only to a client whose
 *    socket was made in the relay's own network namespace
 *    (SO_NETNS_COOKIE of the accepted socket), and nothing inside the
 *    namespace (or below it) can make a socket outside. And `policy`
 *    sends the rules only to a listener in its own network namespace
 *    (state.c, peer_netns_ours()): the workload can write the state
 *    directory and could put a control socket of its own there.
 *  - the egress policy (--allow, --deny, --policy-file, policy.c) is
 *    checked by the relay for every TCP connection that leaves, before
 *    anything reaches the proxy: a connection to a fake address by the
 *    name the client asked the stub for (the name the proxy will be asked
 *    to CONNECT to: the verdict and the CONNECT agree), any other one by
 *    its address (name rules never match an address, so a literal address
 *    is allowed only if an address rule allows it). A denied connection is
 *    reset and never reaches the proxy; with --udp each UDP flow is
 *    checked the same way (udp.c), a denied one's datagrams dropped. What
 *    it does not cover: DNS itself (the stub answers
 *    every name, denied ones too; with --dns tcp queries go through the
 *    proxy to the resolver whatever the policy: DNS as a tunnel is
 *    possible there); what a name resolves to at the proxy (an allowed
 *    name pointing at an internal address reaches it); a workload that has
 *    a host service (a pathname unix socket, below) change the policy for
 *    it. The connection log (conns) is in the state directory, which the
 *    workload's UID can write: it is a record, not evidence.
 *
 * Theory of operation: the processes
 * ==================================
 *  1. start	(every command) the effective capability set is emptied.
 *  2. create	parses, makes BASE/NAME/ (lock, log; the relay adds ctl and
 *		info), forks the relay and waits for it to say "ready".
 *  3. relay	host namespace; setsid; forks the builder, receives the
 *		namespace's fds, drops every capability, runs netns_daemon()
 *		until destroy or SIGTERM. Holding the fds pins the namespace:
 *		no bind mount, nothing to clean up if it is killed.
 *  4. builder	(nsbuild.c) unshares user+net (or net with capabilities,
 *		see above), programs them, sends the fds, drops every
 *		capability and stays as the socket factory for bridge ports;
 *		dies with the relay (PDEATHSIG).
 *  5. exec	gets the namespace fds from the relay over ctl, checks them
 *		(rootless: a network namespace in a user namespace our UID
 *		created directly below ours, lib/nsutil; with capabilities:
 *		the tag), joins the user namespace then the network namespace,
 *		drops everything (lib/caps: caps_drop_for_exec), execs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netdb.h>
#include <poll.h>
#include <arpa/inet.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>
/* after <netinet/in.h> (via netdb.h), which it would otherwise clash with */
#include <linux/netfilter.h>

#include "args.h"
#include "caps.h"
#include "confine.h"
#include "connlog.h"
#include "cred.h"
#include "daemon.h"
#include "log.h"
#include "nl.h"
#include "nsbuild.h"
#include "nsutil.h"
#include "policy.h"
#include "state.h"
#include "udp.h"

static bool have_caps;	/* installed with cap_net_admin,cap_sys_admin+ep */

#define EXIT_USAGE	64
#define EXIT_NOPERM	77
#define STOP_WAIT_MS	5000

static void usage(FILE *f)
{
	fprintf(f,
"Usage: bro-netns create [--name NAME] --proxy URL [--dns MODE]\n"
"                        [--proxy-password-file FILE | --proxy-password-stdin]\n"
"                        [--proxy-pipeline]\n"
"                        [--bridge-port [HOSTADDR:]PORT[:NSPORT]]... [--udp]\n"
"                        [--allow PATTERN | --deny PATTERN | --policy-file FILE]...\n"
"       bro-netns exec NAME -- CMD [ARGS...]\n"
"       bro-netns policy NAME (--allow PATTERN | --deny PATTERN | --policy-file FILE)...\n"
"       bro-netns log NAME [--follow]\n"
"       bro-netns list\n"
"       bro-netns destroy NAME\n"
"\n"
"A network namespace whose only way out is the proxy: every TCP connection\n"
"is relayed through it, DNS is answered inside, everything else is refused.\n"
"\n"
"  --proxy URL          socks5://[USER@]HOST:PORT or\n"
"                       http://[USER@]HOST:PORT (HTTP CONNECT); a password\n"
"                       never goes in the URL (ps shows argv to everyone):\n"
"  --proxy-password-file FILE  the first line of FILE (yours, mode 0600)\n"
"  --proxy-password-stdin  one line from stdin (asked for on a terminal)\n"
"                       or else the environment variable BRO_PROXY_PASSWORD\n"
"  --proxy direct       no proxy: the relay connects from the host's network\n"
"                       namespace itself, names resolved on the host; with\n"
"                       --allow/--deny an egress firewall by name\n"
"  --proxy-pipeline     socks5: greeting, login and CONNECT in one write, one\n"
"                       round trip fewer per connection; only for a server\n"
"                       that reads past the greeting (dante does, microsocks\n"
"                       1.0.3 does not); offers only the method the URL needs\n"
"  --dns fake           (default) names get addresses from 198.18.0.0/15 and\n"
"                       are resolved by the proxy when connected to; A only,\n"
"                       other types are answered with no data\n"
"  --dns tcp://RESOLVER[:PORT]  queries go as DNS over TCP through the proxy\n"
"  --udp                UDP (not only DNS) through the socks5:// proxy, by\n"
"                       UDP ASSOCIATE; without it UDP is refused at once\n"
"  --udp-idle SECS      a UDP flow ends after SECS without a datagram (60)\n"
"  --sched batch|normal the relay's scheduling policy: batch (default) runs\n"
"                       it when the writer sleeps and moves what came\n"
"                       meanwhile; normal lets each wakeup preempt the\n"
"                       writer (less delay on a busy CPU, far more wakeups)\n"
"  --bridge-port [HOSTADDR:]PORT[:NSPORT]  HOSTADDR:PORT on the host\n"
"                       (default 127.0.0.1) reaches 127.0.0.1:NSPORT inside\n"
"  --name NAME          default: the first free netnsN\n"
"  --allow PATTERN, --deny PATTERN  egress policy, first match wins; once\n"
"                       any --allow is given, what matches none is denied.\n"
"                       PATTERN: NAME, *.SUFFIX (below SUFFIX, not SUFFIX\n"
"                       itself), ADDR, ADDR/LEN, or *; each with :PORT\n"
"                       ([IPv6]:PORT). Names are matched when the client\n"
"                       asked fake DNS for one, addresses otherwise.\n"
"  --policy-file FILE   \"allow PATTERN\" / \"deny PATTERN\" lines, # comments\n"
"\n"
"policy NAME ... replaces the policy of a running namespace (open\n"
"connections stay); log NAME prints its connection log (JSON lines),\n"
"--follow waits for more until the relay stops.\n"
"\n"
"create prints NAME and the namespace's path (/proc/PID/fd/N of the relay).\n"
"State lives in $XDG_RUNTIME_DIR/bro/netns/NAME (/run/bro/netns for root).\n");
}

/* "socks5://user:***@host:port": the proxy without its password */
static void proxy_masked(const struct netns_conf *c, char *buf, size_t size)
{
	const struct proxy_url *u = &c->proxy;
	bool v6 = strchr(u->host, ':') != NULL;

	if (c->direct) {
		snprintf(buf, size, "direct");
		return;
	}
	snprintf(buf, size, "%s://%s%s%s%s%s%s:%u",
		 u->type == PROXY_SOCKS5 ? "socks5" : "http",
		 u->auth ? u->user : "", u->auth ? ":***@" : "",
		 v6 ? "[" : "", u->host, v6 ? "]" : "", "", u->port);
}

/**
 * proxy_password() - the password for --proxy USER@...: from
 *		      --proxy-password-file, --proxy-password-stdin or
 *		      $BRO_PROXY_PASSWORD (in that order), never from argv.
 *		      The variable is wiped from our environment in any case,
 *		      before the relay is forked. Dies when it cannot be had.
 */
static void proxy_password(struct create_args *a)
{
	char pw[PROXY_CRED_MAX + 1], err[256];
	struct proxy_url *u = &a->conf.proxy;
	int r, env;

	env = cred_take_env(pw, sizeof(pw), err, sizeof(err));
	if (env == 1 && u->auth && !a->pass_file && !a->pass_stdin)
		log_die(EXIT_USAGE, "%s", err);
	if (a->pass_file)
		r = cred_read_file(a->pass_file, pw, sizeof(pw), err, sizeof(err));
	else if (a->pass_stdin)
		r = cred_read_fd(0, pw, sizeof(pw), err, sizeof(err));
	else
		r = env;
	if (!u->auth) {
		if (r == 0)
			log_warn("%s is set, but --proxy names no user: not used",
				 CRED_ENV);
		explicit_bzero(pw, sizeof(pw));
		return;
	}
	if (r == -ENOENT)
		log_die(EXIT_USAGE, "--proxy: user %s has no password: give it with --proxy-password-file FILE, --proxy-password-stdin or %s",
			u->user, CRED_ENV);
	if (r != 0)
		log_die(r > 0 ? EXIT_USAGE : 1, "%s", err);
	if (proxy_url_set_password(u, pw, strlen(pw)) < 0)
		log_die(EXIT_USAGE, "proxy password: 1-255 bytes without control characters expected");
	explicit_bzero(pw, sizeof(pw));
}

static void resolve_proxy(struct netns_conf *c)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG }, *ai;
	char port[8];
	int r;

	if (c->direct)
		return;		/* no proxy: names are resolved per connection */
	snprintf(port, sizeof(port), "%u", c->proxy.port);
	r = getaddrinfo(c->proxy.host, port, &hints, &ai);
	if (r != 0)
		log_die(1, "getaddrinfo(%s): %s (the proxy's host name is resolved once, on the host)",
			c->proxy.host, gai_strerror(r));
	memcpy(&c->proxy_sa, ai->ai_addr, ai->ai_addrlen);
	c->proxy_len = ai->ai_addrlen;
	freeaddrinfo(ai);
}

static const char *need_base(char *base, size_t size)
{
	const char *why;
	int r = state_base(base, size, &why);

	if (r < 0)
		log_die(1, "state directory(%s): %s (%s)", base, strerror(-r), why);
	return base;
}

static int open_bridge(struct bridge *b)
{
	int one = 1, fd;

	fd = socket(b->host.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&b->host, b->hlen) < 0 ||
	    listen(fd, 128) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	b->fd = fd;
	return 0;
}

static int ctl_listen(const char *base, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (state_path(sa.sun_path, sizeof(sa.sun_path), base, name, "ctl") < 0)
		log_die(1, "%s/%s/ctl: path too long for a unix socket", base, name);
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0)
		log_die(1, "bind(%s): %s", sa.sun_path, strerror(errno));
	return fd;
}

static int open_state_file(const char *base, const char *name, const char *file,
			   int flags)
{
	char p[PATH_MAX];
	int fd;

	if (state_path(p, sizeof(p), base, name, file) < 0)
		log_die(1, "%s/%s/%s: path too long", base, name, file);
	fd = open(p, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		log_die(1, "open(%s): %s", p, strerror(errno));
	return fd;
}

/* the relay process; @ready gets "ok PATH" once the namespace exists */
static void relay_main(struct create_args *a, const char *base, const char *name,
		       int logfd, int ready)
{
	struct ns_fds nf;
	char path[64], info[512], masked[PROXY_HOST_MAX + PROXY_CRED_MAX + 32];
	int sv[2], null, r, infofd, ctl;
	struct stat st;
	pid_t child;
	char dir[PATH_MAX];

	setsid();
	/* made here, so that SO_PEERCRED names this process */
	ctl = ctl_listen(base, name);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		log_die(1, "socketpair(): %s", strerror(errno));
	child = fork();
	if (child < 0)
		log_die(1, "fork(): %s", strerror(errno));
	if (child == 0) {
		/* nothing of ours but the socket: not the lock, not ctl */
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		/* --udp: captured for the SOCKS5 proxy (UDP ASSOCIATE) */
		nsbuild_child(3, have_caps, a->conf.udp);
	}
	close(sv[1]);
	r = nsbuild_recv(sv[0], &nf);
	if (r < 0) {
		if (r != -EIO)
			log_err("receiving the namespace: %s", strerror(-r));
		_exit(1);
	}
	/* the relay needs no privilege at all */
	r = caps_drop_all();
	if (r < 0)
		log_die(1, "capset(drop all): %s", strerror(-r));
	/* --udp answers from the address the client sent to: a transparent
	 * socket in the namespace, which takes CAP_NET_ADMIN over it */
	if (a->conf.udp) {
		r = udp_probe(nf.fd[NSFD_FACTORY]);
		if (r < 0)
			log_die(1, "--udp: setsockopt(IP_TRANSPARENT) in the namespace: %s (%s)",
				strerror(-r), r == -EPERM ?
				"UDP through the proxy needs a namespace made with an unprivileged user namespace, not the setcap path" :
				"socket from the namespace");
	}
	/* with nothing left to guard, the user may open /proc/PID/fd/N, the
	 * path create prints (file capabilities made us non-dumpable) */
	if (prctl(PR_GET_DUMPABLE) != 1 && prctl(PR_SET_DUMPABLE, 1) < 0)
		log_die(1, "prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)getpid(), nf.fd[NSFD_NET]);
	proxy_masked(&a->conf, masked, sizeof(masked));
	infofd = open_state_file(base, name, "info", O_WRONLY | O_CREAT | O_TRUNC);
	if (fstat(nf.fd[NSFD_NET], &st) < 0)
		log_die(1, "fstat(network namespace): %s", strerror(errno));
	r = snprintf(info, sizeof(info), "proxy %s\nnetns %s\nnsid %llu:%llu\ndns %s\n",
		     masked, path, (unsigned long long)st.st_dev,
		     (unsigned long long)st.st_ino,
		     a->conf.dns_mode == DNS_FAKE ? "fake" : "tcp");
	if (write(infofd, info, (size_t)r) != r)
		log_die(1, "write(%s/%s/info): %s", base, name, strerror(errno));
	close(infofd);

	dup2(logfd, 2);
	close(logfd);
	/* the connection log goes there (connlog.c) */
	if (state_path(dir, sizeof(dir), base, name, "") == 0)
		a->conf.statefd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->conf.statefd < 0)
		log_warn("open(%s): %s (connections are not logged)", dir,
			 strerror(errno));
	r = snprintf(info, sizeof(info), "ok %s", path);
	if (write(ready, info, (size_t)r) != r)
		_exit(1);
	close(ready);
	log_info("%s: relaying through %s", name, masked);
	r = netns_daemon(&a->conf, &nf, ctl);
	if (r < 0)
		log_die(1, "relay loop: %s", strerror(-r));
	log_info("%s: stopped", name);
	_exit(0);
}

/* read policy file @path (at most POLICY_TEXT_MAX bytes) into @p; dies
 * with a one-line error */
static void policy_file(struct policy *p, const char *path)
{
	char err[512], *text;
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0)
		log_die(EXIT_USAGE, "--policy-file %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		log_die(EXIT_USAGE, "--policy-file %s: not a regular file", path);
	if ((uint64_t)st.st_size > POLICY_TEXT_MAX)
		log_die(EXIT_USAGE, "--policy-file %s: larger than %u bytes", path,
			POLICY_TEXT_MAX);
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		log_die(1, "--policy-file %s: %s", path, strerror(ENOMEM));
	while (got < (size_t)st.st_size &&
	       (n = read(fd, text + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	r = policy_parse(p, text, got, path, err, sizeof(err));
	free(text);
	if (r == -ENOMEM)
		log_die(1, "--policy-file %s: %s", path, strerror(ENOMEM));
	if (r < 0)
		log_die(EXIT_USAGE, "--policy-file %s", err);
}

/**
 * build_policy() - the policy @pa describes, in order; NULL when it has no
 *		    rule. Dies (exit 64) with one line naming the bad pattern.
 */
static struct policy *build_policy(const struct policy_args *pa,
				   enum dns_mode mode)
{
	struct policy *p;
	char err[512];
	int r;

	if (pa->n == 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		log_die(1, "policy: %s", strerror(ENOMEM));
	policy_init(p);
	for (int i = 0; i < pa->n; i++) {
		const char *arg = pa->item[i].arg;

		if (pa->item[i].kind == 'f') {
			policy_file(p, arg);
			continue;
		}
		r = policy_add(p, pa->item[i].kind == 'a', arg, err, sizeof(err));
		if (r == -ENOMEM)
			log_die(1, "policy: %s", strerror(ENOMEM));
		if (r < 0)
			log_die(EXIT_USAGE, "--%s %s", pa->item[i].kind == 'a' ?
				"allow" : "deny", err);
	}
	if (p->has_names && mode != DNS_FAKE)
		log_die(EXIT_USAGE, "--allow/--deny: name patterns need --dns fake (with --dns tcp connections have only addresses, and a name rule would never match)");
	return p;
}

static int cmd_create(int argc, char **argv)
{
	struct create_args a;
	char err[256], base[PATH_MAX], dir[PATH_MAX], gen[16], buf[256];
	const char *name;
	int r, lockfd, logfd, ready[2];
	ssize_t n;
	pid_t pid;

	r = create_args_parse(argc, argv, &a, err, sizeof(err));
	if (r == 1) {
		usage(stdout);
		return 0;
	}
	if (r < 0)
		log_die(EXIT_USAGE, "%s (see bro-netns --help)", err);
	a.conf.policy = build_policy(&a.pol, a.conf.dns_mode);
	proxy_password(&a);
	resolve_proxy(&a.conf);
	need_base(base, sizeof(base));
	name = a.name;
	for (int i = 0; !name && i < 1000; i++) {
		snprintf(gen, sizeof(gen), "netns%d", i);
		if (state_path(dir, sizeof(dir), base, gen, "") == 0 &&
		    access(dir, F_OK) < 0)
			name = gen;
	}
	if (!name)
		log_die(1, "no free name netns0-netns999 (use --name)");
	if (state_path(dir, sizeof(dir), base, name, "") < 0)
		log_die(1, "%s/%s: path too long", base, name);
	if (access(dir, F_OK) == 0) {
		if (relay_alive(base, name))
			log_die(1, "create(%s): exists (bro-netns destroy %s first)",
				name, name);
		state_remove(base, name);	/* a relay killed earlier */
	}
	if (mkdir(dir, 0700) < 0)
		log_die(1, "mkdir(%s): %s", dir, strerror(errno));
	lockfd = open_state_file(base, name, "lock", O_RDWR | O_CREAT);
	if (flock(lockfd, LOCK_EX | LOCK_NB) < 0)
		log_die(1, "flock(%s/lock): %s (created concurrently?)", dir,
			strerror(errno));
	for (int i = 0; i < a.conf.nbridges; i++) {
		r = open_bridge(&a.conf.bridges[i]);
		if (r < 0) {
			state_remove(base, name);
			log_die(1, "bind(--bridge-port host port %u): %s",
				a.conf.bridges[i].nsport, strerror(-r));
		}
	}
	logfd = open_state_file(base, name, "log", O_WRONLY | O_CREAT | O_APPEND);
	if (pipe2(ready, O_CLOEXEC) < 0)
		log_die(1, "pipe2(): %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		log_die(1, "fork(): %s", strerror(errno));
	if (pid == 0) {
		close(ready[0]);
		relay_main(&a, base, name, logfd, ready[1]);
	}
	close(ready[1]);
	close(logfd);
	close(lockfd);
	n = read(ready[0], buf, sizeof(buf) - 1);
	if (n < 3 || memcmp(buf, "ok ", 3) != 0) {
		waitpid(pid, NULL, 0);
		state_remove(base, name);
		log_die(1, "create(%s): the namespace could not be made (see above)",
			name);
	}
	buf[n] = '\0';
	printf("%s %s\n", name, buf + 3);
	if (a.conf.policy) {		/* the relay has its own copy */
		policy_free(a.conf.policy);
		free(a.conf.policy);
	}
	return 0;
}

/* the namespace fds of NAME, from its relay; dies when there is none */
static void get_ns_fds(const char *base, const char *name, int fds[2], int *n)
{
	char rep[16];
	int r;

	r = ctl_request(base, name, "fds", rep, sizeof(rep), fds, n, NULL, NULL);
	if (r == -ENOENT || r == -ECONNREFUSED)
		log_die(1, "%s: no such namespace (bro-netns list shows yours)", name);
	if (r < 0)
		log_die(r == -EPERM ? EXIT_NOPERM : 1, "%s/%s/ctl: %s", base, name,
			strerror(-r));
	if (strcmp(rep, "ok") != 0 || *n < 1)
		log_die(1, "%s/%s/ctl: unexpected answer", base, name);
}

static bool same_ns(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/**
 * tagged_for() - is table inet bro of the namespace we are in tagged for @uid?
 *
 * The table's own comment, read over nfnetlink as the kernel holds it
 * (NFTA_TABLE_USERDATA, nl.c), must be exactly NS_TAG followed by @uid: a
 * rule's, chain's or set's comment, another table's, or a comment that
 * merely contains the tag is not. Only CAP_NET_ADMIN over the namespace
 * could have written it: proof that bro-netns (or root) made it for @uid.
 * Needs CAP_NET_ADMIN effective.
 */
static bool tagged_for(const char *name, uid_t uid)
{
	char want[64], got[256];
	int r;

	snprintf(want, sizeof(want), "%s%u", NS_TAG, (unsigned)uid);
	r = nft_table_comment(NFPROTO_INET, "bro", got, sizeof(got));
	if (r < 0 && r != -ENOENT)
		log_warn("%s: NFT_MSG_GETTABLE(inet bro): %s", name, strerror(-r));
	return r == 0 && strcmp(got, want) == 0;
}

/**
 * enter_checked() - check that @fds[0] is a network namespace bro-netns made
 *		     for our UID, and join it
 * @name:	for messages
 * @fds, @n:	what the relay of @name handed out: netns, its user namespace
 *
 * Rootless: the netns must belong to a user namespace our UID created right
 * below ours (lib/nsutil), the one the relay holds; we join it, then the
 * netns. With file capabilities (a namespace made where user namespaces are
 * unavailable): CAP_SYS_ADMIN for setns() alone, then CAP_NET_ADMIN to read
 * the table's tag inside; no tag for our UID, no exec. Dies when refused.
 *
 * Return: true when joined via the user namespace (root there: the caller
 *	   must lock securebits and empty the bounding set before exec)
 */
static bool enter_checked(const char *name, int fds[2], int n)
{
	int type, owner, r;

	type = ns_type(fds[0]);
	if (type != CLONE_NEWNET)
		log_die(EXIT_NOPERM, "%s: refused: not a network namespace (%s)",
			name, type < 0 ? "not a namespace file" : ns_type_name(type));
	owner = ns_owned_userns(fds[0], getuid());
	if (owner >= 0) {
		if (n < 2 || !same_ns(owner, fds[1]))
			log_die(EXIT_NOPERM, "%s: refused: the network namespace is not owned by the relay's user namespace",
				name);
		if (setns(owner, CLONE_NEWUSER) < 0)
			log_die(1, "setns(%s, user namespace): %s", name, strerror(errno));
		if (setns(fds[0], CLONE_NEWNET) < 0)
			log_die(1, "setns(%s, network namespace): %s", name, strerror(errno));
		close(owner);
		return true;
	}
	if (!have_caps)
		log_die(EXIT_NOPERM, "%s: refused: the network namespace is not in a user namespace created by uid %u (not one bro-netns made for you)",
			name, (unsigned)getuid());
	r = caps_raise(CAP_SYS_ADMIN);
	if (r < 0 || setns(fds[0], CLONE_NEWNET) < 0)
		log_die(EXIT_NOPERM, "setns(%s, network namespace): %s", name,
			strerror(r < 0 ? -r : errno));
	r = caps_lower_effective();
	if (r == 0)
		r = caps_raise(CAP_NET_ADMIN);
	if (r < 0)
		log_die(1, "capset(CAP_NET_ADMIN): %s", strerror(-r));
	if (!tagged_for(name, getuid()))
		log_die(EXIT_NOPERM, "%s: refused: the network namespace is not one bro-netns made for uid %u (the comment of its table inet bro is not \"%s%u\")",
			name, (unsigned)getuid(), NS_TAG, (unsigned)getuid());
	r = caps_lower_effective();
	if (r < 0)
		log_die(1, "capset(lower effective set): %s", strerror(-r));
	return false;
}

static int cmd_exec(int argc, char **argv)
{
	char base[PATH_MAX];
	const char *name, *step;
	int fds[2] = { -1, -1 }, n = 0, r;

	if (argc < 4 || strcmp(argv[2], "--") != 0)
		log_die(EXIT_USAGE, "exec: NAME -- CMD [ARGS...] expected");
	name = argv[1];
	if (!name_valid(name))
		log_die(EXIT_USAGE, "exec: %.40s: not a namespace name", name);
	need_base(base, sizeof(base));
	get_ns_fds(base, name, fds, &n);
	r = caps_drop_for_exec(enter_checked(name, fds, n), true, &step);
	if (r < 0)
		log_die(1, "%s: %s (capabilities may still be held, not running %s)",
			step, strerror(-r), argv[3]);
	/* no TIOCSTI into the caller's terminal, no AF_VSOCK past the netns */
	r = confine_load(&step);
	if (r < 0)
		log_die(1, "%s: %s (not running %s unconfined)", step,
			strerror(-r), argv[3]);
	if (close_range(3, ~0U, 0) < 0)
		log_die(1, "close_range(3): %s", strerror(errno));
	execvp(argv[3], argv + 3);
	r = errno;
	log_err("execvp(%s): %s", argv[3], strerror(r));
	return r == ENOENT ? 127 : 126;
}

/* the "blocked" counter, read inside the namespace by a child; -1 unknown */
static long long blocked_count(const char *name, int fds[2], int n)
{
	long long v = -1;
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct nft_ctx *nft;
		const char *out, *s;

		close(p[0]);
		log_set_level(LOG_P_ERR - 1);	/* quiet: list goes on */
		if (!enter_checked(name, fds, n) && caps_raise(CAP_NET_ADMIN) < 0)
			_exit(1);
		nft = nft_ctx_new(NFT_CTX_DEFAULT);
		if (!nft)
			_exit(1);
		nft_ctx_buffer_output(nft);
		nft_ctx_buffer_error(nft);
		if (nft_run_cmd_from_buffer(nft, "list counter inet bro blocked") != 0)
			_exit(1);
		out = nft_ctx_get_output_buffer(nft);
		s = out ? strstr(out, "packets ") : NULL;
		if (s)
			dprintf(p[1], "%lld", strtoll(s + 8, NULL, 10));
		_exit(0);
	}
	close(p[1]);
	if (pid > 0) {
		char buf[32] = "";
		ssize_t r = read(p[0], buf, sizeof(buf) - 1);

		if (r > 0) {
			buf[r] = '\0';
			v = strtoll(buf, NULL, 10);
		}
		waitpid(pid, &st, 0);
	}
	close(p[0]);
	return v;
}

static void info_value(const char *base, const char *name, const char *key,
		       char *out, size_t size)
{
	char p[PATH_MAX], line[512];
	size_t kl = strlen(key);
	FILE *f;

	snprintf(out, size, "-");
	if (state_path(p, sizeof(p), base, name, "info") < 0)
		return;
	f = fopen(p, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			size_t l = strcspn(line + kl + 1, "\n");

			if (l >= size)
				l = size - 1;
			memcpy(out, line + kl + 1, l);
			out[l] = '\0';
			break;
		}
	fclose(f);
}

static unsigned long long stat_value(const char *rep, const char *key)
{
	const char *s = strstr(rep, key);

	return s ? strtoull(s + strlen(key) + 1, NULL, 10) : 0;
}

static int cmd_list(void)
{
	char base[PATH_MAX], rep[512], frep[16], proxy[300];
	struct dirent *de;
	DIR *d;
	int fds[2], n;

	need_base(base, sizeof(base));
	d = opendir(base);
	if (!d)
		log_die(1, "opendir(%s): %s", base, strerror(errno));
	printf("%-16s %8s %-7s %-40s %8s %7s %12s %12s %8s %8s %8s\n", "NAME",
	       "PID", "STATE", "PROXY", "CONNS", "ACTIVE", "BYTES_OUT",
	       "BYTES_IN", "ALLOWED", "DENIED", "BLOCKED");
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		long long blocked;
		pid_t pid = 0;

		if (!name_valid(name))
			continue;
		info_value(base, name, "proxy", proxy, sizeof(proxy));
		if (ctl_request(base, name, "stats", rep, sizeof(rep), NULL, NULL,
				&pid, NULL) < 0) {
			printf("%-16s %8s %-7s %-40s (relay gone: bro-netns destroy %s)\n",
			       name, "-", "dead", proxy, name);
			continue;
		}
		n = 0;
		blocked = -1;
		if (ctl_request(base, name, "fds", frep, sizeof(frep), fds, &n, NULL,
				NULL) == 0 && n > 0) {
			blocked = blocked_count(name, fds, n);
			while (n > 0)
				close(fds[--n]);
		}
		printf("%-16s %8d %-7s %-40s %8llu %7llu %12llu %12llu %8llu %8llu %8lld\n",
		       name, (int)pid, "running", proxy, stat_value(rep, "conns"),
		       stat_value(rep, "active"), stat_value(rep, "bytes_out"),
		       stat_value(rep, "bytes_in"), stat_value(rep, "allowed"),
		       stat_value(rep, "denied"), blocked);
	}
	closedir(d);
	return 0;
}

/**
 * cmd_policy() - replace the policy of a running namespace
 *
 * The rules are checked here first (a bad pattern is a usage error before
 * anything is sent), then sent as policy-file text in a sealed memfd with
 * the request, so that any size fits the control protocol's one message
 * and the relay reads it without waiting (daemon.c, policy_load()).
 */
static int cmd_policy(int argc, char **argv)
{
	const int seals = F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;
	struct policy_args pa;
	struct policy *p;
	char err[256], base[PATH_MAX], rep[512], *text;
	const char *name;
	size_t len, off = 0;
	int r, fd;

	r = policy_args_parse(argc, argv, &name, &pa, err, sizeof(err));
	if (r == 1) {
		usage(stdout);
		return 0;
	}
	if (r < 0)
		log_die(EXIT_USAGE, "%s (see bro-netns --help)", err);
	/* the relay knows its DNS mode and refuses names if need be */
	p = build_policy(&pa, DNS_FAKE);
	text = policy_text(p, &len);
	if (!text)
		log_die(1, "policy: %s", strerror(ENOMEM));
	fd = memfd_create("bro-netns-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		log_die(1, "memfd_create(policy): %s", strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n <= 0)
			log_die(1, "write(policy memfd): %s", strerror(n < 0 ? errno : EIO));
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, seals) < 0)
		log_die(1, "fcntl(policy memfd, F_ADD_SEALS): %s", strerror(errno));
	free(text);
	policy_free(p);
	free(p);
	need_base(base, sizeof(base));
	r = ctl_request_fd(base, name, "policy", fd, rep, sizeof(rep));
	if (r == -ENOENT || r == -ECONNREFUSED)
		log_die(1, "%s: no such namespace (bro-netns list shows yours)", name);
	if (r == -EXDEV)
		log_die(EXIT_NOPERM, "policy %s: refused: %s/%s/ctl is answered from another network namespace than ours, or one we cannot see (run this where create ran, not inside; or the socket is not the relay's)",
			name, base, name);
	if (r < 0)
		log_die(r == -EPERM ? EXIT_NOPERM : 1, "%s/%s/ctl: %s", base, name,
			strerror(-r));
	if (strncmp(rep, "ok ", 3) == 0) {
		printf("%s: %s\n", name, rep + 3);
		return 0;
	}
	if (strncmp(rep, "usage: ", 7) == 0)
		log_die(EXIT_USAGE, "policy %s: %s", name, rep + 7);
	if (strncmp(rep, "refused: ", 9) == 0)
		log_die(EXIT_NOPERM, "policy %s: %s", name, rep + 9);
	log_die(1, "policy %s: %s", name, strncmp(rep, "error: ", 7) == 0 ?
		rep + 7 : "unexpected answer from the relay");
}

/* copy what @fd has from its current offset to stdout; Return: false when
 * stdout is gone */
static bool drain(int fd)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return false;
	return fflush(stdout) == 0;
}

static bool same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/**
 * cmd_log() - print NAME's connection log (conns.1, then conns); with
 *	       --follow, go on printing what is added, across rotations,
 *	       until the relay is gone (or SIGINT). Waits on inotify, with a
 *	       1 s timeout to notice a relay that stopped; holds one file at a
 *	       time, so it is bounded whatever runs.
 */
static int cmd_log(int argc, char **argv)
{
	char base[PATH_MAX], dir[PATH_MAX], cur[PATH_MAX], old[PATH_MAX];
	const char *name;
	bool follow = false;
	int fd, in;

	if (argc == 3 && (!strcmp(argv[2], "--follow") || !strcmp(argv[2], "-f")))
		follow = true;
	else if (argc != 2)
		log_die(EXIT_USAGE, "log: NAME [--follow] expected");
	name = argv[1];
	if (!name_valid(name))
		log_die(EXIT_USAGE, "log: %.40s: not a namespace name", name);
	need_base(base, sizeof(base));
	if (state_path(dir, sizeof(dir), base, name, "") < 0 ||
	    state_path(cur, sizeof(cur), base, name, CONNLOG_FILE) < 0 ||
	    state_path(old, sizeof(old), base, name, CONNLOG_OLD) < 0)
		log_die(1, "%s/%s: path too long", base, name);
	if (access(dir, F_OK) < 0)
		log_die(1, "%s: no such namespace (bro-netns list shows yours)", name);
	fd = open(old, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd >= 0) {
		drain(fd);
		close(fd);
	}
	fd = open(cur, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && (errno != ENOENT || !follow))
		log_die(1, "open(%s): %s", cur, strerror(errno));
	if (fd >= 0 && !drain(fd))
		return 1;
	if (!follow)
		return 0;
	in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE |
					IN_MOVED_TO | IN_MOVED_FROM |
					IN_DELETE_SELF) < 0)
		log_die(1, "inotify(%s): %s", dir, strerror(errno));
	for (;;) {
		struct pollfd pfd = { .fd = in, .events = POLLIN };
		char ev[4096];
		bool alive = relay_alive(base, name);

		if (poll(&pfd, 1, 1000) > 0 && read(in, ev, sizeof(ev)) < 0 &&
		    errno != EAGAIN)
			log_die(1, "inotify(%s): %s", dir, strerror(errno));
		/* what the file we hold got, then a new one if it rotated */
		if (fd >= 0 && !drain(fd))
			return 1;
		if (fd < 0 || !same_file(fd, cur)) {
			if (fd >= 0)
				close(fd);
			fd = open(cur, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
			if (fd >= 0 && !drain(fd))
				return 1;
		}
		if (!alive)
			return 0;	/* gone before this last look */
	}
}

/**
 * kill_inside() - SIGKILL every process of ours still in the namespace
 *		   @dev:@ino (started with exec), so that nothing holds it
 *
 * Each one is found by /proc/PID/ns/net, then pinned with a pidfd and
 * checked again before the signal, so a reused PID is never hit.
 * Return: how many processes were left when we gave up (0: none)
 */
static int kill_inside(dev_t dev, ino_t ino)
{
	char p[64];
	struct stat st;
	struct dirent *de;
	int found = 0;

	for (int round = 0; round < 50; round++) {
		DIR *d = opendir("/proc");

		if (!d)
			return -1;
		found = 0;
		while ((de = readdir(d)) != NULL) {
			int pid = atoi(de->d_name), pidfd;

			if (pid <= 0 || pid == getpid())
				continue;
			snprintf(p, sizeof(p), "/proc/%d/ns/net", pid);
			if (stat(p, &st) < 0 || st.st_dev != dev || st.st_ino != ino)
				continue;
			pidfd = pidfd_open(pid, 0);
			if (pidfd < 0)
				continue;
			if (stat(p, &st) == 0 && st.st_dev == dev && st.st_ino == ino &&
			    pidfd_send_signal(pidfd, SIGKILL, NULL, 0) == 0)
				found++;
			close(pidfd);
		}
		closedir(d);
		if (!found)
			break;
		usleep(20000);
	}
	return found;
}

/* the namespace's identity from BASE/NAME/info; false if unknown */
static bool ns_identity(const char *base, const char *name, dev_t *dev, ino_t *ino)
{
	unsigned long long d, i;
	char v[64];

	info_value(base, name, "nsid", v, sizeof(v));
	if (sscanf(v, "%llu:%llu", &d, &i) != 2)
		return false;
	*dev = (dev_t)d;
	*ino = (ino_t)i;
	return true;
}

static int cmd_destroy(int argc, char **argv)
{
	char base[PATH_MAX], dir[PATH_MAX], rep[16];
	const char *name;
	struct pollfd pfd = { .events = POLLIN };
	pid_t pid = 0;
	int r, keep = -1, pidfd = -1;
	bool known;
	dev_t dev = 0;
	ino_t ino = 0;

	if (argc != 2)
		log_die(EXIT_USAGE, "destroy: NAME expected");
	name = argv[1];
	if (!name_valid(name))
		log_die(EXIT_USAGE, "destroy: %.40s: not a namespace name", name);
	need_base(base, sizeof(base));
	if (state_path(dir, sizeof(dir), base, name, "") < 0 || access(dir, F_OK) < 0)
		log_die(1, "%s: no such namespace (bro-netns list shows yours)", name);
	known = ns_identity(base, name, &dev, &ino);
	r = ctl_request(base, name, "stop", rep, sizeof(rep), NULL, NULL, &pid, &keep);
	if (r == 0) {
		/* the connection is open, so @pid is still the relay */
		pidfd = pidfd_open(pid, 0);
		pfd.fd = keep;
		/* EOF once the relay has exited and its fds are closed */
		if (poll(&pfd, 1, STOP_WAIT_MS) <= 0 && pidfd >= 0) {
			log_warn("%s: relay %d did not stop, killing it", name, (int)pid);
			pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
		}
		close(keep);
	} else if (r != -ECONNREFUSED && r != -ENOENT) {
		log_die(r == -EPERM ? EXIT_NOPERM : 1, "%s/ctl: %s", dir, strerror(-r));
	}
	for (int i = 0; i < STOP_WAIT_MS / 10 && relay_alive(base, name); i++)
		usleep(10000);
	if (pidfd >= 0) {
		pfd.fd = pidfd;
		poll(&pfd, 1, STOP_WAIT_MS);
		close(pidfd);
	}
	if (relay_alive(base, name))
		log_die(1, "%s: the relay still holds %s/lock", name, dir);
	/* what exec started there would keep the namespace alive */
	if (known && kill_inside(dev, ino) > 0)
		log_warn("%s: processes inside the namespace survived SIGKILL", name);
	r = state_remove(base, name);
	if (r < 0)
		log_die(1, "rmdir(%s): %s", dir, strerror(-r));
	return 0;
}

int main(int argc, char **argv)
{
	/* nothing privileged is in effect unless raised for one step */
	int r = caps_lower_effective();

	log_init("bro-netns");
	if (r < 0)
		log_die(1, "capset(lower effective set): %s", strerror(-r));
	have_caps = caps_have_permitted(CAP_SYS_ADMIN) &&
		    caps_have_permitted(CAP_NET_ADMIN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("bro-netns %s\n", BRO_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "create"))
		return cmd_create(argc - 1, argv + 1);
	if (!strcmp(argv[1], "exec"))
		return cmd_exec(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list") && argc == 2)
		return cmd_list();
	if (!strcmp(argv[1], "policy"))
		return cmd_policy(argc - 1, argv + 1);
	if (!strcmp(argv[1], "log"))
		return cmd_log(argc - 1, argv + 1);
	if (!strcmp(argv[1], "destroy"))
		return cmd_destroy(argc - 1, argv + 1);
	log_die(EXIT_USAGE, "%s: unknown command (create, exec, policy, log, list, destroy; see --help)",
		argv[1]);
}
