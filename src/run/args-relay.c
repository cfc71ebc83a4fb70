/* SPDX-License-Identifier: MIT
 *
 * args-relay.c - --relay PORT=UNIXPATH, --relay PORT=HOST:PORT and
 * --publish HOSTPORT=PORT: parsed without a syscall (unit tests, fuzzer).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "run.h"

/* a TCP port 1-65535, decimal digits, no leading zero; -1 otherwise */
static int port_of(const char *s, size_t len)
{
	long v = 0;

	if (!len || len > 5 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > 65535 ? -1 : (int)v;
}

static int parse_relay(struct run_opts *o, struct run_relay *r, const char *v)
{
	const char *eq = strchr(v, '='), *t, *c;
	struct in6_addr a6;
	int p, q;

	if (!eq || (p = port_of(v, (size_t)(eq - v))) < 0)
		return run_args_fail(o, "--relay %.64s: PORT=UNIXPATH or PORT=HOST:PORT expected (PORT 1-65535)", v);
	r->port = (uint16_t)p;
	t = eq + 1;
	if (t[0] == '/') {
		if (strlen(t) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return run_args_fail(o, "--relay %.64s: the unix path is longer than %zu bytes", v,
				   sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		r->unix_path = t;
		return 0;
	}
	c = strrchr(t, ':');
	if (!c || c == t || (q = port_of(c + 1, strlen(c + 1))) < 0)
		return run_args_fail(o, "--relay %.64s: the target is neither an absolute unix path nor HOST:PORT", v);
	r->to_port = (uint16_t)q;
	if (t[0] == '[') {		/* [v6]:port */
		if (c[-1] != ']' || c - t < 3)
			return run_args_fail(o, "--relay %.64s: an IPv6 address goes in brackets: [ADDR]:PORT", v);
		t++;
		c--;
	}
	if ((size_t)(c - t) >= sizeof(r->host_buf))
		return run_args_fail(o, "--relay %.64s: the host name is too long", v);
	memcpy(r->host_buf, t, (size_t)(c - t));
	r->host_buf[c - t] = '\0';
	r->host = r->host_buf;
	/* numeric only: bro-run is static, no resolver (no NSS) in it */
	if (inet_pton(t > eq + 1 ? AF_INET6 : AF_INET, r->host, &a6) != 1)
		return run_args_fail(o, "--relay %.64s: the host must be a numeric IPv4 address or [IPv6]", v);
	return 0;
}

static int parse_publish(struct run_opts *o, struct run_relay *r, const char *v)
{
	const char *eq = strchr(v, '=');
	int p, q;

	if (!eq || (p = port_of(v, (size_t)(eq - v))) < 0 ||
	    (q = port_of(eq + 1, strlen(eq + 1))) < 0)
		return run_args_fail(o, "--publish %.64s: HOSTPORT=PORT expected (ports 1-65535)", v);
	r->publish = true;
	r->port = (uint16_t)p;
	r->to_port = (uint16_t)q;
	return 0;
}

int run_args_relay(struct run_opts *o, int argc, char **argv)
{
	bool publish;
	struct run_relay *r;

	if (!strcmp(argv[0], "--allow-unix")) {
		if (argc < 2)
			return run_args_fail(o, "--allow-unix takes an argument");
		if (argv[1][0] != '/' ||
		    strlen(argv[1]) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return run_args_fail(o, "--allow-unix %.64s: an absolute path shorter than %zu bytes expected",
				   argv[1], sizeof(((struct sockaddr_un *)0)->sun_path));
		if (o->nallow_unix == RUN_MAX_ALLOW_UNIX)
			return run_args_fail(o, "--allow-unix: at most %d", RUN_MAX_ALLOW_UNIX);
		o->allow_unix[o->nallow_unix++] = argv[1];
		return 2;
	}
	if (strcmp(argv[0], "--relay") && strcmp(argv[0], "--publish"))
		return 0;
	publish = !strcmp(argv[0], "--publish");
	if (argc < 2)
		return run_args_fail(o, "%s takes an argument", argv[0]);
	if (o->nrelays == RUN_MAX_RELAYS)
		return run_args_fail(o, "%s: at most %d --relay and --publish", argv[0], RUN_MAX_RELAYS);
	r = &o->relays[o->nrelays];
	memset(r, 0, sizeof(*r));
	r->spec = argv[1];
	r->pin = r->lfd = -1;
	if ((publish ? parse_publish : parse_relay)(o, r, argv[1]) < 0)
		return -1;
	for (size_t i = 0; i < o->nrelays; i++)
		if (o->relays[i].publish == publish && o->relays[i].port == r->port)
			return run_args_fail(o, "%s %s: port %u is already %s", argv[0], argv[1],
				   r->port, publish ? "published" : "relayed");
	o->nrelays++;
	return 2;
}

int run_args_relay_done(struct run_opts *o)
{
	if (o->nallow_unix && !o->seccomp_unix_block)
		return run_args_fail(o, "--allow-unix needs --seccomp-unix-block");
	if (o->nallow_unix && o->no_userns)
		return run_args_fail(o, "--allow-unix needs the launcher outside the sandbox: not with --no-userns");
	if (!o->nrelays)
		return 0;
	if (o->no_userns)
		return run_args_fail(o, "--relay/--publish need namespaces: not with --no-userns");
	if (!o->unshare_net)
		return run_args_fail(o, "--relay/--publish need --unshare-net (the sandbox's own network namespace)");
	if (!o->unshare_pid)
		return run_args_fail(o, "--relay/--publish need --unshare-pid (else the command could signal the relay)");
	return 0;
}
