/* SPDX-License-Identifier: MIT
 *
 * args.c - bro-proxyd's command line. The options of systemd-socket-proxyd
 * (-c/--connections-max, --exit-idle-time, -h/--help, --version) mean the
 * same here and take the same values; the rest are ours.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"
#include "parse.h"

enum {
	OPT_VERSION = 0x100, OPT_EXIT_IDLE, OPT_CONNECT_TIMEOUT, OPT_TARGET,
	OPT_PROXY, OPT_UDP_IDLE, OPT_IDLE, OPT_KEEPALIVE, OPT_DRAIN,
	OPT_LISTEN, OPT_LISTEN_DGRAM,
};

static const struct option options[] = {
	{ "connections-max",	required_argument, NULL, 'c' },
	{ "exit-idle-time",	required_argument, NULL, OPT_EXIT_IDLE },
	{ "connect-timeout",	required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "target",		required_argument, NULL, OPT_TARGET },
	{ "proxy-protocol",	required_argument, NULL, OPT_PROXY },
	{ "udp-idle-timeout",	required_argument, NULL, OPT_UDP_IDLE },
	{ "idle-timeout",	required_argument, NULL, OPT_IDLE },
	{ "keepalive",		no_argument,	   NULL, OPT_KEEPALIVE },
	{ "drain-timeout",	required_argument, NULL, OPT_DRAIN },
	{ "listen",		required_argument, NULL, OPT_LISTEN },
	{ "listen-datagram",	required_argument, NULL, OPT_LISTEN_DGRAM },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int span(const char *opt, const char *s, uint64_t *out, char *err,
		size_t errlen)
{
	if (parse_timespan_usec(s, out) < 0)
		return fail(err, errlen, "--%s=%s: not a time span (30s, 5min, infinity)",
			    opt, s);
	return 0;
}

/* "NAME=ADDRESS" (NAME optional when @need_name is false) */
static int name_addr(const char *opt, char *s, bool need_name,
		     struct proxyd_addr *pa, char *err, size_t errlen)
{
	char *eq = strchr(s, '=');
	size_t i, n;

	pa->name = NULL;
	pa->text = s;
	if (eq) {
		*eq = '\0';
		n = strlen(s);
		if (n == 0 || n > 255)
			return fail(err, errlen, "--%s: the name before '=' must be 1..255 characters",
				    opt);
		for (i = 0; i < n; i++)
			if (s[i] < ' ' || s[i] > '~' || s[i] == ':')
				return fail(err, errlen, "--%s=%s: a name is printable ASCII without ':'",
					    opt, s);
		pa->name = s;
		pa->text = eq + 1;
	} else if (need_name) {
		return fail(err, errlen, "--%s=%s: expected NAME=TARGET", opt, s);
	}
	if (addr_parse(pa->text, &pa->a) < 0)
		return fail(err, errlen,
			    "--%s: bad address '%s' (HOST:PORT, [IPv6]:PORT, /path or @abstract)",
			    opt, pa->text);
	return 0;
}

int proxyd_args_parse(int argc, char **argv, struct proxyd_args *a,
		      char *err, size_t errlen)
{
	uint64_t v;
	int c, i;

	memset(a, 0, sizeof(*a));
	a->connections_max = PROXYD_CONN_DEFAULT;
	a->exit_idle_usec = UINT64_MAX;
	a->idle_timeout_usec = UINT64_MAX;
	a->udp_idle_usec = 60ULL * 1000000;
	a->drain_usec = 5ULL * 1000000;
	err[0] = '\0';
	optind = 0;			/* full reset, parsers may run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:vh", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_u64(optarg, 1, PROXYD_CONN_MAX, &v) < 0)
				return fail(err, errlen, "--connections-max=%s: must be 1..%d",
					    optarg, PROXYD_CONN_MAX);
			a->connections_max = v;
			break;
		case OPT_EXIT_IDLE:
			if (span("exit-idle-time", optarg, &a->exit_idle_usec, err, errlen))
				return -1;
			break;
		case OPT_CONNECT_TIMEOUT:
			if (span("connect-timeout", optarg, &a->connect_timeout_usec, err, errlen))
				return -1;
			break;
		case OPT_IDLE:
			if (span("idle-timeout", optarg, &a->idle_timeout_usec, err, errlen))
				return -1;
			if (a->idle_timeout_usec == 0)
				a->idle_timeout_usec = UINT64_MAX;
			break;
		case OPT_UDP_IDLE:
			if (span("udp-idle-timeout", optarg, &a->udp_idle_usec, err, errlen))
				return -1;
			if (a->udp_idle_usec == 0)
				return fail(err, errlen, "--udp-idle-timeout must not be 0");
			break;
		case OPT_DRAIN:
			if (span("drain-timeout", optarg, &a->drain_usec, err, errlen))
				return -1;
			break;
		case OPT_PROXY:
			if (!strcmp(optarg, "v1") || !strcmp(optarg, "1"))
				a->proxy = PROXY_V1;
			else if (!strcmp(optarg, "v2") || !strcmp(optarg, "2"))
				a->proxy = PROXY_V2;
			else
				return fail(err, errlen, "--proxy-protocol=%s: expected v1 or v2",
					    optarg);
			break;
		case OPT_KEEPALIVE:
			a->keepalive = true;
			break;
		case OPT_TARGET:
			if (a->ntargets == PROXYD_TARGETS_MAX)
				return fail(err, errlen, "--target: at most %d",
					    PROXYD_TARGETS_MAX);
			if (name_addr("target", optarg, true, &a->targets[a->ntargets],
				      err, errlen))
				return -1;
			for (i = 0; i < a->ntargets; i++)
				if (!strcmp(a->targets[i].name, a->targets[a->ntargets].name))
					return fail(err, errlen, "--target %s: given twice",
						    a->targets[i].name);
			a->ntargets++;
			break;
		case OPT_LISTEN:
		case OPT_LISTEN_DGRAM:
			if (a->nlistens == PROXYD_LISTENS_MAX)
				return fail(err, errlen, "--listen: at most %d",
					    PROXYD_LISTENS_MAX);
			if (name_addr(c == OPT_LISTEN ? "listen" : "listen-datagram",
				      optarg, false, &a->listens[a->nlistens], err, errlen))
				return -1;
			a->listens[a->nlistens++].socktype =
				c == OPT_LISTEN ? SOCK_STREAM : SOCK_DGRAM;
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'h':
			a->help = true;
			return 0;
		case OPT_VERSION:
			a->version = true;
			return 0;
		case '?':
			if (optopt && strchr("c", optopt))
				return fail(err, errlen, "-%c needs a value", optopt);
			if (optopt)
				return fail(err, errlen, "unknown option -%c", optopt);
			return fail(err, errlen, "unknown option or missing value: %s",
				    argv[optind - 1]);
		default:
			return fail(err, errlen, "unknown option");
		}
	}
	if (argc - optind > 1)
		return fail(err, errlen, "too many parameters: one TARGET (try --help)");
	if (argc - optind == 1) {
		a->target.text = argv[optind];
		if (addr_parse(a->target.text, &a->target.a) < 0)
			return fail(err, errlen,
				    "bad TARGET '%s' (HOST:PORT, [IPv6]:PORT, /path or @abstract)",
				    a->target.text);
	} else if (a->ntargets == 0) {
		return fail(err, errlen, "not enough parameters: TARGET missing (try --help)");
	}
	return 0;
}
