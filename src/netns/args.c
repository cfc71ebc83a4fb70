/* SPDX-License-Identifier: MIT
 *
 * args.c - bro-netns create's command line. No syscall beyond inet_pton.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "parse.h"
#include "state.h"

static int port_parse(const char *s, size_t n, uint16_t *port)
{
	char buf[8];
	uint64_t v;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_u64(buf, 1, 65535, &v) < 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int bridge_parse(const char *s, struct bridge *b)
{
	char host[INET6_ADDRSTRLEN + 1] = "127.0.0.1";
	const char *rest = s, *c1, *c2;
	uint16_t port, nsport;
	size_t n = strlen(s);

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (n > 80)
		return -EINVAL;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');

		if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = '\0';
		rest = e + 2;
	} else {
		c1 = strchr(s, ':');
		if (c1 && !all_digits(s, (size_t)(c1 - s))) {
			if ((size_t)(c1 - s) >= sizeof(host))
				return -EINVAL;
			memcpy(host, s, (size_t)(c1 - s));
			host[c1 - s] = '\0';
			rest = c1 + 1;
		}
	}
	c2 = strchr(rest, ':');
	if (port_parse(rest, c2 ? (size_t)(c2 - rest) : strlen(rest), &port) < 0)
		return -EINVAL;
	nsport = port;
	if (c2 && port_parse(c2 + 1, strlen(c2 + 1), &nsport) < 0)
		return -EINVAL;
	if (strchr(host, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&b->host;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		b->hlen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&b->host;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		b->hlen = sizeof(*s4);
	}
	b->nsport = nsport;
	return 0;
}

int dns_parse(const char *s, enum dns_mode *mode, struct target *t)
{
	struct proxy_url u;
	const char *why;
	char buf[PROXY_HOST_MAX + 32];
	int n;

	memset(t, 0, sizeof(*t));
	if (strcmp(s, "fake") == 0) {
		*mode = DNS_FAKE;
		return 0;
	}
	if (strncmp(s, "tcp://", 6) != 0)
		return -EINVAL;
	/* the --proxy parser knows HOST:PORT and [IPv6]:PORT already */
	s += 6;
	n = snprintf(buf, sizeof(buf), "http://%s%s", s,
		     strchr(s, ':') && (s[0] != '[' || strstr(s, "]:")) ? "" : ":53");
	if (n < 0 || (size_t)n >= sizeof(buf) ||
	    proxy_url_parse(buf, &u, &why) < 0 || u.auth)
		return -EINVAL;
	t->port = u.port;
	if (inet_pton(AF_INET, u.host, &((struct sockaddr_in *)&t->sa)->sin_addr) == 1) {
		t->sa.ss_family = AF_INET;
	} else if (inet_pton(AF_INET6, u.host,
			     &((struct sockaddr_in6 *)&t->sa)->sin6_addr) == 1) {
		t->sa.ss_family = AF_INET6;
	} else {
		snprintf(t->name, sizeof(t->name), "%s", u.host);
	}
	*mode = DNS_TCP;
	return 0;
}

/* one --allow (a), --deny (d) or --policy-file (f) */
static int policy_arg(struct policy_args *pa, int c, const char *arg, char *err,
		      size_t size)
{
	if (pa->n >= POLICY_ARGS_MAX) {
		snprintf(err, size, "at most %d --allow, --deny and --policy-file: put more rules in a policy file",
			 POLICY_ARGS_MAX);
		return -EINVAL;
	}
	pa->item[pa->n].kind = c == 'A' ? 'a' : c == 'D' ? 'd' : 'f';
	pa->item[pa->n].arg = arg;
	pa->n++;
	return 0;
}

int policy_args_parse(int argc, char **argv, const char **name,
		      struct policy_args *pa, char *err, size_t size)
{
	static const struct option opts[] = {
		{ "allow", required_argument, NULL, 'A' },
		{ "deny", required_argument, NULL, 'D' },
		{ "policy-file", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(pa, 0, sizeof(*pa));
	*name = argc > 1 ? argv[1] : NULL;
	if (!*name || !name_valid(*name)) {
		snprintf(err, size, "policy: NAME expected (a namespace's name), then the rules");
		return *name && (!strcmp(*name, "--help") || !strcmp(*name, "-h")) ?
			1 : -EINVAL;
	}
	/* NAME first, then the options: argv + 1 with NAME as argv[0] */
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'A':
		case 'D':
		case 'P':
			if (policy_arg(pa, c, optarg, err, size) < 0)
				return -EINVAL;
			break;
		case 'h':
			return 1;
		default:
			snprintf(err, size, "policy: unknown option or missing value: %.40s",
				 argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, size, "policy: unexpected argument %.40s", argv[optind]);
		return -EINVAL;
	}
	if (pa->n == 0) {
		snprintf(err, size, "policy: give the new policy: --allow PATTERN, --deny PATTERN, --policy-file FILE (--allow '*' lifts it)");
		return -EINVAL;
	}
	return 0;
}

int create_args_parse(int argc, char **argv, struct create_args *a,
		      char *err, size_t size)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "proxy", required_argument, NULL, 'p' },
		{ "dns", required_argument, NULL, 'd' },
		{ "bridge-port", required_argument, NULL, 'b' },
		{ "proxy-password-file", required_argument, NULL, 'F' },
		{ "proxy-password-stdin", no_argument, NULL, 'S' },
		{ "proxy-pipeline", no_argument, NULL, 'L' },
		{ "allow", required_argument, NULL, 'A' },
		{ "deny", required_argument, NULL, 'D' },
		{ "policy-file", required_argument, NULL, 'P' },
		{ "udp", no_argument, NULL, 'U' },
		{ "udp-idle", required_argument, NULL, 'I' },
		{ "sched", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *why;
	bool pipeline = false;
	int c;

	memset(a, 0, sizeof(*a));
	a->conf.statefd = -1;
	a->conf.sched_batch = true;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!name_valid(optarg)) {
				snprintf(err, size, "--name %.40s: 1-%d of A-Z a-z 0-9 _ . - expected, not starting with . or -",
					 optarg, NAME_MAX_LEN);
				return -EINVAL;
			}
			a->name = optarg;
			break;
		case 'p':
			/* no proxy: the relay connects itself (direct.c) */
			a->conf.direct = strcmp(optarg, "direct") == 0;
			if (a->conf.direct) {
				memset(&a->conf.proxy, 0, sizeof(a->conf.proxy));
				a->proxy_text = optarg;
				break;
			}
			if (proxy_url_parse(optarg, &a->conf.proxy, &why) < 0) {
				snprintf(err, size, "--proxy: %s", why);
				return -EINVAL;
			}
			a->proxy_text = optarg;
			break;
		case 'd':
			if (dns_parse(optarg, &a->conf.dns_mode, &a->conf.resolver) < 0) {
				snprintf(err, size, "--dns %.80s: fake or tcp://RESOLVER[:PORT] expected",
					 optarg);
				return -EINVAL;
			}
			break;
		case 'b':
			if (a->conf.nbridges >= BRIDGE_MAX) {
				snprintf(err, size, "--bridge-port: at most %d", BRIDGE_MAX);
				return -EINVAL;
			}
			if (bridge_parse(optarg, &a->conf.bridges[a->conf.nbridges]) < 0) {
				snprintf(err, size, "--bridge-port %.80s: [HOSTADDR:]PORT[:NSPORT] expected",
					 optarg);
				return -EINVAL;
			}
			a->conf.nbridges++;
			break;
		case 'F':
			a->pass_file = optarg;
			break;
		case 'S':
			a->pass_stdin = true;
			break;
		case 'L':
			pipeline = true;
			break;
		case 'A':
		case 'D':
		case 'P':
			if (policy_arg(&a->pol, c, optarg, err, size) < 0)
				return -EINVAL;
			break;
		case 'U':
			a->conf.udp = true;
			break;
		case 'I': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    v < 1 || v > 3600) {
				snprintf(err, size, "--udp-idle %.40s: 1-3600 seconds expected",
					 optarg);
				return -EINVAL;
			}
			a->conf.udp_idle = (unsigned)v;
			break;
		}
		case 'C':
			if (strcmp(optarg, "batch") && strcmp(optarg, "normal")) {
				snprintf(err, size, "--sched %.40s: batch or normal expected",
					 optarg);
				return -EINVAL;
			}
			a->conf.sched_batch = strcmp(optarg, "batch") == 0;
			break;
		case 'h':
			return 1;
		default:
			snprintf(err, size, "create: unknown option or missing value: %.40s",
				 argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, size, "create: unexpected argument %.40s", argv[optind]);
		return -EINVAL;
	}
	if (!a->proxy_text) {
		snprintf(err, size, "create: --proxy is required");
		return -EINVAL;
	}
	if (a->conf.udp_idle && !a->conf.udp) {
		snprintf(err, size, "create: --udp-idle without --udp");
		return -EINVAL;
	}
	if (a->conf.udp && (a->conf.direct || a->conf.proxy.type != PROXY_SOCKS5)) {
		snprintf(err, size, "create: --udp needs a socks5:// proxy (UDP ASSOCIATE): %s",
			 a->conf.direct ? "--proxy direct does not carry UDP yet" :
			 "HTTP CONNECT cannot carry UDP, which stays refused");
		return -EINVAL;
	}
	if (pipeline && (a->conf.direct || a->conf.proxy.type != PROXY_SOCKS5)) {
		snprintf(err, size, "create: --proxy-pipeline is for a socks5:// proxy (an HTTP CONNECT is one message already)");
		return -EINVAL;
	}
	a->conf.proxy.pipeline = pipeline;
	if (a->pass_file && a->pass_stdin) {
		snprintf(err, size, "create: --proxy-password-file or --proxy-password-stdin, not both");
		return -EINVAL;
	}
	if ((a->pass_file || a->pass_stdin) && !a->conf.proxy.auth) {
		snprintf(err, size, "create: a proxy password needs a user in the URL (socks5://USER@HOST:PORT)");
		return -EINVAL;
	}
	return 0;
}
